//! Softmax (seed 001): `out[i] = exp(x[i] - max) / sum_j exp(x[j] - max)`, numerically
//! stable (the shift by the maximum keeps `exp` from overflowing), on one long vector
//! ([`softmax`], [`softmax_into`]) and along the last axis of a batch ([`softmax_rows`](fn@softmax_rows),
//! [`softmax_rows_into`]), for `f32` and `f64`.
//!
//! Everything runs through ndkernel's attributes, and every `exp` is computed once, on
//! `wide` lanes (`f64x4`, `f32x8`) inside a `#[vectorize]` kernel. Two gufuncs do the work:
//!
//! * [`block_exp`](fn@block_exp) (`"(n)->(n),(),()"`), on one block: its maximum (a `#[vectorize]` max
//!   reduction), `e = exp(x - max)` (a `#[vectorize]` kernel with the maximum broadcast)
//!   and the sum of `e` (a `#[vectorize]` sum reduction): three sweeps over data the
//!   cache holds.
//! * [`rescale`](fn@rescale) (`"()->(n)"`), on one block: `e *= factor`, in place.
//!
//! A vector or row of at most [`IN_CACHE`] elements (the rows of a batch) is one block:
//! `block_exp`, then `rescale` by `1 / sum`. A longer one (seed 001's 1e8 elements,
//! 800 MB) is viewed as rows of [`BLOCK`] elements plus a tail, and streams through memory
//! in two passes, each on every core: `block_exp_into` over the rows writes the output and
//! each block's `(max, sum)`; the pairs are combined serially into the global maximum `M`
//! and total `S = sum_b sum_b * exp(max_b - M)`; `rescale_into` multiplies each block by
//! `exp(max_b - M) / S`. The input is read once, the output written twice.
//!
//! Results do not depend on the number of threads (blocks are fixed by the length alone
//! and combined in order; the reductions' order is fixed by the layout, see
//! `ndkernel::reduce`) nor on the layout (strided inputs and outputs go through contiguous
//! copies, so that they run on the same lanes). An input holding `+inf` or NaN gives NaN
//! everywhere, as does one of only `-inf`, as SciPy's does; an empty input gives an empty
//! output. Lanes' `exp` is within 1 ULP of `core`'s; results agree with SciPy's to about
//! 1e-15 relative, except where they are subnormal.
//!
//! [`softmax_naive`] and [`softmax_rows_naive`] are the post's three serial loops (max,
//! exp and sum, divide), the references the fast versions are tested and timed against.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Sub};

use ndkernel::ndarray::{
    Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut0, ArrayViewMut1, Axis, Zip,
};
use ndkernel::prelude::*;
use ndkernel::{Operand, operand};

/// Elements per block of a long vector: a block of input and output (2 x 32 KiB in `f64`)
/// stays in L1/L2 while `block_exp`'s three kernels sweep it.
pub const BLOCK: usize = 4096;

/// The longest vector or row done as one block (256 KiB of `f64`); longer ones stream in
/// blocks of [`BLOCK`].
pub const IN_CACHE: usize = 1 << 15;

/// The float types softmax runs on, `f32` and `f64`: the scalar operations the combining
/// steps need, and the `#[vectorize]` kernels (on lanes) that do the sweeps.
///
/// Sealed: implemented for `f32` and `f64` only.
pub trait Real:
    Copy
    + Debug
    + Default
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + private::Sealed
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// `-inf`, the identity of `max`.
    const NEG_INFINITY: Self;
    /// `e^self` (the standard library's).
    #[must_use]
    fn exp(self) -> Self;
    /// The larger of two values, ignoring NaN (the standard library's `max`).
    #[must_use]
    fn max(self, other: Self) -> Self;
    /// The largest element of `x` (`-inf` if empty): a `#[vectorize]` max reduction.
    fn max_all(x: ArrayView1<'_, Self>) -> Self;
    /// The sum of `x` (0 if empty): a `#[vectorize]` sum reduction.
    fn sum_all(x: ArrayView1<'_, Self>) -> Self;
    /// `out = exp(x - shift)`, a `#[vectorize]` kernel; `out` has `x`'s length.
    fn shifted_exp_into(x: ArrayView1<'_, Self>, shift: Self, out: ArrayViewMut1<'_, Self>);
}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// The `#[vectorize]` kernels of one float type, and its [`Real`] impl calling them. `$t`
/// is an `ident` so that the attribute sees a plain `f64`, a lane type it knows.
macro_rules! real {
    ($t:ident, $kernels:ident) => {
        #[allow(dead_code, reason = "only the lane paths softmax needs are called")]
        mod $kernels {
            use ndkernel::prelude::*;

            #[vectorize(identity = $t::NEG_INFINITY)]
            pub fn max(a: $t, b: $t) -> $t {
                a.max(b)
            }

            #[vectorize(identity = 0.0)]
            pub fn add(a: $t, b: $t) -> $t {
                a + b
            }

            #[vectorize]
            pub fn shifted_exp(x: $t, shift: $t) -> $t {
                (x - shift).exp()
            }

            const _: () = assert!(max::SIMD && add::SIMD && shifted_exp::SIMD);
        }

        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NEG_INFINITY: Self = $t::NEG_INFINITY;

            #[inline]
            fn exp(self) -> Self {
                $t::exp(self)
            }

            #[inline]
            fn max(self, other: Self) -> Self {
                $t::max(self, other)
            }

            fn max_all(x: ArrayView1<'_, Self>) -> Self {
                $kernels::max_reduce_all(&x)
            }

            fn sum_all(x: ArrayView1<'_, Self>) -> Self {
                $kernels::add_reduce_all(&x)
            }

            fn shifted_exp_into(
                x: ArrayView1<'_, Self>,
                shift: Self,
                mut out: ArrayViewMut1<'_, Self>,
            ) {
                $kernels::shifted_exp_into(&x, shift, &mut out).expect("same lengths");
            }
        }
    };
}

real!(f64, kernels_f64);
real!(f32, kernels_f32);

/// Seed 001's softmax of one vector, on every core: see the module docs for how.
///
/// # Examples
///
/// ```
/// use ndkernel::ndarray::array;
/// use ndkernel_seeds::softmax::softmax;
///
/// let p = softmax(array![1000.0, 1000.0, 1000.0 + 2f64.ln()].view());
/// assert!((p[2] - 0.5).abs() < 1e-12 && (p.sum() - 1.0).abs() < 1e-15);
/// ```
pub fn softmax(x: ArrayView1<'_, f64>) -> Array1<f64> {
    let mut out = ndkernel::alloc::output(ndkernel::ndarray::Ix1(x.len()));
    softmax_lane(x, out.view_mut());
    out
}

/// [`softmax`] into an existing vector of `x`'s length, any strides.
///
/// # Errors
///
/// `KernelError::ShapeMismatch`, naming `out` and both lengths, if `out` is not as long as
/// `x`.
pub fn softmax_into(
    x: ArrayView1<'_, f64>,
    out: ArrayViewMut1<'_, f64>,
) -> Result<(), KernelError> {
    operand::check_shape(Operand::output(0).named("out"), x.shape(), out.shape())?;
    softmax_lane(x, out);
    Ok(())
}

/// Softmax along the last axis: each row of `x` (any rank, any float type of [`Real`])
/// becomes its softmax; rows run in parallel. `softmax_rows(&batch)` returns an `ArrayD`
/// of the batch's shape, `softmax_rows_into(&batch, &mut out)` writes into `out`.
#[guvectorize("(n)->(n)")]
pub fn softmax_rows<T: Real>(x: ArrayView1<T>, out: ArrayViewMut1<T>) {
    softmax_lane(x, out);
}

/// Pass 1 on one block: `e = exp(x - max)`, with the block's `max` and `sum` of `e`, by
/// three `#[vectorize]` sweeps over data the cache holds. Over the rows of a
/// `(blocks, BLOCK)` view, `block_exp_into` does every block of a long vector in parallel.
///
/// A block of only `-inf` writes zeros and reports `(-inf, 0)`: it adds nothing to the
/// total, where `exp(-inf - -inf)` would have been NaN.
#[guvectorize("(n)->(n),(),()")]
pub fn block_exp<T: Real>(
    x: ArrayView1<T>,
    mut e: ArrayViewMut1<T>,
    mut max: ArrayViewMut0<T>,
    mut sum: ArrayViewMut0<T>,
) {
    let m = T::max_all(x);
    max[()] = m;
    if m == T::NEG_INFINITY {
        e.fill(T::ZERO);
        sum[()] = T::ZERO;
        return;
    }
    T::shifted_exp_into(x, m, e.view_mut());
    sum[()] = T::sum_all(e.view());
}

/// Pass 2 on one block: `e *= factor`, in place. Called through `rescale_into`, whose
/// output is the caller's array, untouched until the kernel runs, so the kernel reads
/// what pass 1 left there.
#[guvectorize("()->(n)")]
pub fn rescale<T: Real>(factor: T, mut e: ArrayViewMut1<T>) {
    e.mapv_inplace(|v| v * factor);
}

/// Softmax of one vector or row, by the recipe its length calls for.
///
/// Strided inputs and outputs go through contiguous copies, so that every layout runs on
/// lanes and gives the same bits (lanes' `exp` differs from `core`'s by up to 1 ULP).
fn softmax_lane<T: Real>(x: ArrayView1<'_, T>, mut out: ArrayViewMut1<'_, T>) {
    if x.is_empty() {
        return;
    }
    if !out.is_standard_layout() {
        let mut contiguous = Array1::from_elem(x.len(), T::ZERO);
        softmax_lane(x, contiguous.view_mut());
        out.assign(&contiguous);
        return;
    }
    let x = x.as_standard_layout();
    let x = x.view();
    let (mut max, mut sum) = (T::ZERO, T::ZERO);
    if x.len() <= IN_CACHE {
        // One block: the row stays in cache from the first sweep to the last.
        block_exp_core(
            x,
            out.view_mut(),
            scalar_mut(&mut max),
            scalar_mut(&mut sum),
        );
        rescale_core(T::ONE / sum, out);
        return;
    }
    let whole = x.len() / BLOCK * BLOCK;
    let (out_whole, mut out_tail) = out.split_at(Axis(0), whole);
    let mut blocks = out_whole
        .into_shape_with_order((whole / BLOCK, BLOCK))
        .expect("a contiguous vector");
    let (x_whole, x_tail) = x.split_at(Axis(0), whole);
    let x_blocks = x_whole
        .into_shape_with_order((whole / BLOCK, BLOCK))
        .expect("a contiguous vector");
    let mut maxes = Array1::from_elem(whole / BLOCK, T::ZERO);
    let mut sums = maxes.clone();
    block_exp_into(&x_blocks, &mut blocks, &mut maxes, &mut sums).expect("one row per block");
    block_exp_core(
        x_tail,
        out_tail.view_mut(),
        scalar_mut(&mut max),
        scalar_mut(&mut sum),
    );
    // Combine the blocks in order: the total is sum_b sums[b] * exp(maxes[b] - max).
    let global = maxes.iter().fold(max, |m, &b| m.max(b));
    let weight = |m: T| {
        if m == T::NEG_INFINITY {
            T::ZERO
        } else {
            (m - global).exp()
        }
    };
    let total = maxes
        .iter()
        .zip(&sums)
        .fold(T::ZERO, |acc, (&m, &s)| acc + s * weight(m))
        + sum * weight(max);
    let inv = T::ONE / total;
    let factors = maxes.mapv(|m| weight(m) * inv);
    rescale_into(&factors, &mut blocks).expect("one factor per block");
    rescale_core(weight(max) * inv, out_tail);
}

fn scalar_mut<T>(value: &mut T) -> ArrayViewMut0<'_, T> {
    ArrayViewMut0::from_shape((), std::slice::from_mut(value)).expect("one element")
}

/// Seed 001's code transcribed: the maximum, then `exp(x - max)` and its sum, then a
/// division; three serial loops.
pub fn softmax_naive(x: &[f64]) -> Vec<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    let mut out: Vec<f64> = x
        .iter()
        .map(|&v| {
            let e = (v - max).exp();
            sum += e;
            e
        })
        .collect();
    for o in &mut out {
        *o /= sum;
    }
    out
}

/// [`softmax_naive`] on each row of `x` (softmax along the last axis), serially, for
/// `f32` and `f64`.
pub fn softmax_rows_naive<T: Real>(x: ArrayView2<'_, T>) -> Array2<T> {
    let mut out = Array2::from_elem(x.raw_dim(), T::ZERO);
    for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
        let max = row.iter().fold(T::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = T::ZERO;
        Zip::from(&mut o).and(&row).for_each(|o, &v| {
            *o = (v - max).exp();
            sum = sum + *o;
        });
        o.mapv_inplace(|v| v / sum);
    }
    out
}
