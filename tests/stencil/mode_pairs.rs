//! Every pair of modes on one asymmetric kernel, against the naive reference: awkward
//! fixed inputs, stacks, and random shapes and modes.

use ndkernel::prelude::*;
use proptest::prelude::*;

use crate::reference::{MODES, Mode, Read, naive};
use crate::{Run, assert_same, current_cval, grid, grid2, set_cval};

/// `asym1`: footprint -2..=1.
pub(crate) const ASYM1: (&[isize], &[isize]) = (&[-2], &[1]);

pub(crate) fn asym1_ref(r: Read<'_, f64>) -> f64 {
    r(&[-2]) * 1.5 - r(&[0]) * 0.25 + r(&[1]) * 2.0
}

/// `asym2`: footprint (-2, -1)..=(1, 0).
pub(crate) const ASYM2: (&[isize], &[isize]) = (&[-2, -1], &[1, 0]);

pub(crate) fn asym2_ref(r: Read<'_, f64>) -> f64 {
    r(&[-2, 0]) * 1.5 - r(&[0, -1]) * 0.25 + r(&[1, 0]) * 2.0 + r(&[0, 0])
}

/// `asym1::TABLE[m]` and `asym2::TABLE[m0][m1]`: the kernels above for the modes
/// `MODES[m]`, with `cval = current_cval()`.
macro_rules! asym {
    (@row $a:ident $amode:tt [$($b:ident $bmode:tt),*]) => {
        pub mod $a {
            use super::*;
            $(
                pub mod $b {
                    use super::*;

                    #[stencil(mode = [$amode, $bmode], cval = current_cval())]
                    pub fn k(x: Rel<f64>) -> f64 {
                        x[[-2, 0]] * 1.5 - x[[0, -1]] * 0.25 + x[[1, 0]] * 2.0 + x[[0, 0]]
                    }

                    pub fn call(x: ArrayViewD<'_, f64>) -> Result<ArrayD<f64>, KernelError> {
                        k(&x)
                    }
                }
            )*
            pub const ROW: [Run; 7] = [$($b::call),*];
        }
    };
    (@outer $all:tt $($m:ident $mode:tt),*) => {
        $(asym!(@row $m $mode $all);)*
        pub const TABLE: [[Run; 7]; 7] = [$($m::ROW),*];
    };
    ($($m:ident $mode:tt),*) => {
        pub(crate) mod asym1 {
            use super::*;
            $(
                pub mod $m {
                    use super::*;

                    #[stencil(mode = $mode, cval = current_cval())]
                    pub fn k(x: Rel<f64>) -> f64 {
                        x[-2] * 1.5 - x[0] * 0.25 + x[1] * 2.0
                    }

                    pub fn call(x: ArrayViewD<'_, f64>) -> Result<ArrayD<f64>, KernelError> {
                        k(&x)
                    }
                }
            )*
            pub const TABLE: [Run; 7] = [$($m::call),*];
        }
        pub(crate) mod asym2 {
            use super::*;
            asym!(@outer [$($m $mode),*] $($m $mode),*);
        }
    };
}

asym!(
    skip "skip", constant "constant", nearest "nearest", reflect "reflect", mirror "mirror",
    wrap "wrap", valid "valid"
);

/// Runs `asym1` (`modes.len() == 1`) or `asym2` on `x` and checks it against the reference.
#[track_caller]
pub(crate) fn check_asym(x: &ArrayViewD<'_, f64>, modes: &[usize], cval: f64, what: &str) {
    set_cval(cval);
    let hand: Vec<Mode> = modes.iter().map(|&m| MODES[m]).collect();
    let what = format!(
        "{what}: modes {hand:?}, cval {cval}, strides {:?}",
        x.strides()
    );
    let (run, footprint, body): (Run, _, fn(Read<'_, f64>) -> f64) = match modes {
        [m] => (asym1::TABLE[*m], ASYM1, asym1_ref),
        [m0, m1] => (asym2::TABLE[*m0][*m1], ASYM2, asym2_ref),
        _ => unreachable!(),
    };
    let got = run(x.view()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let want = naive(x, &hand, footprint, (cval, cval), body);
    assert_same(&got, &want, &what);
}

/// Small, empty, single-element, strided, reversed, transposed and Fortran-order arrays.
pub(crate) fn awkward_2d() -> Vec<(String, ArrayD<f64>)> {
    let mut cases: Vec<(String, ArrayD<f64>)> = [
        (0, 0),
        (0, 5),
        (5, 0),
        (1, 1),
        (1, 6),
        (6, 1),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 3),
        (7, 9),
    ]
    .into_iter()
    .map(|(r, c)| (format!("{r}x{c}"), grid(&[r, c], r + c, false)))
    .collect();
    cases.push(("fortran 6x8".into(), grid(&[6, 8], 1, true)));
    let strided = grid2(13, 10, 2).slice_move(s![..;2, ..;-1]);
    cases.push(("s![..;2, ..;-1] of 13x10".into(), strided.into_dyn()));
    let transposed = grid2(9, 7, 3).reversed_axes();
    cases.push(("transposed 9x7".into(), transposed.into_dyn()));
    let rows = grid2(11, 8, 4).slice_move(s![3..;-3, 1..7]);
    cases.push(("s![3..;-3, 1..7] of 11x8".into(), rows.into_dyn()));
    cases
}

pub(crate) fn awkward_1d() -> Vec<(String, ArrayD<f64>)> {
    let mut cases: Vec<(String, ArrayD<f64>)> = [0, 1, 2, 3, 4, 5, 11]
        .into_iter()
        .map(|n| (format!("length {n}"), grid(&[n], n, false)))
        .collect();
    let reversed = grid(&[11], 5, false).slice_move(s![..;-1]);
    cases.push(("s![..;-1]".into(), reversed.into_dyn()));
    let strided = grid(&[20], 6, false).slice_move(s![1..;3]);
    cases.push(("s![1..;3]".into(), strided.into_dyn()));
    let column = grid2(7, 5, 7).slice_move(s![.., 2]);
    cases.push(("a column".into(), column.into_dyn()));
    cases
}

#[test]
fn every_mode_pair_on_awkward_2d_inputs() {
    for (what, x) in awkward_2d() {
        for m0 in 0..7 {
            for m1 in 0..7 {
                for cval in [0.0, -2.5] {
                    check_asym(&x.view(), &[m0, m1], cval, &what);
                }
            }
            // A 1-D stencil on a 2-D array: rows are a stack.
            check_asym(
                &x.view(),
                &[m0],
                4.25,
                &format!("{what} as a stack of rows"),
            );
        }
    }
}

#[test]
fn every_mode_on_awkward_1d_inputs() {
    for (what, x) in awkward_1d() {
        for m in 0..7 {
            for cval in [0.0, 3.5] {
                check_asym(&x.view(), &[m], cval, &what);
            }
        }
    }
}

#[test]
fn stacks_equal_per_plane_results() {
    let x = grid(&[4, 7, 9], 8, false);
    for (m0, row) in asym2::TABLE.iter().enumerate() {
        for (m1, &run) in row.iter().enumerate() {
            set_cval(-1.25);
            let got = run(x.view()).unwrap();
            for plane in 0..4 {
                let one = run(x.index_axis(Axis(0), plane)).unwrap();
                assert_same(
                    &got.index_axis(Axis(0), plane).to_owned(),
                    &one,
                    &format!("plane {plane}, modes {:?}", (MODES[m0], MODES[m1])),
                );
            }
            check_asym(&x.view(), &[m0, m1], -1.25, "stack 4x7x9");
        }
    }
    // Two loop axes, and a reversed stack.
    let x = grid(&[2, 3, 5, 4], 9, false);
    check_asym(&x.view(), &[3, 5], 0.0, "stack 2x3x5x4");
    let x = grid(&[3, 6, 5], 10, false)
        .slice_move(s![..;-1, .., ..;-1])
        .into_dyn();
    check_asym(&x.view(), &[0, 4], 1.0, "reversed stack");
}

// ---------------------------------------------------------------------------------------
// Random shapes and modes
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn random_shapes_and_modes_match_the_reference(
        shape in prop::collection::vec(0usize..12, 1..=2),
        modes in prop::collection::vec(0usize..7, 2),
        cval in -10.0f64..10.0,
        seed in 0usize..50,
        flip in any::<bool>(),
    ) {
        let mut x = grid(&shape, seed, false);
        if flip {
            x.invert_axis(Axis(0));
        }
        check_asym(&x.view(), &modes[..shape.len()], cval, &format!("{shape:?}"));
        if shape.len() == 2 {
            check_asym(&x.view(), &modes[1..], cval, &format!("{shape:?} as rows"));
            check_asym(&x.t().into_dyn(), &modes, cval, &format!("{shape:?} transposed"));
        }
    }
}
