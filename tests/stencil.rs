//! `#[stencil]` kernels against independent references.
//!
//! * SciPy: `kernel-runtime/tests/data/boundary/` holds `scipy.ndimage.correlate` outputs for
//!   every filter mode (see its `manifest.txt`). Kernels here read literal offsets with the
//!   literal weights of some of those cases, one kernel per mode, and must agree within 1e-12;
//!   `skip` and `valid` are SciPy's output with the border set to `cval`, or cropped.
//! * Numba: `data/numba_stencil/` holds `@numba.stencil` outputs (see `data/README.md`).
//! * A naive loop written here, which maps every neighbour's index by hand for each mode (it
//!   does not call `ndkernel::boundary`), evaluates the same expression as each kernel, so
//!   results are compared bit for bit.

#![allow(
    clippy::unreadable_literal,
    reason = "weights are copied digit for digit from the SciPy data"
)]

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

use approx::relative_eq;
use ndarray::{Dimension, IxDyn, ShapeBuilder};
use ndkernel::boundary::Boundary;
use ndkernel::dispatch;
use ndkernel::prelude::*;
use ndkernel::stencil::Footprint;
use proptest::prelude::*;

mod common;
use common::stencil_reference::{MODES, Mode, Read, naive};

// ---------------------------------------------------------------------------------------
// The reference
// ---------------------------------------------------------------------------------------

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
    i64 => |v| v as u64,
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

#[track_caller]
fn assert_close<D: Dimension>(got: &Array<f64, D>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for ((index, &g), &w) in got.view().into_dyn().indexed_iter().zip(want) {
        assert!(
            relative_eq!(g, w, epsilon = 1e-12, max_relative = 1e-12),
            "{what}: at {:?} got {g}, want {w}",
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

// ---------------------------------------------------------------------------------------
// Kernels against SciPy: literal offsets, literal weights, one kernel per mode
// ---------------------------------------------------------------------------------------

/// One kernel per mode with the same body, `mod <mode> { k, call }`, plus the listed
/// aliases and per-axis mixes; `by_key` finds one by the manifest's `modes=` spelling.
macro_rules! every_mode {
    (@kernels ($x:ident) $body:tt; $($m:ident $key:literal => $modes:tt),*) => {
        $(
            pub mod $m {
                use super::*;

                #[stencil(mode = $modes, cval = current_cval())]
                pub fn k($x: Rel<f64>) -> f64 $body

                pub fn call(x: ArrayViewD<'_, f64>) -> Result<ArrayD<f64>, KernelError> {
                    k(&x)
                }
            }
        )*

        /// The manifest spellings this family has a kernel for.
        pub const KEYS: &[&str] = &[$($key),*];

        pub fn by_key(key: &str) -> Option<Run> {
            match key {
                $($key => Some($m::call),)*
                _ => None,
            }
        }
    };
    ($name:ident ($x:ident) $body:tt $(, $m:ident $key:literal => $modes:tt)* $(,)?) => {
        mod $name {
            use super::*;

            every_mode!(@kernels ($x) $body;
                skip "skip" => "skip",
                constant "constant" => "constant",
                nearest "nearest" => "nearest",
                reflect "reflect" => "reflect",
                mirror "mirror" => "mirror",
                wrap "wrap" => "wrap",
                valid "valid" => "valid"
                $(, $m $key => $modes)*
            );
        }
    };
}

// w_3.npy: footprint (-1)..=(1)
every_mode! {
    w3 (x) {
        -0.8902940940555847 * x[-1]
            - 0.7329203871134289 * x[0]
            + 0.3337615771930389 * x[1]
    },
    grid_constant "grid-constant" => "grid-constant",
    grid_mirror "grid-mirror" => "grid-mirror",
    grid_wrap "grid-wrap" => "grid-wrap",
}

// w_5.npy: footprint (-4)..=(0)
every_mode! {
    w5 (x) {
        0.5892404726222976 * x[[-4]]
            + 0.958007400155812 * x[[-3]]
            + 0.3387366639332412 * x[[-2]]
            + 0.9348685830864757 * x[[-1]]
            - 0.3455806276963624 * x[[0]]
    },
    grid_constant "grid-constant" => "grid-constant",
    grid_mirror "grid-mirror" => "grid-mirror",
    grid_wrap "grid-wrap" => "grid-wrap",
}

// w_12.npy: footprint (-1)..=(10)
every_mode! {
    w12 (x) {
        -0.6971125161040004 * x[-1]
            - 0.5653637011646596 * x[0]
            - 0.39439438016952133 * x[1]
            + 0.906817380991915 * x[2]
            + 0.7897144571737249 * x[3]
            - 0.3651190956745669 * x[4]
            - 0.9265147923167018 * x[5]
            + 0.7514815455450814 * x[6]
            + 0.6102913842518211 * x[7]
            - 0.5115719761539415 * x[8]
            + 0.44262136289173915 * x[9]
            + 0.6578977107487938 * x[10]
    },
    grid_constant "grid-constant" => "grid-constant",
    grid_mirror "grid-mirror" => "grid-mirror",
    grid_wrap "grid-wrap" => "grid-wrap",
}

// w_3x3.npy: footprint (-1, -1)..=(1, 1)
every_mode! {
    w3x3 (x) {
        0.6136579586767024 * x[[-1, -1]]
            + 0.726687320113864 * x[[-1, 0]]
            - 0.35744440227484464 * x[[-1, 1]]
            - 0.6652329186410151 * x[[0, -1]]
            - 0.29272946165353075 * x[[0, 0]]
            + 0.9527820218299724 * x[[0, 1]]
            - 0.879822042328326 * x[[1, -1]]
            + 0.5171865814390703 * x[[1, 0]]
            - 0.5845671016328788 * x[[1, 1]]
    },
    grid_constant "grid-constant" => "grid-constant",
    grid_mirror "grid-mirror" => "grid-mirror",
    grid_wrap "grid-wrap" => "grid-wrap",
    reflect_constant "reflect,constant" => ["reflect", "constant"],
    nearest_constant "nearest,constant" => ["nearest", "constant"],
}

// w_2x4.npy: footprint (-1, 0)..=(0, 3)
every_mode! {
    w2x4 (x) {
        -0.5250802392572285 * x[[-1, 0]]
            - 0.4481216240279088 * x[[-1, 1]]
            + 0.9539003525657292 * x[[-1, 2]]
            - 0.8166801812331882 * x[[-1, 3]]
            - 0.5664412986543592 * x[[0, 0]]
            - 0.7715104803067897 * x[[0, 1]]
            + 0.5769700508356882 * x[[0, 2]]
            - 0.7187490769473451 * x[[0, 3]]
    },
    grid_constant "grid-constant" => "grid-constant",
    grid_mirror "grid-mirror" => "grid-mirror",
    grid_wrap "grid-wrap" => "grid-wrap",
    constant_nearest "constant,nearest" => ["constant", "nearest"],
}

// w_3x3x3.npy: footprint (-1, -1, -1)..=(1, 1, 1)
every_mode! {
    w3x3x3 (x) {
        0.6413309171070578 * x[[-1, -1, -1]]
            - 0.49474438828182277 * x[[-1, -1, 0]]
            + 0.5242787038449456 * x[[-1, -1, 1]]
            - 0.8362090773049141 * x[[-1, 0, -1]]
            - 0.6744980942367919 * x[[-1, 0, 0]]
            - 0.3058298212733862 * x[[-1, 0, 1]]
            + 0.6653901381536085 * x[[-1, 1, -1]]
            + 0.3691443502337921 * x[[-1, 1, 0]]
            + 0.7893539488352784 * x[[-1, 1, 1]]
            - 0.38518358931796637 * x[[0, -1, -1]]
            + 0.6411759672396995 * x[[0, -1, 0]]
            - 0.2632041523626494 * x[[0, -1, 1]]
            + 0.8985325323702535 * x[[0, 0, -1]]
            - 0.3811245394133277 * x[[0, 0, 0]]
            - 0.9603903116671647 * x[[0, 0, 1]]
            + 0.5129441331223867 * x[[0, 1, -1]]
            - 0.6733485480144445 * x[[0, 1, 0]]
            - 0.9238317800439292 * x[[0, 1, 1]]
            - 0.5015645172377894 * x[[1, -1, -1]]
            + 0.6987361177710378 * x[[1, -1, 0]]
            - 0.41930553122536973 * x[[1, -1, 1]]
            + 0.7551243046734004 * x[[1, 0, -1]]
            + 0.7883839774528913 * x[[1, 0, 0]]
            - 0.742273537479302 * x[[1, 0, 1]]
            - 0.952800538897886 * x[[1, 1, -1]]
            - 0.30100759649550823 * x[[1, 1, 0]]
            - 0.6007017145160637 * x[[1, 1, 1]]
    },
    mirror_constant_wrap "mirror,constant,wrap" => ["mirror", "constant", "wrap"],
}

// w_2x1x4.npy: footprint (-1, 0, -1)..=(0, 0, 2)
every_mode! {
    w2x1x4 (x) {
        -0.7624914914864709 * x[[-1, 0, -1]]
            - 0.5792255440893738 * x[[-1, 0, 0]]
            - 0.7780303183297321 * x[[-1, 0, 1]]
            + 0.41430437677028475 * x[[-1, 0, 2]]
            + 0.4835261384112106 * x[[0, 0, -1]]
            + 0.6152636626617382 * x[[0, 0, 0]]
            - 0.30231787091611406 * x[[0, 0, 1]]
            - 0.40427958833777766 * x[[0, 0, 2]]
    },
    nearest_reflect_constant "nearest,reflect,constant" => ["nearest", "reflect", "constant"],
}
/// One line of the SciPy manifest.
struct ScipyCase {
    name: String,
    method: String,
    weights: String,
    modes: String,
    input: ArrayD<f64>,
    expected: ArrayD<f64>,
    cval: f64,
    lo: Vec<isize>,
    hi: Vec<isize>,
}

fn scipy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel-runtime/tests/data/boundary")
}

fn scipy_cases() -> Vec<ScipyCase> {
    let manifest = fs::read_to_string(scipy_dir().join("manifest.txt")).unwrap();
    let parse = |line: &str| {
        let field = |key: &str| {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("no `{key}` in {line:?}"))
                .to_owned()
        };
        let load = |key: &str| -> ArrayD<f64> {
            ndarray_npy::read_npy(scipy_dir().join(field(key)))
                .unwrap_or_else(|e| panic!("reading {}: {e}", field(key)))
        };
        let list = |key: &str| -> Vec<isize> {
            field(key).split(',').map(|v| v.parse().unwrap()).collect()
        };
        ScipyCase {
            name: field("case"),
            method: field("method"),
            weights: field("weights"),
            modes: field("modes"),
            input: load("input"),
            expected: load("output"),
            cval: field("cval").parse().unwrap(),
            lo: list("lo"),
            hi: list("hi"),
        }
    };
    manifest
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(parse)
        .collect()
}

/// The kernel family written with the weights of `weights`, and its footprint.
type Family = (
    fn(&str) -> Option<Run>,
    &'static [&'static str],
    &'static [isize],
);

fn family(weights: &str) -> Option<Family> {
    Some(match weights {
        "w_3.npy" => (w3::by_key, w3::KEYS, &[-1]),
        "w_5.npy" => (w5::by_key, w5::KEYS, &[-4]),
        "w_12.npy" => (w12::by_key, w12::KEYS, &[-1]),
        "w_3x3.npy" => (w3x3::by_key, w3x3::KEYS, &[-1, -1]),
        "w_2x4.npy" => (w2x4::by_key, w2x4::KEYS, &[-1, 0]),
        "w_3x3x3.npy" => (w3x3x3::by_key, w3x3x3::KEYS, &[-1, -1, -1]),
        "w_2x1x4.npy" => (w2x1x4::by_key, w2x1x4::KEYS, &[-1, 0, -1]),
        _ => return None,
    })
}

/// Per axis, the outputs whose whole neighbourhood is inside: `-lo..len - hi`, or nothing.
fn hand_interior(case: &ScipyCase, axis: usize) -> std::ops::Range<usize> {
    let len = case.input.shape()[axis] as isize;
    let (start, end) = (-case.lo[axis], len - case.hi[axis]);
    if end > start {
        start as usize..end as usize
    } else {
        0..0
    }
}

/// SciPy's output with the border set to `cval`: what `skip` gives.
fn scipy_skip(case: &ScipyCase) -> ArrayD<f64> {
    let mut want = case.expected.clone();
    for (index, v) in want.indexed_iter_mut() {
        if (0..index.ndim()).any(|axis| !hand_interior(case, axis).contains(&index[axis])) {
            *v = case.cval;
        }
    }
    want
}

/// SciPy's output cropped to the interior: what `valid` gives.
fn scipy_valid(case: &ScipyCase) -> ArrayD<f64> {
    let mut view = case.expected.view();
    for axis in 0..view.ndim() {
        view.slice_axis_inplace(Axis(axis), hand_interior(case, axis).into());
    }
    view.to_owned()
}

#[test]
fn every_mode_matches_scipy_correlate() {
    let mut checked = HashSet::new();
    let mut cases = 0;
    for case in scipy_cases() {
        let Some((by_key, _, lo)) = family(&case.weights) else {
            continue;
        };
        assert_eq!(case.lo, lo, "{}: the kernel's footprint", case.name);
        set_cval(case.cval);
        let mut run = |key: &str| {
            let kernel = by_key(key).unwrap_or_else(|| panic!("{}: no kernel {key}", case.name));
            checked.insert((case.weights.clone(), key.to_owned()));
            kernel(case.input.view()).unwrap_or_else(|e| panic!("{}: {e}", case.name))
        };
        assert_close(&run(&case.modes), &case.expected, &case.name);
        if case.method == "correlate" {
            let what = format!("{} as skip", case.name);
            assert_close(&run("skip"), &scipy_skip(&case), &what);
            let what = format!("{} as valid", case.name);
            assert_close(&run("valid"), &scipy_valid(&case), &what);
        }
        cases += 1;
    }
    assert!(cases >= 125, "only {cases} SciPy cases checked");
    for weights in [
        "w_3.npy",
        "w_5.npy",
        "w_12.npy",
        "w_3x3.npy",
        "w_2x4.npy",
        "w_3x3x3.npy",
        "w_2x1x4.npy",
    ] {
        for key in family(weights).unwrap().1 {
            let pair = (weights.to_owned(), (*key).to_owned());
            assert!(checked.contains(&pair), "{weights} {key}: no SciPy case");
        }
    }
}

#[test]
fn per_axis_mode_metadata() {
    assert_eq!(
        w3x3::reflect_constant::k::MODES,
        [Boundary::Reflect, Boundary::Constant]
    );
    assert_eq!(
        w3x3x3::mirror_constant_wrap::k::MODES,
        [Boundary::Mirror, Boundary::Constant, Boundary::Wrap]
    );
    // SciPy's `grid-` spellings mean the plain modes for filters.
    assert_eq!(w3::grid_mirror::k::MODES, [Boundary::Reflect]);
    assert_eq!(w3::grid_wrap::k::MODES, [Boundary::Wrap]);
    assert_eq!(w3::grid_constant::k::MODES, [Boundary::Constant]);
    assert_eq!(
        w2x4::skip::k::NEIGHBORHOOD,
        Footprint {
            lo: [-1, 0],
            hi: [0, 3]
        }
    );
    assert_eq!(
        w12::valid::k::NEIGHBORHOOD,
        Footprint { lo: [-1], hi: [10] }
    );
}

// ---------------------------------------------------------------------------------------
// Kernels against Numba
// ---------------------------------------------------------------------------------------

fn numba<A: ndarray_npy::ReadNpyExt>(file: &str) -> A {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/numba_stencil")
        .join(file);
    ndarray_npy::read_npy(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Numba's `_mean`: the 3x3 sum in Numba's order, over 9.
#[stencil]
fn mean(x: Rel<f64>) -> f64 {
    (x[[-1, -1]]
        + x[[-1, 0]]
        + x[[-1, 1]]
        + x[[0, -1]]
        + x[[0, 0]]
        + x[[0, 1]]
        + x[[1, -1]]
        + x[[1, 0]]
        + x[[1, 1]])
        / 9.0
}

/// Numba's `_mean_cval`: `@stencil(cval=-1.5)`.
#[stencil(cval = -1.5)]
fn mean_cval(x: Rel<f64>) -> f64 {
    (x[[-1, -1]]
        + x[[-1, 0]]
        + x[[-1, 1]]
        + x[[0, -1]]
        + x[[0, 0]]
        + x[[0, 1]]
        + x[[1, -1]]
        + x[[1, 0]]
        + x[[1, 1]])
        / 9.0
}

/// Numba's `_asym`: the neighbourhood is inferred per axis, rows -1..=0, columns 0..=2.
#[stencil]
fn asym(a: Rel<f64>) -> f64 {
    a[[0, 2]] - a[[-1, 0]]
}

/// Numba's `_neigh`: computed offsets within a declared neighbourhood.
#[stencil(neighborhood = [(-2, 0), (-1, 1)])]
fn neigh(a: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for i in -2..=0 {
        for j in -1..=1 {
            acc += a[[i, j]];
        }
    }
    acc
}

/// Numba's `_stdidx` with `standard_indexing=("b",)`: `b` is indexed absolutely.
#[stencil]
fn stdidx(a: Rel<f64>, b: ArrayView1<f64>) -> f64 {
    a[[0, 1]] * b[0] - a[[0, -1]] * b[1]
}

/// Seed 002's `_smooth` on int8 as Numba runs it: every `int8 + int8` is an int64 and
/// `// 9` is floor division. Rust's `/` truncates towards zero, which differs for negative
/// sums (`-670 // 9 == -75`, `-670 / 9 == -74`); `div_euclid` by a positive divisor floors.
#[stencil]
fn smooth_floor(x: Rel<i8>) -> i64 {
    let s = i64::from(x[[-1, -1]])
        + i64::from(x[[-1, 0]])
        + i64::from(x[[-1, 1]])
        + i64::from(x[[0, -1]])
        + i64::from(x[[0, 0]])
        + i64::from(x[[0, 1]])
        + i64::from(x[[1, -1]])
        + i64::from(x[[1, 0]])
        + i64::from(x[[1, 1]]);
    s.div_euclid(9)
}

/// The same into int8, as seed 002's gufunc stores it: `-1152 // 9 == -128` and
/// `1143 // 9 == 127`, so the cast never wraps.
#[stencil]
fn smooth_floor_i8(x: Rel<i8>) -> i8 {
    let s = i64::from(x[[-1, -1]])
        + i64::from(x[[-1, 0]])
        + i64::from(x[[-1, 1]])
        + i64::from(x[[0, -1]])
        + i64::from(x[[0, 0]])
        + i64::from(x[[0, 1]])
        + i64::from(x[[1, -1]])
        + i64::from(x[[1, 0]])
        + i64::from(x[[1, 1]]);
    s.div_euclid(9) as i8
}

/// The crate docs' `smooth`, with Rust's truncating `/`: not Numba's result on negative sums.
#[stencil]
fn smooth_truncating(x: Rel<i8>) -> i64 {
    let s = i64::from(x[[-1, -1]])
        + i64::from(x[[-1, 0]])
        + i64::from(x[[-1, 1]])
        + i64::from(x[[0, -1]])
        + i64::from(x[[0, 0]])
        + i64::from(x[[0, 1]])
        + i64::from(x[[1, -1]])
        + i64::from(x[[1, 0]])
        + i64::from(x[[1, 1]]);
    s / 9
}

/// Seed 002's `_smooth` on float32: the sum stays float32, `// 9` is a float64 floor division.
#[stencil]
fn smooth_f32(x: Rel<f32>) -> f64 {
    let s = x[[-1, -1]]
        + x[[-1, 0]]
        + x[[-1, 1]]
        + x[[0, -1]]
        + x[[0, 0]]
        + x[[0, 1]]
        + x[[1, -1]]
        + x[[1, 0]]
        + x[[1, 1]];
    (f64::from(s) / 9.0).floor()
}

#[test]
fn numba_mean_border_holds_cval() {
    let x: Array2<f64> = numba("mean_f64.in0.npy");
    assert_same(&mean(&x).unwrap(), &numba("mean_f64.out.npy"), "mean");
    let x: Array2<f64> = numba("mean_f64_cval.in0.npy");
    let want = numba("mean_f64_cval.out.npy");
    assert_same(&mean_cval(&x).unwrap(), &want, "mean, cval=-1.5");

    // `out=` and `cval`: Numba writes the border with cval, and so does `_into`.
    let x: Array2<f64> = numba("mean_f64_cval_out.in0.npy");
    let mut out = Array2::from_elem((6, 7), 99.0);
    mean_cval_into(&x, &mut out).unwrap();
    assert_same(&out, &numba("mean_f64_cval_out.out.npy"), "mean_into, cval");

    // `out=` without `cval`: Numba leaves the border untouched (99 stays); `_into` always
    // writes `cval`, which defaults to 0 (documented: "what `skip` writes at the border").
    let x: Array2<f64> = numba("mean_f64_out.in0.npy");
    let numba_out: Array2<f64> = numba("mean_f64_out.out.npy");
    let mut out = Array2::from_elem((6, 7), 99.0);
    mean_into(&x, &mut out).unwrap();
    for ((i, j), &v) in out.indexed_iter() {
        let border = i == 0 || j == 0 || i == 5 || j == 6;
        let want = if border { 0.0 } else { numba_out[[i, j]] };
        assert_eq!(v.to_bits(), want.to_bits(), "mean_into at {:?}", (i, j));
    }

    // An array smaller than the kernel is all border.
    let x: Array2<f64> = numba("tiny_f64.in0.npy");
    assert_same(&mean(&x).unwrap(), &numba("tiny_f64.out.npy"), "tiny");
}

#[test]
fn numba_neighbourhoods() {
    let a: Array2<f64> = numba("asym_f64.in0.npy");
    assert_same(&asym(&a).unwrap(), &numba("asym_f64.out.npy"), "asym");
    assert_eq!(
        asym::NEIGHBORHOOD,
        Footprint {
            lo: [-1, 0],
            hi: [0, 2]
        }
    );
    let a: Array2<f64> = numba("neigh_f64.in0.npy");
    assert_same(&neigh(&a).unwrap(), &numba("neigh_f64.out.npy"), "neigh");
    assert_eq!(
        neigh::NEIGHBORHOOD,
        Footprint {
            lo: [-2, -1],
            hi: [0, 1]
        }
    );
    let a: Array2<f64> = numba("stdidx_f64.in0.npy");
    let b: Array1<f64> = numba("stdidx_f64.in1.npy");
    let want = numba("stdidx_f64.out.npy");
    assert_same(&stdidx(&a, b.view()).unwrap(), &want, "stdidx");
    // The absolutely indexed `b` does not widen the border.
    assert_eq!(
        stdidx::NEIGHBORHOOD,
        Footprint {
            lo: [0, -1],
            hi: [0, 1]
        }
    );
}

#[test]
fn numba_smooth_int8_floor_division() {
    let x: Array2<i8> = numba("smooth_i8.in0.npy");
    let want: ArrayD<i64> = numba("smooth_i8.out.npy");
    assert_same(&smooth_floor(&x).unwrap(), &want, "smooth, int64 out");
    let want_i8: ArrayD<i8> = numba("smooth_i8.gufunc_out.npy");
    assert_same(&smooth_floor_i8(&x).unwrap(), &want_i8, "smooth, int8 out");
    // Truncating division is not Numba's: the sum at [1, 2] is -670.
    let truncated = smooth_truncating(&x).unwrap();
    assert_eq!((want[[1, 2]], truncated[[1, 2]]), (-75, -74));
    let differ = truncated.iter().zip(&want).filter(|(t, w)| t != w).count();
    assert!(differ > 0);

    let x: Array2<f32> = numba("smooth_f32.in0.npy");
    assert_same(
        &smooth_f32(&x).unwrap(),
        &numba("smooth_f32.out.npy"),
        "f32",
    );
}

// ---------------------------------------------------------------------------------------
// Every pair of modes on one asymmetric kernel, against the naive reference
// ---------------------------------------------------------------------------------------

/// `asym1`: footprint -2..=1.
const ASYM1: (&[isize], &[isize]) = (&[-2], &[1]);

fn asym1_ref(r: Read<'_, f64>) -> f64 {
    r(&[-2]) * 1.5 - r(&[0]) * 0.25 + r(&[1]) * 2.0
}

/// `asym2`: footprint (-2, -1)..=(1, 0).
const ASYM2: (&[isize], &[isize]) = (&[-2, -1], &[1, 0]);

fn asym2_ref(r: Read<'_, f64>) -> f64 {
    r(&[-2, 0]) * 1.5 - r(&[0, -1]) * 0.25 + r(&[1, 0]) * 2.0 + r(&[0, 0])
}

/// `asym1::TABLE[m]` and `asym2::TABLE[m0][m1]`: the kernels above for the modes
/// `MODES[m]`, with `cval = current_cval()`.
macro_rules! asym {
    (@row $a:ident $amode:tt [$($b:ident $bmode:tt),*]) => {
        pub mod $a {
            use super::*;
            $(
                pub mod $b {
                    use super::*;

                    #[stencil(mode = [$amode, $bmode], cval = current_cval())]
                    pub fn k(x: Rel<f64>) -> f64 {
                        x[[-2, 0]] * 1.5 - x[[0, -1]] * 0.25 + x[[1, 0]] * 2.0 + x[[0, 0]]
                    }

                    pub fn call(x: ArrayViewD<'_, f64>) -> Result<ArrayD<f64>, KernelError> {
                        k(&x)
                    }
                }
            )*
            pub const ROW: [Run; 7] = [$($b::call),*];
        }
    };
    (@outer $all:tt $($m:ident $mode:tt),*) => {
        $(asym!(@row $m $mode $all);)*
        pub const TABLE: [[Run; 7]; 7] = [$($m::ROW),*];
    };
    ($($m:ident $mode:tt),*) => {
        mod asym1 {
            use super::*;
            $(
                pub mod $m {
                    use super::*;

                    #[stencil(mode = $mode, cval = current_cval())]
                    pub fn k(x: Rel<f64>) -> f64 {
                        x[-2] * 1.5 - x[0] * 0.25 + x[1] * 2.0
                    }

                    pub fn call(x: ArrayViewD<'_, f64>) -> Result<ArrayD<f64>, KernelError> {
                        k(&x)
                    }
                }
            )*
            pub const TABLE: [Run; 7] = [$($m::call),*];
        }
        mod asym2 {
            use super::*;
            asym!(@outer [$($m $mode),*] $($m $mode),*);
        }
    };
}

asym!(
    skip "skip", constant "constant", nearest "nearest", reflect "reflect", mirror "mirror",
    wrap "wrap", valid "valid"
);

/// Runs `asym1` (`modes.len() == 1`) or `asym2` on `x` and checks it against the reference.
#[track_caller]
fn check_asym(x: &ArrayViewD<'_, f64>, modes: &[usize], cval: f64, what: &str) {
    set_cval(cval);
    let hand: Vec<Mode> = modes.iter().map(|&m| MODES[m]).collect();
    let what = format!(
        "{what}: modes {hand:?}, cval {cval}, strides {:?}",
        x.strides()
    );
    let (run, footprint, body): (Run, _, fn(Read<'_, f64>) -> f64) = match modes {
        [m] => (asym1::TABLE[*m], ASYM1, asym1_ref),
        [m0, m1] => (asym2::TABLE[*m0][*m1], ASYM2, asym2_ref),
        _ => unreachable!(),
    };
    let got = run(x.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let want = naive(x, &hand, footprint, (cval, cval), body);
    assert_same(&got, &want, &what);
}

/// Small, empty, single-element, strided, reversed, transposed and Fortran-order arrays.
fn awkward_2d() -> Vec<(String, ArrayD<f64>)> {
    let mut cases: Vec<(String, ArrayD<f64>)> = [
        (0, 0),
        (0, 5),
        (5, 0),
        (1, 1),
        (1, 6),
        (6, 1),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 3),
        (7, 9),
    ]
    .into_iter()
    .map(|(r, c)| (format!("{r}x{c}"), grid(&[r, c], r + c, false)))
    .collect();
    cases.push(("fortran 6x8".into(), grid(&[6, 8], 1, true)));
    let strided = grid2(13, 10, 2).slice_move(s![..;2, ..;-1]);
    cases.push(("s![..;2, ..;-1] of 13x10".into(), strided.into_dyn()));
    let transposed = grid2(9, 7, 3).reversed_axes();
    cases.push(("transposed 9x7".into(), transposed.into_dyn()));
    let rows = grid2(11, 8, 4).slice_move(s![3..;-3, 1..7]);
    cases.push(("s![3..;-3, 1..7] of 11x8".into(), rows.into_dyn()));
    cases
}

fn awkward_1d() -> Vec<(String, ArrayD<f64>)> {
    let mut cases: Vec<(String, ArrayD<f64>)> = [0, 1, 2, 3, 4, 5, 11]
        .into_iter()
        .map(|n| (format!("length {n}"), grid(&[n], n, false)))
        .collect();
    let reversed = grid(&[11], 5, false).slice_move(s![..;-1]);
    cases.push(("s![..;-1]".into(), reversed.into_dyn()));
    let strided = grid(&[20], 6, false).slice_move(s![1..;3]);
    cases.push(("s![1..;3]".into(), strided.into_dyn()));
    let column = grid2(7, 5, 7).slice_move(s![.., 2]);
    cases.push(("a column".into(), column.into_dyn()));
    cases
}

#[test]
fn every_mode_pair_on_awkward_2d_inputs() {
    for (what, x) in awkward_2d() {
        for m0 in 0..7 {
            for m1 in 0..7 {
                for cval in [0.0, -2.5] {
                    check_asym(&x.view(), &[m0, m1], cval, &what);
                }
            }
            // A 1-D stencil on a 2-D array: rows are a stack.
            check_asym(
                &x.view(),
                &[m0],
                4.25,
                &format!("{what} as a stack of rows"),
            );
        }
    }
}

#[test]
fn every_mode_on_awkward_1d_inputs() {
    for (what, x) in awkward_1d() {
        for m in 0..7 {
            for cval in [0.0, 3.5] {
                check_asym(&x.view(), &[m], cval, &what);
            }
        }
    }
}

#[test]
fn stacks_equal_per_plane_results() {
    let x = grid(&[4, 7, 9], 8, false);
    for (m0, row) in asym2::TABLE.iter().enumerate() {
        for (m1, &run) in row.iter().enumerate() {
            set_cval(-1.25);
            let got = run(x.view()).unwrap();
            for plane in 0..4 {
                let one = run(x.index_axis(Axis(0), plane)).unwrap();
                assert_same(
                    &got.index_axis(Axis(0), plane).to_owned(),
                    &one,
                    &format!("plane {plane}, modes {:?}", (MODES[m0], MODES[m1])),
                );
            }
            check_asym(&x.view(), &[m0, m1], -1.25, "stack 4x7x9");
        }
    }
    // Two loop axes, and a reversed stack.
    let x = grid(&[2, 3, 5, 4], 9, false);
    check_asym(&x.view(), &[3, 5], 0.0, "stack 2x3x5x4");
    let x = grid(&[3, 6, 5], 10, false)
        .slice_move(s![..;-1, .., ..;-1])
        .into_dyn();
    check_asym(&x.view(), &[0, 4], 1.0, "reversed stack");
}

// ---------------------------------------------------------------------------------------
// Named kernels: forms of offsets, parameters and types
// ---------------------------------------------------------------------------------------

/// Seven taps read by computed offsets, `x[k]`.
#[stencil(neighborhood = [(-3, 3)])]
fn moving_sum(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for k in -3..=3 {
        acc += x[k];
    }
    acc
}

/// The same with `x[[k]]`, mirrored at the edges.
#[stencil(neighborhood = [(-3, 3)], mode = "mirror")]
fn moving_sum_mirror(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for k in -3..=3 {
        acc += x[[k]];
    }
    acc
}

fn moving_sum_ref(r: Read<'_, f64>) -> f64 {
    let mut acc = 0.0;
    for k in -3..=3 {
        acc += r(&[k]);
    }
    acc
}

/// A declared neighbourhood without the centre is widened to hold it: (0, 2).
#[stencil(neighborhood = [(1, 2)], cval = -9.0)]
fn ahead(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for k in 1..=2 {
        acc += x[[k]] * k as f64;
    }
    acc
}

/// Offsets -2..=0 only: the border is on one side, and `valid` drops it.
#[stencil(mode = "valid")]
fn back(x: Rel<f64>) -> f64 {
    x[[-2]] * 0.5 + x[[-1]] - x[[0]] * 3.0
}

const R: isize = 2;

/// Offsets from a `const` item of this module, negated too.
#[stencil(mode = "reflect")]
fn reach_r(x: Rel<f64>) -> f64 {
    x[[R, 0]] - x[[-R, 0]] * 0.5 + x[[0, R]]
}

/// Several plain-value parameters, one mode per axis.
#[stencil(mode = ["reflect", "wrap"])]
fn affine(x: Rel<f64>, scale: f64, shift: i32, negate: bool) -> f64 {
    let v = x[[0, -1]] * scale + f64::from(shift) + x[[1, 1]];
    if negate { -v } else { v }
}

fn affine_ref(r: Read<'_, f64>, scale: f64, shift: i32, negate: bool) -> f64 {
    let v = r(&[0, -1]) * scale + f64::from(shift) + r(&[1, 1]);
    if negate { -v } else { v }
}

/// An absolutely indexed lookup table beside the relative input (`standard_indexing`).
#[stencil(mode = "nearest")]
fn lookup(x: Rel<u8>, table: ArrayView1<f64>) -> f64 {
    table[usize::from(x[[0, -1]])] - table[usize::from(x[[1, 0]])] * 2.0
}

/// A generic kernel.
#[stencil(mode = "wrap")]
fn sum3<T: Copy + std::ops::Add<Output = T>>(x: Rel<T>) -> T {
    x[-1] + x[0] + x[1]
}

/// int8 in, int16 out; `cval` pads the int8 input.
#[stencil(mode = "constant", cval = -5)]
fn widen(x: Rel<i8>) -> i16 {
    i16::from(x[[-1]]) - 2 * i16::from(x[[0]]) + i16::from(x[[2]])
}

/// int8 in, int16 out; `cval` fills the int16 border.
#[stencil(cval = -5)]
fn widen_skip(x: Rel<i8>) -> i16 {
    i16::from(x[[-1]]) - 2 * i16::from(x[[0]]) + i16::from(x[[2]])
}

fn widen_ref(r: Read<'_, i8>) -> i16 {
    i16::from(r(&[-1])) - 2 * i16::from(r(&[0])) + i16::from(r(&[2]))
}

#[stencil(mode = "wrap")]
fn laplace3(u: Rel<f64>) -> f64 {
    u[[-1, 0, 0]] + u[[1, 0, 0]] + u[[0, -1, 0]] + u[[0, 1, 0]] + u[[0, 0, -1]] + u[[0, 0, 1]]
        - 6.0 * u[[0, 0, 0]]
}

#[stencil(mode = ["reflect", "skip", "mirror"], cval = 7.5)]
fn laplace3_mixed(u: Rel<f64>) -> f64 {
    u[[-1, 0, 0]] + u[[1, 0, 0]] + u[[0, -1, 0]] + u[[0, 1, 0]] + u[[0, 0, -1]] + u[[0, 0, 1]]
        - 6.0 * u[[0, 0, 0]]
}

fn laplace3_ref(r: Read<'_, f64>) -> f64 {
    r(&[-1, 0, 0]) + r(&[1, 0, 0]) + r(&[0, -1, 0]) + r(&[0, 1, 0]) + r(&[0, 0, -1]) + r(&[0, 0, 1])
        - 6.0 * r(&[0, 0, 0])
}

/// Reads a computed offset `k`, which must stay in the declared neighbourhood.
#[stencil(neighborhood = [(-1, 1)])]
fn shifted(x: Rel<f64>, k: isize) -> f64 {
    x[k]
}

#[stencil(neighborhood = [(-1, 1), (0, 0)], mode = "nearest")]
fn shifted2(x: Rel<f64>, k: isize) -> f64 {
    x[[0, k]]
}

const ONE: (&[isize], &[isize]) = (&[-1], &[1]);

#[test]
fn one_dimensional_kernels() {
    let skip = [Mode::Skip];
    for (what, x) in awkward_1d() {
        let x = x.view();
        let want = naive(&x, &skip, (&[-3], &[3]), (0.0, 0.0), moving_sum_ref);
        assert_same(&moving_sum(&x).unwrap(), &want, &what);
        let modes = [Mode::Mirror];
        let want = naive(&x, &modes, (&[-3], &[3]), (0.0, 0.0), moving_sum_ref);
        assert_same(&moving_sum_mirror(&x).unwrap(), &want, &what);
        let want = naive(&x, &skip, (&[0], &[2]), (0.0, -9.0), |r| {
            r(&[1]) * 1.0 + r(&[2]) * 2.0
        });
        assert_same(&ahead(&x).unwrap(), &want, &what);
        let want = naive(&x, &[Mode::Valid], (&[-2], &[0]), (0.0, 0.0), |r| {
            r(&[-2]) * 0.5 + r(&[-1]) - r(&[0]) * 3.0
        });
        assert_same(&back(&x).unwrap(), &want, &what);
        let want = naive(&x, &[Mode::Wrap], ONE, (0.0, 0.0), |r| {
            r(&[-1]) + r(&[0]) + r(&[1])
        });
        assert_same(&sum3(&x).unwrap(), &want, &what);
        for k in -1..=1 {
            let want = naive(&x, &skip, ONE, (0.0, 0.0), |r| r(&[k]));
            assert_same(&shifted(&x, k).unwrap(), &want, &what);
        }
    }
    assert_eq!(back(&array![1.0, 2.0]).unwrap().len(), 0);
    assert_eq!(back(&array![1.0, 2.0, 3.0]).unwrap(), array![-6.5]);
}

#[test]
fn two_and_three_dimensional_kernels() {
    for (what, x) in awkward_2d() {
        let x = x.view();
        let modes = [Mode::Reflect, Mode::Reflect];
        let want = naive(&x, &modes, (&[-2, 0], &[2, 2]), (0.0, 0.0), |r| {
            r(&[2, 0]) - r(&[-2, 0]) * 0.5 + r(&[0, 2])
        });
        assert_same(&reach_r(&x).unwrap(), &want, &what);
        let modes = [Mode::Reflect, Mode::Wrap];
        let want = naive(&x, &modes, (&[0, -1], &[1, 1]), (0.0, 0.0), |r| {
            affine_ref(r, 0.5, -3, true)
        });
        assert_same(&affine(&x, 0.5, -3, true).unwrap(), &want, &what);
        let modes = [Mode::Skip, Mode::Skip];
        let want = naive(&x, &modes, (&[-1, -1], &[1, 1]), (0.0, 0.0), |r| {
            (r(&[-1, -1])
                + r(&[-1, 0])
                + r(&[-1, 1])
                + r(&[0, -1])
                + r(&[0, 0])
                + r(&[0, 1])
                + r(&[1, -1])
                + r(&[1, 0])
                + r(&[1, 1]))
                / 9.0
        });
        assert_same(&mean(&x).unwrap(), &want, &what);
    }
    for shape in [
        &[4, 5, 6][..],
        &[1, 1, 1],
        &[2, 3, 1],
        &[0, 3, 4],
        &[2, 4, 5, 6],
    ] {
        let x = grid(shape, 11, false);
        let modes = [Mode::Wrap; 3];
        let want = naive(
            &x.view(),
            &modes,
            (&[-1; 3], &[1; 3]),
            (0.0, 0.0),
            laplace3_ref,
        );
        assert_same(&laplace3(&x).unwrap(), &want, &format!("{shape:?}"));
        let modes = [Mode::Reflect, Mode::Skip, Mode::Mirror];
        let want = naive(
            &x.view(),
            &modes,
            (&[-1; 3], &[1; 3]),
            (0.0, 7.5),
            laplace3_ref,
        );
        assert_same(&laplace3_mixed(&x).unwrap(), &want, &format!("{shape:?}"));
    }
    let x = grid(&[5, 4, 3], 12, false).permuted_axes(IxDyn(&[2, 0, 1]));
    let want = naive(
        &x.view(),
        &[Mode::Wrap; 3],
        (&[-1; 3], &[1; 3]),
        (0.0, 0.0),
        laplace3_ref,
    );
    assert_same(&laplace3(&x).unwrap(), &want, "permuted axes");
}

#[test]
fn static_and_dynamic_ranks_agree() {
    let x = grid2(6, 7, 13);
    let fixed: Array2<f64> = mean(&x).unwrap();
    let dynamic: ArrayD<f64> = mean(&x.clone().into_dyn()).unwrap();
    assert_same(&fixed, &dynamic, "IxDyn");
    let view: Array2<f64> = mean(x.view()).unwrap();
    assert_same(&view, &dynamic, "a view by value");
    let stack = grid(&[3, 6, 7], 14, false)
        .into_dimensionality::<Ix3>()
        .unwrap();
    let out: Array3<f64> = affine(&stack, 2.0, 1, false).unwrap();
    for plane in 0..3 {
        let one = affine(stack.index_axis(Axis(0), plane), 2.0, 1, false).unwrap();
        assert_same(
            &out.index_axis(Axis(0), plane).to_owned(),
            &one.into_dyn(),
            "plane",
        );
    }
}

#[test]
fn element_types() {
    // A lookup table indexed absolutely by the input's values.
    let table = Array1::from_shape_fn(256, |i| (i as f64).sqrt() - 3.0);
    let x = Array2::from_shape_fn((5, 6), |(i, j)| ((i * 53 + j * 97) % 256) as u8);
    let want = naive(
        &x.view().into_dyn(),
        &[Mode::Nearest; 2],
        (&[0, -1], &[1, 0]),
        (0, 0.0),
        |r| table[usize::from(r(&[0, -1]))] - table[usize::from(r(&[1, 0]))] * 2.0,
    );
    assert_same(&lookup(&x, table.view()).unwrap(), &want, "lookup");

    // Generic over the element type.
    let ints = Array1::from_shape_fn(9, |i| i as i32 * 7 - 20);
    let want = naive(&ints.view().into_dyn(), &[Mode::Wrap], ONE, (0, 0), |r| {
        r(&[-1]) + r(&[0]) + r(&[1])
    });
    assert_same(&sum3(&ints).unwrap(), &want, "sum3 i32");
    let floats = grid(&[9], 1, false);
    let want = naive(&floats.view(), &[Mode::Wrap], ONE, (0.0, 0.0), |r| {
        r(&[-1]) + r(&[0]) + r(&[1])
    });
    assert_same(&sum3(&floats).unwrap(), &want, "sum3 f64");

    // int8 in, int16 out, over the whole int8 range.
    let bytes = Array1::from_shape_fn(256, |i| (i as i16 - 128) as i8);
    let bytes = bytes.slice(s![..;-1]);
    let lohi: (&[isize], &[isize]) = (&[-1], &[2]);
    let want = naive(
        &bytes.into_dyn(),
        &[Mode::Constant],
        lohi,
        (-5i8, 0i16),
        widen_ref,
    );
    let got: Array1<i16> = widen(&bytes).unwrap();
    assert_same(&got, &want, "widen, constant");
    let want = naive(
        &bytes.into_dyn(),
        &[Mode::Skip],
        lohi,
        (0i8, -5i16),
        widen_ref,
    );
    assert_same(&widen_skip(&bytes).unwrap(), &want, "widen, skip");
    assert_eq!(widen(&array![1i8]).unwrap(), array![-5 - 2 - 5]);
}

// ---------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------

/// Runs `f` normally, serially, and in pools of 1 and 3 threads.
fn every_schedule<R: Send>(f: impl Fn() -> R + Send + Sync) -> [R; 4] {
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    [
        f(),
        dispatch::serial(&f),
        pool(1).install(&f),
        pool(3).install(&f),
    ]
}

#[test]
fn parallel_results_equal_serial_ones() {
    let x = grid2(300, 1000, 15);
    let [plain, rest @ ..] = every_schedule(|| affine(&x, 0.75, 2, false).unwrap());
    for other in rest {
        assert_same(&other, &plain.clone().into_dyn(), "affine 300x1000");
    }
    let modes = [Mode::Reflect, Mode::Wrap];
    let want = naive(
        &x.view().into_dyn(),
        &modes,
        (&[0, -1], &[1, 1]),
        (0.0, 0.0),
        |r| affine_ref(r, 0.75, 2, false),
    );
    assert_same(&plain, &want, "affine 300x1000 against the reference");
    let [plain, rest @ ..] = every_schedule(|| mean(&x).unwrap());
    for other in rest {
        assert_same(&other, &plain.clone().into_dyn(), "mean 300x1000");
    }

    let stack = grid(&[8, 200, 300], 16, false);
    for (m0, m1) in [(0, 0), (3, 5), (6, 1), (4, 6)] {
        set_cval(0.5);
        let run = asym2::TABLE[m0][m1];
        let [plain, rest @ ..] = every_schedule(|| {
            set_cval(0.5);
            run(stack.view()).unwrap()
        });
        for other in rest {
            assert_same(&other, &plain, "asym2 8x200x300");
        }
        check_asym(&stack.view(), &[m0, m1], 0.5, "8x200x300");
    }

    // One long row, split into segments.
    let long = grid(&[300_001], 17, false);
    for m in [0, 3, 6] {
        let [plain, rest @ ..] = every_schedule(|| {
            set_cval(-1.0);
            asym1::TABLE[m](long.view()).unwrap()
        });
        for other in rest {
            assert_same(&other, &plain, "asym1 300001");
        }
        check_asym(&long.view(), &[m], -1.0, "300001");
    }
}

/// The `asym2` kernel cut into chunks of any size: chunk edges land anywhere in a row.
#[stencil(mode = ["skip", "reflect"], grain = 1, cval = -3.0)]
fn fine(x: Rel<f64>) -> f64 {
    x[[-2, 0]] * 1.5 - x[[0, -1]] * 0.25 + x[[1, 0]] * 2.0 + x[[0, 0]]
}

#[stencil(mode = "mirror", grain = 1)]
fn fine1(x: Rel<f64>) -> f64 {
    x[-2] * 1.5 - x[0] * 0.25 + x[1] * 2.0
}

#[stencil(mode = "wrap", parallel = false)]
fn never_parallel(x: Rel<f64>) -> f64 {
    x[-2] * 1.5 - x[0] * 0.25 + x[1] * 2.0
}

#[test]
fn fine_chunks_equal_the_reference() {
    for shape in [&[5, 37][..], &[40, 3], &[2, 3, 50], &[1, 1]] {
        let x = grid(shape, 20, false);
        let modes = [Mode::Skip, Mode::Reflect];
        let want = naive(&x.view(), &modes, ASYM2, (0.0, -3.0), asym2_ref);
        for got in every_schedule(|| fine(&x).unwrap()) {
            assert_same(&got, &want, &format!("fine {shape:?}"));
        }
    }
    for n in [0, 1, 2, 3, 1000] {
        let x = grid(&[n], 21, false);
        let want = naive(&x.view(), &[Mode::Mirror], ASYM1, (0.0, 0.0), asym1_ref);
        for got in every_schedule(|| fine1(&x).unwrap()) {
            assert_same(&got, &want, &format!("fine1 {n}"));
        }
        let want = naive(&x.view(), &[Mode::Wrap], ASYM1, (0.0, 0.0), asym1_ref);
        for got in every_schedule(|| never_parallel(&x).unwrap()) {
            assert_same(&got, &want, &format!("never_parallel {n}"));
        }
    }
}

#[test]
fn into_writes_any_output_layout() {
    let x = grid2(9, 11, 19);
    let want = affine(&x, 0.5, 1, false).unwrap().into_dyn();
    let mut fortran = Array2::zeros((9, 11).f());
    affine_into(&x, 0.5, 1, false, &mut fortran).unwrap();
    assert_same(&fortran, &want, "Fortran-order out");
    let mut big = Array2::from_elem((18, 11), f64::NAN);
    affine_into(&x, 0.5, 1, false, &mut big.slice_mut(s![..;-2, ..;-1])).unwrap();
    let written = big.slice(s![..;-2, ..;-1]).to_owned();
    assert_same(&written, &want, "strided, reversed out");
    assert!(
        big.slice(s![..;2, ..]).iter().all(|v| v.is_nan()),
        "rows not in out"
    );
    let mut out = ArrayD::zeros(IxDyn(&[9, 11]));
    affine_into(x.t().t(), 0.5, 1, false, &mut out).unwrap();
    assert_same(&out, &want, "IxDyn out");
}

#[test]
fn empty_stacks() {
    for shape in [&[0, 7, 9][..], &[3, 0, 4], &[3, 4, 0], &[0, 0, 0]] {
        let x = grid(shape, 22, false);
        for m0 in 0..7 {
            for m1 in 0..7 {
                check_asym(&x.view(), &[m0, m1], 1.0, &format!("{shape:?}"));
            }
        }
    }
}

/// The relative parameter need not come first in the kernel's signature.
#[stencil(mode = "nearest")]
fn rel_second(k: f64, x: Rel<f64>) -> f64 {
    k * x[-1] + x[1]
}

/// The generated functions take their arguments in the order the kernel declares them.
#[test]
fn relative_parameter_second() {
    let x = grid(&[6], 23, false);
    let want = naive(&x.view(), &[Mode::Nearest], ONE, (0.0, 0.0), |r| {
        2.0 * r(&[-1]) + r(&[1])
    });
    assert_same(&rel_second(2.0, &x).unwrap(), &want, "rel_second");
}

// ---------------------------------------------------------------------------------------
// Random shapes and modes
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn random_shapes_and_modes_match_the_reference(
        shape in prop::collection::vec(0usize..12, 1..=2),
        modes in prop::collection::vec(0usize..7, 2),
        cval in -10.0f64..10.0,
        seed in 0usize..50,
        flip in any::<bool>(),
    ) {
        let mut x = grid(&shape, seed, false);
        if flip {
            x.invert_axis(Axis(0));
        }
        check_asym(&x.view(), &modes[..shape.len()], cval, &format!("{shape:?}"));
        if shape.len() == 2 {
            check_asym(&x.view(), &modes[1..], cval, &format!("{shape:?} as rows"));
            check_asym(&x.t().into_dyn(), &modes, cval, &format!("{shape:?} transposed"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Errors and metadata
// ---------------------------------------------------------------------------------------

#[test]
#[should_panic(expected = "#[stencil] read at offset [2], outside the neighbourhood [(-1, 1)]")]
fn a_computed_offset_outside_the_neighbourhood_panics() {
    let _ = shifted(&grid(&[6], 1, false), 2);
}

#[test]
#[should_panic(
    expected = "#[stencil] read at offset [0, 1], outside the neighbourhood [(-1, 1), (0, 0)]"
)]
fn a_computed_offset_outside_the_neighbourhood_panics_on_the_border() {
    // One row: every position is border.
    let _ = shifted2(&grid(&[1, 4], 1, false), 1);
}

#[test]
fn into_checks_the_output_shape() {
    let x = grid2(6, 7, 18);
    let mut out = Array2::zeros((5, 5));
    let error = mean_into(&x, &mut out).unwrap_err();
    assert!(
        matches!(error, KernelError::ShapeMismatch { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (5, 5) but the call requires (6, 7)"
    );
    // `valid` outputs are shorter.
    let x = grid(&[9], 1, false);
    let error = back_into(&x, &mut Array1::zeros(9)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (9,) but the call requires (7,)"
    );
    let mut out = Array1::zeros(7);
    back_into(&x, &mut out).unwrap();
    assert_same(&out, &back(&x).unwrap().into_dyn(), "back_into");
    // A stencil needs at least its own rank.
    let error = mean(&Array1::<f64>::zeros(4)).unwrap_err();
    assert!(
        matches!(
            error,
            KernelError::StencilRank {
                ndim: 1,
                rank: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "input 0 (`x`) has 1 axis but the stencil reads 2 (its last 2; any leading axes are a \
         stack)"
    );
}

#[test]
fn metadata() {
    assert_eq!((mean::RANK, mean::MODES), (2, [Boundary::Skip; 2]));
    assert_eq!(
        mean::NEIGHBORHOOD,
        Footprint {
            lo: [-1, -1],
            hi: [1, 1]
        }
    );
    assert_eq!(moving_sum::NEIGHBORHOOD, Footprint { lo: [-3], hi: [3] });
    assert_eq!(ahead::NEIGHBORHOOD, Footprint { lo: [0], hi: [2] });
    assert_eq!(back::NEIGHBORHOOD, Footprint { lo: [-2], hi: [0] });
    assert_eq!(back::MODES, [Boundary::Valid]);
    assert_eq!(
        reach_r::NEIGHBORHOOD,
        Footprint {
            lo: [-2, 0],
            hi: [2, 2]
        }
    );
    assert_eq!(affine::MODES, [Boundary::Reflect, Boundary::Wrap]);
    assert_eq!(laplace3::RANK, 3);
    assert_eq!(
        laplace3_mixed::MODES,
        [Boundary::Reflect, Boundary::Skip, Boundary::Mirror]
    );
    assert_eq!(widen::MODES, [Boundary::Constant]);
    assert_eq!(
        asym2::valid::wrap::k::MODES,
        [Boundary::Valid, Boundary::Wrap]
    );
    assert_eq!(
        asym2::skip::skip::k::NEIGHBORHOOD,
        Footprint {
            lo: [-2, -1],
            hi: [1, 0]
        }
    );
}

/// Lifetime and const generic parameters of the kernel carry through to the generated
/// functions.
#[stencil]
fn lookup_pair<'a>(x: Rel<u8>, table: ArrayView1<'a, f64>) -> f64 {
    table[usize::from(x[-1])] + table[usize::from(x[1])]
}

#[stencil]
fn scaled<const K: usize>(x: Rel<f64>) -> f64 {
    x[-1] * K as f64
}

/// A constant-padded kernel whose output type differs from its input type: `cval` pads
/// the input and never has to be an output value.
#[stencil(mode = "constant", cval = 1.5)]
fn rounded_sum(x: Rel<f64>) -> i32 {
    (x[-1] + x[0] + x[1]).round() as i32
}

#[test]
fn lifetime_const_generics_and_cval_of_the_input_type() {
    let x = Array1::from(vec![0u8, 1, 2, 1]);
    let table = Array1::from(vec![10.0, 20.0, 30.0]);
    let got = lookup_pair(&x, table.view()).unwrap();
    assert_eq!(got, Array1::from(vec![0.0, 40.0, 40.0, 0.0]));
    let y = Array1::from(vec![1.0, 2.0, 3.0]);
    assert_eq!(
        scaled::<3, _>(&y).unwrap(),
        Array1::from(vec![0.0, 3.0, 6.0])
    );
    assert_eq!(rounded_sum(&y).unwrap(), Array1::from(vec![5, 6, 7]));
}
