//! Threads: every schedule gives the serial result, chunk edges land anywhere, and `_into`
//! writes outputs of any layout.

use ndarray::{IxDyn, ShapeBuilder};
use ndkernel::dispatch;
use ndkernel::prelude::*;

use crate::mode_pairs::{ASYM1, ASYM2, asym1, asym1_ref, asym2, asym2_ref, check_asym};
use crate::named_kernels::{ONE, affine, affine_into, affine_ref};
use crate::numba::mean;
use crate::reference::{Mode, naive};
use crate::{assert_same, grid, grid2, set_cval};

/// Runs `f` normally, serially, and in pools of 1 and 3 threads.
fn every_schedule<R: Send>(f: impl Fn() -> R + Send + Sync) -> [R; 4] {
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    [
        f(),
        dispatch::serial(&f),
        pool(1).install(&f),
        pool(3).install(&f),
    ]
}

#[test]
fn parallel_results_equal_serial_ones() {
    let x = grid2(300, 1000, 15);
    let [plain, rest @ ..] = every_schedule(|| affine(&x, 0.75, 2, false).unwrap());
    for other in rest {
        assert_same(&other, &plain.clone().into_dyn(), "affine 300x1000");
    }
    let modes = [Mode::Reflect, Mode::Wrap];
    let want = naive(
        &x.view().into_dyn(),
        &modes,
        (&[0, -1], &[1, 1]),
        (0.0, 0.0),
        |r| affine_ref(r, 0.75, 2, false),
    );
    assert_same(&plain, &want, "affine 300x1000 against the reference");
    let [plain, rest @ ..] = every_schedule(|| mean(&x).unwrap());
    for other in rest {
        assert_same(&other, &plain.clone().into_dyn(), "mean 300x1000");
    }

    let stack = grid(&[8, 200, 300], 16, false);
    for (m0, m1) in [(0, 0), (3, 5), (6, 1), (4, 6)] {
        set_cval(0.5);
        let run = asym2::TABLE[m0][m1];
        let [plain, rest @ ..] = every_schedule(|| {
            set_cval(0.5);
            run(stack.view()).unwrap()
        });
        for other in rest {
            assert_same(&other, &plain, "asym2 8x200x300");
        }
        check_asym(&stack.view(), &[m0, m1], 0.5, "8x200x300");
    }

    // One long row, split into segments.
    let long = grid(&[300_001], 17, false);
    for m in [0, 3, 6] {
        let [plain, rest @ ..] = every_schedule(|| {
            set_cval(-1.0);
            asym1::TABLE[m](long.view()).unwrap()
        });
        for other in rest {
            assert_same(&other, &plain, "asym1 300001");
        }
        check_asym(&long.view(), &[m], -1.0, "300001");
    }
}

/// The `asym2` kernel cut into chunks of any size: chunk edges land anywhere in a row.
#[stencil(mode = ["skip", "reflect"], grain = 1, cval = -3.0)]
fn fine(x: Rel<f64>) -> f64 {
    x[[-2, 0]] * 1.5 - x[[0, -1]] * 0.25 + x[[1, 0]] * 2.0 + x[[0, 0]]
}

#[stencil(mode = "mirror", grain = 1)]
fn fine1(x: Rel<f64>) -> f64 {
    x[-2] * 1.5 - x[0] * 0.25 + x[1] * 2.0
}

#[stencil(mode = "wrap", parallel = false)]
fn never_parallel(x: Rel<f64>) -> f64 {
    x[-2] * 1.5 - x[0] * 0.25 + x[1] * 2.0
}

#[test]
fn fine_chunks_equal_the_reference() {
    for shape in [&[5, 37][..], &[40, 3], &[2, 3, 50], &[1, 1]] {
        let x = grid(shape, 20, false);
        let modes = [Mode::Skip, Mode::Reflect];
        let want = naive(&x.view(), &modes, ASYM2, (0.0, -3.0), asym2_ref);
        for got in every_schedule(|| fine(&x).unwrap()) {
            assert_same(&got, &want, &format!("fine {shape:?}"));
        }
    }
    for n in [0, 1, 2, 3, 1000] {
        let x = grid(&[n], 21, false);
        let want = naive(&x.view(), &[Mode::Mirror], ASYM1, (0.0, 0.0), asym1_ref);
        for got in every_schedule(|| fine1(&x).unwrap()) {
            assert_same(&got, &want, &format!("fine1 {n}"));
        }
        let want = naive(&x.view(), &[Mode::Wrap], ASYM1, (0.0, 0.0), asym1_ref);
        for got in every_schedule(|| never_parallel(&x).unwrap()) {
            assert_same(&got, &want, &format!("never_parallel {n}"));
        }
    }
}

#[test]
fn into_writes_any_output_layout() {
    let x = grid2(9, 11, 19);
    let want = affine(&x, 0.5, 1, false).unwrap().into_dyn();
    let mut fortran = Array2::zeros((9, 11).f());
    affine_into(&x, 0.5, 1, false, &mut fortran).unwrap();
    assert_same(&fortran, &want, "Fortran-order out");
    let mut big = Array2::from_elem((18, 11), f64::NAN);
    affine_into(&x, 0.5, 1, false, &mut big.slice_mut(s![..;-2, ..;-1])).unwrap();
    let written = big.slice(s![..;-2, ..;-1]).to_owned();
    assert_same(&written, &want, "strided, reversed out");
    assert!(
        big.slice(s![..;2, ..]).iter().all(|v| v.is_nan()),
        "rows not in out"
    );
    let mut out = ArrayD::zeros(IxDyn(&[9, 11]));
    affine_into(x.t().t(), 0.5, 1, false, &mut out).unwrap();
    assert_same(&out, &want, "IxDyn out");
}

#[test]
fn empty_stacks() {
    for shape in [&[0, 7, 9][..], &[3, 0, 4], &[3, 4, 0], &[0, 0, 0]] {
        let x = grid(shape, 22, false);
        for m0 in 0..7 {
            for m1 in 0..7 {
                check_asym(&x.view(), &[m0, m1], 1.0, &format!("{shape:?}"));
            }
        }
    }
}

/// The relative parameter need not come first in the kernel's signature.
#[stencil(mode = "nearest")]
fn rel_second(k: f64, x: Rel<f64>) -> f64 {
    k * x[-1] + x[1]
}

/// The generated functions take their arguments in the order the kernel declares them.
#[test]
fn relative_parameter_second() {
    let x = grid(&[6], 23, false);
    let want = naive(&x.view(), &[Mode::Nearest], ONE, (0.0, 0.0), |r| {
        2.0 * r(&[-1]) + r(&[1])
    });
    assert_same(&rel_second(2.0, &x).unwrap(), &want, "rel_second");
}
