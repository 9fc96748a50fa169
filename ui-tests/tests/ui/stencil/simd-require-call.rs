use ndkernel::prelude::*;

fn weight(v: f64) -> f64 {
    v * 0.5
}

#[stencil(simd = "require")]
fn smooth(x: Rel<f64>) -> f64 {
    weight(x[[0, 0]]) + x[[0, 1]]
}

fn main() {}
