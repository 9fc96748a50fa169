//! `#[stencil]` kernels whose neighbourhood bounds name the kernel's parameters, such as
//! seed 004's box width `w`: the reach is fixed per call, not per compile.

use ndarray::{Array1, Array2, s};
use ndkernel::prelude::*;

/// Seed 004's four corner taps for any box width.
#[stencil(mode = "valid", neighborhood = [(0, w), (0, w)])]
fn corner_sum(x: Rel<f64>, w: isize) -> f64 {
    x[[0, 0]] - x[[0, w]] - x[[w, 0]] + x[[w, w]]
}

fn corner_sum_naive(x: &Array2<f64>, w: usize) -> Array2<f64> {
    let (rows, cols) = x.dim();
    let shape = (rows.saturating_sub(w), cols.saturating_sub(w));
    Array2::from_shape_fn(shape, |(i, j)| {
        x[[i, j]] - x[[i, j + w]] - x[[i + w, j]] + x[[i + w, j + w]]
    })
}

/// A moving sum of reach `r` each side, Numba's default border.
#[stencil(neighborhood = [(-r, r)])]
fn moving_sum(x: Rel<f64>, r: isize) -> f64 {
    let mut total = 0.0;
    for k in -r..=r {
        total += x[k];
    }
    total
}

/// Reads `x[k]` for a `k` the neighbourhood may not cover.
#[stencil(mode = "nearest", neighborhood = [(-r, r)])]
fn shifted(x: Rel<f64>, r: isize, k: isize) -> f64 {
    x[k]
}

fn image(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        ((i * 37 + j * 11) % 101) as f64 * 0.25
    })
}

#[test]
fn the_width_is_chosen_per_call() {
    let x = image(40, 57);
    for w in [0, 1, 3, 7, 39, 40, 56, 57, 100] {
        let got = corner_sum(&x, w as isize).unwrap();
        assert_eq!(got, corner_sum_naive(&x, w), "w = {w}");
    }
    // Views of any layout, and `_into`.
    let t = image(57, 40);
    let t = t.t();
    let mut out = Array2::zeros((40 - 5, 57 - 5));
    corner_sum_into(&t, 5, &mut out).unwrap();
    assert_eq!(out, corner_sum_naive(&t.to_owned(), 5));
    let error = corner_sum_into(&t, 6, &mut out).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (35, 52) but the call requires (34, 51)"
    );
}

#[test]
fn the_border_follows_the_reach() {
    let x = Array1::from_shape_fn(23, |i| (i * i % 17) as f64);
    for r in [0, 1, 2, 5, 11, 12, 30] {
        let got = moving_sum(&x, r).unwrap();
        let r = r as usize;
        let want = Array1::from_shape_fn(23, |i| {
            if i < r || i + r >= 23 {
                0.0
            } else {
                x.slice(s![i - r..=i + r]).iter().sum()
            }
        });
        assert_eq!(got, want, "r = {r}");
    }
}

#[test]
fn a_read_inside_the_reach_is_served() {
    let x = Array1::from_shape_fn(9, |i| i as f64);
    let got = shifted(&x, 3, -3).unwrap();
    let want = Array1::from_shape_fn(9, |i| i.saturating_sub(3) as f64);
    assert_eq!(got, want);
}

#[test]
#[should_panic(expected = "#[stencil] read at offset [4], outside the neighborhood [(-3, 3)]")]
fn a_read_beyond_the_reach_panics_instead_of_reading_out_of_bounds() {
    let _ = shifted(&Array1::<f64>::zeros(9), 3, 4);
}

/// Two far taps of a wide reach, one per mode that reads outside: the border tables must
/// hold every index a wide neighbourhood reaches, on both sides, without growing with
/// the square of its width.
macro_rules! far_taps {
    ($($name:ident: $mode:literal => $reference:expr),* $(,)?) => {$(
        #[stencil(mode = $mode, neighborhood = [(-r, r)])]
        fn $name(x: Rel<f64>, r: isize) -> f64 {
            x[r] - 0.5 * x[-r] + x[r / 3]
        }
    )*

    #[test]
    fn wide_reaches_with_few_reads_in_every_reading_mode() {
        for (n, r) in [
            (7000usize, 3000isize), (2500, 3000), (50, 7), (1, 2000), (4, 123_456_789), (10, 1 << 50),
        ] {
            let x = Array1::from_shape_fn(n, |i| ((i * 7919) % 1009) as f64 * 0.5 - 100.0);
            $(
                let mode: crate::reference::Mode = $reference;
                let read = |i: isize| mode.read(i, n).map_or(0.0, |j| x[j]);
                let want = Array1::from_shape_fn(n, |i| {
                    let i = i as isize;
                    read(i + r) - 0.5 * read(i - r) + read(i + r / 3)
                });
                assert_eq!($name(&x, r).unwrap(), want, "{} n = {n}, r = {r}", $mode);
            )*
        }
    }
    };
}

far_taps!(
    far_constant: "constant" => crate::reference::Mode::Constant,
    far_nearest: "nearest" => crate::reference::Mode::Nearest,
    far_reflect: "reflect" => crate::reference::Mode::Reflect,
    far_mirror: "mirror" => crate::reference::Mode::Mirror,
    far_wrap: "wrap" => crate::reference::Mode::Wrap,
);

/// Reads far along both axes of a 2-D neighbourhood set per call (issue 11: the border
/// tables grew with the reach, so a reach of 1e9 on a 3x3 input aborted the process).
#[stencil(mode = "nearest", neighborhood = [(-r, r), (-r, r)])]
fn far_corners(x: Rel<f64>, r: isize) -> f64 {
    x[[r, -r]] + 10.0 * x[[0, 0]] + 100.0 * x[[-r, r / 2]]
}

#[test]
fn a_reach_far_beyond_the_array_costs_the_arrays_extent() {
    let x = image(3, 3);
    let clamp = |i: isize| i.clamp(0, 2) as usize;
    for r in [1, 2, 3, 1000, 10_000_000, 1_000_000_000, 1 << 40, 1 << 61] {
        let want = Array2::from_shape_fn((3, 3), |(i, j)| {
            let (i, j) = (i as isize, j as isize);
            x[[clamp(i + r), clamp(j - r)]]
                + 10.0 * x[[i as usize, j as usize]]
                + 100.0 * x[[clamp(i - r), clamp(j + r / 2)]]
        });
        assert_eq!(far_corners(&x, r).unwrap(), want, "r = {r}");
    }
}

#[test]
fn a_reach_that_index_arithmetic_cannot_hold_is_an_error() {
    let x = image(3, 3);
    for r in [1 << 62, isize::MAX] {
        let error = far_corners(&x, r).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the stencil's neighborhood ({}, {r}) on axis 0 is too wide to plan over an \
                 axis of length 3: index arithmetic would overflow",
                -r
            ),
        );
        let mut out = Array2::zeros((3, 3));
        assert!(matches!(
            far_corners_into(&x, r, &mut out),
            Err(KernelError::NeighborhoodTooWide {
                axis: 0,
                len: 3,
                ..
            })
        ));
    }
}

#[test]
fn an_inverted_neighborhood_is_an_error_not_a_panic() {
    // `(-r, r)` with a negative `r`: the reads `x[[r, -r]]` would leave the neighbourhood
    // the border was planned for, which the readers refuse by panicking.
    let x = image(3, 3);
    let error = far_corners(&x, -2).unwrap_err();
    assert_eq!(
        error,
        KernelError::NeighborhoodInverted {
            axis: 0,
            lo: 2,
            hi: -2
        }
    );
    assert_eq!(
        error.to_string(),
        "the stencil's neighborhood on axis 0 is (2, -2) at this call: its low bound is above \
         its high one"
    );
    let mut out = Array2::zeros((3, 3));
    assert!(far_corners_into(&x, -1, &mut out).is_err());
    assert_eq!(
        __far_corners_neighborhood(-1).unwrap_err(),
        KernelError::NeighborhoodInverted {
            axis: 0,
            lo: 1,
            hi: -1
        }
    );
    let halo = __far_corners_neighborhood(4).unwrap();
    assert_eq!((halo.lo, halo.hi), ([-4, -4], [4, 4]));
    assert!(far_corners::STATIC_NEIGHBORHOOD.is_none());
}

const REACH: isize = 2;

/// A reach from a `const` item is known to the compiler, as `const` offsets are.
#[stencil(mode = "nearest", neighborhood = [(-REACH, REACH)])]
fn const_reach_sum(x: Rel<f64>) -> f64 {
    let mut total = 0.0;
    for k in -REACH..=REACH {
        total += x[k];
    }
    total
}

#[test]
fn a_const_reach_is_a_compile_time_neighborhood() {
    const { assert!(const_reach_sum::SIMD) };
    assert_eq!(
        (
            const_reach_sum::NEIGHBORHOOD.lo,
            const_reach_sum::NEIGHBORHOOD.hi
        ),
        ([-2], [2])
    );
    let x = Array1::from_shape_fn(41, |i| (i * i % 13) as f64 - 4.5);
    let want = Array1::from_shape_fn(41, |i| {
        (-2..=2)
            .map(|k| x[(i as isize + k).clamp(0, 40) as usize])
            .fold(0.0, |a, v| a + v)
    });
    assert_eq!(const_reach_sum(&x).unwrap(), want);
}
