use ndkernel::prelude::*;

#[stencil]
fn diff(a: Rel<f64>, b: Rel<f64>) -> f64 {
    a[[0, 1]] - b[[0, -1]]
}

fn main() {}
