use ndkernel::vectorize;

#[vectorize]
async fn double(x: f64) -> f64 {
    2.0 * x
}

fn main() {}
