//! The neighbourhood a stencil reads, computed at compile time from its offsets.

use crate::error::KernelError;

/// The neighbourhood of a stencil: per axis, the least and greatest offset it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint<const N: usize> {
    /// Least offset per axis (at most 0).
    pub lo: [isize; N],
    /// Greatest offset per axis (at least 0).
    pub hi: [isize; N],
}

impl<const N: usize> Footprint<N> {
    /// The smallest footprint holding the centre and every offset in `offsets`: evaluated
    /// at compile time on the offsets a kernel reads, `const` items included.
    pub const fn from_offsets(offsets: &[[isize; N]]) -> Self {
        let mut lo = [0; N];
        let mut hi = [0; N];
        let mut i = 0;
        while i < offsets.len() {
            let mut axis = 0;
            while axis < N {
                let d = offsets[i][axis];
                if d < lo[axis] {
                    lo[axis] = d;
                }
                if d > hi[axis] {
                    hi[axis] = d;
                }
                axis += 1;
            }
            i += 1;
        }
        Footprint { lo, hi }
    }

    /// A declared neighbourhood `[(lo, hi); N]`, widened to hold the centre.
    pub const fn declared(bounds: [(isize, isize); N]) -> Self {
        let mut lo = [0; N];
        let mut hi = [0; N];
        let mut axis = 0;
        while axis < N {
            if bounds[axis].0 < 0 {
                lo[axis] = bounds[axis].0;
            }
            if bounds[axis].1 > 0 {
                hi[axis] = bounds[axis].1;
            }
            axis += 1;
        }
        Footprint { lo, hi }
    }

    /// [`Footprint::declared`] for bounds set at run time, from a kernel's parameters.
    ///
    /// # Errors
    ///
    /// [`KernelError::NeighborhoodInverted`] for an axis whose low bound is above its high
    /// one, such as `(0, w)` called with a negative `w`: the kernel's reads there would
    /// leave the neighbourhood the border was planned for.
    pub fn declared_checked(bounds: [(isize, isize); N]) -> Result<Self, KernelError> {
        match bounds.iter().position(|(lo, hi)| lo > hi) {
            Some(axis) => Err(KernelError::NeighborhoodInverted {
                axis,
                lo: bounds[axis].0,
                hi: bounds[axis].1,
            }),
            None => Ok(Self::declared(bounds)),
        }
    }

    /// Panics unless `offset` lies in the footprint: a computed offset must never read
    /// outside the neighbourhood the border was planned for.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn check(&self, offset: &[isize; N]) {
        let mut axis = 0;
        while axis < N {
            if offset[axis] < self.lo[axis] || offset[axis] > self.hi[axis] {
                self.out_of_reach(*offset);
            }
            axis += 1;
        }
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn out_of_reach(self, offset: [isize; N]) -> ! {
        let reach: Vec<String> = (0..N)
            .map(|a| format!("({}, {})", self.lo[a], self.hi[a]))
            .collect();
        panic!(
            "#[stencil] read at offset {offset:?}, outside the neighborhood [{}]: declare a \
             wider `neighborhood`",
            reach.join(", ")
        )
    }

    /// How many positions the footprint covers: the cost of one evaluation, saturating at
    /// `usize::MAX`.
    pub fn size(&self) -> usize {
        (0..N)
            .map(|a| self.hi[a].abs_diff(self.lo[a]).saturating_add(1))
            .fold(1, usize::saturating_mul)
    }

    /// Checks that the driver's index arithmetic over `axis`, of length `len`, cannot
    /// overflow: every input index a border position reads, `-len + lo ..= 2 len + hi`, and
    /// every span `hi - lo` must fit `isize`. Footprints from literal offsets always pass;
    /// one set at run time from parameters may not.
    ///
    /// # Errors
    ///
    /// [`KernelError::NeighborhoodTooWide`] naming the axis, the bounds and the length.
    pub(crate) fn check_plannable(&self, axis: usize, len: usize) -> Result<(), KernelError> {
        let (lo, hi) = (self.lo[axis].min(0), self.hi[axis].max(0));
        let fits = isize::try_from(len)
            .ok()
            .and_then(|len| len.checked_mul(2))
            .and_then(|twice| Some((lo.checked_sub(twice)?, hi.checked_add(twice)?)))
            .and_then(|_| hi.checked_sub(lo))
            .is_some();
        if fits {
            Ok(())
        } else {
            Err(KernelError::NeighborhoodTooWide {
                axis,
                lo: self.lo[axis],
                hi: self.hi[axis],
                len,
            })
        }
    }
}
