//! How the tour, the examples and the benches measure: the best of several timings, and the
//! peak resident memory of a piece of work.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The best of `runs` timings of `f`: the least disturbed by the rest of the machine.
/// Each result goes through [`black_box`], so the work is not optimised away.
pub fn best_of<R>(runs: usize, mut f: impl FnMut() -> R) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Resident memory around a piece of work, in MiB.
#[derive(Clone, Copy, Debug)]
pub struct Resident {
    /// Resident before the work.
    pub before: f64,
    /// The high-water mark during it.
    pub peak: f64,
}

impl Resident {
    /// How much the work added at its peak.
    pub fn added(self) -> f64 {
        (self.peak - self.before).max(0.0)
    }
}

/// Runs `work` and reports the resident memory before it and at its peak, from a reset
/// high-water mark (`/proc/self/clear_refs`, Linux 4.0 and later); `None`, without running
/// `work`, where the mark cannot be reset.
pub fn peak_memory(work: impl FnOnce()) -> Option<Resident> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_kib("VmRSS:")?;
    work();
    let peak = status_kib("VmHWM:")?;
    let mib = |kib: u64| kib as f64 / 1024.0;
    Some(Resident {
        before: mib(before),
        peak: mib(peak),
    })
}

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
