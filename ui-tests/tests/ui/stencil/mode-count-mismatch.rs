use ndkernel::prelude::*;

#[stencil(mode = ["reflect", "wrap", "nearest"])]
fn laplace(u: Rel<f64>) -> f64 {
    u[[-1, 0]] + u[[1, 0]] + u[[0, -1]] + u[[0, 1]] - 4.0 * u[[0, 0]]
}

fn main() {}
