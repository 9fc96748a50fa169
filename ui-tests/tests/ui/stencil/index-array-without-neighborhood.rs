use ndkernel::prelude::*;

const CROSS: [[isize; 2]; 4] = [[-1, 0], [1, 0], [0, -1], [0, 1]];

// Index arrays are read as whole offsets; their reach must be declared.
#[stencil]
fn cross(x: Rel<f64>) -> f64 {
    let mut acc = x[[0, 0]];
    for d in CROSS {
        acc += x[d];
    }
    acc
}

const RIGHT: [isize; 2] = [0, 1];

#[stencil]
fn right(x: Rel<f64>) -> f64 {
    x[[0, 0]] - x[RIGHT]
}

fn main() {}
