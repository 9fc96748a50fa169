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
//!
//! The signature and the parameters are checked in [`checks`] and expanded in
//! [`generate`]; a `#[stencil]` underneath is composed here.

mod checks;
mod fixed;
mod generate;
mod lanes;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{GenericArgument, PathArguments, Type};

use super::with_errors;
use crate::args::{Args, Form};
use crate::ctxt::Ctxt;
use checks::{classify, kind_of, parse_signature, validate};
use generate::expand;
use kernel_signature::{CoreShape, Signature};

pub fn guvectorize(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return with_errors(&item, &error),
    };
    let cx = Ctxt::new();
    // Mistakes in the arguments after the signature, and operands that disagree with the
    // signature, still leave the generated signatures known: they are reported over a full
    // expansion, so that callers see no follow-on errors.
    let soft = Ctxt::new();
    let args = Args::parse(&soft, Form::Guvectorize, args);
    let signature = args
        .signature
        .as_ref()
        .and_then(|lit| parse_signature(&cx, lit));

    if args.signature.is_none() {
        // Without a signature nothing can expand: every error is reported on the item.
        let soft = soft.check().err();
        return match (cx.check(), soft) {
            (Err(error), soft) => with_errors(&item, &super::combined(error, soft)),
            (Ok(()), Some(error)) => with_errors(&item, &error),
            (Ok(()), None) => unreachable!("a missing signature was reported"),
        };
    }
    if let Some(position) = func.attrs.iter().position(is_stencil_attr) {
        let soft = soft.check().err();
        return match (cx.check(), signature) {
            (Ok(()), Some(signature)) => {
                super::with_soft_errors(over_stencil(args, func, position, &signature), soft)
            }
            (Err(error), _) => with_errors(&item, &super::combined(error, soft)),
            (Ok(()), None) => unreachable!("a signature that did not parse was reported"),
        };
    }
    let model = classify(&cx, &func);
    if let Some(signature) = &signature {
        validate(&cx, &soft, &args, &func, signature, &model);
    }
    if let Some(require) = &args.require_simd
        && model.complete
        && let Err(why) = lanes::lane_form(&args, &func, &model)
    {
        super::varying::report_required(&soft, require, &why, "loop index");
    }
    let soft = soft.check().err();
    if let Err(error) = cx.check() {
        return with_errors(&item, &super::combined(error, soft));
    }
    let Some(signature) = signature else {
        unreachable!("a signature that did not parse was reported above");
    };
    super::with_soft_errors(expand(&args, &func, &signature, &model), soft)
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
    validate(&cx, &cx, &args, &core, signature, &model);
    if let Err(error) = cx.check() {
        return with_errors(&quote!(#inner), &error);
    }
    let gufunc = expand(&args, &core, signature, &model);
    quote!(#inner #gufunc)
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
