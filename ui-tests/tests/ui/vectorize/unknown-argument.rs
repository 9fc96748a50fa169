use ndkernel::vectorize;

#[vectorize(fastmath = true)]
fn double(x: f64) -> f64 {
    2.0 * x
}

fn main() {}
