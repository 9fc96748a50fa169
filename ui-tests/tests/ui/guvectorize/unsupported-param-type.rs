use ndkernel::prelude::*;

#[guvectorize("(n)->()")]
fn total(x: Vec<f64>) -> f64 {
    x.iter().sum()
}

#[guvectorize("(n)->()")]
fn total_slice(x: &[f64]) -> f64 {
    x.iter().sum()
}

fn main() {}
