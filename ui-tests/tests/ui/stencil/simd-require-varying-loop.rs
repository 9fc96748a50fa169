use ndkernel::prelude::*;

#[stencil(simd = "require", neighborhood = [(-3, 3)])]
fn walk(x: Rel<i32>) -> i32 {
    let mut total = 0;
    for k in 0..x[0] {
        total += k;
    }
    total
}

fn main() {}
