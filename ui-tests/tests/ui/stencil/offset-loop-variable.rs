use ndkernel::prelude::*;

// A loop variable as an offset is computed at run time: declare the neighbourhood.
#[stencil]
fn column_sum(x: Rel<f64>) -> f64 {
    let mut total = 0.0;
    for di in -1..=1 {
        total += x[[di, 0]];
    }
    total
}

// So is a parameter.
#[stencil]
fn shifted(x: Rel<f64>, k: isize) -> f64 {
    x[[0, k]]
}

fn main() {}
