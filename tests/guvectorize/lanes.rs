//! Bodies that run on lanes (`SIMD`): small cores staged `L` loop indices at a time. Each
//! kernel is compared bit for bit with its own core function called at every loop index
//! by the naive reference, over loop lengths around the lane count (tails run the scalar
//! body), every layout of inputs and outputs, and cores large enough to fall back to one
//! index at a time.

use ndarray::{Ix2, IxDyn, ShapeBuilder};
use ndkernel::prelude::*;

use crate::reference::{Bits, assert_same, reference, scalar};
use crate::{dyn_view, grid};

#[guvectorize("(3),(3)->(3)")]
fn cross(a: ArrayView1<f64>, b: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

#[guvectorize("(n)->()")]
fn norm(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v * v;
    }
    acc.sqrt()
}

#[guvectorize("(n),(n)->()")]
fn dot(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for (x, y) in a.iter().zip(&b) {
        acc += x * y;
    }
    acc
}

#[guvectorize("(n,m),(m)->(n)")]
fn matvec(m: ArrayView2<f32>, v: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
    for r in 0..m.nrows() {
        let mut acc = 0.0;
        for c in 0..m.ncols() {
            acc += m[[r, c]] * v[c];
        }
        out[r] = acc;
    }
}

/// A `()` input, a branch on the values, and an output written element by element.
#[guvectorize("(n),()->(n)")]
fn clip_scale(x: ArrayView1<f64>, k: f64, mut out: ArrayViewMut1<f64>) {
    for i in 0..x.len() {
        out[i] = if x[i] > k {
            k
        } else if x[i] < -k {
            -k
        } else {
            x[i] * 2.0
        };
    }
}

/// Two returned `()` outputs, integers, `&v` patterns and constants.
#[guvectorize("(n)->(),()")]
fn range(x: ArrayView1<i32>) -> (i32, i32) {
    let mut lo = i32::MAX;
    let mut hi = i32::MIN;
    for &v in &x {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (lo, hi.wrapping_sub(lo))
}

/// Writes one element of its output: the others keep what the output held.
#[guvectorize("(n)->(n)")]
fn first_only(x: ArrayView1<u8>, mut out: ArrayViewMut1<u8>) {
    out[0] = x[x.len() - 1].wrapping_mul(3);
}

impl Bits for i32 {
    fn bits(self) -> u64 {
        u64::from(self.cast_unsigned())
    }
}

impl Bits for u8 {
    fn bits(self) -> u64 {
        u64::from(self)
    }
}

/// A core the reference hands out, as the rank-1 view the core functions take.
fn ix1<'a, T>(x: &'a ArrayViewD<'_, T>) -> ArrayView1<'a, T> {
    x.view().into_dimensionality().expect("a rank-1 core")
}

#[test]
fn every_body_here_runs_on_lanes() {
    const { assert!(cross::SIMD && norm::SIMD && dot::SIMD && matvec::SIMD) };
    const { assert!(clip_scale::SIMD && range::SIMD && first_only::SIMD) };
}

/// Loop lengths around the lane counts (16 for `f64`, 32 for `f32` and smaller types).
const LENGTHS: [usize; 9] = [0, 1, 15, 16, 17, 31, 32, 33, 101];

#[test]
fn cross_matches_its_core_at_every_length_and_layout() {
    for n in LENGTHS {
        let a = grid((n, 3), 1);
        let b = grid((3, n).f(), 2);
        let b = b.t();
        for (what, a) in [
            ("standard", a.view()),
            ("reversed loop axis", a.slice(s![..;-1, ..])),
            ("reversed core axis", a.slice(s![.., ..;-1])),
        ] {
            let want = reference(&[(dyn_view(&a), 1), (dyn_view(&b), 1)], &[3], |c| {
                let mut out = Array1::zeros(3);
                cross_core(ix1(&c[0]), ix1(&c[1]), out.view_mut());
                out.into_dyn()
            });
            assert_same(&cross(a, b).unwrap(), &want, &format!("cross {n} {what}"));
            // Into a Fortran-order output.
            let mut out = Array2::<f64>::zeros((n, 3).f());
            cross_into(a, b, &mut out).unwrap();
            assert_same(
                &out,
                &want,
                &format!("cross_into {n} {what}, Fortran order"),
            );
        }
    }
}

#[test]
fn reductions_match_their_cores() {
    for n in LENGTHS {
        for core in [0, 1, 5, 8] {
            let x = grid((n, core), 3);
            let y = grid((n, core), 4);
            let want = reference(&[(dyn_view(&x.view()), 1)], &[], |c| {
                scalar(norm_core(ix1(&c[0])))
            });
            assert_same(&norm(&x).unwrap(), &want, &format!("norm {n}x{core}"));
            let want = reference(
                &[(dyn_view(&x.view()), 1), (dyn_view(&y.view()), 1)],
                &[],
                |c| scalar(dot_core(ix1(&c[0]), ix1(&c[1]))),
            );
            assert_same(&dot(&x, &y).unwrap(), &want, &format!("dot {n}x{core}"));
            // One input broadcast along the loop axis (stride 0).
            let row = grid((1, core), 5);
            let row = row.view();
            let want = reference(&[(dyn_view(&x.view()), 1), (dyn_view(&row), 1)], &[], |c| {
                scalar(dot_core(ix1(&c[0]), ix1(&c[1])))
            });
            assert_same(
                &dot(&x, row).unwrap(),
                &want,
                &format!("dot {n}x{core}, broadcast"),
            );
        }
    }
}

/// The norm as the `guvectorize` docs write it: ndarray's `dot`, which adds in eight
/// partial sums for contiguous vectors and in order otherwise.
#[guvectorize("(n)->()")]
fn norm_dot(x: ArrayView1<f64>) -> f64 {
    x.dot(&x).sqrt()
}

/// `dot` of two inputs, in `f32`.
#[guvectorize("(n),(n)->()")]
fn dot_f32(a: ArrayView1<f32>, b: ArrayView1<f32>) -> f32 {
    a.dot(&b)
}

#[test]
fn dot_on_lanes_adds_in_ndarrays_order_for_every_layout() {
    const { assert!(norm_dot::SIMD && dot_f32::SIMD) };
    for n in [0, 1, 17, 33] {
        // Around the eight partial sums: none, one block, a block and a tail.
        for core in [0, 1, 7, 8, 9, 16, 23] {
            let x = grid((n, 2 * core), 6);
            let y = grid((2 * core, n).f(), 7).mapv(|v| v as f32);
            let y = y.t();
            for (what, x) in [
                ("contiguous", x.slice(s![.., ..core])),
                ("every other", x.slice(s![.., ..;2])),
                ("reversed", x.slice(s![.., ..core;-1])),
            ] {
                let want = reference(&[(dyn_view(&x), 1)], &[], |c| {
                    scalar(norm_dot_core(ix1(&c[0])))
                });
                assert_same(
                    &norm_dot(x).unwrap(),
                    &want,
                    &format!("norm_dot {n}x{core} {what}"),
                );
                let a = x.mapv(|v| v as f32);
                let b = y.slice(s![.., ..core]);
                let want = reference(&[(dyn_view(&a.view()), 1), (dyn_view(&b), 1)], &[], |c| {
                    scalar(dot_f32_core(ix1(&c[0]), ix1(&c[1])))
                });
                assert_same(
                    &dot_f32(&a, b).unwrap(),
                    &want,
                    &format!("dot_f32 {n}x{core} {what}, strided y"),
                );
                let b = b.to_owned();
                let want = reference(
                    &[(dyn_view(&a.view()), 1), (dyn_view(&b.view()), 1)],
                    &[],
                    |c| scalar(dot_f32_core(ix1(&c[0]), ix1(&c[1]))),
                );
                assert_same(
                    &dot_f32(&a, &b).unwrap(),
                    &want,
                    &format!("dot_f32 {n}x{core} {what}"),
                );
            }
        }
    }
}

/// `out.assign(&m.dot(&v))`, as the README writes a product into an output.
#[guvectorize("(r,c),(c)->(r)")]
fn matvec_dot(m: ArrayView2<f64>, v: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    out.assign(&m.dot(&v));
}

/// The product returned, as `m.dot(&v)`.
#[guvectorize("(r,c),(c)->(r)")]
fn matvec_ret(m: ArrayView2<f64>, v: ArrayView1<f64>) -> Array1<f64> {
    m.dot(&v)
}

/// The same, the output's length free: a product of one row fills it (`assign` broadcasts).
#[guvectorize("(r,c),(c)->(n)")]
fn matvec_fill(m: ArrayView2<f32>, v: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
    out.assign(&m.dot(&v));
}

#[test]
fn matrix_vector_dot_on_lanes_adds_in_ndarrays_order_for_every_layout() {
    const { assert!(matvec_dot::SIMD && matvec_ret::SIMD && matvec_fill::SIMD) };
    for n in [0, 1, 17, 33] {
        for (rows, cols) in [(0, 3), (1, 9), (3, 0), (3, 7), (4, 8), (2, 17)] {
            let m = grid((n, rows, 2 * cols), 8);
            let v = grid((n, cols), 9);
            let transposed = grid((n, 2 * cols, rows), 10);
            for (what, m) in [
                ("contiguous rows", m.slice(s![.., .., ..cols])),
                ("every other column", m.slice(s![.., .., ..;2])),
                ("reversed rows", m.slice(s![.., .., ..cols;-1])),
                (
                    "transposed",
                    transposed
                        .slice(s![.., ..cols, ..])
                        .permuted_axes([0, 2, 1]),
                ),
            ] {
                let want = reference(
                    &[(dyn_view(&m), 2), (dyn_view(&v.view()), 1)],
                    &[rows],
                    |c| {
                        let mut out = Array1::zeros(rows);
                        let m = c[0].view().into_dimensionality::<Ix2>().unwrap();
                        matvec_dot_core(m, ix1(&c[1]), out.view_mut());
                        out.into_dyn()
                    },
                );
                let mut out = Array2::zeros((n, rows));
                matvec_dot_into(m, &v, &mut out).unwrap();
                assert_same(&out, &want, &format!("matvec_dot {n} {rows}x{cols} {what}"));
                let ret = matvec_ret(m, &v).unwrap();
                assert_same(&ret, &want, &format!("matvec_ret {n} {rows}x{cols} {what}"));
            }
            // One row, broadcast to an output of 5.
            let m = m.slice(s![.., ..rows.min(1), ..cols]).mapv(|x| x as f32);
            let v = v.mapv(|x| x as f32);
            let mut want = Array2::<f32>::zeros((n, 5));
            for ((m, v), out) in m.outer_iter().zip(v.rows()).zip(want.rows_mut()) {
                if m.nrows() == 1 {
                    matvec_fill_core(m, v, out);
                }
            }
            if m.shape()[1] == 1 {
                let mut out = Array2::<f32>::zeros((n, 5));
                matvec_fill_into(&m, &v, &mut out).unwrap();
                assert_same(&out, &want.into_dyn(), &format!("matvec_fill {n} 1x{cols}"));
            }
        }
    }
}

/// `m.dot(&v)` returned into an output whose length the signature leaves free.
#[guvectorize("(r,c),(c)->(n)")]
fn matvec_ret_free(m: ArrayView2<f32>, v: ArrayView1<f32>) -> Array1<f32> {
    m.dot(&v)
}

/// A product assigned to every row of a matrix output (`assign` broadcasts): not the
/// vector form, so it keeps the scalar body.
#[guvectorize("(r,c),(c)->(k,r)")]
fn fill_rows(m: ArrayView2<f64>, v: ArrayView1<f64>, mut out: ArrayViewMut2<f64>) {
    out.assign(&m.dot(&v));
}

#[test]
fn a_product_assigned_to_a_matrix_output_keeps_the_scalar_body() {
    const { assert!(!fill_rows::SIMD) };
    let (m, v) = (grid((20, 3, 9), 13), grid((20, 9), 14));
    let want = reference(
        &[(dyn_view(&m.view()), 2), (dyn_view(&v.view()), 1)],
        &[2, 3],
        |c| {
            let mut out = Array2::zeros((2, 3));
            let m = c[0].view().into_dimensionality::<Ix2>().unwrap();
            fill_rows_core(m, ix1(&c[1]), out.view_mut());
            out.into_dyn()
        },
    );
    let mut out = Array3::zeros((20, 2, 3));
    fill_rows_into(&m, &v, &mut out).unwrap();
    assert_same(&out, &want, "fill_rows");
}

/// A product written only where a value of the loop index says so: lanes would write it
/// everywhere, so the body keeps its scalar form.
#[guvectorize("(r,c),(c),()->(r)")]
fn masked_assign(m: ArrayView2<f64>, v: ArrayView1<f64>, s: f64, mut out: ArrayViewMut1<f64>) {
    if s > 0.0 {
        out.assign(&m.dot(&v));
    }
}

/// Row sums: the `v` multiplied is a local of ones, not the input of that name.
#[guvectorize("(r,c),(c)->(r)")]
fn shadowed_returned(m: ArrayView2<f64>, v: ArrayView1<f64>) -> Array1<f64> {
    let v = Array1::<f64>::ones(v.len());
    m.dot(&v)
}

/// The same shadowing in the two other `dot` forms.
#[guvectorize("(r,c),(c)->(r),()")]
fn shadowed(
    m: ArrayView2<f64>,
    v: ArrayView1<f64>,
    mut out: ArrayViewMut1<f64>,
    mut total: ArrayViewMut0<f64>,
) {
    let v = Array1::<f64>::ones(v.len());
    out.assign(&m.dot(&v));
    total[()] = v.dot(&v);
}

#[test]
fn dot_forms_under_conditions_or_on_locals_keep_the_scalar_body() {
    const { assert!(!masked_assign::SIMD) };
    let (n, rows, cols) = (40, 3, 9);
    let m = grid((n, rows, cols), 15);
    let v = grid((n, cols), 16);
    let s = Array1::from_shape_fn(n, |i| if i % 2 == 0 { 1.0 } else { -1.0 });
    let held = Array2::from_elem((n, rows), -7.0);
    let mut want = held.clone();
    for i in 0..n {
        masked_assign_core(m.index_axis(Axis(0), i), v.row(i), s[i], want.row_mut(i));
    }
    let mut out = held.clone();
    masked_assign_into(&m, &v, &s, &mut out).unwrap();
    assert_eq!(out, want, "masked_assign");

    let want = Array2::from_shape_fn((n, rows), |(i, r)| {
        shadowed_returned_core(m.index_axis(Axis(0), i), v.row(i))[r]
    });
    assert_eq!(
        shadowed_returned(&m, &v).unwrap(),
        want,
        "shadowed_returned"
    );
    let mut out = Array2::zeros((n, rows));
    let mut total = Array1::zeros(n);
    shadowed_into(&m, &v, &mut out, &mut total).unwrap();
    assert_eq!(out, want, "shadowed");
    assert!(total.iter().all(|&t| t == cols as f64), "shadowed total");
}

#[test]
fn dot_of_vectors_of_different_lengths_panics_as_ndarrays_dot() {
    const { assert!(dot_nm::SIMD) };
    // One loop index runs the scalar body (ndarray's `dot`), 40 run on lanes.
    let messages: Vec<String> = [1, 40]
        .into_iter()
        .map(|n| {
            let panic = std::panic::catch_unwind(|| {
                dot_nm(Array2::<f64>::zeros((n, 3)), Array2::<f64>::zeros((n, 4)))
            })
            .expect_err("lengths 3 and 4");
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(ToString::to_string))
                .expect("a message")
        })
        .collect();
    assert!(
        messages[0].contains('3') || messages[0].contains("len"),
        "{}",
        messages[0]
    );
    assert_eq!(messages[0], messages[1]);
}

/// `dot` of two cores whose lengths the signature does not tie.
#[guvectorize("(n),(m)->()")]
fn dot_nm(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    x.dot(&y)
}

#[test]
fn a_returned_product_of_the_wrong_length_is_the_same_error_on_lanes() {
    const { assert!(matvec_ret_free::SIMD) };
    // One loop index runs the scalar body, 33 run on lanes but the last.
    let errors: Vec<String> = [1, 33]
        .into_iter()
        .map(|n| {
            let m = grid((n, 3, 4), 11).mapv(|x| x as f32);
            let v = grid((n, 4), 12).mapv(|x| x as f32);
            let mut out = Array2::<f32>::zeros((n, 5));
            matvec_ret_free_into(&m, &v, &mut out)
                .unwrap_err()
                .to_string()
        })
        .collect();
    assert!(
        errors[0].contains('3') && errors[0].contains('5'),
        "{}",
        errors[0]
    );
    assert_eq!(errors[0], errors[1]);
}

#[test]
fn matvec_reads_two_dimensional_cores_of_any_layout() {
    for n in LENGTHS {
        let m: Array3<f32> = grid((n, 4, 3), 5).mapv(|v| v as f32);
        let mt: Array3<f32> = grid((n, 3, 4), 11).mapv(|v| v as f32);
        let v: Array2<f32> = grid((n, 3), 6).mapv(|v| v as f32);
        for (what, m) in [
            ("standard", m.view()),
            ("transposed cores", mt.view().permuted_axes([0, 2, 1])),
            ("reversed core rows", m.slice(s![.., ..;-1, ..])),
        ] {
            let want = reference(
                &[(m.view().into_dyn(), 2), (v.view().into_dyn(), 1)],
                &[m.shape()[1]],
                |c| {
                    let mut out = Array1::zeros(c[0].shape()[0]);
                    let core = c[0].view().into_dimensionality::<Ix2>().unwrap();
                    matvec_core(core, ix1(&c[1]), out.view_mut());
                    out.into_dyn()
                },
            );
            let got = matvec(m, &v).unwrap();
            assert_eq!(got.shape(), want.shape(), "matvec {n} {what}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "matvec {n} {what}");
            }
        }
    }
}

#[test]
fn scalar_inputs_and_branches() {
    for n in LENGTHS {
        let x = grid((n, 6), 7);
        // One `k` per loop index, and one for all.
        let k: Array1<f64> = grid(n, 8).mapv(f64::abs);
        let want = reference(
            &[(dyn_view(&x.view()), 1), (dyn_view(&k.view()), 0)],
            &[6],
            |c| {
                let mut out = Array1::zeros(6);
                clip_scale_core(ix1(&c[0]), c[1][IxDyn(&[])], out.view_mut());
                out.into_dyn()
            },
        );
        assert_same(
            &clip_scale(&x, &k).unwrap(),
            &want,
            &format!("clip_scale {n}"),
        );
        let want = reference(&[(dyn_view(&x.view()), 1)], &[6], |c| {
            let mut out = Array1::zeros(6);
            clip_scale_core(ix1(&c[0]), 4.0, out.view_mut());
            out.into_dyn()
        });
        assert_same(
            &clip_scale(&x, 4.0).unwrap(),
            &want,
            &format!("clip_scale {n}, k = 4"),
        );
    }
}

#[test]
fn integers_and_two_returned_outputs() {
    for n in LENGTHS {
        for core in [1, 3, 9] {
            let x: Array2<i32> = grid((n, core), 9).mapv(|v| (v * 2.0e8) as i32);
            let (lo, spread) = range(&x).unwrap();
            for (i, row) in x.rows().into_iter().enumerate() {
                let (want_lo, want_spread) = range_core(row);
                assert_eq!(lo[[i]], want_lo, "range {n}x{core} at {i}");
                assert_eq!(spread[[i]], want_spread, "range {n}x{core} at {i}");
            }
        }
    }
}

#[test]
fn outputs_keep_what_the_body_does_not_write() {
    for n in LENGTHS {
        let x: Array2<u8> = Array2::from_shape_fn((n, 5), |(i, j)| (i * 7 + j * 13) as u8);
        let mut out = Array2::from_shape_fn((n, 5), |(i, j)| (i + 100 * j) as u8);
        let mut want = out.clone();
        for (row, out_row) in x.rows().into_iter().zip(want.rows_mut()) {
            first_only_core(row, out_row);
        }
        first_only_into(&x, &mut out).unwrap();
        assert_eq!(out, want, "first_only {n}");
    }
}

/// Reads its output before writing it, and writes one element twice: the lanes must see
/// what the output held, then what the body wrote.
#[guvectorize("(n)->(n)")]
fn accumulate(x: ArrayView1<i32>, mut out: ArrayViewMut1<i32>) {
    for k in 0..x.len() {
        out[k] = out[k].wrapping_add(x[k]);
    }
    out[0] = out[0].wrapping_mul(3);
}

/// Writes every other element and reads one it did not write.
#[guvectorize("(n)->(n)")]
fn every_other(x: ArrayView1<i32>, mut out: ArrayViewMut1<i32>) {
    let last = out[x.len() - 1];
    for k in (0..x.len()).step_by(2) {
        out[k] = x[k].wrapping_sub(last);
    }
}

/// A core function and its `_into` form, as the test below calls them.
type Core = fn(ArrayView1<i32>, ArrayViewMut1<i32>);
type Into = fn(&Array2<i32>, &mut ArrayViewMut2<i32>);

#[test]
fn outputs_read_and_partly_written_keep_the_scalar_body_semantics() {
    const { assert!(accumulate::SIMD && every_other::SIMD) };
    let kernels: [(&str, Core, Into); 2] = [
        ("accumulate", accumulate_core, |x, out| {
            accumulate_into(x, out).unwrap();
        }),
        ("every_other", every_other_core, |x, out| {
            every_other_into(x, out).unwrap();
        }),
    ];
    // Cores of up to 64 elements fill their slots on first read; longer ones, and cores
    // that are not dense (a transposed output), are staged whole.
    for (name, core, into) in kernels {
        for n in [0, 1, 17, 33] {
            for width in [1, 5, 63, 64, 65, 100] {
                let x = Array2::from_shape_fn((n, width), |(i, j)| (i * 7 + j * 13) as i32);
                let held = Array2::from_shape_fn((n, width), |(i, j)| (i + 1000 * j) as i32);
                let mut want = held.clone();
                for (row, out_row) in x.rows().into_iter().zip(want.rows_mut()) {
                    core(row, out_row);
                }
                let mut out = held.clone();
                into(&x, &mut out.view_mut());
                assert_eq!(out, want, "{name}, {n} cores of {width}");
                let mut transposed = Array2::zeros((width, n));
                transposed.assign(&held.t());
                into(&x, &mut transposed.view_mut().reversed_axes());
                assert_eq!(
                    transposed.t(),
                    want,
                    "{name}, {n} transposed cores of {width}"
                );
                let flip = ndarray::s![.., ..;-1];
                let mut reversed = held.slice(flip).to_owned();
                into(&x, &mut reversed.slice_mut(flip));
                assert_eq!(
                    reversed.slice(flip),
                    want,
                    "{name}, {n} reversed cores of {width}"
                );
            }
        }
    }
}

#[test]
fn large_cores_run_one_index_at_a_time_with_the_same_result() {
    // 4096 elements per core: beyond what lanes stage (`LANE_CORES_BYTES`).
    let x = grid((37, 4096), 10);
    let want = reference(&[(dyn_view(&x.view()), 1)], &[], |c| {
        scalar(norm_core(ix1(&c[0])))
    });
    assert!(!ndkernel::__private::dispatch::lanes_fit(4097, 16, 8));
    assert_same(&norm(&x).unwrap(), &want, "norm of long rows");
}

/// Reads an element a core of 2 does not have.
#[guvectorize("(n)->()")]
fn third(x: ArrayView1<f64>) -> f64 {
    x[2]
}

#[test]
#[should_panic(expected = "out of bounds")]
fn an_index_beyond_the_core_panics_on_lanes_as_in_the_body() {
    const { assert!(third::SIMD) };
    let _ = third(Array2::<f64>::zeros((40, 2)));
}

/// The returning form of `cross`: `array![…]` runs as a plain array, on lanes too.
#[guvectorize("(3),(3)->(3)")]
fn cross_returned(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    let x = a[1] * b[2] - a[2] * b[1];
    array![x, a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// `array![…]` of the wrong length for the signature's output.
#[guvectorize("(n)->(n)")]
fn pair(x: ArrayView1<f64>) -> Array1<f64> {
    array![x[0], x[0] + 1.0]
}

#[test]
fn returned_small_arrays_match_the_out_parameter_form() {
    const { assert!(cross_returned::SIMD && pair::SIMD) };
    for n in LENGTHS {
        let a = grid((n, 3), 12);
        let b = grid((n, 3), 13);
        assert_eq!(
            cross_returned(&a, &b).unwrap(),
            cross(&a, &b).unwrap(),
            "{n}"
        );
        let mut out = Array2::zeros((n, 3));
        cross_returned_into(&a, &b, &mut out).unwrap();
        assert_eq!(out, cross(&a, &b).unwrap(), "{n}, into");
    }
    // The length the body returns is checked against the output's core, on lanes and off.
    assert_eq!(pair(grid((40, 2), 14)).unwrap().shape(), &[40, 2]);
    for n in [1, 40] {
        let error = pair(grid((n, 3), 14)).unwrap_err().to_string();
        assert!(
            error.contains("output 0 (`out`)") && error.contains("(2,)"),
            "{n}: {error}"
        );
    }
}

/// A generic copy: lanes for any `Copy` element, however it is laid out.
#[guvectorize("(n)->(n)")]
fn copy_generic<T: Copy>(x: ArrayView1<T>, mut out: ArrayViewMut1<T>) {
    for i in 0..x.len() {
        out[i] = x[i];
    }
}

/// Four bytes with a byte of padding: the same size as an `f32`, but not bits a vector
/// may load.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Padded(u8, u16);

#[test]
fn cores_of_any_element_type_are_staged_whole() {
    const { assert!(copy_generic::SIMD) };
    for n in [1, 2, 4, 16] {
        let units = ndarray::Array2::from_elem((70, n), ());
        assert_eq!(copy_generic(&units).expect("a copy"), units, "(), {n}");
        #[allow(clippy::cast_possible_truncation, reason = "small test values")]
        let padded = ndarray::Array2::from_shape_fn((70, n), |(i, j)| Padded(i as u8, j as u16));
        assert_eq!(
            copy_generic(&padded).expect("a copy"),
            padded,
            "padded, {n}"
        );
        let floats = ndarray::Array2::from_shape_fn((70, n), |(i, j)| (i * n + j) as f32);
        assert_eq!(copy_generic(&floats).expect("a copy"), floats, "f32, {n}");
    }
}
