use ndkernel::prelude::*;

#[guvectorize("(i),->()")]
fn dot(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.dot(&b)
}

fn main() {}
