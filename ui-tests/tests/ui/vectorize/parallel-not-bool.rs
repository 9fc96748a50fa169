use ndkernel::vectorize;

#[vectorize(parallel = 1)]
fn double(x: f64) -> f64 {
    2.0 * x
}

// Callers see the kernel as if the argument were absent.
fn main() {
    let y: ndarray::Array1<f64> = double(&ndarray::array![1.0, 2.0]).unwrap();
    assert_eq!(y[1], 4.0);
}
