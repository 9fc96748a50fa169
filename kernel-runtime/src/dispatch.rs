//! The parallel driver: runs a kernel over a loop space, split across rayon's threads.
//!
//! Every macro lowers to the same engine. The loop space is the broadcast shape of a call
//! (for `#[vectorize]`), its loop dimensions (for `#[guvectorize]`), or the rows of the
//! output (for `#[stencil]`). The engine cuts it into *row segments*, runs of consecutive
//! elements along the innermost axis, and hands each one to the kernel as ndarray views:
//! never copies.
//!
//! # How the work is split
//!
//! * **Layout.** [`zip_rows`] first reorders axes so that the output's smallest stride is
//!   innermost (NumPy's iterator does the same), then merges axes that are contiguous in
//!   every operand, so that a C-contiguous `(1000, 3)` call becomes one row of 3000
//!   elements. A row whose operands all have stride 1 (or 0, for broadcast inputs) can be
//!   read as slices: that is the kernel's fast path.
//! * **Grain.** Calls with less work than [`Schedule::grain`] run on the calling thread and
//!   never touch rayon. Larger calls are cut into chunks of at least `grain` elements,
//!   about four per thread, cut anywhere in the flattened loop space, so that one long 1-D
//!   array uses every core just as a stack of rows does.
//! * **Pool.** Chunks run as a rayon parallel iterator on the *current* pool: call a
//!   kernel inside [`rayon::ThreadPool::install`] to choose the pool; `RAYON_NUM_THREADS`
//!   sizes the global one.
//! * **Determinism.** Each element is computed by exactly one chunk and written once, so a
//!   parallel run gives bit-for-bit the result of a serial one. Reductions have their own
//!   fixed-order rules (see the `#[vectorize]` docs).
//!
//! [`serial`] runs a closure with parallelism switched off for kernels called on this
//! thread, for debugging and for callers that parallelise at a coarser level themselves.
//!
//! # Examples
//!
//! ```
//! use kernel_runtime::dispatch::{zip_rows, Schedule};
//! use ndarray::{Array2, ArrayView1, ArrayViewMut1, array};
//!
//! let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let b = array![10.0, 20.0, 30.0];
//! let b = b.broadcast((2, 3)).unwrap();
//! let mut out = Array2::<f64>::zeros((2, 3));
//! zip_rows(
//!     (a.view(), b),
//!     (out.view_mut(),),
//!     Schedule::default(),
//!     |(a, b): (ArrayView1<f64>, ArrayView1<f64>), (mut out,): (ArrayViewMut1<f64>,)| {
//!         for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
//!             *o = x + y;
//!         }
//!     },
//! )?;
//! assert_eq!(out, array![[11.0, 22.0, 33.0], [14.0, 25.0, 36.0]]);
//! # Ok::<(), kernel_runtime::KernelError>(())
//! ```

use std::cell::Cell;

use ndarray::{ArrayView1, ArrayViewMut1, Dimension};

use crate::error::{KernelError, Operand};
use crate::operand::check_shape;

mod core_lanes;
mod cores;
mod layout;
mod raw;
pub(crate) mod transpose;

pub use core_lanes::{LANE_CORES_BYTES, LaneCore, LaneCoreMut, Stage, lanes_fit};
pub use cores::{
    CoreCut, CoreIn, CoreInputs, CoreOut, CoreOutputs, assign_returned, broadcast_core, scalar_of,
    zip_cores, zip_cores_lanes,
};
pub use layout::LoopLayout;

/// Work below this many elements runs on the calling thread: measured on the addarr
/// workload, splitting smaller calls costs more in rayon's wake-ups than it gains.
pub const DEFAULT_GRAIN: usize = 1 << 15;

/// Element kernels' chunks start on multiples of this many items, so that their SIMD loops
/// see whole lane vectors everywhere but at the ends of rows.
const LANE_ALIGN: usize = 64;

/// How a call may be split across threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The least amount of work, in elements (or kernel invocations times their cost),
    /// that is worth a chunk of its own.
    pub grain: usize,
    /// Whether the call may use rayon at all.
    pub parallel: bool,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            grain: DEFAULT_GRAIN,
            parallel: true,
        }
    }
}

impl Schedule {
    /// A schedule that never leaves the calling thread.
    pub const SERIAL: Schedule = Schedule {
        grain: usize::MAX,
        parallel: false,
    };

    /// The same schedule with the grain scaled for kernels that cost `cost` elements'
    /// worth of work per loop item, such as a gufunc over a core of `cost` elements.
    #[must_use]
    pub fn with_cost(self, cost: usize) -> Self {
        Schedule {
            grain: (self.grain / cost.max(1)).max(1),
            ..self
        }
    }

    /// How many chunks `items` loop items should be cut into on the current pool: 1 means
    /// the work stays on the calling thread.
    pub fn chunk_count(self, items: usize) -> usize {
        if !self.parallel || SERIAL.get() || items <= self.grain {
            return 1;
        }
        let threads = rayon::current_num_threads();
        if threads <= 1 {
            return 1;
        }
        (items / self.grain.max(1)).clamp(1, threads * 4)
    }
}

thread_local! {
    static SERIAL: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every kernel called on this thread running serially.
///
/// Serial results equal parallel ones bit for bit; this is for profiling, debugging and
/// callers that already run kernels from several threads.
///
/// # Examples
///
/// ```
/// use kernel_runtime::dispatch::{serial, is_serial};
///
/// assert!(!is_serial());
/// serial(|| assert!(is_serial()));
/// assert!(!is_serial());
/// ```
pub fn serial<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SERIAL.set(self.0);
        }
    }
    let _restore = Restore(SERIAL.replace(true));
    f()
}

/// Whether kernels called on this thread now run serially (inside [`serial`]).
pub fn is_serial() -> bool {
    SERIAL.get()
}

/// Keeps the operand traits to this crate's tuples: the drivers read and write through the
/// pointers and shapes they report, so an implementation elsewhere could address memory
/// that is not its operand's from safe code.
pub(crate) mod sealed {
    /// Implemented by the tuples of views and cores the drivers take, and nothing else.
    pub trait Sealed {}
}

/// A tuple of read-only views over one loop space, such as `(ArrayView2<f64>, ArrayView2<u8>)`.
///
/// Implemented for tuples of up to twelve [`ndarray::ArrayView`]s of any dimension type.
pub trait InputViews: Send + Sync + sealed::Sealed {
    /// The views of one row segment: a tuple of [`ArrayView1`]s.
    type Rows<'r>;
    /// How many views the tuple holds.
    const LEN: usize;
    /// Each view's shape.
    fn shapes(&self) -> Vec<&[usize]>;
    /// Each view's strides, in elements.
    fn strides(&self) -> Vec<&[isize]>;
    /// Each view's pointer to its first element and its element size.
    fn raw(&self) -> Vec<raw::RawOperand>;
    /// Builds the row views of one segment.
    ///
    /// # Safety
    ///
    /// `rows` must hold, for each view in order, a pointer and byte step that address `len`
    /// elements inside that view, and the views must outlive `'r`.
    unsafe fn rows<'r>(rows: &[raw::RowPart], len: usize) -> Self::Rows<'r>;
}

/// A tuple of mutable views over one loop space, such as `(ArrayViewMut2<f64>,)`.
///
/// Implemented for tuples of up to four [`ndarray::ArrayViewMut`]s of any dimension type.
pub trait OutputViews: Send + Sync + sealed::Sealed {
    /// The views of one row segment: a tuple of [`ArrayViewMut1`]s.
    type Rows<'r>;
    /// How many views the tuple holds.
    const LEN: usize;
    /// Each view's shape.
    fn shapes(&self) -> Vec<&[usize]>;
    /// Each view's strides, in elements.
    fn strides(&self) -> Vec<&[isize]>;
    /// Each view's pointer to its first element and its element size.
    fn raw(&mut self) -> Vec<raw::RawOperand>;
    /// Builds the row views of one segment.
    ///
    /// # Safety
    ///
    /// As for [`InputViews::rows`], and no two segments handed out at the same time may
    /// address the same element.
    unsafe fn rows<'r>(rows: &[raw::RowPart], len: usize) -> Self::Rows<'r>;
}

macro_rules! impl_views {
    ($($view:ident $elem:ident $dim:ident $idx:tt),+) => {
        impl<$($elem: Sync + 'static, $dim: Dimension),+> sealed::Sealed
            for ($(ndarray::ArrayView<'_, $elem, $dim>,)+)
        {
        }

        impl<$($elem: Sync + 'static, $dim: Dimension),+> InputViews
            for ($(ndarray::ArrayView<'_, $elem, $dim>,)+)
        {
            type Rows<'r> = ($(ArrayView1<'r, $elem>,)+);
            const LEN: usize = [$($idx),+].len();
            fn shapes(&self) -> Vec<&[usize]> {
                vec![$(self.$idx.shape()),+]
            }
            fn strides(&self) -> Vec<&[isize]> {
                vec![$(self.$idx.strides()),+]
            }
            fn raw(&self) -> Vec<raw::RawOperand> {
                vec![$(raw::RawOperand::of_view(&self.$idx)),+]
            }
            unsafe fn rows<'r>(rows: &[raw::RowPart], len: usize) -> Self::Rows<'r> {
                // SAFETY: forwarded from this function's contract.
                unsafe { ($(rows[$idx].view::<$elem>(len),)+) }
            }
        }
    };
}

macro_rules! impl_views_mut {
    ($($view:ident $elem:ident $dim:ident $idx:tt),+) => {
        impl<$($elem: Send + Sync + 'static, $dim: Dimension),+> sealed::Sealed
            for ($(ndarray::ArrayViewMut<'_, $elem, $dim>,)+)
        {
        }

        impl<$($elem: Send + Sync + 'static, $dim: Dimension),+> OutputViews
            for ($(ndarray::ArrayViewMut<'_, $elem, $dim>,)+)
        {
            type Rows<'r> = ($(ArrayViewMut1<'r, $elem>,)+);
            const LEN: usize = [$($idx),+].len();
            fn shapes(&self) -> Vec<&[usize]> {
                vec![$(self.$idx.shape()),+]
            }
            fn strides(&self) -> Vec<&[isize]> {
                vec![$(self.$idx.strides()),+]
            }
            fn raw(&mut self) -> Vec<raw::RawOperand> {
                vec![$(raw::RawOperand::of_view_mut(&mut self.$idx)),+]
            }
            unsafe fn rows<'r>(rows: &[raw::RowPart], len: usize) -> Self::Rows<'r> {
                // SAFETY: forwarded from this function's contract.
                unsafe { ($(rows[$idx].view_mut::<$elem>(len),)+) }
            }
        }
    };
}

impl_views!(V0 A0 D0 0);
impl_views!(V0 A0 D0 0, V1 A1 D1 1);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4, V5 A5 D5 5);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4, V5 A5 D5 5,
    V6 A6 D6 6);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4, V5 A5 D5 5,
    V6 A6 D6 6, V7 A7 D7 7);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4, V5 A5 D5 5,
    V6 A6 D6 6, V7 A7 D7 7, V8 A8 D8 8);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4, V5 A5 D5 5,
    V6 A6 D6 6, V7 A7 D7 7, V8 A8 D8 8, V9 A9 D9 9);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4, V5 A5 D5 5,
    V6 A6 D6 6, V7 A7 D7 7, V8 A8 D8 8, V9 A9 D9 9, V10 A10 D10 10);
impl_views!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3, V4 A4 D4 4, V5 A5 D5 5,
    V6 A6 D6 6, V7 A7 D7 7, V8 A8 D8 8, V9 A9 D9 9, V10 A10 D10 10, V11 A11 D11 11);

impl_views_mut!(V0 A0 D0 0);
impl_views_mut!(V0 A0 D0 0, V1 A1 D1 1);
impl_views_mut!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2);
impl_views_mut!(V0 A0 D0 0, V1 A1 D1 1, V2 A2 D2 2, V3 A3 D3 3);

/// Runs `kernel` over every row segment of a loop space shared by `inputs` and `outputs`.
///
/// All views must have the same shape: broadcast inputs first (a stride-0 input is fine),
/// and pass outputs of exactly the loop shape. The kernel receives one [`ArrayView1`] per
/// input and one [`ArrayViewMut1`] per output, all of the same length, covering a run of
/// consecutive elements along the (reordered, merged) innermost axis. Which runs it gets,
/// and on which threads, is up to `schedule`; each element is in exactly one run.
///
/// # Errors
///
/// [`KernelError::ShapeMismatch`] if any view's shape differs from the first output's.
#[allow(
    clippy::needless_pass_by_value,
    reason = "views are taken like ndarray's Zip takes them"
)]
pub fn zip_rows<I, O, K>(
    inputs: I,
    mut outputs: O,
    schedule: Schedule,
    kernel: K,
) -> Result<(), KernelError>
where
    I: InputViews,
    O: OutputViews,
    K: for<'r> Fn(I::Rows<'r>, O::Rows<'r>) + Sync,
{
    let output_shapes = outputs.shapes();
    let shape = output_shapes[0].to_vec();
    for (index, found) in output_shapes.iter().enumerate() {
        check_shape(Operand::output(index), &shape, found)?;
    }
    for (index, found) in inputs.shapes().iter().enumerate() {
        check_shape(Operand::input(index), &shape, found)?;
    }
    let mut strides: Vec<&[isize]> = outputs.strides();
    strides.extend(inputs.strides());
    let layout = LoopLayout::new(&shape, &strides);
    drop(strides);
    drop(output_shapes);

    let mut operands = outputs.raw();
    operands.extend(inputs.raw());
    let outs = O::LEN;
    // SAFETY: every operand was just checked to have the loop shape, and `layout` was
    // built from their own strides; outputs come from `ArrayViewMut`s, which never alias,
    // and the engine hands each element to exactly one segment.
    unsafe {
        raw::for_each_segment(&layout, &operands, schedule, LANE_ALIGN, |parts, len| {
            let (out_parts, in_parts) = parts.split_at(outs);
            kernel(I::rows(in_parts, len), O::rows(out_parts, len));
        });
    }
    Ok(())
}

/// Runs `kernel` over the rows of `output`, in parallel, handing it each row's index.
///
/// The loop space is every axis of `output` but the last, in order and never merged, so
/// the kernel learns where it is: `index` holds the row's position on each of those axes
/// and `start` the position of the segment's first element along the last axis. This is
/// the driver of `#[stencil]`, whose kernels read neighbours of that position from inputs
/// they borrow themselves.
///
/// # Examples
///
/// ```
/// use kernel_runtime::dispatch::{for_each_row_mut, Schedule};
/// use ndarray::Array2;
///
/// let mut out = Array2::<usize>::zeros((3, 4));
/// for_each_row_mut(out.view_mut(), Schedule::default(), |index, start, mut row| {
///     for (j, x) in row.iter_mut().enumerate() {
///         *x = 10 * index[0] + start + j;
///     }
/// });
/// assert_eq!(out[[2, 3]], 23);
/// ```
pub fn for_each_row_mut<T, D, K>(
    mut output: ndarray::ArrayViewMut<'_, T, D>,
    schedule: Schedule,
    kernel: K,
) where
    T: Send + Sync,
    D: Dimension,
    K: Fn(&[usize], usize, ArrayViewMut1<'_, T>) + Sync,
{
    let layout = LoopLayout::in_order(output.shape(), &[output.strides()]);
    let operand = raw::RawOperand::of_view_mut(&mut output);
    // SAFETY: the layout is the view's own shape and strides, and the view is mutable,
    // hence free of aliasing; each element goes to one segment.
    unsafe {
        raw::for_each_indexed_segment(
            &layout,
            &[operand],
            schedule,
            LANE_ALIGN,
            |index, start, parts, len| {
                kernel(index, start, parts[0].view_mut::<T>(len));
            },
        );
    }
}

#[cfg(test)]
mod tests;
