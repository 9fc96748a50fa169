use ndkernel::prelude::*;

#[stencil]
fn smooth(x: Rel) -> f64 {
    x[-1] + x[1]
}

fn main() {}
