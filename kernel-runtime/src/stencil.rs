//! The stencil driver: evaluates a relative-index kernel at every output position, with
//! unchecked reads in the interior and boundary-mode reads at the border.
//!
//! A `#[stencil]` kernel body reads neighbours as `x[[di, dj]]`. The generated code makes
//! the user's function generic over how `x` reads, and this module supplies two readers:
//!
//! * [`Interior`]: the whole neighbourhood is in bounds, so a read is one load at a fixed
//!   offset from the centre. The offsets are constants after inlining, the bounds check
//!   against the footprint folds away, and the row loop is plain enough for the compiler
//!   to vectorise.
//! * [`Border`]: each coordinate goes through its axis's [`Boundary`] mode; positions that
//!   map outside read `cval`.
//!
//! The last `N` axes of the input are the stencil's axes; any leading axes are loop axes
//! (a stack of images), handled like rows. Work is split over output rows by
//! [`for_each_row_mut`], so a single image uses every core as a stack does; halos are read
//! from the shared input and nothing is copied.

use std::marker::PhantomData;
use std::ops::Index;

use ndarray::{ArrayView, ArrayViewMut, Dimension};

use crate::boundary::{AxisPlan, Boundary};
use crate::dispatch::{Schedule, for_each_row_mut};
use crate::error::{KernelError, Operand};

/// The parameter type of a relatively indexed array in a `#[stencil]` function, such as
/// `x: Rel<f64>`. It only marks the parameter: the macro replaces it with a reader.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rel<T>(PhantomData<T>);

/// Lets a kernel body type-check as written even where the macro has reported an error
/// and left the function as it was, so that the error is not buried under follow-on
/// ones. Generated kernels never index a `Rel`.
impl<T, const N: usize> Index<[isize; N]> for Rel<T> {
    type Output = T;

    fn index(&self, _: [isize; N]) -> &T {
        unreachable!("`Rel` only marks a #[stencil] parameter; it holds no data")
    }
}

/// As for `Index<[isize; N]>`: the one-dimensional form `x[k]`.
impl<T> Index<isize> for Rel<T> {
    type Output = T;

    fn index(&self, _: isize) -> &T {
        unreachable!("`Rel` only marks a #[stencil] parameter; it holds no data")
    }
}

/// The neighbourhood of a stencil: per axis, the least and greatest offset it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint<const N: usize> {
    /// Least offset per axis (at most 0).
    pub lo: [isize; N],
    /// Greatest offset per axis (at least 0).
    pub hi: [isize; N],
}

impl<const N: usize> Footprint<N> {
    /// The smallest footprint holding the centre and every offset in `offsets`: evaluated
    /// at compile time on the offsets a kernel reads, `const` items included.
    pub const fn from_offsets(offsets: &[[isize; N]]) -> Self {
        let mut lo = [0; N];
        let mut hi = [0; N];
        let mut i = 0;
        while i < offsets.len() {
            let mut axis = 0;
            while axis < N {
                let d = offsets[i][axis];
                if d < lo[axis] {
                    lo[axis] = d;
                }
                if d > hi[axis] {
                    hi[axis] = d;
                }
                axis += 1;
            }
            i += 1;
        }
        Footprint { lo, hi }
    }

    /// A declared neighbourhood `[(lo, hi); N]`, widened to hold the centre.
    pub const fn declared(bounds: [(isize, isize); N]) -> Self {
        let mut lo = [0; N];
        let mut hi = [0; N];
        let mut axis = 0;
        while axis < N {
            if bounds[axis].0 < 0 {
                lo[axis] = bounds[axis].0;
            }
            if bounds[axis].1 > 0 {
                hi[axis] = bounds[axis].1;
            }
            axis += 1;
        }
        Footprint { lo, hi }
    }

    /// Panics unless `offset` lies in the footprint: a computed offset must never read
    /// outside the neighbourhood the border was planned for.
    #[inline(always)]
    #[track_caller]
    fn check(&self, offset: &[isize; N]) {
        let mut axis = 0;
        while axis < N {
            if offset[axis] < self.lo[axis] || offset[axis] > self.hi[axis] {
                self.out_of_reach(offset);
            }
            axis += 1;
        }
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn out_of_reach(&self, offset: &[isize; N]) -> ! {
        let reach: Vec<String> = (0..N)
            .map(|a| format!("({}, {})", self.lo[a], self.hi[a]))
            .collect();
        panic!(
            "#[stencil] read at offset {offset:?}, outside the neighbourhood [{}]: declare a \
             wider `neighborhood`",
            reach.join(", ")
        )
    }

    /// How many positions the footprint covers: the cost of one evaluation.
    pub fn size(&self) -> usize {
        (0..N)
            .map(|a| (self.hi[a] - self.lo[a]) as usize + 1)
            .product()
    }
}

/// Reads the neighbours of an interior position: every offset in the footprint is in
/// bounds, so each read is a single load.
#[derive(Debug)]
pub struct Interior<'a, T, const N: usize, const UNIT: bool = false> {
    center: *const T,
    strides: [isize; N],
    footprint: &'a Footprint<N>,
    data: PhantomData<&'a T>,
}

// Readers hold only addresses and references: copyable whatever `T` is.
impl<T, const N: usize, const UNIT: bool> Clone for Interior<'_, T, N, UNIT> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize, const UNIT: bool> Copy for Interior<'_, T, N, UNIT> {}
impl<T, const N: usize> Clone for Border<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize> Copy for Border<'_, T, N> {}

/// With `UNIT`, the last axis has stride 1 and says so to the compiler, so that a row of
/// evaluations reads consecutive elements and can be vectorised.
impl<T, const N: usize, const UNIT: bool> Index<[isize; N]> for Interior<'_, T, N, UNIT> {
    type Output = T;

    #[inline(always)]
    fn index(&self, offset: [isize; N]) -> &T {
        self.footprint.check(&offset);
        let mut delta: isize = 0;
        for (axis, (&d, &stride)) in offset.iter().zip(&self.strides).enumerate() {
            delta += d * if UNIT && axis == N - 1 { 1 } else { stride };
        }
        // SAFETY: `Interior`s are only built by `run` at positions whose whole footprint is
        // in bounds (`AxisPlan::interior`), and `offset` was just checked to lie in it.
        unsafe { &*self.center.offset(delta) }
    }
}

/// `x[k]`: one-dimensional stencils may drop the brackets. The macro rejects this form for
/// stencils of other ranks at compile time.
impl<T, const N: usize, const UNIT: bool> Index<isize> for Interior<'_, T, N, UNIT> {
    type Output = T;

    #[inline(always)]
    fn index(&self, offset: isize) -> &T {
        assert!(N == 1, "`x[k]` reads only one-dimensional stencils");
        &self[[offset; N]]
    }
}

/// Reads the neighbours of a border position through each axis's boundary mode.
#[derive(Debug)]
pub struct Border<'a, T, const N: usize> {
    origin: *const T,
    strides: [isize; N],
    center: [usize; N],
    plans: &'a [AxisPlan; N],
    footprint: &'a Footprint<N>,
    cval: &'a T,
}

impl<T, const N: usize> Index<[isize; N]> for Border<'_, T, N> {
    type Output = T;

    #[inline]
    fn index(&self, offset: [isize; N]) -> &T {
        self.footprint.check(&offset);
        let mut delta = 0;
        for (((plan, &center), &d), &stride) in self
            .plans
            .iter()
            .zip(&self.center)
            .zip(&offset)
            .zip(&self.strides)
        {
            match plan.mode.map_index(center as isize + d, plan.len) {
                Some(i) => delta += i as isize * stride,
                None => return self.cval,
            }
        }
        // SAFETY: every mapped index is below its axis's length (`map_index`), and `origin`
        // and `strides` are those of the plane being read, so the element exists.
        unsafe { &*self.origin.offset(delta) }
    }
}

/// `x[k]` on one-dimensional stencils, as for [`Interior`].
impl<T, const N: usize> Index<isize> for Border<'_, T, N> {
    type Output = T;

    #[inline]
    fn index(&self, offset: isize) -> &T {
        assert!(N == 1, "`x[k]` reads only one-dimensional stencils");
        &self[[offset; N]]
    }
}

/// The reader types a kernel is evaluated with: `#[stencil]` implements [`Kernel`] with a
/// method generic over this trait.
pub trait Reader<T, const N: usize>:
    Index<[isize; N], Output = T> + Index<isize, Output = T> + Copy
{
}

impl<T, const N: usize, const UNIT: bool> Reader<T, N> for Interior<'_, T, N, UNIT> {}
impl<T, const N: usize> Reader<T, N> for Border<'_, T, N> {}

/// A stencil kernel over `N` axes with one relatively indexed input of element type `T`;
/// the generated code implements it by calling the user's function.
pub trait Kernel<T, const N: usize>: Sync {
    /// The output element type.
    type Out;
    /// Evaluates the kernel at one position.
    fn eval<R: Reader<T, N>>(&self, x: R) -> Self::Out;
}

/// How a call treats the border: one mode per stencil axis, `cval` for skipped outputs
/// and for reads outside a `constant` axis.
#[derive(Clone, Copy, Debug)]
pub struct Edges<'a, T, O, const N: usize> {
    /// The mode of each stencil axis.
    pub modes: [Boundary; N],
    /// What a `constant` axis reads outside the array.
    pub pad: &'a T,
    /// What `skip` writes at the border.
    pub cval: O,
}

/// The output shape of a stencil with `footprint` and `modes` over an input of `shape`:
/// loop axes unchanged, `valid` axes shrunk.
///
/// # Errors
///
/// [`KernelError::RankMismatch`] if the input has fewer axes than the stencil.
pub fn output_shape<const N: usize>(
    shape: &[usize],
    footprint: &Footprint<N>,
    modes: &[Boundary; N],
) -> Result<Vec<usize>, KernelError> {
    if shape.len() < N {
        return Err(KernelError::RankMismatch {
            what: "stencil axes",
            expected: shape.len(),
            found: N,
        });
    }
    let loop_axes = shape.len() - N;
    let mut out = shape.to_vec();
    for axis in 0..N {
        let len = shape[loop_axes + axis];
        out[loop_axes + axis] = modes[axis].output_len(len, footprint.lo[axis], footprint.hi[axis]);
    }
    Ok(out)
}

/// Runs `kernel` at every position of `out`, reading `input`.
///
/// `out` must have the shape [`output_shape`] gives. The last `N` axes are the stencil's,
/// leading axes are loop axes shared by input and output.
///
/// # Errors
///
/// [`KernelError::ShapeMismatch`] naming `out` if its shape is not the stencil's output
/// shape; [`KernelError::RankMismatch`] if the input has fewer than `N` axes.
pub fn run<T, O, D, E, K, const N: usize>(
    input: ArrayView<'_, T, D>,
    mut out: ArrayViewMut<'_, O, E>,
    footprint: &Footprint<N>,
    edges: Edges<'_, T, O, N>,
    schedule: Schedule,
    kernel: &K,
) -> Result<(), KernelError>
where
    T: Sync,
    O: Copy + Send + Sync,
    D: Dimension,
    E: Dimension,
    K: Kernel<T, N, Out = O>,
{
    let expected = output_shape(input.shape(), footprint, &edges.modes)?;
    crate::operand::check_shape(Operand::output(0).named("out"), &expected, out.shape())?;
    let loop_axes = input.ndim() - N;
    let plans: [AxisPlan; N] = std::array::from_fn(|axis| {
        edges.modes[axis].plan(
            input.shape()[loop_axes + axis],
            footprint.lo[axis],
            footprint.hi[axis],
        )
    });
    let in_strides = input.strides().to_vec();
    let stencil_strides: [isize; N] = std::array::from_fn(|a| in_strides[loop_axes + a]);
    let origin = SharedPtr(input.as_ptr());
    if out.is_empty() {
        return Ok(());
    }
    let schedule = schedule.with_cost(footprint.size());
    let (pad_value, cval) = (edges.pad, edges.cval);
    let last = N - 1;
    for_each_row_mut(out.view_mut(), schedule, |index, start, mut row| {
        // The plane of this row, and the centre on every stencil axis but the last.
        let plane_offset: isize = index[..loop_axes]
            .iter()
            .zip(&in_strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        let mut center = [0usize; N];
        let mut row_interior = true;
        for axis in 0..last {
            let o = index[loop_axes + axis];
            if plans[axis].skips(o) {
                row.fill(cval);
                return;
            }
            center[axis] = plans[axis].center(o);
            row_interior &= plans[axis].is_interior(o);
        }
        let plane_origin = origin.get().wrapping_offset(plane_offset);
        let plan = &plans[last];
        let end = start + row.len();
        let (lo, hi) = if row_interior {
            (
                plan.interior.start.clamp(start, end),
                plan.interior.end.clamp(start, end),
            )
        } else {
            (end, end)
        };
        let border = |o: usize, center: &mut [usize; N]| -> O {
            if plan.skips(o) {
                return cval;
            }
            center[last] = plan.center(o);
            kernel.eval(Border {
                origin: plane_origin,
                strides: stencil_strides,
                center: *center,
                plans: &plans,
                footprint,
                cval: pad_value,
            })
        };
        for o in start..lo {
            row[o - start] = border(o, &mut center);
        }
        if lo < hi {
            let mut offset = 0;
            center[last] = plan.center(lo);
            for axis in 0..N {
                offset += center[axis] as isize * stencil_strides[axis];
            }
            let first = plane_origin.wrapping_offset(offset);
            let mut interior = row.slice_mut(ndarray::s![lo - start..hi - start]);
            match interior.as_slice_mut() {
                Some(slice) if stencil_strides[last] == 1 => {
                    interior_row::<_, _, _, N, true>(
                        slice,
                        first,
                        stencil_strides,
                        footprint,
                        kernel,
                    );
                }
                _ => {
                    let step = stencil_strides[last];
                    for (k, o) in interior.iter_mut().enumerate() {
                        *o = kernel.eval(Interior::<_, N> {
                            center: first.wrapping_offset(k as isize * step),
                            strides: stencil_strides,
                            footprint,
                            data: PhantomData,
                        });
                    }
                }
            }
        }
        for o in hi.max(lo)..end {
            row[o - start] = border(o, &mut center);
        }
    });
    Ok(())
}

/// Evaluates `kernel` along one contiguous interior run: `out[k]` is centred `k` elements
/// after `first`. A function of its own so that `out` is a `noalias` argument: the
/// compiler may then vectorise the loop, loads of the input and stores of the output
/// interleaved.
#[inline]
fn interior_row<T, O, K, const N: usize, const UNIT: bool>(
    out: &mut [O],
    first: *const T,
    strides: [isize; N],
    footprint: &Footprint<N>,
    kernel: &K,
) where
    K: Kernel<T, N, Out = O>,
{
    for (k, o) in out.iter_mut().enumerate() {
        *o = kernel.eval(Interior::<T, N, UNIT> {
            center: first.wrapping_add(k),
            strides,
            footprint,
            data: PhantomData,
        });
    }
}

/// The input's address, shared read-only by the row tasks.
struct SharedPtr<T>(*const T);

impl<T> SharedPtr<T> {
    /// Through a method, so that closures capture the `Sync` wrapper, not the pointer.
    fn get(&self) -> *const T {
        self.0
    }
}

// SAFETY: the pointer is only read through, as the `&ArrayView` it came from allows from
// any thread for `T: Sync`.
unsafe impl<T: Sync> Send for SharedPtr<T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for SharedPtr<T> {}
