//! Kernel bodies on SIMD lanes agree with the scalar function: integer lanes and overflow,
//! branches, exact float methods, `mul_add`, consts and compound assignment, two outputs;
//! generic, mixed and `bool` kernels take the scalar path.

use ndarray::ShapeBuilder;
use ndkernel::prelude::*;

use crate::kernels::{
    add_i8, add_i8_scalar, add_i16, add_i16_scalar, add_u8, add_u8_scalar, band, band_into,
    band_scalar, clip, clip_scalar, divmod, divmod_scalar, exact_ops, exact_ops_scalar, fclamp,
    fclamp_scalar, fmax32, fmax32_scalar, fmin, fmin_scalar, fused, fused_scalar, horner,
    horner_scalar, iclamp, iclamp_scalar, is_pos, is_pos_scalar, powers, powers_scalar, powers32,
    powers32_scalar, scale, scale_scalar, sum_diff, sum_diff_into, sum_diff_scalar,
    wrapping_add_i16, wrapping_add_i16_scalar,
};
use crate::{Rng, assert_same, check2, floats, lengths, naive, views_of};

#[test]
fn integer_lanes_add_like_the_scalar_function() {
    for n in lengths() {
        let a = Array1::from_shape_fn(2 * n + 1, |i| (i * 37 % 128) as u8);
        let b = Array1::from_shape_fn(2 * n + 1, |i| (i * 11 % 127) as u8);
        let (ai, bi) = (a.mapv(|v| i16::from(v) * 100 - 6000), b.mapv(i16::from));
        for (x, y) in [(s![..n], s![n + 1..]), (s![..2 * n;2], s![..n;-1])] {
            check2!(add_u8, add_u8_scalar, a.slice(x), b.slice(y));
            check2!(add_i16, add_i16_scalar, ai.slice(x), bi.slice(y));
        }
        check2!(add_u8, add_u8_scalar, a.slice(s![..n]), arr0(127));
    }
}

#[test]
fn integer_lanes_wrap_on_overflow() {
    // Tails and strided rows run on lanes too, so every length wraps, in debug builds as
    // in release (the scalar function would panic in debug).
    for n in [1, 15, 17, 31, 32, 33, 64, 1024] {
        let a = Array1::from_shape_fn(n, |i| 200 + (i % 56) as u8);
        let got = add_u8(&a, 100u8).unwrap();
        assert_eq!(got, a.mapv(|v| v.wrapping_add(100)));
        let b = Array1::from_shape_fn(n, |i| i16::MAX - (i % 7) as i16);
        let c = Array1::from_shape_fn(n, |i| b[n - 1 - i]);
        let got = add_i16(&b, &c).unwrap();
        let want = Array1::from_shape_fn(n, |i| b[i].wrapping_add(c[i]));
        assert_eq!(got, want);
    }
}

#[test]
fn wrapping_add_covers_the_whole_i16_range() {
    let mut rng = Rng(7);
    for n in lengths() {
        let a = Array1::from_shape_simple_fn(n, || rng.next() as i16);
        let b = Array1::from_shape_simple_fn(n, || rng.next() as i16);
        check2!(wrapping_add_i16, wrapping_add_i16_scalar, a, b);
        check2!(
            wrapping_add_i16,
            wrapping_add_i16_scalar,
            a.slice(s![..;-1]),
            b
        );
    }
}

#[test]
fn f32_branches_and_comparisons_select_like_the_scalar_function() {
    for n in lengths() {
        let x = floats(n, n as u64).mapv(|v| v as f32);
        let hi = floats(n, 99 + n as u64).mapv(|v| v.abs() as f32);
        let scalars = [-1.0f32, 0.0, f32::NAN];
        for lo in scalars {
            let lo = arr0(lo);
            for xs in [x.view(), x.slice(s![..;-1])] {
                let got = band(xs, &lo, &hi).unwrap();
                let (xd, lod, hid) = (xs.into_dyn(), lo.view().into_dyn(), hi.view().into_dyn());
                let want = naive(&[xd.shape(), lod.shape(), hid.shape()], |ix| {
                    band_scalar(xd[&*ix[0]], lod[&*ix[1]], hid[&*ix[2]])
                })
                .unwrap();
                assert_same(&got, &want, &format!("band, n {n}, lo {lo}"));
            }
        }
    }
    // Every branch, on lanes and in the tail: x in [lo, hi), x <= lo or x == hi, and the rest.
    let x = arr1(&[0.5f32, 2.0, -3.0, 1.0, 0.0, 7.0, f32::NAN, 1.0, 0.25]);
    let mut out = Array1::zeros(9);
    band_into(&x, 0.0, 1.0, &mut out).unwrap();
    let want = x.mapv(|v| band_scalar(v, 0.0, 1.0));
    assert_same(&out, &want.into_dyn(), "band branches");
    assert_eq!(out.slice(s![..6]), arr1(&[1.0, 0.5, 3.0, -1.0, -0.0, 0.5]));
}

#[test]
fn exact_float_methods_agree_bit_for_bit() {
    for n in lengths() {
        let (bx, by) = (
            floats(2 * n + 1, 3 * n as u64),
            floats(2 * n + 1, 5 * n as u64),
        );
        for x in views_of(&bx, n) {
            check2!(exact_ops, exact_ops_scalar, x, by.slice(s![..n]));
            check2!(exact_ops, exact_ops_scalar, x, arr0(-0.0));
            check2!(exact_ops, exact_ops_scalar, x, arr0(0.0));
        }
    }
    // Signed zeros and NaN on both sides of min and max.
    let edge = arr1(&[0.0, -0.0, f64::NAN, 1.0, -0.0, 0.0, 2.0, f64::NAN]);
    let egde = Array1::from_shape_fn(8, |i| edge[7 - i]);
    check2!(exact_ops, exact_ops_scalar, edge, egde);
    check2!(exact_ops, exact_ops_scalar, egde, edge);
}

#[test]
fn mul_add_is_fused_only_with_fma() {
    let (x, y) = (floats(1009, 1), floats(1009, 2));
    let got = fused(&x, &y).unwrap();
    let want = naive(&[&[1009], &[1009]], |ix| {
        fused_scalar(x[ix[0][0]], y[ix[1][0]])
    })
    .unwrap();
    if cfg!(target_feature = "fma") {
        assert_same(&got, &want, "fused with FMA");
        return;
    }
    // Without FMA lanes round the product: the error is at most an ULP of each term.
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        let (p, q) = (x[i].abs().max(y[i].abs()).sqrt() * x[i], y[i]);
        let bound = 2.0 * f64::EPSILON * (p.abs() + q.abs());
        assert!(
            g.to_bits() == w.to_bits() || (g - w).abs() <= bound,
            "at {i}: {g} vs {w}"
        );
    }
}

#[test]
fn consts_lets_and_compound_assignment_run_on_lanes() {
    const { assert!(horner::SIMD) };
    for n in lengths() {
        let b = floats(2 * n + 1, n as u64);
        for x in views_of(&b, n) {
            let got = horner(x).unwrap();
            let xd = x.into_dyn();
            let want = naive(&[xd.shape()], |ix| horner_scalar(xd[&*ix[0]])).unwrap();
            assert_same(&got, &want, "horner");
        }
    }
}

#[test]
fn generic_mixed_and_bool_kernels_equal_the_scalar_function() {
    for n in lengths() {
        let xi = Array1::from_shape_fn(n, |i| (i as i32 * 7919) % 23 - 11);
        assert_eq!(
            clip(&xi, -3, 6).unwrap(),
            xi.mapv(|v| clip_scalar(v, -3, 6))
        );
        let xf = floats(n, n as u64);
        let lo = floats(n, 1 + n as u64).mapv(|v| v.min(0.0));
        let got = clip(xf.slice(s![..;-1]), &lo, 4.0).unwrap();
        let (xd, lod) = (xf.slice(s![..;-1]).into_dyn(), lo.view().into_dyn());
        let want = naive(&[xd.shape(), lod.shape()], |ix| {
            clip_scalar(xd[&*ix[0]], lod[&*ix[1]], 4.0)
        })
        .unwrap();
        assert_same(&got, &want, "clip f64");

        let row = xf.mapv(|v| v as f32).into_shape_with_order((1, n)).unwrap();
        let factors = Array2::from_shape_fn((3, 1), |(i, _)| i as i32 - 1);
        check2!(scale, scale_scalar, row, factors);
        check2!(scale, scale_scalar, row.t(), arr1(&[i32::MAX]));

        let got = is_pos(&xf).unwrap();
        assert_eq!(got, xf.mapv(is_pos_scalar));
        assert_eq!(got, xf.mapv(|v| v > 0.0));

        let a = Array1::from_shape_fn(n, |i| (i as i64 * 7919) % 1001 - 500);
        let b = Array1::from_shape_fn(n, |i| [-7, -3, 1, 2, 5, i64::MAX][i % 6]);
        let (q, r) = divmod(&a, &b.slice(s![..;-1])).unwrap();
        let br = b.slice(s![..;-1]);
        let pairs: Vec<_> = a
            .iter()
            .zip(br)
            .map(|(&a, &b)| divmod_scalar(a, b))
            .collect();
        assert_eq!(q.to_vec(), pairs.iter().map(|p| p.0).collect::<Vec<_>>());
        assert_eq!(r.to_vec(), pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    }
}

#[test]
fn two_outputs_run_on_lanes_and_into_fills_both() {
    for n in lengths() {
        let (x, y) = (floats(n, n as u64), floats(n, 7 * n as u64));
        let (s, d) = sum_diff(&x, &y.slice(s![..;-1])).unwrap();
        let (mut s2, mut d2) = (Array1::zeros(n), Array1::zeros((n,).f()));
        sum_diff_into(&x, &y.slice(s![..;-1]), &mut s2, &mut d2).unwrap();
        for i in 0..n {
            let (ws, wd) = sum_diff_scalar(x[i], y[n - 1 - i]);
            assert_eq!(
                [s[i], d[i], s2[i], d2[i]].map(f64::to_bits),
                [ws, wd, ws, wd].map(f64::to_bits)
            );
        }
    }
}

/// Each element of `got` equals `rule` of its inputs, the value a full lane vector gives.
fn follows_rule<T: Copy + PartialEq + std::fmt::Debug, const K: usize>(
    got: &Array1<T>,
    inputs: [ArrayView1<'_, T>; K],
    rule: impl Fn([T; K]) -> T,
    bits: impl Fn(T) -> u64,
    what: &str,
) {
    for (i, &g) in got.iter().enumerate() {
        let want = rule(std::array::from_fn(|k| inputs[k][i]));
        assert_eq!(bits(g), bits(want), "{what}: element {i} of {}", got.len());
    }
}

#[test]
fn every_element_follows_the_lane_rule_whatever_its_position() {
    // The rule is what a whole lane vector computes: run each input combination in a
    // row of 64 (whole vectors only), then check rows of every length, strided and
    // reversed, whose tails used to run the scalar function instead.
    const { assert!(fmin::SIMD && fmax32::SIMD && fclamp::SIMD && add_i8::SIMD && iclamp::SIMD) };
    let row = |v: f64| Array1::from_elem(64, v);
    let min_rule = |a: f64, b: f64| fmin(row(a), row(b)).unwrap()[0];
    let max_rule =
        |a: f32, b: f32| fmax32(Array1::from_elem(64, a), Array1::from_elem(64, b)).unwrap()[0];
    let clamp_rule = |a: f64, l: f64, h: f64| fclamp(row(a), row(l), row(h)).unwrap()[0];
    // Where Rust gives one answer, the rule is the scalar function's.
    for (a, b) in [(1.0, 2.0), (-3.5, 0.25), (f64::INFINITY, -1.0)] {
        assert_eq!(min_rule(a, b).to_bits(), fmin_scalar(a, b).to_bits());
        let (a32, b32) = (a as f32, b as f32);
        assert_eq!(
            max_rule(a32, b32).to_bits(),
            fmax32_scalar(a32, b32).to_bits()
        );
        assert_eq!(
            clamp_rule(a, -1.0, 1.0).to_bits(),
            fclamp_scalar(a, -1.0, 1.0).to_bits()
        );
    }
    let special = [-0.0, 0.0, f64::NAN, 1.0, -1.0];
    for n in (0..=40).chain([63, 64, 65]) {
        let base_x = Array1::from_shape_fn(2 * n + 1, |i| special[i % 5]);
        let base_y = Array1::from_shape_fn(2 * n + 1, |i| special[(i / 5 + i) % 5]);
        for (x, y) in [
            (base_x.slice(s![..n]), base_y.slice(s![..n])),
            (base_x.slice(s![..2 * n;2]), base_y.slice(s![..n;-1])),
        ] {
            follows_rule(
                &fmin(x, y).unwrap(),
                [x, y],
                |[a, b]| min_rule(a, b),
                f64::to_bits,
                "fmin",
            );
            let (x32, y32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32));
            follows_rule(
                &fmax32(&x32, &y32).unwrap(),
                [x32.view(), y32.view()],
                |[a, b]| max_rule(a, b),
                |v| u64::from(v.to_bits()),
                "fmax32",
            );
            // Crossed and NaN bounds: the scalar `clamp` panics, lanes never do.
            let lo = Array1::from_elem(n, 1.0);
            let hi = Array1::from_shape_fn(n, |i| if i % 3 == 0 { f64::NAN } else { -1.0 });
            follows_rule(
                &fclamp(x, &lo, &hi).unwrap(),
                [x, lo.view(), hi.view()],
                |[a, l, h]| clamp_rule(a, l, h),
                f64::to_bits,
                "fclamp",
            );
        }
        // Integer overflow wraps at every position, in debug builds too.
        let a = Array1::from_shape_fn(n, |i| 100 + (i % 28) as i8);
        assert_eq!(
            add_i8(&a, 100i8).unwrap(),
            a.mapv(|v| v.wrapping_add(100)),
            "n = {n}"
        );
        assert_eq!(
            add_i8(a.slice(s![..;-1]), &a).unwrap(),
            Array1::from_shape_fn(n, |i| a[n - 1 - i].wrapping_add(a[i])),
            "n = {n}, reversed"
        );
        assert_eq!(
            add_i8(&a, -100i8).unwrap(),
            a.mapv(|v| add_i8_scalar(v, -100))
        );
        let crossed = iclamp(&a.mapv(i32::from), 200, 100).unwrap();
        let row_rule = iclamp(Array1::from_elem(64, 150), 200, 100).unwrap()[0];
        assert!(crossed.iter().all(|&v| v == row_rule), "n = {n}: {crossed}");
        assert_eq!(
            iclamp(&a.mapv(i32::from), 110, 120).unwrap(),
            a.mapv(|v| iclamp_scalar(i32::from(v), 110, 120))
        );
    }
}

#[test]
fn powi_with_literal_exponents_runs_on_lanes_bit_for_bit() {
    const { assert!(powers::SIMD && powers32::SIMD) };
    let mut rng = Rng(11);
    for n in lengths() {
        let x = Array1::from_shape_simple_fn(n, || (rng.next() % 4000) as f64 / 997.0 - 2.0);
        let y = x.mapv(|v| (v * 1.37 + 0.11) as f32);
        let got = powers(&x).unwrap();
        for (g, &v) in got.iter().zip(&x) {
            assert_eq!(g.to_bits(), powers_scalar(v).to_bits(), "powers({v})");
        }
        let x32 = x.mapv(|v| v as f32);
        let got = powers32(&x32, &y).unwrap();
        for ((g, &a), &b) in got.iter().zip(&x32).zip(&y) {
            assert_eq!(
                g.to_bits(),
                powers32_scalar(a, b).to_bits(),
                "powers32({a}, {b})"
            );
        }
    }
    // Zero, infinities and NaN follow the scalar function too.
    let special = array![
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1e300,
        -1e-300
    ];
    for (g, &v) in powers(&special).unwrap().iter().zip(&special) {
        assert_eq!(g.to_bits(), powers_scalar(v).to_bits(), "powers({v})");
    }
}
