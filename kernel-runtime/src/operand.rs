//! What a kernel accepts as an argument: arrays, views, references to either, and plain
//! scalars, all seen as [`ArrayView`]s of a static or dynamic rank.

use ndarray::{ArrayBase, ArrayView, ArrayView0, Data, Dimension, Ix0};

use crate::error::{KernelError, Operand};

/// An argument a kernel can read elements of type `T` from.
///
/// Implemented for owned arrays, views and references to them (any storage, any rank),
/// and for plain scalars of the primitive numeric types and `bool`, which act as 0-d
/// arrays and broadcast against anything.
///
/// # Examples
///
/// ```
/// use kernel_runtime::operand::AsOperand;
/// use ndarray::array;
///
/// fn total<A: AsOperand<f64>>(a: A) -> f64 {
///     a.as_operand().sum()
/// }
/// assert_eq!(total(&array![1.0, 2.0]), 3.0);
/// assert_eq!(total(array![[1.0], [2.0]].view()), 3.0);
/// assert_eq!(total(4.0), 4.0);
/// ```
pub trait AsOperand<T> {
    /// The rank of the view: static where the argument's is.
    type Dim: Dimension;

    /// Borrows the argument as a view.
    fn as_operand(&self) -> ArrayView<'_, T, Self::Dim>;
}

impl<S, D, T> AsOperand<T> for ArrayBase<S, D>
where
    S: Data<Elem = T>,
    D: Dimension,
{
    type Dim = D;

    fn as_operand(&self) -> ArrayView<'_, T, D> {
        self.view()
    }
}

impl<S, D, T> AsOperand<T> for &ArrayBase<S, D>
where
    S: Data<Elem = T>,
    D: Dimension,
{
    type Dim = D;

    fn as_operand(&self) -> ArrayView<'_, T, D> {
        self.view()
    }
}

impl<S, D, T> AsOperand<T> for &mut ArrayBase<S, D>
where
    S: Data<Elem = T>,
    D: Dimension,
{
    type Dim = D;

    fn as_operand(&self) -> ArrayView<'_, T, D> {
        self.view()
    }
}

macro_rules! scalar_operand {
    ($($t:ty)*) => {$(
        impl AsOperand<$t> for $t {
            type Dim = Ix0;

            fn as_operand(&self) -> ArrayView0<'_, $t> {
                ndarray::aview0(self)
            }
        }
    )*};
}

scalar_operand!(f32 f64 i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize bool);

/// The dimension value of rank `D` for `shape`.
///
/// # Panics
///
/// If `D` has a static rank other than `shape.len()`: callers compute `D` from the same
/// operands as `shape`, so this is a bug in the caller.
pub fn dim_of<D: Dimension>(shape: &[usize]) -> D {
    let mut dim = D::zeros(shape.len());
    dim.slice_mut().copy_from_slice(shape);
    dim
}

/// `view` seen with the broadcast shape `dim`: stride 0 on stretched and new axes.
///
/// # Panics
///
/// If `view` does not broadcast to `dim`: callers check shapes with
/// [`crate::broadcast`] first and report errors from there.
#[track_caller]
pub fn broadcast_to<'v, T, D: Dimension, E: Dimension>(
    view: &'v ArrayView<'_, T, D>,
    dim: &E,
) -> ArrayView<'v, T, E> {
    view.broadcast(dim.clone()).unwrap_or_else(|| {
        panic!(
            "shape {:?} does not broadcast to {:?}",
            view.shape(),
            dim.slice()
        )
    })
}

/// Checks that an operand has exactly the shape a call requires: outputs are never
/// broadcast, and never silently truncated.
///
/// # Errors
///
/// [`KernelError::ShapeMismatch`] naming `operand` and both shapes.
pub fn check_shape(
    operand: Operand,
    expected: &[usize],
    found: &[usize],
) -> Result<(), KernelError> {
    if expected == found {
        Ok(())
    } else {
        Err(KernelError::ShapeMismatch {
            operand,
            expected: expected.to_vec(),
            found: found.to_vec(),
        })
    }
}
