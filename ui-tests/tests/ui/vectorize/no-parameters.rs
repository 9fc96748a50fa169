use ndkernel::vectorize;

#[vectorize]
fn zero() -> f64 {
    0.0
}

fn main() {}
