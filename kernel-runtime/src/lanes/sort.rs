//! Sorting a small array of lane vectors, lane by lane: how `values.sort_unstable()` runs on
//! lanes (a median or rank filter written as a sort of the window's values).
//!
//! A sort on lanes is a sorting network: a fixed sequence of compare-exchanges, each a
//! lane-wise `min` and `max`, the same at every lane, with no branch on the values. The
//! network is Batcher's odd-even merge sort. Sorting only orders values, and primitive
//! integers (and `bool`) equal as values are equal as bits, so for them the sorted array is
//! the one any sort gives, stable or not; those are the elements a body's array holds on
//! lanes. Floats are not `Ord` (a body cannot call `sort` on them). For a type whose `Ord`
//! calls values equal that differ, or whose `min` and `max` are not `Ord`'s, a network is
//! not a stable sort, so [`Lanes::sorted`] promises the standard library's result only for
//! primitives.
//!
//! With the network unrolled every index is a constant and the array lives in registers;
//! the exchanges whose results the body never reads (a median reads one element) are dead
//! code and are dropped. Arrays of more than [`MAX_NETWORK`] elements are sorted one lane
//! at a time with the standard library's sort.

use super::Lanes;
use super::unroll::unrolled;

/// The most elements an array may have to be sorted by a network.
pub const MAX_NETWORK: usize = 64;

/// The most compare-exchanges of a network: Batcher's for 64 elements has 543.
const MAX_EXCHANGES: usize = 576;

/// Batcher's odd-even merge sort network for `n` elements (`n <= MAX_NETWORK`): the
/// network for the next power of two with every exchange that touches an element at `n`
/// or beyond removed. That is the network on the array padded with values above all
/// others, which no exchange moves.
#[allow(
    clippy::many_single_char_names,
    reason = "the names of the algorithm as Batcher and Knuth give it"
)]
const fn network(n: usize) -> ([(u8, u8); MAX_EXCHANGES], usize) {
    let mut pairs = [(0, 0); MAX_EXCHANGES];
    let mut count = 0;
    let size = n.next_power_of_two();
    let mut p = 1;
    while p < size {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < size {
                let mut i = 0;
                while i < k && i + j + k < size {
                    let (a, b) = (i + j, i + j + k);
                    if a / (2 * p) == b / (2 * p) && b < n {
                        pairs[count] = (a as u8, b as u8);
                        count += 1;
                    }
                    i += 1;
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    (pairs, count)
}

/// The network of `N` elements, a constant of each length.
struct Network<const N: usize>;

impl<const N: usize> Network<N> {
    const EXCHANGES: ([(u8, u8); MAX_EXCHANGES], usize) =
        network(if N <= MAX_NETWORK { N } else { 0 });
}

impl<T: Ord + Copy, const L: usize> Lanes<T, L> {
    /// `values`, each lane sorted ascending: at every lane of primitive integers or `bool`,
    /// the array `values.sort_unstable()` leaves. (For an `Ord` that calls differing values
    /// equal, equal elements may end in another order than any standard sort leaves them.)
    #[inline(always)]
    pub fn sorted<const N: usize>(mut values: [Self; N]) -> [Self; N] {
        if N > MAX_NETWORK {
            for lane in 0..L {
                let mut column: [T; N] = std::array::from_fn(|k| values[k].0[lane]);
                column.sort_unstable();
                for (value, sorted) in values.iter_mut().zip(column) {
                    value.0[lane] = sorted;
                }
            }
            return values;
        }
        // An unoptimised build gives every exchange of an unrolled network stack slots of
        // its own, hundreds of kilobytes for a large one: there, a loop.
        if cfg!(debug_assertions) {
            Self::exchange_in_loop(&mut values);
        } else {
            Self::exchange_unrolled(&mut values);
        }
        values
    }

    /// The network's exchanges, a loop over its table.
    #[inline(never)]
    fn exchange_in_loop<const N: usize>(values: &mut [Self; N]) {
        let (pairs, count) = &Network::<N>::EXCHANGES;
        for &(a, b) in &pairs[..*count] {
            Self::exchange(values, a, b);
        }
    }

    /// The network's exchanges, unrolled by hand so that each one's two indices are
    /// constants.
    #[inline(always)]
    fn exchange_unrolled<const N: usize>(values: &mut [Self; N]) {
        let (pairs, count) = &Network::<N>::EXCHANGES;
        unrolled::<{ MAX_EXCHANGES / 64 }>(
            #[inline(always)]
            |high| {
                unrolled::<64>(
                    #[inline(always)]
                    |low| {
                        let at = high * 64 + low;
                        if at < *count {
                            Self::exchange(values, pairs[at].0, pairs[at].1);
                        }
                    },
                );
            },
        );
    }

    /// Elements `a < b` in order: the smaller at `a`.
    #[inline(always)]
    fn exchange<const N: usize>(values: &mut [Self; N], a: u8, b: u8) {
        let (a, b) = (usize::from(a), usize::from(b));
        let (x, y) = (values[a], values[b]);
        values[a] = x.zip(y, Ord::min);
        values[b] = x.zip(y, Ord::max);
    }
}

#[cfg(test)]
mod tests {
    use super::{Lanes, MAX_NETWORK, network};

    /// Every network sorts every 0/1 input (the zero-one principle: then it sorts any
    /// input), checked exhaustively up to 16 elements and on random 0/1 inputs beyond.
    #[test]
    fn lanes_sorting_networks_sort_every_zero_one_input() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for n in 0..=MAX_NETWORK {
            let (pairs, count) = network(n);
            let inputs: Vec<u64> = if n <= 16 {
                (0..1u64 << n).collect()
            } else {
                (0..4_000)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state
                    })
                    .collect()
            };
            for bits in inputs {
                let mut v: Vec<u64> = (0..n).map(|k| bits >> k & 1).collect();
                for &(a, b) in &pairs[..count] {
                    let (a, b) = (usize::from(a), usize::from(b));
                    assert!(a < b && b < n, "exchange ({a}, {b}) of {n}");
                    if v[a] > v[b] {
                        v.swap(a, b);
                    }
                }
                assert!(v.is_sorted(), "{n} elements, input {bits:b}");
            }
        }
    }

    /// On lanes: each lane sorted as `sort_unstable` sorts it, with repeated values, for
    /// lengths on both sides of the network's limit.
    #[test]
    fn lanes_sorted_is_sort_unstable_at_every_lane() {
        fn check<const N: usize>() {
            let values: [Lanes<i16, 8>; N] = std::array::from_fn(|k| {
                Lanes(std::array::from_fn(|j| ((k * 37 + j * 11) % 13) as i16 - 6))
            });
            let sorted = Lanes::sorted(values);
            let mut unrolled = values;
            if N <= MAX_NETWORK {
                // The other build's path: unrolled where this one loops, or the other way.
                if cfg!(debug_assertions) {
                    Lanes::exchange_unrolled(&mut unrolled);
                } else {
                    Lanes::exchange_in_loop(&mut unrolled);
                }
                assert_eq!(unrolled, sorted, "{N} elements, the other path");
            }
            for j in 0..8 {
                let mut want: Vec<i16> = values.iter().map(|v| v.0[j]).collect();
                want.sort_unstable();
                let got: Vec<i16> = sorted.iter().map(|v| v.0[j]).collect();
                assert_eq!(got, want, "{N} elements, lane {j}");
            }
        }
        // The unrolled path of a debug build needs a deep stack (see `sorted`).
        std::thread::Builder::new()
            .stack_size(1 << 28)
            .spawn(|| {
                check::<0>();
                check::<1>();
                check::<2>();
                check::<9>();
                check::<25>();
                check::<49>();
                check::<64>();
                check::<65>();
                check::<81>();
            })
            .expect("a test thread")
            .join()
            .expect("no failure");
    }
}
