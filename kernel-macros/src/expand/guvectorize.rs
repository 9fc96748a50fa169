//! `#[guvectorize("(n,k),(k,m)->(n,m)")]`: a function over core dimensions becomes a
//! generalized ufunc whose loop dimensions broadcast and run in parallel.
//!
//! ```text
//! #[guvectorize("(n),()->(n)")]             fn shift_core(x: ArrayView1<f32>, by: f32) -> Array1<f32>
//! fn shift(x: ArrayView1<f32>, by: f32)     fn shift(x, by) -> Result<ArrayD<f32>, KernelError>
//!     -> Array1<f32> { .. }                 fn shift_into(x, by, &mut out) -> Result<(), KernelError>
//!                                           mod shift { INPUTS, OUTPUTS, SIGNATURE, DIMS }
//! ```
//!
//! The signature is parsed here by the runtime's own parser and checked against the
//! parameters; at run time `shift_into` binds the core dimensions, broadcasts the loop
//! dimensions and calls `shift_core` once per loop index through `zip_cores`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

use super::{UserGenerics, allow_lints, with_errors};
use crate::args::{Args, Form};
use crate::ast::{KernelFn, scalar_type_name};
use crate::ctxt::Ctxt;
use kernel_signature::{CoreShape, Signature};

pub fn guvectorize(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return with_errors(&item, &error),
    };
    let cx = Ctxt::new();
    let args = Args::parse(&cx, Form::Guvectorize, args);
    let signature = args
        .signature
        .as_ref()
        .and_then(|lit| parse_signature(&cx, lit));
    if let Some(position) = func.attrs.iter().position(is_stencil_attr) {
        return match (cx.check(), signature) {
            (Ok(()), Some(signature)) => over_stencil(args, func, position, &signature),
            (Err(error), _) => with_errors(&item, &error),
            (Ok(()), None) => unreachable!("a signature that did not parse was reported"),
        };
    }
    let model = classify(&cx, &func);
    if let Some(signature) = &signature {
        validate(&cx, &args, &func, signature, &model);
    }
    if let Err(error) = cx.check() {
        return with_errors(&item, &error);
    }
    let Some(signature) = signature else {
        unreachable!("a signature that did not parse was reported above");
    };
    expand(&args, &func, &signature, &model)
}

fn is_stencil_attr(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "stencil")
}

/// `#[guvectorize("(n,m)->(n,m)")]` on a `#[stencil]` function (seed 002's wish): the
/// stencil keeps a hidden name, and the gufunc's core function runs it on one plane.
///
/// ```text
/// #[guvectorize("(n,m)->(n,m)")]        #[stencil] fn __smooth_stencil(x: Rel<i8>) -> i8 { .. }
/// #[stencil]                            #[guvectorize("(n,m)->(n,m)")]
/// fn smooth(x: Rel<i8>) -> i8 { .. }    fn smooth(x: ArrayView2<i8>, out: ArrayViewMut2<i8>) {
///                                           __smooth_stencil_into(x, &mut out)
///                                       }
/// ```
fn over_stencil(
    args: Args,
    func: syn::ItemFn,
    position: usize,
    signature: &Signature,
) -> TokenStream {
    let name = &func.sig.ident;
    let hidden = format_ident!("__{}_stencil", name);
    let hidden_into = format_ident!("__{}_stencil_into", name);
    let private = &args.krate;
    let mut inner = func.clone();
    inner.sig.ident = hidden.clone();
    inner.vis = syn::Visibility::Inherited;
    inner.attrs.retain(|a| !a.path().is_ident("doc"));
    inner.attrs.insert(0, syn::parse_quote!(#[doc(hidden)]));
    let mut outer_attrs = func.attrs.clone();
    outer_attrs.remove(position);
    let rank_of = |core: Option<&CoreShape>| {
        let ix = format_ident!("Ix{}", core.map_or(0, Vec::len));
        quote!(#private::ndarray::#ix)
    };
    let in_rank = rank_of(signature.inputs().first());
    let out_rank = rank_of(signature.outputs().first());
    let out_ty = match &func.sig.output {
        syn::ReturnType::Type(_, ty) => quote!(#ty),
        syn::ReturnType::Default => quote!(()),
    };
    let mut params = Vec::new();
    let mut call = Vec::new();
    for input in &func.sig.inputs {
        let syn::FnArg::Typed(pat_type) = input else {
            continue;
        };
        let pat = &pat_type.pat;
        if kind_of(&pat_type.ty).is_some() {
            let ty = &pat_type.ty;
            params.push(quote!(#pat: #ty));
        } else {
            // `Rel<T>`: the plane, as a view of the signature's core rank.
            let elem = rel_elem(&pat_type.ty);
            params.push(quote!(#pat: #private::ndarray::ArrayView<'_, #elem, #in_rank>));
        }
        call.push(quote!(#pat));
    }
    let vis = &func.vis;
    let core: syn::ItemFn = syn::parse_quote! {
        #(#outer_attrs)*
        #vis fn #name(
            #(#params,)*
            mut __kernel_out: #private::ndarray::ArrayViewMut<'_, #out_ty, #out_rank>,
        ) {
            #hidden_into(#(#call,)* &mut __kernel_out)
                .expect("the gufunc signature gives the stencil's output its input's shape");
        }
    };
    let cx = Ctxt::new();
    let model = classify(&cx, &core);
    validate(&cx, &args, &core, signature, &model);
    if let Err(error) = cx.check() {
        return with_errors(&quote!(#inner), &error);
    }
    let gufunc = expand(&args, &core, signature, &model);
    quote!(#inner #gufunc)
}

/// The last segment of a type path: `Ix2` of `ndarray::Ix2`.
fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `T` of `Rel<T>`.
fn rel_elem(ty: &Type) -> TokenStream {
    if let Type::Path(path) = ty
        && let Some(segment) = path.path.segments.last()
        && let PathArguments::AngleBracketed(args) = &segment.arguments
        && let Some(GenericArgument::Type(elem)) = args.args.first()
    {
        return quote!(#elem);
    }
    quote!(#ty)
}

/// Parses the literal with the runtime's parser; errors get a caret under the position.
fn parse_signature(cx: &Ctxt, lit: &syn::LitStr) -> Option<Signature> {
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
enum Kind {
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
    fn elem(&self) -> &Type {
        match self {
            Kind::Scalar(ty) | Kind::Array { elem: ty, .. } => ty,
        }
    }

    fn core_dim_type(&self) -> TokenStream {
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

fn kind_of(ty: &Type) -> Option<Kind> {
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
struct Model<'a> {
    /// Whether every parameter and output type was understood; counts are only checked then.
    complete: bool,
    inputs: Vec<(syn::Ident, Kind, &'a Type)>,
    outputs: Vec<(syn::Ident, Kind, &'a Type)>,
    /// Whether outputs are returned (rather than written through `ArrayViewMut` params).
    returned: bool,
}

fn classify<'a>(cx: &Ctxt, func: &'a syn::ItemFn) -> Model<'a> {
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

fn validate(cx: &Ctxt, args: &Args, func: &syn::ItemFn, signature: &Signature, model: &Model<'_>) {
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
            check_rank(cx, core, kind, ty);
        }
    }
    let output_only = signature.output_only_dims();
    for (name, _) in &args.size_rules {
        if !output_only.contains(&name.to_string().as_str()) {
            cx.error_spanned_by(
                name,
                format!(
                    "unknown #[guvectorize] argument `{name}`, expected one of `parallel`, \
                     `grain`, `crate`, or a size rule for a dimension that appears only in \
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

#[allow(
    clippy::too_many_lines,
    reason = "one quote! of the generated items, built from named pieces"
)]
fn expand(
    args: &Args,
    func: &syn::ItemFn,
    signature: &Signature,
    model: &Model<'_>,
) -> TokenStream {
    let private = &args.krate;
    let vis = &func.vis;
    let name = &func.sig.ident;
    let core_name = format_ident!("{}_core", name);
    let into_name = format_ident!("{}_into", name);
    let (impl_generics, _, where_clause) = func.sig.generics.split_for_impl();
    let user = UserGenerics::of(&func.sig.generics);
    let (user_params, user_predicates) = (&user.params, &user.predicates);
    let lints = allow_lints();
    let lit = args.signature.as_ref().expect("parsed");

    let n_in = model.inputs.len();
    let n_out = model.outputs.len();
    let into_call = user.call_args(n_in + 2 * n_out);
    let core_call = user.call_args(0);
    let in_names: Vec<_> = model.inputs.iter().map(|(n, _, _)| n).collect();
    let in_strs: Vec<_> = in_names.iter().map(ToString::to_string).collect();
    let in_elems: Vec<_> = model.inputs.iter().map(|(_, k, _)| k.elem()).collect();
    let in_dims: Vec<_> = model
        .inputs
        .iter()
        .map(|(_, k, _)| k.core_dim_type())
        .collect();
    let out_names: Vec<_> = (0..n_out)
        .map(|j| format_ident!("__kernel_out{j}"))
        .collect();
    let out_strs: Vec<String> = if model.returned {
        (0..n_out)
            .map(|j| {
                if n_out == 1 {
                    "out".into()
                } else {
                    format!("out{j}")
                }
            })
            .collect()
    } else {
        model
            .outputs
            .iter()
            .map(|(n, _, _)| n.to_string())
            .collect()
    };
    let out_elems: Vec<_> = model.outputs.iter().map(|(_, k, _)| k.elem()).collect();
    let out_dims: Vec<_> = model
        .outputs
        .iter()
        .map(|(_, k, _)| k.core_dim_type())
        .collect();
    let operand_types: Vec<_> = (0..n_in).map(|i| format_ident!("__KernelA{i}")).collect();
    let storage_types: Vec<_> = (0..n_out).map(|j| format_ident!("__KernelS{j}")).collect();
    let out_dim_types: Vec<_> = (0..n_out).map(|j| format_ident!("__KernelD{j}")).collect();
    let in_indices: Vec<_> = (0..n_in).collect();
    let out_indices: Vec<_> = (0..n_out).collect();

    let element_bounds: TokenStream = in_elems
        .iter()
        .chain(&out_elems)
        .map(|ty| {
            quote_spanned! {ty.span()=>
                #ty: ::core::marker::Copy + ::core::marker::Send + ::core::marker::Sync + 'static,
            }
        })
        .collect();

    // Arguments of the core function: views as they come, `()` operands as their value.
    let call_args = model.inputs.iter().map(|(n, kind, _)| match kind {
        Kind::Scalar(_) => quote!(#private::dispatch::scalar_of(&#n)),
        Kind::Array { .. } => quote!(#n),
    });
    let call = if model.returned {
        let results: Vec<_> = (0..n_out)
            .map(|j| format_ident!("__kernel_result{j}"))
            .collect();
        let stores = model.outputs.iter().enumerate().map(|(j, (_, kind, _))| {
            let (out, result, label) = (&out_names[j], &results[j], &out_strs[j]);
            match kind {
                Kind::Scalar(_) => quote!(#out[()] = #result;),
                Kind::Array { .. } => quote! {
                    #private::dispatch::assign_returned(
                        #private::Operand::output(#j).named(#label), &mut #out, &#result,
                    )?;
                },
            }
        });
        let pattern = if n_out == 1 {
            quote!(#(#results)*)
        } else {
            quote!((#(#results),*))
        };
        quote! {
            let #pattern = #core_name #core_call (#(#call_args),*);
            #(#stores)*
        }
    } else {
        quote!(#core_name #core_call (#(#call_args,)* #(#out_names),*);)
    };

    let out_none: Vec<_> = (0..n_out)
        .map(|_| quote!(::core::option::Option::<&[usize]>::None))
        .collect();
    let rules: Vec<_> = args
        .size_rules
        .iter()
        .map(|(dim, rule)| {
            let dim_str = dim.to_string();
            let expr: syn::Expr = rule.parse().expect("validated");
            let names: Vec<_> = signature
                .dim_names()
                .into_iter()
                .filter(|n| !signature.output_only_dims().contains(n))
                .map(|n| format_ident!("{n}"))
                .collect();
            let name_strs = names.iter().map(ToString::to_string);
            quote! {
                (#dim_str, &|__kernel_sizes: &#private::bind::CoreSizes<'_>| -> usize {
                    #(
                        #[allow(unused_variables, reason = "a rule uses the dimensions it needs")]
                        let #names: usize = __kernel_sizes.get(#name_strs).unwrap_or(1);
                    )*
                    #expr
                })
            }
        })
        .collect();
    let n_rules = args.size_rules.len();
    let schedule = super::vectorize::schedule(args);
    let sig_text = lit.value();
    let dims: Vec<_> = signature
        .dim_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let returned_ty = if n_out == 1 {
        quote!(#private::ndarray::ArrayD<#(#out_elems)*>)
    } else {
        quote!((#(#private::ndarray::ArrayD<#out_elems>),*))
    };
    let returned = if n_out == 1 {
        quote!(#(#out_names)*)
    } else {
        quote!((#(#out_names),*))
    };
    let user_attrs = func.attrs.iter().filter(|a| !a.path().is_ident("doc"));
    let docs: Vec<_> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let (body, inputs, output) = (&func.block, &func.sig.inputs, &func.sig.output);
    let core_doc = format!(
        "The core function behind the [`{name}`] gufunc, as written under `#[guvectorize]`."
    );
    let array_doc = format!(
        "\n\nGeneralized ufunc `{sig_text}` generated by `#[guvectorize]` from [`{core_name}`]: \
         loop dimensions broadcast NumPy-style and run in parallel; returns new arrays.\n\n\
         # Errors\n\nA `KernelError` naming the operand, core dimension and sizes when the \
         shapes do not fit the signature."
    );
    let into_doc = format!(
        "Writes [`{name}`] into existing outputs, whose shapes must be the loop shape followed \
         by their core shapes.\n\n# Errors\n\nAs [`{name}`], and `KernelError::ShapeMismatch` \
         for an output of another shape."
    );
    let mod_doc = format!("Metadata of the [`{name}`](fn@{name}) gufunc.");

    quote! {
        #(#user_attrs)*
        #[doc = #core_doc]
        #vis fn #core_name #impl_generics (#inputs) #output #where_clause #body

        #(#docs)*
        #[doc = #array_doc]
        #lints
        #vis fn #name<#(#user_params,)* #(#operand_types),*>(
            #(#in_names: #operand_types),*
        ) -> ::core::result::Result<#returned_ty, #private::KernelError>
        where
            #(#user_predicates,)*
            #(#operand_types: #private::operand::AsOperand<#in_elems>,)*
            #element_bounds
            #(#out_elems: ::core::default::Default,)*
        {
            #(let #in_names = #private::operand::AsOperand::as_operand(&#in_names);)*
            let __kernel_rules: [#private::bind::SizeRule<'_>; #n_rules] = [#(#rules),*];
            let __kernel_binding = #private::bind::Binder::new(#name::signature())
                .names(&[#(#in_strs),*], &[#(#out_strs),*])
                .size_rules(&__kernel_rules)
                .bind(&[#(#in_names.shape()),*], &[#(#out_none),*])?;
            #(
                let mut #out_names = #private::alloc::output::<#out_elems, _>(
                    #private::ndarray::IxDyn(__kernel_binding.outputs()[#out_indices].shape()),
                );
            )*
            #into_name #into_call (#(#in_names,)* #(&mut #out_names),*)?;
            ::core::result::Result::Ok(#returned)
        }

        #[doc = #into_doc]
        #lints
        #vis fn #into_name<
            #(#user_params,)* #(#operand_types,)* #(#storage_types,)* #(#out_dim_types),*
        >(
            #(#in_names: #operand_types,)*
            #(#out_names: &mut #private::ndarray::ArrayBase<#storage_types, #out_dim_types>),*
        ) -> ::core::result::Result<(), #private::KernelError>
        where
            #(#user_predicates,)*
            #(#operand_types: #private::operand::AsOperand<#in_elems>,)*
            #(#storage_types: #private::ndarray::DataMut<Elem = #out_elems>,)*
            #(#out_dim_types: #private::ndarray::Dimension,)*
            #element_bounds
        {
            #(let #in_names = #private::operand::AsOperand::as_operand(&#in_names);)*
            let __kernel_rules: [#private::bind::SizeRule<'_>; #n_rules] = [#(#rules),*];
            let __kernel_binding = #private::bind::Binder::new(#name::signature())
                .names(&[#(#in_strs),*], &[#(#out_strs),*])
                .size_rules(&__kernel_rules)
                .bind(
                    &[#(#in_names.shape()),*],
                    &[#(::core::option::Option::Some(#out_names.shape())),*],
                )?;
            let __kernel_loop = __kernel_binding.loop_shape();
            let __kernel_cost: usize = __kernel_binding
                .inputs()
                .iter()
                .chain(__kernel_binding.outputs())
                .map(|o| o.core_shape().iter().product::<usize>())
                .sum();
            #(
                let #in_names = #private::dispatch::broadcast_core(
                    &#in_names, __kernel_loop, __kernel_binding.inputs()[#in_indices].kernel_core_shape(),
                );
            )*
            #private::dispatch::zip_cores(
                __kernel_loop,
                (#(#private::dispatch::CoreIn::<#in_elems, #private::#in_dims>::new(
                    #in_names, __kernel_binding.inputs()[#in_indices].core_ndim(),
                ),)*),
                (#(#private::dispatch::CoreOut::<#out_elems, #private::#out_dims>::new(
                    #out_names.view_mut().into_dyn(), __kernel_binding.outputs()[#out_indices].core_ndim(),
                ),)*),
                #schedule.with_cost(__kernel_cost),
                |(#(#in_names,)*), (#(mut #out_names,)*)| {
                    #call
                    ::core::result::Result::Ok(())
                },
            )
        }

        #[doc = #mod_doc]
        #[allow(non_snake_case, reason = "named after the kernel function")]
        #vis mod #name {
            /// How many inputs the gufunc takes.
            pub const INPUTS: usize = #n_in;
            /// How many outputs it produces.
            pub const OUTPUTS: usize = #n_out;
            /// Its signature, as written.
            pub const SIGNATURE: &str = #sig_text;
            /// Its core dimension names, in order of first appearance.
            pub const DIMS: &[&str] = &[#(#dims),*];

            /// The parsed signature, parsed once.
            pub fn signature() -> &'static #private::Signature {
                static PARSED: ::std::sync::OnceLock<#private::Signature> =
                    ::std::sync::OnceLock::new();
                PARSED.get_or_init(|| {
                    #private::Signature::parse(SIGNATURE).expect("checked at compile time")
                })
            }

        }
    }
}
