//! The stencil driver: evaluates a relative-index kernel at every output position, with
//! unchecked reads in the interior and boundary-mode reads at the border.
//!
//! A `#[stencil]` kernel body reads neighbours as `x[[di, dj]]`. The generated code makes
//! the user's function generic over how each relatively indexed input reads, and this
//! module supplies three readers:
//!
//! * [`Interior`]: the whole neighbourhood is in bounds, so a read is one load at a fixed
//!   offset from the centre. The offsets are constants after inlining, the bounds check
//!   against the footprint folds away, and the row loop is plain enough for the compiler
//!   to vectorise.
//! * [`Edge`]: a row on the border of another axis, at a position interior on the row's
//!   own axis: offsets along the row are one load away, as in the interior, and the other
//!   axes' offsets go through their [`Boundary`] modes by tables made once per call
//!   ([`AxisRemap`], [`RowRemap`]).
//! * [`Rim`]: a position on the border of the row's own axis: its offsets go through a
//!   table made once per call ([`AxisRemap`]), the other axes' as for the row. Positions
//!   that map outside read the input's pad value.
//!
//! The inputs ([`Sources`]: one to six arrays of one shape) are walked together: the last
//! `N` axes are the stencil's, any leading axes are loop axes (a stack of images), handled
//! like rows. Work is split over output rows by [`for_each_row_mut`], so a single image
//! uses every core as a stack does; halos are read from the shared inputs and nothing is
//! copied. A row runs along the stencil axis every input steps through one element at a
//! time ([`Sources::row_axis`]): the last in C order, the first in F order or for a
//! transposed view, so that either is one unit-stride loop.

mod divisor;
mod footprint;
pub mod linear;
mod readers;
mod sources;

pub use footprint::Footprint;
pub use readers::{
    AxisRemap, Edge, EdgeAt, Interior, InteriorAt, Place, Reader, Rel, Rim, RimAt, RowOf, RowRemap,
    step,
};
pub use sources::{Source, Sources};

use ndarray::{ArrayViewMut, ArrayViewMutD, Dimension, ShapeBuilder};

use crate::boundary::{AxisPlan, Boundary};
use crate::dispatch::{Schedule, for_each_row_mut};
use crate::error::{KernelError, Operand};
use readers::sealed::Token;
use readers::step::{STRIDED, UNIT_FIRST, UNIT_LAST};

/// A stencil kernel over `N` axes reading the inputs `S`; `#[stencil]` implements it by
/// calling the user's function with one reader per input.
///
/// # Safety
///
/// [`run`] reads the inputs without bounds checks on the strength of this contract, so an
/// implementation must keep it:
///
/// * [`eval`](Kernel::eval) and [`eval_lanes`](Kernel::eval_lanes) turn only the `row`
///   and `place` of their own invocation into readers ([`Place::read`]), and let neither,
///   nor any reader made from them, outlive the invocation: a row or place kept from one
///   position, call or array and read at another addresses memory the driver never
///   planned for.
/// * [`footprint`](Kernel::footprint) returns the same value on every call during one
///   [`run`] (checked once per row, as a second line of defence).
///
/// The readers check every offset against the footprint, so a body that indexes with
/// computed offsets is safe whatever it computes.
pub unsafe trait Kernel<S: Sources<N>, const N: usize>: Sync {
    /// The output element type.
    type Out;
    /// The offsets the kernel reads. A constant for kernels whose offsets the macro saw:
    /// inlined into the row loop, it lets the compiler drop every read's check.
    fn footprint(&self) -> Footprint<N>;
    /// Evaluates the kernel at `place`, reading each input through its share of `row`.
    fn eval<P: Place<N>>(&self, row: &S::Row, place: P) -> Self::Out;

    /// How many consecutive positions of a row [`eval_lanes`](Kernel::eval_lanes)
    /// evaluates at once; 1 for kernels without a lane form.
    const LANES: usize = 1;

    /// Evaluates the kernel at `place` and the `LANES - 1` positions after it along the
    /// row into `out[..LANES]`, each bit for bit what [`eval`](Kernel::eval) gives there;
    /// the driver calls it on interior stretches of at least `LANES` positions.
    #[inline(always)]
    fn eval_lanes<P: Place<N>>(&self, row: &S::Row, place: P, out: &mut [Self::Out]) {
        out[0] = self.eval(row, place);
    }
}

/// The output shape of a stencil with `footprint` and `modes` over `inputs`, each named by
/// its operand: loop axes unchanged, `valid` axes shrunk.
///
/// # Errors
///
/// [`KernelError::StencilRank`] if an input has fewer axes than the stencil;
/// [`KernelError::StencilShapes`] if an input's shape differs from the first's;
/// [`KernelError::NeighborhoodTooWide`] if a neighbourhood set at run time is too wide for
/// index arithmetic over its axis.
pub fn output_shape<const N: usize>(
    inputs: &[(&Operand, &[usize])],
    footprint: &Footprint<N>,
    modes: &[Boundary; N],
) -> Result<Vec<usize>, KernelError> {
    let Some(&(first, shape)) = inputs.first() else {
        unreachable!("a stencil reads at least one input")
    };
    for &(operand, found) in inputs {
        if found.len() < N {
            return Err(KernelError::StencilRank {
                operand: operand.clone(),
                ndim: found.len(),
                rank: N,
            });
        }
        if found != shape {
            let axis = found
                .iter()
                .zip(shape)
                .position(|(a, b)| a != b)
                .unwrap_or(found.len().min(shape.len()));
            return Err(KernelError::StencilShapes {
                operand: operand.clone(),
                shape: found.to_vec(),
                other: first.clone(),
                other_shape: shape.to_vec(),
                axis,
            });
        }
    }
    let loop_axes = shape.len() - N;
    let mut out = shape.to_vec();
    for axis in 0..N {
        let len = shape[loop_axes + axis];
        footprint.check_plannable(axis, len)?;
        out[loop_axes + axis] = modes[axis].output_len(len, footprint.lo[axis], footprint.hi[axis]);
    }
    Ok(out)
}

/// Runs `kernel` at every position of `out`, reading `sources` within the kernel's
/// [`footprint`](Kernel::footprint).
///
/// The last `N` axes are the stencil's, leading axes are loop axes shared by the inputs
/// and the output. `skip` axes leave `cval` at the border.
///
/// # Errors
///
/// As [`output_shape`], and [`KernelError::ShapeMismatch`] naming `out` if its shape is
/// not the stencil's output shape.
pub fn run<S, O, E, K, const N: usize>(
    sources: &S,
    mut out: ArrayViewMut<'_, O, E>,
    modes: [Boundary; N],
    cval: O,
    schedule: Schedule,
    kernel: &K,
) -> Result<(), KernelError>
where
    S: Sources<N>,
    O: Copy + Send + Sync,
    E: Dimension,
    K: Kernel<S, N, Out = O>,
{
    let footprint = &kernel.footprint();
    let expected = sources.output_shape(footprint, &modes)?;
    crate::operand::check_shape(Operand::output(0).named("out"), &expected, out.shape())?;
    if out.is_empty() {
        return Ok(());
    }
    let shape = sources.shape();
    let loop_axes = shape.len() - N;
    let (reach_lo, reach_hi) = (footprint.lo, footprint.hi);
    let plans: [AxisPlan; N] =
        std::array::from_fn(|a| modes[a].plan(shape[loop_axes + a], reach_lo[a], reach_hi[a]));
    let (row_axis, unit) = sources.row_axis();
    let schedule = schedule.with_cost(footprint.size());
    // Rows run along `row_axis`, which the driver walks as its last axis; the other
    // stencil axes keep their order.
    let outer: Vec<usize> = (0..N).filter(|&axis| axis != row_axis).collect();
    let walked = last_axis_moved(out.view_mut().into_dyn(), loop_axes + row_axis);
    let remaps: &[AxisRemap; N] =
        &std::array::from_fn(|a| AxisRemap::new(&plans[a], reach_lo[a], reach_hi[a]));
    let body = |index: &[usize], start: usize, mut row: ndarray::ArrayViewMut1<'_, O>| {
        // The centre on every stencil axis but the row's, and which put the row on their
        // border.
        let mut center = [0usize; N];
        let mut on_border = [false; N];
        for (&axis, &o) in outer.iter().zip(&index[loop_axes..]) {
            if plans[axis].skips(o) {
                row.fill(cval);
                return;
            }
            center[axis] = plans[axis].center(o);
            on_border[axis] = !plans[axis].is_interior(o);
        }
        let row_interior = !on_border.contains(&true);
        let plan = &plans[row_axis];
        let end = start + row.len();
        let lo = plan.interior.start.clamp(start, end);
        let hi = plan.interior.end.clamp(start, end);
        // Centred on the first interior position (or anywhere, when there is none).
        center[row_axis] = if lo < hi { plan.center(lo) } else { 0 };
        let rows = sources.row(Token(()), &index[..loop_axes], &center);
        let remap = &RowRemap {
            center,
            border: std::array::from_fn(|a| on_border[a].then(|| remaps[a].reads(center[a]))),
        };
        let border = |o: usize| -> O {
            if plan.skips(o) {
                return cval;
            }
            let at = plan.center(o);
            let place = RimAt {
                k: at as isize - center[row_axis] as isize,
                at,
                row_axis,
                row: remaps[row_axis].reads(at),
                remap,
                footprint: kernel.footprint(),
            };
            kernel.eval(&rows, place)
        };
        if lo < hi {
            let (from, to) = (lo - start, hi - start);
            let stretch = Stretch {
                row: &mut row,
                span: from..to,
                unit,
                row_axis,
            };
            if row_interior {
                stretch.run(rows, footprint, kernel, Interiors { row_axis });
            } else {
                stretch.run(rows, footprint, kernel, Edges { row_axis, remap });
            }
        }
        // The rims after the interior, whose loads stream through the rows the rims read
        // too: evaluated first, the rims would wait for each of those rows from memory.
        for o in (start..lo).chain(hi.max(lo)..end) {
            row[o - start] = border(o);
        }
    };
    sweep(walked, loop_axes, footprint, schedule, &body);
    Ok(())
}

/// The interior stretch of one row: positions `span` of `row`, which runs along
/// `row_axis`, unit-stride in every input where `unit` says so.
struct Stretch<'r, 'a, O> {
    row: &'r mut ndarray::ArrayViewMut1<'a, O>,
    span: std::ops::Range<usize>,
    unit: bool,
    row_axis: usize,
}

impl<O> Stretch<'_, '_, O> {
    /// Evaluates `kernel` at every position of the stretch, at places `places` makes: one
    /// loop per way of stepping along the row, each with its `STEP` a constant, so that
    /// unit-stride rows are plain loads ([`unit_stretch`]) and the others step by their
    /// stride one position at a time.
    #[inline]
    fn run<S, K, P, const N: usize>(
        self,
        rows: S::Row,
        footprint: &Footprint<N>,
        kernel: &K,
        places: P,
    ) where
        S: Sources<N>,
        K: Kernel<S, N, Out = O>,
        P: Places<N>,
    {
        let Stretch {
            row,
            span,
            unit,
            row_axis,
        } = self;
        match row.as_slice_mut() {
            Some(slice) if unit && row_axis == N - 1 => {
                let place = |k, lanes, footprint| places.at::<UNIT_LAST>(k, lanes, footprint);
                unit_stretch(&mut slice[span], rows, footprint, kernel, place);
            }
            Some(slice) if unit && row_axis == 0 => {
                let place = |k, lanes, footprint| places.at::<UNIT_FIRST>(k, lanes, footprint);
                unit_stretch(&mut slice[span], rows, footprint, kernel, place);
            }
            _ => {
                let mut stretch = row.slice_mut(ndarray::s![span]);
                for (k, o) in stretch.iter_mut().enumerate() {
                    *o = kernel.eval(&rows, places.at::<STRIDED>(k, 1, *footprint));
                }
            }
        }
    }
}

/// The places of an interior stretch, for each way of stepping along the row (`STEP`).
trait Places<const N: usize>: Copy {
    /// The place of one position.
    type At<const STEP: u8>: Place<N>;
    /// Position `k` of the stretch, where `lanes` positions from `k` on are planned, read
    /// within the kernel's own `footprint`.
    fn at<const STEP: u8>(self, k: usize, lanes: usize, footprint: Footprint<N>) -> Self::At<STEP>;
}

/// A row interior on every stencil axis: every read one load away ([`InteriorAt`]).
#[derive(Clone, Copy)]
struct Interiors {
    row_axis: usize,
}

impl<const N: usize> Places<N> for Interiors {
    type At<const STEP: u8> = InteriorAt<N, STEP>;

    #[inline(always)]
    fn at<const STEP: u8>(
        self,
        k: usize,
        lanes: usize,
        footprint: Footprint<N>,
    ) -> InteriorAt<N, STEP> {
        InteriorAt {
            k,
            row_axis: self.row_axis,
            lanes,
            footprint,
        }
    }
}

/// A row on the border of another stencil axis: reads along the row one load away, the
/// other axes through the row's tables ([`EdgeAt`]).
#[derive(Clone, Copy)]
struct Edges<'f, const N: usize> {
    row_axis: usize,
    remap: &'f RowRemap<'f, N>,
}

impl<'f, const N: usize> Places<N> for Edges<'f, N> {
    type At<const STEP: u8> = EdgeAt<'f, N, STEP>;

    #[inline(always)]
    fn at<const STEP: u8>(
        self,
        k: usize,
        lanes: usize,
        footprint: Footprint<N>,
    ) -> EdgeAt<'f, N, STEP> {
        EdgeAt {
            k,
            row_axis: self.row_axis,
            lanes,
            remap: self.remap,
            footprint,
        }
    }
}

/// Runs `body` on every row of `walked`, in parallel, tiled where [`Tiling`] says so.
fn sweep<O: Send + Sync, const N: usize>(
    walked: ArrayViewMutD<'_, O>,
    loop_axes: usize,
    footprint: &Footprint<N>,
    schedule: Schedule,
    body: &(impl Fn(&[usize], usize, ndarray::ArrayViewMut1<'_, O>) + Sync),
) {
    let span = |axis: usize| footprint.hi[axis].abs_diff(footprint.lo[axis]);
    match Tiling::of(&walked, loop_axes, N, size_of::<O>(), span) {
        Some(tiling) => tiling.run(walked, schedule, body),
        None => for_each_row_mut(walked, schedule, |index, start, row| {
            body(index, start, row);
        }),
    }
}

/// How rows of a stencil of rank 3 and more are ordered so that the planes it reads stay
/// in cache: the plane axis `z` before the row axis is swept tile by tile of the axis `y`
/// between them, `(tile, z, y in tile)`, so that each input row comes from memory about
/// once, instead of once per plane that reads it when whole planes do not fit in cache.
struct Tiling {
    /// Walked axes of the plane sweep and of the tiled axis.
    z: usize,
    y: usize,
    /// Rows per tile; the first `tiles * tile` indices of `y` are tiled, the rest run as
    /// they are.
    tile: usize,
    tiles: usize,
}

/// The bytes of rows a tile's sweep keeps in cache: a few hundred KiB fit L2 with room
/// for the output.
const TILE_BYTES: usize = 192 << 10;

/// The bytes of the planes a stencil reads at once from which tiling pays. Below it the
/// planes stay in the shared L3 cache between the sweeps of one plane and the next, and
/// the long sequential runs of whole planes stream better than tiles do. `cargo bench
/// --bench laplacian -- laplacian_tiling` (7-point Laplacian on `f32`, 2 threads, a Zen 4
/// with 1 MiB of L2 per core and 32 MiB of L3), tiled vs untiled: 256³ (3 planes of
/// 256 KiB) 9.3 vs 7.7 ms, 48x768² (6.75 MiB) 11.4 vs 10.8 ms, 32x1024² (12 MiB) 12.5 vs
/// 16.5 ms, 16x2048² (48 MiB) 26.3 vs 36.7 ms.
const TILE_FROM: usize = 8 << 20;

thread_local! {
    static TILED: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with every stencil of rank 3 and more called on this thread swept in tiles of
/// rows (`tiled`) or plane by plane (`!tiled`), whatever the size of its planes: for
/// benchmarks that compare the two orders. A tiling still needs two tiles and
/// non-negative strides. The order changes the speed, never a value.
///
/// # Examples
///
/// ```
/// use kernel_runtime::stencil::with_tiling;
///
/// // Inside, the sweep is forced; after, the size of the planes decides again.
/// let answer = with_tiling(true, || 42);
/// assert_eq!(answer, 42);
/// ```
pub fn with_tiling<R>(tiled: bool, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<bool>);
    impl Drop for Restore {
        fn drop(&mut self) {
            TILED.set(self.0);
        }
    }
    let _restore = Restore(TILED.replace(Some(tiled)));
    f()
}

impl Tiling {
    /// The tiling of `walked` (loop axes, the stencil's other axes, the row axis last) for
    /// a stencil of rank `n` whose outputs are `elem` bytes and which spans `span(axis)` on
    /// each stencil axis; `None` where the planes read at once fit in cache anyway (unless
    /// [`with_tiling`] says otherwise), the rank is below 3, or a stride is negative.
    fn of<T>(
        walked: &ArrayViewMutD<'_, T>,
        loop_axes: usize,
        n: usize,
        elem: usize,
        span: impl Fn(usize) -> usize,
    ) -> Option<Self> {
        if n < 3 || walked.strides().iter().any(|&s| s < 0) {
            return None;
        }
        let (z, y) = (loop_axes + n - 3, loop_axes + n - 2);
        let shape = walked.shape();
        let row_bytes = shape[walked.ndim() - 1].saturating_mul(elem.max(1));
        // The walked axes are the stencil's in order with the row axis moved last, so the
        // spans of `z` and `y` are those of stencil axes `n - 3` and `n - 2` unless the row
        // axis came before them; the largest span bounds either way.
        let planes = (0..n).map(&span).max().unwrap_or(0).saturating_add(1);
        let plane_bytes = row_bytes.saturating_mul(shape[y]);
        let large = plane_bytes.saturating_mul(planes) >= TILE_FROM;
        if !TILED.get().unwrap_or(large) {
            return None;
        }
        let tile = (TILE_BYTES / row_bytes.max(1) / planes).max(4);
        let tiles = shape[y] / tile;
        (tiles >= 2 && shape[z] > 1).then_some(Tiling { z, y, tile, tiles })
    }

    /// Runs `body` on every row of `walked`, as `for_each_row_mut` would, in tiled order.
    fn run<T: Send + Sync>(
        &self,
        walked: ArrayViewMutD<'_, T>,
        schedule: Schedule,
        body: &(impl Fn(&[usize], usize, ndarray::ArrayViewMut1<'_, T>) + Sync),
    ) {
        let main = self.tiles * self.tile;
        let (tiled, rest) = walked.split_at(ndarray::Axis(self.y), main);
        // The tiled part as (.., tile, z, y in tile, ..): `y` split in two by its stride,
        // the tile index moved before `z`.
        let (mut shape, mut strides) = (tiled.shape().to_vec(), tiled.strides().to_vec());
        let ys = strides[self.y];
        shape[self.y] = self.tile;
        shape.insert(self.z, self.tiles);
        strides.insert(self.z, ys * self.tile as isize);
        let strides: Vec<usize> = strides.iter().map(|&s| s as usize).collect();
        let ptr = tiled.as_ptr().cast_mut();
        drop(tiled);
        // SAFETY: the view addresses exactly the elements of `tiled` (a part of the output
        // borrowed for this call), each once: index (t, y') of the new axes is index
        // `t * tile + y'` of the old one, at the same address. Strides are non-negative
        // (`Tiling::of`).
        let view = unsafe {
            ndarray::ArrayViewMut::from_shape_ptr(
                ndarray::IxDyn(&shape).strides(ndarray::IxDyn(&strides)),
                ptr,
            )
        };
        let (z, y, tile) = (self.z, self.y, self.tile);
        for_each_row_mut(view, schedule, |index, start, row| {
            with_index(index.len() - 1, |real| {
                real[..z].copy_from_slice(&index[..z]);
                real[z..].copy_from_slice(&index[z + 1..]);
                real[y] += index[z] * tile;
                body(real, start, row);
            });
        });
        for_each_row_mut(rest, schedule, |index, start, row| {
            with_index(index.len(), |real| {
                real.copy_from_slice(index);
                real[y] += main;
                body(real, start, row);
            });
        });
    }
}

/// Calls `f` with a zeroed index of `len` axes, on the stack for any array ndarray makes
/// in practice.
#[inline]
fn with_index(len: usize, f: impl FnOnce(&mut [usize])) {
    let mut small = [0usize; 16];
    if len <= small.len() {
        f(&mut small[..len]);
    } else {
        f(&mut vec![0; len]);
    }
}

/// `view` with `axis` moved last, the others in order.
fn last_axis_moved<T>(view: ArrayViewMutD<'_, T>, axis: usize) -> ArrayViewMutD<'_, T> {
    let mut order: Vec<usize> = (0..view.ndim()).collect();
    order.remove(axis);
    order.push(axis);
    view.permuted_axes(order)
}

/// Evaluates `kernel` along one contiguous stretch of a row, interior on the row's axis:
/// `out[k]` is evaluated at `place(k, lanes, footprint)`, centred `k` elements after each
/// input's first position, with the kernel's own footprint; `lanes` positions from `k` on
/// are evaluated by one [`Kernel::eval_lanes`] where the kernel has lanes. A function of its own so that
/// `out` is a `noalias` argument: the compiler may then vectorise the loop, loads of the
/// inputs and stores of the output interleaved.
///
/// On `x86_64` the loop is compiled twice, for the build's target and for AVX2, and the
/// CPU picks at run time: a default build (SSE2 only) runs 256-bit lanes where the machine
/// has them, as `-C target-cpu=native` would. Both copies evaluate the same expressions in
/// the same order (no contraction into FMA happens without fast-math), so they agree
/// bit for bit.
#[inline(never)]
fn unit_stretch<S, O, K, P, F, const N: usize>(
    out: &mut [O],
    rows: S::Row,
    footprint: &Footprint<N>,
    kernel: &K,
    place: F,
) where
    S: Sources<N>,
    K: Kernel<S, N, Out = O>,
    P: Place<N>,
    F: Fn(usize, usize, Footprint<N>) -> P,
{
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just found to support AVX2, the only feature enabled.
        unsafe { unit_stretch_avx2(out, rows, footprint, kernel, place) };
        return;
    }
    unit_stretch_body(out, rows, footprint, kernel, place);
}

/// Reports a kernel whose footprint differs from the one its call was planned for.
#[cold]
#[inline(never)]
fn footprint_changed<const N: usize>(planned: Footprint<N>, now: Footprint<N>) -> ! {
    panic!("a stencil kernel's footprint changed during a call: {planned:?}, then {now:?}")
}

/// [`unit_stretch_body`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn unit_stretch_avx2<S, O, K, P, F, const N: usize>(
    out: &mut [O],
    rows: S::Row,
    footprint: &Footprint<N>,
    kernel: &K,
    place: F,
) where
    S: Sources<N>,
    K: Kernel<S, N, Out = O>,
    P: Place<N>,
    F: Fn(usize, usize, Footprint<N>) -> P,
{
    unit_stretch_body(out, rows, footprint, kernel, place);
}

#[inline(always)]
fn unit_stretch_body<S, O, K, P, F, const N: usize>(
    out: &mut [O],
    rows: S::Row,
    footprint: &Footprint<N>,
    kernel: &K,
    place: F,
) where
    S: Sources<N>,
    K: Kernel<S, N, Out = O>,
    P: Place<N>,
    F: Fn(usize, usize, Footprint<N>) -> P,
{
    // Each read is checked against the kernel's own footprint, which is a constant for
    // literal offsets, so the checks fold away; it must be the one the border was planned
    // for. The mismatch is reported by a function of its own, which gets copies: with the
    // message formatted here, `own` had its address taken, lived in memory, and every
    // check of the loop loaded it instead of folding.
    let own = kernel.footprint();
    if own != *footprint {
        footprint_changed(*footprint, own);
    }
    let lanes = K::LANES;
    if lanes <= 1 {
        for (k, o) in out.iter_mut().enumerate() {
            *o = kernel.eval(&rows, place(k, 1, own));
        }
        return;
    }
    let len = out.len();
    if len < lanes {
        for (k, o) in out.iter_mut().enumerate() {
            *o = kernel.eval(&rows, place(k, 1, own));
        }
        return;
    }
    // Whole lane vectors while they fit, then one more ending at the stretch's end, which
    // evaluates some positions twice: to the same values, since a lane is what the
    // scalar body gives at its position.
    let mut k = 0;
    while k + lanes <= len {
        kernel.eval_lanes(&rows, place(k, lanes, own), &mut out[k..k + lanes]);
        k += lanes;
        crate::lanes::no_loop_vectorization();
    }
    if k < len {
        let k = len - lanes;
        kernel.eval_lanes(&rows, place(k, lanes, own), &mut out[k..]);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use ndarray::Array2;

    use super::*;

    /// A kernel that breaks `Kernel`'s contract: its footprint widens after the first call,
    /// so that reads planned as interior would leave the array.
    struct Widening {
        calls: AtomicUsize,
    }

    // SAFETY: deliberately not kept (the footprint changes); the driver must notice.
    unsafe impl<'a> Kernel<(Source<'a, f64, ndarray::Ix2, 2>,), 2> for Widening {
        type Out = f64;

        fn footprint(&self) -> Footprint<2> {
            let reach = if self.calls.fetch_add(1, Ordering::Relaxed) == 0 {
                1
            } else {
                50
            };
            Footprint::declared([(-reach, reach), (-reach, reach)])
        }

        fn eval<P: Place<2>>(&self, row: &(RowOf<'a, f64, 2>,), place: P) -> f64 {
            place.read(&row.0)[[0, 0]]
        }
    }

    #[test]
    #[should_panic(expected = "footprint changed during a call")]
    fn a_footprint_that_changes_during_a_call_panics() {
        let x = Array2::<f64>::zeros((8, 9));
        let mut out = Array2::<f64>::zeros((8, 9));
        let sources = (Source::new(x.view(), &0.0, Operand::input(0)),);
        let kernel = Widening {
            calls: AtomicUsize::new(0),
        };
        let _ = run(
            &sources,
            out.view_mut(),
            [Boundary::Constant; 2],
            0.0,
            Schedule::default(),
            &kernel,
        );
    }
}
