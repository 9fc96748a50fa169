//! `ufunc.reduce` through `identity = ..`.

use ndarray::Dimension;
use ndkernel::prelude::*;

use crate::{assert_same, every_schedule, floats, grid};

#[vectorize(identity = 0.0)]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

#[vectorize(identity = f64::NEG_INFINITY)]
fn maximum(a: f64, b: f64) -> f64 {
    a.max(b)
}

#[vectorize(identity = 0)]
fn add_i64(a: i64, b: i64) -> i64 {
    a + b
}

/// The naive reduction: a left fold along `axis` for every other index.
fn naive_reduce<T: Copy, D: ndarray::RemoveAxis>(
    a: &ArrayView<'_, T, D>,
    axis: usize,
    identity: T,
    f: impl Fn(T, T) -> T,
) -> Array<T, D::Smaller> {
    a.map_axis(Axis(axis), |lane| {
        lane.iter().fold(identity, |acc, &v| f(acc, v))
    })
}

fn assert_close<D: Dimension>(got: &Array<f64, D>, want: &Array<f64, D>, scale: f64) {
    assert_eq!(got.shape(), want.shape());
    for (&g, &w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-12 * scale, "{g} vs {w}");
    }
}

/// `(3, 5, 70)`, and views of it: transposed, reversed, sliced.
fn reduce_inputs(a: &Array3<f64>) -> Vec<ArrayView3<'_, f64>> {
    vec![
        a.view(),
        a.t(),
        a.slice(s![..;-1, .., 3..]),
        a.slice(s![.., ..;2, ..;-3]),
        a.view().permuted_axes([1, 2, 0]),
    ]
}

#[test]
fn reductions_match_a_naive_fold_on_every_axis() {
    let a = grid((3, 5, 70), 1).mapv(f64::abs);
    for v in reduce_inputs(&a) {
        let scale = v.sum();
        assert_close(
            &arr0(add_reduce_all(&v)),
            &arr0(v.iter().sum::<f64>()),
            scale,
        );
        let naive_max = v.fold(f64::NEG_INFINITY, |m, &x| m.max(x));
        assert_eq!(maximum_reduce_all(&v).to_bits(), naive_max.to_bits());
        let vi = v.mapv(|x| (x * 1e6) as i64);
        assert_eq!(add_i64_reduce_all(&vi), vi.iter().sum::<i64>());
        for axis in 0..3 {
            let got = add_reduce(&v, Axis(axis)).unwrap();
            assert_close(&got, &naive_reduce(&v, axis, 0.0, |x, y| x + y), scale);
            let got = maximum_reduce(&v, Axis(axis)).unwrap();
            assert_eq!(got, naive_reduce(&v, axis, f64::NEG_INFINITY, f64::max));
            let got = add_i64_reduce(&vi, Axis(axis)).unwrap();
            assert_eq!(got, naive_reduce(&vi.view(), axis, 0, |x, y| x + y));
            // Lower ranks: a 2-D and a 1-D slice of the same view.
            let v2 = v.index_axis(Axis(axis), 1);
            for axis2 in 0..2 {
                let got = add_reduce(&v2, Axis(axis2)).unwrap();
                assert_close(&got, &naive_reduce(&v2, axis2, 0.0, |x, y| x + y), scale);
            }
            let v1 = v2.index_axis(Axis(0), 0);
            let got = maximum_reduce(&v1, Axis(0)).unwrap();
            assert_eq!(got, naive_reduce(&v1, 0, f64::NEG_INFINITY, f64::max));
        }
    }
}

#[test]
fn reducing_an_outer_axis_is_exactly_the_left_fold() {
    let a = grid((50, 300), 2);
    let got = add_reduce(&a, Axis(0)).unwrap();
    let want = naive_reduce(&a.view(), 0, 0.0, |x, y| x + y);
    assert_same(&got, &want.into_dyn(), "outer axis");
}

#[test]
fn empty_reductions_give_the_identity_and_bad_axes_an_error() {
    let e = Array2::<f64>::zeros((0, 3));
    assert_eq!(
        maximum_reduce(&e, Axis(0)).unwrap(),
        arr1(&[f64::NEG_INFINITY; 3])
    );
    assert_eq!(maximum_reduce(&e, Axis(1)).unwrap().shape(), &[0]);
    assert_eq!(
        maximum_reduce_all(&e).to_bits(),
        f64::NEG_INFINITY.to_bits()
    );
    assert_eq!(add_reduce_all(&Array1::<f64>::zeros(0)).to_bits(), 0);
    assert_eq!(
        add_i64_reduce(&Array1::<i64>::zeros(0), Axis(0)).unwrap(),
        arr0(0)
    );
    assert_eq!(add_i64_reduce_all(&arr0(5)), 5);
    let error = add_reduce(&e, Axis(2)).unwrap_err();
    assert!(matches!(error, KernelError::AxisOutOfBounds { .. }));
    assert_eq!(
        error.to_string(),
        "axis 2 is out of bounds for an array with 2 axes"
    );
}

#[test]
fn float_reductions_are_identical_serially_and_in_parallel() {
    let x = floats(300_001, 5).mapv(|v| if v.is_finite() { v } else { 1.5 });
    let sums = every_schedule(|| add_reduce_all(&x));
    let naive: f64 = x.iter().sum();
    let scale: f64 = x.iter().map(|v| v.abs()).sum();
    assert!(
        (sums[0] - naive).abs() <= 1e-12 * scale,
        "{} vs {naive}",
        sums[0]
    );
    assert_eq!(sums.map(f64::to_bits), [sums[0].to_bits(); 4]);
    let sums = every_schedule(|| add_reduce_all(&x.slice(s![..;-1])));
    assert_eq!(sums.map(f64::to_bits), [sums[0].to_bits(); 4]);

    let a = grid((7, 50_003), 6);
    for axis in 0..2 {
        let [plain, rest @ ..] = every_schedule(|| add_reduce(&a, Axis(axis)).unwrap());
        let want = naive_reduce(&a.view(), axis, 0.0, |x, y| x + y);
        assert_close(&plain, &want, a.iter().map(|v| v.abs()).sum());
        for other in rest {
            assert_same(&other, &plain.clone().into_dyn(), "reduce schedules");
        }
    }
}

#[test]
fn reduction_kernels_run_on_lanes() {
    const { assert!(add::SIMD && maximum::SIMD && add_i64::SIMD) };
}
