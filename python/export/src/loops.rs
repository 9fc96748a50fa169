//! NumPy's inner loops: the raw pointers, lengths and byte strides NumPy passes, turned
//! into the ndarray views a kernel's `_into` takes.
//!
//! NumPy calls an inner loop with `args` (one pointer per operand, inputs first), `dims`
//! (the loop length, then for a gufunc the size of each core dimension) and `steps` (the
//! loop stride of each operand in bytes, then for a gufunc each operand's core strides).
//! It calls a loop with the GIL released or, for small calls, held: a loop that fails
//! takes the GIL (which works either way) to raise.
//!
//! Aliasing: NumPy lets an elementwise ufunc's output be one of its inputs (`out=a`), and
//! `reduce`/`accumulate` call the loop with the output overlapping input 0 and a stride of
//! 0 on both, relying on the loop to read each element after the previous write. Views of
//! overlapping memory, one of them mutable, would be undefined behaviour in Rust, so:
//! - an input that is exactly an output (same pointer, same step) is read, block by
//!   block, from a copy of its block made before the block is written;
//! - any other overlap, or an output that overlaps itself (stride 0), runs the scalar
//!   function element by element through raw pointers: the order NumPy's own loops use.
//!
//! NumPy checks a gufunc's overlap over its loop dimensions only, so its core operands may
//! overlap: such inputs are read from copies, such outputs written through temporaries.

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

/// The byte range `[lo, hi)` an operand spans; empty when it has no elements.
pub(crate) fn extent(
    ptr: *mut c_char,
    shape: &[usize],
    byte_strides: &[Intp],
    size: usize,
) -> (usize, usize) {
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

/// Each gufunc operand's shape and byte strides: the loop axis, then its core axes, from
/// NumPy's `dims` (the loop length, then each core dimension's size) and `steps` (each
/// operand's loop step, then each operand's core strides in order).
fn core_layout(
    cores: &[Vec<usize>],
    dims: &[Intp],
    steps: &[Intp],
) -> (Vec<Vec<usize>>, Vec<Vec<Intp>>) {
    let mut next = cores.len();
    cores
        .iter()
        .enumerate()
        .map(|(k, core)| {
            let mut shape = vec![dims[0] as usize];
            let mut stride = vec![steps[k]];
            for &d in core {
                shape.push(dims[1 + d] as usize);
                stride.push(steps[next]);
                next += 1;
            }
            (shape, stride)
        })
        .unzip()
}

/// Calls `f(n, byte_offset)` for the `n`-th element, in C order, of an operand of this
/// shape and byte strides.
fn each_element(shape: &[usize], byte_strides: &[Intp], mut f: impl FnMut(usize, isize)) {
    let count: usize = shape.iter().product();
    let mut index = vec![0usize; shape.len()];
    for n in 0..count {
        f(
            n,
            index
                .iter()
                .zip(byte_strides)
                .map(|(&i, &s)| i as isize * s)
                .sum(),
        );
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
}

/// A zeroed C-order buffer for an operand of this shape, aligned for any NumPy element
/// type, and its byte strides.
fn scratch(shape: &[usize], size: usize) -> (Vec<u128>, Vec<Intp>) {
    let count: usize = shape.iter().product();
    let mut strides = vec![size as Intp; shape.len()];
    for axis in (0..shape.len().saturating_sub(1)).rev() {
        strides[axis] = strides[axis + 1] * shape[axis + 1] as Intp;
    }
    (
        vec![0u128; (count * size).div_ceil(size_of::<u128>())],
        strides,
    )
}

/// A C-order copy of an operand, and its byte strides.
fn copy_operand(
    ptr: *mut c_char,
    shape: &[usize],
    byte_strides: &[Intp],
    size: usize,
) -> (Vec<u128>, Vec<Intp>) {
    let (mut copy, strides) = scratch(shape, size);
    let dst = copy.as_mut_ptr().cast::<u8>();
    each_element(shape, byte_strides, |n, offset| {
        // SAFETY: `offset` is inside the operand, and the copy has room for every element.
        unsafe {
            std::ptr::copy_nonoverlapping(ptr.offset(offset).cast::<u8>(), dst.add(n * size), size);
        };
    });
    (copy, strides)
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < a.1 && b.0 < b.1 && a.0 < b.1 && b.0 < a.1
}

/// Whether any output's span overlaps an input's or another output's.
fn outputs_overlap_inputs(spans: &[(usize, usize)], inputs: usize) -> bool {
    let (ins, outs) = spans.split_at(inputs);
    outs.iter().any(|&o| ins.iter().any(|&i| overlaps(o, i)))
        || outs
            .iter()
            .enumerate()
            .any(|(j, &o)| outs[j + 1..].iter().any(|&p| overlaps(o, p)))
}

/// Whether two elements of one operand share memory: a broadcast (stride 0) output, or a
/// window NumPy's `as_strided` made. Sufficient, not exact: axes sorted by stride must each
/// step past everything the smaller ones span.
fn overlaps_itself(shape: &[usize], byte_strides: &[Intp], size: usize) -> bool {
    if shape.contains(&0) {
        return false;
    }
    let mut axes: Vec<(usize, usize)> = shape
        .iter()
        .zip(byte_strides)
        .filter(|(len, _)| **len > 1)
        .map(|(&len, &stride)| (stride.unsigned_abs(), len))
        .collect();
    axes.sort_unstable();
    let mut span = size;
    for (stride, len) in axes {
        if stride < span {
            return true;
        }
        span += stride * (len - 1);
    }
    false
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
    run: impl Fn(&Strided<'_>) -> Result<(), KernelError>,
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
        let spans: Vec<_> = (0..sizes.len())
            .map(|k| extent(ptrs[k], &[len], &[steps[k]], sizes[k]))
            .collect();
        let alone = (inputs..sizes.len()).all(|k| !overlaps_itself(&[len], &[steps[k]], sizes[k]));
        let whole = (0..sizes.len()).all(|k| strides_whole(&[steps[k]], sizes[k]));
        if !(whole && alone) {
            (0..len).for_each(|i| each(&operands, i));
            return Ok(());
        }
        if !outputs_overlap_inputs(&spans, inputs) {
            return run(&operands).map_err(crate::errors::kernel_error);
        }
        if let Some(aliased) = in_place_inputs(ptrs, steps, &spans, inputs) {
            return in_blocks(&operands, sizes, &aliased, &run)
                .map_err(crate::errors::kernel_error);
        }
        (0..len).for_each(|i| each(&operands, i));
        Ok(())
    });
}

/// The inputs that are exactly an output (`np.add(a, b, out=a)`: same pointer, same
/// nonzero step), when that is the only overlap; `None` for any other overlap.
fn in_place_inputs(
    ptrs: &[*mut c_char],
    steps: &[Intp],
    spans: &[(usize, usize)],
    inputs: usize,
) -> Option<Vec<usize>> {
    let outputs = inputs..ptrs.len();
    if outputs.clone().any(|j| {
        outputs
            .clone()
            .any(|o| o != j && overlaps(spans[j], spans[o]))
    }) {
        return None;
    }
    let mut aliased = Vec::new();
    for k in 0..inputs {
        let mut hits = outputs.clone().filter(|&o| overlaps(spans[k], spans[o]));
        match (hits.next(), hits.next()) {
            (None, _) => {}
            (Some(o), None) if ptrs[o] == ptrs[k] && steps[o] == steps[k] && steps[k] != 0 => {
                aliased.push(k);
            }
            _ => return None,
        }
    }
    Some(aliased)
}

/// Elements per block of an in-place call: the aliased inputs' copies stay in L2 while
/// each block still splits over the pool.
const IN_PLACE_BLOCK: usize = 1 << 15;

/// Runs `run` on consecutive blocks, each aliased input read from a copy of its block
/// made before the block is written: elementwise, every output element depends only on
/// the input elements at its own index, so this equals NumPy's in-place semantics.
fn in_blocks(
    operands: &Strided<'_>,
    sizes: &[usize],
    aliased: &[usize],
    run: &impl Fn(&Strided<'_>) -> Result<(), KernelError>,
) -> Result<(), KernelError> {
    let widest = aliased.iter().map(|&k| sizes[k]).max().unwrap_or(0);
    let mut buffers: Vec<Vec<u128>> = aliased
        .iter()
        .map(|_| vec![0u128; (IN_PLACE_BLOCK * widest).div_ceil(size_of::<u128>())])
        .collect();
    let mut ptrs = operands.ptrs.to_vec();
    let mut steps = operands.steps.to_vec();
    let mut start = 0;
    while start < operands.len {
        let len = IN_PLACE_BLOCK.min(operands.len - start);
        for k in 0..ptrs.len() {
            // SAFETY: `start < len` of the operand, so the offset is inside it.
            ptrs[k] = unsafe { operands.ptrs[k].offset(operands.steps[k] * start as isize) };
            steps[k] = operands.steps[k];
        }
        for (buffer, &k) in buffers.iter_mut().zip(aliased) {
            let copy = buffer.as_mut_ptr().cast::<u8>();
            for i in 0..len {
                // SAFETY: element `i` of this block is inside the operand; the buffer holds
                // `IN_PLACE_BLOCK` elements of the widest aliased type.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        ptrs[k].offset(steps[k] * i as isize).cast::<u8>(),
                        copy.add(i * sizes[k]),
                        sizes[k],
                    );
                }
            }
            ptrs[k] = copy.cast();
            steps[k] = sizes[k] as Intp;
        }
        run(&Strided {
            ptrs: &ptrs,
            steps: &steps,
            len,
        })?;
        start += len;
    }
    Ok(())
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
        let (shapes, mut strides) = core_layout(&data.cores, dims, steps);
        if !(0..operands).all(|k| strides_whole(&strides[k], sizes[k])) {
            return Err(PyValueError::new_err(format!(
                "{}: an operand is not aligned to its element type",
                data.name
            )));
        }
        let spans: Vec<_> = (0..operands)
            .map(|k| extent(ptrs[k], &shapes[k], &strides[k], sizes[k]))
            .collect();
        let mut moved = ptrs.to_vec();
        // Outputs that overlap each other (or themselves: a broadcast `out`) are written to
        // a temporary each and copied back afterwards in C order, the order NumPy's own
        // loops write in, so the last write wins as it would there.
        let mut temporaries = Vec::new();
        for k in inputs..operands {
            let shared = (inputs..operands).any(|o| o != k && overlaps(spans[k], spans[o]));
            if shared || overlaps_itself(&shapes[k], &strides[k], sizes[k]) {
                let (mut buffer, contiguous) = scratch(&shapes[k], sizes[k]);
                moved[k] = buffer.as_mut_ptr().cast();
                temporaries.push((k, std::mem::replace(&mut strides[k], contiguous), buffer));
            }
        }
        // NumPy checks overlap over the loop dimensions only, so `matmul(a, a, out=a)`
        // reaches the loop with the output on top of both inputs. Such an input is read
        // from a copy, as NumPy's `matmul` does: the result is that of distinct operands.
        let mut copies = Vec::new();
        for k in 0..inputs {
            let written_in_place = |o: usize| !temporaries.iter().any(|t| t.0 == o);
            if (inputs..operands).any(|o| written_in_place(o) && overlaps(spans[o], spans[k])) {
                let (mut copy, contiguous) =
                    copy_operand(ptrs[k], &shapes[k], &strides[k], sizes[k]);
                moved[k] = copy.as_mut_ptr().cast();
                strides[k] = contiguous;
                copies.push(copy);
            }
        }
        let cores = Cores {
            ptrs: &moved,
            shapes,
            strides,
        };
        run(&cores).map_err(crate::errors::kernel_error)?;
        for (k, original_strides, buffer) in &temporaries {
            let (source, target, size) = (buffer.as_ptr().cast::<u8>(), ptrs[*k], sizes[*k]);
            each_element(&cores.shapes[*k], original_strides, |n, offset| {
                // SAFETY: `offset` is inside the output NumPy passed, `n` inside the buffer.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        source.add(n * size),
                        target.offset(offset).cast::<u8>(),
                        size,
                    );
                };
            });
        }
        Ok(())
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
