//! The kernel zoo: kernels a new user would write that are not the seeds' workloads, each
//! written with ndkernel as the README teaches and timed against the peers of
//! `peers/zoo.py` on the same inputs.
//!
//! - [`linear`]: weighted sums (`#[stencil]`): a 3-D Laplacian, 5x5 and 7x7 blurs, a 3-D box mean, Sobel
//!   magnitude, a 15x15 box mean with its reach as a parameter, a two-input diffusion step.
//! - [`logic`]: comparisons and selects (`#[stencil]`): Game of Life, erosion, dilation,
//!   3x3 median.
//! - [`ufuncs`]: `#[vectorize]`: logistic, Gaussian, `sin * cos`.
//! - [`gufuncs`]: `#[guvectorize]`: row norms, cross products, 4x4 matrix-vector products.
//!
//! Each module writes its kernels, beside them a naive loop written independently (plain
//! indexing, the border mapped by [`Border::at`]), and one runner per workload: check every
//! spelling against the naive loop, then time the first spelling's `_into` form (the
//! reference of `peers.py`'s ratio), its allocating form, and the other spellings' `_into`
//! forms. Where users spell a kernel two ways, both are timed; the first listed is the most
//! natural spelling after the README.

mod gufuncs;
mod linear;
mod logic;
mod ufuncs;

use ndkernel::prelude::*;

use crate::{Bench, Check};

/// `zoo.py`'s `SIZES`: workload, full size, quick size. The strings must match its own.
pub const SIZES: [(&str, &[usize], &[usize]); 20] = [
    ("zoo_lap3d_f32", &[256, 256, 256], &[64, 64, 64]),
    ("zoo_blur5_f32", &[2000, 2000], &[500, 500]),
    ("zoo_blur7_f64", &[1000, 1000], &[300, 300]),
    ("zoo_binom7_f32", &[2000, 2000], &[500, 500]),
    ("zoo_box3d_f32", &[128, 256, 256], &[32, 64, 64]),
    ("zoo_sobel_u8_f32", &[2000, 2000], &[500, 500]),
    ("zoo_life_u8", &[2000, 2000], &[500, 500]),
    ("zoo_erode3_u8", &[2000, 2000], &[500, 500]),
    ("zoo_dilate5_u8", &[2000, 2000], &[500, 500]),
    ("zoo_median3_u8", &[2000, 2000], &[500, 500]),
    ("zoo_box15_f32", &[2000, 2000], &[500, 500]),
    ("zoo_box31_u8", &[2000, 2000], &[500, 500]),
    ("zoo_box101_f32", &[2000, 2000], &[500, 500]),
    ("zoo_diffuse2_f64", &[2000, 2000], &[500, 500]),
    ("zoo_logistic_f32", &[10_000_000], &[1_000_000]),
    ("zoo_gauss_f64", &[10_000_000], &[1_000_000]),
    ("zoo_sincos_f32", &[10_000_000], &[1_000_000]),
    ("zoo_rownorm_f64", &[2_000_000, 8], &[200_000, 8]),
    ("zoo_cross3_f64", &[1_000_000, 3], &[100_000, 3]),
    ("zoo_mat4vec_f32", &[1_000_000, 4, 4], &[100_000, 4, 4]),
];

/// Runs the zoo workload `b.workload`, or `None` if there is no such zoo workload.
pub fn run(b: &mut Bench, shape: &[usize]) -> Option<Check> {
    let image = || (shape[0], shape[1]);
    Some(match b.workload {
        "zoo_lap3d_f32" => linear::zoo_lap3d_f32(b, (shape[0], shape[1], shape[2])),
        "zoo_blur5_f32" => linear::zoo_blur5_f32(b, image()),
        "zoo_blur7_f64" => linear::zoo_blur7_f64(b, image()),
        "zoo_binom7_f32" => linear::zoo_binom7_f32(b, image()),
        "zoo_box3d_f32" => linear::zoo_box3d_f32(b, (shape[0], shape[1], shape[2])),
        "zoo_sobel_u8_f32" => linear::zoo_sobel_u8_f32(b, image()),
        "zoo_box15_f32" => linear::zoo_box15_f32(b, image()),
        "zoo_box31_u8" => linear::zoo_box31_u8(b, image()),
        "zoo_box101_f32" => linear::zoo_box101_f32(b, image()),
        "zoo_diffuse2_f64" => linear::zoo_diffuse2_f64(b, image()),
        "zoo_life_u8" => logic::zoo_life_u8(b, image()),
        "zoo_erode3_u8" => logic::zoo_erode3_u8(b, image()),
        "zoo_dilate5_u8" => logic::zoo_dilate5_u8(b, image()),
        "zoo_median3_u8" => logic::zoo_median3_u8(b, image()),
        "zoo_logistic_f32" => ufuncs::zoo_logistic_f32(b, shape[0]),
        "zoo_gauss_f64" => ufuncs::zoo_gauss_f64(b, shape[0]),
        "zoo_sincos_f32" => ufuncs::zoo_sincos_f32(b, shape[0]),
        "zoo_rownorm_f64" => gufuncs::zoo_rownorm_f64(b, (shape[0], shape[1])),
        "zoo_cross3_f64" => gufuncs::zoo_cross3_f64(b, shape[0]),
        "zoo_mat4vec_f32" => gufuncs::zoo_mat4vec_f32(b, shape[0]),
        _ => return None,
    })
}

/// How the naive loops read outside the array: SciPy's modes, as `ndkernel::boundary`
/// documents them, written out again here so that the check does not lean on ndkernel.
#[derive(Clone, Copy, Debug)]
pub enum Border {
    /// `a a a | a b c d | d d d`
    Nearest,
    /// `c b a | a b c d | d c b` (SciPy's `reflect`, half-sample symmetric)
    Reflect,
    /// `d c b | a b c d | c b a` (SciPy's `mirror`, whole-sample symmetric)
    Mirror,
    /// `b c d | a b c d | a b c`
    Wrap,
}

impl Border {
    /// The index that position `i` of an axis of length `n` reads.
    pub fn at(self, i: isize, n: usize) -> usize {
        let n = n as isize;
        let mut i = i;
        // Reflections can land outside again when the reach exceeds the length.
        while i < 0 || i >= n {
            i = match self {
                Border::Nearest => i.clamp(0, n - 1),
                Border::Reflect if i < 0 => -i - 1,
                Border::Reflect => 2 * n - 1 - i,
                Border::Mirror if n == 1 => 0,
                Border::Mirror if i < 0 => -i,
                Border::Mirror => 2 * n - 2 - i,
                Border::Wrap => i.rem_euclid(n),
            };
        }
        i as usize
    }
}

/// `got` equal to `want` within `atol + rtol * |want|` everywhere.
pub fn near<T: Copy + Into<f64>>(what: &str, got: &[T], want: &[T], atol: f64, rtol: f64) -> Check {
    if got.len() != want.len() {
        return Err(format!(
            "{what}: {} values, expected {}",
            got.len(),
            want.len()
        ));
    }
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.into(), w.into());
        if (g - w).abs() > atol + rtol * w.abs() || g.is_nan() != w.is_nan() {
            return Err(format!(
                "{what}: element {k} is {g:e}, the naive loop gives {w:e}"
            ));
        }
    }
    Ok(())
}

/// One spelling of a kernel: its system name and its `_into` form on the workload's input.
pub type Spelling<'a, I, T, D> = (
    &'a str,
    &'a dyn Fn(&I, &mut Array<T, D>) -> Result<(), KernelError>,
);

/// The allocating form of the first spelling, with its system name.
pub type Allocating<'a, I, T, D> = (&'a str, &'a dyn Fn(&I) -> Result<Array<T, D>, KernelError>);

/// Checks every spelling (each `_into` into `out` filled with `garbage` first, so that no
/// spelling passes on another's values; then the allocating form), then times the first
/// spelling's `_into` (the ratio's reference), the allocating form, and the other `_into`s.
pub fn spellings<I: InputBytes, T: Copy, D: Dimension>(
    b: &mut Bench,
    input: &I,
    out: &mut Array<T, D>,
    garbage: T,
    check: &dyn Fn(&str, &Array<T, D>) -> Check,
    intos: &[Spelling<'_, I, T, D>],
    allocating: Allocating<'_, I, T, D>,
) -> Check {
    for (name, into) in intos {
        out.fill(garbage);
        into(input, out).map_err(|e| format!("{name}: {e}"))?;
        check(name, out)?;
    }
    let (name, alloc) = allocating;
    check(name, &alloc(input).map_err(|e| format!("{name}: {e}"))?)?;
    let ((first, into), rest) = intos.split_first().expect("at least one spelling");
    b.time(first, || into(input, out));
    b.time(name, || alloc(input));
    for (name, into) in rest {
        b.time(name, || into(input, out));
    }
    b.floor(
        &input.bytes(),
        size_of_val(out.as_slice_memory_order().expect("a fresh output")),
    );
    Ok(())
}

/// A workload's input arrays as bytes, for [`Bench::floor`](crate::Bench).
pub trait InputBytes {
    fn bytes(&self) -> Vec<&[u8]>;
}

impl<T: Copy, D: Dimension> InputBytes for Array<T, D> {
    fn bytes(&self) -> Vec<&[u8]> {
        let elements = self
            .as_slice_memory_order()
            .expect("inputs are fresh arrays");
        // SAFETY: the zoo's element types (integers and floats) have no padding, so every
        // byte of the elements is initialised; the bytes borrow the array.
        vec![unsafe { std::slice::from_raw_parts(elements.as_ptr().cast(), size_of_val(elements)) }]
    }
}

impl<A: InputBytes, B: InputBytes> InputBytes for (A, B) {
    fn bytes(&self) -> Vec<&[u8]> {
        let mut bytes = self.0.bytes();
        bytes.extend(self.1.bytes());
        bytes
    }
}
