//! The relatively indexed inputs of one stencil call, as one value the driver walks.

use ndarray::{ArrayView, Dimension};

use super::readers::sealed::{Sealed, Token};
use super::{Footprint, RowOf, output_shape};
use crate::boundary::Boundary;
use crate::error::{KernelError, Operand};

/// One relatively indexed input: the array, the value a `constant` axis reads outside it,
/// and its name for errors.
#[derive(Debug)]
pub struct Source<'a, T, D: Dimension, const N: usize> {
    view: ArrayView<'a, T, D>,
    pad: &'a T,
    operand: Operand,
}

impl<'a, T, D: Dimension, const N: usize> Source<'a, T, D, N> {
    /// `view` read by relative index; `pad` is what a `constant` axis reads beyond its
    /// edges; `operand` names the input in errors.
    pub fn new(view: ArrayView<'a, T, D>, pad: &'a T, operand: Operand) -> Self {
        Source { view, pad, operand }
    }

    /// The strides of the stencil's axes.
    fn stencil_strides(&self) -> [isize; N] {
        let strides = self.view.strides();
        std::array::from_fn(|a| strides[strides.len() - N + a])
    }

    fn row(&self, loop_index: &[usize], center: &[usize; N]) -> RowOf<'a, T, N> {
        let strides = self.view.strides();
        let plane_offset: isize = loop_index
            .iter()
            .zip(strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        let stencil_strides = self.stencil_strides();
        let center_offset: isize = center
            .iter()
            .zip(&stencil_strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        // Addresses only: `Place::read` dereferences them at planned positions alone.
        let plane = self.view.as_ptr().wrapping_offset(plane_offset);
        RowOf {
            first: plane.wrapping_offset(center_offset),
            strides: stencil_strides,
            pad: self.pad,
        }
    }
}

/// The relatively indexed inputs of a stencil: a tuple of one to six [`Source`]s of one
/// shape. Sealed; the driver uses it through [`run`](super::run).
pub trait Sources<const N: usize>: Sync + Sealed {
    /// Every input's [`RowOf`] for one row of outputs.
    type Row: Copy;

    /// The output shape, after checking that every input has at least `N` axes and that
    /// all share the first's shape.
    ///
    /// # Errors
    ///
    /// [`KernelError::StencilRank`] or [`KernelError::StencilShapes`].
    fn output_shape(
        &self,
        footprint: &Footprint<N>,
        modes: &[Boundary; N],
    ) -> Result<Vec<usize>, KernelError>;

    /// The first input's shape: the shape of every input once checked.
    fn shape(&self) -> &[usize];

    /// The stencil axis rows of outputs run along, and whether every input steps one
    /// element at a time on it (interior reads are then consecutive): the last axis if
    /// every input is contiguous there (C order), else an axis on which every input is
    /// (F order, transposed views), else the first input's axis of least stride.
    fn row_axis(&self) -> (usize, bool);

    /// Every input's row at loop index `loop_index`, centre `center` on the stencil axes.
    #[doc(hidden)]
    fn row(&self, token: Token, loop_index: &[usize], center: &[usize; N]) -> Self::Row;
}

/// [`Sources::row_axis`] from every input's stencil strides and the common stencil shape.
/// Axes of length 1 are ignored: their stride says nothing about the layout.
fn row_axis<const N: usize>(strides: &[[isize; N]], shape: &[usize]) -> (usize, bool) {
    let unit = |axis: usize| strides.iter().all(|s| s[axis] == 1 || shape[axis] <= 1);
    if let Some(axis) = (0..N).rev().find(|&a| shape[a] > 1 && unit(a)) {
        return (axis, true);
    }
    let axis = (0..N)
        .rev()
        .filter(|&a| shape[a] > 1)
        .min_by_key(|&a| strides[0][a].unsigned_abs())
        .unwrap_or(N - 1);
    (axis, unit(axis))
}

macro_rules! sources {
    ($($T:ident $D:ident $i:tt),+) => {
        impl<'a, $($T: Sync,)+ $($D: Dimension,)+ const N: usize> Sealed
            for ($(Source<'a, $T, $D, N>,)+)
        {
        }

        impl<'a, $($T: Sync,)+ $($D: Dimension,)+ const N: usize> Sources<N>
            for ($(Source<'a, $T, $D, N>,)+)
        {
            type Row = ($(RowOf<'a, $T, N>,)+);

            fn output_shape(
                &self,
                footprint: &Footprint<N>,
                modes: &[Boundary; N],
            ) -> Result<Vec<usize>, KernelError> {
                output_shape(&[$((&self.$i.operand, self.$i.view.shape())),+], footprint, modes)
            }

            fn shape(&self) -> &[usize] {
                self.0.view.shape()
            }

            fn row_axis(&self) -> (usize, bool) {
                let strides = [$(self.$i.stencil_strides()),+];
                let shape = &self.shape()[self.shape().len() - N..];
                row_axis(&strides, shape)
            }

            #[inline]
            fn row(&self, _: Token, loop_index: &[usize], center: &[usize; N]) -> Self::Row {
                ($(self.$i.row(loop_index, center),)+)
            }
        }
    };
}

sources!(T0 D0 0);
sources!(T0 D0 0, T1 D1 1);
sources!(T0 D0 0, T1 D1 1, T2 D2 2);
sources!(T0 D0 0, T1 D1 1, T2 D2 2, T3 D3 3);
sources!(T0 D0 0, T1 D1 1, T2 D2 2, T3 D3 3, T4 D4 4);
sources!(T0 D0 0, T1 D1 1, T2 D2 2, T3 D3 3, T4 D4 4, T5 D5 5);
