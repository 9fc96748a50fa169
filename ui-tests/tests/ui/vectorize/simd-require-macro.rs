use ndkernel::prelude::*;

#[vectorize(simd = "require")]
fn checked(x: f64) -> f64 {
    assert!(x > 0.0);
    x.sqrt()
}

#[vectorize(simd = "sometimes")]
fn unknown(x: f64) -> f64 {
    x
}

fn main() {}
