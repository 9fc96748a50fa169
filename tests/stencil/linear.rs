//! Linear stencils: bodies recognised as a weighted sum of taps with an epilogue run in
//! passes (separable, running sums), which must give exactly what the direct path gives for
//! integers (compared bit for bit with `linear::direct_only`, the direct path being checked
//! against the naive reference and SciPy elsewhere), and stay within the documented bound
//! for floats that allow reassociation. Bodies that are not linear must never be taken for
//! one.

#![allow(
    clippy::cast_lossless,
    clippy::assertions_on_constants,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "kernels spelled with `as` as users write them; constants checked as metadata"
)]

use ndarray::{Array, ArrayD, IxDyn, ShapeBuilder, s};
use ndkernel::prelude::*;
use ndkernel::stencil::linear::{Evaluation, SEED, direct_only};
use proptest::prelude::*;

/// Values that wrap around no `i32` sum of a few dozen weighted taps.
fn ints<T: TryFrom<i64>>(shape: &[usize], seed: i64, fortran: bool) -> ArrayD<T>
where
    T::Error: std::fmt::Debug,
{
    let value = |index: IxDyn| {
        let mut v = seed * 131;
        for (axis, &i) in index.slice().iter().enumerate() {
            v = v * 31 + (i as i64 + 3) * (7 + 5 * axis as i64);
        }
        T::try_from(v.rem_euclid(251) - 125).unwrap()
    };
    if fortran {
        ArrayD::from_shape_fn(IxDyn(shape).f(), value)
    } else {
        ArrayD::from_shape_fn(IxDyn(shape), value)
    }
}

/// The fast path, then the direct one, compared bit for bit.
#[track_caller]
pub(super) fn same<T: PartialEq + std::fmt::Debug, D: ndarray::Dimension>(
    run: impl Fn() -> Result<Array<T, D>, KernelError>,
    what: &str,
) {
    let fast = run();
    let direct = direct_only(&run);
    match (fast, direct) {
        (Ok(fast), Ok(direct)) => {
            assert_eq!(fast.shape(), direct.shape(), "{what}: shape");
            for ((i, f), d) in fast.indexed_iter().zip(&direct) {
                assert_eq!(f, d, "{what}: at {i:?}");
            }
        }
        (fast, direct) => assert_eq!(
            fast.map(|_| ()).map_err(|e| e.to_string()),
            direct.map(|_| ()).map_err(|e| e.to_string()),
            "{what}"
        ),
    }
}

const A: [i32; 6] = [1, -2, 3, 1, 2, -1];
const B: [i32; 6] = [2, 1, 0, 5, -3, 1];

/// `TABLE[m0][m1]`: for modes `(MODES[m0], MODES[m1])`, a box of reach `r` written as
/// loops (running sums) and an asymmetric separable kernel from two weight tables.
macro_rules! pairs {
    (@row $a:ident $amode:tt [$($b:ident $bmode:tt),*]) => {
        pub mod $a {
            use super::*;
            $(
                pub mod $b {
                    use super::*;

                    #[stencil(mode = [$amode, $bmode], cval = 7, neighborhood = [(-r, r), (-r, r)])]
                    pub fn boxr(x: Rel<i16>, r: isize) -> i32 {
                        let mut acc = 0;
                        for i in -r..=r {
                            for j in -r..=r {
                                acc += x[[i, j]] as i32;
                            }
                        }
                        acc / 3 - 1
                    }

                    #[stencil(mode = [$amode, $bmode], cval = -3, neighborhood = [(-3, 2), (-2, 3)])]
                    pub fn sep(x: Rel<i32>) -> i32 {
                        let mut acc = 0;
                        for i in 0..6 {
                            for j in 0..6 {
                                acc += A[i] * B[j] * x[[i as isize - 3, j as isize - 2]];
                            }
                        }
                        acc.wrapping_mul(3)
                    }

                    pub fn calls() -> (Box2, Sep2) {
                        (|x, r| boxr(x, r), |x| sep(x))
                    }
                }
            )*
            pub const ROW: [fn() -> (Box2, Sep2); 7] = [$($b::calls),*];
        }
    };
    (@outer $all:tt $($m:ident $mode:tt),*) => {
        $(pairs!(@row $m $mode $all);)*
        pub const TABLE: [[fn() -> (Box2, Sep2); 7]; 7] = [$($m::ROW),*];
    };
    ($($m:ident $mode:tt),*) => {
        mod pairs {
            use super::*;
            pairs!(@outer [$($m $mode),*] $($m $mode),*);
        }
    };
}

type Box2 = fn(ndarray::ArrayViewD<'_, i16>, isize) -> Result<ArrayD<i32>, KernelError>;
type Sep2 = fn(ndarray::ArrayViewD<'_, i32>) -> Result<ArrayD<i32>, KernelError>;

pairs!(
    skip "skip", constant "constant", nearest "nearest", reflect "reflect", mirror "mirror",
    wrap "wrap", valid "valid"
);

#[test]
fn passes_are_chosen_where_they_pay() {
    use pairs::reflect::wrap::{boxr, boxr_evaluation, sep, sep_evaluation, sep_weights};
    assert!(boxr::LINEAR && sep::LINEAR);
    // Nine taps cost less directly than in passes; 25 and more do not.
    assert_eq!(boxr_evaluation(1), Evaluation::Direct);
    assert_eq!(boxr_evaluation(2), Evaluation::RunningSums);
    assert_eq!(boxr_evaluation(20), Evaluation::RunningSums);
    assert_eq!(sep_evaluation(), Evaluation::Separable);
    let w = sep_weights().unwrap();
    assert_eq!(w.array().shape(), [6, 6]);
    assert_eq!(w.array()[[0, 3]], A[0] * B[3]);
    assert_eq!(w.array()[[1, 2]], 0);
}

#[test]
fn every_mode_pair_gives_the_direct_result() {
    let shapes: &[&[usize]] = &[
        &[0, 5],
        &[1, 1],
        &[2, 3],
        &[5, 2],
        &[7, 13],
        &[19, 40],
        &[2, 9, 11],
    ];
    for (m0, row) in pairs::TABLE.iter().enumerate() {
        for (m1, calls) in row.iter().enumerate() {
            let (boxr, sep) = calls();
            for (k, shape) in shapes.iter().enumerate() {
                let x16 = ints::<i16>(shape, k as i64, k % 2 == 1);
                let x32 = ints::<i32>(shape, k as i64 + 9, false);
                for r in [0, 1, 2, 5] {
                    same(
                        || boxr(x16.view(), r),
                        &format!("box r={r} modes {m0},{m1} {shape:?}"),
                    );
                }
                same(
                    || sep(x32.view()),
                    &format!("sep modes {m0},{m1} {shape:?}"),
                );
            }
        }
    }
}

#[test]
fn views_of_any_layout_give_the_direct_result() {
    use pairs::mirror::constant::{boxr, sep};
    let x = ints::<i16>(&[23, 31], 3, false);
    let y = ints::<i32>(&[23, 31], 4, false);
    let x = x.view();
    let y = y.view();
    same(|| boxr(x.t(), 2), "transposed");
    same(|| boxr(x.slice(s![..;-1, ..]), 2), "rows reversed");
    same(
        || boxr(x.slice(s![.., ..;-2]), 2),
        "columns reversed, every other",
    );
    same(|| boxr(x.slice(s![3..20;3, 1..]), 3), "sliced");
    same(|| sep(y.t()), "transposed");
    same(|| sep(y.slice(s![..;-1, ..;-1])), "both reversed");
    // A stack of images, as seed 002's smoothing runs.
    let stack = ints::<i16>(&[4, 17, 26], 5, false);
    same(|| boxr(stack.view(), 1), "stack");
    same(
        || boxr(stack.view().permuted_axes(IxDyn(&[1, 0, 2])), 1),
        "permuted stack",
    );
}

#[test]
fn parallel_equals_serial() {
    use pairs::reflect::reflect::{boxr, sep};
    let x = ints::<i16>(&[300, 700], 6, false);
    let y = ints::<i32>(&[300, 700], 7, false);
    for r in [1, 4, 30] {
        let parallel = boxr(x.view(), r).unwrap();
        let serial = ndkernel::dispatch::serial(|| boxr(x.view(), r)).unwrap();
        assert_eq!(parallel, serial);
        same(|| boxr(x.view(), r), "big box");
    }
    let parallel = sep(y.view()).unwrap();
    assert_eq!(
        parallel,
        ndkernel::dispatch::serial(|| sep(y.view())).unwrap()
    );
    same(|| sep(y.view()), "big separable");
}

macro_rules! by_mode {
    ($($m:ident $mode:tt),*) => {
        /// One dimension: a box of reach `r` in `u16` of `u8` taps.
        mod line {
            use super::*;
            $(
                #[stencil(mode = $mode, cval = 1, neighborhood = [(-r, r)])]
                pub fn $m(x: Rel<u8>, r: isize) -> u16 {
                    let mut s = 0u16;
                    for i in -r..=r {
                        s += x[i] as u16;
                    }
                    s
                }
            )*
            pub const TABLE: [fn(ndarray::ArrayViewD<'_, u8>, isize) -> Result<ArrayD<u16>, KernelError>; 7] = [$(|x, r| $m(x, r)),*];
        }
        /// Three dimensions: a 3x3x3 box written out as loops, and a 3-D binomial.
        mod volume {
            use super::*;
            $(
                pub mod $m {
                    use super::*;

                    #[stencil(mode = $mode, cval = 2, neighborhood = [(-1, 1), (-1, 1), (-1, 1)])]
                    pub fn cube(x: Rel<i32>) -> i32 {
                        let mut s = 0;
                        for i in -1..=1 {
                            for j in -1..=1 {
                                for k in -1..=1 {
                                    s += x[[i, j, k]];
                                }
                            }
                        }
                        s - 5
                    }

                    #[stencil(mode = $mode, cval = 2, neighborhood = [(-1, 1), (-1, 1), (-1, 1)])]
                    pub fn binomial(x: Rel<i32>) -> i32 {
                        let mut s = 0;
                        for i in -1..=1isize {
                            for j in -1..=1isize {
                                for k in -1..=1isize {
                                    let w = (2 - i.abs()) * (2 - j.abs()) * (2 - k.abs());
                                    s += w as i32 * x[[i, j, k]];
                                }
                            }
                        }
                        s >> 6
                    }
                }
            )*
            pub const TABLE: [(fn(ndarray::ArrayViewD<'_, i32>) -> Result<ArrayD<i32>, KernelError>, fn(ndarray::ArrayViewD<'_, i32>) -> Result<ArrayD<i32>, KernelError>); 7] = [$((|x| $m::cube(x), |x| $m::binomial(x))),*];
        }
    };
}

by_mode!(
    skip "skip", constant "constant", nearest "nearest", reflect "reflect", mirror "mirror",
    wrap "wrap", valid "valid"
);

#[test]
fn one_and_three_dimensions_give_the_direct_result() {
    assert_eq!(line::reflect_evaluation(3), Evaluation::Direct);
    assert_eq!(line::reflect_evaluation(20), Evaluation::RunningSums);
    assert_eq!(volume::wrap::cube_evaluation(), Evaluation::RunningSums);
    assert_eq!(volume::wrap::binomial_evaluation(), Evaluation::Separable);
    for (m, (&line, &(cube, binomial))) in line::TABLE.iter().zip(&volume::TABLE).enumerate() {
        for shape in [&[0][..], &[1], &[4], &[37], &[3, 65]] {
            let x = ints::<i16>(shape, 2, false).mapv(|v| (v + 125) as u8);
            for r in [0, 1, 3, 20] {
                same(
                    || line(x.view(), r),
                    &format!("line mode {m} r={r} {shape:?}"),
                );
            }
        }
        for shape in [
            &[0, 2, 2][..],
            &[1, 1, 1],
            &[2, 3, 4],
            &[6, 7, 9],
            &[2, 5, 6, 7],
        ] {
            let x = ints::<i32>(shape, 3, m % 2 == 0);
            same(|| cube(x.view()), &format!("cube mode {m} {shape:?}"));
            same(
                || binomial(x.view()),
                &format!("binomial mode {m} {shape:?}"),
            );
        }
    }
}

/// The 3x3 mean of seed 002, written out in `i16`.
#[stencil(mode = "nearest")]
fn smooth(x: Rel<i8>) -> i8 {
    ((x[[-1, -1]] as i16
        + x[[-1, 0]] as i16
        + x[[-1, 1]] as i16
        + x[[0, -1]] as i16
        + x[[0, 0]] as i16
        + x[[0, 1]] as i16
        + x[[1, -1]] as i16
        + x[[1, 0]] as i16
        + x[[1, 1]] as i16)
        / 9) as i8
}

/// A Sobel derivative written out with `-` and weights on both sides.
#[stencil(mode = "reflect")]
fn sobel_x(x: Rel<u8>) -> i16 {
    let gx = x[[-1, 1]] as i16 - x[[-1, -1]] as i16 + 2 * x[[0, 1]] as i16 - x[[0, -1]] as i16 * 2
        + x[[1, 1]] as i16
        - x[[1, -1]] as i16;
    gx.abs()
}

/// A sum then a constant: `(a + b + ..) + 1` is the sum's epilogue.
#[stencil(mode = "constant", cval = 3)]
#[rustfmt::skip]
fn sum_then_one(x: Rel<i32>) -> i32 {
    x[[0, -7]] + x[[0, -6]] + x[[0, -5]] + x[[0, -4]] + x[[0, -3]] + x[[0, -2]] + x[[0, -1]]
        + x[[0, 0]] + x[[0, 1]] + x[[0, 2]] + x[[0, 3]] + x[[0, 4]] + x[[0, 5]] + x[[0, 6]]
        + x[[0, 7]] + 1
}

#[test]
fn written_out_sums_are_recognised() {
    assert!(smooth::LINEAR && sobel_x::LINEAR && sum_then_one::LINEAR);
    // Nine taps run directly: passes cost as much.
    assert_eq!(smooth_evaluation(), Evaluation::Direct);
    assert_eq!(sum_then_one_evaluation(), Evaluation::RunningSums);
    let y = ints::<i32>(&[9, 30], 11, false);
    same(|| sum_then_one(&y), "sum then one");
    let w = sobel_x_weights().unwrap();
    assert_eq!(
        w.array().into_dimensionality::<ndarray::Ix2>().unwrap(),
        ndarray::array![[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    );
    // Separable, but six taps cost less than passes of three and two.
    assert_eq!(sobel_x_evaluation(), Evaluation::Direct);
    let x = ints::<i16>(&[33, 47], 8, false).mapv(|v| v as i8);
    same(|| smooth(&x), "smooth");
    let stack = ints::<i16>(&[3, 9, 300], 9, false).mapv(|v| v as i8);
    same(|| smooth(&stack), "smooth stack");
    let u = ints::<i16>(&[33, 47], 10, false).mapv(|v| (v + 125) as u8);
    same(|| sobel_x(&u), "sobel");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Generated weights, reaches and shapes, over two modes taken at random.
    #[test]
    fn generated_weights_give_the_direct_result(
        rows in 0usize..24,
        cols in 0usize..40,
        reach in (0isize..3, 0isize..3, 0isize..3, 0isize..3),
        a in proptest::collection::vec(-3i32..4, 7),
        b in proptest::collection::vec(-3i32..4, 7),
        dense in proptest::collection::vec(-3i32..4, 49),
        modes in (0usize..7, 0usize..7),
        seed in 0i64..100,
    ) {
        let x = ints::<i32>(&[rows, cols], seed, seed % 2 == 0);
        let (lo0, hi0, lo1, hi1) = (-reach.0, reach.1, -reach.2, reach.3);
        let table = |w: &dyn Fn(usize, usize) -> i32| {
            Table(std::array::from_fn(|i| std::array::from_fn(|j| w(i, j))))
        };
        let run = |weights: Table| {
            generated::TABLE[modes.0][modes.1](x.view(), (lo0, hi0, lo1, hi1), weights)
        };
        same(|| run(table(&|i, j| a[i] * b[j])), "separable");
        same(|| run(table(&|i, j| dense[i * 7 + j])), "any weights");
        same(|| run(table(&|_, _| a[0])), "one weight");
    }
}

/// Kernels whose weights come from a function parameter, for generated weights.
macro_rules! generated {
    (@row $a:ident $amode:tt [$($b:ident $bmode:tt),*]) => {
        pub mod $a {
            use super::*;
            $(
                pub mod $b {
                    use super::*;

                    #[stencil(mode = [$amode, $bmode], cval = 11, neighborhood = [(lo0, hi0), (lo1, hi1)])]
                    fn k(x: Rel<i32>, lo0: isize, hi0: isize, lo1: isize, hi1: isize, w: Table) -> i32 {
                        let mut acc = 0;
                        for i in lo0..=hi0 {
                            for j in lo1..=hi1 {
                                acc += w.at(i, j) * x[[i, j]];
                            }
                        }
                        acc
                    }

                    pub fn call(x: ndarray::ArrayViewD<'_, i32>, (lo0, hi0, lo1, hi1): (isize, isize, isize, isize), w: Table) -> Result<ArrayD<i32>, KernelError> {
                        k(x, lo0, hi0, lo1, hi1, w)
                    }
                }
            )*
            pub const ROW: [Call; 7] = [$($b::call),*];
        }
    };
    (@outer $all:tt $($m:ident $mode:tt),*) => {
        $(generated!(@row $m $mode $all);)*
        pub const TABLE: [[Call; 7]; 7] = [$($m::ROW),*];
    };
    ($($m:ident $mode:tt),*) => {
        mod generated {
            use super::*;
            generated!(@outer [$($m $mode),*] $($m $mode),*);
        }
    };
}

type Call = fn(
    ndarray::ArrayViewD<'_, i32>,
    (isize, isize, isize, isize),
    Table,
) -> Result<ArrayD<i32>, KernelError>;

/// Weights for offsets -3..=3 on each axis, passed to a kernel as a plain value.
#[derive(Clone, Copy)]
struct Table([[i32; 7]; 7]);

impl Table {
    fn at(self, i: isize, j: isize) -> i32 {
        self.0[(i + 3) as usize][(j + 3) as usize]
    }
}

generated!(
    skip "skip", constant "constant", nearest "nearest", reflect "reflect", mirror "mirror",
    wrap "wrap", valid "valid"
);

/// Floats in passes only with `reassociate = true`: a box of reach `r` in `f32` and a 5x5
/// binomial in `f64`.
#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)], reassociate = true)]
fn box_mean(x: Rel<f32>, r: isize) -> f32 {
    let mut acc = 0.0;
    for i in -r..=r {
        for j in -r..=r {
            acc += x[[i, j]];
        }
    }
    acc / ((2 * r + 1) * (2 * r + 1)) as f32
}

const BINOMIAL: [f64; 5] = [1.0, 4.0, 6.0, 4.0, 1.0];

#[stencil(mode = "wrap", neighborhood = [(-2, 2), (-2, 2)], reassociate = true)]
fn binomial(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for i in -2..=2isize {
        for j in -2..=2isize {
            acc += BINOMIAL[(i + 2) as usize] * BINOMIAL[(j + 2) as usize] / 256.0 * x[[i, j]];
        }
    }
    acc
}

/// The same binomial without the key: bit for bit the body, so directly.
#[stencil(mode = "wrap", neighborhood = [(-2, 2), (-2, 2)])]
fn binomial_exact(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for i in -2..=2isize {
        for j in -2..=2isize {
            acc += BINOMIAL[(i + 2) as usize] * BINOMIAL[(j + 2) as usize] / 256.0 * x[[i, j]];
        }
    }
    acc
}

#[test]
fn floats_reassociate_only_when_allowed_and_within_the_bound() {
    assert_eq!(binomial_exact_evaluation(), Evaluation::Direct);
    assert_eq!(binomial_evaluation(), Evaluation::Separable);
    assert_eq!(box_mean_evaluation(7), Evaluation::RunningSums);
    // Wider than four runs of `SEED` outputs, so that every branch of the row pass runs.
    let (rows, cols) = (70, 4 * SEED + 77);
    let x = Array::from_shape_fn((rows, cols), |(i, j)| {
        ((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0 - 0.3
    });
    let xf = x.mapv(|v| v as f32);
    for r in [1, 7, 40] {
        let fast = box_mean(&xf, r).unwrap();
        let direct = direct_only(|| box_mean(&xf, r)).unwrap();
        let taps = ((2 * r + 1) * (2 * r + 1)) as f64;
        // Σ|w x| <= taps * max|x| / taps = max|x| = 0.7 (w = 1 / taps after the division).
        let bound = (taps + 2.0 * SEED as f64 + 2.0) * f64::from(f32::EPSILON) / 2.0 * 0.7 * taps;
        for (f, d) in fast.iter().zip(&direct) {
            // The epilogue divides by `taps`, scaling the sum's error with it.
            assert!(
                f64::from((f - d).abs()) <= bound / taps + 1e-7,
                "r={r}: {f} vs {d}"
            );
        }
    }
    let fast = binomial(&x).unwrap();
    let direct = binomial_exact(&x).unwrap();
    let bound = (25.0 + 2.0 * SEED as f64 + 2.0) * f64::EPSILON / 2.0 * 0.7;
    for (f, d) in fast.iter().zip(&direct) {
        assert!((f - d).abs() <= bound, "binomial: {f} vs {d}");
    }
}

/// Bodies that are not a weighted sum with an epilogue.
#[allow(dead_code, reason = "kernels defined for their `LINEAR` constant")]
mod not_linear {
    use super::*;

    #[stencil]
    pub fn product(x: Rel<i32>) -> i32 {
        x[[0, -1]] * x[[0, 1]] + x[[0, 0]]
    }

    #[stencil]
    pub fn centre_outside(x: Rel<i32>) -> i32 {
        let s = x[[0, -1]] + x[[0, 1]];
        x[[0, 0]] * 2 - s
    }

    #[stencil]
    pub fn branch(x: Rel<i32>) -> i32 {
        if x[[0, 0]] > 0 {
            x[[0, -1]] + x[[0, 1]]
        } else {
            0
        }
    }

    #[stencil]
    pub fn addend_between(x: Rel<i32>) -> i32 {
        x[[0, -1]] + 1 + x[[0, 1]]
    }

    #[stencil]
    pub fn mixed_casts(x: Rel<i16>) -> i32 {
        (x[[0, -1]] as i32 + x[[0, 1]] as i32) + x[[1, 0]] as i64 as i32
    }

    #[stencil(neighborhood = [(-1, 1), (-1, 1)])]
    pub fn branch_in_loop(x: Rel<i32>) -> i32 {
        let mut acc = 0;
        for i in -1..=1 {
            for j in -1..=1 {
                if i != j {
                    acc += x[[i, j]];
                }
            }
        }
        acc
    }

    #[stencil]
    pub fn two_inputs(x: Rel<i32>, y: Rel<i32>) -> i32 {
        x[[0, -1]] + x[[0, 1]] + y[[0, 0]]
    }

    #[stencil(neighborhood = [(-1, 1), (-1, 1)])]
    pub fn accumulator_from_a_tap(x: Rel<i32>) -> i32 {
        let mut acc = 1;
        for i in -1..=1 {
            acc += x[[i, 0]];
        }
        acc
    }

    #[stencil]
    pub fn max_of_taps(x: Rel<f64>) -> f64 {
        x[[0, -1]].max(x[[0, 1]]) + x[[1, 0]]
    }
}

#[test]
fn other_bodies_are_not_taken_for_linear() {
    use not_linear::*;
    assert!(!product::LINEAR);
    assert!(!centre_outside::LINEAR);
    assert!(!branch::LINEAR);
    assert!(!addend_between::LINEAR);
    assert!(!mixed_casts::LINEAR);
    assert!(!branch_in_loop::LINEAR);
    assert!(!two_inputs::LINEAR);
    assert!(!accumulator_from_a_tap::LINEAR);
    assert!(!max_of_taps::LINEAR);
}

/// Found in review: a count kept beside the sum in the loops is not a weight, so the body
/// is not taken for linear (the epilogue would see the count at zero).
#[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
fn counted_mean(x: Rel<i32>) -> i32 {
    let mut sum = 0;
    let mut n = 0;
    for i in -2..=2 {
        for j in -2..=2 {
            sum += x[[i, j]];
            n += 1;
        }
    }
    sum / n
}

/// A local used only by the weights, whose type the weights give it.
#[stencil(mode = "wrap", neighborhood = [(-2, 2), (-2, 2)])]
fn big_weights(x: Rel<i64>) -> i64 {
    let big = 3_000_000_000;
    let mut acc = 0;
    for i in -2..=2 {
        for j in -2..=2 {
            acc += big * x[[i, j]];
        }
    }
    acc
}

/// A helper named like the `_into` form's output parameter, called by the epilogue.
fn out(sum: i32) -> i32 {
    sum / 25
}

#[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2)])]
fn calls_out(x: Rel<i32>) -> i32 {
    let mut acc = 0;
    for i in -2..=2 {
        for j in -2..=2 {
            acc += x[[i, j]];
        }
    }
    out(acc)
}

/// Running sums over floats with a NaN `cval` on a `skip` border: the border's slots are
/// never summed into the interior.
#[stencil(mode = "skip", cval = f32::NAN, neighborhood = [(-r, r), (-r, r)], reassociate = true)]
fn skip_box(x: Rel<f32>, r: isize) -> f32 {
    let mut acc = 0.0;
    for i in -r..=r {
        for j in -r..=r {
            acc += x[[i, j]];
        }
    }
    acc
}

#[test]
fn review_cases() {
    assert!(!counted_mean::LINEAR);
    let x = ints::<i32>(&[20, 30], 12, false);
    let want = ndarray::Array2::from_shape_fn((20, 30), |(i, j)| {
        let mut sum = 0;
        for di in -2..=2isize {
            for dj in -2..=2isize {
                let ii = (i as isize + di).clamp(0, 19) as usize;
                let jj = (j as isize + dj).clamp(0, 29) as usize;
                sum += x[[ii, jj]];
            }
        }
        sum / 25
    });
    assert_eq!(
        counted_mean(&x).unwrap().into_dimensionality().unwrap(),
        want
    );

    assert!(big_weights::LINEAR && calls_out::LINEAR);
    assert_eq!(big_weights_evaluation(), Evaluation::RunningSums);
    let x64 = ints::<i64>(&[11, 17], 13, false);
    same(|| big_weights(&x64), "a local typed by the weights");
    same(|| calls_out(&x), "a helper named out");

    // Floats: parallel equals serial; the skip border stays out of the interior.
    let xf = Array::from_shape_fn((400, 1200), |(i, j)| ((i * 31 + j * 17) % 97) as f32 / 97.0);
    for r in [3, 20] {
        let parallel = skip_box(&xf, r).unwrap();
        let serial = ndkernel::dispatch::serial(|| skip_box(&xf, r)).unwrap();
        assert!(
            parallel
                .iter()
                .zip(&serial)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "r={r}"
        );
        let direct = direct_only(|| skip_box(&xf, r)).unwrap();
        let r = r as usize;
        for ((i, j), &v) in parallel.indexed_iter() {
            let interior = (r..400 - r).contains(&i) && (r..1200 - r).contains(&j);
            assert_eq!(v.is_nan(), !interior, "at {i}, {j}");
            if interior {
                assert!(
                    (v - direct[[i, j]]).abs() <= 1e-3,
                    "at {i}, {j}: {v} vs {}",
                    direct[[i, j]]
                );
            }
        }
    }
}

/// A box mean whose divisor comes from a parameter: the epilogue's division is prepared
/// once per call (a multiply and shifts for unsigned integers).
#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)])]
fn box_mean_u8(x: Rel<u8>, r: isize) -> u8 {
    let mut acc = 0u32;
    for i in -r..=r {
        for j in -r..=r {
            acc += x[[i, j]] as u32;
        }
    }
    (acc / ((2 * r + 1) * (2 * r + 1)) as u32) as u8
}

/// The divisor from a name the epilogue binds first, as the zoo's box mean writes it; then
/// names bound from the accumulator, and a name bound twice, which stay in the epilogue.
#[stencil(mode = "nearest", neighborhood = [(-r, r), (-r, r)])]
fn box_mean_side(x: Rel<u8>, r: isize) -> u8 {
    let mut acc = 0u32;
    for i in -r..=r {
        for j in -r..=r {
            acc += u32::from(x[[i, j]]);
        }
    }
    let side = (2 * r + 1) as u32;
    let twice = acc / 2 + 1;
    let s = 3u32;
    let s = s + side;
    ((acc / (side * side)) + acc / twice + acc / s) as u8
}

/// `/=` by a parameter, a divisor by reference, and one with an untyped literal in it.
#[allow(
    clippy::op_ref,
    reason = "a divisor by reference, as a user may write it"
)]
#[stencil(mode = "wrap", neighborhood = [(-2, 2), (-2, 2)])]
fn divided_forms(x: Rel<u16>, n: u16, k: u32) -> u16 {
    let mut acc = 0u16;
    for i in -2..=2 {
        for j in -2..=2 {
            acc += x[[i, j]];
        }
    }
    let by_ref = acc / &n;
    acc /= n;
    acc + by_ref + acc / (1 << k)
}

/// Signed sums divide by `/` itself (rounding toward zero).
#[stencil(mode = "constant", cval = -100, neighborhood = [(-2, 2), (-2, 2)])]
fn signed_mean(x: Rel<i32>, n: i32) -> i32 {
    let mut acc = 0;
    for i in -2..=2 {
        for j in -2..=2 {
            acc += x[[i, j]];
        }
    }
    acc / n
}

#[test]
fn divisions_by_a_parameter_give_the_direct_result() {
    assert_eq!(box_mean_u8_evaluation(3), Evaluation::RunningSums);
    for (k, shape) in [[0, 4], [1, 1], [5, 3], [17, 40], [60, 33]]
        .iter()
        .enumerate()
    {
        let x = ints::<i16>(shape, k as i64, k % 2 == 0).mapv(|v| (v + 128) as u8);
        for r in 0..6 {
            same(|| box_mean_u8(&x, r), &format!("box mean r={r} {shape:?}"));
            same(
                || box_mean_side(&x, r),
                &format!("box mean, side r={r} {shape:?}"),
            );
        }
        let x16 = x.mapv(u16::from);
        for n in [1, 2, 3, 7, 25, 64, 255, 6400, u16::MAX] {
            for k in [0, 3] {
                same(
                    || divided_forms(&x16, n, k),
                    &format!("u16 by {n}, {k} {shape:?}"),
                );
            }
        }
        let x32 = ints::<i32>(shape, k as i64 + 3, false);
        for n in [1, -1, 3, -7, 25] {
            same(|| signed_mean(&x32, n), &format!("i32 by {n} {shape:?}"));
        }
    }
    // Dividing by zero panics as the body does.
    let x = ints::<i16>(&[4, 4], 1, false).mapv(|v| (v + 128) as u16);
    let fast = std::panic::catch_unwind(|| divided_forms(&x, 0, 0));
    let direct = std::panic::catch_unwind(|| direct_only(|| divided_forms(&x, 0, 0)));
    assert!(fast.is_err() && direct.is_err());
}
