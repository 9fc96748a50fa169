//! Checks behind the fuzz targets in `fuzz_targets/`, kept in a library so that the seed
//! generator (`examples/make_seeds.rs`) and the tests below can reach the input types.
//!
//! Every check returns normally for an input the code under test handles correctly, Ok or
//! Err alike, and panics (failing the fuzz run) on a panic inside the code under test or on
//! a broken invariant.

pub mod bind;
pub mod encode;
pub mod signature;
