//! The main job: every seed workload, checked against its reference data and timed against
//! the naive Rust transcription of the post's code.
//!
//! ```text
//! cargo run --release -p ndkernel-seeds
//! RUSTFLAGS="-C target-cpu=native" cargo run --release -p ndkernel-seeds
//! ```
//!
//! It is the `ndkernel-seeds` package's binary (its `default-run`, so `--bin tour` may be left
//! out), not an example of the root package: running it builds only the library and the seeds
//! crate, not the root package's dev-dependencies (criterion, proptest, image, ...).
//!
//! Each workload is written once, in the `ndkernel-seeds` crate (`seeds/src/<workload>.rs`:
//! the ndkernel kernel beside the naive loop); this file only checks and times them. The
//! checks use the committed reference outputs in `data/` (Numba's, SciPy's, skan's); the
//! timings use `peers/peers.py`'s generated inputs (`ndkernel_seeds::inputs`) where the
//! data is too small to time. Both sides allocate their results, as the posts' functions do.
//! The table's `check` is `ok` only when the kernel equals its reference (and the naive loop
//! on the timed input); any failure makes the tour exit with status 1.

use std::time::Duration;

use ndkernel::prelude::*;
use ndkernel_seeds::data::load;
use ndkernel_seeds::measure::best_of;
use ndkernel_seeds::{addarr, correlate_sparse, inputs, skeleton, smooth, softmax, window_search};

/// One row of the tour's table.
struct Outcome {
    workload: &'static str,
    size: String,
    ours: Duration,
    naive: Duration,
    check: Result<(), String>,
}

fn same<T: PartialEq, D: Dimension>(got: &Array<T, D>, want: &Array<T, D>) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err("differs from the reference".into())
    }
}

/// Keeps the first failure of several checks, naming the case that failed.
fn first_failure(check: &mut Result<(), String>, case: &str, outcome: Result<(), String>) {
    if let (Ok(()), Err(why)) = (&*check, outcome) {
        *check = Err(format!("{case}: {why}"));
    }
}

// --- seed 000: addarr -------------------------------------------------------------------

fn addarr_outcome<T>(
    workload: &'static str,
    x: &Array1<T>,
    y: &Array1<T>,
    kernel: impl Fn(&Array1<T>, &Array1<T>) -> Result<Array1<T>, KernelError>,
) -> Outcome
where
    T: Copy + Default + PartialEq + std::ops::Add<Output = T>,
{
    let (xs, ys) = (x.as_slice().unwrap(), y.as_slice().unwrap());
    let expected = Array1::from(addarr::addarr_naive(xs, ys));
    let got = kernel(x, y).expect("operands share one shape");
    Outcome {
        workload,
        size: format!("{}", x.len()),
        ours: best_of(10, || kernel(x, y)),
        naive: best_of(10, || addarr::addarr_naive(xs, ys)),
        check: same(&got, &expected),
    }
}

// --- seed 002: smooth -------------------------------------------------------------------

/// The post's loop nest over every plane, allocating its output as the stencil does.
fn smooth_naive(x: &Array3<i8>) -> Array3<i8> {
    let mut out = Array3::zeros(x.raw_dim());
    smooth::per_plane(smooth::naive, x.view(), out.view_mut());
    out
}

const IMAGES: [&str; 5] = ["camera", "coins", "moon", "page", "text"];

/// Every shipped image against Numba's output; timed as the five calls.
fn smooth_images_outcome() -> Outcome {
    let mut check = Ok(());
    let mut images = Vec::new();
    for name in IMAGES {
        let image: Array2<i8> = load(&format!("smooth/{name}.i8.npy"));
        let want: Array2<i8> = load(&format!("smooth/{name}.smooth.npy"));
        first_failure(
            &mut check,
            name,
            same(&smooth::smooth(&image).expect("2-D input"), &want),
        );
        let as_stack = image.insert_axis(Axis(0));
        first_failure(
            &mut check,
            &format!("{name} (naive)"),
            same(&smooth_naive(&as_stack), &want.insert_axis(Axis(0))),
        );
        images.push(as_stack);
    }
    Outcome {
        workload: "smooth int8 images",
        size: format!("{} PNGs", images.len()),
        ours: best_of(10, || {
            images
                .iter()
                .map(|x| smooth::smooth(x).expect("3-D input"))
                .collect::<Vec<_>>()
        }),
        naive: best_of(5, || images.iter().map(smooth_naive).collect::<Vec<_>>()),
        check,
    }
}

/// The committed stack against Numba's output; timed on the peers' full-size stack.
fn smooth_stack_outcome() -> Outcome {
    let stack: Array3<i8> = load("smooth/stack.i8.npy");
    let want: Array3<i8> = load("smooth/stack.smooth.npy");
    let mut check = same(&smooth::smooth(&stack).expect("3-D input"), &want);
    let big: Array3<i8> = inputs::i8s((64, 1000, 1000), 6);
    first_failure(
        &mut check,
        "64x1000x1000 vs the loop",
        same(
            &smooth::smooth(&big).expect("3-D input"),
            &smooth_naive(&big),
        ),
    );
    Outcome {
        workload: "smooth int8 stack",
        size: "64x1000x1000".into(),
        ours: best_of(5, || smooth::smooth(&big)),
        naive: best_of(3, || smooth_naive(&big)),
        check,
    }
}

// --- seed 001: softmax ------------------------------------------------------------------

/// Every element within `rel` of SciPy's result, relatively.
fn within<D: Dimension>(got: &Array<f64, D>, want: &Array<f64, D>, rel: f64) -> Result<(), String> {
    if got.shape() != want.shape() {
        return Err(format!(
            "shape {:?}, expected {:?}",
            got.shape(),
            want.shape()
        ));
    }
    let worst = got
        .iter()
        .zip(want)
        .map(|(g, w)| ((g - w) / w).abs())
        .fold(0.0, f64::max);
    if worst <= rel {
        Ok(())
    } else {
        Err(format!("relative error {worst:e} against SciPy"))
    }
}

/// SciPy's `vec.out.npy` within 1e-12; timed on `10 * gen_f64(1e7, 8)` (seed 001's
/// `uniform(0, 10)`, at a tenth of the post's 1e8 to keep the tour short).
fn softmax_vec_outcome() -> Outcome {
    let x: Array1<f64> = load("softmax/vec.in.npy");
    let want: Array1<f64> = load("softmax/vec.out.npy");
    let mut check = within(&softmax::softmax(x.view()), &want, 1e-12);
    first_failure(
        &mut check,
        "naive",
        within(
            &Array1::from(softmax::softmax_naive(x.as_slice().unwrap())),
            &want,
            1e-12,
        ),
    );
    let z = inputs::f64s(10_000_000, 8) * 10.0;
    let zs = z.as_slice().unwrap();
    first_failure(
        &mut check,
        "1e7 vs the loop",
        within(
            &softmax::softmax(z.view()),
            &Array1::from(softmax::softmax_naive(zs)),
            1e-12,
        ),
    );
    Outcome {
        workload: "softmax vector f64",
        size: format!("{}", z.len()),
        ours: best_of(5, || softmax::softmax(z.view())),
        naive: best_of(3, || softmax::softmax_naive(zs)),
        check,
    }
}

/// SciPy's `batch.out.npy` (rows that overflow without the max shift included) within
/// 1e-12; timed on `10 * gen_f64((1000, 10000), 9)`.
fn softmax_rows_outcome() -> Outcome {
    let x: Array2<f64> = load("softmax/batch.in.npy");
    let want: Array2<f64> = load("softmax/batch.out.npy");
    let rows = |x: &Array2<f64>| -> Array2<f64> {
        softmax::softmax_rows(x)
            .expect("2-D input")
            .into_dimensionality()
            .expect("the input's rank")
    };
    let mut check = within(&rows(&x), &want, 1e-12);
    first_failure(
        &mut check,
        "naive",
        within(&softmax::softmax_rows_naive(x.view()), &want, 1e-12),
    );
    let z = inputs::f64s((1000, 10_000), 9) * 10.0;
    first_failure(
        &mut check,
        "1000x10000 vs the loop",
        within(&rows(&z), &softmax::softmax_rows_naive(z.view()), 1e-12),
    );
    Outcome {
        workload: "softmax rows f64",
        size: "1000x10000".into(),
        ours: best_of(5, || softmax::softmax_rows(&z)),
        naive: best_of(3, || softmax::softmax_rows_naive(z.view())),
        check,
    }
}

// --- seed 004: correlate_sparse ---------------------------------------------------------

/// The committed reference (`w = 31`, Numba's result) exactly; timed at the post's size,
/// `w = 301` on 4000x6000, against the post's faster (offsets-outer) loop.
fn correlate_outcome() -> Outcome {
    let x: Array2<f64> = load("correlate_sparse/image.npy");
    let want: Array2<f64> = load("correlate_sparse/result.npy");
    let mut check = same(
        &correlate_sparse::corner_sum(&x, 31).expect("2-D input"),
        &want,
    );
    first_failure(
        &mut check,
        "w = 31 (naive)",
        same(
            &correlate_sparse::correlate_sparse_naive(x.view(), 31),
            &want,
        ),
    );
    let (w, big) = (301, inputs::f64s((4000, 6000), 10));
    let ours = || correlate_sparse::corner_sum(&big, w as isize).expect("2-D input");
    let naive = || correlate_sparse::correlate_sparse_naive(big.view(), w);
    first_failure(&mut check, "w = 301 vs the loop", same(&ours(), &naive()));
    Outcome {
        workload: "correlate_sparse f64",
        size: format!("4000x6000 w{w}"),
        ours: best_of(5, ours),
        naive: best_of(3, naive),
        check,
    }
}

// --- seed 003: window search ------------------------------------------------------------

/// The committed maps: every best window and score as the post's code found them; timed
/// on the peers' full-size batch (`gen_f64((8, 512, 18, 16), 11)`), integral images
/// included on both sides.
fn window_outcome() -> Outcome {
    let maps: Array4<f64> = load("window_search/maps.npy");
    let query: Array1<f64> = load("window_search/query.npy");
    let ratio = load::<f64, Ix1>("window_search/query_ratio.npy")[0];
    let best_score: Array1<f64> = load("window_search/best_score.npy");
    let best_position: Array2<i64> = load("window_search/best_position.npy");
    let (scores, positions) = window_search::gufunc_batch(&maps, &query, ratio).expect("a batch");
    let mut check = Ok(());
    for (i, want) in best_score.iter().enumerate() {
        let position: Vec<i64> = positions.index_axis(Axis(0), i).iter().copied().collect();
        if (scores[[i]] - want).abs() > 1e-12 * want.abs()
            || position != best_position.row(i).to_vec()
        {
            let why = format!("{} at {position:?}", scores[[i]]);
            first_failure(&mut check, &format!("map {i}"), Err(why));
        }
    }

    let big = inputs::f64s((8, 512, 18, 16), 11);
    let first = window_search::make_integral_image_naive(big.index_axis(Axis(0), 0));
    let query = window_search::get_feature_from_integral_image(&first, 2, 3, 10, 9);
    let ratio = 8.0 / 6.0;
    let ours = || window_search::gufunc_batch(&big, &query, ratio).expect("a batch");
    let naive = || window_search::naive_batch(&big, &query, ratio);
    let (scores, positions) = ours();
    for (i, (score, position)) in naive().into_iter().enumerate() {
        let got: Vec<i64> = positions.index_axis(Axis(0), i).iter().copied().collect();
        if scores[[i]].to_bits() != score.to_bits() || got != position {
            first_failure(
                &mut check,
                &format!("big map {i}"),
                Err("differs from the loop".into()),
            );
        }
    }
    Outcome {
        workload: "window search f64",
        size: "8x512x18x16".into(),
        ours: best_of(5, ours),
        naive: best_of(3, naive),
        check,
    }
}

// --- seed 000 (part 2): skeleton pixel graph --------------------------------------------

const SKELETONS: [&str; 6] = [
    "seed000_tiny",
    "horse",
    "coins",
    "camera",
    "retina",
    "blobs3d",
];

/// Whether `graph` is skan's, as committed in `data/skeletons/<name>.graph.*`.
fn equals_skan(name: &str, graph: &skeleton::PixelGraph) -> Result<(), String> {
    let file = |part: &str| format!("skeletons/{name}.graph.{part}.npy");
    let indptr: Array1<i32> = load(&file("indptr"));
    let indices: Array1<i32> = load(&file("indices"));
    let data: Array1<f64> = load(&file("data"));
    let nodes: Array1<i64> = load(&file("nodes"));
    let differs = [
        ("indptr", graph.indptr != indptr.to_vec()),
        ("indices", graph.indices != indices.to_vec()),
        ("data", graph.data != data.to_vec()),
        ("nodes", graph.nodes != nodes.to_vec()),
    ];
    match differs.iter().find(|(_, differs)| *differs) {
        Some((part, _)) => Err(format!("{part} differs from skan's")),
        None => Ok(()),
    }
}

/// Every shipped skeleton against skan's CSR; timed on the retina skeleton tiled to
/// 4000x4000, as `peers.py` times skan.
fn skeleton_outcome() -> Outcome {
    let mut check = Ok(());
    for name in SKELETONS {
        let skel = inputs::skeleton(name);
        let graph = skeleton::pixel_graph(skel.view()).expect("a skeleton of rank 1 to 3");
        first_failure(&mut check, name, equals_skan(name, &graph));
        let naive = skeleton::pixel_graph_naive(skel.view());
        first_failure(
            &mut check,
            &format!("{name} (naive)"),
            equals_skan(name, &naive),
        );
    }
    let big = inputs::tiled_skeleton(4000, 4000);
    let ours = || skeleton::pixel_graph(big.view()).expect("2-D skeleton");
    let naive = || skeleton::pixel_graph_naive(big.view());
    if ours() != naive() {
        first_failure(&mut check, "4000x4000", Err("differs from the loop".into()));
    }
    Outcome {
        workload: "skeleton graph",
        size: "4000x4000".into(),
        ours: best_of(5, ours),
        naive: best_of(3, naive),
        check,
    }
}

fn main() {
    let n = 10_000_000;
    let outcomes = vec![
        addarr_outcome(
            "addarr f64",
            &inputs::f64s(n, 1),
            &inputs::f64s(n, 2),
            |x, y| addarr::addarr(x, y),
        ),
        addarr_outcome(
            "addarr u8",
            &inputs::u7s(n, 3),
            &inputs::u7s(n, 4),
            |x, y| addarr::addarr_u8(x, y),
        ),
        smooth_images_outcome(),
        smooth_stack_outcome(),
        softmax_vec_outcome(),
        softmax_rows_outcome(),
        correlate_outcome(),
        window_outcome(),
        skeleton_outcome(),
    ];

    println!(
        "{:<22} {:>16} {:>12} {:>12} {:>9}  check",
        "workload", "size", "ndkernel", "naive", "speed-up"
    );
    let mut failed = false;
    for o in &outcomes {
        let speedup = o.naive.as_secs_f64() / o.ours.as_secs_f64();
        let check = match &o.check {
            Ok(()) => "ok".to_string(),
            Err(why) => {
                failed = true;
                format!("FAILED: {why}")
            }
        };
        println!(
            "{:<22} {:>16} {:>12.3?} {:>12.3?} {:>8.2}x  {check}",
            o.workload, o.size, o.ours, o.naive, speedup
        );
    }
    println!(
        "\n{} threads (set RAYON_NUM_THREADS to change)",
        rayon::current_num_threads()
    );
    if failed {
        std::process::exit(1);
    }
}
