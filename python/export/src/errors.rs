//! How kernel failures reach Python.

use std::any::Any;

use ndkernel::KernelError;
use pyo3::PyErr;
use pyo3::exceptions::PyValueError;

/// A `KernelError` is a `ValueError` with the same text: every variant is a shape or size
/// that does not fit the kernel, which is what NumPy raises `ValueError` for.
pub fn kernel_error(error: KernelError) -> PyErr {
    PyValueError::new_err(error.to_string())
}

/// The text of a panic's payload (`panic!` with a literal or a formatted message).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
