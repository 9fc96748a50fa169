//! Errors name the operand and the sizes; outputs the kernel never writes.

use ndkernel::prelude::*;

use crate::grid;
use crate::kernels::{
    forget, forget_into, head, inner1d, matmul, matmul_into, min_max_into, min_max_out_into,
    too_short, too_short_into,
};

#[test]
fn every_error_names_the_operand_and_the_sizes() {
    let (a, b) = (
        Array4::<f64>::ones((2, 1, 3, 4)),
        Array3::<f64>::ones((5, 4, 2)),
    );
    // Core dimension mismatch, named by parameter.
    let error = matmul(&a, Array2::<f64>::ones((3, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has size 3 on axis 0 for core dimension `k`, expected 4 as bound by \
         input 0 (`a`) (signature \"(n,k),(k,m)->(n,m)\")"
    );
    let KernelError::CoreDimMismatch {
        operand,
        dim,
        axis,
        size,
        expected,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (operand.index, dim.as_str(), *axis, *size, *expected),
        (1, "k", 0, 3, 4)
    );
    // Too few axes.
    let error = matmul(&a, Array1::<f64>::ones(4)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 (`b`) has 1 axes but its core dimensions (k,m) need at least 2 \
         (signature \"(n,k),(k,m)->(n,m)\")"
    );
    // Loop dimensions that do not broadcast.
    let error = matmul(Array4::<f64>::ones((2, 4, 3, 4)), b.slice(s![..3, .., ..])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "operands could not be broadcast together: input 1 (`b`) has size 3 on axis 0 where \
         input 0 (`a`) has size 4 on axis 1 (loop shapes (3,) and (2, 4))"
    );
    let error = inner1d(Array2::<f64>::ones((2, 3)), Array2::<f64>::ones((4, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "operands could not be broadcast together: input 1 (`b`) has size 4 on axis 0 where \
         input 0 (`a`) has size 2 on axis 0 (loop shapes (4,) and (2,))"
    );
    // An output of another shape in `_into`: loop part and core part.
    let error = matmul_into(&a, &b, &mut Array4::<f64>::zeros((2, 5, 3, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has size 3 on axis 3 for core dimension `m`, expected 2 as bound by \
         input 1 (`b`) (signature \"(n,k),(k,m)->(n,m)\")"
    );
    let error = matmul_into(&a, &b, &mut Array4::<f64>::zeros((2, 1, 3, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (2, 1, 3, 2) but the call requires (2, 5, 3, 2)"
    );
    let error = matmul_into(&a, &b, &mut Array3::<f64>::zeros((5, 3, 2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (5, 3, 2) but the call requires (2, 5, 3, 2)"
    );
    // Output-only dimension without a size.
    let error = head(Array1::<f64>::ones(3)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "core dimension `m` appears only in outputs and has no size: pass an output array or \
         give a size rule (signature \"(n)->(m)\")"
    );
    // A returning kernel whose core result has the wrong shape.
    let error = too_short(Array2::<f64>::ones((2, 3))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 (`out`) has shape (2,) but the call requires (3,)"
    );
    let error = too_short_into(&Array1::<f64>::ones(3), &mut Array1::<f64>::zeros(3)).unwrap_err();
    assert!(
        matches!(error, KernelError::ShapeMismatch { .. }),
        "{error:?}"
    );
    // Several outputs are named `out0`, `out1`, ...
    let error = min_max_into(
        &Array2::<f64>::ones((2, 3)),
        &mut Array1::zeros(2),
        &mut Array1::zeros(3),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 1 (`out1`) has shape (3,) but the call requires (2,)"
    );
    // ... and out-parameter outputs by their parameter names.
    let error = min_max_out_into(
        &Array2::<f64>::ones((2, 3)),
        &mut Array1::zeros(2),
        &mut Array1::zeros(3),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 1 (`hi`) has shape (3,) but the call requires (2,)"
    );
}

/// The allocating form zeroes its outputs before the kernel runs: an element the kernel
/// never writes is 0 (`Default`), never uninitialised or left over from anything else.
#[test]
fn outputs_the_kernel_never_writes_are_zero() {
    let x = grid((5, 4), 34);
    assert_eq!(forget(&x).unwrap(), Array2::<f64>::zeros((5, 4)));
    // In `_into`, they keep what the caller put there.
    let mut out = Array2::from_elem((5, 4), 7.0);
    forget_into(&x, &mut out).unwrap();
    assert!(out.iter().all(|&v| v == 7.0));
}

#[test]
fn a_loop_shape_too_large_to_allocate_is_an_error() {
    use ndarray::ShapeBuilder;
    // Loop dimensions (2^33, 1) and (1, 2^33) of zero-stride views broadcast to 2^66
    // cores: refused before allocating, naming the output.
    let zeros = [0.0; 3];
    let a = ArrayView3::from_shape((1 << 33, 1, 3).strides((0, 0, 1)), &zeros).unwrap();
    let b = ArrayView3::from_shape((1, 1 << 33, 3).strides((0, 0, 1)), &zeros).unwrap();
    let error = inner1d(a, b).unwrap_err();
    assert!(
        matches!(&error, KernelError::TooLarge { shape, .. } if shape == &[1 << 33, 1 << 33]),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("output 0 (`out`) would have shape"),
        "{error}"
    );
}
