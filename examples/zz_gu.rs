use ndkernel::prelude::*;
use std::time::Instant;

#[guvectorize("(n)->()")]
fn rownorm(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v * v;
    }
    acc.sqrt()
}

fn main() {
    let x = Array2::from_shape_fn((2_000_000, 8), |(i, j)| ((i * 31 + j) % 17) as f64);
    let mut out = Array1::<f64>::zeros(2_000_000);
    let reps: usize = std::env::args().nth(1).map_or(10, |s| s.parse().unwrap());
    ndkernel::dispatch::serial(|| {
        rownorm_into(&x, &mut out).unwrap();
        let t = Instant::now();
        for _ in 0..reps {
            rownorm_into(&x, &mut out).unwrap();
        }
        println!(
            "rownorm 2e6x8 1 thread: {:.2} ms",
            t.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
    });
}
