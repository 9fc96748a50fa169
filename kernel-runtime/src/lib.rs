//! The runtime of `ndkernel`: everything a generated kernel calls, and everything a user
//! needs to drive kernels by hand.
//!
//! | module | concept |
//! |---|---|
//! | [`signature`] | NumPy's gufunc signature grammar (re-exported from `kernel-signature`) |
//! | [`broadcast`] | NumPy broadcasting of loop shapes |
//! | [`bind`] | binding core dimensions of a signature to operand shapes |
//! | [`boundary`] | stencil boundary modes: the index mapping at the array's edges |
//! | [`dispatch`] | the parallel driver that runs a kernel over a loop space |
//! | [`stencil`] | the stencil driver: interior and border readers |
//! | [`lanes`], [`reduce`], [`operand`] | SIMD rows, reductions and operands for `#[vectorize]` |
//! | [`alloc`] | the output arrays of allocating kernel calls |
//! | [`error`] | [`KernelError`], the one error type of every kernel call |
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod alloc;
pub mod bind;
pub mod boundary;
pub mod broadcast;
pub mod dispatch;
pub mod error;
pub mod lanes;
pub mod operand;
pub mod reduce;
pub mod stencil;

/// NumPy's generalized-ufunc signature grammar.
///
/// The grammar has a single owner, the dependency-free `kernel-signature` crate, so that
/// the `#[guvectorize]` macro checks signature literals with the very parser the runtime
/// binds them with.
pub mod signature {
    pub use kernel_signature::{CoreDim, CoreShape, DimSize, Signature, SignatureError};
}

pub use error::{KernelError, Operand, Role};
pub use signature::Signature;
