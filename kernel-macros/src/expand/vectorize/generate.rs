//! The items `#[vectorize]` generates: the scalar function, the allocating and `_into`
//! forms, the metadata module and, with an identity, the reductions.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;

use super::LaneForms;
use crate::args::Args;
use crate::ast::KernelFn;
use crate::expand::{UserGenerics, allow_lints, element_bounds, lanes, schedule};

#[allow(
    clippy::too_many_lines,
    reason = "one quote! of the generated items, built from named pieces"
)]
pub(super) fn expand(args: &Args, kernel: &KernelFn<'_>, forms: LaneForms) -> TokenStream {
    let private = &args.krate;
    let func = kernel.original;
    let vis = &func.vis;
    let name = &func.sig.ident;
    let scalar_name = format_ident!("{}_scalar", name);
    let into_name = format_ident!("{}_into", name);
    let (impl_generics, _, where_clause) = func.sig.generics.split_for_impl();
    let user = UserGenerics::of(&func.sig.generics);
    let (user_params, user_predicates) = (&user.params, &user.predicates);
    let lints = allow_lints();

    let n_in = kernel.params.len();
    let scalar_turbofish = user.call_args(0);
    let n_out = kernel.outputs.len();
    let param_names: Vec<_> = kernel.params.iter().map(|p| p.ident).collect();
    let param_strs: Vec<_> = param_names.iter().map(ToString::to_string).collect();
    let param_types: Vec<_> = kernel.params.iter().map(|p| p.ty).collect();
    let out_types = &kernel.outputs;
    let operand_types: Vec<_> = (0..n_in).map(|i| format_ident!("__KernelA{i}")).collect();
    let storage_types: Vec<_> = (0..n_out).map(|j| format_ident!("__KernelS{j}")).collect();
    let out_dims: Vec<_> = (0..n_out).map(|j| format_ident!("__KernelD{j}")).collect();
    let outs: Vec<_> = (0..n_out)
        .map(|j| format_ident!("__kernel_out{j}"))
        .collect();
    let out_strs: Vec<_> = (0..n_out)
        .map(|j| {
            if n_out == 1 {
                "out".to_owned()
            } else {
                format!("out{j}")
            }
        })
        .collect();
    let in_indices: Vec<_> = (0..n_in).collect();
    let out_indices: Vec<_> = (0..n_out).collect();

    let schedule = schedule(args);
    let element_bounds =
        element_bounds(param_types.iter().copied().chain(out_types.iter().copied()));

    // The scalar result as a tuple, whatever the user's function returns.
    let scalar_call = if n_out == 1 {
        quote!((#scalar_name #scalar_turbofish (#(#param_names),*),))
    } else {
        quote!(#scalar_name #scalar_turbofish (#(#param_names),*))
    };
    let simd = match &forms {
        LaneForms::Wide(elem, body) => Some((elem, body)),
        _ => None,
    };
    let run_row = if let Some((elem, body)) = &simd {
        let elem = format_ident!("{elem}");
        let block = &body.block;
        let lane_ty = quote!(<#elem as #private::lanes::SimdElement>::Lanes);
        let lane_result = if n_out == 1 {
            quote!((#block,))
        } else {
            quote!(#block)
        };
        let lane_out_types = out_types.iter().map(|_| &lane_ty);
        quote! {
            #[inline(always)]
            #[allow(unused_mut, unused_parens, clippy::all, reason = "the user's body, on lanes")]
            fn __kernel_lanes(#(#param_names: #lane_ty),*) -> (#(#lane_out_types,)*) {
                #lane_result
            }
            #private::lanes::run_lanes::<#elem, _, _>(
                (#(#private::lanes::Src::new(#param_names),)*),
                (#(#private::lanes::Dst::new(#outs),)*),
                __kernel_len,
                |(#(#param_names,)*)| __kernel_lanes(#(#param_names),*),
            );
        }
    } else if let LaneForms::Arrays(body, count) = &forms {
        let n = crate::expand::stencil::lane_count(
            param_types.iter().copied().chain(out_types.iter().copied()),
        );
        let out = &outs[0];
        let out_ty = out_types[0];
        quote! {
            const #count: usize = #n;
            #[inline(always)]
            #[allow(
                unused_mut, unused_parens, unused_variables, unused_braces, non_upper_case_globals,
                clippy::all, clippy::pedantic,
                reason = "the user's body, on lanes"
            )]
            fn __kernel_lanes #impl_generics (
                #(#param_names: #private::lanes::Lanes<#param_types, #count>),*
            ) -> #private::lanes::Lanes<#out_ty, #count> #where_clause {
                #body
            }
            #(let #param_names = #private::lanes::Src::new(#param_names);)*
            let mut #out = #private::lanes::Dst::new(#out);
            let mut __kernel_i = 0;
            while __kernel_i < __kernel_len {
                let __kernel_n = (__kernel_len - __kernel_i).min(#count);
                let __kernel_value = __kernel_lanes #scalar_turbofish (
                    #(#param_names.lanes_at::<#count>(__kernel_i, __kernel_n)),*
                );
                #out.store_lanes(__kernel_i, __kernel_n, __kernel_value);
                __kernel_i += __kernel_n;
            }
        }
    } else {
        quote! {
            #private::lanes::run_scalar(
                (#(#private::lanes::Src::new(#param_names),)*),
                (#(#private::lanes::Dst::new(#outs),)*),
                __kernel_len,
                |(#(#param_names,)*)| #scalar_call,
            );
        }
    };

    // The broadcast rank of all inputs, static where every input's is.
    let mut dim = quote!(<#(#operand_types)* as #private::operand::AsOperand<_>>::Dim);
    let mut dim_bounds = Vec::new();
    if let Some((first, rest)) = operand_types.split_first() {
        let first_ty = param_types[0];
        dim = quote!(<#first as #private::operand::AsOperand<#first_ty>>::Dim);
        for (operand, ty) in rest.iter().zip(&param_types[1..]) {
            let next = quote!(<#operand as #private::operand::AsOperand<#ty>>::Dim);
            dim_bounds.push(quote!(#dim: #private::ndarray::DimMax<#next>,));
            dim = quote!(<#dim as #private::ndarray::DimMax<#next>>::Output);
        }
    }
    let first_out = &outs[0];
    let returned = if n_out == 1 {
        quote!(#first_out)
    } else {
        quote!((#(#outs),*))
    };
    let returned_ty = if n_out == 1 {
        quote!(#private::ndarray::Array<#(#out_types)*, #dim>)
    } else {
        quote!((#(#private::ndarray::Array<#out_types, #dim>),*))
    };

    let signature = format!(
        "{}->{}",
        vec!["()"; n_in].join(","),
        vec!["()"; n_out].join(",")
    );
    // Broadcasts the inputs to `__kernel_dim`, the outputs' shape, and runs the rows: the
    // end of both forms, after each has checked the shapes its own way.
    let drive = quote! {
        #(let #param_names = #private::operand::broadcast_to(&#param_names, &__kernel_dim);)*
        #private::dispatch::zip_rows(
            (#(#param_names,)*),
            (#(#outs.view_mut(),)*),
            #schedule,
            |(#(#param_names,)*), (#(#outs,)*)| {
                let __kernel_len = #first_out.len();
                #run_row
            },
        )
    };
    let simd_flag = !matches!(forms, LaneForms::Neither(_));
    let docs = func.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let docs2 = docs.clone();
    let user_attrs = func.attrs.iter().filter(|a| !a.path().is_ident("doc"));
    let body = &func.block;
    let sig_inputs = &func.sig.inputs;
    let sig_output = &func.sig.output;
    let scalar_doc = format!(
        "The scalar function behind the [`{name}`] kernel, as written under `#[vectorize]`."
    );
    let into_doc = format!(
        "Writes [`{name}`] of the inputs into `out`, whose shape must equal the inputs' \
         broadcast shape.\n\n# Errors\n\n`KernelError::Broadcast` if the inputs do not \
         broadcast together, `KernelError::ShapeMismatch` if an output has another shape."
    );
    let array_doc = format!(
        "\n\nElementwise kernel generated by `#[vectorize]` from [`{scalar_name}`]: takes \
         arrays, views or scalars, broadcasts them NumPy-style and returns a new array.\n\n\
         # Errors\n\n`KernelError::Broadcast` if the inputs do not broadcast together."
    );
    let mod_doc = format!("Metadata of the [`{name}`](fn@{name}) kernel.");
    let identity_fn = identity_fn(args, kernel);
    let reduce = args
        .identity
        .as_ref()
        .map(|_| reduce_fns(args, kernel, simd.as_ref().map(|s| s.0)));

    // The output is laid out as the first input of the full shape (NumPy's order='K').
    let operand_layouts = quote! { [#((#param_names.shape(), #param_names.strides()),)*] };
    quote! {
        #(#user_attrs)*
        #[doc = #scalar_doc]
        #[inline]
        // A kernel on lanes never calls its scalar twin: unused is not a mistake here.
        #[allow(dead_code, reason = "the function as written, for callers that want it")]
        #vis fn #scalar_name #impl_generics (#sig_inputs) #sig_output #where_clause #body

        #(#docs)*
        #[doc = #array_doc]
        #lints
        #vis fn #name<#(#user_params,)* #(#operand_types),*>(
            #(#param_names: #operand_types),*
        ) -> ::core::result::Result<#returned_ty, #private::KernelError>
        where
            #(#user_predicates,)*
            #(#operand_types: #private::operand::AsOperand<#param_types>,)*
            #(#dim_bounds)*
            #element_bounds
            #(#out_types: ::core::default::Default,)*
        {
            #(let #param_names = #private::operand::AsOperand::as_operand(&#param_names);)*
            let __kernel_shape = #private::broadcast::broadcast_operands(&[
                #((#private::Operand::input(#in_indices).named(#param_strs), #param_names.shape()),)*
            ])?;
            let __kernel_dim: #dim = #private::operand::dim_of(&__kernel_shape);
            #(
                #private::alloc::check_size::<#out_types>(
                    &#private::Operand::output(#out_indices).named(#out_strs),
                    &__kernel_shape,
                )?;
                let mut #outs = #private::alloc::output_like_operands::<#out_types, #dim>(
                    __kernel_dim.clone(),
                    &#operand_layouts,
                );
            )*
            // The shapes were checked above: run without checking them again.
            #drive?;
            ::core::result::Result::Ok(#returned)
        }

        #[doc = #into_doc]
        #(#docs2)*
        #lints
        #vis fn #into_name<
            #(#user_params,)* #(#operand_types,)* #(#storage_types,)* #(#out_dims),*
        >(
            #(#param_names: #operand_types,)*
            #(#outs: &mut #private::ndarray::ArrayBase<#storage_types, #out_dims>),*
        ) -> ::core::result::Result<(), #private::KernelError>
        where
            #(#user_predicates,)*
            #(#operand_types: #private::operand::AsOperand<#param_types>,)*
            #(#storage_types: #private::ndarray::DataMut<Elem = #out_types>,)*
            #(#out_dims: #private::ndarray::Dimension,)*
            #element_bounds
        {
            #(let #param_names = #private::operand::AsOperand::as_operand(&#param_names);)*
            let __kernel_shape = #private::broadcast::broadcast_operands(&[
                #((#private::Operand::input(#in_indices).named(#param_strs), #param_names.shape()),)*
            ])?;
            #(
                #private::operand::check_shape(
                    #private::Operand::output(#out_indices).named(#out_strs),
                    &__kernel_shape,
                    #outs.shape(),
                )?;
            )*
            let __kernel_dim = #first_out.raw_dim();
            #drive
        }

        #[doc = #mod_doc]
        #[allow(non_snake_case, reason = "named after the kernel function")]
        #vis mod #name {
            /// How many inputs the kernel takes.
            pub const INPUTS: usize = #n_in;
            /// How many outputs the kernel returns.
            pub const OUTPUTS: usize = #n_out;
            /// The kernel's signature in NumPy's gufunc notation: all core shapes are `()`.
            pub const SIGNATURE: &str = #signature;
            /// Whether the kernel runs its contiguous rows on SIMD lanes.
            pub const SIMD: bool = #simd_flag;
        }

        #reduce
        #identity_fn
    }
}

/// `name_reduce` (over one axis) and `name_reduce_all`, for kernels with an identity.
/// `__name_identity(PhantomData::<(param types)>) -> Option<output>`: the kernel's
/// `identity`, for the reductions here and for tools outside Rust (`ndkernel-python`'s
/// `ufunc!` gives it to NumPy), which name the element types through the argument. Hidden,
/// and named so that no kernel of the user's collides with it. The one place the identity
/// expression is typed, so a wrong one is one error.
fn identity_fn(args: &Args, kernel: &KernelFn<'_>) -> TokenStream {
    let func = kernel.original;
    let vis = &func.vis;
    let fn_name = format_ident!("__{}_identity", func.sig.ident);
    let elem = kernel.outputs[0];
    let user = UserGenerics::of(&func.sig.generics);
    let (user_params, user_predicates) = (&user.params, &user.predicates);
    let param_types = kernel.params.iter().map(|p| p.ty);
    let value = match &args.identity {
        Some((_, identity)) if kernel.outputs.len() == 1 => {
            let span = identity.span();
            quote::quote_spanned!(span=> ::core::option::Option::Some({
                let __kernel_identity: #elem = #identity;
                __kernel_identity
            }))
        }
        _ => quote!(::core::option::Option::None),
    };
    quote! {
        #[doc(hidden)]
        #[allow(clippy::unnecessary_wraps, reason = "None for kernels without an identity")]
        #vis fn #fn_name<#(#user_params,)*>(
            _: ::core::marker::PhantomData<(#(#param_types,)*)>,
        ) -> ::core::option::Option<#elem>
        where
            #(#user_predicates,)*
        {
            #value
        }
    }
}

fn reduce_fns(args: &Args, kernel: &KernelFn<'_>, simd: Option<&String>) -> TokenStream {
    let private = &args.krate;
    let func = kernel.original;
    let vis = &func.vis;
    let name = &func.sig.ident;
    let scalar_name = format_ident!("{}_scalar", name);
    let reduce_name = format_ident!("{}_reduce", name);
    let reduce_all_name = format_ident!("{}_reduce_all", name);
    let elem = kernel.outputs[0];
    let user = UserGenerics::of(&func.sig.generics);
    let (user_params, user_predicates) = (&user.params, &user.predicates);
    let scalar_turbofish = user.call_args(0);
    let schedule = schedule(args);
    let lints = allow_lints();
    let identity_name = format_ident!("__{}_identity", name);
    let identity = quote! {
        #identity_name #scalar_turbofish (::core::marker::PhantomData)
            .expect("a kernel with reductions has an identity")
    };
    let combine = if let Some(elem_name) = simd {
        let elem_ident = format_ident!("{elem_name}");
        let lanes = lanes::rewrite(
            private,
            elem_name,
            &kernel.params.iter().map(|p| p.ident).collect::<Vec<_>>(),
            &func.block,
        )
        .expect("the kernel's own lane body exists");
        let block = lanes.block;
        let (a, b) = (kernel.params[0].ident, kernel.params[1].ident);
        let lane_ty = quote!(<#elem_ident as #private::lanes::SimdElement>::Lanes);
        quote! {
            #private::reduce::Lanes {
                lanes: {
                    #[inline(always)]
                    #[allow(unused_mut, unused_parens, clippy::all, reason = "the user's body, on lanes")]
                    fn __kernel_lanes(#a: #lane_ty, #b: #lane_ty) -> #lane_ty #block
                    __kernel_lanes
                },
            }
        }
    } else {
        quote!(#private::reduce::Scalar(#scalar_name #scalar_turbofish))
    };
    let reduce_doc = format!(
        "Reduces `a` along `axis` with [`{name}`], starting from the kernel's identity, as \
         NumPy's `ufunc.reduce`. See `ndkernel::reduce` for the order elements are \
         combined in.\n\n# Errors\n\n`KernelError::AxisOutOfBounds` if `a` has no such axis."
    );
    let reduce_all_doc = format!(
        "Reduces every element of `a` with [`{name}`], starting from the kernel's identity. \
         See `ndkernel::reduce` for the order elements are combined in."
    );
    quote! {
        #[doc = #reduce_doc]
        #lints
        #vis fn #reduce_name<#(#user_params,)* __KernelS, __KernelD>(
            a: &#private::ndarray::ArrayBase<__KernelS, __KernelD>,
            axis: #private::ndarray::Axis,
        ) -> ::core::result::Result<
            #private::ndarray::Array<#elem, <__KernelD as #private::ndarray::Dimension>::Smaller>,
            #private::KernelError,
        >
        where
            #(#user_predicates,)*
            __KernelS: #private::ndarray::Data<Elem = #elem>,
            __KernelD: #private::ndarray::RemoveAxis,
            #elem: ::core::marker::Copy + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            #private::reduce::reduce_axis(a.view(), axis, #identity, #combine, #schedule)
        }

        #[doc = #reduce_all_doc]
        #lints
        #vis fn #reduce_all_name<#(#user_params,)* __KernelS, __KernelD>(
            a: &#private::ndarray::ArrayBase<__KernelS, __KernelD>,
        ) -> #elem
        where
            #(#user_predicates,)*
            __KernelS: #private::ndarray::Data<Elem = #elem>,
            __KernelD: #private::ndarray::Dimension,
            #elem: ::core::marker::Copy + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            #private::reduce::reduce_all(a.view(), #identity, #combine, #schedule)
        }
    }
}
