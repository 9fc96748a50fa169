//! The ndkernel column of `peers/peers.py`: every workload and size of its `SIZES`, on
//! the same generated inputs, timed the way it times the peers.
//!
//! ```text
//! cargo run --release --example peers_rust -- --threads 2 [--quick] [--only a,b]
//! cargo run --release --example peers_rust -- --json --threads 2 --quick   # what peers.py runs
//! cargo run --release --example peers_rust -- --zoo [--quick]              # the kernel zoo
//! peers/.venv/bin/python peers/peers.py --quick                 # the whole table
//! ```
//!
//! Without `--only`, the seeds' workloads run (`SIZES` below); `--zoo` runs the kernel zoo
//! instead (the [`zoo`] module: kernels a new user would write that are not the seeds',
//! `peers.py`'s `zoo.py`), `--all` both.
//!
//! - Inputs: `ndkernel_seeds::inputs`, bit-identical to `peers.py`'s `gen_f64`, `gen_u7`,
//!   `gen_i8` and `tiled_skeleton`, with the seed and transform of each workload as in its
//!   `INPUTS` (e.g. softmax `z = 10 * gen_f64(n, 8)`).
//! - Kernels: the `ndkernel-seeds` modules, the same functions the tour and the benches
//!   run. Each result is first checked against the module's naive transcription of the
//!   seed's code (a failed check prints to stderr and exits 1).
//! - Timing: one warm-up call, then the best of `R` calls (`R` = 5, or 3 with `--quick`, as
//!   `peers.py`; `--repeat R` overrides), inside a rayon pool of `--threads N` threads.
//!   Where `peers.py`'s best idioms write into a preallocated output (`out=`), the first
//!   system is the `_into` form into a preallocated array, and the allocating form follows
//!   as a second system.
//! - Memory: placed as NumPy places its arrays, which every peer of `peers.py` reads and
//!   writes: blocks of 4 MiB and more are advised to use transparent huge pages
//!   ([`NumpyPlacement`]), so that neither side is timed on page-table walks the other is
//!   spared.
//! - Output: with `--json`, one object on stdout,
//!   `{"results": [{"workload": ..., "size": ..., "system": ..., "seconds": ...}, ...]}`, in
//!   `peers.py`'s workload order and, within a workload, in the order above: the first row
//!   of each (workload, size) is the reference of `peers.py`'s ratio column. Without it, a
//!   table. Progress and notes go to stderr.

use std::fmt::Write as _;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use ndkernel::alloc;
use ndkernel::ndarray::{Ix1, Ix2};
use ndkernel::prelude::*;
use ndkernel_seeds::{addarr, correlate_sparse, inputs, skeleton, smooth, softmax, window_search};

mod zoo;

#[global_allocator]
static PLACEMENT: NumpyPlacement = NumpyPlacement;

/// The system allocator, with NumPy's placement policy on Linux: a block of
/// [`NumpyPlacement::HUGE`] bytes or more is advised to use transparent huge pages
/// (`madvise(MADV_HUGEPAGE)`) before it is first touched, as `numpy/_core/src/multiarray/alloc.c`
/// does for every array data block of 4 MiB or more.
struct NumpyPlacement;

impl NumpyPlacement {
    const HUGE: usize = 4 << 20;

    #[cfg(target_os = "linux")]
    fn advise(ptr: *mut u8, size: usize) {
        const PAGE: usize = 4096;
        const MADV_HUGEPAGE: std::ffi::c_int = 14;
        unsafe extern "C" {
            fn madvise(
                addr: *mut std::ffi::c_void,
                len: usize,
                advice: std::ffi::c_int,
            ) -> std::ffi::c_int;
        }
        if ptr.is_null() || size < Self::HUGE {
            return;
        }
        let start = (ptr as usize).next_multiple_of(PAGE);
        let end = (ptr as usize + size) / PAGE * PAGE;
        if start < end {
            // SAFETY: advice on whole pages inside the block just allocated; it changes no
            // contents, and its failure leaves the block as the system allocator made it.
            let _ = unsafe { madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE) };
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn advise(_: *mut u8, _: usize) {}
}

// SAFETY: every block comes from and goes back to `System` unchanged; advice changes no
// contents.
unsafe impl std::alloc::GlobalAlloc for NumpyPlacement {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's, forwarded.
        let ptr = unsafe { std::alloc::System.alloc(layout) };
        Self::advise(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's, forwarded.
        let ptr = unsafe { std::alloc::System.alloc_zeroed(layout) };
        Self::advise(ptr, layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's, forwarded.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's, forwarded.
        let ptr = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        Self::advise(ptr, new_size);
        ptr
    }
}

/// `peers.py`'s `SIZES`: workload, full size, quick size. The strings must match its own.
const SIZES: [(&str, &[usize], &[usize]); 11] = [
    ("addarr_f64", &[10_000_000], &[1_000_000]),
    ("addarr_u8", &[10_000_000], &[1_000_000]),
    ("smooth_i8", &[1000, 1000], &[1000, 1000]),
    ("smooth_i8_stack", &[64, 1000, 1000], &[8, 500, 500]),
    ("smooth_f32", &[4000, 4000], &[1000, 1000]),
    ("softmax_f64_vec", &[100_000_000], &[1_000_000]),
    ("softmax_f64_batch", &[1000, 10_000], &[100, 10_000]),
    ("softmax_f32_batch", &[1000, 10_000], &[100, 10_000]),
    ("skeleton_graph", &[4000, 4000], &[1000, 1000]),
    ("correlate_sparse", &[4000, 6000, 301], &[1000, 1500, 75]),
    ("window_search", &[8, 512, 18, 16], &[2, 64, 18, 16]),
];

/// One timed system on one workload.
struct Row {
    workload: &'static str,
    size: String,
    system: String,
    seconds: f64,
}

/// What a workload runner needs: where its rows go, how many timed calls, the pool's size.
struct Bench {
    workload: &'static str,
    size: String,
    repeat: usize,
    threads: usize,
    rows: Vec<Row>,
}

impl Bench {
    /// Times `f` as ndkernel's `system`.
    fn time<R>(&mut self, system: &str, f: impl FnMut() -> R) {
        let system = format!("ndkernel {system} ({} thr)", self.threads);
        self.row(system, f);
    }

    /// One warm-up call, then the best of `repeat` timed calls, as `peers.py`'s `best_of`:
    /// a row for `system`.
    fn row<R>(&mut self, system: String, mut f: impl FnMut() -> R) {
        black_box(f());
        let seconds = (0..self.repeat)
            .map(|_| {
                let start = Instant::now();
                black_box(f());
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        self.rows.push(Row {
            workload: self.workload,
            size: self.size.clone(),
            system,
            seconds,
        });
    }

    /// Times the workload's bandwidth floor: one parallel pass that reads every byte of
    /// `inputs` once and writes `out_bytes` bytes once, with ordinary stores, as a kernel's
    /// own loop would (no non-temporal stores, which `memcpy` of large blocks uses and no
    /// kernel does). A memory-bound kernel cannot beat it; its time over the kernel's is the
    /// fraction of the floor the kernel reaches.
    fn floor(&mut self, inputs: &[&[u8]], out_bytes: usize) {
        use rayon::prelude::*;
        const WORDS: usize = 1 << 13;
        let mut out = vec![0u64; out_bytes.div_ceil(8)];
        let parts = out.len().div_ceil(WORDS).max(1);
        let pass = || {
            out.par_chunks_mut(WORDS)
                .enumerate()
                .for_each(|(part, chunk)| {
                    let mut acc = 0u64;
                    for input in inputs {
                        let (from, to) =
                            (input.len() * part / parts, input.len() * (part + 1) / parts);
                        let slice = &input[from..to];
                        let mut words = slice.chunks_exact(8);
                        for word in &mut words {
                            acc ^= u64::from_ne_bytes(word.try_into().expect("8 bytes"));
                        }
                        acc ^= words.remainder().iter().map(|&b| u64::from(b)).sum::<u64>();
                    }
                    // Varying values, so that the loop is a loop of stores and not a `memset`.
                    for (i, word) in chunk.iter_mut().enumerate() {
                        *word = acc ^ i as u64;
                    }
                });
            black_box(out.as_ptr())
        };
        let system = format!(
            "bandwidth floor: read inputs, write output once ({} thr)",
            self.threads
        );
        self.row(system, pass);
    }
}

/// A failed comparison with the naive transcription.
type Check = Result<(), String>;

fn equal<T: PartialEq>(what: &str, got: &[T], want: &[T]) -> Check {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: differs from the naive loop"))
    }
}

/// Every element within `rel` of the reference, relatively.
fn close<T: Copy + Into<f64>>(what: &str, got: &[T], want: &[T], rel: f64) -> Check {
    let worst = got
        .iter()
        .zip(want)
        .map(|(&g, &w)| ((g.into() - w.into()) / w.into()).abs())
        .fold(0.0, f64::max);
    if got.len() == want.len() && worst <= rel {
        Ok(())
    } else {
        Err(format!(
            "{what}: relative error {worst:e} against the naive loop"
        ))
    }
}

fn flat<T: Clone, D: Dimension>(a: &Array<T, D>) -> Vec<T> {
    a.iter().cloned().collect()
}

// --- workloads, in peers.py's order ------------------------------------------------------

fn addarr_f64(b: &mut Bench, shape: &[usize]) -> Check {
    let n = shape[0];
    let (x, y) = (inputs::f64s(n, 1), inputs::f64s(n, 2));
    let mut out = alloc::output(Ix1(n));
    addarr::addarr_into(&x, &y, &mut out).map_err(|e| e.to_string())?;
    let want = addarr::addarr_naive(x.as_slice().unwrap(), y.as_slice().unwrap());
    equal("addarr_into", out.as_slice().unwrap(), &want)?;
    b.time("addarr_into", || addarr::addarr_into(&x, &y, &mut out));
    b.time("addarr (allocates)", || addarr::addarr(&x, &y));
    Ok(())
}

fn addarr_u8(b: &mut Bench, shape: &[usize]) -> Check {
    let n = shape[0];
    let (r, s) = (inputs::u7s(n, 3), inputs::u7s(n, 4));
    let mut out = alloc::output(Ix1(n));
    addarr::addarr_u8_into(&r, &s, &mut out).map_err(|e| e.to_string())?;
    let want = addarr::addarr_naive(r.as_slice().unwrap(), s.as_slice().unwrap());
    equal("addarr_u8_into", out.as_slice().unwrap(), &want)?;
    b.time("addarr_u8_into", || {
        addarr::addarr_u8_into(&r, &s, &mut out)
    });
    b.time("addarr_u8 (allocates)", || addarr::addarr_u8(&r, &s));
    Ok(())
}

/// `smooth_i8` and `smooth_i8_stack`: the post's int8 mean, per plane of a stack.
fn smooth_i8(b: &mut Bench, shape: &[usize], seed: u64) -> Check {
    let (planes, rows, cols) = match *shape {
        [rows, cols] => (1, rows, cols),
        [planes, rows, cols] => (planes, rows, cols),
        _ => unreachable!("peers.py's smooth shapes have 2 or 3 axes"),
    };
    let x = inputs::i8s(shape.to_vec(), seed)
        .into_shape_with_order((planes, rows, cols))
        .expect("C order");
    let x = if shape.len() == 2 {
        x.index_axis_move(Axis(0), 0).into_dyn()
    } else {
        x.into_dyn()
    };
    let mut out = alloc::output(x.raw_dim());
    smooth::smooth_into(&x, &mut out).map_err(|e| e.to_string())?;
    let mut want = Array3::zeros((planes, rows, cols));
    let x3 = x
        .view()
        .into_shape_with_order((planes, rows, cols))
        .unwrap();
    smooth::per_plane(smooth::naive, x3, want.view_mut());
    equal("smooth_into", &flat(&out), &flat(&want))?;
    b.time("smooth_into", || smooth::smooth_into(&x, &mut out));
    b.time("smooth (allocates)", || smooth::smooth(&x));
    Ok(())
}

fn smooth_f32(b: &mut Bench, shape: &[usize]) -> Check {
    let x = inputs::f64s((shape[0], shape[1]), 7).mapv(|v| v as f32);
    let mut out = alloc::output(x.raw_dim());
    smooth::mean_f32_into(&x, &mut out).map_err(|e| e.to_string())?;
    let mut want = Array2::zeros(x.raw_dim());
    smooth::naive(x.view(), want.view_mut());
    equal("mean_f32_into", &flat(&out), &flat(&want))?;
    b.time("mean_f32_into", || smooth::mean_f32_into(&x, &mut out));
    b.time("mean_f32 (allocates)", || smooth::mean_f32(&x));
    Ok(())
}

fn softmax_f64_vec(b: &mut Bench, shape: &[usize]) -> Check {
    let z = inputs::f64s(shape[0], 8) * 10.0;
    let mut out = alloc::output(Ix1(z.len()));
    softmax::softmax_into(z.view(), out.view_mut()).map_err(|e| e.to_string())?;
    let want = softmax::softmax_naive(z.as_slice().unwrap());
    close("softmax_into", out.as_slice().unwrap(), &want, 1e-12)?;
    b.time("softmax_into", || {
        softmax::softmax_into(z.view(), out.view_mut())
    });
    b.time("softmax (allocates)", || softmax::softmax(z.view()));
    Ok(())
}

/// `softmax_f64_batch` and `softmax_f32_batch`: softmax along axis 1.
fn softmax_batch<T>(b: &mut Bench, shape: &[usize], convert: fn(f64) -> T, rel: f64) -> Check
where
    T: softmax::Real + Into<f64>,
{
    let z = (inputs::f64s((shape[0], shape[1]), 9) * 10.0).mapv(convert);
    let mut out = alloc::output(z.raw_dim());
    softmax::softmax_rows_into(&z, &mut out).map_err(|e| e.to_string())?;
    let want = softmax::softmax_rows_naive(z.view());
    close("softmax_rows_into", &flat(&out), &flat(&want), rel)?;
    b.time("softmax_rows_into", || {
        softmax::softmax_rows_into(&z, &mut out)
    });
    b.time("softmax_rows (allocates)", || softmax::softmax_rows(&z));
    Ok(())
}

fn skeleton_graph(b: &mut Bench, shape: &[usize]) -> Check {
    let skel = inputs::tiled_skeleton(shape[0], shape[1]);
    let graph = skeleton::pixel_graph(skel.view()).map_err(|e| e.to_string())?;
    if graph != skeleton::pixel_graph_naive(skel.view()) {
        return Err("pixel_graph: differs from the naive loop".into());
    }
    eprintln!(
        "  {} nodes, {} edges",
        graph.node_count(),
        graph.entry_count()
    );
    b.time("pixel_graph", || skeleton::pixel_graph(skel.view()));
    Ok(())
}

fn correlate(b: &mut Bench, shape: &[usize]) -> Check {
    let (rows, cols, w) = (shape[0], shape[1], shape[2]);
    let image = inputs::f64s((rows, cols), 10);
    let mut out = alloc::output(Ix2(rows - w, cols - w));
    correlate_sparse::corner_sum_into(&image, w as isize, &mut out).map_err(|e| e.to_string())?;
    let want = correlate_sparse::correlate_sparse_naive(image.view(), w);
    equal("corner_sum_into", &flat(&out), &flat(&want))?;
    b.time("corner_sum_into", || {
        correlate_sparse::corner_sum_into(&image, w as isize, &mut out)
    });
    b.time("corner_sum (allocates)", || {
        correlate_sparse::corner_sum(&image, w as isize)
    });
    Ok(())
}

/// `peers.py` builds the integral images first and times the search over them; the first
/// system does the same, the second adds the channel-last integral images.
fn window(b: &mut Bench, shape: &[usize]) -> Check {
    let maps = inputs::f64s((shape[0], shape[1], shape[2], shape[3]), 11);
    let first = window_search::make_integral_image_naive(maps.index_axis(Axis(0), 0));
    let query = window_search::get_feature_from_integral_image(&first, 2, 3, 10, 9);
    let ratio = 8.0 / 6.0;
    let integral = window_search::integral_image(&maps).map_err(|e| e.to_string())?;
    let (scores, positions) =
        window_search::search(&integral, &query, ratio).map_err(|e| e.to_string())?;
    for (i, (score, position)) in window_search::naive_batch(&maps, &query, ratio)
        .into_iter()
        .enumerate()
    {
        let got: Vec<i64> = positions.index_axis(Axis(0), i).iter().copied().collect();
        if scores[[i]].to_bits() != score.to_bits() || got != position {
            return Err(format!("search, map {i}: differs from the naive loop"));
        }
    }
    b.time("search over integral images", || {
        window_search::search(&integral, &query, ratio)
    });
    b.time("integral_image + search", || {
        window_search::gufunc_batch(&maps, &query, ratio)
    });
    Ok(())
}

fn run(b: &mut Bench, shape: &[usize]) -> Check {
    match b.workload {
        "addarr_f64" => addarr_f64(b, shape),
        "addarr_u8" => addarr_u8(b, shape),
        "smooth_i8" => smooth_i8(b, shape, 5),
        "smooth_i8_stack" => smooth_i8(b, shape, 6),
        "smooth_f32" => smooth_f32(b, shape),
        "softmax_f64_vec" => softmax_f64_vec(b, shape),
        "softmax_f64_batch" => softmax_batch(b, shape, |v| v, 1e-12),
        "softmax_f32_batch" => softmax_batch(b, shape, |v| v as f32, 1e-5),
        "skeleton_graph" => skeleton_graph(b, shape),
        "correlate_sparse" => correlate(b, shape),
        "window_search" => window(b, shape),
        other => zoo::run(b, shape).unwrap_or_else(|| unreachable!("{other} is not in SIZES")),
    }
}

// --- command line and output -------------------------------------------------------------

/// Which workloads run without `--only`.
#[derive(Clone, Copy, PartialEq)]
enum Set {
    /// The seeds' (the default).
    Seeds,
    /// The zoo's (`--zoo`).
    Zoo,
    /// Both (`--all`).
    All,
}

struct Args {
    json: bool,
    quick: bool,
    set: Set,
    threads: usize,
    repeat: Option<usize>,
    only: Vec<String>,
}

const USAGE: &str = "usage: peers_rust [--json] [--threads N] [--quick] [--repeat R] \
                     [--zoo | --all | --only workload,...]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: false,
        quick: false,
        set: Set::Seeds,
        threads: 2,
        repeat: None,
        only: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--json" => args.json = true,
            "--quick" => args.quick = true,
            "--zoo" => args.set = Set::Zoo,
            "--all" => args.set = Set::All,
            "--threads" => {
                args.threads = value("--threads")?
                    .parse()
                    .map_err(|e| format!("--threads: {e}"))?;
            }
            "--repeat" => {
                args.repeat = Some(
                    value("--repeat")?
                        .parse()
                        .map_err(|e| format!("--repeat: {e}"))?,
                );
            }
            "--only" => {
                args.only = value("--only")?
                    .split(',')
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if let Some(bad) = args
        .only
        .iter()
        .find(|w| !workloads().any(|(name, _, _)| name == w.as_str()))
    {
        let names: Vec<&str> = workloads().map(|(name, _, _)| name).collect();
        return Err(format!("unknown workload {bad:?}; one of {names:?}"));
    }
    Ok(args)
}

/// Every workload with its full and quick sizes: the seeds', then the zoo's.
fn workloads() -> impl Iterator<Item = (&'static str, &'static [usize], &'static [usize])> {
    SIZES.into_iter().chain(zoo::SIZES)
}

/// Whether `workload` runs: named by `--only`, or else a seed by default, a zoo kernel with
/// `--zoo`, either with `--all`.
fn selected(args: &Args, workload: &str) -> bool {
    if !args.only.is_empty() {
        return args.only.iter().any(|w| w == workload);
    }
    let in_zoo = zoo::SIZES.iter().any(|(name, _, _)| *name == workload);
    match args.set {
        Set::Seeds => !in_zoo,
        Set::Zoo => in_zoo,
        Set::All => true,
    }
}

/// A JSON string literal (the strings here are ASCII; quotes and backslashes escaped).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn to_json(rows: &[Row]) -> String {
    let mut out = String::from("{\"results\": [");
    for (i, r) in rows.iter().enumerate() {
        let sep = if i == 0 { "\n  " } else { ",\n  " };
        let _ = write!(
            out,
            "{sep}{{\"workload\": {}, \"size\": {}, \"system\": {}, \"seconds\": {:e}}}",
            json_string(r.workload),
            json_string(&r.size),
            json_string(&r.system),
            r.seconds,
        );
    }
    out.push_str("\n]}");
    out
}

fn human(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.3} s")
    } else if seconds >= 1e-3 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.1} us", seconds * 1e6)
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(2);
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .expect("a rayon pool");
    let repeat = args.repeat.unwrap_or(if args.quick { 3 } else { 5 });
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (workload, full, quick) in workloads() {
        if !selected(&args, workload) {
            continue;
        }
        let shape = if args.quick { quick } else { full };
        let size = shape
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("x");
        eprintln!("peers_rust: {workload} {size}");
        let mut bench = Bench {
            workload,
            size,
            repeat,
            threads: args.threads,
            rows: Vec::new(),
        };
        match pool.install(|| run(&mut bench, shape)) {
            Ok(()) => rows.append(&mut bench.rows),
            Err(why) => {
                eprintln!("  check failed: {why}");
                failed.push(format!("{workload}: {why}"));
            }
        }
    }

    if args.json {
        println!("{}", to_json(&rows));
    } else {
        println!(
            "{:<18} {:<16} {:<48} {:>10}",
            "workload", "size", "system", "time"
        );
        for r in &rows {
            println!(
                "{:<18} {:<16} {:<48} {:>10}",
                r.workload,
                r.size,
                r.system,
                human(r.seconds)
            );
        }
        println!(
            "\nbest of {repeat} after one warm-up call; {} rayon threads",
            args.threads
        );
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("FAILED CHECKS: {}", failed.join("; "));
        ExitCode::FAILURE
    }
}
