//! Seed 003's integral-image window search as two `#[guvectorize]` kernels over a batch of
//! feature maps: find, in each map, the window whose sum-pooled, normalised descriptor is
//! nearest to a query descriptor; beside the post's code transcribed.
//!
//! - [`integral_image`](fn@integral_image), `"(c,h,w)->(y,x,c)"` with size rules `y = h + 1`, `x = w + 1`: the
//!   post's `make_integral_image`, except that it writes the result *channel-last*. The
//!   search reads, for every window, the four corners' values of every channel: in the
//!   post's `(c, y, x)` layout these are `(h + 1)(w + 1)` elements apart, in `(y, x, c)`
//!   each corner is one contiguous run of `c` values, so the descriptor's inner loop reads
//!   four slices side by side. The transpose is paid once per map, while the integral
//!   image is built, instead of on every one of its ~3000 windows.
//! - [`search`](fn@search), `"(y,x,c),(c),()->(),(4)"`: the post's `search_one_integral_image`, with
//!   `get_feature_from_integral_image` inlined into a buffer reused across windows. The
//!   batch of maps is the loop dimension; rayon runs the maps in parallel.
//!
//! The arithmetic is the post's, operation for operation, including `np.sum`'s pairwise
//! order, so scores agree with NumPy's to the last bit and ties go the same way. The naive
//! side ([`naive_batch`]) is a serial transcription of the post's loops: channel-first, a
//! fresh descriptor per window, as NumPy allocates one.

use ndkernel::ndarray::{ArrayView3, ArrayViewMut3};
use ndkernel::prelude::*;

/// `np.sum(v)` in NumPy's order: pairwise summation (`DOUBLE_pairwise_sum`), which for
/// up to 128 values keeps eight running sums, one per index modulo 8, adds them as a
/// tree, then adds the remainder in order; longer inputs are split in halves.
#[inline]
pub fn np_sum(v: &[f64]) -> f64 {
    let n = v.len();
    if n < 8 {
        v.iter().fold(0.0, |acc, &x| acc + x)
    } else if n <= 128 {
        let (whole, rest) = v.split_at(n - n % 8);
        let (first, whole) = whole.split_at(8);
        let mut r = [0.0; 8];
        r.copy_from_slice(first);
        for chunk in whole.chunks_exact(8) {
            for (r, &x) in r.iter_mut().zip(chunk) {
                *r += x;
            }
        }
        let tree = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        rest.iter().fold(tree, |acc, &x| acc + x)
    } else {
        let half = n / 2 - (n / 2) % 8;
        np_sum(&v[..half]) + np_sum(&v[half..])
    }
}

/// Whether a `dy`-by-`dx` window has about the query's aspect ratio; in the post's words
/// and evaluation order, `0.8 < (y2 - y1) / (x2 - x1) / query_ratio < 1.2`.
#[inline]
pub fn similar_ratio(dy: usize, dx: usize, query_ratio: f64) -> bool {
    let r = dy as f64 / dx as f64 / query_ratio;
    0.8 < r && r < 1.2
}

/// The post's `make_integral_image`, written channel-last: `out[y, x, k]` is the sum of
/// `feat_map[k, ..y, ..x]`, with a zero first row and column. Cumulative sums run along
/// `w` first, then `h`, as `np.cumsum(np.cumsum(f, axis=2), axis=1)` does, so every value
/// is the one NumPy computes.
#[guvectorize("(c,h,w)->(y,x,c)", y = "h + 1", x = "w + 1")]
pub fn integral_image(feat_map: ArrayView3<f64>, mut out: ArrayViewMut3<f64>) {
    let (c, h, w) = feat_map.dim();
    out.slice_mut(s![0, .., ..]).fill(0.0);
    out.slice_mut(s![.., 0, ..]).fill(0.0);
    let mut row_sum = vec![0.0; c];
    for y in 0..h {
        row_sum.fill(0.0);
        for x in 0..w {
            for k in 0..c {
                row_sum[k] += feat_map[[k, y, x]];
                out[[y + 1, x + 1, k]] = out[[y, x + 1, k]] + row_sum[k];
            }
        }
    }
}

/// The post's `search_one_integral_image` on a channel-last integral image: the best
/// score and its window `(y1, x1, y2, x2)`, the first strict minimum in the post's loop
/// order. `(inf, [-1; 4])` when no window has a similar aspect ratio (where the post
/// raises `UnboundLocalError`).
///
/// `grain = 1`: one map is thousands of windows of `c` values each, far more work than its
/// `(y, x, c)` element count suggests to the default grain, so let every map be a task.
#[guvectorize("(y,x,c),(c),()->(),(4)", grain = 1)]
pub fn search(integral: ArrayView3<f64>, query: ArrayView1<f64>, ratio: f64) -> (f64, Array1<i64>) {
    let (ny, nx, c) = integral.dim();
    // Contiguous when it comes from `integral_image`; copied once otherwise.
    let copy: Vec<f64>;
    let ii = if let Some(ii) = integral.as_slice() {
        ii
    } else {
        copy = integral.iter().copied().collect();
        &copy
    };
    let query = query.to_vec();
    let corner = |y: usize, x: usize| &ii[(y * nx + x) * c..][..c];
    // The post's temporaries, allocated once per map instead of once per window.
    let mut descriptor = vec![0.0; c];
    let mut squares = vec![0.0; c];
    let mut best_score = f64::INFINITY;
    let mut best_position = [-1_i64; 4];
    for y2 in 0..ny {
        for x2 in 0..nx {
            for y1 in 0..y2 {
                for x1 in 0..x2 {
                    if !similar_ratio(y2 - y1, x2 - x1, ratio) {
                        continue;
                    }
                    let (bottom_right, top_left) = (corner(y2, x2), corner(y1, x1));
                    let (top_right, bottom_left) = (corner(y1, x2), corner(y2, x1));
                    for k in 0..c {
                        descriptor[k] =
                            bottom_right[k] + top_left[k] - top_right[k] - bottom_left[k];
                        squares[k] = descriptor[k] * descriptor[k];
                    }
                    let norm = np_sum(&squares).sqrt();
                    for k in 0..c {
                        let diff = descriptor[k] / norm - query[k];
                        squares[k] = diff * diff;
                    }
                    let score = np_sum(&squares).sqrt();
                    if score < best_score {
                        best_score = score;
                        best_position = [y1, x1, y2, x2].map(|v| v as i64);
                    }
                }
            }
        }
    }
    (best_score, Array1::from(best_position.to_vec()))
}

/// The post's `make_integral_image`, transcribed: channel-first `(c, h + 1, w + 1)`.
pub fn make_integral_image_naive(feat_map: ArrayView3<f64>) -> Array3<f64> {
    let (c, h, w) = feat_map.dim();
    let mut result = Array3::zeros((c, h + 1, w + 1));
    for k in 0..c {
        for y in 0..h {
            let mut row_sum = 0.0;
            for x in 0..w {
                row_sum += feat_map[[k, y, x]];
                result[[k, y + 1, x + 1]] = result[[k, y, x + 1]] + row_sum;
            }
        }
    }
    result
}

/// The post's `get_feature_from_integral_image`: a new normalised descriptor.
pub fn get_feature_from_integral_image(
    integral: &Array3<f64>,
    y1: usize,
    x1: usize,
    y2: usize,
    x2: usize,
) -> Array1<f64> {
    let mut result = &integral.slice(s![.., y2, x2]) + &integral.slice(s![.., y1, x1])
        - integral.slice(s![.., y1, x2])
        - integral.slice(s![.., y2, x1]);
    let squares: Vec<f64> = result.iter().map(|v| v * v).collect();
    let norm = np_sum(&squares).sqrt();
    result /= norm;
    result
}

/// The post's `search_one_integral_image`, transcribed loop for loop.
pub fn search_one_integral_image(
    integral: &Array3<f64>,
    query: &Array1<f64>,
    query_ratio: f64,
) -> (f64, [i64; 4]) {
    let mut best_score = f64::INFINITY;
    let mut best_position = [-1; 4];
    for y2 in 0..integral.shape()[1] {
        for x2 in 0..integral.shape()[2] {
            for y1 in 0..y2 {
                for x1 in 0..x2 {
                    if similar_ratio(y2 - y1, x2 - x1, query_ratio) {
                        let tmp = get_feature_from_integral_image(integral, y1, x1, y2, x2);
                        let diff = &tmp - query;
                        let squares: Vec<f64> = diff.iter().map(|v| v * v).collect();
                        let score = np_sum(&squares).sqrt();
                        if score < best_score {
                            best_score = score;
                            best_position = [y1, x1, y2, x2].map(|v| v as i64);
                        }
                    }
                }
            }
        }
    }
    (best_score, best_position)
}

/// The whole naive pipeline on a batch: integral image and search, map after map.
pub fn naive_batch(maps: &Array4<f64>, query: &Array1<f64>, ratio: f64) -> Vec<(f64, [i64; 4])> {
    maps.outer_iter()
        .map(|m| search_one_integral_image(&make_integral_image_naive(m), query, ratio))
        .collect()
}

/// The gufunc pipeline on a batch: channel-last integral images, then the search.
///
/// # Errors
///
/// If `query` does not hold one value per channel of `maps`.
pub fn gufunc_batch(
    maps: &Array4<f64>,
    query: &Array1<f64>,
    ratio: f64,
) -> Result<(Array1<f64>, Array2<i64>), KernelError> {
    search(&integral_image(maps)?, query, ratio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load;

    #[test]
    fn equals_the_committed_reference() {
        let maps: Array4<f64> = load("window_search/maps.npy");
        let query: Array1<f64> = load("window_search/query.npy");
        let ratio = load::<f64, Ix1>("window_search/query_ratio.npy")[0];
        let best_score: Array1<f64> = load("window_search/best_score.npy");
        let best_position: Array2<i64> = load("window_search/best_position.npy");
        let integral = integral_image(&maps)
            .unwrap()
            .into_dimensionality::<Ix4>()
            .unwrap();
        for (m, ii) in maps.outer_iter().zip(integral.outer_iter()) {
            assert_eq!(ii.permuted_axes([2, 0, 1]), make_integral_image_naive(m));
        }
        let (scores, positions) = gufunc_batch(&maps, &query, ratio).unwrap();
        for (i, (score, position)) in naive_batch(&maps, &query, ratio).into_iter().enumerate() {
            assert_eq!(scores[[i]].to_bits(), score.to_bits());
            assert!((score - best_score[i]).abs() <= 1e-12 * best_score[i]);
            let got: Vec<i64> = positions.index_axis(Axis(0), i).iter().copied().collect();
            assert_eq!(got, position);
            assert_eq!(best_position.row(i).to_vec(), position);
        }
    }
}
