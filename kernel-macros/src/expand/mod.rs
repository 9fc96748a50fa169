//! Code generation: one module per attribute, plus what they share.

mod guvectorize;
mod lanes;
mod stencil;
mod vectorize;

use proc_macro2::TokenStream;
use quote::quote;

pub use guvectorize::guvectorize;
pub use stencil::stencil;
pub use vectorize::vectorize;

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
