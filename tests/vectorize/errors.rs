//! Errors: outputs of another shape, and inputs that do not broadcast.

use ndkernel::prelude::*;

use crate::grid;
use crate::kernels::{clip, divmod_into, rel_diff, rel_diff_into};

#[test]
fn into_refuses_outputs_of_another_shape() {
    let (x, y) = (grid((3, 1), 1), grid(4, 2));
    let cases: [(&[usize], &str); 3] = [
        (
            &[3, 3],
            "output 0 (`out`) has shape (3, 3) but the call requires (3, 4)",
        ),
        // Outputs are never broadcast: not from (4,), not from (1, 4).
        (
            &[4],
            "output 0 (`out`) has shape (4,) but the call requires (3, 4)",
        ),
        (
            &[1, 4],
            "output 0 (`out`) has shape (1, 4) but the call requires (3, 4)",
        ),
    ];
    for (shape, message) in cases {
        let mut out = ArrayD::<f64>::zeros(shape);
        let error = rel_diff_into(&x, &y, &mut out).unwrap_err();
        assert!(
            matches!(error, KernelError::ShapeMismatch { .. }),
            "{error:?}"
        );
        assert_eq!(error.to_string(), message);
        assert!(out.iter().all(|&v| v.to_bits() == 0), "nothing written");
    }
    // Nor does a larger output stretch the inputs.
    let mut out = Array2::<f64>::zeros((3, 4));
    let error = rel_diff_into(&y, 1.0, &mut out).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (3, 4) but the call requires (4,)"
    );
    let (mut q, mut r) = (Array1::zeros(3), Array1::zeros(2));
    let error = divmod_into(&arr1(&[1, 2, 3]), 2, &mut q, &mut r).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 1 (`out1`) has shape (2,) but the call requires (3,)"
    );
}

#[test]
fn inputs_that_do_not_broadcast_are_named_in_the_error() {
    let (x, y) = (grid((3, 2), 1), grid(4, 2));
    let message = "operands could not be broadcast together: input 1 (`y`) has size 4 on axis 0 \
                   where input 0 (`x`) has size 2 on axis 1 (loop shapes (4,) and (3, 2))";
    let error = rel_diff(&x, &y).unwrap_err();
    assert!(matches!(error, KernelError::Broadcast { .. }), "{error:?}");
    assert_eq!(error.to_string(), message);
    // `_into` checks the inputs before the output.
    let mut out = Array2::<f64>::zeros((1, 1));
    assert_eq!(
        rel_diff_into(&x, &y, &mut out).unwrap_err().to_string(),
        message
    );
    assert_eq!(
        clip(&grid(5, 3), &grid(3, 4), 0.0).unwrap_err().to_string(),
        "operands could not be broadcast together: input 1 (`lo`) has size 3 on axis 0 where \
         input 0 (`x`) has size 5 on axis 0 (loop shapes (3,) and (5,))"
    );
    // A size of 0 is not a size of 1.
    assert!(rel_diff(&grid(0, 5), &grid(2, 6)).is_err());
}

/// A view of `shape` that reads one element everywhere: zero strides, no memory.
fn everywhere(value: &f64, shape: (usize, usize)) -> ArrayView2<'_, f64> {
    use ndarray::ShapeBuilder;
    ArrayView2::from_shape(shape.strides((0, 0)), std::slice::from_ref(value)).unwrap()
}

#[test]
fn a_broadcast_shape_too_large_to_allocate_is_an_error() {
    // (2^33, 1) with (1, 2^33): 2^66 elements, as NumPy's "array is too big".
    let one = 1.0;
    let (x, y) = (
        everywhere(&one, (1 << 33, 1)),
        everywhere(&one, (1, 1 << 33)),
    );
    let error = rel_diff(x, y).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "output 0 (`out`) would have shape (8589934592, 8589934592): more than {} elements \
             of 8 bytes exceed the largest possible allocation ({} bytes)",
            usize::MAX,
            isize::MAX
        )
    );
    // Elements that fit `usize` but whose bytes do not fit `isize`.
    let (x, y) = (
        everywhere(&one, (1 << 31, 1)),
        everywhere(&one, (1, 1 << 31)),
    );
    assert!(matches!(
        rel_diff(x, y).unwrap_err(),
        KernelError::TooLarge {
            element_size: 8,
            ..
        }
    ));
}
