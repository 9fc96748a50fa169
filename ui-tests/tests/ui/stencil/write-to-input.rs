use ndkernel::prelude::*;

#[stencil]
fn clobber(x: Rel<f64>) -> f64 {
    x[[0, 0]] = 1.0;
    x[[0, 1]] += 1.0;
    x[[0, -1]]
}

fn main() {}
