//! Seed 004's `correlate_sparse`, the inner loop of Sauvola thresholding in skan, as a
//! `#[stencil]` with a footprint known at compile time.
//!
//! The post correlates a 4000 x 6000 `f64` image with a `(w + 1) x (w + 1)` kernel
//! (`w = 301`) that is zero except at its four corners: the box sums of an integral
//! image. Its kernel is `+1` at `(0, 0)` and `(w, w)`, `-1` at `(0, w)` and `(w, 0)`
//! (`(-1) ** (ndim % 2 != sum(indices) % 2)` over `itertools.product([0, -1], [0, -1])`),
//! and the result is the *valid* region, `(4000 - w) x (6000 - w)`. The post stores the
//! kernel's nonzero offsets in arrays and loops over them (`_correlate_sparse_loop`), then
//! swaps the loops for cache locality (`_correlate_sparse_offsets`), then drops the
//! indirection through `corner_indices` to see what it costs
//! (`_correlate_no_indirection`, which is no longer the same computation).
//!
//! Here the four taps are the kernel's source: constant offsets, so the macro knows the
//! footprint, `(0, 0)..=(W, W)`, at compile time and `mode = "valid"` sizes the output.
//! The sum runs in the post's order (`0 + x·1 + x·(-1) + x·(-1) + x·1`, which equals
//! `x00 - x0w - xw0 + xww` bit for bit), so results are exactly the loop's. It is checked
//! against `data/correlate_sparse/` (the post's function run with `w = 31` on a
//! `200 x 300` image) and against the post's loops transcribed, then timed against them.
//!
//! ```text
//! cargo run --release --example correlate_sparse
//! ```

use std::error::Error;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use ndarray_npy::read_npy;
use ndkernel::dispatch::serial;
use ndkernel::prelude::*;

/// The post's window: a `(W + 1) x (W + 1)` kernel.
const W: isize = 301;

/// The window of the committed reference data.
const W_REF: isize = 31;

/// The four corner taps of the post's `(W + 1)`-box kernel, with its signs.
#[stencil(mode = "valid")]
fn corner_sum(x: Rel<f64>) -> f64 {
    x[[0, 0]] - x[[0, W]] - x[[W, 0]] + x[[W, W]]
}

/// The same kernel with the reference data's window: offsets are `const` items, so each
/// window size is its own kernel with its own compile-time footprint.
#[stencil(mode = "valid")]
fn corner_sum_ref(x: Rel<f64>) -> f64 {
    x[[0, 0]] - x[[0, W_REF]] - x[[W_REF, 0]] + x[[W_REF, W_REF]]
}

/// The arrays the post's `correlate_sparse` builds before calling its loop: the raveled
/// offsets and values of the kernel's nonzeros, and the raveled index of every output
/// position's top-left corner in the image.
struct Sparse {
    offsets: Vec<usize>,
    values: Vec<f64>,
    corner_indices: Vec<usize>,
    result_shape: (usize, usize),
}

impl Sparse {
    /// `kern` as the post builds it, then `np.nonzero`, `np.ravel_multi_index` and the
    /// `meshgrid` of corner indices, for a 2-D image of `shape`.
    fn new(shape: (usize, usize), w: usize) -> Sparse {
        const NDIM: i32 = 2;
        let mut kern = Array2::<f64>::zeros((w + 1, w + 1));
        for (a, b) in [(0_i32, 0_i32), (0, -1), (-1, 0), (-1, -1)] {
            let flip = NDIM % 2 != (a + b).rem_euclid(2);
            let at = |i: i32| if i < 0 { w } else { 0 };
            kern[[at(a), at(b)]] = if flip { -1.0 } else { 1.0 };
        }
        // np.nonzero lists nonzeros in C order.
        let (offsets, values) = kern
            .indexed_iter()
            .filter(|&(_, &v)| v != 0.0)
            .map(|((r, c), &v)| (r * shape.1 + c, v))
            .unzip();
        let result_shape = (shape.0 - w, shape.1 - w);
        let corner_indices = (0..result_shape.0)
            .flat_map(|i| (0..result_shape.1).map(move |j| i * shape.1 + j))
            .collect();
        Sparse {
            offsets,
            values,
            corner_indices,
            result_shape,
        }
    }

    /// Multiply-adds per call, the post's "elems" for its M elems per second.
    fn elems(&self) -> usize {
        self.corner_indices.len() * self.offsets.len()
    }
}

/// The post's `_correlate_sparse_offsets`: offsets outer, corners inner. Numba's
/// `fastmath` may fuse `+= input * val`; with `val = ±1` the product is exact, so fused or
/// not, every result is the same.
fn correlate_sparse_offsets(input: &[f64], sparse: &Sparse, output: &mut [f64]) {
    for (&off, &val) in sparse.offsets.iter().zip(&sparse.values) {
        for (i, &j) in sparse.corner_indices.iter().enumerate() {
            output[i] += input[j + off] * val;
        }
    }
}

/// The post's `_correlate_no_indirection`: `input[i + off]` instead of
/// `input[indices[i] + off]`. It reads the image as if it were as wide as the output, so
/// its result is wrong; the post times it only to see what the indirection costs.
#[allow(clippy::needless_range_loop, reason = "the post's loop, as written")]
fn correlate_no_indirection(input: &[f64], sparse: &Sparse, output: &mut [f64]) {
    for (&off, &val) in sparse.offsets.iter().zip(&sparse.values) {
        for i in 0..sparse.corner_indices.len() {
            output[i] += input[i + off] * val;
        }
    }
}

/// The post's loops start from `np.zeros`.
fn correlate_sparse(image: &Array2<f64>, w: usize) -> Array2<f64> {
    let sparse = Sparse::new(image.dim(), w);
    let mut result = Array2::zeros(sparse.result_shape);
    let input = image.as_slice().expect("C-contiguous image");
    correlate_sparse_offsets(input, &sparse, result.as_slice_mut().expect("new array"));
    result
}

/// Uniform in `[0, 1)` like `np.random.random`, from the position alone (splitmix64).
fn pseudo_random(i: usize, j: usize) -> f64 {
    let mut z = ((i as u64) << 32 | j as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The best of `runs` timings of `f`: the least disturbed by the rest of the machine.
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn Error>> {
    const {
        assert!(corner_sum::NEIGHBORHOOD.lo[0] == 0 && corner_sum::NEIGHBORHOOD.hi[0] == W);
        assert!(corner_sum::NEIGHBORHOOD.hi[1] == W && corner_sum_ref::NEIGHBORHOOD.hi[1] == 31);
    };

    // The committed reference: the post's function (Numba, fastmath) with w = 31.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/correlate_sparse");
    let image: Array2<f64> = read_npy(data.join("image.npy"))?;
    let kernel: Array2<f64> = read_npy(data.join("kernel.npy"))?;
    let expected: Array2<f64> = read_npy(data.join("result.npy"))?;
    let w = W_REF as usize;
    let sparse = Sparse::new(image.dim(), w);
    let kern_nonzeros: Vec<f64> = kernel.iter().copied().filter(|&v| v != 0.0).collect();
    assert_eq!(kern_nonzeros, sparse.values, "kern's signs");
    assert_eq!(corner_sum_ref(&image)?, expected, "stencil vs Numba");
    assert_eq!(correlate_sparse(&image, w), expected, "loop vs Numba");
    println!(
        "w = {w}, image {:?} -> {:?}: stencil and the post's loop equal Numba's result exactly",
        image.dim(),
        expected.dim()
    );

    // The post's case: w = 301 on a 4000 x 6000 image.
    let w = W as usize;
    let image = Array2::from_shape_fn((4000, 6000), |(i, j)| pseudo_random(i, j));
    let input = image.as_slice().expect("C-contiguous image");
    let sparse = Sparse::new(image.dim(), w);
    let mut ours = corner_sum(&image)?;
    let mut theirs = correlate_sparse(&image, w);
    assert_eq!(ours, theirs, "stencil vs the post's loop, w = {w}");
    println!(
        "w = {w}, image {:?} -> {:?} ({} corners x {} offsets): stencil equals the loop\n",
        image.dim(),
        ours.dim(),
        sparse.corner_indices.len(),
        sparse.offsets.len(),
    );

    // Timings; the loops accumulate into their output as the post's %timeit runs did.
    let theirs = theirs.as_slice_mut().expect("new array");
    let mut scratch = vec![0.0; theirs.len()];
    let runs = 5;
    let timings = [
        (
            "_correlate_sparse_offsets (serial loop)",
            best_of(runs, || {
                correlate_sparse_offsets(black_box(input), &sparse, black_box(&mut *theirs));
            }),
        ),
        (
            "_correlate_no_indirection (serial, wrong result)",
            best_of(runs, || {
                correlate_no_indirection(black_box(input), &sparse, black_box(&mut scratch));
            }),
        ),
        (
            "corner_sum stencil, 1 thread",
            best_of(runs, || {
                serial(|| corner_sum_into(black_box(&image), black_box(&mut ours)))
                    .expect("same shapes");
            }),
        ),
        (
            "corner_sum stencil, rayon pool",
            best_of(runs, || {
                corner_sum_into(black_box(&image), black_box(&mut ours)).expect("same shapes");
            }),
        ),
    ];
    let base = timings[0].1.as_secs_f64();
    for (label, time) in timings {
        println!(
            "{label:<50} {time:>9.2?}  {:>6.0} M elems/s  {:>5.2}x",
            sparse.elems() as f64 / time.as_secs_f64() / 1e6,
            base / time.as_secs_f64(),
        );
    }
    println!(
        "\n(the post, Numba on its machine: 540 ms per-corner loop, 132 ms offsets outer, \
         94 ms without indirection; rayon pool here: {} threads)",
        rayon::current_num_threads()
    );
    Ok(())
}
