use ndkernel::prelude::*;

#[guvectorize("(m?,n),(n,p?)->(m?,p?)")]
fn matmul(a: ArrayView2<f64>, b: ArrayViewD<f64>) -> ArrayD<f64> {
    let _ = (a, b);
    ArrayD::zeros(IxDyn(&[]))
}

fn main() {}
