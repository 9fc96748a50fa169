//! How a kernel body reads neighbours: `Rel` marks the parameter, [`Interior`] and
//! [`Border`] read them.

use std::marker::PhantomData;
use std::ops::Index;

use super::Footprint;
use crate::boundary::AxisPlan;

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

/// How an interior row steps: the `STEP` parameter of [`Interior`] and [`InteriorAt`], a
/// constant so that a unit stride is known where the row loop is compiled.
pub mod step {
    /// By the stride of the row's axis, whatever it is.
    pub const STRIDED: u8 = 0;
    /// One element at a time along the last axis (C order).
    pub const UNIT_LAST: u8 = 1;
    /// One element at a time along the first axis (F order, transposed views).
    pub const UNIT_FIRST: u8 = 2;
}

use step::{STRIDED, UNIT_FIRST, UNIT_LAST};

/// The axis `STEP` says has stride 1, or `usize::MAX` for none.
#[inline(always)]
const fn unit_axis<const N: usize, const STEP: u8>() -> usize {
    match STEP {
        UNIT_LAST => N - 1,
        UNIT_FIRST => 0,
        _ => usize::MAX,
    }
}

/// Reads the neighbours of an interior position: every offset in the footprint is in
/// bounds, so each read is a single load.
#[derive(Debug)]
pub struct Interior<'a, T, const N: usize, const STEP: u8 = STRIDED> {
    center: *const T,
    strides: [isize; N],
    footprint: &'a Footprint<N>,
    data: PhantomData<&'a T>,
}

// Readers hold only addresses and references: copyable whatever `T` is.
impl<T, const N: usize, const STEP: u8> Clone for Interior<'_, T, N, STEP> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize, const STEP: u8> Copy for Interior<'_, T, N, STEP> {}
impl<T, const N: usize> Clone for Border<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize> Copy for Border<'_, T, N> {}

/// With a `STEP` other than [`step::STRIDED`], the row's axis has stride 1 and says so to the
/// compiler, so that a row of evaluations reads consecutive elements and can be
/// vectorised, and offsets along it are constants.
impl<T, const N: usize, const STEP: u8> Index<[isize; N]> for Interior<'_, T, N, STEP> {
    type Output = T;

    #[inline(always)]
    fn index(&self, offset: [isize; N]) -> &T {
        self.footprint.check(&offset);
        let mut delta: isize = 0;
        for (axis, (&d, &stride)) in offset.iter().zip(&self.strides).enumerate() {
            delta += d * if axis == unit_axis::<N, STEP>() {
                1
            } else {
                stride
            };
        }
        // SAFETY: `Interior`s are only built by `run` at positions whose whole footprint is
        // in bounds (`AxisPlan::interior`), and `offset` was just checked to lie in it.
        unsafe { &*self.center.offset(delta) }
    }
}

/// `x[k]`: one-dimensional stencils may drop the brackets. The macro rejects this form for
/// stencils of other ranks at compile time.
impl<T, const N: usize, const STEP: u8> Index<isize> for Interior<'_, T, N, STEP> {
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

    // Inlined into the kernel body, so that each read's check and per-axis loop fold
    // for literal offsets: as a call per read, the border dominated small arrays
    // (`pixel_graph` on the 64^3 blobs, one thread: 2.0 ms, inlined 1.3 ms).
    #[inline(always)]
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

/// The reader types a kernel is evaluated with: `#[stencil]` makes the user's function generic
/// over this trait, one type parameter per relatively indexed input.
pub trait Reader<T, const N: usize>:
    Index<[isize; N], Output = T> + Index<isize, Output = T> + Copy
{
}

impl<T, const N: usize, const STEP: u8> Reader<T, N> for Interior<'_, T, N, STEP> {}
impl<T, const N: usize> Reader<T, N> for Border<'_, T, N> {}

/// Where a kernel is evaluated: the driver hands one to [`Kernel::eval`](super::Kernel::eval),
/// which turns each input's [`RowOf`] into a reader with [`Place::read`]. Sealed: only the
/// driver makes places, and only at positions whose reads it has planned.
pub trait Place<const N: usize>: Copy + sealed::Sealed {
    /// The reader this place gives for an input of element type `T`.
    type Reader<'a, T: 'a>: Reader<T, N>
    where
        Self: 'a;

    /// The reader of one input's neighbours at this place.
    fn read<'a, T>(&'a self, row: &RowOf<'a, T, N>) -> Self::Reader<'a, T>;
}

/// The `k`-th interior position of a row along `row_axis`: every neighbour is in bounds.
#[derive(Clone, Copy, Debug)]
pub struct InteriorAt<'f, const N: usize, const STEP: u8> {
    pub(super) k: usize,
    pub(super) row_axis: usize,
    pub(super) footprint: &'f Footprint<N>,
}

/// A border position, at `center`: reads go through each axis's boundary mode.
#[derive(Clone, Copy, Debug)]
pub struct BorderAt<'f, const N: usize> {
    pub(super) center: [usize; N],
    pub(super) plans: &'f [AxisPlan; N],
    pub(super) footprint: &'f Footprint<N>,
}

impl<const N: usize, const STEP: u8> sealed::Sealed for InteriorAt<'_, N, STEP> {}
impl<const N: usize> sealed::Sealed for BorderAt<'_, N> {}

impl<const N: usize, const STEP: u8> Place<N> for InteriorAt<'_, N, STEP> {
    type Reader<'a, T: 'a>
        = Interior<'a, T, N, STEP>
    where
        Self: 'a;

    #[inline(always)]
    fn read<'a, T>(&'a self, row: &RowOf<'a, T, N>) -> Interior<'a, T, N, STEP> {
        let step = if STEP == STRIDED {
            row.strides[self.row_axis]
        } else {
            1
        };
        Interior {
            center: row.first.wrapping_offset(self.k as isize * step),
            strides: row.strides,
            footprint: self.footprint,
            data: PhantomData,
        }
    }
}

impl<const N: usize> Place<N> for BorderAt<'_, N> {
    type Reader<'a, T: 'a>
        = Border<'a, T, N>
    where
        Self: 'a;

    #[inline]
    fn read<'a, T>(&'a self, row: &RowOf<'a, T, N>) -> Border<'a, T, N> {
        Border {
            origin: row.plane,
            strides: row.strides,
            center: self.center,
            plans: self.plans,
            footprint: self.footprint,
            cval: row.pad,
        }
    }
}

/// One input's share of a row of outputs: its plane (for border reads) and the centre of
/// the row's first interior position (for interior reads). Made by the driver only.
#[derive(Debug)]
pub struct RowOf<'a, T, const N: usize> {
    pub(super) plane: *const T,
    pub(super) first: *const T,
    pub(super) strides: [isize; N],
    pub(super) pad: &'a T,
}

impl<T, const N: usize> Clone for RowOf<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize> Copy for RowOf<'_, T, N> {}

pub(super) mod sealed {
    /// Keeps [`Place`](super::Place) and [`Sources`](super::super::Sources) to this crate's
    /// types: their readers skip bounds checks on the driver's word.
    pub trait Sealed {}

    /// Proof that the driver, not a caller, asks for a row.
    #[derive(Clone, Copy, Debug)]
    pub struct Token(pub(in crate::stencil) ());
}
