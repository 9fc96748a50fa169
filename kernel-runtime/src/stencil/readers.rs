//! How a kernel body reads neighbours: `Rel` marks the parameter, [`Interior`], [`Edge`]
//! and [`Rim`] read them.

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

/// The other axes' mapped positions for one border row: for each stencil axis but the
/// row's, and each offset `d` of the footprint on it, where `center + d` lands after the
/// axis's boundary mode, relative to `center` (`None`: outside, the input's pad). Made
/// once per row, so that reads along the row look up instead of mapping every axis.
#[derive(Debug)]
pub struct Remap<const N: usize> {
    /// Where each axis's entries start in `deltas`.
    start: [usize; N],
    deltas: Vec<Option<isize>>,
}

impl<const N: usize> Remap<N> {
    /// The table for the row centred at `center` (the row axis's entry is not used).
    pub(super) fn new(
        center: &[usize; N],
        plans: &[AxisPlan; N],
        footprint: &Footprint<N>,
        row_axis: usize,
    ) -> Self {
        let mut start = [0; N];
        let mut deltas = Vec::new();
        for axis in (0..N).filter(|&axis| axis != row_axis) {
            start[axis] = deltas.len();
            let (plan, c) = (&plans[axis], center[axis] as isize);
            deltas.extend((footprint.lo[axis]..=footprint.hi[axis]).map(|d| {
                plan.mode
                    .map_index(c + d, plan.len)
                    .map(|mapped| mapped as isize - c)
            }));
        }
        Remap { start, deltas }
    }
}

/// Reads the neighbours of a position of a border row whose own axis is interior there:
/// offsets along the row are one load away, as in [`Interior`], and the other axes go
/// through the row's [`Remap`].
#[derive(Debug)]
pub struct Edge<'a, T, const N: usize, const STEP: u8 = STRIDED> {
    center: *const T,
    strides: [isize; N],
    row_axis: usize,
    remap: &'a Remap<N>,
    footprint: &'a Footprint<N>,
    pad: &'a T,
}

impl<T, const N: usize, const STEP: u8> Index<[isize; N]> for Edge<'_, T, N, STEP> {
    type Output = T;

    #[inline(always)]
    fn index(&self, offset: [isize; N]) -> &T {
        self.footprint.check(&offset);
        let mut delta: isize = 0;
        for (axis, (&d, &stride)) in offset.iter().zip(&self.strides).enumerate() {
            if axis == self.row_axis {
                delta += d * if axis == unit_axis::<N, STEP>() {
                    1
                } else {
                    stride
                };
            } else {
                let entry = self.remap.start[axis] + (d - self.footprint.lo[axis]) as usize;
                match self.remap.deltas[entry] {
                    Some(mapped) => delta += mapped * stride,
                    None => return self.pad,
                }
            }
        }
        // SAFETY: `Edge`s are only built by `run` at positions interior on the row's axis
        // (`AxisPlan::interior`), so `d` on it stays in bounds once checked against the
        // footprint; on every other axis `center + mapped` is an index `map_index` gave,
        // below the axis's length.
        unsafe { &*self.center.offset(delta) }
    }
}

/// Where each offset along the row's axis lands from each border position of that axis
/// (`None`: outside, the input's pad), relative to the position. The same for every row,
/// so made once per call.
#[derive(Debug)]
pub struct RimRemap {
    interior: std::ops::Range<usize>,
    span: usize,
    deltas: Vec<Option<isize>>,
}

impl RimRemap {
    /// The table for the row axis planned as `plan`, read within `lo..=hi`.
    pub(super) fn new(plan: &AxisPlan, lo: isize, hi: isize) -> Self {
        let interior = plan.interior.clone();
        let span = (hi - lo + 1) as usize;
        let positions = (0..interior.start).chain(interior.end..plan.out_len);
        let deltas = positions
            .flat_map(|o| {
                let c = plan.center(o) as isize;
                (lo..=hi).map(move |d| plan.mode.map_index(c + d, plan.len).map(|m| m as isize - c))
            })
            .collect();
        RimRemap {
            interior,
            span,
            deltas,
        }
    }

    /// The entries of border position `o`.
    pub(super) fn at(&self, o: usize) -> &[Option<isize>] {
        let p = if o < self.interior.start {
            o
        } else {
            self.interior.start + (o - self.interior.end)
        };
        &self.deltas[p * self.span..(p + 1) * self.span]
    }
}

/// Reads the neighbours of a border position of a row: the row's axis through the call's
/// [`RimRemap`], the other axes directly (an interior row) or through the row's [`Remap`].
#[derive(Debug)]
pub struct Rim<'a, T, const N: usize> {
    center: *const T,
    strides: [isize; N],
    row_axis: usize,
    row: &'a [Option<isize>],
    outer: Option<&'a Remap<N>>,
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
            let entry = (d - self.footprint.lo[axis]) as usize;
            let mapped = if axis == self.row_axis {
                self.row[entry]
            } else if let Some(remap) = self.outer {
                remap.deltas[remap.start[axis] + entry]
            } else {
                Some(d)
            };
            match mapped {
                Some(mapped) => delta += mapped * stride,
                None => return self.pad,
            }
        }
        // SAFETY: `center` is a position of the input (`run` builds `Rim`s only for output
        // positions that are centred on one), and each axis adds an offset that is either
        // one `map_index` gave, or, on the axes of an interior row, one within the footprint
        // and so in bounds.
        unsafe { &*self.center.offset(delta) }
    }
}

/// The reader types a kernel is evaluated with: `#[stencil]` makes the user's function generic
/// over this trait, one type parameter per relatively indexed input.
pub trait Reader<T, const N: usize>:
    Index<[isize; N], Output = T> + Index<isize, Output = T> + Copy
{
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

        impl<T, const N: usize $(, const $c: $ct)?> Reader<T, N> for $reader<'_, $($param),*> {}
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
    /// The kernel's own footprint, a constant for literal offsets.
    pub(super) footprint: Footprint<N>,
}

/// The `k`-th position of a border row's stretch that is interior on the row's own axis.
#[derive(Clone, Copy, Debug)]
pub struct EdgeAt<'f, const N: usize, const STEP: u8> {
    pub(super) k: usize,
    pub(super) row_axis: usize,
    pub(super) remap: &'f Remap<N>,
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
        let step = if STEP == STRIDED {
            row.strides[self.row_axis]
        } else {
            1
        };
        Edge {
            center: row.first.wrapping_offset(self.k as isize * step),
            strides: row.strides,
            row_axis: self.row_axis,
            remap: self.remap,
            footprint: &self.footprint,
            pad: row.pad,
        }
    }
}

/// A border position of a row, `k` elements from the row's centre along its axis.
#[derive(Clone, Copy, Debug)]
pub struct RimAt<'f, const N: usize> {
    pub(super) k: isize,
    pub(super) row_axis: usize,
    pub(super) row: &'f [Option<isize>],
    pub(super) outer: Option<&'f Remap<N>>,
    pub(super) footprint: &'f Footprint<N>,
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
            center: row
                .first
                .wrapping_offset(self.k * row.strides[self.row_axis]),
            strides: row.strides,
            row_axis: self.row_axis,
            row: self.row,
            outer: self.outer,
            footprint: self.footprint,
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
        let step = if STEP == STRIDED {
            row.strides[self.row_axis]
        } else {
            1
        };
        Interior {
            center: row.first.wrapping_offset(self.k as isize * step),
            strides: row.strides,
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
