//! What `#[stencil]` checks before it expands: each parameter's kind, the rank every read
//! agrees on, the declared neighbourhood and the boundary modes. Errors are spanned on the
//! user's tokens and gathered in the context.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, GenericArgument, PathArguments, Type};

use crate::analysis::access::{Accesses, Offset};
use crate::args::Args;
use crate::ast::scalar_type_name;
use crate::ctxt::Ctxt;

/// Mode names and what they mean; scipy's `grid-` spellings are the same for filters.
const MODES: &[(&str, &str)] = &[
    ("skip", "Skip"),
    ("constant", "Constant"),
    ("nearest", "Nearest"),
    ("reflect", "Reflect"),
    ("mirror", "Mirror"),
    ("wrap", "Wrap"),
    ("valid", "Valid"),
    ("grid-constant", "Constant"),
    ("grid-mirror", "Reflect"),
    ("grid-wrap", "Wrap"),
];

/// How a `#[stencil]` function reads one of its parameters.
pub(super) enum ParamKind<'a> {
    /// `x: Rel<T>`: read by relative index.
    Relative(&'a Type),
    /// An array view, passed through for absolute indexing (Numba's `standard_indexing`).
    Absolute,
    /// A plain value.
    Scalar,
}

pub(super) fn param_kind<'a>(cx: &Ctxt, ty: &'a Type) -> ParamKind<'a> {
    if let Type::Path(path) = ty
        && let Some(segment) = path.path.segments.last()
    {
        let name = segment.ident.to_string();
        if name == "Rel" {
            if let PathArguments::AngleBracketed(args) = &segment.arguments
                && let Some(GenericArgument::Type(elem)) = args.args.first()
            {
                return ParamKind::Relative(elem);
            }
            cx.error_spanned_by(ty, "#[stencil] `Rel` takes the element type: `Rel<f64>`");
            return ParamKind::Scalar;
        }
        if name.starts_with("ArrayView") {
            if name.starts_with("ArrayViewMut") {
                cx.error_spanned_by(
                    ty,
                    "#[stencil] inputs are read-only: use `ArrayView`, not `ArrayViewMut`",
                );
            }
            return ParamKind::Absolute;
        }
    }
    if scalar_type_name(ty).is_none() {
        cx.error_spanned_by(
            ty,
            "#[stencil] parameters are `Rel<T>` arrays read by relative index, `ArrayView`s \
             indexed absolutely, or plain values such as `f64`",
        );
    }
    ParamKind::Scalar
}

/// One end of a declared neighbourhood: an integer literal, known to the macro, or an
/// expression of the kernel's parameters (`w`, `-r`), known at the call.
#[derive(Clone)]
pub(super) enum Bound {
    Literal(isize),
    Dynamic(Expr),
}

impl Bound {
    pub(super) fn literal(&self) -> Option<isize> {
        match self {
            Bound::Literal(value) => Some(*value),
            Bound::Dynamic(_) => None,
        }
    }

    /// The bound as an `isize` expression; a dynamic one keeps the user's span, so that a
    /// bound of another type is reported on it.
    pub(super) fn tokens(&self) -> TokenStream {
        match self {
            Bound::Literal(value) => quote!(#value),
            Bound::Dynamic(expr) => {
                quote_spanned!(expr.span()=> { let bound: isize = #expr; bound })
            }
        }
    }
}

/// Every identifier in `tokens`.
pub(super) fn mentioned(tokens: TokenStream) -> Vec<proc_macro2::Ident> {
    tokens
        .into_iter()
        .flat_map(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => vec![ident],
            proc_macro2::TokenTree::Group(group) => mentioned(group.stream()),
            _ => Vec::new(),
        })
        .collect()
}

/// `[(-3, 3), (0, w)]`: per axis, a pair of integer literals or `isize` expressions of the
/// kernel's parameters.
pub(super) fn neighborhood(cx: &Ctxt, expr: &Expr) -> Option<Vec<(Bound, Bound)>> {
    let Expr::Array(array) = expr else {
        cx.error_spanned_by(expr, "#[stencil] `neighborhood` is a list of `(lo, hi)` pairs, one per axis, such as `[(-3, 3)]`");
        return None;
    };
    let mut pairs = Vec::new();
    for elem in &array.elems {
        let bound = |e: &Expr| {
            crate::ast::int_literal(e).map_or_else(|| Bound::Dynamic(e.clone()), Bound::Literal)
        };
        let pair = match elem {
            Expr::Tuple(t) if t.elems.len() == 2 => Some((bound(&t.elems[0]), bound(&t.elems[1]))),
            _ => None,
        };
        match pair {
            Some((Bound::Literal(lo), Bound::Literal(hi))) if lo > hi => {
                cx.error_spanned_by(elem, format!("#[stencil] neighborhood bounds are `(lo, hi)` with `lo <= hi`, found ({lo}, {hi})"));
                return None;
            }
            Some(pair) => pairs.push(pair),
            None => {
                cx.error_spanned_by(elem, "#[stencil] neighborhood bounds are `(lo, hi)` pairs of integer literals or `isize` expressions of the kernel's parameters");
                return None;
            }
        }
    }
    Some(pairs)
}

/// The stencil's rank: the arity every read agrees on, or the declared neighbourhood's.
/// `declared` is `None` both without a `neighborhood` and with one reported malformed
/// (`attempted`): only the first makes computed offsets an error of their own.
pub(super) fn rank(
    cx: &Ctxt,
    accesses: &Accesses<'_>,
    (declared, attempted): (Option<&[(Bound, Bound)]>, bool),
    func: &syn::ItemFn,
) -> Option<usize> {
    // The rank is the declared neighbourhood's, or the arity of the first read that spells
    // one index per axis; a lone computed index (`x[k]`, `x[d]`) is a 1-D offset only when
    // nothing says otherwise.
    let mut rank = declared.map(<[_]>::len).or_else(|| {
        accesses
            .reads
            .iter()
            .find(|a| a.tells_rank())
            .map(|a| a.offsets.len())
    });
    for access in &accesses.reads {
        let arity = match rank {
            Some(n) if access.is_index_array(n) => n,
            _ => access.offsets.len(),
        };
        match rank {
            None => rank = Some(arity),
            Some(n) if n != arity => cx.error_spanned_by(
                access.original,
                format!(
                    "#[stencil] reads take one index per stencil axis: this one has {arity}, \
                     {} has {n}",
                    if declared.is_some() {
                        "the neighborhood"
                    } else {
                        "an earlier read"
                    }
                ),
            ),
            Some(_) => {}
        }
        let index_array = rank.is_some_and(|n| access.is_index_array(n));
        for (axis, offset) in access.offsets.iter().enumerate() {
            match (offset, declared) {
                // An index array's offsets are not known here: the declared neighbourhood
                // bounds them at run time.
                (Offset::Constant(_), None) if index_array => cx.error_spanned_by(
                    offset.expr(),
                    "#[stencil] reads through an index array need the reach declared: \
                     `neighborhood = [(lo, hi), ..]`",
                ),
                (Offset::Computed(expr), None) if !attempted => cx.error_spanned_by(
                    expr,
                    format!(
                        "#[stencil] offsets must be integer literals or constants, found `{}`; \
                         declare the reach of computed offsets with `neighborhood = [(lo, hi), ..]`",
                        quote!(#expr)
                    ),
                ),
                (Offset::Literal(value, expr), Some(bounds)) => {
                    if let Some((lo, hi)) = bounds.get(axis)
                        && let (Some(lo), Some(hi)) = (lo.literal(), hi.literal())
                        && (*value < lo || *value > hi)
                    {
                        cx.error_spanned_by(
                            expr,
                            format!(
                                "#[stencil] offset {value} on axis {axis} is outside the declared \
                                 neighborhood ({lo}, {hi})"
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    match rank {
        Some(0) | None => {
            cx.error_spanned_by(
                &func.sig.ident,
                "#[stencil] kernels read neighbours as `x[[di, dj]]` (one index per axis) or declare \
                 `neighborhood = [(lo, hi), ..]`",
            );
            None
        }
        Some(n) if n > 6 => {
            cx.error_spanned_by(&func.sig.ident, "#[stencil] supports ranks 1 to 6");
            None
        }
        rank => rank,
    }
}

/// One mode variant name per axis.
pub(super) fn modes(cx: &Ctxt, args: &Args, rank: usize) -> Option<Vec<&'static str>> {
    let Some((_, expr)) = &args.mode else {
        return Some(vec!["Skip"; rank]);
    };
    let literals: Vec<&syn::LitStr> = match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => vec![s],
        Expr::Array(array) => array
            .elems
            .iter()
            .filter_map(|e| match e {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s),
                other => {
                    cx.error_spanned_by(other, "#[stencil] modes are strings such as \"reflect\"");
                    None
                }
            })
            .collect(),
        other => {
            cx.error_spanned_by(other, "#[stencil] `mode` is a string such as \"reflect\", or one per axis: [\"reflect\", \"wrap\"]");
            return None;
        }
    };
    let mut variants = Vec::new();
    for lit in &literals {
        let name = lit.value();
        if let Some((_, variant)) = MODES.iter().find(|(n, _)| *n == name) {
            variants.push(*variant);
        } else {
            let expected: Vec<String> = MODES[..7].iter().map(|(n, _)| format!("`{n}`")).collect();
            cx.error_spanned_by(
                lit,
                format!(
                    "unknown #[stencil] mode `{name}`, expected one of {}",
                    expected.join(", ")
                ),
            );
            return None;
        }
    }
    match variants.len() {
        1 => Some(vec![variants[0]; rank]),
        n if n == rank => Some(variants),
        n => {
            cx.error_spanned_by(
                expr,
                format!("#[stencil] has {rank} axes but {n} modes: give one mode, or one per axis"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    /// The mode names the macro accepts are the runtime's, each meaning what it means there.
    #[test]
    fn modes_are_the_runtimes() {
        use ndkernel::boundary::{BOUNDARY_ALIASES, BOUNDARY_NAMES, Boundary};
        let names: Vec<&str> = super::MODES.iter().map(|&(name, _)| name).collect();
        let runtime: Vec<&str> = BOUNDARY_NAMES
            .iter()
            .copied()
            .chain(BOUNDARY_ALIASES.iter().map(|&(alias, _)| alias))
            .collect();
        assert_eq!(names, runtime);
        for &(name, variant) in super::MODES {
            let mode: Boundary = name.parse().unwrap();
            assert_eq!(format!("{mode:?}"), variant, "{name}");
        }
    }
}
