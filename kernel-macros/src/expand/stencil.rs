//! `#[stencil]`: a rule for one element, reading neighbours by relative index, becomes a
//! kernel over whole arrays.
//!
//! ```text
//! #[stencil(mode = "reflect")]                 fn laplace_core<R: Reader<f64, 2>>(u: R, k: f64) -> f64
//! fn laplace(u: Rel<f64>, k: f64) -> f64 {     fn laplace(u, k) -> Result<Array<f64, D>, KernelError>
//!     k * (u[[-1, 0]] + u[[1, 0]] + ..)        fn laplace_into(u, k, &mut out) -> Result<(), KernelError>
//! }                                            mod laplace { RANK, NEIGHBORHOOD, MODES }
//! ```
//!
//! The rank is the number of indices in each read; the neighbourhood is the span of the
//! offsets read (evaluated by the compiler, so `const` offsets work), or the declared
//! `neighborhood`. `laplace_into` calls `stencil::run`, which evaluates `laplace_core`
//! with an interior reader (plain loads) or a border reader (boundary modes).

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, GenericArgument, PathArguments, Type};

use super::{UserGenerics, allow_lints, with_errors};
use crate::analysis::access::{Accesses, Offset};
use crate::args::{Args, Form};
use crate::ast::{KernelFn, scalar_type_name};
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

enum Role<'a> {
    /// `x: Rel<T>`: read by relative index.
    Relative(&'a Type),
    /// An array view, passed through for absolute indexing (Numba's `standard_indexing`).
    Absolute,
    /// A plain value.
    Scalar,
}

pub fn stencil(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return with_errors(&item, &error),
    };
    let cx = Ctxt::new();
    let args = Args::parse(&cx, Form::Stencil, args);
    let kernel = KernelFn::from_syn(&cx, Form::Stencil, &func);
    let roles: Vec<Role<'_>> = kernel.params.iter().map(|p| role(&cx, p.ty)).collect();
    let rel: HashSet<String> = kernel
        .params
        .iter()
        .zip(&roles)
        .filter(|(_, r)| matches!(r, Role::Relative(_)))
        .map(|(p, _)| p.ident.to_string())
        .collect();
    let relatives = roles
        .iter()
        .filter(|r| matches!(r, Role::Relative(_)))
        .count();
    if relatives == 0 {
        cx.error_spanned_by(
            &func.sig.inputs,
            "#[stencil] kernels read neighbours of at least one parameter of type `Rel<T>`",
        );
    }
    if kernel.outputs.len() > 1 {
        cx.error_spanned_by(&func.sig.output, "#[stencil] kernels return one value");
    }
    let accesses = Accesses::of(&func.block, &rel);
    for write in &accesses.writes {
        cx.error_spanned_by(
            write,
            "#[stencil] inputs are read-only: write the result by returning it",
        );
    }
    let declared = args
        .neighborhood
        .as_ref()
        .and_then(|(_, e)| neighborhood(&cx, e));
    // Without a `Rel` parameter there is nothing to take a rank from: that error suffices.
    let rank = if relatives == 0 {
        None
    } else {
        rank(&cx, &accesses, declared.as_deref(), &func)
    };
    let modes = rank.and_then(|n| modes(&cx, &args, n));
    if let Err(error) = cx.check() {
        return with_errors(&item, &error);
    }
    let (Some(rank), Some(modes)) = (rank, modes) else {
        unreachable!("reported above");
    };
    expand(
        &args,
        &kernel,
        &roles,
        &accesses,
        declared.as_deref(),
        rank,
        &modes,
    )
}

fn role<'a>(cx: &Ctxt, ty: &'a Type) -> Role<'a> {
    if let Type::Path(path) = ty
        && let Some(segment) = path.path.segments.last()
    {
        let name = segment.ident.to_string();
        if name == "Rel" {
            if let PathArguments::AngleBracketed(args) = &segment.arguments
                && let Some(GenericArgument::Type(elem)) = args.args.first()
            {
                return Role::Relative(elem);
            }
            cx.error_spanned_by(ty, "#[stencil] `Rel` takes the element type: `Rel<f64>`");
            return Role::Scalar;
        }
        if name.starts_with("ArrayView") {
            if name.starts_with("ArrayViewMut") {
                cx.error_spanned_by(
                    ty,
                    "#[stencil] inputs are read-only: use `ArrayView`, not `ArrayViewMut`",
                );
            }
            return Role::Absolute;
        }
    }
    if scalar_type_name(ty).is_none() {
        cx.error_spanned_by(
            ty,
            "#[stencil] parameters are `Rel<T>` arrays read by relative index, `ArrayView`s \
             indexed absolutely, or plain values such as `f64`",
        );
    }
    Role::Scalar
}

/// One end of a declared neighbourhood: an integer literal, known to the macro, or an
/// expression of the kernel's parameters (`w`, `-r`), known at the call.
#[derive(Clone)]
enum Bound {
    Literal(isize),
    Dynamic(Expr),
}

impl Bound {
    fn literal(&self) -> Option<isize> {
        match self {
            Bound::Literal(value) => Some(*value),
            Bound::Dynamic(_) => None,
        }
    }

    /// The bound as an `isize` expression; a dynamic one keeps the user's span, so that a
    /// bound of another type is reported on it.
    fn tokens(&self) -> TokenStream {
        match self {
            Bound::Literal(value) => quote!(#value),
            Bound::Dynamic(expr) => {
                quote_spanned!(expr.span()=> { let bound: isize = #expr; bound })
            }
        }
    }
}

/// Every identifier in `tokens`.
fn mentioned(tokens: TokenStream) -> Vec<proc_macro2::Ident> {
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
fn neighborhood(cx: &Ctxt, expr: &Expr) -> Option<Vec<(Bound, Bound)>> {
    let Expr::Array(array) = expr else {
        cx.error_spanned_by(expr, "#[stencil] `neighborhood` is a list of `(lo, hi)` pairs, one per axis, such as `[(-3, 3)]`");
        return None;
    };
    let mut pairs = Vec::new();
    for elem in &array.elems {
        let bound =
            |e: &Expr| int_literal(e).map_or_else(|| Bound::Dynamic(e.clone()), Bound::Literal);
        let pair = match elem {
            Expr::Tuple(t) if t.elems.len() == 2 => Some((bound(&t.elems[0]), bound(&t.elems[1]))),
            _ => None,
        };
        match pair {
            Some((Bound::Literal(lo), Bound::Literal(hi))) if lo > hi => {
                cx.error_spanned_by(elem, format!("#[stencil] neighbourhood bounds are `(lo, hi)` with `lo <= hi`, found ({lo}, {hi})"));
                return None;
            }
            Some(pair) => pairs.push(pair),
            None => {
                cx.error_spanned_by(elem, "#[stencil] neighbourhood bounds are `(lo, hi)` pairs of integer literals or `isize` expressions of the kernel's parameters");
                return None;
            }
        }
    }
    Some(pairs)
}

fn int_literal(expr: &Expr) -> Option<isize> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            int_literal(&u.expr).map(|v: isize| -v)
        }
        Expr::Paren(p) => int_literal(&p.expr),
        _ => None,
    }
}

/// The stencil's rank: the arity every read agrees on, or the declared neighbourhood's.
fn rank(
    cx: &Ctxt,
    accesses: &Accesses<'_>,
    declared: Option<&[(Bound, Bound)]>,
    func: &syn::ItemFn,
) -> Option<usize> {
    let mut rank = declared.map(<[_]>::len);
    for access in &accesses.reads {
        let arity = access.offsets.len();
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
        for (axis, offset) in access.offsets.iter().enumerate() {
            match (offset, declared) {
                (Offset::Computed(expr), None) => cx.error_spanned_by(
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
fn modes(cx: &Ctxt, args: &Args, rank: usize) -> Option<Vec<&'static str>> {
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

/// The type with every elided lifetime of an `ArrayView` set to `'k`.
fn with_lifetime(ty: &Type) -> Type {
    let mut ty = ty.clone();
    if let Type::Path(path) = &mut ty
        && let Some(segment) = path.path.segments.last_mut()
        && let PathArguments::AngleBracketed(args) = &mut segment.arguments
    {
        let k: syn::Lifetime = syn::parse_quote!('__kernel);
        match args.args.first_mut() {
            Some(GenericArgument::Lifetime(l)) => *l = k,
            _ => args.args.insert(0, GenericArgument::Lifetime(k)),
        }
    }
    ty
}

#[allow(
    clippy::too_many_lines,
    reason = "one quote! of the generated items, built from named pieces"
)]
fn expand(
    args: &Args,
    kernel: &KernelFn<'_>,
    roles: &[Role<'_>],
    accesses: &Accesses<'_>,
    declared: Option<&[(Bound, Bound)]>,
    rank: usize,
    modes: &[&str],
) -> TokenStream {
    let private = &args.krate;
    let func = kernel.original;
    let vis = &func.vis;
    let name = &func.sig.ident;
    let core_name = format_ident!("{}_core", name);
    let into_name = format_ident!("{}_into", name);
    let lints = allow_lints();
    let out_ty = kernel.outputs[0];
    // The relatively indexed inputs in the user's order: parameter position, name, element.
    let rels: Vec<(usize, &syn::Ident, &Type)> = kernel
        .params
        .iter()
        .zip(roles)
        .enumerate()
        .filter_map(|(i, (p, r))| match r {
            Role::Relative(elem) => Some((i, p.ident, *elem)),
            _ => None,
        })
        .collect();
    let rel_names: Vec<_> = rels.iter().map(|(_, ident, _)| *ident).collect();
    let rel_elems: Vec<_> = rels.iter().map(|(_, _, elem)| *elem).collect();
    let operands: Vec<TokenStream> = rels
        .iter()
        .map(|(i, ident, _)| {
            let name = ident.to_string();
            quote!(#private::Operand::input(#i).named(#name))
        })
        .collect();
    let array_types: Vec<_> = (0..rels.len())
        .map(|j| format_ident!("__KernelA{j}"))
        .collect();
    let reader_types: Vec<_> = (0..rels.len())
        .map(|j| format_ident!("__KernelR{j}"))
        .collect();
    let dim_types: Vec<_> = (0..rels.len())
        .map(|j| format_ident!("__KernelD{j}"))
        .collect();
    let pads: Vec<_> = (0..rels.len())
        .map(|j| format_ident!("__kernel_pad{j}"))
        .collect();
    let row_fields: Vec<syn::Index> = (0..rels.len()).map(syn::Index::from).collect();
    let first_array = &array_types[0];
    let first_elem = rel_elems[0];
    let others: Vec<_> = kernel
        .params
        .iter()
        .zip(roles)
        .filter(|(_, r)| !matches!(r, Role::Relative(_)))
        .collect();
    let other_names: Vec<_> = others.iter().map(|(p, _)| p.ident).collect();
    let field_types: Vec<Type> = others
        .iter()
        .map(|(p, r)| {
            if matches!(r, Role::Absolute) {
                with_lifetime(p.ty)
            } else {
                p.ty.clone()
            }
        })
        .collect();
    let generics = &func.sig.generics;
    let user = UserGenerics::of(generics);
    let (user_params, user_predicates, user_args) = (&user.params, &user.predicates, &user.args);
    let user_type_params: Vec<_> = generics.type_params().map(|t| &t.ident).collect();
    let user_lifetimes: Vec<_> = generics.lifetimes().map(|l| &l.lifetime).collect();
    let into_call = user.call_args(rels.len() + 2);
    let core_call = user.call_args(rels.len());
    let turbofish_args = &user.turbofish;
    // Parameters in the user's order, each relative one taking any array-like argument.
    let mut next_rel = 0..;
    let array_params: Vec<TokenStream> = kernel
        .params
        .iter()
        .zip(roles)
        .map(|(p, r)| {
            let (ident, ty) = (p.ident, p.ty);
            if matches!(r, Role::Relative(_)) {
                let a = &array_types[next_rel.next().unwrap_or_default()];
                quote!(#ident: #a)
            } else {
                quote!(#ident: #ty)
            }
        })
        .collect();
    let all_names: Vec<_> = kernel.params.iter().map(|p| p.ident).collect();

    // The core function: the user's, generic over how each relative parameter reads.
    let mut next_rel = 0..;
    let core_params: Vec<TokenStream> = kernel
        .params
        .iter()
        .zip(roles)
        .map(|(p, r)| {
            let (ident, ty) = (p.ident, p.ty);
            if matches!(r, Role::Relative(_)) {
                let reader = &reader_types[next_rel.next().unwrap_or_default()];
                quote!(#ident: #reader)
            } else {
                quote!(#ident: #ty)
            }
        })
        .collect();
    let mut next_rel = 0..;
    let call_args: Vec<TokenStream> = kernel
        .params
        .iter()
        .zip(roles)
        .map(|(p, r)| {
            let ident = p.ident;
            if matches!(r, Role::Relative(_)) {
                let field = &row_fields[next_rel.next().unwrap_or_default()];
                quote!(#private::stencil::Place::read(&__kernel_place, &__kernel_row.#field))
            } else {
                quote!(::core::clone::Clone::clone(&self.#ident))
            }
        })
        .collect();

    let offsets: Vec<TokenStream> = accesses
        .reads
        .iter()
        .filter(|a| a.offsets.iter().all(|o| !matches!(o, Offset::Computed(_))))
        .map(|a| {
            let exprs = a.offsets.iter().map(Offset::expr);
            quote!([#(#exprs),*])
        })
        .collect();
    let footprint = if let Some(bounds) = declared {
        let pairs = bounds.iter().map(|(lo, hi)| {
            let (lo, hi) = (lo.tokens(), hi.tokens());
            quote!((#lo, #hi))
        });
        quote!(#private::stencil::Footprint::<#rank>::declared([#(#pairs),*]))
    } else {
        quote!(#private::stencil::Footprint::<#rank>::from_offsets(&[#(#offsets),*]))
    };
    // A neighbourhood with bounds from parameters is made at each call; a static one is a
    // constant of the kernel's module.
    let dynamic = declared.is_some_and(|b| {
        b.iter()
            .any(|(lo, hi)| lo.literal().is_none() || hi.literal().is_none())
    });
    let (footprint_local, neighborhood_const) = if dynamic {
        (quote!(let __kernel_footprint = #footprint;), quote!())
    } else {
        (
            quote!(let __kernel_footprint = #name::NEIGHBORHOOD;),
            quote! {
                /// The least and greatest offset read on each axis.
                pub const NEIGHBORHOOD: #private::stencil::Footprint<#rank> = #footprint;
            },
        )
    };
    // The kernel value carries a dynamic footprint; a static one is the module's constant,
    // which the row loops see as such.
    let (footprint_field, footprint_init, footprint_value, into_footprint) = if dynamic {
        (
            quote!(__kernel_footprint: #private::stencil::Footprint<#rank>,),
            quote!(__kernel_footprint,),
            quote!(self.__kernel_footprint),
            footprint_local.clone(),
        )
    } else {
        (quote!(), quote!(), quote!(#name::NEIGHBORHOOD), quote!())
    };
    let mode_idents = modes.iter().map(|m| format_ident!("{m}"));
    let modes_tokens = quote!([#(#private::boundary::Boundary::#mode_idents),*]);
    let constant = modes.contains(&"Constant");
    // `cval` fills skipped outputs (output type) and pads constant axes (input type): each
    // use only where a mode needs it, so kernels whose types differ can still use it.
    let cval = match &args.cval {
        Some((_, e)) if modes.contains(&"Skip") => quote_spanned!(e.span()=> #e),
        _ => quote!(<#out_ty as ::core::default::Default>::default()),
    };
    // Each input pads a `constant` axis with `cval` typed as that input's element.
    let pad_values: Vec<TokenStream> = rel_elems
        .iter()
        .map(|elem| match &args.cval {
            Some((_, e)) if constant => quote_spanned!(e.span()=> #e),
            _ => quote!(<#elem as ::core::default::Default>::default()),
        })
        .collect();
    let schedule = super::vectorize::schedule(args);
    let element_bounds: TokenStream = rel_elems
        .iter()
        .copied()
        .chain([out_ty])
        .map(|ty| {
            quote_spanned! {ty.span()=>
                #ty: ::core::marker::Copy + ::core::marker::Send + ::core::marker::Sync + 'static,
            }
        })
        .collect();
    let pad_bounds: TokenStream = if constant && args.cval.is_some() {
        TokenStream::new()
    } else {
        rel_elems
            .iter()
            .map(|elem| quote!(#elem: ::core::default::Default,))
            .collect()
    };
    let docs: Vec<_> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let user_attrs = func.attrs.iter().filter(|a| !a.path().is_ident("doc"));
    let body = &func.block;
    // A parameter that only sets the neighbourhood is used, just not in the body.
    let reach_params: Vec<&syn::Ident> = declared
        .into_iter()
        .flatten()
        .flat_map(|(lo, hi)| [lo, hi])
        .filter_map(|bound| match bound {
            Bound::Dynamic(expr) => Some(expr),
            Bound::Literal(_) => None,
        })
        .flat_map(|expr| mentioned(quote!(#expr)))
        .filter_map(|ident| kernel.params.iter().map(|p| p.ident).find(|p| **p == ident))
        .collect();
    let core_body = if reach_params.is_empty() {
        quote!(#body)
    } else {
        quote!({
            #(let _ = &#reach_params;)*
            #body
        })
    };
    let rel_list = rel_names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let core_doc = format!(
        "The rule behind the [`{name}`] stencil, as written under `#[stencil]`, generic over how {rel_list} read neighbours."
    );
    let array_doc = format!(
        "\n\nStencil generated by `#[stencil]` from [`{core_name}`]: evaluates the rule at every \
         position of the last {rank} axes of {rel_list} (leading axes are a stack, run in parallel) \
         and returns a new array; see [`mod@{name}`] for the neighbourhood and modes.\n\n# Errors\n\n\
         `KernelError::StencilRank` if an input has fewer than {rank} axes; \
         `KernelError::StencilShapes` if the relatively indexed inputs differ in shape."
    );
    let into_doc = format!(
        "Writes [`{name}`] into `out`, whose shape must be the stencil's output shape.\n\n# Errors\n\n\
         As [`{name}`], and `KernelError::ShapeMismatch` for an `out` of another shape."
    );
    let mod_doc = format!("Metadata of the [`{name}`](fn@{name}) stencil.");
    let sources_type = quote! {
        (#(#private::stencil::Source<'__kernel_s, #rel_elems, #dim_types, #rank>,)*)
    };

    quote! {
        #(#user_attrs)*
        #[doc = #core_doc]
        #[inline(always)]
        #vis fn #core_name<#(#user_params,)* #(#reader_types),*>(#(#core_params),*) -> #out_ty
        where
            #(#user_predicates,)*
            #(#reader_types: #private::stencil::Reader<#rel_elems, #rank>,)*
        #core_body

        #(#docs)*
        #[doc = #array_doc]
        #lints
        #vis fn #name<#(#user_params,)* #(#array_types),*>(
            #(#array_params),*
        ) -> ::core::result::Result<
            #private::ndarray::Array<#out_ty, <#first_array as #private::operand::AsOperand<#first_elem>>::Dim>,
            #private::KernelError,
        >
        where
            #(#user_predicates,)*
            #(#array_types: #private::operand::AsOperand<#rel_elems>,)*
            #element_bounds
            #pad_bounds
            #out_ty: ::core::default::Default,
        {
            #(let #rel_names = #private::operand::AsOperand::as_operand(&#rel_names);)*
            #footprint_local
            let __kernel_shape = #private::stencil::output_shape(
                &[#((&#operands, #rel_names.shape())),*],
                &__kernel_footprint,
                &#name::MODES,
            )?;
            let mut __kernel_out = #private::alloc::output::<#out_ty, _>(
                #private::operand::dim_of::<<#first_array as #private::operand::AsOperand<#first_elem>>::Dim>(&__kernel_shape),
            );
            #into_name #into_call (#(#all_names,)* &mut __kernel_out)?;
            ::core::result::Result::Ok(__kernel_out)
        }

        #[doc = #into_doc]
        #lints
        #vis fn #into_name<#(#user_params,)* #(#array_types,)* __KernelS, __KernelD>(
            #(#array_params,)*
            out: &mut #private::ndarray::ArrayBase<__KernelS, __KernelD>,
        ) -> ::core::result::Result<(), #private::KernelError>
        where
            #(#user_predicates,)*
            #(#array_types: #private::operand::AsOperand<#rel_elems>,)*
            __KernelS: #private::ndarray::DataMut<Elem = #out_ty>,
            __KernelD: #private::ndarray::Dimension,
            #element_bounds
            #pad_bounds
        {
            struct __Kernel<'__kernel, #(#user_params,)*> {
                #(#other_names: #field_types,)*
                #footprint_field
                __kernel_marker: ::core::marker::PhantomData<(
                    &'__kernel (), #(&#user_lifetimes (),)* #(fn() -> #user_type_params,)*
                )>,
            }
            impl<'__kernel, '__kernel_s, #(#user_params,)* #(#dim_types: #private::ndarray::Dimension),*>
                #private::stencil::Kernel<#sources_type, #rank>
                for __Kernel<'__kernel, #(#user_args,)*>
            where
                #(#user_predicates,)*
                #(#field_types: ::core::marker::Sync,)*
                #(#rel_elems: ::core::marker::Sync,)*
            {
                type Out = #out_ty;
                #[inline(always)]
                fn footprint(&self) -> #private::stencil::Footprint<#rank> {
                    #footprint_value
                }
                #[inline(always)]
                fn eval<__KernelP: #private::stencil::Place<#rank>>(
                    &self,
                    __kernel_row: &<#sources_type as #private::stencil::Sources<#rank>>::Row,
                    __kernel_place: __KernelP,
                ) -> #out_ty {
                    #core_name #core_call (#(#call_args),*)
                }
            }
            #(let #rel_names = #private::operand::AsOperand::as_operand(&#rel_names);)*
            #into_footprint
            #(let #pads: #rel_elems = #pad_values;)*
            let __kernel_cval: #out_ty = #cval;
            let __kernel_sources = (#(#private::stencil::Source::new(#rel_names.view(), &#pads, #operands),)*);
            let __kernel = __Kernel::<#(#turbofish_args,)*> { #(#other_names,)* #footprint_init __kernel_marker: ::core::marker::PhantomData };
            #private::stencil::run(
                &__kernel_sources,
                out.view_mut(),
                #name::MODES,
                __kernel_cval,
                #schedule,
                &__kernel,
            )
        }

        #[doc = #mod_doc]
        #[allow(non_snake_case, reason = "named after the kernel function")]
        #vis mod #name {
            #[allow(unused_imports, reason = "constant offsets name items of the parent module")]
            use super::*;

            /// How many trailing axes the stencil spans.
            pub const RANK: usize = #rank;
            #neighborhood_const
            /// The boundary mode of each axis.
            pub const MODES: [#private::boundary::Boundary; #rank] = #modes_tokens;
        }
    }
}
