//! `ndkernel_seeds`: the seeds' kernels, and a few more, as a Python extension module built
//! by maturin (`pip install ./python`). Each `ufunc!`, `gufunc!` or `stencil!` line exports
//! one kernel; see the `ndkernel-python` crate.

use ::ndkernel_seeds::{addarr, correlate_sparse, skeleton, smooth, softmax};
use ndkernel::prelude::*;
use ndkernel_python::{gufunc, stencil, ufunc};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArrayDyn};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

/// Seed 000's relative difference, the README's first example; generic, exported for
/// `float64` and `float32`.
#[vectorize]
pub fn rel_diff<T: num_like::Real>(x: T, y: T) -> T {
    T::TWO * (x - y) / (x + y)
}

/// Addition with an identity, so `add.reduce` works on empty axes too.
#[vectorize(identity = 0)]
pub fn add_i64(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}

/// Integer division as Rust does it: panics when `b == 0`, which Python sees as a
/// `RuntimeError` (the loop's other elements are not returned).
#[vectorize]
pub fn int_div(a: i64, b: i64) -> i64 {
    a / b
}

/// `x` clipped into `[lo, hi]`, with a branch: three broadcast operands.
#[vectorize]
pub fn clip<T: PartialOrd + Copy>(x: T, lo: T, hi: T) -> T {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// The sum of products over the last axis (NumPy's `inner1d` test gufunc).
#[guvectorize("(n),(n)->()")]
pub fn inner1d(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.dot(&b)
}

/// Matrix product over the last two axes, Numba's out-parameter form.
#[guvectorize("(n,k),(k,m)->(n,m)")]
pub fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
    out.assign(&a.dot(&b));
}

/// Each row's mean and standard deviation: two outputs.
#[guvectorize("(n)->(),()")]
pub fn mean_std(x: ArrayView1<f64>) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.sum() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// One kernel per boundary mode and rank (what the tests compare with SciPy's `correlate`
/// and Dask's chunked calls with in-memory ones): `line_<mode>` reads an asymmetric 1-D
/// window, `laplace_<mode>` is the 5-point Laplacian, `cube_<mode>` an asymmetric 3-D
/// stencil; all with `cval = 1.5`.
pub mod modes {
    // Clippy misses the `# Errors` sections `#[stencil]` writes into the generated
    // functions' docs when the kernel comes out of `macro_rules!`.
    #![allow(clippy::missing_errors_doc, reason = "the generated docs have them")]

    use ndkernel::prelude::*;

    macro_rules! per_mode {
        ($($line:ident, $laplace:ident, $cube:ident = $mode:literal;)*) => {$(
            #[doc = concat!("An asymmetric 1-D window, mode `", $mode, "`.")]
            #[stencil(mode = $mode, cval = 1.5)]
            pub fn $line(x: Rel<f64>) -> f64 {
                x[[-2]] + 2.0 * x[[0]] - x[[1]]
            }

            #[doc = concat!("The 5-point Laplacian, mode `", $mode, "`.")]
            #[stencil(mode = $mode, cval = 1.5)]
            pub fn $laplace(x: Rel<f64>) -> f64 {
                x[[-1, 0]] + x[[0, -1]] - 4.0 * x[[0, 0]] + x[[0, 1]] + x[[1, 0]]
            }

            #[doc = concat!("An asymmetric 3-D stencil, mode `", $mode, "`.")]
            #[stencil(mode = $mode, cval = 1.5)]
            pub fn $cube(x: Rel<f64>) -> f64 {
                x[[-1, 0, 0]] + x[[0, 0, 2]] - x[[0, -1, 0]] + 0.5 * x[[0, 0, 0]]
            }
        )*};
    }
    per_mode! {
        line_skip, laplace_skip, cube_skip = "skip";
        line_constant, laplace_constant, cube_constant = "constant";
        line_nearest, laplace_nearest, cube_nearest = "nearest";
        line_reflect, laplace_reflect, cube_reflect = "reflect";
        line_mirror, laplace_mirror, cube_mirror = "mirror";
        line_wrap, laplace_wrap, cube_wrap = "wrap";
        line_valid, laplace_valid, cube_valid = "valid";
    }
}

/// The 7-point Laplacian of a volume, reflecting at the border.
#[stencil(mode = "reflect")]
pub fn laplace3d(x: Rel<f32>) -> f32 {
    x[[-1, 0, 0]] + x[[0, -1, 0]] + x[[0, 0, -1]] - 6.0 * x[[0, 0, 0]]
        + x[[0, 0, 1]]
        + x[[0, 1, 0]]
        + x[[1, 0, 0]]
}

/// A scaled 1-D difference with an asymmetric reach and a scalar argument.
#[stencil(mode = "nearest")]
pub fn forward_diff(x: Rel<f64>, h: f64) -> f64 {
    (x[[2]] - x[[-1]]) / h
}

/// SciPy's CSR pieces of a graph, and its nodes' raveled pixel indices.
type Csr<'py> = (
    Bound<'py, PyArray1<i32>>,
    Bound<'py, PyArray1<i32>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<i64>>,
);

/// Seed 004's pixel graph of a skeleton image (2-D or 3-D `bool`), as SciPy's CSR
/// pieces: `(indptr, indices, data, nodes)`.
#[pyfunction]
fn pixel_graph<'py>(py: Python<'py>, skeleton: &Bound<'py, PyAny>) -> PyResult<Csr<'py>> {
    // A NumPy bool may hold any byte (`uint8_array.view(bool)`), a Rust `bool` only 0 or 1:
    // the pixels are read as bytes and checked before they are read as `bool`s.
    let bytes = skeleton.call_method1("view", ("uint8",))?;
    let bytes: PyReadonlyArrayDyn<'py, u8> = bytes
        .extract()
        .map_err(|_| PyTypeError::new_err("pixel_graph: the skeleton must be a bool array"))?;
    let view = bytes.as_array();
    if view.iter().any(|&b| b > 1) {
        return Err(PyValueError::new_err(
            "pixel_graph: the skeleton holds bool bytes other than 0 and 1",
        ));
    }
    // SAFETY: every byte is 0 or 1, a valid `bool`, and `bool` has `u8`'s size and alignment.
    let pixels = unsafe { view.raw_view().cast::<bool>().deref_into_view() };
    let graph = py
        .detach(|| std::panic::catch_unwind(|| skeleton::pixel_graph(pixels)))
        .map_err(|_| PyRuntimeError::new_err("pixel_graph: the kernel panicked"))?
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((
        graph.indptr.into_pyarray(py),
        graph.indices.into_pyarray(py),
        graph.data.into_pyarray(py),
        graph.nodes.into_pyarray(py),
    ))
}

#[pymodule]
fn ndkernel_seeds(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Elementwise: numpy.ufunc objects.
    ufunc!(m, addarr::addarr(f64, f64) -> f64)?;
    ufunc!(m, rel_diff(f64, f64) -> f64, (f32, f32) -> f32)?;
    ufunc!(m, add_i64(i64, i64) -> i64)?; // reduce starts from the kernel's identity
    ufunc!(m, int_div(i64, i64) -> i64)?;
    ufunc!(m, clip(f64, f64, f64) -> f64, (f32, f32, f32) -> f32, (i32, i32, i32) -> i32, (u8, u8, u8) -> u8)?;
    // Generalized: gufuncs with the kernel's signature.
    gufunc!(m, softmax::softmax_rows(f64) -> f64, (f32) -> f32)?;
    gufunc!(m, inner1d(f64, f64) -> f64)?;
    gufunc!(m, matmul(f64, f64) -> f64)?;
    gufunc!(m, mean_std(f64) -> (f64, f64))?;
    // Stencils: callables with their neighbourhood and modes.
    stencil!(m, smooth::smooth(x: Rel<i8>) -> i8)?;
    stencil!(m, smooth::mean_f32(x: Rel<f32>) -> f32)?;
    stencil!(m, correlate_sparse::corner_sum(x: Rel<f64>, w: isize) -> f64)?;
    macro_rules! per_mode {
        ($($kernel:ident),*) => {$(stencil!(m, modes::$kernel(x: Rel<f64>) -> f64)?;)*};
    }
    per_mode!(
        line_skip,
        line_constant,
        line_nearest,
        line_reflect,
        line_mirror,
        line_wrap,
        line_valid
    );
    per_mode!(
        laplace_skip,
        laplace_constant,
        laplace_nearest,
        laplace_reflect,
        laplace_mirror,
        laplace_wrap,
        laplace_valid
    );
    per_mode!(
        cube_skip,
        cube_constant,
        cube_nearest,
        cube_reflect,
        cube_mirror,
        cube_wrap,
        cube_valid
    );
    stencil!(m, laplace3d(x: Rel<f32>) -> f32)?;
    stencil!(m, forward_diff(x: Rel<f64>, h: f64) -> f64)?;
    // A plain function for what is not one kernel.
    m.add_function(wrap_pyfunction!(pixel_graph, m)?)?;
    Ok(())
}

/// The float types `rel_diff` is generic over.
mod num_like {
    use std::ops::{Add, Div, Mul, Sub};

    /// `f32` and `f64`, with the constant `rel_diff` needs.
    pub trait Real:
        Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
    {
        /// 2.
        const TWO: Self;
    }
    impl Real for f32 {
        const TWO: Self = 2.0;
    }
    impl Real for f64 {
        const TWO: Self = 2.0;
    }
}
