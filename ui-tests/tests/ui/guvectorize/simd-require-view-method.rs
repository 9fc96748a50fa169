use ndkernel::prelude::*;

// On lanes a core view is read by index or iterated, not handed to ndarray's methods.
#[guvectorize("(n)->()", simd = "require")]
fn norm(x: ArrayView1<f64>) -> f64 {
    x.dot(&x).sqrt()
}

fn main() {}
