//! The kernels the tests share.

use ndkernel::prelude::*;

#[vectorize]
pub(crate) fn rel_diff(x: f64, y: f64) -> f64 {
    2.0 * (x - y) / (x + y)
}

/// The same body, split into chunks even on tiny calls: chunk edges land anywhere.
#[vectorize(grain = 1)]
pub(crate) fn rel_diff_fine(x: f64, y: f64) -> f64 {
    2.0 * (x - y) / (x + y)
}

#[vectorize]
pub(crate) fn add_u8(a: u8, b: u8) -> u8 {
    a + b
}

#[vectorize]
pub(crate) fn add_i16(a: i16, b: i16) -> i16 {
    a + b
}

#[vectorize]
pub(crate) fn wrapping_add_i16(a: i16, b: i16) -> i16 {
    a.wrapping_add(b)
}

/// Kernels with `if`: selects on lanes.
pub(crate) mod branchy {
    use ndkernel::prelude::*;

    #[vectorize]
    #[allow(clippy::float_cmp, reason = "exact comparisons are the point")]
    pub fn band(x: f32, lo: f32, hi: f32) -> f32 {
        if x >= lo && x < hi {
            x * 2.0
        } else if x <= lo || x == hi {
            -x
        } else {
            0.5
        }
    }

    #[vectorize]
    pub fn clip<T: PartialOrd + Copy>(x: T, lo: T, hi: T) -> T {
        if x < lo {
            lo
        } else if x > hi {
            hi
        } else {
            x
        }
    }
}
pub(crate) use branchy::{band, band_into, band_scalar, clip, clip_scalar};

#[vectorize]
pub(crate) fn exact_ops(x: f64, y: f64) -> f64 {
    let m = x.abs().max(y).sqrt().min(y.abs());
    m - x.min(y).floor() + f64::max(x.ceil(), y.trunc()) + x.clamp(-5.0, 5.0).copysign(y)
}

#[vectorize]
pub(crate) fn fused(x: f64, y: f64) -> f64 {
    let m = x.abs().max(y.abs());
    m.sqrt().mul_add(x, y)
}

#[vectorize]
pub(crate) fn scale(x: f32, k: i32) -> f32 {
    x * k as f32
}

#[vectorize]
pub(crate) fn is_pos(x: f64) -> bool {
    x > 0.0
}

#[vectorize]
pub(crate) fn divmod(a: i64, b: i64) -> (i64, i64) {
    (a.div_euclid(b), a.rem_euclid(b))
}

#[vectorize]
pub(crate) fn sum_diff(a: f64, b: f64) -> (f64, f64) {
    (a + b, a - b)
}

const HALF: f64 = 0.5;

#[vectorize]
pub(crate) fn horner(x: f64) -> f64 {
    let mut acc = 1.0;
    acc += x * HALF;
    acc *= x;
    acc -= 3.0;
    acc / 2.0
}

/// Where lanes and Rust's scalar semantics part (issue 11): signed zeros and NaNs in
/// `min`/`max`, crossed or NaN bounds in `clamp`, integer overflow in debug builds.
#[vectorize]
pub(crate) fn fmin(x: f64, y: f64) -> f64 {
    x.min(y)
}

#[vectorize]
pub(crate) fn fmax32(x: f32, y: f32) -> f32 {
    x.max(y)
}

#[vectorize]
pub(crate) fn fclamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}

#[vectorize]
pub(crate) fn add_i8(a: i8, b: i8) -> i8 {
    a + b
}

#[vectorize]
pub(crate) fn iclamp(x: i32, lo: i32, hi: i32) -> i32 {
    x.clamp(lo, hi)
}

/// `powi` with literal exponents runs on lanes, multiplying as the scalar `powi` does.
#[vectorize]
pub(crate) fn powers(x: f64) -> f64 {
    x.powi(2) + x.powi(5) - x.powi(-3) * x.powi(0) + x.powi(13)
}

#[vectorize]
pub(crate) fn powers32(x: f32, y: f32) -> f32 {
    x.powi(3) * y.powi(-1) + (x - y).powi(7)
}
