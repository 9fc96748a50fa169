//! A batched matrix product written as a `#[guvectorize("(n,k),(k,m)->(n,m)")]` kernel.
//!
//! The kernel is the user's own triple loop over one pair of core matrices (no `.dot()`):
//! the attribute binds `n`, `k` and `m`, broadcasts the loop dimensions NumPy-style
//! (`(1000, 1)` against `(4,)` gives `(1000, 4)`) and runs the 4000 products on every core.
//! It is checked against a naive loop nest over every output index, then timed against
//! that loop nest both allocating its result (`matmul(&a, &b)`) and writing into a
//! preallocated one (`matmul_into(&a, &b, &mut c)`).
//!
//! ```text
//! cargo run --release --example matmul
//! RAYON_NUM_THREADS=1 cargo run --release --example matmul
//! ```

use std::time::Duration;

use ndkernel::dispatch::serial;
use ndkernel::prelude::*;
use ndkernel_seeds::measure::best_of;

/// One product of core matrices `a: (n, k)` and `b: (k, m)` into `out: (n, m)`.
#[guvectorize("(n,k),(k,m)->(n,m)")]
fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.ncols();
    for i in 0..n {
        for j in 0..m {
            let mut acc = 0.0;
            for l in 0..k {
                acc += a[[i, l]] * b[[l, j]];
            }
            out[[i, j]] = acc;
        }
    }
}

/// `a: (p, 1, n, k)` times `b: (q, k, m)` into `out: (p, q, n, m)`, one index at a time.
fn matmul_naive_into(a: &Array4<f64>, b: &Array3<f64>, out: &mut Array4<f64>) {
    let (batch_a, _, rows, inner) = a.dim();
    let (batch_b, _, cols) = b.dim();
    for s in 0..batch_a {
        for t in 0..batch_b {
            for row in 0..rows {
                for col in 0..cols {
                    let mut acc = 0.0;
                    for l in 0..inner {
                        acc += a[[s, 0, row, l]] * b[[t, l, col]];
                    }
                    out[[s, t, row, col]] = acc;
                }
            }
        }
    }
}

/// The same, allocating its result.
fn matmul_naive(a: &Array4<f64>, b: &Array3<f64>) -> Array4<f64> {
    let mut out = Array4::zeros((a.dim().0, b.dim().0, a.dim().2, b.dim().2));
    matmul_naive_into(a, b, &mut out);
    out
}

fn ratio(naive: Duration, ours: Duration) -> f64 {
    naive.as_secs_f64() / ours.as_secs_f64()
}

fn main() -> Result<(), KernelError> {
    for (p, q, size) in [(1000, 4, 8), (10_000, 4, 4), (200, 4, 32)] {
        // Small integers times powers of two: every product and sum is exact, so the
        // kernel must equal the loop nest bit for bit whatever the order of the sums.
        let a = Array4::from_shape_fn((p, 1, size, size), |(s, _, i, l)| {
            ((s * 7 + i * 3 + l) % 17) as f64 - 8.0
        });
        let b = Array3::from_shape_fn((q, size, size), |(t, l, j)| {
            ((t * 5 + l + j * 11) % 13) as f64 * 0.25
        });
        let expected = matmul_naive(&a, &b);

        let c = matmul(&a, &b)?;
        assert_eq!(c.shape(), expected.shape());
        assert_eq!(c, expected);
        let mut c_into = Array4::<f64>::from_elem(expected.dim(), f64::NAN);
        matmul_into(&a, &b, &mut c_into)?;
        assert_eq!(c_into, expected);

        let naive = best_of(10, || matmul_naive(&a, &b));
        let ours = best_of(10, || matmul(&a, &b));
        let mut naive_out = Array4::zeros(expected.dim());
        let naive_into = best_of(10, || matmul_naive_into(&a, &b, &mut naive_out));
        let ours_into = best_of(10, || matmul_into(&a, &b, &mut c_into));
        let ours_serial = best_of(10, || serial(|| matmul_into(&a, &b, &mut c_into)));
        println!(
            "({p}, 1, {size}, {size}) @ ({q}, {size}, {size}) -> {:?}\n  \
             new array: naive {naive:>9.3?}, matmul      {ours:>9.3?} ({:>5.2}x)\n  \
             into out:  naive {naive_into:>9.3?}, matmul_into {ours_into:>9.3?} ({:>5.2}x); \
             on one thread {ours_serial:>9.3?} ({:>5.2}x)",
            expected.shape(),
            ratio(naive, ours),
            ratio(naive_into, ours_into),
            ratio(naive_into, ours_serial),
        );
    }
    println!(
        "\nall results equal the naive loop nest; {} rayon threads",
        rayon::current_num_threads()
    );
    Ok(())
}
