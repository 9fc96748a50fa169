//! The stencil driver: evaluates a relative-index kernel at every output position, with
//! unchecked reads in the interior and boundary-mode reads at the border.
//!
//! A `#[stencil]` kernel body reads neighbours as `x[[di, dj]]`. The generated code makes
//! the user's function generic over how each relatively indexed input reads, and this
//! module supplies two readers:
//!
//! * [`Interior`]: the whole neighbourhood is in bounds, so a read is one load at a fixed
//!   offset from the centre. The offsets are constants after inlining, the bounds check
//!   against the footprint folds away, and the row loop is plain enough for the compiler
//!   to vectorise.
//! * [`Border`]: each coordinate goes through its axis's [`Boundary`] mode; positions that
//!   map outside read the input's pad value.
//!
//! The inputs ([`Sources`]: one to six arrays of one shape) are walked together: the last
//! `N` axes are the stencil's, any leading axes are loop axes (a stack of images), handled
//! like rows. Work is split over output rows by [`for_each_row_mut`], so a single image
//! uses every core as a stack does; halos are read from the shared inputs and nothing is
//! copied. A row runs along the stencil axis every input steps through one element at a
//! time ([`Sources::row_axis`]): the last in C order, the first in F order or for a
//! transposed view, so that either is one unit-stride loop.

mod footprint;
mod readers;
mod sources;

pub use footprint::Footprint;
pub use readers::{Border, BorderAt, Interior, InteriorAt, Place, Reader, Rel, RowOf, step};
pub use sources::{Source, Sources};

use ndarray::{ArrayViewMut, Dimension};

use crate::boundary::{AxisPlan, Boundary};
use crate::dispatch::{Schedule, for_each_row_mut};
use crate::error::{KernelError, Operand};
use readers::sealed::Token;
use readers::step::{STRIDED, UNIT_FIRST, UNIT_LAST};

/// A stencil kernel over `N` axes reading the inputs `S`; the generated code implements
/// it by calling the user's function with one reader per input.
pub trait Kernel<S: Sources<N>, const N: usize>: Sync {
    /// The output element type.
    type Out;
    /// The offsets the kernel reads. A constant for kernels whose offsets the macro saw:
    /// inlined into the row loop, it lets the compiler drop every read's check.
    fn footprint(&self) -> Footprint<N>;
    /// Evaluates the kernel at `place`, reading each input through its share of `row`.
    fn eval<P: Place<N>>(&self, row: &S::Row, place: P) -> Self::Out;
}

/// The output shape of a stencil with `footprint` and `modes` over `inputs`, each named by
/// its operand: loop axes unchanged, `valid` axes shrunk.
///
/// # Errors
///
/// [`KernelError::StencilRank`] if an input has fewer axes than the stencil;
/// [`KernelError::StencilShapes`] if an input's shape differs from the first's.
pub fn output_shape<const N: usize>(
    inputs: &[(&Operand, &[usize])],
    footprint: &Footprint<N>,
    modes: &[Boundary; N],
) -> Result<Vec<usize>, KernelError> {
    let Some(&(first, shape)) = inputs.first() else {
        unreachable!("a stencil reads at least one input")
    };
    for &(operand, found) in inputs {
        if found.len() < N {
            return Err(KernelError::StencilRank {
                operand: operand.clone(),
                ndim: found.len(),
                rank: N,
            });
        }
        if found != shape {
            let axis = found
                .iter()
                .zip(shape)
                .position(|(a, b)| a != b)
                .unwrap_or(found.len().min(shape.len()));
            return Err(KernelError::StencilShapes {
                operand: operand.clone(),
                shape: found.to_vec(),
                other: first.clone(),
                other_shape: shape.to_vec(),
                axis,
            });
        }
    }
    let loop_axes = shape.len() - N;
    let mut out = shape.to_vec();
    for axis in 0..N {
        let len = shape[loop_axes + axis];
        out[loop_axes + axis] = modes[axis].output_len(len, footprint.lo[axis], footprint.hi[axis]);
    }
    Ok(out)
}

/// Runs `kernel` at every position of `out`, reading `sources` within the kernel's
/// [`footprint`](Kernel::footprint).
///
/// The last `N` axes are the stencil's, leading axes are loop axes shared by the inputs
/// and the output. `skip` axes leave `cval` at the border.
///
/// # Errors
///
/// As [`output_shape`], and [`KernelError::ShapeMismatch`] naming `out` if its shape is
/// not the stencil's output shape.
pub fn run<S, O, E, K, const N: usize>(
    sources: &S,
    mut out: ArrayViewMut<'_, O, E>,
    modes: [Boundary; N],
    cval: O,
    schedule: Schedule,
    kernel: &K,
) -> Result<(), KernelError>
where
    S: Sources<N>,
    O: Copy + Send + Sync,
    E: Dimension,
    K: Kernel<S, N, Out = O>,
{
    let footprint = &kernel.footprint();
    let expected = sources.output_shape(footprint, &modes)?;
    crate::operand::check_shape(Operand::output(0).named("out"), &expected, out.shape())?;
    if out.is_empty() {
        return Ok(());
    }
    let shape = sources.shape();
    let loop_axes = shape.len() - N;
    let plans: [AxisPlan; N] = std::array::from_fn(|axis| {
        modes[axis].plan(
            shape[loop_axes + axis],
            footprint.lo[axis],
            footprint.hi[axis],
        )
    });
    let (row_axis, unit) = sources.row_axis();
    let schedule = schedule.with_cost(footprint.size());
    // Rows run along `row_axis`, which the driver walks as its last axis; the other
    // stencil axes keep their order.
    let outer: Vec<usize> = (0..N).filter(|&axis| axis != row_axis).collect();
    let mut walk: Vec<usize> = (0..shape.len()).collect();
    walk.remove(loop_axes + row_axis);
    walk.push(loop_axes + row_axis);
    let walked = out.view_mut().into_dyn().permuted_axes(walk);
    for_each_row_mut(walked, schedule, |index, start, mut row| {
        // The centre on every stencil axis but the row's.
        let mut center = [0usize; N];
        let mut row_interior = true;
        for (&axis, &o) in outer.iter().zip(&index[loop_axes..]) {
            if plans[axis].skips(o) {
                row.fill(cval);
                return;
            }
            center[axis] = plans[axis].center(o);
            row_interior &= plans[axis].is_interior(o);
        }
        let plan = &plans[row_axis];
        let end = start + row.len();
        let (lo, hi) = if row_interior {
            (
                plan.interior.start.clamp(start, end),
                plan.interior.end.clamp(start, end),
            )
        } else {
            (end, end)
        };
        // Centred on the first interior position (or anywhere, when there is none).
        center[row_axis] = if lo < hi { plan.center(lo) } else { 0 };
        let rows = sources.row(Token(()), &index[..loop_axes], &center);
        let border = |o: usize| -> O {
            if plan.skips(o) {
                return cval;
            }
            let mut at = center;
            at[row_axis] = plan.center(o);
            kernel.eval(
                &rows,
                BorderAt {
                    center: at,
                    plans: &plans,
                    footprint,
                },
            )
        };
        for o in start..lo {
            row[o - start] = border(o);
        }
        if lo < hi {
            let (from, to) = (lo - start, hi - start);
            match row.as_slice_mut() {
                Some(slice) if unit && row_axis == N - 1 => {
                    let slice = &mut slice[from..to];
                    interior_row::<S, O, K, N, UNIT_LAST>(slice, rows, row_axis, footprint, kernel);
                }
                Some(slice) if unit && row_axis == 0 => {
                    let slice = &mut slice[from..to];
                    interior_row::<S, O, K, N, UNIT_FIRST>(
                        slice, rows, row_axis, footprint, kernel,
                    );
                }
                _ => {
                    let mut interior = row.slice_mut(ndarray::s![from..to]);
                    for (k, o) in interior.iter_mut().enumerate() {
                        let at = InteriorAt::<N, STRIDED> {
                            k,
                            row_axis,
                            footprint,
                        };
                        *o = kernel.eval(&rows, at);
                    }
                }
            }
        }
        for o in hi.max(lo)..end {
            row[o - start] = border(o);
        }
    });
    Ok(())
}

/// Evaluates `kernel` along one contiguous interior run on `row_axis`: `out[k]` is
/// centred `k` elements after each input's first interior position. A function of its own so that `out` is a
/// `noalias` argument: the compiler may then vectorise the loop, loads of the inputs and
/// stores of the output interleaved.
///
/// On `x86_64` the loop is compiled twice, for the build's target and for AVX2, and the
/// CPU picks at run time: a default build (SSE2 only) runs 256-bit lanes where the machine
/// has them, as `-C target-cpu=native` would. Both copies evaluate the same expressions in
/// the same order (no contraction into FMA happens without fast-math), so they agree
/// bit for bit.
#[inline(never)]
fn interior_row<S, O, K, const N: usize, const STEP: u8>(
    out: &mut [O],
    rows: S::Row,
    row_axis: usize,
    footprint: &Footprint<N>,
    kernel: &K,
) where
    S: Sources<N>,
    K: Kernel<S, N, Out = O>,
{
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just found to support AVX2, the only feature enabled.
        unsafe { interior_row_avx2::<S, O, K, N, STEP>(out, rows, row_axis, footprint, kernel) };
        return;
    }
    interior_row_body::<S, O, K, N, STEP>(out, rows, row_axis, footprint, kernel);
}

/// [`interior_row_body`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn interior_row_avx2<S, O, K, const N: usize, const STEP: u8>(
    out: &mut [O],
    rows: S::Row,
    row_axis: usize,
    footprint: &Footprint<N>,
    kernel: &K,
) where
    S: Sources<N>,
    K: Kernel<S, N, Out = O>,
{
    interior_row_body::<S, O, K, N, STEP>(out, rows, row_axis, footprint, kernel);
}

#[inline(always)]
fn interior_row_body<S, O, K, const N: usize, const STEP: u8>(
    out: &mut [O],
    rows: S::Row,
    row_axis: usize,
    footprint: &Footprint<N>,
    kernel: &K,
) where
    S: Sources<N>,
    K: Kernel<S, N, Out = O>,
{
    // Each read is checked against the kernel's own footprint, which is a constant for
    // literal offsets, so the checks fold away; it must be the one the border was planned
    // for.
    let own = kernel.footprint();
    assert!(
        own == *footprint,
        "a stencil kernel's footprint changed during a call: {footprint:?}, then {own:?}"
    );
    for (k, o) in out.iter_mut().enumerate() {
        let at = InteriorAt::<N, STEP> {
            k,
            row_axis,
            footprint: &own,
        };
        *o = kernel.eval(&rows, at);
    }
}
