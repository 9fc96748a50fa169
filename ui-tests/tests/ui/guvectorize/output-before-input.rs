use ndkernel::prelude::*;

#[guvectorize("(n)->(n)")]
fn copy(mut out: ArrayViewMut1<f64>, x: ArrayView1<f64>) {
    out.assign(&x);
}

fn main() {}
