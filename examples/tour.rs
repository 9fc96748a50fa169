//! The main job: every seed workload on the data shipped in the repository, checked
//! against its reference and timed against the naive Rust loop.
//!
//! ```text
//! cargo run --release --example tour
//! ```
//!
//! Workloads join the table as their kernels land; see README.md for the ones to come.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ndkernel::KernelError;
use ndkernel::ndarray::Array1;
use ndkernel::vectorize;

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

/// Seed 000's `addarr`: `result[i] = x[i] + y[i]`.
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
    let expected = addarr_naive(xs, ys);
    let got = kernel(x, y).expect("operands share one shape");
    Outcome {
        workload,
        size: format!("{}", x.len()),
        ours: best_of(10, || kernel(x, y)),
        naive: best_of(10, || addarr_naive(xs, ys)),
        check: if got.as_slice() == Some(&expected[..]) {
            Ok(())
        } else {
            Err("differs from the naive loop".into())
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
        rayon_threads()
    );
    if failed {
        std::process::exit(1);
    }
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}
