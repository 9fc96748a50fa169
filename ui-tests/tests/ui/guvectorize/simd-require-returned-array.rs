use ndkernel::prelude::*;

// A returned array is built at every loop index: only outputs written in place run on lanes.
#[guvectorize("(n)->(n)", simd = "require")]
fn double(x: ArrayView1<f64>) -> Array1<f64> {
    x.mapv(|v| 2.0 * v)
}

fn main() {}
