//! The path through which generated code names the runtime.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// `::ndkernel::__private` by default, or `<crate>::__private` for `crate = "path"`.
#[derive(Clone)]
pub struct Private(pub syn::Path);

impl Default for Private {
    fn default() -> Self {
        Private(syn::parse_quote!(::ndkernel))
    }
}

impl ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let krate = &self.0;
        tokens.extend(quote!(#krate::__private));
    }
}
