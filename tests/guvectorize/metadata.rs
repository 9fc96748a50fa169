//! The generated metadata, and generic kernels.

use ndkernel::prelude::*;

use crate::kernels::{
    add_bcast, cross, cumsum_core, inner1d, matmul, matmul_opt, min_max, min_max_out, norm,
    norm_core, pdist, shift, total, total_into,
};
use crate::reference::assert_same;

#[test]
fn metadata_describes_the_signature() {
    assert_eq!((matmul::INPUTS, matmul::OUTPUTS), (2, 1));
    assert_eq!(matmul::SIGNATURE, "(n,k),(k,m)->(n,m)");
    assert_eq!(matmul::DIMS, &["n", "k", "m"]);
    assert_eq!(matmul::signature().as_str(), "(n,k),(k,m)->(n,m)");
    assert_eq!(matmul::signature().inputs().len(), 2);
    assert_eq!((min_max::INPUTS, min_max::OUTPUTS), (1, 2));
    assert_eq!((min_max_out::INPUTS, min_max_out::OUTPUTS), (1, 2));
    assert_eq!(min_max::DIMS, &["n"]);
    assert_eq!((shift::INPUTS, shift::OUTPUTS), (2, 1));
    assert_eq!(cross::DIMS, &[] as &[&str]);
    assert_eq!(pdist::DIMS, &["n", "d", "p"]);
    assert_eq!(pdist::signature().output_only_dims(), ["p"]);
    assert_eq!(matmul_opt::SIGNATURE, "(m?,n),(n,p?)->(m?,p?)");
    assert_eq!(matmul_opt::DIMS, &["m", "n", "p"]);
    assert_eq!(add_bcast::SIGNATURE, "(n|1),(n|1)->(n)");
    assert_eq!((total::INPUTS, total::OUTPUTS), (1, 1));
    // `_core` is the function as written.
    assert_eq!(norm_core(array![3.0, 4.0].view()), 5.0);
    let mut out = Array1::zeros(3);
    cumsum_core(array![1.0, 2.0, 3.0].view(), out.view_mut());
    assert_eq!(out, array![1.0, 3.0, 6.0]);
}

#[test]
fn generic_kernels_take_their_type_from_the_operands() {
    let x = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i64 - 5);
    assert_eq!(total(&x).unwrap(), x.sum_axis(Axis(1)));
    assert_eq!(total(x.t()).unwrap(), x.sum_axis(Axis(0)));
    let y = x.mapv(|v| v as f32 * 0.25);
    let want: Vec<f32> = (0..3).map(|i| y.row(i).iter().copied().sum()).collect();
    assert_same(&total(&y).unwrap(), &Array1::from(want).into_dyn(), "f32");
    let mut out = Array1::<i64>::zeros(4);
    total_into(x.t(), &mut out).unwrap();
    assert_eq!(out, x.sum_axis(Axis(0)));
    assert_eq!(total(Array2::<i64>::zeros((2, 0))).unwrap(), array![0, 0]);
}

/// A const generic parameter carries through to the generated functions.
#[guvectorize("(n)->()")]
fn scaled_sum<const K: usize>(x: ArrayView1<f64>) -> f64 {
    x.sum() * K as f64
}

#[test]
fn const_generic_kernels() {
    let x = Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f64);
    assert_eq!(
        scaled_sum::<2, _>(&x).unwrap(),
        Array1::from(vec![6.0, 24.0])
    );
}

/// Outputs have the rank the inputs' static ranks give: loop rank (the inputs' broadcast)
/// plus core rank; a dynamic input, or optional core dimensions, give `IxDyn`.
#[test]
fn output_ranks_follow_the_inputs_static_ranks() {
    let x = Array2::<f64>::ones((2, 3));
    let norms: Array1<f64> = norm(&x).unwrap();
    assert_eq!(norms, array![3f64.sqrt(), 3f64.sqrt()]);
    // (3, 1, 3) against (2, 3): loop shapes (3, 1) and (2,) broadcast to (3, 2).
    let inner: Array2<f64> = inner1d(Array3::<f64>::ones((3, 1, 3)), &x).unwrap();
    assert_eq!(inner, Array2::from_elem((3, 2), 3.0));
    let product: Array3<f64> =
        matmul(Array3::<f64>::ones((4, 2, 3)), Array2::<f64>::ones((3, 5))).unwrap();
    assert_eq!(product.shape(), &[4, 2, 5]);
    // A 0-d result from a 1-d input, a scalar `()` input.
    let one: Array0<f64> = norm(array![3.0, 4.0]).unwrap();
    assert_eq!(one[()], 5.0);
    let shifted: Array2<f64> = shift(&x, 1.0).unwrap();
    assert_eq!(shifted, Array2::from_elem((2, 3), 2.0));
    // Two outputs, each its own rank.
    let (lo, hi): (Array1<f64>, Array1<f64>) = min_max(&x).unwrap();
    assert_eq!((lo[0], hi[1]), (1.0, 1.0));
    // Dynamic inputs and optional dimensions stay dynamic.
    let dynamic: ArrayD<f64> = norm(x.view().into_dyn()).unwrap();
    assert_eq!(dynamic.shape(), &[2]);
    let optional: ArrayD<f64> = matmul_opt(&x, array![1.0, 1.0, 1.0]).unwrap();
    assert_eq!(optional, ArrayD::from_elem(vec![2], 3.0));
}
