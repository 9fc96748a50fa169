//! ndkernel: per-element rules over n-dimensional arrays, run at hardware speed.
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub use kernel_runtime::{
    KernelError, Operand, Role, bind, boundary, broadcast, dispatch, error, signature,
};
pub use ndarray;

/// Everything a kernel author needs in scope.
pub mod prelude {
    pub use crate::KernelError;
    pub use ndarray::prelude::*;
}
