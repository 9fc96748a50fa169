use ndkernel::prelude::*;

#[stencil(mode = "periodic")]
fn smooth(x: Rel<f64>) -> f64 {
    x[-1] + x[1]
}

// Callers see the kernel as if the mode were absent: the misspelling is the only error.
fn main() {
    let x = ndarray::Array1::<f64>::zeros(8);
    let y: Array1<f64> = smooth(&x).unwrap();
    let mut z = Array1::<f64>::zeros(8);
    smooth_into(&x, &mut z).unwrap();
    assert_eq!(y, z);
}
