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

#[test]
fn allocated_outputs_follow_the_first_full_shaped_input() {
    let c = grid((37, 45), 3);
    let mut f = Array2::<f64>::zeros((37, 45).f());
    f.assign(&c);
    let row = grid(45, 4);
    let want = |x: &Array2<f64>, y: ArrayViewD<'_, f64>| {
        let xv = x.view().into_dyn();
        naive(&[xv.shape(), y.shape()], |ix| {
            rel_diff_scalar(xv[&*ix[0]], y[&*ix[1]])
        })
        .unwrap()
    };

    // F order in, F order out: one unit-stride walk over all three arrays.
    let got = rel_diff(&f, &f).unwrap();
    assert_same(&got, &want(&f, f.view().into_dyn()), "F order");
    assert_eq!(got.strides(), f.strides());
    // A transposed view is F-ordered too.
    let t = c.t();
    let got = rel_diff(t, 2.0).unwrap();
    assert_same(
        &got,
        &want(&t.to_owned(), arr0(2.0).into_dyn().view()),
        "transposed",
    );
    assert_eq!(got.strides(), &[1, 45]);
    // A broadcast row says nothing about the order; the first full-shaped input does.
    let got = rel_diff(&row, &f).unwrap();
    let want_row = naive(&[row.shape(), f.shape()], |ix| {
        rel_diff_scalar(row[ix[0][0]], f[[ix[1][0], ix[1][1]]])
    })
    .unwrap();
    assert_same(&got, &want_row, "row and F order");
    assert_eq!(got.strides(), f.strides());
    // No full-shaped input: C order.
    let column = grid((37, 1), 5);
    let got = rel_diff(&column, &row).unwrap();
    assert!(got.is_standard_layout());
    // C order stays C order.
    assert!(rel_diff(&c, &f).unwrap().is_standard_layout());
}
