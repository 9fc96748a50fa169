//! Loop and core shapes: scalar cores broadcast against loop dimensions, zero-size loop and
//! core dimensions, scalars and 0-d arrays.

use ndarray::ShapeBuilder;
use ndkernel::prelude::*;

use crate::kernels::{
    cumsum, cumsum_into, inner1d, matmul, norm, outer, plane_sum, row_sum_fine, shift, softmax,
};
use crate::reference::{assert_same, ref_shift, reference};
use crate::{dyn_view, grid};

#[test]
fn scalar_core_inputs_broadcast_against_loop_dims() {
    let x = grid((4, 5), 18);
    // A plain scalar, a 0-d array, a (4,) array of shifts (one per row), a (3, 1) array
    // that adds a loop dimension.
    let by = grid(4, 19);
    let by2 = grid((3, 1), 20);
    let cases: Vec<(ArrayD<f64>, ArrayD<f64>)> = vec![
        (
            shift(&x, 2.5).unwrap().into_dyn(),
            reference(
                &[(dyn_view(&x.view()), 1), (arr0(2.5).into_dyn().view(), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(&x, arr0(-1.0)).unwrap().into_dyn(),
            reference(
                &[(dyn_view(&x.view()), 1), (arr0(-1.0).into_dyn().view(), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(&x, &by).unwrap().into_dyn(),
            reference(
                &[(dyn_view(&x.view()), 1), (dyn_view(&by.view()), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(&x, &by2).unwrap().into_dyn(),
            reference(
                &[(dyn_view(&x.view()), 1), (dyn_view(&by2.view()), 0)],
                &[5],
                ref_shift,
            ),
        ),
        (
            shift(x.slice(s![.., ..;-1]), by.slice(s![..;-1]))
                .unwrap()
                .into_dyn(),
            reference(
                &[
                    (dyn_view(&x.slice(s![.., ..;-1])), 1),
                    (dyn_view(&by.slice(s![..;-1])), 0),
                ],
                &[5],
                ref_shift,
            ),
        ),
    ];
    for (got, want) in &cases {
        assert_same(got, want, "shift");
    }
    assert_eq!(cases[3].0.shape(), &[3, 4, 5]);
    // A 1-d x and a scalar: a 1-d result; an empty x.
    assert_eq!(shift(&array![1.0, 2.0], 0.5).unwrap(), array![1.5, 2.5]);
    assert_eq!(
        shift(Array2::<f64>::zeros((0, 5)), 1.0).unwrap().shape(),
        &[0, 5]
    );
    assert_eq!(
        shift(Array2::<f64>::zeros((3, 0)), &by2).unwrap().shape(),
        &[3, 3, 0]
    );
}

#[test]
fn zero_size_loop_and_core_dims() {
    // (0, 3): no rows; (4, 0): empty rows.
    for (rows, cols) in [(0, 3), (4, 0), (0, 0)] {
        let x = Array2::<f64>::zeros((rows, cols));
        assert_eq!(norm(&x).unwrap(), Array1::<f64>::zeros(rows));
        assert_eq!(row_sum_fine(&x).unwrap(), Array1::<f64>::zeros(rows));
        assert_eq!(cumsum(&x).unwrap().shape(), &[rows, cols]);
        assert_eq!(softmax(&x).unwrap().shape(), &[rows, cols]);
        let mut out = Array2::<f64>::zeros((rows, cols).f());
        cumsum_into(x.t().t(), &mut out).unwrap();
        assert_eq!(
            matmul(&x, Array2::<f64>::ones((cols, 2))).unwrap(),
            Array2::<f64>::zeros((rows, 2))
        );
    }
    // A zero-size loop axis broadcast from 1, and against a (0,) input.
    let ones = Array3::<f64>::ones((1, 2, 3));
    assert_eq!(
        inner1d(&ones, Array3::<f64>::zeros((0, 1, 3)))
            .unwrap()
            .shape(),
        &[0, 2]
    );
    assert_eq!(
        inner1d(Array3::<f64>::ones((2, 1, 3)), Array2::<f64>::zeros((0, 3)))
            .unwrap()
            .shape(),
        &[2, 0]
    );
    assert_eq!(
        inner1d(Array3::<f64>::ones((0, 1, 3)), ones.slice(s![0, .., ..]))
            .unwrap()
            .shape(),
        &[0, 2]
    );
    // Empty output cores whose other core axes are long: views with such strides are
    // refused by ndarray's overlap check in debug builds unless built empty (issue 11).
    let m = matmul(Array2::<f64>::zeros((3, 4)), Array2::<f64>::zeros((4, 0))).unwrap();
    assert_eq!(m.shape(), &[3, 0]);
    let m = matmul(
        Array3::<f64>::zeros((2, 3, 4)),
        Array2::<f64>::zeros((4, 0)),
    )
    .unwrap();
    assert_eq!(m.shape(), &[2, 3, 0]);
    let o = outer(Array2::<f64>::ones((2, 3)), Array1::<f64>::zeros(0)).unwrap();
    assert_eq!(o.shape(), &[2, 3, 0]);
    let p = plane_sum(Array3::<f64>::ones((3, 5, 0))).unwrap();
    assert_eq!(p.shape(), &[3, 5, 0]);
    // The kernels do run on non-empty cores of the same shapes.
    let o = outer(array![[1.0, 2.0]], array![3.0]).unwrap();
    assert_eq!(o, array![[[3.0], [6.0]]]);
    assert_eq!(
        plane_sum(Array3::<f64>::ones((2, 3, 4))).unwrap(),
        Array3::from_elem((2, 3, 4), 5.0)
    );
    // Empty cores that are reversed views.
    let e = Array2::<f64>::zeros((3, 0));
    assert_eq!(cumsum(e.slice(s![.., ..;-1])).unwrap().shape(), &[3, 0]);
}

#[test]
fn scalars_and_0d_arrays_broadcast_where_cores_are_scalar() {
    // `()` cores of a 0-d input: the loop shape is ().
    let z = shift(&array![1.0, 2.0, 3.0], arr0(1.0)).unwrap();
    assert_eq!(z, array![2.0, 3.0, 4.0]);
    // A 0-d input where a core needs an axis is an error, not a broadcast.
    let error = norm(arr0(2.0)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 0 (`x`) has 0 axes but its core dimensions (n) need at least 1 \
         (signature \"(n)->()\")"
    );
    let error = norm(2.0).unwrap_err();
    assert!(
        matches!(
            error,
            KernelError::TooFewAxes {
                ndim: 0,
                needed: 1,
                ..
            }
        ),
        "{error:?}"
    );
}
