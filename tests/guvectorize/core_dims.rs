//! Core dimensions beyond plain names: sizes given by a rule or by the output passed in,
//! optional dimensions (`m?`) and broadcastable ones (`n|1`).

use ndarray::{IxDyn, ShapeBuilder};
use ndkernel::prelude::*;

use crate::kernels::{
    add_bcast, add_bcast_into, head, head_into, matmul_opt, matmul_opt_into, matmul_opt_out, pdist,
    pdist_into,
};
use crate::reference::{assert_same, ref_matmul_opt, ref_pdist, reference};
use crate::{dyn_view, grid};

#[test]
fn pdist_sizes_its_output_with_the_rule() {
    // NumPy's test_euclidean_pdist.
    let a = Array::from_shape_fn((4, 3), |(i, j)| (3 * i + j) as f64);
    let got = pdist(&a).unwrap();
    assert_eq!(got.shape(), &[6]);
    let mut want = Vec::new();
    for i in 0..4 {
        for j in i + 1..4 {
            want.push((3.0 * f64::from(3 * (j - i)).powi(2)).sqrt());
        }
    }
    let want = Array1::from(want).into_dyn();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-12, "{got} vs {want}");
    }
    // A stack of point sets, transposed and reversed; one point gives no distances.
    let x = grid((3, 5, 2), 21);
    let v = x.slice(s![..;-1, .., ..;-1]);
    assert_same(
        &pdist(v).unwrap(),
        &reference(&[(dyn_view(&v), 2)], &[10], ref_pdist),
        "stack",
    );
    let t = grid((2, 5), 22);
    assert_same(
        &pdist(t.t()).unwrap(),
        &reference(&[(dyn_view(&t.t()), 2)], &[10], ref_pdist),
        "transposed",
    );
    assert_eq!(
        pdist(Array3::<f64>::zeros((2, 1, 3))).unwrap().shape(),
        &[2, 0]
    );
    // An output passed in must agree with the rule.
    let mut out = Array1::<f64>::zeros(6);
    pdist_into(&a, &mut out).unwrap();
    assert_eq!(out, got);
    let error = pdist_into(&a, &mut Array1::<f64>::zeros(5)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 5 on axis 0 for core dimension `p`, expected 6 \
         (signature \"(n,d)->(p)\")"
    );
}

#[test]
fn output_only_dims_without_a_rule_come_from_the_output() {
    let x = grid((3, 5), 23);
    let error = head(&x).unwrap_err();
    assert_eq!(
        error.to_string(),
        "core dimension `m` appears only in outputs and has no size: pass an output array or \
         give a size rule (signature \"(n)->(m)\")"
    );
    assert!(matches!(error, KernelError::UnboundDim { ref dim, .. } if dim == "m"));
    for m in [0, 2, 5, 7] {
        let mut out = Array2::<f64>::zeros((3, m).f());
        head_into(x.slice(s![.., ..;-1]), &mut out).unwrap();
        let want = Array2::from_shape_fn((3, m), |(i, j)| if j < 5 { x[[i, 4 - j]] } else { -1.0 });
        assert_eq!(out, want, "m = {m}");
    }
    let error = head_into(&x, &mut Array2::<f64>::zeros((4, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (4, 2) but the call requires (3, 2)"
    );
}

/// `matmul_opt` and `matmul_opt_out` on `a` and `b` against NumPy's definition.
#[track_caller]
fn check_matmul_opt(a: ArrayViewD<'_, f64>, b: ArrayViewD<'_, f64>, want_shape: &[usize]) {
    let core_a = a.ndim().min(2);
    let core_b = b.ndim().min(2);
    let out_core: Vec<usize> = (core_a == 2)
        .then(|| a.shape()[a.ndim() - 2])
        .into_iter()
        .chain((core_b == 2).then(|| b.shape()[b.ndim() - 1]))
        .collect();
    let want = reference(
        &[(a.clone(), core_a), (b.clone(), core_b)],
        &out_core,
        ref_matmul_opt,
    );
    assert_eq!(want.shape(), want_shape);
    let what = format!("{:?} @ {:?}", a.shape(), b.shape());
    assert_same(&matmul_opt(&a, &b).unwrap(), &want, &what);
    assert_same(&matmul_opt_out(&a, &b).unwrap(), &want, &what);
    let mut out = ArrayD::<f64>::zeros(want_shape.f());
    matmul_opt_into(&a, &b, &mut out).unwrap();
    assert_same(&out, &want, &what);
}

#[test]
fn optional_dims_drop_for_vectors_like_numpy_matmul() {
    // MatmulCommon's values.
    let vec = array![1.0, 2.0];
    let mat1 = array![[1.0, 2.0], [3.0, 4.0]];
    let mat2 = ndarray::stack![Axis(0), mat1, mat1];
    assert_eq!(
        matmul_opt(&vec, &mat1).unwrap(),
        array![7.0, 10.0].into_dyn()
    );
    assert_eq!(
        matmul_opt(&vec, &mat2).unwrap(),
        array![[7.0, 10.0], [7.0, 10.0]].into_dyn()
    );
    assert_eq!(
        matmul_opt(&mat1, &vec).unwrap(),
        array![5.0, 11.0].into_dyn()
    );
    assert_eq!(
        matmul_opt(&mat2, &vec).unwrap(),
        array![[5.0, 11.0], [5.0, 11.0]].into_dyn()
    );
    // test_vector_vector_values and test_scalar_output: vector @ vector is 0-d.
    let vv = matmul_opt(&vec, &array![3.0, 4.0]).unwrap();
    assert_eq!(vv.shape(), &[] as &[usize]);
    assert_eq!(vv[[]], 11.0);
    let v2 = array![[3.0, 4.0]];
    assert_eq!(
        matmul_opt(&array![2.0], &v2).unwrap(),
        array![6.0, 8.0].into_dyn()
    );
    assert_eq!(
        matmul_opt(v2.t(), &array![2.0]).unwrap(),
        array![6.0, 8.0].into_dyn()
    );
    // test_shapes: broadcast of the loop dimensions.
    for (s1, s2) in [
        (vec![1, 1], vec![2, 1, 1]),
        (vec![2, 1, 1], vec![1, 1]),
        (vec![2, 1, 1], vec![2, 1, 1]),
    ] {
        let (a, b) = (ArrayD::<f64>::ones(s1), ArrayD::<f64>::ones(s2));
        assert_eq!(matmul_opt(&a, &b).unwrap().shape(), &[2, 1, 1]);
    }
}

/// NumPy's `test_can_ignore_signature`, and views, against the reference.
#[test]
fn optional_dims_match_the_reference_on_stacks_and_views() {
    let mat = Array::from_shape_fn((2, 3, 2), |(i, j, k)| (6 * i + 2 * j + k) as f64);
    let single = array![0.0, 1.0];
    let col_array =
        Array::from_shape_fn((2, 2, 2, 1), |(i, j, k, _)| (4 * i + 2 * j + k + 1) as f64);
    check_matmul_opt(mat.view().into_dyn(), single.view().into_dyn(), &[2, 3]);
    check_matmul_opt(
        mat.view().into_dyn(),
        single.view().insert_axis(Axis(1)).into_dyn(),
        &[2, 3, 1],
    );
    check_matmul_opt(
        mat.view().into_dyn(),
        col_array.view().into_dyn(),
        &[2, 2, 3, 1],
    );
    let row3 = array![0.0, 1.0, 2.0];
    let row_array = Array::from_shape_fn((4, 2, 1, 1, 3), |(a, b, _, _, e)| {
        (6 * a + 3 * b + e + 1) as f64
    });
    check_matmul_opt(row3.view().into_dyn(), mat.view().into_dyn(), &[2, 2]);
    check_matmul_opt(
        row3.view().insert_axis(Axis(0)).into_dyn(),
        mat.view().into_dyn(),
        &[2, 1, 2],
    );
    check_matmul_opt(
        row_array.view().into_dyn(),
        mat.view().into_dyn(),
        &[4, 2, 2, 1, 2],
    );
    check_matmul_opt(row3.view().into_dyn(), row3.view().into_dyn(), &[]);
    let mut col_of_array = row_array.view();
    col_of_array.swap_axes(3, 4);
    check_matmul_opt(
        row_array.view().into_dyn(),
        col_of_array.into_dyn(),
        &[4, 2, 1, 1, 1],
    );
    // Views: reversed and transposed cores.
    let g = grid((3, 4, 5), 24);
    check_matmul_opt(
        g.slice(s![.., ..;-1, ..]).into_dyn(),
        grid(5, 25).slice(s![..;-1]).into_dyn(),
        &[3, 4],
    );
    check_matmul_opt(
        grid(4, 26).view().into_dyn(),
        g.slice(s![..;2, .., ..;-1]).into_dyn(),
        &[2, 5],
    );
    check_matmul_opt(
        g.t().slice(s![.., .., 0..1]).into_dyn(),
        g.slice(s![0..1, 1..2, ..;-1]).into_dyn(),
        &[5, 4, 5],
    );
}

#[test]
fn optional_dims_refuse_what_numpy_matmul_refuses() {
    // MatmulCommon's test_exceptions: each is an error, never a panic.
    let bad: [(&[usize], &[usize]); 9] = [
        (&[1], &[2]),
        (&[2, 1], &[2]),
        (&[2], &[1, 2]),
        (&[1, 2], &[3, 1]),
        (&[1], &[]),
        (&[], &[1]),
        (&[1, 1], &[]),
        (&[], &[1, 1]),
        (&[2, 2, 1], &[3, 1, 2]),
    ];
    for (s1, s2) in bad {
        let (a, b) = (ArrayD::<f64>::ones(s1), ArrayD::<f64>::ones(s2));
        assert!(matmul_opt(&a, &b).is_err(), "{s1:?} @ {s2:?}");
    }
    // A dropped dimension cannot be put back by the output (NumPy would broadcast into it).
    let row3 = array![0.0, 1.0, 2.0];
    let error = matmul_opt_into(&row3, &row3, &mut Array2::<f64>::zeros((1, 1))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (1, 1) but the call requires ()"
    );
}

#[test]
fn optional_dim_errors_name_the_operand() {
    let error = matmul_opt(
        ArrayD::<f64>::ones(IxDyn(&[1])),
        ArrayD::<f64>::ones(IxDyn(&[])),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has 0 axes but its core dimensions (n,p?) need at least 1 \
         (signature \"(m?,n),(n,p?)->(m?,p?)\")"
    );
    let error = matmul_opt(&array![1.0], &array![1.0, 2.0]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has size 2 on axis 0 for core dimension `n`, expected 1 as bound by \
         input 0 (`a`) (signature \"(m?,n),(n,p?)->(m?,p?)\")"
    );
}

#[test]
fn broadcastable_dims_bind_like_ordinary_ones_when_no_input_gives_one() {
    let (x, y) = (grid((4, 3), 27), grid((3,), 28));
    let want = Array2::from_shape_fn((4, 3), |(i, j)| x[[i, j]] + y[j]);
    let mut out = Array2::<f64>::zeros((4, 3));
    add_bcast_into(&x, y.slice(s![..;-1]).slice(s![..;-1]), &mut out).unwrap();
    assert_eq!(out, want);
    // Both 1: n is 1.
    let ones = grid((4, 1), 29);
    let mut out = Array2::<f64>::zeros((4, 1));
    add_bcast_into(&ones, &ones, &mut out).unwrap();
    assert_eq!(out, &ones * 2.0);
    // Sizes other than 1 must agree, and the output has the bound size.
    let error =
        add_bcast_into(&x, &grid((4, 2), 30), &mut Array2::<f64>::zeros((4, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`y`) has size 2 on axis 1 for core dimension `n`, expected 3 as bound by \
         input 0 (`x`) (signature \"(n|1),(n|1)->(n)\")"
    );
    let error = add_bcast_into(&x, &ones, &mut Array2::<f64>::zeros((4, 1))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 1 on axis 1 for core dimension `n`, expected 3 as bound by \
         input 0 (`x`) (signature \"(n|1),(n|1)->(n)\")"
    );
}

/// "`n|1`: an operand may give this dimension as 1, broadcast to the bound size": the
/// kernel sees length `n`, read with stride 0 (`BoundOperand::kernel_core_shape`).
#[test]
fn broadcastable_dims_stretch_a_size_of_one() {
    let x = grid((4, 3), 27);
    let y = grid((4, 1), 31);
    let want = Array2::from_shape_fn((4, 3), |(i, j)| x[[i, j]] + y[[i, 0]]);
    for (a, b) in [(x.view(), y.view()), (y.view(), x.view())] {
        let mut out = Array2::<f64>::zeros((4, 3));
        add_bcast_into(a, b, &mut out).unwrap();
        assert_eq!(out, want);
    }
    let z = add_bcast(&array![1.0, 2.0, 3.0], &array![10.0]).unwrap();
    assert_eq!(z, array![11.0, 12.0, 13.0]);
}
