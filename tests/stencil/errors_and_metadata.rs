//! Errors and metadata: reads outside the neighbourhood, output shapes, and the constants
//! and generic parameters the generated functions carry.

use ndkernel::boundary::Boundary;
use ndkernel::prelude::*;
use ndkernel::stencil::Footprint;

use crate::mode_pairs::asym2;
use crate::named_kernels::{
    affine, ahead, back, back_into, laplace3, laplace3_mixed, moving_sum, reach_r, shifted,
    shifted2, widen,
};
use crate::numba::{mean, mean_into};
use crate::{assert_same, grid, grid2};

#[test]
#[should_panic(expected = "#[stencil] read at offset [2], outside the neighborhood [(-1, 1)]")]
fn a_computed_offset_outside_the_neighbourhood_panics() {
    let _ = shifted(&grid(&[6], 1, false), 2);
}

#[test]
#[should_panic(
    expected = "#[stencil] read at offset [0, 1], outside the neighborhood [(-1, 1), (0, 0)]"
)]
fn a_computed_offset_outside_the_neighbourhood_panics_on_the_border() {
    // One row: every position is border.
    let _ = shifted2(&grid(&[1, 4], 1, false), 1);
}

#[test]
fn into_checks_the_output_shape() {
    let x = grid2(6, 7, 18);
    let mut out = Array2::zeros((5, 5));
    let error = mean_into(&x, &mut out).unwrap_err();
    assert!(
        matches!(error, KernelError::ShapeMismatch { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (5, 5) but the call requires (6, 7)"
    );
    // `valid` outputs are shorter.
    let x = grid(&[9], 1, false);
    let error = back_into(&x, &mut Array1::zeros(9)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (9,) but the call requires (7,)"
    );
    let mut out = Array1::zeros(7);
    back_into(&x, &mut out).unwrap();
    assert_same(&out, &back(&x).unwrap().into_dyn(), "back_into");
    // A stencil needs at least its own rank.
    let error = mean(&Array1::<f64>::zeros(4)).unwrap_err();
    assert!(
        matches!(
            error,
            KernelError::StencilRank {
                ndim: 1,
                rank: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "input 0 (`x`) has 1 axis but the stencil reads 2 (its last 2; any leading axes are a \
         stack)"
    );
}

#[test]
fn metadata() {
    assert_eq!((mean::RANK, mean::MODES), (2, [Boundary::Skip; 2]));
    assert_eq!(
        mean::NEIGHBORHOOD,
        Footprint {
            lo: [-1, -1],
            hi: [1, 1]
        }
    );
    assert_eq!(moving_sum::NEIGHBORHOOD, Footprint { lo: [-3], hi: [3] });
    assert_eq!(ahead::NEIGHBORHOOD, Footprint { lo: [0], hi: [2] });
    assert_eq!(back::NEIGHBORHOOD, Footprint { lo: [-2], hi: [0] });
    assert_eq!(back::MODES, [Boundary::Valid]);
    assert_eq!(
        reach_r::NEIGHBORHOOD,
        Footprint {
            lo: [-2, 0],
            hi: [2, 2]
        }
    );
    assert_eq!(affine::MODES, [Boundary::Reflect, Boundary::Wrap]);
    assert_eq!(laplace3::RANK, 3);
    assert_eq!(
        laplace3_mixed::MODES,
        [Boundary::Reflect, Boundary::Skip, Boundary::Mirror]
    );
    assert_eq!(widen::MODES, [Boundary::Constant]);
    assert_eq!(
        asym2::valid::wrap::k::MODES,
        [Boundary::Valid, Boundary::Wrap]
    );
    assert_eq!(
        asym2::skip::skip::k::NEIGHBORHOOD,
        Footprint {
            lo: [-2, -1],
            hi: [1, 0]
        }
    );
}

/// Lifetime and const generic parameters of the kernel carry through to the generated
/// functions.
#[stencil]
fn lookup_pair<'a>(x: Rel<u8>, table: ArrayView1<'a, f64>) -> f64 {
    table[usize::from(x[-1])] + table[usize::from(x[1])]
}

#[stencil]
fn scaled<const K: usize>(x: Rel<f64>) -> f64 {
    x[-1] * K as f64
}

/// A constant-padded kernel whose output type differs from its input type: `cval` pads
/// the input and never has to be an output value.
#[stencil(mode = "constant", cval = 1.5)]
fn rounded_sum(x: Rel<f64>) -> i32 {
    (x[-1] + x[0] + x[1]).round() as i32
}

#[test]
fn lifetime_const_generics_and_cval_of_the_input_type() {
    let x = Array1::from(vec![0u8, 1, 2, 1]);
    let table = Array1::from(vec![10.0, 20.0, 30.0]);
    let got = lookup_pair(&x, table.view()).unwrap();
    assert_eq!(got, Array1::from(vec![0.0, 40.0, 40.0, 0.0]));
    let y = Array1::from(vec![1.0, 2.0, 3.0]);
    assert_eq!(
        scaled::<3, _>(&y).unwrap(),
        Array1::from(vec![0.0, 3.0, 6.0])
    );
    assert_eq!(rounded_sum(&y).unwrap(), Array1::from(vec![5, 6, 7]));
}

/// Naming `Rel` and `stencil` one by one, as a crate with `deny(unused_imports)` would: the
/// parameter's type is rewritten by the macro, yet its import counts as used.
mod explicit_imports {
    #![deny(unused_imports)]

    use ndkernel::stencil;
    use ndkernel::stencil::Rel;

    #[stencil]
    fn difference(x: Rel<f64>) -> f64 {
        x[[1]] - x[[0]]
    }

    #[test]
    fn explicit_imports_are_used() {
        let got = difference(&ndarray::array![1.0, 4.0, 9.0]).unwrap();
        assert_eq!(got, ndarray::array![3.0, 5.0, 0.0]);
    }
}
