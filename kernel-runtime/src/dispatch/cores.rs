//! The gufunc driver: one kernel call per loop index, on views of each operand's core.

use std::marker::PhantomData;
use std::sync::OnceLock;

use ndarray::{ArrayView, ArrayViewD, ArrayViewMut, ArrayViewMutD, Axis, Dimension, IxDyn};

use super::core_lanes::{LaneCore, LaneCoreMut, Stage};
use super::raw::{self, RawOperand, RowPart};
use super::{LoopLayout, Schedule};
use crate::error::KernelError;

/// An input of a gufunc call: the operand broadcast to the loop shape followed by its core
/// shape, and the dimension type `C` its core views have.
#[derive(Debug)]
pub struct CoreIn<'a, T, C> {
    full: ArrayViewD<'a, T>,
    core_ndim: usize,
    core: PhantomData<C>,
}

/// An output of a gufunc call: an array of the loop shape followed by its core shape.
#[derive(Debug)]
pub struct CoreOut<'a, T, C> {
    full: ArrayViewMutD<'a, T>,
    core_ndim: usize,
    core: PhantomData<C>,
}

impl<'a, T, C: Dimension> CoreIn<'a, T, C> {
    /// `full`'s last `core_ndim` axes are its core.
    ///
    /// # Panics
    ///
    /// If `full` has fewer than `core_ndim` axes, or `C` has a static rank other than
    /// `core_ndim`: both are bugs of the caller, which binds shapes first.
    pub fn new(full: ArrayViewD<'a, T>, core_ndim: usize) -> Self {
        assert!(
            full.ndim() >= core_ndim,
            "core rank exceeds the operand's rank"
        );
        assert!(
            C::NDIM.is_none_or(|n| n == core_ndim),
            "core view rank mismatch"
        );
        CoreIn {
            full,
            core_ndim,
            core: PhantomData,
        }
    }
}

impl<'a, T, C: Dimension> CoreOut<'a, T, C> {
    /// `full`'s last `core_ndim` axes are its core.
    ///
    /// # Panics
    ///
    /// As for [`CoreIn::new`].
    pub fn new(full: ArrayViewMutD<'a, T>, core_ndim: usize) -> Self {
        assert!(
            full.ndim() >= core_ndim,
            "core rank exceeds the operand's rank"
        );
        assert!(
            C::NDIM.is_none_or(|n| n == core_ndim),
            "core view rank mismatch"
        );
        CoreOut {
            full,
            core_ndim,
            core: PhantomData,
        }
    }
}

/// What the engine needs of one operand: where it starts, its loop strides, and how to
/// cut a core view out of it.
#[derive(Debug)]
pub struct CoreGeometry {
    operand: RawOperand,
    loop_strides: Vec<isize>,
    core_shape: Vec<usize>,
    core_strides: Vec<isize>,
}

impl CoreGeometry {
    fn of(operand: RawOperand, shape: &[usize], strides: &[isize], core_ndim: usize) -> Self {
        let split = shape.len() - core_ndim;
        CoreGeometry {
            operand,
            loop_strides: strides[..split].to_vec(),
            core_shape: shape[split..].to_vec(),
            core_strides: strides[split..].to_vec(),
        }
    }

    /// How to cut this operand's core view at any loop index: worked out once per call, so
    /// that a loop index only moves the address.
    fn cut<C: Dimension>(&self) -> CoreCut<C> {
        let mut shape = C::zeros(self.core_shape.len());
        let mut strides = C::zeros(self.core_shape.len());
        let mut flips = Vec::new();
        let mut back = 0_isize;
        for (axis, (&len, &stride)) in self.core_shape.iter().zip(&self.core_strides).enumerate() {
            shape[axis] = len;
            strides[axis] = stride.unsigned_abs();
            if stride < 0 && len > 0 {
                // ndarray builds views from the lowest address with non-negative strides.
                back += stride * (len as isize - 1) * self.operand.elem_size() as isize;
                flips.push(axis);
            }
        }
        let empty = shape.size() == 0;
        let dense = flips.is_empty()
            && shape
                .slice()
                .iter()
                .zip(strides.slice().iter().zip(shape.default_strides().slice()))
                .all(|(&len, (&stride, &row_major))| len <= 1 || stride == row_major);
        // Whether lines along the last axis of the view `view` builds (flipped axes have
        // negative strides there) are ndarray slices: what `dot` adds in eight sums for.
        let unit_rows = shape.slice().last().is_none_or(|&len| {
            let last = shape.ndim() - 1;
            len <= 1 || (!flips.contains(&last) && strides[last] == 1)
        });
        CoreCut {
            shape,
            strides,
            back,
            flips,
            empty,
            dense,
            unit_rows,
        }
    }
}

/// The shape, non-negative strides and flipped axes of one operand's core view, and the
/// byte offset from a loop index's element to the core's lowest address.
#[derive(Debug)]
pub struct CoreCut<C> {
    shape: C,
    strides: C,
    back: isize,
    flips: Vec<usize>,
    empty: bool,
    /// Whether the core's elements lie in logical order, one after another.
    dense: bool,
    /// Whether the core's lines along its last axis (the core itself for a vector) are
    /// contiguous, as ndarray's `as_slice` of such a line asks.
    unit_rows: bool,
}

impl<C: Dimension> CoreCut<C> {
    /// The core's shape.
    pub(super) fn shape(&self) -> &C {
        &self.shape
    }

    /// The address of the first element at `part` when the core's elements lie in logical
    /// order one after another (a row-major core), so that element `k` is `k` on.
    #[inline(always)]
    pub(super) fn dense_at<T>(&self, part: &RowPart) -> Option<*mut T> {
        self.dense.then(|| part.ptr().cast())
    }

    /// Whether the core's lines along its last axis are contiguous.
    pub(super) fn unit_rows(&self) -> bool {
        self.unit_rows
    }

    /// The read-only core view at `part`.
    ///
    /// # Safety
    ///
    /// `part` must address the operand's element at one loop index, so that its core shape
    /// and strides from there stay inside it, borrowed for `'r`.
    #[inline(always)]
    pub(super) unsafe fn view<'r, T>(&self, part: &RowPart) -> ArrayView<'r, T, C> {
        if self.empty {
            return ArrayView::from_shape(self.shape.clone(), &[])
                .expect("an empty shape fits no elements");
        }
        let shape = ndarray::ShapeBuilder::strides(self.shape.clone(), self.strides.clone());
        // SAFETY: `back` moves to the lowest address of a core inside the operand, whose
        // strides from there are non-negative (this function's contract and `cut`), as
        // `from_shape_ptr` requires.
        let mut view = unsafe {
            ArrayView::from_shape_ptr(shape, part.ptr().wrapping_offset(self.back).cast())
        };
        for &axis in &self.flips {
            view.invert_axis(Axis(axis));
        }
        view
    }

    /// The mutable core view at `part`.
    ///
    /// # Safety
    ///
    /// As for [`CoreCut::view`], and no other view of this core may exist during `'r`.
    #[inline(always)]
    pub(super) unsafe fn view_mut<'r, T>(&self, part: &RowPart) -> ArrayViewMut<'r, T, C> {
        if self.empty {
            // An empty core's strides may repeat (stride 0 on a long axis beside an empty
            // one), which ndarray's overlap check refuses for mutable views; the view holds
            // no element, so it is built without them.
            return ArrayViewMut::from_shape(self.shape.clone(), &mut [])
                .expect("an empty shape fits no elements");
        }
        let shape = ndarray::ShapeBuilder::strides(self.shape.clone(), self.strides.clone());
        // SAFETY: as for `view`; exclusivity is this function's contract.
        let mut view = unsafe {
            ArrayViewMut::from_shape_ptr(shape, part.ptr().wrapping_offset(self.back).cast())
        };
        for &axis in &self.flips {
            view.invert_axis(Axis(axis));
        }
        view
    }
}

/// A tuple of [`CoreIn`]s.
pub trait CoreInputs: Send + Sync + super::sealed::Sealed {
    /// The core views of one loop index.
    type Views<'r>;
    /// How to cut each operand's core view.
    type Cuts: Sync;
    /// Each operand's geometry.
    fn geometry(&self) -> Vec<CoreGeometry>;
    /// Each operand's loop shape: its shape without the core axes.
    fn loop_shapes(&self) -> Vec<&[usize]>;
    /// How to cut each operand's core view, from its `geometry`.
    fn cuts(geometry: &[CoreGeometry]) -> Self::Cuts;
    /// Builds the core views at one loop index.
    ///
    /// # Safety
    ///
    /// `parts[k]` must address operand `k`'s element at one loop index, so that its core
    /// shape and strides from there stay inside it, borrowed for `'r`; `cuts` must come
    /// from this operand tuple's geometry.
    unsafe fn views<'r>(cuts: &Self::Cuts, parts: &[RowPart]) -> Self::Views<'r>;
    /// The core views of `L` consecutive loop indices, read together.
    type Lanes<'r, const L: usize>;
    /// Stages the cores of the `L` loop indices from `parts` on into `stage`, side by side.
    ///
    /// # Safety
    ///
    /// As for [`CoreInputs::views`], for each of the `L` loop indices `parts` and its
    /// `L - 1` advances address; `stage` must not be reused while the result lives.
    unsafe fn lanes<'r, const L: usize>(
        cuts: &'r Self::Cuts,
        parts: &[RowPart],
        stage: &mut Stage,
    ) -> Self::Lanes<'r, L>;
}

/// A tuple of [`CoreOut`]s.
pub trait CoreOutputs: Send + Sync + super::sealed::Sealed {
    /// The mutable core views of one loop index.
    type Views<'r>;
    /// How to cut each operand's core view.
    type Cuts: Sync;
    /// Each operand's geometry.
    fn geometry(&mut self) -> Vec<CoreGeometry>;
    /// Each operand's loop shape: its shape without the core axes.
    fn loop_shapes(&self) -> Vec<&[usize]>;
    /// How to cut each operand's core view, from its `geometry`.
    fn cuts(geometry: &[CoreGeometry]) -> Self::Cuts;
    /// Builds the mutable core views at one loop index.
    ///
    /// # Safety
    ///
    /// As for [`CoreInputs::views`], and no two loop indices handed out at the same time may
    /// be the same.
    unsafe fn views<'r>(cuts: &Self::Cuts, parts: &[RowPart]) -> Self::Views<'r>;
    /// The mutable core views of `L` consecutive loop indices, written together.
    type Lanes<'r, const L: usize>;
    /// Stages the cores of the `L` loop indices from `parts` on into `stage`, to be
    /// written back when the result drops.
    ///
    /// # Safety
    ///
    /// As for [`CoreOutputs::views`], for each of the `L` loop indices; `stage` must not be
    /// reused while the result lives.
    unsafe fn lanes<'r, const L: usize>(
        cuts: &'r Self::Cuts,
        parts: &[RowPart],
        stage: &mut Stage,
    ) -> Self::Lanes<'r, L>;
}

macro_rules! impl_cores {
    ($($elem:ident $dim:ident $idx:tt),+) => {
        impl<$($elem: Copy + Sync + 'static, $dim: Dimension),+> super::sealed::Sealed
            for ($(CoreIn<'_, $elem, $dim>,)+)
        {
        }

        impl<$($elem: Copy + Send + Sync + 'static, $dim: Dimension + 'static),+> super::sealed::Sealed
            for ($(CoreOut<'_, $elem, $dim>,)+)
        {
        }

        impl<$($elem: Copy + Sync + 'static, $dim: Dimension),+> CoreInputs
            for ($(CoreIn<'_, $elem, $dim>,)+)
        {
            type Views<'r> = ($(ArrayView<'r, $elem, $dim>,)+);
            type Cuts = ($(CoreCut<$dim>,)+);
            fn geometry(&self) -> Vec<CoreGeometry> {
                vec![$({
                    let full = &self.$idx.full;
                    CoreGeometry::of(
                        RawOperand::of_view(full),
                        full.shape(),
                        full.strides(),
                        self.$idx.core_ndim,
                    )
                }),+]
            }
            fn loop_shapes(&self) -> Vec<&[usize]> {
                vec![$({
                    let shape = self.$idx.full.shape();
                    &shape[..shape.len() - self.$idx.core_ndim]
                }),+]
            }
            fn cuts(geometry: &[CoreGeometry]) -> Self::Cuts {
                ($(geometry[$idx].cut::<$dim>(),)+)
            }
            #[inline(always)]
            unsafe fn views<'r>(cuts: &Self::Cuts, parts: &[RowPart]) -> Self::Views<'r> {
                // SAFETY: forwarded from this function's contract.
                unsafe { ($(cuts.$idx.view::<$elem>(&parts[$idx]),)+) }
            }
            type Lanes<'r, const L: usize> = ($(LaneCore<'r, $elem, $dim, L>,)+);
            #[inline(always)]
            unsafe fn lanes<'r, const L: usize>(
                cuts: &'r Self::Cuts,
                parts: &[RowPart],
                stage: &mut Stage,
            ) -> Self::Lanes<'r, L> {
                // SAFETY: forwarded from this function's contract.
                unsafe { ($(LaneCore::stage(&cuts.$idx, &parts[$idx], stage),)+) }
            }
        }

        impl<$($elem: Copy + Send + Sync + 'static, $dim: Dimension + 'static),+> CoreOutputs
            for ($(CoreOut<'_, $elem, $dim>,)+)
        {
            type Views<'r> = ($(ArrayViewMut<'r, $elem, $dim>,)+);
            type Cuts = ($(CoreCut<$dim>,)+);
            fn geometry(&mut self) -> Vec<CoreGeometry> {
                vec![$({
                    let core_ndim = self.$idx.core_ndim;
                    let full = &mut self.$idx.full;
                    let (shape, strides) = (full.shape().to_vec(), full.strides().to_vec());
                    CoreGeometry::of(RawOperand::of_view_mut(full), &shape, &strides, core_ndim)
                }),+]
            }
            fn loop_shapes(&self) -> Vec<&[usize]> {
                vec![$({
                    let shape = self.$idx.full.shape();
                    &shape[..shape.len() - self.$idx.core_ndim]
                }),+]
            }
            fn cuts(geometry: &[CoreGeometry]) -> Self::Cuts {
                ($(geometry[$idx].cut::<$dim>(),)+)
            }
            #[inline(always)]
            unsafe fn views<'r>(cuts: &Self::Cuts, parts: &[RowPart]) -> Self::Views<'r> {
                // SAFETY: forwarded from this function's contract.
                unsafe { ($(cuts.$idx.view_mut::<$elem>(&parts[$idx]),)+) }
            }
            type Lanes<'r, const L: usize> = ($(LaneCoreMut<'r, $elem, $dim, L>,)+);
            #[inline(always)]
            unsafe fn lanes<'r, const L: usize>(
                cuts: &'r Self::Cuts,
                parts: &[RowPart],
                stage: &mut Stage,
            ) -> Self::Lanes<'r, L> {
                // SAFETY: forwarded from this function's contract.
                unsafe { ($(LaneCoreMut::stage(&cuts.$idx, &parts[$idx], stage),)+) }
            }
        }
    };
}

impl_cores!(A0 C0 0);
impl_cores!(A0 C0 0, A1 C1 1);
impl_cores!(A0 C0 0, A1 C1 1, A2 C2 2);
impl_cores!(A0 C0 0, A1 C1 1, A2 C2 2, A3 C3 3);
impl_cores!(A0 C0 0, A1 C1 1, A2 C2 2, A3 C3 3, A4 C4 4);
impl_cores!(A0 C0 0, A1 C1 1, A2 C2 2, A3 C3 3, A4 C4 4, A5 C5 5);
impl_cores!(A0 C0 0, A1 C1 1, A2 C2 2, A3 C3 3, A4 C4 4, A5 C5 5, A6 C6 6);
impl_cores!(A0 C0 0, A1 C1 1, A2 C2 2, A3 C3 3, A4 C4 4, A5 C5 5, A6 C6 6, A7 C7 7);

/// Runs `kernel` once per index of the loop space `loop_shape`, on the core views of
/// every operand at that index, in parallel as `schedule` allows.
///
/// Every operand's shape must be `loop_shape` followed by its core shape: broadcast inputs
/// first (stride-0 loop axes are fine), pass outputs of exactly that shape. A kernel that
/// returns an error stops nothing already running; the first error is returned.
///
/// # Errors
///
/// [`KernelError::ShapeMismatch`] if an operand's axes before its core are not exactly
/// `loop_shape`; any error the kernel returns.
///
/// # Examples
///
/// ```
/// use kernel_runtime::dispatch::{CoreIn, CoreOut, Schedule, zip_cores};
/// use ndarray::{Ix0, Ix1, array};
///
/// // "(n)->()": the sum of each row.
/// let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
/// let mut sums = ndarray::Array1::<f64>::zeros(3);
/// zip_cores(
///     &[3],
///     (CoreIn::<f64, Ix1>::new(x.view().into_dyn(), 1),),
///     (CoreOut::<f64, Ix0>::new(sums.view_mut().into_dyn(), 0),),
///     Schedule::default(),
///     |(row,), (mut sum,)| {
///         sum[()] = row.sum();
///         Ok(())
///     },
/// )?;
/// assert_eq!(sums, array![3.0, 7.0, 11.0]);
/// # Ok::<(), kernel_runtime::KernelError>(())
/// ```
pub fn zip_cores<I, O, K>(
    loop_shape: &[usize],
    inputs: I,
    outputs: O,
    schedule: Schedule,
    kernel: K,
) -> Result<(), KernelError>
where
    I: CoreInputs,
    O: CoreOutputs,
    K: for<'r> Fn(I::Views<'r>, O::Views<'r>) -> Result<(), KernelError> + Sync,
{
    // SAFETY: `drive` hands the segment function parts of whole loop indices.
    unsafe {
        drive(loop_shape, inputs, outputs, schedule, |cuts, at, len| {
            for _ in 0..len {
                let (out_parts, in_parts) = at.split_at(cuts.outs);
                kernel(
                    I::views(&cuts.inputs, in_parts),
                    O::views(&cuts.outputs, out_parts),
                )?;
                advance(at, 1);
            }
            Ok(())
        })
    }
}

/// As [`zip_cores`], running `lanes` on each run of `L` consecutive loop indices of a
/// segment (every operand's core read or written at `L` loop indices at once: how a
/// `#[guvectorize]` body evaluated on lanes runs) and `kernel` on the indices left over.
///
/// `lanes` must compute for each of its `L` loop indices what `kernel` computes for it.
///
/// # Errors
///
/// As for [`zip_cores`].
pub fn zip_cores_lanes<I, O, LK, K, const L: usize>(
    loop_shape: &[usize],
    inputs: I,
    outputs: O,
    schedule: Schedule,
    lanes: LK,
    kernel: K,
) -> Result<(), KernelError>
where
    I: CoreInputs,
    O: CoreOutputs,
    LK: for<'r> Fn(I::Lanes<'r, L>, O::Lanes<'r, L>) -> Result<(), KernelError> + Sync,
    K: for<'r> Fn(I::Views<'r>, O::Views<'r>) -> Result<(), KernelError> + Sync,
{
    // SAFETY: `drive` hands the segment function parts of whole loop indices; runs of `L`
    // stay inside the segment.
    unsafe {
        drive(loop_shape, inputs, outputs, schedule, |cuts, at, len| {
            let mut stage = Stage::new();
            for _ in 0..len / L {
                let (out_parts, in_parts) = at.split_at(cuts.outs);
                stage.clear();
                let outputs = O::lanes::<L>(&cuts.outputs, out_parts, &mut stage);
                let inputs = I::lanes::<L>(&cuts.inputs, in_parts, &mut stage);
                lanes(inputs, outputs)?;
                advance(at, L);
            }
            for _ in 0..len % L {
                let (out_parts, in_parts) = at.split_at(cuts.outs);
                kernel(
                    I::views(&cuts.inputs, in_parts),
                    O::views(&cuts.outputs, out_parts),
                )?;
                advance(at, 1);
            }
            Ok(())
        })
    }
}

/// Moves every operand's part `count` loop indices on.
#[inline(always)]
fn advance(parts: &mut [RowPart], count: usize) {
    for part in parts {
        part.advance_by(count);
    }
}

/// How the engine cuts the core views of a call: the outputs' cuts, the inputs', and how
/// many of a segment's parts are outputs (they come first).
struct Cuts<I, O> {
    inputs: I,
    outputs: O,
    outs: usize,
}

/// Checks the operands against `loop_shape`, lays the loop out, and calls `segment` on
/// each run of loop indices with every operand's part at the first (outputs first) and
/// the run's length. The first error `segment` returns is returned; others still run.
///
/// # Safety
///
/// `segment` may build core views at the `len` loop indices from its parts on, and no
/// further: the engine hands each loop index to one call.
unsafe fn drive<I, O, F>(
    loop_shape: &[usize],
    inputs: I,
    mut outputs: O,
    schedule: Schedule,
    segment: F,
) -> Result<(), KernelError>
where
    I: CoreInputs,
    O: CoreOutputs,
    F: Fn(&Cuts<I::Cuts, O::Cuts>, &mut [RowPart], usize) -> Result<(), KernelError> + Sync,
{
    // Every operand's axes before its core must be exactly the loop's: the layout and the
    // core views below are built on that.
    let check = |operand, found: &[usize]| crate::operand::check_shape(operand, loop_shape, found);
    for (index, shape) in outputs.loop_shapes().into_iter().enumerate() {
        check(crate::Operand::output(index), shape)?;
    }
    let inputs_count = inputs.loop_shapes().len();
    for (index, shape) in inputs.loop_shapes().into_iter().enumerate() {
        check(crate::Operand::input(index), shape)?;
    }
    let mut geometry = outputs.geometry();
    geometry.extend(inputs.geometry());
    let strides: Vec<&[isize]> = geometry.iter().map(|g| &g.loop_strides[..]).collect();
    let layout = LoopLayout::new(loop_shape, &strides);
    let operands: Vec<RawOperand> = geometry.iter().map(|g| g.operand).collect();
    let outs = geometry.len() - inputs_count;
    let (out_geometry, in_geometry) = geometry.split_at(outs);
    let cuts = Cuts {
        inputs: I::cuts(in_geometry),
        outputs: O::cuts(out_geometry),
        outs,
    };
    let first_error = OnceLock::new();
    // SAFETY: every operand's axes before its core were checked to be exactly
    // `loop_shape`, the layout was built from their own strides, and each core view is cut
    // from its operand's own core shape and strides (`CoreGeometry::of`), so it stays
    // inside the operand. Outputs come from `ArrayViewMut`s, whose safe constructors never
    // give two indices one element, so the cores of two loop indices are disjoint, and the
    // engine hands each loop index to one call (this function's contract for `segment`);
    // empty cores are built without a pointer (`CoreCut::view_mut`).
    unsafe {
        // One loop item is a whole core: chunks may end anywhere.
        raw::for_each_segment(&layout, &operands, schedule, 1, |parts, len| {
            let mut at: Vec<RowPart> = parts.to_vec();
            if let Err(error) = segment(&cuts, &mut at, len) {
                let _ = first_error.set(error);
            }
        });
    }
    match first_error.into_inner() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// The core views of a `()` operand are 0-d: this is their one element.
pub fn scalar_of<T: Copy>(view: &ArrayView<'_, T, ndarray::Ix0>) -> T {
    view[()]
}

/// Broadcasts an input to `loop_shape` followed by its own core shape.
///
/// # Panics
///
/// If it does not broadcast: callers bind shapes first.
#[track_caller]
pub fn broadcast_core<'v, T, D: Dimension>(
    view: &'v ArrayView<'_, T, D>,
    loop_shape: &[usize],
    core_shape: &[usize],
) -> ArrayViewD<'v, T> {
    let mut shape = loop_shape.to_vec();
    shape.extend_from_slice(core_shape);
    crate::operand::broadcast_to(view, &IxDyn(&shape))
}

/// Copies a core result a gufunc kernel returned into its output slot.
///
/// # Errors
///
/// [`KernelError::ShapeMismatch`] naming `operand` if the kernel returned another shape
/// than the signature bound for that output.
pub fn assign_returned<T, C, S>(
    operand: crate::Operand,
    out: &mut ArrayViewMut<'_, T, C>,
    value: &ndarray::ArrayBase<S, C>,
) -> Result<(), KernelError>
where
    T: Clone,
    C: Dimension,
    S: ndarray::Data<Elem = T>,
{
    crate::operand::check_shape(operand, out.shape(), value.shape())?;
    out.assign(value);
    Ok(())
}
