//! The boundary modes against SciPy.
//!
//! `tests/data/boundary/` holds `scipy.ndimage.correlate` outputs for small awkward arrays
//! and asymmetric footprints (some wider than the array), for every SciPy filter mode and a
//! few per-axis mixes; `tools/reference/make_boundary_data.py` made them and
//! `manifest.txt` lists them. Each is recomputed here by a naive n-d correlation that maps
//! every neighbour's index with `Boundary::map_index`, and by a stencil-style loop driven by
//! `Boundary::plan` (unchecked interior, mapped border). `skip` and `valid` have no SciPy
//! mode: they are checked against SciPy's output cropped to the interior.

use std::fs;
use std::path::{Path, PathBuf};

use approx::relative_eq;
use kernel_runtime::boundary::{AxisPlan, Boundaries, Boundary};
use ndarray::{ArrayD, Axis, Dimension, IxDyn, Slice};
use ndarray_npy::read_npy;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/boundary")
}

/// One line of `manifest.txt`.
struct Case {
    name: String,
    method: String,
    files: [String; 3],
    input: ArrayD<f64>,
    weights: ArrayD<f64>,
    expected: ArrayD<f64>,
    modes: Vec<Boundary>,
    cval: f64,
    lo: Vec<isize>,
    hi: Vec<isize>,
}

fn list(value: &str) -> Vec<isize> {
    value.split(',').map(|v| v.parse().unwrap()).collect()
}

fn parse_case(line: &str) -> Case {
    let field = |key: &str| {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no `{key}` in {line:?}"))
    };
    let load = |key: &str| -> ArrayD<f64> {
        read_npy(data_dir().join(field(key)))
            .unwrap_or_else(|e| panic!("reading {}: {e}", field(key)))
    };
    Case {
        name: field("case").to_owned(),
        method: field("method").to_owned(),
        files: ["input", "weights", "output"].map(|key| field(key).to_owned()),
        input: load("input"),
        weights: load("weights"),
        expected: load("output"),
        modes: field("modes")
            .split(',')
            .map(|mode| mode.parse().unwrap())
            .collect(),
        cval: field("cval").parse().unwrap(),
        lo: list(field("lo")),
        hi: list(field("hi")),
    }
}

fn cases() -> Vec<Case> {
    let manifest = fs::read_to_string(data_dir().join("manifest.txt")).unwrap();
    let cases: Vec<Case> = manifest
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(parse_case)
        .collect();
    for case in &cases {
        let ndim = case.input.ndim();
        assert_eq!(case.weights.ndim(), ndim, "{}", case.name);
        assert_eq!(
            (case.lo.len(), case.hi.len()),
            (ndim, ndim),
            "{}",
            case.name
        );
        for axis in 0..ndim {
            let size = (case.hi[axis] - case.lo[axis] + 1) as usize;
            assert_eq!(case.weights.shape()[axis], size, "{}", case.name);
        }
    }
    cases
}

/// `out[i] = sum_k w[k] * x[map(i + lo + k)]`, `k` in C order as SciPy sums, `cval` where any
/// axis maps to `None`.
fn correlate(
    x: &ArrayD<f64>,
    w: &ArrayD<f64>,
    modes: Boundaries,
    lo: &[isize],
    cval: f64,
) -> ArrayD<f64> {
    ArrayD::from_shape_fn(x.raw_dim(), |out| {
        let mut sum = 0.0;
        for (k, &weight) in w.indexed_iter() {
            let source: Option<Vec<usize>> = (0..x.ndim())
                .map(|axis| {
                    let index = out[axis] as isize + lo[axis] + k[axis] as isize;
                    modes.axis(axis).map_index(index, x.shape()[axis])
                })
                .collect();
            sum += source.map_or(cval, |i| x[IxDyn(&i)]) * weight;
        }
        sum
    })
}

/// A stencil the way generated code runs one: per-axis plans, skipped border set to `cval`,
/// plain indexing in the interior, `AxisPlan::input_index` on the border.
fn run_stencil(
    x: &ArrayD<f64>,
    w: &ArrayD<f64>,
    modes: Boundaries,
    lo: &[isize],
    hi: &[isize],
    cval: f64,
) -> ArrayD<f64> {
    let plans: Vec<AxisPlan> = (0..x.ndim())
        .map(|axis| modes.axis(axis).plan(x.shape()[axis], lo[axis], hi[axis]))
        .collect();
    let shape: Vec<usize> = plans.iter().map(|plan| plan.out_len).collect();
    ArrayD::from_shape_fn(IxDyn(&shape), |out| {
        let out = out.slice();
        if plans.iter().zip(out).any(|(plan, &o)| plan.skips(o)) {
            return cval;
        }
        let interior = plans.iter().zip(out).all(|(plan, &o)| plan.is_interior(o));
        let mut sum = 0.0;
        for (k, &weight) in w.indexed_iter() {
            let offset = |axis: usize| lo[axis] + k[axis] as isize;
            let value = if interior {
                let index: Vec<usize> = (0..x.ndim())
                    .map(|axis| {
                        let center = plans[axis].center(out[axis]);
                        center
                            .checked_add_signed(offset(axis))
                            .expect("interior read")
                    })
                    .collect();
                x[IxDyn(&index)]
            } else {
                let index: Option<Vec<usize>> = (0..x.ndim())
                    .map(|axis| plans[axis].input_index(out[axis], offset(axis)))
                    .collect();
                index.map_or(cval, |i| x[IxDyn(&i)])
            };
            sum += value * weight;
        }
        sum
    })
}

/// Asserts `actual` is within 1e-12 of `expected`; returns whether it is bit for bit equal.
fn assert_close(actual: &ArrayD<f64>, expected: &ArrayD<f64>, what: &str) -> bool {
    assert_eq!(actual.shape(), expected.shape(), "{what}: shape");
    for ((index, a), e) in actual.indexed_iter().zip(expected) {
        assert!(
            relative_eq!(*a, *e, epsilon = 1e-12, max_relative = 1e-12),
            "{what}: at {:?} got {a}, SciPy gives {e}",
            index.slice()
        );
    }
    actual == expected
}

/// The interior of one axis written out by hand: `-lo..len - hi`, empty when the axis is
/// shorter than the neighbourhood.
fn hand_interior(len: usize, lo: isize, hi: isize) -> (usize, usize) {
    let start = -lo;
    let end = len as isize - hi;
    if end > start {
        (start as usize, end as usize)
    } else {
        (0, 0)
    }
}

/// SciPy's output cropped to the interior of `axes`.
fn crop(expected: &ArrayD<f64>, case: &Case, axes: &[usize]) -> ArrayD<f64> {
    let mut view = expected.view();
    for &axis in axes {
        let (start, end) = hand_interior(case.input.shape()[axis], case.lo[axis], case.hi[axis]);
        view.slice_axis_inplace(Axis(axis), Slice::from(start..end));
    }
    view.to_owned()
}

/// SciPy's output with the border of `axes` set to `cval`.
fn fill_border(expected: &ArrayD<f64>, case: &Case, axes: &[usize]) -> ArrayD<f64> {
    let mut filled = expected.clone();
    for (index, value) in filled.indexed_iter_mut() {
        let border = axes.iter().any(|&axis| {
            let (start, end) =
                hand_interior(case.input.shape()[axis], case.lo[axis], case.hi[axis]);
            !(start..end).contains(&index[axis])
        });
        if border {
            *value = case.cval;
        }
    }
    filled
}

#[test]
fn boundary_manifest_lists_every_file_and_every_scipy_mode() {
    let cases = cases();
    assert!(cases.len() >= 290, "{} cases", cases.len());
    let mut listed: Vec<String> = cases.iter().flat_map(|case| case.files.clone()).collect();
    listed.sort();
    listed.dedup();
    let mut present: Vec<String> = fs::read_dir(data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "manifest.txt")
        .collect();
    present.sort();
    assert_eq!(listed, present, "files not in the manifest, or missing");
    let manifest = fs::read_to_string(data_dir().join("manifest.txt")).unwrap();
    for mode in [
        "constant",
        "nearest",
        "reflect",
        "mirror",
        "wrap",
        "grid-constant",
        "grid-mirror",
        "grid-wrap",
    ] {
        assert!(
            manifest.contains(&format!("modes={mode} ")),
            "no case for {mode}"
        );
    }
}

#[test]
fn boundary_map_index_correlation_matches_scipy() {
    let (mut exact, cases) = (0, cases());
    for case in &cases {
        let modes = Boundaries::new(&case.modes, case.input.ndim()).unwrap();
        let actual = correlate(&case.input, &case.weights, modes, &case.lo, case.cval);
        exact += usize::from(assert_close(&actual, &case.expected, &case.name));
    }
    println!("{exact} of {} cases equal SciPy bit for bit", cases.len());
}

#[test]
fn boundary_planned_stencil_matches_map_index_correlation() {
    for case in cases() {
        let modes = Boundaries::new(&case.modes, case.input.ndim()).unwrap();
        let naive = correlate(&case.input, &case.weights, modes, &case.lo, case.cval);
        let planned = run_stencil(
            &case.input,
            &case.weights,
            modes,
            &case.lo,
            &case.hi,
            case.cval,
        );
        assert_eq!(planned, naive, "{}", case.name);
    }
}

/// The SciPy cases with one mode for all axes: their interior does not depend on the mode.
fn single_mode_cases() -> impl Iterator<Item = Case> {
    cases()
        .into_iter()
        .filter(|case| case.method == "correlate")
}

#[test]
fn boundary_valid_is_scipy_cropped_to_the_interior() {
    for case in single_mode_cases() {
        let ndim = case.input.ndim();
        let all: Vec<usize> = (0..ndim).collect();
        let modes = Boundaries::new(&[Boundary::Valid], ndim).unwrap();
        let actual = run_stencil(
            &case.input,
            &case.weights,
            modes,
            &case.lo,
            &case.hi,
            f64::NAN,
        );
        assert_close(&actual, &crop(&case.expected, &case, &all), &case.name);

        // `valid` on the first axis only, SciPy's mode on the others.
        let mut mixed = vec![case.modes[0]; ndim];
        mixed[0] = Boundary::Valid;
        let modes = Boundaries::new(&mixed, ndim).unwrap();
        let actual = run_stencil(
            &case.input,
            &case.weights,
            modes,
            &case.lo,
            &case.hi,
            case.cval,
        );
        assert_close(&actual, &crop(&case.expected, &case, &[0]), &case.name);
    }
}

#[test]
fn boundary_skip_is_scipy_with_the_border_set_to_cval() {
    for case in single_mode_cases() {
        let ndim = case.input.ndim();
        let all: Vec<usize> = (0..ndim).collect();
        let modes = Boundaries::new(&[Boundary::Skip], ndim).unwrap();
        let actual = run_stencil(
            &case.input,
            &case.weights,
            modes,
            &case.lo,
            &case.hi,
            case.cval,
        );
        assert_close(
            &actual,
            &fill_border(&case.expected, &case, &all),
            &case.name,
        );

        // `skip` on the last axis only, SciPy's mode on the others.
        let mut mixed = vec![case.modes[0]; ndim];
        mixed[ndim - 1] = Boundary::Skip;
        let modes = Boundaries::new(&mixed, ndim).unwrap();
        let actual = run_stencil(
            &case.input,
            &case.weights,
            modes,
            &case.lo,
            &case.hi,
            case.cval,
        );
        assert_close(
            &actual,
            &fill_border(&case.expected, &case, &[ndim - 1]),
            &case.name,
        );
    }
}

#[test]
fn boundary_skip_and_valid_by_hand() {
    let x = ArrayD::from_shape_vec(IxDyn(&[5]), vec![1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    let w = ArrayD::from_shape_vec(IxDyn(&[3]), vec![1.0, 10.0, 100.0]).unwrap();
    let run = |mode, lo, hi| {
        let mode = [mode];
        let modes = Boundaries::new(&mode, 1).unwrap();
        run_stencil(&x, &w, modes, &[lo], &[hi], -1.0)
            .into_raw_vec_and_offset()
            .0
    };
    // Neighbourhood -1..=1: out[i] = x[i - 1] + 10 x[i] + 100 x[i + 1].
    assert_eq!(run(Boundary::Valid, -1, 1), [321.0, 432.0, 543.0]);
    assert_eq!(
        run(Boundary::Skip, -1, 1),
        [-1.0, 321.0, 432.0, 543.0, -1.0]
    );
    // Neighbourhood -2..=0: out[i] = x[i - 2] + 10 x[i - 1] + 100 x[i].
    assert_eq!(run(Boundary::Valid, -2, 0), [321.0, 432.0, 543.0]);
    assert_eq!(
        run(Boundary::Skip, -2, 0),
        [-1.0, -1.0, 321.0, 432.0, 543.0]
    );
    // Wider than the array: nothing is interior.
    let wide = ArrayD::from_elem(IxDyn(&[7]), 1.0);
    let modes = Boundaries::new(&[Boundary::Valid], 1).unwrap();
    assert_eq!(run_stencil(&x, &wide, modes, &[-3], &[3], -1.0).len(), 0);
    let modes = Boundaries::new(&[Boundary::Skip], 1).unwrap();
    assert_eq!(
        run_stencil(&x, &wide, modes, &[-3], &[3], -1.0),
        ArrayD::from_elem(IxDyn(&[5]), -1.0)
    );
}
