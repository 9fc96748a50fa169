//! Reductions with a binary kernel, as NumPy's `ufunc.reduce`: `#[vectorize(identity = ..)]`
//! generates `name_reduce` (one axis) and `name_reduce_all` on top of these.
//!
//! # Order of combination
//!
//! Floating-point addition is not associative, so the order is part of the result. It is
//! fixed by the array's layout, never by the number of threads, so a parallel reduction
//! returns the same bits as a serial one:
//!
//! * **A contiguous run** (a whole C- or F-contiguous array for `reduce_all`, or a lane of
//!   the reduced axis with stride 1) is cut into blocks of [`BLOCK`] elements. Inside a
//!   block, four 256-bit vectors of partial results (`LANES = 32 / size_of::<T>()` lanes
//!   each, whatever width the build runs lanes at) take consecutive vectors in turn
//!   (elements `i` with `i / LANES % 4 == k` go to vector `k`), start from the identity,
//!   and are combined as `(v0 ∘ v1) ∘ (v2 ∘ v3)`; its lanes are then combined left to
//!   right, then the block's last `len % (4 * LANES)`... elements one at a time, in order.
//!   Kernels without lanes fold each block left to right. Block results are combined left
//!   to right, starting from the identity.
//! * **A strided run** is folded left to right from the identity.
//! * **Reducing an outer axis** (one whose stride is not the smallest) folds left to right
//!   along it for every output element at once: `out = identity; out = out ∘ x[i]` for each
//!   `i` in order, exactly NumPy's order for such an axis.
//!
//! The identity must really be one (`0` for `+`, `-∞` for `max`): it starts every block.

use ndarray::{Array, ArrayView, ArrayView1, Axis, Dimension, RemoveAxis, Zip};
use rayon::prelude::*;

use crate::dispatch::{Schedule, zip_rows};
use crate::error::KernelError;
use crate::lanes::{Dst, SimdElement, Src};

/// Elements per block of a contiguous reduction: the unit of parallel work, and the
/// unit whose partial results are combined in a fixed order.
pub const BLOCK: usize = 1 << 14;

/// The width, in bytes, of the lane vectors whose order a contiguous run is reduced in: 256
/// bits, the lanes of a default and an AVX2 build.
const ORDER_BYTES: usize = 32;

/// How a reduction combines two values: the kernel on scalars, and on lanes if it has
/// them.
pub trait Combiner<T>: Sync {
    /// `a ∘ b`.
    fn scalar(&self, a: T, b: T) -> T;
    /// `acc ∘ run[0] ∘ run[1] ∘ ...`, in the block order described in the module docs.
    fn fold_contiguous(&self, acc: T, identity: T, run: &[T]) -> T;
    /// `acc[i] = acc[i] ∘ x[i]` for every `i`.
    fn accumulate(&self, acc: Dst<'_, T>, x: Src<'_, T>, len: usize);
}

/// A combiner with no lanes: the kernel's scalar function.
#[derive(Clone, Copy, Debug)]
pub struct Scalar<F>(pub F);

impl<T: Copy, F: Fn(T, T) -> T + Sync> Combiner<T> for Scalar<F> {
    #[inline]
    fn scalar(&self, a: T, b: T) -> T {
        (self.0)(a, b)
    }

    fn fold_contiguous(&self, acc: T, _identity: T, run: &[T]) -> T {
        run.iter().fold(acc, |a, &b| (self.0)(a, b))
    }

    fn accumulate(&self, mut acc: Dst<'_, T>, x: Src<'_, T>, len: usize) {
        for i in 0..len {
            let a = match &acc {
                Dst::Slice(s) => s[i],
                Dst::Strided(v) => v[i],
            };
            acc.set(i, (self.0)(a, x.get(i)));
        }
    }
}

/// A combiner with a lane version of the kernel. Every combination runs on lanes, single
/// pairs included (splatted, lane 0 kept), so that a reduction follows the same rule as
/// the kernel's elementwise form wherever lanes and the scalar body disagree.
#[derive(Clone, Copy, Debug)]
pub struct Lanes<L> {
    /// The kernel on lane vectors.
    pub lanes: L,
}

impl<T, L> Combiner<T> for Lanes<L>
where
    T: SimdElement,
    L: Fn(T::Lanes, T::Lanes) -> T::Lanes + Sync,
{
    #[inline]
    fn scalar(&self, a: T, b: T) -> T {
        let mut first = a;
        T::scatter((self.lanes)(T::splat(a), T::splat(b)), 1, |_, value| {
            first = value;
        });
        first
    }

    fn fold_contiguous(&self, acc: T, identity: T, run: &[T]) -> T {
        let f = &self.lanes;
        // The order is that of four 256-bit vectors (`ORDER_BYTES`), whatever width the
        // build runs lanes at: a 512-bit vector holds two of them side by side, combined
        // with the same lane-wise operations, so a default and an AVX-512 build agree.
        let logical = ORDER_BYTES / size_of::<T>();
        let step = 4 * logical;
        assert!(
            step.is_multiple_of(T::LANES) && step / T::LANES <= 4,
            "lanes of {} elements do not tile four vectors of {logical}",
            T::LANES
        );
        let vectors = step / T::LANES;
        let whole = run.len() / step * step;
        let mut v = [T::splat(identity); 4];
        for block in run[..whole].chunks_exact(step) {
            for (k, part) in v[..vectors].iter_mut().enumerate() {
                *part = f(*part, T::load(&block[k * T::LANES..]));
            }
        }
        // The four logical vectors one after another, then `(v0 ∘ v1) ∘ (v2 ∘ v3)` lane by
        // lane, each lane folded into `acc` left to right.
        let mut parts = [identity; 4 * ORDER_BYTES];
        for (k, part) in v[..vectors].iter().enumerate() {
            T::store(*part, &mut parts[k * T::LANES..]);
        }
        let logical_vector = |k: usize| &parts[k * logical..(k + 1) * logical];
        let (v0, v1, v2, v3) = (
            logical_vector(0),
            logical_vector(1),
            logical_vector(2),
            logical_vector(3),
        );
        let folded = (0..logical).fold(acc, |a, j| {
            let lane = self.scalar(self.scalar(v0[j], v1[j]), self.scalar(v2[j], v3[j]));
            self.scalar(a, lane)
        });
        run[whole..].iter().fold(folded, |a, &b| self.scalar(a, b))
    }

    fn accumulate(&self, acc: Dst<'_, T>, x: Src<'_, T>, len: usize) {
        match (acc, x) {
            (Dst::Slice(acc), Src::Slice(x)) => {
                let (acc, x) = (&mut acc[..len], &x[..len]);
                let whole = len / T::LANES * T::LANES;
                for i in (0..whole).step_by(T::LANES) {
                    let sum = (self.lanes)(T::load(&acc[i..]), T::load(&x[i..]));
                    T::store(sum, &mut acc[i..]);
                }
                for i in whole..len {
                    acc[i] = self.scalar(acc[i], x[i]);
                }
            }
            (acc, x) => Scalar(|a, b| self.scalar(a, b)).accumulate(acc, x, len),
        }
    }
}

/// Reduces every element of `view` with `combiner`, in the order of the module docs.
pub fn reduce_all<T, D, C>(
    view: ArrayView<'_, T, D>,
    identity: T,
    combiner: C,
    schedule: Schedule,
) -> T
where
    T: Copy + Send + Sync + 'static,
    D: Dimension,
    C: Combiner<T>,
{
    if let Some(run) = view.as_slice_memory_order() {
        return reduce_contiguous(run, identity, &combiner, schedule);
    }
    // Not contiguous, so not 0-d: there is a last axis.
    let flat = view.into_dyn();
    let last = Axis(flat.ndim() - 1);
    flat.lanes(last).into_iter().fold(identity, |acc, lane| {
        fold_lane(&combiner, acc, identity, lane, schedule)
    })
}

fn reduce_contiguous<T, C>(run: &[T], identity: T, combiner: &C, schedule: Schedule) -> T
where
    T: Copy + Send + Sync,
    C: Combiner<T>,
{
    let block = |chunk: &[T]| combiner.fold_contiguous(identity, identity, chunk);
    let partials: Vec<T> = if schedule.chunk_count(run.len()) > 1 {
        run.par_chunks(BLOCK).map(block).collect()
    } else {
        run.chunks(BLOCK).map(block).collect()
    };
    partials
        .into_iter()
        .fold(identity, |a, b| combiner.scalar(a, b))
}

fn fold_lane<T, C>(
    combiner: &C,
    acc: T,
    identity: T,
    lane: ArrayView1<'_, T>,
    schedule: Schedule,
) -> T
where
    T: Copy + Send + Sync,
    C: Combiner<T>,
{
    match lane.as_slice() {
        Some(run) => combiner.scalar(acc, reduce_contiguous(run, identity, combiner, schedule)),
        None => lane.iter().fold(acc, |a, &b| combiner.scalar(a, b)),
    }
}

/// Reduces `view` along `axis` with `combiner`, in the order of the module docs.
///
/// # Errors
///
/// [`KernelError::AxisOutOfBounds`] if `view` has no axis `axis`.
pub fn reduce_axis<T, D, C>(
    view: ArrayView<'_, T, D>,
    axis: Axis,
    identity: T,
    combiner: C,
    schedule: Schedule,
) -> Result<Array<T, D::Smaller>, KernelError>
where
    T: Copy + Send + Sync + 'static,
    D: RemoveAxis,
    C: Combiner<T>,
{
    if axis.index() >= view.ndim() {
        return Err(KernelError::AxisOutOfBounds {
            axis: axis.index(),
            ndim: view.ndim(),
        });
    }
    let mut out = Array::from_elem(view.raw_dim().remove_axis(axis), identity);
    let len = view.len_of(axis);
    if len == 0 || out.is_empty() {
        return Ok(out);
    }
    let stride = view.stride_of(axis).unsigned_abs();
    let innermost = view
        .shape()
        .iter()
        .zip(view.strides())
        .all(|(&n, &s)| n <= 1 || s.unsigned_abs() >= stride);
    if innermost || out.len() < 64 {
        // Each output element folds one lane of the reduced axis.
        let work = out.len() * len;
        let zip = Zip::from(&mut out).and(view.lanes(axis));
        let lane = |o: &mut T, lane: ArrayView1<'_, T>| {
            *o = fold_lane(&combiner, identity, identity, lane, Schedule::SERIAL);
        };
        if schedule.chunk_count(work) > 1 {
            zip.par_for_each(lane);
        } else {
            zip.for_each(lane);
        }
    } else {
        // Fold whole sub-arrays into the output, one index of the axis after another.
        for x in view.axis_iter(axis) {
            zip_rows((x,), (out.view_mut(),), schedule, |(x,), (acc,)| {
                let len = acc.len();
                combiner.accumulate(Dst::new(acc), Src::new(x), len);
            })?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2, Array3, s};

    use super::*;

    type F64s = <f64 as crate::lanes::SimdElement>::Lanes;
    type AddLanes = Lanes<fn(F64s, F64s) -> F64s>;

    fn add_lanes() -> AddLanes {
        Lanes {
            lanes: |a, b| a + b,
        }
    }

    const TINY: Schedule = Schedule {
        grain: 1,
        parallel: true,
    };

    #[test]
    fn integer_sums_match_the_naive_sum_in_every_layout() {
        let a = Array3::from_shape_fn((3, 5, 70), |(i, j, k)| (i * 1000 + j * 70 + k) as i64);
        let sum = Scalar(|x: i64, y: i64| x + y);
        for schedule in [Schedule::SERIAL, TINY] {
            assert_eq!(reduce_all(a.view(), 0, sum, schedule), a.sum());
            assert_eq!(reduce_all(a.t(), 0, sum, schedule), a.sum());
            for axis in 0..3 {
                let got = reduce_axis(a.view(), Axis(axis), 0, sum, schedule).unwrap();
                assert_eq!(got, a.sum_axis(Axis(axis)));
                let got =
                    reduce_axis(a.slice(s![.., ..;-2, 1..]), Axis(axis), 0, sum, schedule).unwrap();
                assert_eq!(got, a.slice(s![.., ..;-2, 1..]).sum_axis(Axis(axis)));
            }
        }
    }

    #[test]
    fn float_sums_are_identical_serial_and_parallel() {
        let a = Array1::from_shape_fn(100_003, |i| ((i * 7919) % 1000) as f64 * 0.001 + 0.1);
        let serial = reduce_all(a.view(), 0.0, add_lanes(), Schedule::SERIAL);
        let parallel = reduce_all(a.view(), 0.0, add_lanes(), TINY);
        assert_eq!(serial.to_bits(), parallel.to_bits());
        assert!((serial - a.sum()).abs() < 1e-9 * serial);
    }

    #[test]
    fn outer_axis_reduction_is_the_naive_left_fold() {
        let a = Array2::from_shape_fn((50, 300), |(i, j)| 1.0 / (1.0 + (i * 300 + j) as f64));
        let got = reduce_axis(a.view(), Axis(0), 0.0, add_lanes(), TINY).unwrap();
        for j in 0..300 {
            let naive = (0..50).fold(0.0, |acc, i| acc + a[[i, j]]);
            assert_eq!(got[j].to_bits(), naive.to_bits());
        }
    }

    #[test]
    fn empty_axes_give_the_identity_and_bad_axes_an_error() {
        let a = Array2::<f64>::zeros((0, 3));
        let max = Scalar(f64::max);
        let got = reduce_axis(a.view(), Axis(0), f64::NEG_INFINITY, max, TINY).unwrap();
        assert_eq!(got, Array1::from_elem(3, f64::NEG_INFINITY));
        assert!(reduce_all(a.view(), f64::NEG_INFINITY, max, TINY).is_infinite());
        let error = reduce_axis(a.view(), Axis(2), 0.0, max, TINY).unwrap_err();
        assert_eq!(
            error.to_string(),
            "axis 2 is out of bounds for an array with 2 axes"
        );
    }

    /// The documented order, written out with four accumulators of four `f64` lanes (256
    /// bits), as an independent reference for every build's lane width.
    fn documented_f64_sum(run: &[f64]) -> f64 {
        run.chunks(BLOCK)
            .map(|block| {
                let whole = block.len() / 16 * 16;
                let mut v = [[0.0f64; 4]; 4];
                for (i, &x) in block[..whole].iter().enumerate() {
                    let (k, lane) = (i / 4 % 4, i % 4);
                    v[k][lane] += x;
                }
                let lanes = (0..4).fold(0.0, |acc, j| {
                    acc + ((v[0][j] + v[1][j]) + (v[2][j] + v[3][j]))
                });
                block[whole..].iter().fold(lanes, |acc, &x| acc + x)
            })
            .fold(0.0, |acc, b| acc + b)
    }

    #[test]
    fn float_sums_follow_the_256_bit_order_at_any_lanes_width() {
        // Values whose sum depends on the order: magnitudes 1e-8 to 1e8.
        for len in [0, 1, 15, 16, 17, 100, 1000, BLOCK - 3, 2 * BLOCK + 37] {
            let run: Vec<f64> = (0..len)
                .map(|i| {
                    let i = i as f64;
                    (i * 0.618_033_988_7).fract() * 10f64.powi((i as i32 * 7) % 17 - 8)
                })
                .collect();
            let got = reduce_all(
                ndarray::ArrayView1::from(&run),
                0.0,
                add_lanes(),
                Schedule::SERIAL,
            );
            assert_eq!(
                got.to_bits(),
                documented_f64_sum(&run).to_bits(),
                "length {len}"
            );
        }
    }
}
