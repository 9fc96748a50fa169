//! Weighted sums of neighbours, as `#[stencil]` kernels: the inputs, weights and modes of
//! `zoo.py`'s `INPUTS`. The naive loops add the same products in the same order, so every
//! spelling must equal them bit for bit.

use std::ops::{Add, Mul};

use ndkernel::alloc;
use ndkernel::ndarray::{Array2, Array3, Zip};
use ndkernel::prelude::*;
use ndkernel_seeds::inputs;

use super::{Border, near, spellings};
use crate::{Bench, Check, equal, flat};

// --- zoo_lap3d_f32 --------------------------------------------------------------------------

/// The 7-point Laplacian of a 3-D field, nearest border.
#[stencil(mode = "nearest")]
pub fn lap3d(u: Rel<f32>) -> f32 {
    u[[-1, 0, 0]] + u[[1, 0, 0]] + u[[0, -1, 0]] + u[[0, 1, 0]] + u[[0, 0, -1]] + u[[0, 0, 1]]
        - 6.0 * u[[0, 0, 0]]
}

fn lap3d_naive(u: &Array3<f32>) -> Array3<f32> {
    let (n0, n1, n2) = u.dim();
    let at = |i: usize, d: isize, n: usize| Border::Nearest.at(i as isize + d, n);
    Array3::from_shape_fn((n0, n1, n2), |(i, j, k)| {
        u[[at(i, -1, n0), j, k]]
            + u[[at(i, 1, n0), j, k]]
            + u[[i, at(j, -1, n1), k]]
            + u[[i, at(j, 1, n1), k]]
            + u[[i, j, at(k, -1, n2)]]
            + u[[i, j, at(k, 1, n2)]]
            - 6.0 * u[[i, j, k]]
    })
}

pub fn zoo_lap3d_f32(b: &mut Bench, shape: (usize, usize, usize)) -> Check {
    let u = inputs::f64s(shape, 20).mapv(|v| v as f32);
    let want = lap3d_naive(&u);
    let mut out = alloc::output(u.raw_dim());
    spellings(
        b,
        &u,
        &mut out,
        f32::NAN,
        &|what, got| equal(what, &flat(got), &flat(&want)),
        &[("lap3d_into", &|u, o| lap3d_into(u, o))],
        ("lap3d (allocates)", &|u| lap3d(u)),
    )
}

/// Bit for bit the naive loop, or for a spelling with `reassociate = true` within the
/// documented bound, `(k + 2 SEED + 2) u M` (`M` the largest `Σ|w x|` a running sum passed
/// through), which for these means and blurs of values in [0, 1) (weights summing to 1) is
/// below `(225 + 514) 2^-24`.
fn exact_unless_reassociated(what: &str, got: &[f32], want: &[f32]) -> Check {
    if what.contains("reassociate") {
        near(what, got, want, 739.0 * f64::from(f32::EPSILON) / 2.0, 0.0)
    } else {
        equal(what, got, want)
    }
}

// --- zoo_blur5_f32 --------------------------------------------------------------------------

/// The 5x5 binomial: the outer product of `[1, 4, 6, 4, 1]`, over 256.
const W5: [[f32; 5]; 5] = [
    [1. / 256., 4. / 256., 6. / 256., 4. / 256., 1. / 256.],
    [4. / 256., 16. / 256., 24. / 256., 16. / 256., 4. / 256.],
    [6. / 256., 24. / 256., 36. / 256., 24. / 256., 6. / 256.],
    [4. / 256., 16. / 256., 24. / 256., 16. / 256., 4. / 256.],
    [1. / 256., 4. / 256., 6. / 256., 4. / 256., 1. / 256.],
];

/// The 5x5 binomial blur as loops over its table.
#[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2)])]
pub fn blur5(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -2..=2 {
        for dj in -2..=2 {
            acc += W5[(di + 2) as usize][(dj + 2) as usize] * x[[di, dj]];
        }
    }
    acc
}

/// The same blur, allowed to sum in another order: separable passes.
#[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2)], reassociate = true)]
pub fn blur5_passes(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -2..=2 {
        for dj in -2..=2 {
            acc += W5[(di + 2) as usize][(dj + 2) as usize] * x[[di, dj]];
        }
    }
    acc
}

/// The same blur with its 25 taps written out, in the same order.
#[stencil(mode = "reflect")]
#[rustfmt::skip]
pub fn blur5_taps(x: Rel<f32>) -> f32 {
    0.003_906_25 * x[[-2, -2]] + 0.015_625 * x[[-2, -1]] + 0.023_437_5 * x[[-2, 0]] + 0.015_625 * x[[-2, 1]] + 0.003_906_25 * x[[-2, 2]]
        + 0.015_625 * x[[-1, -2]] + 0.062_5 * x[[-1, -1]] + 0.093_75 * x[[-1, 0]] + 0.062_5 * x[[-1, 1]] + 0.015_625 * x[[-1, 2]]
        + 0.023_437_5 * x[[0, -2]] + 0.093_75 * x[[0, -1]] + 0.140_625 * x[[0, 0]] + 0.093_75 * x[[0, 1]] + 0.023_437_5 * x[[0, 2]]
        + 0.015_625 * x[[1, -2]] + 0.062_5 * x[[1, -1]] + 0.093_75 * x[[1, 0]] + 0.062_5 * x[[1, 1]] + 0.015_625 * x[[1, 2]]
        + 0.003_906_25 * x[[2, -2]] + 0.015_625 * x[[2, -1]] + 0.023_437_5 * x[[2, 0]] + 0.015_625 * x[[2, 1]] + 0.003_906_25 * x[[2, 2]]
}

/// `sum of w[a][b] * x[i + a - r, j + b - r]`, row-major over the table, zeros included.
fn correlate_naive<T, const K: usize>(
    x: &Array2<T>,
    table: &[[T; K]; K],
    border: Border,
) -> Array2<T>
where
    T: Copy + Default + Add<Output = T> + Mul<Output = T>,
{
    let (rows, cols) = x.dim();
    let reach = (K / 2) as isize;
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        let mut acc = T::default();
        for (di, weights) in (-reach..).zip(table) {
            for (dj, &weight) in (-reach..).zip(weights) {
                let at = [
                    border.at(i as isize + di, rows),
                    border.at(j as isize + dj, cols),
                ];
                acc = acc + weight * x[at];
            }
        }
        acc
    })
}

pub fn zoo_blur5_f32(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::f64s(shape, 21).mapv(|v| v as f32);
    let want = correlate_naive(&x, &W5, Border::Reflect);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        f32::NAN,
        &|what, got| exact_unless_reassociated(what, &flat(got), &flat(&want)),
        &[
            ("(loops) blur5_into", &|x, o| blur5_into(x, o)),
            ("(taps written out) blur5_taps_into", &|x, o| {
                blur5_taps_into(x, o)
            }),
            ("(loops, reassociate = true) blur5_passes_into", &|x, o| {
                blur5_passes_into(x, o)
            }),
        ],
        ("(loops) blur5 (allocates)", &|x| blur5(x)),
    )
}

// --- zoo_binom7_f32 -------------------------------------------------------------------------

/// The 7x7 binomial: the outer product of `[1, 6, 15, 20, 15, 6, 1]`, over 4096.
const W7B: [[f32; 7]; 7] = {
    const B7: [f32; 7] = [1., 6., 15., 20., 15., 6., 1.];
    let mut table = [[0.0; 7]; 7];
    let mut i = 0;
    while i < 7 {
        let mut j = 0;
        while j < 7 {
            table[i][j] = B7[i] * B7[j] / 4096.0;
            j += 1;
        }
        i += 1;
    }
    table
};

/// The 7x7 binomial blur as loops over its table.
#[stencil(mode = "reflect", neighborhood = [(-3, 3), (-3, 3)])]
pub fn binom7(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -3..=3 {
        for dj in -3..=3 {
            acc += W7B[(di + 3) as usize][(dj + 3) as usize] * x[[di, dj]];
        }
    }
    acc
}

/// The same blur, allowed to sum in another order: separable passes.
#[stencil(mode = "reflect", neighborhood = [(-3, 3), (-3, 3)], reassociate = true)]
pub fn binom7_passes(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -3..=3 {
        for dj in -3..=3 {
            acc += W7B[(di + 3) as usize][(dj + 3) as usize] * x[[di, dj]];
        }
    }
    acc
}

pub fn zoo_binom7_f32(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::f64s(shape, 42).mapv(|v| v as f32);
    let want = correlate_naive(&x, &W7B, Border::Reflect);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        f32::NAN,
        &|what, got| exact_unless_reassociated(what, &flat(got), &flat(&want)),
        &[
            ("(loops) binom7_into", &|x, o| binom7_into(x, o)),
            ("(loops, reassociate = true) binom7_passes_into", &|x, o| {
                binom7_passes_into(x, o)
            }),
        ],
        ("(loops) binom7 (allocates)", &|x| binom7(x)),
    )
}

// --- zoo_box3d_f32 --------------------------------------------------------------------------

/// The 5x5x5 mean of a volume as loops over its neighbourhood.
#[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2), (-2, 2)])]
pub fn box3d(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -2..=2 {
        for dj in -2..=2 {
            for dk in -2..=2 {
                acc += x[[di, dj, dk]];
            }
        }
    }
    acc / 125.0
}

/// The same mean, allowed to sum in another order: running sums.
#[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2), (-2, 2)], reassociate = true)]
pub fn box3d_running(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -2..=2 {
        for dj in -2..=2 {
            for dk in -2..=2 {
                acc += x[[di, dj, dk]];
            }
        }
    }
    acc / 125.0
}

fn box3d_naive(x: &Array3<f32>) -> Array3<f32> {
    let (n0, n1, n2) = x.dim();
    let at = |i: usize, d: isize, n: usize| Border::Reflect.at(i as isize + d, n);
    Array3::from_shape_fn((n0, n1, n2), |(i, j, k)| {
        let mut acc = 0.0f32;
        for di in -2..=2 {
            for dj in -2..=2 {
                for dk in -2..=2 {
                    acc += x[[at(i, di, n0), at(j, dj, n1), at(k, dk, n2)]];
                }
            }
        }
        acc / 125.0
    })
}

pub fn zoo_box3d_f32(b: &mut Bench, shape: (usize, usize, usize)) -> Check {
    let x = inputs::f64s(shape, 43).mapv(|v| v as f32);
    let want = box3d_naive(&x);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        f32::NAN,
        &|what, got| exact_unless_reassociated(what, &flat(got), &flat(&want)),
        &[
            ("(loops) box3d_into", &|x, o| box3d_into(x, o)),
            ("(loops, reassociate = true) box3d_running_into", &|x, o| {
                box3d_running_into(x, o)
            }),
        ],
        ("(loops) box3d (allocates)", &|x| box3d(x)),
    )
}

// --- zoo_blur7_f64 --------------------------------------------------------------------------

/// A 7x7 cone on a disk: `11 - di^2 - dj^2` where positive (37 taps), summing to 191.
const CONE: [[f64; 7]; 7] = [
    [0., 0., 1., 2., 1., 0., 0.],
    [0., 3., 6., 7., 6., 3., 0.],
    [1., 6., 9., 10., 9., 6., 1.],
    [2., 7., 10., 11., 10., 7., 2.],
    [1., 6., 9., 10., 9., 6., 1.],
    [0., 3., 6., 7., 6., 3., 0.],
    [0., 0., 1., 2., 1., 0., 0.],
];

/// The cone-weighted mean as loops over its table.
#[stencil(mode = "nearest", neighborhood = [(-3, 3), (-3, 3)])]
pub fn blur7(x: Rel<f64>) -> f64 {
    let mut acc = 0.0;
    for di in -3..=3 {
        for dj in -3..=3 {
            acc += CONE[(di + 3) as usize][(dj + 3) as usize] * x[[di, dj]];
        }
    }
    acc / 191.0
}

/// The same mean with its 37 non-zero taps written out, in the same order.
#[stencil(mode = "nearest")]
#[rustfmt::skip]
pub fn blur7_taps(x: Rel<f64>) -> f64 {
    (x[[-3, -1]] + 2.0 * x[[-3, 0]] + x[[-3, 1]]
        + 3.0 * x[[-2, -2]] + 6.0 * x[[-2, -1]] + 7.0 * x[[-2, 0]] + 6.0 * x[[-2, 1]] + 3.0 * x[[-2, 2]]
        + x[[-1, -3]] + 6.0 * x[[-1, -2]] + 9.0 * x[[-1, -1]] + 10.0 * x[[-1, 0]] + 9.0 * x[[-1, 1]] + 6.0 * x[[-1, 2]] + x[[-1, 3]]
        + 2.0 * x[[0, -3]] + 7.0 * x[[0, -2]] + 10.0 * x[[0, -1]] + 11.0 * x[[0, 0]] + 10.0 * x[[0, 1]] + 7.0 * x[[0, 2]] + 2.0 * x[[0, 3]]
        + x[[1, -3]] + 6.0 * x[[1, -2]] + 9.0 * x[[1, -1]] + 10.0 * x[[1, 0]] + 9.0 * x[[1, 1]] + 6.0 * x[[1, 2]] + x[[1, 3]]
        + 3.0 * x[[2, -2]] + 6.0 * x[[2, -1]] + 7.0 * x[[2, 0]] + 6.0 * x[[2, 1]] + 3.0 * x[[2, 2]]
        + x[[3, -1]] + 2.0 * x[[3, 0]] + x[[3, 1]])
        / 191.0
}

pub fn zoo_blur7_f64(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::f64s(shape, 22);
    let want = correlate_naive(&x, &CONE, Border::Nearest).mapv(|v| v / 191.0);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        f64::NAN,
        &|what, got| equal(what, &flat(got), &flat(&want)),
        &[
            ("(loops) blur7_into", &|x, o| blur7_into(x, o)),
            ("(taps written out) blur7_taps_into", &|x, o| {
                blur7_taps_into(x, o)
            }),
        ],
        ("(loops) blur7 (allocates)", &|x| blur7(x)),
    )
}

// --- zoo_sobel_u8_f32 -----------------------------------------------------------------------

/// Gradient magnitude of a byte image, every tap converted to `f32`.
#[stencil(mode = "mirror")]
pub fn sobel(x: Rel<u8>) -> f32 {
    let gx = (f32::from(x[[-1, 1]]) + 2.0 * f32::from(x[[0, 1]]) + f32::from(x[[1, 1]]))
        - (f32::from(x[[-1, -1]]) + 2.0 * f32::from(x[[0, -1]]) + f32::from(x[[1, -1]]));
    let gy = (f32::from(x[[1, -1]]) + 2.0 * f32::from(x[[1, 0]]) + f32::from(x[[1, 1]]))
        - (f32::from(x[[-1, -1]]) + 2.0 * f32::from(x[[-1, 0]]) + f32::from(x[[-1, 1]]));
    (gx * gx + gy * gy).sqrt()
}

/// The same magnitude with the gradients summed in `i16`, converted once.
#[stencil(mode = "mirror")]
pub fn sobel_i16(x: Rel<u8>) -> f32 {
    let gx = (i16::from(x[[-1, 1]]) + 2 * i16::from(x[[0, 1]]) + i16::from(x[[1, 1]]))
        - (i16::from(x[[-1, -1]]) + 2 * i16::from(x[[0, -1]]) + i16::from(x[[1, -1]]));
    let gy = (i16::from(x[[1, -1]]) + 2 * i16::from(x[[1, 0]]) + i16::from(x[[1, 1]]))
        - (i16::from(x[[-1, -1]]) + 2 * i16::from(x[[-1, 0]]) + i16::from(x[[-1, 1]]));
    let (gx, gy) = (f32::from(gx), f32::from(gy));
    (gx * gx + gy * gy).sqrt()
}

/// In `f64`, from integer gradients: every step exact, then one rounding to `f32`, which
/// equals the correctly rounded `f32` square root the kernels take.
fn sobel_naive(x: &Array2<u8>) -> Array2<f32> {
    let (n, m) = x.dim();
    let p = |i: usize, di: isize, j: usize, dj: isize| {
        let ii = Border::Mirror.at(i as isize + di, n);
        let jj = Border::Mirror.at(j as isize + dj, m);
        i32::from(x[[ii, jj]])
    };
    Array2::from_shape_fn((n, m), |(i, j)| {
        let gx = p(i, -1, j, 1) + 2 * p(i, 0, j, 1) + p(i, 1, j, 1)
            - p(i, -1, j, -1)
            - 2 * p(i, 0, j, -1)
            - p(i, 1, j, -1);
        let gy = p(i, 1, j, -1) + 2 * p(i, 1, j, 0) + p(i, 1, j, 1)
            - p(i, -1, j, -1)
            - 2 * p(i, -1, j, 0)
            - p(i, -1, j, 1);
        f64::from(gx * gx + gy * gy).sqrt() as f32
    })
}

pub fn zoo_sobel_u8_f32(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::i8s(shape, 23).mapv(|v| v as u8);
    let want = sobel_naive(&x);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        f32::NAN,
        &|what, got| equal(what, &flat(got), &flat(&want)),
        &[
            ("(f32 taps) sobel_into", &|x, o| sobel_into(x, o)),
            ("(i16 taps) sobel_i16_into", &|x, o| sobel_i16_into(x, o)),
        ],
        ("(f32 taps) sobel (allocates)", &|x| sobel(x)),
    )
}

// --- zoo_box15_f32 --------------------------------------------------------------------------

/// The mean of the `(2r + 1)^2` box, its reach a parameter.
#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)])]
pub fn box_mean(x: Rel<f32>, r: isize) -> f32 {
    let mut acc = 0.0;
    for di in -r..=r {
        for dj in -r..=r {
            acc += x[[di, dj]];
        }
    }
    let side = (2 * r + 1) as f32;
    acc / (side * side)
}

/// The same mean, allowed to sum in another order: running sums.
#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)], reassociate = true)]
pub fn box_mean_passes(x: Rel<f32>, r: isize) -> f32 {
    let mut acc = 0.0;
    for di in -r..=r {
        for dj in -r..=r {
            acc += x[[di, dj]];
        }
    }
    let side = (2 * r + 1) as f32;
    acc / (side * side)
}

/// The 15x15 mean with its reach written into the attribute.
#[stencil(mode = "reflect", neighborhood = [(-7, 7), (-7, 7)])]
pub fn box15(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -7..=7 {
        for dj in -7..=7 {
            acc += x[[di, dj]];
        }
    }
    acc / 225.0
}

/// The box's reach as a `const`, as a user who names the number writes it.
const R: isize = 7;

/// The 15x15 mean with the reach a `const` in the attribute and the loops.
#[stencil(mode = "reflect", neighborhood = [(-R, R), (-R, R)])]
pub fn box15_const(x: Rel<f32>) -> f32 {
    let mut acc = 0.0;
    for di in -R..=R {
        for dj in -R..=R {
            acc += x[[di, dj]];
        }
    }
    acc / 225.0
}

fn box_naive(x: &Array2<f32>, r: isize) -> Array2<f32> {
    let (n, m) = x.dim();
    Array2::from_shape_fn((n, m), |(i, j)| {
        let mut acc = 0.0f32;
        for di in -r..=r {
            for dj in -r..=r {
                let ii = Border::Reflect.at(i as isize + di, n);
                let jj = Border::Reflect.at(j as isize + dj, m);
                acc += x[[ii, jj]];
            }
        }
        acc / ((2 * r + 1) * (2 * r + 1)) as f32
    })
}

pub fn zoo_box15_f32(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::f64s(shape, 27).mapv(|v| v as f32);
    let want = box_naive(&x, 7);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        f32::NAN,
        &|what, got| exact_unless_reassociated(what, &flat(got), &flat(&want)),
        &[
            ("(reach r = 7 a parameter) box_mean_into", &|x, o| {
                box_mean_into(x, 7, o)
            }),
            (
                "(reach r = 7, reassociate = true) box_mean_passes_into",
                &|x, o| box_mean_passes_into(x, 7, o),
            ),
            ("(reach 7 in the attribute) box15_into", &|x, o| {
                box15_into(x, o)
            }),
            ("(reach a const R = 7) box15_const_into", &|x, o| {
                box15_const_into(x, o)
            }),
        ],
        ("(reach r = 7 a parameter) box_mean (allocates)", &|x| {
            box_mean(x, 7)
        }),
    )
}

// --- zoo_box31_u8, zoo_box101_f32 ----------------------------------------------------------

/// The box mean on bytes, floored, its reach a parameter: integer sums, so running sums
/// give exactly the body's result without any opt-in.
#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)])]
pub fn box_mean_u8(x: Rel<u8>, r: isize) -> u8 {
    let mut acc = 0u32;
    for di in -r..=r {
        for dj in -r..=r {
            acc += u32::from(x[[di, dj]]);
        }
    }
    let side = (2 * r + 1) as u32;
    (acc / (side * side)) as u8
}

/// The same mean with the reach written into the attribute and the loops: the divisor is
/// a constant, which the compiler turns into a multiplication.
#[stencil(mode = "reflect", neighborhood = [(-15, 15), (-15, 15)])]
pub fn box31_u8(x: Rel<u8>) -> u8 {
    let mut acc = 0u32;
    for di in -15..=15 {
        for dj in -15..=15 {
            acc += u32::from(x[[di, dj]]);
        }
    }
    (acc / 961) as u8
}

/// Box sums of reach `r` from a summed-area table in `f64`, reflected at the border: an
/// independent reference (exact for bytes) where the naive loop would take minutes.
fn box_sums(x: &Array2<f64>, reach: isize) -> Array2<f64> {
    let (rows, cols) = x.dim();
    let side = (2 * reach + 1) as usize;
    let padded = Array2::from_shape_fn((rows + side - 1, cols + side - 1), |(i, j)| {
        x[[
            Border::Reflect.at(i as isize - reach, rows),
            Border::Reflect.at(j as isize - reach, cols),
        ]]
    });
    let mut table = Array2::<f64>::zeros((rows + side, cols + side));
    for i in 0..rows + side - 1 {
        for j in 0..cols + side - 1 {
            table[[i + 1, j + 1]] =
                padded[[i, j]] + table[[i, j + 1]] + table[[i + 1, j]] - table[[i, j]];
        }
    }
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        table[[i + side, j + side]] - table[[i, j + side]] - table[[i + side, j]] + table[[i, j]]
    })
}

pub fn zoo_box31_u8(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::i8s(shape, 40).mapv(|v| v as u8);
    let want = box_sums(&x.mapv(f64::from), 15).mapv(|s| (s as u32 / 961) as u8);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        0xA5,
        &|what, got| equal(what, &flat(got), &flat(&want)),
        &[
            (
                "(loops, reach r = 15 a parameter) box_mean_u8_into",
                &|x, o| box_mean_u8_into(x, 15, o),
            ),
            (
                "(loops, reach 15 and / 961 literal) box31_u8_into",
                &|x, o| box31_u8_into(x, o),
            ),
        ],
        (
            "(loops, reach r = 15 a parameter) box_mean_u8 (allocates)",
            &|x| box_mean_u8(x, 15),
        ),
    )
}

pub fn zoo_box101_f32(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::f64s(shape, 41).mapv(|v| v as f32);
    let want = box_sums(&x.mapv(f64::from), 50).mapv(|s| (s / 10_201.0) as f32);
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        f32::NAN,
        // Within the documented bound, `(10201 + 514) u` of a mean of values in [0, 1).
        &|what, got| {
            near(
                what,
                &flat(got),
                &flat(&want),
                10_715.0 * f64::from(f32::EPSILON) / 2.0,
                0.0,
            )
        },
        &[(
            "(loops, reach r = 50, reassociate = true) box_mean_passes_into",
            &|x, o| box_mean_passes_into(x, 50, o),
        )],
        (
            "(loops, reach r = 50, reassociate = true) box_mean_passes (allocates)",
            &|x| box_mean_passes(x, 50),
        ),
    )
}

// --- zoo_diffuse2_f64 -----------------------------------------------------------------------

/// One explicit diffusion step with a conductivity field: two `Rel` inputs and a scalar.
#[stencil(mode = "nearest")]
pub fn diffuse(u: Rel<f64>, c: Rel<f64>, dt: f64) -> f64 {
    u[[0, 0]] + dt * c[[0, 0]] * (u[[-1, 0]] + u[[1, 0]] + u[[0, -1]] + u[[0, 1]] - 4.0 * u[[0, 0]])
}

const DT: f64 = 0.1;

fn diffuse_naive(u: &Array2<f64>, c: &Array2<f64>) -> Array2<f64> {
    let (n, m) = u.dim();
    let at = |i: usize, d: isize, len: usize| Border::Nearest.at(i as isize + d, len);
    let mut out = Array2::zeros((n, m));
    Zip::indexed(&mut out).for_each(|(i, j), o| {
        let lap =
            u[[at(i, -1, n), j]] + u[[at(i, 1, n), j]] + u[[i, at(j, -1, m)]] + u[[i, at(j, 1, m)]]
                - 4.0 * u[[i, j]];
        *o = u[[i, j]] + DT * c[[i, j]] * lap;
    });
    out
}

pub fn zoo_diffuse2_f64(b: &mut Bench, shape: (usize, usize)) -> Check {
    let u = inputs::f64s(shape, 28);
    let c = inputs::f64s(shape, 29) * 0.2;
    let want = diffuse_naive(&u, &c);
    let mut out = alloc::output(u.raw_dim());
    spellings(
        b,
        &(u, c),
        &mut out,
        f64::NAN,
        &|what, got| equal(what, &flat(got), &flat(&want)),
        &[("diffuse_into", &|(u, c), o| diffuse_into(u, c, DT, o))],
        ("diffuse (allocates)", &|(u, c)| diffuse(u, c, DT)),
    )
}
