use ndkernel::prelude::*;

#[guvectorize("(n)->(),()")]
fn min_max(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

#[guvectorize("(n)->()")]
fn min_max_out(x: ArrayView1<f64>, lo: ArrayViewMut0<f64>, hi: ArrayViewMut0<f64>) {
    let _ = (x, lo, hi);
}

fn main() {}
