use ndkernel::prelude::*;

#[guvectorize("(n),(n)->()")]
fn dot(a: ArrayView1<f64>) -> f64 {
    a.sum()
}

fn main() {}
