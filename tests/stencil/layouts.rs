//! Memory layouts: rows run along the axis every input steps through one element at a time
//! (the last in C order, the first in F order and for transposed views), allocating calls
//! return their output in the first input's memory order, and `_into` writes any output
//! layout from any input layout. The shapes leave more than 32 interior elements per row,
//! so that the vectorised body of each row loop runs, not only its scalar tail.

use ndarray::{Array2, ArrayD, IxDyn, ShapeBuilder, s};
use ndkernel::dispatch;
use ndkernel_seeds::smooth::{smooth as mean_i8, smooth_into as mean_i8_into};

use crate::named_kernels::{affine, affine_into, affine_ref, laplace3, laplace3_want};
use crate::reference::{Mode, Read, naive};
use crate::{assert_same, grid};

/// Seed 002's mean on `int8` (`ndkernel_seeds::smooth::smooth`): exact sum, floor division,
/// border 0.
fn mean_i8_ref(r: Read<'_, i8>) -> i8 {
    let mut s = 0i16;
    for di in -1..=1 {
        for dj in -1..=1 {
            s += i16::from(r(&[di, dj]));
        }
    }
    s.div_euclid(9) as i8
}

/// Bytes covering the whole `i8` range, in C or F order.
fn bytes(rows: usize, cols: usize, fortran: bool) -> Array2<i8> {
    let value = |(i, j): (usize, usize)| ((i * 37 + j * 101 + i * j) % 256) as u8 as i8;
    if fortran {
        Array2::from_shape_fn((rows, cols).f(), value)
    } else {
        Array2::from_shape_fn((rows, cols), value)
    }
}

/// The same image in C order, F order, transposed from a C array (an F-ordered view), and
/// reversed on the first axis of an F array (unit stride, negative on the other).
fn layouts_i8() -> Vec<(&'static str, Array2<i8>)> {
    let c = bytes(67, 45, false);
    let mut f = bytes(67, 45, true);
    f.assign(&c);
    let t = bytes(45, 67, false).reversed_axes();
    let reversed = f.slice(s![.., ..;-1]).to_owned();
    let mut reversed_f = Array2::zeros((67, 45).f());
    reversed_f.assign(&reversed);
    let reversed_view = reversed_f.slice_move(s![.., ..;-1]);
    vec![
        ("C order", c),
        ("F order", f),
        ("transposed", t),
        ("F order, last axis reversed", reversed_view),
    ]
}

fn want_i8(x: &Array2<i8>) -> ArrayD<i8> {
    naive(
        &x.view().into_dyn(),
        &[Mode::Skip, Mode::Skip],
        (&[-1, -1], &[1, 1]),
        (0, 0),
        mean_i8_ref,
    )
}

#[test]
fn allocating_calls_follow_the_input_layout() {
    for (what, x) in layouts_i8() {
        let got = mean_i8(&x).unwrap();
        assert_same(&got, &want_i8(&x), what);
        let unit_axis = usize::from(x.strides()[0].abs() != 1);
        assert_eq!(
            got.strides()[unit_axis],
            1,
            "{what}: output strides {:?}",
            got.strides()
        );
    }
    // A 3-D stack in F order: the stack axis is the unit one, rows run along the first
    // stencil axis, and the output is F-ordered too.
    let x = grid(&[3, 40, 37], 5, true);
    let got = laplace3(&x).unwrap();
    assert_same(&got, &laplace3_want(&x.view()), "F-order volume");
    assert_eq!(got.strides(), x.strides());
}

#[test]
fn into_writes_any_layout_from_any_layout() {
    for (what, x) in layouts_i8() {
        let want = want_i8(&x);
        for fortran in [false, true] {
            let mut out = if fortran {
                Array2::from_elem((67, 45).f(), 99i8)
            } else {
                Array2::from_elem((67, 45), 99i8)
            };
            mean_i8_into(&x, &mut out).unwrap();
            assert_same(&out, &want, &format!("{what} into F = {fortran}"));
            let mut reversed = Array2::from_elem((67, 45), 99i8);
            mean_i8_into(&x, &mut reversed.slice_mut(s![..;-1, ..])).unwrap();
            assert_same(&reversed.slice(s![..;-1, ..]).to_owned(), &want, what);
        }
    }
}

#[test]
fn f64_kernels_on_transposed_views() {
    let x = grid(&[50, 41], 3, false);
    let t = x.t();
    let want = naive(
        &t.view(),
        &[Mode::Reflect, Mode::Wrap],
        (&[0, -1], &[1, 1]),
        (0.0, 0.0),
        |r| affine_ref(r, 1.5, 2, false),
    );
    let got = affine(&t, 1.5, 2, false).unwrap();
    assert_same(&got, &want, "transposed");
    assert_eq!(got.strides(), &[1, 41]);
    let mut out = ArrayD::from_elem(IxDyn(&[41, 50]), f64::NAN);
    affine_into(&t, 1.5, 2, false, &mut out).unwrap();
    assert_same(&out, &want, "transposed into C");
}

#[test]
fn a_unit_stride_middle_axis() {
    // The unit-stride axis is neither first nor last: rows run along it, stepping by the
    // stride found at run time.
    let x = grid(&[6, 5, 40], 8, false).permuted_axes(IxDyn(&[0, 2, 1]));
    assert_eq!(x.strides()[1], 1);
    assert_same(
        &laplace3(&x).unwrap(),
        &laplace3_want(&x.view()),
        "middle axis",
    );
}

#[test]
fn parallel_equals_serial_along_the_first_axis() {
    let x = bytes(301, 257, true);
    let serial = dispatch::serial(|| mean_i8(&x)).unwrap();
    let parallel = mean_i8(&x).unwrap();
    assert_eq!(serial, parallel);
    assert_same(&parallel, &want_i8(&x), "F order, 301x257");
}
