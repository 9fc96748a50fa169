//! `#[guvectorize]` against hand-written loops: row-wise softmax (seed 001), batched
//! small matrix products, and small cores on lanes (cross products, 4x4 matrix-vector
//! products written with loops and with `dot`, on one thread and on the pool).
//!
//! ```text
//! cargo bench --bench guvectorize -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Each kernel is timed against a naive serial loop over the batch, against ndarray's
//! `Zip::par_for_each` calling the same core function (`softmax_rows_core`, `matmul_core`:
//! the difference is the gufunc's dispatch alone), and on one thread (`ndkernel_serial`).
//! Softmax throughput counts the elements of the input; matmul throughput counts
//! multiply-adds (`batch · n · k · m`).
//!
//! The softmax kernel and its naive loop are `seeds/src/softmax.rs`'s `softmax_rows` and
//! `softmax_rows_naive` (which allocates its result, as the post's function does); its
//! sweeps run on `#[vectorize]` lanes, so the target flags matter. `matmul`'s core is plain
//! scalar Rust: there they matter only as far as LLVM autovectorises.

use std::hint::black_box;
use std::ops::{Add, Mul};

use criterion::{BenchmarkId, Criterion, Throughput};
use ndarray::{Array2, Array3, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Zip};
use ndarray_npy::read_npy;
use ndkernel::dispatch::serial;
use ndkernel::guvectorize;
use ndkernel_seeds::softmax::{
    Real, softmax_rows, softmax_rows_core, softmax_rows_into, softmax_rows_naive,
};

/// One product of core matrices: `out = a · b`, the user's triple loop.
#[guvectorize("(n,k),(k,m)->(n,m)")]
fn matmul<T: Copy + Default + Add<Output = T> + Mul<Output = T>>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    mut out: ArrayViewMut2<T>,
) {
    let (n, k) = a.dim();
    for i in 0..n {
        for j in 0..b.ncols() {
            let mut acc = T::default();
            for l in 0..k {
                acc = acc + a[[i, l]] * b[[l, j]];
            }
            out[[i, j]] = acc;
        }
    }
}

/// The same over a batch, serially, one index at a time.
fn matmul_naive(a: &Array3<f64>, b: &Array3<f64>, out: &mut Array3<f64>) {
    let (batch, rows, inner) = a.dim();
    for s in 0..batch {
        for row in 0..rows {
            for col in 0..b.dim().2 {
                let mut acc = 0.0;
                for l in 0..inner {
                    acc += a[[s, row, l]] * b[[s, l, col]];
                }
                out[[s, row, col]] = acc;
            }
        }
    }
}

/// Checks the softmax kernel against SciPy's outputs in `data/softmax/`.
fn check_softmax() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/softmax");
    let read = |name: &str| -> Array2<f64> { read_npy(format!("{dir}/{name}")).unwrap() };
    let (x, expected) = (read("batch.in.npy"), read("batch.out.npy"));
    let ours = softmax_rows(&x).unwrap();
    Zip::from(&ours.into_dimensionality().unwrap())
        .and(&expected)
        .for_each(|&o: &f64, &e| assert!((o - e).abs() <= 1e-12 * e.abs(), "{o} != {e}"));
    let x32: Array2<f32> = read_npy(format!("{dir}/batch32.in.npy")).unwrap();
    let expected32: Array2<f32> = read_npy(format!("{dir}/batch32.out.npy")).unwrap();
    let ours32 = softmax_rows(&x32).unwrap();
    Zip::from(&ours32.into_dimensionality().unwrap())
        .and(&expected32)
        .for_each(|&o: &f32, &e| assert!((o - e).abs() <= 1e-5 * e.abs(), "{o} != {e}"));
}

fn bench_softmax<T: Real>(c: &mut Criterion, name: &str, make: fn(usize, usize) -> T) {
    let (rows, cols) = (1000, 10_000);
    let x = Array2::from_shape_fn((rows, cols), |(i, j)| make(i, j));
    let mut out = Array2::<T>::default((rows, cols));
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements((rows * cols) as u64));
    let id = |what: &str| BenchmarkId::new(what, format!("{rows}x{cols}"));
    group.bench_function(id("naive"), |bch| {
        bch.iter(|| softmax_rows_naive(black_box(&x).view()));
    });
    group.bench_function(id("zip_par"), |bch| {
        bch.iter(|| {
            Zip::from(black_box(&mut out).rows_mut())
                .and(black_box(&x).rows())
                .par_for_each(|out, x| softmax_rows_core(x, out));
        });
    });
    group.bench_function(id("ndkernel_into"), |bch| {
        bch.iter(|| softmax_rows_into(black_box(&x), black_box(&mut out)).unwrap());
    });
    group.bench_function(id("ndkernel_into_serial"), |bch| {
        bch.iter(|| serial(|| softmax_rows_into(black_box(&x), black_box(&mut out)).unwrap()));
    });
    group.bench_function(id("ndkernel"), |bch| {
        bch.iter(|| softmax_rows(black_box(&x)).unwrap());
    });
    group.finish();
}

fn bench_matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul_f64");
    group.sample_size(20);
    for (batch, size) in [(10_000, 4), (10_000, 8)] {
        let shape = (batch, size, size);
        let a = Array3::from_shape_fn(shape, |(s, i, j)| ((s + 3 * i + j) % 17) as f64 - 8.0);
        let b = Array3::from_shape_fn(shape, |(s, i, j)| ((s * 5 + i + 7 * j) % 13) as f64);
        let mut expected = Array3::zeros(shape);
        matmul_naive(&a, &b, &mut expected);
        let mut out = Array3::zeros(shape);
        matmul_into(&a, &b, &mut out).unwrap();
        assert_eq!(out, expected);

        group.throughput(Throughput::Elements((batch * size * size * size) as u64));
        let id = |what: &str| BenchmarkId::new(what, format!("{batch}x{size}x{size}"));
        group.bench_function(id("naive"), |bch| {
            bch.iter(|| matmul_naive(black_box(&a), black_box(&b), black_box(&mut out)));
        });
        group.bench_function(id("zip_par"), |bch| {
            bch.iter(|| {
                Zip::from(black_box(&mut out).outer_iter_mut())
                    .and(black_box(&a).outer_iter())
                    .and(black_box(&b).outer_iter())
                    .par_for_each(|out, a, b| matmul_core(a, b, out));
            });
        });
        group.bench_function(id("ndkernel_into"), |bch| {
            bch.iter(|| matmul_into(black_box(&a), black_box(&b), black_box(&mut out)).unwrap());
        });
        group.bench_function(id("ndkernel_into_serial"), |bch| {
            bch.iter(|| {
                serial(|| matmul_into(black_box(&a), black_box(&b), black_box(&mut out)).unwrap());
            });
        });
        group.bench_function(id("ndkernel"), |bch| {
            bch.iter(|| matmul(black_box(&a), black_box(&b)).unwrap());
        });
    }
    group.finish();
}

/// The cross product of 3-vectors, written into its output.
#[guvectorize("(3),(3)->(3)")]
fn cross(a: ArrayView1<f64>, b: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

/// `m v` for 4x4 matrices, as loops.
#[guvectorize("(4,4),(4)->(4)")]
fn mat4vec(m: ArrayView2<f32>, v: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
    for r in 0..4 {
        let mut acc = 0.0;
        for k in 0..4 {
            acc += m[[r, k]] * v[k];
        }
        out[r] = acc;
    }
}

/// `m v` with ndarray's `dot`.
#[guvectorize("(4,4),(4)->(4)")]
fn mat4vec_dot(m: ArrayView2<f32>, v: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
    out.assign(&m.dot(&v));
}

/// Small cores on lanes: the staging of inputs and outputs is most of their cost.
fn bench_small_cores(c: &mut Criterion) {
    const { assert!(cross::SIMD && mat4vec::SIMD && mat4vec_dot::SIMD) };
    let mut group = c.benchmark_group("small_cores");
    group.sample_size(20);
    let len = 1_000_000;
    group.throughput(Throughput::Elements(len as u64));
    let xs = Array2::from_shape_fn((len, 3), |(i, j)| input(i, j));
    let ys = Array2::from_shape_fn((len, 3), |(i, j)| input(j, i));
    let mut out = Array2::zeros((len, 3));
    let mats = Array3::from_shape_fn((len, 4, 4), |(i, j, k)| input(i, 4 * j + k) as f32);
    let vecs = Array2::from_shape_fn((len, 4), |(i, j)| input(j, i) as f32);
    let mut out4 = Array2::zeros((len, 4));
    let mut out4_dot = Array2::zeros((len, 4));
    mat4vec_into(&mats, &vecs, &mut out4).unwrap();
    mat4vec_dot_into(&mats, &vecs, &mut out4_dot).unwrap();
    assert_eq!(
        out4, out4_dot,
        "4x4 products: loops and dot add in the same order"
    );
    for (threads, run) in [("serial", true), ("pool", false)] {
        let time = |f: &mut dyn FnMut()| if run { serial(f) } else { f() };
        group.bench_function(BenchmarkId::new("cross", threads), |bch| {
            bch.iter(|| {
                time(&mut || cross_into(black_box(&xs), black_box(&ys), &mut out).unwrap());
            });
        });
        group.bench_function(BenchmarkId::new("mat4vec_loops", threads), |bch| {
            bch.iter(|| {
                time(&mut || mat4vec_into(black_box(&mats), black_box(&vecs), &mut out4).unwrap());
            });
        });
        group.bench_function(BenchmarkId::new("mat4vec_dot", threads), |bch| {
            bch.iter(|| {
                time(&mut || {
                    mat4vec_dot_into(black_box(&mats), black_box(&vecs), &mut out4).unwrap();
                });
            });
        });
    }
    group.finish();
}

/// Spread over [-50, 50): `exp` of the unshifted values would overflow `f32`.
fn input(i: usize, j: usize) -> f64 {
    ((i * 7919 + j * 104_729) % 10_007) as f64 / 100.07 - 50.0
}

fn benches(c: &mut Criterion) {
    check_softmax();
    bench_softmax(c, "softmax_f32", |i, j| input(i, j) as f32);
    bench_softmax(c, "softmax_f64", input);
    bench_matmul(c);
    bench_small_cores(c);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
