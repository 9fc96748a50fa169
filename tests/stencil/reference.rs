//! The stencil reference shared by the stencil tests: every mode's index mapping written
//! out by hand (it does not call `ndkernel::boundary`), and a loop over every output.

use ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn};

/// The seven modes, in the order of the kernel tables below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Skip,
    Constant,
    Nearest,
    Reflect,
    Mirror,
    Wrap,
    Valid,
}

pub const MODES: [Mode; 7] = [
    Mode::Skip,
    Mode::Constant,
    Mode::Nearest,
    Mode::Reflect,
    Mode::Mirror,
    Mode::Wrap,
    Mode::Valid,
];

impl Mode {
    /// The input index read at `i` on an axis of length `len`, or `None` for `cval`.
    pub fn read(self, i: isize, len: usize) -> Option<usize> {
        let n = len as isize;
        if (0..n).contains(&i) {
            return Some(i as usize);
        }
        match self {
            Mode::Skip | Mode::Valid => panic!("reference: {self:?} read {i} outside 0..{n}"),
            Mode::Constant => None,
            Mode::Nearest => Some(if i < 0 { 0 } else { len - 1 }),
            // `3 2 1 | 1 2 3 | 3 2 1`: period 2n, the second half backwards.
            Mode::Reflect => {
                let j = i.rem_euclid(2 * n);
                Some((if j < n { j } else { 2 * n - 1 - j }) as usize)
            }
            // `2 3 2 | 1 2 3 | 2 1 2`: period 2n - 2; a single element everywhere.
            Mode::Mirror if n == 1 => Some(0),
            Mode::Mirror => {
                let j = i.rem_euclid(2 * n - 2);
                Some((if j < n { j } else { 2 * n - 2 - j }) as usize)
            }
            Mode::Wrap => Some(i.rem_euclid(n) as usize),
        }
    }
}

/// What a reference body reads: the input at `centre + offset`.
pub type Read<'r, T> = &'r dyn Fn(&[isize]) -> T;

/// The stencil by hand over inputs of `shape`: the last `modes.len()` axes are the
/// stencil's, with neighbourhood `lo..=hi` (centre included); leading axes are a stack.
/// `skip` outputs whose neighbourhood leaves the array hold `cval`, `valid` axes are
/// `hi - lo` shorter. `body` gets `locate`, which maps an offset from the centre to the
/// input index it reads, or `None` where a `constant` axis pads.
pub fn naive_at<O: Copy>(
    shape: &[usize],
    modes: &[Mode],
    (lo, hi): (&[isize], &[isize]),
    cval: O,
    body: impl Fn(&dyn Fn(&[isize]) -> Option<Vec<usize>>) -> O,
) -> ArrayD<O> {
    let rank = modes.len();
    let lead = shape.len() - rank;
    let len = |axis: usize| shape[lead + axis];
    let mut out_shape = shape.to_vec();
    for (axis, mode) in modes.iter().enumerate() {
        if *mode == Mode::Valid {
            out_shape[lead + axis] = (len(axis) as isize - (hi[axis] - lo[axis])).max(0) as usize;
        }
    }
    ArrayD::from_shape_fn(IxDyn(&out_shape), |out| {
        let out = out.slice();
        let mut centre = Vec::new();
        for (axis, mode) in modes.iter().enumerate() {
            let o = out[lead + axis] as isize;
            match mode {
                Mode::Valid => centre.push(o - lo[axis]),
                Mode::Skip if o + lo[axis] < 0 || o + hi[axis] >= len(axis) as isize => {
                    return cval;
                }
                _ => centre.push(o),
            }
        }
        let locate = |offset: &[isize]| -> Option<Vec<usize>> {
            assert_eq!(offset.len(), rank, "reference: offset {offset:?}");
            let mut index = out[..lead].to_vec();
            for (axis, mode) in modes.iter().enumerate() {
                index.push(mode.read(centre[axis] + offset[axis], len(axis))?);
            }
            Some(index)
        };
        body(&locate)
    })
}

/// [`naive_at`] over one input `x`, whose `constant` axes read `pad` outside it.
pub fn naive<T: Copy, O: Copy>(
    x: &ArrayViewD<'_, T>,
    modes: &[Mode],
    footprint: (&[isize], &[isize]),
    (pad, cval): (T, O),
    body: impl Fn(Read<'_, T>) -> O,
) -> ArrayD<O> {
    naive_at(x.shape(), modes, footprint, cval, |locate| {
        body(&|offset: &[isize]| locate(offset).map_or(pad, |i| x[IxDyn(&i)]))
    })
}
