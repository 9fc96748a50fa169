//! [`Lanes`]: the value of a kernel body at `L` consecutive positions, which is how
//! `#[stencil]` evaluates a body on SIMD lanes.
//!
//! The macro rewrites the body so that every value that depends on the position (a read
//! `x[[di, dj]]`, and everything computed from one) is a `Lanes<T, L>`, and every value that
//! does not (parameters, constants, loop counters, offsets) stays a scalar:
//!
//! ```text
//! let s = x[[0, -1]] as i16 + x[[0, 1]] as i16;      let s = x.lanes::<L>([0, -1]).cast::<i16>()
//! if s > 0 { s / 2 } else { 0 }                               + x.lanes::<L>([0, 1]).cast::<i16>();
//!                                                     s.gt(splat(0)).select(s / splat(2), splat(0))
//! ```
//!
//! Each operation applies the scalar operation to every lane, in a loop of constant trip
//! count that the compiler turns into vector instructions. So a lane is bit for bit what
//! the scalar body computes at its position, with the same operations in the same order:
//! no reassociation, no contraction into FMA, and the same overflow behaviour (a debug
//! build panics where the scalar body would). A select evaluates both sides; since bodies
//! have no side effects, the side not taken only costs time (a division by zero in it is
//! `inf`/NaN for floats and a panic for integers, as the scalar body would give if it took
//! that side).

#![allow(
    clippy::needless_range_loop,
    reason = "index loops over `0..L` are what the compiler vectorises most reliably"
)]
#![allow(
    clippy::return_self_not_must_use,
    reason = "the element traits mirror the primitives' methods, as `core` declares them"
)]

use std::ops::{
    Add, AddAssign, BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, BitXorAssign, Div, DivAssign,
    Index, IndexMut, Mul, MulAssign, Neg, Not, Rem, RemAssign, Shl, ShlAssign, Shr, ShrAssign, Sub,
    SubAssign,
};

/// The value of a kernel body at `L` consecutive positions along a row.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(transparent)]
#[must_use]
pub struct Lanes<T, const L: usize>(pub [T; L]);

impl<T: Copy, const L: usize> Lanes<T, L> {
    /// Every lane `value`: how a scalar meets a lane value.
    #[inline(always)]
    pub fn splat(value: T) -> Self {
        Lanes([value; L])
    }

    /// `f` applied to every lane.
    #[inline(always)]
    pub fn map(self, f: impl Fn(T) -> T) -> Self {
        // Plain loops over a copy, not `array::from_fn`, whose drop guard keeps LLVM from
        // vectorising arrays of 16 or more lanes.
        let mut out = self.0;
        for (o, &a) in out.iter_mut().zip(&self.0) {
            *o = f(a);
        }
        Lanes(out)
    }

    /// `f` applied to every pair of lanes.
    #[inline(always)]
    pub fn zip(self, other: Self, f: impl Fn(T, T) -> T) -> Self {
        let mut out = self.0;
        for k in 0..L {
            out[k] = f(self.0[k], other.0[k]);
        }
        Lanes(out)
    }

    /// `f` applied to every pair of lanes, giving a mask.
    #[inline(always)]
    fn test(self, other: Self, f: impl Fn(T, T) -> bool) -> Lanes<bool, L> {
        let mut out = [false; L];
        for k in 0..L {
            out[k] = f(self.0[k], other.0[k]);
        }
        Lanes(out)
    }

    /// Lanes `0..L` from `get(0)`, `get(1)`, …
    #[inline(always)]
    pub fn from_fn(get: impl FnMut(usize) -> T) -> Self {
        Lanes(std::array::from_fn(get))
    }

    /// Stores the lanes into the first `L` elements of `out`.
    ///
    /// # Panics
    ///
    /// If `out` is shorter than `L`.
    #[inline(always)]
    pub fn store(self, out: &mut [T]) {
        out[..L].copy_from_slice(&self.0);
    }

    /// Lane-wise `as` conversion, as `x as U` in the scalar body.
    #[inline(always)]
    pub fn cast<U: Copy + Default>(self) -> Lanes<U, L>
    where
        T: AsPrimitive<U>,
    {
        let mut out = [U::default(); L];
        for k in 0..L {
            out[k] = self.0[k].as_();
        }
        Lanes(out)
    }

    /// Lane-wise `self < other`.
    #[inline(always)]
    pub fn lt(self, other: Self) -> Lanes<bool, L>
    where
        T: PartialOrd,
    {
        self.test(other, |a, b| a < b)
    }

    /// Lane-wise `self <= other`.
    #[inline(always)]
    pub fn le(self, other: Self) -> Lanes<bool, L>
    where
        T: PartialOrd,
    {
        self.test(other, |a, b| a <= b)
    }

    /// Lane-wise `self > other`.
    #[inline(always)]
    pub fn gt(self, other: Self) -> Lanes<bool, L>
    where
        T: PartialOrd,
    {
        self.test(other, |a, b| a > b)
    }

    /// Lane-wise `self >= other`.
    #[inline(always)]
    pub fn ge(self, other: Self) -> Lanes<bool, L>
    where
        T: PartialOrd,
    {
        self.test(other, |a, b| a >= b)
    }

    /// Lane-wise `self == other`.
    #[inline(always)]
    pub fn eq(self, other: Self) -> Lanes<bool, L>
    where
        T: PartialEq,
    {
        self.test(other, |a, b| a == b)
    }

    /// Lane-wise `self != other`.
    #[inline(always)]
    pub fn ne(self, other: Self) -> Lanes<bool, L>
    where
        T: PartialEq,
    {
        self.test(other, |a, b| a != b)
    }
}

impl<const L: usize> Lanes<bool, L> {
    /// Lane-wise `if self { if_true } else { if_false }`; both sides are already computed.
    #[inline(always)]
    pub fn select<T: Copy>(self, if_true: Lanes<T, L>, if_false: Lanes<T, L>) -> Lanes<T, L> {
        let mut out = if_false.0;
        for k in 0..L {
            if self.0[k] {
                out[k] = if_true.0[k];
            }
        }
        Lanes(out)
    }

    /// Whether any lane is set: a loop or branch the body takes at some position.
    #[inline(always)]
    pub fn any(self) -> bool {
        self.0.iter().any(|&b| b)
    }
}

impl<T, const L: usize> Index<usize> for Lanes<T, L> {
    type Output = T;

    #[inline(always)]
    fn index(&self, lane: usize) -> &T {
        &self.0[lane]
    }
}

impl<T, const L: usize> IndexMut<usize> for Lanes<T, L> {
    #[inline(always)]
    fn index_mut(&mut self, lane: usize) -> &mut T {
        &mut self.0[lane]
    }
}

/// A uniform value of any shape as lanes: a number becomes a [`Lanes`] of it, an array or a
/// tuple of numbers one of `Lanes`. How a `const` table or tuple meets position-dependent
/// values in a body on lanes.
pub trait SplatInto<const L: usize> {
    /// The lane form of `Self`.
    type Lanes;
    /// `self` in every lane.
    fn splat(self) -> Self::Lanes;
}

macro_rules! splat_into {
    ($($t:ty),*) => {$(
        impl<const L: usize> SplatInto<L> for $t {
            type Lanes = Lanes<$t, L>;
            #[inline(always)]
            fn splat(self) -> Lanes<$t, L> {
                Lanes::splat(self)
            }
        }
    )*};
}

splat_into!(
    i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, bool
);

impl<T: SplatInto<L> + Copy, const L: usize> SplatInto<L> for &T {
    type Lanes = T::Lanes;
    #[inline(always)]
    fn splat(self) -> T::Lanes {
        (*self).splat()
    }
}

impl<T: SplatInto<L>, const N: usize, const L: usize> SplatInto<L> for [T; N] {
    type Lanes = [T::Lanes; N];
    #[inline(always)]
    fn splat(self) -> Self::Lanes {
        self.map(SplatInto::splat)
    }
}

macro_rules! splat_tuple {
    ($($T:ident $i:tt),*) => {
        impl<$($T: SplatInto<L>,)* const L: usize> SplatInto<L> for ($($T,)*) {
            type Lanes = ($($T::Lanes,)*);
            #[inline(always)]
            fn splat(self) -> Self::Lanes {
                ($(self.$i.splat(),)*)
            }
        }
    };
}

splat_tuple!(A 0, B 1);
splat_tuple!(A 0, B 1, C 2);
splat_tuple!(A 0, B 1, C 2, D 3);

/// `if mask { a } else { b }` lane by lane for a [`Lanes`] or a tuple or array of them:
/// how an `if` or an assignment under a position-dependent condition blends values of
/// any shape.
pub trait Blend<const L: usize>: Sized {
    /// `if_true` where `mask` is set, `if_false` elsewhere.
    fn blend(mask: Lanes<bool, L>, if_true: Self, if_false: Self) -> Self;
}

impl<T: Copy, const L: usize> Blend<L> for Lanes<T, L> {
    #[inline(always)]
    fn blend(mask: Lanes<bool, L>, if_true: Self, if_false: Self) -> Self {
        mask.select(if_true, if_false)
    }
}

/// Nothing to blend: what both branches give when each ends in a statement that returns
/// `()` (`if c { v.sort() } else { w.sort() }`).
impl<const L: usize> Blend<L> for () {
    #[inline(always)]
    fn blend(_: Lanes<bool, L>, (): Self, (): Self) -> Self {}
}

impl<B: Blend<L>, const N: usize, const L: usize> Blend<L> for [B; N] {
    #[inline(always)]
    fn blend(mask: Lanes<bool, L>, if_true: Self, if_false: Self) -> Self {
        let mut if_false = if_false.into_iter();
        if_true.map(|t| B::blend(mask, t, if_false.next().expect("arrays of one length")))
    }
}

macro_rules! blend_tuple {
    ($($T:ident $i:tt),*) => {
        impl<$($T: Blend<L>,)* const L: usize> Blend<L> for ($($T,)*) {
            #[inline(always)]
            fn blend(mask: Lanes<bool, L>, if_true: Self, if_false: Self) -> Self {
                ($($T::blend(mask, if_true.$i, if_false.$i),)*)
            }
        }
    };
}

blend_tuple!(A 0, B 1);
blend_tuple!(A 0, B 1, C 2);
blend_tuple!(A 0, B 1, C 2, D 3);

/// Arithmetic evaluated in lanes a position-dependent condition may exclude: integers wrap
/// there (a debug build would otherwise panic on an overflow the scalar body never
/// computes), floats are unchanged.
pub trait Speculative: Copy {
    /// `self + other`, wrapping for integers.
    fn add_s(self, other: Self) -> Self;
    /// `self - other`, wrapping for integers.
    fn sub_s(self, other: Self) -> Self;
    /// `self * other`, wrapping for integers.
    fn mul_s(self, other: Self) -> Self;
    /// `-self`, wrapping for integers.
    fn neg_s(self) -> Self;
}

macro_rules! speculative_int {
    ($($t:ty),*) => {$(
        impl Speculative for $t {
            #[inline(always)]
            fn add_s(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            #[inline(always)]
            fn sub_s(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            #[inline(always)]
            fn mul_s(self, other: Self) -> Self {
                self.wrapping_mul(other)
            }
            #[inline(always)]
            fn neg_s(self) -> Self {
                self.wrapping_neg()
            }
        }
    )*};
}

speculative_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! speculative_float {
    ($($t:ty),*) => {$(
        impl Speculative for $t {
            #[inline(always)]
            fn add_s(self, other: Self) -> Self {
                self + other
            }
            #[inline(always)]
            fn sub_s(self, other: Self) -> Self {
                self - other
            }
            #[inline(always)]
            fn mul_s(self, other: Self) -> Self {
                self * other
            }
            #[inline(always)]
            fn neg_s(self) -> Self {
                -self
            }
        }
    )*};
}

speculative_float!(f32, f64);

impl<T: Speculative, const L: usize> Lanes<T, L> {
    /// `self + other` under a position-dependent condition ([`Speculative`]).
    #[inline(always)]
    pub fn add_s(self, other: Self) -> Self {
        self.zip(other, Speculative::add_s)
    }

    /// `self - other` under a position-dependent condition.
    #[inline(always)]
    pub fn sub_s(self, other: Self) -> Self {
        self.zip(other, Speculative::sub_s)
    }

    /// `self * other` under a position-dependent condition.
    #[inline(always)]
    pub fn mul_s(self, other: Self) -> Self {
        self.zip(other, Speculative::mul_s)
    }

    /// `-self` under a position-dependent condition.
    #[inline(always)]
    pub fn neg_s(self) -> Self {
        self.map(Speculative::neg_s)
    }
}

/// `x as U` for primitive `x`: what [`Lanes::cast`] applies to each lane.
pub trait AsPrimitive<U>: Copy {
    /// `self as U`.
    fn as_(self) -> U;
}

macro_rules! as_primitive {
    ($($from:ty),*; $to:tt) => {$(
        impl AsPrimitive<$to> for $from {
            #[inline(always)]
            fn as_(self) -> $to {
                self as $to
            }
        }
    )*};
    (@all $($to:tt),*) => {$(
        as_primitive!(
            i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64; $to
        );
    )*};
}

as_primitive!(@all i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);
as_primitive!(bool; i8);
as_primitive!(bool; i16);
as_primitive!(bool; i32);
as_primitive!(bool; i64);
as_primitive!(bool; u8);
as_primitive!(bool; u16);
as_primitive!(bool; u32);
as_primitive!(bool; u64);
as_primitive!(bool; usize);
as_primitive!(bool; isize);

/// `f32::from(b)` and `f64::from(b)`: `bool` has no `as` cast to floats, but `from` does.
macro_rules! bool_to_float {
    ($($t:ty),*) => {$(
        impl AsPrimitive<$t> for bool {
            #[inline(always)]
            fn as_(self) -> $t {
                <$t>::from(self)
            }
        }
    )*};
}

bool_to_float!(f32, f64);

macro_rules! binary_ops {
    ($($op:ident $method:ident $assign:ident $assign_method:ident),* $(,)?) => {$(
        impl<T: $op<Output = T> + Copy, const L: usize> $op for Lanes<T, L> {
            type Output = Self;

            #[inline(always)]
            fn $method(self, other: Self) -> Self {
                self.zip(other, $op::$method)
            }
        }

        impl<T: $op<Output = T> + Copy, const L: usize> $assign for Lanes<T, L> {
            #[inline(always)]
            fn $assign_method(&mut self, other: Self) {
                *self = $op::$method(*self, other);
            }
        }

        /// With one scalar for every lane: the compiler then sees a constant operand as
        /// one (a division by a constant becomes a multiplication, with no checks).
        impl<T: $op<Output = T> + Copy, const L: usize> $op<T> for Lanes<T, L> {
            type Output = Self;

            #[inline(always)]
            fn $method(self, other: T) -> Self {
                self.map(|a| $op::$method(a, other))
            }
        }

        /// With a reference to one scalar for every lane (`w` of `W.iter()`).
        impl<T: $op<Output = T> + Copy, const L: usize> $op<&T> for Lanes<T, L> {
            type Output = Self;

            #[inline(always)]
            fn $method(self, other: &T) -> Self {
                self.map(|a| $op::$method(a, *other))
            }
        }

        impl<T: $op<Output = T> + Copy, const L: usize> $assign<T> for Lanes<T, L> {
            #[inline(always)]
            fn $assign_method(&mut self, other: T) {
                *self = $op::$method(*self, other);
            }
        }
    )*};
}

binary_ops!(
    Add add AddAssign add_assign,
    Sub sub SubAssign sub_assign,
    Mul mul MulAssign mul_assign,
    Div div DivAssign div_assign,
    Rem rem RemAssign rem_assign,
    BitAnd bitand BitAndAssign bitand_assign,
    BitOr bitor BitOrAssign bitor_assign,
    BitXor bitxor BitXorAssign bitxor_assign,
);

/// A primitive (or a reference to one) on the left of a lane operation: one scalar for
/// every lane, seen as such by the compiler.
macro_rules! scalar_left {
    ($($t:ty),*) => {$(
        scalar_left!(@ops $t, Add add, Sub sub, Mul mul, Div div, Rem rem, BitAnd bitand,
            BitOr bitor, BitXor bitxor);
    )*};
    (@ops $t:ty, $($op:ident $method:ident),*) => {$(
        impl<const L: usize> $op<Lanes<$t, L>> for $t {
            type Output = Lanes<$t, L>;

            #[inline(always)]
            fn $method(self, other: Lanes<$t, L>) -> Lanes<$t, L> {
                other.map(|b| $op::$method(self, b))
            }
        }

        impl<const L: usize> $op<Lanes<$t, L>> for &$t {
            type Output = Lanes<$t, L>;

            #[inline(always)]
            fn $method(self, other: Lanes<$t, L>) -> Lanes<$t, L> {
                let a = *self;
                other.map(|b| $op::$method(a, b))
            }
        }
    )*};
}

scalar_left!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
scalar_left!(@ops f32, Add add, Sub sub, Mul mul, Div div, Rem rem);
scalar_left!(@ops f64, Add add, Sub sub, Mul mul, Div div, Rem rem);

/// Shifts take any integer amount, as on scalars.
macro_rules! shift_ops {
    ($($op:ident $method:ident $assign:ident $assign_method:ident),* $(,)?) => {$(
        impl<T: $op<U, Output = T> + Copy, U: Copy, const L: usize> $op<Lanes<U, L>> for Lanes<T, L> {
            type Output = Self;

            #[inline(always)]
            fn $method(self, other: Lanes<U, L>) -> Self {
                let mut out = self.0;
                for k in 0..L {
                    out[k] = $op::$method(self.0[k], other.0[k]);
                }
                Lanes(out)
            }
        }

        impl<T: $op<U, Output = T> + Copy, U: Copy, const L: usize> $assign<Lanes<U, L>>
            for Lanes<T, L>
        {
            #[inline(always)]
            fn $assign_method(&mut self, other: Lanes<U, L>) {
                *self = $op::$method(*self, other);
            }
        }
    )*};
}

shift_ops!(Shl shl ShlAssign shl_assign, Shr shr ShrAssign shr_assign);

/// Shifts by one scalar amount for every lane.
macro_rules! scalar_shifts {
    ($($u:ty),*) => {$(
        impl<T: Shl<$u, Output = T> + Copy, const L: usize> Shl<$u> for Lanes<T, L> {
            type Output = Self;

            #[inline(always)]
            fn shl(self, amount: $u) -> Self {
                self.map(|a| a << amount)
            }
        }

        impl<T: Shr<$u, Output = T> + Copy, const L: usize> Shr<$u> for Lanes<T, L> {
            type Output = Self;

            #[inline(always)]
            fn shr(self, amount: $u) -> Self {
                self.map(|a| a >> amount)
            }
        }
    )*};
}

scalar_shifts!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl<T: Neg<Output = T> + Copy, const L: usize> Neg for Lanes<T, L> {
    type Output = Self;

    #[inline(always)]
    fn neg(self) -> Self {
        self.map(Neg::neg)
    }
}

impl<T: Not<Output = T> + Copy, const L: usize> Not for Lanes<T, L> {
    type Output = Self;

    #[inline(always)]
    fn not(self) -> Self {
        self.map(Not::not)
    }
}

/// Methods of every numeric primitive that lanes apply lane by lane.
pub trait Ordered: Copy {
    /// As the primitive's `min`.
    fn min_(self, other: Self) -> Self;
    /// As the primitive's `max`.
    fn max_(self, other: Self) -> Self;
    /// As the primitive's `clamp`, panics included.
    fn clamp_(self, lo: Self, hi: Self) -> Self;
}

/// Methods of signed integers and floats.
pub trait Signed: Copy {
    /// As the primitive's `abs`.
    fn abs_(self) -> Self;
    /// As the primitive's `signum`.
    fn signum_(self) -> Self;
}

/// Methods of integers.
pub trait Integer: Copy {
    /// As the primitive's `wrapping_add`.
    fn wrapping_add_(self, other: Self) -> Self;
    /// As the primitive's `wrapping_sub`.
    fn wrapping_sub_(self, other: Self) -> Self;
    /// As the primitive's `wrapping_mul`.
    fn wrapping_mul_(self, other: Self) -> Self;
    /// As the primitive's `saturating_add`.
    fn saturating_add_(self, other: Self) -> Self;
    /// As the primitive's `saturating_sub`.
    fn saturating_sub_(self, other: Self) -> Self;
    /// As the primitive's `saturating_mul`.
    fn saturating_mul_(self, other: Self) -> Self;
    /// As the primitive's `pow`.
    fn pow_(self, exp: u32) -> Self;
    /// As the primitive's `wrapping_neg`.
    fn wrapping_neg_(self) -> Self;
}

macro_rules! ordered {
    ($($t:ty),*) => {$(
        impl Ordered for $t {
            #[inline(always)]
            fn min_(self, other: Self) -> Self {
                self.min(other)
            }
            #[inline(always)]
            fn max_(self, other: Self) -> Self {
                self.max(other)
            }
            #[inline(always)]
            fn clamp_(self, lo: Self, hi: Self) -> Self {
                self.clamp(lo, hi)
            }
        }
    )*};
}

ordered!(
    i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, bool
);

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Signed for $t {
            #[inline(always)]
            fn abs_(self) -> Self {
                self.abs()
            }
            #[inline(always)]
            fn signum_(self) -> Self {
                self.signum()
            }
        }
    )*};
}

signed!(i8, i16, i32, i64, isize, f32, f64);

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Integer for $t {
            #[inline(always)]
            fn wrapping_add_(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            #[inline(always)]
            fn wrapping_sub_(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            #[inline(always)]
            fn wrapping_mul_(self, other: Self) -> Self {
                self.wrapping_mul(other)
            }
            #[inline(always)]
            fn saturating_add_(self, other: Self) -> Self {
                self.saturating_add(other)
            }
            #[inline(always)]
            fn saturating_sub_(self, other: Self) -> Self {
                self.saturating_sub(other)
            }
            #[inline(always)]
            fn saturating_mul_(self, other: Self) -> Self {
                self.saturating_mul(other)
            }
            #[inline(always)]
            fn pow_(self, exp: u32) -> Self {
                self.pow(exp)
            }
            #[inline(always)]
            fn wrapping_neg_(self) -> Self {
                self.wrapping_neg()
            }
        }
    )*};
}

integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// Methods of `f32` and `f64`, each exactly the primitive's.
pub trait Float: Copy {
    /// As the primitive's `powi`.
    fn powi_(self, n: i32) -> Self;
}

macro_rules! float_unary {
    ($($name:ident)*) => {
        /// Unary methods of `f32` and `f64`.
        pub trait FloatUnary: Copy {
            $(
                #[doc = concat!("As the primitive's `", stringify!($name), "`.")]
                fn $name(self) -> Self;
            )*
        }

        impl FloatUnary for f32 {
            $(#[inline(always)] fn $name(self) -> Self { f32::$name(self) })*
        }

        impl FloatUnary for f64 {
            $(#[inline(always)] fn $name(self) -> Self { f64::$name(self) })*
        }

        impl<T: FloatUnary, const L: usize> Lanes<T, L> {
            $(
                #[doc = concat!("Lane-wise `", stringify!($name), "`.")]
                #[inline(always)]
                pub fn $name(self) -> Self {
                    self.map(FloatUnary::$name)
                }
            )*
        }
    };
}

float_unary!(
    sqrt floor ceil round round_ties_even trunc fract recip exp exp2 exp_m1 ln ln_1p log2 log10
    sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh cbrt to_degrees to_radians
);

macro_rules! float_binary {
    ($($name:ident)*) => {
        /// Binary methods of `f32` and `f64`.
        pub trait FloatBinary: Copy {
            $(
                #[doc = concat!("As the primitive's `", stringify!($name), "`.")]
                fn $name(self, other: Self) -> Self;
            )*
            /// As the primitive's `mul_add`: fused, as on scalars.
            fn mul_add(self, a: Self, b: Self) -> Self;
        }

        impl FloatBinary for f32 {
            $(#[inline(always)] fn $name(self, other: Self) -> Self { f32::$name(self, other) })*
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                f32::mul_add(self, a, b)
            }
        }

        impl FloatBinary for f64 {
            $(#[inline(always)] fn $name(self, other: Self) -> Self { f64::$name(self, other) })*
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                f64::mul_add(self, a, b)
            }
        }

        impl<T: FloatBinary, const L: usize> Lanes<T, L> {
            $(
                #[doc = concat!("Lane-wise `", stringify!($name), "`.")]
                #[inline(always)]
                pub fn $name(self, other: Self) -> Self {
                    self.zip(other, FloatBinary::$name)
                }
            )*

            /// Lane-wise `mul_add`: fused, as on scalars.
            #[inline(always)]
            pub fn mul_add(self, a: Self, b: Self) -> Self {
                let mut out = self.0;
                for k in 0..L {
                    out[k] = FloatBinary::mul_add(self.0[k], a.0[k], b.0[k]);
                }
                Lanes(out)
            }
        }
    };
}

float_binary!(powf atan2 hypot copysign);

impl Float for f32 {
    #[inline(always)]
    fn powi_(self, n: i32) -> Self {
        self.powi(n)
    }
}

impl Float for f64 {
    #[inline(always)]
    fn powi_(self, n: i32) -> Self {
        self.powi(n)
    }
}

impl<T: Float, const L: usize> Lanes<T, L> {
    /// Lane-wise `powi` with one exponent for every lane.
    #[inline(always)]
    pub fn powi(self, n: i32) -> Self {
        self.map(|x| x.powi_(n))
    }
}

impl<T: Ordered, const L: usize> Lanes<T, L> {
    /// Lane-wise `min`.
    #[inline(always)]
    pub fn min(self, other: Self) -> Self {
        self.zip(other, Ordered::min_)
    }

    /// Lane-wise `max`.
    #[inline(always)]
    pub fn max(self, other: Self) -> Self {
        self.zip(other, Ordered::max_)
    }

    /// Lane-wise `clamp`, which panics as the scalar one does (`lo > hi`, NaN bounds).
    #[inline(always)]
    pub fn clamp(self, lo: Self, hi: Self) -> Self {
        let mut out = self.0;
        for k in 0..L {
            out[k] = self.0[k].clamp_(lo.0[k], hi.0[k]);
        }
        Lanes(out)
    }
}

impl<T: Signed, const L: usize> Lanes<T, L> {
    /// Lane-wise `abs`.
    #[inline(always)]
    pub fn abs(self) -> Self {
        self.map(Signed::abs_)
    }

    /// Lane-wise `signum`.
    #[inline(always)]
    pub fn signum(self) -> Self {
        self.map(Signed::signum_)
    }
}

impl<T: Integer, const L: usize> Lanes<T, L> {
    /// Lane-wise `wrapping_add`.
    #[inline(always)]
    pub fn wrapping_add(self, other: Self) -> Self {
        self.zip(other, Integer::wrapping_add_)
    }

    /// Lane-wise `wrapping_sub`.
    #[inline(always)]
    pub fn wrapping_sub(self, other: Self) -> Self {
        self.zip(other, Integer::wrapping_sub_)
    }

    /// Lane-wise `wrapping_mul`.
    #[inline(always)]
    pub fn wrapping_mul(self, other: Self) -> Self {
        self.zip(other, Integer::wrapping_mul_)
    }

    /// Lane-wise `saturating_add`.
    #[inline(always)]
    pub fn saturating_add(self, other: Self) -> Self {
        self.zip(other, Integer::saturating_add_)
    }

    /// Lane-wise `saturating_sub`.
    #[inline(always)]
    pub fn saturating_sub(self, other: Self) -> Self {
        self.zip(other, Integer::saturating_sub_)
    }

    /// Lane-wise `saturating_mul`.
    #[inline(always)]
    pub fn saturating_mul(self, other: Self) -> Self {
        self.zip(other, Integer::saturating_mul_)
    }

    /// Lane-wise `pow` with one exponent for every lane.
    #[inline(always)]
    pub fn pow(self, exp: u32) -> Self {
        self.map(|x| x.pow_(exp))
    }

    /// Lane-wise `wrapping_neg`.
    #[inline(always)]
    pub fn wrapping_neg(self) -> Self {
        self.map(Integer::wrapping_neg_)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_apply_the_scalar_operation_to_each_lane() {
        let a = Lanes([1i16, -2, 300, i16::MAX]);
        let b = Lanes::splat(3i16);
        assert_eq!((a - b).0, [-2, -5, 297, i16::MAX - 3]);
        assert_eq!(a.cast::<i8>().0, [1, -2, 44, -1]);
        assert_eq!(a.gt(b).select(a, b).0, [3, 3, 300, i16::MAX]);
        let f = Lanes([0.5f64, -0.0, f64::NAN, 2.0]);
        assert_eq!(
            f.max(Lanes::splat(0.0)).0.map(f64::to_bits),
            f.0.map(|v| v.max(0.0).to_bits())
        );
        assert_eq!(
            f.mul_add(f, f).0[3].to_bits(),
            2.0f64.mul_add(2.0, 2.0).to_bits()
        );
        assert_eq!(Lanes([1u8, 2]).shl(Lanes::splat(1)).0, [2, 4]);
        assert!(!Lanes([false, false]).any());
    }

    #[test]
    #[should_panic(expected = "min > max")]
    fn clamp_panics_as_the_scalar_one_does() {
        let _ = Lanes([1i32, 2]).clamp(Lanes::splat(3), Lanes::splat(2));
    }
}
