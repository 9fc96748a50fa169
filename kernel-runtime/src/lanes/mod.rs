//! SIMD lanes for elementwise kernels: the element types `wide` vectorises, and the row
//! loops that run a kernel body on lanes, tails and strided rows included.
//!
//! `#[vectorize]` compiles a kernel body twice: once on scalars (the user's function) and,
//! when every operand has one SIMD element type and the body uses only what `wide`
//! provides, once on lanes. When it has lanes, every element of every row is computed on
//! them ([`run_lanes`]): whole vectors from contiguous rows and broadcast scalars, and the
//! last `len % LANES` elements and strided rows gathered into a vector, so that an element's
//! value never depends on its position. Kernels without lanes run [`run_scalar`].
//!
//! Lane widths are 256 bits (`f64x4`, `f32x8`, `i16x16`, `u8x32`, ...), and 512 bits for
//! floats (`f64x8`, `f32x16`) where AVX-512 is enabled. `wide` chooses at compile time how
//! to run them: one AVX2 or AVX-512 instruction with `-C target-cpu=native` on a machine
//! that has it, two SSE2 instructions in a default `x86_64` build. Lane operations are
//! lane-wise, so the width changes the speed, never a value.
//!
//! # Examples
//!
//! ```
//! use kernel_runtime::lanes::{Dst, SimdElement, Src, run_lanes};
//!
//! type F64s = <f64 as SimdElement>::Lanes; // `wide::f64x4`, or `f64x8` with AVX-512
//!
//! let (x, y) = ([1.0, 2.0, 3.0, 4.0, 5.0], [10.0; 5]);
//! let mut out = [0.0; 5];
//! run_lanes(
//!     (Src::Slice(&x), Src::Slice(&y)),
//!     (Dst::Slice(&mut out),),
//!     5,
//!     |(x, y): (F64s, F64s)| (x + y,),
//! );
//! assert_eq!(out, [11.0, 12.0, 13.0, 14.0, 15.0]);
//! ```

mod math;
mod sort;
mod unroll;
mod vector;

pub use math::{LaneExp, exp};
pub use sort::MAX_NETWORK;
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
pub(crate) use unroll::unrolled;
pub use unroll::{MAX_UNROLLED, Unroll};
pub use vector::{
    AsPrimitive, Blend, Float, FloatBinary, FloatUnary, Integer, Lanes, Ordered, Signed,
    Speculative, SplatInto,
};

use ndarray::{ArrayView1, ArrayViewMut1};

/// An element type with a `wide` lane type of 256 bits (512 for floats where AVX-512 is
/// enabled).
pub trait SimdElement: Copy + Default + Send + Sync + 'static {
    /// The lane type, such as `f64x4`.
    type Lanes: Copy;
    /// Elements per lane vector.
    const LANES: usize;
    /// Loads `LANES` elements from the start of `slice`.
    ///
    /// # Panics
    ///
    /// If `slice` is shorter than `LANES`.
    fn load(slice: &[Self]) -> Self::Lanes;
    /// Every lane set to `value`.
    fn splat(value: Self) -> Self::Lanes;
    /// Stores `lanes` to the start of `slice`.
    ///
    /// # Panics
    ///
    /// If `slice` is shorter than `LANES`.
    fn store(lanes: Self::Lanes, slice: &mut [Self]);

    /// A lane vector of elements `get(0), …, get(n - 1)`, `n <= LANES`, and copies of
    /// `get(0)` in the lanes beyond: how a row's tail and strided rows go on lanes. The
    /// filler lanes are computed and dropped; as copies of a real element they raise no
    /// floating-point flag the real ones do not (NumPy reads the flags after a ufunc loop
    /// and warns, so `0/0` in a filler lane would warn about a value nobody asked for).
    #[inline(always)]
    fn gather(n: usize, get: impl Fn(usize) -> Self) -> Self::Lanes {
        let mut buffer = [if n > 0 { get(0) } else { Self::default() }; MAX_LANES];
        for (k, slot) in buffer[..n].iter_mut().enumerate().skip(1) {
            *slot = get(k);
        }
        Self::load(&buffer)
    }

    /// Hands the first `n` lanes of `lanes` to `set`, `n <= LANES`.
    #[inline(always)]
    fn scatter(lanes: Self::Lanes, n: usize, mut set: impl FnMut(usize, Self)) {
        let mut buffer = [Self::default(); MAX_LANES];
        Self::store(lanes, &mut buffer);
        for (k, &value) in buffer[..n].iter().enumerate() {
            set(k, value);
        }
    }
}

/// The most lanes of any [`SimdElement`]: 32 bytes of `u8`, or 16 `f32` of 64 bytes.
const MAX_LANES: usize = 32;

macro_rules! simd_element {
    ($($t:ty => $w:ident),* $(,)?) => {$(
        impl SimdElement for $t {
            type Lanes = wide::$w;
            const LANES: usize = size_of::<wide::$w>() / size_of::<$t>();

            #[inline(always)]
            fn load(slice: &[Self]) -> Self::Lanes {
                let array: [$t; Self::LANES] =
                    slice[..Self::LANES].try_into().expect("slice has LANES elements");
                wide::$w::new(array)
            }

            #[inline(always)]
            fn splat(value: Self) -> Self::Lanes {
                wide::$w::splat(value)
            }

            #[inline(always)]
            fn store(lanes: Self::Lanes, slice: &mut [Self]) {
                slice[..Self::LANES].copy_from_slice(&lanes.to_array());
            }
        }
    )*};
}

// Floats take 512-bit lanes where AVX-512 is enabled at compile time (Halide's `vectorize(x,
// 16)` on such machines): a body of float arithmetic is bound by how many instructions it
// issues, and each then does twice the work. Every lane operation is lane-wise, so the
// values are the same at either width.
#[cfg(not(target_feature = "avx512f"))]
simd_element!(f32 => f32x8, f64 => f64x4);
#[cfg(target_feature = "avx512f")]
simd_element!(f32 => f32x16, f64 => f64x8);
simd_element!(
    i8 => i8x32, u8 => u8x32, i16 => i16x16, u16 => u16x16,
    i32 => i32x8, u32 => u32x8, i64 => i64x4, u64 => u64x4,
);

/// One input's share of a row segment.
#[derive(Clone, Debug)]
pub enum Src<'a, T> {
    /// Consecutive elements.
    Slice(&'a [T]),
    /// One value repeated along the row: a broadcast input.
    Splat(T),
    /// Elements a fixed, non-unit step apart.
    Strided(ArrayView1<'a, T>),
}

impl<'a, T: Copy> Src<'a, T> {
    /// Classifies a row view: contiguous, broadcast (stride 0) or strided.
    #[inline]
    pub fn new(row: ArrayView1<'a, T>) -> Self {
        if row.strides()[0] == 0 && !row.is_empty() {
            return Src::Splat(row[0]);
        }
        match row.to_slice() {
            Some(slice) => Src::Slice(slice),
            None => Src::Strided(row),
        }
    }

    /// Element `i` of the row.
    #[inline(always)]
    pub fn get(&self, i: usize) -> T {
        match self {
            Src::Slice(s) => s[i],
            Src::Splat(v) => *v,
            Src::Strided(v) => v[i],
        }
    }

    fn is_lane_friendly(&self) -> bool {
        !matches!(self, Src::Strided(_))
    }

    /// Elements `i .. i + n` of the row as [`Lanes`], `0 < n <= L`; the lanes beyond `n`
    /// repeat element `i + n - 1`, so that a body evaluated on them computes what it
    /// computes on a real element (no panic a real element would not cause).
    ///
    /// # Panics
    ///
    /// If `n` is 0 or `i + n` exceeds the row.
    #[inline(always)]
    pub fn lanes_at<const L: usize>(&self, i: usize, n: usize) -> Lanes<T, L> {
        match self {
            Src::Slice(s) if n == L => {
                Lanes(s[i..i + L].try_into().expect("a slice of L elements"))
            }
            Src::Splat(v) => Lanes::splat(*v),
            _ => {
                let last = self.get(i + n - 1);
                Lanes::from_fn(|k| if k < n { self.get(i + k) } else { last })
            }
        }
    }
}

impl<T: SimdElement> Src<'_, T> {
    /// Lanes `i .. i + LANES` of the row; only for slices and splats.
    #[inline(always)]
    fn lanes(&self, i: usize) -> T::Lanes {
        match self {
            Src::Slice(s) => T::load(&s[i..]),
            Src::Splat(v) => T::splat(*v),
            Src::Strided(_) => unreachable!("strided rows take the scalar loop"),
        }
    }
}

/// One output's share of a row segment.
#[derive(Debug)]
pub enum Dst<'a, T> {
    /// Consecutive elements.
    Slice(&'a mut [T]),
    /// Elements a fixed, non-unit step apart.
    Strided(ArrayViewMut1<'a, T>),
}

impl<'a, T> Dst<'a, T> {
    /// Classifies a row view: contiguous or strided.
    ///
    /// # Panics
    ///
    /// Never: a standard-layout row is always a slice.
    #[inline]
    pub fn new(row: ArrayViewMut1<'a, T>) -> Self {
        if row.is_standard_layout() {
            Dst::Slice(row.into_slice().expect("standard layout is contiguous"))
        } else {
            Dst::Strided(row)
        }
    }

    /// Writes element `i` of the row.
    #[inline(always)]
    pub fn set(&mut self, i: usize, value: T) {
        match self {
            Dst::Slice(s) => s[i] = value,
            Dst::Strided(v) => v[i] = value,
        }
    }

    /// Writes the first `n` lanes of `lanes` to elements `i .. i + n` of the row.
    #[inline(always)]
    pub fn store_lanes<const L: usize>(&mut self, i: usize, n: usize, lanes: Lanes<T, L>)
    where
        T: Copy,
    {
        match self {
            Dst::Slice(s) if n == L => s[i..i + L].copy_from_slice(&lanes.0),
            _ => {
                for k in 0..n {
                    self.set(i + k, lanes.0[k]);
                }
            }
        }
    }
}

impl<T: SimdElement> Dst<'_, T> {
    #[inline(always)]
    fn store(&mut self, i: usize, lanes: T::Lanes) {
        match self {
            Dst::Slice(s) => T::store(lanes, &mut s[i..]),
            Dst::Strided(_) => unreachable!("strided rows take the scalar loop"),
        }
    }
}

/// A tuple of [`Src`]s: the inputs of one row segment.
pub trait Inputs {
    /// The tuple of one element from each input.
    type Scalars;
    /// Element `i` of every input.
    fn get(&self, i: usize) -> Self::Scalars;
    /// Whether every input can be read as lanes.
    fn lane_friendly(&self) -> bool;
}

/// A tuple of [`Src`]s of one SIMD element type `T`.
pub trait LaneInputs<T: SimdElement>: Inputs {
    /// The tuple of one lane vector from each input.
    type Lanes;
    /// The tuple of every input as a slice.
    type Slices: Copy;
    /// Lanes `i .. i + T::LANES` of every input.
    fn lanes(&self, i: usize) -> Self::Lanes;
    /// Every input's first `len` elements, if every input is a slice: the fast path, with
    /// no per-element dispatch on the kind of row.
    fn slices(&self, len: usize) -> Option<Self::Slices>;
    /// Lanes `i .. i + T::LANES` of every slice.
    fn load_slices(slices: Self::Slices, i: usize) -> Self::Lanes;
    /// Elements `i .. i + n` of every input as lanes, `n <= T::LANES`, whatever the kind of
    /// row (see [`SimdElement::gather`]).
    fn gather(&self, i: usize, n: usize) -> Self::Lanes;
}

/// A tuple of [`Dst`]s: the outputs of one row segment.
pub trait Outputs {
    /// The tuple of one element for each output.
    type Scalars;
    /// Writes element `i` of every output.
    fn set(&mut self, i: usize, values: Self::Scalars);
    /// Whether every output can be written as lanes.
    fn lane_friendly(&self) -> bool;
}

/// A tuple of [`Dst`]s of one SIMD element type `T`.
pub trait LaneOutputs<T: SimdElement>: Outputs {
    /// The tuple of one lane vector for each output.
    type Lanes;
    /// The tuple of every output as a mutable slice.
    type Slices<'s>
    where
        Self: 's;
    /// Writes lanes `i .. i + T::LANES` of every output.
    fn store(&mut self, i: usize, lanes: Self::Lanes);
    /// Every output's first `len` elements, if every output is a slice.
    fn slices(&mut self, len: usize) -> Option<Self::Slices<'_>>;
    /// Writes lanes `i .. i + T::LANES` of every slice.
    fn store_slices<'s>(slices: &mut Self::Slices<'s>, i: usize, lanes: Self::Lanes)
    where
        Self: 's;
    /// Writes the first `n` lanes of `lanes` to elements `i .. i + n` of every output,
    /// whatever the kind of row.
    fn scatter(&mut self, i: usize, n: usize, lanes: Self::Lanes);
}

macro_rules! tuples {
    ($($name:ident $elem:ident $idx:tt),+) => {
        impl<'a, $($elem: Copy),+> Inputs for ($(Src<'a, $elem>,)+) {
            type Scalars = ($($elem,)+);
            #[inline(always)]
            fn get(&self, i: usize) -> Self::Scalars {
                ($(self.$idx.get(i),)+)
            }
            #[inline]
            fn lane_friendly(&self) -> bool {
                true $(&& self.$idx.is_lane_friendly())+
            }
        }

        impl<'a, T: SimdElement> LaneInputs<T> for ($(Src<'a, tuples!(@same T; $elem)>,)+) {
            type Lanes = ($(tuples!(@same T::Lanes; $elem),)+);
            type Slices = ($(tuples!(@same &'a [T]; $elem),)+);
            #[inline(always)]
            fn lanes(&self, i: usize) -> Self::Lanes {
                ($(self.$idx.lanes(i),)+)
            }
            #[inline(always)]
            fn slices(&self, len: usize) -> Option<Self::Slices> {
                Some(($(match self.$idx {
                    Src::Slice(s) => &s[..len],
                    _ => return None,
                },)+))
            }
            #[inline(always)]
            fn load_slices(slices: Self::Slices, i: usize) -> Self::Lanes {
                ($(T::load(&slices.$idx[i..]),)+)
            }
            #[inline(always)]
            fn gather(&self, i: usize, n: usize) -> Self::Lanes {
                ($(T::gather(n, |k| self.$idx.get(i + k)),)+)
            }
        }

        impl<'a, $($elem),+> Outputs for ($(Dst<'a, $elem>,)+) {
            type Scalars = ($($elem,)+);
            #[inline(always)]
            fn set(&mut self, i: usize, values: Self::Scalars) {
                $(self.$idx.set(i, values.$idx);)+
            }
            #[inline]
            fn lane_friendly(&self) -> bool {
                true $(&& matches!(self.$idx, Dst::Slice(_)))+
            }
        }

        impl<'a, T: SimdElement> LaneOutputs<T> for ($(Dst<'a, tuples!(@same T; $elem)>,)+) {
            type Lanes = ($(tuples!(@same T::Lanes; $elem),)+);
            type Slices<'s> = ($(tuples!(@same &'s mut [T]; $elem),)+) where Self: 's;
            #[inline(always)]
            fn store(&mut self, i: usize, lanes: Self::Lanes) {
                $(self.$idx.store(i, lanes.$idx);)+
            }
            #[inline(always)]
            fn slices(&mut self, len: usize) -> Option<Self::Slices<'_>> {
                Some(($(match &mut self.$idx {
                    Dst::Slice(s) => &mut s[..len],
                    Dst::Strided(_) => return None,
                },)+))
            }
            #[inline(always)]
            fn store_slices<'s>(slices: &mut Self::Slices<'s>, i: usize, lanes: Self::Lanes)
            where
                Self: 's,
            {
                $(T::store(lanes.$idx, &mut slices.$idx[i..]);)+
            }
            #[inline(always)]
            fn scatter(&mut self, i: usize, n: usize, lanes: Self::Lanes) {
                $(T::scatter(lanes.$idx, n, |k, value| self.$idx.set(i + k, value));)+
            }
        }
    };
    (@same $t:ty; $ignored:ident) => { $t };
}

tuples!(S0 E0 0);
tuples!(S0 E0 0, S1 E1 1);
tuples!(S0 E0 0, S1 E1 1, S2 E2 2);
tuples!(S0 E0 0, S1 E1 1, S2 E2 2, S3 E3 3);
tuples!(S0 E0 0, S1 E1 1, S2 E2 2, S3 E3 3, S4 E4 4);
tuples!(S0 E0 0, S1 E1 1, S2 E2 2, S3 E3 3, S4 E4 4, S5 E5 5);
tuples!(S0 E0 0, S1 E1 1, S2 E2 2, S3 E3 3, S4 E4 4, S5 E5 5, S6 E6 6);
tuples!(S0 E0 0, S1 E1 1, S2 E2 2, S3 E3 3, S4 E4 4, S5 E5 5, S6 E6 6, S7 E7 7);

/// Runs a kernel over one row segment of `len` elements on lanes.
///
/// Every element is computed by `lanes`, whatever its position: whole vectors are loaded
/// from contiguous rows while they fit, and the row's tail and strided rows are gathered
/// into a vector and scattered back. So an element's value never depends on where it sits
/// in the row, even where a lane operation and the scalar function disagree (signed zeros
/// in `min`, `clamp` with crossed bounds, integer overflow in debug builds).
#[inline]
pub fn run_lanes<T, I, O>(
    inputs: I,
    mut outputs: O,
    len: usize,
    lanes: impl Fn(I::Lanes) -> O::Lanes,
) where
    T: SimdElement,
    I: LaneInputs<T>,
    O: LaneOutputs<T>,
{
    let mut i = 0;
    if let (Some(ins), Some(mut outs)) = (inputs.slices(len), outputs.slices(len)) {
        while i + T::LANES <= len {
            O::store_slices(&mut outs, i, lanes(I::load_slices(ins, i)));
            i += T::LANES;
        }
    } else if inputs.lane_friendly() && outputs.lane_friendly() {
        while i + T::LANES <= len {
            outputs.store(i, lanes(inputs.lanes(i)));
            i += T::LANES;
        }
    }
    while i < len {
        let n = T::LANES.min(len - i);
        outputs.scatter(i, n, lanes(inputs.gather(i, n)));
        i += n;
    }
}

/// Runs a kernel over one row segment of `len` elements, one element at a time.
///
/// For kernels that cannot run on lanes: the loop is simple enough for the compiler to
/// autovectorise when the body allows it.
#[inline]
pub fn run_scalar<I: Inputs, O: Outputs>(
    inputs: I,
    mut outputs: O,
    len: usize,
    scalar: impl Fn(I::Scalars) -> O::Scalars,
) {
    for i in 0..len {
        outputs.set(i, scalar(inputs.get(i)));
    }
}

/// A lane vector with every lane set to `value`: how lane bodies see literals and
/// constants.
#[inline(always)]
pub fn splat<T: SimdElement>(value: T) -> T::Lanes {
    T::splat(value)
}

/// Lane-wise `if mask { if_true } else { if_false }`: how lane bodies see `if`/`else`.
#[inline(always)]
pub fn select<W: wide::Select<W>>(mask: W, if_true: W, if_false: W) -> W {
    mask.select(if_true, if_false)
}

/// Keeps LLVM's loop vectoriser off the loop it is called in.
///
/// In a loop of lane evaluations: each evaluation is already
/// vector code once its lanes are packed (SLP), but the loop vectoriser runs first and
/// would vectorise the loop again across evaluations, treating each lane array as an
/// interleaved group and packing it with shuffles (a 5-point `f64` stencil: 5.8 ms with
/// them, against 4.9 ms for the scalar body's own loop). An empty `asm!` is opaque to
/// it, and costs no instruction. In a loop of strided copies (staging gufunc cores): the
/// vectoriser would turn it into gathers and scatters, slower than plain moves.
#[inline(always)]
pub(crate) fn no_loop_vectorization() {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    // SAFETY: an empty template: no instruction, no memory, stack or flags touched.
    unsafe {
        std::arch::asm!("", options(nomem, nostack, preserves_flags));
    }
}
