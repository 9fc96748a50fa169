//! Seed 000's `addarr`, the "Numba beats NumPy" opener, as a `#[vectorize]` kernel.
//!
//! The post times `result[i] = x[i] + y[i]` on a million `f64`s and a million `u8`s; here
//! the same scalar body becomes an array kernel that runs on 256-bit lanes across every
//! core. It is checked against the post's indexed loop, transcribed, and timed (best of
//! several runs) at 10⁶ and 10⁷ elements, both allocating its result (`addarr(&a, &b)`, like
//! `a + b`) and writing into a preallocated one (`addarr_into`, like
//! `np.add(a, b, out=c)`).
//!
//! ```text
//! cargo run --release --example addarr
//! RUSTFLAGS="-C target-cpu=native" cargo run --release --example addarr
//! ```
//!
//! The second line lets `wide` use AVX2 (one instruction per 256-bit lane vector instead
//! of two SSE2 ones); `RAYON_NUM_THREADS=1` shows the single-core speed.
//!
//! The kernels (`#[vectorize] pub fn addarr(x: f64, y: f64) -> f64 { x + y }` and its `u8`
//! twin) and the post's loop live in `seeds/src/addarr.rs`, shared with the tour, the
//! benches and the peer comparison.

use ndkernel::KernelError;
use ndkernel::ndarray::Array1;
use ndkernel_seeds::addarr::{
    addarr, addarr_into, addarr_naive, addarr_naive_into, addarr_u8, addarr_u8_into,
};
use ndkernel_seeds::measure::best_of;

/// Checks the kernel against the naive loop on `x` and `y`, then times both entry points
/// against the matching naive loop.
fn compare<T>(
    label: &str,
    x: &Array1<T>,
    y: &Array1<T>,
    alloc: impl Fn(&Array1<T>, &Array1<T>) -> Result<Array1<T>, KernelError>,
    into: impl Fn(&Array1<T>, &Array1<T>, &mut Array1<T>) -> Result<(), KernelError>,
) -> Result<(), KernelError>
where
    T: Copy + Default + PartialEq + std::fmt::Debug + std::ops::Add<Output = T>,
{
    let (xs, ys) = (x.as_slice().unwrap(), y.as_slice().unwrap());
    let expected = addarr_naive(xs, ys);
    let mut out = Array1::from_elem(x.len(), T::default());
    into(x, y, &mut out)?;
    assert_eq!(out.as_slice(), Some(&expected[..]));
    assert_eq!(alloc(x, y)?.as_slice(), Some(&expected[..]));

    let naive = best_of(10, || addarr_naive(xs, ys));
    let ours = best_of(10, || alloc(x, y));
    let mut naive_out = vec![T::default(); x.len()];
    let naive_into = best_of(10, || addarr_naive_into(xs, ys, &mut naive_out));
    let ours_into = best_of(10, || into(x, y, &mut out));
    println!(
        "{label:<13} new array: naive {naive:>9.3?}, addarr {ours:>9.3?} ({:>5.2}x)   \
         into `out`: naive {naive_into:>9.3?}, addarr_into {ours_into:>9.3?} ({:>5.2}x)",
        naive.as_secs_f64() / ours.as_secs_f64(),
        naive_into.as_secs_f64() / ours_into.as_secs_f64(),
    );
    Ok(())
}

fn main() -> Result<(), KernelError> {
    const { assert!(addarr::SIMD && addarr_u8::SIMD, "both kernels run on lanes") };
    for n in [1_000_000, 10_000_000] {
        compare(
            &format!("f64 n={n:e}"),
            &Array1::from_shape_fn(n, |i| (i % 1000) as f64 * 0.5),
            &Array1::from_shape_fn(n, |i| (i % 777) as f64),
            |x, y| addarr(x, y),
            |x, y, out| addarr_into(x, y, out),
        )?;
        compare(
            &format!("u8  n={n:e}"),
            &Array1::from_shape_fn(n, |i| (i % 128) as u8),
            &Array1::from_shape_fn(n, |i| (i * 7 % 128) as u8),
            |x, y| addarr_u8(x, y),
            |x, y, out| addarr_u8_into(x, y, out),
        )?;
    }
    println!(
        "\nall results equal the naive loop; {} rayon threads",
        rayon::current_num_threads()
    );
    Ok(())
}
