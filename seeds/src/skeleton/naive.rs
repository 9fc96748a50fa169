//! The seed post's pixel graph, transcribed serially: the reference [`pixel_graph`](super::pixel_graph)
//! is tested against and the baseline it is timed against.

use ndkernel::ndarray::{Array, ArrayView, Axis, Dimension, IxDyn};

use super::PixelGraph;

/// The seed post's construction, transcribed serially for any rank from 1: pad the skeleton
/// with one false pixel on every side, number the true pixels from 1 in a label image, sum
/// the degrees to size the edge lists, run `build_graph` (every labelled pixel against every
/// raveled neighbour step), and turn the COO lists into canonical CSR as SciPy's `tocsr`
/// and `sort_indices` do. The reference [`pixel_graph`](super::pixel_graph) is tested against.
///
/// A 0-D skeleton is read as one pixel.
///
/// # Panics
///
/// If the graph has more than `i32::MAX` nodes or entries.
pub fn pixel_graph_naive<D: Dimension>(skeleton: ArrayView<'_, bool, D>) -> PixelGraph {
    let skeleton = skeleton.into_dyn();
    let skeleton = if skeleton.ndim() == 0 {
        skeleton
            .into_shape_with_order(IxDyn(&[1]))
            .expect("one pixel")
    } else {
        skeleton
    };
    let ndim = skeleton.ndim();

    // np.pad(skeleton, 1) and its C-order strides.
    let padded_shape: Vec<usize> = skeleton.shape().iter().map(|&s| s + 2).collect();
    let mut padded = Array::from_elem(IxDyn(&padded_shape), false);
    let mut strides = vec![1usize; ndim];
    for axis in (0..ndim.saturating_sub(1)).rev() {
        strides[axis] = strides[axis + 1] * padded_shape[axis + 1];
    }
    let mut interior = padded.view_mut();
    for (axis, &len) in padded_shape.iter().enumerate() {
        interior.slice_axis_inplace(Axis(axis), (1..len - 1).into());
    }
    interior.assign(&skeleton);
    let flat = padded.as_slice().expect("a fresh array");

    // skeleton_int[np.nonzero(skeleton_int)] = 1 + np.arange(nnz)
    let mut labels = vec![0i32; flat.len()];
    let mut nnz = 0i32;
    for (label, &on) in labels.iter_mut().zip(flat) {
        if on {
            nnz = nnz.checked_add(1).expect("fewer than 2^31 nodes");
            *label = nnz;
        }
    }

    // neighbour_steps: every offset in {-1, 0, 1}^ndim but 0, as a raveled step, with the
    // distance it spans.
    let mut steps = Vec::new();
    for code in 0..3usize.pow(ndim as u32) {
        let (mut step, mut axes, mut rest) = (0isize, 0u32, code);
        for axis in (0..ndim).rev() {
            let offset = (rest % 3) as isize - 1;
            rest /= 3;
            step += offset * strides[axis] as isize;
            axes += u32::from(offset != 0);
        }
        if axes != 0 {
            steps.push((step, f64::from(axes).sqrt()));
        }
    }

    // degrees = convolve(skeleton, neighbours) * skeleton; n_edges = degrees.sum()
    let degree = |k: usize| {
        steps
            .iter()
            .filter(|&&(s, _)| flat[k.wrapping_add_signed(s)])
            .count()
    };
    let n_edges: usize = (0..flat.len()).filter(|&k| flat[k]).map(degree).sum();

    // build_graph: every labelled pixel against every step (the pad keeps steps inside).
    let mut row = Vec::with_capacity(n_edges);
    let mut col = Vec::with_capacity(n_edges);
    let mut value = Vec::with_capacity(n_edges);
    let start = steps.iter().map(|&(s, _)| s).max().unwrap_or(0).max(0) as usize;
    let end = flat.len().saturating_sub(start);
    for k in start..end {
        let i = labels[k];
        if i != 0 {
            for &(s, d) in &steps {
                let j = labels[k.wrapping_add_signed(s)];
                if j != 0 {
                    row.push(i - 1);
                    col.push(j - 1);
                    value.push(d);
                }
            }
        }
    }
    assert_eq!(row.len(), n_edges, "the degrees count every edge");
    assert!(
        i32::try_from(n_edges).is_ok(),
        "more than int32 CSR indices hold"
    );

    let nodes = skeleton
        .iter()
        .enumerate()
        .filter(|&(_, &on)| on)
        .map(|(k, _)| k as i64)
        .collect();
    coo_to_csr(nnz as usize, &row, &col, &value, nodes)
}

/// `coo_matrix((value, (row, col)), shape=(n, n)).tocsr()` followed by `sort_indices()`
/// (the pairs are distinct, so there is nothing to sum).
fn coo_to_csr(n: usize, row: &[i32], col: &[i32], value: &[f64], nodes: Vec<i64>) -> PixelGraph {
    let mut indptr = vec![0i32; n + 1];
    for &r in row {
        indptr[r as usize + 1] += 1;
    }
    for k in 0..n {
        indptr[k + 1] += indptr[k];
    }
    let mut next: Vec<usize> = indptr[..n].iter().map(|&p| p as usize).collect();
    let mut entries = vec![(0i32, 0.0f64); row.len()];
    for ((&r, &c), &v) in row.iter().zip(col).zip(value) {
        entries[next[r as usize]] = (c, v);
        next[r as usize] += 1;
    }
    for k in 0..n {
        entries[indptr[k] as usize..indptr[k + 1] as usize].sort_by_key(|&(c, _)| c);
    }
    let (indices, data) = entries.into_iter().unzip();
    PixelGraph {
        indptr,
        indices,
        data,
        nodes,
    }
}
