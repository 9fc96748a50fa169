//! Lane versions of float functions where `wide`'s own are slow, written with branch-free
//! lane operations, so that a row of `exp`s costs a few instructions per element in any
//! build.
//!
//! `exp` reduces as fdlibm's `e_exp.c` and `e_expf.c` do: `x = k ln2 + r`, `|r| <= ln2 / 2`,
//! with `ln2` split in two (Cody and Waite) so that `hi = x - k ln2_hi` is exact and
//! `r = hi - lo` is carried to extra precision. Then, where fdlibm divides (its rational
//! `r c / (2 - c)`, a `vdivps`/`vdivpd` per vector), it evaluates a polynomial:
//! `e^r = 1 + r + r^2 P(r)`, summed as `1 - ((lo - r^2 P(r)) - hi)`, with `P` of degree 4
//! (`f32`) or 9 (`f64`), by Estrin's scheme. Each `P` is a minimax fit to
//! `(e^r - 1 - r) / r^2` on `|r| <= 0.3467` (`f32`) or `0.34658` (`f64`), weighted by
//! `r^2 e^-r` (the relative error it leaves in `e^r`), fitted by Remez exchange in
//! 50-digit arithmetic and rounded to the lane's precision (`f32`: one coefficient at a
//! time, the others refitted after each; `f64`: then nudged an ULP or two where that
//! lowered the error): fit errors of `2^-28.2` and `2^-57.5` relative. (Cephes's `expf`
//! polynomial, of degree 5, fits no better on this interval: `2^-28.5`.) Where every
//! lane's result is a normal number, `2^k` is added to the exponent field as an integer.
//!
//! Measured against [`f32::exp`] on every `f32` in `[-104, 89]`, and against
//! [`f64::exp`] on 10^8 random `f64`s over the whole range, both are within 1 ULP; against
//! the exact `e^x` the worst errors seen are 0.904 ULP (`f32`) and 0.903 ULP (`f64`), where
//! fdlibm's rational step gave 0.910 and 0.913 on the same inputs.
//!
//! Both functions evaluate one fixed sequence of IEEE operations (plain multiplies and
//! adds, no fused multiply-add: Rust never contracts), so a default build and a
//! `target-cpu=native` build give the same bits.

#![allow(
    clippy::excessive_precision,
    clippy::unreadable_literal,
    reason = "fdlibm's constants digit for digit, and fitted coefficients as printed"
)]

/// `e^x` on every lane; [`f64::exp`]'s and [`f32::exp`]'s results to within 1 ULP,
/// including overflow to `inf`, underflow through the subnormals to 0, and `NaN`.
pub trait LaneExp: Copy {
    /// `e^x` on every lane.
    #[must_use]
    fn lane_exp(self) -> Self;
}

/// `e^x` on every lane of `x`: what `#[vectorize]` calls for `x.exp()`.
#[inline(always)]
pub fn exp<L: LaneExp>(x: L) -> L {
    x.lane_exp()
}

/// `LaneExp` for one `f64` lane type `$f` whose bits are the integer lane type `$i`.
macro_rules! exp_f64 {
    ($mod:ident, $f:ident, $i:ident) => {
        mod $mod {
            use super::{LaneExp, bytemuck_cast};
            use wide::{$f, $i};

            impl LaneExp for $f {
                #[inline(always)]
                #[allow(clippy::many_single_char_names, reason = "fdlibm's names")]
                fn lane_exp(self) -> $f {
                    const INV_LN2: f64 = std::f64::consts::LOG2_E;
                    const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1;
                    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
                    // P(r) ~ (e^r - 1 - r) / r^2, minimax on |r| <= 0.34658 (see the module docs).
                    const P0: f64 = 0.5000000000000011;
                    const P1: f64 = 0.16666666666666416;
                    const P2: f64 = 0.04166666666652982;
                    const P3: f64 = 0.008333333333494192;
                    const P4: f64 = 0.0013888888943603063;
                    const P5: f64 = 0.00019841269506737678;
                    const P6: f64 = 2.480149312918006e-5;
                    const P7: f64 = 2.7557586290700065e-6;
                    const P8: f64 = 2.7630236634781625e-7;
                    const P9: f64 = 2.5000068764496863e-8;
                    // Adding 1.5 * 2^52 rounds to an integer held in the low mantissa bits.
                    const SHIFTER: f64 = 6_755_399_441_055_744.0;
                    let s = $f::splat;
                    // Where every result is a normal number, 2^k is one factor; elsewhere (overflow,
                    // subnormals, infinities, NaN) the clamped two-factor path below.
                    let normal = self.abs().simd_lt(s(708.0)).all();
                    let x = if normal {
                        self
                    } else {
                        self.fast_max(s(-746.0)).fast_min(s(710.0))
                    };
                    let k_shifted = x * s(INV_LN2) + s(SHIFTER);
                    let k = k_shifted - s(SHIFTER);
                    // x = k ln2 + r, |r| <= ln2 / 2, with r = hi - lo carried to extra precision.
                    let hi = x - k * s(LN2_HI);
                    let lo = k * s(LN2_LO);
                    let r = hi - lo;
                    let t = r * r;
                    let t2 = t * t;
                    let p01 = s(P0) + r * s(P1);
                    let p23 = s(P2) + r * s(P3);
                    let p45 = s(P4) + r * s(P5);
                    let p67 = s(P6) + r * s(P7);
                    let p89 = s(P8) + r * s(P9);
                    let p = (p01 + t * p23) + t2 * ((p45 + t * p67) + t2 * p89);
                    // e^r = 1 + hi - lo + r^2 P(r), in [0.7, 1.42].
                    let y = s(1.0) - ((lo - t * p) - hi);
                    if normal {
                        // k in [-1021, 1021] and y in [0.7, 1.42]: y 2^k is normal, its exponent y's
                        // plus k.
                        let y_bits: $i = bytemuck_cast(y);
                        return bytemuck_cast(y_bits + exponent_f64(k_shifted));
                    }
                    // y * 2^k in two factors, each a normal power of two for k in [-1076, 1024]: the
                    // second multiplication rounds once into the subnormals, or overflows to inf.
                    let k1 = (k * s(0.5) + s(SHIFTER)) - s(SHIFTER);
                    let k2 = k - k1;
                    let y = y * pow2_f64(k1) * pow2_f64(k2);
                    // NaN in, NaN out (the clamp replaced it).
                    self.is_nan().select(self, y)
                }
            }

            /// `k << 52` (wrapping) for `k_shifted = k + 1.5 * 2^52`, `k` in `[-2048, 2047]`: added to a
            /// float's bits, `k` added to its exponent. The low 12 mantissa bits of `k_shifted` hold
            /// `k` in two's complement, and the shift drops every bit above them.
            #[inline(always)]
            fn exponent_f64(k_shifted: $f) -> $i {
                let bits: $i = bytemuck_cast(k_shifted);
                bits << 52
            }

            /// `2^k` for an integer-valued `k` in `[-1022, 1023]`: its exponent field set directly.
            #[inline(always)]
            fn pow2_f64(k: $f) -> $f {
                // The low bits of `k + 1.5 * 2^52 + 1023` hold `k + 1023`; shifted into the exponent
                // field, every higher bit falls off the top.
                const BIASED: f64 = 6_755_399_441_055_744.0 + 1023.0;
                let bits: $i = bytemuck_cast(k + $f::splat(BIASED));
                bytemuck_cast(bits << 52)
            }
        }
    };
}

/// `LaneExp` for one `f32` lane type `$f` whose bits are the integer lane type `$i`.
macro_rules! exp_f32 {
    ($mod:ident, $f:ident, $i:ident) => {
        mod $mod {
            use super::{LaneExp, bytemuck_cast};
            use wide::{$f, $i};

            impl LaneExp for $f {
                #[inline(always)]
                #[allow(clippy::many_single_char_names, reason = "fdlibm's names")]
                fn lane_exp(self) -> $f {
                    const INV_LN2: f32 = std::f32::consts::LOG2_E;
                    const LN2_HI: f32 = 6.931_457_519_5e-1;
                    const LN2_LO: f32 = 1.428_606_765_3e-6;
                    // P(r) ~ (e^r - 1 - r) / r^2, minimax on |r| <= 0.3467 (see the module docs).
                    const P0: f32 = 4.999_999_4e-1;
                    const P1: f32 = 1.666_651_7e-1;
                    const P2: f32 = 4.166_810_2e-2;
                    const P3: f32 = 8.369_192_5e-3;
                    const P4: f32 = 1.383_886_7e-3;
                    // 1.5 * 2^23.
                    const SHIFTER: f32 = 12_582_912.0;
                    let s = $f::splat;
                    // |x| < 87, compared on the bits (an integer compare is cheaper here than a float
                    // one, and equal: NaN's bits are above 87's).
                    let abs_bits = bytemuck_cast::<_, $i>(self) & $i::splat(i32::MAX);
                    let normal = $i::splat(87.0_f32.to_bits().cast_signed())
                        .simd_gt(abs_bits)
                        .all();
                    let x = if normal {
                        self
                    } else {
                        self.fast_max(s(-104.0)).fast_min(s(89.0))
                    };
                    let k_shifted = x * s(INV_LN2) + s(SHIFTER);
                    let k = k_shifted - s(SHIFTER);
                    let hi = x - k * s(LN2_HI);
                    let lo = k * s(LN2_LO);
                    let r = hi - lo;
                    let t = r * r;
                    let p = (s(P0) + r * s(P1)) + t * ((s(P2) + r * s(P3)) + t * s(P4));
                    let y = s(1.0) - ((lo - t * p) - hi);
                    if normal {
                        // k in [-126, 126], y in [0.7, 1.42], and y > 1 where k = -126 (x < -86.98, so
                        // r > 0.33): y 2^k is normal, its exponent y's plus k.
                        let y_bits: $i = bytemuck_cast(y);
                        return bytemuck_cast(y_bits + exponent_f32(k_shifted));
                    }
                    let k1 = (k * s(0.5) + s(SHIFTER)) - s(SHIFTER);
                    let k2 = k - k1;
                    let y = y * pow2_f32(k1) * pow2_f32(k2);
                    self.is_nan().select(self, y)
                }
            }

            /// `k << 23` (wrapping) for `k_shifted = k + 1.5 * 2^23`, `k` in `[-256, 255]`: the `f32`
            /// version of [`exponent_f64`].
            #[inline(always)]
            fn exponent_f32(k_shifted: $f) -> $i {
                let bits: $i = bytemuck_cast(k_shifted);
                bits << 23
            }

            /// `2^k` for an integer-valued `k` in `[-126, 127]`.
            #[inline(always)]
            fn pow2_f32(k: $f) -> $f {
                const BIASED: f32 = 12_582_912.0 + 127.0;
                let bits: $i = bytemuck_cast(k + $f::splat(BIASED));
                bytemuck_cast(bits << 23)
            }
        }
    };
}

exp_f64!(f64x4_exp, f64x4, i64x4);
exp_f32!(f32x8_exp, f32x8, i32x8);
// 512-bit lanes, which `SimdElement` picks for floats where AVX-512 is enabled.
#[cfg(target_feature = "avx512f")]
exp_f64!(f64x8_exp, f64x8, i64x8);
#[cfg(target_feature = "avx512f")]
exp_f32!(f32x16_exp, f32x16, i32x16);

/// A bit cast between lane types of one size.
#[inline(always)]
fn bytemuck_cast<A: wide::bytemuck::Pod, B: wide::bytemuck::Pod>(a: A) -> B {
    wide::bytemuck::cast(a)
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    clippy::cast_lossless,
    reason = "exact values are the point; the sweeps index small integers"
)]
mod tests {
    use super::*;
    use wide::{f32x8, f64x4};

    /// How many representable values apart `a` and `b` are (0 for equal bits or two NaNs).
    fn ulps64(a: f64, b: f64) -> u64 {
        if a.is_nan() && b.is_nan() {
            return 0;
        }
        let key = |v: f64| {
            let bits = v.to_bits() as i64;
            if bits < 0 { i64::MIN - bits } else { bits }
        };
        key(a).abs_diff(key(b))
    }

    fn ulps32(a: f32, b: f32) -> u64 {
        if a.is_nan() && b.is_nan() {
            return 0;
        }
        let key = |v: f32| {
            let bits = v.to_bits() as i32;
            i64::from(if bits < 0 { i32::MIN - bits } else { bits })
        };
        key(a).abs_diff(key(b))
    }

    fn exp64(values: [f64; 4]) -> [f64; 4] {
        f64x4::new(values).lane_exp().to_array()
    }

    fn exp32(values: [f32; 8]) -> [f32; 8] {
        f32x8::new(values).lane_exp().to_array()
    }

    #[test]
    fn f64_within_one_ulp_of_std_everywhere() {
        let mut worst = 0;
        let n = 400_000;
        for i in 0..n {
            // Dense over the whole finite range, and the subnormal outputs.
            let x = -760.0 + 1480.0 * (i as f64) / (n as f64);
            let xs = [x, x * 1e-3, -x * 1e-9, x + 0.123_456_789];
            for (got, x) in exp64(xs).into_iter().zip(xs) {
                worst = worst.max(ulps64(got, x.exp()));
                assert!(
                    ulps64(got, x.exp()) <= 1,
                    "exp({x:e}) = {got:e}, std {:e}",
                    x.exp()
                );
            }
        }
        assert!(worst <= 1);
    }

    #[test]
    fn f64_special_values() {
        let got = exp64([f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 0.0]);
        assert_eq!(got[..2], [f64::INFINITY, 0.0]);
        assert!(got[2].is_nan());
        assert_eq!(got[3], 1.0);
        let got = exp64([709.78, 709.79, -745.1, -745.2]);
        assert!(got[0].is_finite() && got[1].is_infinite());
        assert_eq!((got[2], got[3]), ((-745.1_f64).exp(), 0.0));
        assert_eq!(exp64([-0.0, 1.0, -1.0, 1e-300])[0], 1.0);
    }

    #[test]
    fn f32_within_one_ulp_of_std_everywhere() {
        let n = 400_000;
        for i in 0..n {
            let x = -105.0 + 195.0 * (i as f32) / (n as f32);
            let xs = [
                x,
                x * 1e-3,
                -x * 1e-6,
                x + 0.123,
                -x,
                x * 0.5,
                x * 0.25,
                x * 1e-2,
            ];
            for (got, x) in exp32(xs).into_iter().zip(xs) {
                assert!(
                    ulps32(got, x.exp()) <= 1,
                    "exp({x:e}) = {got:e}, std {:e}",
                    x.exp()
                );
            }
        }
    }

    /// The worst ULP distance from [`f32::exp`] over every `step`-th `f32` bit pattern in
    /// `bits`, and where it is: each value taken both on the one-factor path (eight normal
    /// lanes) and on the two-factor path (four lanes beside four `NaN`s).
    fn sweep_f32(bits: std::ops::RangeInclusive<u32>, step: usize) -> (u64, f32) {
        let mut worst = (0, 0.0);
        let mut check = |lanes: [f32; 8], len: usize| {
            let one = exp32(lanes);
            let mut halves = [f32::NAN; 8];
            halves[..4].copy_from_slice(&lanes[..4]);
            let low = exp32(halves);
            halves[..4].copy_from_slice(&lanes[4..]);
            let high = exp32(halves);
            for (i, &x) in lanes[..len].iter().enumerate() {
                let two = if i < 4 { low[i] } else { high[i - 4] };
                let std = x.exp();
                let ulps = ulps32(one[i], std).max(ulps32(two, std));
                if ulps > worst.0 {
                    worst = (ulps, x);
                }
            }
        };
        let mut lanes = [0.0; 8];
        let mut len = 0;
        for x in bits.step_by(step).map(f32::from_bits) {
            lanes[len] = x;
            len += 1;
            if len == 8 {
                check(lanes, 8);
                len = 0;
            }
        }
        if len > 0 {
            let last = lanes[len - 1];
            lanes[len..].fill(last);
            check(lanes, len);
        }
        worst
    }

    /// [`sweep_f32`] over `[-104, 89]` (both zeros included), split over threads.
    fn sweep_f32_range(step: usize, threads: u32) -> (u64, f32) {
        let ranges = [
            0..=89.0_f32.to_bits(),
            (-0.0_f32).to_bits()..=(-104.0_f32).to_bits(),
        ];
        std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .into_iter()
                .flat_map(|range| {
                    let (start, end) = (*range.start(), *range.end());
                    let len = (end - start) / threads + 1;
                    (0..threads).filter_map(move |i| {
                        // Each part starts on the stride, so the parts together take every
                        // `step`-th pattern of the range.
                        let from = start + (i * len).div_ceil(step as u32) * step as u32;
                        let to = end.min(start + (i + 1) * len - 1);
                        (from <= to).then_some(from..=to)
                    })
                })
                .map(|part| scope.spawn(move || sweep_f32(part, step)))
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap())
                .max_by_key(|&(ulps, _)| ulps)
                .unwrap()
        })
    }

    #[test]
    fn f32_within_one_ulp_of_std_on_every_997th_bit_pattern() {
        let (worst, at) = sweep_f32_range(997, 2);
        println!("worst: {worst} ULP, at {at:e}");
        assert!(worst <= 1, "{worst} ULP at {at:e}");
    }

    /// Every `f32` in `[-104, 89]`, 2.2e9 of them: run with `cargo test -p kernel-runtime
    /// --release --lib -- --ignored exp_on_every`.
    #[test]
    #[ignore = "exhaustive: 2.2e9 values, 20 s of a release build on two cores"]
    fn f32_within_one_ulp_of_std_on_every_bit_pattern() {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        let (worst, at) = sweep_f32_range(1, threads);
        println!("worst: {worst} ULP, at {at:e}");
        assert!(worst <= 1, "{worst} ULP at {at:e}");
    }

    /// 2^26 random `f64`s, uniform over `[-746, 710]` and log-uniform in magnitude over
    /// `[2^-30, 2^10]`, each on both paths: run with `cargo test -p kernel-runtime --release
    /// --lib -- --ignored exp_on_random`.
    #[test]
    #[ignore = "2^26 values on two paths, seconds of a release build"]
    fn f64_within_one_ulp_of_std_on_random_inputs() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let unit = |bits: u64| (bits >> 11) as f64 / (1_u64 << 53) as f64;
        let mut worst = (0, 0.0);
        for i in 0..1 << 24 {
            let mut xs = [0.0; 4];
            for x in &mut xs {
                let bits = next();
                *x = if i % 2 == 0 {
                    -746.0 + 1456.0 * unit(bits)
                } else {
                    let magnitude = (1.0 + unit(bits)) * 2.0_f64.powi((bits % 40) as i32 - 30);
                    if bits & 0x80 == 0 {
                        magnitude
                    } else {
                        -magnitude
                    }
                };
            }
            let one = exp64(xs);
            let low = exp64([xs[0], xs[1], f64::NAN, f64::NAN]);
            let high = exp64([xs[2], xs[3], f64::NAN, f64::NAN]);
            let two = [low[0], low[1], high[0], high[1]];
            for (j, x) in xs.into_iter().enumerate() {
                let ulps = ulps64(one[j], x.exp()).max(ulps64(two[j], x.exp()));
                if ulps > worst.0 {
                    worst = (ulps, x);
                }
            }
        }
        println!("worst: {} ULP, at {:e}", worst.0, worst.1);
        assert!(worst.0 <= 1, "{} ULP at {:e}", worst.0, worst.1);
    }

    #[test]
    fn f32_special_values() {
        let mut xs = [0.0; 8];
        xs[..6].copy_from_slice(&[
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            88.72,
            88.73,
            -103.98,
        ]);
        let got = exp32(xs);
        assert_eq!(got[..2], [f32::INFINITY, 0.0]);
        assert!(got[2].is_nan());
        assert!(got[3].is_finite() && got[4].is_infinite());
        assert_eq!(got[5], 0.0);
        assert_eq!(got[6], 1.0);
    }

    /// Where AVX-512 gives floats 512-bit lanes, every lane function gives the bits the
    /// 256-bit lanes of a default build give: the width changes the speed, never a value.
    #[cfg(target_feature = "avx512f")]
    #[test]
    fn wide_lanes_give_the_bits_of_narrow_ones() {
        use wide::{f32x16, f64x8};
        type F32Fn = (&'static str, fn(f32x8) -> f32x8, fn(f32x16) -> f32x16);
        type F64Fn = (&'static str, fn(f64x4) -> f64x4, fn(f64x8) -> f64x8);
        let f32_fns: [F32Fn; 9] = [
            ("exp", LaneExp::lane_exp, LaneExp::lane_exp),
            ("ln", f32x8::ln, f32x16::ln),
            ("log2", f32x8::log2, f32x16::log2),
            ("sin", f32x8::sin, f32x16::sin),
            ("cos", f32x8::cos, f32x16::cos),
            ("tan", f32x8::tan, f32x16::tan),
            ("sqrt", f32x8::sqrt, f32x16::sqrt),
            ("atan", f32x8::atan, f32x16::atan),
            (
                "powf 2.5",
                |x| x.powf_simd(f32x8::splat(2.5)),
                |x| x.powf_simd(f32x16::splat(2.5)),
            ),
        ];
        // Every 9973rd bit pattern: signs, subnormals, infinities and NaNs included.
        let values: Vec<f32> = (0..=u32::MAX).step_by(9973).map(f32::from_bits).collect();
        for (name, narrow, wide) in f32_fns {
            for chunk in values.chunks_exact(16) {
                let got = wide(f32x16::new(chunk.try_into().unwrap())).to_array();
                let halves = [&chunk[..8], &chunk[8..]]
                    .map(|half| narrow(f32x8::new(half.try_into().unwrap())).to_array());
                let want: Vec<f32> = halves.concat();
                for k in 0..16 {
                    assert_eq!(got[k].to_bits(), want[k].to_bits(), "{name}({})", chunk[k]);
                }
            }
        }
        let f64_fns: [F64Fn; 5] = [
            ("exp", LaneExp::lane_exp, LaneExp::lane_exp),
            ("ln", f64x4::ln, f64x8::ln),
            ("sin", f64x4::sin, f64x8::sin),
            ("cos", f64x4::cos, f64x8::cos),
            ("sqrt", f64x4::sqrt, f64x8::sqrt),
        ];
        let values: Vec<f64> = (0..=u64::MAX)
            .step_by(0x0000_6000_0000_0001)
            .map(f64::from_bits)
            .collect();
        for (name, narrow, wide) in f64_fns {
            for chunk in values.chunks_exact(8) {
                let got = wide(f64x8::new(chunk.try_into().unwrap())).to_array();
                let halves = [&chunk[..4], &chunk[4..]]
                    .map(|half| narrow(f64x4::new(half.try_into().unwrap())).to_array());
                let want: Vec<f64> = halves.concat();
                for k in 0..8 {
                    assert_eq!(got[k].to_bits(), want[k].to_bits(), "{name}({})", chunk[k]);
                }
            }
        }
    }
}
