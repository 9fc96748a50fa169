//! Every length modulo the lane widths, strided and reversed inputs, and outputs of every
//! layout.

use ndarray::{IxDyn, ShapeBuilder};
use ndkernel::prelude::*;

use crate::kernels::{
    rel_diff, rel_diff_fine, rel_diff_fine_into, rel_diff_fine_scalar, rel_diff_into,
    rel_diff_scalar,
};
use crate::{assert_same, check2, floats, grid, lengths, naive, views_of};

#[test]
fn rel_diff_matches_the_reference_on_every_length_and_stride() {
    for n in lengths() {
        let (bx, by) = (floats(2 * n + 1, n as u64), floats(2 * n + 1, !(n as u64)));
        for x in views_of(&bx, n) {
            for y in views_of(&by, n) {
                check2!(rel_diff, rel_diff_scalar, x, y);
                check2!(rel_diff_fine, rel_diff_fine_scalar, x, y);
            }
            check2!(rel_diff, rel_diff_scalar, x, arr0(3.5));
            check2!(rel_diff, rel_diff_scalar, arr1(&[-0.25]), x);
            let by_scalar = rel_diff(x, 3.5).unwrap();
            assert_same(
                &by_scalar,
                &rel_diff(x, arr0(3.5)).unwrap().into_dyn(),
                "x, 3.5",
            );
        }
    }
}

#[test]
fn into_writes_fortran_order_strided_and_reversed_outputs() {
    let (x, y) = (grid((4, 1), 1), grid(5, 2));
    let (xv, yv) = (x.view().into_dyn(), y.view().into_dyn());
    let want = naive(&[xv.shape(), yv.shape()], |ix| {
        rel_diff_scalar(xv[&*ix[0]], yv[&*ix[1]])
    })
    .unwrap();

    let mut fortran = Array2::<f64>::zeros((4, 5).f());
    rel_diff_into(&x, &y, &mut fortran).unwrap();
    assert_same(&fortran, &want, "Fortran order");
    assert!(fortran.t().is_standard_layout());

    let mut wide = Array2::<f64>::zeros((4, 10));
    rel_diff_into(&x, &y, &mut wide.slice_mut(s![.., 1..;2])).unwrap();
    assert_same(&wide.slice(s![.., 1..;2]).to_owned(), &want, "strided");
    assert!(wide.slice(s![.., ..;2]).iter().all(|&v| v.to_bits() == 0));

    let mut reversed = Array2::<f64>::zeros((4, 5));
    rel_diff_fine_into(&x, &y, &mut reversed.slice_mut(s![..;-1, ..;-1])).unwrap();
    assert_same(
        &reversed.slice(s![..;-1, ..;-1]).to_owned(),
        &want,
        "reversed",
    );

    let mut dynamic = ArrayD::<f64>::zeros(IxDyn(&[4, 5]).f());
    rel_diff_into(x.clone().into_dyn(), &y, &mut dynamic).unwrap();
    assert_same(&dynamic, &want, "IxDyn, Fortran order");
}
