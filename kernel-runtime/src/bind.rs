//! Binding a gufunc signature's core dimensions to the shapes of one call.
//!
//! A `#[guvectorize]` kernel with signature `(m,n),(n,p)->(m,p)` works on whole matrices.
//! Each operand's *last* axes are its *core* axes, one per core dimension of its part of the
//! signature; its leading axes are *loop* axes, and the kernel runs once per element of the
//! broadcast of the inputs' loop shapes. [`Binder::bind`] works out, once per call, the loop
//! shape, the size of every named dimension ([`CoreSizes`]) and the shape of every operand
//! ([`BoundOperand`]), or the [`KernelError`] that says what is wrong.
//!
//! # Rules
//!
//! These are NumPy's (`_validate_num_dims` and `_get_coredim_sizes` in
//! `numpy/_core/src/umath/ufunc_object.c`), applied to the inputs and then to the outputs
//! the caller passed, each operand's core dimensions left to right:
//!
//! 1. **Optional dimensions** (`n?`, NEP 20). An operand with fewer axes than core
//!    dimensions drops its optional dimensions, leftmost first, until the counts agree. A
//!    dropped dimension is missing from *every* operand, outputs included, so
//!    `(m?,n),(n,p?)->(m?,p?)` turns a vector times a matrix into a vector. Missing
//!    dimensions have size 1 in [`CoreSizes`], as in NumPy's inner loop.
//! 2. Any other shortfall is [`KernelError::TooFewAxes`].
//! 3. **Sizes.** The first operand to show a named dimension binds its size; every later
//!    one must match exactly ([`KernelError::CoreDimMismatch`]): core dimensions never
//!    broadcast. Fixed sizes such as the `3` of `(3),(3)->(3)` are bound from the start.
//! 4. **`n|1`** (proposed by NEP 20, not in NumPy). An input may give such a dimension as 1
//!    and is read with stride 0 along it; the dimension's size is that of the inputs that
//!    give another size, or 1 if none do. Outputs never broadcast (the parser rejects `|1`
//!    there), so an output must give the size the inputs settled on.
//! 5. **Output-only dimensions** take their size from an output the caller passed, else
//!    from a *size rule* ([`SizeRule`], NumPy's `process_core_dims_func`), else the call
//!    is [`KernelError::UnboundDim`]. A rule whose dimension already has a size checks it.
//! 6. **Loop shape.** The inputs' loop shapes broadcast as in [`crate::broadcast`]. An
//!    output the caller passed must have exactly the loop shape followed by its core shape
//!    ([`KernelError::ShapeMismatch`]): outputs are never broadcast, so no element is
//!    written twice. (NumPy lets an output broadcast the inputs; we do not.)
//!
//! Zero sizes are ordinary sizes, in loop and core dimensions alike.
//!
//! # Examples
//!
//! ```
//! use kernel_runtime::bind::Binder;
//! use kernel_runtime::Signature;
//!
//! let matmul: Signature = "(m?,n),(n,p?)->(m?,p?)".parse()?;
//! let binding = Binder::new(&matmul).bind(&[&[2, 1, 3, 4], &[5, 4, 2]], &[None])?;
//! assert_eq!(binding.loop_shape(), [2, 5]);
//! assert_eq!(binding.outputs()[0].shape(), [2, 5, 3, 2]);
//! assert_eq!(binding.sizes()["n"], 4);
//!
//! // A vector on the right drops `p` from the output.
//! let binding = Binder::new(&matmul).bind(&[&[2, 3, 4], &[4]], &[None])?;
//! assert_eq!(binding.outputs()[0].shape(), [2, 3]);
//! assert!(binding.sizes().is_missing("p"));
//!
//! // Output-only dimensions come from a size rule (or from an output passed in).
//! let pdist: Signature = "(n,d)->(p)".parse()?;
//! let binding = Binder::new(&pdist)
//!     .names(&["points"], &["out"])
//!     .size_rules(&[("p", &|s| s["n"] * (s["n"] - 1) / 2)])
//!     .bind(&[&[4, 3]], &[None])?;
//! assert_eq!(binding.outputs()[0].shape(), [6]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::ops::Index;

use crate::broadcast::broadcast_with;
use crate::error::{KernelError, Operand, Role};
use crate::signature::{CoreDim, DimSize, Signature};

#[cfg(test)]
mod tests;

/// Computes the size of a dimension from the sizes bound so far, such as
/// `("p", &|s| s["n"] * (s["n"] - 1) / 2)` for NumPy's `euclidean_pdist`, `(n,d)->(p)`.
///
/// Rules run in order after every operand has been bound, so a rule may read the inputs'
/// dimensions and the dimensions of earlier rules.
pub type SizeRule<'a> = (&'a str, &'a dyn Fn(&CoreSizes<'_>) -> usize);

/// Binds a signature to the operand shapes of a call; see the [module docs](self).
///
/// Holds only references, so generated code builds one per call for free.
#[derive(Clone, Copy)]
pub struct Binder<'a> {
    signature: &'a Signature,
    input_names: &'a [&'static str],
    output_names: &'a [&'static str],
    rules: &'a [SizeRule<'a>],
}

impl fmt::Debug for Binder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules: Vec<&str> = self.rules.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Binder")
            .field("signature", &self.signature.as_str())
            .field("input_names", &self.input_names)
            .field("output_names", &self.output_names)
            .field("rules", &rules)
            .finish()
    }
}

/// The result of a successful [`Binder::bind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding<'a> {
    loop_shape: Vec<usize>,
    sizes: CoreSizes<'a>,
    inputs: Vec<BoundOperand>,
    outputs: Vec<BoundOperand>,
}

/// The shape of one operand as bound: its loop axes, then the core axes it actually has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundOperand {
    shape: Vec<usize>,
    core_ndim: usize,
    /// The core shape the kernel sees: `n|1` axes stretched to the bound size.
    kernel_core: Vec<usize>,
}

/// The size of every dimension of a signature in one call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreSizes<'a> {
    /// Each distinct dimension once; equal fixed sizes are one dimension, as in NumPy.
    keys: Vec<&'a DimSize>,
    sizes: Vec<Option<usize>>,
    missing: Vec<bool>,
}

/// Where each operand's core dimensions sit in the signature, computed once per call.
///
/// Like NumPy's `core_dim_ixs` and `core_offsets`: `dims[offsets[op]..offsets[op + 1]]`
/// are operand `op`'s core dimensions (inputs first), each with its index in the dimension
/// table of [`CoreSizes`].
struct Layout<'a> {
    offsets: Vec<usize>,
    dims: Vec<(usize, &'a CoreDim)>,
}

impl<'a> Layout<'a> {
    fn of(&self, op: usize) -> &[(usize, &'a CoreDim)] {
        &self.dims[self.offsets[op]..self.offsets[op + 1]]
    }
}

/// Which operand and axis gave a dimension its size; `None` for fixed sizes and rules.
type BoundBy = Vec<Option<(usize, usize)>>;

impl<'a> Binder<'a> {
    /// A binder for `signature`, with unnamed operands and no size rules.
    pub fn new(signature: &'a Signature) -> Self {
        Binder {
            signature,
            input_names: &[],
            output_names: &[],
            rules: &[],
        }
    }

    /// Names the operands in errors, as in `input 1 (`b`)`. Missing names are left out.
    #[must_use]
    pub fn names(self, inputs: &'a [&'static str], outputs: &'a [&'static str]) -> Self {
        Binder {
            input_names: inputs,
            output_names: outputs,
            ..self
        }
    }

    /// Sizes for dimensions that appear only in outputs; see [`SizeRule`].
    #[must_use]
    pub fn size_rules(self, rules: &'a [SizeRule<'a>]) -> Self {
        Binder { rules, ..self }
    }

    /// Binds the signature to the shapes of one call. `outputs` has one entry per output of
    /// the signature: `Some(shape)` for an array the caller passed (an `_into` call), `None`
    /// for one the kernel will allocate with the shape [`Binding::outputs`] gives.
    ///
    /// Checks run in NumPy's order, so the first problem NumPy would report is the one
    /// reported: operand counts, then axis counts, core sizes, size rules, unbound output
    /// dimensions, and last the loop shapes.
    ///
    /// # Errors
    ///
    /// * [`KernelError::OperandCount`] if `inputs` or `outputs` has the wrong length;
    /// * [`KernelError::TooFewAxes`] for an operand with fewer axes than its core
    ///   dimensions, after optional ones have been dropped;
    /// * [`KernelError::CoreDimMismatch`] for a core axis whose size disagrees with a fixed
    ///   size, with the operand that bound the dimension, or with a size rule;
    /// * [`KernelError::UnboundDim`] for an output-only dimension with no output array and
    ///   no size rule;
    /// * [`KernelError::Broadcast`] if the inputs' loop shapes do not broadcast;
    /// * [`KernelError::ShapeMismatch`] for an output whose shape is not exactly the loop
    ///   shape followed by its core shape.
    ///
    /// # Panics
    ///
    /// If a size rule names a dimension the signature does not have, or two rules name the
    /// same output-only dimension and disagree: both are bugs in the caller, not in the call.
    #[track_caller]
    pub fn bind(
        &self,
        inputs: &[&[usize]],
        outputs: &[Option<&[usize]>],
    ) -> Result<Binding<'a>, KernelError> {
        let sig = self.signature;
        check_count(Role::Input, sig.inputs().len(), inputs.len())?;
        check_count(Role::Output, sig.outputs().len(), outputs.len())?;
        let (layout, mut sizes) = layout(sig);
        let shapes: Vec<Option<&[usize]>> = inputs
            .iter()
            .map(|&shape| Some(shape))
            .chain(outputs.iter().copied())
            .collect();

        let core_ndim = self.drop_missing(&layout, &shapes, &mut sizes)?;
        let bound_by = self.bind_sizes(&layout, &shapes, &core_ndim, &mut sizes)?;
        self.apply_rules(&mut sizes, &bound_by)?;
        self.check_outputs_bound(&layout, &sizes)?;

        let nin = inputs.len();
        let loop_shape = broadcast_with(
            nin,
            |i| &inputs[i][..inputs[i].len() - core_ndim[i]],
            |i| self.operand_at(i),
        )?;
        let inputs = inputs
            .iter()
            .zip(&core_ndim)
            .enumerate()
            .map(|(op, (shape, &core_ndim))| {
                let kernel_core = layout
                    .of(op)
                    .iter()
                    .filter(|&&(d, _)| !sizes.missing[d])
                    .map(|&(d, _)| sizes.sizes[d].expect("inputs bind every present dimension"))
                    .collect();
                BoundOperand {
                    shape: shape.to_vec(),
                    core_ndim,
                    kernel_core,
                }
            })
            .collect();
        let outputs = (0..outputs.len())
            .map(|j| self.bind_output(&layout, &sizes, &loop_shape, j, outputs[j]))
            .collect::<Result<_, _>>()?;
        Ok(Binding {
            loop_shape,
            sizes,
            inputs,
            outputs,
        })
    }

    /// NumPy's `_validate_num_dims`: drops optional dimensions from operands that lack
    /// axes for them, and returns the number of core axes each operand has left.
    fn drop_missing(
        &self,
        layout: &Layout<'_>,
        shapes: &[Option<&[usize]>],
        sizes: &mut CoreSizes<'_>,
    ) -> Result<Vec<usize>, KernelError> {
        let nop = shapes.len();
        let mut core_ndim: Vec<usize> = (0..nop).map(|op| layout.of(op).len()).collect();
        for (op, shape) in shapes.iter().enumerate() {
            let Some(ndim) = shape.map(<[usize]>::len) else {
                continue;
            };
            if ndim >= core_ndim[op] {
                continue;
            }
            for &(d, dim) in layout.of(op) {
                if !dim.optional || sizes.missing[d] {
                    continue;
                }
                // Missing for every operand: each loses one core axis per use of `d`.
                sizes.missing[d] = true;
                sizes.sizes[d] = Some(1);
                for (other, count) in core_ndim.iter_mut().enumerate() {
                    *count -= layout.of(other).iter().filter(|(e, _)| *e == d).count();
                }
                // NumPy stops at an exact fit only: a dimension used twice by this operand
                // can overshoot, and then it goes on dropping (the extra axes loop).
                if ndim == core_ndim[op] {
                    break;
                }
            }
            if ndim < core_ndim[op] {
                return Err(KernelError::TooFewAxes {
                    operand: self.operand_at(op),
                    ndim,
                    needed: core_ndim[op],
                    core: self.core_text(op),
                    signature: self.signature.as_str().to_owned(),
                });
            }
        }
        Ok(core_ndim)
    }

    /// NumPy's `_get_coredim_sizes`, plus `|1`: binds every present core dimension of every
    /// given operand, and returns which operand and axis bound each.
    fn bind_sizes(
        &self,
        layout: &Layout<'_>,
        shapes: &[Option<&[usize]>],
        core_ndim: &[usize],
        sizes: &mut CoreSizes<'_>,
    ) -> Result<BoundBy, KernelError> {
        let nin = self.signature.inputs().len();
        let mut bound_by: BoundBy = vec![None; sizes.keys.len()];
        // Bound only by inputs giving 1 for an `n|1` dimension: a later input may rebind it.
        let mut weak = vec![false; sizes.keys.len()];
        for (op, shape) in shapes.iter().enumerate() {
            let Some(shape) = shape else { continue };
            let mut axis = shape.len() - core_ndim[op];
            for &(d, dim) in layout.of(op) {
                if sizes.missing[d] {
                    continue;
                }
                let size = shape[axis];
                let input = op < nin;
                match sizes.sizes[d] {
                    _ if input && dim.broadcastable && size == 1 => {
                        if sizes.sizes[d].is_none() {
                            (sizes.sizes[d], weak[d], bound_by[d]) =
                                (Some(1), true, Some((op, axis)));
                        }
                    }
                    Some(_) if input && weak[d] => {
                        (sizes.sizes[d], weak[d], bound_by[d]) =
                            (Some(size), false, Some((op, axis)));
                    }
                    None => {
                        (sizes.sizes[d], bound_by[d]) = (Some(size), Some((op, axis)));
                    }
                    Some(expected) if expected != size => {
                        return Err(KernelError::CoreDimMismatch {
                            operand: self.operand_at(op),
                            dim: dim.size.to_string(),
                            axis,
                            size,
                            expected,
                            bound_by: bound_by[d].map(|(by, _)| self.operand_at(by)),
                            signature: self.signature.as_str().to_owned(),
                        });
                    }
                    Some(_) => {}
                }
                axis += 1;
            }
        }
        Ok(bound_by)
    }

    /// Runs the size rules in order; a rule for a dimension that already has a size checks
    /// it against the operand that bound it.
    #[track_caller]
    fn apply_rules(
        &self,
        sizes: &mut CoreSizes<'_>,
        bound_by: &BoundBy,
    ) -> Result<(), KernelError> {
        for &(name, rule) in self.rules {
            let d = sizes.position(name).unwrap_or_else(|| {
                panic!(
                    "size rule for `{name}`, which signature {:?} does not have",
                    self.signature.as_str()
                )
            });
            if sizes.missing[d] {
                continue;
            }
            let value = rule(sizes);
            match (sizes.sizes[d], bound_by[d]) {
                (None, _) => sizes.sizes[d] = Some(value),
                (Some(size), Some((op, axis))) if size != value => {
                    return Err(KernelError::CoreDimMismatch {
                        operand: self.operand_at(op),
                        dim: name.to_owned(),
                        axis,
                        size,
                        expected: value,
                        bound_by: None,
                        signature: self.signature.as_str().to_owned(),
                    });
                }
                (Some(size), None) => assert!(
                    size == value,
                    "size rules for `{name}` disagree: {size} and {value} (signature {:?})",
                    self.signature.as_str()
                ),
                (Some(_), Some(_)) => {}
            }
        }
        Ok(())
    }

    /// NumPy's last check in `_get_coredim_sizes`: every dimension an output needs has a size.
    fn check_outputs_bound(
        &self,
        layout: &Layout<'_>,
        sizes: &CoreSizes<'_>,
    ) -> Result<(), KernelError> {
        let nin = self.signature.inputs().len();
        for op in nin..layout.offsets.len() - 1 {
            if let Some(&(_, dim)) = layout
                .of(op)
                .iter()
                .find(|(d, _)| sizes.sizes[*d].is_none())
            {
                return Err(KernelError::UnboundDim {
                    dim: dim.size.to_string(),
                    signature: self.signature.as_str().to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Output `j`'s shape: the loop shape, then its present core dimensions. An output the
    /// caller passed must have exactly that shape.
    fn bind_output(
        &self,
        layout: &Layout<'_>,
        sizes: &CoreSizes<'_>,
        loop_shape: &[usize],
        j: usize,
        given: Option<&[usize]>,
    ) -> Result<BoundOperand, KernelError> {
        let op = self.signature.inputs().len() + j;
        let mut shape = loop_shape.to_vec();
        shape.extend(
            layout
                .of(op)
                .iter()
                .filter(|(d, _)| !sizes.missing[*d])
                .map(|(d, _)| sizes.sizes[*d].expect("checked by `check_outputs_bound`")),
        );
        if let Some(found) = given
            && found != shape.as_slice()
        {
            return Err(KernelError::ShapeMismatch {
                operand: self.operand_at(op),
                expected: shape,
                found: found.to_vec(),
            });
        }
        let core_ndim = shape.len() - loop_shape.len();
        let kernel_core = shape[loop_shape.len()..].to_vec();
        Ok(BoundOperand {
            shape,
            core_ndim,
            kernel_core,
        })
    }

    /// Operand `op`, counting inputs then outputs, with its name if one was given.
    fn operand_at(&self, op: usize) -> Operand {
        let nin = self.signature.inputs().len();
        let (operand, name) = if op < nin {
            (Operand::input(op), self.input_names.get(op))
        } else {
            (Operand::output(op - nin), self.output_names.get(op - nin))
        };
        match name {
            Some(&name) => operand.named(name),
            None => operand,
        }
    }

    /// Operand `op`'s core dimensions as written, such as `(m?,n)`.
    fn core_text(&self, op: usize) -> String {
        let (inputs, outputs) = (self.signature.inputs(), self.signature.outputs());
        let core = inputs.iter().chain(outputs).nth(op).into_iter().flatten();
        format!(
            "({})",
            core.map(ToString::to_string).collect::<Vec<_>>().join(",")
        )
    }
}

fn check_count(role: Role, expected: usize, found: usize) -> Result<(), KernelError> {
    if expected == found {
        Ok(())
    } else {
        Err(KernelError::OperandCount {
            role,
            expected,
            found,
        })
    }
}

/// The dimension table (fixed sizes already bound) and each operand's place in it.
///
/// Looking a dimension up scans the table, so this is quadratic in the number of distinct
/// dimensions of the signature: a handful, where a hash map would cost more than it saves.
fn layout(sig: &Signature) -> (Layout<'_>, CoreSizes<'_>) {
    let mut sizes = CoreSizes::default();
    let mut layout = Layout {
        offsets: vec![0],
        dims: Vec::new(),
    };
    for core in sig.inputs().iter().chain(sig.outputs()) {
        for dim in core {
            let d = sizes
                .keys
                .iter()
                .position(|key| **key == dim.size)
                .unwrap_or_else(|| {
                    sizes.keys.push(&dim.size);
                    sizes.sizes.push(match dim.size {
                        DimSize::Fixed(size) => Some(size),
                        DimSize::Named(_) => None,
                    });
                    sizes.missing.push(false);
                    sizes.keys.len() - 1
                });
            layout.dims.push((d, dim));
        }
        layout.offsets.push(layout.dims.len());
    }
    (layout, sizes)
}

impl<'a> Binding<'a> {
    /// The broadcast of the inputs' loop shapes: the kernel runs once per element of it.
    pub fn loop_shape(&self) -> &[usize] {
        &self.loop_shape
    }

    /// The size of every dimension.
    pub fn sizes(&self) -> &CoreSizes<'a> {
        &self.sizes
    }

    /// The inputs, in order, with the shapes they were given.
    pub fn inputs(&self) -> &[BoundOperand] {
        &self.inputs
    }

    /// The outputs, in order, with the shape each has (if passed) or must be allocated with.
    pub fn outputs(&self) -> &[BoundOperand] {
        &self.outputs
    }
}

impl BoundOperand {
    /// The operand's whole shape: for an output, the loop shape then its core shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of core axes the operand has: its core dimensions less missing ones.
    pub fn core_ndim(&self) -> usize {
        self.core_ndim
    }

    /// The number of leading loop axes; an input's may be fewer than the call's.
    pub fn loop_ndim(&self) -> usize {
        self.shape.len() - self.core_ndim
    }

    /// The operand's own loop axes, before broadcasting.
    pub fn loop_shape(&self) -> &[usize] {
        &self.shape[..self.loop_ndim()]
    }

    /// The sizes of its core axes, in signature order. An input's `n|1` axis may be 1 here
    /// where [`CoreSizes`] has the broadcast size.
    pub fn core_shape(&self) -> &[usize] {
        &self.shape[self.loop_ndim()..]
    }

    /// The core shape the kernel sees: as [`BoundOperand::core_shape`], with every `n|1`
    /// axis of size 1 stretched to the bound size of `n` (read with stride 0).
    pub fn kernel_core_shape(&self) -> &[usize] {
        &self.kernel_core
    }
}

impl CoreSizes<'_> {
    /// The size of dimension `name`: `None` if the signature has no such dimension or (only
    /// while size rules run) it has no size yet. A missing optional dimension has size 1.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.sizes[self.position(name)?]
    }

    /// Whether `name` is an optional dimension that this call left out.
    pub fn is_missing(&self, name: &str) -> bool {
        self.position(name).is_some_and(|d| self.missing[d])
    }

    /// Each named dimension that has a size (after [`Binder::bind`], all of them), with
    /// its size, in order of first appearance in the signature.
    pub fn iter(&self) -> impl Iterator<Item = (&str, usize)> + '_ {
        let named = self.keys.iter().zip(&self.sizes);
        named.filter_map(|(key, &size)| match key {
            DimSize::Named(name) => Some((name.as_str(), size?)),
            DimSize::Fixed(_) => None,
        })
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.keys
            .iter()
            .position(|key| matches!(key, DimSize::Named(n) if n == name))
    }
}

/// `sizes["n"]`, for size rules and for dimensions known to exist.
impl Index<&str> for CoreSizes<'_> {
    type Output = usize;

    /// # Panics
    ///
    /// If the signature has no dimension `name`, or it has no size yet.
    #[track_caller]
    fn index(&self, name: &str) -> &usize {
        let Some(d) = self.position(name) else {
            panic!("the signature has no core dimension `{name}`");
        };
        let Some(size) = &self.sizes[d] else {
            panic!("core dimension `{name}` has no size yet");
        };
        size
    }
}
