//! Seed 004's `correlate_sparse`, the inner loop of Sauvola thresholding in skan, as a
//! `#[stencil]` whose neighbourhood is set by the box width at each call.
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
//! Here the four taps are the kernel's source (`seeds/src/correlate_sparse.rs`, beside the
//! post's setup and loops, transcribed):
//!
//! ```text
//! #[stencil(mode = "valid", neighborhood = [(0, w), (0, w)])]
//! pub fn corner_sum(x: Rel<f64>, w: isize) -> f64 {
//!     x[[0, 0]] - x[[0, w]] - x[[w, 0]] + x[[w, w]]
//! }
//! ```
//!
//! The width sets the neighbourhood at each call, so `mode = "valid"` sizes the output and
//! every read stays inside the planned border.
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

use ndarray_npy::read_npy;
use ndkernel::dispatch::serial;
use ndkernel::ndarray::Array2;
use ndkernel_seeds::correlate_sparse::{
    Sparse, corner_sum, corner_sum_into, correlate_no_indirection, correlate_sparse_naive,
    correlate_sparse_offsets,
};
use ndkernel_seeds::inputs;
use ndkernel_seeds::measure::best_of;

/// The post's window: a `(W + 1) x (W + 1)` kernel.
const W: usize = 301;

/// The window of the committed reference data.
const W_REF: usize = 31;

fn main() -> Result<(), Box<dyn Error>> {
    // The committed reference: the post's function (Numba, fastmath) with w = 31.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/correlate_sparse");
    let image: Array2<f64> = read_npy(data.join("image.npy"))?;
    let kernel: Array2<f64> = read_npy(data.join("kernel.npy"))?;
    let expected: Array2<f64> = read_npy(data.join("result.npy"))?;
    let w = W_REF;
    let sparse = Sparse::new(image.dim(), w);
    let kern_nonzeros: Vec<f64> = kernel.iter().copied().filter(|&v| v != 0.0).collect();
    assert_eq!(kern_nonzeros, sparse.values, "kern's signs");
    assert_eq!(
        corner_sum(&image, W_REF as isize)?,
        expected,
        "stencil vs Numba"
    );
    assert_eq!(
        correlate_sparse_naive(image.view(), w),
        expected,
        "loop vs Numba"
    );
    println!(
        "w = {w}, image {:?} -> {:?}: stencil and the post's loop equal Numba's result exactly",
        image.dim(),
        expected.dim()
    );

    // The post's case: w = 301 on a 4000 x 6000 image.
    let w = W;
    let image = inputs::f64s((4000, 6000), 10); // peers/peers.py's input
    let input = image.as_slice().expect("C-contiguous image");
    let sparse = Sparse::new(image.dim(), w);
    let mut ours = corner_sum(&image, W as isize)?;
    let mut theirs = correlate_sparse_naive(image.view(), w);
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
                serial(|| corner_sum_into(black_box(&image), W as isize, black_box(&mut ours)))
                    .expect("same shapes");
            }),
        ),
        (
            "corner_sum stencil, rayon pool",
            best_of(runs, || {
                corner_sum_into(black_box(&image), W as isize, black_box(&mut ours))
                    .expect("same shapes");
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
