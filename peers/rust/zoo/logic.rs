//! Comparisons and selects on byte images, as `#[stencil]` kernels: Game of Life, erosion,
//! dilation, the 3x3 median. Integer results: every spelling must equal the naive loop.

use ndkernel::alloc;
use ndkernel::ndarray::Array2;
use ndkernel::prelude::*;
use ndkernel_seeds::inputs;

use super::{Border, spellings};
use crate::{Bench, Check, equal, flat};

/// The values of the `(2r + 1)^2` window around `(i, j)`, row-major, the border mapped.
fn window(x: &Array2<u8>, (row, col): (usize, usize), reach: isize, border: Border) -> Vec<u8> {
    let (rows, cols) = x.dim();
    let side = (2 * reach + 1) as usize;
    let mut values = Vec::with_capacity(side * side);
    for di in -reach..=reach {
        for dj in -reach..=reach {
            let at = [
                border.at(row as isize + di, rows),
                border.at(col as isize + dj, cols),
            ];
            values.push(x[at]);
        }
    }
    values
}

fn check_against(want: &Array2<u8>) -> impl Fn(&str, &Array2<u8>) -> Check + '_ {
    |what, got| equal(what, &flat(got), &flat(want))
}

// --- zoo_life_u8 ----------------------------------------------------------------------------

/// One step of Conway's Game of Life on a torus, cells 0 or 1.
#[stencil(mode = "wrap")]
#[allow(clippy::bool_to_int_with_if, reason = "the spelling measured")]
pub fn life(c: Rel<u8>) -> u8 {
    let n = c[[-1, -1]]
        + c[[-1, 0]]
        + c[[-1, 1]]
        + c[[0, -1]]
        + c[[0, 1]]
        + c[[1, -1]]
        + c[[1, 0]]
        + c[[1, 1]];
    if n == 3 || (n == 2 && c[[0, 0]] == 1) {
        1
    } else {
        0
    }
}

/// The same rule with `&` and `|` on `bool`s, converted with `u8::from`.
#[stencil(mode = "wrap")]
#[allow(clippy::needless_bitwise_bool, reason = "the spelling measured")]
pub fn life_bits(c: Rel<u8>) -> u8 {
    let n = c[[-1, -1]]
        + c[[-1, 0]]
        + c[[-1, 1]]
        + c[[0, -1]]
        + c[[0, 1]]
        + c[[1, -1]]
        + c[[1, 0]]
        + c[[1, 1]];
    u8::from((n == 3) | ((n == 2) & (c[[0, 0]] == 1)))
}

fn life_naive(c: &Array2<u8>) -> Array2<u8> {
    Array2::from_shape_fn(c.dim(), |(i, j)| {
        let cells = window(c, (i, j), 1, Border::Wrap);
        let alive = cells[4] == 1;
        let neighbours = cells.iter().map(|&v| u32::from(v)).sum::<u32>() - u32::from(cells[4]);
        u8::from(neighbours == 3 || (alive && neighbours == 2))
    })
}

pub fn zoo_life_u8(b: &mut Bench, shape: (usize, usize)) -> Check {
    let c = inputs::u7s(shape, 24).mapv(|v| u8::from(v < 40));
    let want = life_naive(&c);
    let mut out = alloc::output(c.raw_dim());
    spellings(
        b,
        &c,
        &mut out,
        0xA5,
        &check_against(&want),
        &[
            ("(&&/|| and if) life_into", &|c, o| life_into(c, o)),
            ("(&/| on bools) life_bits_into", &|c, o| {
                life_bits_into(c, o)
            }),
        ],
        ("(&&/|| and if) life (allocates)", &|c| life(c)),
    )
}

// --- zoo_erode3_u8 --------------------------------------------------------------------------

/// The minimum of the 3x3 window as a `.min()` chain.
#[stencil(mode = "nearest")]
pub fn erode3(x: Rel<u8>) -> u8 {
    x[[-1, -1]]
        .min(x[[-1, 0]])
        .min(x[[-1, 1]])
        .min(x[[0, -1]])
        .min(x[[0, 0]])
        .min(x[[0, 1]])
        .min(x[[1, -1]])
        .min(x[[1, 0]])
        .min(x[[1, 1]])
}

/// The same minimum as loops over a declared neighbourhood.
#[stencil(mode = "nearest", neighborhood = [(-1, 1), (-1, 1)])]
pub fn erode3_loops(x: Rel<u8>) -> u8 {
    let mut low = u8::MAX;
    for di in -1..=1 {
        for dj in -1..=1 {
            low = low.min(x[[di, dj]]);
        }
    }
    low
}

pub fn zoo_erode3_u8(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::i8s(shape, 25).mapv(|v| v as u8);
    let want = Array2::from_shape_fn(x.dim(), |(i, j)| {
        window(&x, (i, j), 1, Border::Nearest)
            .into_iter()
            .min()
            .unwrap()
    });
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        0xA5,
        &check_against(&want),
        &[
            ("(.min() chain) erode3_into", &|x, o| erode3_into(x, o)),
            ("(loops) erode3_loops_into", &|x, o| erode3_loops_into(x, o)),
        ],
        ("(.min() chain) erode3 (allocates)", &|x| erode3(x)),
    )
}

// --- zoo_dilate5_u8 -------------------------------------------------------------------------

/// The maximum of the 5x5 window as loops over a declared neighbourhood.
#[stencil(mode = "nearest", neighborhood = [(-2, 2), (-2, 2)])]
pub fn dilate5(x: Rel<u8>) -> u8 {
    let mut high = 0;
    for di in -2..=2 {
        for dj in -2..=2 {
            high = high.max(x[[di, dj]]);
        }
    }
    high
}

/// The same maximum as a `.max()` chain of the 25 taps.
#[stencil(mode = "nearest")]
#[rustfmt::skip]
pub fn dilate5_chain(x: Rel<u8>) -> u8 {
    x[[-2, -2]].max(x[[-2, -1]]).max(x[[-2, 0]]).max(x[[-2, 1]]).max(x[[-2, 2]])
        .max(x[[-1, -2]]).max(x[[-1, -1]]).max(x[[-1, 0]]).max(x[[-1, 1]]).max(x[[-1, 2]])
        .max(x[[0, -2]]).max(x[[0, -1]]).max(x[[0, 0]]).max(x[[0, 1]]).max(x[[0, 2]])
        .max(x[[1, -2]]).max(x[[1, -1]]).max(x[[1, 0]]).max(x[[1, 1]]).max(x[[1, 2]])
        .max(x[[2, -2]]).max(x[[2, -1]]).max(x[[2, 0]]).max(x[[2, 1]]).max(x[[2, 2]])
}

pub fn zoo_dilate5_u8(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::i8s(shape, 26).mapv(|v| v as u8);
    let want = Array2::from_shape_fn(x.dim(), |(i, j)| {
        window(&x, (i, j), 2, Border::Nearest)
            .into_iter()
            .max()
            .unwrap()
    });
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        0xA5,
        &check_against(&want),
        &[
            ("(loops) dilate5_into", &|x, o| dilate5_into(x, o)),
            ("(.max() chain) dilate5_chain_into", &|x, o| {
                dilate5_chain_into(x, o)
            }),
        ],
        ("(loops) dilate5 (allocates)", &|x| dilate5(x)),
    )
}

// --- zoo_median3_u8 -------------------------------------------------------------------------

/// Devillard's median-of-9 exchange network (`opt_med9`): after these 19 compare-exchanges,
/// element 4 is the median.
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

/// The 3x3 median through a min/max exchange network on a local array.
#[stencil(mode = "nearest")]
pub fn median3(x: Rel<u8>) -> u8 {
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
    for (a, b) in MEDIAN9 {
        let (low, high) = (p[a].min(p[b]), p[a].max(p[b]));
        p[a] = low;
        p[b] = high;
    }
    p[4]
}

/// The same network on nine local variables, each exchange written out.
#[stencil(mode = "nearest")]
pub fn median3_locals(x: Rel<u8>) -> u8 {
    let (mut p0, mut p1, mut p2) = (x[[-1, -1]], x[[-1, 0]], x[[-1, 1]]);
    let (mut p3, mut p4, mut p5) = (x[[0, -1]], x[[0, 0]], x[[0, 1]]);
    let (mut p6, mut p7, mut p8) = (x[[1, -1]], x[[1, 0]], x[[1, 1]]);
    (p1, p2) = (p1.min(p2), p1.max(p2));
    (p4, p5) = (p4.min(p5), p4.max(p5));
    (p7, p8) = (p7.min(p8), p7.max(p8));
    (p0, p1) = (p0.min(p1), p0.max(p1));
    (p3, p4) = (p3.min(p4), p3.max(p4));
    (p6, p7) = (p6.min(p7), p6.max(p7));
    (p1, p2) = (p1.min(p2), p1.max(p2));
    (p4, p5) = (p4.min(p5), p4.max(p5));
    (p7, p8) = (p7.min(p8), p7.max(p8));
    p3 = p0.max(p3);
    p5 = p5.min(p8);
    (p4, p7) = (p4.min(p7), p4.max(p7));
    p6 = p3.max(p6);
    p4 = p1.max(p4);
    p2 = p2.min(p5);
    p4 = p4.min(p7);
    (p4, p2) = (p4.min(p2), p4.max(p2));
    p4 = p6.max(p4);
    p4.min(p2)
}

/// The same median by sorting the nine values.
#[stencil(mode = "nearest")]
pub fn median3_sort(x: Rel<u8>) -> u8 {
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

pub fn zoo_median3_u8(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::i8s(shape, 39).mapv(|v| v as u8);
    let want = Array2::from_shape_fn(x.dim(), |(i, j)| {
        let mut values = window(&x, (i, j), 1, Border::Nearest);
        values.sort_unstable();
        values[4]
    });
    let mut out = alloc::output(x.raw_dim());
    spellings(
        b,
        &x,
        &mut out,
        0xA5,
        &check_against(&want),
        &[
            ("(min/max network) median3_into", &|x, o| median3_into(x, o)),
            ("(network on locals) median3_locals_into", &|x, o| {
                median3_locals_into(x, o)
            }),
            ("(sort_unstable) median3_sort_into", &|x, o| {
                median3_sort_into(x, o)
            }),
        ],
        ("(min/max network) median3 (allocates)", &|x| median3(x)),
    )
}
