//! `#[guvectorize]` kernels against a naive reference: plain loops over the loop indices
//! that work out by hand, NumPy's way, which core of each operand a loop index reads, and
//! compute the core result with loops of their own.
//!
//! The cases follow NumPy's gufunc tests (`numpy/_core/tests/test_ufunc.py`: `inner1d`,
//! `cross1d`, `euclidean_pdist`, `cumsum`, `matrix_multiply`, `test_can_ignore_signature`)
//! and `MatmulCommon` in `test_multiarray.py`.
//!
//! One module per topic: NumPy's gufunc tests (`numpy`), views and outputs of every layout
//! (`layouts`), loop and core shapes that are empty, 0-d or scalar (`shapes`), core
//! dimensions beyond plain names: size rules, output-only, optional `n?` and broadcastable
//! `n|1` (`core_dims`), thread schedules (`threads`), errors (`errors`), and the generated
//! metadata and generic kernels (`metadata`). The kernels they share live in `kernels`, the
//! naive reference in `reference`.
#![allow(
    clippy::float_cmp,
    reason = "results are exact: same operations in the same order as the reference"
)]
#![allow(
    clippy::many_single_char_names,
    reason = "matrix and index names follow the maths: a, b, i, j, k, n, m"
)]

mod core_dims;
mod errors;
mod kernels;
mod lanes;
mod layouts;
mod metadata;
mod numpy;
mod reference;
mod shapes;
mod threads;

use ndarray::{Dimension, ShapeBuilder};
use ndkernel::prelude::*;

/// `SplitMix64`: a fixed sequence, so every failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Uniform in [-10, 10).
fn grid<Sh: ShapeBuilder<Dim = D>, D: Dimension>(shape: Sh, seed: u64) -> Array<f64, D> {
    let mut rng = Rng(seed);
    Array::from_shape_simple_fn(shape, || {
        -10.0 + 20.0 * ((rng.next() >> 11) as f64 / (1u64 << 53) as f64)
    })
}

fn dyn_view<'a, A, D: Dimension>(x: &'a ArrayView<'_, A, D>) -> ArrayViewD<'a, A> {
    x.view().into_dyn()
}
