use ndkernel::vectorize;

#[vectorize]
fn double(x: f64) -> () {
    let _ = 2.0 * x;
}

fn main() {}
