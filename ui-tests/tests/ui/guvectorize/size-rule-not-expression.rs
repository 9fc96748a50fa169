use ndkernel::prelude::*;

#[guvectorize("(n,d)->(p)", p = "n * (n - 1) /")]
fn pdist(x: ArrayView2<f64>) -> Array1<f64> {
    x.row(0).to_owned()
}

fn main() {}
