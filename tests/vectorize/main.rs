//! `#[vectorize]` kernels against a naive reference: a plain loop over the output's
//! indices that works out by hand which element of each operand NumPy broadcasting reads.
//!
//! The reference calls each kernel's `_scalar` function, so comparing bits also checks that
//! the SIMD lanes agree with the scalar body wherever the docs promise exactness.
//!
//! One module per topic: broadcasting views of every rank, 0-d operands and the static output
//! rank (`broadcasting`), every length modulo the lane widths, input strides and output
//! layouts (`layouts`), kernel bodies on lanes and on the scalar path (`lanes`), reductions
//! through `identity = ..` (`reductions`), the ULP error of the approximate functions
//! (`approximate`), thread schedules (`threads`), errors (`errors`), random shapes
//! (`random_shapes`), and the generated metadata and const generic kernels (`metadata`). The
//! kernels they share live in `kernels`; the reference, the inputs and the schedules live here.

mod approximate;
mod broadcasting;
mod errors;
mod kernels;
mod lanes;
mod layouts;
mod metadata;
mod random_shapes;
mod reductions;
mod threads;

use std::fmt::Debug;

use ndarray::{Dimension, ShapeBuilder};
use ndkernel::dispatch;
use ndkernel::prelude::*;

// ---------------------------------------------------------------------------------------
// The reference
// ---------------------------------------------------------------------------------------

/// The broadcast shape by NumPy's rules, worked out axis by axis from the right.
fn naive_shape(shapes: &[&[usize]]) -> Option<Vec<usize>> {
    let ndim = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1; ndim];
    for from_right in 1..=ndim {
        for shape in shapes.iter().filter(|s| s.len() >= from_right) {
            let size = shape[shape.len() - from_right];
            let slot = &mut out[ndim - from_right];
            if *slot == 1 {
                *slot = size;
            } else if size != 1 && size != *slot {
                return None;
            }
        }
    }
    Some(out)
}

/// The index into an operand of `shape` that output element `out` reads: leading axes
/// dropped, size-1 axes pinned at 0.
fn source_index(out: &[usize], shape: &[usize]) -> Vec<usize> {
    let offset = out.len() - shape.len();
    (0..shape.len())
        .map(|axis| {
            if shape[axis] == 1 {
                0
            } else {
                out[offset + axis]
            }
        })
        .collect()
}

/// The naive kernel: `f` gets, for each output element, each operand's index.
fn naive<R: Clone + Default>(
    shapes: &[&[usize]],
    f: impl Fn(&[Vec<usize>]) -> R,
) -> Option<ArrayD<R>> {
    let mut out = ArrayD::from_elem(naive_shape(shapes)?, R::default());
    for (index, o) in out.indexed_iter_mut() {
        let sources: Vec<_> = shapes
            .iter()
            .map(|s| source_index(index.slice(), s))
            .collect();
        *o = f(&sources);
    }
    Some(out)
}

/// Values compared bit for bit: NaNs with the same payload are equal, `0.0` and `-0.0`
/// are not.
trait Bits: Copy + Debug {
    fn bits(self) -> u64;
}

macro_rules! bits {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl Bits for $t {
            fn bits(self) -> u64 {
                let $v = self;
                $e
            }
        }
    )*};
}

bits!(
    f64 => |v| v.to_bits(), f32 => |v| u64::from(v.to_bits()), u8 => |v| u64::from(v),
    i16 => |v| v as u64, i32 => |v| v as u64, i64 => |v| v as u64, bool => |v| u64::from(v),
);

#[track_caller]
fn assert_same<T: Bits, D: Dimension>(got: &Array<T, D>, want: &ArrayD<T>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for ((index, &g), &w) in got.view().into_dyn().indexed_iter().zip(want) {
        assert!(
            g.bits() == w.bits(),
            "{what}: at {:?} got {g:?}, want {w:?}",
            index.slice()
        );
    }
}

/// Checks `$kernel(&x, &y)` against the naive reference over `$scalar`, bit for bit.
macro_rules! check2 {
    ($kernel:ident, $scalar:ident, $x:expr, $y:expr) => {
        // A `match` keeps temporaries such as `b.t()` alive for the whole check.
        match (&$x, &$y) {
            (x, y) => {
                let what = format!(
                    "{}: x {:?} {:?}, y {:?} {:?}",
                    stringify!($kernel),
                    x.shape(),
                    x.strides(),
                    y.shape(),
                    y.strides()
                );
                let got = $kernel(x, y).unwrap_or_else(|e| panic!("{what}: {e}"));
                let (xv, yv) = (x.view().into_dyn(), y.view().into_dyn());
                let want = naive(&[xv.shape(), yv.shape()], |ix| {
                    $scalar(xv[&*ix[0]], yv[&*ix[1]])
                })
                .expect("the reference broadcasts");
                assert_same(&got, &want, &what);
            }
        }
    };
}
pub(crate) use check2;

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// `SplitMix64`: a fixed sequence, so every failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
}

const SPECIALS: [f64; 10] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    f64::MIN_POSITIVE,
    -1e-310,
    1e300,
];

/// Mostly uniform in [-10, 10), one in eight a special value (zeros, infinities, NaN,
/// subnormal, huge).
fn floats(n: usize, seed: u64) -> Array1<f64> {
    let mut rng = Rng(seed);
    Array1::from_shape_fn(n, |_| {
        if rng.next().is_multiple_of(8) {
            SPECIALS[(rng.next() % 10) as usize]
        } else {
            rng.uniform(-10.0, 10.0)
        }
    })
}

fn grid<Sh: ShapeBuilder<Dim = D>, D: Dimension>(shape: Sh, seed: u64) -> Array<f64, D> {
    let mut rng = Rng(seed);
    Array::from_shape_simple_fn(shape, || rng.uniform(-10.0, 10.0))
}

/// Lengths 0 to 40, and 1000 to 1008: every remainder modulo the lane widths 4 to 32.
fn lengths() -> impl Iterator<Item = usize> {
    (0..=40).chain(1000..1009)
}

/// Views of length `n` of `base` (length `2n + 1`): contiguous, every other element,
/// reversed, and an offset slice.
fn views_of(base: &Array1<f64>, n: usize) -> [ArrayView1<'_, f64>; 4] {
    [
        base.slice(s![..n]),
        base.slice(s![..2 * n;2]),
        base.slice(s![..n;-1]),
        base.slice(s![n + 1..]),
    ]
}

// ---------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------

/// Runs `f` normally, serially, and in pools of 1 and 3 threads.
fn every_schedule<R>(f: impl Fn() -> R + Send + Sync) -> [R; 4]
where
    R: Send,
{
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
