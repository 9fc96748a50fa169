//! Division by a value fixed for a whole call, as a multiply and shifts.
//!
//! A linear stencil's epilogue often divides its sum by a count computed from parameters,
//! `acc / ((2 * r + 1) * (2 * r + 1))`: a hardware division per output, which no SIMD unit
//! has, where a literal divisor would have been a multiply. `#[stencil]` makes a
//! [`Divisor`] of such a divisor once per call and divides by it instead. The quotient is
//! exactly the `/` operator's: for unsigned integers by the round-up method of Granlund
//! and Montgomery (as libdivide's branch-free `u32` and `u64` dividers do), for every
//! other type by `/` itself. Dividing by zero panics as `/` does, when a division happens.

/// What [`Divisor::new`] accepts: a value of a primitive number type, or a reference to
/// one (`acc / &n` divides by `n` too).
pub trait Denominator: Copy {
    /// The number type divided.
    type Elem: DivisorElem;
    /// The value.
    fn value(self) -> Self::Elem;
}

/// A primitive number type a [`Divisor`] divides.
pub trait DivisorElem: Copy + std::ops::Div<Output = Self> + Send + Sync + 'static {
    /// The multiplier and shift that divide by `d`, or `None` where plain division is used.
    #[doc(hidden)]
    fn magic(d: Self) -> Option<(Self, u32)>;
    /// `n / d` from the multiplier and shift `magic` gave for `d`.
    #[doc(hidden)]
    fn by_magic(n: Self, magic: Self, shift: u32) -> Self;
}

/// A divisor prepared once: `divide(n)` is `n / d`.
///
/// # Examples
///
/// ```
/// use kernel_runtime::stencil::linear::Divisor;
///
/// let nine = Divisor::new(9u32);
/// assert_eq!(nine.divide(4_294_967_295), 4_294_967_295 / 9);
/// let third = Divisor::new(&3i32);
/// assert_eq!(third.divide(-7), -7 / 3);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Divisor<T> {
    d: T,
    magic: Option<(T, u32)>,
}

impl<T: DivisorElem> Divisor<T> {
    /// Prepares to divide by `d`.
    pub fn new(d: impl Denominator<Elem = T>) -> Self {
        let d = d.value();
        Divisor {
            d,
            magic: T::magic(d),
        }
    }

    /// Prepares to divide values of type `T` by `d` as `n / d` would: what `#[stencil]`
    /// writes for an epilogue's `acc / d`, so that `d`'s type is inferred as the operator
    /// infers it (an untyped literal in it takes `T`'s type).
    pub fn for_operand<D>(d: D) -> Self
    where
        T: std::ops::Div<D, Output = T>,
        D: Denominator<Elem = T>,
    {
        Self::new(d)
    }

    /// `n / d`, exactly as the `/` operator gives it.
    ///
    /// # Panics
    ///
    /// Where `n / d` panics: division by zero, and for signed integers `MIN / -1`.
    #[inline(always)]
    #[track_caller]
    pub fn divide(&self, n: T) -> T {
        match self.magic {
            Some((magic, shift)) => T::by_magic(n, magic, shift),
            None => n / self.d,
        }
    }
}

macro_rules! unsigned_divisors {
    ($($t:ty, $wide:ty);*) => {$(
        impl DivisorElem for $t {
            fn magic(d: $t) -> Option<($t, u32)> {
                // Zero divides by `/`, which panics; one and powers of two are plain
                // shifts, which `/` by a non-literal does not know either but the branch-free
                // form needs a divisor above one.
                if d <= 1 {
                    return None;
                }
                let bits = <$t>::BITS;
                let floor_log2 = bits - 1 - d.leading_zeros();
                if d.is_power_of_two() {
                    // `t = n >> 1` below, then the rest of the shift.
                    return Some((0, floor_log2 - 1));
                }
                // m = floor(2^(bits + floor_log2 + 1) / d) + 1 - 2^bits: the 1 + bits bit
                // multiplier of the round-up method, less its top bit.
                let numerator: $wide = (1 as $wide) << (bits + floor_log2);
                let proposed = numerator / <$wide>::from(d);
                let rem = numerator % <$wide>::from(d);
                let mut doubled = proposed << 1;
                let twice_rem = rem << 1;
                if twice_rem >= <$wide>::from(d) {
                    doubled += 1;
                }
                // `doubled` is below 2^(bits + 1); its low `bits` bits are the magic.
                #[allow(clippy::cast_possible_truncation, reason = "the low half, as intended")]
                let magic = (doubled as $t).wrapping_add(1);
                Some((magic, floor_log2))
            }

            #[inline(always)]
            fn by_magic(n: $t, magic: $t, shift: u32) -> $t {
                #[allow(clippy::cast_possible_truncation, reason = "the high half of a product")]
                let q = ((<$wide>::from(magic) * <$wide>::from(n)) >> <$t>::BITS) as $t;
                let t = ((n - q) >> 1) + q;
                t >> shift
            }
        }
    )*};
}
unsigned_divisors!(u8, u16; u16, u32; u32, u64; u64, u128);

macro_rules! plain_divisors {
    ($($t:ty),*) => {$(
        impl DivisorElem for $t {
            fn magic(_: $t) -> Option<($t, u32)> {
                None
            }

            #[inline(always)]
            fn by_magic(n: $t, _: $t, _: u32) -> $t {
                n
            }
        }
    )*};
}
plain_divisors!(usize, u128, i8, i16, i32, i64, i128, isize, f32, f64);

macro_rules! denominators {
    ($($t:ty),*) => {$(
        impl Denominator for $t {
            type Elem = $t;
            #[inline(always)]
            fn value(self) -> $t {
                self
            }
        }

        impl Denominator for &$t {
            type Elem = $t;
            #[inline(always)]
            fn value(self) -> $t {
                *self
            }
        }
    )*};
}
denominators!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_u8_and_u16_quotient_is_exact() {
        for d in 0..=u8::MAX {
            let by = Divisor::new(d);
            for n in 0..=u8::MAX {
                if d == 0 {
                    continue;
                }
                assert_eq!(by.divide(n), n / d, "{n} / {d}");
            }
        }
        for d in 1..=u16::MAX {
            let by = Divisor::new(d);
            for n in [
                0,
                1,
                d - 1,
                d,
                d.saturating_add(1),
                u16::MAX / 2,
                u16::MAX - 1,
                u16::MAX,
            ] {
                assert_eq!(by.divide(n), n / d, "{n} / {d}");
            }
        }
    }

    #[test]
    fn u32_and_u64_quotients_are_exact() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut divisors: Vec<u64> = (1..=1000).collect();
        divisors.extend((0..64).map(|k| 1u64 << k));
        divisors.extend((1..64).map(|k| (1u64 << k) - 1));
        divisors.extend((1..64).map(|k| (1u64 << k) + 1));
        divisors.extend(
            (0..2000)
                .map(|_| next() >> (next() % 64))
                .filter(|&d| d > 0),
        );
        divisors.extend([961, 10_201, u64::MAX, u64::MAX - 1]);
        for &d in &divisors {
            let by = Divisor::new(d);
            #[allow(clippy::cast_possible_truncation, reason = "the low half, for u32 too")]
            let (d32, by32) = ((d as u32).max(1), Divisor::new((d as u32).max(1)));
            for n in [
                0,
                1,
                d - 1,
                d,
                d.wrapping_add(1),
                u64::MAX,
                next(),
                next() >> 32,
            ] {
                assert_eq!(by.divide(n), n / d, "{n} / {d}");
                #[allow(clippy::cast_possible_truncation, reason = "the low half")]
                let n32 = n as u32;
                assert_eq!(by32.divide(n32), n32 / d32, "{n32} / {d32}");
            }
        }
    }

    #[test]
    fn other_types_divide_as_the_operator() {
        assert_eq!(Divisor::new(7i32).divide(-50), -50 / 7);
        assert_eq!(Divisor::new(&-7i64).divide(50), 50 / -7);
        assert!(Divisor::new(0.0f64).divide(1.0).is_infinite());
        assert_eq!(
            Divisor::new(3.0f32).divide(1.0).to_bits(),
            (1.0f32 / 3.0).to_bits()
        );
    }

    #[test]
    #[should_panic(expected = "divide by zero")]
    fn zero_panics_as_the_operator_does() {
        let _ = Divisor::new(0u32).divide(5);
    }
}
