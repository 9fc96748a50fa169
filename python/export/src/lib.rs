//! ndkernel kernels in a Python extension module, compiled ahead of time: one line per
//! kernel.
//!
//! - [`ufunc!`] makes a `#[vectorize]` kernel a real `numpy.ufunc`: NumPy broadcasts,
//!   casts, honours `out=`, `where=`, `dtype=`, `order=`, dispatches `__array_ufunc__`
//!   (Dask, xarray) and gives `reduce`/`accumulate` when the kernel has an identity.
//! - [`gufunc!`] makes a `#[guvectorize]` kernel a generalized ufunc with the kernel's
//!   signature: NumPy broadcasts the loop dimensions and takes `axes=`, `axis=`,
//!   `keepdims=` and `out=`.
//! - [`stencil!`] makes a `#[stencil]` kernel a callable `f(x, *scalars, out=None)` with
//!   `ndim`, `neighborhood` and `mode` attributes.
//!
//! Each lists the element types it is exported for, as `(inputs) -> outputs`, one
//! combination per NumPy loop; a generic kernel is instantiated for each. The types are
//! checked by the compiler against the kernel.
//!
//! ```ignore
//! use ndkernel_python::{gufunc, stencil, ufunc};
//! use pyo3::prelude::*;
//!
//! #[pymodule]
//! fn my_kernels(m: &Bound<'_, PyModule>) -> PyResult<()> {
//!     ufunc!(m, rel_diff(f64, f64) -> f64)?;
//!     ufunc!(m, add(f64, f64) -> f64, (f32, f32) -> f32)?;  // its identity: the kernel's
//!     gufunc!(m, softmax_rows(f64) -> f64, (f32) -> f32)?;
//!     stencil!(m, smooth(Rel<i8>) -> i8)?;
//!     stencil!(m, corner_sum(x: Rel<f64>, w: isize) -> f64)?;
//!     Ok(())
//! }
//! ```
//!
//! Inner loops run with the GIL released (NumPy releases it around ufunc loops; stencils
//! release it themselves) and split large calls over rayon's pool. A `KernelError` raises
//! `ValueError` with its text, a panic raises an exception instead of aborting, and an
//! exported object pickles by reference (its module and name), so a Dask or
//! multiprocessing worker with the same wheel installed gets the same object.

mod errors;
mod loops;
mod stencil;
mod ufunc;

pub use ndkernel_python_macros::{gufunc, stencil, ufunc};
pub use stencil::Stencil;

#[doc(hidden)]
pub mod __private {
    pub use crate::errors::kernel_error;
    pub use crate::loops::{Cores, Intp, LoopData, LoopFn, Strided, elementwise, generalized};
    pub use crate::stencil::{
        Call, Footprint, Spec as StencilSpec, Stencil, add as add_stencil, view,
    };
    pub use crate::ufunc::{Loop, Spec as UfuncSpec, add as add_ufunc};
    pub use ndarray;
    pub use ndkernel;
    pub use numpy;
    pub use pyo3;

    /// A kernel's identity as the Python object NumPy's `reduce` starts from.
    ///
    /// # Errors
    /// The value does not convert.
    pub fn identity_object<'py, T: pyo3::IntoPyObject<'py>>(
        py: pyo3::Python<'py>,
        identity: Option<T>,
    ) -> pyo3::PyResult<Option<pyo3::Bound<'py, pyo3::PyAny>>> {
        identity
            .map(|value| pyo3::IntoPyObjectExt::into_bound_py_any(value, py))
            .transpose()
    }

    /// NumPy's type number for `T`.
    pub fn type_num<T: numpy::Element>(py: pyo3::Python<'_>) -> std::ffi::c_int {
        use numpy::PyArrayDescrMethods;
        T::get_dtype(py).num()
    }
}
