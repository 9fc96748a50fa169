//! Elementwise kernels with transcendental functions, as `#[vectorize]` kernels with scalar
//! parameters broadcast. Lanes use ndkernel's `exp` and `wide`'s `sin`/`cos`, within a few
//! ULP of `core`'s (see `ndkernel::vectorize`), so the naive loops are matched within a
//! tolerance, not bit for bit.

use std::f64::consts::PI;

use ndkernel::alloc;
use ndkernel::ndarray::{Array1, Ix1};
use ndkernel::prelude::*;
use ndkernel_seeds::inputs;

use super::{near, spellings};
use crate::{Bench, Check, flat};

// --- zoo_logistic_f32 -----------------------------------------------------------------------

/// The logistic curve of steepness `k` centred on `x0`.
#[vectorize]
pub fn logistic(x: f32, k: f32, x0: f32) -> f32 {
    1.0 / (1.0 + (-k * (x - x0)).exp())
}

pub fn zoo_logistic_f32(b: &mut Bench, n: usize) -> Check {
    let x = inputs::f64s(n, 30).mapv(|v| (20.0 * v - 10.0) as f32);
    let want: Vec<f32> = x
        .iter()
        .map(|&v| 1.0 / (1.0 + (-1.5 * (v - 0.5)).exp()))
        .collect();
    eprintln!("  logistic::SIMD = {}", logistic::SIMD);
    let mut out = alloc::output(Ix1(n));
    spellings(
        b,
        &x,
        &mut out,
        f32::NAN,
        &|what, got: &Array1<f32>| near(what, &flat(got), &want, 1e-7, 1e-6),
        &[("logistic_into", &|x, o| logistic_into(x, 1.5, 0.5, o))],
        ("logistic (allocates)", &|x| logistic(x, 1.5, 0.5)),
    )
}

// --- zoo_gauss_f64 --------------------------------------------------------------------------

/// A Gaussian bump written as the formula reads, with `powi(2)`.
#[vectorize]
pub fn gauss_powi(x: f64, a: f64, mu: f64, s: f64) -> f64 {
    a * (-(x - mu).powi(2) / (2.0 * s.powi(2))).exp()
}

/// The same bump with the squares as products.
#[vectorize]
pub fn gauss(x: f64, a: f64, mu: f64, s: f64) -> f64 {
    let d = x - mu;
    a * (-(d * d) / (2.0 * s * s)).exp()
}

pub fn zoo_gauss_f64(b: &mut Bench, len: usize) -> Check {
    let (a, mu, s) = (1.3, 0.25, 0.8);
    let x = inputs::f64s(len, 31).mapv(|v| 8.0 * v - 4.0);
    let want: Vec<f64> = x
        .iter()
        .map(|&v| a * (-((v - mu) * (v - mu)) / (2.0 * s * s)).exp())
        .collect();
    eprintln!(
        "  gauss_powi::SIMD = {}, gauss::SIMD = {}",
        gauss_powi::SIMD,
        gauss::SIMD
    );
    let mut out = alloc::output(Ix1(len));
    spellings(
        b,
        &x,
        &mut out,
        f64::NAN,
        &|what, got: &Array1<f64>| near(what, &flat(got), &want, 1e-300, 1e-14),
        &[
            ("(powi) gauss_powi_into", &|x, o| {
                gauss_powi_into(x, a, mu, s, o)
            }),
            ("(x*x) gauss_into", &|x, o| gauss_into(x, a, mu, s, o)),
        ],
        ("(powi) gauss_powi (allocates)", &|x| {
            gauss_powi(x, a, mu, s)
        }),
    )
}

// --- zoo_sincos_f32 -------------------------------------------------------------------------

/// A product of waves, shifted.
#[vectorize]
pub fn sincos(x: f32, y: f32) -> f32 {
    x.sin() * y.cos() + 0.5
}

pub fn zoo_sincos_f32(b: &mut Bench, n: usize) -> Check {
    let angle = |v: f64| (2.0 * PI * v - PI) as f32;
    let x = inputs::f64s(n, 32).mapv(angle);
    let y = inputs::f64s(n, 33).mapv(angle);
    let want: Vec<f32> = x
        .iter()
        .zip(&y)
        .map(|(&u, &v)| u.sin() * v.cos() + 0.5)
        .collect();
    eprintln!("  sincos::SIMD = {}", sincos::SIMD);
    let mut out = alloc::output(Ix1(n));
    spellings(
        b,
        &(x, y),
        &mut out,
        f32::NAN,
        &|what, got: &Array1<f32>| near(what, &flat(got), &want, 1e-6, 0.0),
        &[("sincos_into", &|(x, y), o| sincos_into(x, y, o))],
        ("sincos (allocates)", &|(x, y)| sincos(x, y)),
    )
}
