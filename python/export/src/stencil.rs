//! `#[stencil]` kernels as Python callables: `f(x, *scalars, out=None)`, with the
//! neighbourhood, modes, `cval` and rank as attributes (and `halo(*scalars)`) so other
//! tools (Dask's `map_overlap`) can size halos from the kernel itself.

use std::ffi::CString;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array, ArrayViewD, ArrayViewMutD, Dimension};
use ndkernel::KernelError;
use numpy::{
    Element, PyArray, PyArrayDescr, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods,
    PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyAttributeError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyModule, PyString, PyTuple};

/// Per axis, the least and greatest offset read: `[(lo, hi), ...]`.
pub type Footprint = Vec<(isize, isize)>;

/// The neighbourhood a call with these scalar arguments reads.
pub type Halo = fn(&Stencil, &Bound<'_, PyTuple>) -> PyResult<Footprint>;

/// One element-type combination of a stencil: `Ok(None)` when the arrays passed are not of
/// its types, so the next combination is tried.
pub type Call =
    fn(&Stencil, &Bound<'_, PyTuple>, Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>>;

/// A `#[stencil]` kernel exported to Python: what `stencil!` knows about it.
#[pyclass(module = "ndkernel_python", frozen, dict)]
#[derive(Debug)]
pub struct Stencil {
    spec: Spec,
}

#[pymethods]
impl Stencil {
    #[pyo3(signature = (*args, out = None))]
    fn __call__(
        &self,
        args: &Bound<'_, PyTuple>,
        out: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.check_arity(args, &self.spec.params)?;
        for (_, call) in &self.spec.calls {
            if let Some(result) = call(self, args, out)? {
                return Ok(result);
            }
        }
        let given: Vec<String> = args
            .iter()
            .filter_map(|a| a.getattr("dtype").ok().map(|d| d.to_string()))
            .collect();
        let accepted: Vec<&str> = self
            .spec
            .calls
            .iter()
            .map(|(types, _)| types.as_str())
            .collect();
        Err(PyTypeError::new_err(format!(
            "{}: no loop for arrays of dtype ({}); it accepts {}",
            self.spec.name,
            given.join(", "),
            accepted.join(" or ")
        )))
    }

    /// Per axis, the least and greatest offset the kernel reads: `[(lo, hi), ...]`;
    /// `None` when the bounds name scalar parameters (then see `halo`).
    #[getter]
    fn neighborhood(&self) -> Option<Footprint> {
        self.spec.neighborhood.clone()
    }

    /// How many trailing axes the stencil spans (leading ones are a stack).
    #[getter]
    fn ndim(&self) -> usize {
        self.spec.ndim
    }

    /// What a `constant` axis pads with, or what skipped outputs hold.
    #[getter]
    fn cval(&self, py: Python<'_>) -> Py<PyAny> {
        self.spec.cval.clone_ref(py)
    }

    /// The neighbourhood a call with these scalar arguments reads, `[(lo, hi), ...]`:
    /// what a chunked caller must overlap by on each axis.
    #[pyo3(signature = (*scalars))]
    fn halo(&self, scalars: &Bound<'_, PyTuple>) -> PyResult<Footprint> {
        (self.spec.halo)(self, scalars)
    }

    /// The boundary mode of each axis, as `#[stencil(mode = ...)]` names it.
    #[getter]
    fn mode(&self) -> Vec<&'static str> {
        self.spec.modes.clone()
    }

    #[getter]
    fn __name__(&self) -> &str {
        &self.spec.name
    }

    /// `kernel(x, *scalars)` over a chunked Dask array, lazily, equal to the in-memory call
    /// bit for bit in every mode and for any chunking (see `<module>.dask.map_stencil`).
    #[pyo3(signature = (x, *scalars))]
    fn dask<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        scalars: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let module: String = slf.getattr("__module__")?.extract()?;
        let mut args = vec![slf.as_any().clone(), x.clone()];
        args.extend(scalars.iter());
        let args = PyTuple::new(py, args)?;
        py.import(format!("{module}.dask"))?
            .getattr("map_stencil")?
            .call1(args)
    }

    /// Pickled by reference: the module and name it was exported under.
    fn __reduce__(&self) -> &str {
        &self.spec.name
    }

    fn __repr__(&self) -> String {
        format!(
            "<ndkernel stencil '{}' ndim={} mode={:?}>",
            self.spec.name, self.spec.ndim, self.spec.modes
        )
    }
}

/// What `stencil!` knows about a kernel.
#[derive(Debug)]
pub struct Spec {
    /// The Python name.
    pub name: String,
    /// The arguments' names.
    pub params: Vec<&'static str>,
    /// The kernel's `RANK`.
    pub ndim: usize,
    /// The kernel's `STATIC_NEIGHBORHOOD`, per axis.
    pub neighborhood: Option<Footprint>,
    /// The kernel's `__name_neighborhood`, called on Python scalars.
    pub halo: Halo,
    /// The kernel's `__name_cval()`.
    pub cval: Py<PyAny>,
    /// The kernel's `MODES`, by name.
    pub modes: Vec<&'static str>,
    /// One call per element-type combination, with its dtypes for messages.
    pub calls: Vec<(String, Call)>,
}

/// Adds the stencil to `module` under its name.
///
/// # Errors
/// Python failing to add the attribute.
pub fn add(module: &Bound<'_, PyModule>, spec: Spec) -> PyResult<()> {
    let name = spec.name.clone();
    let stencil = Bound::new(module.py(), Stencil { spec })?;
    dask_helpers(module)?;
    // Pickle looks an object up by its `__module__` and the name `__reduce__` gives.
    stencil.setattr("__module__", module.name()?)?;
    stencil.setattr("__qualname__", PyString::new(module.py(), &name))?;
    module.add(name.as_str(), stencil)
}

/// The submodule `<module>.dask` (`dask.py`, compiled in): created with the first stencil
/// and registered in `sys.modules`, so a worker that imports the module has it, and tasks
/// that name its functions unpickle there. Its source is compiled on the first attribute
/// read (a module `__getattr__`, PEP 562): compiling it costs 3 ms, more than the rest of
/// the import, and only Dask users need it.
fn dask_helpers<'py>(module: &Bound<'py, PyModule>) -> PyResult<Bound<'py, PyModule>> {
    if let Ok(existing) = module.getattr("dask") {
        return Ok(existing.cast_into()?);
    }
    let py = module.py();
    let name = format!("{}.dask", module.name()?);
    let helpers = PyModule::new(py, &name)?;
    let qualified = name.clone();
    let loader = PyCFunction::new_closure(
        py,
        None,
        None,
        move |args, _kwargs| -> PyResult<Py<PyAny>> {
            let py = args.py();
            let attribute: String = args.get_item(0)?.extract()?;
            let helpers = py.import(qualified.as_str())?;
            let globals = helpers.dict();
            if !globals.contains("map_stencil")? {
                let code = CString::new(include_str!("dask.py"))
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                py.run(&code, Some(&globals), None)?;
            }
            match globals.get_item(&attribute)? {
                Some(value) => Ok(value.unbind()),
                None => Err(PyAttributeError::new_err(format!(
                    "module '{qualified}' has no attribute '{attribute}'"
                ))),
            }
        },
    )?;
    helpers.setattr("__getattr__", loader)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item(&name, &helpers)?;
    module.add("dask", &helpers)?;
    Ok(helpers)
}

impl Stencil {
    /// Checks that `args` has one argument per name in `params`.
    ///
    /// # Errors
    /// `TypeError` naming what the call takes.
    pub fn check_arity(&self, args: &Bound<'_, PyTuple>, params: &[&str]) -> PyResult<()> {
        if args.len() == params.len() {
            return Ok(());
        }
        Err(PyTypeError::new_err(format!(
            "{}() takes {} arguments ({}), {} given",
            self.spec.name,
            params.len(),
            params.join(", "),
            args.len()
        )))
    }

    /// Argument `k` as an array of `T`, or `None` if it has another dtype.
    ///
    /// # Errors
    /// `TypeError` if it is not an array (or array-like NumPy can convert).
    pub fn array<'py, T: Element>(
        &self,
        args: &Bound<'py, PyTuple>,
        k: usize,
    ) -> PyResult<Option<PyReadonlyArrayDyn<'py, T>>> {
        let py = args.py();
        let arg = args.get_item(k)?;
        let arg = if arg.is_instance_of::<numpy::PyUntypedArray>() {
            arg
        } else {
            py.import("numpy")?.call_method1("asarray", (arg,))?
        };
        let array = arg.cast_into::<numpy::PyUntypedArray>().map_err(|e| {
            PyTypeError::new_err(format!(
                "{}: argument {} ({}) is not an array: {e}",
                self.spec.name, k, self.spec.params[k]
            ))
        })?;
        let wanted = numpy::dtype::<T>(py);
        let mut array = array;
        if !array.dtype().is_equiv_to(&wanted) {
            // The same type in the other byte order is converted, as a ufunc's loop would be.
            let native = array.dtype().call_method1("newbyteorder", ("=",))?;
            if !native.cast::<PyArrayDescr>()?.is_equiv_to(&wanted) {
                return Ok(None);
            }
            array = array.call_method1("astype", (native,))?.cast_into()?;
        }
        // A view needs aligned elements at whole-element strides (a field of a structured
        // array has neither): such an input is read from a contiguous copy.
        if !direct(&array) {
            array = py
                .import("numpy")?
                .call_method1("ascontiguousarray", (array,))?
                .cast_into()?;
        }
        let typed = array.cast_into::<PyArrayDyn<T>>()?;
        let readonly = typed.try_readonly().map_err(|e| {
            PyValueError::new_err(format!(
                "{}: argument {k} ({}) is being written by another call: {e}",
                self.spec.name, self.spec.params[k]
            ))
        })?;
        Ok(Some(readonly))
    }

    /// Argument `k`, named `param`, as a scalar of `T`.
    ///
    /// # Errors
    /// `TypeError` naming the argument if it does not convert.
    pub fn scalar<'py, T: FromPyObjectOwned<'py>>(
        &self,
        args: &Bound<'py, PyTuple>,
        k: usize,
        param: &str,
    ) -> PyResult<T> {
        args.get_item(k)?
            .extract::<T>()
            .map_err(Into::<PyErr>::into)
            .map_err(|e: PyErr| {
                let rust = std::any::type_name::<T>();
                let python = match rust {
                    "f32" | "f64" => "float",
                    "bool" => "bool",
                    _ if rust.starts_with('i') || rust.starts_with('u') => "int",
                    _ => rust,
                };
                PyTypeError::new_err(format!(
                    "{}: argument {k} ({param}) must be {python} ({rust}): {e}",
                    self.spec.name
                ))
            })
    }

    /// Runs the kernel with the GIL released: into `out` when given (its dtype must be `O`),
    /// else into a new array laid out as the kernel's allocating form lays it out.
    ///
    /// # Errors
    /// A `KernelError` as `ValueError`, a wrong `out` as `TypeError`, a panic as
    /// `RuntimeError`; on error no array is returned.
    pub fn finish<O, D>(
        &self,
        py: Python<'_>,
        out: Option<&Bound<'_, PyAny>>,
        inputs: &[&Bound<'_, PyAny>],
        run: impl FnOnce(Option<&mut ArrayViewMutD<'_, O>>) -> Result<Option<Array<O, D>>, KernelError>
        + Send,
    ) -> PyResult<Option<Py<PyAny>>>
    where
        O: Element + Send,
        D: Dimension,
    {
        let Some(out) = out else {
            let result = detached(py, &self.spec.name, || run(None))?
                .ok_or_else(|| PyRuntimeError::new_err("the allocating form returned no array"))?;
            return Ok(Some(
                PyArray::from_owned_array(py, result.into_dyn())
                    .into_any()
                    .unbind(),
            ));
        };
        let array = out.cast::<PyArrayDyn<O>>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{}: out must be a writeable array of dtype {}",
                self.spec.name,
                numpy::dtype::<O>(py)
            ))
        })?;
        let span = byte_span(array.as_untyped());
        let shares = inputs
            .iter()
            .filter_map(|input| input.cast::<PyUntypedArray>().ok())
            .any(|input| {
                let other = byte_span(input);
                span.0 < span.1 && other.0 < other.1 && span.0 < other.1 && other.0 < span.1
            });
        if shares || !direct(array.as_untyped()) {
            // Written through a view, `out` would alias an input the kernel reads (rust-numpy's
            // borrow tracking cannot see through `memoryview` or `as_strided` bases), or be
            // misaligned: the kernel writes a fresh array, copied into `out` afterwards.
            let fresh = PyArrayDyn::<O>::zeros(py, array.shape(), false);
            {
                let mut writable = fresh.readwrite();
                let mut view = writable.as_array_mut();
                detached(py, &self.spec.name, || run(Some(&mut view)))?;
            }
            py.import("numpy")?.call_method1("copyto", (out, fresh))?;
        } else {
            let mut writable = array
                .try_readwrite()
                .map_err(|e| PyTypeError::new_err(format!("{}: out: {e}", self.spec.name)))?;
            let mut view = writable.as_array_mut();
            detached(py, &self.spec.name, || run(Some(&mut view)))?;
        }
        Ok(Some(out.clone().unbind()))
    }
}

/// Whether `array` can be viewed in place: aligned, at whole-element strides.
fn direct(array: &Bound<'_, PyUntypedArray>) -> bool {
    let size = array.dtype().itemsize() as isize;
    array.is_aligned() && array.strides().iter().all(|&s| size == 0 || s % size == 0)
}

/// The bytes `[lo, hi)` an array's elements lie in (NumPy's `may_share_memory` bounds):
/// empty for an array without elements.
fn byte_span(array: &Bound<'_, PyUntypedArray>) -> (usize, usize) {
    // SAFETY: reads the data pointer of a live array object.
    let data = unsafe { (*array.as_array_ptr()).fields.data };
    crate::loops::extent(
        data,
        array.shape(),
        array.strides(),
        array.dtype().itemsize(),
    )
}

/// Runs `f` without the GIL, turning a `KernelError` into `ValueError` and a panic into
/// `RuntimeError`.
fn detached<R: Send>(
    py: Python<'_>,
    name: &str,
    f: impl FnOnce() -> Result<R, KernelError> + Send,
) -> PyResult<R> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(e)) => Err(crate::errors::kernel_error(e)),
        Err(payload) => Err(PyRuntimeError::new_err(format!(
            "{name}: the kernel panicked: {}",
            crate::errors::panic_message(&*payload)
        ))),
    }
}

/// A view of a read-only array argument that can cross into the detached closure.
pub fn view<'a, T: Element>(array: &'a PyReadonlyArrayDyn<'_, T>) -> ArrayViewD<'a, T> {
    array.as_array()
}
