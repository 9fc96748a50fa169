//! How a kernel body reads neighbours: `Rel` marks the parameter, [`Interior`], [`Edge`]
//! and [`Rim`] read them.

use std::marker::PhantomData;
use std::ops::Index;

use super::Footprint;
use crate::boundary::{AxisPlan, Boundary};
use crate::lanes::Lanes;

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
    /// The stride from one position of the row to the next.
    row_step: isize,
    /// How many positions from this one along the row the driver planned for.
    lanes: usize,
    footprint: &'a Footprint<N>,
    data: PhantomData<&'a T>,
}

/// With a `STEP` other than [`step::STRIDED`], the row's axis has stride 1 and says so to the
/// compiler, so that a row of evaluations reads consecutive elements and can be
/// vectorised, and offsets along it are constants.
impl<T, const N: usize, const STEP: u8> Interior<'_, T, N, STEP> {
    /// The element offset of `offset` from the centre, checked against the footprint.
    #[inline(always)]
    fn delta(&self, offset: &[isize; N]) -> isize {
        self.footprint.check(offset);
        let mut delta: isize = 0;
        for (axis, (&d, &stride)) in offset.iter().zip(&self.strides).enumerate() {
            delta += d * if axis == unit_axis::<N, STEP>() {
                1
            } else {
                stride
            };
        }
        delta
    }

    #[inline(always)]
    fn row_step(&self) -> isize {
        if STEP == STRIDED { self.row_step } else { 1 }
    }
}

impl<T, const N: usize, const STEP: u8> Index<[isize; N]> for Interior<'_, T, N, STEP> {
    type Output = T;

    #[inline(always)]
    fn index(&self, offset: [isize; N]) -> &T {
        let delta = self.delta(&offset);
        // SAFETY: an `Interior` comes from `InteriorAt::read` on the row its place was
        // made for: places and rows are made only by `run` (private fields, a sealed
        // `Place`), and the `unsafe` `Kernel` contract keeps a kernel from pairing them
        // across positions or calls. `run` makes an `InteriorAt` only at positions whose
        // whole footprint is in bounds (`AxisPlan::interior`), with the footprint it
        // planned for, and `offset` was just checked to lie in it.
        unsafe { &*self.center.offset(delta) }
    }
}

/// Where the reads of one axis's border positions land under the axis's mode: for the
/// positions before the interior and for those after it, a window of the input indices
/// they read, each with its mapped index (`None`: outside, the input's pad). Made once
/// per call. A window spans the halo plus the neighbourhood's span on that side, clipped
/// to one axis length beyond either end, so its size is bounded by the array's extent
/// however wide a neighbourhood a parameter sets; the rare reads beyond it are mapped
/// when they happen.
#[derive(Debug)]
pub struct AxisRemap {
    /// Centres below this read through `before`, the others through `after`.
    split: usize,
    before: Window,
    after: Window,
    mode: Boundary,
    len: usize,
}

/// Mapped indices of the input indices `first..first + mapped.len()`.
#[derive(Debug, Default)]
struct Window {
    first: isize,
    mapped: Vec<Option<isize>>,
}

impl AxisRemap {
    /// The windows of the axis planned as `plan`, read within `lo..=hi`, a footprint that
    /// passed [`Footprint::check_plannable`] for the axis. `skip` axes never evaluate the
    /// kernel at their border and get none.
    pub(super) fn new(plan: &AxisPlan, lo: isize, hi: isize) -> Self {
        // Fits: `check_plannable` bounds `lo - 2 len` and `hi + 2 len`.
        let len = plan.len as isize;
        let window = |outs: std::ops::Range<usize>| {
            if outs.is_empty() || plan.mode == Boundary::Skip {
                return Window::default();
            }
            let first = (plan.center(outs.start) as isize + lo).max(-len);
            let last = (plan.center(outs.end - 1) as isize + hi).min(2 * len - 1);
            let mapped = (first..=last)
                .map(|i| plan.mode.map_index(i, plan.len).map(|m| m as isize))
                .collect();
            Window { first, mapped }
        };
        let interior = plan.interior.start..plan.interior.end.max(plan.interior.start);
        AxisRemap {
            split: plan.center(interior.start),
            before: window(0..interior.start),
            after: window(interior.end..plan.out_len),
            mode: plan.mode,
            len: plan.len,
        }
    }

    /// The mapped indices a border centre `center` reads.
    #[inline]
    pub(super) fn reads(&self, center: usize) -> AxisReads<'_> {
        let window = if center < self.split {
            &self.before
        } else {
            &self.after
        };
        AxisReads {
            mapped: &window.mapped,
            first: window.first,
            mode: self.mode,
            len: self.len,
        }
    }
}

/// The window of mapped indices one border centre reads through (`AxisRemap::reads`).
#[derive(Clone, Copy, Debug)]
pub struct AxisReads<'a> {
    mapped: &'a [Option<isize>],
    first: isize,
    mode: Boundary,
    len: usize,
}

impl AxisReads<'_> {
    /// Where offset `d` from `center` lands, relative to `center`; `None` for the pad.
    /// `center + d` is an index `check_plannable` bounded, so the sums fit.
    #[inline(always)]
    fn landing(self, center: usize, d: isize) -> Option<isize> {
        let index = center as isize + d;
        let mapped = match self.mapped.get(index.wrapping_sub(self.first) as usize) {
            Some(&mapped) => mapped,
            None => self.far(index),
        };
        mapped.map(|m| m - center as isize)
    }

    /// An index beyond the window, more than an axis length outside the array.
    #[cold]
    #[inline(never)]
    fn far(self, index: isize) -> Option<isize> {
        self.mode.map_index(index, self.len).map(|m| m as isize)
    }
}

/// One row's position on the stencil axes other than its own, and for those that put it
/// on their border, the mapped indices it reads there (`AxisRemap::reads`); reads on
/// the other axes are direct.
#[derive(Debug)]
pub struct RowRemap<'a, const N: usize> {
    pub(super) center: [usize; N],
    pub(super) border: [Option<AxisReads<'a>>; N],
}

impl<const N: usize> RowRemap<'_, N> {
    /// The index offset of `d` on `axis`, `None` for the pad.
    #[inline(always)]
    fn delta(&self, axis: usize, d: isize) -> Option<isize> {
        match self.border[axis] {
            Some(reads) => reads.landing(self.center[axis], d),
            None => Some(d),
        }
    }
}

/// Reads the neighbours of a position of a border row whose own axis is interior there:
/// offsets along the row are one load away, as in [`Interior`], and the other axes go
/// through the row's [`RowRemap`].
#[derive(Debug)]
pub struct Edge<'a, T, const N: usize, const STEP: u8 = STRIDED> {
    center: *const T,
    strides: [isize; N],
    row_axis: usize,
    /// How many positions from this one along the row the driver planned for.
    lanes: usize,
    remap: &'a RowRemap<'a, N>,
    footprint: &'a Footprint<N>,
    pad: &'a T,
}

impl<T, const N: usize, const STEP: u8> Edge<'_, T, N, STEP> {
    /// The element offset of `offset` from the centre, `None` for the pad; checked against
    /// the footprint.
    #[inline(always)]
    fn delta(&self, offset: &[isize; N]) -> Option<isize> {
        self.footprint.check(offset);
        let mut delta: isize = 0;
        for (axis, (&d, &stride)) in offset.iter().zip(&self.strides).enumerate() {
            if axis == self.row_axis {
                delta += d * if axis == unit_axis::<N, STEP>() {
                    1
                } else {
                    stride
                };
            } else {
                delta += self.remap.delta(axis, d)? * stride;
            }
        }
        Some(delta)
    }

    #[inline(always)]
    fn row_step(&self) -> isize {
        if STEP == STRIDED {
            self.strides[self.row_axis]
        } else {
            1
        }
    }
}

impl<T, const N: usize, const STEP: u8> Index<[isize; N]> for Edge<'_, T, N, STEP> {
    type Output = T;

    #[inline(always)]
    fn index(&self, offset: [isize; N]) -> &T {
        let Some(delta) = self.delta(&offset) else {
            return self.pad;
        };
        // SAFETY: as for `Interior`, the row and place are the pair `run` made (`Kernel`'s
        // contract), at a position interior on the row's axis (`AxisPlan::interior`), so
        // `d` on it stays in bounds once checked against the footprint; on every other
        // axis the offset is within the footprint at an interior centre, or leads to an
        // index `map_index` gave, below the axis's length.
        unsafe { &*self.center.offset(delta) }
    }
}

/// Reads the neighbours of a border position of a row: the row's axis through the call's
/// [`AxisRemap`] for it, the other axes as for the row ([`RowRemap`]).
#[derive(Debug)]
pub struct Rim<'a, T, const N: usize> {
    center: *const T,
    strides: [isize; N],
    row_axis: usize,
    /// The position's centre index on the row's axis, and the mapped indices it reads
    /// there.
    at: usize,
    row: AxisReads<'a>,
    remap: &'a RowRemap<'a, N>,
    footprint: &'a Footprint<N>,
    pad: &'a T,
}

impl<T, const N: usize> Index<[isize; N]> for Rim<'_, T, N> {
    type Output = T;

    #[inline(always)]
    fn index(&self, offset: [isize; N]) -> &T {
        self.footprint.check(&offset);
        let mut delta: isize = 0;
        for (axis, (&d, &stride)) in offset.iter().zip(&self.strides).enumerate() {
            let mapped = if axis == self.row_axis {
                self.row.landing(self.at, d)
            } else {
                self.remap.delta(axis, d)
            };
            match mapped {
                Some(mapped) => delta += mapped * stride,
                None => return self.pad,
            }
        }
        // SAFETY: the row and place are the pair `run` made (`Kernel`'s contract), so
        // `center` is a position of the input (`run` builds `Rim`s only for output
        // positions centred on one), and each axis adds an offset that is either one
        // `map_index` gave, or, on the axes where the row is interior, one within the
        // footprint and so in bounds.
        unsafe { &*self.center.offset(delta) }
    }
}

/// The reader types a kernel is evaluated with: `#[stencil]` makes the user's function generic
/// over this trait, one type parameter per relatively indexed input.
pub trait Reader<T, const N: usize>:
    Index<[isize; N], Output = T> + Index<isize, Output = T> + Copy
{
    /// The neighbour at `offset` of this position and of the `L - 1` positions after it
    /// along the row: how a body evaluated on [`Lanes`] reads.
    ///
    /// # Panics
    ///
    /// If `offset` is outside the footprint, or `L` exceeds the positions the driver
    /// planned this place for.
    fn lanes<const L: usize>(&self, offset: [isize; N]) -> Lanes<T, L>
    where
        T: Copy;
}

/// Panics on a lane read beyond the positions the driver planned: only a broken `Kernel`
/// asks for one.
#[inline(always)]
#[track_caller]
fn check_lanes(asked: usize, planned: usize) {
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn too_many_lanes(asked: usize, planned: usize) -> ! {
        panic!("a stencil kernel read {asked} lanes where {planned} were planned")
    }
    if asked > planned {
        too_many_lanes(asked, planned);
    }
}

impl<T, const N: usize, const STEP: u8> Interior<'_, T, N, STEP> {
    #[inline(always)]
    fn read_lanes<const L: usize>(&self, offset: [isize; N]) -> Lanes<T, L>
    where
        T: Copy,
    {
        check_lanes(L, self.lanes);
        let first = self.center.wrapping_offset(self.delta(&offset));
        // SAFETY: as for `Index`, at each of the `L` positions from this one, all of which
        // the driver planned as interior (`lanes`, checked above); with unit steps they are
        // one array of `L` elements.
        unsafe { load(first, self.row_step()) }
    }
}

impl<T, const N: usize, const STEP: u8> Edge<'_, T, N, STEP> {
    #[inline(always)]
    fn read_lanes<const L: usize>(&self, offset: [isize; N]) -> Lanes<T, L>
    where
        T: Copy,
    {
        check_lanes(L, self.lanes);
        let Some(delta) = self.delta(&offset) else {
            return Lanes::splat(*self.pad);
        };
        let first = self.center.wrapping_offset(delta);
        // SAFETY: as for `Index`, at each of the `L` positions from this one, all of which
        // the driver planned as interior on the row's axis (`lanes`, checked above); the
        // other axes' offsets are the same for every position of the row.
        unsafe { load(first, self.row_step()) }
    }
}

/// The `L` elements `step` apart from `first`: one load of an array where `step` is 1.
///
/// # Safety
///
/// Each of those elements must be readable.
#[inline(always)]
unsafe fn load<T: Copy, const L: usize>(first: *const T, step: isize) -> Lanes<T, L> {
    if step == 1 {
        // SAFETY: the caller's, for `L` consecutive elements; `[T; L]` is aligned as `T`.
        return Lanes(unsafe { first.cast::<[T; L]>().read() });
    }
    // SAFETY: the caller's.
    Lanes::from_fn(|k| unsafe { *first.offset(k as isize * step) })
}

impl<T, const N: usize> Rim<'_, T, N> {
    #[inline(always)]
    fn read_lanes<const L: usize>(&self, offset: [isize; N]) -> Lanes<T, L>
    where
        T: Copy,
    {
        // The driver evaluates border positions one at a time.
        check_lanes(L, 1);
        Lanes::splat(self[offset])
    }
}

/// Each reader is a [`Reader`]: copyable whatever `T` is (readers hold only addresses and
/// references), and read as `x[k]` in one-dimensional stencils, which may drop the
/// brackets (the macro rejects this form for stencils of other ranks at compile time).
macro_rules! reader {
    ($reader:ident < $($param:ident),* > $(, const $c:ident: $ct:ty)?) => {
        impl<T, const N: usize $(, const $c: $ct)?> Clone for $reader<'_, $($param),*> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<T, const N: usize $(, const $c: $ct)?> Copy for $reader<'_, $($param),*> {}

        impl<T, const N: usize $(, const $c: $ct)?> Index<isize> for $reader<'_, $($param),*> {
            type Output = T;

            #[inline(always)]
            fn index(&self, offset: isize) -> &T {
                assert!(N == 1, "`x[k]` reads only one-dimensional stencils");
                &self[[offset; N]]
            }
        }

        impl<T, const N: usize $(, const $c: $ct)?> Reader<T, N> for $reader<'_, $($param),*> {
            #[inline(always)]
            fn lanes<const L: usize>(&self, offset: [isize; N]) -> Lanes<T, L>
            where
                T: Copy,
            {
                self.read_lanes(offset)
            }
        }
    };
}

reader!(Interior<T, N, STEP>, const STEP: u8);
reader!(Edge<T, N, STEP>, const STEP: u8);
reader!(Rim<T, N>);

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
pub struct InteriorAt<const N: usize, const STEP: u8> {
    pub(super) k: usize,
    pub(super) row_axis: usize,
    /// Positions from `k` on that are interior: what a lane read may cover.
    pub(super) lanes: usize,
    /// The kernel's own footprint, a constant for literal offsets.
    pub(super) footprint: Footprint<N>,
}

/// The `k`-th position of a border row's stretch that is interior on the row's own axis.
#[derive(Clone, Copy, Debug)]
pub struct EdgeAt<'f, const N: usize, const STEP: u8> {
    pub(super) k: usize,
    pub(super) row_axis: usize,
    /// Positions from `k` on that are interior on the row's axis.
    pub(super) lanes: usize,
    pub(super) remap: &'f RowRemap<'f, N>,
    /// The kernel's own footprint, a constant for literal offsets.
    pub(super) footprint: Footprint<N>,
}

impl<const N: usize, const STEP: u8> sealed::Sealed for EdgeAt<'_, N, STEP> {}

impl<const N: usize, const STEP: u8> Place<N> for EdgeAt<'_, N, STEP> {
    type Reader<'a, T: 'a>
        = Edge<'a, T, N, STEP>
    where
        Self: 'a;

    #[inline(always)]
    fn read<'a, T>(&'a self, row: &RowOf<'a, T, N>) -> Edge<'a, T, N, STEP> {
        Edge {
            center: row.along::<STEP>(self.k as isize, self.row_axis),
            strides: row.strides,
            row_axis: self.row_axis,
            lanes: self.lanes,
            remap: self.remap,
            footprint: &self.footprint,
            pad: row.pad,
        }
    }
}

/// A border position of a row, `k` elements from the row's centre along its axis, at
/// index `at` of that axis.
#[derive(Clone, Copy, Debug)]
pub struct RimAt<'f, const N: usize> {
    pub(super) k: isize,
    pub(super) at: usize,
    pub(super) row_axis: usize,
    pub(super) row: AxisReads<'f>,
    pub(super) remap: &'f RowRemap<'f, N>,
    /// The kernel's own footprint, a constant where the macro saw the offsets, so the
    /// reads' checks fold away as in the interior.
    pub(super) footprint: Footprint<N>,
}

impl<const N: usize> sealed::Sealed for RimAt<'_, N> {}

impl<const N: usize> Place<N> for RimAt<'_, N> {
    type Reader<'a, T: 'a>
        = Rim<'a, T, N>
    where
        Self: 'a;

    #[inline(always)]
    fn read<'a, T>(&'a self, row: &RowOf<'a, T, N>) -> Rim<'a, T, N> {
        Rim {
            center: row.along::<STRIDED>(self.k, self.row_axis),
            strides: row.strides,
            row_axis: self.row_axis,
            at: self.at,
            row: self.row,
            remap: self.remap,
            footprint: &self.footprint,
            pad: row.pad,
        }
    }
}

impl<const N: usize, const STEP: u8> sealed::Sealed for InteriorAt<N, STEP> {}

impl<const N: usize, const STEP: u8> Place<N> for InteriorAt<N, STEP> {
    type Reader<'a, T: 'a>
        = Interior<'a, T, N, STEP>
    where
        Self: 'a;

    #[inline(always)]
    fn read<'a, T>(&'a self, row: &RowOf<'a, T, N>) -> Interior<'a, T, N, STEP> {
        Interior {
            center: row.along::<STEP>(self.k as isize, self.row_axis),
            strides: row.strides,
            row_step: row.strides[self.row_axis],
            lanes: self.lanes,
            footprint: &self.footprint,
            data: PhantomData,
        }
    }
}

/// One input's share of a row of outputs: the row's centre (at its first position interior
/// on the row's axis, if any), from which every reader steps. Made by the driver only.
#[derive(Debug)]
pub struct RowOf<'a, T, const N: usize> {
    pub(super) first: *const T,
    pub(super) strides: [isize; N],
    pub(super) pad: &'a T,
}

impl<T, const N: usize> RowOf<'_, T, N> {
    /// The address `k` positions along the row from its centre: one element per position
    /// where `STEP` says the row's axis has unit stride, else that axis's stride. An
    /// address only; readers dereference it at planned positions alone.
    #[inline(always)]
    fn along<const STEP: u8>(&self, k: isize, row_axis: usize) -> *const T {
        let step = if STEP == STRIDED {
            self.strides[row_axis]
        } else {
            1
        };
        self.first.wrapping_offset(k * step)
    }
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
