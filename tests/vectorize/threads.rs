//! Parallel results equal serial ones, bit for bit, whatever the schedule.

use ndkernel::prelude::*;

use crate::kernels::{rel_diff, rel_diff_into, rel_diff_scalar};
use crate::{assert_same, check2, every_schedule, floats, grid, naive};

#[test]
fn parallel_results_equal_serial_ones_bit_for_bit() {
    let x = floats(300_001, 1);
    let y = floats(300_001, 2);
    let [plain, rest @ ..] = every_schedule(|| rel_diff(&x, &y.slice(s![..;-1])).unwrap());
    let want = naive(&[&[300_001], &[300_001]], |ix| {
        rel_diff_scalar(x[ix[0][0]], y[300_000 - ix[1][0]])
    })
    .unwrap();
    assert_same(&plain, &want, "1-D");
    for other in rest {
        assert_same(&other, &plain.clone().into_dyn(), "1-D schedules");
    }

    let a = grid((7, 50_003), 3);
    let b = floats(50_003, 4);
    let [plain, rest @ ..] = every_schedule(|| rel_diff(&a, &b).unwrap());
    check2!(rel_diff, rel_diff_scalar, a, b);
    for other in rest {
        assert_same(&other, &plain.clone().into_dyn(), "2-D schedules");
    }
    let [plain, rest @ ..] = every_schedule(|| {
        let mut out = Array2::zeros((50_003, 7).f());
        rel_diff_into(a.t(), &b.slice(s![..;-1]).insert_axis(Axis(1)), &mut out).unwrap();
        out
    });
    for other in rest {
        assert_same(&other, &plain.clone().into_dyn(), "transposed schedules");
    }
}
