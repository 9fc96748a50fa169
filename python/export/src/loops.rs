//! NumPy's inner loops: the raw pointers, lengths and byte strides NumPy passes, turned
//! into the ndarray views a kernel's `_into` takes.
//!
//! NumPy calls an inner loop with `args` (one pointer per operand, inputs first), `dims`
//! (the loop length, then for a gufunc the size of each core dimension) and `steps` (the
//! loop stride of each operand in bytes, then for a gufunc each operand's core strides).
//! It calls a loop with the GIL released, so a loop that fails takes the GIL to raise.
//!
//! Aliasing: NumPy lets an elementwise ufunc's output be one of its inputs (`out=a`), and
//! `reduce`/`accumulate` call the loop with the output overlapping input 0 and a stride of
//! 0 on both, relying on the loop to read each element after the previous write. Views of
//! overlapping memory, one of them mutable, would be undefined behaviour in Rust, so a call
//! whose output overlaps an input runs the scalar function element by element through raw
//! pointers instead: exactly the order NumPy's own loops use. Gufunc operands never overlap
//! (NumPy copies overlapping gufunc operands); a loop checks that anyway and raises.

use std::ffi::{c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, IxDyn, ShapeBuilder};
use ndkernel::KernelError;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::{PyErr, Python};

/// NumPy's `npy_intp`.
pub type Intp = isize;

/// The C signature of a NumPy inner loop (`PyUFuncGenericFunction`).
pub type LoopFn = unsafe extern "C" fn(*mut *mut c_char, *const Intp, *const Intp, *mut c_void);

/// What a loop knows about itself beyond NumPy's arguments: registered as the loop's `data`.
#[derive(Debug)]
pub struct LoopData {
    /// The ufunc's name, for messages.
    pub name: String,
    /// For a gufunc, per operand, the indices into `dims[1..]` of its core dimensions.
    pub cores: Vec<Vec<usize>>,
}

/// The operands of one call of an elementwise loop: `n` elements each, at a byte stride.
#[derive(Debug)]
pub struct Strided<'a> {
    ptrs: &'a [*mut c_char],
    steps: &'a [Intp],
    len: usize,
}

impl Strided<'_> {
    /// Operand `k` as a 1-D view of `T`.
    ///
    /// # Safety
    /// Operand `k` must hold `len` elements of `T` at its step, not written while the view
    /// lives (it overlaps no output: [`elementwise`] checked that).
    pub unsafe fn input<T>(&self, k: usize) -> ArrayView1<'_, T> {
        // SAFETY: the caller's contract; `view_parts` makes the strides non-negative.
        unsafe {
            let (ptr, strides, inverted) =
                view_parts::<T>(self.ptrs[k], &[self.len], &[self.steps[k]]);
            let mut view = ArrayView1::from_shape_ptr(self.len.strides(strides[0]), ptr);
            if inverted[0] {
                view.invert_axis(Axis(0));
            }
            view
        }
    }

    /// Operand `k` as a 1-D mutable view of `T`.
    ///
    /// # Safety
    /// Operand `k` must hold `len` elements of `T` at its step, not read or written
    /// through any other operand while the view lives.
    pub unsafe fn output<T>(&self, k: usize) -> ArrayViewMut1<'_, T> {
        // SAFETY: as `input`, and nothing else reaches these elements.
        unsafe {
            let (ptr, strides, inverted) =
                view_parts::<T>(self.ptrs[k], &[self.len], &[self.steps[k]]);
            let mut view =
                ArrayViewMut1::from_shape_ptr(self.len.strides(strides[0]), ptr.cast_mut());
            if inverted[0] {
                view.invert_axis(Axis(0));
            }
            view
        }
    }

    /// Element `i` of operand `k`, read through its raw pointer.
    ///
    /// # Safety
    /// Operand `k` must hold elements of `T` and `i < len`.
    pub unsafe fn read<T: Copy>(&self, k: usize, i: usize) -> T {
        // SAFETY: the caller's contract; NumPy's buffers are aligned for the loop's types.
        unsafe {
            self.ptrs[k]
                .offset(self.steps[k] * i as isize)
                .cast::<T>()
                .read()
        }
    }

    /// Writes element `i` of operand `k` through its raw pointer.
    ///
    /// # Safety
    /// As [`Strided::read`].
    pub unsafe fn write<T>(&self, k: usize, i: usize, value: T) {
        // SAFETY: the caller's contract.
        unsafe {
            self.ptrs[k]
                .offset(self.steps[k] * i as isize)
                .cast::<T>()
                .write(value);
        }
    }
}

/// The operands of one call of a gufunc loop: each is the loop axis of length `n`,
/// followed by its core axes.
#[derive(Debug)]
pub struct Cores<'a> {
    ptrs: &'a [*mut c_char],
    shapes: Vec<Vec<usize>>,
    strides: Vec<Vec<Intp>>,
}

impl Cores<'_> {
    /// Operand `k` as a view of `T`: the loop axis, then its core axes.
    ///
    /// # Safety
    /// Operand `k` must hold elements of `T` at the shape and strides NumPy gave, not
    /// written while the view lives.
    pub unsafe fn input<T>(&self, k: usize) -> ArrayViewD<'_, T> {
        // SAFETY: the caller's contract; `view_parts` makes the strides non-negative.
        unsafe {
            let (ptr, strides, inverted) =
                view_parts::<T>(self.ptrs[k], &self.shapes[k], &self.strides[k]);
            let mut view =
                ArrayViewD::from_shape_ptr(IxDyn(&self.shapes[k]).strides(IxDyn(&strides)), ptr);
            invert(&inverted, |axis| view.invert_axis(axis));
            view
        }
    }

    /// Operand `k` as a mutable view of `T`.
    ///
    /// # Safety
    /// As [`Cores::input`], and nothing else reads or writes these elements while the
    /// view lives.
    pub unsafe fn output<T>(&self, k: usize) -> ArrayViewMutD<'_, T> {
        // SAFETY: as `input`, and nothing else reaches these elements.
        unsafe {
            let (ptr, strides, inverted) =
                view_parts::<T>(self.ptrs[k], &self.shapes[k], &self.strides[k]);
            let mut view = ArrayViewMutD::from_shape_ptr(
                IxDyn(&self.shapes[k]).strides(IxDyn(&strides)),
                ptr.cast_mut(),
            );
            invert(&inverted, |axis| view.invert_axis(axis));
            view
        }
    }
}

fn invert(inverted: &[bool], mut flip: impl FnMut(Axis)) {
    for (axis, _) in inverted.iter().enumerate().filter(|(_, inv)| **inv) {
        flip(Axis(axis));
    }
}

/// ndarray's `from_shape_ptr` takes non-negative element strides from the lowest address:
/// the pointer moved to that address, the strides in elements, and which axes to invert
/// afterwards so index 0 is NumPy's pointer again.
///
/// # Safety
/// The operand must span `shape` at `byte_strides` from `ptr` inside one allocation.
unsafe fn view_parts<T>(
    ptr: *mut c_char,
    shape: &[usize],
    byte_strides: &[Intp],
) -> (*const T, Vec<usize>, Vec<bool>) {
    let size = size_of::<T>().max(1) as isize;
    let mut low = ptr;
    let mut strides = Vec::with_capacity(shape.len());
    let mut inverted = Vec::with_capacity(shape.len());
    for (&len, &step) in shape.iter().zip(byte_strides) {
        // NumPy hands typed loops aligned operands, so every stride is a whole number of
        // elements; `elementwise`/`generalized` checked it before any view is made.
        let elements = step / size;
        if elements < 0 && len > 0 {
            // SAFETY: the last element along this axis is inside the operand.
            low = unsafe { low.offset(step * (len as isize - 1)) };
        }
        strides.push(elements.unsigned_abs());
        inverted.push(elements < 0 && len > 1);
    }
    (low.cast::<T>(), strides, inverted)
}

/// The byte range `[lo, hi)` an operand spans.
fn extent(ptr: *mut c_char, shape: &[usize], byte_strides: &[Intp], size: usize) -> (usize, usize) {
    let mut lo = ptr as usize;
    let mut hi = ptr as usize + size;
    if shape.contains(&0) {
        return (lo, lo);
    }
    for (&len, &step) in shape.iter().zip(byte_strides) {
        let reach = step.unsigned_abs() * (len - 1);
        if step < 0 {
            lo -= reach;
        } else {
            hi += reach;
        }
    }
    (lo, hi)
}

/// A C-order copy of an operand, in a buffer aligned for any NumPy element type, and its
/// byte strides.
fn copy_operand(
    ptr: *mut c_char,
    shape: &[usize],
    byte_strides: &[Intp],
    size: usize,
) -> (Vec<u128>, Vec<Intp>) {
    let count: usize = shape.iter().product();
    let mut copy = vec![0u128; (count * size).div_ceil(size_of::<u128>())];
    let mut contiguous = vec![size as Intp; shape.len()];
    for axis in (0..shape.len().saturating_sub(1)).rev() {
        contiguous[axis] = contiguous[axis + 1] * shape[axis + 1] as Intp;
    }
    let dst = copy.as_mut_ptr().cast::<u8>();
    let mut index = vec![0usize; shape.len()];
    for n in 0..count {
        let offset: isize = index
            .iter()
            .zip(byte_strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        // SAFETY: `index` stays inside `shape`, so `offset` is inside the operand, and the
        // copy has room for `count` elements.
        unsafe {
            std::ptr::copy_nonoverlapping(ptr.offset(offset).cast::<u8>(), dst.add(n * size), size);
        };
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    (copy, contiguous)
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < a.1 && b.0 < b.1 && a.0 < b.1 && b.0 < a.1
}

/// Whether any output's span overlaps an input's.
fn outputs_overlap_inputs(spans: &[(usize, usize)], inputs: usize) -> bool {
    let (ins, outs) = spans.split_at(inputs);
    outs.iter().any(|&o| ins.iter().any(|&i| overlaps(o, i)))
        || outs
            .iter()
            .enumerate()
            .any(|(j, &o)| outs[j + 1..].iter().any(|&p| overlaps(o, p)))
}

fn strides_whole(steps: &[Intp], size: usize) -> bool {
    size == 0 || steps.iter().all(|&s| s % size as isize == 0)
}

/// Runs an elementwise loop: `run` on views when no output overlaps an input, otherwise
/// `each` element by element in order (see the module docs).
///
/// # Safety
/// `args`, `dims`, `steps` and `data` are what NumPy passed to a loop registered with
/// `sizes.len()` operands of those sizes (the first `inputs` read, the rest written) and a
/// [`LoopData`] as its data.
#[allow(
    clippy::too_many_arguments,
    reason = "NumPy's four loop arguments, then the loop's own"
)]
pub unsafe fn elementwise(
    args: *mut *mut c_char,
    dims: *const Intp,
    steps: *const Intp,
    data: *mut c_void,
    sizes: &[usize],
    inputs: usize,
    run: impl FnOnce(&Strided<'_>) -> Result<(), KernelError>,
    each: impl Fn(&Strided<'_>, usize),
) {
    // SAFETY: NumPy's loop contract, as the caller states it.
    let (ptrs, steps, len, data) = unsafe {
        (
            std::slice::from_raw_parts(args, sizes.len()),
            std::slice::from_raw_parts(steps, sizes.len()),
            *dims as usize,
            &*data.cast::<LoopData>(),
        )
    };
    guard(&data.name, || {
        let operands = Strided { ptrs, steps, len };
        let spans: Vec<_> = ptrs
            .iter()
            .zip(steps)
            .zip(sizes)
            .map(|((&p, &s), &size)| extent(p, &[len], &[s], size))
            .collect();
        let whole = ptrs
            .iter()
            .zip(steps)
            .zip(sizes)
            .all(|((_, &s), &size)| strides_whole(&[s], size));
        if whole && !outputs_overlap_inputs(&spans, inputs) {
            run(&operands).map_err(crate::errors::kernel_error)
        } else {
            (0..len).for_each(|i| each(&operands, i));
            Ok(())
        }
    });
}

/// Runs a gufunc loop: `run` on views of each operand (loop axis, then core axes).
///
/// # Safety
/// As [`elementwise`], for a gufunc whose [`LoopData::cores`] gives each operand's core
/// dimensions.
pub unsafe fn generalized(
    args: *mut *mut c_char,
    dims: *const Intp,
    steps: *const Intp,
    data: *mut c_void,
    sizes: &[usize],
    inputs: usize,
    run: impl FnOnce(&Cores<'_>) -> Result<(), KernelError>,
) {
    // SAFETY: NumPy's loop contract: the data pointer is the loop's `LoopData`.
    let data = unsafe { &*data.cast::<LoopData>() };
    let operands = sizes.len();
    let core_dims = data
        .cores
        .iter()
        .flatten()
        .map(|&d| d + 1)
        .max()
        .unwrap_or(0);
    let core_strides: usize = data.cores.iter().map(Vec::len).sum();
    // SAFETY: NumPy passes one pointer and one loop step per operand, the loop length and
    // every core dimension's size, then each operand's core strides in order.
    let (ptrs, dims, steps) = unsafe {
        (
            std::slice::from_raw_parts(args, operands),
            std::slice::from_raw_parts(dims, 1 + core_dims),
            std::slice::from_raw_parts(steps, operands + core_strides),
        )
    };
    guard(&data.name, || {
        let mut shapes: Vec<Vec<usize>> = Vec::with_capacity(operands);
        let mut strides: Vec<Vec<Intp>> = Vec::with_capacity(operands);
        let mut next = operands;
        for (k, core) in data.cores.iter().enumerate() {
            let mut shape = vec![dims[0] as usize];
            let mut stride = vec![steps[k]];
            for &d in core {
                shape.push(dims[1 + d] as usize);
                stride.push(steps[next]);
                next += 1;
            }
            shapes.push(shape);
            strides.push(stride);
        }
        let spans: Vec<_> = (0..operands)
            .map(|k| extent(ptrs[k], &shapes[k], &strides[k], sizes[k]))
            .collect();
        let (in_spans, out_spans) = spans.split_at(inputs);
        if out_spans
            .iter()
            .enumerate()
            .any(|(j, &o)| out_spans[j + 1..].iter().any(|&p| overlaps(o, p)))
        {
            return Err(PyValueError::new_err(format!(
                "{}: two outputs overlap",
                data.name
            )));
        }
        if !(0..operands).all(|k| strides_whole(&strides[k], sizes[k])) {
            return Err(PyValueError::new_err(format!(
                "{}: an operand is not aligned to its element type",
                data.name
            )));
        }
        // NumPy checks overlap over the loop dimensions only, so `matmul(a, a, out=a)`
        // reaches the loop with the output on top of both inputs. Such an input is read
        // from a copy, as NumPy's `matmul` does: the result is that of distinct operands.
        let mut ptrs = ptrs.to_vec();
        let mut copies = Vec::new();
        for k in 0..inputs {
            if out_spans.iter().any(|&o| overlaps(o, in_spans[k])) {
                let (copy, contiguous) = copy_operand(ptrs[k], &shapes[k], &strides[k], sizes[k]);
                ptrs[k] = copy.as_ptr().cast_mut().cast();
                strides[k] = contiguous;
                copies.push(copy);
            }
        }
        run(&Cores {
            ptrs: &ptrs,
            shapes,
            strides,
        })
        .map_err(crate::errors::kernel_error)
    });
}

/// Runs `f`, turning its error or panic into the Python exception NumPy raises after the
/// loop returns: a loop runs with the GIL released, so raising takes it.
fn guard(name: &str, f: impl FnOnce() -> Result<(), PyErr>) {
    let failure = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(payload) => PyRuntimeError::new_err(format!(
            "{name}: the kernel panicked: {}",
            crate::errors::panic_message(&*payload)
        )),
    };
    Python::attach(|py| failure.restore(py));
}
