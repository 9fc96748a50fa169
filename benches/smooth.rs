//! `#[stencil]` against hand-written loops: seed 002's 3x3 mean (`smooth`) on `i8` (the
//! post's type, with Numba's floor division), `u8` and `f32`, on single images and on a
//! stack of 64 images, on one and on two threads.
//!
//! ```text
//! cargo bench --bench smooth -- --warm-up-time 1 --measurement-time 3
//! RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/native \
//!     cargo bench --bench smooth -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The kernels (`smooth`, `smooth_u8`, `mean_f32`) and both loop baselines live in
//! `seeds/src/smooth.rs`. Each group compares, on the same input and into the same
//! preallocated output:
//!
//! - `naive`: the post's loop nest, `out[i, j] = (x[i - 1, j - 1] + …) // 9`, indexing the
//!   array element by element (one thread);
//! - `rows`: the same arithmetic over three row slices side by side, a loop the compiler
//!   can vectorise: what a careful hand-written loop reaches on one thread;
//! - `ndkernel/1`, `ndkernel/2`: the kernel's `_into` form inside a rayon pool of 1 and 2 threads.
//!
//! `mean_f32_modes` times the `f32` mean with `skip` and with `reflect` borders on one
//! thread, on images small enough for the border to matter.
//!
//! `smooth_i8_layouts` runs the `int8` kernel on one thread over one image in C order, in
//! F order and as a transposed view, each into an output of its own order.
//!
//! Throughput is in elements (output pixels). Before the timings, `cargo bench` prints the
//! peak memory of one call on the 64-image stack (64 MB in, 64 MB out): the stencil reads
//! its halo from the input in place, so the call adds no padded copy to the peak.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use ndarray::{Array2, Array3, ArrayView2, ArrayViewMut2, ShapeBuilder};
use ndkernel::prelude::{Rel, stencil};
use ndkernel_seeds::measure::peak_memory;
use ndkernel_seeds::smooth::{
    Mean9, mean_f32_core, mean_f32_into, naive, per_plane, rows, smooth, smooth_into,
    smooth_u8_into,
};

/// A one-image baseline over every plane of a stack.
fn planes<T: Mean9>(f: fn(ArrayView2<T>, ArrayViewMut2<T>), x: &Array3<T>, out: &mut Array3<T>) {
    per_plane(f, x.view(), out.view_mut());
}

/// A deterministic image stack: a smooth ramp with a texture, covering the type's range.
fn input<T>(shape: (usize, usize, usize), from_byte: fn(u8) -> T) -> Array3<T> {
    Array3::from_shape_fn(shape, |(k, i, j)| {
        from_byte(((i * 3 + j * 5 + k * 11 + (i * j) % 7) % 256) as u8)
    })
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

fn bench_mean<T: Mean9>(
    c: &mut Criterion,
    name: &str,
    shapes: &[(usize, usize, usize)],
    kernel: fn(&Array3<T>, &mut Array3<T>),
    from_byte: fn(u8) -> T,
) {
    let pools = [(1, pool(1)), (2, pool(2))];
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for &shape in shapes {
        let x = input(shape, from_byte);
        let mut out = Array3::from_elem(shape, T::default());
        let mut expected = Array3::from_elem(shape, T::default());
        planes(naive, &x, &mut expected);
        kernel(&x, &mut out);
        assert_eq!(
            out, expected,
            "{name} {shape:?}: stencil differs from the loop"
        );
        planes(rows, &x, &mut out);
        assert_eq!(out, expected, "{name} {shape:?}: row loop differs");

        group.throughput(Throughput::Elements(x.len() as u64));
        let label = format!("{}x{}x{}", shape.0, shape.1, shape.2);
        let id = |what: &str| BenchmarkId::new(what, &label);
        group.bench_function(id("naive"), |b| {
            b.iter(|| planes(naive, black_box(&x), black_box(&mut out)));
        });
        group.bench_function(id("rows"), |b| {
            b.iter(|| planes(rows, black_box(&x), black_box(&mut out)));
        });
        for (threads, pool) in &pools {
            group.bench_function(id(&format!("ndkernel/{threads}")), |b| {
                pool.install(|| b.iter(|| kernel(black_box(&x), black_box(&mut out))));
            });
        }
    }
    group.finish();
}

/// The benchmarked shapes; `cargo test --benches` (a debug build that runs each bench once)
/// gets small awkward ones instead, so that it checks the kernels in seconds.
fn benches(c: &mut Criterion, full: bool) {
    let images = if full {
        [(1, 1000, 1000), (1, 4000, 4000), (64, 1000, 1000)]
    } else {
        [(1, 37, 53), (1, 3, 3), (5, 41, 29)]
    };
    bench_mean(
        c,
        "smooth_i8",
        &images,
        |x, out| smooth_into(x, out).expect("same shapes"),
        |v| v as i8,
    );
    bench_mean(
        c,
        "smooth_u8",
        &images,
        |x, out| smooth_u8_into(x, out).expect("same shapes"),
        |v| v,
    );
    bench_mean(
        c,
        "mean_f32",
        &images[..2],
        |x, out| mean_f32_into(x, out).expect("same shapes"),
        f32::from,
    );
}

/// One `int8` image in three memory layouts, each smoothed into an output of its own
/// order on one thread: rows run along the unit-stride axis, so F order and a transposed
/// view cost what C order costs.
fn bench_layouts(c: &mut Criterion, full: bool) {
    let n = if full { 2000 } else { 37 };
    let c_order = input((1, n, n), |v| v as i8)
        .into_shape_with_order((n, n))
        .expect("2-D");
    let mut f_order = Array2::zeros((n, n).f());
    f_order.assign(&c_order);
    let transposed = c_order.t();
    let cases = [
        ("C order", c_order.view()),
        ("F order", f_order.view()),
        ("transposed", transposed),
    ];
    let mut expected = Array2::zeros((n, n));
    rows(c_order.view(), expected.view_mut());
    let pool = pool(1);
    let mut group = c.benchmark_group("smooth_i8_layouts");
    group.sample_size(10);
    group.throughput(Throughput::Elements((n * n) as u64));
    for (layout, x) in cases {
        let expected = if layout == "transposed" {
            expected.t().to_owned()
        } else {
            expected.clone()
        };
        let mut out = Array2::zeros((n, n).set_f(x.strides()[0] == 1));
        smooth_into(&x, &mut out).expect("same shapes");
        assert_eq!(out, expected, "{layout}: stencil differs from the loop");
        let id = BenchmarkId::new("ndkernel/1", format!("{n}x{n} {layout}"));
        group.bench_function(id, |b| {
            pool.install(|| b.iter(|| smooth_into(black_box(&x), black_box(&mut out))));
        });
    }
    group.finish();
}

/// The seeds' `f32` mean with SciPy's default border, for [`bench_modes`]: the same rule,
/// whose reach a reused rule must declare.
#[stencil(mode = "reflect", neighborhood = [(-1, 1), (-1, 1)])]
fn mean_f32_reflect(x: Rel<f32>) -> f32 {
    mean_f32_core(x)
}

/// What a border mode costs over `skip` (which writes `cval` without reading): the `f32`
/// mean on one thread, on images small enough for the border to matter.
fn bench_modes(c: &mut Criterion, full: bool) {
    let sizes: &[usize] = if full { &[64, 256, 1000] } else { &[2, 9] };
    let pool = pool(1);
    let mut group = c.benchmark_group("mean_f32_modes");
    group.sample_size(10);
    for &n in sizes {
        let x = input((1, n, n), f32::from)
            .into_shape_with_order((n, n))
            .expect("2-D");
        let mut out = Array2::zeros((n, n));
        group.throughput(Throughput::Elements((n * n) as u64));
        let id = |mode: &str| BenchmarkId::new(mode, format!("{n}x{n}"));
        group.bench_function(id("skip"), |b| {
            pool.install(|| b.iter(|| mean_f32_into(black_box(&x), black_box(&mut out))));
        });
        group.bench_function(id("reflect"), |b| {
            pool.install(|| {
                b.iter(|| mean_f32_reflect_into(black_box(&x), black_box(&mut out)));
            });
        });
    }
    group.finish();
}

/// Peak memory of one `smooth_into` and one `smooth` call on the 64-image stack,
/// each measured from a reset high-water mark (`/proc/self/clear_refs`, Linux ≥ 4.0).
fn print_peak_memory() {
    let x = input((64, 1000, 1000), |v| v as i8);
    let mut out = Array3::<i8>::zeros(x.dim());
    out.fill(1); // touch every page, so the output counts before the call
    for (label, allocating) in [("smooth_into", false), ("smooth (allocates)", true)] {
        let Some(memory) = peak_memory(|| {
            for threads in [1, 2] {
                pool(threads).install(|| {
                    if allocating {
                        black_box(smooth(black_box(&x)).expect("a stack"));
                    } else {
                        smooth_into(black_box(&x), black_box(&mut out)).expect("same shapes");
                    }
                });
            }
        }) else {
            println!("peak memory: /proc/self/clear_refs not writable, skipped");
            return;
        };
        println!(
            "peak memory, {label} on {:?} i8 (64 MB in, 64 MB out), 1 then 2 threads: \
             {:.1} MiB resident before, peak {:.1} MiB, +{:.1} MiB during the calls",
            x.dim(),
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
    bench_layouts(&mut c, full);
    bench_modes(&mut c, full);
    c.final_summary();
}
