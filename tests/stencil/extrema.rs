//! Window maxima and minima: bodies recognised as the `.max`/`.min` of a set of taps with an
//! epilogue run in passes when the taps form a box, and must give exactly what the direct
//! path gives (compared bit for bit with `linear::direct_only`) and what a naive loop gives.
//! Bodies that only look like one must never be taken for one.

#![allow(
    clippy::cast_lossless,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    reason = "kernels spelled with `as` as users write them"
)]

use ndarray::{Array2, ArrayD, IxDyn, ShapeBuilder, s};
use ndkernel::prelude::*;
use ndkernel::stencil::linear::{Evaluation, FoldKind};

use super::linear::same;
use proptest::prelude::*;

/// Small bytes with rare peaks up to 255, in either memory order: the maximum of a window
/// depends on which taps it reads (of uniform bytes it is nearly always about 255).
fn bytes(shape: &[usize], seed: u64, fortran: bool) -> ArrayD<u8> {
    let value = |index: IxDyn| {
        let mut v = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for &i in index.slice() {
            v = (v ^ i as u64).wrapping_mul(0x100_0000_01B3);
        }
        let v = v >> 40;
        if v.is_multiple_of(41) {
            128 + (v >> 8) as u8 % 128
        } else {
            (v >> 8) as u8 % 64
        }
    };
    if fortran {
        ArrayD::from_shape_fn(IxDyn(shape).f(), value)
    } else {
        ArrayD::from_shape_fn(IxDyn(shape), value)
    }
}

/// Where the taps are: rows `lo0..=hi0` every `step0`, columns `lo1..=hi1` every `step1`
/// (a box, maybe with holes), and one more tap at `extra` (which may break the box).
#[derive(Clone, Copy, Debug)]
pub struct Taps {
    rows: (isize, isize, usize),
    cols: (isize, isize, usize),
    extra: [isize; 2],
}

/// `MODES[m]`: the largest tap of a `Taps` set, from 0 (the loops' spelling), halved.
macro_rules! dilations {
    ($($name:ident $mode:tt),*) => {
        mod dilations {
            use super::*;
            $(
                #[stencil(
                    mode = $mode,
                    cval = 201,
                    neighborhood = [(t.rows.0, t.rows.1), (t.cols.0, t.cols.1)]
                )]
                pub fn $name(x: Rel<u8>, t: Taps) -> u8 {
                    let mut high = 0;
                    for i in (t.rows.0..=t.rows.1).step_by(t.rows.2) {
                        for j in (t.cols.0..=t.cols.1).step_by(t.cols.2) {
                            high = high.max(x[[i, j]]);
                        }
                    }
                    high = high.max(x[t.extra]);
                    high / 2 + 1
                }
            )*
            pub const MODES: &[Dilation] = &[$(|x, t| $name(x, t)),*];
            pub const FOLDS: &[Option<FoldKind>] = &[$($name::FOLD),*];
        }
    };
}

type Dilation = fn(ndarray::ArrayViewD<'_, u8>, Taps) -> Result<ArrayD<u8>, KernelError>;

dilations!(
    skip "skip", constant "constant", nearest "nearest", reflect "reflect",
    mirror "mirror", wrap "wrap", valid "valid", nearest_wrap ["nearest", "wrap"],
    constant_reflect ["constant", "reflect"], valid_mirror ["valid", "mirror"]
);

/// A 5x5 box: the `extra` tap is inside it.
const BOX5: Taps = Taps {
    rows: (-2, 2, 1),
    cols: (-2, 2, 1),
    extra: [0, 0],
};

#[test]
fn boxes_run_in_passes_and_other_sets_directly() {
    use dilations::nearest::FOLD;
    assert_eq!(FOLD, Some(FoldKind::Max));
    assert!(dilations::FOLDS.iter().all(|f| *f == Some(FoldKind::Max)));
    const { assert!(!dilations::nearest::LINEAR) };
    let evaluation = dilations::nearest_evaluation;
    assert_eq!(evaluation(BOX5), Evaluation::Separable);
    // Nine taps cost less directly.
    let box3 = Taps {
        rows: (-1, 1, 1),
        cols: (-1, 1, 1),
        extra: [1, 1],
    };
    assert_eq!(evaluation(box3), Evaluation::Direct);
    // Holes in whole rows and columns still make a box of the rows and columns read.
    let holes = Taps {
        rows: (-6, 6, 2),
        cols: (-6, 6, 3),
        extra: [0, 3],
    };
    assert_eq!(evaluation(holes), Evaluation::Separable);
    let weights = dilations::nearest_weights(holes).unwrap();
    assert_eq!(weights.array()[[0, 0]], 1);
    assert_eq!(weights.array()[[1, 0]], 0);
    assert_eq!(weights.array()[[0, 1]], 0);
    // One tap outside the rows and columns read is no box.
    let cross = Taps {
        extra: [1, 1],
        ..holes
    };
    assert_eq!(evaluation(cross), Evaluation::Direct);
}

#[test]
fn every_mode_gives_the_direct_result() {
    let shapes: &[&[usize]] = &[
        &[0, 5],
        &[1, 1],
        &[2, 3],
        &[5, 2],
        &[7, 13],
        &[19, 70],
        &[40, 33],
    ];
    let sets = [
        BOX5,
        Taps {
            rows: (-6, 6, 2),
            cols: (-6, 6, 3),
            extra: [0, 3],
        },
        Taps {
            rows: (-1, 4, 1),
            cols: (-7, 0, 1),
            extra: [4, -7],
        },
        Taps {
            rows: (0, 0, 1),
            cols: (-20, 20, 1),
            extra: [0, 0],
        },
        Taps {
            rows: (-3, 3, 1),
            cols: (-3, 3, 1),
            extra: [3, 3],
        },
        // Not a box: directly, or the passes would read the holes.
        Taps {
            rows: (-6, 6, 2),
            cols: (-6, 6, 3),
            extra: [1, 1],
        },
    ];
    for (m, kernel) in dilations::MODES.iter().enumerate() {
        for (k, shape) in shapes.iter().enumerate() {
            let x = bytes(shape, k as u64, k % 2 == 1);
            for t in sets {
                same(|| kernel(x.view(), t), &format!("mode {m} {shape:?} {t:?}"));
            }
        }
    }
}

#[test]
fn the_passes_equal_a_naive_loop() {
    let x = bytes(&[37, 301], 7, false);
    let (rows, cols) = (37isize, 301isize);
    let got = dilations::nearest(x.view(), BOX5).unwrap();
    let want = Array2::from_shape_fn((37, 301), |(i, j)| {
        let mut high = 0u8;
        for di in -2..=2 {
            for dj in -2..=2 {
                let ii = (i as isize + di).clamp(0, rows - 1) as usize;
                let jj = (j as isize + dj).clamp(0, cols - 1) as usize;
                high = high.max(x[[ii, jj]]);
            }
        }
        high / 2 + 1
    });
    assert_eq!(got.into_dimensionality::<ndarray::Ix2>().unwrap(), want);
    // `constant` reads `cval` (201) outside: every border output sees it.
    let got = dilations::constant(x.view(), BOX5).unwrap();
    assert!(got.slice(s![0, ..]).iter().all(|&v| v > 201 / 2));
}

#[test]
fn views_of_any_layout_and_stacks_give_the_direct_result() {
    let x = bytes(&[29, 41], 3, false);
    let x = x.view();
    let kernel = dilations::reflect;
    same(|| kernel(x.t().into_dyn(), BOX5), "transposed");
    same(
        || kernel(x.slice(s![..;-1, ..]).into_dyn(), BOX5),
        "rows reversed",
    );
    same(
        || kernel(x.slice(s![.., ..;-2]).into_dyn(), BOX5),
        "columns reversed, every other",
    );
    same(
        || kernel(x.slice(s![3..20;3, 1..]).into_dyn(), BOX5),
        "sliced",
    );
    let stack = bytes(&[4, 17, 66], 5, false);
    same(|| kernel(stack.view(), BOX5), "stack");
    same(
        || kernel(stack.view().permuted_axes(IxDyn(&[1, 0, 2])), BOX5),
        "permuted stack",
    );
}

#[test]
fn parallel_equals_serial() {
    let x = bytes(&[300, 517], 11, false);
    for kernel in [dilations::wrap, dilations::mirror] {
        let parallel = kernel(x.view(), BOX5).unwrap();
        let serial = ndkernel::dispatch::serial(|| kernel(x.view(), BOX5)).unwrap();
        assert_eq!(parallel, serial);
        same(|| kernel(x.view(), BOX5), "large");
    }
}

/// The smallest of a 5x5 window, cast to a wider type, from a tap-free start that is not
/// the identity (it is a candidate: the body's minimum includes it).
#[stencil(mode = "mirror", neighborhood = [(-2, 2), (-2, 2)])]
fn erode_from(x: Rel<i16>, start: i32) -> i32 {
    let mut low: i32 = start;
    for i in -2..=2 {
        for j in -2..=2 {
            low = std::cmp::min(low, x[[i, j]] as i32);
        }
    }
    low - 1
}

/// The largest of a 3x3x3 box, from its centre tap, with `core::cmp`'s function.
#[stencil(mode = "wrap", neighborhood = [(-1, 1), (-1, 1), (-1, 1)])]
fn dilate3d(x: Rel<u16>) -> u16 {
    let mut high = x[[0, 0, 0]];
    for i in -1..=1 {
        for j in -1..=1 {
            for k in -1..=1 {
                high = core::cmp::max(x[[i, j, k]], high);
            }
        }
    }
    high
}

/// A one-dimensional window maximum of reach `r`.
#[stencil(mode = "reflect", neighborhood = [(-r, r)])]
fn running_max(x: Rel<i64>, r: isize) -> i64 {
    let mut high = i64::MIN;
    for j in -r..=r {
        high = high.max(x[j]);
    }
    high
}

/// A written-out chain of `.min` with an epilogue around it: 25 taps, in passes.
#[stencil(mode = "nearest")]
#[rustfmt::skip]
fn erode_chain(x: Rel<i8>) -> i8 {
    let low = x[[-2, -2]].min(x[[-2, -1]]).min(x[[-2, 0]]).min(x[[-2, 1]]).min(x[[-2, 2]])
        .min(x[[-1, -2]]).min(x[[-1, -1]]).min(x[[-1, 0]]).min(x[[-1, 1]]).min(x[[-1, 2]])
        .min(x[[0, -2]]).min(x[[0, -1]]).min(x[[0, 0]]).min(x[[0, 1]]).min(x[[0, 2]])
        .min(x[[1, -2]]).min(x[[1, -1]]).min(x[[1, 0]]).min(x[[1, 1]]).min(x[[1, 2]])
        .min(x[[2, -2]]).min(x[[2, -1]]).min(x[[2, 0]]).min(x[[2, 1]]).min(x[[2, 2]]);
    low.wrapping_mul(3)
}

#[test]
fn other_spellings_types_and_ranks_give_the_direct_result() {
    assert_eq!(erode_from::FOLD, Some(FoldKind::Min));
    assert_eq!(erode_from_evaluation(0), Evaluation::Separable);
    assert_eq!(dilate3d::FOLD, Some(FoldKind::Max));
    assert_eq!(dilate3d_evaluation(), Evaluation::Separable);
    assert_eq!(running_max::FOLD, Some(FoldKind::Max));
    // Along one axis the passes are the direct path plus a copy.
    assert_eq!(running_max_evaluation(20), Evaluation::Direct);
    assert_eq!(erode_chain::FOLD, Some(FoldKind::Min));
    assert_eq!(erode_chain_evaluation(), Evaluation::Separable);

    // Large values with rare dips, for minima.
    let wide =
        |shape: &[usize], seed: u64| bytes(shape, seed, false).mapv(|v| (255 - v as i16) * 97);
    for (k, shape) in [[0, 3], [1, 1], [6, 9], [31, 45]].iter().enumerate() {
        let x = wide(shape, k as u64);
        for start in [i32::MAX, 0, -5000, 20_000] {
            same(
                || erode_from(&x, start),
                &format!("erode {shape:?} from {start}"),
            );
        }
        let x8 = x.mapv(|v| (v / 97 - 128) as i8);
        same(|| erode_chain(&x8), &format!("chain {shape:?}"));
    }
    // The start takes part: below every tap, it is the result.
    let x = wide(&[9, 9], 1);
    let got = erode_from(&x, -100_000).unwrap();
    assert!(got.iter().all(|&v| v == -100_001));

    for shape in [[0, 2, 2], [1, 1, 1], [3, 4, 5], [9, 11, 40]] {
        let x = bytes(&shape, 2, true).mapv(|v| u16::from(v) * 251);
        same(|| dilate3d(&x), &format!("3-D {shape:?}"));
    }
    for len in [0, 1, 7, 64, 1000] {
        let x = ndarray::Array1::from_shape_fn(len, |i| (i as i64 * 7919) % 1013 - 500);
        for r in [0, 1, 3, 20] {
            same(|| running_max(&x, r), &format!("1-D {len} r={r}"));
        }
    }
}

/// Bodies that are not a maximum or minimum of taps with an epilogue, and one that is but
/// runs directly.
#[allow(dead_code, reason = "kernels defined for their `FOLD` constant")]
mod not_extrema {
    use super::*;

    /// A function of the user's own called `max`: not `cmp::max`.
    fn max(a: u8, b: u8) -> u8 {
        a.wrapping_add(b)
    }

    #[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
    pub fn own_max(x: Rel<u8>) -> u8 {
        let mut acc = 0;
        for i in -2..=2 {
            for j in -2..=2 {
                acc = max(acc, x[[i, j]]);
            }
        }
        acc
    }

    /// A module of the user's own called `cmp`: `cmp::max` is not taken for the standard
    /// one (found in review), nor is `u8::max`, which a module could name too.
    mod cmp {
        pub fn max(a: u8, b: u8) -> u8 {
            a.wrapping_add(b)
        }
    }

    #[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
    pub fn own_cmp(x: Rel<u8>) -> u8 {
        let mut acc = 0;
        for i in -2..=2 {
            for j in -2..=2 {
                acc = cmp::max(acc, x[[i, j]]);
            }
        }
        acc
    }

    #[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
    pub fn type_path(x: Rel<u8>) -> u8 {
        let mut acc = 0;
        for i in -2..=2 {
            for j in -2..=2 {
                acc = u8::max(acc, x[[i, j]]);
            }
        }
        acc
    }

    /// Each term is a tap plus one: not a tap.
    #[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
    pub fn shifted(x: Rel<u8>) -> u8 {
        let mut acc = 0;
        for i in -2..=2 {
            for j in -2..=2 {
                acc = acc.max(x[[i, j]].wrapping_add(1));
            }
        }
        acc
    }

    /// A maximum and a minimum mixed.
    #[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
    pub fn mixed(x: Rel<u8>) -> u8 {
        let mut acc = 0;
        for i in -2..=2 {
            for j in -2..=2 {
                acc = acc.max(x[[i, j]]).min(x[[0, 0]]);
            }
        }
        acc
    }

    /// The accumulator twice in one update.
    #[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
    pub fn twice(x: Rel<u8>) -> u8 {
        let mut acc = 0;
        for i in -2..=2 {
            for j in -2..=2 {
                acc = acc.max(x[[i, j]]).max(acc);
            }
        }
        acc
    }

    /// A float maximum is recognised, and runs directly.
    #[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
    pub fn float_max(x: Rel<f32>) -> f32 {
        let mut acc = f32::NEG_INFINITY;
        for i in -2..=2 {
            for j in -2..=2 {
                acc = acc.max(x[[i, j]]);
            }
        }
        acc
    }
}

/// A float maximum allowed to take the passes.
#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)], reassociate = true)]
fn float_dilate(x: Rel<f64>, r: isize) -> f64 {
    let mut acc = f64::NEG_INFINITY;
    for i in -r..=r {
        for j in -r..=r {
            acc = acc.max(x[[i, j]]);
        }
    }
    acc
}

#[test]
fn float_maxima_take_the_passes_when_allowed() {
    assert_eq!(float_dilate_evaluation(2), Evaluation::Separable);
    // Without zeros of both signs or windows of NaN alone, exactly the body: NaNs among
    // numbers are passed over alike, infinities kept.
    let mut x = bytes(&[23, 57], 9, false).mapv(|v| f64::from(v) - 31.5);
    x[[4, 7]] = f64::NAN;
    x[[10, 0]] = f64::INFINITY;
    x[[20, 50]] = f64::NEG_INFINITY;
    for r in [1, 2, 4] {
        same(|| float_dilate(&x, r), &format!("floats r={r}"));
    }
    // A window of NaN alone: the passes give their start, -inf, as the body does with
    // this accumulator's start.
    let nan = ndarray::Array2::from_elem((6, 6), f64::NAN);
    let got = float_dilate(&nan, 2).unwrap();
    assert!(got.iter().all(|&v| v == f64::NEG_INFINITY));
}

/// Found in review: the start is the value `lo` has where the accumulator is bound, not
/// after a later `let` shadows it.
#[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
fn floor_max(x: Rel<u8>, lo: u8) -> u8 {
    let mut m = lo;
    let lo = lo / 2;
    for i in -2..=2 {
        for j in -2..=2 {
            m = m.max(x[[i, j]]);
        }
    }
    m.max(lo)
}

/// Found in review: a start that is not `Sync` (the epilogue takes its value, not the cell).
#[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2)])]
fn from_cell(x: Rel<u8>, s: u8) -> u8 {
    let c = std::cell::Cell::new(s);
    let mut m = c.get();
    for i in -2..=2 {
        for j in -2..=2 {
            m = m.max(x[[i, j]]);
        }
    }
    m
}

/// Found in review: a mutable local bound before a written-out chain and changed after it
/// compiles (the statements before are not the epilogue's), and runs directly.
#[stencil(mode = "nearest")]
fn changed_after(x: Rel<u8>) -> u8 {
    let mut hi = 10u8;
    let c = x[[-1, 0]].max(x[[1, 0]]).max(x[[0, -1]]).max(x[[0, 1]]);
    hi = hi.max(c);
    hi
}

#[test]
fn review_cases() {
    assert_eq!(floor_max_evaluation(100), Evaluation::Separable);
    let zeros = ndarray::Array2::<u8>::zeros((5, 5));
    assert!(floor_max(&zeros, 100).unwrap().iter().all(|&v| v == 100));
    let x = bytes(&[13, 29], 6, false);
    for lo in [0, 30, 100, 255] {
        same(|| floor_max(&x, lo), &format!("shadowed start {lo}"));
        same(|| from_cell(&x, lo), &format!("start from a cell {lo}"));
    }
    assert_eq!(from_cell_evaluation(0), Evaluation::Separable);
    assert_eq!(changed_after::FOLD, None);
    let want = ndarray::Array2::from_shape_fn((13, 29), |(i, j)| {
        let at = |di: isize, dj: isize| {
            x[[
                (i as isize + di).clamp(0, 12) as usize,
                (j as isize + dj).clamp(0, 28) as usize,
            ]]
        };
        10u8.max(at(-1, 0).max(at(1, 0)).max(at(0, -1)).max(at(0, 1)))
    });
    assert_eq!(
        changed_after(&x)
            .unwrap()
            .into_dimensionality::<ndarray::Ix2>()
            .unwrap(),
        want
    );
}

#[test]
fn other_bodies_are_not_taken_for_extrema() {
    use not_extrema::*;
    assert_eq!(own_max::FOLD, None);
    assert_eq!(own_cmp::FOLD, None);
    assert_eq!(type_path::FOLD, None);
    assert_eq!(shifted::FOLD, None);
    assert_eq!(mixed::FOLD, None);
    assert_eq!(twice::FOLD, None);
    assert_eq!(float_max::FOLD, Some(FoldKind::Max));
    assert_eq!(float_max_evaluation(), Evaluation::Direct);
    let x = bytes(&[6, 7], 4, false);
    let want = Array2::from_shape_fn((6, 7), |(i, j)| {
        let mut acc = 0u8;
        for di in -2..=2isize {
            for dj in -2..=2isize {
                let ii = (i as isize + di).clamp(0, 5) as usize;
                let jj = (j as isize + dj).clamp(0, 6) as usize;
                acc = acc.wrapping_add(x[[ii, jj]]);
            }
        }
        acc
    });
    assert_eq!(
        own_max(&x)
            .unwrap()
            .into_dimensionality::<ndarray::Ix2>()
            .unwrap(),
        want
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Generated tap sets, shapes, layouts and modes.
    #[test]
    fn generated_tap_sets_give_the_direct_result(
        rows in 0usize..30,
        cols in 0usize..80,
        lo0 in -6isize..=0, hi0 in 0isize..=6, step0 in 1usize..4,
        lo1 in -9isize..=0, hi1 in 0isize..=9, step1 in 1usize..4,
        extra in (-4isize..=4, -9isize..=9),
        mode in 0usize..10,
        seed in 0u64..1000,
    ) {
        let x = bytes(&[rows, cols], seed, seed % 2 == 0);
        let t = Taps {
            rows: (lo0, hi0, step0),
            cols: (lo1, hi1, step1),
            extra: [extra.0.clamp(lo0, hi0), extra.1.clamp(lo1, hi1)],
        };
        same(|| dilations::MODES[mode](x.view(), t), &format!("{t:?} mode {mode}"));
    }
}
