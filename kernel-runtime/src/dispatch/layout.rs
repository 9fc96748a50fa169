//! The order in which the engine walks a loop space, and which axes it can merge.

/// A loop space prepared for the engine: axes ordered outermost first, each operand's
/// strides (in elements) along them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopLayout {
    shape: Vec<usize>,
    strides: Vec<Vec<isize>>,
}

impl LoopLayout {
    /// Prepares a loop space for elementwise work, where only the set of elements matters,
    /// not the order they are visited in.
    ///
    /// Axes are ordered by the first operand's strides, largest first, so that the
    /// innermost axis is the one it is contiguous along (its output, for the drivers in this
    /// crate); length-1 axes are dropped; neighbouring axes that every operand can walk as
    /// one are merged. `strides[k]` holds operand `k`'s strides in elements.
    ///
    /// # Panics
    ///
    /// If an operand's strides have another rank than `shape`, or no operand is given.
    pub fn new(shape: &[usize], strides: &[&[isize]]) -> Self {
        assert!(
            !strides.is_empty(),
            "a loop space needs at least one operand"
        );
        for s in strides {
            assert_eq!(s.len(), shape.len(), "strides must have the loop's rank");
        }
        if shape.contains(&0) {
            return Self::in_order(shape, strides);
        }
        let mut axes: Vec<usize> = (0..shape.len()).filter(|&a| shape[a] != 1).collect();
        // Stable: axes the first operand does not tell apart keep their order.
        axes.sort_by_key(|&a| std::cmp::Reverse(strides[0][a].unsigned_abs()));

        let mut merged = LoopLayout {
            shape: Vec::with_capacity(axes.len()),
            strides: vec![Vec::with_capacity(axes.len()); strides.len()],
        };
        for &axis in &axes {
            let len = shape[axis];
            merged.shape.push(len);
            for (m, s) in merged.strides.iter_mut().zip(strides) {
                m.push(s[axis]);
            }
        }
        merged.merge_contiguous();
        merged
    }

    /// Keeps the axes as they are: for drivers whose kernels need each row's position.
    ///
    /// # Panics
    ///
    /// If an operand's strides have another rank than `shape`.
    pub fn in_order(shape: &[usize], strides: &[&[isize]]) -> Self {
        for s in strides {
            assert_eq!(s.len(), shape.len(), "strides must have the loop's rank");
        }
        LoopLayout {
            shape: shape.to_vec(),
            strides: strides.iter().map(|s| s.to_vec()).collect(),
        }
    }

    /// Merges each axis into the next inner one where every operand allows it.
    fn merge_contiguous(&mut self) {
        let mut axis = self.shape.len();
        while axis > 1 {
            axis -= 1;
            let (outer, inner) = (axis - 1, axis);
            let inner_len = self.shape[inner] as isize;
            if self
                .strides
                .iter()
                .all(|s| s[outer] == s[inner] * inner_len)
            {
                self.shape[outer] *= self.shape[inner];
                self.shape.remove(inner);
                for s in &mut self.strides {
                    s[outer] = s[inner];
                    s.remove(inner);
                }
            }
        }
    }

    /// The loop's shape, outermost axis first. Empty for a single element.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Operand `k`'s strides in elements, one per axis of [`LoopLayout::shape`].
    pub fn strides(&self, k: usize) -> &[isize] {
        &self.strides[k]
    }

    /// How many operands the layout walks.
    pub fn operands(&self) -> usize {
        self.strides.len()
    }

    /// The number of elements in the loop space.
    pub fn size(&self) -> usize {
        self.shape.iter().product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_operands_merge_into_one_row() {
        let layout = LoopLayout::new(&[1000, 3], &[&[3, 1], &[3, 1]]);
        assert_eq!(layout.shape(), &[3000]);
        assert_eq!(layout.strides(1), &[1]);
    }

    #[test]
    fn broadcast_operand_blocks_merging() {
        // The second operand is a (3,) row broadcast over 1000 rows.
        let layout = LoopLayout::new(&[1000, 3], &[&[3, 1], &[0, 1]]);
        assert_eq!(layout.shape(), &[1000, 3]);
    }

    #[test]
    fn scalar_operand_merges_everything() {
        let layout = LoopLayout::new(&[4, 5, 6], &[&[30, 6, 1], &[0, 0, 0]]);
        assert_eq!(layout.shape(), &[120]);
        assert_eq!(layout.strides(1), &[0]);
    }

    #[test]
    fn fortran_order_output_makes_first_axis_innermost() {
        let layout = LoopLayout::new(&[4, 5], &[&[1, 4], &[5, 1]]);
        assert_eq!(layout.shape(), &[5, 4]);
        assert_eq!(layout.strides(0), &[4, 1]);
        assert_eq!(layout.strides(1), &[1, 5]);
    }

    #[test]
    fn length_one_axes_are_dropped_and_zero_size_kept() {
        let layout = LoopLayout::new(&[1, 7, 1], &[&[7, 1, 1]]);
        assert_eq!(layout.shape(), &[7]);
        let empty = LoopLayout::new(&[3, 0], &[&[0, 1]]);
        assert_eq!(empty.size(), 0);
    }

    #[test]
    fn sliced_rows_merge_only_where_contiguous() {
        // Every other row of a (6, 4) array: rows are contiguous, the outer step is 8.
        let layout = LoopLayout::new(&[3, 4], &[&[8, 1]]);
        assert_eq!(layout.shape(), &[3, 4]);
        let zero_d = LoopLayout::new(&[], &[&[]]);
        assert_eq!((zero_d.shape(), zero_d.size()), (&[][..], 1));
    }
}
