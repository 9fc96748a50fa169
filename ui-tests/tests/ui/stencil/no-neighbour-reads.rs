use ndkernel::prelude::*;

#[stencil]
fn constant(x: Rel<f64>) -> f64 {
    let _ = x;
    1.0
}

fn main() {}
