//! SIMD lanes for elementwise kernels: the element types `wide` vectorises, and the row
//! loops that run a kernel body on lanes with a scalar tail.
//!
//! `#[vectorize]` compiles a kernel body twice: once on scalars (the user's function) and,
//! when every operand has one SIMD element type and the body uses only what `wide`
//! provides, once on lanes. The loops here pick per row segment: lanes when every input is
//! a contiguous slice or a broadcast scalar and every output is contiguous, the scalar body
//! on the last `len % LANES` elements and on strided rows.
//!
//! Lane widths are 256 bits (`f64x4`, `f32x8`, `i16x16`, `u8x32`, ...). `wide` chooses at
//! compile time how to run them: one AVX2 instruction with `-C target-cpu=native` on a
//! machine that has it, two SSE2 instructions in a default `x86_64` build.
//!
//! # Examples
//!
//! ```
//! use kernel_runtime::lanes::{Dst, Src, run_lanes};
//! use wide::f64x4;
//!
//! let (x, y) = ([1.0, 2.0, 3.0, 4.0, 5.0], [10.0; 5]);
//! let mut out = [0.0; 5];
//! run_lanes(
//!     (Src::Slice(&x), Src::Slice(&y)),
//!     (Dst::Slice(&mut out),),
//!     5,
//!     |(x, y): (f64x4, f64x4)| (x + y,),
//!     |(x, y): (f64, f64)| (x + y,),
//! );
//! assert_eq!(out, [11.0, 12.0, 13.0, 14.0, 15.0]);
//! ```

mod math;

pub use math::{LaneExp, exp};

use ndarray::{ArrayView1, ArrayViewMut1};

/// An element type with a `wide` lane type of 256 bits.
pub trait SimdElement: Copy + Send + Sync + 'static {
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
}

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

simd_element!(
    f32 => f32x8, f64 => f64x4,
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
    /// Element `i` of every slice.
    fn get_slices(slices: Self::Slices, i: usize) -> Self::Scalars;
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
    /// Writes element `i` of every slice.
    fn set_slices<'s>(slices: &mut Self::Slices<'s>, i: usize, values: Self::Scalars)
    where
        Self: 's;
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
            fn get_slices(slices: Self::Slices, i: usize) -> Self::Scalars {
                ($(slices.$idx[i],)+)
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
            fn set_slices<'s>(slices: &mut Self::Slices<'s>, i: usize, values: Self::Scalars)
            where
                Self: 's,
            {
                $(slices.$idx[i] = values.$idx;)+
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

/// Runs a kernel over one row segment of `len` elements on lanes where it can.
///
/// `lanes` and `scalar` must compute the same function: `lanes` on `T::LANES` elements at
/// once, `scalar` on one. Lanes run from the start of the row while whole vectors fit;
/// the scalar body takes the tail and every row with a strided operand.
#[inline]
pub fn run_lanes<T, I, O>(
    inputs: I,
    mut outputs: O,
    len: usize,
    lanes: impl Fn(I::Lanes) -> O::Lanes,
    scalar: impl Fn(I::Scalars) -> O::Scalars,
) where
    T: SimdElement,
    I: LaneInputs<T>,
    O: LaneOutputs<T>,
{
    if let (Some(ins), Some(mut outs)) = (inputs.slices(len), outputs.slices(len)) {
        let mut i = 0;
        while i + T::LANES <= len {
            O::store_slices(&mut outs, i, lanes(I::load_slices(ins, i)));
            i += T::LANES;
        }
        while i < len {
            O::set_slices(&mut outs, i, scalar(I::get_slices(ins, i)));
            i += 1;
        }
        return;
    }
    let mut i = 0;
    if inputs.lane_friendly() && outputs.lane_friendly() {
        while i + T::LANES <= len {
            outputs.store(i, lanes(inputs.lanes(i)));
            i += T::LANES;
        }
    }
    run_scalar_from(&inputs, &mut outputs, i, len, &scalar);
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
    run_scalar_from(&inputs, &mut outputs, 0, len, &scalar);
}

#[inline(always)]
fn run_scalar_from<I: Inputs, O: Outputs>(
    inputs: &I,
    outputs: &mut O,
    start: usize,
    len: usize,
    scalar: &impl Fn(I::Scalars) -> O::Scalars,
) {
    for i in start..len {
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
