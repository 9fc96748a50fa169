use ndkernel::prelude::*;

#[guvectorize("(m,n)->()")]
fn total(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

// Callers see the gufunc the function describes: the rank is the only error.
fn main() {
    let x = Array2::<f64>::ones((2, 3));
    let totals = total(&x).unwrap();
    assert!(!totals.is_empty());
}
