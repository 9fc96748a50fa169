//! Seed 004's `correlate_sparse`, the inner loop of Sauvola thresholding in skan: an `f64`
//! image correlated with a `(w + 1) x (w + 1)` kernel that is zero except at its four
//! corners, over the *valid* region.
//!
//! The post's kernel is `+1` at `(0, 0)` and `(w, w)`, `-1` at `(0, w)` and `(w, 0)`
//! (`(-1) ** (ndim % 2 != sum(indices) % 2)` over `itertools.product([0, -1], [0, -1])`),
//! so `result[i, j] = x[i, j] - x[i, j + w] - x[i + w, j] + x[i + w, j + w]`, of shape
//! `(rows - w, cols - w)`. The post stores the kernel's nonzero offsets in arrays and loops
//! over them ([`correlate_sparse_loop`]), then swaps the loops for cache locality
//! ([`correlate_sparse_offsets`]), then drops the indirection through `corner_indices` to
//! see what it costs ([`correlate_no_indirection`], no longer the same computation).
//!
//! With ndkernel the four taps are the kernel's source, [`corner_sum`](fn@corner_sum); the box width is a
//! parameter that also sets the neighbourhood (`neighborhood = [(0, w), (0, w)]`), so one
//! kernel serves every width and `mode = "valid"` gives the output shape. The sum runs in
//! the post's order (`0 + x·1 + x·(-1) + x·(-1) + x·1` equals `x00 - x0w - xw0 + xww` bit
//! for bit), so the results are exactly the loops'.

use ndkernel::ndarray::{Array2, ArrayView2};
use ndkernel::prelude::*;

/// The four corner taps of seed 004's `(w + 1)`-box kernel:
/// `x[i, j] - x[i, j + w] - x[i + w, j] + x[i + w, j + w]` over the valid region,
/// `(rows - w, cols - w)` (empty where the image is not larger than the box).
///
/// # Errors
///
/// If the image is not 2-D, or the `_into` form's `out` does not have the valid region's
/// shape.
#[stencil(mode = "valid", neighborhood = [(0, w), (0, w)])]
pub fn corner_sum(x: Rel<f64>, w: isize) -> f64 {
    x[[0, 0]] - x[[0, w]] - x[[w, 0]] + x[[w, w]]
}

/// The arrays the post's `correlate_sparse` builds before calling its loop: the raveled
/// offsets and values of the kernel's nonzeros, and the raveled index of every output
/// position's top-left corner in the image.
#[derive(Debug, Clone)]
pub struct Sparse {
    /// Raveled offsets of the kernel's nonzeros, in `np.nonzero`'s (C) order.
    pub offsets: Vec<usize>,
    /// The kernel's nonzero values, `±1`.
    pub values: Vec<f64>,
    /// Raveled image index of each output position (its top-left corner).
    pub corner_indices: Vec<usize>,
    /// The valid region, `(rows - w, cols - w)`.
    pub result_shape: (usize, usize),
}

impl Sparse {
    /// `kern` as the post builds it, then `np.nonzero`, `np.ravel_multi_index` and the
    /// `meshgrid` of corner indices, for a 2-D image of `shape`.
    ///
    /// # Panics
    ///
    /// If the image is not larger than `w` along both axes.
    pub fn new(shape: (usize, usize), w: usize) -> Sparse {
        assert!(
            shape.0 > w && shape.1 > w,
            "image {shape:?} too small for w = {w}"
        );
        let kern = kernel(w);
        let (offsets, values) = kern
            .indexed_iter()
            .filter(|&(_, &v)| v != 0.0)
            .map(|((r, c), &v)| (r * shape.1 + c, v))
            .unzip();
        let result_shape = (shape.0 - w, shape.1 - w);
        let corner_indices = (0..result_shape.0)
            .flat_map(|i| (0..result_shape.1).map(move |j| i * shape.1 + j))
            .collect();
        Sparse {
            offsets,
            values,
            corner_indices,
            result_shape,
        }
    }

    /// Multiply-adds per call, the post's "elems" for its M elems per second.
    pub fn elems(&self) -> usize {
        self.corner_indices.len() * self.offsets.len()
    }
}

/// The post's `kern` for `ndim = 2`: `(w + 1) x (w + 1)` zeros with `±1` at the corners.
pub fn kernel(w: usize) -> Array2<f64> {
    const NDIM: i32 = 2;
    let mut kern = Array2::<f64>::zeros((w + 1, w + 1));
    for (a, b) in [(0_i32, 0_i32), (0, -1), (-1, 0), (-1, -1)] {
        let flip = NDIM % 2 != (a + b).rem_euclid(2);
        let at = |i: i32| if i < 0 { w } else { 0 };
        kern[[at(a), at(b)]] = if flip { -1.0 } else { 1.0 };
    }
    kern
}

/// The post's `_correlate_sparse_loop`: corners outer, offsets inner.
pub fn correlate_sparse_loop(input: &[f64], sparse: &Sparse, output: &mut [f64]) {
    for (i, &j) in sparse.corner_indices.iter().enumerate() {
        for (&off, &val) in sparse.offsets.iter().zip(&sparse.values) {
            output[i] += input[j + off] * val;
        }
    }
}

/// The post's `_correlate_sparse_offsets`: offsets outer, corners inner. Numba's
/// `fastmath` may fuse `+= input * val`; with `val = ±1` the product is exact, so fused or
/// not, every result is the same.
pub fn correlate_sparse_offsets(input: &[f64], sparse: &Sparse, output: &mut [f64]) {
    for (&off, &val) in sparse.offsets.iter().zip(&sparse.values) {
        for (i, &j) in sparse.corner_indices.iter().enumerate() {
            output[i] += input[j + off] * val;
        }
    }
}

/// The post's `_correlate_no_indirection`: `input[i + off]` instead of
/// `input[indices[i] + off]`. It reads the image as if it were as wide as the output, so
/// its result is wrong; the post times it only to see what the indirection costs.
#[allow(clippy::needless_range_loop, reason = "the post's loop, as written")]
pub fn correlate_no_indirection(input: &[f64], sparse: &Sparse, output: &mut [f64]) {
    for (&off, &val) in sparse.offsets.iter().zip(&sparse.values) {
        for i in 0..sparse.corner_indices.len() {
            output[i] += input[i + off] * val;
        }
    }
}

/// The post's `correlate_sparse(image, kern)` with its faster loop order: setup, `np.zeros`,
/// then [`correlate_sparse_offsets`]. Any width.
///
/// # Panics
///
/// If `image` is not C-contiguous or not larger than `w` along both axes.
pub fn correlate_sparse_naive(image: ArrayView2<f64>, w: usize) -> Array2<f64> {
    let sparse = Sparse::new(image.dim(), w);
    let mut result = Array2::zeros(sparse.result_shape);
    let input = image.as_slice().expect("C-contiguous image");
    correlate_sparse_offsets(input, &sparse, result.as_slice_mut().expect("new array"));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_equals_the_loops() {
        let image = Array2::from_shape_fn((320, 340), |(i, j)| ((i * 31 + j * 17) % 101) as f64);
        // w = 0 collapses the post's four corners onto one tap: not a box sum.
        for w in [1, 2, 31, 75, 301] {
            let want = correlate_sparse_naive(image.view(), w);
            assert_eq!(corner_sum(&image, w as isize).unwrap(), want, "w = {w}");
            let mut out = Array2::zeros(want.dim());
            corner_sum_into(&image, w as isize, &mut out).unwrap();
            assert_eq!(out, want, "w = {w}");
            let sparse = Sparse::new(image.dim(), w);
            let mut looped = Array2::zeros(want.dim());
            correlate_sparse_loop(
                image.as_slice().unwrap(),
                &sparse,
                looped.as_slice_mut().unwrap(),
            );
            assert_eq!(looped, want, "w = {w}");
        }
    }

    #[test]
    fn equals_the_committed_reference() {
        let image: Array2<f64> = crate::data::load("correlate_sparse/image.npy");
        let kern: Array2<f64> = crate::data::load("correlate_sparse/kernel.npy");
        let want: Array2<f64> = crate::data::load("correlate_sparse/result.npy");
        assert_eq!(kernel(31), kern);
        assert_eq!(corner_sum(&image, 31).unwrap(), want);
        assert_eq!(correlate_sparse_naive(image.view(), 31), want);
    }
}
