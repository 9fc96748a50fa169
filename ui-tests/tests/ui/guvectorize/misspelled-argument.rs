use ndkernel::prelude::*;

#[guvectorize("(n)->()", paralel = false)]
fn total(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

#[guvectorize("(n)->()", grian = 16)]
fn total2(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

fn main() {}
