//! Seed 001's softmax (`ndkernel_seeds::softmax`): against SciPy's results on the shipped
//! data, against the post's naive loops on awkward inputs, and parallel against serial.

#![allow(
    clippy::float_cmp,
    reason = "exact comparisons are the point: maxima, zeros, untouched elements"
)]

use ndarray::{Array0, Array1, Array2, Array3, ArrayView, ArrayView1, Axis, Dimension, s};
use ndkernel::dispatch::serial;
use ndkernel_seeds::data::load;
use ndkernel_seeds::inputs::f64s;
use ndkernel_seeds::softmax::{
    BLOCK, IN_CACHE, Real, block_exp_core, softmax, softmax_into, softmax_naive, softmax_rows,
    softmax_rows_into, softmax_rows_naive,
};

/// The largest `|got - want| / |want|`, asserting it is at most `rel`. Subnormal results
/// carry fewer bits than any `rel` asks for: below the smallest normal number of `T`, an
/// absolute error below that number passes.
#[track_caller]
fn assert_close<'a, T: Real + Into<f64>>(
    got: impl IntoIterator<Item = &'a T>,
    want: impl IntoIterator<Item = &'a T>,
    rel: f64,
    what: &str,
) -> f64 {
    let tiny = if size_of::<T>() == 4 {
        f64::from(f32::MIN_POSITIVE)
    } else {
        f64::MIN_POSITIVE
    };
    let (mut worst, mut count) = (0.0_f64, 0);
    for (i, (&g, &w)) in got.into_iter().zip(want).enumerate() {
        let (g, w): (f64, f64) = (g.into(), w.into());
        let err = if g == w { 0.0 } else { (g - w).abs() / w.abs() };
        if w.abs() < tiny && (g - w).abs() < tiny {
            continue;
        }
        assert!(
            err <= rel,
            "{what}: element {i} is {g:e}, expected {w:e} (relative {err:e})"
        );
        worst = worst.max(err);
        count += 1;
    }
    assert!(count > 0 || rel.is_finite(), "{what}: nothing compared");
    worst
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

/// `10 * uniform[0, 1)`, the peers' input.
fn input(n: usize, seed: u64) -> Array1<f64> {
    f64s(n, seed) * 10.0
}

fn naive(x: ArrayView1<'_, f64>) -> Vec<f64> {
    softmax_naive(&x.to_vec())
}

/// `softmax` and `softmax_into` (into a fresh vector and a strided one) against the naive
/// loops; returns `softmax`'s result.
#[track_caller]
fn check_vector(x: ArrayView1<'_, f64>, what: &str) -> Array1<f64> {
    let want = naive(x);
    let got = softmax(x);
    assert_eq!(got.len(), x.len(), "{what}");
    assert_close(&got, &want, 1e-12, what);
    let mut backing = Array1::from_elem(2 * x.len(), -1.0);
    softmax_into(x, backing.slice_mut(s![..;-2])).unwrap();
    let strided = backing.slice(s![..;-2]);
    assert_eq!(strided, got, "{what}: into a negative-stride output");
    assert!(backing.slice(s![..;2]).iter().all(|&v| v == -1.0) || x.is_empty());
    got
}

#[test]
fn vector_matches_scipy() {
    let x: Array1<f64> = load("softmax/vec.in.npy");
    let want: Array1<f64> = load("softmax/vec.out.npy");
    let worst = assert_close(&softmax(x.view()), &want, 1e-12, "vec");
    let mut out = Array1::zeros(x.len());
    softmax_into(x.view(), out.view_mut()).unwrap();
    assert_close(&out, &want, 1e-12, "vec, into");
    // The streaming recipe on the same data, tiled past the in-cache size: 1/4 the values.
    let tiled = ndarray::concatenate![Axis(0), x, x, x, x];
    assert!(tiled.len() > IN_CACHE);
    let quarter = &want / 4.0;
    assert_close(
        &softmax(tiled.view()),
        ndarray::concatenate![Axis(0), quarter, quarter, quarter, quarter].iter(),
        1e-12,
        "vec x4",
    );
    assert!(worst < 1e-13, "{worst:e}");
}

#[test]
fn batches_match_scipy() {
    let x: Array2<f64> = load("softmax/batch.in.npy");
    let want: Array2<f64> = load("softmax/batch.out.npy");
    // Rows 0-2 overflow (800, linspace(-1000, 1000)) or underflow (-800) without the shift.
    assert!(
        softmax_rows_naive(x.slice(s![..3, ..]).mapv(|v| v + 0.0).view())
            .iter()
            .all(|v| v.is_finite())
    );
    assert_close(&softmax_rows(&x).unwrap(), &want, 1e-12, "batch");
    let mut out = Array2::zeros(x.dim());
    softmax_rows_into(&x, &mut out).unwrap();
    assert_close(&out, &want, 1e-12, "batch, into");

    let x32: Array2<f32> = load("softmax/batch32.in.npy");
    let want32: Array2<f32> = load("softmax/batch32.out.npy");
    let want64: Array2<f64> = load("softmax/batch32.out64.npy");
    let got32 = softmax_rows(&x32).unwrap();
    // f32: SciPy's own float32 result is off the float64 one by up to `scipy_err` (the
    // rounding of `x - max` in f32 scaled by |x - max|); ours stays within twice that.
    let scipy_err = assert_close(&want32.mapv(f64::from), &want64, 1e-4, "SciPy f32");
    assert_close(&got32, &want32, 2.0 * scipy_err, "batch32 vs float32 SciPy");
    assert_close(
        &got32.mapv(f64::from),
        &want64,
        2.0 * scipy_err,
        "batch32 vs float64 SciPy",
    );
    // And the f64 kernel on the widened input matches the f64 reference to 1e-12.
    assert_close(
        &softmax_rows(x32.mapv(f64::from)).unwrap(),
        &want64,
        1e-12,
        "batch32 in f64",
    );
}

#[test]
fn awkward_lengths_match_the_naive_loops() {
    for n in [
        0,
        1,
        2,
        3,
        4,
        5,
        7,
        8,
        9,
        BLOCK - 1,
        BLOCK,
        BLOCK + 1,
        IN_CACHE,
        IN_CACHE + 1,
        3 * BLOCK * 9 + 5,
        100_003,
    ] {
        let x = input(n, 10 + n as u64);
        check_vector(x.view(), &format!("length {n}"));
        // One row of that length, and the same as f32.
        let row = x.view().insert_axis(Axis(0));
        assert_close(
            &softmax_rows(row).unwrap(),
            &naive(x.view()),
            1e-12,
            &format!("row {n}"),
        );
        // f32 against the naive loops in f64 on the same values: the naive f32 loop's
        // serial sum is the less accurate of the two on long rows.
        let x32 = x.mapv(|v| v as f32).insert_axis(Axis(0));
        let got32 = softmax_rows(&x32).unwrap().mapv(f64::from);
        assert_close(
            &got32,
            &softmax_rows_naive(x32.mapv(f64::from).view()),
            1e-5,
            &format!("row {n} f32"),
        );
    }
    assert_eq!(softmax_naive(&[]), Vec::<f64>::new());
    assert_eq!(softmax(ndarray::aview1(&[3.5])), Array1::from(vec![1.0]));
}

#[test]
fn block_exp_gives_the_exps_the_max_and_their_sum() {
    for n in [1, 3, 4, 4095, 4096, 4097, 3 * BLOCK + 17] {
        let x = input(n, n as u64);
        let (mut e, mut max, mut sum) = (Array1::zeros(n), Array0::zeros(()), Array0::zeros(()));
        block_exp_core(x.view(), e.view_mut(), max.view_mut(), sum.view_mut());
        let want_max = x.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let want_e = x.mapv(|v| (v - want_max).exp());
        assert_eq!(max[()], want_max, "length {n}");
        assert_close(&e, &want_e, 1e-15, &format!("length {n}"));
        assert_close([&sum[()]], [&want_e.sum()], 1e-13, &format!("length {n}"));
    }
    // A block of only -inf contributes zeros, not NaN, next to finite blocks.
    let mut x = input(9 * BLOCK + 3, 4);
    x.slice_mut(s![BLOCK..3 * BLOCK + 1])
        .fill(f64::NEG_INFINITY);
    assert!(x.len() > IN_CACHE);
    let got = check_vector(x.view(), "-inf blocks");
    assert!(
        got.slice(s![BLOCK..3 * BLOCK + 1])
            .iter()
            .all(|&v| v == 0.0)
    );
}

#[test]
fn constant_and_huge_inputs() {
    for n in [1, 5, 4097, 100_003] {
        let got = check_vector(Array1::from_elem(n, 7.25).view(), &format!("constant {n}"));
        assert_close(&got, &vec![1.0 / n as f64; n], 1e-15, "uniform");
        let got = check_vector(Array1::from_elem(n, 1e300).view(), &format!("1e300 x {n}"));
        assert_close(&got, &vec![1.0 / n as f64; n], 1e-15, "uniform at 1e300");
        check_vector(
            Array1::from_elem(n, -1e300).view(),
            &format!("-1e300 x {n}"),
        );
        // Mixes that overflow (e^800, e^1e300) or cancel to 0/0 without the shift.
        let mixed = Array1::from_shape_fn(n, |i| {
            [1e300, -1e300, 0.0, 800.0, -800.0, 1e300 - 1e285][i % 6]
        });
        check_vector(mixed.view(), &format!("mixed {n}"));
        let ramp = Array1::from_shape_fn(n, |i| -1000.0 + 2000.0 * i as f64 / n as f64);
        check_vector(ramp.view(), &format!("ramp {n}"));
    }
    let got = softmax(ndarray::aview1(&[1e300, -1e300, 0.0, 1e300]));
    assert_eq!(got.to_vec(), [0.5, 0.0, 0.0, 0.5]);
    // Non-finite inputs give NaN everywhere, like the naive loops (and SciPy).
    for bad in [f64::INFINITY, f64::NAN] {
        for n in [5, 100_003] {
            let mut x = input(n, 3);
            x[n / 2] = bad;
            assert!(softmax(x.view()).iter().all(|v| v.is_nan()), "{bad} in {n}");
            assert!(naive(x.view()).iter().all(|v| v.is_nan()));
        }
    }
    assert!(
        softmax(Array1::from_elem(100_003, f64::NEG_INFINITY).view())
            .iter()
            .all(|v| v.is_nan())
    );
}

#[test]
fn views_of_every_layout() {
    for n in [10, 4097, 100_003] {
        let x = input(3 * n, 77);
        for (what, view) in [
            ("step 3", x.slice(s![..;3])),
            ("reversed", x.slice(s![..;-1])),
            ("step -2", x.slice(s![..;-2])),
            ("sliced", x.slice(s![5..3 * n - 7])),
        ] {
            check_vector(view, &format!("{what}, {n}"));
        }
    }
    // Transposed batches: softmax along an axis that is not contiguous.
    let batch = input(300 * 41, 5).into_shape_with_order((300, 41)).unwrap();
    let t = batch.t();
    assert_close(
        &softmax_rows(t).unwrap(),
        &softmax_rows_naive(t),
        1e-12,
        "transposed",
    );
    let mut out = Array2::zeros((41, 300)).reversed_axes();
    softmax_rows_into(&batch, &mut out).unwrap();
    assert_close(
        &out,
        &softmax_rows_naive(batch.view()),
        1e-12,
        "into a transposed output",
    );
    let long = input(3 * (IN_CACHE + 5), 6)
        .into_shape_with_order((IN_CACHE + 5, 3))
        .unwrap();
    assert_close(
        &softmax_rows(long.t()).unwrap(),
        &softmax_rows_naive(long.t()),
        1e-12,
        "long columns",
    );
    // A stack: rows of the last axis of a 3-D array, and of a sliced one.
    let stack = input(4 * 5 * 33, 8)
        .into_shape_with_order((4, 5, 33))
        .unwrap();
    let got = softmax_rows(stack.slice(s![.., ..;-2, 1..])).unwrap();
    let want: Vec<f64> = stack
        .slice(s![.., ..;-2, 1..])
        .rows()
        .into_iter()
        .flat_map(naive)
        .collect();
    assert_close(&got, &want, 1e-12, "3-D stack");
    assert_eq!(got.shape(), &[4, 3, 32]);
    let empty = Array3::<f32>::zeros((2, 0, 3));
    assert_eq!(softmax_rows(&empty).unwrap().shape(), &[2, 0, 3]);
    let empty_rows = Array2::<f64>::zeros((3, 0));
    assert_eq!(softmax_rows(&empty_rows).unwrap().shape(), &[3, 0]);
}

fn bits<D: Dimension>(a: &ArrayView<'_, f64, D>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn parallel_equals_serial() {
    let x = input(300_007, 8);
    let batch = input(200 * 3001, 9)
        .into_shape_with_order((200, 3001))
        .unwrap();
    let want = serial(|| softmax(x.view()));
    let want_rows = serial(|| softmax_rows(&batch).unwrap());
    for threads in [1, 2, 3] {
        pool(threads).install(|| {
            let got = softmax(x.view());
            assert_eq!(bits(&got.view()), bits(&want.view()), "{threads} threads");
            let rows = softmax_rows(&batch).unwrap();
            assert_eq!(
                bits(&rows.view()),
                bits(&want_rows.view()),
                "{threads} threads, rows"
            );
        });
    }
    assert_close(&want, &naive(x.view()), 1e-12, "3e5 vs naive");
}

#[test]
fn into_a_vector_of_another_length_is_an_error() {
    let x = input(5, 1);
    let mut out = Array1::zeros(4);
    let error = softmax_into(x.view(), out.view_mut()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (4,) but the call requires (5,)"
    );
    assert!(out.iter().all(|&v| v == 0.0), "nothing written");
    let error =
        softmax_rows_into(&Array2::<f64>::zeros((2, 3)), &mut Array2::zeros((2, 4))).unwrap_err();
    assert!(
        error.to_string().contains('3') && error.to_string().contains('4'),
        "{error}"
    );
}
