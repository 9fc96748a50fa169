//! Seed 002's `smooth`: the 3x3 mean of the Numba/Dask/gufunc post as `#[stencil]` kernels
//! (border 0, Numba's default), on the post's `int8`, on `u8` and on `f32`, beside the
//! post's loop nest and a row-slice loop the compiler can vectorise.
//!
//! Leading axes of a stencil's input are a stack, as the post's gufunc loops over axis 0:
//! `smooth(&stack)` smooths every plane of a 3-D array in one call.

use std::ops::Add;

use ndkernel::ndarray::{ArrayView2, ArrayView3, ArrayViewMut2, ArrayViewMut3};
use ndkernel::prelude::*;

/// The post's `_smooth` on `int8`: the mean of the 3x3 neighbourhood, border 0.
///
/// Numba adds the nine `int8` reads in `int64` and `// 9` is *floor* division, which
/// rounds towards minus infinity: `-670 // 9 == -75`. Rust's `/` truncates towards zero
/// (`-670 / 9 == -74`), so it would differ on every negative sum that is not a multiple
/// of 9. `div_euclid` leaves a non-negative remainder, which for a positive divisor is
/// exactly floor division. An `i16` sum is already exact (`9 * -128 = -1152`,
/// `9 * 127 = 1143`) and keeps the arithmetic in narrow lanes; the quotient lies in
/// `-128..=127`, so the cast back to `i8` never wraps, just as the gufunc's cast to its
/// `int8` output never does.
#[stencil]
pub fn smooth(x: Rel<i8>) -> i8 {
    let s = i16::from(x[[-1, -1]])
        + i16::from(x[[-1, 0]])
        + i16::from(x[[-1, 1]])
        + i16::from(x[[0, -1]])
        + i16::from(x[[0, 0]])
        + i16::from(x[[0, 1]])
        + i16::from(x[[1, -1]])
        + i16::from(x[[1, 0]])
        + i16::from(x[[1, 1]]);
    s.div_euclid(9) as i8
}

/// The same mean on unsigned pixels, as images usually come (`u16` sum, `/` floors).
#[stencil]
pub fn smooth_u8(x: Rel<u8>) -> u8 {
    let s = u16::from(x[[-1, -1]])
        + u16::from(x[[-1, 0]])
        + u16::from(x[[-1, 1]])
        + u16::from(x[[0, -1]])
        + u16::from(x[[0, 0]])
        + u16::from(x[[0, 1]])
        + u16::from(x[[1, -1]])
        + u16::from(x[[1, 0]])
        + u16::from(x[[1, 1]]);
    (s / 9) as u8
}

/// The mean on floats as `peers/peers.py`'s `smooth_f32` computes it: the sum of the
/// nine reads in `f32`, left to right in row-major order, divided by `9f32` (a true mean;
/// the post's `// 9` would floor it). Border 0.
#[stencil]
pub fn mean_f32(x: Rel<f32>) -> f32 {
    (x[[-1, -1]]
        + x[[-1, 0]]
        + x[[-1, 1]]
        + x[[0, -1]]
        + x[[0, 0]]
        + x[[0, 1]]
        + x[[1, -1]]
        + x[[1, 0]]
        + x[[1, 1]])
        / 9.0
}

/// The arithmetic of each kernel on nine values in the post's reading order, so that the
/// baselines compute exactly what the stencils compute.
pub trait Mean9: Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// The mean of `v` as the element type's kernel computes it.
    fn mean9(v: [Self; 9]) -> Self;
}

impl Mean9 for i8 {
    /// `smooth`'s: exact `i16` sum (Numba's `int64` sum gives the same), floor division.
    #[inline]
    fn mean9(v: [i8; 9]) -> i8 {
        sum9(v.map(i16::from)).div_euclid(9) as i8
    }
}

impl Mean9 for u8 {
    /// `smooth_u8`'s.
    #[inline]
    fn mean9(v: [u8; 9]) -> u8 {
        (sum9(v.map(u16::from)) / 9) as u8
    }
}

impl Mean9 for f32 {
    /// `mean_f32`'s.
    #[inline]
    fn mean9(v: [f32; 9]) -> f32 {
        sum9(v) / 9.0
    }
}

/// `v[0] + v[1] + … + v[8]`, left to right like the kernels' sums.
#[inline]
fn sum9<T: Copy + Add<Output = T>>(v: [T; 9]) -> T {
    v[1..].iter().fold(v[0], |acc, &x| acc + x)
}

/// The post's loop nest on one image, transcribed: `out[i, j] = (x[i - 1, j - 1] + …) // 9`
/// over the interior, element by element; the border is 0 (NumPy's `empty_like` would
/// leave it undefined; Numba's stencil writes 0).
pub fn naive<T: Mean9>(x: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
    let (n, m) = x.dim();
    out.fill(T::default());
    for i in 1..n.saturating_sub(1) {
        for j in 1..m.saturating_sub(1) {
            out[[i, j]] = T::mean9([
                x[[i - 1, j - 1]],
                x[[i - 1, j]],
                x[[i - 1, j + 1]],
                x[[i, j - 1]],
                x[[i, j]],
                x[[i, j + 1]],
                x[[i + 1, j - 1]],
                x[[i + 1, j]],
                x[[i + 1, j + 1]],
            ]);
        }
    }
}

/// The same arithmetic over three contiguous rows at a time (`windows(3)`), a loop the
/// compiler can vectorise: what a careful hand-written loop reaches on one thread.
///
/// # Panics
///
/// If `x` or `out` is not C-contiguous.
pub fn rows<T: Mean9>(x: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
    let (n, m) = x.dim();
    out.fill(T::default());
    if n < 3 || m < 3 {
        return;
    }
    let x = x.as_slice().expect("C-contiguous input");
    let out = out.as_slice_mut().expect("C-contiguous output");
    for i in 1..n - 1 {
        let (above, here, below) = (
            &x[(i - 1) * m..i * m],
            &x[i * m..(i + 1) * m],
            &x[(i + 1) * m..(i + 2) * m],
        );
        let row = &mut out[i * m + 1..(i + 1) * m - 1];
        for (((o, a), b), c) in row
            .iter_mut()
            .zip(above.windows(3))
            .zip(here.windows(3))
            .zip(below.windows(3))
        {
            *o = T::mean9([a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]]);
        }
    }
}

/// A one-image baseline over every plane of a stack, as the post's gufunc loops over
/// axis 0.
pub fn per_plane<T: Mean9>(
    f: fn(ArrayView2<T>, ArrayViewMut2<T>),
    x: ArrayView3<T>,
    mut out: ArrayViewMut3<T>,
) {
    for (x, out) in x.outer_iter().zip(out.outer_iter_mut()) {
        f(x, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndkernel::ndarray::Array3;

    fn check<T: Mean9>(from_byte: fn(u8) -> T) {
        for shape in [(1, 37, 53), (1, 3, 3), (5, 41, 29), (2, 2, 7)] {
            let x = Array3::from_shape_fn(shape, |(k, i, j)| {
                from_byte(((i * 3 + j * 5 + k * 11 + (i * j) % 7) % 256) as u8)
            });
            let mut want = Array3::from_elem(shape, T::default());
            per_plane(naive, x.view(), want.view_mut());
            let mut got = Array3::from_elem(shape, T::default());
            per_plane(rows, x.view(), got.view_mut());
            assert_eq!(got, want, "{shape:?}");
        }
    }

    #[test]
    fn baselines_agree() {
        check(|v| v as i8);
        check(|v| v);
        check(f32::from);
    }

    #[test]
    fn kernels_equal_the_loop() {
        let shape = (3, 41, 29);
        let x = Array3::from_shape_fn(shape, |(k, i, j)| ((i * 3 + j * 5 + k * 11) % 256) as u8);
        let mut want = Array3::zeros(shape);
        per_plane(naive, x.view(), want.view_mut());
        assert_eq!(smooth_u8(&x).unwrap(), want);

        let xi = x.mapv(|v| v as i8);
        let mut want_i = Array3::zeros(shape);
        per_plane(naive, xi.view(), want_i.view_mut());
        assert_eq!(smooth(&xi).unwrap(), want_i);

        let xf = x.mapv(f32::from);
        let mut want_f = Array3::zeros(shape);
        per_plane(naive, xf.view(), want_f.view_mut());
        assert_eq!(mean_f32(&xf).unwrap(), want_f);
    }
}
