use ndkernel::prelude::*;

#[guvectorize("(n)->()")]
fn total(x: Array1<f64>) -> f64 {
    x.sum()
}

fn main() {}
