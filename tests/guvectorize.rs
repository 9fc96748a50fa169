//! `#[guvectorize]` kernels against a naive reference: plain loops over the loop indices
//! that work out by hand, NumPy's way, which core of each operand a loop index reads, and
//! compute the core result with loops of their own.
//!
//! The cases follow NumPy's gufunc tests (`numpy/_core/tests/test_ufunc.py`: `inner1d`,
//! `cross1d`, `euclidean_pdist`, `cumsum`, `matrix_multiply`, `test_can_ignore_signature`)
//! and `MatmulCommon` in `test_multiarray.py`.
#![allow(
    clippy::float_cmp,
    reason = "results are exact: same operations in the same order as the reference"
)]
#![allow(
    clippy::many_single_char_names,
    reason = "matrix and index names follow the maths: a, b, i, j, k, n, m"
)]

use std::fmt::Debug;

use ndarray::{Dimension, IxDyn, ShapeBuilder, Slice};
use ndkernel::dispatch;
use ndkernel::prelude::*;

// ---------------------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------------------

/// Out-parameter form, sums in order of `k`.
#[guvectorize("(n,k),(k,m)->(n,m)")]
fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
    for ((i, j), o) in out.indexed_iter_mut() {
        let mut acc = 0.0;
        for k in 0..a.ncols() {
            acc += a[[i, k]] * b[[k, j]];
        }
        *o = acc;
    }
}

#[guvectorize("(i),(i)->()")]
fn inner1d(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for (x, y) in a.iter().zip(&b) {
        acc += x * y;
    }
    acc
}

#[guvectorize("(3),(3)->(3)")]
fn cross(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    array![
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[guvectorize("(n)->()")]
fn norm(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v * v;
    }
    acc.sqrt()
}

/// The same reduction, split into chunks of one loop index each even on tiny calls.
#[guvectorize("(n)->()", grain = 1)]
fn row_sum_fine(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v;
    }
    acc
}

#[guvectorize("(n)->()")]
fn row_sum(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v;
    }
    acc
}

#[guvectorize("(n)->(n)")]
fn cumsum(x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    let mut acc = 0.0;
    for (o, v) in out.iter_mut().zip(&x) {
        acc += v;
        *o = acc;
    }
}

#[guvectorize("(n)->(n)")]
fn softmax(x: ArrayView1<f64>) -> Array1<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = x.mapv(|v| (v - max).exp());
    let mut total = 0.0;
    for v in &e {
        total += v;
    }
    e / total
}

#[guvectorize("(n)->(),()")]
fn min_max(x: ArrayView1<f64>) -> (f64, f64) {
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

#[guvectorize("(n)->(),()")]
fn min_max_out(x: ArrayView1<f64>, mut lo: ArrayViewMut0<f64>, mut hi: ArrayViewMut0<f64>) {
    lo[()] = x.iter().copied().fold(f64::INFINITY, f64::min);
    hi[()] = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
}

#[guvectorize("(n),()->(n)")]
fn shift(x: ArrayView1<f64>, by: f64) -> Array1<f64> {
    x.mapv(|v| v + by)
}

/// NumPy's `euclidean_pdist`, with the size rule NumPy's `process_core_dims` applies.
#[guvectorize("(n,d)->(p)", p = "n * (n - 1) / 2")]
fn pdist(x: ArrayView2<f64>) -> Array1<f64> {
    let n = x.nrows();
    let mut out = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let mut acc = 0.0;
            for k in 0..x.ncols() {
                let d = x[[i, k]] - x[[j, k]];
                acc += d * d;
            }
            out.push(acc.sqrt());
        }
    }
    Array1::from(out)
}

/// `(n)->(m)` without a rule: `m` comes from the output passed in. Copies the first `m`
/// elements, padding with -1.
#[guvectorize("(n)->(m)")]
fn head(x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = x.get(j).copied().unwrap_or(-1.0);
    }
}

/// NumPy's `matmul`: vectors on either side drop `m` or `p`.
#[guvectorize("(m?,n),(n,p?)->(m?,p?)")]
fn matmul_opt(a: ArrayViewD<f64>, b: ArrayViewD<f64>) -> ArrayD<f64> {
    let (m, n) = if a.ndim() == 2 {
        (Some(a.shape()[0]), a.shape()[1])
    } else {
        (None, a.shape()[0])
    };
    let p = (b.ndim() == 2).then(|| b.shape()[1]);
    let shape: Vec<usize> = m.into_iter().chain(p).collect();
    let a_at = |i: usize, k: usize| if m.is_some() { a[[i, k]] } else { a[[k]] };
    let b_at = |k: usize, j: usize| if p.is_some() { b[[k, j]] } else { b[[k]] };
    ArrayD::from_shape_fn(shape, |ix| {
        let ix = ix.slice();
        let i = if m.is_some() { ix[0] } else { 0 };
        let j = if p.is_some() { ix[ix.len() - 1] } else { 0 };
        let mut acc = 0.0;
        for k in 0..n {
            acc += a_at(i, k) * b_at(k, j);
        }
        acc
    })
}

#[guvectorize("(m?,n),(n,p?)->(m?,p?)")]
fn matmul_opt_out(a: ArrayViewD<f64>, b: ArrayViewD<f64>, mut out: ArrayViewMutD<f64>) {
    out.assign(&matmul_opt_core(a, b));
}

/// `n|1`: an input may give the dimension as 1; the kernel indexes every input up to the
/// output's length, so it needs the broadcast length.
#[guvectorize("(n|1),(n|1)->(n)")]
fn add_bcast(x: ArrayView1<f64>, y: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    for i in 0..out.len() {
        out[i] = x[i] + y[i];
    }
}

/// Forgets to write its output.
#[guvectorize("(n)->(n)")]
fn forget(x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
    let _ = (x, out);
}

/// Returns one element too few.
#[guvectorize("(n)->(n)")]
fn too_short(x: ArrayView1<f64>) -> Array1<f64> {
    x.iter().skip(1).copied().collect()
}

#[guvectorize("(n)->()")]
fn total<T: Copy + std::iter::Sum<T>>(x: ArrayView1<T>) -> T {
    x.iter().copied().sum()
}

/// A generic `()` input taken as a value ...
#[guvectorize("(n),()->(n)")]
fn offset<T: Copy + std::ops::Add<Output = T>>(x: ArrayView1<T>, k: T) -> Array1<T> {
    x.mapv(|v| v + k)
}

/// ... and as a 0-d view, with an out-parameter.
#[guvectorize("(n),()->(n)")]
fn scale<T: Copy + std::ops::Mul<Output = T>>(
    x: ArrayView1<T>,
    k: ArrayView0<T>,
    mut out: ArrayViewMut1<T>,
) {
    out.zip_mut_with(&x, |o, &v| *o = v * k[()]);
}

// ---------------------------------------------------------------------------------------
// The reference
// ---------------------------------------------------------------------------------------

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
fn reference<T: Clone, R: Clone + Default>(
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
fn scalar<R: Clone>(value: R) -> ArrayD<R> {
    ArrayD::from_elem(IxDyn(&[]), value)
}

/// Values compared bit for bit: NaNs with the same payload are equal, `0.0` and `-0.0`
/// are not.
trait Bits: Copy + Debug {
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
fn assert_same<T: Bits, D: Dimension>(got: &Array<T, D>, want: &ArrayD<T>, what: &str) {
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

fn ref_matmul(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
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

fn ref_inner(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut acc = 0.0;
    for i in 0..c[0].len() {
        acc += c[0][[i]] * c[1][[i]];
    }
    scalar(acc)
}

fn ref_cross(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let (a, b) = (&c[0], &c[1]);
    let mut out = ArrayD::zeros(IxDyn(&[3]));
    for i in 0..3 {
        let (j, k) = ((i + 1) % 3, (i + 2) % 3);
        out[[i]] = a[[j]] * b[[k]] - a[[k]] * b[[j]];
    }
    out
}

fn ref_norm(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut acc = 0.0;
    for i in 0..c[0].len() {
        acc += c[0][[i]] * c[0][[i]];
    }
    scalar(acc.sqrt())
}

fn ref_sum(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut acc = 0.0;
    for i in 0..c[0].len() {
        acc += c[0][[i]];
    }
    scalar(acc)
}

fn ref_cumsum(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let n = c[0].len();
    let mut out = ArrayD::zeros(IxDyn(&[n]));
    let mut acc = 0.0;
    for i in 0..n {
        acc += c[0][[i]];
        out[[i]] = acc;
    }
    out
}

fn ref_softmax(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
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

fn ref_min(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut lo = f64::INFINITY;
    for i in 0..c[0].len() {
        lo = lo.min(c[0][[i]]);
    }
    scalar(lo)
}

fn ref_max(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let mut hi = f64::NEG_INFINITY;
    for i in 0..c[0].len() {
        hi = hi.max(c[0][[i]]);
    }
    scalar(hi)
}

fn ref_shift(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
    let n = c[0].len();
    let mut out = ArrayD::zeros(IxDyn(&[n]));
    for i in 0..n {
        out[[i]] = c[0][[i]] + c[1][[]];
    }
    out
}

fn ref_pdist(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
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
fn ref_matmul_opt(c: &[ArrayViewD<'_, f64>]) -> ArrayD<f64> {
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

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// NumPy's gufuncs
// ---------------------------------------------------------------------------------------

#[test]
fn matmul_broadcasts_loop_dims_like_the_issue_example() {
    let (a, b) = (grid((2, 1, 3, 4), 1), grid((5, 4, 2), 2));
    let want = reference(
        &[(a.view().into_dyn(), 2), (b.view().into_dyn(), 2)],
        &[3, 2],
        ref_matmul,
    );
    assert_eq!(want.shape(), &[2, 5, 3, 2]);
    assert_same(&matmul(&a, &b).unwrap(), &want, "matmul");
    let mut out = Array4::<f64>::zeros((2, 5, 3, 2));
    matmul_into(&a, &b, &mut out).unwrap();
    assert_same(&out, &want, "matmul_into");
    // Fortran order, and a reversed, strided output.
    let mut out = Array4::<f64>::zeros((2, 5, 3, 2).f());
    matmul_into(&a, &b, &mut out).unwrap();
    assert_same(&out, &want, "matmul_into, Fortran order");
    let mut base = Array4::<f64>::zeros((2, 10, 3, 4));
    let mut out = base.slice_mut(s![..;-1, ..;2, .., 1..;2]);
    matmul_into(&a, &b, &mut out).unwrap();
    let want_flipped = want.slice(s![..;-1, .., .., ..]).to_owned().into_dyn();
    assert_same(
        &base.slice(s![.., ..;2, .., 1..;2]).to_owned(),
        &want_flipped,
        "strided out",
    );
    assert!(base.slice(s![.., 1..;2, .., ..]).iter().all(|&v| v == 0.0));
    assert!(base.slice(s![.., .., .., ..;2]).iter().all(|&v| v == 0.0));
}

/// `x` with its axes permuted by `p`, then each sliced by `s`.
fn cut(x: &Array3<f64>, p: [usize; 3], s: [Slice; 3]) -> ArrayView3<'_, f64> {
    x.view().permuted_axes(p).slice_move(s![s[0], s[1], s[2]])
}

/// NumPy's `compare_matrix_multiply_results`: every permutation of the axes of two
/// (2, 3, 4) stacks, each sliced whole, to length 1 on any axes, or reversed on all: the
/// core axes of many of them are transposed, strided or negative.
#[test]
fn matmul_matches_the_reference_on_permuted_and_sliced_stacks() {
    let (d1, d2) = (grid((2, 3, 4), 3), grid((2, 3, 4), 4));
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut slices: Vec<[Slice; 3]> = Vec::new();
    for mask in 0..8 {
        let axis = |bit: usize| {
            if mask & (1 << bit) == 0 {
                Slice::from(..)
            } else {
                Slice::from(0..1)
            }
        };
        slices.push([axis(0), axis(1), axis(2)]);
    }
    slices.push([Slice::new(0, None, -1); 3]);
    let (mut checked, mut refused) = (0, 0);
    for p1 in perms {
        for p2 in perms {
            for &s1 in &slices {
                for &s2 in &slices {
                    let (a1, a2) = (cut(&d1, p1, s1), cut(&d2, p2, s2));
                    let what = format!(
                        "{:?}{:?} @ {:?}{:?}",
                        a1.shape(),
                        a1.strides(),
                        a2.shape(),
                        a2.strides()
                    );
                    let fits = a1.shape()[2] == a2.shape()[1];
                    let (l1, l2) = (a1.shape()[0], a2.shape()[0]);
                    if fits && (l1 == l2 || l1 == 1 || l2 == 1) {
                        let want = reference(
                            &[(dyn_view(&a1), 2), (dyn_view(&a2), 2)],
                            &[a1.shape()[1], a2.shape()[2]],
                            ref_matmul,
                        );
                        assert_same(&matmul(a1, a2).unwrap(), &want, &what);
                        checked += 1;
                    } else {
                        assert!(matmul(a1, a2).is_err(), "{what}");
                        refused += 1;
                    }
                }
            }
        }
    }
    assert!(
        checked > 500 && refused > 500,
        "{checked} checked, {refused} refused"
    );
}

#[test]
fn matmul_of_empty_cores_and_loops() {
    // NumPy's test_matrix_multiply_umath_empty: k = 0 gives zeros, n = m = 0 nothing.
    let c = matmul(Array2::<f64>::ones((0, 10)), Array2::<f64>::ones((10, 0))).unwrap();
    assert_eq!(c.shape(), &[0, 0]);
    let c = matmul(Array2::<f64>::ones((10, 0)), Array2::<f64>::ones((0, 10))).unwrap();
    assert_eq!(c, ArrayD::<f64>::zeros(IxDyn(&[10, 10])));
    // An empty loop dimension: no call at all.
    let c = matmul(Array4::<f64>::ones((2, 0, 3, 4)), grid((5, 4, 2), 5)).unwrap_err();
    assert!(c.to_string().contains("could not be broadcast"), "{c}");
    let c = matmul(Array4::<f64>::ones((2, 0, 3, 4)), grid((1, 4, 2), 5)).unwrap();
    assert_eq!(c.shape(), &[2, 0, 3, 2]);
}

#[test]
fn inner1d_returns_a_scalar_per_loop_index() {
    // NumPy's test_signature/inner1d: (3, 3, 3) with (3, 1, 3) gives (3, 3).
    let a = Array::from_shape_fn((3, 3, 3), |(i, j, k)| (9 * i + 3 * j + k) as f64);
    let b = Array::from_shape_fn((3, 1, 3), |(i, _, k)| (10 + 3 * i + k) as f64);
    let got = inner1d(&a, &b).unwrap();
    let want = (&a * &b).sum_axis(Axis(2));
    assert_eq!(got, want.into_dyn());
    // Against the reference on views: transposed, strided, reversed inside the core.
    let (x, y) = (grid((6, 5), 6), grid((5, 6), 7));
    for (a, b) in [
        (x.view(), y.t()),
        (
            x.slice(s![..;2, ..;-1]),
            y.slice(s![..;-1, ..;2]).reversed_axes(),
        ),
        (x.slice(s![1..2, ..]), y.t()),
    ] {
        let want = reference(&[(dyn_view(&a), 1), (dyn_view(&b), 1)], &[], ref_inner);
        assert_same(&inner1d(a, b).unwrap(), &want, "inner1d");
    }
    // A 1-d input against a stack; two vectors give a 0-d result.
    let v = grid(5, 8);
    let want = reference(
        &[(dyn_view(&v.view()), 1), (dyn_view(&y.t()), 1)],
        &[],
        ref_inner,
    );
    assert_same(&inner1d(&v, y.t()).unwrap(), &want, "vector with stack");
    let z = inner1d(&v, &v).unwrap();
    assert_eq!(z.shape(), &[] as &[usize]);
    assert_same(
        &z,
        &ref_inner(&[dyn_view(&v.view()), dyn_view(&v.view())]),
        "0-d",
    );
    // NumPy's test_innerwt_empty: empty cores give 0.
    assert_eq!(
        inner1d(Array1::<f64>::zeros(0), Array1::<f64>::zeros(0)).unwrap()[[]],
        0.0
    );
}

#[test]
fn cross_has_a_fixed_core_size() {
    // NumPy's test_cross1d.
    let eye = Array2::<f64>::eye(3);
    assert_eq!(
        cross(&eye, &eye).unwrap(),
        ArrayD::<f64>::zeros(IxDyn(&[3, 3]))
    );
    let mut out = Array2::<f64>::zeros((3, 3));
    cross_into(eye.row(0), &eye, &mut out).unwrap();
    let want = array![[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]];
    assert_eq!(out, want);
    let (a, b) = (grid((4, 1, 3), 9), grid((5, 3), 10));
    for bv in [b.view(), b.slice(s![.., ..;-1]), b.slice(s![..;-2, ..])] {
        let want = reference(
            &[(dyn_view(&a.view()), 1), (dyn_view(&bv), 1)],
            &[3],
            ref_cross,
        );
        assert_same(&cross(&a, bv).unwrap(), &want, "cross");
    }

    let error = cross(Array2::<f64>::eye(4), Array2::<f64>::eye(4)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 0 (`a`) has size 4 on axis 1 for core dimension `3`, expected 3 \
         (signature \"(3),(3)->(3)\")"
    );
    let error = cross(&eye, Array1::<f64>::zeros(4)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has size 4 on axis 0 for core dimension `3`, expected 3 \
         (signature \"(3),(3)->(3)\")"
    );
    // Wrong output core size, and an output that would need broadcasting (gh-15139).
    let error = cross_into(&eye, &Array1::<f64>::zeros(3), &mut Array2::zeros((3, 4))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 4 on axis 1 for core dimension `3`, expected 3 \
         (signature \"(3),(3)->(3)\")"
    );
    let error = cross_into(&eye, &Array1::<f64>::zeros(3), &mut Array1::zeros(3)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (3,) but the call requires (3, 3)"
    );
}

type Reduction = fn(ArrayView2<'_, f64>) -> Result<ArrayD<f64>, KernelError>;
type Core = fn(&[ArrayViewD<'_, f64>]) -> ArrayD<f64>;

#[test]
fn reductions_over_rows() {
    let x = grid((7, 5), 11);
    let y = grid((5, 7), 12);
    let z = grid((3, 4, 5), 13);
    let kernels: [(&str, Reduction, Core); 3] = [
        ("norm", |x| norm(x), ref_norm),
        ("row_sum", |x| row_sum(x), ref_sum),
        ("row_sum_fine", |x| row_sum_fine(x), ref_sum),
    ];
    for (name, kernel, core) in kernels {
        for v in [
            x.view(),
            x.slice(s![..;-2, ..]),
            x.slice(s![.., ..;-1]),
            x.slice(s![2..3, 1..;2]),
            y.t(),
            y.slice(s![..;-1, ..;3]).reversed_axes(),
            z.slice(s![.., 1, ..]),
        ] {
            let what = format!("{name}: {:?} {:?}", v.shape(), v.strides());
            let want = reference(&[(dyn_view(&v), 1)], &[], core);
            assert_same(&kernel(v).unwrap(), &want, &what);
        }
    }
    // A 3-d stack, and a 1-d input giving a 0-d result.
    let want = reference(&[(dyn_view(&z.view()), 1)], &[], ref_norm);
    assert_same(&norm(&z).unwrap(), &want, "norm, 3-d");
    let row = z.slice(s![0, 0, ..;-1]);
    assert_same(&norm(row).unwrap(), &ref_norm(&[row.into_dyn()]), "0-d");
}

#[test]
fn cumsum_and_softmax_map_rows_to_rows() {
    // NumPy's test_cumsum.
    let a = Array1::from_shape_fn(10, |i| i as f64);
    let want: Vec<f64> = (0..10).map(|i| f64::from(i * (i + 1) / 2)).collect();
    assert_eq!(cumsum(&a).unwrap(), Array1::from(want).into_dyn());
    let x = grid((6, 9), 15);
    for v in [
        x.view(),
        x.slice(s![.., ..;-1]),
        x.slice(s![..;-1, ..;-3]),
        x.slice(s![1..2, ..]),
        x.slice(s![.., 0..1]),
    ] {
        let what = format!("{:?} {:?}", v.shape(), v.strides());
        let n = v.shape()[1];
        let want = reference(&[(dyn_view(&v), 1)], &[n], ref_cumsum);
        assert_same(&cumsum(v).unwrap(), &want, &what);
        let want = reference(&[(dyn_view(&v), 1)], &[n], ref_softmax);
        assert_same(&softmax(v).unwrap(), &want, &what);
        let want = reference(&[(dyn_view(&v.t()), 1)], &[v.shape()[0]], ref_cumsum);
        assert_same(&cumsum(v.t()).unwrap(), &want, &what);
    }
}

#[test]
fn into_writes_fortran_order_strided_and_reversed_outputs() {
    let x = grid((2, 3, 4), 16);
    let want = reference(&[(dyn_view(&x.view()), 1)], &[4], ref_cumsum);
    let mut out = Array3::<f64>::zeros((2, 3, 4).f());
    cumsum_into(&x, &mut out).unwrap();
    assert_same(&out, &want, "Fortran order");
    // The output's core axis reversed and strided.
    let mut base = Array3::<f64>::zeros((2, 3, 8));
    cumsum_into(&x, &mut base.slice_mut(s![.., .., ..;-2])).unwrap();
    let got = base.slice(s![.., .., ..;-2]).to_owned();
    assert_same(&got, &want, "reversed core axis");
    assert!(
        base.slice(s![.., .., 1..;2]).iter().all(|&v| v == 0.0)
            || base.slice(s![.., .., ..;2]).iter().all(|&v| v == 0.0)
    );
    // An IxDyn output, and a transposed one.
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[2, 3, 4]));
    cumsum_into(&x, &mut out).unwrap();
    assert_same(&out, &want, "IxDyn");
    let mut base = Array3::<f64>::zeros((4, 3, 2));
    let mut out = base.view_mut().reversed_axes();
    cumsum_into(&x, &mut out).unwrap();
    assert_same(&base.t().to_owned(), &want, "transposed");
    // Two scalar outputs, one of them Fortran order.
    let mut lo = Array2::<f64>::zeros((2, 3).f());
    let mut hi = Array2::<f64>::zeros((2, 3));
    min_max_out_into(&x, &mut lo, &mut hi).unwrap();
    assert_same(
        &lo,
        &reference(&[(dyn_view(&x.view()), 1)], &[], ref_min),
        "lo",
    );
    assert_same(
        &hi,
        &reference(&[(dyn_view(&x.view()), 1)], &[], ref_max),
        "hi",
    );
}

#[test]
fn two_outputs_come_back_as_a_tuple() {
    let x = grid((4, 6), 17);
    for v in [x.view(), x.slice(s![..;-1, ..;2]), x.t()] {
        let (lo, hi) = min_max(v).unwrap();
        assert_same(&lo, &reference(&[(dyn_view(&v), 1)], &[], ref_min), "min");
        assert_same(&hi, &reference(&[(dyn_view(&v), 1)], &[], ref_max), "max");
        let (lo2, hi2) = min_max_out(v).unwrap();
        assert_eq!((lo, hi), (lo2, hi2));
    }
    // Empty rows: the folds' starting values.
    let (lo, hi) = min_max(Array2::<f64>::zeros((2, 0))).unwrap();
    assert_eq!(lo, array![f64::INFINITY, f64::INFINITY].into_dyn());
    assert_eq!(hi, array![f64::NEG_INFINITY, f64::NEG_INFINITY].into_dyn());
}

#[test]
fn scalar_core_inputs_broadcast_against_loop_dims() {
    let x = grid((4, 5), 18);
    // A plain scalar, a 0-d array, a (4,) array of shifts (one per row), a (3, 1) array
    // that adds a loop dimension.
    let by = grid(4, 19);
    let by2 = grid((3, 1), 20);
    let cases: Vec<(ArrayD<f64>, ArrayD<f64>)> = vec![
        (
            shift(&x, 2.5).unwrap(),
            reference(
                &[(dyn_view(&x.view()), 1), (arr0(2.5).into_dyn().view(), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(&x, arr0(-1.0)).unwrap(),
            reference(
                &[(dyn_view(&x.view()), 1), (arr0(-1.0).into_dyn().view(), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(&x, &by).unwrap(),
            reference(
                &[(dyn_view(&x.view()), 1), (dyn_view(&by.view()), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(&x, &by2).unwrap(),
            reference(
                &[(dyn_view(&x.view()), 1), (dyn_view(&by2.view()), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(x.slice(s![.., ..;-1]), by.slice(s![..;-1])).unwrap(),
            reference(
                &[
                    (dyn_view(&x.slice(s![.., ..;-1])), 1),
                    (dyn_view(&by.slice(s![..;-1])), 0),
                ],
                &[5],
                ref_shift,
            ),
        ),
    ];
    for (got, want) in &cases {
        assert_same(got, want, "shift");
    }
    assert_eq!(cases[3].0.shape(), &[3, 4, 5]);
    // A 1-d x and a scalar: a 1-d result; an empty x.
    assert_eq!(
        shift(&array![1.0, 2.0], 0.5).unwrap(),
        array![1.5, 2.5].into_dyn()
    );
    assert_eq!(
        shift(Array2::<f64>::zeros((0, 5)), 1.0).unwrap().shape(),
        &[0, 5]
    );
    assert_eq!(
        shift(Array2::<f64>::zeros((3, 0)), &by2).unwrap().shape(),
        &[3, 3, 0]
    );
}

#[test]
fn pdist_sizes_its_output_with_the_rule() {
    // NumPy's test_euclidean_pdist.
    let a = Array::from_shape_fn((4, 3), |(i, j)| (3 * i + j) as f64);
    let got = pdist(&a).unwrap();
    assert_eq!(got.shape(), &[6]);
    let mut want = Vec::new();
    for i in 0..4 {
        for j in i + 1..4 {
            want.push((3.0 * f64::from(3 * (j - i)).powi(2)).sqrt());
        }
    }
    let want = Array1::from(want).into_dyn();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-12, "{got} vs {want}");
    }
    // A stack of point sets, transposed and reversed; one point gives no distances.
    let x = grid((3, 5, 2), 21);
    let v = x.slice(s![..;-1, .., ..;-1]);
    assert_same(
        &pdist(v).unwrap(),
        &reference(&[(dyn_view(&v), 2)], &[10], ref_pdist),
        "stack",
    );
    let t = grid((2, 5), 22);
    assert_same(
        &pdist(t.t()).unwrap(),
        &reference(&[(dyn_view(&t.t()), 2)], &[10], ref_pdist),
        "transposed",
    );
    assert_eq!(
        pdist(Array3::<f64>::zeros((2, 1, 3))).unwrap().shape(),
        &[2, 0]
    );
    // An output passed in must agree with the rule.
    let mut out = Array1::<f64>::zeros(6);
    pdist_into(&a, &mut out).unwrap();
    assert_eq!(out.into_dyn(), got);
    let error = pdist_into(&a, &mut Array1::<f64>::zeros(5)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 5 on axis 0 for core dimension `p`, expected 6 \
         (signature \"(n,d)->(p)\")"
    );
}

#[test]
fn output_only_dims_without_a_rule_come_from_the_output() {
    let x = grid((3, 5), 23);
    let error = head(&x).unwrap_err();
    assert_eq!(
        error.to_string(),
        "core dimension `m` appears only in outputs and has no size: pass an output array or \
         give a size rule (signature \"(n)->(m)\")"
    );
    assert!(matches!(error, KernelError::UnboundDim { ref dim, .. } if dim == "m"));
    for m in [0, 2, 5, 7] {
        let mut out = Array2::<f64>::zeros((3, m).f());
        head_into(x.slice(s![.., ..;-1]), &mut out).unwrap();
        let want = Array2::from_shape_fn((3, m), |(i, j)| if j < 5 { x[[i, 4 - j]] } else { -1.0 });
        assert_eq!(out, want, "m = {m}");
    }
    let error = head_into(&x, &mut Array2::<f64>::zeros((4, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (4, 2) but the call requires (3, 2)"
    );
}

// ---------------------------------------------------------------------------------------
// Optional and broadcastable dimensions
// ---------------------------------------------------------------------------------------

/// `matmul_opt` and `matmul_opt_out` on `a` and `b` against NumPy's definition.
#[track_caller]
fn check_matmul_opt(a: ArrayViewD<'_, f64>, b: ArrayViewD<'_, f64>, want_shape: &[usize]) {
    let core_a = a.ndim().min(2);
    let core_b = b.ndim().min(2);
    let out_core: Vec<usize> = (core_a == 2)
        .then(|| a.shape()[a.ndim() - 2])
        .into_iter()
        .chain((core_b == 2).then(|| b.shape()[b.ndim() - 1]))
        .collect();
    let want = reference(
        &[(a.clone(), core_a), (b.clone(), core_b)],
        &out_core,
        ref_matmul_opt,
    );
    assert_eq!(want.shape(), want_shape);
    let what = format!("{:?} @ {:?}", a.shape(), b.shape());
    assert_same(&matmul_opt(&a, &b).unwrap(), &want, &what);
    assert_same(&matmul_opt_out(&a, &b).unwrap(), &want, &what);
    let mut out = ArrayD::<f64>::zeros(want_shape.f());
    matmul_opt_into(&a, &b, &mut out).unwrap();
    assert_same(&out, &want, &what);
}

#[test]
fn optional_dims_drop_for_vectors_like_numpy_matmul() {
    // MatmulCommon's values.
    let vec = array![1.0, 2.0];
    let mat1 = array![[1.0, 2.0], [3.0, 4.0]];
    let mat2 = ndarray::stack![Axis(0), mat1, mat1];
    assert_eq!(
        matmul_opt(&vec, &mat1).unwrap(),
        array![7.0, 10.0].into_dyn()
    );
    assert_eq!(
        matmul_opt(&vec, &mat2).unwrap(),
        array![[7.0, 10.0], [7.0, 10.0]].into_dyn()
    );
    assert_eq!(
        matmul_opt(&mat1, &vec).unwrap(),
        array![5.0, 11.0].into_dyn()
    );
    assert_eq!(
        matmul_opt(&mat2, &vec).unwrap(),
        array![[5.0, 11.0], [5.0, 11.0]].into_dyn()
    );
    // test_vector_vector_values and test_scalar_output: vector @ vector is 0-d.
    let vv = matmul_opt(&vec, &array![3.0, 4.0]).unwrap();
    assert_eq!(vv.shape(), &[] as &[usize]);
    assert_eq!(vv[[]], 11.0);
    let v2 = array![[3.0, 4.0]];
    assert_eq!(
        matmul_opt(&array![2.0], &v2).unwrap(),
        array![6.0, 8.0].into_dyn()
    );
    assert_eq!(
        matmul_opt(v2.t(), &array![2.0]).unwrap(),
        array![6.0, 8.0].into_dyn()
    );
    // test_shapes: broadcast of the loop dimensions.
    for (s1, s2) in [
        (vec![1, 1], vec![2, 1, 1]),
        (vec![2, 1, 1], vec![1, 1]),
        (vec![2, 1, 1], vec![2, 1, 1]),
    ] {
        let (a, b) = (ArrayD::<f64>::ones(s1), ArrayD::<f64>::ones(s2));
        assert_eq!(matmul_opt(&a, &b).unwrap().shape(), &[2, 1, 1]);
    }
}

/// NumPy's `test_can_ignore_signature`, and views, against the reference.
#[test]
fn optional_dims_match_the_reference_on_stacks_and_views() {
    let mat = Array::from_shape_fn((2, 3, 2), |(i, j, k)| (6 * i + 2 * j + k) as f64);
    let single = array![0.0, 1.0];
    let col_array =
        Array::from_shape_fn((2, 2, 2, 1), |(i, j, k, _)| (4 * i + 2 * j + k + 1) as f64);
    check_matmul_opt(mat.view().into_dyn(), single.view().into_dyn(), &[2, 3]);
    check_matmul_opt(
        mat.view().into_dyn(),
        single.view().insert_axis(Axis(1)).into_dyn(),
        &[2, 3, 1],
    );
    check_matmul_opt(
        mat.view().into_dyn(),
        col_array.view().into_dyn(),
        &[2, 2, 3, 1],
    );
    let row3 = array![0.0, 1.0, 2.0];
    let row_array = Array::from_shape_fn((4, 2, 1, 1, 3), |(a, b, _, _, e)| {
        (6 * a + 3 * b + e + 1) as f64
    });
    check_matmul_opt(row3.view().into_dyn(), mat.view().into_dyn(), &[2, 2]);
    check_matmul_opt(
        row3.view().insert_axis(Axis(0)).into_dyn(),
        mat.view().into_dyn(),
        &[2, 1, 2],
    );
    check_matmul_opt(
        row_array.view().into_dyn(),
        mat.view().into_dyn(),
        &[4, 2, 2, 1, 2],
    );
    check_matmul_opt(row3.view().into_dyn(), row3.view().into_dyn(), &[]);
    let mut col_of_array = row_array.view();
    col_of_array.swap_axes(3, 4);
    check_matmul_opt(
        row_array.view().into_dyn(),
        col_of_array.into_dyn(),
        &[4, 2, 1, 1, 1],
    );
    // Views: reversed and transposed cores.
    let g = grid((3, 4, 5), 24);
    check_matmul_opt(
        g.slice(s![.., ..;-1, ..]).into_dyn(),
        grid(5, 25).slice(s![..;-1]).into_dyn(),
        &[3, 4],
    );
    check_matmul_opt(
        grid(4, 26).view().into_dyn(),
        g.slice(s![..;2, .., ..;-1]).into_dyn(),
        &[2, 5],
    );
    check_matmul_opt(
        g.t().slice(s![.., .., 0..1]).into_dyn(),
        g.slice(s![0..1, 1..2, ..;-1]).into_dyn(),
        &[5, 4, 5],
    );
}

#[test]
fn optional_dims_refuse_what_numpy_matmul_refuses() {
    // MatmulCommon's test_exceptions: each is an error, never a panic.
    let bad: [(&[usize], &[usize]); 9] = [
        (&[1], &[2]),
        (&[2, 1], &[2]),
        (&[2], &[1, 2]),
        (&[1, 2], &[3, 1]),
        (&[1], &[]),
        (&[], &[1]),
        (&[1, 1], &[]),
        (&[], &[1, 1]),
        (&[2, 2, 1], &[3, 1, 2]),
    ];
    for (s1, s2) in bad {
        let (a, b) = (ArrayD::<f64>::ones(s1), ArrayD::<f64>::ones(s2));
        assert!(matmul_opt(&a, &b).is_err(), "{s1:?} @ {s2:?}");
    }
    // A dropped dimension cannot be put back by the output (NumPy would broadcast into it).
    let row3 = array![0.0, 1.0, 2.0];
    let error = matmul_opt_into(&row3, &row3, &mut Array2::<f64>::zeros((1, 1))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (1, 1) but the call requires ()"
    );
}

#[test]
fn optional_dim_errors_name_the_operand() {
    let error = matmul_opt(
        ArrayD::<f64>::ones(IxDyn(&[1])),
        ArrayD::<f64>::ones(IxDyn(&[])),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has 0 axes but its core dimensions (n,p?) need at least 1 \
         (signature \"(m?,n),(n,p?)->(m?,p?)\")"
    );
    let error = matmul_opt(&array![1.0], &array![1.0, 2.0]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has size 2 on axis 0 for core dimension `n`, expected 1 as bound by \
         input 0 (`a`) (signature \"(m?,n),(n,p?)->(m?,p?)\")"
    );
}

#[test]
fn broadcastable_dims_bind_like_ordinary_ones_when_no_input_gives_one() {
    let (x, y) = (grid((4, 3), 27), grid((3,), 28));
    let want = Array2::from_shape_fn((4, 3), |(i, j)| x[[i, j]] + y[j]);
    let mut out = Array2::<f64>::zeros((4, 3));
    add_bcast_into(&x, y.slice(s![..;-1]).slice(s![..;-1]), &mut out).unwrap();
    assert_eq!(out, want);
    // Both 1: n is 1.
    let ones = grid((4, 1), 29);
    let mut out = Array2::<f64>::zeros((4, 1));
    add_bcast_into(&ones, &ones, &mut out).unwrap();
    assert_eq!(out, &ones * 2.0);
    // Sizes other than 1 must agree, and the output has the bound size.
    let error =
        add_bcast_into(&x, &grid((4, 2), 30), &mut Array2::<f64>::zeros((4, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`y`) has size 2 on axis 1 for core dimension `n`, expected 3 as bound by \
         input 0 (`x`) (signature \"(n|1),(n|1)->(n)\")"
    );
    let error = add_bcast_into(&x, &ones, &mut Array2::<f64>::zeros((4, 1))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 1 on axis 1 for core dimension `n`, expected 3 as bound by \
         input 0 (`x`) (signature \"(n|1),(n|1)->(n)\")"
    );
}

/// "`n|1`: an operand may give this dimension as 1, broadcast to the bound size": the
/// kernel sees length `n`, read with stride 0 (`BoundOperand::kernel_core_shape`).
#[test]
fn broadcastable_dims_stretch_a_size_of_one() {
    let x = grid((4, 3), 27);
    let y = grid((4, 1), 31);
    let want = Array2::from_shape_fn((4, 3), |(i, j)| x[[i, j]] + y[[i, 0]]);
    for (a, b) in [(x.view(), y.view()), (y.view(), x.view())] {
        let mut out = Array2::<f64>::zeros((4, 3));
        add_bcast_into(a, b, &mut out).unwrap();
        assert_eq!(out, want);
    }
    let z = add_bcast(&array![1.0, 2.0, 3.0], &array![10.0]).unwrap();
    assert_eq!(z, array![11.0, 12.0, 13.0].into_dyn());
}

// ---------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------

#[test]
fn zero_size_loop_and_core_dims() {
    // (0, 3): no rows; (4, 0): empty rows.
    for (rows, cols) in [(0, 3), (4, 0), (0, 0)] {
        let x = Array2::<f64>::zeros((rows, cols));
        assert_eq!(norm(&x).unwrap(), ArrayD::<f64>::zeros(IxDyn(&[rows])));
        assert_eq!(
            row_sum_fine(&x).unwrap(),
            ArrayD::<f64>::zeros(IxDyn(&[rows]))
        );
        assert_eq!(cumsum(&x).unwrap().shape(), &[rows, cols]);
        assert_eq!(softmax(&x).unwrap().shape(), &[rows, cols]);
        let mut out = Array2::<f64>::zeros((rows, cols).f());
        cumsum_into(x.t().t(), &mut out).unwrap();
        assert_eq!(
            matmul(&x, Array2::<f64>::ones((cols, 2))).unwrap(),
            ArrayD::<f64>::zeros(IxDyn(&[rows, 2]))
        );
    }
    // A zero-size loop axis broadcast from 1, and against a (0,) input.
    let ones = Array3::<f64>::ones((1, 2, 3));
    assert_eq!(
        inner1d(&ones, Array3::<f64>::zeros((0, 1, 3)))
            .unwrap()
            .shape(),
        &[0, 2]
    );
    assert_eq!(
        inner1d(Array3::<f64>::ones((2, 1, 3)), Array2::<f64>::zeros((0, 3)))
            .unwrap()
            .shape(),
        &[2, 0]
    );
    assert_eq!(
        inner1d(Array3::<f64>::ones((0, 1, 3)), ones.slice(s![0, .., ..]))
            .unwrap()
            .shape(),
        &[0, 2]
    );
    // Empty cores that are reversed views.
    let e = Array2::<f64>::zeros((3, 0));
    assert_eq!(cumsum(e.slice(s![.., ..;-1])).unwrap().shape(), &[3, 0]);
}

#[test]
fn scalars_and_0d_arrays_broadcast_where_cores_are_scalar() {
    // `()` cores of a 0-d input: the loop shape is ().
    let z = shift(&array![1.0, 2.0, 3.0], arr0(1.0)).unwrap();
    assert_eq!(z, array![2.0, 3.0, 4.0].into_dyn());
    // A 0-d input where a core needs an axis is an error, not a broadcast.
    let error = norm(arr0(2.0)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 0 (`x`) has 0 axes but its core dimensions (n) need at least 1 \
         (signature \"(n)->()\")"
    );
    let error = norm(2.0).unwrap_err();
    assert!(
        matches!(
            error,
            KernelError::TooFewAxes {
                ndim: 0,
                needed: 1,
                ..
            }
        ),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------

/// Runs `f` normally, serially, and in pools of 1 and 3 threads.
fn every_schedule<R: Send>(f: impl Fn() -> R + Send + Sync) -> [R; 4] {
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    [
        f(),
        dispatch::serial(&f),
        pool(1).install(&f),
        pool(3).install(&f),
    ]
}

#[test]
fn parallel_results_equal_serial_ones_bit_for_bit() {
    let x = grid((20_000, 16), 30);
    let want = reference(&[(dyn_view(&x.view()), 1)], &[], ref_sum);
    for (name, got) in [
        ("row_sum", every_schedule(|| row_sum(&x).unwrap())),
        ("row_sum_fine", every_schedule(|| row_sum_fine(&x).unwrap())),
    ] {
        for (i, g) in got.iter().enumerate() {
            assert_same(g, &want, &format!("{name}, schedule {i}"));
        }
    }
    let t = x.t();
    let want = reference(&[(dyn_view(&t.t()), 1)], &[], ref_norm);
    for (i, g) in every_schedule(|| norm(t.t()).unwrap()).iter().enumerate() {
        assert_same(
            g,
            &want,
            &format!("norm of a double transpose, schedule {i}"),
        );
    }

    // A 3-d loop space, permuted, cut into chunks anywhere in it.
    let p = grid((7, 5, 3, 4), 35);
    let p = p.view().permuted_axes([2, 0, 1, 3]);
    let want = reference(&[(dyn_view(&p), 1)], &[], ref_sum);
    for (i, g) in every_schedule(|| row_sum_fine(p).unwrap())
        .iter()
        .enumerate()
    {
        assert_same(g, &want, &format!("permuted 3-d loop, schedule {i}"));
    }

    let s = grid((1000, 64), 31);
    let flipped = s.slice(s![.., ..;-1]);
    let want = reference(&[(dyn_view(&flipped), 1)], &[64], ref_softmax);
    for (i, g) in every_schedule(|| softmax(flipped).unwrap())
        .iter()
        .enumerate()
    {
        assert_same(g, &want, &format!("softmax, schedule {i}"));
    }
    let want = reference(&[(dyn_view(&s.view()), 1)], &[64], ref_cumsum);
    for (i, g) in every_schedule(|| {
        let mut out = Array2::<f64>::zeros((1000, 64).f());
        cumsum_into(&s, &mut out).unwrap();
        out
    })
    .iter()
    .enumerate()
    {
        assert_same(g, &want, &format!("cumsum_into Fortran, schedule {i}"));
    }
    let (a, b) = (grid((50, 40, 8, 8), 32), grid((40, 8, 8), 33));
    let want = reference(
        &[(dyn_view(&a.view()), 2), (dyn_view(&b.view()), 2)],
        &[8, 8],
        ref_matmul,
    );
    for (i, g) in every_schedule(|| matmul(&a, &b).unwrap())
        .iter()
        .enumerate()
    {
        assert_same(g, &want, &format!("matmul, schedule {i}"));
    }
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[test]
fn every_error_names_the_operand_and_the_sizes() {
    let (a, b) = (
        Array4::<f64>::ones((2, 1, 3, 4)),
        Array3::<f64>::ones((5, 4, 2)),
    );
    // Core dimension mismatch, named by parameter.
    let error = matmul(&a, Array2::<f64>::ones((3, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has size 3 on axis 0 for core dimension `k`, expected 4 as bound by \
         input 0 (`a`) (signature \"(n,k),(k,m)->(n,m)\")"
    );
    let KernelError::CoreDimMismatch {
        operand,
        dim,
        axis,
        size,
        expected,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (operand.index, dim.as_str(), *axis, *size, *expected),
        (1, "k", 0, 3, 4)
    );
    // Too few axes.
    let error = matmul(&a, Array1::<f64>::ones(4)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has 1 axes but its core dimensions (k,m) need at least 2 \
         (signature \"(n,k),(k,m)->(n,m)\")"
    );
    // Loop dimensions that do not broadcast.
    let error = matmul(Array4::<f64>::ones((2, 4, 3, 4)), b.slice(s![..3, .., ..])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "operands could not be broadcast together: input 1 (`b`) has size 3 on axis 0 where \
         input 0 (`a`) has size 4 on axis 1 (loop shapes (3,) and (2, 4))"
    );
    let error = inner1d(Array2::<f64>::ones((2, 3)), Array2::<f64>::ones((4, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "operands could not be broadcast together: input 1 (`b`) has size 4 on axis 0 where \
         input 0 (`a`) has size 2 on axis 0 (loop shapes (4,) and (2,))"
    );
    // An output of another shape in `_into`: loop part and core part.
    let error = matmul_into(&a, &b, &mut Array4::<f64>::zeros((2, 5, 3, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 3 on axis 3 for core dimension `m`, expected 2 as bound by \
         input 1 (`b`) (signature \"(n,k),(k,m)->(n,m)\")"
    );
    let error = matmul_into(&a, &b, &mut Array4::<f64>::zeros((2, 1, 3, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (2, 1, 3, 2) but the call requires (2, 5, 3, 2)"
    );
    let error = matmul_into(&a, &b, &mut Array3::<f64>::zeros((5, 3, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (5, 3, 2) but the call requires (2, 5, 3, 2)"
    );
    // Output-only dimension without a size.
    let error = head(Array1::<f64>::ones(3)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "core dimension `m` appears only in outputs and has no size: pass an output array or \
         give a size rule (signature \"(n)->(m)\")"
    );
    // A returning kernel whose core result has the wrong shape.
    let error = too_short(Array2::<f64>::ones((2, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (2,) but the call requires (3,)"
    );
    let error = too_short_into(&Array1::<f64>::ones(3), &mut Array1::<f64>::zeros(3)).unwrap_err();
    assert!(
        matches!(error, KernelError::ShapeMismatch { .. }),
        "{error:?}"
    );
    // Several outputs are named `out0`, `out1`, ...
    let error = min_max_into(
        &Array2::<f64>::ones((2, 3)),
        &mut Array1::zeros(2),
        &mut Array1::zeros(3),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 1 (`out1`) has shape (3,) but the call requires (2,)"
    );
    // ... and out-parameter outputs by their parameter names.
    let error = min_max_out_into(
        &Array2::<f64>::ones((2, 3)),
        &mut Array1::zeros(2),
        &mut Array1::zeros(3),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 1 (`hi`) has shape (3,) but the call requires (2,)"
    );
}

/// The allocating form zeroes its outputs before the kernel runs: an element the kernel
/// never writes is 0 (`Default`), never uninitialised or left over from anything else.
#[test]
fn outputs_the_kernel_never_writes_are_zero() {
    let x = grid((5, 4), 34);
    assert_eq!(forget(&x).unwrap(), ArrayD::<f64>::zeros(IxDyn(&[5, 4])));
    // In `_into`, they keep what the caller put there.
    let mut out = Array2::from_elem((5, 4), 7.0);
    forget_into(&x, &mut out).unwrap();
    assert!(out.iter().all(|&v| v == 7.0));
}

// ---------------------------------------------------------------------------------------
// Metadata and generics
// ---------------------------------------------------------------------------------------

#[test]
fn metadata_describes_the_signature() {
    assert_eq!((matmul::INPUTS, matmul::OUTPUTS), (2, 1));
    assert_eq!(matmul::SIGNATURE, "(n,k),(k,m)->(n,m)");
    assert_eq!(matmul::DIMS, &["n", "k", "m"]);
    assert_eq!(matmul::signature().as_str(), "(n,k),(k,m)->(n,m)");
    assert_eq!(matmul::signature().inputs().len(), 2);
    assert_eq!((min_max::INPUTS, min_max::OUTPUTS), (1, 2));
    assert_eq!((min_max_out::INPUTS, min_max_out::OUTPUTS), (1, 2));
    assert_eq!(min_max::DIMS, &["n"]);
    assert_eq!((shift::INPUTS, shift::OUTPUTS), (2, 1));
    assert_eq!(cross::DIMS, &[] as &[&str]);
    assert_eq!(pdist::DIMS, &["n", "d", "p"]);
    assert_eq!(pdist::signature().output_only_dims(), ["p"]);
    assert_eq!(matmul_opt::SIGNATURE, "(m?,n),(n,p?)->(m?,p?)");
    assert_eq!(matmul_opt::DIMS, &["m", "n", "p"]);
    assert_eq!(add_bcast::SIGNATURE, "(n|1),(n|1)->(n)");
    assert_eq!((total::INPUTS, total::OUTPUTS), (1, 1));
    // `_core` is the function as written.
    assert_eq!(norm_core(array![3.0, 4.0].view()), 5.0);
    let mut out = Array1::zeros(3);
    cumsum_core(array![1.0, 2.0, 3.0].view(), out.view_mut());
    assert_eq!(out, array![1.0, 3.0, 6.0]);
}

#[test]
fn generic_kernels_take_their_type_from_the_operands() {
    let x = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i64 - 5);
    assert_eq!(total(&x).unwrap(), x.sum_axis(Axis(1)).into_dyn());
    assert_eq!(total(x.t()).unwrap(), x.sum_axis(Axis(0)).into_dyn());
    let y = x.mapv(|v| v as f32 * 0.25);
    let want: Vec<f32> = (0..3).map(|i| y.row(i).iter().copied().sum()).collect();
    assert_same(&total(&y).unwrap(), &Array1::from(want).into_dyn(), "f32");
    let mut out = Array1::<i64>::zeros(4);
    total_into(x.t(), &mut out).unwrap();
    assert_eq!(out, x.sum_axis(Axis(0)));
    assert_eq!(
        total(Array2::<i64>::zeros((2, 0))).unwrap(),
        array![0, 0].into_dyn()
    );
}

/// A const generic parameter carries through to the generated functions.
#[guvectorize("(n)->()")]
fn scaled_sum<const K: usize>(x: ArrayView1<f64>) -> f64 {
    x.sum() * K as f64
}

#[test]
fn const_generic_kernels() {
    let x = Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f64);
    assert_eq!(
        scaled_sum::<2, _>(&x).unwrap(),
        Array1::from(vec![6.0, 24.0]).into_dyn()
    );
}
