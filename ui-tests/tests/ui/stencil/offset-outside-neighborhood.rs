use ndkernel::prelude::*;

#[stencil(neighborhood = [(-1, 1)])]
fn reach(x: Rel<f64>) -> f64 {
    x[-1] + x[2]
}

fn main() {}
