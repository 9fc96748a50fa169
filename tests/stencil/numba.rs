//! Kernels against Numba: `data/numba_stencil/` holds `@numba.stencil` outputs.

use std::path::Path;

use ndkernel::prelude::*;
use ndkernel::stencil::Footprint;

use crate::assert_same;

fn numba<A: ndarray_npy::ReadNpyExt>(file: &str) -> A {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/numba_stencil")
        .join(file);
    ndarray_npy::read_npy(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Numba's `_mean`: the 3x3 sum in Numba's order, over 9.
#[stencil]
pub(crate) fn mean(x: Rel<f64>) -> f64 {
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
