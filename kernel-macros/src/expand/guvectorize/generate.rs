//! The items `#[guvectorize]` generates: the core function, the allocating and `_into`
//! entry points that bind, broadcast and drive it through `zip_cores`, and the metadata
//! module.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::checks::{Kind, Model};
use crate::args::Args;
use crate::expand::{UserGenerics, allow_lints};
use kernel_signature::Signature;

#[allow(
    clippy::too_many_lines,
    reason = "one quote! of the generated items, built from named pieces"
)]
pub(super) fn expand(
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

    let element_bounds = crate::expand::element_bounds(in_elems.iter().chain(&out_elems).copied());

    // Arguments of the core function: views as they come, `()` operands as their value.
    let call_args = model.inputs.iter().map(|(n, kind, _)| match kind {
        Kind::Scalar(_) => quote!(#private::dispatch::scalar_of(&#n)),
        Kind::Array { .. } => quote!(#n),
    });
    let fixed = super::fixed::fixed_tail(func, model);
    let fixed_fn = fixed
        .as_ref()
        .map(|super::fixed::FixedTail { block, len }| {
            let (inputs, elem) = (&func.sig.inputs, out_elems[0]);
            quote! {
                #[inline(always)]
                #[allow(
                    unused_mut, unused_variables, clippy::all, clippy::pedantic,
                    reason = "the user's body again, warned about once in the core function"
                )]
                fn __kernel_fixed #impl_generics (#inputs) -> [#elem; #len] #where_clause #block
            }
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
        if fixed.is_some() {
            let (out, label) = (&out_names[0], &out_strs[0]);
            quote! {
                let __kernel_result0 = __kernel_fixed #core_call (#(#call_args),*);
                #private::dispatch::assign_returned(
                    #private::Operand::output(0).named(#label),
                    &mut #out,
                    &#private::ndarray::aview1(&__kernel_result0),
                )?;
            }
        } else {
            quote! {
                let #pattern = #core_name #core_call (#(#call_args),*);
                #(#stores)*
            }
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
    let schedule = crate::expand::schedule(args);
    let sig_text = lit.value();
    let dims: Vec<_> = signature
        .dim_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let (out_dims_static, dim_bounds) = output_dims(private, signature, &operand_types, &in_elems);
    let returned_ty = if n_out == 1 {
        quote!(#private::ndarray::Array<#(#out_elems)*, #(#out_dims_static)*>)
    } else {
        quote!((#(#private::ndarray::Array<#out_elems, #out_dims_static>),*))
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

    let scalar_kernel = quote! {
        |(#(#in_names,)*), (#(mut #out_names,)*)| {
            #call
            ::core::result::Result::Ok(())
        }
    };
    let lanes = super::lanes::lane_form(args, func, model);
    let simd = lanes.is_ok();
    let run = super::lanes::drive(private, &schedule, lanes.ok(), &in_names, &scalar_kernel);

    quote! {
        #(#user_attrs)*
        #[doc = #core_doc]
        // One call per loop index: inlined, the core views' shapes and strides stay in
        // registers across indices.
        #[inline]
        #[allow(dead_code, reason = "the engine may run a copy of the body instead (`array![…]` tails)")]
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
            #(#dim_bounds)*
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
                #private::alloc::check_size::<#out_elems>(
                    &#private::Operand::output(#out_indices).named(#out_strs),
                    __kernel_binding.outputs()[#out_indices].shape(),
                )?;
                let mut #out_names = #private::alloc::output::<#out_elems, _>(
                    #private::ndarray::IxDyn(__kernel_binding.outputs()[#out_indices].shape()),
                )
                .into_dimensionality::<#out_dims_static>()
                .expect("an output's rank is its loop rank, the inputs' broadcast, plus its core rank");
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
            #fixed_fn
            #(
                let #in_names = #private::dispatch::broadcast_core(
                    &#in_names, __kernel_loop, __kernel_binding.inputs()[#in_indices].kernel_core_shape(),
                );
            )*
            let __kernel_inputs = (#(#private::dispatch::CoreIn::<#in_elems, #private::#in_dims>::new(
                #in_names, __kernel_binding.inputs()[#in_indices].core_ndim(),
            ),)*);
            let __kernel_outputs = (#(#private::dispatch::CoreOut::<#out_elems, #private::#out_dims>::new(
                #out_names.view_mut().into_dyn(), __kernel_binding.outputs()[#out_indices].core_ndim(),
            ),)*);
            #run
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
            /// Whether the body runs on SIMD lanes: consecutive loop indices together, each
            /// lane what the body computes for its index (used when the cores are small).
            pub const SIMD: bool = #simd;

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

/// The dimension type of each returned output: the inputs' loop ranks (each input's rank
/// less its core rank) broadcast with `DimMax`, plus the output's core rank, so that
/// inputs of static rank give outputs of static rank (`Array1` for a `(n)->()` kernel over
/// a matrix) and any dynamic input gives `IxD`. Signatures with optional dimensions give
/// `IxDyn`: their core ranks are known only at run time. Also the bounds that need.
fn output_dims(
    private: &crate::private::Private,
    signature: &Signature,
    operand_types: &[syn::Ident],
    in_elems: &[&syn::Type],
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let dynamic = quote!(#private::ndarray::IxDyn);
    let optional = signature
        .inputs()
        .iter()
        .chain(signature.outputs())
        .flatten()
        .any(|d| d.optional);
    if optional || operand_types.is_empty() {
        return (vec![dynamic; signature.outputs().len()], Vec::new());
    }
    let dimension = quote!(#private::ndarray::Dimension);
    let loop_dim = |operand: &syn::Ident, elem: &syn::Type, core_rank: usize| {
        let mut dim = quote!(<#operand as #private::operand::AsOperand<#elem>>::Dim);
        for _ in 0..core_rank {
            dim = quote!(<#dim as #dimension>::Smaller);
        }
        dim
    };
    let ranks: Vec<usize> = signature.inputs().iter().map(Vec::len).collect();
    let mut dim = loop_dim(&operand_types[0], in_elems[0], ranks[0]);
    let mut bounds = Vec::new();
    for ((operand, elem), rank) in operand_types.iter().zip(in_elems).zip(&ranks).skip(1) {
        let next = loop_dim(operand, elem, *rank);
        bounds.push(quote!(#dim: #private::ndarray::DimMax<#next>,));
        dim = quote!(<#dim as #private::ndarray::DimMax<#next>>::Output);
    }
    let outs = signature
        .outputs()
        .iter()
        .map(|core| {
            let mut out = dim.clone();
            for _ in 0..core.len() {
                out = quote!(<#out as #dimension>::Larger);
            }
            out
        })
        .collect();
    (outs, bounds)
}
