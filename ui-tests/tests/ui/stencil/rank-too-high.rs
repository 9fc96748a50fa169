use ndkernel::prelude::*;

#[stencil]
fn deep(x: Rel<f64>) -> f64 {
    x[[0, 0, 0, 0, 0, 0, 1]]
}

fn main() {}
