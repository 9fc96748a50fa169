use ndkernel::prelude::*;

#[stencil(mode = reflect)]
fn smooth(x: Rel<f64>) -> f64 {
    x[-1] + x[1]
}

#[stencil(mode = ["reflect", wrap])]
fn smooth2(x: Rel<f64>) -> f64 {
    x[[-1, 0]] + x[[0, 1]]
}

fn main() {}
