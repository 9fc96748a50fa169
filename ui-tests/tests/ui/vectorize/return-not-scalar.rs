use ndkernel::vectorize;

#[vectorize]
fn pair(x: f64) -> [f64; 2] {
    [x, -x]
}

fn main() {}
