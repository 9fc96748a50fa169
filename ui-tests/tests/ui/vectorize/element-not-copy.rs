use ndkernel::vectorize;

#[vectorize]
fn shout(x: String) -> String {
    x.to_uppercase()
}

fn main() {}
