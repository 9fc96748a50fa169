use ndkernel::prelude::*;

#[stencil]
fn weighted(x: Rel<f64>, weights: Vec<f64>) -> f64 {
    x[-1] * weights[0] + x[1] * weights[1]
}

fn main() {}
