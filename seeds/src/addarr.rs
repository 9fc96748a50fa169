//! Seed 000's `addarr`, the "Numba beats NumPy" opener: `result[i] = x[i] + y[i]` on `f64`
//! and on `u8`, as `#[vectorize]` kernels beside the post's loop.
//!
//! Each kernel comes with its generated forms: `addarr(&x, &y)` allocates its result like
//! `a + b`, `addarr_into(&x, &y, &mut out)` writes into an existing array like
//! `np.add(a, b, out=out)`.

use ndkernel::vectorize;
use std::ops::Add;

/// `result[i] = x[i] + y[i]` on `f64`.
#[vectorize]
pub fn addarr(x: f64, y: f64) -> f64 {
    x + y
}

/// The same on bytes. `x + y` rather than `x.wrapping_add(y)`, which is not in the lane
/// subset: integer lanes wrap, and so does the scalar function in a release build (a debug
/// build panics on overflow; the post's data, `randint(0, 128)`, never overflows anyway).
#[vectorize]
pub fn addarr_u8(x: u8, y: u8) -> u8 {
    x + y
}

/// The post's loop, transcribed: allocates its result (`np.zeros_like(x)`), then indexes.
///
/// # Panics
///
/// If `y` is shorter than `x`.
#[allow(clippy::needless_range_loop, reason = "the post's loop, as written")]
pub fn addarr_naive<T: Copy + Default + Add<Output = T>>(x: &[T], y: &[T]) -> Vec<T> {
    let mut result = vec![T::default(); x.len()];
    for i in 0..x.len() {
        result[i] = x[i] + y[i];
    }
    result
}

/// The post's loop into a preallocated output, to compare with `addarr_into`.
///
/// # Panics
///
/// If `y` or `out` is shorter than `x`.
#[allow(clippy::needless_range_loop, reason = "the post's loop, as written")]
pub fn addarr_naive_into<T: Copy + Add<Output = T>>(x: &[T], y: &[T], out: &mut [T]) {
    for i in 0..x.len() {
        out[i] = x[i] + y[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndkernel::ndarray::Array1;

    #[test]
    fn kernels_equal_the_loop() {
        let x = Array1::from_shape_fn(1037, |i| i as f64 * 0.25);
        let y = Array1::from_shape_fn(1037, |i| (i % 7) as f64);
        let want = addarr_naive(x.as_slice().unwrap(), y.as_slice().unwrap());
        assert_eq!(addarr(&x, &y).unwrap().to_vec(), want);

        let r = Array1::from_shape_fn(1037, |i| (i % 128) as u8);
        let s = Array1::from_shape_fn(1037, |i| (i * 7 % 128) as u8);
        let mut out = Array1::zeros(1037);
        addarr_u8_into(&r, &s, &mut out).unwrap();
        let mut want = vec![0; 1037];
        addarr_naive_into(r.as_slice().unwrap(), s.as_slice().unwrap(), &mut want);
        assert_eq!(out.to_vec(), want);
    }
}
