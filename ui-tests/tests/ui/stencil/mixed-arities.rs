use ndkernel::prelude::*;

#[stencil]
fn mixed(x: Rel<f64>) -> f64 {
    x[[0, 1]] + x[[1]]
}

fn main() {}
