//! `#[stencil]` kernels that read several arrays by relative index, against the hand-written
//! reference of `reference.rs`: the neighbourhood is the union of every input's reads, each
//! input pads `constant` axes with `cval` of its own type, and the inputs must share one shape.

#![allow(
    clippy::float_cmp,
    clippy::many_single_char_names,
    reason = "exact values are the point; `a`, `b`, `c` are the kernel's own names"
)]

use ndarray::{Array2, Array3, ArrayD, ArrayViewD, IxDyn, ShapeBuilder, s};
use ndkernel::dispatch;
use ndkernel::prelude::*;
use ndkernel::stencil::Footprint;
use proptest::prelude::*;

use crate::reference::{MODES, Mode, naive_at};

/// Values that differ from their neighbours in every bit pattern that matters.
fn grid(shape: &[usize], seed: usize) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        let flat = i.slice().iter().fold(seed, |acc, &k| acc * 31 + k);
        ((flat * 2_654_435_761) % 1009) as f64 / 97.0 - 5.0
    })
}

/// Bit-for-bit equality, so that `NaN`s and signed zeros count.
fn assert_bits(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for ((i, g), w) in got.indexed_iter().zip(want) {
        assert_eq!(g.to_bits(), w.to_bits(), "{what}: at {i:?}, {g} != {w}");
    }
}

/// Rows `[-2, 1]`, columns `[-1, 1]`: `u` reads the cross, `c` reads above and to the right.
const REACH: (&[isize], &[isize]) = (&[-2, -1], &[1, 1]);

macro_rules! diffusion_in_every_mode {
    ($($name:ident = $mode:literal,)*) => {
        $(
            /// Diffusion with a conductivity field `c` read off-centre, so the neighbourhood
            /// is the union of both inputs' reads.
            #[stencil(mode = $mode, cval = 0.5)]
            fn $name(u: Rel<f64>, k: f64, c: Rel<f64>) -> f64 {
                c[[0, 1]] * (u[[-1, 0]] + u[[1, 0]] + u[[0, -1]] + u[[0, 1]] - 4.0 * u[[0, 0]]) * k
                    + c[[-2, 0]]
            }
        )*

        /// Each mode's kernel, in the order of `MODES`.
        const DIFFUSION: [fn(ArrayViewD<'_, f64>, f64, ArrayViewD<'_, f64>) -> Result<ArrayD<f64>, KernelError>; 7] =
            [$(|u, k, c| $name(&u, k, &c)),*];
    };
}

diffusion_in_every_mode! {
    diffusion_skip = "skip",
    diffusion_constant = "constant",
    diffusion_nearest = "nearest",
    diffusion_reflect = "reflect",
    diffusion_mirror = "mirror",
    diffusion_wrap = "wrap",
    diffusion_valid = "valid",
}

fn diffusion_reference(u: &ArrayD<f64>, k: f64, c: &ArrayD<f64>, mode: Mode) -> ArrayD<f64> {
    let modes = [mode; 2];
    naive_at(u.shape(), &modes, REACH, 0.5, |locate| {
        let u = |o: &[isize]| locate(o).map_or(0.5, |i| u[IxDyn(&i)]);
        let c = |o: &[isize]| locate(o).map_or(0.5, |i| c[IxDyn(&i)]);
        c(&[0, 1]) * (u(&[-1, 0]) + u(&[1, 0]) + u(&[0, -1]) + u(&[0, 1]) - 4.0 * u(&[0, 0])) * k
            + c(&[-2, 0])
    })
}

#[test]
fn the_neighbourhood_is_the_union_of_every_inputs_reads() {
    assert_eq!(
        diffusion_skip::NEIGHBORHOOD,
        Footprint {
            lo: [-2, -1],
            hi: [1, 1]
        }
    );
    // Skip: the border is two rows at the top, one at the bottom, one column each side.
    let out = diffusion_skip(grid(&[6, 5], 1), 1.0, grid(&[6, 5], 2)).unwrap();
    assert!(out.slice(s![..2, ..]).iter().all(|&v| v == 0.5));
    assert!(out.slice(s![5, ..]).iter().all(|&v| v == 0.5));
    assert!(out.slice(s![2..5, 1..4]).iter().all(|&v| v != 0.5));
    assert_eq!(
        diffusion_valid(grid(&[6, 5], 1), 1.0, grid(&[6, 5], 2))
            .unwrap()
            .shape(),
        [3, 3]
    );
}

#[test]
fn every_mode_matches_the_reference() {
    for shape in [[6, 5], [1, 1], [2, 3], [3, 1], [9, 17], [0, 4]] {
        let (u, c) = (grid(&shape, 3), grid(&shape, 4));
        for (mode, kernel) in MODES.iter().zip(DIFFUSION) {
            let got = kernel(u.view(), 0.25, c.view()).unwrap();
            assert_bits(
                &got,
                &diffusion_reference(&u, 0.25, &c, *mode),
                &format!("{mode:?} {shape:?}"),
            );
        }
    }
}

#[test]
fn inputs_of_different_layouts_are_read_where_they_lie() {
    let u = grid(&[14, 22], 5);
    let c_fortran = grid(&[22, 14], 6).reversed_axes(); // column-major (14, 22)
    let u_tall = grid(&[28, 44], 7);
    let c_wide = grid(&[14, 44], 8);
    let layouts: Vec<(&str, ArrayViewD<'_, f64>, ArrayViewD<'_, f64>)> = vec![
        ("contiguous and column-major", u.view(), c_fortran.view()),
        ("column-major and contiguous", c_fortran.view(), u.view()),
        (
            "stepped rows and reversed columns",
            u_tall.slice(s![..;2, 11..33]).into_dyn(),
            c_wide.slice(s![.., ..;-2]).into_dyn(),
        ),
        (
            "negative steps on both axes",
            u_tall.slice(s![..;-2, ..44;-2]).into_dyn(),
            c_fortran.slice(s![..;-1, ..]).into_dyn(),
        ),
    ];
    for (what, u, c) in &layouts {
        let (u_owned, c_owned) = (u.to_owned(), c.to_owned());
        for (mode, kernel) in MODES.iter().zip(DIFFUSION) {
            let got = kernel(u.view(), 0.5, c.view()).unwrap();
            assert_bits(
                &got,
                &diffusion_reference(&u_owned, 0.5, &c_owned, *mode),
                what,
            );
        }
    }
}

#[test]
fn stacks_of_several_inputs_run_plane_by_plane() {
    let (u, c) = (grid(&[3, 7, 9], 9), grid(&[3, 7, 9], 10));
    for (mode, kernel) in MODES.iter().zip(DIFFUSION) {
        let got = kernel(u.view(), 1.5, c.view()).unwrap();
        for p in 0..3 {
            let (up, cp) = (
                u.index_axis(ndarray::Axis(0), p),
                c.index_axis(ndarray::Axis(0), p),
            );
            let want = diffusion_reference(&up.to_owned(), 1.5, &cp.to_owned(), *mode);
            assert_bits(
                &got.index_axis(ndarray::Axis(0), p).to_owned(),
                &want,
                &format!("{mode:?} plane {p}"),
            );
        }
    }
}

/// Inputs of three element types, a scalar and an absolutely indexed table between them.
#[stencil(mode = "wrap")]
fn blend(a: Rel<u8>, w: f32, b: Rel<i16>, lut: ArrayView1<f32>, c: Rel<f32>) -> f32 {
    lut[usize::from(a[[0, -1]] % 4)] * w + f32::from(b[[1, 0]]) - c[[0, 0]]
}

/// Mixed element types with `constant` padding: each input pads with its own zero.
#[stencil(mode = "constant")]
fn masked_sum(x: Rel<f32>, mask: Rel<bool>) -> f32 {
    let mut total = 0.0;
    if mask[[-1, 0]] {
        total += x[[-1, 0]];
    }
    if mask[[0, 1]] {
        total += x[[0, 1]];
    }
    if mask[[1, 1]] {
        total += x[[1, 1]];
    }
    total
}

#[test]
fn inputs_of_different_element_types() {
    let (rows, cols) = (5, 6);
    let a = Array2::from_shape_fn((rows, cols), |(i, j)| (i * 7 + j * 3) as u8);
    let b = Array2::from_shape_fn((rows, cols), |(i, j)| i as i16 * 100 - j as i16 * 7);
    let c = Array2::from_shape_fn((rows, cols), |(i, j)| (i * cols + j) as f32 * 0.5);
    let lut = ndarray::arr1(&[1.0f32, -2.0, 0.25, 8.0]);
    let got = blend(&a, 1.5, &b, lut.view(), &c).unwrap();
    let want = Array2::from_shape_fn((rows, cols), |(i, j)| {
        let left = a[[i, (j + cols - 1) % cols]];
        lut[usize::from(left % 4)] * 1.5 + f32::from(b[[(i + 1) % rows, j]]) - c[[i, j]]
    });
    assert_eq!(got, want);

    let x = Array2::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) as f32 + 1.0);
    let mask = Array2::from_shape_fn((4, 5), |(i, j)| (i + 2 * j) % 3 != 0);
    let got = masked_sum(&x, &mask).unwrap();
    let want = Array2::from_shape_fn((4, 5), |(i, j)| {
        let read = |di: isize, dj: isize| {
            let (r, q) = (i as isize + di, j as isize + dj);
            if (0..4).contains(&r) && (0..5).contains(&q) {
                let at = [r as usize, q as usize];
                if mask[at] { x[at] } else { 0.0 }
            } else {
                0.0 // outside: the mask pads with `false`
            }
        };
        read(-1, 0) + read(0, 1) + read(1, 1)
    });
    assert_eq!(got, want);
}

#[test]
fn parallel_results_equal_serial_ones() {
    let (u, c) = (
        grid(&[301, 1003], 11),
        grid(&[301, 1003], 12).reversed_axes().t().to_owned(),
    );
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    for kernel in DIFFUSION {
        let plain = kernel(u.view(), 0.125, c.view()).unwrap();
        let serial = dispatch::serial(|| kernel(u.view(), 0.125, c.view()).unwrap());
        let one = pool(1).install(|| kernel(u.view(), 0.125, c.view()).unwrap());
        let three = pool(3).install(|| kernel(u.view(), 0.125, c.view()).unwrap());
        for other in [serial, one, three] {
            assert_bits(&other, &plain, "schedules");
        }
    }
}

#[test]
fn inputs_of_different_shapes_are_refused() {
    let u = Array2::<f64>::zeros((5, 6));
    let error = diffusion_wrap(&u, 1.0, Array2::<f64>::zeros((5, 7))).unwrap_err();
    assert!(
        matches!(error, KernelError::StencilShapes { axis: 1, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "stencil inputs must share one shape: input 2 (`c`) has size 7 on axis 1 where input 0 \
         (`u`) has size 6 (shapes (5, 7) and (5, 6))"
    );
    // Stencil inputs never broadcast, not even a stack against one plane.
    let error = diffusion_wrap(&Array3::<f64>::zeros((2, 5, 6)), 1.0, &u).unwrap_err();
    assert_eq!(
        error.to_string(),
        "stencil inputs must share one shape: input 2 (`c`) has size 5 on axis 0 where input 0 \
         (`u`) has size 2 (shapes (5, 6) and (2, 5, 6))"
    );
    let error = diffusion_wrap(&u, 1.0, Array3::<f64>::zeros((5, 6, 1))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "stencil inputs must share one shape: input 2 (`c`) has 3 axes where input 0 (`u`) has \
         2 (shapes (5, 6, 1) and (5, 6))"
    );
    // Too few axes is reported for the input that has them.
    let error = diffusion_wrap(&u, 1.0, ndarray::Array1::<f64>::zeros(6)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 2 (`c`) has 1 axis but the stencil reads 2 (its last 2; any leading axes are a \
         stack)"
    );
    // `_into` checks the output after the inputs.
    let mut out = Array2::<f64>::zeros((5, 5));
    let error = diffusion_wrap_into(&u, 1.0, &u, &mut out).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (5, 5) but the call requires (5, 6)"
    );
}

fn layout(shape: [usize; 2], seed: usize, transposed: bool) -> ArrayD<f64> {
    if transposed {
        let t = grid(&[shape[1], shape[0]], seed);
        let mut f = ArrayD::zeros(IxDyn(&shape).f());
        f.assign(&t.t());
        f
    } else {
        grid(&shape, seed)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_shapes_layouts_and_modes(
        rows in 0usize..9,
        cols in 0usize..11,
        mode in 0usize..7,
        transposed in (any::<bool>(), any::<bool>()),
        k in -2.0f64..2.0,
    ) {
        let u = layout([rows, cols], 13, transposed.0);
        let c = layout([rows, cols], 14, transposed.1);
        let got = DIFFUSION[mode](u.view(), k, c.view()).unwrap();
        let want = diffusion_reference(&u, k, &c, MODES[mode]);
        prop_assert_eq!(got.shape(), want.shape());
        for (g, w) in got.iter().zip(&want) {
            prop_assert_eq!(g.to_bits(), w.to_bits());
        }
    }
}
