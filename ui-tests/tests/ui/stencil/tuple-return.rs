use ndkernel::prelude::*;

#[stencil]
fn gradient(u: Rel<f64>) -> (f64, f64) {
    (u[[1, 0]] - u[[-1, 0]], u[[0, 1]] - u[[0, -1]])
}

fn main() {}
