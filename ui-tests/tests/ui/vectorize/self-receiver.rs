use ndkernel::vectorize;

struct Scale(f64);

impl Scale {
    #[vectorize]
    fn apply(&self, x: f64) -> f64 {
        self.0 * x
    }
}

fn main() {}
