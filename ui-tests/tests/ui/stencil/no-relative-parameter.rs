use ndkernel::prelude::*;

#[stencil]
fn double(x: f64) -> f64 {
    2.0 * x
}

fn main() {}
