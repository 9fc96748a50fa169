use ndkernel::prelude::*;

#[guvectorize("(n),()->(n)")]
fn shift(x: ArrayView1<f64>, by: ArrayView1<f64>) -> Array1<f64> {
    &x + &by
}

fn main() {}
