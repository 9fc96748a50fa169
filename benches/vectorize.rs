//! `#[vectorize]` against hand-written loops: seed 000's `addarr` on `f64` and `u8` (the
//! kernels and the post's loop are `seeds/src/addarr.rs`).
//!
//! ```text
//! cargo bench --bench vectorize -- --warm-up-time 1 --measurement-time 3
//! RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/native \
//!     cargo bench --bench vectorize -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! `wide` picks its instructions at compile time: the default build runs each 256-bit lane
//! vector as two SSE2 instructions, the native one as one AVX2 instruction.
//!
//! `addarr_f64_layouts` times the allocating form on one thread over one image in three
//! memory layouts.
//!
//! Throughput counts the bytes of the three arrays (two read, one written), as STREAM
//! does, so the GB/s criterion prints compare directly with the "triad" figure of the
//! bandwidth probe printed at startup. At these sizes `addarr` is bound by memory, not by
//! arithmetic: the best any implementation can do is the machine's bandwidth.

use std::hint::black_box;
use std::mem::size_of;
use std::ops::Add;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use ndarray::{Array1, Array2, ShapeBuilder, Zip};
use ndkernel::dispatch::serial;
use ndkernel_seeds::addarr::{
    addarr, addarr_into, addarr_naive as naive, addarr_naive_into as naive_into, addarr_u8,
    addarr_u8_into,
};
use rayon::prelude::*;

/// The ndkernel entry points of one kernel, so one bench body serves both element types.
struct Kernel<T> {
    alloc: fn(&Array1<T>, &Array1<T>) -> Array1<T>,
    into: fn(&Array1<T>, &Array1<T>, &mut Array1<T>),
}

fn bench_addarr<T>(c: &mut Criterion, name: &str, kernel: &Kernel<T>, make: fn(usize) -> T)
where
    T: Copy + Default + Send + Sync + Add<Output = T> + 'static,
{
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    for n in [1_000_000, 10_000_000] {
        let a = Array1::from_shape_fn(n, make);
        let b = Array1::from_shape_fn(n, |i| make(i * 7 + 3));
        let mut out = Array1::from_elem(n, T::default());
        let (xs, ys) = (a.as_slice().unwrap(), b.as_slice().unwrap());
        group.throughput(Throughput::BytesDecimal((3 * n * size_of::<T>()) as u64));
        let id = |what: &str| BenchmarkId::new(what, n);

        group.bench_function(id("naive"), |bch| {
            bch.iter(|| naive(black_box(xs), black_box(ys)));
        });
        group.bench_function(id("naive_into"), |bch| {
            bch.iter(|| {
                naive_into(
                    black_box(xs),
                    black_box(ys),
                    black_box(out.as_slice_mut().unwrap()),
                );
            });
        });
        group.bench_function(id("ndarray_add"), |bch| {
            bch.iter(|| black_box(&a) + black_box(&b));
        });
        group.bench_function(id("zip_into"), |bch| {
            bch.iter(|| {
                Zip::from(black_box(&mut out))
                    .and(black_box(&a))
                    .and(black_box(&b))
                    .for_each(|o, &x, &y| *o = x + y);
            });
        });
        group.bench_function(id("zip_par_into"), |bch| {
            bch.iter(|| {
                Zip::from(black_box(&mut out))
                    .and(black_box(&a))
                    .and(black_box(&b))
                    .par_for_each(|o, &x, &y| *o = x + y);
            });
        });
        group.bench_function(id("ndkernel"), |bch| {
            bch.iter(|| (kernel.alloc)(black_box(&a), black_box(&b)));
        });
        group.bench_function(id("ndkernel_into"), |bch| {
            bch.iter(|| (kernel.into)(black_box(&a), black_box(&b), black_box(&mut out)));
        });
        group.bench_function(id("ndkernel_into_serial"), |bch| {
            bch.iter(|| {
                serial(|| (kernel.into)(black_box(&a), black_box(&b), black_box(&mut out)));
            });
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let f64_kernel = Kernel {
        alloc: |a, b| addarr(a, b).expect("same shapes"),
        into: |a, b, out| addarr_into(a, b, out).expect("same shapes"),
    };
    let u8_kernel = Kernel {
        alloc: |a, b| addarr_u8(a, b).expect("same shapes"),
        into: |a, b, out| addarr_u8_into(a, b, out).expect("same shapes"),
    };
    bench_addarr(c, "addarr_f64", &f64_kernel, |i| (i % 1000) as f64 * 0.5);
    bench_addarr(c, "addarr_u8", &u8_kernel, |i| (i % 128) as u8);
}

/// The allocating `addarr` on one thread over a 3000x3000 image in C order, in F order and
/// as a transposed view: the output takes the input's memory order, so each is one
/// unit-stride walk (`cargo test --benches` runs a 37x29 image).
fn bench_layouts(c: &mut Criterion, full: bool) {
    let (rows, cols) = if full { (3000, 3000) } else { (37, 29) };
    let c_order = Array2::from_shape_fn((rows, cols), |(i, j)| (i * 7 + j) as f64 * 0.5);
    let mut f_order = Array2::zeros((rows, cols).f());
    f_order.assign(&c_order);
    let transposed = c_order.t();
    let mut group = c.benchmark_group("addarr_f64_layouts");
    group.sample_size(10);
    group.throughput(Throughput::Elements((rows * cols) as u64));
    for (layout, x) in [
        ("C order", c_order.view()),
        ("F order", f_order.view()),
        ("transposed", transposed),
    ] {
        let sum = addarr(&x, &x).expect("same shapes");
        assert_eq!(sum, x.mapv(|v| v + v), "{layout}");
        let id = BenchmarkId::new(
            "ndkernel/1",
            format!("{}x{} {layout}", x.nrows(), x.ncols()),
        );
        group.bench_function(id, |b| {
            b.iter(|| serial(|| addarr(black_box(&x), black_box(&x))));
        });
    }
    group.finish();
}

/// The best of `runs` timings of `f`, in seconds.
fn best_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or(Duration::MAX)
        .as_secs_f64()
}

/// A STREAM-style probe: "copy" (`c = a`, 2 arrays of traffic) and "triad"
/// (`a = b + s * c`, 3 arrays) on 64 MB `f64` arrays, on one thread and on rayon's pool.
fn print_bandwidth() {
    const N: usize = 64 << 20 >> 3;
    const CHUNK: usize = 1 << 16;
    let gb = |arrays: usize, secs: f64| (arrays * N * size_of::<f64>()) as f64 / secs / 1e9;
    let mut a = vec![1.0_f64; N];
    let b = vec![2.0_f64; N];
    let mut c = vec![0.5_f64; N];
    let s = black_box(3.0);
    for (label, parallel) in [("serial", false), ("rayon", true)] {
        let copy = best_secs(5, || {
            if parallel {
                c.par_chunks_mut(CHUNK)
                    .zip(a.par_chunks(CHUNK))
                    .for_each(|(c, a)| c.copy_from_slice(a));
            } else {
                c.copy_from_slice(&a);
            }
            black_box(&mut c);
        });
        let triad = best_secs(5, || {
            let kernel = |(a, (b, c)): (&mut [f64], (&[f64], &[f64]))| {
                for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
                    *a = b + s * c;
                }
            };
            if parallel {
                a.par_chunks_mut(CHUNK)
                    .zip(b.par_chunks(CHUNK).zip(c.par_chunks(CHUNK)))
                    .for_each(kernel);
            } else {
                kernel((&mut a[..], (&b[..], &c[..])));
            }
            black_box(&mut a);
        });
        let threads = if parallel {
            rayon::current_num_threads()
        } else {
            1
        };
        println!(
            "memory bandwidth, {label} ({threads} threads): {:.1} GB/s (copy), {:.1} GB/s (triad)",
            gb(2, copy),
            gb(3, triad),
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each bench once, without
    // the probe.
    let full = std::env::args().any(|arg| arg == "--bench");
    if full {
        print_bandwidth();
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    bench_layouts(&mut c, full);
    c.final_summary();
}
