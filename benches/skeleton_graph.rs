//! Seed 000's skeleton pixel graph: `pixel_graph` (a `#[stencil]` degree image, per-line
//! counts by `#[guvectorize]`, prefix sums and a parallel scatter) against the post's
//! algorithm transcribed serially (`pixel_graph_naive`: pad, label image, degrees,
//! `build_graph`, COO to CSR).
//!
//! ```text
//! cargo bench --bench skeleton_graph
//! cargo bench --bench skeleton_graph -- --quick
//! ```
//!
//! Inputs: `retina.npy` tiled to 4000x4000 and 1000x1000 (`inputs::tiled_skeleton`, what
//! `peers/peers.py` gives skan and Numba), and the 64^3 `blobs3d.npy`. Each group
//! times `naive` (one thread) and `ndkernel/1`, `ndkernel/2` (inside a rayon pool of 1 and
//! 2 threads); both functions allocate and return the whole graph, as skan does.
//! Throughput is in input pixels. Before the timings, `cargo bench` prints the peak memory
//! of one `pixel_graph` call on the 4000x4000 image (16 MB of `bool` in).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use ndarray::{ArrayD, ArrayViewD};
use ndkernel_seeds::inputs;
use ndkernel_seeds::measure::peak_memory;
use ndkernel_seeds::skeleton::{pixel_graph, pixel_graph_naive};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

fn bench_graph(c: &mut Criterion, images: &[(String, ArrayD<bool>)]) {
    let pools = [(1, pool(1)), (2, pool(2))];
    let mut group = c.benchmark_group("skeleton_graph");
    group.sample_size(10);
    for (label, image) in images {
        let image: ArrayViewD<bool> = image.view();
        let expected = pixel_graph_naive(image.view());
        for (threads, pool) in &pools {
            let found = pool
                .install(|| pixel_graph(image.view()))
                .expect("2-D or 3-D");
            assert_eq!(
                found, expected,
                "{label}, {threads} threads: differs from naive"
            );
        }
        println!(
            "{label}: {} pixels, {} nodes, {} entries",
            image.len(),
            expected.node_count(),
            expected.entry_count()
        );

        group.throughput(Throughput::Elements(image.len() as u64));
        let id = |what: &str| BenchmarkId::new(what, label);
        group.bench_function(id("naive"), |b| {
            b.iter(|| pixel_graph_naive(black_box(image.view())));
        });
        for (threads, pool) in &pools {
            group.bench_function(id(&format!("ndkernel/{threads}")), |b| {
                pool.install(|| b.iter(|| pixel_graph(black_box(image.view()))));
            });
        }
    }
    group.finish();
}

/// The benchmarked images; `cargo test --benches` (a debug build that runs each bench once)
/// gets small awkward ones instead, so that it checks the functions in seconds.
fn images(full: bool) -> Vec<(String, ArrayD<bool>)> {
    let sizes: &[(usize, usize)] = if full {
        &[(1000, 1000), (4000, 4000)]
    } else {
        &[(97, 131), (3, 3), (1, 40)]
    };
    let mut images: Vec<_> = sizes
        .iter()
        .map(|&(r, c)| {
            let image = inputs::tiled_skeleton(r, c).into_dyn();
            (format!("retina {r}x{c}"), image)
        })
        .collect();
    images.push(("blobs3d 64x64x64".to_owned(), inputs::skeleton("blobs3d")));
    images
}

/// Peak memory of one `pixel_graph` call on the 4000x4000 image with 1 and then 2 threads,
/// measured from a reset high-water mark (`/proc/self/clear_refs`, Linux ≥ 4.0): the input,
/// the one-byte degree image and the graph, and no label image.
fn print_peak_memory() {
    let image = inputs::tiled_skeleton(4000, 4000);
    for threads in [1, 2] {
        let pool = pool(threads);
        let mut graph = None;
        let Some(memory) = peak_memory(|| {
            graph = Some(
                pool.install(|| pixel_graph(black_box(image.view())))
                    .expect("2-D"),
            );
        }) else {
            println!("peak memory: /proc/self/clear_refs not writable, skipped");
            return;
        };
        let graph = graph.expect("ran");
        println!(
            "peak memory, pixel_graph on 4000x4000 bool (16 MB in; graph of {} nodes, {} \
             entries), {threads} thread(s): {:.1} MiB resident before, peak {:.1} MiB, \
             +{:.1} MiB during the call",
            graph.node_count(),
            graph.entry_count(),
            memory.before,
            memory.peak,
            memory.added(),
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each bench once, on small
    // images and without the memory report.
    let full = std::env::args().any(|arg| arg == "--bench");
    if full {
        print_peak_memory();
    }
    let mut c = Criterion::default().configure_from_args();
    bench_graph(&mut c, &images(full));
    c.final_summary();
}
