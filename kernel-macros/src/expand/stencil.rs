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
    if relatives > 1 {
        let second = kernel
            .params
            .iter()
            .zip(&roles)
            .filter(|(_, r)| matches!(r, Role::Relative(_)))
            .nth(1);
        if let Some((param, _)) = second {
            cx.error_spanned_by(
                param.ty,
                "#[stencil] reads one `Rel<T>` array per kernel in this release; pass further \
                 arrays as `ArrayView` parameters and index them absolutely",
            );
        }
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

/// `[(-3, 3), (-1, 1)]` as pairs of integers.
fn neighborhood(cx: &Ctxt, expr: &Expr) -> Option<Vec<(isize, isize)>> {
    let Expr::Array(array) = expr else {
        cx.error_spanned_by(expr, "#[stencil] `neighborhood` is a list of `(lo, hi)` pairs, one per axis, such as `[(-3, 3)]`");
        return None;
    };
    let mut pairs = Vec::new();
    for elem in &array.elems {
        let pair = match elem {
            Expr::Tuple(t) if t.elems.len() == 2 => {
                let mut values = t.elems.iter().map(int_literal);
                values.next().flatten().zip(values.next().flatten())
            }
            _ => None,
        };
        match pair {
            Some((lo, hi)) if lo <= hi => pairs.push((lo, hi)),
            _ => {
                cx.error_spanned_by(elem, "#[stencil] neighbourhood bounds are `(lo, hi)` with integer literals `lo <= hi`");
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
    declared: Option<&[(isize, isize)]>,
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
                    if let Some(&(lo, hi)) = bounds.get(axis)
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
    declared: Option<&[(isize, isize)]>,
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
    let (rel_index, rel_elem) = roles
        .iter()
        .enumerate()
        .find_map(|(i, r)| match r {
            Role::Relative(t) => Some((i, *t)),
            _ => None,
        })
        .expect("one relative parameter");
    let rel_name = kernel.params[rel_index].ident;
    let rel_str = rel_name.to_string();
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
    let into_call = user.call_args(3);
    let core_call = user.call_args(1);
    let turbofish_args = &user.turbofish;
    // Parameters in the user's order, the relative one taking any array-like argument.
    let array_params: Vec<TokenStream> = kernel
        .params
        .iter()
        .zip(roles)
        .map(|(p, r)| {
            let (ident, ty) = (p.ident, p.ty);
            if matches!(r, Role::Relative(_)) {
                quote!(#ident: __KernelA)
            } else {
                quote!(#ident: #ty)
            }
        })
        .collect();
    let all_names: Vec<_> = kernel.params.iter().map(|p| p.ident).collect();

    // The core function: the user's, generic over how the relative parameter reads.
    let core_params = kernel.params.iter().zip(roles).map(|(p, r)| {
        let (ident, ty) = (p.ident, p.ty);
        if matches!(r, Role::Relative(_)) {
            quote!(#ident: __KernelR)
        } else {
            quote!(#ident: #ty)
        }
    });
    let call_args = kernel.params.iter().zip(roles).map(|(p, r)| {
        let ident = p.ident;
        if matches!(r, Role::Relative(_)) {
            quote!(#ident)
        } else {
            quote!(::core::clone::Clone::clone(&self.#ident))
        }
    });

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
        let pairs = bounds.iter().map(|(lo, hi)| quote!((#lo, #hi)));
        quote!(#private::stencil::Footprint::<#rank>::declared([#(#pairs),*]))
    } else {
        quote!(#private::stencil::Footprint::<#rank>::from_offsets(&[#(#offsets),*]))
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
    let pad = if constant {
        let cval_expr = args.cval.as_ref().map_or_else(
            || quote!(<#rel_elem as ::core::default::Default>::default()),
            |(_, e)| quote_spanned!(e.span()=> #e),
        );
        quote!(let __kernel_pad: #rel_elem = #cval_expr;)
    } else {
        // Never read: no axis pads with a constant.
        quote!(let __kernel_pad: #rel_elem = <#rel_elem as ::core::default::Default>::default();)
    };
    let schedule = super::vectorize::schedule(args);
    let element_bounds = [rel_elem, out_ty].into_iter().map(|ty| {
        quote_spanned! {ty.span()=>
            #ty: ::core::marker::Copy + ::core::marker::Send + ::core::marker::Sync + 'static,
        }
    });
    let element_bounds: TokenStream = element_bounds.collect();
    let docs: Vec<_> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let user_attrs = func.attrs.iter().filter(|a| !a.path().is_ident("doc"));
    let body = &func.block;
    let core_doc = format!(
        "The rule behind the [`{name}`] stencil, as written under `#[stencil]`, generic over how `{rel_str}` reads its neighbours."
    );
    let array_doc = format!(
        "\n\nStencil generated by `#[stencil]` from [`{core_name}`]: evaluates the rule at every \
         position of `{rel_str}`'s last {rank} axes (leading axes are a stack, run in parallel) \
         and returns a new array; see [`mod@{name}`] for the neighbourhood and modes.\n\n# Errors\n\n\
         `KernelError::RankMismatch` if `{rel_str}` has fewer than {rank} axes."
    );
    let into_doc = format!(
        "Writes [`{name}`] into `out`, whose shape must be the stencil's output shape.\n\n# Errors\n\n\
         As [`{name}`], and `KernelError::ShapeMismatch` for an `out` of another shape."
    );
    let mod_doc = format!("Metadata of the [`{name}`](fn@{name}) stencil.");
    let pad_bound = if constant {
        quote!()
    } else {
        quote!(#rel_elem: ::core::default::Default,)
    };

    quote! {
        #(#user_attrs)*
        #[doc = #core_doc]
        #[inline(always)]
        #vis fn #core_name<#(#user_params,)* __KernelR>(#(#core_params),*) -> #out_ty
        where
            #(#user_predicates,)*
            __KernelR: #private::stencil::Reader<#rel_elem, #rank>,
        #body

        #(#docs)*
        #[doc = #array_doc]
        #lints
        #vis fn #name<#(#user_params,)* __KernelA>(
            #(#array_params),*
        ) -> ::core::result::Result<
            #private::ndarray::Array<#out_ty, <__KernelA as #private::operand::AsOperand<#rel_elem>>::Dim>,
            #private::KernelError,
        >
        where
            #(#user_predicates,)*
            __KernelA: #private::operand::AsOperand<#rel_elem>,
            #element_bounds
            #pad_bound
            #out_ty: ::core::default::Default,
        {
            let #rel_name = #private::operand::AsOperand::as_operand(&#rel_name);
            let __kernel_shape = #private::stencil::output_shape(
                #rel_name.shape(),
                &#name::NEIGHBORHOOD,
                &#name::MODES,
            )?;
            let mut __kernel_out = #private::ndarray::Array::from_elem(
                #private::operand::dim_of::<<__KernelA as #private::operand::AsOperand<#rel_elem>>::Dim>(&__kernel_shape),
                <#out_ty as ::core::default::Default>::default(),
            );
            #into_name #into_call (#(#all_names,)* &mut __kernel_out)?;
            ::core::result::Result::Ok(__kernel_out)
        }

        #[doc = #into_doc]
        #lints
        #vis fn #into_name<#(#user_params,)* __KernelA, __KernelS, __KernelD>(
            #(#array_params,)*
            out: &mut #private::ndarray::ArrayBase<__KernelS, __KernelD>,
        ) -> ::core::result::Result<(), #private::KernelError>
        where
            #(#user_predicates,)*
            __KernelA: #private::operand::AsOperand<#rel_elem>,
            __KernelS: #private::ndarray::DataMut<Elem = #out_ty>,
            __KernelD: #private::ndarray::Dimension,
            #element_bounds
            #pad_bound
        {
            struct __Kernel<'__kernel, #(#user_params,)*> {
                #(#other_names: #field_types,)*
                __kernel_marker: ::core::marker::PhantomData<(
                    &'__kernel (), #(&#user_lifetimes (),)* #(fn() -> #user_type_params,)*
                )>,
            }
            impl<'__kernel, #(#user_params,)*> #private::stencil::Kernel<#rel_elem, #rank>
                for __Kernel<'__kernel, #(#user_args,)*>
            where
                #(#user_predicates,)*
                #(#field_types: ::core::marker::Sync,)*
            {
                type Out = #out_ty;
                #[inline(always)]
                fn eval<__KernelR: #private::stencil::Reader<#rel_elem, #rank>>(&self, #rel_name: __KernelR) -> #out_ty {
                    #core_name #core_call (#(#call_args),*)
                }
            }
            let #rel_name = #private::operand::AsOperand::as_operand(&#rel_name);
            #pad
            let __kernel = __Kernel::<#(#turbofish_args,)*> { #(#other_names,)* __kernel_marker: ::core::marker::PhantomData };
            #private::stencil::run(
                #rel_name.view(),
                out.view_mut(),
                &#name::NEIGHBORHOOD,
                #private::stencil::Edges { modes: #name::MODES, pad: &__kernel_pad, cval: #cval },
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
            /// The least and greatest offset read on each axis.
            pub const NEIGHBORHOOD: #private::stencil::Footprint<#rank> = #footprint;
            /// The boundary mode of each axis.
            pub const MODES: [#private::boundary::Boundary; #rank] = #modes_tokens;
        }
    }
}
