use ndkernel::prelude::*;

#[guvectorize("(m,n)->()")]
fn total(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

fn main() {}
