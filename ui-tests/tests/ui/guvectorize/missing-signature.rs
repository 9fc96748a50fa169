use ndkernel::prelude::*;

#[guvectorize]
fn total(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

#[guvectorize(parallel = false)]
fn total2(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

fn main() {}
