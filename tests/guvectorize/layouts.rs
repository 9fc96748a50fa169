//! Inputs of every layout (transposed, strided, reversed) and outputs of every layout
//! (Fortran order, strided, reversed, `IxDyn`), one output or several.

use ndarray::{IxDyn, ShapeBuilder};
use ndkernel::prelude::*;

use crate::kernels::{
    cumsum_into, min_max, min_max_out, min_max_out_into, norm, row_sum, row_sum_fine,
};
use crate::reference::{assert_same, ref_cumsum, ref_max, ref_min, ref_norm, ref_sum, reference};
use crate::{dyn_view, grid};

type Reduction = fn(ArrayView2<'_, f64>) -> Result<Array1<f64>, KernelError>;
type Core = fn(&[ArrayViewD<'_, f64>]) -> ArrayD<f64>;

#[test]
fn reductions_over_rows() {
    let x = grid((7, 5), 11);
    let y = grid((5, 7), 12);
    let z = grid((3, 4, 5), 13);
    let kernels: [(&str, Reduction, Core); 3] = [
        ("norm", |x| norm(x), ref_norm),
        ("row_sum", |x| row_sum(x), ref_sum),
        ("row_sum_fine", |x| row_sum_fine(x), ref_sum),
    ];
    for (name, kernel, core) in kernels {
        for v in [
            x.view(),
            x.slice(s![..;-2, ..]),
            x.slice(s![.., ..;-1]),
            x.slice(s![2..3, 1..;2]),
            y.t(),
            y.slice(s![..;-1, ..;3]).reversed_axes(),
            z.slice(s![.., 1, ..]),
        ] {
            let what = format!("{name}: {:?} {:?}", v.shape(), v.strides());
            let want = reference(&[(dyn_view(&v), 1)], &[], core);
            assert_same(&kernel(v).unwrap(), &want, &what);
        }
    }
    // A 3-d stack, and a 1-d input giving a 0-d result.
    let want = reference(&[(dyn_view(&z.view()), 1)], &[], ref_norm);
    assert_same(&norm(&z).unwrap(), &want, "norm, 3-d");
    let row = z.slice(s![0, 0, ..;-1]);
    assert_same(&norm(row).unwrap(), &ref_norm(&[row.into_dyn()]), "0-d");
}

#[test]
fn into_writes_fortran_order_strided_and_reversed_outputs() {
    let x = grid((2, 3, 4), 16);
    let want = reference(&[(dyn_view(&x.view()), 1)], &[4], ref_cumsum);
    let mut out = Array3::<f64>::zeros((2, 3, 4).f());
    cumsum_into(&x, &mut out).unwrap();
    assert_same(&out, &want, "Fortran order");
    // The output's core axis reversed and strided.
    let mut base = Array3::<f64>::zeros((2, 3, 8));
    cumsum_into(&x, &mut base.slice_mut(s![.., .., ..;-2])).unwrap();
    let got = base.slice(s![.., .., ..;-2]).to_owned();
    assert_same(&got, &want, "reversed core axis");
    assert!(
        base.slice(s![.., .., 1..;2]).iter().all(|&v| v == 0.0)
            || base.slice(s![.., .., ..;2]).iter().all(|&v| v == 0.0)
    );
    // An IxDyn output, and a transposed one.
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[2, 3, 4]));
    cumsum_into(&x, &mut out).unwrap();
    assert_same(&out, &want, "IxDyn");
    let mut base = Array3::<f64>::zeros((4, 3, 2));
    let mut out = base.view_mut().reversed_axes();
    cumsum_into(&x, &mut out).unwrap();
    assert_same(&base.t().to_owned(), &want, "transposed");
    // Two scalar outputs, one of them Fortran order.
    let mut lo = Array2::<f64>::zeros((2, 3).f());
    let mut hi = Array2::<f64>::zeros((2, 3));
    min_max_out_into(&x, &mut lo, &mut hi).unwrap();
    assert_same(
        &lo,
        &reference(&[(dyn_view(&x.view()), 1)], &[], ref_min),
        "lo",
    );
    assert_same(
        &hi,
        &reference(&[(dyn_view(&x.view()), 1)], &[], ref_max),
        "hi",
    );
}

#[test]
fn two_outputs_come_back_as_a_tuple() {
    let x = grid((4, 6), 17);
    for v in [x.view(), x.slice(s![..;-1, ..;2]), x.t()] {
        let (lo, hi) = min_max(v).unwrap();
        assert_same(&lo, &reference(&[(dyn_view(&v), 1)], &[], ref_min), "min");
        assert_same(&hi, &reference(&[(dyn_view(&v), 1)], &[], ref_max), "max");
        let (lo2, hi2) = min_max_out(v).unwrap();
        assert_eq!((lo, hi), (lo2, hi2));
    }
    // Empty rows: the folds' starting values.
    let (lo, hi) = min_max(Array2::<f64>::zeros((2, 0))).unwrap();
    assert_eq!(lo, array![f64::INFINITY, f64::INFINITY]);
    assert_eq!(hi, array![f64::NEG_INFINITY, f64::NEG_INFINITY]);
}
