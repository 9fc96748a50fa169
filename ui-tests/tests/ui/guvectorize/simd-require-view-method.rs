use ndkernel::prelude::*;

// On lanes a core view is read by index or iterated, not handed to ndarray's methods
// (`dot` of float vectors aside).
#[guvectorize("(n)->()", simd = "require")]
fn total(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

fn main() {}
