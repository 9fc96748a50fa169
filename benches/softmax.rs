//! Seed 001's softmax (`ndkernel_seeds::softmax`) against the post's naive loops: one long
//! vector of 1e8 `f64` (the post's size, 800 MB) and a batch of 1000 rows of 10 000, in
//! `f32` and `f64`, on one and on two threads.
//!
//! ```text
//! cargo bench --bench softmax -- --warm-up-time 1 --measurement-time 5
//! RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/native \
//!     cargo bench --bench softmax -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! The inputs are the peers' (`peers/peers.py`): `10 * gen_f64(1e8, 8)` and
//! `10 * gen_f64((1000, 10000), 9)`. Each group compares:
//!
//! - `naive`: the post's three serial loops (max; exp and sum; divide), allocating its
//!   result as the post's NumPy code does;
//! - `ndkernel/1`, `ndkernel/2`: `softmax` (allocating) in a rayon pool of 1 and 2 threads;
//! - `ndkernel_into/1`, `ndkernel_into/2`: `softmax_into` into a preallocated output.
//!
//! Throughput is in elements. The `exp`s run on `wide` lanes, so the target flags matter:
//! a default `x86_64` build runs an `f64x4` as two SSE2 halves. Before the timings,
//! `cargo bench` prints the peak memory of one call on the 1e8 vector.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use ndarray::{Array1, Array2};
use ndkernel_seeds::inputs::f64s;
use ndkernel_seeds::measure::peak_memory;
use ndkernel_seeds::softmax::{
    Real, softmax, softmax_into, softmax_naive, softmax_rows, softmax_rows_into, softmax_rows_naive,
};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

/// The largest relative difference between two results.
#[allow(
    clippy::float_cmp,
    reason = "equal values, infinities included, differ by 0"
)]
fn worst<T: Real + Into<f64>>(got: &[T], want: &[T]) -> f64 {
    got.iter()
        .zip(want)
        .map(|(&g, &w)| {
            let (g, w): (f64, f64) = (g.into(), w.into());
            if g == w { 0.0 } else { ((g - w) / w).abs() }
        })
        .fold(0.0, f64::max)
}

fn bench_vector(c: &mut Criterion, n: usize) {
    let x = f64s(n, 8) * 10.0;
    let mut out = Array1::zeros(n);
    let want = softmax_naive(x.as_slice().expect("contiguous"));
    softmax_into(x.view(), out.view_mut()).expect("same lengths");
    let err = worst(out.as_slice().expect("contiguous"), &want);
    assert!(
        err <= 1e-12,
        "softmax of {n} differs from the naive loops by {err:e}"
    );
    drop(want);

    let mut group = c.benchmark_group("softmax_f64");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    let label = format!("{n}");
    let id = |what: &str| BenchmarkId::new(what, &label);
    group.bench_function(id("naive"), |b| {
        b.iter(|| softmax_naive(black_box(x.as_slice().expect("contiguous"))));
    });
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_function(id(&format!("ndkernel/{threads}")), |b| {
            pool.install(|| b.iter(|| softmax(black_box(x.view()))));
        });
        group.bench_function(id(&format!("ndkernel_into/{threads}")), |b| {
            pool.install(|| {
                b.iter(|| softmax_into(black_box(x.view()), black_box(out.view_mut())));
            });
        });
    }
    group.finish();
}

fn bench_rows<T: Real + Into<f64>>(
    c: &mut Criterion,
    name: &str,
    shape: (usize, usize),
    from_f64: fn(f64) -> T,
) {
    let x: Array2<T> = (f64s(shape, 9) * 10.0).mapv(from_f64);
    let mut out = Array2::from_elem(shape, T::ZERO);
    softmax_rows_into(&x, &mut out).expect("same shapes");
    // Against the naive loops in f64: the naive f32 loop's serial sums are less accurate.
    let want = softmax_rows_naive(x.mapv(Into::into).view());
    let got = out.mapv(Into::into);
    let tolerance = if size_of::<T>() == 8 { 1e-12 } else { 1e-5 };
    let err = worst(
        got.as_slice().expect("contiguous"),
        want.as_slice().expect("contiguous"),
    );
    assert!(
        err <= tolerance,
        "{name}: differs from the naive loops by {err:e}"
    );

    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(x.len() as u64));
    let label = format!("{}x{}", shape.0, shape.1);
    let id = |what: &str| BenchmarkId::new(what, &label);
    group.bench_function(id("naive"), |b| {
        b.iter(|| softmax_rows_naive(black_box(x.view())));
    });
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_function(id(&format!("ndkernel/{threads}")), |b| {
            pool.install(|| b.iter(|| softmax_rows(black_box(&x)).expect("a batch")));
        });
        group.bench_function(id(&format!("ndkernel_into/{threads}")), |b| {
            pool.install(|| {
                b.iter(|| softmax_rows_into(black_box(&x), black_box(&mut out)));
            });
        });
    }
    group.finish();
}

/// The benchmarked sizes; `cargo test --benches` (a debug build that runs each bench once)
/// gets small awkward ones instead, so that it checks the kernels in seconds.
fn benches(c: &mut Criterion, full: bool) {
    let (n, rows) = if full {
        (100_000_000, (1000, 10_000))
    } else {
        (100_003, (7, 4097))
    };
    bench_vector(c, n);
    bench_rows(c, "softmax_rows_f64", rows, |v| v);
    bench_rows(c, "softmax_rows_f32", rows, |v| v as f32);
}

/// Peak memory of one `softmax_into` and one `softmax` call on the 1e8 vector, each
/// measured from a reset high-water mark (`/proc/self/clear_refs`, Linux ≥ 4.0).
fn print_peak_memory() {
    let x = f64s(100_000_000, 8) * 10.0;
    let mut out = Array1::<f64>::zeros(x.len());
    out.fill(1.0); // touch every page, so the output counts before the call
    for (label, allocating) in [("softmax_into", false), ("softmax (allocates)", true)] {
        let Some(memory) = peak_memory(|| {
            for threads in [1, 2] {
                pool(threads).install(|| {
                    if allocating {
                        black_box(softmax(black_box(x.view())));
                    } else {
                        softmax_into(black_box(x.view()), black_box(out.view_mut()))
                            .expect("same lengths");
                    }
                });
            }
        }) else {
            println!("peak memory: /proc/self/clear_refs not writable, skipped");
            return;
        };
        println!(
            "peak memory, {label} on 1e8 f64 (800 MB in, 800 MB out), 1 then 2 threads: \
             {:.1} MiB resident before, peak {:.1} MiB, +{:.1} MiB during the calls",
            memory.before,
            memory.peak,
            memory.added(),
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each bench once, on small
    // shapes and without the memory report.
    let full = std::env::args().any(|arg| arg == "--bench");
    if full {
        print_peak_memory();
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, full);
    c.final_summary();
}
