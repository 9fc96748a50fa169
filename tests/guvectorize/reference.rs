//! The reference: plain loops over the loop indices, and a core written with loops of its
//! own for each kernel.

use std::fmt::Debug;

use ndarray::{Dimension, IxDyn};
use ndkernel::prelude::*;

/// The broadcast of the loop shapes by NumPy's rules, worked out axis by axis from the right.
fn naive_loop_shape(shapes: &[&[usize]]) -> Vec<usize> {
    let ndim = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1; ndim];
    for from_right in 1..=ndim {
        for shape in shapes.iter().filter(|s| s.len() >= from_right) {
            let size = shape[shape.len() - from_right];
            let slot = &mut out[ndim - from_right];
            if *slot == 1 {
                *slot = size;
            } else {
                assert!(
                    size == 1 || size == *slot,
                    "the reference does not broadcast"
                );
            }
        }
    }
    out
}

/// The core of `x` (whose last `core_ndim` axes are its core) that loop index `at` reads:
/// leading loop axes dropped, size-1 loop axes pinned at 0.
fn core_at<'a, T>(x: &ArrayViewD<'a, T>, core_ndim: usize, at: &[usize]) -> ArrayViewD<'a, T> {
    let loop_ndim = x.ndim() - core_ndim;
    let offset = at.len() - loop_ndim;
    let mut core = x.clone();
    for axis in 0..loop_ndim {
        let i = if x.shape()[axis] == 1 {
            0
        } else {
            at[offset + axis]
        };
        core = core.index_axis_move(Axis(0), i);
    }
    core
}

/// Every loop index of `shape`, in row-major order.
fn loop_indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![vec![]];
    for &len in shape {
        all = all
            .into_iter()
            .flat_map(|prefix: Vec<usize>| {
                (0..len).map(move |i| {
                    let mut ix = prefix.clone();
                    ix.push(i);
                    ix
                })
            })
            .collect();
    }
    all
}

/// The naive gufunc: for each loop index, `core` gets each input's core (inputs given with
/// their number of core axes) and returns the output's core, of shape `out_core`.
pub(crate) fn reference<T: Clone, R: Clone + Default>(
    inputs: &[(ArrayViewD<'_, T>, usize)],
    out_core: &[usize],
    core: impl Fn(&[ArrayViewD<'_, T>]) -> ArrayD<R>,
) -> ArrayD<R> {
    let loop_shapes: Vec<&[usize]> = inputs
        .iter()
        .map(|(x, core_ndim)| &x.shape()[..x.ndim() - core_ndim])
        .collect();
    let loop_shape = naive_loop_shape(&loop_shapes);
    let mut shape = loop_shape.clone();
    shape.extend_from_slice(out_core);
    let mut out = ArrayD::from_elem(shape, R::default());
    for at in loop_indices(&loop_shape) {
        let cores: Vec<_> = inputs
            .iter()
            .map(|(x, core_ndim)| core_at(x, *core_ndim, &at))
            .collect();
        let result = core(&cores);
        assert_eq!(result.shape(), out_core, "the reference's core shape");
        let mut slot = out.view_mut();
        for &i in &at {
            slot = slot.index_axis_move(Axis(0), i);
        }
        slot.assign(&result);
    }
    out
}

/// `value` as a 0-d array, the core of a `()` output.
pub(crate) fn scalar<R: Clone>(value: R) -> ArrayD<R> {
    ArrayD::from_elem(IxDyn(&[]), value)
}

/// Values compared bit for bit: NaNs with the same payload are equal, `0.0` and `-0.0`
/// are not.
pub(crate) trait Bits: Copy + Debug {
    fn bits(self) -> u64;
}

impl Bits for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
}

impl Bits for f32 {
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

impl Bits for i64 {
    fn bits(self) -> u64 {
        self as u64
    }
}

#[track_caller]
pub(crate) fn assert_same<T: Bits, D: Dimension>(got: &Array<T, D>, want: &ArrayD<T>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for ((index, &g), &w) in got.view().into_dyn().indexed_iter().zip(want) {
        assert!(
            g.bits() == w.bits(),
            "{what}: at {:?} got {g:?}, want {w:?}",
            index.slice()
        );
    }
}

// ---- reference cores, each written with its own loops ----

pub(crate) fn ref_matmul(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let (a, b) = (&c[0], &c[1]);
    let (n, k, m) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let mut out = ArrayD::zeros(IxDyn(&[n, m]));
    for i in 0..n {
        for j in 0..m {
            let mut acc = 0.0;
            for l in 0..k {
                acc += a[[i, l]] * b[[l, j]];
            }
            out[[i, j]] = acc;
        }
    }
    out
}

pub(crate) fn ref_inner(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut acc = 0.0;
    for i in 0..c[0].len() {
        acc += c[0][[i]] * c[1][[i]];
    }
    scalar(acc)
}

pub(crate) fn ref_cross(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let (a, b) = (&c[0], &c[1]);
    let mut out = ArrayD::zeros(IxDyn(&[3]));
    for i in 0..3 {
        let (j, k) = ((i + 1) % 3, (i + 2) % 3);
        out[[i]] = a[[j]] * b[[k]] - a[[k]] * b[[j]];
    }
    out
}

pub(crate) fn ref_norm(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut acc = 0.0;
    for i in 0..c[0].len() {
        acc += c[0][[i]] * c[0][[i]];
    }
    scalar(acc.sqrt())
}

pub(crate) fn ref_sum(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut acc = 0.0;
    for i in 0..c[0].len() {
        acc += c[0][[i]];
    }
    scalar(acc)
}

pub(crate) fn ref_cumsum(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let n = c[0].len();
    let mut out = ArrayD::zeros(IxDyn(&[n]));
    let mut acc = 0.0;
    for i in 0..n {
        acc += c[0][[i]];
        out[[i]] = acc;
    }
    out
}

pub(crate) fn ref_softmax(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let n = c[0].len();
    let mut max = f64::NEG_INFINITY;
    for i in 0..n {
        max = max.max(c[0][[i]]);
    }
    let mut out = ArrayD::zeros(IxDyn(&[n]));
    let mut total = 0.0;
    for i in 0..n {
        out[[i]] = (c[0][[i]] - max).exp();
        total += out[[i]];
    }
    for i in 0..n {
        out[[i]] /= total;
    }
    out
}

pub(crate) fn ref_min(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut lo = f64::INFINITY;
    for i in 0..c[0].len() {
        lo = lo.min(c[0][[i]]);
    }
    scalar(lo)
}

pub(crate) fn ref_max(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut hi = f64::NEG_INFINITY;
    for i in 0..c[0].len() {
        hi = hi.max(c[0][[i]]);
    }
    scalar(hi)
}

pub(crate) fn ref_shift(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let n = c[0].len();
    let mut out = ArrayD::zeros(IxDyn(&[n]));
    for i in 0..n {
        out[[i]] = c[0][[i]] + c[1][[]];
    }
    out
}

pub(crate) fn ref_pdist(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let (n, d) = (c[0].shape()[0], c[0].shape()[1]);
    let mut out = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let mut acc = 0.0;
            for k in 0..d {
                let diff = c[0][[i, k]] - c[0][[j, k]];
                acc += diff * diff;
            }
            out.push(acc.sqrt());
        }
    }
    ArrayD::from_shape_vec(IxDyn(&[out.len()]), out).unwrap()
}

/// NumPy's `matmul` on one pair of cores: vectors become a row (left) or a column (right)
/// matrix, and their axis is dropped from the result.
pub(crate) fn ref_matmul_opt(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let a = if c[0].ndim() == 1 {
        c[0].clone().insert_axis(Axis(0))
    } else {
        c[0].clone()
    };
    let b = if c[1].ndim() == 1 {
        c[1].clone().insert_axis(Axis(1))
    } else {
        c[1].clone()
    };
    let mut out = ref_matmul(&[a, b]);
    if c[1].ndim() == 1 {
        out = out.index_axis_move(Axis(1), 0);
    }
    if c[0].ndim() == 1 {
        out = out.index_axis_move(Axis(0), 0);
    }
    out
}
