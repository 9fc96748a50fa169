use ndkernel::prelude::*;

#[stencil]
fn scatter(x: Rel<f64>, table: ArrayViewMut1<f64>) -> f64 {
    x[-1] + table[0]
}

fn main() {}
