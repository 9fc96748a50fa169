use ndkernel::prelude::*;

#[guvectorize("(n)->()")]
fn norm(x: f64) -> f64 {
    x.abs()
}

fn main() {}
