//! Linear stencils: bodies that are a weighted sum of one input's neighbours followed by an
//! epilogue, `out = epilogue(Σ_t w_t · x[p + t])`, evaluated in passes when that is cheaper
//! than reading every tap at every position.
//!
//! `#[stencil]` recognises such bodies (see its docs) and collects their weights into
//! [`Weights`] once per call. [`Weights::plan`] then picks one of three evaluations:
//!
//! * [`Evaluation::RunningSums`]: every weight of the neighbourhood's box is the same `c`.
//!   Sums along the row axis slide from one row to the next (add the row entering the
//!   window, subtract the one leaving it) and so do sums along each row (for integers, as
//!   differences of the row's prefix sums), so the cost per output does not grow with the
//!   width of the window.
//! * [`Evaluation::Separable`]: the weights are an outer product `a ⊗ b` of weights over the
//!   leading axes and weights along the last axis (found exactly from the weights: box,
//!   binomial, Gaussian, Sobel's factors). Each output row costs one pass over the input
//!   rows it reads (`a`) into a row buffer and one pass along that buffer (`b`).
//! * [`Evaluation::Direct`]: every tap at every position, the stencil's ordinary path.
//!
//! A body may also be the largest or smallest of a set of taps ([`Max`], [`Min`]: window
//! maxima, dilation, erosion). When the taps are a box and the type an integer, it runs in
//! the same separable passes with `max`/`min` in place of the sums, exactly; a float only
//! with `reassociate` (see [`Weights::plan`]).
//!
//! Both passes work on one row buffer per task (a few kilobytes, in L1), never on a copy
//! of the input: out-of-bounds reads go through the same [`Boundary`] maps as the direct
//! path, so every mode, per axis, gives what the direct path gives.
//!
//! # Exactness
//!
//! Integer sums are kept in the body's own sum type with wrapping arithmetic, which is
//! associative, so the passes give exactly the direct (release-build) result. Floating-point
//! passes add in another order than the body; they are used only when the kernel allows it
//! (`#[stencil(reassociate = true)]`). They add in the body's sum type, and every running
//! sum starts afresh at least every [`SEED`] positions along a row and every [`SEED`] rows,
//! at positions that depend on the array's shape alone (never on the number of threads:
//! serial and parallel results are equal bit for bit). For a sum of `k` taps the result
//! differs from the body's by at most `(k + 2 SEED + 2) · u · M`, `u` the unit roundoff of
//! the sum type (`2^-24` for `f32`, `2^-53` for `f64`), where `M` is the largest `Σ|w_t x_t|`
//! over the windows the sums passed through since they started: a running sum carries the
//! rounding of values that have left its window, so a value much larger than its
//! neighbours costs accuracy up to [`SEED`] positions after it. A NaN or infinity in the
//! input, or as `cval` on a `constant` axis, makes running sums NaN as far, where the body
//! gives it only where a tap reads it, and a separable pass multiplies even zero weights.
//!
use std::marker::PhantomData;
use std::ops::Range;

use ndarray::{ArrayView, ArrayViewD, ArrayViewMut, Dimension, IxDyn};
use rayon::prelude::*;

use super::Footprint;
pub use super::divisor::{Denominator, Divisor, DivisorElem};
use crate::boundary::{AxisPlan, Boundary};
use crate::dispatch::Schedule;
use crate::error::{KernelError, Operand};

/// The most positions a floating-point running sum goes before it is summed afresh.
pub const SEED: usize = 256;

// Runs of float running sums are whole blocks of the lanes' transposes (16 `f32` or 8
// `f64`), and at most `SEED` long.
const _: () = assert!(SEED.is_multiple_of(16));

/// The most entries a weight table may have; a wider neighbourhood runs directly.
pub const MAX_WEIGHTS: usize = 1 << 20;

/// A sum type of a linear stencil: what its taps are cast to, its weights have and its
/// partial sums are kept in. Arithmetic wraps for integers.
pub trait SumElem: Copy + Send + Sync + PartialEq + Default + 'static {
    /// Whether any order of summation gives the body's result (integers).
    const EXACT: bool;
    /// The multiplicative identity.
    const ONE: Self;
    /// `self + other`.
    #[must_use]
    fn plus(self, other: Self) -> Self;
    /// `self - other`.
    #[must_use]
    fn minus(self, other: Self) -> Self;
    /// `self * other`.
    #[must_use]
    fn times(self, other: Self) -> Self;
    /// The exact value of an integer, `None` for a float.
    fn exact(self) -> Option<i128>;
    /// The integer `value` as this type, if it is one and `value` fits.
    fn from_exact(value: i128) -> Option<Self>;
    /// The value as an `f64` (floats).
    fn approx(self) -> f64;
    /// A float factor found in `f64` (float sums only).
    #[must_use]
    fn from_f64(value: f64) -> Self;
    /// The least value: what a maximum of no taps starts from.
    const LEAST: Self;
    /// The greatest value: what a minimum of no taps starts from.
    const GREATEST: Self;
    /// The larger of the two, as the body's `.max` gives it.
    #[must_use]
    fn larger(self, other: Self) -> Self;
    /// The smaller of the two, as the body's `.min` gives it.
    #[must_use]
    fn smaller(self, other: Self) -> Self;
}

macro_rules! integer_sums {
    ($($t:ty),*) => {$(
        impl SumElem for $t {
            const EXACT: bool = true;
            const ONE: $t = 1;
            #[inline(always)]
            fn plus(self, other: $t) -> $t { self.wrapping_add(other) }
            #[inline(always)]
            fn minus(self, other: $t) -> $t { self.wrapping_sub(other) }
            #[inline(always)]
            fn times(self, other: $t) -> $t { self.wrapping_mul(other) }
            fn exact(self) -> Option<i128> { i128::try_from(self).ok() }
            fn from_exact(value: i128) -> Option<$t> { <$t>::try_from(value).ok() }
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless, reason = "only floats are compared as f64")]
            fn approx(self) -> f64 { self as f64 }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "never called: integer weights factor exactly")]
            fn from_f64(value: f64) -> $t { value as $t }
            const LEAST: $t = <$t>::MIN;
            const GREATEST: $t = <$t>::MAX;
            #[inline(always)]
            fn larger(self, other: $t) -> $t { Ord::max(self, other) }
            #[inline(always)]
            fn smaller(self, other: $t) -> $t { Ord::min(self, other) }
        }
    )*};
}
integer_sums!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! float_sums {
    ($($t:ty),*) => {$(
        impl SumElem for $t {
            const EXACT: bool = false;
            const ONE: $t = 1.0;
            #[inline(always)]
            fn plus(self, other: $t) -> $t { self + other }
            #[inline(always)]
            fn minus(self, other: $t) -> $t { self - other }
            #[inline(always)]
            fn times(self, other: $t) -> $t { self * other }
            fn exact(self) -> Option<i128> { None }
            fn from_exact(_: i128) -> Option<$t> { None }
            fn approx(self) -> f64 { f64::from(self) }
            #[allow(clippy::cast_possible_truncation, reason = "a factor found in f64, rounded once")]
            fn from_f64(value: f64) -> $t { value as $t }
            const LEAST: $t = <$t>::NEG_INFINITY;
            const GREATEST: $t = <$t>::INFINITY;
            #[inline(always)]
            fn larger(self, other: $t) -> $t { self.max(other) }
            #[inline(always)]
            fn smaller(self, other: $t) -> $t { self.min(other) }
        }
    )*};
}
float_sums!(f32, f64);

/// How the taps of a recognised body are combined: [`Sum`] (weighted), [`Max`] or [`Min`].
pub trait Fold: Copy + Default + Send + Sync + std::fmt::Debug + 'static + sealed::Sealed {
    /// Which fold this is, as a value.
    const KIND: FoldKind;
    /// The fold of no taps.
    fn identity<C: SumElem>() -> C;
    /// `acc` with one more tap of weight one.
    fn combine<C: SumElem>(acc: C, tap: C) -> C;
}

/// The folds a recognised body may be, as values (see [`Fold`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldKind {
    /// A weighted sum of taps.
    Sum,
    /// The largest tap.
    Max,
    /// The smallest tap.
    Min,
}

/// A weighted sum of taps: `Σ w_t · x[p + t]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sum;

/// The largest of a set of taps (every weight is one, or zero for a tap not read): window
/// maxima, morphological dilation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Max;

/// The smallest of a set of taps: window minima, morphological erosion.
#[derive(Clone, Copy, Debug, Default)]
pub struct Min;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Sum {}
    impl Sealed for super::Max {}
    impl Sealed for super::Min {}
}

impl Fold for Sum {
    const KIND: FoldKind = FoldKind::Sum;
    #[inline(always)]
    fn identity<C: SumElem>() -> C {
        C::default()
    }
    #[inline(always)]
    fn combine<C: SumElem>(acc: C, tap: C) -> C {
        acc.plus(tap)
    }
}

impl Fold for Max {
    const KIND: FoldKind = FoldKind::Max;
    #[inline(always)]
    fn identity<C: SumElem>() -> C {
        C::LEAST
    }
    #[inline(always)]
    fn combine<C: SumElem>(acc: C, tap: C) -> C {
        acc.larger(tap)
    }
}

impl Fold for Min {
    const KIND: FoldKind = FoldKind::Min;
    #[inline(always)]
    fn identity<C: SumElem>() -> C {
        C::GREATEST
    }
    #[inline(always)]
    fn combine<C: SumElem>(acc: C, tap: C) -> C {
        acc.smaller(tap)
    }
}

/// How [`run`] evaluates a linear stencil; see the [module documentation](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evaluation {
    /// Every tap at every position.
    Direct,
    /// A pass over the leading axes into a row buffer, then one along the row.
    Separable,
    /// Sliding sums along the row axis and along each row.
    RunningSums,
}

/// The weight of every offset of a linear stencil's neighbourhood, collected from its body.
///
/// For a [`Max`] or [`Min`] fold, a weight says only whether the body reads the tap:
/// zero, or not.
///
/// # Examples
///
/// ```
/// use kernel_runtime::stencil::{Footprint, linear::{Evaluation, Max, Weights}};
///
/// // The outer product of [1, 4, 6, 4, 1]: binomial, so separable.
/// let mut w = Weights::<i32, 2>::new(&Footprint { lo: [-2, -2], hi: [2, 2] }).unwrap();
/// let binomial = [1, 4, 6, 4, 1];
/// for i in -2..=2 {
///     for j in -2..=2 {
///         w.add([i, j], binomial[(i + 2) as usize] * binomial[(j + 2) as usize]);
///     }
/// }
/// assert_eq!(w.array()[[2, 2]], 36);
/// assert_eq!(w.plan(false).evaluation(), Evaluation::Separable);
///
/// // The largest of a 5x5 window: a maximum along the columns, then one along the rows.
/// let mut w = Weights::<u8, 2, Max>::new(&Footprint { lo: [-2, -2], hi: [2, 2] }).unwrap();
/// for i in -2..=2 {
///     for j in -2..=2 {
///         w.add([i, j], 1);
///     }
/// }
/// assert_eq!(w.plan(false).evaluation(), Evaluation::Separable);
/// ```
#[derive(Clone, Debug)]
pub struct Weights<A, const N: usize, F = Sum> {
    footprint: Footprint<N>,
    shape: [usize; N],
    values: Vec<A>,
    fold: PhantomData<F>,
}

impl<A: SumElem, const N: usize, F: Fold> Weights<A, N, F> {
    /// Zero weights over `footprint`'s box, or `None` when it has more than
    /// [`MAX_WEIGHTS`] offsets (such a stencil runs directly).
    pub fn new(footprint: &Footprint<N>) -> Option<Self> {
        let mut shape = [0; N];
        let mut size = 1usize;
        for ((len, lo), hi) in shape.iter_mut().zip(footprint.lo).zip(footprint.hi) {
            *len = usize::try_from(hi.checked_sub(lo)?.checked_add(1)?).ok()?;
            size = size.checked_mul(*len)?;
        }
        (size > 0 && size <= MAX_WEIGHTS).then(|| Weights {
            footprint: *footprint,
            shape,
            values: vec![A::default(); size],
            fold: PhantomData,
        })
    }

    fn slot(&self, offset: [isize; N]) -> usize {
        self.footprint.check(&offset);
        // In the box: `check` passed.
        (0..N).fold(0, |at, axis| {
            at * self.shape[axis] + (offset[axis] - self.footprint.lo[axis]).unsigned_abs()
        })
    }

    /// Adds `weight` to the weight of the tap at `offset`; for a [`Max`] or [`Min`] fold,
    /// marks the tap as read (its weight one, whatever `weight` is).
    ///
    /// # Panics
    ///
    /// If `offset` is outside the footprint, as reading it in the body panics.
    #[track_caller]
    pub fn add(&mut self, offset: [isize; N], weight: A) {
        let at = self.slot(offset);
        self.values[at] = if F::KIND == FoldKind::Sum {
            self.values[at].plus(weight)
        } else {
            // A fold that is not a sum reads a tap or does not: however often it reads it.
            A::ONE
        };
    }

    /// Subtracts `weight` from the weight of the tap at `offset`.
    ///
    /// # Panics
    ///
    /// As [`add`](Self::add).
    #[track_caller]
    pub fn sub(&mut self, offset: [isize; N], weight: A) {
        self.add(offset, A::default().minus(weight));
    }

    /// The weights, indexed by offset minus the footprint's `lo`.
    ///
    /// # Panics
    ///
    /// Never: the shape is the footprint's box.
    pub fn array(&self) -> ArrayViewD<'_, A> {
        ArrayViewD::from_shape(IxDyn(&self.shape), &self.values)
            .expect("the weights fill their box")
    }

    /// The neighbourhood the weights cover.
    pub fn footprint(&self) -> Footprint<N> {
        self.footprint
    }

    /// How to evaluate the stencil: passes only where they are cheaper, and for floats only
    /// when `reassociate` allows another order of summation.
    ///
    /// A [`Max`] or [`Min`] fold runs in passes when the taps it reads are a box (every
    /// read row reads the same columns) and its type is an integer, or a float where
    /// `reassociate` allows: a float's maximum depends on the order where a window mixes
    /// `0.0` and `-0.0` (the sign of a zero result may differ), and where every tap of a
    /// window is NaN the passes give `-inf` (`+inf` for a minimum) where a body whose
    /// accumulator starts from a read, or from NaN, gives NaN.
    pub fn plan(&self, reassociate: bool) -> Plan<A, N, F> {
        let direct = Plan {
            evaluation: Evaluation::Direct,
            lead: Vec::new(),
            last: Vec::new(),
            scale: A::ONE,
            footprint: self.footprint,
            fold: PhantomData,
        };
        if F::KIND != FoldKind::Sum {
            return if N > 0 && (A::EXACT || reassociate) {
                self.extremum_plan().unwrap_or(direct)
            } else {
                direct
            };
        }
        // Infinite or NaN weights make sums that no reordering keeps.
        let finite = A::EXACT || self.values.iter().all(|w| w.approx().is_finite());
        if N == 0 || !(A::EXACT || reassociate) || !finite {
            return direct;
        }
        let taps = count_nonzero(&self.values);
        let last_len = self.shape[N - 1];
        let lead_len = self.values.len() / last_len;
        // A box of one weight: sliding sums, about four reads per output however wide.
        let first = self.values[0];
        if first != A::default() && self.values.iter().all(|w| *w == first) {
            let plane = lead_len / self.shape.get(N.wrapping_sub(2)).copied().unwrap_or(1);
            let cost = if N >= 2 { 2 * plane } else { 0 } + PASSES_OVERHEAD;
            if cost < taps {
                return Plan {
                    evaluation: Evaluation::RunningSums,
                    lead: vec![A::ONE; lead_len],
                    last: vec![A::ONE; last_len],
                    scale: first,
                    footprint: self.footprint,
                    fold: PhantomData,
                };
            }
        }
        let Some((lead, last)) = factor(&self.values, lead_len, last_len) else {
            return direct;
        };
        let cost = count_nonzero(&lead) + count_nonzero(&last) + PASSES_OVERHEAD;
        if cost >= taps {
            return direct;
        }
        Plan {
            evaluation: Evaluation::Separable,
            lead,
            last,
            scale: A::ONE,
            footprint: self.footprint,
            fold: PhantomData,
        }
    }

    /// The passes of a [`Max`] or [`Min`] fold, if the taps it reads are the product of a
    /// set of rows and a set of columns and the passes read fewer taps.
    fn extremum_plan(&self) -> Option<Plan<A, N, F>> {
        let cols = self.shape[N - 1];
        let read = |k: usize| self.values[k] != A::default();
        let lead: Vec<bool> = (0..self.values.len() / cols)
            .map(|i| (0..cols).any(|j| read(i * cols + j)))
            .collect();
        let last: Vec<bool> = (0..cols)
            .map(|j| lead.iter().enumerate().any(|(i, _)| read(i * cols + j)))
            .collect();
        let boxed = lead.iter().enumerate().all(|(i, &row)| {
            last.iter()
                .enumerate()
                .all(|(j, &col)| read(i * cols + j) == (row && col))
        });
        let taps = count_nonzero(&self.values);
        let passes = lead.iter().chain(&last).filter(|&&r| r).count();
        let weight = |r: &bool| if *r { A::ONE } else { A::default() };
        (boxed && passes + EXTREMUM_PASSES_OVERHEAD < taps).then(|| Plan {
            evaluation: Evaluation::Separable,
            lead: lead.iter().map(weight).collect(),
            last: last.iter().map(weight).collect(),
            scale: A::ONE,
            footprint: self.footprint,
            fold: PhantomData,
        })
    }
}

/// [`PASSES_OVERHEAD`] for a maximum or minimum, whose taps on the direct path are one
/// SIMD instruction each.
const EXTREMUM_PASSES_OVERHEAD: usize = 10;

/// What the passes cost beyond their taps, in taps of the direct path: writing and reading
/// the row buffer, and the direct path's reads being on SIMD lanes with no pass in
/// between. Measured: a 3x3 box (9 taps) runs as fast directly as in passes, a 5x5
/// binomial (25 taps) a little faster in passes, a 15x15 box ten times faster.
const PASSES_OVERHEAD: usize = 10;

fn count_nonzero<C: SumElem>(values: &[C]) -> usize {
    values.iter().filter(|w| **w != C::default()).count()
}

/// The weights over the leading axes and along the last whose outer product is a table.
type Factors<C> = (Vec<C>, Vec<C>);

/// `values`, a `rows x cols` matrix, as an outer product `a ⊗ b` found exactly: in
/// integers for integer weights, to within rounding of the products for floats.
fn factor<A: SumElem>(values: &[A], rows: usize, cols: usize) -> Option<Factors<A>> {
    let at = |i: usize, j: usize| values[i * cols + j];
    if values.iter().all(|w| w.exact().is_some()) {
        let exact = |i, j| at(i, j).exact().unwrap_or_default();
        let (pi, pj) = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .find(|&(i, j)| exact(i, j) != 0)?;
        // `b` is the pivot's row over the gcd of its entries, `a` what each row's pivot
        // column is a multiple of it.
        let mut g = (0..cols).fold(0, |g, j| gcd(g, exact(pi, j)));
        if exact(pi, pj) < 0 {
            g = -g;
        }
        let b: Vec<i128> = (0..cols).map(|j| exact(pi, j) / g).collect();
        let mut a = Vec::with_capacity(rows);
        for i in 0..rows {
            let v = exact(i, pj);
            if v % b[pj] != 0 {
                return None;
            }
            a.push(v / b[pj]);
        }
        for (i, &ai) in a.iter().enumerate() {
            for (j, &bj) in b.iter().enumerate() {
                if ai.checked_mul(bj)? != exact(i, j) {
                    return None;
                }
            }
        }
        let a = a.into_iter().map(|v| A::from_exact(v));
        let b = b.into_iter().map(|v| A::from_exact(v));
        return Some((a.collect::<Option<_>>()?, b.collect::<Option<_>>()?));
    }
    let (mut pi, mut pj, mut big) = (0, 0, 0.0f64);
    for i in 0..rows {
        for j in 0..cols {
            if at(i, j).approx().abs() > big {
                (pi, pj, big) = (i, j, at(i, j).approx().abs());
            }
        }
    }
    if !(big > 0.0 && big.is_finite()) {
        return None;
    }
    let pivot = at(pi, pj).approx();
    let a: Vec<f64> = (0..rows).map(|i| at(i, pj).approx() / pivot).collect();
    let b: Vec<f64> = (0..cols).map(|j| at(pi, j).approx()).collect();
    for (i, &ai) in a.iter().enumerate() {
        for (j, &bj) in b.iter().enumerate() {
            let w = at(i, j).approx();
            if (ai * bj - w).abs() > 4.0 * f64::EPSILON * w.abs() {
                return None;
            }
        }
    }
    Some((
        a.into_iter().map(A::from_f64).collect(),
        b.into_iter().map(A::from_f64).collect(),
    ))
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// How a linear stencil runs: the evaluation and the weights of each pass.
#[derive(Clone, Debug)]
pub struct Plan<C, const N: usize, F = Sum> {
    evaluation: Evaluation,
    /// Weights over the box of the leading `N - 1` axes, row-major: the pass across rows.
    lead: Vec<C>,
    /// Weights along the last axis: the pass along each row.
    last: Vec<C>,
    /// What each finished sum is multiplied by (the weight of a running-sums box).
    scale: C,
    footprint: Footprint<N>,
    fold: PhantomData<F>,
}

impl<C: SumElem, const N: usize, F> Plan<C, N, F> {
    /// The evaluation [`run`] will use.
    pub fn evaluation(&self) -> Evaluation {
        self.evaluation
    }
}

/// A pointer shared by the tasks of one call, each writing elements no other task writes.
#[derive(Clone, Copy)]
struct Shared<P>(P);
// SAFETY: only used for the output of one call, whose tasks write disjoint rows, and for
// reading its input, which nothing writes during the call.
unsafe impl<P> Send for Shared<P> {}
// SAFETY: as above.
unsafe impl<P> Sync for Shared<P> {}

/// Where the input rows are and how the output's rows map to them.
struct Geometry<const N: usize> {
    loop_axes: usize,
    plans: [AxisPlan; N],
    in_strides: Vec<isize>,
    out_strides: Vec<isize>,
    out_shape: Vec<usize>,
    /// The shape of the box of the leading `N - 1` axes.
    lead_shape: Vec<usize>,
    /// For each slot of the row buffer, the input index along the last axis it holds
    /// (`None`: the pad value).
    ext: Vec<Option<usize>>,
    /// The slots of the row buffer read straight from a contiguous run of the input row,
    /// and that run's first input index.
    middle: Range<usize>,
    middle_from: usize,
}

/// Evaluates a linear stencil as `plan` says: `out = epilogue(Σ w_t · cast(x[p + t]))`.
///
/// The last `N` axes of `x` are the stencil's, leading axes are a stack. `pad` is what a
/// `constant` axis reads outside the input, `cval` what a `skip` axis leaves on the border.
///
/// # Errors
///
/// As [`super::run`]: [`KernelError::StencilRank`], [`KernelError::NeighborhoodTooWide`],
/// and [`KernelError::ShapeMismatch`] naming `out`.
///
/// # Panics
///
/// If `plan` is [`Evaluation::Direct`]: that is the stencil's own driver.
#[allow(clippy::too_many_arguments, reason = "the stencil call, spelled out")]
pub fn run<T, A, O, D, E, F, const N: usize>(
    x: ArrayView<'_, T, D>,
    operand: &Operand,
    pad: T,
    mut out: ArrayViewMut<'_, O, E>,
    modes: [Boundary; N],
    cval: O,
    plan: &Plan<A, N, F>,
    schedule: Schedule,
    cast: impl Fn(T) -> A + Sync + Clone,
    epilogue: impl Fn(A) -> O + Sync + Clone,
) -> Result<(), KernelError>
where
    T: Copy + Sync,
    A: SumElem,
    O: Copy + Send + Sync,
    D: Dimension,
    E: Dimension,
    F: Fold,
{
    assert!(
        plan.evaluation != Evaluation::Direct,
        "a direct plan runs through the stencil driver"
    );
    let footprint = plan.footprint;
    let expected = super::output_shape(&[(operand, x.shape())], &footprint, &modes)?;
    crate::operand::check_shape(Operand::output(0).named("out"), &expected, out.shape())?;
    if out.is_empty() {
        return Ok(());
    }
    let shape = x.shape();
    let loop_axes = shape.len() - N;
    let axis_plans: [AxisPlan; N] = std::array::from_fn(|a| {
        modes[a].plan(shape[loop_axes + a], footprint.lo[a], footprint.hi[a])
    });
    let last = &axis_plans[N - 1];
    let (lo, hi) = (footprint.lo[N - 1], footprint.hi[N - 1]);
    let out_len = last.out_len;
    let width = usize::try_from(hi - lo).expect("a footprint holds its centre");
    // Slot `t` of the row buffer holds input index `first + t` along the last axis.
    let first = last.center_offset as isize + lo;
    let ext: Vec<Option<usize>> = (0..out_len + width)
        .map(|t| last.mode.map_index(first + t as isize, last.len))
        .collect();
    let middle = (-first).max(0).unsigned_abs().min(ext.len())
        ..usize::try_from(last.len as isize - first)
            .unwrap_or(0)
            .min(ext.len());
    let middle = middle.start..middle.end.max(middle.start);
    let geometry = Geometry {
        loop_axes,
        lead_shape: (0..N - 1)
            .map(|a| (footprint.hi[a] - footprint.lo[a]).unsigned_abs() + 1)
            .collect(),
        in_strides: x.strides().to_vec(),
        out_strides: out.strides().to_vec(),
        out_shape: out.shape().to_vec(),
        middle_from: (first + middle.start as isize).max(0).unsigned_abs(),
        middle,
        ext,
        plans: axis_plans,
    };
    let rows = if N >= 2 {
        geometry.out_shape[loop_axes + N - 2]
    } else {
        1
    };
    let lines = out.len() / out_len;
    let planes = lines / rows;
    // Rows per task from the shape and the plan alone: running sums start afresh at each
    // task's first row, so results do not depend on how many threads share the work.
    let lead_rows = if N >= 2 {
        geometry.lead_shape[N - 2]
    } else {
        1
    };
    let per_unit = (4 * lead_rows).clamp(UNIT_ROWS, SEED).min(rows);
    let chunks = schedule.chunk_count(out.len());
    let units_per_plane = rows.div_ceil(per_unit);
    let input = Shared(x.as_ptr());
    let output = Shared(out.as_mut_ptr());
    let pad = cast(pad);
    let unit = |u: usize, scratch: &mut Scratch<A>| {
        let plane = u / units_per_plane;
        let start = (u % units_per_plane) * per_unit;
        let context = Context {
            g: &geometry,
            plan,
            input,
            output,
            pad,
            cval,
            cast: &cast,
            epilogue: &epilogue,
        };
        // SAFETY: the unit's rows are its own (`plane` and `start..` partition the lines),
        // and the geometry is the one of `x` and `out`.
        unsafe { context.rows(plane, start..(start + per_unit).min(rows), scratch) };
    };
    let units = planes * units_per_plane;
    let new_scratch = || Scratch {
        buffer: vec![A::default(); geometry.ext.len()],
        sums: vec![A::default(); out_len],
        prefix: vec![A::default(); geometry.ext.len() + 1],
        block: vec![A::default(); BLOCK],
        rows: Vec::new(),
    };
    if chunks <= 1 {
        let mut scratch = new_scratch();
        (0..units).for_each(|u| unit(u, &mut scratch));
    } else {
        (0..units)
            .into_par_iter()
            .for_each_init(new_scratch, |scratch, u| unit(u, scratch));
    }
    Ok(())
}

/// One call's view of everything a task needs.
struct Context<'c, T, A: SumElem, O, Cast, Epi, F, const N: usize> {
    g: &'c Geometry<N>,
    plan: &'c Plan<A, N, F>,
    input: Shared<*const T>,
    output: Shared<*mut O>,
    pad: A,
    cval: O,
    cast: &'c Cast,
    epilogue: &'c Epi,
}

/// Where one input row is: at an element offset from the input's start, or all pad.
#[derive(Clone, Copy, Debug)]
enum Source {
    Pad,
    At(isize),
}

impl<T, A, O, Cast, Epi, F, const N: usize> Context<'_, T, A, O, Cast, Epi, F, N>
where
    T: Copy,
    A: SumElem,
    F: Fold,
    O: Copy,
    Cast: Fn(T) -> A + Clone,
    Epi: Fn(A) -> O + Clone,
{
    /// Computes output rows `rows` (indices along axis `N - 2`) of plane `plane`.
    ///
    /// # Safety
    ///
    /// No other task may write these rows during the call.
    unsafe fn rows(&self, plane: usize, rows: Range<usize>, scratch: &mut Scratch<A>) {
        let g = self.g;
        let lead_axes = g.loop_axes + N - 1;
        // The output index of every leading axis; the row axis is set per row.
        let mut index = vec![0usize; lead_axes];
        let mut rest = plane;
        for axis in (0..lead_axes).rev() {
            if N >= 2 && axis == lead_axes - 1 {
                continue;
            }
            index[axis] = rest % g.out_shape[axis];
            rest /= g.out_shape[axis];
        }
        let plane_skipped =
            (0..N.saturating_sub(2)).any(|a| g.plans[a].skips(index[g.loop_axes + a]));
        let running = self.plan.evaluation == Evaluation::RunningSums && N >= 2;
        // The row the buffer holds the sums of, and the row its running sum started at.
        let mut held: Option<usize> = None;
        let mut seeded_at = 0;
        for row in rows {
            if N >= 2 {
                index[lead_axes - 1] = row;
            }
            let out_at: isize = (0..lead_axes)
                .map(|a| index[a] as isize * g.out_strides[a])
                .sum();
            if plane_skipped || (N >= 2 && g.plans[N - 2].skips(row)) {
                // SAFETY: the row is this task's (the caller's contract).
                unsafe { self.fill(out_at, 0..g.plans[N - 1].out_len) };
                held = None;
                continue;
            }
            let slides = running
                && held.is_some_and(|h| h + 1 == row)
                && (A::EXACT || row - seeded_at < SEED);
            if slides {
                self.slide(&mut index, row, scratch);
            } else {
                self.seed(&index, scratch);
                seeded_at = row;
            }
            held = Some(row);
            // SAFETY: as above.
            unsafe { self.along(out_at, scratch) };
        }
    }

    /// The input row at leading output `index` moved by `offset` on each leading stencil
    /// axis.
    fn source(&self, index: &[usize], offset: &[isize]) -> Source {
        let g = self.g;
        let mut at: isize = (0..g.loop_axes)
            .map(|a| index[a] as isize * g.in_strides[a])
            .sum();
        for (d, &k) in offset.iter().enumerate() {
            match g.plans[d].input_index(index[g.loop_axes + d], k) {
                Some(i) => at += i as isize * g.in_strides[g.loop_axes + d],
                None => return Source::Pad,
            }
        }
        Source::At(at)
    }

    /// The element at `i` along the input row at `at`, as a partial sum.
    #[inline(always)]
    fn load(&self, at: isize, i: usize) -> A {
        let step = self.g.in_strides[self.g.loop_axes + N - 1];
        // SAFETY: `at` addresses an input row (`source`) and `i` is an index along it
        // (`Geometry::ext`, `middle`), so the element is inside the input.
        let value = unsafe { *self.input.0.offset(at + i as isize * step) };
        (self.cast)(value)
    }

    /// `buffer = (keep ? buffer : 0) + Σ weight · row` over the row buffer, for the rows in
    /// `scratch.rows`, in blocks that stay in registers.
    fn gather(&self, scratch: &mut Scratch<A>, keep: bool) {
        let g = self.g;
        let Scratch { buffer, rows, .. } = scratch;
        // The slots past the row's ends, one at a time.
        self.gather_slots(buffer, rows, keep, 0..g.middle.start);
        self.gather_slots(buffer, rows, keep, g.middle.end..g.ext.len());
        let step = g.in_strides[g.loop_axes + N - 1];
        if step != 1 {
            self.gather_slots(buffer, rows, keep, g.middle.clone());
            return;
        }
        let mut t = g.middle.start;
        while t < g.middle.end {
            let len = GATHER_BLOCK.min(g.middle.end - t);
            let acc = &mut buffer[t..t + len];
            // Input index of slot `t`.
            let first = (g.middle_from + (t - g.middle.start)) as isize;
            // SAFETY: a run of an input row inside the input (`middle`).
            let run = |at: isize| unsafe {
                std::slice::from_raw_parts(self.input.0.offset(at + first), len)
            };
            // Up to eight rows of weight one from scratch, in one loop: each slot is read
            // and written once, not once per row.
            if !keep
                && rows
                    .iter()
                    .all(|r| matches!(r, (Source::At(_), Weight::One)))
            {
                let fused = match rows.len() {
                    1 => self.fold_rows::<1>(acc, rows, &run),
                    2 => self.fold_rows::<2>(acc, rows, &run),
                    3 => self.fold_rows::<3>(acc, rows, &run),
                    4 => self.fold_rows::<4>(acc, rows, &run),
                    5 => self.fold_rows::<5>(acc, rows, &run),
                    6 => self.fold_rows::<6>(acc, rows, &run),
                    7 => self.fold_rows::<7>(acc, rows, &run),
                    8 => self.fold_rows::<8>(acc, rows, &run),
                    _ => false,
                };
                if fused {
                    t += len;
                    continue;
                }
            }
            if !keep {
                acc.fill(F::identity());
            }
            // A running sum over rows alone (two dimensions): one row in, one out, in one
            // loop.
            if let [
                (Source::At(entering), Weight::One),
                (Source::At(leaving), Weight::MinusOne),
            ] = rows[..]
            {
                for ((a, &e), &l) in acc.iter_mut().zip(run(entering)).zip(run(leaving)) {
                    *a = a.plus((self.cast)(e)).minus((self.cast)(l));
                }
                t += len;
                continue;
            }
            for &(source, weight) in rows.iter() {
                let Source::At(at) = source else {
                    for a in acc.iter_mut() {
                        *a = weight.apply::<F>(*a, self.pad);
                    }
                    continue;
                };
                let run = run(at);
                match weight {
                    Weight::One => {
                        for (a, &v) in acc.iter_mut().zip(run) {
                            *a = F::combine(*a, (self.cast)(v));
                        }
                    }
                    Weight::MinusOne => {
                        for (a, &v) in acc.iter_mut().zip(run) {
                            *a = a.minus((self.cast)(v));
                        }
                    }
                    Weight::Of(w) => {
                        for (a, &v) in acc.iter_mut().zip(run) {
                            *a = a.plus(w.times((self.cast)(v)));
                        }
                    }
                }
            }
            t += len;
        }
    }

    /// `acc = fold(identity, row_0, .., row_R-1)` over the runs of `R` rows of weight one,
    /// in that order (the order of the sum the passes stand for); `false` (and nothing
    /// done) unless there are `R`.
    #[inline(always)]
    fn fold_rows<'r, const R: usize>(
        &self,
        acc: &mut [A],
        rows: &[(Source, Weight<A>)],
        run: &impl Fn(isize) -> &'r [T],
    ) -> bool
    where
        T: 'r,
    {
        let Ok(rows) = <&[(Source, Weight<A>); R]>::try_from(rows) else {
            return false;
        };
        let runs: [&[T]; R] = std::array::from_fn(|r| match rows[r].0 {
            Source::At(at) => &run(at)[..acc.len()],
            Source::Pad => unreachable!("only rows of the input are fused"),
        });
        // Whole chunks of a constant length, the last one overlapping the one before (the
        // same values again): no scalar tail.
        let n = acc.len();
        let mut t = 0;
        while t < n {
            if n - t < FOLD_CHUNK {
                if n < FOLD_CHUNK {
                    for (i, a) in acc.iter_mut().enumerate() {
                        *a = runs
                            .iter()
                            .fold(F::identity(), |s, run| F::combine(s, (self.cast)(run[i])));
                    }
                    break;
                }
                t = n - FOLD_CHUNK;
            }
            let chunk: &mut [A; FOLD_CHUNK] =
                (&mut acc[t..t + FOLD_CHUNK]).try_into().expect("a chunk");
            let taps: [&[T; FOLD_CHUNK]; R] =
                std::array::from_fn(|r| runs[r][t..t + FOLD_CHUNK].try_into().expect("a chunk"));
            for (i, a) in chunk.iter_mut().enumerate() {
                *a = taps
                    .iter()
                    .fold(F::identity(), |s, run| F::combine(s, (self.cast)(run[i])));
            }
            t += FOLD_CHUNK;
        }
        true
    }

    /// [`gather`](Self::gather) over `slots`, one at a time: the slots past the row's ends,
    /// and every slot of a row that is not contiguous.
    fn gather_slots(
        &self,
        buffer: &mut [A],
        rows: &[(Source, Weight<A>)],
        keep: bool,
        slots: Range<usize>,
    ) {
        let g = self.g;
        for t in slots {
            let mut acc = if keep { buffer[t] } else { F::identity() };
            for &(source, weight) in rows {
                let value = match (source, g.ext[t]) {
                    (Source::At(at), Some(i)) => self.load(at, i),
                    _ => self.pad,
                };
                acc = weight.apply::<F>(acc, value);
            }
            buffer[t] = acc;
        }
    }

    /// The leading-axes pass from scratch: the weighted sum of every input row the output
    /// row reads.
    fn seed(&self, index: &[usize], scratch: &mut Scratch<A>) {
        let g = self.g;
        let mut offset = [0isize; N];
        let offset = &mut offset[..N - 1];
        scratch.rows.clear();
        for (k, &w) in self.plan.lead.iter().enumerate() {
            if w == A::default() {
                continue;
            }
            let mut rest = k;
            for d in (0..N - 1).rev() {
                offset[d] = self.plan.footprint.lo[d] + (rest % g.lead_shape[d]) as isize;
                rest /= g.lead_shape[d];
            }
            let weight = if w == A::ONE {
                Weight::One
            } else {
                Weight::Of(w)
            };
            scratch.rows.push((self.source(index, offset), weight));
        }
        self.gather(scratch, false);
    }

    /// Moves a running sum over the leading axes from row `row - 1` to `row`: adds the
    /// input rows entering the window, subtracts those leaving it.
    fn slide(&self, index: &mut [usize], row: usize, scratch: &mut Scratch<A>) {
        let g = self.g;
        let fp = &self.plan.footprint;
        let row_axis = N - 2;
        let plane_shape = &g.lead_shape[..row_axis];
        let plane_size: usize = plane_shape.iter().product();
        let mut offset = [0isize; N];
        let offset = &mut offset[..N - 1];
        scratch.rows.clear();
        for k in 0..plane_size {
            let mut rest = k;
            for d in (0..row_axis).rev() {
                offset[d] = fp.lo[d] + (rest % plane_shape[d]) as isize;
                rest /= plane_shape[d];
            }
            offset[row_axis] = fp.hi[row_axis];
            scratch.rows.push((self.source(index, offset), Weight::One));
            offset[row_axis] = fp.lo[row_axis];
            index[g.loop_axes + row_axis] = row - 1;
            scratch
                .rows
                .push((self.source(index, offset), Weight::MinusOne));
            index[g.loop_axes + row_axis] = row;
        }
        self.gather(scratch, true);
    }

    /// The pass along the row and the epilogue: writes the output row at `at` from the row
    /// buffer, `cval` on a `skip` border.
    ///
    /// # Safety
    ///
    /// `at` must address an output row this task alone writes.
    unsafe fn along(&self, at: isize, scratch: &mut Scratch<A>) {
        let g = self.g;
        let plan = &g.plans[N - 1];
        let (start, end) = if plan.mode == Boundary::Skip {
            (plan.interior.start, plan.interior.end)
        } else {
            (0, plan.out_len)
        };
        // SAFETY: the border, this task's (the contract).
        unsafe {
            self.fill(at, 0..start);
            self.fill(at, end..plan.out_len);
        }
        let step = g.out_strides[g.out_strides.len() - 1];
        let scale = self.plan.scale;
        // A copy of the epilogue's parameters on this stack frame, which the stores to
        // the output cannot alias: the compiler keeps them in registers and the epilogue
        // on SIMD lanes.
        let epilogue = self.epilogue.clone();
        let value = |s: A| {
            if F::KIND == FoldKind::Sum {
                epilogue(s.times(scale))
            } else {
                epilogue(s)
            }
        };
        let Scratch {
            buffer,
            sums,
            prefix,
            block,
            ..
        } = scratch;
        let taps = self.plan.last.len();
        if self.plan.evaluation == Evaluation::RunningSums && taps > RUNNING_FROM {
            // Only the positions written: a `skip` border's slots may hold anything.
            if A::EXACT {
                prefix_along(buffer, prefix, &mut sums[start..end], start, taps);
            } else {
                running_along(buffer, &mut sums[start..end], start, taps, prefix);
            }
            if step == 1 {
                // SAFETY: a run of the task's row.
                let row = unsafe {
                    std::slice::from_raw_parts_mut(
                        self.output.0.offset(at + start as isize),
                        end - start,
                    )
                };
                for (out, &s) in row.iter_mut().zip(&sums[start..end]) {
                    *out = value(s);
                }
            } else {
                for (o, &s) in sums.iter().enumerate().take(end).skip(start) {
                    // SAFETY: an element of the task's row.
                    unsafe { *self.output.0.offset(at + o as isize * step) = value(s) };
                }
            }
            return;
        }
        let mut o = start;
        while o < end {
            // The last block ends at `end` and may overlap the one before, which it writes
            // again with the same values: every block is whole, none has a scalar tail.
            if end - o < BLOCK && end - start >= BLOCK {
                o = end - BLOCK;
            }
            let len = BLOCK.min(end - o);
            let acc = &mut block[..len];
            let window = &buffer[o..o + len + taps - 1];
            let weights = &self.plan.last;
            let done = along_few::<_, F>(window, weights, acc);
            if !done {
                acc.fill(F::identity());
            }
            for (m, &w) in self.plan.last.iter().enumerate().filter(|_| !done) {
                let run = &buffer[o + m..o + m + len];
                if w == A::ONE {
                    for (a, &v) in acc.iter_mut().zip(run) {
                        *a = F::combine(*a, v);
                    }
                } else if w != A::default() {
                    for (a, &v) in acc.iter_mut().zip(run) {
                        *a = a.plus(w.times(v));
                    }
                }
            }
            if step == 1 {
                // SAFETY: a run of the task's row.
                let row = unsafe {
                    std::slice::from_raw_parts_mut(self.output.0.offset(at + o as isize), len)
                };
                for (out, &a) in row.iter_mut().zip(acc.iter()) {
                    *out = value(a);
                }
            } else {
                for (k, &a) in acc.iter().enumerate() {
                    // SAFETY: an element of the task's row.
                    unsafe { *self.output.0.offset(at + (o + k) as isize * step) = value(a) };
                }
            }
            o += len;
        }
    }

    /// Sets `range` of the output row at `at` to `cval`.
    ///
    /// # Safety
    ///
    /// As [`along`](Self::along).
    unsafe fn fill(&self, at: isize, range: Range<usize>) {
        let step = self.g.out_strides[self.g.out_strides.len() - 1];
        for o in range {
            // SAFETY: an element of the task's row.
            unsafe { *self.output.0.offset(at + o as isize * step) = self.cval };
        }
    }
}

/// The fewest rows a task computes: enough that starting its running sums is a small part
/// of its work.
const UNIT_ROWS: usize = 32;

/// Positions per block of the pass along rows: its sums stay in L1 until the epilogue.
const BLOCK: usize = 256;

/// Positions summed at once with a few taps: a constant count, so the loop is whole SIMD
/// vectors (`BLOCK` is a multiple).
const CHUNK: usize = 32;

/// Positions per chunk where every tap of a chunk is folded in at once (rows of weight one,
/// maxima and minima along the row): one 512-bit vector of bytes, a few of wider types.
const FOLD_CHUNK: usize = 64;

/// Positions per block of the pass across rows: the partial sums of a block stay in L1
/// while every input row of the pass is added to them.
const GATHER_BLOCK: usize = 4096;

/// [`along_taps`] for the number of taps there are, if it is at most 16 (a constant count:
/// the sum of each output stays in a register); `false` and nothing done otherwise.
fn along_few<C: SumElem, F: Fold>(window: &[C], weights: &[C], acc: &mut [C]) -> bool {
    match weights.len() {
        1 => along_taps::<_, F, 1>(window, weights, acc),
        2 => along_taps::<_, F, 2>(window, weights, acc),
        3 => along_taps::<_, F, 3>(window, weights, acc),
        4 => along_taps::<_, F, 4>(window, weights, acc),
        5 => along_taps::<_, F, 5>(window, weights, acc),
        6 => along_taps::<_, F, 6>(window, weights, acc),
        7 => along_taps::<_, F, 7>(window, weights, acc),
        8 => along_taps::<_, F, 8>(window, weights, acc),
        9 => along_taps::<_, F, 9>(window, weights, acc),
        10 => along_taps::<_, F, 10>(window, weights, acc),
        11 => along_taps::<_, F, 11>(window, weights, acc),
        12 => along_taps::<_, F, 12>(window, weights, acc),
        13 => along_taps::<_, F, 13>(window, weights, acc),
        14 => along_taps::<_, F, 14>(window, weights, acc),
        15 => along_taps::<_, F, 15>(window, weights, acc),
        16 => along_taps::<_, F, 16>(window, weights, acc),
        _ => false,
    }
}

/// `acc[i] = Σ_m weights[m] · window[i + m]` for `K` taps, unrolled over the taps so that
/// the loop over `i` runs on SIMD lanes; `false` (and nothing done) unless there are `K`.
#[inline(always)]
fn along_taps<C: SumElem, F: Fold, const K: usize>(
    window: &[C],
    weights: &[C],
    acc: &mut [C],
) -> bool {
    let Ok(weights) = <&[C; K]>::try_from(weights) else {
        return false;
    };
    let n = acc.len();
    let ones = weights.iter().all(|&w| w == C::ONE);
    if F::KIND != FoldKind::Sum && ones {
        // A maximum or minimum of every tap: whole chunks of a constant length, each
        // position folding all `K` taps in registers (SIMD lanes across the chunk), the last
        // chunk overlapping the one before (the same values again). The sums' chunks below
        // would keep a chunk of bytes in scalar registers.
        let mut at = 0;
        while at < n {
            if n - at < FOLD_CHUNK {
                if n < FOLD_CHUNK {
                    for (i, a) in acc.iter_mut().enumerate() {
                        *a = window[i + 1..i + K]
                            .iter()
                            .fold(window[i], |s, &t| F::combine(s, t));
                    }
                    break;
                }
                at = n - FOLD_CHUNK;
            }
            let out: &mut [C; FOLD_CHUNK] =
                (&mut acc[at..at + FOLD_CHUNK]).try_into().expect("a chunk");
            let taps: [&[C; FOLD_CHUNK]; K] = std::array::from_fn(|m| {
                window[at + m..at + m + FOLD_CHUNK]
                    .try_into()
                    .expect("a chunk of the window")
            });
            for (j, o) in out.iter_mut().enumerate() {
                *o = taps[1..]
                    .iter()
                    .fold(taps[0][j], |s, t| F::combine(s, t[j]));
            }
            at += FOLD_CHUNK;
        }
        return true;
    }
    // The weight of a tap as a fold that is not a sum reads it: one, or zero (not read).
    let enter = |out: C, m: usize, tap: C| {
        if F::KIND == FoldKind::Sum {
            out.plus(weights[m].times(tap))
        } else if weights[m] == C::default() {
            out
        } else {
            F::combine(out, tap)
        }
    };
    // Whole chunks of a constant length, the taps unrolled: the sums stay in registers.
    let mut at = 0;
    while at + CHUNK <= n {
        let mut out = [F::identity::<C>(); CHUNK];
        for m in 0..K {
            let taps: &[C; CHUNK] = window[at + m..at + m + CHUNK]
                .try_into()
                .expect("a chunk of the window");
            if ones {
                for j in 0..CHUNK {
                    out[j] = F::combine(out[j], taps[j]);
                }
            } else {
                for j in 0..CHUNK {
                    out[j] = enter(out[j], m, taps[j]);
                }
            }
        }
        acc[at..at + CHUNK].copy_from_slice(&out);
        at += CHUNK;
    }
    for (i, a) in acc.iter_mut().enumerate().skip(at) {
        *a = (0..K).fold(F::identity(), |s, m| enter(s, m, window[i + m]));
    }
    true
}

/// How a row enters a sum.
#[derive(Clone, Copy)]
enum Weight<C> {
    One,
    MinusOne,
    Of(C),
}

impl<C: SumElem> Weight<C> {
    /// `acc` with `value` entered: `One` and `MinusOne` add and subtract in a sum, `One`
    /// takes the maximum or minimum of a fold that is not one.
    #[inline(always)]
    fn apply<F: Fold>(self, acc: C, value: C) -> C {
        match self {
            Weight::One => F::combine(acc, value),
            Weight::MinusOne => acc.minus(value),
            Weight::Of(w) => acc.plus(w.times(value)),
        }
    }
}

/// One task's buffers, reused from row to row.
struct Scratch<C> {
    /// The leading-axes sums of the row, over the input indices it reads.
    buffer: Vec<C>,
    /// The sums along the row, for running sums.
    sums: Vec<C>,
    /// Prefix sums of `buffer`, for exact running sums; the reads and sums of float ones.
    prefix: Vec<C>,
    /// The sums of one block of the row.
    block: Vec<C>,
    /// The input rows of the current pass, with their weights.
    rows: Vec<(Source, Weight<C>)>,
}

/// Up to this many taps along the row, a plain sum per output on SIMD lanes beats a
/// sliding one (a scalar add and subtract per output).
const RUNNING_FROM: usize = 16;

/// `sums[o] = Σ buffer[first + o..first + o + taps]` for exact sums: differences of one
/// prefix sum of the row, which wrapping arithmetic keeps exact however far it runs. The
/// prefix is one dependent addition per position (where sliding sums add and subtract),
/// and the differences are a loop on SIMD lanes.
fn prefix_along<C: SumElem>(
    buffer: &[C],
    prefix: &mut [C],
    sums: &mut [C],
    first: usize,
    taps: usize,
) {
    let n = sums.len();
    if n == 0 {
        return;
    }
    let reads = &buffer[first..first + n + taps - 1];
    let prefix = &mut prefix[..=reads.len()];
    let mut total = C::default();
    prefix[0] = total;
    for (p, &v) in prefix[1..].iter_mut().zip(reads) {
        total = total.plus(v);
        *p = total;
    }
    let (ends, starts) = (&prefix[taps..taps + n], &prefix[..n]);
    for ((sum, &end), &start) in sums.iter_mut().zip(ends).zip(starts) {
        *sum = end.minus(start);
    }
}

/// `sums[o] = Σ buffer[first + o..first + o + taps]` for floats, sliding: each run of
/// outputs starts from a full sum of its first window (so rounding drifts at most [`SEED`]
/// positions), and `W` runs of one length go side by side, `W` the lanes of one 512-bit
/// vector of `C` (16 of `f32`, 8 of `f64`).
///
/// Each run is one chain of dependent additions, `acc = (acc + entering) - leaving`, as a
/// running sum is. Side by side on SIMD lanes the `W` chains take one vector addition and
/// subtraction per step, where one at a time they take a scalar pair per output and wait
/// on each other's latency; a run's values lie along the row, so each block of `W` steps
/// of the `W` runs is transposed into lanes and its sums back (`transpose::square`). Where
/// the build has no AVX-512, the same chains run one lane at a time: the runs, and so every
/// sum, depend on the row's length alone, never on the build or the thread.
///
/// `work` is this function's own: the reads and the sums, each with room for the last
/// runs to pass the row's end (their sums there are dropped).
fn running_along<C: SumElem>(
    buffer: &[C],
    sums: &mut [C],
    first: usize,
    taps: usize,
    work: &mut Vec<C>,
) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    let lanes = !cfg!(debug_assertions) && crate::dispatch::transpose::plain::<C>();
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    let lanes = false;
    match chains::<C>() {
        16 => running_chains::<C, 16>(buffer, sums, first, taps, work, lanes),
        _ => running_chains::<C, 8>(buffer, sums, first, taps, work, lanes),
    }
}

/// How many runs of a float running sum go side by side: one 512-bit vector of `C`.
const fn chains<C>() -> usize {
    if size_of::<C>() == 4 { 16 } else { 8 }
}

/// [`running_along`] with `W` runs side by side, on SIMD lanes if `lanes` (AVX-512, `C`
/// [`plain`](crate::dispatch::transpose::plain) of `64 / W` bytes).
fn running_chains<C: SumElem, const W: usize>(
    buffer: &[C],
    sums: &mut [C],
    first: usize,
    taps: usize,
    work: &mut Vec<C>,
    lanes: bool,
) {
    let n = sums.len();
    if n == 0 {
        return;
    }
    // A group of `W` runs of `run` positions, `run` a multiple of `W`, passes the row's end
    // by less than `W * W` positions.
    let slack = W * W;
    let reads = n + taps - 1;
    work.clear();
    work.extend_from_slice(&buffer[first..first + reads]);
    // The reads past the end, up to the last group's last step's entering value (within
    // the slack), feed only sums that are dropped.
    work.resize(reads + slack, C::default());
    let split = work.len();
    work.resize(split + n + slack, C::default());
    let (input, output) = work.split_at_mut(split);
    let mut start = 0;
    while start < n {
        let run = (n - start).div_ceil(W).next_multiple_of(W).min(SEED);
        // Each run's first window summed in order, the runs side by side so that their
        // additions overlap.
        let mut acc = [C::default(); W];
        for t in 0..taps {
            for (c, acc) in acc.iter_mut().enumerate() {
                *acc = acc.plus(input[start + c * run + t]);
            }
        }
        let group = start..start + W * run;
        #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
        if lanes {
            // `square` transposes blocks of one vector's lanes of `C`: `W` of them.
            assert_eq!(W * size_of::<C>(), 64, "runs side by side fill one vector");
            for step in (0..run).step_by(W) {
                let at = start + step;
                let mut entering = [[C::default(); W]; W];
                let mut leaving = [[C::default(); W]; W];
                let mut out = [[C::default(); W]; W];
                // SAFETY: `C` is plain with `W` of it in a vector (the caller's `lanes`);
                // `run` and `W` are multiples of `W`; the source rows, `W` runs `run`
                // apart from `at` (`+ taps`), end within `input` (its slack), and the
                // destination rows within `output`; the blocks are this frame's.
                unsafe {
                    use crate::dispatch::transpose::square;
                    let from = input.as_ptr();
                    square(
                        from.add(at + taps),
                        run,
                        entering.as_mut_ptr().cast::<C>(),
                        W,
                    );
                    square(from.add(at), run, leaving.as_mut_ptr().cast::<C>(), W);
                    for i in 0..W {
                        out[i] = acc;
                        for c in 0..W {
                            acc[c] = acc[c].plus(entering[i][c]).minus(leaving[i][c]);
                        }
                    }
                    square(
                        out.as_ptr().cast::<C>(),
                        W,
                        output.as_mut_ptr().add(at),
                        run,
                    );
                }
            }
            start = group.end;
            continue;
        }
        let _ = lanes;
        for i in 0..run {
            for (c, acc) in acc.iter_mut().enumerate() {
                let o = start + c * run + i;
                output[o] = *acc;
                *acc = acc.plus(input[o + taps]).minus(input[o]);
            }
        }
        start = group.end;
    }
    sums.copy_from_slice(&output[..n]);
}

thread_local! {
    static DIRECT_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every linear stencil called on this thread evaluated directly, tap by
/// tap, as if its body were not recognised: for tests and benchmarks that compare the two.
///
/// # Examples
///
/// ```
/// use kernel_runtime::stencil::linear::{direct_only, is_direct_only};
///
/// assert!(!is_direct_only());
/// direct_only(|| assert!(is_direct_only()));
/// ```
pub fn direct_only<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            DIRECT_ONLY.set(self.0);
        }
    }
    let _restore = Restore(DIRECT_ONLY.replace(true));
    f()
}

/// Whether linear stencils called on this thread now run directly (inside [`direct_only`]).
pub fn is_direct_only() -> bool {
    DIRECT_ONLY.get()
}

/// The passes to run a linear stencil with `weights` by, or `None` for the direct path:
/// what `#[stencil]` calls once per call of a linear kernel.
pub fn passes<A: SumElem, F: Fold, const N: usize>(
    weights: Option<Weights<A, N, F>>,
    reassociate: bool,
) -> Option<Plan<A, N, F>> {
    if is_direct_only() {
        return None;
    }
    let plan = weights?.plan(reassociate);
    (plan.evaluation != Evaluation::Direct).then_some(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct values of mixed magnitude, so that another order of additions shows in
    /// the last bits.
    fn values<C: SumElem>(len: usize) -> Vec<C> {
        (0..len)
            .map(|k| {
                let x = ((k * 7919 + 13) % 1009) as f64 / 1009.0;
                C::from_f64(if k % 5 == 0 { x * 1000.0 } else { x - 0.3 })
            })
            .collect()
    }

    /// The float running sums on SIMD lanes (where the build has them) against the same
    /// chains one lane at a time, bit for bit, and against sums from scratch within the
    /// documented bound: row lengths around the groups' sizes, windows below and past a
    /// group's width, and a start inside the buffer.
    fn lanes_equal_one_lane_at_a_time<C: SumElem, const W: usize>(lanes: bool) {
        for n in [
            1,
            2,
            W - 1,
            W,
            W + 1,
            W * W - 1,
            W * W,
            W * W + 5,
            3 * SEED + 77,
            4100,
        ] {
            for taps in [1, 2, 17, 31, 101] {
                let first = 3;
                let buffer = values::<C>(first + n + taps - 1);
                let (mut fast, mut slow) = (vec![C::default(); n], vec![C::default(); n]);
                let mut work = Vec::new();
                running_chains::<C, W>(&buffer, &mut fast, first, taps, &mut work, lanes);
                running_chains::<C, W>(&buffer, &mut slow, first, taps, &mut work, false);
                let bits = |v: &[C]| v.iter().map(|x| x.approx().to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&slow), "{n} outputs, {taps} taps");
                let u = if size_of::<C>() == 4 {
                    f64::from(f32::EPSILON)
                } else {
                    f64::EPSILON
                } / 2.0;
                for (o, &got) in fast.iter().enumerate() {
                    let window = &buffer[first + o..first + o + taps];
                    let exact: f64 = window.iter().map(|v| v.approx()).sum();
                    let m = window
                        .iter()
                        .map(|v| v.approx().abs())
                        .sum::<f64>()
                        .max(1000.0 * taps as f64);
                    let bound = (taps as f64 + 2.0 * SEED as f64 + 2.0) * u * m;
                    assert!(
                        (got.approx() - exact).abs() <= bound,
                        "{n} outputs, {taps} taps, output {o}: {} against {exact}",
                        got.approx()
                    );
                }
            }
        }
    }

    #[test]
    fn float_running_sums_on_lanes_equal_the_chains_one_at_a_time() {
        let lanes = cfg!(all(target_arch = "x86_64", target_feature = "avx512f"));
        // On a thread of its own: unoptimised, the transposes' unrolled shuffles keep every
        // vector in a stack slot.
        std::thread::Builder::new()
            .stack_size(1 << 26)
            .spawn(move || {
                lanes_equal_one_lane_at_a_time::<f32, 16>(lanes);
                lanes_equal_one_lane_at_a_time::<f64, 8>(lanes);
            })
            .expect("a test thread")
            .join()
            .expect("no panic");
    }
}
