//! A 7-point Laplacian over a 256³ `f32` volume on one thread: what a row's border
//! positions cost against its interior.
//!
//! ```text
//! RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=target/native \
//!     cargo bench --bench laplacian -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! - `nearest`: the zoo's kernel (`peers/rust/zoo/linear.rs`), `mode = "nearest"`;
//! - `rims_skipped`: the same body with `skip` on the row axis, so no position of a row
//!   is evaluated through the boundary tables (the two ends are left at `cval`);
//! - `interior_loop`: a hand-written loop over the interior alone, no border at all.
//!
//! And on the default pool, what sweeping volumes in tiles of rows does at four sizes of
//! plane, against plane by plane (`laplacian_tiling/<shape>/{tiled,untiled}`): where the
//! driver starts tiling (`TILE_FROM` in `kernel-runtime/src/stencil/mod.rs`).

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use ndarray::Array3;
use ndkernel::prelude::*;
use ndkernel::stencil::with_tiling;

#[stencil(mode = "nearest")]
fn lap3d(u: Rel<f32>) -> f32 {
    u[[-1, 0, 0]] + u[[1, 0, 0]] + u[[0, -1, 0]] + u[[0, 1, 0]] + u[[0, 0, -1]] + u[[0, 0, 1]]
        - 6.0 * u[[0, 0, 0]]
}

#[stencil(mode = ["nearest", "nearest", "skip"])]
fn lap3d_rims_skipped(u: Rel<f32>) -> f32 {
    u[[-1, 0, 0]] + u[[1, 0, 0]] + u[[0, -1, 0]] + u[[0, 1, 0]] + u[[0, 0, -1]] + u[[0, 0, 1]]
        - 6.0 * u[[0, 0, 0]]
}

/// The interior of the Laplacian, as one would write it by hand over C-order slices.
fn interior_loop(u: &Array3<f32>, out: &mut Array3<f32>) {
    let (n0, n1, n2) = u.dim();
    let us = u.as_slice().expect("C order");
    let os = out.as_slice_mut().expect("C order");
    let plane = n1 * n2;
    for i in 1..n0 - 1 {
        for j in 1..n1 - 1 {
            let row = i * plane + j * n2;
            for a in row + 1..row + n2 - 1 {
                os[a] =
                    us[a - plane] + us[a + plane] + us[a - n2] + us[a + n2] + us[a - 1] + us[a + 1]
                        - 6.0 * us[a];
            }
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let n = 256;
    #[allow(clippy::cast_precision_loss, reason = "small integers")]
    let u = Array3::from_shape_fn((n, n, n), |(i, j, k)| ((i * 7 + j * 3 + k) % 17) as f32);
    let mut out = Array3::<f32>::zeros((n, n, n));
    let mut group = c.benchmark_group("laplacian_256");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u.len() as u64));
    group.bench_function("nearest", |b| {
        b.iter(|| ndkernel::dispatch::serial(|| lap3d_into(black_box(&u), &mut out)));
    });
    group.bench_function("rims_skipped", |b| {
        b.iter(|| ndkernel::dispatch::serial(|| lap3d_rims_skipped_into(black_box(&u), &mut out)));
    });
    group.bench_function("interior_loop", |b| {
        b.iter(|| interior_loop(black_box(&u), &mut out));
    });
    group.finish();
    drop((u, out));

    let mut group = c.benchmark_group("laplacian_tiling");
    group.sample_size(10);
    for (n0, n1, n2) in [
        (256, 256, 256),
        (48, 768, 768),
        (32, 1024, 1024),
        (16, 2048, 2048),
    ] {
        #[allow(clippy::cast_precision_loss, reason = "small integers")]
        let u = Array3::from_shape_fn((n0, n1, n2), |(i, j, k)| ((i * 7 + j * 3 + k) % 17) as f32);
        let mut out = Array3::<f32>::zeros((n0, n1, n2));
        group.throughput(Throughput::Elements(u.len() as u64));
        for tiled in [true, false] {
            let name = format!("{n0}x{n1}x{n2}/{}", if tiled { "tiled" } else { "untiled" });
            group.bench_function(name, |b| {
                b.iter(|| with_tiling(tiled, || lap3d_into(black_box(&u), &mut out)));
            });
        }
    }
    group.finish();
    c.final_summary();
}
