//! Kernels against SciPy: literal offsets, literal weights, one kernel per mode.

#![allow(
    clippy::unreadable_literal,
    reason = "weights are copied digit for digit from the SciPy data"
)]

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use approx::relative_eq;
use ndarray::Dimension;
use ndkernel::boundary::Boundary;
use ndkernel::prelude::*;
use ndkernel::stencil::Footprint;

use crate::{Run, current_cval, set_cval};

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
