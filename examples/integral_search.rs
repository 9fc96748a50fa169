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
//! The two kernels, `np.sum`'s order and the post's functions transcribed live in
//! `seeds/src/window_search.rs`, shared with the tour and the peer comparison.
//!
//! ```text
//! cargo run --release --example integral_search
//! ```

use std::error::Error;

use ndarray_npy::read_npy;
use ndkernel::dispatch::serial;
use ndkernel::ndarray::aview1;
use ndkernel::prelude::*;
use ndkernel_seeds::measure::best_of;
use ndkernel_seeds::window_search::{
    gufunc_batch, integral_image, make_integral_image_naive, naive_batch,
};

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
        assert_eq!(positions.index_axis(Axis(0), i), best_position.row(i));
        assert_eq!(score.to_bits(), naive_score.to_bits());
        assert_eq!(positions.index_axis(Axis(0), i), aview1(naive_position));
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
