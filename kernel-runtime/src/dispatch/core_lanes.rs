//! Small gufunc cores on lanes. The cores of `L` consecutive loop indices are staged side by
//! side, element `k` of the `L` cores in `L` adjacent slots, so that a `#[guvectorize]` body
//! evaluated on [`Lanes`] reads and writes an element of all `L` cores as one vector:
//!
//! ```text
//! loop index  i     i+1   i+2   i+3         staged   x[0]: a0 b0 c0 d0
//! core        a0a1  b0b1  c0c1  d0d1   ->            x[1]: a1 b1 c1 d1
//! ```
//!
//! Staging costs one copy of each core element, as reading it in the scalar body would;
//! reading `L` cores element by element straight from memory instead (a gather) is slower
//! than the scalar body on the machines we measured. An output element's slots are filled
//! from the cores only when the body first reads it, and only the elements the body wrote
//! or read are written back when the lane view drops: an element the body does not write
//! keeps its value, as in the scalar body, and a body that only writes its outputs (the
//! common case) never loads them.

use std::cell::Cell;
use std::mem::MaybeUninit;
use std::ops::{Add, Mul};

use ndarray::{ArrayView, ArrayViewMut, Axis, Dimension, NdIndex, RawArrayViewMut, ShapeBuilder};

use super::cores::CoreCut;
use super::raw::RowPart;
use super::transpose::{from_lanes, plain, to_lanes};
use crate::lanes::Lanes;

/// The most bytes of core elements one run of lane evaluations may stage: the cores of
/// all operands at `L` loop indices stay in L1 with room to spare. Larger cores run one
/// loop index at a time, each core read where it lies.
pub const LANE_CORES_BYTES: usize = 16 * 1024;

/// Whether cores of `core_elements` elements (all operands together, each at most
/// `elem_bytes` wide) are small enough to stage `lanes` loop indices of at once.
#[must_use]
pub fn lanes_fit(core_elements: usize, lanes: usize, elem_bytes: usize) -> bool {
    core_elements
        .saturating_mul(lanes)
        .saturating_mul(elem_bytes)
        <= LANE_CORES_BYTES
}

/// The staging room of one run: [`LANE_CORES_BYTES`], plus room for each operand's start
/// to be aligned.
#[repr(C, align(64))]
pub struct Stage {
    bytes: [MaybeUninit<u8>; STAGE_BYTES],
    used: usize,
}

const STAGE_BYTES: usize = LANE_CORES_BYTES + 1024;

impl std::fmt::Debug for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stage")
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

impl Stage {
    #[allow(
        clippy::large_stack_arrays,
        reason = "an L1-sized scratch per segment: on the heap it would be an allocation per call"
    )]
    pub(super) fn new() -> Self {
        Stage {
            bytes: [MaybeUninit::uninit(); STAGE_BYTES],
            used: 0,
        }
    }

    /// Makes all the room free again; what was staged is dead.
    pub(super) fn clear(&mut self) {
        self.used = 0;
    }

    /// Room for `len` values of `T`, aligned for `T`.
    ///
    /// # Panics
    ///
    /// If the room is spent: the driver stages only cores that [`lanes_fit`].
    fn take<T>(&mut self, len: usize) -> *mut T {
        assert!(
            align_of::<T>() <= 64,
            "staged elements are aligned to at most 64 bytes"
        );
        let start = self.used.next_multiple_of(align_of::<T>());
        let end = len
            .checked_mul(size_of::<T>())
            .and_then(|bytes| bytes.checked_add(start))
            .filter(|&end| end <= STAGE_BYTES)
            .expect("gufunc cores staged on lanes fit the stage");
        self.used = end;
        self.bytes[start..].as_mut_ptr().cast()
    }
}

/// The strides of a row-major layout of `shape` whose element `k` (in logical order) is
/// at `k * L`: element `index` of lane `j` is at `L * offset(index) + j`.
fn staged_strides<C: Dimension, const L: usize>(shape: &C) -> C {
    let mut strides = shape.default_strides();
    for stride in strides.slice_mut() {
        *stride *= L;
    }
    strides
}

/// One input's cores at `L` consecutive loop indices, staged: what an input core view is
/// in a `#[guvectorize]` body evaluated on lanes. Reading an element reads it in all `L`
/// cores; the shape is the core's, the same at each index.
#[derive(Debug)]
pub struct LaneCore<'r, T, C: Dimension, const L: usize> {
    staged: ArrayView<'r, T, C>,
    /// The staged slots, `len * L` of them.
    base: *const T,
    /// Whether the cores' lines along their last axis (a vector core itself), as the scalar
    /// body sees them, are contiguous: where ndarray's `dot` adds in eight partial sums.
    unit_rows: bool,
}

/// One output's cores at `L` consecutive loop indices, staged; written back to the cores
/// when dropped.
pub struct LaneCoreMut<'r, T: Copy, C: Dimension, const L: usize> {
    /// The slots; those of an element not in `present` are uninitialised, so the view is
    /// raw and its slots are only ever addressed through pointers.
    staged: RawArrayViewMut<T, C>,
    base: *mut T,
    cut: &'r CoreCut<C>,
    /// The first loop index's element of the output.
    part: RowPart,
    /// For dense cores of at most [`LAZY_ELEMENTS`] elements, the elements (bit `k` for
    /// element `k` in logical order) whose slots hold a value, read from the cores or
    /// written; `None` when every slot was staged at creation.
    present: Option<Cell<u64>>,
    /// Whether `T` may be written back by vector shuffles (`transpose::plain`).
    plain: bool,
}

/// The most elements an output core may have for its slots to be filled on first read.
const LAZY_ELEMENTS: usize = 64;

impl<T: Copy, C: Dimension, const L: usize> std::fmt::Debug for LaneCoreMut<'_, T, C, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaneCoreMut")
            .field("shape", &self.staged.shape())
            .field("present", &self.present)
            .finish_non_exhaustive()
    }
}

/// The byte step between consecutive loop indices' cores of `size` elements when they lie
/// back to back.
fn back_to_back<T>(size: usize) -> isize {
    isize::try_from(size * size_of::<T>()).unwrap_or(isize::MAX)
}

/// Copies the cores of the `L` loop indices from `part` on into `base`, side by side.
///
/// # Safety
///
/// `part` and its `L - 1` advances must each address a core `cut` describes, borrowed
/// during the call; `base` must be valid for writing `size * L` values.
#[inline(always)]
unsafe fn stage_cores<T: Copy, C: Dimension, const L: usize>(
    cut: &CoreCut<C>,
    part: &RowPart,
    base: *mut T,
    plain: bool,
) {
    let size = cut.shape().size();
    if let Some(first) = cut.dense_at::<T>(part) {
        let step = part.byte_step();
        let shuffled = (plain || size == 1) && step == back_to_back::<T>(size);
        // SAFETY: cores back to back are `size * L` elements from `first`, and `base` has
        // room for as many; `T` is `plain` where more than one element is shuffled.
        if shuffled && unsafe { to_lanes::<T, L>(first, size, base) } {
            return;
        }
        // Element `k` of every core, lane after lane: the inner loop's count is the
        // constant `L`, so it unrolls, where a loop over a small core's few elements would
        // pay its overhead on each.
        for k in 0..size {
            for lane in 0..L {
                // SAFETY: the `L` cores are dense (a property of the core's strides, the
                // same at every loop index) and `step` bytes apart (`RowPart`), each with
                // its `size` elements after its first; `k < size` and `lane < L`, so the
                // slot is inside `base`'s `size * L`.
                unsafe {
                    let core = first.cast::<u8>().wrapping_offset(step * lane as isize);
                    base.add(k * L + lane).write(core.cast::<T>().add(k).read());
                }
                crate::lanes::no_loop_vectorization();
            }
        }
        return;
    }
    // Strided cores, one after another.
    let mut at = *part;
    for lane in 0..L {
        // SAFETY: `at` addresses one of the `L` cores (this function's contract).
        let core = unsafe { cut.view::<T>(&at) };
        for (k, &value) in core.iter().enumerate() {
            // SAFETY: `k` is below the core's size, so the slot is inside `base`'s
            // `size * L`.
            unsafe { base.add(k * L + lane).write(value) };
            crate::lanes::no_loop_vectorization();
        }
        at.advance();
    }
}

/// Copies the staged slots of the `L` cores back to them.
///
/// # Safety
///
/// As for [`stage_cores`], with `base` initialised and the cores writable.
#[inline(always)]
unsafe fn unstage_cores<T: Copy, C: Dimension, const L: usize>(
    cut: &CoreCut<C>,
    part: &RowPart,
    base: *const T,
    plain: bool,
) {
    let size = cut.shape().size();
    if let Some(first) = cut.dense_at::<T>(part) {
        let step = part.byte_step();
        let shuffled = (plain || size == 1) && step == back_to_back::<T>(size);
        // SAFETY: as in `stage_cores`, the other way.
        if shuffled && unsafe { from_lanes::<T, L>(base, size, first) } {
            return;
        }
        for k in 0..size {
            for lane in 0..L {
                // SAFETY: as in `stage_cores`, the other way.
                unsafe {
                    let core = first.cast::<u8>().wrapping_offset(step * lane as isize);
                    core.cast::<T>().add(k).write(base.add(k * L + lane).read());
                }
                crate::lanes::no_loop_vectorization();
            }
        }
        return;
    }
    let mut at = *part;
    for lane in 0..L {
        // SAFETY: `at` addresses one of the `L` cores, this call's alone.
        let mut core = unsafe { cut.view_mut::<T>(&at) };
        for (k, value) in core.iter_mut().enumerate() {
            // SAFETY: `k < size`: a staged slot.
            *value = unsafe { base.add(k * L + lane).read() };
            crate::lanes::no_loop_vectorization();
        }
        at.advance();
    }
}

impl<T: Copy, C: Dimension, const L: usize> LaneCore<'_, T, C, L> {
    /// Stages the cores of the `L` loop indices from `part` on.
    ///
    /// # Safety
    ///
    /// `part` and its `L - 1` advances must each address a core `cut` describes, borrowed
    /// for `'r`; `stage` must not be cleared or reused during `'r`.
    #[inline(always)]
    pub(super) unsafe fn stage(cut: &CoreCut<C>, part: &RowPart, stage: &mut Stage) -> Self
    where
        T: 'static,
    {
        let shape = cut.shape();
        let base = stage.take::<T>(shape.size() * L);
        // SAFETY: `take` gave room for `size * L` values, now all written, which live as
        // long as the stage is not reused (this function's contract).
        unsafe {
            stage_cores::<T, C, L>(cut, part, base, plain::<T>());
            let staged = if shape.size() == 0 {
                ArrayView::from_shape(shape.clone(), &[]).expect("an empty shape fits no elements")
            } else {
                // Row-major strides times `L` address the `size * L` slots from `base`.
                let strides = staged_strides::<C, L>(shape);
                ArrayView::from_shape_ptr(shape.clone().strides(strides), base)
            };
            LaneCore {
                staged,
                base,
                unit_rows: cut.unit_rows(),
            }
        }
    }
}

impl<'r, T: Copy, C: Dimension, const L: usize> LaneCoreMut<'r, T, C, L> {
    /// Stages the cores of the `L` loop indices from `part` on, to write them back on drop.
    ///
    /// # Safety
    ///
    /// As for [`LaneCore::stage`], and no other view of these cores may exist during `'r`.
    #[inline(always)]
    pub(super) unsafe fn stage(cut: &'r CoreCut<C>, part: &RowPart, stage: &mut Stage) -> Self
    where
        T: 'static,
    {
        let shape = cut.shape();
        let base = stage.take::<T>(shape.size() * L);
        let lazy = shape.size() <= LAZY_ELEMENTS && cut.dense_at::<T>(part).is_some();
        // SAFETY: as for `LaneCore::stage`.
        unsafe {
            if !lazy {
                stage_cores::<T, C, L>(cut, part, base, plain::<T>());
            }
            let staged = if shape.size() == 0 {
                ArrayViewMut::from_shape(shape.clone(), &mut [])
                    .expect("an empty shape fits no elements")
                    .raw_view_mut()
            } else {
                // Row-major strides times `L` never repeat a slot.
                let strides = staged_strides::<C, L>(shape);
                RawArrayViewMut::from_shape_ptr(shape.clone().strides(strides), base)
            };
            LaneCoreMut {
                staged,
                base,
                cut,
                part: *part,
                present: lazy.then(|| Cell::new(0)),
                plain: plain::<T>(),
            }
        }
    }

    /// The first slot of the element at `index`, and the element's place in logical order.
    #[inline(always)]
    #[track_caller]
    fn slot<I: NdIndex<C>>(&self, index: I) -> (*mut T, usize) {
        let Some(at) = self.staged.get_ptr(index) else {
            panic!(
                "index out of bounds of a gufunc core of shape {:?}",
                self.staged.shape()
            );
        };
        if size_of::<T>() == 0 {
            // Every slot of a zero-sized element is one address, and holds nothing.
            return (at.cast_mut(), 0);
        }
        // SAFETY: `at` is a slot of `staged`, all of which lie from `base` on.
        let offset = unsafe { at.offset_from(self.base) }.unsigned_abs();
        (at.cast_mut(), offset / L)
    }

    /// Makes the slots of element `k` (logical order) hold the cores' values, unless they
    /// already hold a value.
    #[inline(always)]
    fn fill(&self, k: usize) {
        let Some(present) = &self.present else {
            return;
        };
        if present.get() & (1 << k) != 0 {
            return;
        }
        self.fill_cold(k, present);
    }

    #[cold]
    #[inline(never)]
    fn fill_cold(&self, k: usize, present: &Cell<u64>) {
        let first = self
            .cut
            .dense_at::<T>(&self.part)
            .expect("lazily staged cores are dense");
        let step = self.part.byte_step();
        for lane in 0..L {
            // SAFETY: as in `stage_cores`: the `L` dense cores are `step` bytes apart and
            // `k` is below their size; slot `k * L + lane` is inside the staged room.
            unsafe {
                let core = first.cast::<u8>().wrapping_offset(step * lane as isize);
                self.base
                    .add(k * L + lane)
                    .write(core.cast::<T>().add(k).read());
            }
        }
        present.set(present.get() | 1 << k);
    }

    /// Writes lane `j` of `value` to the element at `index` of the `j`-th core.
    ///
    /// # Panics
    ///
    /// If `index` is out of the core's bounds, as indexing a core view panics.
    #[inline(always)]
    #[track_caller]
    pub fn write<I: NdIndex<C>>(&mut self, index: I, value: Lanes<T, L>) {
        let (at, k) = self.slot(index);
        // SAFETY: an element's `L` slots follow it (`staged`).
        unsafe { at.cast::<[T; L]>().write_unaligned(value.0) };
        if let Some(present) = &self.present {
            present.set(present.get() | 1 << k);
        }
    }

    /// The element at `index` of every one of the `L` cores.
    ///
    /// # Panics
    ///
    /// If `index` is out of the core's bounds, as indexing a core view panics.
    #[inline(always)]
    #[track_caller]
    pub fn read<I: NdIndex<C>>(&self, index: I) -> Lanes<T, L> {
        let (at, k) = self.slot(index);
        self.fill(k);
        // SAFETY: an element's `L` slots follow it (`staged`), now holding values.
        Lanes(unsafe { at.cast::<[T; L]>().read_unaligned() })
    }

    /// The `k`-th element, in logical order, of every one of the `L` cores: how
    /// `for v in &out` reads on lanes.
    ///
    /// # Panics
    ///
    /// If `k` is not below [`len`](Self::len).
    #[inline(always)]
    #[track_caller]
    pub fn read_nth(&self, k: usize) -> Lanes<T, L> {
        assert!(
            k < self.staged.len(),
            "element {k} of a core of {}",
            self.staged.len()
        );
        self.fill(k);
        // SAFETY: the slots of element `k` in logical order are `k * L..`, inside the
        // staged `len * L`, now holding values.
        Lanes(unsafe { self.base.add(k * L).cast::<[T; L]>().read_unaligned() })
    }
}

impl<T: Copy, C: Dimension, const L: usize> Drop for LaneCoreMut<'_, T, C, L> {
    #[inline(always)]
    fn drop(&mut self) {
        let size = self.staged.len();
        // Every element, when staged at creation or all since.
        let all = match &self.present {
            None => true,
            // At most `LAZY_ELEMENTS` = 64 elements: the shift is 0 to 64.
            Some(present) => present.get() == u64::MAX.checked_shr(64 - size as u32).unwrap_or(0),
        };
        if all {
            // SAFETY: the cores were this value's alone since `stage` (its contract), and
            // every slot holds a value, staged from them or written since.
            unsafe { unstage_cores::<T, C, L>(self.cut, &self.part, self.base, self.plain) };
            return;
        }
        // Lazily staged (dense, at most 64 elements): only the elements that hold a value.
        let present = self.present.as_ref().map_or(0, Cell::get);
        let first = self
            .cut
            .dense_at::<T>(&self.part)
            .expect("lazily staged cores are dense");
        let step = self.part.byte_step();
        for k in (0..size).filter(|&k| present & (1 << k) != 0) {
            for lane in 0..L {
                // SAFETY: as in `fill_cold`, the other way: element `k`'s slots hold values.
                unsafe {
                    let core = first.cast::<u8>().wrapping_offset(step * lane as isize);
                    core.cast::<T>()
                        .add(k)
                        .write(self.base.add(k * L + lane).read());
                }
            }
        }
    }
}

impl<T, C: Dimension, const L: usize> LaneCore<'_, T, C, L> {
    /// The element at `index` of every one of the `L` cores.
    ///
    /// # Panics
    ///
    /// If `index` is out of the core's bounds, as indexing a core view panics.
    #[inline(always)]
    #[track_caller]
    pub fn read<I: NdIndex<C>>(&self, index: I) -> Lanes<T, L>
    where
        T: Copy,
    {
        let at: *const T = &raw const self.staged[index];
        // SAFETY: an element's `L` slots follow it (`staged`), all initialised.
        Lanes(unsafe { at.cast::<[T; L]>().read_unaligned() })
    }

    /// The `k`-th element, in logical order, of every one of the `L` cores: how
    /// `for v in &x` reads on lanes.
    ///
    /// # Panics
    ///
    /// If `k` is not below [`len`](Self::len).
    #[inline(always)]
    #[track_caller]
    pub fn read_nth(&self, k: usize) -> Lanes<T, L>
    where
        T: Copy,
    {
        assert!(
            k < self.staged.len(),
            "element {k} of a core of {}",
            self.staged.len()
        );
        // SAFETY: the slots of element `k` in logical order are `k * L..`, inside the
        // staged `len * L`.
        Lanes(unsafe { self.base.add(k * L).cast::<[T; L]>().read_unaligned() })
    }
}

/// The sum of `$product` for `$k` in `0..$n`, as ndarray's `dot` adds a vector's `n`
/// products: in eight partial sums where both vectors are slices
/// (`numeric_util::unrolled_dot`), in order otherwise. A macro, so that the product is
/// code in the loop and not a call per element.
macro_rules! dot_sum {
    ($zero:expr, $n:expr, $slices:expr, |$k:ident| $product:expr) => {{
        let (zero, n) = ($zero, $n);
        // Below eight products the partial sums stay zero and add nothing: in order.
        if !$slices || n < 8 {
            let mut sum = zero;
            for $k in 0..n {
                sum = sum + $product;
            }
            sum
        } else {
            let mut p = [zero; 8];
            let whole = n / 8 * 8;
            for start in (0..whole).step_by(8) {
                for (j, p) in p.iter_mut().enumerate() {
                    let $k = start + j;
                    *p = *p + $product;
                }
            }
            let mut sum = zero;
            sum = sum + (p[0] + p[4]);
            sum = sum + (p[1] + p[5]);
            sum = sum + (p[2] + p[6]);
            sum = sum + (p[3] + p[7]);
            for $k in whole..n {
                sum = sum + $product;
            }
            sum
        }
    }};
}

impl<T: Copy + Default, const L: usize> LaneCore<'_, T, ndarray::Ix1, L>
where
    Lanes<T, L>: Add<Output = Lanes<T, L>> + Mul<Output = Lanes<T, L>>,
{
    /// `x.dot(&y)` at every one of the `L` loop indices, adding in the order ndarray's
    /// `dot` adds at each (eight partial sums where both cores are contiguous, one sum in
    /// order otherwise), so that every lane is the bits the scalar body's `dot` gives.
    /// (ndarray's `blas` feature hands long vectors to BLAS instead, whose order is its
    /// own: with it, lanes may differ from the scalar body in the last bits.)
    ///
    /// # Panics
    ///
    /// If the cores' lengths differ, as `dot` panics.
    #[allow(
        clippy::assign_op_pattern,
        reason = "the bound is `Add`; the sums are spelled as ndarray's, `sum = sum + x * y`"
    )]
    #[inline(always)]
    #[track_caller]
    pub fn dot(&self, other: &LaneCore<'_, T, ndarray::Ix1, L>) -> Lanes<T, L> {
        let n = self.len();
        // ndarray's own checks and messages.
        debug_assert_eq!(n, other.len());
        assert!(
            n == other.len(),
            "assertion failed: self.len() == rhs.len()"
        );
        dot_sum!(
            Lanes::splat(T::default()),
            n,
            self.unit_rows && other.unit_rows,
            |k| self.read_nth(k) * other.read_nth(k)
        )
    }
}

impl<T: Default + ndarray::LinalgScalar, const L: usize> LaneCore<'_, T, ndarray::Ix2, L>
where
    Lanes<T, L>: Add<Output = Lanes<T, L>> + Mul<Output = Lanes<T, L>>,
{
    /// The length of `m.dot(&v)`: `m`'s rows.
    ///
    /// # Panics
    ///
    /// If `m`'s columns are not `v`'s length, as `dot` panics.
    #[inline(always)]
    #[track_caller]
    pub fn dot_rows(&self, v: &LaneCore<'_, T, ndarray::Ix1, L>) -> usize {
        let (rows, cols) = self.dim();
        assert!(
            cols == v.len(),
            "ndarray: inputs {rows} × {cols} and {} × 1 are not compatible for matrix \
             multiplication",
            v.len()
        );
        rows
    }

    /// `out.assign(&m.dot(&v))` at every one of the `L` loop indices, as ndarray computes
    /// it at each: every row's `dot` with `v` (see [`LaneCore::dot`]) times one, then
    /// assigned, a product of one row broadcast to the whole output.
    ///
    /// # Panics
    ///
    /// As the scalar body panics: if `m`'s columns are not `v`'s length, or `m`'s rows
    /// neither `out`'s length nor one.
    #[allow(
        clippy::assign_op_pattern,
        reason = "the bound is `Add`; the sums are spelled as ndarray's, `sum = sum + x * y`"
    )]
    #[inline(always)]
    #[track_caller]
    pub fn dot_into(
        &self,
        v: &LaneCore<'_, T, ndarray::Ix1, L>,
        out: &mut LaneCoreMut<'_, T, ndarray::Ix1, L>,
    ) {
        let (rows, cols) = (self.dot_rows(v), self.ncols());
        let len = out.len();
        assert!(
            rows == len || rows == 1,
            "ndarray: could not broadcast array from shape: [{rows}] to: [{len}]"
        );
        let one = Lanes::splat(T::one());
        let slices = self.unit_rows && v.unit_rows;
        for r in 0..rows {
            let zero = Lanes::splat(T::default());
            let value = dot_sum!(zero, cols, slices, |k| self.read((r, k)) * v.read_nth(k)) * one;
            if rows == len {
                out.write(r, value);
            } else {
                for i in 0..len {
                    out.write(i, value);
                }
            }
        }
    }
}

macro_rules! lane_core_methods {
    ($core:ident $(: $bound:path)?) => {
        impl<T $(: $bound)?, C: Dimension, const L: usize> $core<'_, T, C, L> {
            /// The core's number of elements, as [`ArrayView::len`].
            #[must_use]
            pub fn len(&self) -> usize {
                self.staged.len()
            }

            /// The core's length along `axis`, as [`ArrayView::len_of`].
            #[must_use]
            pub fn len_of(&self, axis: Axis) -> usize {
                self.staged.len_of(axis)
            }

            /// Whether the core has no elements.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.staged.is_empty()
            }

            /// The core's shape.
            #[must_use]
            pub fn shape(&self) -> &[usize] {
                self.staged.shape()
            }

            /// The core's shape as a pattern, as [`ArrayView::dim`].
            #[must_use]
            pub fn dim(&self) -> C::Pattern {
                self.staged.dim()
            }

            /// The core's shape as a dimension, as [`ArrayView::raw_dim`].
            #[must_use]
            pub fn raw_dim(&self) -> C {
                self.staged.raw_dim()
            }

            /// The core's rank.
            #[must_use]
            pub fn ndim(&self) -> usize {
                self.staged.ndim()
            }
        }

        impl<T $(: $bound)?, const L: usize> $core<'_, T, ndarray::Ix2, L> {
            /// The core's number of rows.
            #[must_use]
            pub fn nrows(&self) -> usize {
                self.staged.nrows()
            }

            /// The core's number of columns.
            #[must_use]
            pub fn ncols(&self) -> usize {
                self.staged.ncols()
            }
        }
    };
}

lane_core_methods!(LaneCore);
lane_core_methods!(LaneCoreMut: Copy);
