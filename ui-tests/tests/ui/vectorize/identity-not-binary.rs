use ndkernel::vectorize;

#[vectorize(identity = 0.0)]
fn negate(x: f64) -> f64 {
    -x
}

fn main() {}
