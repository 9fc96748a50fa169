use ndkernel::prelude::*;

#[stencil(mode = "valid", neighborhood = [(0, w)])]
fn window_sum(x: Rel<f64>, w: usize) -> f64 {
    x[0] + x[w as isize]
}

fn main() {}
