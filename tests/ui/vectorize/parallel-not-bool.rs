use ndkernel::vectorize;

#[vectorize(parallel = 1)]
fn double(x: f64) -> f64 {
    2.0 * x
}

fn main() {}
