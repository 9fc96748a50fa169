//! The items `#[stencil]` generates: the rule as a core function generic over its readers,
//! the allocating and `_into` entry points, the kernel value the runtime drives, and the
//! metadata module.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

use super::LaneForm;
use super::checks::{Bound, ParamKind, mentioned};
use crate::analysis::access::{Accesses, Offset};
use crate::args::Args;
use crate::ast::{KernelFn, Param};
use crate::expand::{UserGenerics, allow_lints};

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
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per finding of the checks and the lane rewrite"
)]
pub(super) fn expand(
    args: &Args,
    kernel: &KernelFn<'_>,
    kinds: &[ParamKind<'_>],
    accesses: &Accesses<'_>,
    declared: Option<&[(Bound, Bound)]>,
    rank: usize,
    modes: &[&str],
    lanes: Option<&LaneForm>,
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
        .zip(kinds)
        .enumerate()
        .filter_map(|(i, (p, r))| match r {
            ParamKind::Relative(elem) => Some((i, p.ident, *elem)),
            _ => None,
        })
        .collect();
    let rel_names: Vec<_> = rels.iter().map(|(_, ident, _)| *ident).collect();
    // The parameter types as written (`Rel<f64>`): named once in the generated code, so
    // that an explicit `use ndkernel::stencil::Rel;` is not reported as unused.
    let rel_as_written: Vec<&Type> = rels.iter().map(|&(i, _, _)| kernel.params[i].ty).collect();
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
    let first_rel = rel_names[0];
    let others: Vec<_> = kernel
        .params
        .iter()
        .zip(kinds)
        .filter(|(_, r)| !matches!(r, ParamKind::Relative(_)))
        .collect();
    let other_names: Vec<_> = others.iter().map(|(p, _)| p.ident).collect();
    let field_types: Vec<Type> = others
        .iter()
        .map(|(p, r)| {
            if matches!(r, ParamKind::Absolute) {
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
    let as_declared = |p: &Param<'_>| {
        let (ident, ty) = (p.ident, p.ty);
        quote!(#ident: #ty)
    };
    let array_params = per_param(
        kernel,
        kinds,
        |ident, k| {
            let a = &array_types[k];
            quote!(#ident: #a)
        },
        as_declared,
    );
    let all_names: Vec<_> = kernel.params.iter().map(|p| p.ident).collect();

    // The core function: the user's, generic over how each relative parameter reads.
    let core_params = per_param(
        kernel,
        kinds,
        |ident, k| {
            let reader = &reader_types[k];
            quote!(#ident: #reader)
        },
        as_declared,
    );
    // How the kernel's `eval` reads each relative input at its place.
    let read = |k: usize| {
        let field = &row_fields[k];
        quote!(#private::stencil::Place::read(&__kernel_place, &__kernel_row.#field))
    };
    let call_args = per_param(
        kernel,
        kinds,
        |_, k| read(k),
        |p| {
            let ident = p.ident;
            quote!(::core::clone::Clone::clone(&self.#ident))
        },
    );

    let offsets: Vec<TokenStream> = accesses
        .reads
        .iter()
        .filter(|a| a.offsets.iter().all(|o| !matches!(o, Offset::Computed(_))))
        .map(|a| {
            let exprs = a.offsets.iter().map(Offset::expr);
            quote!([#(#exprs),*])
        })
        .collect();
    let pairs: Vec<TokenStream> = declared
        .into_iter()
        .flatten()
        .map(|(lo, hi)| {
            let (lo, hi) = (lo.tokens(), hi.tokens());
            quote!((#lo, #hi))
        })
        .collect();
    let footprint = if declared.is_some() {
        quote!(#private::stencil::Footprint::<#rank>::declared([#(#pairs),*]))
    } else {
        quote!(#private::stencil::Footprint::<#rank>::from_offsets(&[#(#offsets),*]))
    };
    // Bounds from parameters are checked at each call: an inverted pair is the caller's
    // mistake, returned as an error rather than found by a read outside the neighbourhood.
    let footprint_checked =
        quote!(#private::stencil::Footprint::<#rank>::declared_checked([#(#pairs),*]));
    // A neighbourhood with bounds from parameters is made at each call; a static one is a
    // constant of the kernel's module.
    // Bounds that name a parameter are set per call; literals and `const` items are known
    // to the compiler, like literal and `const` offsets.
    let param_names: Vec<String> = kernel.params.iter().map(|p| p.ident.to_string()).collect();
    let names_param = |bound: &Bound| match bound {
        Bound::Literal(_) => false,
        Bound::Dynamic(expr) => mentioned(quote!(#expr))
            .iter()
            .any(|ident| param_names.contains(&ident.to_string())),
    };
    let dynamic =
        declared.is_some_and(|b| b.iter().any(|(lo, hi)| names_param(lo) || names_param(hi)));
    let (footprint_local, neighborhood_const) = if dynamic {
        (
            quote!(let __kernel_footprint = #footprint_checked?;),
            quote! {
                /// The neighbourhood when it is the same for every call: not this one, whose
                /// bounds name parameters and so depend on the call.
                pub const STATIC_NEIGHBORHOOD: ::core::option::Option<#private::stencil::Footprint<#rank>> =
                    ::core::option::Option::None;
            },
        )
    } else {
        (
            quote!(let __kernel_footprint = #name::NEIGHBORHOOD;),
            quote! {
                /// The least and greatest offset read on each axis.
                pub const NEIGHBORHOOD: #private::stencil::Footprint<#rank> = #footprint;
                /// The neighbourhood when it is the same for every call, as this one is.
                pub const STATIC_NEIGHBORHOOD: ::core::option::Option<#private::stencil::Footprint<#rank>> =
                    ::core::option::Option::Some(NEIGHBORHOOD);
            },
        )
    };
    let neighborhood_fn = neighborhood_sibling(
        kernel,
        kinds,
        name,
        rank,
        private,
        if dynamic {
            footprint_checked.clone()
        } else {
            quote!(::core::result::Result::Ok(#name::NEIGHBORHOOD))
        },
    );
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
    // `__name_cval()` holds the expression where its type is not generic; the code below
    // calls it for that type, so that a `cval` of the wrong type is one error, not two.
    let (cval_fn, cval_call) = cval_sibling(kernel, name, args, constant, rel_elems[0], out_ty);
    let cval = match &args.cval {
        Some(_) if modes.contains(&"Skip") && !constant && cval_call.is_some() => {
            quote!(#cval_call)
        }
        Some((_, e)) if modes.contains(&"Skip") => quote_spanned!(e.span()=> #e),
        _ => quote!(<#out_ty as ::core::default::Default>::default()),
    };
    // Each input pads a `constant` axis with `cval` typed as that input's element.
    let pad_values: Vec<TokenStream> = rel_elems
        .iter()
        .enumerate()
        .map(|(k, elem)| match &args.cval {
            Some(_) if constant && k == 0 && cval_call.is_some() => quote!(#cval_call),
            Some((_, e)) if constant => quote_spanned!(e.span()=> #e),
            _ => quote!(<#elem as ::core::default::Default>::default()),
        })
        .collect();
    let schedule = crate::expand::schedule(args);
    let element_bounds = crate::expand::element_bounds(rel_elems.iter().copied().chain([out_ty]));
    // Inputs pad with their default value unless a `cval` of theirs is given; the allocating
    // form fills its output with the default too.
    let pad_types: Vec<&Type> = if constant && args.cval.is_some() {
        Vec::new()
    } else {
        rel_elems.clone()
    };
    let default_bounds = |types: &[&Type]| -> TokenStream {
        let mut seen = std::collections::HashSet::new();
        types
            .iter()
            .filter(|ty| seen.insert(quote!(#ty).to_string()))
            .map(|ty| quote!(#ty: ::core::default::Default,))
            .collect()
    };
    let pad_bounds = default_bounds(&pad_types);
    let alloc_default_bounds = default_bounds(&[pad_types.as_slice(), &[out_ty]].concat());
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
         and returns a new array, laid out in memory as the first input is; see [`mod@{name}`] for the neighbourhood and modes.\n\n# Errors\n\n\
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
    let simd = lanes.is_some();
    let eval_lanes = lanes.map_or_else(TokenStream::new, |form| {
        let count = &form.count;
        let n = lane_count(rel_elems.iter().copied().chain([out_ty]));
        let bindings = per_param(
            kernel,
            kinds,
            |ident, k| {
                let read = read(k);
                quote!(let #ident = #read;)
            },
            |p| {
                let ident = p.ident;
                if form.varying.contains(&ident.to_string()) {
                    quote!(let mut #ident = #private::lanes::Lanes::<_, #count>::splat(
                        ::core::clone::Clone::clone(&self.#ident));)
                } else {
                    quote!(let mut #ident = ::core::clone::Clone::clone(&self.#ident);)
                }
            },
        );
        let body = &form.body;
        quote! {
            const LANES: usize = #n;
            #[inline(always)]
            #[allow(
                unused_mut, unused_parens, unused_variables, unused_braces, non_upper_case_globals,
                clippy::all, clippy::pedantic,
                reason = "the user's body, on lanes"
            )]
            fn eval_lanes<__KernelP: #private::stencil::Place<#rank>>(
                &self,
                __kernel_row: &<#sources_type as #private::stencil::Sources<#rank>>::Row,
                __kernel_place: __KernelP,
                __kernel_out: &mut [#out_ty],
            ) {
                const #count: usize = #n;
                #(#bindings)*
                let __kernel_value: #private::lanes::Lanes<#out_ty, #count> = #body;
                __kernel_value.store(__kernel_out);
            }
        }
    });

    let linear = linear_pieces(
        args,
        kernel,
        kinds,
        rank,
        &LinearParts {
            name,
            footprint: if dynamic {
                footprint.clone()
            } else {
                quote!(#name::NEIGHBORHOOD)
            },
            out_ty,
            cval: quote!(__kernel_cval),
            schedule: &schedule,
            pad: &pads[0],
            operand: &operands[0],
        },
    );
    let (linear_call, linear_items, linear_siblings) =
        (&linear.call, &linear.items, &linear.siblings);

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
            #alloc_default_bounds
        {
            #(let #rel_names = #private::operand::AsOperand::as_operand(&#rel_names);)*
            #footprint_local
            let __kernel_shape = #private::stencil::output_shape(
                &[#((&#operands, #rel_names.shape())),*],
                &__kernel_footprint,
                &#name::MODES,
            )?;
            #private::alloc::check_size::<#out_ty>(
                &#private::Operand::output(0).named("out"),
                &__kernel_shape,
            )?;
            let mut __kernel_out = #private::alloc::output_like::<#out_ty, _>(
                #private::operand::dim_of::<<#first_array as #private::operand::AsOperand<#first_elem>>::Dim>(&__kernel_shape),
                #first_rel.strides(),
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
            // SAFETY: `eval` hands its own row and place straight to the user's function,
            // which sees only the readers made from them, for the duration of the call; the
            // footprint is a constant, or the per-call value copied into the kernel.
            unsafe impl<'__kernel, '__kernel_s, #(#user_params,)* #(#dim_types: #private::ndarray::Dimension),*>
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
                #eval_lanes
            }
            let _: ::core::marker::PhantomData<(#(#rel_as_written,)*)> = ::core::marker::PhantomData;
            #(let #rel_names = #private::operand::AsOperand::as_operand(&#rel_names);)*
            #into_footprint
            #(let #pads: #rel_elems = #pad_values;)*
            let __kernel_cval: #out_ty = #cval;
            let __kernel_sources = (#(#private::stencil::Source::new(#rel_names.view(), &#pads, #operands),)*);
            #linear_call
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

        #linear_siblings
        #neighborhood_fn
        #cval_fn

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
            /// Whether the body runs on SIMD lanes: consecutive positions along a row
            /// evaluated at once (see `#[stencil]`'s docs for the bodies that do).
            pub const SIMD: bool = #simd;
            #linear_items
        }
    }
}

/// Whether `ty` names one of the kernel's generic type parameters: a hidden sibling cannot
/// spell it without the kernel's generics.
fn names_generic(kernel: &KernelFn<'_>, ty: &Type) -> bool {
    let generic: Vec<String> = kernel
        .original
        .sig
        .generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    mentioned(quote!(#ty))
        .iter()
        .any(|i| generic.contains(&i.to_string()))
}

/// `__name_neighborhood(scalars) -> Result<Footprint, KernelError>`: the neighbourhood a call with these scalar
/// arguments reads, for tools that size halos (Dask's `map_overlap`) without calling the
/// kernel (`ndkernel-python`'s `stencil!`). Hidden and named so that no kernel of the
/// user's collides with it (`mean` beside `mean_neighborhood`). Omitted when a scalar's
/// type names a generic parameter, which it could not spell without the kernel's generics.
fn neighborhood_sibling(
    kernel: &KernelFn<'_>,
    kinds: &[ParamKind<'_>],
    name: &syn::Ident,
    rank: usize,
    private: &crate::private::Private,
    footprint: TokenStream,
) -> TokenStream {
    let scalars: Vec<(&syn::Ident, &Type)> = kernel
        .params
        .iter()
        .zip(kinds)
        .filter(|(_, k)| matches!(k, ParamKind::Scalar))
        .map(|(p, _)| (p.ident, p.ty))
        .collect();
    if scalars.iter().any(|(_, ty)| names_generic(kernel, ty)) {
        return TokenStream::new();
    }
    let vis = &kernel.original.vis;
    let fn_name = format_ident!("__{}_neighborhood", name);
    let doc = format!(
        "The least and greatest offset [`{name}`] reads on each axis, for a call with these \
         scalar arguments."
    );
    let params = scalars.iter().map(|(ident, ty)| quote!(#ident: #ty));
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(unused_variables, reason = "a fixed neighbourhood reads no parameter")]
        #vis fn #fn_name(#(#params),*) -> ::core::result::Result<#private::stencil::Footprint<#rank>, #private::KernelError> {
            #footprint
        }
    }
}

/// `__name_cval()`, hidden as `__name_neighborhood` is: the value a `constant` axis pads with (typed as the first input's
/// element) or, without one, the value skipped outputs take (typed as the output); what
/// tools outside Rust read as the kernel's `cval`. Omitted when that type is generic.
fn cval_sibling(
    kernel: &KernelFn<'_>,
    name: &syn::Ident,
    args: &Args,
    constant: bool,
    first_elem: &Type,
    out_ty: &Type,
) -> (TokenStream, Option<TokenStream>) {
    let ty = if constant { first_elem } else { out_ty };
    if names_generic(kernel, ty) {
        return (TokenStream::new(), None);
    }
    let value = args.cval.as_ref().map_or_else(
        || quote!(<#ty as ::core::default::Default>::default()),
        |(_, e)| quote_spanned!(e.span()=> #e),
    );
    let vis = &kernel.original.vis;
    let fn_name = format_ident!("__{}_cval", name);
    let doc = format!(
        "The `cval` of [`{name}`]: what a `constant` axis pads with, or what skipped outputs \
         hold."
    );
    let item = quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #vis fn #fn_name() -> #ty {
            #value
        }
    };
    (item, Some(quote!(#fn_name())))
}

/// Positions per lane evaluation: four AVX2 registers of the widest element type read or
/// written, at most 32 positions, or 8 when a type is generic. Several registers per value
/// give a body that accumulates in order (a loop of `acc += …`) independent chains of
/// additions, one per register, without reassociating anything; past 32 positions the
/// compiler stops vectorising masks and selects well (measured on a `u8` rule with `&&`:
/// 0.43 ms at 32 positions, 1.65 ms at 64).
pub(crate) fn lane_count<'t>(types: impl Iterator<Item = &'t Type>) -> usize {
    (128 / widest_element(types)).min(32)
}

/// The size in bytes of the widest of `types`: 8 for any that is not a primitive.
pub(crate) fn widest_element<'t>(types: impl Iterator<Item = &'t Type>) -> usize {
    let mut widest = 1;
    for ty in types {
        let size = match crate::ast::scalar_type_name(ty).as_deref() {
            Some("i8" | "u8" | "bool") => 1,
            Some("i16" | "u16") => 2,
            Some("i32" | "u32" | "f32") => 4,
            Some("i64" | "u64" | "f64" | "isize" | "usize") => 8,
            _ => return 8,
        };
        widest = widest.max(size);
    }
    widest
}

/// One token stream per parameter of `kernel`, in the user's order: `relative(ident, k)` for
/// the `k`-th relatively indexed one, `other(param)` for the rest.
fn per_param(
    kernel: &KernelFn<'_>,
    kinds: &[ParamKind<'_>],
    mut relative: impl FnMut(&syn::Ident, usize) -> TokenStream,
    mut other: impl FnMut(&Param<'_>) -> TokenStream,
) -> Vec<TokenStream> {
    let mut next_rel = 0..;
    kernel
        .params
        .iter()
        .zip(kinds)
        .map(|(p, r)| match r {
            ParamKind::Relative(_) => relative(p.ident, next_rel.next().unwrap_or_default()),
            _ => other(p),
        })
        .collect()
}

/// What the linear path of a stencil is generated from, beside the kernel itself.
struct LinearParts<'a> {
    name: &'a syn::Ident,
    /// The footprint, as a function beside the kernel computes it.
    footprint: TokenStream,
    out_ty: &'a Type,
    cval: TokenStream,
    schedule: &'a TokenStream,
    pad: &'a syn::Ident,
    operand: &'a TokenStream,
}

/// The linear path: a call in `_into` that runs the passes when they pay, the metadata
/// constant `LINEAR`, and the functions `name_weights` and `name_evaluation` (beside the
/// kernel, where the body's names resolve as in the body).
struct LinearPath {
    call: TokenStream,
    items: TokenStream,
    siblings: TokenStream,
}

/// Element types the runtime sums in.
const SUM_TYPES: &[&str] = &[
    "i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64",
];

#[allow(
    clippy::too_many_lines,
    reason = "one quote! of the call and one of the metadata items"
)]
fn linear_pieces(
    args: &Args,
    kernel: &KernelFn<'_>,
    kinds: &[ParamKind<'_>],
    rank: usize,
    parts: &LinearParts<'_>,
) -> LinearPath {
    let private = &args.krate;
    let not_linear = LinearPath {
        call: TokenStream::new(),
        siblings: TokenStream::new(),
        items: quote! {
            /// Whether the body is a weighted sum of taps with an epilogue, which runs in
            /// passes where they are cheaper (see `#[stencil]`'s docs): not this one.
            pub const LINEAR: bool = false;
            /// How the body combines its taps, if it was recognised as a sum, maximum or
            /// minimum of taps with an epilogue (see `#[stencil]`'s docs): not this one.
            pub const FOLD: ::core::option::Option<#private::stencil::linear::FoldKind> =
                ::core::option::Option::None;
        },
    };
    let func = kernel.original;
    let mut rels = kernel
        .params
        .iter()
        .zip(kinds)
        .filter_map(|(p, k)| match k {
            ParamKind::Relative(elem) => Some((p.ident, *elem)),
            _ => None,
        });
    let (Some((rel, elem)), None) = (rels.next(), rels.next()) else {
        return not_linear;
    };
    let primitive = |ty: &Type| {
        crate::ast::scalar_type_name(ty).is_some_and(|n| SUM_TYPES.contains(&n.as_str()))
    };
    if !func.sig.generics.params.is_empty()
        || kinds.iter().any(|k| matches!(k, ParamKind::Absolute))
        || !primitive(elem)
    {
        return not_linear;
    }
    let weights_ident = format_ident!("__kernel_weights");
    let sum_ident = format_ident!("__kernel_sum");
    let rel_name = rel.to_string();
    let private_path = quote!(#private);
    let names = crate::analysis::linear::Names {
        rel: &rel_name,
        elem,
        rank,
        weights: &weights_ident,
        sum: &sum_ident,
        private: &private_path,
    };
    let Some(linear) = crate::analysis::linear::recognise(&func.block, &names) else {
        return not_linear;
    };
    let sum_ty = linear.cast.as_ref().unwrap_or(elem);
    if !primitive(sum_ty) {
        return not_linear;
    }
    let fold_ty = linear.fold.runtime_type(&private_path);
    let fold_kind = linear.fold.runtime_kind(&private_path);
    let scalars: Vec<&Param<'_>> = kernel
        .params
        .iter()
        .zip(kinds)
        .filter(|(_, k)| matches!(k, ParamKind::Scalar))
        .map(|(p, _)| p)
        .collect();
    let scalar_names: Vec<&syn::Ident> = scalars.iter().map(|p| p.ident).collect();
    let scalar_params: Vec<TokenStream> = scalars
        .iter()
        .map(|p| {
            let (ident, ty) = (p.ident, p.ty);
            quote!(#ident: #ty)
        })
        .collect();
    let LinearParts {
        name,
        footprint,
        out_ty,
        cval,
        schedule,
        pad,
        operand,
    } = parts;
    let reassociate = args.reassociate.as_ref().is_some_and(|b| b.value);
    let weights_name = format_ident!("{}_weights", name);
    let evaluation_name = format_ident!("{}_evaluation", name);
    let vis = &func.vis;
    let (pre, collect, epilogue) = (&linear.pre, &linear.collect, &linear.epilogue);
    let cast = linear
        .cast
        .as_ref()
        .map_or_else(|| quote!(__kernel_tap), |ty| quote!(__kernel_tap as #ty));
    let parts_name = format_ident!("__{}_linear", name);
    let call = quote! {
        let (__kernel_table, __kernel_epilogue) =
            #parts_name(#(::core::clone::Clone::clone(&#scalar_names)),*);
        if let ::core::option::Option::Some(__kernel_plan) =
            #private::stencil::linear::passes(__kernel_table, #reassociate)
        {
            return #private::stencil::linear::run::<#elem, #sum_ty, #out_ty, _, _, _, #rank>(
                #rel.view(),
                &#operand,
                #pad,
                out.view_mut(),
                #name::MODES,
                #cval,
                &__kernel_plan,
                #schedule,
                |__kernel_tap: #elem| -> #sum_ty { #cast },
                __kernel_epilogue,
            );
        }
    };
    let is_sum = linear.fold == crate::analysis::linear::Fold::Sum;
    let items = quote! {
        /// Whether the body is a weighted sum of taps with an epilogue, which runs in
        /// passes where they are cheaper (see `#[stencil]`'s docs).
        pub const LINEAR: bool = #is_sum;
        /// How the body combines its taps, if it was recognised as a sum, maximum or
        /// minimum of taps with an epilogue (see `#[stencil]`'s docs).
        pub const FOLD: ::core::option::Option<#private::stencil::linear::FoldKind> =
            ::core::option::Option::Some(#fold_kind);
    };
    let siblings = quote! {
        /// The statements before the sum, run once; the weight of each offset of the
        /// neighbourhood (`None` for a neighbourhood too wide to tabulate); the rest of the
        /// body as a function of the sum. One function, so that what the statements bind
        /// is typed by both of its uses, as in the body.
        #[doc(hidden)]
        #[allow(
            unused_mut, unused_parens, unused_variables, unused_braces, unused_assignments,
            dead_code, clippy::all, clippy::pedantic,
            reason = "the user's body, taken apart into a sum and its epilogue"
        )]
        #vis fn #parts_name(#(#scalar_params),*) -> (
            ::core::option::Option<#private::stencil::linear::Weights<#sum_ty, #rank, #fold_ty>>,
            impl Fn(#sum_ty) -> #out_ty + ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync,
        ) {
            let __kernel_footprint = #footprint;
            #pre
            let __kernel_table = match #private::stencil::linear::Weights::new(&__kernel_footprint) {
                ::core::option::Option::Some(mut #weights_ident) => {
                    { #collect }
                    ::core::option::Option::Some(#weights_ident)
                }
                ::core::option::Option::None => ::core::option::Option::None,
            };
            (__kernel_table, move |#sum_ident: #sum_ty| -> #out_ty { #epilogue })
        }

        /// The weight of each offset of the neighbourhood, collected from the body for these
        /// parameters; `None` for a neighbourhood too wide to tabulate (it runs directly).
        #[allow(dead_code, reason = "metadata, for callers who ask")]
        #vis fn #weights_name(#(#scalar_params),*) -> ::core::option::Option<#private::stencil::linear::Weights<#sum_ty, #rank, #fold_ty>> {
            #parts_name(#(#scalar_names),*).0
        }

        /// How the stencil is evaluated for these parameters: directly, or in passes.
        #[allow(dead_code, reason = "metadata, for callers who ask")]
        #vis fn #evaluation_name(#(#scalar_params),*) -> #private::stencil::linear::Evaluation {
            match #weights_name(#(#scalar_names),*) {
                ::core::option::Option::Some(__kernel_w) => __kernel_w.plan(#reassociate).evaluation(),
                ::core::option::Option::None => #private::stencil::linear::Evaluation::Direct,
            }
        }
    };
    LinearPath {
        call,
        items,
        siblings,
    }
}
