use ndkernel::prelude::*;

#[guvectorize("(n)->(n)")]
fn copy(x: ArrayView1<f64>) -> Vec<f64> {
    x.to_vec()
}

#[guvectorize("(n)->(n)")]
fn view(x: ArrayView1<f64>) -> ArrayView1<f64> {
    x
}

fn main() {}
