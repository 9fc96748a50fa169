//! The main job: the seeds' workloads on the data shipped in `data/`, each checked against
//! its reference and timed against the naive Rust loop.
//!
//! ```text
//! cargo run --release --example tour
//! RUSTFLAGS="-C target-cpu=native" cargo run --release --example tour
//! ```
//!
//! Workloads still to join (see README.md): the skeleton pixel graph and the 1e8 softmax.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use ndarray_npy::read_npy;
use ndkernel::prelude::*;

/// One row of the tour's table.
struct Outcome {
    workload: &'static str,
    size: String,
    ours: Duration,
    naive: Duration,
    check: Result<(), String>,
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

fn load<T: ndarray_npy::ReadableElement, D: Dimension>(name: &str) -> Array<T, D> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    read_npy(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn same<T: PartialEq, D: Dimension>(got: &Array<T, D>, want: &Array<T, D>) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err("differs from the reference".into())
    }
}

// --- seed 000: addarr -------------------------------------------------------------------

/// `result[i] = x[i] + y[i]`.
#[vectorize]
fn addarr(x: f64, y: f64) -> f64 {
    x + y
}

/// The same on bytes: lanes wrap on overflow, as a release build's scalar `+` does.
#[vectorize]
fn addarr_u8(x: u8, y: u8) -> u8 {
    x + y
}

/// The post's loop, transcribed.
fn addarr_naive<T: Copy + Default + std::ops::Add<Output = T>>(x: &[T], y: &[T]) -> Vec<T> {
    let mut result = vec![T::default(); x.len()];
    for i in 0..x.len() {
        result[i] = x[i] + y[i];
    }
    result
}

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
    let expected = Array1::from(addarr_naive(xs, ys));
    let got = kernel(x, y).expect("operands share one shape");
    Outcome {
        workload,
        size: format!("{}", x.len()),
        ours: best_of(10, || kernel(x, y)),
        naive: best_of(10, || addarr_naive(xs, ys)),
        check: same(&got, &expected),
    }
}

// --- seed 002: smooth -------------------------------------------------------------------

/// The 3x3 mean of seed 002. Numba sums int8 in int64 and floor-divides (`//`); Rust's `/`
/// truncates towards zero, so the floor is spelled `div_euclid` (9 > 0: the same thing).
#[stencil]
fn smooth(x: Rel<i8>) -> i8 {
    let s = i16::from(x[[-1, -1]])
        + i16::from(x[[-1, 0]])
        + i16::from(x[[-1, 1]])
        + i16::from(x[[0, -1]])
        + i16::from(x[[0, 0]])
        + i16::from(x[[0, 1]])
        + i16::from(x[[1, -1]])
        + i16::from(x[[1, 0]])
        + i16::from(x[[1, 1]]);
    s.div_euclid(9) as i8
}

/// The post's loop nest, over every plane of a stack.
fn smooth_naive(x: &Array3<i8>) -> Array3<i8> {
    let mut out = Array3::zeros(x.raw_dim());
    let (planes, n, m) = x.dim();
    for p in 0..planes {
        for i in 1..n.saturating_sub(1) {
            for j in 1..m.saturating_sub(1) {
                let mut s = 0i16;
                for di in 0..3 {
                    for dj in 0..3 {
                        s += i16::from(x[[p, i + di - 1, j + dj - 1]]);
                    }
                }
                out[[p, i, j]] = s.div_euclid(9) as i8;
            }
        }
    }
    out
}

fn smooth_outcome() -> Outcome {
    // Every shipped image against Numba's output, then a stack for the timing.
    let mut check = Ok(());
    for name in ["camera", "coins", "moon", "page", "text"] {
        let image: Array2<i8> = load(&format!("smooth/{name}.i8.npy"));
        let want: Array2<i8> = load(&format!("smooth/{name}.smooth.npy"));
        if let Err(why) = same(&smooth(&image).expect("2-D input"), &want) {
            check = Err(format!("{name}: {why}"));
        }
    }
    let stack: Array3<i8> = load("smooth/stack.i8.npy");
    let want: Array3<i8> = load("smooth/stack.smooth.npy");
    if let Err(why) = same(&smooth(&stack).expect("3-D input"), &want) {
        check = Err(format!("stack: {why}"));
    }
    let camera: Array2<i8> = load("smooth/camera.i8.npy");
    let big = Array3::from_shape_fn((16, 512, 512), |(p, i, j)| {
        camera[[i, j]].wrapping_add(p as i8)
    });
    if check.is_ok() {
        check = same(&smooth(&big).expect("3-D input"), &smooth_naive(&big));
    }
    Outcome {
        workload: "smooth int8 stack",
        size: "16x512x512".into(),
        ours: best_of(5, || smooth(&big)),
        naive: best_of(3, || smooth_naive(&big)),
        check,
    }
}

// --- seed 001: softmax ------------------------------------------------------------------

/// Numerically stable softmax of one row.
#[guvectorize("(n)->(n)")]
fn softmax(x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    let max = x.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let mut total = 0.0;
    for (o, &v) in out.iter_mut().zip(&x) {
        *o = (v - max).exp();
        total += *o;
    }
    out.mapv_inplace(|v| v / total);
}

fn softmax_naive(x: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros(x.raw_dim());
    for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = row.iter().map(|v| (v - max).exp()).sum();
        for (o, v) in o.iter_mut().zip(row) {
            *o = (v - max).exp() / total;
        }
    }
    out
}

fn softmax_outcome() -> Outcome {
    let x: Array2<f64> = load("softmax/batch.in.npy");
    let want: Array2<f64> = load("softmax/batch.out.npy");
    let got = softmax(&x).expect("2-D input");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| ((g - w) / w).abs())
        .fold(0.0, f64::max);
    let big = Array2::from_shape_fn((1000, 10_000), |(i, j)| {
        ((i * 7919 + j * 104_729) % 1000) as f64 * 0.01
    });
    Outcome {
        workload: "softmax rows f64",
        size: "1000x10000".into(),
        ours: best_of(5, || softmax(&big)),
        naive: best_of(3, || softmax_naive(&big)),
        check: if worst <= 1e-12 {
            Ok(())
        } else {
            Err(format!("relative error {worst:e} against SciPy"))
        },
    }
}

// --- seed 004: correlate_sparse ---------------------------------------------------------

/// The box width of the shipped reference.
const W: isize = 31;

/// The four corner taps of seed 004's kernel, over the valid region.
#[stencil(mode = "valid")]
fn corners(x: Rel<f64>) -> f64 {
    x[[0, 0]] - x[[0, W]] - x[[W, 0]] + x[[W, W]]
}

/// The post's `_correlate_sparse_offsets` loop order: one pass per tap.
fn corners_naive(x: &Array2<f64>) -> Array2<f64> {
    let w = W as usize;
    let (n, m) = x.dim();
    let mut out = Array2::zeros((n - w, m - w));
    for (di, dj, sign) in [(0, 0, 1.0), (0, w, -1.0), (w, 0, -1.0), (w, w, 1.0)] {
        for i in 0..n - w {
            for j in 0..m - w {
                out[[i, j]] += x[[i + di, j + dj]] * sign;
            }
        }
    }
    out
}

fn corners_outcome() -> Outcome {
    let x: Array2<f64> = load("correlate_sparse/image.npy");
    let want: Array2<f64> = load("correlate_sparse/result.npy");
    let got = corners(&x).expect("2-D input");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    let big = Array2::from_shape_fn((2000, 3000), |(i, j)| {
        ((i * 31 + j * 17) % 101) as f64 / 101.0
    });
    Outcome {
        workload: "correlate_sparse f64",
        size: "2000x3000".into(),
        ours: best_of(5, || corners(&big)),
        naive: best_of(3, || corners_naive(&big)),
        check: if worst <= 1e-12 {
            Ok(())
        } else {
            Err(format!("off by {worst:e}"))
        },
    }
}

fn main() {
    let n = 10_000_000;
    let outcomes = vec![
        addarr_outcome(
            "addarr f64",
            &Array1::from_shape_fn(n, |i| (i % 1000) as f64 * 0.5),
            &Array1::from_shape_fn(n, |i| (i % 777) as f64),
            |x, y| addarr(x, y),
        ),
        addarr_outcome(
            "addarr u8",
            &Array1::from_shape_fn(n, |i| (i % 128) as u8),
            &Array1::from_shape_fn(n, |i| (i % 97) as u8),
            |x, y| addarr_u8(x, y),
        ),
        smooth_outcome(),
        softmax_outcome(),
        corners_outcome(),
    ];

    println!(
        "{:<22} {:>12} {:>12} {:>12} {:>9}  check",
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
            "{:<22} {:>12} {:>12.3?} {:>12.3?} {:>8.2}x  {check}",
            o.workload, o.size, o.ours, o.naive, speedup
        );
    }
    println!(
        "\n{} threads (set RAYON_NUM_THREADS to change)",
        ndkernel::__private::rayon::current_num_threads()
    );
    if failed {
        std::process::exit(1);
    }
}
