//! NumPy broadcasting against the reference: views of every rank, broadcast and empty axes,
//! scalars and 0-d arrays, and the static rank of the output.

use ndkernel::prelude::*;

use crate::kernels::{
    divmod, rel_diff, rel_diff_fine, rel_diff_fine_scalar, rel_diff_into, rel_diff_scalar,
};
use crate::{assert_same, check2, grid, naive};

#[test]
fn rel_diff_matches_the_reference_on_views_of_every_rank() {
    let (a, b) = (grid((5, 7), 1), grid((7, 5), 2));
    check2!(rel_diff, rel_diff_scalar, a, b.t());
    check2!(rel_diff, rel_diff_scalar, a.t(), b);
    check2!(
        rel_diff,
        rel_diff_scalar,
        a.slice(s![..;-1, 1..;2]),
        b.t().slice(s![.., ..;3])
    );
    check2!(
        rel_diff,
        rel_diff_scalar,
        b.t().slice(s![.., 0..1]),
        a.row(2)
    );
    check2!(
        rel_diff_fine,
        rel_diff_fine_scalar,
        a.slice(s![1.., ..;-1]),
        b.column(1)
    );
    // Broadcast axes: (3, 1) with (4,), (1,) with (5,), size 1 stretched to size 0.
    check2!(rel_diff, rel_diff_scalar, grid((3, 1), 3), grid(4, 4));
    check2!(rel_diff, rel_diff_scalar, grid(1, 5), grid(5, 6));
    check2!(rel_diff, rel_diff_scalar, grid(5, 6), grid(1, 5));
    check2!(rel_diff, rel_diff_scalar, grid((1, 3), 7), grid((0, 1), 8));
    check2!(
        rel_diff,
        rel_diff_scalar,
        grid((2, 1, 4), 9),
        grid((3, 1), 10)
    );
    // 3-D, permuted and reversed; IxDyn.
    let c = grid((3, 4, 5), 11);
    let d = grid((5, 3, 4), 12);
    check2!(
        rel_diff,
        rel_diff_scalar,
        c,
        d.view().permuted_axes([1, 2, 0])
    );
    check2!(
        rel_diff,
        rel_diff_scalar,
        c.slice(s![..;-1, .., 1..2]),
        d.slice(s![0..1, 1, ..])
    );
    check2!(
        rel_diff_fine,
        rel_diff_fine_scalar,
        c.t(),
        grid((5, 1, 3), 13)
    );
    check2!(
        rel_diff,
        rel_diff_scalar,
        c.clone().into_dyn(),
        grid(5, 14).into_dyn()
    );
    // Empty.
    check2!(rel_diff, rel_diff_scalar, grid(0, 15), grid(0, 16));
    check2!(rel_diff, rel_diff_scalar, grid((3, 0), 17), grid(0, 18));
    check2!(
        rel_diff,
        rel_diff_scalar,
        grid((3, 0), 19),
        grid((3, 1), 20)
    );
    check2!(rel_diff, rel_diff_scalar, grid(0, 21), arr0(1.0));
}

#[test]
fn scalars_and_0d_arrays_give_0d_results() {
    let z = rel_diff(2.0, 3.0).unwrap();
    assert_eq!(z.shape(), &[] as &[usize]);
    assert_eq!(z[()].to_bits(), rel_diff_scalar(2.0, 3.0).to_bits());
    check2!(rel_diff, rel_diff_scalar, arr0(2.0), arr0(3.0));
    let z: Array0<f64> = rel_diff(arr0(2.0).view(), 3.0).unwrap();
    assert_eq!(z[()].to_bits(), rel_diff_scalar(2.0, 3.0).to_bits());
    let mut out = Array0::zeros(());
    rel_diff_into(2.0, &arr0(3.0), &mut out).unwrap();
    assert_eq!(out, z);
}

#[test]
fn the_output_rank_is_static_where_the_inputs_are() {
    let (a2, b1) = (grid((3, 1), 1), grid(4, 2));
    let z: Array2<f64> = rel_diff(&a2, &b1).unwrap();
    assert_eq!(z.shape(), &[3, 4]);
    let z: Array1<f64> = rel_diff(&b1, 1.0).unwrap();
    assert_eq!(z.shape(), &[4]);
    let z: Array3<f64> = rel_diff(grid((2, 1, 1), 3).view(), &a2).unwrap();
    assert_eq!(z.shape(), &[2, 3, 1]);
    let z: ArrayD<f64> = rel_diff(a2.view().into_dyn(), &b1).unwrap();
    assert_eq!(z.shape(), &[3, 4]);
    let (q, r): (ArrayD<i64>, ArrayD<i64>) = divmod(arr1(&[7]).into_dyn(), 2).unwrap();
    assert_eq!((q[[0]], r[[0]]), (3, 1));
}
