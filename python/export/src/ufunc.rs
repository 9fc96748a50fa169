//! Building `numpy.ufunc` objects from inner loops, through NumPy's C API
//! (`PyUFunc_FromFuncAndDataAndSignatureAndIdentity`), and adding them to a module so that
//! they pickle by reference.

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_int, c_void};

use ndkernel::signature::{DimSize, Signature};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyModule;

use crate::loops::{LoopData, LoopFn};

/// One inner loop of a ufunc: the function and the NumPy type number of each operand,
/// inputs first.
#[derive(Debug)]
pub struct Loop {
    /// The loop NumPy calls.
    pub func: LoopFn,
    /// `dtype.num` of each operand.
    pub types: Vec<c_int>,
}

/// Everything a ufunc is made of.
#[derive(Debug)]
pub struct Spec<'py> {
    /// The Python name, also the ufunc's `__name__`.
    pub name: String,
    /// How many inputs.
    pub nin: usize,
    /// How many outputs.
    pub nout: usize,
    /// The docstring.
    pub doc: String,
    /// One loop per element-type combination, tried by NumPy in this order.
    pub loops: Vec<Loop>,
    /// The value `reduce` starts from; `None` for a ufunc without one.
    pub identity: Option<Bound<'py, PyAny>>,
    /// The gufunc signature, or `None` for an elementwise ufunc.
    pub signature: Option<&'static str>,
}

/// NumPy's `PyUFunc_None`: no identity; `reduce` of an empty axis raises.
const PYUFUNC_NONE: c_int = -1;
/// NumPy's `PyUFunc_IdentityValue`: the identity is the object passed beside it.
const PYUFUNC_IDENTITY_VALUE: c_int = -3;
/// The slot of `PyUFunc_FromFuncAndDataAndSignatureAndIdentity` in NumPy's ufunc API table
/// (`__ufunc_api.h`, stable since NumPy 1.16).
const FROM_FUNC_AND_DATA_AND_SIGNATURE_AND_IDENTITY: usize = 42;

type FromFuncAndDataAndSignatureAndIdentity = unsafe extern "C" fn(
    func: *mut LoopFn,
    data: *mut *mut c_void,
    types: *mut c_char,
    ntypes: c_int,
    nin: c_int,
    nout: c_int,
    identity: c_int,
    name: *const c_char,
    doc: *const c_char,
    unused: c_int,
    signature: *const c_char,
    identity_value: *mut pyo3::ffi::PyObject,
) -> *mut pyo3::ffi::PyObject;

/// Creates the ufunc and adds it to `module` under its name.
///
/// # Errors
/// A signature NumPy cannot express, or NumPy refusing the ufunc.
pub fn add(module: &Bound<'_, PyModule>, spec: Spec<'_>) -> PyResult<()> {
    let py = module.py();
    let mut spec = spec;
    // NumPy takes the first loop its inputs cast to safely: listed from the smallest type
    // up (NumPy's type numbers: bool, integers by size, then floats), `int16` inputs pick
    // an `int32` loop before a `float64` one, as NumPy's own ufuncs order theirs.
    spec.loops
        .sort_by(|a, b| a.types[..spec.nin].cmp(&b.types[..spec.nin]));
    let cores = match spec.signature {
        Some(text) => numpy_cores(&spec.name, text)?,
        None => vec![Vec::new(); spec.nin + spec.nout],
    };
    // NumPy keeps these pointers for the ufunc's lifetime, and an extension module's ufuncs
    // live until the interpreter exits: they are leaked on purpose, once per export.
    let data: &'static LoopData = Box::leak(Box::new(LoopData {
        name: spec.name.clone(),
        cores,
    }));
    let funcs: &'static mut [LoopFn] = Box::leak(spec.loops.iter().map(|l| l.func).collect());
    let datas: &'static mut [*mut c_void] = Box::leak(
        spec.loops
            .iter()
            .map(|_| std::ptr::from_ref(data).cast_mut().cast())
            .collect(),
    );
    let types: &'static mut [c_char] = Box::leak(
        spec.loops
            .iter()
            .flat_map(|l| l.types.iter().map(|&t| t as c_char))
            .collect(),
    );
    let name = leak_cstring(&spec.name)?;
    let doc = leak_cstring(&spec.doc)?;
    let signature = spec.signature.map(leak_cstring).transpose()?;
    let (identity, identity_value) = match &spec.identity {
        Some(value) => (PYUFUNC_IDENTITY_VALUE, value.as_ptr()),
        None => (PYUFUNC_NONE, std::ptr::null_mut()),
    };
    let create = ufunc_api(py, FROM_FUNC_AND_DATA_AND_SIGNATURE_AND_IDENTITY)?;
    // SAFETY: slot 42 of NumPy's ufunc API is this function; every table has one entry per
    // loop (`types` nin + nout per loop) and lives forever; the strings are NUL-terminated.
    let ufunc = unsafe {
        let create: FromFuncAndDataAndSignatureAndIdentity = std::mem::transmute(create);
        let raw = create(
            funcs.as_mut_ptr(),
            datas.as_mut_ptr(),
            types.as_mut_ptr(),
            spec.loops.len() as c_int,
            spec.nin as c_int,
            spec.nout as c_int,
            identity,
            name,
            doc,
            0,
            signature.unwrap_or(std::ptr::null()),
            identity_value,
        );
        Bound::from_owned_ptr_or_err(py, raw)?
    };
    // Pickle finds a ufunc by `__module__` and `__name__` (NumPy's `_ufunc_reduce`).
    ufunc.setattr("__module__", module.name()?)?;
    ufunc.setattr("__qualname__", &spec.name)?;
    module.add(spec.name.as_str(), ufunc)
}

/// For each operand, the index of each of its core dimensions in NumPy's numbering: by
/// first appearance in the signature, names and fixed sizes alike.
fn numpy_cores(name: &str, text: &str) -> PyResult<Vec<Vec<usize>>> {
    let signature =
        Signature::parse(text).map_err(|e| PyValueError::new_err(format!("{name}: {e}")))?;
    let mut numbering: HashMap<String, usize> = HashMap::new();
    let mut cores = Vec::new();
    for shape in signature.inputs().iter().chain(signature.outputs()) {
        let mut core = Vec::new();
        for dim in shape {
            if dim.optional || dim.broadcastable {
                return Err(PyValueError::new_err(format!(
                    "{name}: signature {text:?} has an optional (`?`) or broadcastable (`|1`) \
                     dimension, which a NumPy gufunc loop cannot receive as ndkernel binds it"
                )));
            }
            let key = match &dim.size {
                DimSize::Named(n) => n.clone(),
                DimSize::Fixed(size) => size.to_string(),
            };
            let next = numbering.len();
            core.push(*numbering.entry(key).or_insert(next));
        }
        cores.push(core);
    }
    Ok(cores)
}

fn leak_cstring(text: &str) -> PyResult<*const c_char> {
    let owned = CString::new(text)
        .map_err(|_| PyValueError::new_err(format!("{text:?} contains a NUL byte")))?;
    Ok(Box::leak(owned.into_boxed_c_str()).as_ptr())
}

/// Entry `slot` of NumPy's ufunc C API table.
fn ufunc_api(py: Python<'_>, slot: usize) -> PyResult<*const c_void> {
    let capsule = py
        .import("numpy._core._multiarray_umath")?
        .getattr("_UFUNC_API")?;
    // SAFETY: `_UFUNC_API` is a capsule holding NumPy's table of function pointers, which
    // lives as long as NumPy is loaded (for the rest of the process).
    unsafe {
        let table = pyo3::ffi::PyCapsule_GetPointer(capsule.as_ptr(), std::ptr::null())
            .cast::<*const c_void>();
        if table.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(*table.add(slot))
    }
}
