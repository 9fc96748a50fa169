use ndkernel::prelude::*;

#[guvectorize("(n)->()")]
fn count(x: ArrayView1<String>) -> usize {
    x.len()
}

fn main() {}
