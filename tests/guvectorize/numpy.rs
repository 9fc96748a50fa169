//! NumPy's gufunc tests (`test_ufunc.py`): `matrix_multiply`, `inner1d`, `cross1d` and
//! `cumsum`.

use ndarray::{ShapeBuilder, Slice};
use ndkernel::prelude::*;

use crate::kernels::{cross, cross_into, cumsum, inner1d, matmul, matmul_into, softmax};
use crate::reference::{
    assert_same, ref_cross, ref_cumsum, ref_inner, ref_matmul, ref_softmax, reference,
};
use crate::{dyn_view, grid};

#[test]
fn matmul_broadcasts_loop_dims_like_the_issue_example() {
    let (a, b) = (grid((2, 1, 3, 4), 1), grid((5, 4, 2), 2));
    let want = reference(
        &[(a.view().into_dyn(), 2), (b.view().into_dyn(), 2)],
        &[3, 2],
        ref_matmul,
    );
    assert_eq!(want.shape(), &[2, 5, 3, 2]);
    assert_same(&matmul(&a, &b).unwrap(), &want, "matmul");
    let mut out = Array4::<f64>::zeros((2, 5, 3, 2));
    matmul_into(&a, &b, &mut out).unwrap();
    assert_same(&out, &want, "matmul_into");
    // Fortran order, and a reversed, strided output.
    let mut out = Array4::<f64>::zeros((2, 5, 3, 2).f());
    matmul_into(&a, &b, &mut out).unwrap();
    assert_same(&out, &want, "matmul_into, Fortran order");
    let mut base = Array4::<f64>::zeros((2, 10, 3, 4));
    let mut out = base.slice_mut(s![..;-1, ..;2, .., 1..;2]);
    matmul_into(&a, &b, &mut out).unwrap();
    let want_flipped = want.slice(s![..;-1, .., .., ..]).to_owned().into_dyn();
    assert_same(
        &base.slice(s![.., ..;2, .., 1..;2]).to_owned(),
        &want_flipped,
        "strided out",
    );
    assert!(base.slice(s![.., 1..;2, .., ..]).iter().all(|&v| v == 0.0));
    assert!(base.slice(s![.., .., .., ..;2]).iter().all(|&v| v == 0.0));
}

/// `x` with its axes permuted by `p`, then each sliced by `s`.
fn cut(x: &Array3<f64>, p: [usize; 3], s: [Slice; 3]) -> ArrayView3<'_, f64> {
    x.view().permuted_axes(p).slice_move(s![s[0], s[1], s[2]])
}

/// NumPy's `compare_matrix_multiply_results`: every permutation of the axes of two
/// (2, 3, 4) stacks, each sliced whole, to length 1 on any axes, or reversed on all: the
/// core axes of many of them are transposed, strided or negative.
#[test]
fn matmul_matches_the_reference_on_permuted_and_sliced_stacks() {
    let (d1, d2) = (grid((2, 3, 4), 3), grid((2, 3, 4), 4));
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut slices: Vec<[Slice; 3]> = Vec::new();
    for mask in 0..8 {
        let axis = |bit: usize| {
            if mask & (1 << bit) == 0 {
                Slice::from(..)
            } else {
                Slice::from(0..1)
            }
        };
        slices.push([axis(0), axis(1), axis(2)]);
    }
    slices.push([Slice::new(0, None, -1); 3]);
    let (mut checked, mut refused) = (0, 0);
    for p1 in perms {
        for p2 in perms {
            for &s1 in &slices {
                for &s2 in &slices {
                    let (a1, a2) = (cut(&d1, p1, s1), cut(&d2, p2, s2));
                    let what = format!(
                        "{:?}{:?} @ {:?}{:?}",
                        a1.shape(),
                        a1.strides(),
                        a2.shape(),
                        a2.strides()
                    );
                    let fits = a1.shape()[2] == a2.shape()[1];
                    let (l1, l2) = (a1.shape()[0], a2.shape()[0]);
                    if fits && (l1 == l2 || l1 == 1 || l2 == 1) {
                        let want = reference(
                            &[(dyn_view(&a1), 2), (dyn_view(&a2), 2)],
                            &[a1.shape()[1], a2.shape()[2]],
                            ref_matmul,
                        );
                        assert_same(&matmul(a1, a2).unwrap(), &want, &what);
                        checked += 1;
                    } else {
                        assert!(matmul(a1, a2).is_err(), "{what}");
                        refused += 1;
                    }
                }
            }
        }
    }
    assert!(
        checked > 500 && refused > 500,
        "{checked} checked, {refused} refused"
    );
}

#[test]
fn matmul_of_empty_cores_and_loops() {
    // NumPy's test_matrix_multiply_umath_empty: k = 0 gives zeros, n = m = 0 nothing.
    let c = matmul(Array2::<f64>::ones((0, 10)), Array2::<f64>::ones((10, 0))).unwrap();
    assert_eq!(c.shape(), &[0, 0]);
    let c = matmul(Array2::<f64>::ones((10, 0)), Array2::<f64>::ones((0, 10))).unwrap();
    assert_eq!(c, Array2::<f64>::zeros((10, 10)));
    // An empty loop dimension: no call at all.
    let c = matmul(Array4::<f64>::ones((2, 0, 3, 4)), grid((5, 4, 2), 5)).unwrap_err();
    assert!(c.to_string().contains("could not be broadcast"), "{c}");
    let c = matmul(Array4::<f64>::ones((2, 0, 3, 4)), grid((1, 4, 2), 5)).unwrap();
    assert_eq!(c.shape(), &[2, 0, 3, 2]);
}

#[test]
fn inner1d_returns_a_scalar_per_loop_index() {
    // NumPy's test_signature/inner1d: (3, 3, 3) with (3, 1, 3) gives (3, 3).
    let a = Array::from_shape_fn((3, 3, 3), |(i, j, k)| (9 * i + 3 * j + k) as f64);
    let b = Array::from_shape_fn((3, 1, 3), |(i, _, k)| (10 + 3 * i + k) as f64);
    let got = inner1d(&a, &b).unwrap();
    let want = (&a * &b).sum_axis(Axis(2));
    assert_eq!(got, want);
    // Against the reference on views: transposed, strided, reversed inside the core.
    let (x, y) = (grid((6, 5), 6), grid((5, 6), 7));
    for (a, b) in [
        (x.view(), y.t()),
        (
            x.slice(s![..;2, ..;-1]),
            y.slice(s![..;-1, ..;2]).reversed_axes(),
        ),
        (x.slice(s![1..2, ..]), y.t()),
    ] {
        let want = reference(&[(dyn_view(&a), 1), (dyn_view(&b), 1)], &[], ref_inner);
        assert_same(&inner1d(a, b).unwrap(), &want, "inner1d");
    }
    // A 1-d input against a stack; two vectors give a 0-d result.
    let v = grid(5, 8);
    let want = reference(
        &[(dyn_view(&v.view()), 1), (dyn_view(&y.t()), 1)],
        &[],
        ref_inner,
    );
    assert_same(&inner1d(&v, y.t()).unwrap(), &want, "vector with stack");
    let z = inner1d(&v, &v).unwrap();
    assert_eq!(z.shape(), &[] as &[usize]);
    assert_same(
        &z,
        &ref_inner(&[dyn_view(&v.view()), dyn_view(&v.view())]),
        "0-d",
    );
    // NumPy's test_innerwt_empty: empty cores give 0.
    assert_eq!(
        inner1d(Array1::<f64>::zeros(0), Array1::<f64>::zeros(0)).unwrap()[[]],
        0.0
    );
}

#[test]
fn cross_has_a_fixed_core_size() {
    // NumPy's test_cross1d.
    let eye = Array2::<f64>::eye(3);
    assert_eq!(cross(&eye, &eye).unwrap(), Array2::<f64>::zeros((3, 3)));
    let mut out = Array2::<f64>::zeros((3, 3));
    cross_into(eye.row(0), &eye, &mut out).unwrap();
    let want = array![[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]];
    assert_eq!(out, want);
    let (a, b) = (grid((4, 1, 3), 9), grid((5, 3), 10));
    for bv in [b.view(), b.slice(s![.., ..;-1]), b.slice(s![..;-2, ..])] {
        let want = reference(
            &[(dyn_view(&a.view()), 1), (dyn_view(&bv), 1)],
            &[3],
            ref_cross,
        );
        assert_same(&cross(&a, bv).unwrap(), &want, "cross");
    }

    let error = cross(Array2::<f64>::eye(4), Array2::<f64>::eye(4)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 0 (`a`) has size 4 on axis 1 for core dimension `3`, expected 3 \
         (signature \"(3),(3)->(3)\")"
    );
    let error = cross(&eye, Array1::<f64>::zeros(4)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has size 4 on axis 0 for core dimension `3`, expected 3 \
         (signature \"(3),(3)->(3)\")"
    );
    // Wrong output core size, and an output that would need broadcasting (gh-15139).
    let error = cross_into(&eye, &Array1::<f64>::zeros(3), &mut Array2::zeros((3, 4))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 4 on axis 1 for core dimension `3`, expected 3 \
         (signature \"(3),(3)->(3)\")"
    );
    let error = cross_into(&eye, &Array1::<f64>::zeros(3), &mut Array1::zeros(3)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (3,) but the call requires (3, 3)"
    );
}

#[test]
fn cumsum_and_softmax_map_rows_to_rows() {
    // NumPy's test_cumsum.
    let a = Array1::from_shape_fn(10, |i| i as f64);
    let want: Vec<f64> = (0..10).map(|i| f64::from(i * (i + 1) / 2)).collect();
    assert_eq!(cumsum(&a).unwrap(), Array1::from(want));
    let x = grid((6, 9), 15);
    for v in [
        x.view(),
        x.slice(s![.., ..;-1]),
        x.slice(s![..;-1, ..;-3]),
        x.slice(s![1..2, ..]),
        x.slice(s![.., 0..1]),
    ] {
        let what = format!("{:?} {:?}", v.shape(), v.strides());
        let n = v.shape()[1];
        let want = reference(&[(dyn_view(&v), 1)], &[n], ref_cumsum);
        assert_same(&cumsum(v).unwrap(), &want, &what);
        let want = reference(&[(dyn_view(&v), 1)], &[n], ref_softmax);
        assert_same(&softmax(v).unwrap(), &want, &what);
        let want = reference(&[(dyn_view(&v.t()), 1)], &[v.shape()[0]], ref_cumsum);
        assert_same(&cumsum(v.t()).unwrap(), &want, &what);
    }
}
