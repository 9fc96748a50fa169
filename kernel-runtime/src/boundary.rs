//! Stencil boundary modes: which input element a `#[stencil]` kernel reads when a neighbour
//! falls outside the array.
//!
//! A stencil kernel reads its input at constant relative offsets. Along each axis they span a
//! neighbourhood `lo..=hi` with `lo <= 0 <= hi` (the center always belongs to it). An output
//! element is *interior* when its whole neighbourhood lies inside the input; the others form
//! the *border*. A [`Boundary`] mode decides what happens on the border.
//!
//! # The modes
//!
//! Two modes never read outside the input:
//!
//! - [`Skip`](Boundary::Skip), the default: the kernel is not evaluated on the border, whose
//!   output elements are set to `cval`; the output has the input's shape. This is what Numba's
//!   `@stencil` does, which Numba calls `mode="constant"` — Numba's `constant` is our `skip`,
//!   not our `constant`. When an axis is shorter than the neighbourhood (`len < hi - lo + 1`),
//!   every element is border.
//! - [`Valid`](Boundary::Valid): the output holds only the interior, so it is `hi - lo`
//!   shorter than the input (length 0 when the input is shorter than the neighbourhood), and
//!   output index `o` is centred on input index `o - lo`. This is `mode="valid"` of
//!   `numpy.convolve` and `scipy.signal.correlate` as long as the array is at least as long
//!   as the neighbourhood (when it is shorter, they swap the operands; here the output is
//!   empty).
//!
//! Five modes evaluate the kernel everywhere, reading the input as if it were extended past
//! its edges. They are exactly the `mode=` of the `scipy.ndimage` filters (`correlate`,
//! `convolve`, `generic_filter`, `uniform_filter`, …) and match `numpy.pad`, including
//! extensions longer than the array (then the pattern repeats with the period shown). Here is
//! `[1, 2, 3]` extended by 3 on each side, `c` standing for `cval`:
//!
//! | mode | SciPy filter `mode=` | `numpy.pad` mode | `[1, 2, 3]` extended by 3 | period |
//! |---|---|---|---|---|
//! | [`Constant`](Boundary::Constant) | `constant`, `grid-constant` | `constant` | `c c c \| 1 2 3 \| c c c` | — |
//! | [`Nearest`](Boundary::Nearest) | `nearest` | `edge` | `1 1 1 \| 1 2 3 \| 3 3 3` | — |
//! | [`Reflect`](Boundary::Reflect) | `reflect`, `grid-mirror` | `symmetric` | `3 2 1 \| 1 2 3 \| 3 2 1` | `2n` |
//! | [`Mirror`](Boundary::Mirror) | `mirror` | `reflect` | `2 3 2 \| 1 2 3 \| 2 1 2` | `2n - 2` |
//! | [`Wrap`](Boundary::Wrap) | `wrap`, `grid-wrap` | `wrap` | `1 2 3 \| 1 2 3 \| 1 2 3` | `n` |
//!
//! `reflect` repeats the edge element (reflection about the edge of the first and last
//! cells, `x[-1] = x[0]`); `mirror` does not (reflection about their centers,
//! `x[-1] = x[1]`). Extended by 7, longer than the array, the patterns repeat:
//!
//! | mode | `[1, 2, 3]` extended by 7 |
//! |---|---|
//! | `nearest` | `1 1 1 1 1 1 1 \| 1 2 3 \| 3 3 3 3 3 3 3` |
//! | `reflect` | `1 1 2 3 3 2 1 \| 1 2 3 \| 3 2 1 1 2 3 3` |
//! | `mirror` | `2 3 2 1 2 3 2 \| 1 2 3 \| 2 1 2 3 2 1 2` |
//! | `wrap` | `3 1 2 3 1 2 3 \| 1 2 3 \| 1 2 3 1 2 3 1` |
//!
//! A one-element axis reads its element everywhere in all four of these modes (`mirror`'s
//! period `2n - 2` would be 0). An empty axis has nothing to read: every mode maps every
//! index to "none", and since the output is empty too nothing is ever evaluated.
//!
//! The `grid-*` names come from SciPy's interpolation functions (`shift`, `zoom`,
//! `map_coordinates`), where some differ from the plain names: there `wrap` repeats with
//! period `n - 1` (the last sample overlaps the first) while `grid-wrap` is periodic, and
//! `constant` reads `cval` as soon as a point is past the last sample while `grid-constant`
//! interpolates towards it. For filters SciPy treats each alias exactly as its plain name
//! (`grid-mirror` is always `reflect`), and so does [`Boundary::from_str`]: `wrap` here is
//! always periodic.
//!
//! With several axes, each axis has its own mode (see [`Boundaries`]) and the index on each
//! axis is mapped independently. A neighbour reads `cval` when any of its axes maps to
//! none (`constant`), which is what `numpy.pad` does when padding one axis after another
//! with different modes. An output element is skipped when it lies in the border of any
//! `skip` axis. `cval` itself is not part of the mode: it has the kernel's output type and is
//! passed beside it.
//!
//! The table above is checked by this doctest, and the modes are checked against
//! `scipy.ndimage.correlate` by the crate's `boundary_scipy` test:
//!
//! ```
//! use kernel_runtime::boundary::Boundary;
//!
//! /// `[1, 2, 3]` extended by `pad` on each side, with `c` where the mode reads `cval`.
//! fn extend(mode: Boundary, pad: isize) -> String {
//!     let data = ["1", "2", "3"];
//!     let read = |range: std::ops::Range<isize>| {
//!         let items: Vec<_> = range
//!             .map(|i| mode.map_index(i, data.len()).map_or("c", |j| data[j]))
//!             .collect();
//!         items.join(" ")
//!     };
//!     format!("{} | {} | {}", read(-pad..0), read(0..3), read(3..3 + pad))
//! }
//!
//! assert_eq!(extend(Boundary::Constant, 3), "c c c | 1 2 3 | c c c");
//! assert_eq!(extend(Boundary::Nearest, 3), "1 1 1 | 1 2 3 | 3 3 3");
//! assert_eq!(extend(Boundary::Reflect, 3), "3 2 1 | 1 2 3 | 3 2 1");
//! assert_eq!(extend(Boundary::Mirror, 3), "2 3 2 | 1 2 3 | 2 1 2");
//! assert_eq!(extend(Boundary::Wrap, 3), "1 2 3 | 1 2 3 | 1 2 3");
//!
//! assert_eq!(extend(Boundary::Nearest, 7), "1 1 1 1 1 1 1 | 1 2 3 | 3 3 3 3 3 3 3");
//! assert_eq!(extend(Boundary::Reflect, 7), "1 1 2 3 3 2 1 | 1 2 3 | 3 2 1 1 2 3 3");
//! assert_eq!(extend(Boundary::Mirror, 7), "2 3 2 1 2 3 2 | 1 2 3 | 2 1 2 3 2 1 2");
//! assert_eq!(extend(Boundary::Wrap, 7), "3 1 2 3 1 2 3 | 1 2 3 | 1 2 3 1 2 3 1");
//!
//! // `skip` and `valid` never read outside, so nothing is defined there.
//! assert_eq!(extend(Boundary::Skip, 3), "c c c | 1 2 3 | c c c");
//! assert_eq!(extend(Boundary::Valid, 3), "c c c | 1 2 3 | c c c");
//! ```
//!
//! # How a stencil runs over an axis
//!
//! [`Boundary::plan`] gives, per axis, the output length, the interior (where every
//! neighbour can be read without any check) and the offset from output to input indices.
//! Generated code loops over the interior with plain indexing and over the border with
//! [`AxisPlan::input_index`]:
//!
//! ```
//! use kernel_runtime::boundary::Boundary;
//!
//! /// `out[i] = x[i - 1] + 2 x[i] + x[i + 1]`: the neighbourhood is `-1..=1`.
//! fn smooth(x: &[f64], mode: Boundary, cval: f64) -> Vec<f64> {
//!     let (lo, hi, weights) = (-1, 1, [1.0, 2.0, 1.0]);
//!     let plan = mode.plan(x.len(), lo, hi);
//!     let mut out = vec![cval; plan.out_len];
//!     for (o, slot) in out.iter_mut().enumerate() {
//!         if plan.is_interior(o) {
//!             let first = plan.center(o) - 1; // in bounds: `o` is interior
//!             *slot = (0..3).map(|k| weights[k] * x[first + k]).sum();
//!         } else if !plan.skips(o) {
//!             *slot = (lo..=hi)
//!                 .zip(weights)
//!                 .map(|(k, w)| w * plan.input_index(o, k).map_or(cval, |i| x[i]))
//!                 .sum();
//!         }
//!     }
//!     out
//! }
//!
//! let x = [1.0, 2.0, 3.0];
//! assert_eq!(smooth(&x, Boundary::Skip, -1.0), [-1.0, 8.0, -1.0]);
//! assert_eq!(smooth(&x, Boundary::Valid, -1.0), [8.0]);
//! assert_eq!(smooth(&x, Boundary::Constant, 0.0), [4.0, 8.0, 8.0]);
//! assert_eq!(smooth(&x, Boundary::Nearest, 0.0), [5.0, 8.0, 11.0]);
//! assert_eq!(smooth(&x, Boundary::Reflect, 0.0), [5.0, 8.0, 11.0]);
//! assert_eq!(smooth(&x, Boundary::Mirror, 0.0), [6.0, 8.0, 10.0]);
//! assert_eq!(smooth(&x, Boundary::Wrap, 0.0), [7.0, 8.0, 9.0]);
//! ```

use std::error::Error;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::error::KernelError;

/// The canonical names of the boundary modes, in the order of [`Boundary::ALL`].
///
/// The `#[stencil]` macro checks `mode = "…"` at compile time against its own table of
/// these names and [`BOUNDARY_ALIASES`] (a proc-macro crate cannot depend on this one);
/// a test in `kernel-macros` keeps the two equal.
pub const BOUNDARY_NAMES: &[&str] = &[
    "skip", "constant", "nearest", "reflect", "mirror", "wrap", "valid",
];

/// SciPy's other spellings that [`Boundary::from_str`] accepts, with the canonical name each
/// means. For filters SciPy treats each exactly like the canonical mode.
pub const BOUNDARY_ALIASES: &[(&str, &str)] = &[
    ("grid-constant", "constant"),
    ("grid-mirror", "reflect"),
    ("grid-wrap", "wrap"),
];

/// What a stencil does where its neighbourhood reaches past the array's edge.
///
/// The [module documentation](self) describes each mode exactly, with examples.
///
/// # Examples
///
/// ```
/// use kernel_runtime::boundary::Boundary;
///
/// let mode: Boundary = "mirror".parse()?;
/// assert_eq!(mode, Boundary::Mirror);
/// assert_eq!(mode.map_index(-1, 4), Some(1));
/// assert_eq!(mode.map_index(5, 4), Some(1));
/// assert_eq!(Boundary::Constant.map_index(-1, 4), None);
/// assert_eq!("grid-mirror".parse::<Boundary>()?, Boundary::Reflect);
/// # Ok::<(), kernel_runtime::boundary::ParseBoundaryError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Boundary {
    /// Numba's behaviour: the border of the output is set to `cval` and the kernel is not
    /// evaluated there.
    #[default]
    Skip,
    /// Reads outside the input give `cval` (`c c c | 1 2 3 | c c c`).
    Constant,
    /// Reads outside the input give the nearest edge element (`1 1 1 | 1 2 3 | 3 3 3`).
    Nearest,
    /// The input reflected about its outer edges, edge elements repeated
    /// (`3 2 1 | 1 2 3 | 3 2 1`); period `2n`.
    Reflect,
    /// The input mirrored about its first and last elements, which are not repeated
    /// (`2 3 2 | 1 2 3 | 2 1 2`); period `2n - 2`.
    Mirror,
    /// The input repeated periodically (`1 2 3 | 1 2 3 | 1 2 3`).
    Wrap,
    /// The output holds only the interior, `hi - lo` shorter than the input.
    Valid,
}

impl Boundary {
    /// Every mode, in the order of [`BOUNDARY_NAMES`].
    pub const ALL: &'static [Boundary] = &[
        Boundary::Skip,
        Boundary::Constant,
        Boundary::Nearest,
        Boundary::Reflect,
        Boundary::Mirror,
        Boundary::Wrap,
        Boundary::Valid,
    ];

    /// The canonical name, as accepted by [`from_str`](Boundary::from_str) and printed by
    /// `Display`.
    pub const fn name(self) -> &'static str {
        match self {
            Boundary::Skip => "skip",
            Boundary::Constant => "constant",
            Boundary::Nearest => "nearest",
            Boundary::Reflect => "reflect",
            Boundary::Mirror => "mirror",
            Boundary::Wrap => "wrap",
            Boundary::Valid => "valid",
        }
    }

    /// The input index read for a possibly out-of-range `index` on an axis of length `len`.
    ///
    /// In-range indices map to themselves. Outside, `None` means "read `cval`" for
    /// [`Constant`](Boundary::Constant), and "never read" for [`Skip`](Boundary::Skip) and
    /// [`Valid`](Boundary::Valid). The padding modes return an index `< len` for every
    /// `index`, however far outside, exactly as SciPy's filters extend a line. `len == 0`
    /// always gives `None`. Never panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel_runtime::boundary::Boundary;
    ///
    /// assert_eq!(Boundary::Reflect.map_index(-1, 3), Some(0));
    /// assert_eq!(Boundary::Reflect.map_index(-7, 3), Some(0)); // 1 1 2 3 3 2 1 | 1 2 3
    /// assert_eq!(Boundary::Wrap.map_index(-1, 3), Some(2));
    /// assert_eq!(Boundary::Nearest.map_index(isize::MAX, 3), Some(2));
    /// assert_eq!(Boundary::Mirror.map_index(5, 1), Some(0));
    /// assert_eq!(Boundary::Wrap.map_index(0, 0), None);
    /// ```
    #[inline]
    pub fn map_index(self, index: isize, len: usize) -> Option<usize> {
        if let Ok(i) = usize::try_from(index)
            && i < len
        {
            return Some(i);
        }
        if len == 0 {
            return None;
        }
        match self {
            Boundary::Skip | Boundary::Constant | Boundary::Valid => None,
            Boundary::Nearest => Some(if index < 0 { 0 } else { len - 1 }),
            Boundary::Reflect => Some(reflect(index, len)),
            Boundary::Mirror => Some(mirror(index, len)),
            Boundary::Wrap => Some(wrap(index, len)),
        }
    }

    /// The output's length on an axis of length `len` with neighbourhood `lo..=hi`: `len`,
    /// except for [`Valid`](Boundary::Valid), where it is `len - (hi - lo)`, saturating at 0.
    ///
    /// `lo` is taken as at most 0 and `hi` as at least 0 here and in the other planning
    /// functions: the center always belongs to the neighbourhood.
    pub fn output_len(self, len: usize, lo: isize, hi: isize) -> usize {
        match self {
            Boundary::Valid => len.saturating_sub(Halo::new(lo, hi).width()),
            _ => len,
        }
    }

    /// The output indices whose whole neighbourhood `lo..=hi` lies inside an input axis of
    /// length `len`: `-lo..len - hi`, or all of `0..output_len` for
    /// [`Valid`](Boundary::Valid).
    ///
    /// The range is empty when `len < hi - lo + 1`; even then `0..interior.start` and
    /// `interior.end..output_len` together cover the output exactly once.
    pub fn interior(self, len: usize, lo: isize, hi: isize) -> Range<usize> {
        let halo = Halo::new(lo, hi);
        if self == Boundary::Valid {
            return 0..len.saturating_sub(halo.width());
        }
        let start = halo.before.min(len);
        start..len.saturating_sub(halo.after).max(start)
    }

    /// Everything a stencil needs to run over an axis of length `len` with neighbourhood
    /// `lo..=hi`: see [`AxisPlan`] and the
    /// [module documentation](self#how-a-stencil-runs-over-an-axis).
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel_runtime::boundary::Boundary;
    ///
    /// let plan = Boundary::Valid.plan(10, -2, 1);
    /// assert_eq!((plan.out_len, plan.interior.clone(), plan.center_offset), (7, 0..7, 2));
    ///
    /// let plan = Boundary::Reflect.plan(10, -2, 1);
    /// assert_eq!((plan.out_len, plan.interior.clone(), plan.center_offset), (10, 2..9, 0));
    /// assert_eq!(plan.border(), [0..2, 9..10]);
    /// ```
    pub fn plan(self, len: usize, lo: isize, hi: isize) -> AxisPlan {
        AxisPlan {
            mode: self,
            len,
            out_len: self.output_len(len, lo, hi),
            interior: self.interior(len, lo, hi),
            center_offset: match self {
                Boundary::Valid => Halo::new(lo, hi).before,
                _ => 0,
            },
        }
    }
}

/// The neighbourhood `lo..=hi` as two distances from the center, with the center included.
/// Never overflows: each distance is at most `2^(bits - 1)`, so their sum fits `usize`.
#[derive(Clone, Copy)]
struct Halo {
    before: usize,
    after: usize,
}

impl Halo {
    fn new(lo: isize, hi: isize) -> Self {
        Halo {
            before: lo.min(0).unsigned_abs(),
            after: hi.max(0).unsigned_abs(),
        }
    }

    fn width(self) -> usize {
        self.before.saturating_add(self.after)
    }
}

/// `reflect` (`numpy.pad`'s `symmetric`) for an out-of-range index, `len > 0`.
#[inline]
fn reflect(index: isize, len: usize) -> usize {
    // Symmetric about -1/2: -1 reads 0, -2 reads 1, … `!index` is `-1 - index`.
    let folded = if index < 0 { !index } else { index }.unsigned_abs();
    match len.checked_mul(2) {
        Some(period) => {
            let r = folded % period;
            if r < len { r } else { period - 1 - r }
        }
        // `len` exceeds `isize::MAX`, so `folded` (at most `isize::MAX`) is in range.
        None => folded,
    }
}

/// `mirror` (`numpy.pad`'s `reflect`) for an out-of-range index, `len > 0`.
#[inline]
fn mirror(index: isize, len: usize) -> usize {
    if len == 1 {
        return 0;
    }
    // Symmetric about 0: -1 reads 1, -2 reads 2, …
    let folded = index.unsigned_abs();
    match (len - 1).checked_mul(2) {
        Some(period) => {
            let r = folded % period;
            if r < len { r } else { period - r }
        }
        // `len - 1` is at least 2^(bits - 1), the largest `folded`, so it is in range.
        None => folded,
    }
}

/// `wrap`: `index.rem_euclid(len)` without converting `len` to `isize`, `len > 0`.
#[inline]
fn wrap(index: isize, len: usize) -> usize {
    let r = index.unsigned_abs() % len;
    if index >= 0 || r == 0 { r } else { len - r }
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Boundary {
    type Err = ParseBoundaryError;

    /// Parses a canonical name from [`BOUNDARY_NAMES`] or a SciPy alias from
    /// [`BOUNDARY_ALIASES`]. Names are case-sensitive, as in SciPy.
    ///
    /// # Errors
    ///
    /// [`ParseBoundaryError`] for any other string; its message lists the canonical names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let canonical = BOUNDARY_ALIASES
            .iter()
            .find(|(alias, _)| *alias == s)
            .map_or(s, |(_, name)| *name);
        Boundary::ALL
            .iter()
            .copied()
            .find(|mode| mode.name() == canonical)
            .ok_or_else(|| ParseBoundaryError { name: s.to_owned() })
    }
}

/// A string that names no boundary mode.
///
/// Its message lists the canonical names: "unknown boundary mode \`periodic\`, expected one
/// of \`skip\`, \`constant\`, …".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseBoundaryError {
    name: String,
}

impl ParseBoundaryError {
    /// The string that was given.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for ParseBoundaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown boundary mode `{}`, expected one of ", self.name)?;
        for (i, name) in BOUNDARY_NAMES.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{name}`")?;
        }
        Ok(())
    }
}

impl Error for ParseBoundaryError {}

/// How a stencil runs over one axis: from [`Boundary::plan`].
///
/// Output index `o` is centred on input index `o + center_offset`. For `o` in `interior`,
/// every neighbour `o + center_offset + k`, `lo <= k <= hi`, is in bounds. The border, the
/// output indices outside `interior`, is filled with `cval` for
/// [`Skip`](Boundary::Skip) and evaluated through [`input_index`](AxisPlan::input_index)
/// otherwise ([`Valid`](Boundary::Valid) has none).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AxisPlan {
    /// The axis's mode.
    pub mode: Boundary,
    /// The input's length on this axis.
    pub len: usize,
    /// The output's length on this axis.
    pub out_len: usize,
    /// The output indices whose whole neighbourhood is in bounds.
    pub interior: Range<usize>,
    /// Input center index minus output index: `-lo` for `Valid`, 0 otherwise.
    pub center_offset: usize,
}

impl AxisPlan {
    /// The input index output index `out` is centred on.
    #[inline]
    pub fn center(&self, out: usize) -> usize {
        out + self.center_offset
    }

    /// Whether every neighbour of output index `out` is in bounds.
    #[inline]
    pub fn is_interior(&self, out: usize) -> bool {
        self.interior.contains(&out)
    }

    /// Whether output index `out` is set to `cval` without evaluating the kernel: a border
    /// index of a [`Skip`](Boundary::Skip) axis.
    #[inline]
    pub fn skips(&self, out: usize) -> bool {
        self.mode == Boundary::Skip && !self.is_interior(out)
    }

    /// The border: the output indices before and after the interior.
    pub fn border(&self) -> [Range<usize>; 2] {
        [0..self.interior.start, self.interior.end..self.out_len]
    }

    /// The input index read by output index `out` at neighbour offset `k`, mapped by the
    /// axis's mode; `None` reads `cval`. Also `None` when the index does not fit `isize`.
    #[inline]
    pub fn input_index(&self, out: usize, k: isize) -> Option<usize> {
        let index = isize::try_from(self.center(out)).ok()?.checked_add(k)?;
        self.mode.map_index(index, self.len)
    }
}

/// Boundary modes for each axis of an array: one mode for all axes, or one per axis.
///
/// # Examples
///
/// ```
/// use kernel_runtime::boundary::{Boundaries, Boundary};
/// use kernel_runtime::KernelError;
///
/// let modes = Boundaries::new(&[Boundary::Wrap, Boundary::Reflect], 2)?;
/// assert_eq!(modes.axis(1), Boundary::Reflect);
///
/// let all = Boundaries::new(&[Boundary::Nearest], 3)?;
/// assert_eq!(all.iter().collect::<Vec<_>>(), [Boundary::Nearest; 3]);
///
/// let error = Boundaries::new(&[Boundary::Wrap, Boundary::Reflect], 3).unwrap_err();
/// assert!(matches!(error, KernelError::RankMismatch { expected: 3, found: 2, .. }));
/// assert_eq!(error.to_string(), "2 boundary modes were given for an array with 3 axes");
/// # Ok::<(), KernelError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Boundaries<'a> {
    modes: &'a [Boundary],
    ndim: usize,
}

impl<'a> Boundaries<'a> {
    /// Checks `modes` against an array with `ndim` axes.
    ///
    /// # Errors
    ///
    /// [`KernelError::RankMismatch`] unless `modes` has one entry (for every axis) or
    /// `ndim` entries.
    pub fn new(modes: &'a [Boundary], ndim: usize) -> Result<Self, KernelError> {
        if modes.len() == 1 || modes.len() == ndim {
            Ok(Boundaries { modes, ndim })
        } else {
            Err(KernelError::RankMismatch {
                what: "boundary modes",
                expected: ndim,
                found: modes.len(),
            })
        }
    }

    /// The number of axes.
    pub fn ndim(self) -> usize {
        self.ndim
    }

    /// The mode of `axis`.
    ///
    /// # Panics
    ///
    /// If `axis >= self.ndim()`.
    #[track_caller]
    pub fn axis(self, axis: usize) -> Boundary {
        assert!(
            axis < self.ndim,
            "axis {axis} is out of bounds for an array with {} axes",
            self.ndim
        );
        if self.modes.len() == 1 {
            self.modes[0]
        } else {
            self.modes[axis]
        }
    }

    /// The mode of each axis, in order.
    pub fn iter(self) -> impl ExactSizeIterator<Item = Boundary> + 'a {
        let modes = self.modes;
        (0..self.ndim).map(move |axis| {
            if modes.len() == 1 {
                modes[0]
            } else {
                modes[axis]
            }
        })
    }
}

#[cfg(test)]
mod tests;
