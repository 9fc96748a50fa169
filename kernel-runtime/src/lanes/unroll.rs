//! Loops over constant tables, unrolled. A body on lanes that walks a `const` table
//! (`for (a, b) in NETWORK { … p[a] … }`) indexes its local arrays by the table's entries;
//! left a loop, those indices are unknown to the compiler and the arrays of lane vectors
//! stay in memory (a 3x3 median network on an array: 12x slower than on nine locals). With
//! the loop unrolled, every entry is a constant, and the arrays live in registers.
//!
//! The trip count is the table's length, a const generic: the calls are laid out for each
//! set bit of `N`, and the others fold away. Tables beyond [`MAX_UNROLLED`] entries stay
//! loops.

/// The most entries a table may have to be unrolled.
pub const MAX_UNROLLED: usize = 64;

/// What `for item in table` walks, with the loop unrolled where the length is a constant.
pub trait Unroll {
    /// What the loop binds.
    type Item;

    /// Calls `f` on each item, in order.
    fn for_each_unrolled(self, f: impl FnMut(Self::Item));
}

/// Calls `f(i)` for `i` in `0..N`, unrolled for `N <= MAX_UNROLLED`.
#[inline(always)]
pub(crate) fn unrolled<const N: usize>(mut f: impl FnMut(usize)) {
    if N > MAX_UNROLLED {
        (0..N).for_each(f);
        return;
    }
    let mut i = 0;
    macro_rules! calls {
        ($bit:literal: $($k:literal)*) => {
            if N & $bit != 0 {
                $( f(i + $k); )*
                i += $bit;
            }
        };
    }
    calls!(1: 0);
    calls!(2: 0 1);
    calls!(4: 0 1 2 3);
    calls!(8: 0 1 2 3 4 5 6 7);
    calls!(16: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    calls!(32: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    calls!(64: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
        32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63);
    debug_assert_eq!(i, N);
}

impl<T: Copy, const N: usize> Unroll for [T; N] {
    type Item = T;

    #[inline(always)]
    fn for_each_unrolled(self, mut f: impl FnMut(T)) {
        unrolled::<N>(
            #[inline(always)]
            |i| f(self[i]),
        );
    }
}

impl<'a, T, const N: usize> Unroll for &'a [T; N] {
    type Item = &'a T;

    #[inline(always)]
    fn for_each_unrolled(self, mut f: impl FnMut(&'a T)) {
        unrolled::<N>(
            #[inline(always)]
            |i| f(&self[i]),
        );
    }
}

/// A slice's length is not a constant: a plain loop.
impl<'a, T> Unroll for &'a [T] {
    type Item = &'a T;

    #[inline(always)]
    fn for_each_unrolled(self, f: impl FnMut(&'a T)) {
        self.iter().for_each(f);
    }
}

impl<T> Unroll for std::ops::Range<T>
where
    std::ops::Range<T>: Iterator<Item = T>,
{
    type Item = T;

    #[inline(always)]
    fn for_each_unrolled(self, f: impl FnMut(T)) {
        self.for_each(f);
    }
}

impl<T> Unroll for std::ops::RangeInclusive<T>
where
    std::ops::RangeInclusive<T>: Iterator<Item = T>,
{
    type Item = T;

    #[inline(always)]
    fn for_each_unrolled(self, f: impl FnMut(T)) {
        self.for_each(f);
    }
}

#[cfg(test)]
mod tests {
    use super::Unroll;

    fn collect<U: Unroll>(table: U) -> Vec<U::Item> {
        let mut out = Vec::new();
        table.for_each_unrolled(|item| out.push(item));
        out
    }

    #[test]
    fn every_length_visits_every_item_in_order() {
        macro_rules! lengths {
            ($($n:literal)*) => {$(
                let table: [usize; $n] = std::array::from_fn(|i| i * 3 + 1);
                assert_eq!(collect(table), table.to_vec(), "{}", $n);
                assert_eq!(collect(&table), table.iter().collect::<Vec<_>>(), "&{}", $n);
            )*};
        }
        lengths!(0 1 2 3 7 8 19 31 32 33 63 64 65 100 127 128 200);
        assert_eq!(collect(&[1, 2, 3][..]), vec![&1, &2, &3]);
        assert_eq!(collect(2..5), vec![2, 3, 4]);
        assert_eq!(collect(-1..=1), vec![-1, 0, 1]);
    }
}
