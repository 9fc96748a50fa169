//! What `#[guvectorize]` checks before it expands: the signature literal, each parameter's
//! kind (view of some rank, scalar, output view), and their agreement with the signature's
//! core dimensions and size rules. Errors are spanned on the literal or the parameter.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{GenericArgument, PathArguments, Type};

use crate::args::{Args, Form};
use crate::ast::{KernelFn, scalar_type_name};
use crate::ctxt::Ctxt;
use kernel_signature::{CoreShape, Signature};

/// The last segment of a type path: `Ix2` of `ndarray::Ix2`.
fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Parses the literal with the runtime's parser; errors get a caret under the position.
pub(super) fn parse_signature(cx: &Ctxt, lit: &syn::LitStr) -> Option<Signature> {
    match Signature::parse(&lit.value()) {
        Ok(signature) => Some(signature),
        Err(error) => {
            let caret = " ".repeat(error.position);
            cx.error_spanned_by(
                lit,
                format!(
                    "invalid #[guvectorize] signature: expected {} at position {}\n  {}\n  {caret}^",
                    error.expected, error.position, error.signature
                ),
            );
            None
        }
    }
}

/// What a parameter or return type is, as far as the signature is concerned.
#[derive(Clone)]
pub(super) enum Kind {
    /// A plain value: the operand of a `()` core shape.
    Scalar(Type),
    /// `ArrayViewN<T>`, `ArrayViewMutN<T>`, `ArrayN<T>` or their `D` forms.
    Array {
        elem: Type,
        /// `None` for a dynamic rank.
        rank: Option<usize>,
        owned: bool,
        mutable: bool,
    },
}

impl Kind {
    pub(super) fn elem(&self) -> &Type {
        match self {
            Kind::Scalar(ty) | Kind::Array { elem: ty, .. } => ty,
        }
    }

    pub(super) fn core_dim_type(&self) -> TokenStream {
        match self {
            Kind::Scalar(_) => quote!(ndarray::Ix0),
            Kind::Array { rank: None, .. } => quote!(ndarray::IxDyn),
            Kind::Array { rank: Some(n), .. } => {
                let ix = format_ident!("Ix{n}");
                quote!(ndarray::#ix)
            }
        }
    }
}

pub(super) fn kind_of(ty: &Type) -> Option<Kind> {
    if let Some(name) = scalar_type_name(ty)
        && !name.starts_with("Array")
    {
        return Some(Kind::Scalar(ty.clone()));
    }
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    let name = segment.ident.to_string();
    let PathArguments::AngleBracketed(generics) = &segment.arguments else {
        return None;
    };
    let types: Vec<&Type> = generics
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    let (base, suffix) = ["ArrayViewMut", "ArrayView", "Array"]
        .iter()
        .find_map(|base| name.strip_prefix(base).map(|rest| (*base, rest)))?;
    let rank = match (suffix, types.len()) {
        ("D", 1) => None,
        ("", 2) => match last_ident(types[1])?.as_str() {
            "IxDyn" => None,
            ix => Some(ix.strip_prefix("Ix")?.parse().ok()?),
        },
        (digits, 1) => Some(digits.parse().ok()?),
        _ => return None,
    };
    Some(Kind::Array {
        elem: types[0].clone(),
        rank,
        owned: base == "Array",
        mutable: base == "ArrayViewMut",
    })
}

/// The function's operands in signature order, each with the tokens that name it.
pub(super) struct Model<'a> {
    /// Whether every parameter and output type was understood; counts are only checked then.
    pub(super) complete: bool,
    pub(super) inputs: Vec<(syn::Ident, Kind, &'a Type)>,
    pub(super) outputs: Vec<(syn::Ident, Kind, &'a Type)>,
    /// Whether outputs are returned (rather than written through `ArrayViewMut` params).
    pub(super) returned: bool,
}

pub(super) fn classify<'a>(cx: &Ctxt, func: &'a syn::ItemFn) -> Model<'a> {
    let has_return = !matches!(func.sig.output, syn::ReturnType::Default);
    let kernel = KernelFn::from_syn(cx, Form::Guvectorize, func);
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    let mut complete = kernel.params.len() == func.sig.inputs.len();
    for param in &kernel.params {
        let Some(kind) = kind_of(param.ty) else {
            complete = false;
            cx.error_spanned_by(
                param.ty,
                "#[guvectorize] parameters are `ArrayViewN<T>` or `ArrayViewD<T>` for core \
                 dimensions, `ArrayViewMutN<T>` for outputs, or a scalar such as `f64` for `()`",
            );
            continue;
        };
        let mutable = matches!(kind, Kind::Array { mutable: true, .. });
        if matches!(kind, Kind::Array { owned: true, .. }) {
            complete = false;
            cx.error_spanned_by(
                param.ty,
                "#[guvectorize] inputs are views: use `ArrayViewN<T>` rather than an owned array",
            );
        } else if mutable {
            outputs.push((param.ident.clone(), kind, param.ty));
        } else if outputs.is_empty() {
            inputs.push((param.ident.clone(), kind, param.ty));
        } else {
            complete = false;
            cx.error_spanned_by(
                param.ty,
                "#[guvectorize] output parameters (`ArrayViewMut`) come after every input",
            );
        }
    }
    if has_return && !outputs.is_empty() {
        complete = false;
        cx.error_spanned_by(
            &func.sig.output,
            "#[guvectorize] kernels either return their outputs or write them through \
             `ArrayViewMut` parameters, not both",
        );
    }
    if has_return {
        for (j, ty) in kernel.outputs.iter().enumerate() {
            if let Some(kind @ (Kind::Scalar(_) | Kind::Array { owned: true, .. })) = kind_of(ty) {
                outputs.push((format_ident!("__kernel_out{j}"), kind, *ty));
            } else {
                complete = false;
                cx.error_spanned_by(
                    ty,
                    "#[guvectorize] kernels return `ArrayN<T>`, `ArrayD<T>`, a scalar such as \
                     `f64`, or a tuple of them",
                );
            }
        }
    }
    Model {
        complete,
        inputs,
        outputs,
        returned: has_return,
    }
}

/// Records in `cx` what makes the function impossible to expand (operand counts, size
/// rules), and in `soft` what leaves its generated signatures known (an operand's rank
/// against its core shape).
pub(super) fn validate(
    cx: &Ctxt,
    soft: &Ctxt,
    args: &Args,
    func: &syn::ItemFn,
    signature: &Signature,
    model: &Model<'_>,
) {
    let counts = [
        ("inputs", signature.inputs(), &model.inputs),
        ("outputs", signature.outputs(), &model.outputs),
    ];
    for (role, cores, operands) in counts {
        if !model.complete {
            continue;
        }
        if cores.len() != operands.len() {
            let spanned: &dyn quote::ToTokens = if role == "outputs" && model.returned {
                &func.sig.output
            } else {
                &func.sig.inputs
            };
            cx.error_spanned_by(
                spanned,
                format!(
                    "#[guvectorize] signature {:?} has {} but `{}` has {}",
                    signature.as_str(),
                    count(cores.len(), &role[..role.len() - 1]),
                    func.sig.ident,
                    operands.len()
                ),
            );
            continue;
        }
        for (core, (_, kind, ty)) in cores.iter().zip(operands.iter()) {
            check_rank(soft, core, kind, ty);
        }
    }
    let output_only = signature.output_only_dims();
    for (name, _) in &args.size_rules {
        if !output_only.contains(&name.to_string().as_str()) {
            cx.error_spanned_by(
                name,
                format!(
                    "unknown #[guvectorize] argument `{name}`, expected one of `parallel`, \
                     `grain`, `simd`, `crate`, or a size rule for a dimension that appears only in \
                     outputs ({})",
                    if output_only.is_empty() {
                        "this signature has none".to_owned()
                    } else {
                        output_only
                            .iter()
                            .map(|d| format!("`{d}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            );
        }
    }
    let input_dims: Vec<&str> = signature
        .dim_names()
        .into_iter()
        .filter(|n| !output_only.contains(n))
        .collect();
    for (_, rule) in &args.size_rules {
        if let Ok(expr) = rule.parse::<syn::Expr>() {
            let mut names = RuleNames::default();
            syn::visit::Visit::visit_expr(&mut names, &expr);
            for unknown in names.0.iter().filter(|n| !input_dims.contains(&n.as_str())) {
                cx.error_spanned_by(
                    rule,
                    format!(
                        "#[guvectorize] size rule uses `{unknown}`, which is not a dimension of \
                         the inputs (they are {})",
                        input_dims
                            .iter()
                            .map(|d| format!("`{d}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        if let Err(error) = rule.parse::<syn::Expr>() {
            cx.error_spanned_by(
                rule,
                format!("#[guvectorize] size rule is not an expression: {error}"),
            );
        }
    }
}

/// The plain names a size rule uses: each must be an input dimension.
#[derive(Default)]
struct RuleNames(Vec<String>);

impl<'ast> syn::visit::Visit<'ast> for RuleNames {
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if let Some(ident) = path.path.get_ident() {
            self.0.push(ident.to_string());
        }
    }

    // Method names (`n.saturating_sub(1)`) are not dimensions.
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.visit_expr(&call.receiver);
        for arg in &call.args {
            self.visit_expr(arg);
        }
    }
}

/// `1 input`, `2 inputs`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn check_rank(cx: &Ctxt, core: &CoreShape, kind: &Kind, ty: &Type) {
    let core_text = format!(
        "({})",
        core.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    match kind {
        Kind::Scalar(_) if !core.is_empty() => cx.error_spanned_by(
            ty,
            format!(
                "#[guvectorize] core shape `{core_text}` has {}: use an array view of that rank, \
                 or `ArrayViewD<T>`",
                count(core.len(), "dimension")
            ),
        ),
        Kind::Array { rank: Some(r), .. } if core.is_empty() && *r > 0 => {
            cx.error_spanned_by(
                ty,
                "#[guvectorize] core shape `()` is a single value: use a scalar type such as \
                 `f64` for it",
            );
        }
        Kind::Array { rank: Some(_), .. } if core.iter().any(|d| d.optional) => {
            cx.error_spanned_by(
                ty,
                format!(
                    "#[guvectorize] core shape `{core_text}` has optional dimensions, so its rank \
                     varies: use `ArrayViewD<T>` (or `ArrayD<T>`)"
                ),
            );
        }
        Kind::Array {
            rank: Some(rank), ..
        } if *rank != core.len() => cx.error_spanned_by(
            ty,
            format!(
                "#[guvectorize] core shape `{core_text}` has {} but this type has rank {rank}",
                count(core.len(), "dimension")
            ),
        ),
        _ => {}
    }
}
