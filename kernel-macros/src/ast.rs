//! A typed view of the user's function: its parameters and outputs, each keeping the
//! original syn node so that errors point at the user's tokens.

use syn::{FnArg, Pat, ReturnType, Type};

use crate::args::Form;
use crate::ctxt::Ctxt;

/// The kernel function as written.
pub struct KernelFn<'a> {
    pub original: &'a syn::ItemFn,
    pub params: Vec<Param<'a>>,
    /// One type per output: the return type, or each element of a returned tuple.
    pub outputs: Vec<&'a Type>,
}

/// One parameter: `name: Type`.
pub struct Param<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a Type,
}

impl<'a> KernelFn<'a> {
    /// Reads `item`, recording in `cx` every way it cannot be a kernel of `form`.
    pub fn from_syn(cx: &Ctxt, form: Form, item: &'a syn::ItemFn) -> KernelFn<'a> {
        let mut params = Vec::new();
        for input in &item.sig.inputs {
            match input {
                FnArg::Receiver(receiver) => cx.error_spanned_by(
                    receiver,
                    format!(
                        "{} kernels are free functions and take no `self`",
                        form.attr()
                    ),
                ),
                FnArg::Typed(pat_type) => match &*pat_type.pat {
                    Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                        params.push(Param {
                            ident: &pat.ident,
                            ty: &pat_type.ty,
                        });
                    }
                    other => cx.error_spanned_by(
                        other,
                        format!(
                            "{} parameters must be plain names such as `x: f64`",
                            form.attr()
                        ),
                    ),
                },
            }
        }
        let outputs = match &item.sig.output {
            ReturnType::Default if form == Form::Guvectorize => Vec::new(),
            ReturnType::Default => {
                cx.error_spanned_by(
                    &item.sig,
                    format!(
                        "{} kernels return their result: add a return type such as `-> f64`",
                        form.attr()
                    ),
                );
                Vec::new()
            }
            ReturnType::Type(_, ty) => match &**ty {
                Type::Tuple(tuple) if !tuple.elems.is_empty() => tuple.elems.iter().collect(),
                Type::Tuple(unit) => {
                    cx.error_spanned_by(
                        unit,
                        format!("{} kernels must return a value, not `()`", form.attr()),
                    );
                    Vec::new()
                }
                ty => vec![ty],
            },
        };
        if let Some(asyncness) = &item.sig.asyncness {
            cx.error_spanned_by(
                asyncness,
                format!("{} kernels cannot be `async`", form.attr()),
            );
        }
        if let Some(variadic) = &item.sig.variadic {
            cx.error_spanned_by(
                variadic,
                format!("{} kernels cannot be variadic", form.attr()),
            );
        }
        KernelFn {
            original: item,
            params,
            outputs,
        }
    }
}

/// The value of an integer literal, possibly negated or parenthesised (`3`, `-1`, `(-2)`),
/// as `T`; `None` for any other expression, or a value `T` cannot hold.
pub fn int_literal<T: TryFrom<i128>>(expr: &syn::Expr) -> Option<T> {
    fn value(expr: &syn::Expr) -> Option<i128> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => int.base10_parse().ok(),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
                value(&u.expr)?.checked_neg()
            }
            syn::Expr::Paren(p) => value(&p.expr),
            syn::Expr::Group(g) => value(&g.expr),
            _ => None,
        }
    }
    T::try_from(value(expr)?).ok()
}

/// The name of a single-segment type path without generic arguments, such as `f64` or a
/// generic `T`: what an elementwise kernel can take.
pub fn scalar_type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) if path.qself.is_none() && path.path.segments.len() == 1 => {
            let segment = &path.path.segments[0];
            segment
                .arguments
                .is_none()
                .then(|| segment.ident.to_string())
        }
        Type::Paren(inner) => scalar_type_name(&inner.elem),
        Type::Group(inner) => scalar_type_name(&inner.elem),
        _ => None,
    }
}
