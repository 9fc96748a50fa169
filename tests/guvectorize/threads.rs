//! Parallel results equal serial ones, bit for bit, whatever the schedule.

use ndarray::ShapeBuilder;
use ndkernel::dispatch;
use ndkernel::prelude::*;

use crate::kernels::{cumsum_into, matmul, norm, row_sum, row_sum_fine, softmax};
use crate::reference::{
    assert_same, ref_cumsum, ref_matmul, ref_norm, ref_softmax, ref_sum, reference,
};
use crate::{dyn_view, grid};

/// Runs `f` normally, serially, and in pools of 1 and 3 threads.
fn every_schedule<R: Send>(f: impl Fn() -> R + Send + Sync) -> [R; 4] {
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    [
        f(),
        dispatch::serial(&f),
        pool(1).install(&f),
        pool(3).install(&f),
    ]
}

#[test]
fn parallel_results_equal_serial_ones_bit_for_bit() {
    let x = grid((20_000, 16), 30);
    let want = reference(&[(dyn_view(&x.view()), 1)], &[], ref_sum);
    for (name, got) in [
        ("row_sum", every_schedule(|| row_sum(&x).unwrap())),
        ("row_sum_fine", every_schedule(|| row_sum_fine(&x).unwrap())),
    ] {
        for (i, g) in got.iter().enumerate() {
            assert_same(g, &want, &format!("{name}, schedule {i}"));
        }
    }
    let t = x.t();
    let want = reference(&[(dyn_view(&t.t()), 1)], &[], ref_norm);
    for (i, g) in every_schedule(|| norm(t.t()).unwrap()).iter().enumerate() {
        assert_same(
            g,
            &want,
            &format!("norm of a double transpose, schedule {i}"),
        );
    }

    // A 3-d loop space, permuted, cut into chunks anywhere in it.
    let p = grid((7, 5, 3, 4), 35);
    let p = p.view().permuted_axes([2, 0, 1, 3]);
    let want = reference(&[(dyn_view(&p), 1)], &[], ref_sum);
    for (i, g) in every_schedule(|| row_sum_fine(p).unwrap())
        .iter()
        .enumerate()
    {
        assert_same(g, &want, &format!("permuted 3-d loop, schedule {i}"));
    }

    let s = grid((1000, 64), 31);
    let flipped = s.slice(s![.., ..;-1]);
    let want = reference(&[(dyn_view(&flipped), 1)], &[64], ref_softmax);
    for (i, g) in every_schedule(|| softmax(flipped).unwrap())
        .iter()
        .enumerate()
    {
        assert_same(g, &want, &format!("softmax, schedule {i}"));
    }
    let want = reference(&[(dyn_view(&s.view()), 1)], &[64], ref_cumsum);
    for (i, g) in every_schedule(|| {
        let mut out = Array2::<f64>::zeros((1000, 64).f());
        cumsum_into(&s, &mut out).unwrap();
        out
    })
    .iter()
    .enumerate()
    {
        assert_same(g, &want, &format!("cumsum_into Fortran, schedule {i}"));
    }
    let (a, b) = (grid((50, 40, 8, 8), 32), grid((40, 8, 8), 33));
    let want = reference(
        &[(dyn_view(&a.view()), 2), (dyn_view(&b.view()), 2)],
        &[8, 8],
        ref_matmul,
    );
    for (i, g) in every_schedule(|| matmul(&a, &b).unwrap())
        .iter()
        .enumerate()
    {
        assert_same(g, &want, &format!("matmul, schedule {i}"));
    }
}
