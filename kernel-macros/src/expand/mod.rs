//! Code generation: one module per attribute, plus what they share.

mod guvectorize;
mod lanes;
mod stencil;
mod varying;
mod vectorize;

use proc_macro2::TokenStream;
use quote::quote;

use crate::args::Args;

pub use guvectorize::guvectorize;
pub use stencil::stencil;
pub use vectorize::vectorize;

/// The user's generic parameters, as the generated items need them.
struct UserGenerics<'a> {
    /// The parameters with their bounds, for declaring generated items.
    params: Vec<&'a syn::GenericParam>,
    /// The `where` predicates.
    predicates: Vec<&'a syn::WherePredicate>,
    /// Each parameter as an argument (`'a`, `T`, `K`), for naming generated types.
    args: Vec<TokenStream>,
    /// Type and const parameters as arguments, for turbofish calls of generated functions
    /// (their lifetimes are late-bound, so cannot be given).
    turbofish: Vec<TokenStream>,
}

impl<'a> UserGenerics<'a> {
    fn of(generics: &'a syn::Generics) -> Self {
        let arg = |p: &syn::GenericParam| match p {
            syn::GenericParam::Lifetime(l) => {
                let l = &l.lifetime;
                quote!(#l)
            }
            syn::GenericParam::Type(t) => {
                let t = &t.ident;
                quote!(#t)
            }
            syn::GenericParam::Const(c) => {
                let c = &c.ident;
                quote!(#c)
            }
        };
        UserGenerics {
            params: generics.params.iter().collect(),
            predicates: generics
                .where_clause
                .as_ref()
                .map(|w| w.predicates.iter().collect())
                .unwrap_or_default(),
            args: generics.params.iter().map(arg).collect(),
            turbofish: generics
                .params
                .iter()
                .filter(|p| !matches!(p, syn::GenericParam::Lifetime(_)))
                .map(arg)
                .collect(),
        }
    }

    /// Turbofish arguments for a generated function with `extra` parameters of its own
    /// after the user's: the user's, then `_` for each of ours.
    fn call_args(&self, extra: usize) -> TokenStream {
        let user = &self.turbofish;
        let ours = std::iter::repeat_n(quote!(_), extra);
        quote!(::<#(#user,)* #(#ours),*>)
    }
}

/// The lint allowances every generated item carries, each with its reason.
fn allow_lints() -> TokenStream {
    quote! {
        #[allow(
            clippy::too_many_arguments,
            reason = "a kernel takes one argument per parameter of the user's function"
        )]
        #[allow(clippy::type_complexity, reason = "broadcast ranks are spelled out in full")]
        #[allow(clippy::needless_pass_by_value, reason = "operands are taken like NumPy's")]
        #[allow(
            clippy::multiple_bound_locations,
            reason = "element types get the bounds the runtime needs beside the user's own"
        )]
    }
}

/// On error: the user's item unchanged, followed by the errors, so that code calling the
/// kernel does not pile up follow-on errors.
fn with_errors(item: &TokenStream, error: &syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    quote!(#item #errors)
}

/// A full expansion followed by the errors that did not prevent it (mistakes in the
/// attribute's arguments, expanded as if they were absent): callers of the kernel then
/// type-check against the real generated items, and the only errors are the real ones.
fn with_soft_errors(expanded: TokenStream, soft: Option<syn::Error>) -> TokenStream {
    let errors = soft.map(|e| e.to_compile_error());
    quote!(#expanded #errors)
}

/// `error` and, when there is one, `more`, as one error.
fn combined(mut error: syn::Error, more: Option<syn::Error>) -> syn::Error {
    if let Some(more) = more {
        error.combine(more);
    }
    error
}

/// The `Schedule` a kernel's `parallel` and `grain` keys ask for.
fn schedule(args: &Args) -> TokenStream {
    let private = &args.krate;
    let parallel = args
        .parallel
        .as_ref()
        .map_or_else(|| quote!(true), |p| quote!(#p));
    let grain = args
        .grain
        .as_ref()
        .map_or_else(|| quote!(#private::dispatch::DEFAULT_GRAIN), |g| quote!(#g));
    quote!(#private::dispatch::Schedule { grain: #grain, parallel: #parallel })
}

/// The bounds the runtime needs on a kernel's element types, once per distinct type, each
/// spanned at its first use so that an unsuitable element type is reported there.
fn element_bounds<'t>(types: impl IntoIterator<Item = &'t syn::Type>) -> TokenStream {
    let mut seen = std::collections::HashSet::new();
    types
        .into_iter()
        .filter(|ty| seen.insert(quote!(#ty).to_string()))
        .map(|ty| {
            quote::quote_spanned! {syn::spanned::Spanned::span(ty)=>
                #ty: ::core::marker::Copy + ::core::marker::Send + ::core::marker::Sync + 'static,
            }
        })
        .collect()
}
