//! Bodies evaluated on lanes (`name::SIMD`): branches, loops, matches, casts, methods,
//! local arrays and tuples, several inputs and parameters. Each kernel is compared bit for
//! bit with the naive reference evaluating the same rule one position at a time, in every
//! mode, on shapes whose rows are shorter than, equal to and longer than a lane vector and
//! not a multiple of it, and on transposed and reversed views, so that whole vectors, row
//! tails and borders all run.
#![allow(
    clippy::cast_lossless,
    clippy::bool_to_int_with_if,
    clippy::if_not_else,
    clippy::needless_late_init,
    clippy::float_cmp,
    clippy::no_effect_underscore_binding,
    clippy::manual_abs_diff,
    clippy::collapsible_else_if,
    reason = "kernels spelled as users write them: `as` casts, `if` for 0 or 1, late `let`s"
)]

use std::ops::Add;

use ndarray::{ArrayViewD, IxDyn, s};
use ndkernel::prelude::*;
use ndkernel::stencil::with_tiling;

use crate::reference::{Mode, Read, naive};
use crate::{Bits, assert_same, grid};

/// Conway's rule as people write it: `&&`, `||`, `if`.
#[stencil(mode = "wrap")]
fn life(c: Rel<i32>) -> i32 {
    let n = c[[-1, -1]]
        + c[[-1, 0]]
        + c[[-1, 1]]
        + c[[0, -1]]
        + c[[0, 1]]
        + c[[1, -1]]
        + c[[1, 0]]
        + c[[1, 1]];
    if c[[0, 0]] == 1 && (n == 2 || n == 3) || c[[0, 0]] == 0 && n == 3 {
        1
    } else {
        0
    }
}

fn life_ref(r: Read<'_, i32>) -> i32 {
    let n: i32 = [
        [-1, -1],
        [-1, 0],
        [-1, 1],
        [0, -1],
        [0, 1],
        [1, -1],
        [1, 0],
        [1, 1],
    ]
    .iter()
    .map(|o| r(o))
    .sum();
    let c = r(&[0, 0]);
    i32::from(c == 1 && (n == 2 || n == 3) || c == 0 && n == 3)
}

const BINOMIAL: [f64; 5] = [1.0, 4.0, 6.0, 4.0, 1.0];

/// A weight table walked by loops over a declared neighbourhood.
#[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2)])]
fn binomial(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for i in -2..=2 {
        for j in -2..=2 {
            acc += BINOMIAL[(i + 2) as usize] * BINOMIAL[(j + 2) as usize] * x[[i, j]];
        }
    }
    acc / 256.0
}

fn binomial_ref(r: Read<'_, f64>) -> f64 {
    let mut acc = 0.0;
    for i in -2..=2 {
        for j in -2..=2 {
            acc += BINOMIAL[(i + 2) as usize] * BINOMIAL[(j + 2) as usize] * r(&[i, j]);
        }
    }
    acc / 256.0
}

/// Different input and output types, widening casts, `sqrt`.
#[stencil(mode = "nearest")]
fn sobel(x: Rel<i16>) -> f32 {
    let gx = (x[[-1, 1]] - x[[-1, -1]]) as f32
        + 2.0 * (x[[0, 1]] - x[[0, -1]]) as f32
        + (x[[1, 1]] - x[[1, -1]]) as f32;
    let gy = f32::from(x[[1, -1]] - x[[-1, -1]])
        + 2.0 * f32::from(x[[1, 0]] - x[[-1, 0]])
        + f32::from(x[[1, 1]] - x[[-1, 1]]);
    (gx * gx + gy * gy).sqrt()
}

fn sobel_ref(r: Read<'_, i16>) -> f32 {
    let gx = f32::from(r(&[-1, 1]) - r(&[-1, -1]))
        + 2.0 * f32::from(r(&[0, 1]) - r(&[0, -1]))
        + f32::from(r(&[1, 1]) - r(&[1, -1]));
    let gy = f32::from(r(&[1, -1]) - r(&[-1, -1]))
        + 2.0 * f32::from(r(&[1, 0]) - r(&[-1, 0]))
        + f32::from(r(&[1, 1]) - r(&[-1, 1]));
    (gx * gx + gy * gy).sqrt()
}

/// `match` on a read, with literal, or- and range patterns and a binding.
#[stencil(mode = "mirror")]
fn classify(x: Rel<i32>) -> i32 {
    match x[[0, 0]] {
        0 => 10,
        1 | 2 => 20 + x[[0, 1]],
        3..=9 => 30,
        v => v * x[[1, 0]],
    }
}

fn classify_ref(r: Read<'_, i32>) -> i32 {
    match r(&[0, 0]) {
        0 => 10,
        1 | 2 => 20 + r(&[0, 1]),
        3..=9 => 30,
        v => v * r(&[1, 0]),
    }
}

/// Assignments under a varying condition, in a loop over an array of offsets, with a
/// uniform early `if` on a parameter.
#[stencil(mode = "constant", cval = 2, neighborhood = [(-2, 2), (-2, 2)])]
fn count_greater(x: Rel<i32>, reach: isize, strict: bool) -> i32 {
    let mut count = 0;
    let mut last = -1;
    for (k, d) in [(-1, 0), (0, 1), (1, 0), (0, -1)].into_iter().enumerate() {
        let (di, dj) = (d.0 * reach, d.1 * reach);
        if x[[di, dj]] > x[[0, 0]] || !strict && x[[di, dj]] == x[[0, 0]] {
            count += 1;
            last = k as i32;
        } else if x[[di, dj]] < -3 {
            count -= 2;
        }
    }
    if strict { count * 10 + last } else { count }
}

fn count_greater_ref(r: Read<'_, i32>, reach: isize, strict: bool) -> i32 {
    let (mut count, mut last) = (0, -1);
    for (k, d) in [(-1, 0), (0, 1), (1, 0), (0, -1)].into_iter().enumerate() {
        let v = r(&[d.0 * reach, d.1 * reach]);
        if v > r(&[0, 0]) || !strict && v == r(&[0, 0]) {
            count += 1;
            last = k as i32;
        } else if v < -3 {
            count -= 2;
        }
    }
    if strict { count * 10 + last } else { count }
}

/// A median of three by `min`/`max` on a local array and a tuple.
#[stencil(mode = "reflect")]
fn median3(x: Rel<f64>) -> f64 {
    let v = [x[-1], x[0], x[1]];
    let (lo, hi) = (v[0].min(v[1]), v[0].max(v[1]));
    lo.max(hi.min(v[2]))
}

fn median3_ref(r: Read<'_, f64>) -> f64 {
    let v = [r(&[-1]), r(&[0]), r(&[1])];
    let (lo, hi) = (v[0].min(v[1]), v[0].max(v[1]));
    lo.max(hi.min(v[2]))
}

/// The 3x3 median as a sort of the window's values.
#[stencil(mode = "nearest")]
fn median9_sort(x: Rel<i32>) -> i32 {
    let mut p = [
        x[[-1, -1]],
        x[[-1, 0]],
        x[[-1, 1]],
        x[[0, -1]],
        x[[0, 0]],
        x[[0, 1]],
        x[[1, -1]],
        x[[1, 0]],
        x[[1, 1]],
    ];
    p.sort_unstable();
    p[4]
}

/// A rank filter over a window of `(2 * 4 + 1)^2 = 81` values, more than a network sorts:
/// each lane sorted on its own. The second smallest and the largest, sorted stably.
#[allow(
    clippy::stable_sort_primitive,
    reason = "the stable spelling is under test"
)]
#[stencil(mode = "wrap", neighborhood = [(-4, 4), (-4, 4)])]
fn rank81_sort(x: Rel<u8>) -> u16 {
    let mut v = [0u8; 81];
    for i in -4..=4 {
        for j in -4..=4 {
            v[((i + 4) * 9 + j + 4) as usize] = x[[i, j]];
        }
    }
    v.sort();
    u16::from(v[1]) * 256 + u16::from(v[80])
}

/// A sort under a condition on the position: only where the centre is odd, and five
/// values, so that the network has exchanges from padding removed.
#[stencil(mode = "reflect")]
fn sort_where_odd(x: Rel<i32>) -> i32 {
    let mut v = [x[[0, -2]], x[[0, -1]], x[[0, 0]], x[[0, 1]], x[[0, 2]]];
    if x[[0, 0]] % 2 != 0 {
        v.sort_unstable();
    }
    v[0] * 10_000 + v[1] * 100 + v[4]
}

/// An array that is the same at every position, sorted only where the centre is positive:
/// it then differs from position to position.
#[stencil(mode = "nearest")]
fn sort_uniform_where_positive(x: Rel<i32>) -> i32 {
    let mut v = [3, 1, 2];
    if x[[0, 0]] > 0 {
        v.sort_unstable();
    }
    v[0] * 100 + x[[0, 0]]
}

/// Sorts as the values of both branches.
#[allow(
    clippy::semicolon_if_nothing_returned,
    clippy::stable_sort_primitive,
    reason = "the `()` values of both branches, and both spellings, are under test"
)]
#[stencil(mode = "nearest")]
fn sort_either(x: Rel<i32>) -> i32 {
    let mut v = [x[[0, -1]], x[[0, 0]], x[[0, 1]]];
    let mut w = [x[[0, 1]], x[[0, 0]], x[[0, -1]], 5];
    if x[[0, 0]] % 3 == 0 {
        v.sort()
    } else {
        w.sort_unstable()
    }
    v[0] * 10_000 + w[0] * 100 + w[3]
}

/// Sorts of what is not a flat local array run the scalar body: part of an array, an array
/// of tuples, an array of arrays.
#[stencil(mode = "nearest")]
fn sort_other_receivers(x: Rel<i32>) -> i32 {
    let mut v = [x[[0, 1]], x[[0, 0]], x[[0, -1]], 0];
    v[..3].sort_unstable();
    let mut t = [(x[[0, 1]], 1), (x[[0, -1]], 2)];
    t.sort_unstable();
    let mut g = [[x[[0, 1]], 0], [x[[0, -1]], 1]];
    g.sort_unstable();
    v[0] * 1000 + t[0].1 * 100 + g[0][1] * 10 + v[3]
}

fn window_sorted(
    r: Read<'_, i32>,
    rows: std::ops::RangeInclusive<isize>,
    cols: std::ops::RangeInclusive<isize>,
) -> Vec<i32> {
    let mut v = Vec::new();
    for i in rows {
        for j in cols.clone() {
            v.push(r(&[i, j]));
        }
    }
    v.sort_unstable();
    v
}

/// Two inputs, a parameter, `mul_add` and `exp`, and an `if` on the parameter whose
/// branches are lanes.
#[stencil(mode = "nearest")]
fn diffuse(u: Rel<f64>, c: Rel<f64>, dt: f64) -> f64 {
    let lap = u[[-1, 0]] + u[[1, 0]] + u[[0, -1]] + u[[0, 1]] - 4.0 * u[[0, 0]];
    let next = (dt * c[[0, 0]]).mul_add(lap, u[[0, 0]]);
    if dt > 0.5 { (-next.abs()).exp() } else { next }
}

/// Narrowing with `clamp`, and a generic kernel.
#[stencil(mode = "wrap")]
fn saturate(x: Rel<i8>, gain: i32) -> i8 {
    (i32::from(x[[0]]) * gain - i32::from(x[[1]])).clamp(-128, 127) as i8
}

#[stencil(mode = "nearest")]
fn pair_sum<T: Copy + Add<Output = T>>(x: Rel<T>) -> T {
    x[[0, -1]] + x[[0, 1]]
}

/// A body that calls a function of the user's: it runs the scalar body.
fn helper(a: f64) -> f64 {
    a * 0.5
}

#[stencil]
fn calls_helper(x: Rel<f64>) -> f64 {
    helper(x[[0, 0]]) + x[[0, 1]]
}

/// Shapes whose rows are shorter than, equal to and longer than lane vectors of 4, 8 and
/// 32 elements, and not multiples of them.
const SHAPES: [&[usize]; 6] = [&[1, 1], &[3, 5], &[4, 32], &[9, 37], &[2, 65], &[3, 4, 17]];

fn ints(shape: &[usize], seed: i32, modulo: i32) -> ArrayD<i32> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        let mut v = seed;
        for (axis, &k) in i.slice().iter().enumerate() {
            v = v
                .wrapping_mul(31)
                .wrapping_add((k as i32 + 3) * (axis as i32 + 7));
        }
        v.rem_euclid(modulo) - modulo / 4
    })
}

/// The array and its transposed-axes and reversed views.
fn views<T>(a: &ArrayD<T>) -> Vec<ArrayViewD<'_, T>> {
    let mut out = vec![a.view()];
    if a.ndim() >= 2 {
        let mut t = a.view();
        t.swap_axes(a.ndim() - 1, a.ndim() - 2);
        out.push(t);
        out.push(a.slice_each_axis(|_| ndarray::Slice::new(0, None, -1)));
    }
    out
}

fn check<T: Copy, O: Bits>(
    name: &str,
    x: &ArrayD<T>,
    modes: &[Mode],
    footprint: (&[isize], &[isize]),
    (pad, cval): (T, O),
    kernel: impl Fn(ArrayViewD<'_, T>) -> ArrayD<O>,
    body: impl Fn(Read<'_, T>) -> O + Copy,
) {
    for v in views(x) {
        let want = naive(&v, modes, footprint, (pad, cval), body);
        assert_same(&kernel(v.view()), &want, &format!("{name} {:?}", v.shape()));
    }
}

#[test]
fn branch_loop_match_and_cast_bodies_run_on_lanes() {
    const {
        assert!(life::SIMD && binomial::SIMD && sobel::SIMD && classify::SIMD);
        assert!(count_greater::SIMD && median3::SIMD && diffuse::SIMD && saturate::SIMD);
        assert!(pair_sum::SIMD && !calls_helper::SIMD);
        assert!(median9_sort::SIMD && rank81_sort::SIMD && sort_where_odd::SIMD);
        assert!(sort_uniform_where_positive::SIMD && sort_either::SIMD);
        assert!(!sort_other_receivers::SIMD);
    }
}

#[test]
fn sorts_of_local_arrays_on_lanes_equal_the_scalar_sort() {
    for (k, shape) in SHAPES.iter().filter(|s| s.len() == 2).enumerate() {
        // Few distinct values, so that windows hold repeats.
        let x = ints(shape, k as i32, 9);
        check(
            "median9_sort",
            &x,
            &[Mode::Nearest; 2],
            (&[-1, -1], &[1, 1]),
            (0, 0),
            |v| median9_sort(&v).unwrap(),
            |r| window_sorted(r, -1..=1, -1..=1)[4],
        );
        check(
            "sort_where_odd",
            &x,
            &[Mode::Reflect; 2],
            (&[0, -2], &[0, 2]),
            (0, 0),
            |v| sort_where_odd(&v).unwrap(),
            |r| {
                let mut v: Vec<i32> = (-2..=2).map(|j| r(&[0, j])).collect();
                if r(&[0, 0]) % 2 != 0 {
                    v.sort_unstable();
                }
                v[0] * 10_000 + v[1] * 100 + v[4]
            },
        );
        check(
            "sort_uniform_where_positive",
            &x,
            &[Mode::Nearest; 2],
            (&[0, 0], &[0, 0]),
            (0, 0),
            |v| sort_uniform_where_positive(&v).unwrap(),
            |r| if r(&[0, 0]) > 0 { 100 } else { 300 } + r(&[0, 0]),
        );
        check(
            "sort_either",
            &x,
            &[Mode::Nearest; 2],
            (&[0, -1], &[0, 1]),
            (0, 0),
            |v| sort_either(&v).unwrap(),
            |r| {
                let mut v = [r(&[0, -1]), r(&[0, 0]), r(&[0, 1])];
                let mut w = [r(&[0, 1]), r(&[0, 0]), r(&[0, -1]), 5];
                if r(&[0, 0]) % 3 == 0 {
                    v.sort_unstable();
                } else {
                    w.sort_unstable();
                }
                v[0] * 10_000 + w[0] * 100 + w[3]
            },
        );
        check(
            "sort_other_receivers",
            &x,
            &[Mode::Nearest; 2],
            (&[0, -1], &[0, 1]),
            (0, 0),
            |v| sort_other_receivers(&v).unwrap(),
            |r| {
                let mut v = [r(&[0, 1]), r(&[0, 0]), r(&[0, -1])];
                v.sort_unstable();
                let t = if r(&[0, 1]) <= r(&[0, -1]) { 1 } else { 2 };
                let g = if r(&[0, 1]) <= r(&[0, -1]) { 0 } else { 1 };
                v[0] * 1000 + t * 100 + g * 10
            },
        );
        let bytes = x.mapv(|v| (v * 29) as u8);
        check(
            "rank81_sort",
            &bytes,
            &[Mode::Wrap; 2],
            (&[-4, -4], &[4, 4]),
            (0, 0),
            |v| rank81_sort(&v).unwrap(),
            |r| {
                let mut v: Vec<u8> = (-4..=4)
                    .flat_map(|i| (-4..=4).map(move |j| [i, j]))
                    .map(|o| r(&o))
                    .collect();
                v.sort_unstable();
                u16::from(v[1]) * 256 + u16::from(v[80])
            },
        );
    }
}

#[test]
fn lanes_equal_the_scalar_rule_at_every_position() {
    for (k, shape) in SHAPES.iter().enumerate() {
        let seed = k as i32;
        let cells = ints(shape, seed, 2).mapv(|v| v.rem_euclid(2));
        check(
            "life",
            &cells,
            &[Mode::Wrap; 2],
            ((&[-1, -1]), (&[1, 1])),
            (0, 0),
            |v| life(&v).unwrap(),
            life_ref,
        );
        let x = grid(shape, k, false);
        check(
            "binomial",
            &x,
            &[Mode::Reflect; 2],
            ((&[-2, -2]), (&[2, 2])),
            (0.0, 0.0),
            |v| binomial(&v).unwrap(),
            binomial_ref,
        );
        let small = ints(shape, seed + 3, 200).mapv(|v| v as i16);
        for v in views(&small) {
            let want = naive(
                &v,
                &[Mode::Nearest; 2],
                (&[-1, -1], &[1, 1]),
                (0, 0.0),
                sobel_ref,
            );
            let got = sobel(&v).unwrap();
            assert_eq!(got.shape(), want.shape());
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "sobel {:?}", v.shape());
            }
        }
        let labels = ints(shape, seed + 5, 16);
        check(
            "classify",
            &labels,
            &[Mode::Mirror; 2],
            ((&[0, 0]), (&[1, 1])),
            (0, 0),
            |v| classify(&v).unwrap(),
            classify_ref,
        );
        for (reach, strict) in [(1, true), (2, false), (0, true)] {
            check(
                "count_greater",
                &labels,
                &[Mode::Constant; 2],
                ((&[-2, -2]), (&[2, 2])),
                (2, 0),
                |v| count_greater(&v, reach, strict).unwrap(),
                move |r| count_greater_ref(r, reach, strict),
            );
        }
        let c = grid(shape, k + 7, true);
        for dt in [0.25, 0.75] {
            let want = crate::reference::naive_at(
                x.shape(),
                &[Mode::Nearest; 2],
                (&[-1, -1], &[1, 1]),
                0.0,
                |locate| {
                    let u = |o: &[isize]| x[IxDyn(&locate(o).unwrap())];
                    let lap =
                        u(&[-1, 0]) + u(&[1, 0]) + u(&[0, -1]) + u(&[0, 1]) - 4.0 * u(&[0, 0]);
                    let next = (dt * c[IxDyn(&locate(&[0, 0]).unwrap())]).mul_add(lap, u(&[0, 0]));
                    if dt > 0.5 { (-next.abs()).exp() } else { next }
                },
            );
            assert_same(&diffuse(&x, &c, dt).unwrap(), &want, "diffuse");
        }
        let sum = naive(
            &x.view(),
            &[Mode::Nearest; 2],
            (&[0, -1], &[0, 1]),
            (0.0, 0.0),
            |r| r(&[0, -1]) + r(&[0, 1]),
        );
        assert_same(&pair_sum(&x).unwrap(), &sum, "pair_sum");
        let skip = naive(
            &x.view(),
            &[Mode::Skip; 2],
            (&[0, 0], &[0, 1]),
            (0.0, 0.0),
            |r| r(&[0, 0]) * 0.5 + r(&[0, 1]),
        );
        assert_same(&calls_helper(&x).unwrap(), &skip, "calls_helper");
    }
}

#[test]
fn one_dimensional_lanes_in_every_reading_mode() {
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 100] {
        let x = grid(&[n], n, false);
        check(
            "median3",
            &x,
            &[Mode::Reflect],
            ((&[-1]), (&[1])),
            (0.0, 0.0),
            |v| median3(&v).unwrap(),
            median3_ref,
        );
        let bytes = ArrayD::from_shape_fn(IxDyn(&[n]), |i| ((i[0] * 37 % 256) as i32 - 128) as i8);
        for gain in [1, 3, -2] {
            check(
                "saturate",
                &bytes,
                &[Mode::Wrap],
                ((&[0]), (&[1])),
                (0, 0),
                |v| saturate(&v, gain).unwrap(),
                |r| (i32::from(r(&[0])) * gain - i32::from(r(&[1]))).clamp(-128, 127) as i8,
            );
        }
        let reversed = x.slice(s![..;-1]).to_owned().into_dyn();
        check(
            "median3 reversed",
            &reversed,
            &[Mode::Reflect],
            ((&[-1]), (&[1])),
            (0.0, 0.0),
            |v| median3(&v).unwrap(),
            median3_ref,
        );
    }
}

mod generated_bodies {
    use ndarray::Axis;
    use proptest::prelude::*;

    use crate::generated::{ALL_SIMD_F64, ALL_SIMD_I32, CASES_F64, CASES_I32};
    use crate::reference::naive;
    use crate::{assert_same, grid};

    const _: () = assert!(ALL_SIMD_F64 && ALL_SIMD_I32);

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn lanes_equal_the_scalar_rule_on_generated_bodies(
            rows in 1usize..7,
            cols in 1usize..80,
            seed in 0usize..40,
            k in -3i32..4,
            transpose in any::<bool>(),
            flip in any::<bool>(),
        ) {
            let mut x = grid(&[rows, cols], seed, false);
            if flip {
                x.invert_axis(Axis(1));
            }
            let x = if transpose { x.t().to_owned().into_dyn() } else { x };
            let xi = x.mapv(|v| (v * 3.0) as i32);
            let lohi: (&[isize], &[isize]) = (&[-1, -1], &[1, 1]);
            for (name, run, reference, mode) in CASES_F64 {
                let want = naive(&x.view(), &[mode; 2], lohi, (0.0, 0.0), |r| reference(r, f64::from(k)));
                assert_same(&run(x.view(), f64::from(k)), &want, name);
            }
            for (name, run, reference, mode) in CASES_I32 {
                let want = naive(&xi.view(), &[mode; 2], lohi, (0, 0), |r| reference(r, k));
                assert_same(&run(xi.view(), k), &want, name);
            }
        }
    }
}

const START: [f64; 3] = [0.5, -1.0, 2.0];
const PAIRS: [(usize, usize); 3] = [(0, 1), (1, 2), (0, 1)];

/// Destructuring and whole-array values: a `const` array as the start of a varying array,
/// tuple assignments, a sorting network over index pairs from a table.
#[stencil(mode = "nearest")]
fn shapes(x: Rel<f64>) -> f64 {
    let mut acc = START;
    let (mut lo, mut hi) = (x[-1], x[1]);
    (lo, hi) = (lo.min(hi), lo.max(hi));
    acc[0] += lo;
    acc[2] *= hi;
    let mut p = [x[-1], x[0], x[1]];
    for (a, b) in PAIRS {
        let (low, high) = (p[a].min(p[b]), p[a].max(p[b]));
        p[a] = low;
        p[b] = high;
    }
    if x[0] > 0.0 {
        (acc[1], acc[2]) = (p[1], acc[0]);
    }
    acc[0] + acc[1] * 2.0 + acc[2] * 3.0
}

fn shapes_ref(r: Read<'_, f64>) -> f64 {
    let mut acc = START;
    let (mut lo, mut hi) = (r(&[-1]), r(&[1]));
    (lo, hi) = (lo.min(hi), lo.max(hi));
    acc[0] += lo;
    acc[2] *= hi;
    let mut p = [r(&[-1]), r(&[0]), r(&[1])];
    for (a, b) in PAIRS {
        let (low, high) = (p[a].min(p[b]), p[a].max(p[b]));
        p[a] = low;
        p[b] = high;
    }
    if r(&[0]) > 0.0 {
        (acc[1], acc[2]) = (p[1], acc[0]);
    }
    acc[0] + acc[1] * 2.0 + acc[2] * 3.0
}

#[test]
fn tuples_arrays_and_const_tables_run_on_lanes() {
    const { assert!(shapes::SIMD) };
    for n in [1, 3, 4, 5, 8, 9, 17, 40] {
        let x = grid(&[n], n + 3, false);
        check(
            "shapes",
            &x,
            &[Mode::Nearest],
            ((&[-1]), (&[1])),
            (0.0, 0.0),
            |v| shapes(&v).unwrap(),
            shapes_ref,
        );
    }
}

/// An asymmetric 3-D stencil: volumes whose planes do not fit in cache are swept in tiles
/// of rows (`(tile, z, y in tile)`), which must not change a value.
#[stencil(mode = ["reflect", "nearest", "wrap"])]
fn seven_point(u: Rel<f64>) -> f64 {
    u[[-1, 0, 0]] * 2.0 + u[[1, 0, 0]] - u[[0, -1, 0]] * 0.5 + u[[0, 2, 0]] + u[[0, 0, -1]]
        - u[[0, 0, 1]] * 3.0
        + u[[0, 0, 0]]
}

fn seven_point_ref(r: Read<'_, f64>) -> f64 {
    r(&[-1, 0, 0]) * 2.0 + r(&[1, 0, 0]) - r(&[0, -1, 0]) * 0.5 + r(&[0, 2, 0]) + r(&[0, 0, -1])
        - r(&[0, 0, 1]) * 3.0
        + r(&[0, 0, 0])
}

#[test]
fn volumes_swept_in_tiles_equal_the_reference() {
    let modes = [Mode::Reflect, Mode::Nearest, Mode::Wrap];
    let fp: (&[isize], &[isize]) = (&[-1, -1, -1], &[1, 2, 1]);
    // Planes of 520 x 530 f64, four read at once (8.4 MiB), are tiled by themselves (a
    // remainder of rows too); the smaller volumes are swept both ways by `with_tiling`: a
    // stack of two volumes, a transposed volume (rows along the first axis, tiled along
    // other axes) and one too small for two tiles.
    let x = grid(&[3, 520, 530], 3, false);
    let want = naive(&x.view(), &modes, fp, (0.0, 0.0), seven_point_ref);
    assert_same(&seven_point(&x).unwrap(), &want, "3x520x530");
    for shape in [
        &[5, 130, 131][..],
        &[3, 200, 97],
        &[2, 3, 140, 150],
        &[4, 6, 7],
    ] {
        let x = grid(shape, shape.len(), false);
        let want = naive(&x.view(), &modes, fp, (0.0, 0.0), seven_point_ref);
        for tiled in [true, false] {
            let what = format!("{shape:?}, tiled: {tiled}");
            let got = with_tiling(tiled, || seven_point(&x).unwrap());
            assert_same(&got, &want, &what);
            let serial = with_tiling(tiled, || {
                ndkernel::dispatch::serial(|| seven_point(&x).unwrap())
            });
            assert_same(&serial, &want, &format!("{what}, serial"));
        }
    }
    let x = grid(&[150, 140, 3], 4, true);
    let want = naive(&x.view(), &modes, fp, (0.0, 0.0), seven_point_ref);
    for tiled in [true, false] {
        let got = with_tiling(tiled, || seven_point(&x).unwrap());
        assert_same(&got, &want, &format!("F order, tiled: {tiled}"));
    }
}

/// Integer division guarded by a condition on the position: lanes would divide by zero
/// where the condition is false, so the body keeps the scalar path.
#[stencil(mode = "nearest")]
fn guarded_quotient(x: Rel<i32>) -> i32 {
    let d = x[[0, 1]];
    if d != 0 { x[[0, 0]] / d } else { -1 }
}

/// The same guard as a short-circuit `&&`.
#[stencil(mode = "nearest")]
fn guarded_test(x: Rel<i32>) -> i32 {
    i32::from(x[[0, 1]] > 0 && 100 % x[[0, 1]] == 0)
}

/// Crossed bounds excluded by the condition.
#[stencil(mode = "nearest")]
fn guarded_clamp(x: Rel<i32>) -> i32 {
    let (lo, hi) = (x[[0, -1]], x[[0, 1]]);
    if lo <= hi { x[[0, 0]].clamp(lo, hi) } else { 0 }
}

/// A float division, or an integer one by a non-zero literal, cannot panic: on lanes.
#[stencil(mode = "nearest")]
fn safe_quotients(x: Rel<f64>, y: Rel<i32>) -> f64 {
    if x[[0, 1]] != 0.0 {
        x[[0, 0]] / x[[0, 1]] + f64::from(y[[0, 0]] / 7)
    } else {
        0.0
    }
}

#[test]
fn conditions_that_guard_a_panic_keep_the_scalar_body() {
    const {
        assert!(!guarded_quotient::SIMD && !guarded_test::SIMD && !guarded_clamp::SIMD);
        assert!(safe_quotients::SIMD);
    }
    let shape = [5, 70];
    let x = ints(&shape, 3, 7).mapv(|v| v - 2);
    let fp: (&[isize], &[isize]) = (&[0, -1], &[0, 1]);
    let nearest = [Mode::Nearest; 2];
    check(
        "guarded_quotient",
        &x,
        &nearest,
        fp,
        (0, 0),
        |v| guarded_quotient(&v).unwrap(),
        |r| {
            let d = r(&[0, 1]);
            if d != 0 { r(&[0, 0]) / d } else { -1 }
        },
    );
    check(
        "guarded_test",
        &x,
        &nearest,
        fp,
        (0, 0),
        |v| guarded_test(&v).unwrap(),
        |r| i32::from(r(&[0, 1]) > 0 && 100 % r(&[0, 1]) == 0),
    );
    check(
        "guarded_clamp",
        &x,
        &nearest,
        fp,
        (0, 0),
        |v| guarded_clamp(&v).unwrap(),
        |r| {
            let (lo, hi) = (r(&[0, -1]), r(&[0, 1]));
            if lo <= hi {
                r(&[0, 0]).clamp(lo, hi)
            } else {
                0
            }
        },
    );
    let xf = x.mapv(f64::from);
    let got = safe_quotients(&xf, &x).unwrap();
    let want = crate::reference::naive_at(&shape, &nearest, fp, 0.0, |locate| {
        let at = |o: &[isize]| IxDyn(&locate(o).unwrap());
        if xf[at(&[0, 1])] != 0.0 {
            xf[at(&[0, 0])] / xf[at(&[0, 1])] + f64::from(x[at(&[0, 0])] / 7)
        } else {
            0.0
        }
    });
    assert_same(&got, &want, "safe_quotients");
}

/// Defines a kernel twice: as written, and wrapped in `return { … }`, which keeps the
/// scalar body. Each pair must give the same bits; the first must run on lanes or not as
/// stated.
macro_rules! lanes_and_scalar {
    ($($name:ident / $scalar:ident [$($attr:tt)*] ($($p:tt)*) -> $out:ty { $($body:tt)* })*) => {
        $(
            #[stencil($($attr)*)]
            fn $name($($p)*) -> $out { $($body)* }

            #[stencil($($attr)*)]
            #[allow(unreachable_code, clippy::needless_return, reason = "keeps the scalar body")]
            fn $scalar($($p)*) -> $out { return { $($body)* }; }
        )*
    };
}

const ALIVE: u8 = 1;
const W3: [f64; 3] = [0.25, 0.5, 0.25];

fn pair0() -> (f64, f64) {
    (1.0, 2.0)
}

// Bodies a review found the rewrite mishandled (compile errors, a silent wrong value,
// debug panics in the side not taken); each now runs on lanes or keeps the scalar body.
lanes_and_scalar! {
    deferred / deferred_s [mode = "reflect"] (x: Rel<f64>) -> f64 {
        let v: f64;
        if x[[0, 0]] > 0.5 { v = 1.0; } else { v = x[[0, 1]]; }
        v
    }
    const_pattern / const_pattern_s [mode = "wrap"] (x: Rel<u8>) -> u8 {
        match x[[0, 0]] { ALIVE => 10, _ => 20 }
    }
    iter_refs / iter_refs_s [mode = "reflect", neighborhood = [(0, 0), (-1, 1)]] (x: Rel<f64>) -> f64 {
        let mut acc = 0.0;
        for (i, wi) in W3.iter().enumerate() { acc += wi * x[[0, i as isize - 1]]; }
        acc
    }
    bool_to_float / bool_to_float_s [mode = "reflect"] (x: Rel<f64>) -> f64 {
        f64::from(x[[0, 0]] > 0.5) * x[[0, 1]]
    }
    tuple_from_call / tuple_from_call_s [mode = "reflect"] (x: Rel<f64>) -> f64 {
        let mut t = pair0();
        t.0 = x[[0, 0]];
        t.0 + t.1
    }
    shadowed_in_branch / shadowed_in_branch_s [mode = "reflect"] (x: Rel<f64>) -> f64 {
        let mut t = x[[0, 1]];
        if x[[0, 0]] > 0.5 {
            { let t = 2.0; let _u = t; }
            t = 7.0;
        }
        t
    }
    guarded_decrement / guarded_decrement_s [mode = "reflect"] (x: Rel<u8>) -> u8 {
        if x[[0, 0]] > 0 { x[[0, 0]] - 1 } else { 0 }
    }
    abs_difference / abs_difference_s [mode = "reflect"] (x: Rel<u8>) -> u8 {
        let (a, b) = (x[[0, 0]], x[[0, 1]]);
        if a > b { a - b } else { b - a }
    }
    bool_max / bool_max_s [mode = "reflect"] (x: Rel<f64>) -> u8 {
        let b = (x[[0, 0]] > 0.5).max(x[[0, 1]] > 0.5);
        b as u8
    }
    best_tuple / best_tuple_s [mode = "reflect"] (x: Rel<f64>) -> f64 {
        let p = x[[0, 1]];
        let mut best = (f64::INFINITY, 0u8);
        if p < best.0 { best = (p, 1); }
        best.0 + f64::from(best.1)
    }
    shift_guard / shift_guard_s [mode = "reflect"] (x: Rel<u32>) -> u32 {
        u32::from(x[[0, 0]] < 32 && (1u32 << x[[0, 0]]) > 100)
    }
}

/// Devillard's median-of-9 exchange network: element 4 ends as the median.
const MEDIAN9: [(usize, usize); 19] = [
    (1, 2),
    (4, 5),
    (7, 8),
    (0, 1),
    (3, 4),
    (6, 7),
    (1, 2),
    (4, 5),
    (7, 8),
    (0, 3),
    (5, 8),
    (4, 7),
    (3, 6),
    (1, 4),
    (2, 5),
    (4, 7),
    (4, 2),
    (6, 4),
    (4, 2),
];
/// A table longer than `MAX_UNROLLED`: it stays a loop.
const LONG: [f64; 70] = {
    let mut table = [0.0; 70];
    let mut i = 0;
    while i < 70 {
        table[i] = (i % 7) as f64 * 0.125;
        i += 1;
    }
    table
};

// Loops over constant tables run unrolled on lanes (`lanes::Unroll`): by value, by
// reference and through `iter()`, past the unrolled length, and with a `break` (a loop).
lanes_and_scalar! {
    median_table / median_table_s [mode = "nearest"] (x: Rel<u8>) -> u8 {
        let mut p = [
            x[[-1, -1]], x[[-1, 0]], x[[-1, 1]], x[[0, -1]], x[[0, 0]], x[[0, 1]],
            x[[1, -1]], x[[1, 0]], x[[1, 1]],
        ];
        for (a, b) in MEDIAN9 {
            let (low, high) = (p[a].min(p[b]), p[a].max(p[b]));
            p[a] = low;
            p[b] = high;
        }
        p[4]
    }
    median_ref / median_ref_s [mode = "wrap"] (x: Rel<u8>) -> u8 {
        let mut p = [
            x[[-1, -1]], x[[-1, 0]], x[[-1, 1]], x[[0, -1]], x[[0, 0]], x[[0, 1]],
            x[[1, -1]], x[[1, 0]], x[[1, 1]],
        ];
        for &(a, b) in &MEDIAN9 {
            if p[a] > p[b] {
                (p[a], p[b]) = (p[b], p[a]);
            }
        }
        p[4]
    }
    long_table / long_table_s [mode = "reflect"] (x: Rel<f64>) -> f64 {
        let mut acc = 0.0;
        #[allow(clippy::explicit_iter_loop, reason = "the `iter()` spelling is the case")]
        for w in LONG.iter() {
            acc = acc * 0.5 + w * x[[0, 1]];
        }
        acc
    }
    weights_break / weights_break_s [mode = "reflect"] (x: Rel<f64>) -> f64 {
        let mut acc = x[[0, 0]];
        for w in W3 {
            if w > 0.4 {
                break;
            }
            acc += w * x[[0, -1]];
        }
        acc
    }
}

/// The 4-neighbourhood as offsets.
const CROSS: [[isize; 2]; 4] = [[-1, 0], [1, 0], [0, -1], [0, 1]];

// Reads through index arrays (`x[d]`, `d: [isize; 2]`), as ndarray users write them: from a
// table of offsets and from offsets built in loops.
lanes_and_scalar! {
    cross_table / cross_table_s [neighborhood = [(-1, 1), (-1, 1)], mode = "reflect"] (x: Rel<f64>) -> f64 {
        let mut acc = -4.0 * x[[0, 0]];
        for d in CROSS {
            acc += x[d];
        }
        acc
    }
    box_built / box_built_s [neighborhood = [(-1, 1), (-2, 2)], mode = "wrap"] (x: Rel<f64>) -> f64 {
        let mut acc = 0.0;
        for di in -1..=1 {
            for dj in -2..=2 {
                let d = [di, dj];
                acc += x[d];
            }
        }
        acc
    }
}

/// The same two kernels with their taps written out.
#[stencil(mode = "reflect")]
fn cross_taps(x: Rel<f64>) -> f64 {
    -4.0 * x[[0, 0]] + x[[-1, 0]] + x[[1, 0]] + x[[0, -1]] + x[[0, 1]]
}

#[test]
fn index_arrays_read_the_offset_they_hold() {
    const { assert!(cross_table::SIMD && box_built::SIMD) };
    let f = ArrayD::from_shape_fn(IxDyn(&[7, 45]), |i| {
        ((i[0] * 45 + i[1]) * 2_654_435_761 % 1000) as f64 / 1000.0
    });
    let f2 = f.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
    assert_eq!(cross_table(&f).unwrap(), cross_table_s(&f).unwrap());
    assert_eq!(box_built(&f).unwrap(), box_built_s(&f).unwrap());
    let cross = cross_table(&f2).unwrap();
    let taps = cross_taps(&f2).unwrap();
    for (a, b) in cross.iter().zip(&taps) {
        // The same five reads, summed in another order.
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    // A 3x5 box sum with wrap-around, against a naive loop.
    let got = box_built(&f2).unwrap();
    for i in 0..7 {
        for j in 0..45 {
            let mut want = 0.0;
            for di in -1..=1_isize {
                for dj in -2..=2_isize {
                    want += f2[[
                        (i as isize + di).rem_euclid(7) as usize,
                        (j as isize + dj).rem_euclid(45) as usize,
                    ]];
                }
            }
            assert_eq!(got[[i, j]], want, "at ({i}, {j})");
        }
    }
}

#[test]
fn loops_over_constant_tables_equal_their_scalar_form() {
    const {
        assert!(median_table::SIMD && median_ref::SIMD && long_table::SIMD);
        assert!(weights_break::SIMD && !median_table_s::SIMD);
    }
    let f = ArrayD::from_shape_fn(IxDyn(&[6, 70]), |i| {
        ((i[0] * 70 + i[1]) * 2_654_435_761 % 1000) as f64 / 1000.0
    });
    let u = f.mapv(|v| (v * 255.0) as u8);
    assert_eq!(median_table(&u).unwrap(), median_table_s(&u).unwrap());
    assert_eq!(median_ref(&u).unwrap(), median_ref_s(&u).unwrap());
    assert_eq!(long_table(&f).unwrap(), long_table_s(&f).unwrap());
    assert_eq!(weights_break(&f).unwrap(), weights_break_s(&f).unwrap());
    // The network is a median: against sorting the nine values.
    let at = |i: usize, j: isize| u[[i, j.rem_euclid(70) as usize]];
    let median = median_ref(&u).unwrap();
    for i in 1..5 {
        for j in 0..70 {
            let mut nine: Vec<u8> = (-1..=1)
                .flat_map(|di: isize| (-1..=1).map(move |dj| (di, dj)))
                .map(|(di, dj)| at((i as isize + di) as usize, j as isize + dj))
                .collect();
            nine.sort_unstable();
            assert_eq!(median[[i, j]], nine[4], "at ({i}, {j})");
        }
    }
}

#[test]
fn reviewed_bodies_equal_their_scalar_form() {
    const {
        assert!(!deferred::SIMD && !const_pattern::SIMD && !shift_guard::SIMD);
        assert!(iter_refs::SIMD && bool_to_float::SIMD && tuple_from_call::SIMD);
        assert!(shadowed_in_branch::SIMD && guarded_decrement::SIMD && abs_difference::SIMD);
        assert!(bool_max::SIMD && best_tuple::SIMD);
        assert!(!deferred_s::SIMD && !iter_refs_s::SIMD && !best_tuple_s::SIMD);
    }
    let f = ArrayD::from_shape_fn(IxDyn(&[5, 77]), |i| {
        ((i[0] * 77 + i[1]) * 2_654_435_761 % 1000) as f64 / 1000.0
    });
    let u = f.mapv(|v| (v * 40.0) as u8);
    let w = f.mapv(|v| (v * 40.0) as u32);
    macro_rules! same {
        ($x:expr, $($name:ident / $scalar:ident),*) => {$(
            assert_eq!($name(&$x).unwrap(), $scalar(&$x).unwrap(), stringify!($name));
        )*};
    }
    same!(
        f,
        deferred / deferred_s,
        iter_refs / iter_refs_s,
        bool_to_float / bool_to_float_s
    );
    same!(
        f,
        tuple_from_call / tuple_from_call_s,
        shadowed_in_branch / shadowed_in_branch_s
    );
    same!(f, bool_max / bool_max_s, best_tuple / best_tuple_s);
    same!(
        u,
        const_pattern / const_pattern_s,
        guarded_decrement / guarded_decrement_s
    );
    same!(u, abs_difference / abs_difference_s);
    same!(w, shift_guard / shift_guard_s);
}
