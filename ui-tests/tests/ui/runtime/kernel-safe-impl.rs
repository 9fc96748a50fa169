// Issue 11's exploit: a safe `Kernel` impl keeps a row from one call in a thread-local
// and reads through it in a later call on a larger array. `Kernel` is an `unsafe trait`,
// so safe code cannot implement it at all.
use std::cell::Cell;

use ndkernel::__private::stencil::{Footprint, Kernel, Place, RowOf, Source, Sources};
use ndkernel::prelude::*;

thread_local! {
    static KEPT: Cell<Option<RowOf<'static, f64, 1>>> = const { Cell::new(None) };
}

struct Smuggler;

impl Kernel<(Source<'static, f64, Ix1, 1>,), 1> for Smuggler {
    type Out = f64;

    fn footprint(&self) -> Footprint<1> {
        Footprint { lo: [0], hi: [0] }
    }

    fn eval<P: Place<1>>(
        &self,
        row: &<(Source<'static, f64, Ix1, 1>,) as Sources<1>>::Row,
        place: P,
    ) -> f64 {
        let kept = KEPT.with(|k| {
            if k.get().is_none() {
                k.set(Some(row.0));
            }
            k.get().unwrap()
        });
        place.read(&kept)[[0]]
    }
}

fn main() {}
