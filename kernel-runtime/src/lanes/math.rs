//! Lane versions of float functions where `wide`'s own are slow: each is fdlibm's
//! algorithm (the one `e_exp.c` and `e_expf.c` use, accurate to under 1 ULP) written with
//! branch-free lane operations, so that a row of `exp`s costs a few instructions per
//! element in any build.
//!
//! Both functions evaluate exactly fdlibm's sequence of IEEE operations (no fused
//! multiply-add: Rust never contracts), so a default build and a `target-cpu=native` build
//! give the same bits.

#![allow(
    clippy::excessive_precision,
    clippy::unreadable_literal,
    reason = "fdlibm's constants, digit for digit"
)]

use wide::{f32x8, f64x4, i32x8, i64x4};

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

impl LaneExp for f64x4 {
    #[inline(always)]
    #[allow(clippy::many_single_char_names, reason = "fdlibm's names")]
    fn lane_exp(self) -> f64x4 {
        const INV_LN2: f64 = std::f64::consts::LOG2_E;
        const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1;
        const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
        const P1: f64 = 1.666_666_666_666_660_190_37e-1;
        const P2: f64 = -2.777_777_777_701_559_338_42e-3;
        const P3: f64 = 6.613_756_321_437_934_361_17e-5;
        const P4: f64 = -1.653_390_220_546_525_153_9e-6;
        const P5: f64 = 4.138_136_797_057_238_460_39e-8;
        // Adding 1.5 * 2^52 rounds to an integer held in the low mantissa bits.
        const SHIFTER: f64 = 6_755_399_441_055_744.0;
        let s = f64x4::splat;
        // Where every result is a normal number, 2^k is one factor; elsewhere (overflow,
        // subnormals, infinities, NaN) the clamped two-factor path below.
        let normal = self.simd_gt(s(-708.0)) & self.simd_lt(s(709.0));
        let x = if normal.all() {
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
        let c = r - t * (s(P1) + t * (s(P2) + t * (s(P3) + t * (s(P4) + t * s(P5)))));
        let y = s(1.0) - ((lo - (r * c) / (s(2.0) - c)) - hi);
        if normal.all() {
            return y * pow2_f64(k);
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

/// `2^k` for an integer-valued `k` in `[-1022, 1023]`: its exponent field set directly.
#[inline(always)]
fn pow2_f64(k: f64x4) -> f64x4 {
    // The low bits of `k + 1.5 * 2^52 + 1023` hold `k + 1023`; shifted into the exponent
    // field, every higher bit falls off the top.
    const BIASED: f64 = 6_755_399_441_055_744.0 + 1023.0;
    let bits: i64x4 = bytemuck_cast(k + f64x4::splat(BIASED));
    bytemuck_cast(bits << 52)
}

impl LaneExp for f32x8 {
    #[inline(always)]
    #[allow(clippy::many_single_char_names, reason = "fdlibm's names")]
    fn lane_exp(self) -> f32x8 {
        const INV_LN2: f32 = std::f32::consts::LOG2_E;
        const LN2_HI: f32 = 6.931_457_519_5e-1;
        const LN2_LO: f32 = 1.428_606_765_3e-6;
        const P1: f32 = 1.666_662_544_0e-1;
        const P2: f32 = -2.766_733_290_6e-3;
        // 1.5 * 2^23.
        const SHIFTER: f32 = 12_582_912.0;
        let s = f32x8::splat;
        let normal = self.simd_gt(s(-87.0)) & self.simd_lt(s(88.0));
        let x = if normal.all() {
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
        let c = r - t * (s(P1) + t * s(P2));
        let y = s(1.0) - ((lo - (r * c) / (s(2.0) - c)) - hi);
        if normal.all() {
            return y * pow2_f32(k);
        }
        let k1 = (k * s(0.5) + s(SHIFTER)) - s(SHIFTER);
        let k2 = k - k1;
        let y = y * pow2_f32(k1) * pow2_f32(k2);
        self.is_nan().select(self, y)
    }
}

/// `2^k` for an integer-valued `k` in `[-126, 127]`.
#[inline(always)]
fn pow2_f32(k: f32x8) -> f32x8 {
    const BIASED: f32 = 12_582_912.0 + 127.0;
    let bits: i32x8 = bytemuck_cast(k + f32x8::splat(BIASED));
    bytemuck_cast(bits << 23)
}

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
}
