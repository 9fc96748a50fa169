use ndkernel::vectorize;

#[vectorize]
fn total(x: &[f64]) -> f64 {
    x.iter().sum()
}

#[vectorize]
fn first(x: Vec<f64>, y: f64) -> f64 {
    x[0] + y
}

fn main() {}
