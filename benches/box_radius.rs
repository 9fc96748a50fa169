//! Box means over a 2000x2000 image at reaches 2 to 50, written as loops over a declared
//! neighbourhood whose reach is a parameter, as the README teaches: running sums make the
//! time per call (nearly) independent of the reach.
//!
//! ```text
//! RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/native \
//!     cargo bench --bench box_radius -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! - `f32/r`: floats with `reassociate = true` (running sums, within the documented bound);
//! - `u8/r`: bytes summed in `u32`, exact with no opt-in, the divisor `side * side` a
//!   parameter prepared once per call.
//!
//! Both on the default rayon pool (2 threads on the machine the README's figures come from).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use ndarray::Array2;
use ndkernel::prelude::*;

#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)], reassociate = true)]
fn box_mean_f32(x: Rel<f32>, r: isize) -> f32 {
    let mut acc = 0.0;
    for di in -r..=r {
        for dj in -r..=r {
            acc += x[[di, dj]];
        }
    }
    let side = (2 * r + 1) as f32;
    acc / (side * side)
}

#[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)])]
fn box_mean_u8(x: Rel<u8>, r: isize) -> u8 {
    let mut acc = 0u32;
    for di in -r..=r {
        for dj in -r..=r {
            acc += u32::from(x[[di, dj]]);
        }
    }
    let side = (2 * r + 1) as u32;
    (acc / (side * side)) as u8
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let n = 2000;
    #[allow(clippy::cast_precision_loss, reason = "small integers")]
    let x = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 13) % 251) as f32);
    let bytes = x.mapv(|v| v as u8);
    let mut out = Array2::<f32>::zeros((n, n));
    let mut out_bytes = Array2::<u8>::zeros((n, n));
    let mut group = c.benchmark_group("box_radius_2000");
    group.sample_size(10);
    group.throughput(Throughput::Elements(x.len() as u64));
    for r in [2, 5, 15, 30, 50] {
        group.bench_with_input(BenchmarkId::new("f32", r), &r, |b, &r| {
            b.iter(|| box_mean_f32_into(black_box(&x), r, &mut out));
        });
        group.bench_with_input(BenchmarkId::new("u8", r), &r, |b, &r| {
            b.iter(|| box_mean_u8_into(black_box(&bytes), r, &mut out_bytes));
        });
    }
    group.finish();
    c.final_summary();
}
