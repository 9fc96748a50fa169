//! Implementation detail of `ndkernel`: the `#[stencil]`, `#[vectorize]` and
//! `#[guvectorize]` attributes. Use them through `ndkernel`, which documents them.
#![forbid(unsafe_code)]

mod analysis;
mod args;
mod ast;
mod ctxt;
mod expand;
mod private;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Turns a scalar function into an elementwise kernel over arrays. Documented on
/// `ndkernel::vectorize`.
#[proc_macro_attribute]
pub fn vectorize(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::vectorize(args.into(), item.into()).into()
}

/// Turns a function over core dimensions into a generalized ufunc. Documented on
/// `ndkernel::guvectorize`.
#[proc_macro_attribute]
pub fn guvectorize(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::guvectorize(args.into(), item.into()).into()
}

/// Turns a rule over relative neighbours into a stencil kernel over arrays. Documented on
/// `ndkernel::stencil`.
#[proc_macro_attribute]
pub fn stencil(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::stencil(args.into(), item.into()).into()
}
