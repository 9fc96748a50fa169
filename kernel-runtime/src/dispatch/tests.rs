use ndarray::{Array, Array1, Array2, Array3, ArrayView1, ArrayViewMut1, IxDyn, ShapeBuilder, s};

use super::*;

fn add_rows(
    (a, b): (ArrayView1<'_, i64>, ArrayView1<'_, i64>),
    (mut out,): (ArrayViewMut1<'_, i64>,),
) {
    assert_eq!((a.len(), b.len()), (out.len(), out.len()));
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + 10 * y;
    }
}

fn naive_add(a: &Array<i64, IxDyn>, b: &Array<i64, IxDyn>) -> Array<i64, IxDyn> {
    let mut out = Array::<i64, _>::zeros(a.raw_dim());
    for (index, o) in out.indexed_iter_mut() {
        *o = a[&index] + 10 * b[&index];
    }
    out
}

/// A schedule that splits even tiny calls, so that tests exercise the parallel path.
const TINY_GRAIN: Schedule = Schedule {
    grain: 1,
    parallel: true,
};

#[allow(
    clippy::needless_pass_by_value,
    reason = "callers build the views inline"
)]
fn check_all_schedules(a: ndarray::ArrayViewD<'_, i64>, b: ndarray::ArrayViewD<'_, i64>) {
    let expected = naive_add(&a.to_owned(), &b.to_owned());
    for schedule in [Schedule::SERIAL, Schedule::default(), TINY_GRAIN] {
        let mut out = Array::from_elem(a.raw_dim(), -1);
        zip_rows((a.view(), b.view()), (out.view_mut(),), schedule, add_rows).unwrap();
        assert_eq!(out, expected, "schedule {schedule:?}");
    }
}

fn iota(shape: &[usize]) -> Array<i64, IxDyn> {
    let n: usize = shape.iter().product();
    Array::from_shape_vec(IxDyn(shape), (0..n as i64).collect()).unwrap()
}

#[test]
fn contiguous_strided_transposed_reversed_and_broadcast_operands() {
    let a = iota(&[6, 7]);
    let b = iota(&[6, 7]).mapv(|x| x * 3);
    check_all_schedules(a.view(), b.view());
    check_all_schedules(a.t().into_dyn(), b.t().into_dyn());
    check_all_schedules(
        a.slice(s![..;2, 1..;3]).into_dyn(),
        b.slice(s![1..;2, 2..;-3]).into_dyn(),
    );
    check_all_schedules(
        a.slice(s![..;-1, ..;-1]).into_dyn(),
        b.slice(s![.., ..;-1]).into_dyn(),
    );
    let row = Array1::from_iter(0..7i64);
    check_all_schedules(a.view(), row.broadcast((6, 7)).unwrap().into_dyn());
    let column = Array2::from_shape_fn((6, 1), |(i, _)| i as i64);
    check_all_schedules(a.view(), column.broadcast((6, 7)).unwrap().into_dyn());
}

#[test]
fn empty_single_element_and_zero_d() {
    for shape in [
        &[0][..],
        &[3, 0, 2],
        &[1],
        &[1, 1, 1],
        &[],
        &[65],
        &[3, 1, 129],
    ] {
        let a = iota(shape);
        check_all_schedules(a.view(), a.view());
    }
}

#[test]
fn long_vectors_split_inside_rows_and_match_serial() {
    let a = iota(&[100_003]);
    let b = iota(&[100_003]).mapv(|x| -x);
    check_all_schedules(a.view(), b.view());
    let a3 = Array3::from_shape_fn((3, 5, 4099), |(i, j, k)| (i * 7 + j * 3 + k) as i64);
    check_all_schedules(a3.view().into_dyn(), a3.t().to_owned().t().into_dyn());
}

#[test]
fn fortran_order_output_is_filled() {
    let a = iota(&[5, 9]);
    let mut out = Array2::<i64>::zeros((5, 9).f());
    zip_rows(
        (a.view(), a.view()),
        (out.view_mut().into_dyn(),),
        TINY_GRAIN,
        add_rows,
    )
    .unwrap();
    assert_eq!(out.into_dyn(), naive_add(&a, &a));
}

#[test]
fn shape_mismatch_names_the_operand() {
    let a = iota(&[2, 3]);
    let b = iota(&[3, 2]);
    let mut out = Array::zeros(IxDyn(&[2, 3]));
    let error = zip_rows(
        (a.view(), b.view()),
        (out.view_mut(),),
        Schedule::SERIAL,
        add_rows,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1 has shape (3, 2) but the call requires (2, 3)"
    );
}

#[test]
fn rows_know_their_index_in_every_schedule() {
    for schedule in [Schedule::SERIAL, TINY_GRAIN] {
        let mut out = Array3::<usize>::zeros((3, 4, 70));
        for_each_row_mut(out.view_mut(), schedule, |index, start, mut row| {
            for (j, x) in row.iter_mut().enumerate() {
                *x = index[0] * 10_000 + index[1] * 100 + start + j;
            }
        });
        for ((i, j, k), &x) in out.indexed_iter() {
            assert_eq!(x, i * 10_000 + j * 100 + k);
        }
    }
}

#[test]
fn kernels_run_inside_the_callers_pool() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let seen = std::sync::Mutex::new(std::collections::HashSet::new());
    let a = iota(&[1 << 16]);
    let mut out = Array::<i64, _>::zeros(a.raw_dim());
    pool.install(|| {
        zip_rows(
            (a.view(),),
            (out.view_mut(),),
            Schedule::default(),
            |_, _| {
                seen.lock().unwrap().insert(rayon::current_thread_index());
            },
        )
        .unwrap();
    });
    let seen = seen.into_inner().unwrap();
    assert!(seen.iter().all(|t| t.is_some_and(|t| t < 3)), "{seen:?}");
}

#[test]
fn serial_switch_keeps_work_on_the_calling_thread() {
    let a = iota(&[1 << 18]);
    let mut out = Array::<i64, _>::zeros(a.raw_dim());
    let caller = std::thread::current().id();
    serial(|| {
        zip_rows(
            (a.view(),),
            (out.view_mut(),),
            Schedule::default(),
            |_, _| {
                assert_eq!(std::thread::current().id(), caller);
            },
        )
        .unwrap();
    });
}

#[test]
fn grain_decides_chunk_count() {
    assert_eq!(Schedule::default().chunk_count(DEFAULT_GRAIN), 1);
    assert_eq!(Schedule::SERIAL.chunk_count(usize::MAX), 1);
    assert_eq!(Schedule::default().with_cost(DEFAULT_GRAIN).grain, 1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        assert_eq!(Schedule::default().chunk_count(100 * DEFAULT_GRAIN), 8);
        assert_eq!(Schedule::default().chunk_count(3 * DEFAULT_GRAIN), 3);
    });
}

#[test]
fn zip_cores_refuses_operands_whose_loop_axes_are_not_the_loop_shape() {
    use ndarray::{Ix0, Ix1};
    // A (3,) operand with one core axis has no loop axes: it cannot serve loop shape [3].
    let x = Array1::<f64>::zeros(3);
    let mut sums = Array1::<f64>::zeros(3);
    let error = zip_cores(
        &[3],
        (CoreIn::<f64, Ix1>::new(x.view().into_dyn(), 1),),
        (CoreOut::<f64, Ix0>::new(sums.view_mut().into_dyn(), 0),),
        Schedule::SERIAL,
        |_, _| Ok(()),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 0 has shape () but the call requires (3,)"
    );
    // An output with a loop axis too many.
    let x = Array2::<f64>::zeros((3, 4));
    let mut sums = Array2::<f64>::zeros((3, 1));
    let error = zip_cores(
        &[3],
        (CoreIn::<f64, Ix1>::new(x.view().into_dyn(), 1),),
        (CoreOut::<f64, Ix0>::new(sums.view_mut().into_dyn(), 0),),
        Schedule::SERIAL,
        |_, _| Ok(()),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "output 0 has shape (3, 1) but the call requires (3,)"
    );
}
