//! Implementation detail of `ndkernel`: the `#[stencil]`, `#[vectorize]` and
//! `#[guvectorize]` attributes. Use them through `ndkernel`, which documents them.
#![forbid(unsafe_code)]
