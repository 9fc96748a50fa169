//! Named kernels: forms of offsets, parameters and types, against the naive reference.

use ndarray::IxDyn;
use ndkernel::prelude::*;

use crate::mode_pairs::{awkward_1d, awkward_2d};
use crate::numba::mean;
use crate::reference::{Mode, Read, naive};
use crate::{assert_same, grid, grid2};

/// Seven taps read by computed offsets, `x[k]`.
#[stencil(neighborhood = [(-3, 3)])]
pub(crate) fn moving_sum(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for k in -3..=3 {
        acc += x[k];
    }
    acc
}

/// The same with `x[[k]]`, mirrored at the edges.
#[stencil(neighborhood = [(-3, 3)], mode = "mirror")]
fn moving_sum_mirror(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for k in -3..=3 {
        acc += x[[k]];
    }
    acc
}

fn moving_sum_ref(r: Read<'_, f64>) -> f64 {
    let mut acc = 0.0;
    for k in -3..=3 {
        acc += r(&[k]);
    }
    acc
}

/// A declared neighbourhood without the centre is widened to hold it: (0, 2).
#[stencil(neighborhood = [(1, 2)], cval = -9.0)]
pub(crate) fn ahead(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for k in 1..=2 {
        acc += x[[k]] * k as f64;
    }
    acc
}

/// Offsets -2..=0 only: the border is on one side, and `valid` drops it.
#[stencil(mode = "valid")]
pub(crate) fn back(x: Rel<f64>) -> f64 {
    x[[-2]] * 0.5 + x[[-1]] - x[[0]] * 3.0
}

const R: isize = 2;

/// Offsets from a `const` item of this module, negated too.
#[stencil(mode = "reflect")]
pub(crate) fn reach_r(x: Rel<f64>) -> f64 {
    x[[R, 0]] - x[[-R, 0]] * 0.5 + x[[0, R]]
}

/// Several plain-value parameters, one mode per axis.
#[stencil(mode = ["reflect", "wrap"])]
pub(crate) fn affine(x: Rel<f64>, scale: f64, shift: i32, negate: bool) -> f64 {
    let v = x[[0, -1]] * scale + f64::from(shift) + x[[1, 1]];
    if negate { -v } else { v }
}

pub(crate) fn affine_ref(r: Read<'_, f64>, scale: f64, shift: i32, negate: bool) -> f64 {
    let v = r(&[0, -1]) * scale + f64::from(shift) + r(&[1, 1]);
    if negate { -v } else { v }
}

/// An absolutely indexed lookup table beside the relative input (`standard_indexing`).
#[stencil(mode = "nearest")]
fn lookup(x: Rel<u8>, table: ArrayView1<f64>) -> f64 {
    table[usize::from(x[[0, -1]])] - table[usize::from(x[[1, 0]])] * 2.0
}

/// A generic kernel.
#[stencil(mode = "wrap")]
fn sum3<T: Copy + std::ops::Add<Output = T>>(x: Rel<T>) -> T {
    x[-1] + x[0] + x[1]
}

/// int8 in, int16 out; `cval` pads the int8 input.
#[stencil(mode = "constant", cval = -5)]
pub(crate) fn widen(x: Rel<i8>) -> i16 {
    i16::from(x[[-1]]) - 2 * i16::from(x[[0]]) + i16::from(x[[2]])
}

/// int8 in, int16 out; `cval` fills the int16 border.
#[stencil(cval = -5)]
fn widen_skip(x: Rel<i8>) -> i16 {
    i16::from(x[[-1]]) - 2 * i16::from(x[[0]]) + i16::from(x[[2]])
}

fn widen_ref(r: Read<'_, i8>) -> i16 {
    i16::from(r(&[-1])) - 2 * i16::from(r(&[0])) + i16::from(r(&[2]))
}

#[stencil(mode = "wrap")]
pub(crate) fn laplace3(u: Rel<f64>) -> f64 {
    u[[-1, 0, 0]] + u[[1, 0, 0]] + u[[0, -1, 0]] + u[[0, 1, 0]] + u[[0, 0, -1]] + u[[0, 0, 1]]
        - 6.0 * u[[0, 0, 0]]
}

#[stencil(mode = ["reflect", "skip", "mirror"], cval = 7.5)]
pub(crate) fn laplace3_mixed(u: Rel<f64>) -> f64 {
    u[[-1, 0, 0]] + u[[1, 0, 0]] + u[[0, -1, 0]] + u[[0, 1, 0]] + u[[0, 0, -1]] + u[[0, 0, 1]]
        - 6.0 * u[[0, 0, 0]]
}

/// What [`laplace3`] must give on `x`, from the naive reference.
pub(crate) fn laplace3_want(x: &ArrayViewD<'_, f64>) -> ArrayD<f64> {
    naive(
        x,
        &[Mode::Wrap; 3],
        (&[-1; 3], &[1; 3]),
        (0.0, 0.0),
        laplace3_ref,
    )
}

fn laplace3_ref(r: Read<'_, f64>) -> f64 {
    r(&[-1, 0, 0]) + r(&[1, 0, 0]) + r(&[0, -1, 0]) + r(&[0, 1, 0]) + r(&[0, 0, -1]) + r(&[0, 0, 1])
        - 6.0 * r(&[0, 0, 0])
}

/// Reads a computed offset `k`, which must stay in the declared neighbourhood.
#[stencil(neighborhood = [(-1, 1)])]
pub(crate) fn shifted(x: Rel<f64>, k: isize) -> f64 {
    x[k]
}

#[stencil(neighborhood = [(-1, 1), (0, 0)], mode = "nearest")]
pub(crate) fn shifted2(x: Rel<f64>, k: isize) -> f64 {
    x[[0, k]]
}

pub(crate) const ONE: (&[isize], &[isize]) = (&[-1], &[1]);

#[test]
fn one_dimensional_kernels() {
    let skip = [Mode::Skip];
    for (what, x) in awkward_1d() {
        let x = x.view();
        let want = naive(&x, &skip, (&[-3], &[3]), (0.0, 0.0), moving_sum_ref);
        assert_same(&moving_sum(&x).unwrap(), &want, &what);
        let modes = [Mode::Mirror];
        let want = naive(&x, &modes, (&[-3], &[3]), (0.0, 0.0), moving_sum_ref);
        assert_same(&moving_sum_mirror(&x).unwrap(), &want, &what);
        let want = naive(&x, &skip, (&[0], &[2]), (0.0, -9.0), |r| {
            r(&[1]) * 1.0 + r(&[2]) * 2.0
        });
        assert_same(&ahead(&x).unwrap(), &want, &what);
        let want = naive(&x, &[Mode::Valid], (&[-2], &[0]), (0.0, 0.0), |r| {
            r(&[-2]) * 0.5 + r(&[-1]) - r(&[0]) * 3.0
        });
        assert_same(&back(&x).unwrap(), &want, &what);
        let want = naive(&x, &[Mode::Wrap], ONE, (0.0, 0.0), |r| {
            r(&[-1]) + r(&[0]) + r(&[1])
        });
        assert_same(&sum3(&x).unwrap(), &want, &what);
        for k in -1..=1 {
            let want = naive(&x, &skip, ONE, (0.0, 0.0), |r| r(&[k]));
            assert_same(&shifted(&x, k).unwrap(), &want, &what);
        }
    }
    assert_eq!(back(&array![1.0, 2.0]).unwrap().len(), 0);
    assert_eq!(back(&array![1.0, 2.0, 3.0]).unwrap(), array![-6.5]);
}

#[test]
fn two_and_three_dimensional_kernels() {
    for (what, x) in awkward_2d() {
        let x = x.view();
        let modes = [Mode::Reflect, Mode::Reflect];
        let want = naive(&x, &modes, (&[-2, 0], &[2, 2]), (0.0, 0.0), |r| {
            r(&[2, 0]) - r(&[-2, 0]) * 0.5 + r(&[0, 2])
        });
        assert_same(&reach_r(&x).unwrap(), &want, &what);
        let modes = [Mode::Reflect, Mode::Wrap];
        let want = naive(&x, &modes, (&[0, -1], &[1, 1]), (0.0, 0.0), |r| {
            affine_ref(r, 0.5, -3, true)
        });
        assert_same(&affine(&x, 0.5, -3, true).unwrap(), &want, &what);
        let modes = [Mode::Skip, Mode::Skip];
        let want = naive(&x, &modes, (&[-1, -1], &[1, 1]), (0.0, 0.0), |r| {
            (r(&[-1, -1])
                + r(&[-1, 0])
                + r(&[-1, 1])
                + r(&[0, -1])
                + r(&[0, 0])
                + r(&[0, 1])
                + r(&[1, -1])
                + r(&[1, 0])
                + r(&[1, 1]))
                / 9.0
        });
        assert_same(&mean(&x).unwrap(), &want, &what);
    }
    for shape in [
        &[4, 5, 6][..],
        &[1, 1, 1],
        &[2, 3, 1],
        &[0, 3, 4],
        &[2, 4, 5, 6],
    ] {
        let x = grid(shape, 11, false);
        let want = laplace3_want(&x.view());
        assert_same(&laplace3(&x).unwrap(), &want, &format!("{shape:?}"));
        let modes = [Mode::Reflect, Mode::Skip, Mode::Mirror];
        let want = naive(
            &x.view(),
            &modes,
            (&[-1; 3], &[1; 3]),
            (0.0, 7.5),
            laplace3_ref,
        );
        assert_same(&laplace3_mixed(&x).unwrap(), &want, &format!("{shape:?}"));
    }
    let x = grid(&[5, 4, 3], 12, false).permuted_axes(IxDyn(&[2, 0, 1]));
    assert_same(
        &laplace3(&x).unwrap(),
        &laplace3_want(&x.view()),
        "permuted axes",
    );
}

#[test]
fn static_and_dynamic_ranks_agree() {
    let x = grid2(6, 7, 13);
    let fixed: Array2<f64> = mean(&x).unwrap();
    let dynamic: ArrayD<f64> = mean(&x.clone().into_dyn()).unwrap();
    assert_same(&fixed, &dynamic, "IxDyn");
    let view: Array2<f64> = mean(x.view()).unwrap();
    assert_same(&view, &dynamic, "a view by value");
    let stack = grid(&[3, 6, 7], 14, false)
        .into_dimensionality::<Ix3>()
        .unwrap();
    let out: Array3<f64> = affine(&stack, 2.0, 1, false).unwrap();
    for plane in 0..3 {
        let one = affine(stack.index_axis(Axis(0), plane), 2.0, 1, false).unwrap();
        assert_same(
            &out.index_axis(Axis(0), plane).to_owned(),
            &one.into_dyn(),
            "plane",
        );
    }
}

#[test]
fn element_types() {
    // A lookup table indexed absolutely by the input's values.
    let table = Array1::from_shape_fn(256, |i| (i as f64).sqrt() - 3.0);
    let x = Array2::from_shape_fn((5, 6), |(i, j)| ((i * 53 + j * 97) % 256) as u8);
    let want = naive(
        &x.view().into_dyn(),
        &[Mode::Nearest; 2],
        (&[0, -1], &[1, 0]),
        (0, 0.0),
        |r| table[usize::from(r(&[0, -1]))] - table[usize::from(r(&[1, 0]))] * 2.0,
    );
    assert_same(&lookup(&x, table.view()).unwrap(), &want, "lookup");

    // Generic over the element type.
    let ints = Array1::from_shape_fn(9, |i| i as i32 * 7 - 20);
    let want = naive(&ints.view().into_dyn(), &[Mode::Wrap], ONE, (0, 0), |r| {
        r(&[-1]) + r(&[0]) + r(&[1])
    });
    assert_same(&sum3(&ints).unwrap(), &want, "sum3 i32");
    let floats = grid(&[9], 1, false);
    let want = naive(&floats.view(), &[Mode::Wrap], ONE, (0.0, 0.0), |r| {
        r(&[-1]) + r(&[0]) + r(&[1])
    });
    assert_same(&sum3(&floats).unwrap(), &want, "sum3 f64");

    // int8 in, int16 out, over the whole int8 range.
    let bytes = Array1::from_shape_fn(256, |i| (i as i16 - 128) as i8);
    let bytes = bytes.slice(s![..;-1]);
    let lohi: (&[isize], &[isize]) = (&[-1], &[2]);
    let want = naive(
        &bytes.into_dyn(),
        &[Mode::Constant],
        lohi,
        (-5i8, 0i16),
        widen_ref,
    );
    let got: Array1<i16> = widen(&bytes).unwrap();
    assert_same(&got, &want, "widen, constant");
    let want = naive(
        &bytes.into_dyn(),
        &[Mode::Skip],
        lohi,
        (0i8, -5i16),
        widen_ref,
    );
    assert_same(&widen_skip(&bytes).unwrap(), &want, "widen, skip");
    assert_eq!(widen(&array![1i8]).unwrap(), array![-5 - 2 - 5]);
}
