use ndkernel::prelude::*;

#[stencil(neighborhood = [(-1, 1), (2, -2)])]
fn window(x: Rel<f64>, i: isize) -> f64 {
    x[[i, 0]]
}

fn main() {}
