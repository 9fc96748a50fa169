//! Skeleton pixel graph (seed 000, skan's `pixel_graph`).
//!
//! Every true pixel of a skeleton is a node; two nodes are joined when their pixels touch,
//! diagonals included (8-connectivity in 2-D, 26 in 3-D), with the Euclidean distance as the
//! edge's value. The result is skan's CSR matrix exactly (`data/README.md`, "Skeleton
//! graphs"): node `k` is the `k`-th true pixel in C order, each row lists its neighbours in
//! ascending order, and no edge wraps around an image edge.
//!
//! [`pixel_graph`] builds it in four data-parallel steps instead of the post's one serial
//! loop over a label image:
//!
//! 1. a `#[stencil]` writes one byte per pixel, `1 + degree` on the skeleton and 0 off it
//!    (in 3-D a 2-D stencil over the planes, then a sum of adjacent planes);
//! 2. a `#[guvectorize]` over the *lines* (rows of the last axis) of that image counts each
//!    line's nodes and edges;
//! 3. exclusive prefix sums of those counts give every line its first node and first edge;
//! 4. two parallel scatters over groups of lines, each writing only its own ranges of the
//!    outputs: the raveled index of every node, then every node's neighbours. A neighbour's
//!    id is its line's first node plus its rank in that line's (sorted) node list, found by
//!    one cursor per neighbouring line that only moves forward.
//!
//! Nothing of the input's size is allocated but the degree image: no label image.
//! [`pixel_graph_naive`] is the post's algorithm transcribed serially, kept as the reference
//! the fast version is tested against.

use ndkernel::Operand;
use ndkernel::dispatch::Schedule;
use ndkernel::ndarray::parallel::prelude::*;
use ndkernel::ndarray::{ArrayD, ArrayView, ArrayView1, Axis, Dimension, Ix2, Ix3, IxDyn};
use ndkernel::prelude::*;

mod naive;

pub use naive::pixel_graph_naive;

/// skan's pixel graph in CSR form: `csr_matrix((data, indices, indptr))` plus the node
/// positions, the two values `skan.csr.pixel_graph` returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PixelGraph {
    /// Row `k`'s entries are `indices[indptr[k]..indptr[k + 1]]`; `n + 1` values from 0.
    pub indptr: Vec<i32>,
    /// The neighbours' node ids, ascending within each row; every edge appears both ways.
    pub indices: Vec<i32>,
    /// The distance between the two pixels: 1, √2 or √3.
    pub data: Vec<f64>,
    /// The C-order raveled index of each node's pixel, ascending.
    pub nodes: Vec<i64>,
}

impl PixelGraph {
    /// The number of nodes (true pixels).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The number of stored entries, twice the number of edges.
    pub fn entry_count(&self) -> usize {
        self.indices.len()
    }
}

/// `1 + degree` of each true pixel of a 2-D skeleton, 0 off the skeleton: the nodes (the
/// non-zero bytes) and edges (their sum less their count) of every line in one byte per
/// pixel. Outside the image reads `false`, as skan pads its mask.
#[stencil(mode = "constant", cval = false)]
fn degree_2d(x: Rel<bool>) -> u8 {
    let n = u8::from(x[[-1, -1]])
        + u8::from(x[[-1, 0]])
        + u8::from(x[[-1, 1]])
        + u8::from(x[[0, -1]])
        + u8::from(x[[0, 1]])
        + u8::from(x[[1, -1]])
        + u8::from(x[[1, 0]])
        + u8::from(x[[1, 1]]);
    (n + 1) & u8::from(x[[0, 0]]).wrapping_neg()
}

/// Half of a 3-D degree, a 2-D stencil stacked over the planes: the 3x3 count of each
/// voxel's plane (itself included) in the low 7 bits, and whether it is on the skeleton in
/// the high bit. [`sum_planes`] adds the planes below and above.
///
/// One 26-tap 3-D stencil would say the same in one step, but it reads 26 bytes per voxel
/// where this reads 9 and the plane sum 3: on one thread `pixel_graph` took 2.5 ms with it
/// on the 64^3 blobs and 54 ms on a 256^3 tiling of them, against 1.3 and 27 ms this way.
#[stencil(mode = "constant", cval = false)]
fn plane_box(x: Rel<bool>) -> u8 {
    let n = u8::from(x[[-1, -1]])
        + u8::from(x[[-1, 0]])
        + u8::from(x[[-1, 1]])
        + u8::from(x[[0, -1]])
        + u8::from(x[[0, 0]])
        + u8::from(x[[0, 1]])
        + u8::from(x[[1, -1]])
        + u8::from(x[[1, 0]])
        + u8::from(x[[1, 1]]);
    n | (u8::from(x[[0, 0]]) << 7)
}

/// Turns [`plane_box`]'s output into the degree image of a 3-D skeleton in place: on the
/// skeleton, the counts of the planes below, at and above (`1 + degree`); 0 off it.
///
/// Parallel over runs of planes; each run first gets copies of the two original planes
/// its neighbours will overwrite, and keeps one original plane as it goes: a few planes of
/// scratch, never a second image.
fn sum_planes(boxes: &mut ndkernel::ndarray::ArrayViewMut3<'_, u8>) {
    let (planes, rows, columns) = boxes.dim();
    let plane = rows * columns;
    let flat = boxes
        .as_slice_mut()
        .expect("the degree image is allocated in C order");
    if flat.is_empty() {
        return;
    }
    let groups = even_groups(planes, chunk_count(flat.len()));
    let bounds: Vec<usize> = (0..=planes).map(|p| p * plane).collect();
    let edges: Vec<(Vec<u8>, Vec<u8>)> = ranges(&groups)
        .into_iter()
        .map(|(first, last)| {
            let copy = |p: usize| flat[p * plane..(p + 1) * plane].to_vec();
            (copy(first), copy(last - 1))
        })
        .collect();
    let zeros = vec![0u8; plane];
    split_by(flat, &groups, &bounds)
        .into_par_iter()
        .enumerate()
        .for_each(|(g, run)| {
            let below = if g > 0 { &edges[g - 1].1 } else { &zeros };
            let above = edges.get(g + 1).map_or(&zeros, |e| &e.0);
            sum_run(run, plane, below, above);
        });
}

/// [`sum_planes`] on one run of whole planes, with the original planes just outside it.
fn sum_run(run: &mut [u8], plane: usize, below: &[u8], above: &[u8]) {
    const COUNT: u8 = 0x7F;
    let mut previous = below.to_vec();
    let mut original = vec![0; plane];
    let planes = run.len() / plane;
    for p in 0..planes {
        let (head, tail) = run.split_at_mut((p + 1) * plane);
        let out = &mut head[p * plane..];
        original.copy_from_slice(out);
        let next = if p + 1 < planes {
            &tail[..plane]
        } else {
            above
        };
        for (((o, &b), &c), &a) in out.iter_mut().zip(&previous).zip(&original).zip(next) {
            *o = ((b & COUNT) + (c & COUNT) + (a & COUNT)) & (c >> 7).wrapping_neg();
        }
        std::mem::swap(&mut previous, &mut original);
    }
}

/// Nodes and edge entries of one line of the degree image: its non-zero bytes, and their
/// sum less their count.
#[guvectorize("(m)->(),()")]
fn line_counts(degrees: ArrayView1<u8>) -> (u64, u64) {
    match degrees.as_slice() {
        Some(line) => count_line(line),
        None => count_line(&degrees.to_vec()),
    }
}

/// [`line_counts()`] on a slice. Counted in `u16` over blocks short enough never to overflow
/// (27 * 2048 < 2^16), a loop the compiler vectorises on 8 or 16 lanes.
fn count_line(line: &[u8]) -> (u64, u64) {
    const BLOCK: usize = 2048;
    let (mut nodes, mut sum) = (0u64, 0u64);
    for block in line.chunks(BLOCK) {
        let (mut n, mut s) = (0u16, 0u16);
        for &d in block {
            n += u16::from(d != 0);
            s += u16::from(d);
        }
        nodes += u64::from(n);
        sum += u64::from(s);
    }
    (nodes, sum - nodes)
}

/// The CSR pixel graph of a 2- or 3-D boolean skeleton, with every pixel's full
/// neighbourhood (`connectivity = ndim`), equal to skan's
/// `pixel_graph(skel, connectivity=skel.ndim)` element for element.
///
/// Any layout is accepted (transposed, sliced, negative strides): pixels are numbered in
/// the view's logical C order. A 1-D skeleton is read as a single row, which gives skan's
/// 1-D graph; a 0-D one as a single pixel. Runs on rayon's current pool (serially inside
/// `ndkernel::dispatch::serial`); the result does not depend on the number of threads.
///
/// # Errors
///
/// [`KernelError::UnsupportedRank`] for a skeleton of more than 3 axes.
///
/// # Panics
///
/// If the graph has more than `i32::MAX` nodes or entries: skan's CSR indices are `int32`.
pub fn pixel_graph<D: Dimension>(
    skeleton: ArrayView<'_, bool, D>,
) -> Result<PixelGraph, KernelError> {
    if skeleton.ndim() > 3 {
        return Err(KernelError::unsupported_rank(
            Operand::input(0).named("skeleton"),
            skeleton.ndim(),
            0..=3,
        ));
    }
    // The degree image is in C order whatever the skeleton's layout: nodes are numbered
    // in logical C order, line by line. 0-D and 1-D skeletons are one row of a 2-D image.
    let mut shape = skeleton.shape().to_vec();
    while shape.len() < 2 {
        shape.insert(0, 1);
    }
    let mut degrees: ArrayD<u8> = ndkernel::alloc::output(IxDyn(&shape));
    match skeleton.ndim() {
        0 | 1 => {
            let mut row = skeleton.into_dyn();
            while row.ndim() < 2 {
                row = row.insert_axis(Axis(0));
            }
            degree_2d_into(
                &row.into_dimensionality::<Ix2>().expect("2 axes"),
                &mut degrees,
            )?;
        }
        2 => {
            let image = skeleton.into_dimensionality::<Ix2>().expect("2 axes");
            degree_2d_into(&image, &mut degrees)?;
        }
        3 => {
            let volume = skeleton.into_dimensionality::<Ix3>().expect("3 axes");
            plane_box_into(&volume, &mut degrees)?;
            sum_planes(
                &mut degrees
                    .view_mut()
                    .into_dimensionality::<Ix3>()
                    .expect("3 axes"),
            );
        }
        _ => unreachable!("ranks above 3 were refused"),
    }
    Ok(from_degrees(&degrees))
}

/// Steps 2 to 4 of [`pixel_graph`] on its degree image (standard layout, rank 2 or 3).
fn from_degrees(degrees: &ArrayD<u8>) -> PixelGraph {
    let shape = degrees.shape();
    let m = shape[shape.len() - 1];
    let line_shape = &shape[..shape.len() - 1];
    let lines: usize = line_shape.iter().product();
    let (nodes_per_line, entries_per_line) = line_counts(degrees).expect("one core axis");
    let node_base = exclusive_sums(nodes_per_line.iter());
    let entry_base = exclusive_sums(entries_per_line.iter());
    let (n, e) = (node_base[lines], entry_base[lines]);
    assert!(
        i32::try_from(n).is_ok() && i32::try_from(e).is_ok(),
        "the pixel graph has {n} nodes and {e} entries: more than int32 CSR indices hold"
    );
    let degrees = degrees
        .as_slice()
        .expect("the degree image is allocated in C order");

    let mut graph = PixelGraph {
        indptr: vec![0; n + 1],
        indices: vec![0; e],
        data: vec![0.0; e],
        nodes: vec![0; n],
    };
    let geometry = Lines {
        m,
        line_shape,
        node_base: &node_base,
        entry_base: &entry_base,
    };

    // Step 4a: the nodes, scanning each line's bytes (the same work per line).
    let groups = even_groups(lines, chunk_count(lines * m));
    let nodes = split_by(&mut graph.nodes, &groups, &node_base);
    nodes
        .into_par_iter()
        .zip(ranges(&groups))
        .for_each(|(out, (first, last))| {
            write_nodes(&degrees[first * m..last * m], m, first, out);
        });

    // Step 4b: the neighbours, merging each node's line with its neighbouring lines' node
    // lists (work in proportion to nodes and entries).
    let work: Vec<usize> = node_base
        .iter()
        .zip(&entry_base)
        .map(|(a, b)| a + b)
        .collect();
    let groups = weighted_groups(&work, chunk_count(n + e));
    let indptr = split_by(&mut graph.indptr[1..], &groups, &node_base);
    let indices = split_by(&mut graph.indices, &groups, &entry_base);
    let data = split_by(&mut graph.data, &groups, &entry_base);
    let nodes = &graph.nodes;
    indptr
        .into_par_iter()
        .zip(indices)
        .zip(data)
        .zip(ranges(&groups))
        .for_each(|(((indptr, indices), data), (first, last))| {
            geometry.write_edges(nodes, first..last, indptr, indices, data);
        });
    graph
}

/// The number of pieces worth cutting `work` items into on the current pool (1 inside
/// `ndkernel::dispatch::serial`), by ndkernel's own rule.
fn chunk_count(work: usize) -> usize {
    Schedule::default().chunk_count(work)
}

/// `[0, c0, c0 + c1, ...]`: where each line's range starts, and the total last.
fn exclusive_sums<'a>(counts: impl Iterator<Item = &'a u64>) -> Vec<usize> {
    let mut sums = Vec::with_capacity(counts.size_hint().0 + 1);
    let mut total = 0usize;
    sums.push(0);
    for &c in counts {
        total += usize::try_from(c).expect("a count of elements in memory");
        sums.push(total);
    }
    sums
}

/// The runs of lines between consecutive boundaries.
fn ranges(groups: &[usize]) -> Vec<(usize, usize)> {
    groups.windows(2).map(|w| (w[0], w[1])).collect()
}

/// `groups + 1` line boundaries cutting `lines` into equal runs.
fn even_groups(lines: usize, groups: usize) -> Vec<usize> {
    let groups = groups.clamp(1, lines.max(1));
    (0..=groups).map(|g| lines * g / groups).collect()
}

/// Line boundaries cutting the lines into runs of about equal work, `prefix` being the
/// exclusive prefix sum of each line's work (with the total last).
fn weighted_groups(prefix: &[usize], groups: usize) -> Vec<usize> {
    let lines = prefix.len() - 1;
    let groups = groups.clamp(1, lines.max(1));
    let total = prefix[lines];
    let mut bounds: Vec<usize> = (0..groups)
        .map(|g| prefix.partition_point(|&w| w < total / groups * g))
        .map(|line| line.min(lines))
        .collect();
    bounds[0] = 0;
    bounds.push(lines);
    bounds
}

/// Splits `out` into one slice per group of lines, group `g` holding the elements of lines
/// `groups[g]..groups[g + 1]`, whose ranges `base` gives.
fn split_by<'a, T>(mut out: &'a mut [T], groups: &[usize], base: &[usize]) -> Vec<&'a mut [T]> {
    groups
        .windows(2)
        .map(|range| {
            let len = base[range[1]] - base[range[0]];
            let (head, tail) = std::mem::take(&mut out).split_at_mut(len);
            out = tail;
            head
        })
        .collect()
}

/// Writes the raveled index of every non-zero byte of `degrees` (whole lines of length
/// `m`, the first being line `first`) into `out`, which holds exactly that many.
///
/// A skeleton is mostly background: 32 bytes at a time are tested for zero, and in the
/// others each 8-byte word yields its non-zero bytes by bit tricks, one step per node.
fn write_nodes(degrees: &[u8], m: usize, first: usize, out: &mut [i64]) {
    const WORD: usize = 8;
    const BLOCK: usize = 4 * WORD;
    let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    let offset = (first * m) as i64;
    let mut next = 0;
    let mut push = |at: usize| {
        out[next] = offset + at as i64;
        next += 1;
    };
    let mut blocks = degrees.chunks_exact(BLOCK);
    for (b, block) in blocks.by_ref().enumerate() {
        if block.chunks_exact(WORD).fold(0, |acc, w| acc | word(w)) == 0 {
            continue;
        }
        for (w, bytes) in block.chunks_exact(WORD).enumerate() {
            let mut mask = nonzero_bytes(word(bytes));
            while mask != 0 {
                push(b * BLOCK + w * WORD + (mask.trailing_zeros() / 8) as usize);
                mask &= mask - 1;
            }
        }
    }
    let tail = degrees.len() - blocks.remainder().len();
    for (k, &d) in blocks.remainder().iter().enumerate() {
        if d != 0 {
            push(tail + k);
        }
    }
    assert_eq!(next, out.len(), "the line counts and the scan agree");
}

/// The high bit of each non-zero byte of `w` (little-endian), the other bits clear.
fn nonzero_bytes(w: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // Per byte, `(b & 0x7f) + 0x7f` sets the high bit unless the low 7 bits are 0 and
    // never carries into the next byte; `| w` adds bytes whose own high bit is set.
    (((w & LOW7) + LOW7) | w) & !LOW7
}

/// The lines of an image (its rows along the last axis) and where each one's nodes and
/// entries start in the outputs.
struct Lines<'a> {
    /// The length of a line.
    m: usize,
    /// The shape of the grid of lines: every axis but the last.
    line_shape: &'a [usize],
    /// Line `l`'s nodes are `node_base[l]..node_base[l + 1]`.
    node_base: &'a [usize],
    /// Line `l`'s entries are `entry_base[l]..entry_base[l + 1]`.
    entry_base: &'a [usize],
}

/// The most neighbouring lines of a line, itself included: 3 in 2-D, 9 in 3-D.
const MAX_NEIGHBOUR_LINES: usize = 9;

/// One neighbouring line seen from the line being scattered: its node list, and how far
/// into it the nodes before the current one have already looked.
#[derive(Clone, Copy, Default)]
struct Cursor<'a> {
    /// The raveled indices of the line's nodes.
    nodes: &'a [i64],
    /// The id of its first node.
    base: i32,
    /// The raveled index of the line's pixel 0.
    start: i64,
    /// The number of line axes on which it differs from the current line (0 to 2).
    axes: usize,
    /// The first node not left of the current pixel's left neighbour column.
    pos: usize,
}

impl Lines<'_> {
    /// The lines next to `line` (itself included) as cursors at their starts, in raveled
    /// order, with no wrap-around at the grid's edges.
    fn cursors<'n>(
        &self,
        nodes: &'n [i64],
        line: usize,
    ) -> ([Cursor<'n>; MAX_NEIGHBOUR_LINES], usize) {
        let mut cursors = [Cursor::default(); MAX_NEIGHBOUR_LINES];
        let mut len = 0;
        // The line's coordinates on the grid of lines; a 2-D image is one plane.
        let (planes, rows) = match *self.line_shape {
            [rows] => (1, rows),
            [planes, rows] => (planes, rows),
            _ => unreachable!("lines of a 2-D or 3-D image"),
        };
        let (p, r) = (line / rows, line % rows);
        for dp in [-1isize, 0, 1] {
            let Some(plane) = p.checked_add_signed(dp).filter(|&q| q < planes) else {
                continue;
            };
            for dr in [-1isize, 0, 1] {
                let Some(row) = r.checked_add_signed(dr).filter(|&q| q < rows) else {
                    continue;
                };
                let other = plane * rows + row;
                let (from, to) = (self.node_base[other], self.node_base[other + 1]);
                cursors[len] = Cursor {
                    nodes: &nodes[from..to],
                    base: from as i32,
                    start: (other * self.m) as i64,
                    axes: usize::from(dp != 0) + usize::from(dr != 0),
                    pos: 0,
                };
                len += 1;
            }
        }
        (cursors, len)
    }

    /// Writes the rows of the nodes of `lines` (a run of whole lines): `indptr` gets each
    /// node's end, `indices` and `data` its neighbours, all exactly as long as needed.
    fn write_edges(
        &self,
        nodes: &[i64],
        lines: std::ops::Range<usize>,
        indptr: &mut [i32],
        indices: &mut [i32],
        data: &mut [f64],
    ) {
        // By the number of axes on which the two pixels differ.
        let distance = [0.0, 1.0, 2f64.sqrt(), 3f64.sqrt()];
        let entry_offset = self.entry_base[lines.start];
        let mut node = 0;
        let mut entry = 0;
        for line in lines {
            let (mut cursors, len) = self.cursors(nodes, line);
            let own = &nodes[self.node_base[line]..self.node_base[line + 1]];
            let own_base = self.node_base[line] as i32;
            let start = (line * self.m) as i64;
            for (t, &pixel) in own.iter().enumerate() {
                let column = pixel - start;
                for cursor in &mut cursors[..len] {
                    if cursor.axes == 0 {
                        // The own line: only the previous and the next node can touch.
                        if t > 0 && own[t - 1] == pixel - 1 {
                            indices[entry] = own_base + t as i32 - 1;
                            data[entry] = 1.0;
                            entry += 1;
                        }
                        if own.get(t + 1) == Some(&(pixel + 1)) {
                            indices[entry] = own_base + t as i32 + 1;
                            data[entry] = 1.0;
                            entry += 1;
                        }
                        continue;
                    }
                    let left = cursor.start + column - 1;
                    let list = cursor.nodes;
                    let mut q = cursor.pos;
                    while q < list.len() && list[q] < left {
                        q += 1;
                    }
                    cursor.pos = q;
                    while q < list.len() && list[q] <= left + 2 {
                        indices[entry] = cursor.base + q as i32;
                        data[entry] = distance[cursor.axes + usize::from(list[q] != left + 1)];
                        entry += 1;
                        q += 1;
                    }
                }
                indptr[node] = (entry_offset + entry) as i32;
                node += 1;
            }
        }
        assert_eq!(
            (node, entry),
            (indptr.len(), indices.len()),
            "the degree image and the neighbour scan agree"
        );
    }
}
