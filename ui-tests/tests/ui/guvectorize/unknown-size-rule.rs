use ndkernel::prelude::*;

#[guvectorize("(n)->(n)", q = "n + 1")]
fn copy(x: ArrayView1<f64>) -> Array1<f64> {
    x.to_owned()
}

#[guvectorize("(n,d)->(p)", p = "n * (n - 1) / 2", n = "3")]
fn pdist(x: ArrayView2<f64>) -> Array1<f64> {
    x.row(0).to_owned()
}

fn main() {}
