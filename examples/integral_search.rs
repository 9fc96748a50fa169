//! Seed 003's integral-image window search as two `#[guvectorize]` kernels over a batch of
//! feature maps: find, in each map, the window whose sum-pooled, normalised descriptor is
//! nearest to a query descriptor.
//!
//! - `integral_image`, `"(c,h,w)->(y,x,c)"` with size rules `y = h + 1`, `x = w + 1`: the
//!   post's `make_integral_image`, except that it writes the result *channel-last*. The
//!   search reads, for every window, the four corners' values of every channel: in the
//!   post's `(c, y, x)` layout these are `(h + 1)(w + 1)` elements apart, in `(y, x, c)`
//!   each corner is one contiguous run of `c` values, so the descriptor's inner loop reads
//!   four slices side by side. The transpose is paid once per map, while the integral
//!   image is built, instead of on every one of its ~3000 windows.
//! - `search`, `"(y,x,c),(c),()->(),(4)"`: the post's `search_one_integral_image`, with
//!   `get_feature_from_integral_image` inlined into a buffer reused across windows. The
//!   batch of maps is the loop dimension; rayon runs the maps in parallel.
//!
//! The arithmetic is the post's, operation for operation, including `np.sum`'s pairwise
//! order, so scores agree with NumPy's to the last bit and ties go the same way. It is
//! checked against the post's outputs in `data/window_search/` (made by
//! `tools/data/make_data.py`), and timed against a serial Rust transcription of the
//! post's loops (channel-first, a fresh descriptor per window, as NumPy allocates one).
//!
//! ```text
//! cargo run --release --example integral_search
//! ```

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ndarray_npy::read_npy;
use ndkernel::dispatch::serial;
use ndkernel::ndarray::aview1;
use ndkernel::prelude::*;

/// `np.sum(v)` in NumPy's order: pairwise summation (`DOUBLE_pairwise_sum`), which for
/// up to 128 values keeps eight running sums, one per index modulo 8, adds them as a
/// tree, then adds the remainder in order; longer inputs are split in halves.
#[inline]
fn np_sum(v: &[f64]) -> f64 {
    let n = v.len();
    if n < 8 {
        v.iter().fold(0.0, |acc, &x| acc + x)
    } else if n <= 128 {
        let (whole, rest) = v.split_at(n - n % 8);
        let (first, whole) = whole.split_at(8);
        let mut r: [f64; 8] = first.try_into().expect("eight values");
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
fn similar_ratio(dy: usize, dx: usize, query_ratio: f64) -> bool {
    let r = dy as f64 / dx as f64 / query_ratio;
    0.8 < r && r < 1.2
}

/// The post's `make_integral_image`, written channel-last: `out[y, x, k]` is the sum of
/// `feat_map[k, ..y, ..x]`, with a zero first row and column. Cumulative sums run along
/// `w` first, then `h`, as `np.cumsum(np.cumsum(f, axis=2), axis=1)` does, so every value
/// is the one NumPy computes.
#[guvectorize("(c,h,w)->(y,x,c)", y = "h + 1", x = "w + 1")]
fn integral_image(feat_map: ArrayView3<f64>, mut out: ArrayViewMut3<f64>) {
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
fn search(integral: ArrayView3<f64>, query: ArrayView1<f64>, ratio: f64) -> (f64, Array1<i64>) {
    let (ny, nx, c) = integral.dim();
    // Contiguous when it comes from `integral_image`; copied once otherwise.
    let integral = integral.as_standard_layout();
    let ii = integral.as_slice().expect("standard layout");
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
                    let (a, b) = (corner(y2, x2), corner(y1, x1));
                    let (d, e) = (corner(y1, x2), corner(y2, x1));
                    for k in 0..c {
                        descriptor[k] = a[k] + b[k] - d[k] - e[k];
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
fn make_integral_image_naive(feat_map: ArrayView3<f64>) -> Array3<f64> {
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
fn get_feature_from_integral_image(
    integral: &Array3<f64>,
    y1: usize,
    x1: usize,
    y2: usize,
    x2: usize,
) -> Array1<f64> {
    let mut result = &integral.slice(s![.., y2, x2]) + &integral.slice(s![.., y1, x1])
        - integral.slice(s![.., y1, x2])
        - integral.slice(s![.., y2, x1]);
    let norm = np_sum((&result * &result).as_slice().unwrap()).sqrt();
    result /= norm;
    result
}

/// The post's `search_one_integral_image`, transcribed loop for loop.
fn search_one_integral_image(
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
                        let score = np_sum((&diff * &diff).as_slice().unwrap()).sqrt();
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
fn naive_batch(maps: &Array4<f64>, query: &Array1<f64>, ratio: f64) -> Vec<(f64, [i64; 4])> {
    maps.outer_iter()
        .map(|m| search_one_integral_image(&make_integral_image_naive(m), query, ratio))
        .collect()
}

/// The gufunc pipeline on a batch.
fn gufunc_batch(
    maps: &Array4<f64>,
    query: &Array1<f64>,
    ratio: f64,
) -> Result<(ArrayD<f64>, ArrayD<i64>), KernelError> {
    search(&integral_image(maps)?, query, ratio)
}

/// The best of `runs` timings of `f`: the least disturbed by the rest of the machine.
fn best_of<R>(runs: usize, mut f: impl FnMut() -> R) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/window_search");
    let maps: Array4<f64> = read_npy(format!("{dir}/maps.npy"))?;
    let query: Array1<f64> = read_npy(format!("{dir}/query.npy"))?;
    let ratio = read_npy::<_, Array1<f64>>(format!("{dir}/query_ratio.npy"))?[0];
    let best_score: Array1<f64> = read_npy(format!("{dir}/best_score.npy"))?;
    let best_position: Array2<i64> = read_npy(format!("{dir}/best_position.npy"))?;

    // The channel-last integral images are the post's, transposed, bit for bit.
    let integral = integral_image(&maps)?.into_dimensionality::<Ix4>()?;
    for (m, ii) in maps.outer_iter().zip(integral.outer_iter()) {
        assert_eq!(ii.permuted_axes([2, 0, 1]), make_integral_image_naive(m));
    }

    let (scores, positions) = gufunc_batch(&maps, &query, ratio)?;
    let naive = naive_batch(&maps, &query, ratio);
    for (i, (naive_score, naive_position)) in naive.iter().enumerate() {
        let (score, expected) = (scores[[i]], best_score[i]);
        assert!(
            (score - expected).abs() <= 1e-12 * expected.abs(),
            "map {i}: score {score} != {expected}"
        );
        assert_eq!(
            positions.index_axis(Axis(0), i),
            best_position.row(i).into_dyn()
        );
        assert_eq!(score.to_bits(), naive_score.to_bits());
        assert_eq!(
            positions.index_axis(Axis(0), i),
            aview1(naive_position).into_dyn()
        );
        println!(
            "map {i}: best score {score:.15} (post: {expected:.15}, {}), window {}",
            if score.to_bits() == expected.to_bits() {
                "bit-equal"
            } else {
                "within 1e-12"
            },
            positions.index_axis(Axis(0), i),
        );
    }

    // The data's batch, and the same maps tiled into bigger batches.
    for copies in [1, 16, 64] {
        let batch = ndkernel::ndarray::concatenate(Axis(0), &vec![maps.view(); copies])?;
        let runs = if copies == 1 { 10 } else { 3 };
        let naive = best_of(runs, || naive_batch(&batch, &query, ratio));
        let ours_serial = best_of(runs, || serial(|| gufunc_batch(&batch, &query, ratio)));
        let ours = best_of(runs, || gufunc_batch(&batch, &query, ratio));
        let integral_only = best_of(runs, || integral_image(&batch));
        println!(
            "{:>3} maps {:?}: naive serial transcription {naive:>9.3?}, gufuncs on one thread \
             {ours_serial:>9.3?} ({:>5.2}x), gufuncs {ours:>9.3?} ({:>5.2}x; integral images \
             {integral_only:.3?})",
            batch.len_of(Axis(0)),
            &batch.shape()[1..],
            naive.as_secs_f64() / ours_serial.as_secs_f64(),
            naive.as_secs_f64() / ours.as_secs_f64(),
        );
    }
    println!(
        "\nscores and windows match data/window_search; {} rayon threads",
        rayon::current_num_threads()
    );
    Ok(())
}
