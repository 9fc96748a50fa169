//! Output arrays for the allocating forms of kernels.
//!
//! A fresh output is filled with `T::default()`, so an element a kernel never writes is
//! that value, never uninitialised memory. For the zero-bit defaults of the numeric types
//! the buffer comes from `calloc`, whose large blocks are fresh pages of zeros from the
//! operating system: no pass over memory before the kernel's own. On Linux, blocks of
//! 32 MiB and more are also advised to use transparent huge pages, as NumPy's allocator
//! does from 4 MiB, so that the kernel's first touch of a 64 MB output costs tens of page
//! faults instead of sixteen thousand.

use ndarray::{Array, Dimension};

use crate::error::{KernelError, Operand};

/// Where huge pages start to pay. Below 32 MiB, glibc's `malloc` recycles freed blocks of
/// its own heap (its mmap threshold grows to 32 MiB), so repeated calls fault no pages and
/// advice on recycled memory only costs; from there on every block is a fresh mapping.
/// Measured with an allocating `f64` add: 32 MiB output 12.7 -> 5.1 ms, 64 MiB 25.2 ->
/// 8.7 ms, 16 MiB unchanged.
const HUGE_PAGE_THRESHOLD: usize = 32 << 20;

/// Whether an array of `shape` with elements of `T` can be allocated at all: its size in
/// bytes must fit `isize`, as Rust's allocations require. The allocating forms of kernels
/// call this before [`output`], whose shapes come from the caller's operands.
///
/// # Errors
///
/// [`KernelError::TooLarge`] naming `operand` and `shape`.
///
/// # Examples
///
/// ```
/// use kernel_runtime::{KernelError, Operand, alloc};
///
/// assert!(alloc::check_size::<f64>(&Operand::output(0), &[1000, 1000]).is_ok());
/// let error = alloc::check_size::<f64>(&Operand::output(0), &[1 << 33, 1 << 33]).unwrap_err();
/// assert!(matches!(error, KernelError::TooLarge { .. }));
/// ```
pub fn check_size<T>(operand: &Operand, shape: &[usize]) -> Result<(), KernelError> {
    let fits = |n: Option<usize>| n.is_some_and(|n| isize::try_from(n).is_ok());
    // ndarray also requires the product of the non-zero lengths to fit `isize`, even for an
    // empty array or zero-sized elements.
    let nonzero = shape
        .iter()
        .filter(|&&len| len != 0)
        .try_fold(1usize, |n, &len| n.checked_mul(len));
    let empty = shape.contains(&0);
    let bytes = nonzero.and_then(|n| n.checked_mul(size_of::<T>()));
    if fits(nonzero) && (empty || fits(bytes)) {
        Ok(())
    } else {
        Err(KernelError::TooLarge {
            operand: operand.clone(),
            shape: shape.to_vec(),
            element_size: size_of::<T>(),
        })
    }
}

/// A new array of shape `dim`, every element `T::default()`.
///
/// # Panics
///
/// If the array would not fit in memory, as [`Array::from_elem`] does; kernels check with
/// [`check_size`] first.
pub fn output<T: Clone + Default, D: Dimension>(dim: D) -> Array<T, D> {
    let len = dim
        .size_checked()
        .expect("an output's element count must fit usize (see `check_size`)");
    let buffer = vec![T::default(); len];
    advise_huge_pages(&buffer);
    Array::from_shape_vec(dim, buffer).expect("one element per index of `dim`")
}

/// A new array of shape `dim`, every element `T::default()`, laid out in memory as an array
/// with strides `like` is: NumPy's `order='K'`, so that a kernel reading an F-ordered or
/// transposed input writes its output in the same order, one contiguous run at a time.
/// Axes are ordered by decreasing stride magnitude; ties, axes of length 1 and broadcast
/// axes (stride 0) keep C order.
///
/// # Panics
///
/// If `like` does not have one stride per axis of `dim`, or as [`output`].
///
/// # Examples
///
/// ```
/// use kernel_runtime::alloc::output_like;
/// use ndarray::{Array2, ShapeBuilder};
///
/// let input = Array2::<f32>::zeros((3, 4).f());
/// let out = output_like::<f32, _>(input.raw_dim(), input.strides());
/// assert_eq!(out.strides(), &[1, 3]);
/// ```
pub fn output_like<T: Clone + Default, D: Dimension>(dim: D, like: &[isize]) -> Array<T, D> {
    assert_eq!(dim.ndim(), like.len(), "one stride per axis");
    let shape = dim.slice();
    // Outermost first: the axes longer than 1 by decreasing stride (a stable sort, so
    // ties keep C order), each taking the place of one of them. Length-1 axes and
    // broadcast (stride-0) axes say nothing about the order and stay put.
    let long: Vec<usize> = (0..shape.len())
        .filter(|&a| shape[a] > 1 && like[a] != 0)
        .collect();
    let mut by_stride = long.clone();
    by_stride.sort_by_key(|&a| std::cmp::Reverse(like[a].unsigned_abs()));
    let mut order: Vec<usize> = (0..shape.len()).collect();
    for (&place, &axis) in long.iter().zip(&by_stride) {
        order[place] = axis;
    }
    if order.iter().enumerate().all(|(i, &axis)| i == axis) {
        return output(dim);
    }
    let mut permuted = dim.clone();
    let mut inverse = dim.clone();
    for (i, &axis) in order.iter().enumerate() {
        permuted.slice_mut()[i] = shape[axis];
        inverse.slice_mut()[axis] = i;
    }
    output(permuted).permuted_axes(inverse)
}

/// A new array of shape `dim`, every element `T::default()`, laid out as the first of
/// `operands` (each a shape and its strides) that has exactly that shape, or in C order if
/// none has: the output of an elementwise kernel over F-ordered or transposed inputs is
/// then walked in one order with them. Broadcast operands (another shape) say nothing
/// about the order.
///
/// # Examples
///
/// ```
/// use kernel_runtime::alloc::output_like_operands;
/// use ndarray::{Array1, Array2, ShapeBuilder};
///
/// let row = Array1::<f64>::zeros(4);
/// let image = Array2::<f64>::zeros((3, 4).f());
/// let out = output_like_operands::<f64, _>(
///     image.raw_dim(),
///     &[(row.shape(), row.strides()), (image.shape(), image.strides())],
/// );
/// assert_eq!(out.strides(), &[1, 3]);
/// ```
pub fn output_like_operands<T: Clone + Default, D: Dimension>(
    dim: D,
    operands: &[(&[usize], &[isize])],
) -> Array<T, D> {
    match operands.iter().find(|(shape, _)| *shape == dim.slice()) {
        Some((_, strides)) => output_like(dim, strides),
        None => output(dim),
    }
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(buffer: &[T]) {
    const PAGE: usize = 4096;
    const MADV_HUGEPAGE: std::ffi::c_int = 14;
    unsafe extern "C" {
        fn madvise(
            addr: *mut std::ffi::c_void,
            len: usize,
            advice: std::ffi::c_int,
        ) -> std::ffi::c_int;
    }
    let bytes = size_of_val(buffer);
    if bytes < HUGE_PAGE_THRESHOLD {
        return;
    }
    let address = buffer.as_ptr() as usize;
    let start = address.next_multiple_of(PAGE);
    let end = (address + bytes) / PAGE * PAGE;
    if start < end {
        // SAFETY: `madvise` only reads its arguments; the range lies inside `buffer`'s
        // allocation, and `MADV_HUGEPAGE` is advice that changes no contents. Its result
        // is ignored: without huge pages the buffer works as before.
        let _ = unsafe { madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_: &[T]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_hold_the_default() {
        let small = output::<f64, _>(ndarray::Ix2(3, 4));
        assert!(small.iter().all(|&v| v.to_bits() == 0));
        let big = output::<u8, _>(ndarray::IxDyn(&[5, 1 << 20]));
        assert_eq!(
            (big.shape(), big.iter().all(|&v| v == 0)),
            (&[5, 1 << 20][..], true)
        );
        assert!(output::<i32, _>(ndarray::Ix1(0)).is_empty());
    }

    #[test]
    fn outputs_like_an_input_follow_its_memory_order() {
        use ndarray::{Array3, ShapeBuilder};
        let layout = |like: &[isize]| {
            let out = output_like::<u8, _>(ndarray::IxDyn(&[2, 3, 4]), like);
            assert_eq!(out.shape(), &[2, 3, 4]);
            out.strides().to_vec()
        };
        assert_eq!(layout(&[12, 4, 1]), [12, 4, 1]);
        assert_eq!(layout(&[1, 2, 6]), [1, 2, 6]);
        // A transposed view's order, and negative strides by magnitude.
        let c = Array3::<u8>::zeros((4, 3, 2));
        let t = c.view().reversed_axes();
        assert_eq!(layout(t.strides()), [1, 2, 6]);
        assert_eq!(layout(&[-12, 4, -1]), [12, 4, 1]);
        assert_eq!(layout(&[3, 12, 1]), [4, 8, 1]);
        let f = Array3::<u8>::zeros((2, 3, 4).f());
        assert_eq!(layout(f.strides()), [1, 2, 6]);
        // A broadcast row is C-ordered where it is not broadcast.
        assert_eq!(layout(&[0, 0, 1]), [12, 4, 1]);
        assert_eq!(layout(&[0, 1, 0]), [12, 4, 1]);
        // Length-1 axes say nothing about order.
        let out = output_like::<u8, _>(ndarray::Ix3(1, 3, 4), &[1, 1, 3]);
        assert_eq!(out.strides(), &[12, 1, 3]);
        assert!(out.iter().all(|&v| v == 0));
    }
}
