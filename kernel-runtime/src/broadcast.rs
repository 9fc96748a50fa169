//! NumPy broadcasting: the shape a set of operands is iterated over together.
//!
//! Each operand of a kernel call has a *loop shape* (its whole shape for `#[vectorize]`,
//! its leading non-core axes for `#[guvectorize]`). The call runs once per element of the
//! *broadcast shape* of those loop shapes, and each operand is read as if stretched to it.
//!
//! # Rules
//!
//! These are NumPy's rules, for any number of operands of any rank:
//!
//! 1. Shapes are aligned at their last axis. A shorter shape is treated as if padded with
//!    leading axes of size 1, so a scalar (shape `()`) broadcasts against anything.
//! 2. On each axis, all sizes other than 1 must be equal; the broadcast size is that size,
//!    or 1 when every operand has 1 there.
//! 3. A size of 1 stretches to any size, *including 0*: `(1, 3)` and `(0, 1)` broadcast to
//!    `(0, 3)`. A size of 0 is otherwise an ordinary size: `(0,)` against `(2,)` is an error.
//!
//! An operand viewed at the broadcast shape gets stride 0 on every stretched or added axis
//! ([`broadcast_strides`]), so nothing is copied.
//!
//! # Examples
//!
//! ```
//! use kernel_runtime::broadcast::{broadcast_shapes, broadcast_strides};
//!
//! assert_eq!(broadcast_shapes(&[&[6, 7], &[5, 6, 1], &[7], &[5, 1, 7]])?, [5, 6, 7]);
//! assert_eq!(broadcast_shapes(&[&[], &[1, 0]])?, [1, 0]);
//!
//! let error = broadcast_shapes(&[&[2, 3], &[2]]).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "operands could not be broadcast together: input 1 has size 2 on axis 0 where \
//!      input 0 has size 3 on axis 1 (loop shapes (2,) and (2, 3))",
//! );
//!
//! // A C-contiguous (3, 1) array of 8-byte elements, read at shape (2, 3, 4).
//! assert_eq!(broadcast_strides(&[3, 1], &[8, 8], &[2, 3, 4]), Some(vec![0, 8, 0]));
//! # Ok::<(), kernel_runtime::KernelError>(())
//! ```

use crate::error::{KernelError, Operand};

/// The broadcast shape of `shapes`, reporting operand `i` as input `i`.
///
/// No shapes broadcast to `()`, like `np.broadcast_shapes()`.
///
/// # Errors
///
/// [`KernelError::Broadcast`] for the first axis, scanning operands in order, on which an
/// operand's size is neither 1 nor the size an earlier operand set.
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>, KernelError> {
    broadcast_with(shapes.len(), |i| shapes[i], Operand::input)
}

/// The broadcast shape of named operands, for errors that say which argument is wrong.
///
/// # Errors
///
/// As [`broadcast_shapes`], naming the operands given here.
///
/// # Examples
///
/// ```
/// use kernel_runtime::broadcast::broadcast_operands;
/// use kernel_runtime::Operand;
///
/// let error = broadcast_operands(&[
///     (Operand::input(0).named("x"), &[3, 2][..]),
///     (Operand::input(1).named("y"), &[4][..]),
/// ])
/// .unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "operands could not be broadcast together: input 1 (`y`) has size 4 on axis 0 \
///      where input 0 (`x`) has size 2 on axis 1 (loop shapes (4,) and (3, 2))",
/// );
/// ```
pub fn broadcast_operands(operands: &[(Operand, &[usize])]) -> Result<Vec<usize>, KernelError> {
    broadcast_with(operands.len(), |i| operands[i].1, |i| operands[i].0.clone())
}

/// The one implementation behind both entry points and the loop shapes of
/// [`crate::bind`]: operands are reached through accessors so that callers need not build
/// a slice of shapes, and an [`Operand`] is only made on the error path.
///
/// One pass over every axis of every operand: `setter[t]` remembers which operand set the
/// size of broadcast axis `t`, which is all an error needs, so no pair of operands is ever
/// compared twice.
pub(crate) fn broadcast_with<'s>(
    count: usize,
    shape: impl Fn(usize) -> &'s [usize],
    operand: impl Fn(usize) -> Operand,
) -> Result<Vec<usize>, KernelError> {
    let ndim = (0..count).map(|i| shape(i).len()).max().unwrap_or(0);
    let mut result = vec![1; ndim];
    // Only read where `result[t] != 1`, which only an operand's own size can cause.
    let mut setter = vec![0; ndim];
    for i in 0..count {
        let own = shape(i);
        let offset = ndim - own.len();
        for (axis, &size) in own.iter().enumerate() {
            let t = offset + axis;
            if size == result[t] || size == 1 {
                continue;
            }
            if result[t] == 1 {
                result[t] = size;
                setter[t] = i;
                continue;
            }
            let other_shape = shape(setter[t]);
            return Err(KernelError::Broadcast {
                operand: operand(i),
                axis,
                size,
                other: operand(setter[t]),
                other_axis: t - (ndim - other_shape.len()),
                other_size: result[t],
                shape: own.to_vec(),
                other_shape: other_shape.to_vec(),
            });
        }
    }
    Ok(result)
}

/// The strides of an array with `shape` and `strides` when read at the broadcast shape
/// `target`: 0 on the new leading axes and on size-1 axes stretched to another size, its
/// own stride elsewhere. `None` if `shape` does not broadcast to `target`, that is, if it
/// has more axes, or an axis whose size is neither 1 nor the target's.
///
/// Strides are in whatever unit the caller uses (elements or bytes); they are copied, never
/// scaled. As in NumPy's `broadcast_to`, a size-1 axis may stretch to size 0.
///
/// # Panics
///
/// If `strides` and `shape` have different lengths.
#[track_caller]
pub fn broadcast_strides(
    shape: &[usize],
    strides: &[isize],
    target: &[usize],
) -> Option<Vec<isize>> {
    assert_eq!(
        shape.len(),
        strides.len(),
        "broadcast_strides: shape and strides have different lengths"
    );
    let offset = target.len().checked_sub(shape.len())?;
    let mut result = vec![0; target.len()];
    for (axis, (&size, &stride)) in shape.iter().zip(strides).enumerate() {
        let want = target[offset + axis];
        if size == want {
            result[offset + axis] = stride;
        } else if size != 1 {
            return None;
        }
    }
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case = (&'static [&'static [usize]], &'static [usize]);

    /// Checks `shapes` broadcast to `expected` in both orders, as NumPy's tests do, and that
    /// every input's strides then broadcast to `expected` too.
    fn assert_broadcasts(shapes: &[&[usize]], expected: &[usize]) {
        assert_eq!(broadcast_shapes(shapes).unwrap(), expected, "{shapes:?}");
        let reversed: Vec<&[usize]> = shapes.iter().rev().copied().collect();
        assert_eq!(
            broadcast_shapes(&reversed).unwrap(),
            expected,
            "{reversed:?}"
        );
        for shape in shapes {
            let strides = vec![1; shape.len()];
            assert!(
                broadcast_strides(shape, &strides, expected).is_some(),
                "{shape:?}"
            );
        }
    }

    fn assert_incompatible(shapes: &[&[usize]]) {
        assert!(broadcast_shapes(shapes).is_err(), "{shapes:?}");
        let reversed: Vec<&[usize]> = shapes.iter().rev().copied().collect();
        assert!(broadcast_shapes(&reversed).is_err(), "{reversed:?}");
    }

    // The tables below are ported verbatim from NumPy 2.4.6,
    // numpy/lib/tests/test_stride_tricks.py, one constant per test function (shapes only;
    // the array-content checks of those tests are the driver's business).

    /// `test_same`: two `np.arange(10)`.
    #[test]
    fn same() {
        assert_broadcasts(&[&[10], &[10]], &[10]);
    }

    /// `test_one_off`: `[[1, 2, 3]]` against `[[1], [2], [3]]`.
    #[test]
    fn one_off() {
        assert_broadcasts(&[&[1, 3], &[3, 1]], &[3, 3]);
    }

    /// `test_same_input_shapes`: one, two and three operands of the same shape.
    const SAME_INPUT_SHAPES: &[&[usize]] = &[
        &[],
        &[1],
        &[3],
        &[0, 1],
        &[0, 3],
        &[1, 0],
        &[3, 0],
        &[1, 3],
        &[3, 1],
        &[3, 3],
    ];

    #[test]
    fn same_input_shapes() {
        for &shape in SAME_INPUT_SHAPES {
            assert_broadcasts(&[shape], shape);
            assert_broadcasts(&[shape, shape], shape);
            assert_broadcasts(&[shape, shape, shape], shape);
        }
    }

    /// `test_two_compatible_by_ones_input_shapes`.
    const COMPATIBLE_BY_ONES: &[Case] = &[
        (&[&[1], &[3]], &[3]),
        (&[&[1, 3], &[3, 3]], &[3, 3]),
        (&[&[3, 1], &[3, 3]], &[3, 3]),
        (&[&[1, 3], &[3, 1]], &[3, 3]),
        (&[&[1, 1], &[3, 3]], &[3, 3]),
        (&[&[1, 1], &[1, 3]], &[1, 3]),
        (&[&[1, 1], &[3, 1]], &[3, 1]),
        (&[&[1, 0], &[0, 0]], &[0, 0]),
        (&[&[0, 1], &[0, 0]], &[0, 0]),
        (&[&[1, 0], &[0, 1]], &[0, 0]),
        (&[&[1, 1], &[0, 0]], &[0, 0]),
        (&[&[1, 1], &[1, 0]], &[1, 0]),
        (&[&[1, 1], &[0, 1]], &[0, 1]),
    ];

    /// `test_two_compatible_by_prepending_ones_input_shapes`.
    const COMPATIBLE_BY_PREPENDING_ONES: &[Case] = &[
        (&[&[], &[3]], &[3]),
        (&[&[3], &[3, 3]], &[3, 3]),
        (&[&[3], &[3, 1]], &[3, 3]),
        (&[&[1], &[3, 3]], &[3, 3]),
        (&[&[], &[3, 3]], &[3, 3]),
        (&[&[1, 1], &[3]], &[1, 3]),
        (&[&[1], &[3, 1]], &[3, 1]),
        (&[&[1], &[1, 3]], &[1, 3]),
        (&[&[], &[1, 3]], &[1, 3]),
        (&[&[], &[3, 1]], &[3, 1]),
        (&[&[], &[0]], &[0]),
        (&[&[0], &[0, 0]], &[0, 0]),
        (&[&[0], &[0, 1]], &[0, 0]),
        (&[&[1], &[0, 0]], &[0, 0]),
        (&[&[], &[0, 0]], &[0, 0]),
        (&[&[1, 1], &[0]], &[1, 0]),
        (&[&[1], &[0, 1]], &[0, 1]),
        (&[&[1], &[1, 0]], &[1, 0]),
        (&[&[], &[1, 0]], &[1, 0]),
        (&[&[], &[0, 1]], &[0, 1]),
    ];

    /// `test_broadcast_shapes_succeeds` (NumPy's `2` for `(2,)` written as `[2]`).
    const BROADCAST_SHAPES_SUCCEEDS: &[Case] = &[
        (&[], &[]),
        (&[&[]], &[]),
        (&[&[7]], &[7]),
        (&[&[1, 2], &[2]], &[1, 2]),
        (&[&[1, 1]], &[1, 1]),
        (&[&[1, 1], &[3, 4]], &[3, 4]),
        (&[&[6, 7], &[5, 6, 1], &[7], &[5, 1, 7]], &[5, 6, 7]),
        (&[&[5, 6, 1]], &[5, 6, 1]),
        (&[&[1, 3], &[3, 1]], &[3, 3]),
        (&[&[1, 0], &[0, 0]], &[0, 0]),
        (&[&[0, 1], &[0, 0]], &[0, 0]),
        (&[&[1, 0], &[0, 1]], &[0, 0]),
        (&[&[1, 1], &[0, 0]], &[0, 0]),
        (&[&[1, 1], &[1, 0]], &[1, 0]),
        (&[&[1, 1], &[0, 1]], &[0, 1]),
        (&[&[], &[0]], &[0]),
        (&[&[0], &[0, 0]], &[0, 0]),
        (&[&[0], &[0, 1]], &[0, 0]),
        (&[&[1], &[0, 0]], &[0, 0]),
        (&[&[], &[0, 0]], &[0, 0]),
        (&[&[1, 1], &[0]], &[1, 0]),
        (&[&[1], &[0, 1]], &[0, 1]),
        (&[&[1], &[1, 0]], &[1, 0]),
        (&[&[], &[1, 0]], &[1, 0]),
        (&[&[], &[0, 1]], &[0, 1]),
        (&[&[1], &[3]], &[3]),
        (&[&[2], &[3, 2]], &[3, 2]),
    ];

    #[test]
    fn compatible_shapes_broadcast_in_either_order() {
        for table in [
            COMPATIBLE_BY_ONES,
            COMPATIBLE_BY_PREPENDING_ONES,
            BROADCAST_SHAPES_SUCCEEDS,
        ] {
            for &(shapes, expected) in table {
                assert_broadcasts(shapes, expected);
            }
        }
    }

    /// `test_broadcast_shape` and `test_broadcast_shapes_succeeds`: many operands, including
    /// the regression cases of gh-5862 (32 operands and more).
    #[test]
    fn many_operands() {
        assert_eq!(broadcast_shapes(&[&[1, 2][..]; 32]).unwrap(), [1, 2]);
        assert_eq!(broadcast_shapes(&[&[1, 2][..]; 100]).unwrap(), [1, 2]);
        assert_eq!(broadcast_shapes(&[&[2][..]; 32]).unwrap(), [2]);
        let mut shapes: Vec<&[usize]> = vec![&[2]; 32];
        shapes.push(&[1]);
        assert_eq!(broadcast_shapes(&shapes).unwrap(), [2]);
        let mut bad: Vec<&[usize]> = vec![&[2]; 32];
        bad.extend([&[3][..]; 32]);
        assert!(broadcast_shapes(&bad).is_err());
    }

    /// `test_incompatible_shapes_raise_valueerror`, then the extra rows of
    /// `test_broadcast_shapes_raises` (NumPy's `2` for `(2,)` written as `[2]`).
    const INCOMPATIBLE: &[&[&[usize]]] = &[
        &[&[3], &[4]],
        &[&[2, 3], &[2]],
        &[&[3], &[3], &[4]],
        &[&[1, 3, 4], &[2, 3, 3]],
        &[&[1, 2], &[3, 1], &[3, 2], &[10, 5]],
        &[&[2], &[2, 3]],
    ];

    #[test]
    fn incompatible_shapes_are_errors_in_either_order() {
        for &shapes in INCOMPATIBLE {
            assert_incompatible(shapes);
        }
        // Zero is an ordinary size except against 1.
        assert_incompatible(&[&[0], &[2]]);
        assert_incompatible(&[&[2, 0], &[3, 1]]);
    }

    #[test]
    fn error_names_the_operand_that_disagrees_and_the_one_that_set_the_size() {
        let error = broadcast_shapes(&[&[1, 2], &[3, 1], &[3, 2], &[10, 5]]).unwrap_err();
        assert_eq!(
            error,
            KernelError::Broadcast {
                operand: Operand::input(3),
                axis: 0,
                size: 10,
                other: Operand::input(1),
                other_axis: 0,
                other_size: 3,
                shape: vec![10, 5],
                other_shape: vec![3, 1],
            }
        );
        // Axes are counted in each operand's own shape, not in the broadcast shape.
        let error = broadcast_shapes(&[&[4, 1, 3], &[5]]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "operands could not be broadcast together: input 1 has size 5 on axis 0 where \
             input 0 has size 3 on axis 2 (loop shapes (5,) and (4, 1, 3))"
        );
    }

    #[test]
    fn named_operands_appear_in_errors() {
        let error = broadcast_operands(&[
            (Operand::output(0).named("out"), &[0][..]),
            (Operand::input(2).named("w"), &[][..]),
            (Operand::input(1).named("b"), &[2][..]),
        ])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "operands could not be broadcast together: input 1 (`b`) has size 2 on axis 0 \
             where output 0 (`out`) has size 0 on axis 0 (loop shapes (2,) and (0,))"
        );
        assert_eq!(broadcast_operands(&[]).unwrap(), Vec::<usize>::new());
    }

    /// `test_broadcast_to_succeeds`: (shape, target), and the strides NumPy's
    /// `broadcast_to` gives for a C-contiguous array with unit element size.
    const BROADCAST_TO_SUCCEEDS: &[(&[usize], &[usize], &[isize])] = &[
        (&[], &[0], &[0]),
        (&[], &[1], &[0]),
        (&[], &[3], &[0]),
        (&[1], &[1], &[1]),
        (&[1], &[2], &[0]),
        (&[1], &[1, 2, 3], &[0, 0, 0]),
        (&[3], &[3], &[1]),
        (&[3], &[1, 3], &[0, 1]),
        (&[3], &[2, 3], &[0, 1]),
        (&[0], &[0], &[1]),
        (&[1], &[1], &[1]),
        (&[1], &[2], &[0]),
        (&[1], &[0], &[0]),
        (&[1, 2], &[0, 2], &[0, 1]),
        (&[2, 1], &[2, 0], &[1, 0]),
    ];

    /// `test_broadcast_to_raises`, without the negative targets `usize` cannot express.
    const BROADCAST_TO_RAISES: &[(&[usize], &[usize])] = &[
        (&[0], &[]),
        (&[1], &[]),
        (&[3], &[]),
        (&[3], &[1]),
        (&[3], &[2]),
        (&[3], &[4]),
        (&[1, 2], &[2, 1]),
        (&[1, 1], &[1]),
    ];

    #[test]
    fn strides_follow_broadcast_to() {
        for &(shape, target, expected) in BROADCAST_TO_SUCCEEDS {
            // C-contiguous unit strides: the product of the later sizes.
            let strides: Vec<isize> = (0..shape.len())
                .map(|a| shape[a + 1..].iter().product::<usize>() as isize)
                .collect();
            assert_eq!(
                broadcast_strides(shape, &strides, target).as_deref(),
                Some(expected),
                "{shape:?} to {target:?}"
            );
        }
        for &(shape, target) in BROADCAST_TO_RAISES {
            let strides = vec![1; shape.len()];
            assert_eq!(
                broadcast_strides(shape, &strides, target),
                None,
                "{shape:?}"
            );
        }
    }

    #[test]
    fn strides_keep_sign_and_unit() {
        // A reversed, transposed view: strides pass through untouched where sizes agree.
        assert_eq!(
            broadcast_strides(&[3, 1, 2], &[-16, 99, 48], &[5, 3, 7, 2]),
            Some(vec![0, -16, 0, 48])
        );
    }

    #[test]
    #[should_panic(expected = "shape and strides have different lengths")]
    fn strides_of_the_wrong_length_panic() {
        let _ = broadcast_strides(&[3], &[], &[3]);
    }
}
