use ndkernel::prelude::*;

#[guvectorize("(n)->()")]
fn total(x: ArrayView1<f64>, mut out: ArrayViewMut0<f64>) -> f64 {
    out[()] = x.sum();
    out[()]
}

fn main() {}
