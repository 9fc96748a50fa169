//! `#[stencil]` kernels against independent references, one module per topic.
//!
//! * SciPy (`scipy`): `kernel-runtime/tests/data/boundary/` holds `scipy.ndimage.correlate`
//!   outputs for every filter mode (see its `manifest.txt`). Kernels there read literal
//!   offsets with the literal weights of some of those cases, one kernel per mode, and must
//!   agree within 1e-12; `skip` and `valid` are SciPy's output with the border set to `cval`,
//!   or cropped.
//! * Numba (`numba`): `data/numba_stencil/` holds `@numba.stencil` outputs (see
//!   `data/README.md`).
//! * A naive loop (`reference`), which maps every neighbour's index by hand for each mode (it
//!   does not call `ndkernel::boundary`), evaluates the same expression as each kernel, so
//!   results are compared bit for bit: every pair of modes on one asymmetric kernel
//!   (`mode_pairs`), named kernels with other forms of offsets, parameters and types
//!   (`named_kernels`), thread schedules (`threads`), errors and metadata
//!   (`errors_and_metadata`).
//! * Several inputs (`several_inputs`): kernels that read several arrays by relative index;
//!   the neighbourhood is the union of every input's reads, each input pads `constant` axes
//!   with `cval` of its own type, and the inputs must share one shape.
//! * Layouts (`layouts`): rows run along whichever axis the inputs step through one element
//!   at a time, and allocated outputs keep the first input's memory order.
//! * Parameters (`parameters`): neighbourhood bounds that name the kernel's parameters, such
//!   as seed 004's box width `w`: the reach is fixed per call, not per compile.

mod errors_and_metadata;
mod extrema;
mod generated;
mod lanes;
mod layouts;
mod linear;
mod mode_pairs;
mod named_kernels;
mod numba;
mod parameters;
mod reference;
mod scipy;
mod several_inputs;
mod threads;

use std::cell::Cell;
use std::fmt::Debug;

use ndarray::{Dimension, IxDyn, ShapeBuilder};
use ndkernel::prelude::*;

/// Values compared bit for bit.
trait Bits: Copy + Debug {
    fn bits(self) -> u64;
}

macro_rules! bits {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl Bits for $t {
            fn bits(self) -> u64 {
                let $v = self;
                $e
            }
        }
    )*};
}

bits!(
    f64 => |v| v.to_bits(), i8 => |v| v as u64, i16 => |v| v as u64, i32 => |v| v as u64,
    i64 => |v| v as u64, u16 => |v| u64::from(v),
);

#[track_caller]
fn assert_same<T: Bits, D: Dimension>(got: &Array<T, D>, want: &ArrayD<T>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for ((index, &g), &w) in got.view().into_dyn().indexed_iter().zip(want) {
        assert!(
            g.bits() == w.bits(),
            "{what}: at {:?} got {g:?}, want {w:?}",
            index.slice()
        );
    }
}

thread_local! {
    static CVAL: Cell<f64> = const { Cell::new(0.0) };
}

/// The `cval` of the kernels below that take it from the test: each call evaluates it.
fn current_cval() -> f64 {
    CVAL.get()
}

fn set_cval(cval: f64) {
    CVAL.set(cval);
}

/// A kernel over any rank, picked at run time from a table.
type Run = fn(ArrayViewD<'_, f64>) -> Result<ArrayD<f64>, KernelError>;

/// Distinct, non-integer values, negative and positive, in C or Fortran order.
fn grid(shape: &[usize], seed: usize, fortran: bool) -> ArrayD<f64> {
    let value = |index: IxDyn| {
        let mut v = seed as f64 * 0.75 - 4.0;
        for (axis, &i) in index.slice().iter().enumerate() {
            v += (i * (7 + 5 * axis) % 23) as f64 * 0.37 - axis as f64 * 1.5;
        }
        v
    };
    if fortran {
        ArrayD::from_shape_fn(IxDyn(shape).f(), value)
    } else {
        ArrayD::from_shape_fn(IxDyn(shape), value)
    }
}

fn grid2(rows: usize, cols: usize, seed: usize) -> Array2<f64> {
    grid(&[rows, cols], seed, false)
        .into_dimensionality()
        .unwrap()
}
