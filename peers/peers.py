#!/usr/bin/env python3
"""Times the seeds' own code and the best idiom of each peer on identical data, next to ndkernel.

Usage (from the repository root, after ``bash peers/setup.sh``)::

    peers/.venv/bin/python peers/peers.py --quick          # reduced sizes, ~2 min
    peers/.venv/bin/python peers/peers.py                  # issue sizes (long)
    peers/.venv/bin/python peers/peers.py --only smooth_i8,softmax_f64_vec
    peers/.venv/bin/python peers/peers.py --zoo [--quick]  # the kernel zoo (zoo.py)
    peers/.venv/bin/python peers/peers.py --write-inputs /tmp/ndk  # also save inputs

Threads: every peer is limited to THREADS = 2 (NUMBA_NUM_THREADS, HL_NUM_THREADS,
OMP_NUM_THREADS, cv2.setNumThreads); SciPy/NumPy/skan are single-threaded anyway.
Timing: one warm-up call (JIT compile, page faults), then best of ``--repeat`` calls of
``time.perf_counter`` around the call. Output arrays are preallocated where the idiom allows
(``out=``), else allocation is part of the idiom and is timed.

Inputs (deterministic, reproducible in Rust without any file): ``splitmix64``
    z(seed, k) = mix(((seed << 32) + k + 1) * 0x9E3779B97F4A7C15  mod 2^64)
    mix(z): z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB; z ^ z>>31
with k the C-order flat index of the element, all arithmetic wrapping on u64, and
    f64 in [0,1):  (z >> 11) * 2^-53        u8 in [0,128): z >> 57       i8: (z >> 56) as u8 as i8
The skeleton input is ``np.tile(data/skeletons/retina.npy, ...)`` cropped to the size.
See INPUTS below for the seed and transform of each workload; ``--write-inputs DIR`` also saves
them as ``DIR/<workload>.<name>.npy``.

The kernel zoo (``zoo.py``): kernels a new user would write that are not the seeds' workloads,
registered here as workloads ``zoo_*``; ``--zoo`` runs them instead of the seeds, ``--all`` both.

ndkernel column (HOOK): if ``peers/rust/main.rs`` exists, this runs
    cargo run --release --example peers_rust -- --json --threads 2 [--quick] [--only a,b]
and reads from its stdout one JSON object
    {"results": [{"workload": "smooth_i8", "size": "1000x1000", "system": "ndkernel ...",
                  "seconds": 0.00012}, ...]}
with ``workload``/``size`` spelled as in the table below. The first result per (workload, size)
is the reference of the ratio column (ratio = peer time / ndkernel time: > 1 means ndkernel is
faster). Without the example, the column prints "n/a". Each zoo workload also has a row
"bandwidth floor": one parallel pass that reads the inputs and writes the output once; its
ratio is the fraction of that floor ndkernel reaches.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

THREADS = 2
for var in ("NUMBA_NUM_THREADS", "HL_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

# Imports of the peers are optional: a missing one is reported, not fatal.
AVAILABLE: dict[str, str] = {}


def _try_import(name):
    try:
        mod = __import__(name)
    except Exception as e:  # pragma: no cover - depends on the venv
        AVAILABLE[name] = f"MISSING ({type(e).__name__}: {e})"
        return None
    # Halide's module has no __version__: ask the installed distribution instead.
    version = getattr(mod, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "?"
    AVAILABLE[name] = version
    return mod


numba = _try_import("numba")
scipy = _try_import("scipy")
cv2 = _try_import("cv2")
hl = _try_import("halide")
skimage = _try_import("skimage")
skan = _try_import("skan")
if cv2 is not None:
    cv2.setNumThreads(THREADS)
if numba is not None:
    from numba import njit, prange
if scipy is not None:
    import scipy.ndimage as ndi
    import scipy.special
    from scipy import sparse
if skan is not None:
    import skan.csr
if skimage is not None:
    import skimage.filters

# ---------------------------------------------------------------------------------------------
# Deterministic inputs
# ---------------------------------------------------------------------------------------------

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(n: int, seed: int, start: int = 0) -> np.ndarray:
    k = np.arange(start, start + n, dtype=np.uint64)
    z = ((np.uint64(seed) << np.uint64(32)) + k + np.uint64(1)) * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


def _chunked(shape, seed, conv, dtype):
    n = int(np.prod(shape))
    out = np.empty(n, dtype)
    step = 1 << 22
    for s in range(0, n, step):
        out[s:s + step] = conv(splitmix64(min(step, n - s), seed, s))
    return out.reshape(shape)


def gen_f64(shape, seed):
    return _chunked(shape, seed, lambda z: (z >> np.uint64(11)).astype(np.float64) * 2.0**-53, np.float64)


def gen_u7(shape, seed):
    return _chunked(shape, seed, lambda z: (z >> np.uint64(57)).astype(np.uint8), np.uint8)


def gen_i8(shape, seed):
    return _chunked(shape, seed, lambda z: (z >> np.uint64(56)).astype(np.uint8).view(np.int8), np.int8)


def tiled_skeleton(shape):
    base = np.load(DATA / "skeletons" / "retina.npy")
    reps = [-(-s // b) for s, b in zip(shape, base.shape)]
    return np.ascontiguousarray(np.tile(base, reps)[: shape[0], : shape[1]])


# workload -> (full size, quick size); the Rust side must use the same strings.
SIZES = {
    "addarr_f64": ((10_000_000,), (1_000_000,)),
    "addarr_u8": ((10_000_000,), (1_000_000,)),
    "smooth_i8": ((1000, 1000), (1000, 1000)),
    "smooth_i8_stack": ((64, 1000, 1000), (8, 500, 500)),
    "smooth_f32": ((4000, 4000), (1000, 1000)),
    "softmax_f64_vec": ((100_000_000,), (1_000_000,)),
    "softmax_f64_batch": ((1000, 10_000), (100, 10_000)),
    "softmax_f32_batch": ((1000, 10_000), (100, 10_000)),
    "skeleton_graph": ((4000, 4000), (1000, 1000)),
    "correlate_sparse": ((4000, 6000, 301), (1000, 1500, 75)),  # (rows, cols, w)
    "window_search": ((8, 512, 18, 16), (2, 64, 18, 16)),       # (maps, channels, H, W)
}

INPUTS = {  # documentation of the generators, also printed by --list
    "addarr_f64": "a = gen_f64(n, 1), b = gen_f64(n, 2); out preallocated",
    "addarr_u8": "r = gen_u7(n, 3), s = gen_u7(n, 4)  (values 0..127 as in seed 000)",
    "smooth_i8": "x = gen_i8(shape, 5); out int8 zeros; border 0, interior (sum of 9 in int) // 9",
    "smooth_i8_stack": "x = gen_i8(shape, 6); per 2-D slice as smooth_i8",
    "smooth_f32": "x = gen_f64(shape, 7).astype(f32); out = (sum of 9 in f32, row-major order) / 9f, border 0",
    "softmax_f64_vec": "z = 10 * gen_f64(n, 8)  (seed 001: uniform(0, 10))",
    "softmax_f64_batch": "z = 10 * gen_f64(shape, 9); softmax along axis 1",
    "softmax_f32_batch": "z = (10 * gen_f64(shape, 9)).astype(f32); softmax along axis 1",
    "skeleton_graph": "np.tile(data/skeletons/retina.npy) cropped; skan pixel_graph(connectivity=2)",
    "correlate_sparse": "image = gen_f64((rows, cols), 10); seed 004 kern (w+1)^2 with 4 corner taps; valid output",
    "window_search": "maps = gen_f64((maps, ch, 18, 16), 11); query = seed-003 feature of map 0 window (2,3,10,9); ratio 8/6",
}


def size_str(shape) -> str:
    return "x".join(str(s) for s in shape)


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------

ROWS: list[dict] = []


def best_of(fn, repeat: int) -> float:
    fn()  # warm-up (JIT compile, first touch)
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench(workload, size, system, fn, repeat, note="", slow=False):
    try:
        secs = best_of(fn, 1 if slow else repeat)
        ROWS.append(dict(workload=workload, size=size, system=system, seconds=secs, note=note))
        print(f"  {workload:18s} {size:16s} {system:44s} {fmt(secs):>10s}  {note}", flush=True)
    except Exception as e:
        ROWS.append(dict(workload=workload, size=size, system=system, seconds=None,
                         note=f"FAILED {type(e).__name__}: {str(e).splitlines()[0][:100]}"))
        print(f"  {workload:18s} {size:16s} {system:44s} FAILED {type(e).__name__}: {e}", flush=True)


def fmt(secs):
    if secs is None:
        return "-"
    if secs >= 1:
        return f"{secs:.3f} s"
    if secs >= 1e-3:
        return f"{secs * 1e3:.3f} ms"
    return f"{secs * 1e6:.1f} us"


def check(name, ok):
    if not ok:
        print(f"  !! check failed: {name}", flush=True)
        CHECKS.append(name)


CHECKS: list[str] = []

# ---------------------------------------------------------------------------------------------
# Seed code (verbatim where possible; deviations are commented)
# ---------------------------------------------------------------------------------------------

if numba is not None:
    # --- seed 000: addarr
    def addarr(x, y):
        result = np.zeros_like(x)
        for i in range(x.size):
            result[i] = x[i] + y[i]
        return result

    addarr_nb = numba.jit(addarr)

    @njit
    def add_into(x, y, out):
        for i in range(x.size):
            out[i] = x[i] + y[i]

    @njit(parallel=True)
    def add_into_par(x, y, out):
        for i in prange(x.size):
            out[i] = x[i] + y[i]

    # --- seed 000: build_graph. Deviation: the post's loop reads the *global* ``steps``
    # (``for s in steps``), which Numba freezes at compile time; we read the argument instead.
    def build_graph(labeled_pixels, steps_to_neighbours, row, col):
        start = np.max(steps_to_neighbours)
        end = len(labeled_pixels) - start
        elem = 0  # row/col index
        for k in range(start, end):
            i = labeled_pixels[k]
            if i != 0:
                for s in steps_to_neighbours:
                    neighbour = k + s
                    j = labeled_pixels[neighbour]
                    if j != 0:
                        row[elem] = i
                        col[elem] = j
                        elem += 1

    build_graph_nb = numba.jit(build_graph)

    def neighbour_steps(shape):
        step_sizes = np.cumprod((1,) + shape[-1:0:-1])
        axis_steps = np.array([[-1, -1],
                               [-1,  1],
                               [ 1, -1],
                               [ 1,  1]])
        diag = axis_steps @ step_sizes
        steps = np.concatenate((step_sizes, -step_sizes, diag))
        return steps

    def seed_pixel_graph(skeleton):
        """The post's whole pipeline (pad, degrees, labels, build_graph, coo -> csr)."""
        skeleton = np.pad(skeleton, pad_width=1, mode='constant')
        neighbors = np.array([[1, 1, 1],
                              [1, 0, 1],
                              [1, 1, 1]])
        degrees = ndi.convolve(skeleton.astype(int), neighbors) * skeleton
        # Deviation: the post counts nnz = len(np.flatnonzero(degrees)), which misses isolated
        # pixels (degree 0) that the labelling below still numbers; count the skeleton instead.
        nnz = np.count_nonzero(skeleton)
        n_edges = np.sum(degrees)
        row = np.empty(n_edges, dtype=np.int32)  # type expected by scipy.sparse
        col = np.empty(n_edges, dtype=np.int32)
        steps = neighbour_steps(degrees.shape)
        skeleton_int = np.ravel(skeleton.astype(np.int32))
        skeleton_int[np.nonzero(skeleton_int)] = 1 + np.arange(nnz)
        build_graph_nb(skeleton_int, steps, row, col)
        G = sparse.coo_matrix((np.ones_like(row), (row, col))).tocsr()
        return G

    # --- seed 001: softmax (verbatim)
    @numba.jit("f8(f8[:])", cache=False, nopython=True, nogil=True, parallel=True)
    def esum(z):
        return np.sum(np.exp(z))

    @numba.jit("f8[:](f8[:])", cache=False, nopython=True, nogil=True, parallel=True)
    def softmax_optimized(z):
        num = np.exp(z)
        s = num / esum(z)
        return s

    # --- numba best idioms for softmax
    @njit(parallel=True, fastmath=True)
    def softmax_2pass(z, out):
        """Pass 1: per-chunk online (max, sum exp(z - max)); pass 2: write exp(z - m) / s."""
        n = z.size
        nchunks = THREADS * 8
        ms = np.empty(nchunks)
        ss = np.empty(nchunks)
        for c in prange(nchunks):
            lo = n * c // nchunks
            hi = n * (c + 1) // nchunks
            m = -np.inf
            for i in range(lo, hi):
                m = max(m, z[i])
            s = 0.0
            for i in range(lo, hi):
                s += np.exp(z[i] - m)
            ms[c] = m
            ss[c] = s
        m = ms.max()
        s = 0.0
        for c in range(nchunks):
            s += ss[c] * np.exp(ms[c] - m)
        inv = 1.0 / s
        for i in prange(n):
            out[i] = np.exp(z[i] - m) * inv

    @njit(parallel=True, fastmath=True)
    def softmax_3pass(z, out):
        m = -np.inf
        for i in prange(z.size):
            m = max(m, z[i])
        s = 0.0
        for i in prange(z.size):
            e = np.exp(z[i] - m)
            out[i] = e
            s += e
        inv = 1.0 / s
        for i in prange(z.size):
            out[i] *= inv

    @njit(parallel=True, fastmath=True)
    def softmax_rows(z, out):
        for r in prange(z.shape[0]):
            m = z[r, 0]
            for j in range(z.shape[1]):
                m = max(m, z[r, j])
            s = 0.0
            for j in range(z.shape[1]):
                e = np.exp(z[r, j] - m)
                out[r, j] = e
                s += e
            inv = 1.0 / s
            for j in range(z.shape[1]):
                out[r, j] *= inv

    # --- seed 002: smooth (verbatim; the crawl lost the decorators, restored from the text)
    @numba.stencil
    def _smooth(x):
        return (x[-1, -1] + x[-1, 0] + x[-1, 1] +
                x[ 0, -1] + x[ 0, 0] + x[ 0, 1] +
                x[ 1, -1] + x[ 1, 0] + x[ 1, 1]) // 9

    @numba.njit
    def smooth_njit(x):
        return _smooth(x)

    @numba.guvectorize(
        [(numba.int8[:, :], numba.int8[:, :])],
        '(n, m) -> (n, m)'
    )
    def smooth(x, out):
        out[:] = _smooth(x)

    @numba.guvectorize([(numba.int8[:, :], numba.int8[:, :])], '(n, m) -> (n, m)', target='parallel')
    def smooth_gu_par(x, out):
        out[:] = _smooth(x)

    @numba.njit(parallel=True)
    def smooth_stencil_par(x):
        return _smooth(x)

    @njit(parallel=True)
    def smooth_prange_i8(x, out):
        n, m = x.shape
        for i in prange(1, n - 1):
            for j in range(1, m - 1):
                s = np.int32(0)
                for di in range(-1, 2):
                    for dj in range(-1, 2):
                        s += np.int32(x[i + di, j + dj])
                out[i, j] = s // 9

    NINE32 = np.float32(9.0)

    @numba.stencil
    def _mean_f32(x):
        return (x[-1, -1] + x[-1, 0] + x[-1, 1] +
                x[ 0, -1] + x[ 0, 0] + x[ 0, 1] +
                x[ 1, -1] + x[ 1, 0] + x[ 1, 1]) / NINE32

    @numba.njit(parallel=True)
    def mean_f32_par(x, out):
        return _mean_f32(x, out=out)

    # --- seed 003: integral image window search (verbatim, numba version)
    def make_integral_image(feat_map):
        result = np.zeros((feat_map.shape[0], feat_map.shape[1] + 1, feat_map.shape[2] + 1), dtype=np.float64)
        result[:, 1:, 1:] = np.cumsum(np.cumsum(feat_map, axis=2), axis=1)
        return result

    def get_feature_from_integral_image(integral_image, y1, x1, y2, x2):
        result = integral_image[:, y2, x2] + \
                    integral_image[:, y1, x1] - \
                    integral_image[:, y1, x2] - \
                    integral_image[:, y2, x1]
        # Normalize the feature vector
        result /= np.sqrt(np.sum(result * result))
        return result

    def search_one_integral_image(integral_image, query_descriptor, query_ratio):
        best_score = np.inf
        for y2 in range(integral_image.shape[1]):
            for x2 in range(integral_image.shape[2]):
                for y1 in range(y2):
                    for x1 in range(x2):
                        # Only evaluate windows with a similar ratio
                        if 0.8 < (y2 - y1) / (x2 - x1) / query_ratio < 1.2:
                            tmp_descriptor = get_feature_from_integral_image(integral_image, y1, x1, y2, x2)
                            score_tmp = np.sqrt(
                                np.sum((tmp_descriptor - query_descriptor) * (tmp_descriptor - query_descriptor)))
                            if score_tmp < best_score:
                                best_score = score_tmp
                                best_position = (y1, x1, y2, x2)
        return best_score, best_position

    search_py = search_one_integral_image
    _get_feature_nb = numba.jit(nopython=True, nogil=True)(get_feature_from_integral_image)

    # Same body as search_one_integral_image, calling the jitted get_feature (as the post does
    # by decorating both functions in place).
    @numba.jit(nopython=True, nogil=True)
    def search_nb(integral_image, query_descriptor, query_ratio):
        best_score = np.inf
        for y2 in range(integral_image.shape[1]):
            for x2 in range(integral_image.shape[2]):
                for y1 in range(y2):
                    for x1 in range(x2):
                        if 0.8 < (y2 - y1) / (x2 - x1) / query_ratio < 1.2:
                            tmp_descriptor = _get_feature_nb(integral_image, y1, x1, y2, x2)
                            score_tmp = np.sqrt(
                                np.sum((tmp_descriptor - query_descriptor) * (tmp_descriptor - query_descriptor)))
                            if score_tmp < best_score:
                                best_score = score_tmp
                                best_position = (y1, x1, y2, x2)
        return best_score, best_position

    # --- seed 004: correlate_sparse (verbatim)
    @numba.jit(nopython=True, nogil=True, fastmath=True)
    def _correlate_sparse_loop(input, indices, offsets,
                               values, output):
        for i, j in enumerate(indices):
            for off, val in zip(offsets, values):
                output[i] += input[j + off] * val

    @numba.jit(nopython=True, nogil=True, fastmath=True)
    def _correlate_sparse_offsets(input, indices, offsets, values, output):
        for off, val in zip(offsets, values):
            # this loop order optimises cache access, gives up to 10x speedup
            for i, j in enumerate(indices):
                output[i] += input[j + off] * val

    @numba.jit(nopython=True, nogil=True, fastmath=True)
    def _correlate_no_indirection(input, indices, offsets, values, output):
        for off, val in zip(offsets, values):
            for i in range(len(indices)):
                output[i] += input[i + off] * val

    @njit(parallel=True, fastmath=True)
    def correlate_rows_fused(img, w, out):
        """Best numba idiom: one pass, rows in parallel, four corner taps fused."""
        H, W = out.shape
        for i in prange(H):
            a = img[i]
            b = img[i + w]
            o = out[i]
            for j in range(W):
                o[j] = a[j] - a[j + w] - b[j] + b[j + w]


def seed004_kernel(ndim, w):
    kern = np.zeros((w + 1,) * ndim)
    for indices in itertools.product(*([[0, -1]] * ndim)):
        kern[indices] = (-1) ** (ndim % 2 != np.sum(indices) % 2)
    return kern


def seed004_setup(image, kern):
    indices = np.nonzero(kern)
    offsets = np.ravel_multi_index(indices, image.shape)
    values = kern[indices].astype(image.dtype)
    result = np.zeros([a - b + 1
                       for a, b in zip(image.shape, kern.shape)],
                      dtype=image.dtype)
    corner_multi_indices = np.meshgrid(*[np.arange(i)
                                         for i in result.shape],
                                       indexing='ij',
                                       sparse=True)
    corner_indices = np.ravel_multi_index(corner_multi_indices,
                                          image.shape).ravel()
    return corner_indices, offsets, values, result


# ---------------------------------------------------------------------------------------------
# Halide pipelines
# ---------------------------------------------------------------------------------------------

def halide_smooth(dtype: str, ndim: int):
    """Separable 3x3 box, interior only (the caller realizes into out[1:-1, 1:-1] with min 1).

    int8: int16 row sums, column sum, floor division by 9 (Halide's integer division rounds
    towards -inf for positive divisors, like Python's //), cast to int8.
    float32: row sums then column sum, / 9.0f (summation order differs from the stencil's).
    Schedule: tile 256x32, vectorize inner x, parallel over tile rows (and z for stacks); the
    row sums are computed per tile (compute_at) and vectorized.
    """
    x, y, z = hl.Var("x"), hl.Var("y"), hl.Var("z")
    xi, yi = hl.Var("xi"), hl.Var("yi")
    t = hl.Int(8) if dtype == "i8" else hl.Float(32)
    inp = hl.ImageParam(t, ndim, "inp")
    args = [x, y] + ([z] if ndim == 3 else [])

    def at(dx, dy):
        idx = [x + dx, y + dy] + ([z] if ndim == 3 else [])
        e = inp[idx]
        return hl.cast(hl.Int(16), e) if dtype == "i8" else e

    rows = hl.Func("rows")
    rows[args] = at(-1, 0) + at(0, 0) + at(1, 0)
    out = hl.Func("out")

    def r(dy):
        return rows[[x, y + dy] + ([z] if ndim == 3 else [])]

    colsum = r(-1) + r(0) + r(1)
    if dtype == "i8":
        out[args] = hl.cast(hl.Int(8), colsum / 9)
        vec = 32
    else:
        out[args] = colsum / hl.f32(9.0)
        vec = 16
    out.tile(x, y, xi, yi, 256, 32).vectorize(xi, vec)
    if ndim == 3:
        yz = hl.Var("yz")
        out.fuse(y, z, yz).parallel(yz)
    else:
        out.parallel(y)
    rows.compute_at(out, x).vectorize(x, vec)
    out.compile_jit(hl.get_jit_target_from_environment())

    def run(a, o):
        inp.set(hl.Buffer(a))
        ob = hl.Buffer(o[..., 1:-1, 1:-1] if ndim == 2 else o[:, 1:-1, 1:-1])
        ob.set_min([1, 1] + ([0] if ndim == 3 else []))
        out.realize(ob)

    return run


# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------

def w_addarr(kind, shape, R, seedinputs):
    n = shape[0]
    wl = f"addarr_{kind}"
    size = size_str(shape)
    if kind == "f64":
        a, b = gen_f64(n, 1), gen_f64(n, 2)
    else:
        a, b = gen_u7(n, 3), gen_u7(n, 4)
    seedinputs[wl] = dict(a=a, b=b)
    out = np.empty_like(a)
    ref = a + b
    check(f"{wl} addarr_nb", np.array_equal(addarr_nb(a, b), ref))
    bench(wl, size, "seed: numba.jit(addarr) (allocates)", lambda: addarr_nb(a, b), R)
    bench(wl, size, "numba njit loop into out", lambda: add_into(a, b, out), R)
    bench(wl, size, f"numba prange into out ({THREADS} thr)", lambda: add_into_par(a, b, out), R)
    bench(wl, size, "numpy a + b (allocates)", lambda: a + b, R)
    bench(wl, size, "numpy np.add(a, b, out=out)", lambda: np.add(a, b, out=out), R)
    check(f"{wl} out", np.array_equal(out, ref))


def w_smooth_i8(shape, R, seedinputs):
    wl, size = "smooth_i8", size_str(shape)
    x = gen_i8(shape, 5)
    seedinputs[wl] = dict(x=x)
    ref = smooth(x)
    bench(wl, size, "seed: njit(stencil) -> int64 array", lambda: smooth_njit(x), R)
    bench(wl, size, "seed: guvectorize(stencil) int8", lambda: smooth(x), R)
    o = np.zeros_like(x)
    bench(wl, size, "seed gufunc into out=", lambda: smooth(x, o), R)
    bench(wl, size, f"numba njit(parallel) stencil ({THREADS} thr) int64", lambda: smooth_stencil_par(x), R)
    check("smooth_i8 stencil_par", np.array_equal(smooth_stencil_par(x), ref))
    o = np.zeros_like(x)
    bench(wl, size, f"numba prange loop int32 acc ({THREADS} thr)", lambda: smooth_prange_i8(x, o), R)
    check("smooth_i8 prange", np.array_equal(o, ref))
    bench(wl, size, "scipy.ndimage.uniform_filter(x, 3)", lambda: ndi.uniform_filter(x, 3), R,
          note="~ (reflect border, rounding)")
    if cv2 is not None:
        xb = (x.view(np.uint8) ^ 0x80)  # biased uint8 view; CV_8S box filters are not implemented
        ob = np.empty_like(xb)
        bench(wl, size, f"cv2.blur uint8 (biased) ({THREADS} thr)", lambda: cv2.blur(xb, (3, 3), dst=ob), R,
              note="~ (uint8, rounded mean, reflect101)")
    if hl is not None:
        run = halide_smooth("i8", 2)
        o = np.zeros_like(x)
        bench(wl, size, f"halide separable tile+vec+par ({THREADS} thr)", lambda: run(x, o), R)
        check("smooth_i8 halide", np.array_equal(o, ref))


def w_smooth_stack(shape, R, seedinputs):
    wl, size = "smooth_i8_stack", size_str(shape)
    x = gen_i8(shape, 6)
    seedinputs[wl] = dict(x=x)
    o = np.zeros_like(x)
    bench(wl, size, "seed: guvectorize(stencil) over stack", lambda: smooth(x, o), R)
    ref = o.copy()
    o2 = np.zeros_like(x)
    bench(wl, size, f"numba guvectorize target=parallel ({THREADS} thr)", lambda: smooth_gu_par(x, o2), R)
    check("stack gu_par", np.array_equal(o2, ref))
    bench(wl, size, "scipy.ndimage.uniform_filter size=(1,3,3)", lambda: ndi.uniform_filter(x, (1, 3, 3)), R,
          note="~ (reflect border, rounding)")
    if cv2 is not None:
        xb = (x.view(np.uint8) ^ 0x80)
        ob = np.empty_like(xb)

        def cvloop():
            for k in range(xb.shape[0]):
                cv2.blur(xb[k], (3, 3), dst=ob[k])
        bench(wl, size, f"cv2.blur uint8 (biased) per slice ({THREADS} thr)", cvloop, R,
              note="~ (uint8, rounded mean)")
    if hl is not None:
        run = halide_smooth("i8", 3)
        o3 = np.zeros_like(x)
        bench(wl, size, f"halide separable, parallel y*z ({THREADS} thr)", lambda: run(x, o3), R)
        check("stack halide", np.array_equal(o3, ref))


def w_smooth_f32(shape, R, seedinputs):
    wl, size = "smooth_f32", size_str(shape)
    x = gen_f64(shape, 7).astype(np.float32)
    seedinputs[wl] = dict(x=x)
    bench(wl, size, "seed kernel (// 9) njit -> float64 array", lambda: smooth_njit(x), R,
          note="floor division, f64 out")
    o = np.zeros_like(x)
    bench(wl, size, f"numba stencil /9f njit(parallel) ({THREADS} thr)", lambda: mean_f32_par(x, o), R)
    ref = o.copy()
    bench(wl, size, "scipy.ndimage.uniform_filter(x, 3)", lambda: ndi.uniform_filter(x, 3), R, note="~ (reflect border)")
    if cv2 is not None:
        ob = np.empty_like(x)
        bench(wl, size, f"cv2.blur float32 ({THREADS} thr)", lambda: cv2.blur(x, (3, 3), dst=ob), R,
              note="~ (reflect101 border)")
        check("smooth_f32 cv2", np.allclose(ob[1:-1, 1:-1], ref[1:-1, 1:-1], rtol=1e-5, atol=1e-6))
    if hl is not None:
        run = halide_smooth("f32", 2)
        o2 = np.zeros_like(x)
        bench(wl, size, f"halide separable tile+vec+par ({THREADS} thr)", lambda: run(x, o2), R,
              note="~ (sum order)")
        check("smooth_f32 halide", np.allclose(o2, ref, rtol=1e-5, atol=1e-6))


def w_softmax_vec(shape, R, seedinputs):
    wl, size = "softmax_f64_vec", size_str(shape)
    z = 10.0 * gen_f64(shape, 8)
    seedinputs[wl] = dict(z=z)
    out = np.empty_like(z)
    slow = shape[0] > 10_000_000
    bench(wl, size, f"seed: softmax_optimized parallel ({THREADS} thr)", lambda: softmax_optimized(z), R,
          note="not max-shifted", slow=slow)
    bench(wl, size, f"numba 2-pass online, exp twice, prange fm ({THREADS} thr)", lambda: softmax_2pass(z, out), R)
    ref = scipy.special.softmax(z)
    check("softmax 2pass", np.allclose(out, ref, rtol=1e-12, atol=0))
    bench(wl, size, f"numba max | exp+sum | scale, prange fm ({THREADS} thr)", lambda: softmax_3pass(z, out), R)
    check("softmax 3pass", np.allclose(out, ref, rtol=1e-12, atol=0))
    bench(wl, size, "scipy.special.softmax", lambda: scipy.special.softmax(z), R, slow=slow)

    def np_idiom():
        e = np.exp(z - z.max())
        e /= e.sum()
        return e
    bench(wl, size, "numpy exp(z - max) / sum", np_idiom, R, slow=slow)


def w_softmax_batch(dt, shape, R, seedinputs):
    wl, size = f"softmax_{dt}_batch", size_str(shape)
    z = 10.0 * gen_f64(shape, 9)
    if dt == "f32":
        z = z.astype(np.float32)
    seedinputs[wl] = dict(z=z)
    out = np.empty_like(z)
    bench(wl, size, f"numba prange rows fastmath ({THREADS} thr)", lambda: softmax_rows(z, out), R)
    ref = scipy.special.softmax(z, axis=1)
    check(f"{wl} rows", np.allclose(out, ref, rtol=1e-12 if dt == "f64" else 1e-5, atol=0))
    bench(wl, size, "scipy.special.softmax(axis=1)", lambda: scipy.special.softmax(z, axis=1), R)


def w_skeleton(shape, R, seedinputs):
    wl, size = "skeleton_graph", size_str(shape)
    sk = tiled_skeleton(shape)
    seedinputs[wl] = dict(skeleton=sk)
    g, nodes = skan.csr.pixel_graph(sk, connectivity=2)
    bench(wl, size, "skan.csr.pixel_graph(connectivity=2)", lambda: skan.csr.pixel_graph(sk, connectivity=2), R,
          note=f"{nodes.size} nodes, {g.nnz} edges")
    # Seed numbering is 1-based (row/col 0 is empty) and its matrix is only as large as the
    # largest connected label; compare edge sets in skan's 0-based numbering.
    Gc = seed_pixel_graph(sk).tocoo()
    gc = g.tocoo()
    check("skeleton seed == skan", set(zip((Gc.row - 1).tolist(), (Gc.col - 1).tolist()))
          == set(zip(gc.row.tolist(), gc.col.tolist())))
    bench(wl, size, "seed: whole pipeline (convolve, label, build_graph, csr)", lambda: seed_pixel_graph(sk), R)
    # Kernel only, as timed in the post.
    skp = np.pad(sk, 1)
    degrees = ndi.convolve(skp.astype(int), np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]])) * skp
    n_edges = int(np.sum(degrees))
    row = np.empty(n_edges, np.int32)
    col = np.empty(n_edges, np.int32)
    steps = neighbour_steps(degrees.shape)
    lab = np.ravel(skp.astype(np.int32))
    lab[np.nonzero(lab)] = 1 + np.arange(np.count_nonzero(lab))
    bench(wl, size, "seed: build_graph_nb kernel only", lambda: build_graph_nb(lab, steps, row, col), R,
          note="edge lists only")


def w_correlate(shape, R, seedinputs):
    H, W, w = shape
    wl, size = "correlate_sparse", size_str(shape)
    image = gen_f64((H, W), 10)
    seedinputs[wl] = dict(image=image)
    kern = seed004_kernel(2, w)
    ci, offs, vals, result = seed004_setup(image, kern)
    flat = image.ravel()

    def seed_loop():
        result[...] = 0
        _correlate_sparse_loop(flat, ci, offs, vals, result.ravel())
    bench(wl, size, "seed: _correlate_sparse_loop", seed_loop, R)
    ref = result.copy()

    def seed_offsets():
        result[...] = 0
        _correlate_sparse_offsets(flat, ci, offs, vals, result.ravel())
    bench(wl, size, "seed: _correlate_sparse_offsets", seed_offsets, R)
    check("corr offsets", np.allclose(result, ref, rtol=0, atol=1e-12))

    def seed_noind():
        result[...] = 0
        _correlate_no_indirection(flat, ci, offs, vals, result.ravel())
    bench(wl, size, "seed: _correlate_no_indirection", seed_noind, R, note="wrong by design (row stride)")
    out = np.empty_like(ref)
    bench(wl, size, f"numba row-fused prange ({THREADS} thr)", lambda: correlate_rows_fused(image, w, out), R)
    check("corr fused", np.allclose(out, ref, rtol=0, atol=1e-12))

    def np_slices():
        np.subtract(image[:-w, :-w], image[:-w, w:], out=out)
        np.subtract(out, image[w:, :-w], out=out)
        np.add(out, image[w:, w:], out=out)
    bench(wl, size, "numpy 4 slices, out=", np_slices, R)
    check("corr numpy", np.allclose(out, ref, rtol=0, atol=1e-12))
    if skimage is not None:
        bench(wl, size, "skimage.filters.correlate_sparse(valid)",
              lambda: skimage.filters.correlate_sparse(image, kern, mode="valid"), R, slow=H * W > 5e6)


def w_window(shape, R, seedinputs):
    nmaps, ch, h, w_ = shape
    wl, size = "window_search", size_str(shape)
    maps = gen_f64(shape, 11)
    seedinputs[wl] = dict(maps=maps)
    iis = [make_integral_image(m) for m in maps]
    query = get_feature_from_integral_image(iis[0], 2, 3, 10, 9)
    ratio = 8 / 6
    ref = [search_py(ii, query, ratio) for ii in iis]
    nb = [search_nb(ii, query, ratio) for ii in iis]
    check("window numba == python", all(a[1] == b[1] and abs(a[0] - b[0]) < 1e-12 for a, b in zip(ref, nb)))
    bench(wl, size, "seed: pure python/numpy", lambda: [search_py(ii, query, ratio) for ii in iis], R,
          slow=True, note="best of 1")
    bench(wl, size, "seed: numba jit(nopython, nogil)", lambda: [search_nb(ii, query, ratio) for ii in iis], R)

    def pooled():
        with ThreadPoolExecutor(max_workers=THREADS) as e:
            return list(e.map(lambda ii: search_nb(ii, query, ratio), iis))
    bench(wl, size, f"seed: numba + ThreadPoolExecutor({THREADS})", pooled, R)


WORKLOADS = {
    "addarr_f64": lambda s, R, si: w_addarr("f64", s, R, si),
    "addarr_u8": lambda s, R, si: w_addarr("u8", s, R, si),
    "smooth_i8": w_smooth_i8,
    "smooth_i8_stack": w_smooth_stack,
    "smooth_f32": w_smooth_f32,
    "softmax_f64_vec": w_softmax_vec,
    "softmax_f64_batch": lambda s, R, si: w_softmax_batch("f64", s, R, si),
    "softmax_f32_batch": lambda s, R, si: w_softmax_batch("f32", s, R, si),
    "skeleton_graph": w_skeleton,
    "correlate_sparse": w_correlate,
    "window_search": w_window,
}
SEEDS = list(WORKLOADS)  # what runs by default; the zoo (zoo.py, workloads zoo_*) with --zoo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo  # noqa: E402

zoo.install(sys.modules[__name__])

# ---------------------------------------------------------------------------------------------
# ndkernel (Rust) hook
# ---------------------------------------------------------------------------------------------


def rust_results(quick: bool, only: list[str], rustflags: str) -> tuple[list[dict], str]:
    example = ROOT / "peers" / "rust" / "main.rs"
    if not example.exists():
        return [], "n/a: peers/rust/main.rs not present yet"
    cmd = ["cargo", "run", "--release", "--quiet", "--example", "peers_rust", "--",
           "--json", "--threads", str(THREADS)] + (["--quick"] if quick else [])
    if only:
        cmd += ["--only", ",".join(only)]
    # Numba and Halide compile for this CPU; so does ndkernel here (its own target dir, so
    # the default build stays as it is).
    env = dict(os.environ, RUSTFLAGS=rustflags)
    if rustflags:
        env["CARGO_TARGET_DIR"] = str(ROOT / "target" / "peers")
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600, env=env)
    except Exception as e:
        return [], f"n/a: {type(e).__name__}: {e}"
    if p.returncode != 0:
        return [], f"n/a: peers_rust exited {p.returncode}: {p.stderr.strip().splitlines()[-1:]}"
    try:
        return json.loads(p.stdout)["results"], "ok"
    except Exception as e:
        return [], f"n/a: could not parse JSON ({e})"


# ---------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="reduced sizes (see SIZES)")
    ap.add_argument("--only", default="", help="comma-separated workloads (seeds or zoo_*)")
    ap.add_argument("--zoo", action="store_true", help="run the kernel zoo (zoo.py) instead of the seeds")
    ap.add_argument("--all", action="store_true", help="run the seeds and the zoo")
    ap.add_argument("--repeat", type=int, default=None, help="best of N (default 5, quick 3)")
    ap.add_argument("--no-rust", action="store_true", help="skip the ndkernel hook")
    ap.add_argument("--rustflags", default="-C target-cpu=native",
                    help="RUSTFLAGS for the ndkernel build (default: %(default)s; '' for a default build)")
    ap.add_argument("--write-inputs", metavar="DIR", help="save every generated input as .npy in DIR")
    ap.add_argument("--json", metavar="FILE", help="also write all rows as JSON")
    ap.add_argument("--list", action="store_true", help="print workloads, sizes and inputs, then exit")
    args = ap.parse_args()

    if args.list:
        for k, (full, quick) in SIZES.items():
            print(f"{k:18s} full {size_str(full):16s} quick {size_str(quick):14s} {INPUTS[k]}")
        return 0
    only = [w for w in args.only.split(",") if w]
    for w in only:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; see --list")
    if not only and (args.zoo or args.all):
        only = [w for w in WORKLOADS if args.all or w not in SEEDS]
    # Without --only, --zoo or --all: the seeds, as before the zoo existed.
    selected = only or SEEDS
    R = args.repeat or (3 if args.quick else 5)
    print(f"threads={THREADS} repeat=best of {R} quick={args.quick}")
    print("versions: python " + sys.version.split()[0] + ", numpy " + np.__version__ + ", "
          + ", ".join(f"{k} {v}" for k, v in AVAILABLE.items()))
    if numba is None or scipy is None:
        print("numba and scipy are required")
        return 2
    seedinputs: dict[str, dict[str, np.ndarray]] = {}
    for name, fn in WORKLOADS.items():
        if name not in selected:
            continue
        shape = SIZES[name][1 if args.quick else 0]
        print(f"[{name}] {size_str(shape)}", flush=True)
        try:
            fn(shape, R, seedinputs)
        except Exception as e:
            print(f"  workload {name} FAILED: {type(e).__name__}: {e}", flush=True)
            CHECKS.append(f"{name}: {e}")
        if args.write_inputs:
            d = Path(args.write_inputs)
            d.mkdir(parents=True, exist_ok=True)
            for k, a in seedinputs.get(name, {}).items():
                np.save(d / f"{name}.{k}.npy", a)
        seedinputs.pop(name, None)

    rust, status = (([], "skipped (--no-rust)") if args.no_rust
                    else rust_results(args.quick, only, args.rustflags))
    status += f" (RUSTFLAGS={args.rustflags!r})"
    ref = {}
    for r in rust:
        ref.setdefault((r["workload"], r["size"]), r["seconds"])
    allrows = [dict(r, note=r.get("note", "")) for r in rust] + ROWS
    allrows.sort(key=lambda r: (list(WORKLOADS).index(r["workload"]) if r["workload"] in WORKLOADS else 99))
    print()
    print(f"ndkernel: {status}")
    print(f"{'workload':18s} | {'size':16s} | {'system':56s} | {'time':>10s} | ratio vs ndkernel")
    print("-" * 125)
    for r in allrows:
        base = ref.get((r["workload"], r["size"]))
        ratio = f"{r['seconds'] / base:.2f}x" if base and r["seconds"] else "n/a"
        sysname = r["system"] + (f"  [{r['note']}]" if r.get("note") else "")
        print(f"{r['workload']:18s} | {r['size']:16s} | {sysname[:56]:56s} | {fmt(r['seconds']):>10s} | {ratio}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(threads=THREADS, quick=args.quick, versions=AVAILABLE,
                                                   rows=allrows, ndkernel=status), indent=1))
    if CHECKS:
        print("\nFAILED CHECKS: " + "; ".join(CHECKS))
        return 1
    print("\nall correctness checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
