//! The engine's unsafe core: raw pointers to operands, split into disjoint row segments.
//!
//! The elementwise and gufunc drivers' pointer arithmetic lives here (staging gufunc cores
//! for lanes has its own, in `core_lanes`; the stencil readers theirs, in `stencil`). The
//! safe drivers in `dispatch` check shapes once per call and then promise, through the
//! contracts below, that every pointer this module computes addresses an element of its
//! operand.

use ndarray::{ArrayView1, ArrayViewMut1, Axis, Ix1, ShapeBuilder};
use rayon::prelude::*;

use super::{LoopLayout, Schedule};

/// One operand of the engine: a pointer to its first element (index `[0, 0, ...]`).
#[derive(Clone, Copy, Debug)]
pub struct RawOperand {
    ptr: *mut u8,
    elem_size: usize,
}

// SAFETY: a `RawOperand` is only dereferenced through the views built by `RowPart`, and
// the engine hands each element of an output to one segment only; inputs are shared
// read-only and their element types are `Sync` (checked by the `InputViews` impls).
unsafe impl Send for RawOperand {}
// SAFETY: as for `Send`.
unsafe impl Sync for RawOperand {}

impl RawOperand {
    /// The operand behind a read-only view.
    pub fn of_view<T, D: ndarray::Dimension>(view: &ndarray::ArrayView<'_, T, D>) -> Self {
        RawOperand {
            ptr: view.as_ptr().cast_mut().cast(),
            elem_size: size_of::<T>(),
        }
    }

    /// The size of one element, in bytes.
    pub fn elem_size(&self) -> usize {
        self.elem_size
    }

    /// The operand behind a mutable view.
    pub fn of_view_mut<T, D: ndarray::Dimension>(
        view: &mut ndarray::ArrayViewMut<'_, T, D>,
    ) -> Self {
        RawOperand {
            ptr: view.as_mut_ptr().cast(),
            elem_size: size_of::<T>(),
        }
    }
}

/// One operand's share of a row segment: its first element and its step, in elements.
#[derive(Clone, Copy, Debug)]
pub struct RowPart {
    ptr: *mut u8,
    step: isize,
    elem_size: usize,
}

impl RowPart {
    /// The address of the segment's first element.
    pub fn ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// Bytes from one element of the segment to the next.
    #[inline(always)]
    pub fn byte_step(&self) -> isize {
        self.step * self.elem_size as isize
    }

    /// Moves `count` elements on; as [`RowPart::advance`], only computed.
    #[inline(always)]
    pub fn advance_by(&mut self, count: usize) {
        self.ptr = self
            .ptr
            .wrapping_offset(self.byte_step().wrapping_mul(count as isize));
    }

    /// Moves to the segment's next element. The pointer is only computed, never read, so
    /// stepping one past the segment's end is fine.
    pub fn advance(&mut self) {
        self.ptr = self
            .ptr
            .wrapping_offset(self.step * self.elem_size as isize);
    }

    /// The segment as a read-only view of `len` elements.
    ///
    /// # Safety
    ///
    /// - `self` must address `len` valid, initialised elements of type `T`, `step`
    ///   elements apart, that stay borrowed for `'r`.
    /// - No mutable view of them may exist during `'r`.
    pub unsafe fn view<'r, T>(&self, len: usize) -> ArrayView1<'r, T> {
        let (low, step, flip) = self.low_end::<T>(len);
        // SAFETY: `low` is the lowest-addressed of the `len` elements the caller vouches
        // for, and `step` is non-negative as ndarray's constructor requires.
        let mut view = unsafe { ArrayView1::from_shape_ptr(Ix1(len).strides(Ix1(step)), low) };
        if flip {
            view.invert_axis(Axis(0));
        }
        view
    }

    /// The segment as a mutable view of `len` elements.
    ///
    /// # Safety
    ///
    /// As for [`RowPart::view`], and no other view of these elements may exist during
    /// `'r`; `step` is not 0 unless `len <= 1`.
    pub unsafe fn view_mut<'r, T>(&self, len: usize) -> ArrayViewMut1<'r, T> {
        debug_assert!(self.step != 0 || len <= 1, "mutable rows never alias");
        let (low, step, flip) = self.low_end::<T>(len);
        // SAFETY: as in `view`; exclusivity is the caller's promise.
        let mut view =
            unsafe { ArrayViewMut1::from_shape_ptr(Ix1(len).strides(Ix1(step)), low.cast_mut()) };
        if flip {
            view.invert_axis(Axis(0));
        }
        view
    }

    /// ndarray's constructors take non-negative strides from the lowest address: a
    /// negative step starts `len - 1` steps back and flips the axis afterwards.
    fn low_end<T>(&self, len: usize) -> (*const T, usize, bool) {
        let ptr = self.ptr.cast::<T>().cast_const();
        if self.step >= 0 || len == 0 {
            (ptr, self.step.unsigned_abs(), false)
        } else {
            let back = self.step * (len as isize - 1);
            (ptr.wrapping_offset(back), self.step.unsigned_abs(), true)
        }
    }
}

/// Calls `segment(parts, len)` for runs of consecutive elements along the innermost axis
/// of `layout`, covering every element once, in parallel as `schedule` allows.
///
/// # Safety
///
/// - `operands[k]` must point to element `[0, ...]` of an array for which `layout.shape()`
///   and `layout.strides(k)` address only its elements, borrowed for the whole call.
/// - Operands written through `RowPart::view_mut` must not alias any other operand and must
///   not repeat an element within themselves (no zero strides on axes longer than 1).
pub unsafe fn for_each_segment<F>(
    layout: &LoopLayout,
    operands: &[RawOperand],
    schedule: Schedule,
    align: usize,
    segment: F,
) where
    F: Fn(&[RowPart], usize) + Sync,
{
    // SAFETY: forwarded from this function's contract.
    unsafe {
        for_each_indexed_segment(layout, operands, schedule, align, |_, _, parts, len| {
            segment(parts, len);
        });
    }
}

/// As [`for_each_segment`], also telling `segment` the row's index on the outer axes and
/// the position of the segment's first element along the innermost axis.
///
/// Chunk edges fall on multiples of `align` items: 64 for element kernels, so that SIMD
/// loops see whole lanes everywhere but at the ends of rows; 1 where one item is a whole
/// core or row of work.
///
/// # Safety
///
/// As for [`for_each_segment`].
pub unsafe fn for_each_indexed_segment<F>(
    layout: &LoopLayout,
    operands: &[RawOperand],
    schedule: Schedule,
    align: usize,
    segment: F,
) where
    F: Fn(&[usize], usize, &[RowPart], usize) + Sync,
{
    debug_assert_eq!(layout.operands(), operands.len());
    let total = layout.size();
    if total == 0 {
        return;
    }
    let chunks = schedule.chunk_count(total);
    let chunk_len = total.div_ceil(chunks).next_multiple_of(align.max(1));
    let run = |chunk: usize| {
        let start = chunk * chunk_len;
        let end = (start + chunk_len).min(total);
        if start < end {
            // SAFETY: `start..end` lies inside the loop space; the rest is the caller's.
            unsafe { run_range(layout, operands, start, end, &segment) };
        }
    };
    if chunks == 1 {
        run(0);
    } else {
        (0..total.div_ceil(chunk_len)).into_par_iter().for_each(run);
    }
}

/// Walks the flat element range `start..end` of the loop space row segment by segment.
///
/// # Safety
///
/// As for [`for_each_segment`], with `start <= end <= layout.size()`.
unsafe fn run_range<F>(
    layout: &LoopLayout,
    operands: &[RawOperand],
    mut start: usize,
    end: usize,
    segment: &F,
) where
    F: Fn(&[usize], usize, &[RowPart], usize) + Sync,
{
    let shape = layout.shape();
    let (outer, row_len) = match shape.split_last() {
        Some((&len, outer)) => (outer, len),
        None => (&[][..], 1),
    };
    let inner_step = |k: usize| layout.strides(k).last().copied().unwrap_or(0);

    let mut index = vec![0; outer.len()];
    let mut rest = start / row_len;
    for (i, &len) in index.iter_mut().zip(outer).rev() {
        *i = rest % len;
        rest /= len;
    }
    let mut col = start % row_len;
    let mut parts: Vec<RowPart> = Vec::with_capacity(operands.len());
    while start < end {
        let len = (row_len - col).min(end - start);
        parts.clear();
        for (k, operand) in operands.iter().enumerate() {
            let strides = layout.strides(k);
            let mut offset = col as isize * inner_step(k);
            for (&i, &stride) in index.iter().zip(strides) {
                offset += i as isize * stride;
            }
            parts.push(RowPart {
                ptr: operand
                    .ptr
                    .wrapping_offset(offset * operand.elem_size as isize),
                step: inner_step(k),
                elem_size: operand.elem_size,
            });
        }
        segment(&index, col, &parts, len);
        start += len;
        col = 0;
        for (i, &len) in index.iter_mut().zip(outer).rev() {
            *i += 1;
            if *i < len {
                break;
            }
            *i = 0;
        }
    }
}
