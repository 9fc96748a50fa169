//! Staging small cores side by side with vector shuffles. `L` cores of `S` elements that
//! lie back to back (a C-contiguous operand whose core axes are its last) are an `L x S`
//! matrix; staging them for lanes is its transpose, `S x L`, and writing them back the
//! transpose the other way.
//!
//! Element by element that is a load and a store per element: for a 4x4 matrix core, more
//! work than the body's sixteen multiply-adds. With AVX-512 it is done `W` cores at a time
//! (`W` the elements of a 512-bit vector), from `S` whole-vector loads to `S` whole-vector
//! stores, with `S log2 S` two-source permutes in between when `S` is a power of two and
//! about `S^2` otherwise. The permutes move bits, so a staged value is the element itself,
//! whatever its type.
//!
//! [`to_lanes`] and [`from_lanes`] say whether they did the copy; where they did not (other
//! element widths, cores of more than `W` elements, no AVX-512, a debug build, whose
//! unoptimised shuffles would keep every vector in a stack slot of its own) the caller
//! copies element by element.

/// Whether `T` is a primitive number of 4 or 8 bytes, whose values may pass through vector
/// registers as bits: every byte of it initialised, no padding (a struct of the same size
/// may have padding, whose bytes no load may read).
pub(crate) fn plain<T: 'static>() -> bool {
    use std::any::TypeId;
    [
        TypeId::of::<i32>(),
        TypeId::of::<u32>(),
        TypeId::of::<f32>(),
        TypeId::of::<i64>(),
        TypeId::of::<u64>(),
        TypeId::of::<f64>(),
    ]
    .contains(&TypeId::of::<T>())
}

/// Copies `L` cores of `size` elements each, back to back from `src`, into `dst` side by
/// side: element `k` of core `j` to `dst[k * L + j]`. Returns whether it did; where it did
/// not, nothing was written.
///
/// # Safety
///
/// `src` must be valid for reading and `dst` for writing `size * L` values, not
/// overlapping, and `T` [`plain`] unless `size` is 1.
#[inline(always)]
pub(super) unsafe fn to_lanes<T: Copy, const L: usize>(
    src: *const T,
    size: usize,
    dst: *mut T,
) -> bool {
    // SAFETY: this function's contract.
    unsafe { transpose::<T, L, true>(src, size, dst) }
}

/// The inverse of [`to_lanes`]: `src[k * L + j]` to element `k` of core `j`, the cores
/// back to back from `dst`. Returns whether it did; where it did not, nothing was written.
///
/// # Safety
///
/// As for [`to_lanes`].
#[inline(always)]
pub(super) unsafe fn from_lanes<T: Copy, const L: usize>(
    src: *const T,
    size: usize,
    dst: *mut T,
) -> bool {
    // SAFETY: this function's contract.
    unsafe { transpose::<T, L, false>(src, size, dst) }
}

/// [`to_lanes`] (`TO`) or [`from_lanes`]: one-element cores are a copy either way.
///
/// # Safety
///
/// As for [`to_lanes`].
#[inline(always)]
unsafe fn transpose<T: Copy, const L: usize, const TO: bool>(
    src: *const T,
    size: usize,
    dst: *mut T,
) -> bool {
    if size == 1 {
        // SAFETY: `L` values each way (this function's contract).
        unsafe { std::ptr::copy_nonoverlapping(src, dst, L) };
        return true;
    }
    // An unoptimised build keeps every vector of the unrolled shuffles in a stack slot of
    // its own, a quarter of a megabyte for the largest cores: there, element by element.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    if !cfg!(debug_assertions) {
        // SAFETY: this function's contract.
        return unsafe { avx512::transpose::<T, L, TO>(src, size, dst) };
    }
    false
}

/// Transposes one square block of `W x W` elements of 4 or 8 bytes, `W` those of one
/// 512-bit vector: row `r` of the source, `W` elements from `src + r * src_stride`, becomes
/// column `r` of the destination, whose rows start at `dst + r * dst_stride`. With AVX-512
/// only, where it takes `W` loads, `W log2 W` permutes and `W` stores.
///
/// # Safety
///
/// `T` must be [`plain`] (4 or 8 bytes); both strides multiples of `W`; the `W` rows of
/// `W` elements valid for reading from `src` and for writing from `dst`, not overlapping.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
#[inline(always)]
pub(crate) unsafe fn square<T: Copy>(
    src: *const T,
    src_stride: usize,
    dst: *mut T,
    dst_stride: usize,
) {
    let w = 64 / size_of::<T>();
    debug_assert!(src_stride.is_multiple_of(w) && dst_stride.is_multiple_of(w));
    let (src, dst) = (src.cast(), dst.cast());
    // SAFETY: the caller's, with strides counted in whole vectors.
    unsafe {
        if size_of::<T>() == 8 {
            avx512::block::<true, true, 8>(src, src_stride / w, dst, dst_stride / w);
        } else {
            avx512::block::<false, true, 16>(src, src_stride / w, dst, dst_stride / w);
        }
    }
}

/// Where lane `i` of output vector `d` comes from, for `W` cores of `S` elements: the
/// input vector and its lane. Inputs and outputs are `S` vectors of `W` lanes each.
///
/// - To lanes, the inputs are the cores in memory order (flat element `f = j * S + k` is
///   element `k` of core `j`) and output `d` is element `d` of the `W` cores.
/// - From lanes, the other way round.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_feature = "avx512f")),
    allow(dead_code, reason = "the tables of the AVX-512 shuffles")
)]
const fn source(to_lanes: bool, s: usize, w: usize, d: usize, i: usize) -> (usize, usize) {
    if to_lanes {
        let flat = i * s + d;
        (flat / w, flat % w)
    } else {
        let flat = d * w + i;
        (flat % s, flat / s)
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_mask_mov_epi32, _mm512_mask_mov_epi64,
        _mm512_permutex2var_epi32, _mm512_permutex2var_epi64, _mm512_storeu_si512,
    };

    use super::source;
    use crate::lanes::unrolled;

    /// The most elements a core may have for the shuffles: one vector's lanes of 4-byte
    /// elements.
    const MAX_SIZE: usize = 16;

    /// A core size's shuffle: for each output vector, the pairs of input vectors it draws
    /// from, each with the permute's lane indices and the lanes it supplies.
    #[derive(Clone, Copy)]
    struct Plan {
        /// `(first input, lane indices into the pair, lanes taken from the pair)`.
        pairs: [[(usize, [u32; 16], u16); MAX_SIZE / 2]; MAX_SIZE],
        /// How many of `pairs` each output uses.
        used: [usize; MAX_SIZE],
    }

    /// The plan for `s`-element cores in vectors of `w` lanes.
    const fn plan(to_lanes: bool, s: usize, w: usize) -> Plan {
        let mut plan = Plan {
            pairs: [[(0, [0; 16], 0); MAX_SIZE / 2]; MAX_SIZE],
            used: [0; MAX_SIZE],
        };
        let mut d = 0;
        while d < s {
            let mut i = 0;
            while i < w {
                let (input, lane) = source(to_lanes, s, w, d, i);
                // Pairs are inputs (0, 1), (2, 3), ...; the last input of an odd count
                // pairs with itself.
                let pair = input / 2;
                let index = (input % 2) * w + lane;
                let entry = &mut plan.pairs[d][pair];
                entry.0 = pair * 2;
                // As the permute reads them: 16 lanes of 4 bytes, or 8 of 8 bytes as
                // (low, high) halves on this little-endian target.
                if w == 16 {
                    entry.1[i] = index as u32;
                } else {
                    entry.1[2 * i] = index as u32;
                }
                entry.2 |= 1 << i;
                i += 1;
            }
            // Pairs that supply no lane are skipped; pack the used ones to the front.
            let mut packed = 0;
            let mut pair = 0;
            while pair < MAX_SIZE / 2 {
                if plan.pairs[d][pair].2 != 0 {
                    plan.pairs[d][packed] = plan.pairs[d][pair];
                    packed += 1;
                }
                pair += 1;
            }
            plan.used[d] = packed;
            d += 1;
        }
        plan
    }

    /// The plan of `S`-element cores, `TO` lanes or from them, of 8-byte elements when
    /// `WIDE`: a constant of each instance, so that the shuffles' lane indices are
    /// immediate data.
    struct Tables<const WIDE: bool, const TO: bool, const S: usize>;

    impl<const WIDE: bool, const TO: bool, const S: usize> Tables<WIDE, TO, S> {
        const PLAN: Plan = plan(TO, S, if WIDE { 8 } else { 16 });
    }

    /// `W` cores' transpose, `S` vectors in and out.
    ///
    /// # Safety
    ///
    /// `src` valid for reading and `dst` for writing `S` vectors, `S * W` elements of
    /// `4 << WIDE` bytes, laid out as [`super::source`] says for `TO`.
    #[inline(always)]
    pub(super) unsafe fn block<const WIDE: bool, const TO: bool, const S: usize>(
        src: *const __m512i,
        src_stride: usize,
        dst: *mut __m512i,
        dst_stride: usize,
    ) {
        let plan = &Tables::<WIDE, TO, S>::PLAN;
        // (Loops unrolled by hand: left to the compiler, the sixteen outputs of the larger
        // cores stay a loop, and the plan is read from memory.)
        // SAFETY: the inputs' `S` vectors, `src_stride` vectors apart (this function's
        // contract).
        let mut inputs = [unsafe { _mm512_loadu_si512(src) }; S];
        unrolled::<S>(
            #[inline(always)]
            // SAFETY: as above.
            |v| inputs[v] = unsafe { _mm512_loadu_si512(src.add(v * src_stride)) },
        );
        if S.is_power_of_two() {
            let outputs = if TO {
                unzip_rounds::<WIDE, S>(inputs)
            } else {
                zip_rounds::<WIDE, S>(inputs)
            };
            unrolled::<S>(
                #[inline(always)]
                // SAFETY: the outputs' `S` vectors, `dst_stride` vectors apart.
                |d| unsafe { _mm512_storeu_si512(dst.add(d * dst_stride), outputs[d]) },
            );
            return;
        }
        unrolled::<S>(
            #[inline(always)]
            |d| {
                let mut out = inputs[0];
                unrolled::<{ MAX_SIZE / 2 }>(
                    #[inline(always)]
                    |p| {
                        if p >= plan.used[d] {
                            return;
                        }
                        let (first, indices, lanes) = plan.pairs[d][p];
                        let (a, b) = (inputs[first], inputs[(first + 1).min(S - 1)]);
                        // SAFETY: AVX-512F is enabled (this module's `cfg`); `indices` is
                        // 64 bytes.
                        unsafe {
                            let indices = _mm512_loadu_si512(indices.as_ptr().cast());
                            let value = if WIDE {
                                _mm512_permutex2var_epi64(a, indices, b)
                            } else {
                                _mm512_permutex2var_epi32(a, indices, b)
                            };
                            out = match (p, WIDE) {
                                (0, _) => value,
                                (_, true) => _mm512_mask_mov_epi64(out, lanes as u8, value),
                                (_, false) => _mm512_mask_mov_epi32(out, lanes, value),
                            };
                        }
                    },
                );
                // SAFETY: the outputs' `S` vectors, `dst_stride` vectors apart.
                unsafe { _mm512_storeu_si512(dst.add(d * dst_stride), out) };
            },
        );
    }

    /// The permutes of the rounds.
    #[derive(Clone, Copy)]
    enum Round {
        Even,
        Odd,
        Low,
        High,
    }

    /// Lane indices of a round's two-source permute: 16 of 4 bytes, or 8 of 8 bytes as
    /// (low, high) halves on this little-endian target.
    const fn indices<const WIDE: bool>(round: Round) -> [u32; 16] {
        let w = if WIDE { 8 } else { 16 };
        let mut out = [0; 16];
        let mut lane = 0;
        while lane < w {
            let index = match round {
                Round::Even => 2 * lane,
                Round::Odd => 2 * lane + 1,
                Round::Low => lane / 2 + lane % 2 * w,
                Round::High => w / 2 + lane / 2 + lane % 2 * w,
            };
            out[if WIDE { 2 * lane } else { lane }] = index as u32;
            lane += 1;
        }
        out
    }

    /// The rounds' lane indices, into the pair's lanes `a ++ b`.
    struct Rounds<const WIDE: bool>;

    impl<const WIDE: bool> Rounds<WIDE> {
        /// Even and odd lanes of the pair.
        const EVEN: [u32; 16] = indices::<WIDE>(Round::Even);
        const ODD: [u32; 16] = indices::<WIDE>(Round::Odd);
        /// The pair's first and second halves, interleaved.
        const LOW: [u32; 16] = indices::<WIDE>(Round::Low);
        const HIGH: [u32; 16] = indices::<WIDE>(Round::High);
    }

    /// The two-source permute of `a ++ b` by `table`.
    #[inline(always)]
    fn permute<const WIDE: bool>(a: __m512i, table: &[u32; 16], b: __m512i) -> __m512i {
        // SAFETY: AVX-512F is enabled (this module's `cfg`); `table` is 64 bytes.
        unsafe {
            let indices = _mm512_loadu_si512(table.as_ptr().cast());
            if WIDE {
                _mm512_permutex2var_epi64(a, indices, b)
            } else {
                _mm512_permutex2var_epi32(a, indices, b)
            }
        }
    }

    /// To lanes for `S` a power of two: `log2 S` rounds, each splitting every stream of
    /// vectors into its even and its odd elements. After them the vector at `p` holds
    /// element `k` of the cores, where `p` is `k`'s bits reversed.
    #[inline(always)]
    fn unzip_rounds<const WIDE: bool, const S: usize>(mut at: [__m512i; S]) -> [__m512i; S] {
        // Rounds unrolled, so that every index below is a constant and the vectors stay in
        // registers.
        unrolled::<ROUNDS>(|round| {
            let n = S >> round;
            if n <= 1 {
                return;
            }
            let mut next = at;
            unrolled::<S>(
                #[inline(always)]
                |pair| {
                    if pair >= S / 2 {
                        return;
                    }
                    let (stream, i) = (pair / (n / 2) * n, pair % (n / 2));
                    let (a, b) = (at[stream + 2 * i], at[stream + 2 * i + 1]);
                    next[stream + i] = permute::<WIDE>(a, &Rounds::<WIDE>::EVEN, b);
                    next[stream + n / 2 + i] = permute::<WIDE>(a, &Rounds::<WIDE>::ODD, b);
                },
            );
            at = next;
        });
        let mut lanes = at;
        unrolled::<S>(|k| lanes[k] = at[reverse_bits(k, S)]);
        lanes
    }

    /// From lanes for `S` a power of two: [`unzip_rounds`] undone, round by round.
    #[inline(always)]
    fn zip_rounds<const WIDE: bool, const S: usize>(lanes: [__m512i; S]) -> [__m512i; S] {
        let mut at = lanes;
        unrolled::<S>(|p| at[p] = lanes[reverse_bits(p, S)]);
        unrolled::<ROUNDS>(|round| {
            let n = 2 << round;
            if n > S {
                return;
            }
            let mut next = at;
            unrolled::<S>(
                #[inline(always)]
                |pair| {
                    if pair >= S / 2 {
                        return;
                    }
                    let (stream, i) = (pair / (n / 2) * n, pair % (n / 2));
                    let (even, odd) = (at[stream + i], at[stream + n / 2 + i]);
                    next[stream + 2 * i] = permute::<WIDE>(even, &Rounds::<WIDE>::LOW, odd);
                    next[stream + 2 * i + 1] = permute::<WIDE>(even, &Rounds::<WIDE>::HIGH, odd);
                },
            );
            at = next;
        });
        at
    }

    /// The most rounds: `log2` of [`MAX_SIZE`].
    const ROUNDS: usize = MAX_SIZE.trailing_zeros() as usize;

    /// `k`'s low `log2 s` bits reversed.
    #[inline(always)]
    const fn reverse_bits(k: usize, s: usize) -> usize {
        if s <= 1 {
            return k;
        }
        k.reverse_bits() >> (usize::BITS - s.trailing_zeros())
    }

    /// [`super::to_lanes`] (`TO`) or [`super::from_lanes`], where the element width and
    /// the core size have a plan.
    ///
    /// # Safety
    ///
    /// As for [`super::to_lanes`].
    #[inline(always)]
    pub(super) unsafe fn transpose<T: Copy, const L: usize, const TO: bool>(
        src: *const T,
        size: usize,
        dst: *mut T,
    ) -> bool {
        if !matches!(size_of::<T>(), 4 | 8) {
            return false;
        }
        let w = 64 / size_of::<T>();
        if size > w || !L.is_multiple_of(w) {
            return false;
        }
        macro_rules! sizes {
            ($($s:literal)*) => {
                match size {
                    $($s => {
                        // SAFETY: this function's contract.
                        unsafe {
                            if size_of::<T>() == 8 {
                                run::<T, L, true, TO, $s>(src, dst);
                            } else {
                                run::<T, L, false, TO, $s>(src, dst);
                            }
                        }
                        true
                    })*
                    _ => false,
                }
            };
        }
        sizes!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
    }

    /// The `L / W` blocks of `W` cores each.
    ///
    /// # Safety
    ///
    /// As for [`super::to_lanes`], with `S <= W` and `W` dividing `L`.
    // Not inlined: a call per `L` cores costs nothing next to the shuffles, and inlined
    // into the size `match` all fifteen sizes' registers would share one stack frame,
    // which in a debug build is megabytes.
    #[inline(never)]
    unsafe fn run<T, const L: usize, const WIDE: bool, const TO: bool, const S: usize>(
        src: *const T,
        dst: *mut T,
    ) {
        let blocks = L / (64 / size_of::<T>());
        let (src, dst) = (src.cast::<__m512i>(), dst.cast::<__m512i>());
        for b in 0..blocks {
            // SAFETY: block `b` reads and writes inside the `S * L` elements on each side:
            // on the cores' side `S` vectors from vector `b * S`, one after another; on the
            // lanes' side one vector per element, `L` elements apart, from vector `b`.
            unsafe {
                if TO {
                    block::<WIDE, TO, S>(src.add(b * S), 1, dst.add(b), blocks);
                } else {
                    block::<WIDE, TO, S>(src.add(b), blocks, dst.add(b * S), 1);
                }
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::{from_lanes, to_lanes};

    /// How a copy is done: one-element cores copied (the public functions), and the
    /// shuffles taken where the build has them (an optimised build, or the shuffles called
    /// directly).
    #[derive(Clone, Copy)]
    struct Path {
        copies_one: bool,
        shuffles: bool,
    }

    /// Whether `size`-element cores of `T` at `L` lanes are copied by `path`.
    fn done<T, const L: usize>(size: usize, path: Path) -> bool {
        let w = 64 / size_of::<T>();
        (size == 1 && path.copies_one)
            || (path.shuffles
                && cfg!(all(target_arch = "x86_64", target_feature = "avx512f"))
                && matches!(size_of::<T>(), 4 | 8)
                && (2..=w.min(16)).contains(&size)
                && L.is_multiple_of(w))
    }

    /// The two ways of one copy: to lanes, then from them.
    type Ways<T> = (
        unsafe fn(*const T, usize, *mut T) -> bool,
        unsafe fn(*const T, usize, *mut T) -> bool,
    );

    /// Both ways for every core size up to 20, against the element-by-element layout;
    /// distinct values, so that a misplaced element shows.
    fn both_ways<T, const L: usize>(make: impl Fn(usize) -> T, (to, from): Ways<T>, path: Path)
    where
        T: Copy + PartialEq + std::fmt::Debug,
    {
        for size in 0..=20 {
            let cores: Vec<T> = (0..size * L).map(&make).collect();
            let unset = make(usize::MAX >> 1);
            let mut staged = vec![unset; size * L];
            // SAFETY: `size * L` values each way.
            let did = unsafe { to(cores.as_ptr(), size, staged.as_mut_ptr()) };
            let want = done::<T, L>(size, path);
            assert_eq!(did, want, "to lanes, {size} elements, {L} lanes");
            if !did {
                assert!(
                    staged.iter().all(|&v| v == unset),
                    "written though not done"
                );
                continue;
            }
            for j in 0..L {
                for k in 0..size {
                    assert_eq!(
                        staged[k * L + j],
                        cores[j * size + k],
                        "core {j}, element {k}"
                    );
                }
            }
            let mut back = vec![unset; size * L];
            // SAFETY: as above.
            let did = unsafe { from(staged.as_ptr(), size, back.as_mut_ptr()) };
            assert!(did, "from lanes, {size} elements, {L} lanes");
            assert_eq!(back, cores, "from lanes, {size} elements, {L} lanes");
        }
    }

    /// Every element type and lane count below, through `ways` of each.
    macro_rules! every_type {
        ($ways:ident, $path:expr) => {{
            both_ways::<u32, 16>(|i| i as u32, $ways!(u32, 16), $path);
            both_ways::<f32, 32>(|i| i as f32, $ways!(f32, 32), $path);
            both_ways::<i32, 64>(|i| -(i as i32), $ways!(i32, 64), $path);
            both_ways::<u32, 8>(|i| i as u32, $ways!(u32, 8), $path);
            both_ways::<u64, 8>(|i| i as u64, $ways!(u64, 8), $path);
            both_ways::<f64, 16>(|i| i as f64 + 0.5, $ways!(f64, 16), $path);
            both_ways::<i64, 32>(|i| -(i as i64), $ways!(i64, 32), $path);
            both_ways::<u64, 4>(|i| i as u64, $ways!(u64, 4), $path);
            // Narrow elements are copied only when a core is one element.
            both_ways::<u8, 32>(|i| i as u8, $ways!(u8, 32), $path);
            both_ways::<u16, 16>(|i| i as u16, $ways!(u16, 16), $path);
        }};
    }

    #[test]
    fn lanes_of_cores_are_their_transpose() {
        macro_rules! public {
            ($t:ty, $l:literal) => {
                (to_lanes::<$t, $l>, from_lanes::<$t, $l>)
            };
        }
        let path = Path {
            copies_one: true,
            shuffles: !cfg!(debug_assertions),
        };
        every_type!(public, path);
    }

    /// The shuffles themselves, which a debug build does not call: on a thread with room
    /// for their unoptimised frames.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    #[test]
    fn lanes_of_cores_by_shuffles_are_their_transpose() {
        use super::avx512::transpose;
        macro_rules! shuffles {
            ($t:ty, $l:literal) => {
                (transpose::<$t, $l, true>, transpose::<$t, $l, false>)
            };
        }
        std::thread::Builder::new()
            .stack_size(1 << 26)
            .spawn(|| {
                let path = Path {
                    copies_one: false,
                    shuffles: true,
                };
                every_type!(shuffles, path);
            })
            .expect("a test thread")
            .join()
            .expect("no failure");
    }
}
