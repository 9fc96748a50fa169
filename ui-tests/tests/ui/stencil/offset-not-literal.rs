use ndkernel::prelude::*;

#[stencil]
fn shift(x: Rel<f64>, k: isize) -> f64 {
    x[k + 1]
}

fn main() {}
