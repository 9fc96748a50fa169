"""The kernel zoo: kernels a new user would write that are not the seeds' workloads, each timed
against the strongest peers that have it. ``peers.py`` imports this module and calls
``install`` to register the workloads (all named ``zoo_*``) into its SIZES, INPUTS and
WORKLOADS; ``peers.py --zoo`` runs just them, ``--only zoo_life_u8,...`` some of them.

The ndkernel side is ``peers/rust/zoo/``: the same kernels written with
``#[stencil]``, ``#[vectorize]`` and ``#[guvectorize]`` as the README teaches, on the same
inputs (the generators of ``peers.py``, with the seeds and transforms documented in INPUTS).

Every peer's output is compared with a NumPy/SciPy reference before it is timed. The note
says how it compared: empty when bit-equal; ``err 3e-07`` when equal within the workload's
tolerance (summation order, FMA, libm); ``~ (...)`` when the semantics differ and only part
is checked, e.g. Numba's ``@stencil`` writes 0 on the border whatever the mode, so only its
interior is compared. Peers that have no idiom for a workload are not listed for it.

Borders: SciPy's ``reflect`` is OpenCV's ``BORDER_REFLECT``, Halide's ``mirror_image`` and
NumPy's ``np.pad(mode="symmetric")``; SciPy's ``mirror`` is ``BORDER_REFLECT_101`` (OpenCV's
default), ``mirror_interior`` and ``np.pad(mode="reflect")``; ``nearest`` is
``BORDER_REPLICATE``, ``repeat_edge`` and ``"edge"``; ``wrap`` is ``BORDER_WRAP``,
``repeat_image`` and ``"wrap"``. Hand-written Numba loops pad with ``np.pad`` inside the
timed call (noted ``pad timed``) unless they clamp indices themselves.
"""

from __future__ import annotations


import numpy as np

P = None  # the peers module: bench, check, generators, THREADS; set by install()

try:
    import numba
    from numba import guvectorize, njit, prange, vectorize
except Exception:  # pragma: no cover - peers.py reports the missing import
    numba = None

# workload -> (full size, quick size); peers/rust/zoo/mod.rs uses the same strings.
SIZES = {
    "zoo_lap3d_f32": ((256, 256, 256), (64, 64, 64)),
    "zoo_blur5_f32": ((2000, 2000), (500, 500)),
    "zoo_blur7_f64": ((1000, 1000), (300, 300)),
    "zoo_binom7_f32": ((2000, 2000), (500, 500)),
    "zoo_box3d_f32": ((128, 256, 256), (32, 64, 64)),
    "zoo_sobel_u8_f32": ((2000, 2000), (500, 500)),
    "zoo_life_u8": ((2000, 2000), (500, 500)),
    "zoo_erode3_u8": ((2000, 2000), (500, 500)),
    "zoo_dilate5_u8": ((2000, 2000), (500, 500)),
    "zoo_median3_u8": ((2000, 2000), (500, 500)),
    "zoo_box15_f32": ((2000, 2000), (500, 500)),
    "zoo_box31_u8": ((2000, 2000), (500, 500)),
    "zoo_box101_f32": ((2000, 2000), (500, 500)),
    "zoo_diffuse2_f64": ((2000, 2000), (500, 500)),
    "zoo_logistic_f32": ((10_000_000,), (1_000_000,)),
    "zoo_gauss_f64": ((10_000_000,), (1_000_000,)),
    "zoo_sincos_f32": ((10_000_000,), (1_000_000,)),
    "zoo_rownorm_f64": ((2_000_000, 8), (200_000, 8)),
    "zoo_cross3_f64": ((1_000_000, 3), (100_000, 3)),
    "zoo_mat4vec_f32": ((1_000_000, 4, 4), (100_000, 4, 4)),
}

INPUTS = {
    "zoo_lap3d_f32": "u = gen_f64(shape, 20).astype(f32); 7-point Laplacian (sum of 6 neighbours - 6u), mode nearest",
    "zoo_blur5_f32": "x = gen_f64(shape, 21).astype(f32); 5x5 weights outer([1,4,6,4,1])/256, mode reflect",
    "zoo_binom7_f32": "x = gen_f64(shape, 42).astype(f32); 7x7 weights outer([1,6,15,20,15,6,1])/4096, mode reflect",
    "zoo_box3d_f32": "x = gen_f64(shape, 43).astype(f32); 5x5x5 mean (sum of 125 in f32, / 125), mode reflect",
    "zoo_blur7_f64": "x = gen_f64(shape, 22); 7x7 cone on a disk, W = 11 - di^2 - dj^2 where >= 1 (37 taps) / 191, mode nearest",
    "zoo_sobel_u8_f32": "x = gen_i8(shape, 23).view(u8); sqrt(gx^2 + gy^2) of the 3x3 Sobel taps in f32, mode mirror",
    "zoo_life_u8": "c = (gen_u7(shape, 24) < 40).astype(u8)  (0/1, ~31% alive); one Game of Life step, mode wrap",
    "zoo_erode3_u8": "x = gen_i8(shape, 25).view(u8); 3x3 minimum, mode nearest",
    "zoo_dilate5_u8": "x = gen_i8(shape, 26).view(u8); 5x5 maximum, mode nearest",
    "zoo_median3_u8": "x = gen_i8(shape, 39).view(u8); 3x3 median, mode nearest",
    "zoo_box15_f32": "x = gen_f64(shape, 27).astype(f32); 15x15 mean (sum of 225 in f32, / 225), mode reflect",
    "zoo_box31_u8": "x = gen_i8(shape, 40).view(u8); 31x31 mean, floor(sum / 961), mode reflect",
    "zoo_box101_f32": "x = gen_f64(shape, 41).astype(f32); 101x101 mean (sum / 10201), mode reflect",
    "zoo_diffuse2_f64": "u = gen_f64(shape, 28), c = 0.2 * gen_f64(shape, 29); u + 0.1 * c * (4-neighbour sum - 4u), mode nearest",
    "zoo_logistic_f32": "x = (20 * gen_f64(n, 30) - 10).astype(f32); 1 / (1 + exp(-1.5 * (x - 0.5))) in f32",
    "zoo_gauss_f64": "x = 8 * gen_f64(n, 31) - 4; 1.3 * exp(-(x - 0.25)^2 / (2 * 0.8^2))",
    "zoo_sincos_f32": "x = (2 pi gen_f64(n, 32) - pi).astype(f32), y likewise from seed 33; sin(x) * cos(y) + 0.5",
    "zoo_rownorm_f64": "x = gen_f64((rows, 8), 34) - 0.5; Euclidean norm of each row, (n)->()",
    "zoo_cross3_f64": "a = gen_f64((n, 3), 35) - 0.5, b = gen_f64((n, 3), 36) - 0.5; cross product, (3),(3)->(3)",
    "zoo_mat4vec_f32": "m = (gen_f64((n, 4, 4), 37) - 0.5).astype(f32), v = (gen_f64((n, 4), 38) - 0.5).astype(f32); m @ v",
}

F32 = np.float32
SIX32 = F32(6.0)
TWO32 = F32(2.0)
INV225 = F32(1.0 / 225.0)

# 5x5 binomial: the outer product of [1, 4, 6, 4, 1], / 256 (every weight exact in f32).
B5 = np.array([1, 4, 6, 4, 1], np.float64)
W5 = (np.outer(B5, B5) / 256).astype(F32)
B7 = np.array([1, 6, 15, 20, 15, 6, 1], np.float64)
W7B = (np.outer(B7, B7) / 4096).astype(F32)
# 7x7 cone on a disk: 11 - di^2 - dj^2 where positive (37 taps, weights 1..11), / their sum (191).
_D = np.arange(-3, 4)
CONE = np.maximum(11 - _D[:, None] ** 2 - _D[None, :] ** 2, 0).astype(np.float64)
CONE_SUM = float(CONE.sum())  # 191
W7 = CONE / CONE_SUM  # the table the Numba and Halide peers use
DT = 0.1


def install(peers):
    """Registers the zoo into ``peers``' tables (called once by peers.py)."""
    global P
    P = peers
    peers.SIZES.update(SIZES)
    peers.INPUTS.update(INPUTS)
    peers.WORKLOADS.update(WORKLOADS)


# ---------------------------------------------------------------------------------------------
# Checking and timing
# ---------------------------------------------------------------------------------------------


def compare(name, got, ref, tol=0.0, interior=0, why=""):
    """Compares ``got`` with ``ref`` (restricted to the interior ``interior`` away from every
    edge if given) and returns the note for the row: '' when bit-equal, 'err E' when within
    ``tol`` of the reference's scale, prefixed '~ (why)' when only the interior is compared."""
    got, ref = np.asarray(got), np.asarray(ref)
    if got.shape != ref.shape:
        P.check(f"{name}: shape {got.shape} != {ref.shape}", False)
        return "FAILED shape"
    if interior:
        sl = tuple(slice(interior, -interior) for _ in range(ref.ndim))
        got, ref = got[sl], ref[sl]
    prefix = f"~ ({why}) " if why else ""
    if np.array_equal(got, ref):
        return prefix.strip()
    g, r = got.astype(np.float64), ref.astype(np.float64)
    err = float(np.max(np.abs(g - r))) / max(1.0, float(np.max(np.abs(r))))
    ok = tol > 0 and err <= tol
    P.check(f"{name}: max error {err:.2e} (tolerance {tol:.0e})", ok)
    return f"{prefix}err {err:.0e}" if ok else f"{prefix}FAILED err {err:.1e}"


def zrun(wl, size, system, fn, R, ref, tol=0.0, interior=0, why="", note="", out=None):
    """Runs ``fn`` once and compares what it returns with ``ref``, then times it. ``out``, the
    array ``fn`` writes into if any, is first filled with garbage (NaN, 0xA5), so that values
    left there by another peer cannot pass for this one's."""
    if out is not None:
        out.fill(np.nan if out.dtype.kind == "f" else 0xA5)
    try:
        got = fn()
    except Exception:  # bench() records the failure with its message
        P.bench(wl, size, system, fn, R)
        return
    check_note = compare(f"{wl} {system}", got, ref, tol, interior, why)
    P.bench(wl, size, system, fn, R, note=" ".join(n for n in (note, check_note) if n))


def thr(s):
    return f"{s} ({P.THREADS} thr)"


# ---------------------------------------------------------------------------------------------
# Halide helpers: schedules as halide_smooth in peers.py (tile 256x32, vectorise the inner x,
# parallel over tile rows, intermediate stages computed per tile)
# ---------------------------------------------------------------------------------------------


def hl_type(dtype):
    hl = P.hl
    return {np.dtype(np.float32): hl.Float(32), np.dtype(np.float64): hl.Float(64),
            np.dtype(np.uint8): hl.UInt(8)}[np.dtype(dtype)]


def hl_2d(out, x, y, vec, stages=()):
    hl = P.hl
    xi, yi = hl.Var("xi"), hl.Var("yi")
    out.tile(x, y, xi, yi, 256, 32).vectorize(xi, vec).parallel(y)
    for s in stages:
        s.compute_at(out, x).vectorize(x, vec)
    out.compile_jit(hl.get_jit_target_from_environment())


def hl_1d(out, x, vec):
    hl = P.hl
    xo, xi = hl.Var("xo"), hl.Var("xi")
    out.split(x, xo, xi, 1 << 14).parallel(xo).vectorize(xi, vec)
    out.compile_jit(hl.get_jit_target_from_environment())


def hl_runner(out, params):
    hl = P.hl

    def run(o, *arrays):
        for p, a in zip(params, arrays):
            p.set(hl.Buffer(a))
        out.realize(hl.Buffer(o))
        return o

    return run


def halide_separable(dtype, kx, ky, boundary, vec):
    """out(x, y) = sum_j ky[j] * rows(x, y + j - r), rows(x, y) = sum_i kx[i] * in(x + i - r, y)."""
    hl = P.hl
    x, y = hl.Var("x"), hl.Var("y")
    t = hl_type(dtype)
    inp = hl.ImageParam(t, 2, "inp")
    pad = boundary(inp)
    r = len(kx) // 2
    c = (lambda v: hl.f32(v)) if t == hl.Float(32) else (lambda v: hl.f64(v))
    rows = hl.Func("rows")
    rows[x, y] = sum((c(float(k)) * pad[x + i - r, y] for i, k in enumerate(kx)), c(0.0))
    out = hl.Func("out")
    out[x, y] = sum((c(float(k)) * rows[x, y + j - r] for j, k in enumerate(ky)), c(0.0))
    hl_2d(out, x, y, vec, [rows])
    return hl_runner(out, [inp])


def halide_table(dtype, table, boundary, vec):
    """out(x, y) = sum of table[a][b] * in(x + b - r, y + a - r) over the non-zero weights."""
    hl = P.hl
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl_type(dtype), 2, "inp")
    pad = boundary(inp)
    r = table.shape[0] // 2
    terms = [hl.f64(float(w)) * pad[x + b - r, y + a - r]
             for (a, b), w in np.ndenumerate(table) if w != 0]
    out = hl.Func("out")
    out[x, y] = sum(terms[1:], terms[0])
    hl_2d(out, x, y, vec)
    return hl_runner(out, [inp])


def halide_morph(k, op, vec=32):
    """k x k minimum or maximum of uint8, separable (rows, then columns), repeat_edge."""
    hl = P.hl
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    pad = hl.BoundaryConditions.repeat_edge(inp)
    r = k // 2
    f = hl.min if op == "min" else hl.max

    def fold(exprs):
        acc = exprs[0]
        for e in exprs[1:]:
            acc = f(acc, e)
        return acc

    rows = hl.Func("rows")
    rows[x, y] = fold([pad[x + i, y] for i in range(-r, r + 1)])
    out = hl.Func("out")
    out[x, y] = fold([rows[x, y + j] for j in range(-r, r + 1)])
    hl_2d(out, x, y, vec, [rows])
    return hl_runner(out, [inp])


# ---------------------------------------------------------------------------------------------
# Numba kernels (lazy: compiled on first call; explicit-signature ufuncs are made in the
# workloads so that importing this module compiles nothing)
# ---------------------------------------------------------------------------------------------

if numba is not None:
    # --- @stencil kernels: Numba writes 0 (cval) on the border, whatever the mode
    @numba.stencil
    def _lap3d_st(u):
        return u[-1, 0, 0] + u[1, 0, 0] + u[0, -1, 0] + u[0, 1, 0] + u[0, 0, -1] + u[0, 0, 1] - SIX32 * u[0, 0, 0]

    @njit(parallel=True)
    def lap3d_stencil(u, out):
        return _lap3d_st(u, out=out)

    @numba.stencil(neighborhood=((-2, 2), (-2, 2)))
    def _blur5_st(a):
        acc = F32(0.0)
        for i in range(-2, 3):
            for j in range(-2, 3):
                acc += W5[i + 2, j + 2] * a[i, j]
        return acc

    @njit(parallel=True)
    def blur5_stencil(x, out):
        return _blur5_st(x, out=out)

    @numba.stencil(neighborhood=((-3, 3), (-3, 3)))
    def _blur7_st(a):
        acc = 0.0
        for i in range(-3, 4):
            for j in range(-3, 4):
                acc += W7[i + 3, j + 3] * a[i, j]
        return acc

    @njit(parallel=True)
    def blur7_stencil(x, out):
        return _blur7_st(x, out=out)

    @numba.stencil
    def _sobel_st(a):
        gx = (F32(a[-1, 1]) + TWO32 * F32(a[0, 1]) + F32(a[1, 1])) - (
            F32(a[-1, -1]) + TWO32 * F32(a[0, -1]) + F32(a[1, -1]))
        gy = (F32(a[1, -1]) + TWO32 * F32(a[1, 0]) + F32(a[1, 1])) - (
            F32(a[-1, -1]) + TWO32 * F32(a[-1, 0]) + F32(a[-1, 1]))
        return np.sqrt(gx * gx + gy * gy)

    @njit(parallel=True)
    def sobel_stencil(x, out):
        return _sobel_st(x, out=out)

    @numba.stencil
    def _life_st(c):
        n = (c[-1, -1] + c[-1, 0] + c[-1, 1] + c[0, -1] + c[0, 1] + c[1, -1] + c[1, 0] + c[1, 1])
        return np.uint8(1) if (n == 3 or (n == 2 and c[0, 0] == 1)) else np.uint8(0)

    @njit(parallel=True)
    def life_stencil(c, out):
        return _life_st(c, out=out)

    @numba.stencil
    def _erode3_st(a):
        return min(a[-1, -1], a[-1, 0], a[-1, 1], a[0, -1], a[0, 0], a[0, 1], a[1, -1], a[1, 0], a[1, 1])

    @njit(parallel=True)
    def erode3_stencil(x, out):
        return _erode3_st(x, out=out)

    @numba.stencil(neighborhood=((-2, 2), (-2, 2)))
    def _dilate5_st(a):
        m = a[0, 0]
        for i in range(-2, 3):
            for j in range(-2, 3):
                m = max(m, a[i, j])
        return m

    @njit(parallel=True)
    def dilate5_stencil(x, out):
        return _dilate5_st(x, out=out)

    @numba.stencil(neighborhood=((-7, 7), (-7, 7)))
    def _box15_st(a):
        acc = F32(0.0)
        for i in range(-7, 8):
            for j in range(-7, 8):
                acc += a[i, j]
        return acc * INV225

    @njit(parallel=True)
    def box15_stencil(x, out):
        return _box15_st(x, out=out)

    @numba.stencil
    def _diffuse_st(u, c):
        return u[0, 0] + DT * c[0, 0] * (u[-1, 0] + u[1, 0] + u[0, -1] + u[0, 1] - 4.0 * u[0, 0])

    @njit(parallel=True)
    def diffuse_stencil(u, c, out):
        return _diffuse_st(u, c, out=out)

    # --- hand-written prange loops
    @njit(parallel=True, fastmath=True)
    def lap3d_prange(u, out):
        """Nearest border by clamped indices; the inner axis' two ends apart so it vectorises."""
        n0, n1, n2 = u.shape
        for i in prange(n0):
            # One assignment per name: with tuple assignments here Numba 0.68 (parallel,
            # fastmath) left o[n2 - 1] unwritten.
            im = max(i - 1, 0)
            ip = min(i + 1, n0 - 1)
            for j in range(n1):
                jm = max(j - 1, 0)
                jp = min(j + 1, n1 - 1)
                a = u[im, j]
                b = u[ip, j]
                c = u[i, jm]
                d = u[i, jp]
                e = u[i, j]
                o = out[i, j]
                o[0] = a[0] + b[0] + c[0] + d[0] + e[0] + e[1] - SIX32 * e[0]
                for k in range(1, n2 - 1):
                    o[k] = a[k] + b[k] + c[k] + d[k] + e[k - 1] + e[k + 1] - SIX32 * e[k]
                kl = n2 - 1
                o[kl] = a[kl] + b[kl] + c[kl] + d[kl] + e[kl - 1] + e[kl] - SIX32 * e[kl]

    @njit(parallel=True, fastmath=True)
    def correlate_rows(p, w, out):
        """out = correlation of the padded p with w; each tap sweeps a whole row (vectorises)."""
        n, m = out.shape
        kh, kw = w.shape
        for i in prange(n):
            o = out[i]
            o[:] = 0
            for a in range(kh):
                r = p[i + a]
                for b in range(kw):
                    wv = w[a, b]
                    for j in range(m):
                        o[j] += wv * r[j + b]

    @njit(parallel=True, fastmath=True)
    def box_rows(p, k, scale, out):
        n, m = out.shape
        for i in prange(n):
            o = out[i]
            o[:] = 0
            for a in range(k):
                r = p[i + a]
                for b in range(k):
                    for j in range(m):
                        o[j] += r[j + b]
            for j in range(m):
                o[j] *= scale

    @njit(parallel=True, fastmath=True)
    def box3d_passes(p, k, scale, out):
        """scale * the k x k x k box sums of the padded volume p: sums of k planes, then of k
        rows of those, then of k columns, each pass a sweep of whole rows (vectorises)."""
        n0, n1, n2 = out.shape
        m1, m2 = p.shape[1], p.shape[2]
        planes = np.empty((n0, m1, m2), p.dtype)
        for i in prange(n0):
            a = planes[i]
            a[:, :] = p[i]
            for t in range(1, k):
                q = p[i + t]
                for j in range(m1):
                    for l in range(m2):
                        a[j, l] += q[j, l]
        for i in prange(n0):
            a = planes[i]
            o = out[i]
            row = np.empty(m2, p.dtype)
            for j in range(n1):
                row[:] = a[j]
                for t in range(1, k):
                    for l in range(m2):
                        row[l] += a[j + t, l]
                for l in range(n2):
                    acc = row[l]
                    for t in range(1, k):
                        acc += row[l + t]
                    o[j, l] = acc * scale

    @njit(parallel=True)
    def box_running_u8(p, k, out):
        """Floor of the k x k mean of the padded bytes p: column sums slide down each chunk of
        rows, row sums slide along each row (int64, exact)."""
        n, m = out.shape
        chunks = 4 * numba.get_num_threads()
        div = k * k
        for c in prange(chunks):
            i0, i1 = c * n // chunks, (c + 1) * n // chunks
            if i0 >= i1:
                continue
            col = np.zeros(m + k - 1, np.int64)
            for a in range(k):
                for j in range(m + k - 1):
                    col[j] += np.int64(p[i0 + a, j])
            for i in range(i0, i1):
                if i > i0:
                    for j in range(m + k - 1):
                        col[j] += np.int64(p[i + k - 1, j]) - np.int64(p[i - 1, j])
                s = np.int64(0)
                for b in range(k):
                    s += col[b]
                out[i, 0] = s // div
                for j in range(1, m):
                    s += col[j + k - 1] - col[j - 1]
                    out[i, j] = s // div

    @njit(parallel=True, fastmath=True)
    def box_running_f32(p, k, out):
        """The k x k mean of the padded p, sums sliding as in box_running_u8, in float64."""
        n, m = out.shape
        chunks = 4 * numba.get_num_threads()
        scale = 1.0 / (k * k)
        for c in prange(chunks):
            i0, i1 = c * n // chunks, (c + 1) * n // chunks
            if i0 >= i1:
                continue
            col = np.zeros(m + k - 1, np.float64)
            for a in range(k):
                for j in range(m + k - 1):
                    col[j] += p[i0 + a, j]
            for i in range(i0, i1):
                if i > i0:
                    for j in range(m + k - 1):
                        col[j] += np.float64(p[i + k - 1, j]) - np.float64(p[i - 1, j])
                s = 0.0
                for b in range(k):
                    s += col[b]
                out[i, 0] = s * scale
                for j in range(1, m):
                    s += col[j + k - 1] - col[j - 1]
                    out[i, j] = s * scale

    @njit(parallel=True, fastmath=True)
    def sobel_prange(p, out):
        n, m = out.shape
        for i in prange(n):
            a, b, c = p[i], p[i + 1], p[i + 2]
            for j in range(m):
                gx = (F32(a[j + 2]) + TWO32 * F32(b[j + 2]) + F32(c[j + 2])) - (
                    F32(a[j]) + TWO32 * F32(b[j]) + F32(c[j]))
                gy = (F32(c[j]) + TWO32 * F32(c[j + 1]) + F32(c[j + 2])) - (
                    F32(a[j]) + TWO32 * F32(a[j + 1]) + F32(a[j + 2]))
                out[i, j] = np.sqrt(gx * gx + gy * gy)

    @njit(parallel=True)
    def life_prange(p, out):
        n, m = out.shape
        for i in prange(n):
            a, b, c = p[i], p[i + 1], p[i + 2]
            for j in range(m):
                s = (np.int32(a[j]) + a[j + 1] + a[j + 2] + b[j] + b[j + 2] + c[j] + c[j + 1] + c[j + 2])
                out[i, j] = 1 if (s == 3 or (s == 2 and b[j + 1] == 1)) else 0

    @njit(parallel=True)
    def erode_rows(p, k, out):
        n, m = out.shape
        for i in prange(n):
            o = out[i]
            o[:] = 255
            for a in range(k):
                r = p[i + a]
                for b in range(k):
                    for j in range(m):
                        o[j] = min(o[j], r[j + b])

    @njit(parallel=True)
    def dilate_rows(p, k, out):
        n, m = out.shape
        for i in prange(n):
            o = out[i]
            o[:] = 0
            for a in range(k):
                r = p[i + a]
                for b in range(k):
                    for j in range(m):
                        o[j] = max(o[j], r[j + b])

    @njit(parallel=True)
    def median3_prange(p, out):
        """Devillard's 19-exchange median-of-9 network on each 3x3 window (padded input)."""
        n, m = out.shape
        for i in prange(n):
            a, b, c = p[i], p[i + 1], p[i + 2]
            for j in range(m):
                p0, p1, p2 = a[j], a[j + 1], a[j + 2]
                p3, p4, p5 = b[j], b[j + 1], b[j + 2]
                p6, p7, p8 = c[j], c[j + 1], c[j + 2]
                p1, p2 = min(p1, p2), max(p1, p2)
                p4, p5 = min(p4, p5), max(p4, p5)
                p7, p8 = min(p7, p8), max(p7, p8)
                p0, p1 = min(p0, p1), max(p0, p1)
                p3, p4 = min(p3, p4), max(p3, p4)
                p6, p7 = min(p6, p7), max(p6, p7)
                p1, p2 = min(p1, p2), max(p1, p2)
                p4, p5 = min(p4, p5), max(p4, p5)
                p7, p8 = min(p7, p8), max(p7, p8)
                p3 = max(p0, p3)
                p5 = min(p5, p8)
                p4, p7 = min(p4, p7), max(p4, p7)
                p6 = max(p3, p6)
                p4 = max(p1, p4)
                p2 = min(p2, p5)
                p4 = min(p4, p7)
                p4, p2 = min(p4, p2), max(p4, p2)
                p4 = max(p6, p4)
                out[i, j] = min(p4, p2)

    @njit(parallel=True, fastmath=True)
    def diffuse_prange(p, c, out):
        n, m = out.shape
        for i in prange(n):
            a, b, d = p[i], p[i + 1], p[i + 2]
            for j in range(m):
                u = b[j + 1]
                out[i, j] = u + DT * c[i, j] * (a[j + 1] + d[j + 1] + b[j] + b[j + 2] - 4.0 * u)

    @njit(parallel=True, fastmath=True)
    def logistic_prange(x, k, x0, out):
        one = F32(1.0)
        for i in prange(x.size):
            out[i] = one / (one + np.exp(-k * (x[i] - x0)))

    @njit(parallel=True, fastmath=True)
    def gauss_prange(x, a, mu, s, out):
        inv = 1.0 / (2.0 * s * s)
        for i in prange(x.size):
            d = x[i] - mu
            out[i] = a * np.exp(-d * d * inv)

    @njit(parallel=True, fastmath=True)
    def sincos_prange(x, y, out):
        for i in prange(x.size):
            out[i] = np.sin(x[i]) * np.cos(y[i]) + F32(0.5)

    @njit(parallel=True, fastmath=True)
    def rownorm_prange(x, out):
        for i in prange(x.shape[0]):
            acc = 0.0
            for k in range(x.shape[1]):
                acc += x[i, k] * x[i, k]
            out[i] = np.sqrt(acc)

    @njit(parallel=True, fastmath=True)
    def cross_prange(a, b, out):
        for i in prange(a.shape[0]):
            out[i, 0] = a[i, 1] * b[i, 2] - a[i, 2] * b[i, 1]
            out[i, 1] = a[i, 2] * b[i, 0] - a[i, 0] * b[i, 2]
            out[i, 2] = a[i, 0] * b[i, 1] - a[i, 1] * b[i, 0]

    @njit(parallel=True, fastmath=True)
    def mat4vec_prange(m, v, out):
        for i in prange(m.shape[0]):
            for r in range(4):
                acc = F32(0.0)
                for k in range(4):
                    acc += m[i, r, k] * v[i, k]
                out[i, r] = acc


# ---------------------------------------------------------------------------------------------
# Reference helpers
# ---------------------------------------------------------------------------------------------


def taps_ref(x, table, np_mode):
    """sum of table[a, b] * x[i + a - r, j + b - r] in row-major tap order, in x's dtype."""
    r = table.shape[0] // 2
    p = np.pad(x, r, mode=np_mode)
    n, m = x.shape
    acc = np.zeros_like(x)
    for (a, b), w in np.ndenumerate(table):
        if w != 0:
            acc += x.dtype.type(w) * p[a:a + n, b:b + m]
    return acc


# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------


def w_lap3d(shape, R, si):
    wl, size = "zoo_lap3d_f32", P.size_str(shape)
    u = P.gen_f64(shape, 20).astype(F32)
    si[wl] = dict(u=u)
    p = np.pad(u, 1, mode="edge")
    n0, n1, n2 = shape
    ref = (p[:-2, 1:-1, 1:-1] + p[2:, 1:-1, 1:-1] + p[1:-1, :-2, 1:-1] + p[1:-1, 2:, 1:-1]
           + p[1:-1, 1:-1, :-2] + p[1:-1, 1:-1, 2:] - SIX32 * u)
    del p
    out = np.zeros_like(u)
    tol = 1e-6
    zrun(wl, size, thr("numba prange, clamped indices, fm"), lambda: (lap3d_prange(u, out), out)[1], R, ref, tol, out=out)
    zrun(wl, size, thr("numba @stencil in njit(parallel)"), lambda: lap3d_stencil(u, out), R, ref, tol,
         interior=1, why="border 0", out=out)
    zrun(wl, size, "scipy.ndimage.laplace(nearest)", lambda: P.ndi.laplace(u, mode="nearest"), R, ref, tol)
    if P.hl is not None:
        hl = P.hl
        x, y, z = hl.Var("x"), hl.Var("y"), hl.Var("z")
        inp = hl.ImageParam(hl.Float(32), 3, "u")
        e = hl.BoundaryConditions.repeat_edge(inp)
        f = hl.Func("lap")
        f[x, y, z] = (e[x, y, z - 1] + e[x, y, z + 1] + e[x, y - 1, z] + e[x, y + 1, z]
                      + e[x - 1, y, z] + e[x + 1, y, z] - hl.f32(6.0) * e[x, y, z])
        yz = hl.Var("yz")
        f.fuse(y, z, yz).parallel(yz).vectorize(x, 16)
        f.compile_jit(hl.get_jit_target_from_environment())
        run = hl_runner(f, [inp])
        o2 = np.zeros_like(u)
        zrun(wl, size, thr("halide repeat_edge, vec 16, parallel y*z"), lambda: run(o2, u), R, ref, tol, out=o2)


def w_blur5(shape, R, si):
    wl, size = "zoo_blur5_f32", P.size_str(shape)
    x = P.gen_f64(shape, 21).astype(F32)
    si[wl] = dict(x=x)
    ref = taps_ref(x, W5, "symmetric")
    tol = 1e-6
    out = np.zeros_like(x)
    zrun(wl, size, thr("numba prange, taps as row sweeps, fm"),
         lambda: (correlate_rows(np.pad(x, 2, mode="symmetric"), W5, out), out)[1], R, ref, tol, note="pad timed", out=out)
    zrun(wl, size, thr("numba @stencil loops in njit(parallel)"), lambda: blur5_stencil(x, out), R, ref, tol,
         interior=2, why="border 0", out=out)
    k1 = (B5 / 16).astype(F32)
    zrun(wl, size, "scipy correlate1d x2 (separable)",
         lambda: P.ndi.correlate1d(P.ndi.correlate1d(x, k1, axis=0, mode="reflect"), k1, axis=1, mode="reflect"),
         R, ref, tol)
    zrun(wl, size, "scipy.ndimage.correlate(5x5)", lambda: P.ndi.correlate(x, W5, mode="reflect"), R, ref, tol)
    if P.cv2 is not None:
        cv2 = P.cv2
        o = np.empty_like(x)
        zrun(wl, size, thr("cv2.GaussianBlur(5x5, sigma 0)"),
             lambda: cv2.GaussianBlur(x, (5, 5), 0, dst=o, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o)
        zrun(wl, size, thr("cv2.sepFilter2D"),
             lambda: cv2.sepFilter2D(x, -1, k1, k1, dst=o, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o)
        zrun(wl, size, thr("cv2.filter2D(5x5)"),
             lambda: cv2.filter2D(x, -1, W5, dst=o, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o)
    if P.hl is not None:
        run = halide_separable(np.float32, B5 / 16, B5 / 16, P.hl.BoundaryConditions.mirror_image, 16)
        o2 = np.zeros_like(x)
        zrun(wl, size, thr("halide separable tile+vec+par"), lambda: run(o2, x), R, ref, tol, out=o2)


def w_binom7(shape, R, si):
    wl, size = "zoo_binom7_f32", P.size_str(shape)
    x = P.gen_f64(shape, 42).astype(F32)
    si[wl] = dict(x=x)
    ref = taps_ref(x, W7B, "symmetric")
    tol = 1e-6
    out = np.zeros_like(x)
    zrun(wl, size, thr("numba prange, taps as row sweeps, fm"),
         lambda: (correlate_rows(np.pad(x, 3, mode="symmetric"), W7B, out), out)[1], R, ref, tol, note="pad timed", out=out)
    k1 = (B7 / 64).astype(F32)
    zrun(wl, size, "scipy correlate1d x2 (separable)",
         lambda: P.ndi.correlate1d(P.ndi.correlate1d(x, k1, axis=0, mode="reflect"), k1, axis=1, mode="reflect"),
         R, ref, tol)
    if P.cv2 is not None:
        cv2 = P.cv2
        o = np.empty_like(x)
        zrun(wl, size, thr("cv2.sepFilter2D"),
             lambda: cv2.sepFilter2D(x, -1, k1, k1, dst=o, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o)
        zrun(wl, size, thr("cv2.filter2D(7x7)"),
             lambda: cv2.filter2D(x, -1, W7B, dst=o, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o)
    if P.hl is not None:
        run = halide_separable(np.float32, B7 / 64, B7 / 64, P.hl.BoundaryConditions.mirror_image, 16)
        o2 = np.zeros_like(x)
        zrun(wl, size, thr("halide separable tile+vec+par"), lambda: run(o2, x), R, ref, tol, out=o2)


def w_box3d(shape, R, si):
    wl, size = "zoo_box3d_f32", P.size_str(shape)
    x = P.gen_f64(shape, 43).astype(F32)
    si[wl] = dict(x=x)
    ref = P.ndi.uniform_filter(x.astype(np.float64), 5, mode="reflect")
    tol = 1e-5
    out = np.zeros_like(x)
    zrun(wl, size, thr("numba prange, separable passes, fm"),
         lambda: (box3d_passes(np.pad(x, 2, mode="symmetric"), 5, F32(1 / 125), out), out)[1], R, ref, tol,
         note="pad timed", out=out)
    zrun(wl, size, "scipy.ndimage.uniform_filter(5)", lambda: P.ndi.uniform_filter(x, 5, mode="reflect"),
         R, ref, tol)
    if P.hl is not None:
        hl = P.hl
        X, Y, Z = hl.Var("x"), hl.Var("y"), hl.Var("z")
        inp = hl.ImageParam(hl.Float(32), 3, "x")
        pad = hl.BoundaryConditions.mirror_image(inp)
        planes, rows, o = hl.Func("planes"), hl.Func("rows"), hl.Func("out")
        planes[X, Y, Z] = sum((pad[X, Y, Z + i] for i in range(-1, 3)), pad[X, Y, Z - 2])
        rows[X, Y, Z] = sum((planes[X, Y + i, Z] for i in range(-1, 3)), planes[X, Y - 2, Z])
        o[X, Y, Z] = sum((rows[X + i, Y, Z] for i in range(-1, 3)), rows[X - 2, Y, Z]) * hl.f32(1.0 / 125.0)
        xi, yi = hl.Var("xi"), hl.Var("yi")
        o.tile(X, Y, xi, yi, 256, 32).vectorize(xi, 16).parallel(Z)
        rows.compute_at(o, X).vectorize(X, 16)
        planes.compute_at(o, X).vectorize(X, 16)
        o.compile_jit(hl.get_jit_target_from_environment())
        run = hl_runner(o, [inp])
        o2 = np.zeros_like(x)
        zrun(wl, size, thr("halide separable, tile+vec+par z"), lambda: run(o2, x), R, ref, tol, out=o2)


def w_blur7(shape, R, si):
    wl, size = "zoo_blur7_f64", P.size_str(shape)
    x = P.gen_f64(shape, 22)
    si[wl] = dict(x=x)
    ref = taps_ref(x, CONE, "edge") / CONE_SUM
    tol = 1e-14
    out = np.zeros_like(x)
    zrun(wl, size, thr("numba prange, taps as row sweeps, fm"),
         lambda: (correlate_rows(np.pad(x, 3, mode="edge"), W7, out), out)[1], R, ref, tol, note="pad timed", out=out)
    zrun(wl, size, thr("numba @stencil loops in njit(parallel)"), lambda: blur7_stencil(x, out), R, ref, tol,
         interior=3, why="border 0", out=out)
    zrun(wl, size, "scipy.ndimage.correlate(7x7)", lambda: P.ndi.correlate(x, W7, mode="nearest"), R, ref, tol)
    if P.cv2 is not None:
        cv2 = P.cv2
        o = np.empty_like(x)
        zrun(wl, size, thr("cv2.filter2D(7x7)"),
             lambda: cv2.filter2D(x, -1, W7, dst=o, borderType=cv2.BORDER_REPLICATE), R, ref, tol, out=o)
    if P.hl is not None:
        run = halide_table(np.float64, W7, P.hl.BoundaryConditions.repeat_edge, 8)
        o2 = np.zeros_like(x)
        zrun(wl, size, thr("halide 37 taps, tile+vec+par"), lambda: run(o2, x), R, ref, tol, out=o2)


def w_sobel(shape, R, si):
    wl, size = "zoo_sobel_u8_f32", P.size_str(shape)
    x = P.gen_i8(shape, 23).view(np.uint8)
    si[wl] = dict(x=x)
    p = np.pad(x, 1, mode="reflect").astype(F32)
    gx = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])
    gy = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])
    ref = np.sqrt(gx * gx + gy * gy)  # every step exact in f32 but the correctly rounded sqrt
    del p, gx, gy
    tol = 1e-6
    out = np.zeros(shape, F32)
    zrun(wl, size, thr("numba prange, fm"),
         lambda: (sobel_prange(np.pad(x, 1, mode="reflect"), out), out)[1], R, ref, tol, note="pad timed", out=out)
    zrun(wl, size, thr("numba @stencil in njit(parallel)"), lambda: sobel_stencil(x, out), R, ref, tol,
         interior=1, why="border 0", out=out)

    def scipy_sobel():
        return np.hypot(P.ndi.sobel(x, axis=1, output=F32, mode="mirror"),
                        P.ndi.sobel(x, axis=0, output=F32, mode="mirror"))
    zrun(wl, size, "scipy sobel x2 + np.hypot", scipy_sobel, R, ref, tol)
    if P.cv2 is not None:
        cv2 = P.cv2
        o1, o2, o3 = (np.empty(shape, F32) for _ in range(3))

        def cv_sobel():
            cv2.Sobel(x, cv2.CV_32F, 1, 0, dst=o1, ksize=3)
            cv2.Sobel(x, cv2.CV_32F, 0, 1, dst=o2, ksize=3)
            return cv2.magnitude(o1, o2, magnitude=o3)
        zrun(wl, size, thr("cv2.Sobel x2 + cv2.magnitude"), cv_sobel, R, ref, tol, out=o3)
    if P.hl is not None:
        hl = P.hl
        X, Y = hl.Var("x"), hl.Var("y")
        inp = hl.ImageParam(hl.UInt(8), 2, "inp")
        pad = hl.BoundaryConditions.mirror_interior(inp)
        f = hl.Func("f")
        f[X, Y] = hl.cast(hl.Float(32), pad[X, Y])
        sy, dy = hl.Func("sy"), hl.Func("dy")
        sy[X, Y] = f[X, Y - 1] + hl.f32(2.0) * f[X, Y] + f[X, Y + 1]
        dy[X, Y] = f[X, Y + 1] - f[X, Y - 1]
        o = hl.Func("out")
        gxe = sy[X + 1, Y] - sy[X - 1, Y]
        gye = dy[X - 1, Y] + hl.f32(2.0) * dy[X, Y] + dy[X + 1, Y]
        o[X, Y] = hl.sqrt(gxe * gxe + gye * gye)
        hl_2d(o, X, Y, 16, [sy, dy])
        run = hl_runner(o, [inp])
        o4 = np.zeros(shape, F32)
        zrun(wl, size, thr("halide separable tile+vec+par"), lambda: run(o4, x), R, ref, tol, out=o4)


def w_life(shape, R, si):
    wl, size = "zoo_life_u8", P.size_str(shape)
    c = (P.gen_u7(shape, 24) < 40).astype(np.uint8)
    si[wl] = dict(c=c)
    n = sum(np.roll(c, (di, dj), axis=(0, 1)) for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0))
    ref = ((n == 3) | ((n == 2) & (c == 1))).astype(np.uint8)
    out = np.zeros_like(c)
    zrun(wl, size, thr("numba prange"), lambda: (life_prange(np.pad(c, 1, mode="wrap"), out), out)[1], R, ref,
         note="pad timed", out=out)
    zrun(wl, size, thr("numba @stencil in njit(parallel)"), lambda: life_stencil(c, out), R, ref,
         interior=1, why="border 0", out=out)
    K = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.uint8)

    def scipy_life():
        s = P.ndi.convolve(c, K, mode="wrap")
        return ((s == 3) | ((s == 2) & (c == 1))).astype(np.uint8)
    zrun(wl, size, "scipy convolve(wrap) + numpy logic", scipy_life, R, ref)
    if P.cv2 is not None:
        cv2 = P.cv2
        counts = np.empty((shape[0] + 2, shape[1] + 2), np.uint8)

        def cv_life():
            padded = cv2.copyMakeBorder(c, 1, 1, 1, 1, cv2.BORDER_WRAP)
            s = cv2.filter2D(padded, -1, K, dst=counts)[1:-1, 1:-1]
            return ((s == 3) | ((s == 2) & (c == 1))).astype(np.uint8)
        zrun(wl, size, thr("cv2 wrap pad + filter2D + numpy logic"), cv_life, R, ref)
    if P.hl is not None:
        hl = P.hl
        x, y = hl.Var("x"), hl.Var("y")
        inp = hl.ImageParam(hl.UInt(8), 2, "c")
        pad = hl.BoundaryConditions.repeat_image(inp)
        rows = hl.Func("rows")
        rows[x, y] = pad[x - 1, y] + pad[x, y] + pad[x + 1, y]
        o = hl.Func("out")
        s3 = rows[x, y - 1] + rows[x, y] + rows[x, y + 1]  # includes the cell itself
        alive = (s3 == 3) | ((s3 == 4) & (pad[x, y] == 1))
        o[x, y] = hl.select(alive, hl.u8(1), hl.u8(0))
        hl_2d(o, x, y, 32, [rows])
        run = hl_runner(o, [inp])
        o2 = np.zeros_like(c)
        zrun(wl, size, thr("halide separable count, tile+vec+par"), lambda: run(o2, c), R, ref, out=o2)


def w_morph(op, k, seed, wl, shape, R, si):
    size = P.size_str(shape)
    x = P.gen_i8(shape, seed).view(np.uint8)
    si[wl] = dict(x=x)
    scipy_filter = P.ndi.minimum_filter if op == "min" else P.ndi.maximum_filter
    ref = scipy_filter(x, size=k, mode="nearest")
    out = np.zeros_like(x)
    rows = erode_rows if op == "min" else dilate_rows
    zrun(wl, size, thr("numba prange, taps as row sweeps"),
         lambda: (rows(np.pad(x, k // 2, mode="edge"), k, out), out)[1], R, ref, note="pad timed", out=out)
    st = erode3_stencil if op == "min" else dilate5_stencil
    zrun(wl, size, thr("numba @stencil in njit(parallel)"), lambda: st(x, out), R, ref,
         interior=k // 2, why="border 0", out=out)
    name = "minimum_filter" if op == "min" else "maximum_filter"
    zrun(wl, size, f"scipy.ndimage.{name}(size={k})", lambda: scipy_filter(x, size=k, mode="nearest"), R, ref)
    grey = P.ndi.grey_erosion if op == "min" else P.ndi.grey_dilation
    zrun(wl, size, f"scipy.ndimage.{grey.__name__}(size=({k},{k}))",
         lambda: grey(x, size=(k, k), mode="nearest"), R, ref)
    if P.cv2 is not None:
        cv2 = P.cv2
        cvop = cv2.erode if op == "min" else cv2.dilate
        kern = np.ones((k, k), np.uint8)
        o = np.empty_like(x)
        zrun(wl, size, thr(f"cv2.{cvop.__name__}({k}x{k})"), lambda: cvop(x, kern, dst=o), R, ref, out=o)
    if P.hl is not None:
        run = halide_morph(k, op)
        o2 = np.zeros_like(x)
        zrun(wl, size, thr("halide separable tile+vec+par"), lambda: run(o2, x), R, ref, out=o2)


def w_median3(shape, R, si):
    wl, size = "zoo_median3_u8", P.size_str(shape)
    x = P.gen_i8(shape, 39).view(np.uint8)
    si[wl] = dict(x=x)
    ref = P.ndi.median_filter(x, size=3, mode="nearest")
    out = np.zeros_like(x)
    zrun(wl, size, thr("numba prange, min/max network"),
         lambda: (median3_prange(np.pad(x, 1, mode="edge"), out), out)[1], R, ref, note="pad timed", out=out)
    zrun(wl, size, "scipy.ndimage.median_filter(size=3)", lambda: P.ndi.median_filter(x, size=3, mode="nearest"),
         R, ref)
    if P.cv2 is not None:
        o = np.empty_like(x)
        zrun(wl, size, thr("cv2.medianBlur(3)"), lambda: P.cv2.medianBlur(x, 3, dst=o), R, ref, out=o)


def w_box15(shape, R, si):
    wl, size = "zoo_box15_f32", P.size_str(shape)
    x = P.gen_f64(shape, 27).astype(F32)
    si[wl] = dict(x=x)
    ref = P.ndi.uniform_filter(x.astype(np.float64), 15, mode="reflect")
    tol = 1e-6
    out = np.zeros_like(x)
    zrun(wl, size, thr("numba prange, taps as row sweeps, fm"),
         lambda: (box_rows(np.pad(x, 7, mode="symmetric"), 15, INV225, out), out)[1], R, ref, tol, note="pad timed", out=out)
    zrun(wl, size, thr("numba @stencil loops in njit(parallel)"), lambda: box15_stencil(x, out), R, ref, tol,
         interior=7, why="border 0", out=out)
    zrun(wl, size, "scipy.ndimage.uniform_filter(15)", lambda: P.ndi.uniform_filter(x, 15, mode="reflect"),
         R, ref, tol)
    if P.cv2 is not None:
        cv2 = P.cv2
        o = np.empty_like(x)
        zrun(wl, size, thr("cv2.blur(15x15)"),
             lambda: cv2.blur(x, (15, 15), dst=o, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o)
    if P.hl is not None:
        hl = P.hl
        X, Y = hl.Var("x"), hl.Var("y")
        inp = hl.ImageParam(hl.Float(32), 2, "inp")
        pad = hl.BoundaryConditions.mirror_image(inp)
        rows, o = hl.Func("rows"), hl.Func("out")
        rows[X, Y] = sum((pad[X + i, Y] for i in range(-6, 8)), pad[X - 7, Y])
        o[X, Y] = sum((rows[X, Y + i] for i in range(-6, 8)), rows[X, Y - 7]) * hl.f32(1.0 / 225.0)
        hl_2d(o, X, Y, 16, [rows])
        run = hl_runner(o, [inp])
        o2 = np.zeros_like(x)
        zrun(wl, size, thr("halide separable sums, tile+vec+par"), lambda: run(o2, x), R, ref, tol, out=o2)


def box_sums_ref(x, r):
    """Box sums of reach r, reflected at the border, from an int64 / float64 summed-area
    table: exact for bytes."""
    acc = np.int64 if x.dtype == np.uint8 else np.float64
    p = np.pad(x.astype(acc), r, mode="symmetric")
    t = np.zeros((p.shape[0] + 1, p.shape[1] + 1), acc)
    t[1:, 1:] = p.cumsum(0).cumsum(1)
    k = 2 * r + 1
    return t[k:, k:] - t[:-k, k:] - t[k:, :-k] + t[:-k, :-k]


def w_box_wide(wl, seed, r, dtype, shape, R, si):
    size = P.size_str(shape)
    k = 2 * r + 1
    if dtype == np.uint8:
        x = P.gen_i8(shape, seed).view(np.uint8)
        ref = (box_sums_ref(x, r) // (k * k)).astype(np.uint8)
        # Peers that round the mean to nearest (OpenCV) or truncate a float mean (SciPy)
        # differ by at most 1, which compare() measures against the largest mean.
        tol, run = 1.01 / max(1, int(ref.max())), box_running_u8
    else:
        x = P.gen_f64(shape, seed).astype(F32)
        ref = (box_sums_ref(x, r) / (k * k)).astype(F32)
        tol, run = 1e-5, box_running_f32
    si[wl] = dict(x=x)
    out = np.zeros_like(x)
    zrun(wl, size, thr("numba prange, running sums"),
         lambda: (run(np.pad(x, r, mode="symmetric"), k, out), out)[1], R, ref, tol, note="pad timed", out=out)
    zrun(wl, size, f"scipy.ndimage.uniform_filter({k})", lambda: P.ndi.uniform_filter(x, k, mode="reflect"),
         R, ref, tol)
    if P.cv2 is not None:
        cv2 = P.cv2
        o = np.empty_like(x)
        zrun(wl, size, thr(f"cv2.blur({k}x{k})"),
             lambda: cv2.blur(x, (k, k), dst=o, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o)
        o2 = np.empty_like(x)
        zrun(wl, size, thr(f"cv2.boxFilter({k}x{k})"),
             lambda: cv2.boxFilter(x, -1, (k, k), dst=o2, borderType=cv2.BORDER_REFLECT), R, ref, tol, out=o2)


def w_box31(shape, R, si):
    w_box_wide("zoo_box31_u8", 40, 15, np.uint8, shape, R, si)


def w_box101(shape, R, si):
    w_box_wide("zoo_box101_f32", 41, 50, F32, shape, R, si)


def w_diffuse(shape, R, si):
    wl, size = "zoo_diffuse2_f64", P.size_str(shape)
    u = P.gen_f64(shape, 28)
    c = 0.2 * P.gen_f64(shape, 29)
    si[wl] = dict(u=u, c=c)
    p = np.pad(u, 1, mode="edge")
    ref = u + DT * c * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * u)
    del p
    tol = 1e-15
    out = np.zeros_like(u)
    zrun(wl, size, thr("numba prange, fm"), lambda: (diffuse_prange(np.pad(u, 1, mode="edge"), c, out), out)[1],
         R, ref, tol, note="pad timed", out=out)
    zrun(wl, size, thr("numba @stencil(u, c) in njit(parallel)"), lambda: diffuse_stencil(u, c, out), R, ref, tol,
         interior=1, why="border 0", out=out)

    def np_slices():
        p = np.pad(u, 1, mode="edge")
        lap = p[:-2, 1:-1] + p[2:, 1:-1]
        lap += p[1:-1, :-2]
        lap += p[1:-1, 2:]
        lap -= 4.0 * u
        lap *= c
        lap *= DT
        lap += u
        return lap
    zrun(wl, size, "numpy pad + slices, in place", np_slices, R, ref, tol)
    if P.hl is not None:
        hl = P.hl
        x, y = hl.Var("x"), hl.Var("y")
        ui, ci = hl.ImageParam(hl.Float(64), 2, "u"), hl.ImageParam(hl.Float(64), 2, "c")
        e = hl.BoundaryConditions.repeat_edge(ui)
        o = hl.Func("out")
        o[x, y] = ui[x, y] + hl.f64(DT) * ci[x, y] * (e[x, y - 1] + e[x, y + 1] + e[x - 1, y] + e[x + 1, y]
                                                      - hl.f64(4.0) * ui[x, y])
        hl_2d(o, x, y, 8)
        run = hl_runner(o, [ui, ci])
        o2 = np.zeros_like(u)
        zrun(wl, size, thr("halide repeat_edge, tile+vec+par"), lambda: run(o2, u, c), R, ref, tol, out=o2)


def w_logistic(shape, R, si):
    wl, size = "zoo_logistic_f32", P.size_str(shape)
    x = (20.0 * P.gen_f64(shape, 30) - 10.0).astype(F32)
    si[wl] = dict(x=x)
    k, x0 = F32(1.5), F32(0.5)
    ref = 1.0 / (1.0 + np.exp(-1.5 * (x.astype(np.float64) - 0.5)))
    tol = 1e-6
    out = np.empty_like(x)

    @vectorize(["float32(float32, float32, float32)"], target="parallel")
    def nb_logistic(v, k, x0):
        return F32(1.0) / (F32(1.0) + np.exp(-k * (v - x0)))
    zrun(wl, size, thr("numba @vectorize(parallel), out="), lambda: nb_logistic(x, k, x0, out=out), R, ref, tol, out=out)
    zrun(wl, size, thr("numba prange, fm"), lambda: (logistic_prange(x, k, x0, out), out)[1], R, ref, tol, out=out)
    zrun(wl, size, "numpy 1 / (1 + np.exp(-k * (x - x0)))", lambda: 1 / (1 + np.exp(-k * (x - x0))), R, ref, tol)

    def np_inplace():
        np.subtract(x, x0, out=out)
        np.multiply(out, -k, out=out)
        np.exp(out, out=out)
        np.add(out, F32(1.0), out=out)
        return np.reciprocal(out, out=out)
    zrun(wl, size, "numpy in place, out=", np_inplace, R, ref, tol, out=out)
    zrun(wl, size, "scipy.special.expit(k * (x - x0))", lambda: P.scipy.special.expit(k * (x - x0)), R, ref, tol)
    if P.hl is not None:
        hl = P.hl
        v = hl.Var("x")
        inp = hl.ImageParam(hl.Float(32), 1, "x")
        o = hl.Func("out")
        o[v] = hl.f32(1.0) / (hl.f32(1.0) + hl.exp(-hl.f32(1.5) * (inp[v] - hl.f32(0.5))))
        hl_1d(o, v, 16)
        run = hl_runner(o, [inp])
        zrun(wl, size, thr("halide exp, vec 16, parallel"), lambda: run(out, x), R, ref, tol, out=out)


def w_gauss(shape, R, si):
    wl, size = "zoo_gauss_f64", P.size_str(shape)
    x = 8.0 * P.gen_f64(shape, 31) - 4.0
    si[wl] = dict(x=x)
    a, mu, s = 1.3, 0.25, 0.8
    ref = a * np.exp(-((x - mu) ** 2) / (2 * s ** 2))
    tol = 1e-14
    out = np.empty_like(x)

    @vectorize(["float64(float64, float64, float64, float64)"], target="parallel")
    def nb_gauss(v, a, mu, s):
        d = v - mu
        return a * np.exp(-(d * d) / (2.0 * s * s))
    zrun(wl, size, thr("numba @vectorize(parallel), out="), lambda: nb_gauss(x, a, mu, s, out=out), R, ref, tol, out=out)
    zrun(wl, size, thr("numba prange, fm"), lambda: (gauss_prange(x, a, mu, s, out), out)[1], R, ref, tol, out=out)
    zrun(wl, size, "numpy a * np.exp(-(x - mu)**2 / (2 s^2))",
         lambda: a * np.exp(-((x - mu) ** 2) / (2 * s ** 2)), R, ref, tol)

    def np_inplace():
        np.subtract(x, mu, out=out)
        np.square(out, out=out)
        np.multiply(out, -1.0 / (2 * s * s), out=out)
        np.exp(out, out=out)
        return np.multiply(out, a, out=out)
    zrun(wl, size, "numpy in place, out=", np_inplace, R, ref, tol, out=out)
    if P.hl is not None:
        hl = P.hl
        v = hl.Var("x")
        inp = hl.ImageParam(hl.Float(64), 1, "x")
        o = hl.Func("out")
        d = inp[v] - hl.f64(mu)
        o[v] = hl.f64(a) * hl.exp(-(d * d) / hl.f64(2 * s * s))
        hl_1d(o, v, 8)
        run = hl_runner(o, [inp])
        zrun(wl, size, thr("halide exp, vec 8, parallel"), lambda: run(out, x), R, ref, tol, out=out)


def w_sincos(shape, R, si):
    wl, size = "zoo_sincos_f32", P.size_str(shape)
    x = (2 * np.pi * P.gen_f64(shape, 32) - np.pi).astype(F32)
    y = (2 * np.pi * P.gen_f64(shape, 33) - np.pi).astype(F32)
    si[wl] = dict(x=x, y=y)
    ref = np.sin(x.astype(np.float64)) * np.cos(y.astype(np.float64)) + 0.5
    tol = 1e-6
    out = np.empty_like(x)

    @vectorize(["float32(float32, float32)"], target="parallel")
    def nb_sincos(a, b):
        return np.sin(a) * np.cos(b) + F32(0.5)
    zrun(wl, size, thr("numba @vectorize(parallel), out="), lambda: nb_sincos(x, y, out=out), R, ref, tol, out=out)
    zrun(wl, size, thr("numba prange, fm"), lambda: (sincos_prange(x, y, out), out)[1], R, ref, tol, out=out)
    zrun(wl, size, "numpy np.sin(x) * np.cos(y) + 0.5", lambda: np.sin(x) * np.cos(y) + F32(0.5), R, ref, tol)
    if P.hl is not None:
        hl = P.hl
        v = hl.Var("x")
        xi, yi = hl.ImageParam(hl.Float(32), 1, "x"), hl.ImageParam(hl.Float(32), 1, "y")
        o = hl.Func("out")
        o[v] = hl.sin(xi[v]) * hl.cos(yi[v]) + hl.f32(0.5)
        hl_1d(o, v, 16)
        run = hl_runner(o, [xi, yi])
        zrun(wl, size, thr("halide sin/cos, vec 16, parallel"), lambda: run(out, x, y), R, ref, tol, out=out)


def w_rownorm(shape, R, si):
    wl, size = "zoo_rownorm_f64", P.size_str(shape)
    x = P.gen_f64(shape, 34) - 0.5
    si[wl] = dict(x=x)
    ref = np.sqrt((x * x).sum(axis=1))
    tol = 1e-15
    out = np.empty(shape[0])

    @guvectorize(["void(float64[:], float64[:])"], "(n)->()", target="parallel")
    def nb_norm(v, res):
        acc = 0.0
        for i in range(v.shape[0]):
            acc += v[i] * v[i]
        res[0] = np.sqrt(acc)
    zrun(wl, size, thr("numba @guvectorize(parallel), out="), lambda: nb_norm(x, out), R, ref, tol, out=out)
    zrun(wl, size, thr("numba prange, fm"), lambda: (rownorm_prange(x, out), out)[1], R, ref, tol, out=out)
    zrun(wl, size, "numpy np.linalg.norm(x, axis=1)", lambda: np.linalg.norm(x, axis=1), R, ref, tol)
    zrun(wl, size, "numpy sqrt(einsum('ij,ij->i'))", lambda: np.sqrt(np.einsum("ij,ij->i", x, x)), R, ref, tol)
    if P.hl is not None:
        hl = P.hl
        r = hl.Var("r")
        inp = hl.ImageParam(hl.Float(64), 2, "x")
        o = hl.Func("out")
        terms = [inp[i, r] * inp[i, r] for i in range(shape[1])]
        o[r] = hl.sqrt(sum(terms[1:], terms[0]))
        hl_1d(o, r, 4)
        run = hl_runner(o, [inp])
        zrun(wl, size, thr("halide unrolled row, vec 4, parallel"), lambda: run(out, x), R, ref, tol, out=out)


def w_cross3(shape, R, si):
    wl, size = "zoo_cross3_f64", P.size_str(shape)
    a = P.gen_f64(shape, 35) - 0.5
    b = P.gen_f64(shape, 36) - 0.5
    si[wl] = dict(a=a, b=b)
    ref = np.cross(a, b)
    tol = 1e-15
    out = np.empty_like(a)

    @guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n)->(n)", target="parallel")
    def nb_cross(u, v, res):
        res[0] = u[1] * v[2] - u[2] * v[1]
        res[1] = u[2] * v[0] - u[0] * v[2]
        res[2] = u[0] * v[1] - u[1] * v[0]
    zrun(wl, size, thr("numba @guvectorize(parallel), out="), lambda: nb_cross(a, b, out), R, ref, tol, out=out)
    zrun(wl, size, thr("numba prange, fm"), lambda: (cross_prange(a, b, out), out)[1], R, ref, tol, out=out)
    zrun(wl, size, "numpy np.cross(a, b)", lambda: np.cross(a, b), R, ref, tol)


def w_mat4vec(shape, R, si):
    wl, size = "zoo_mat4vec_f32", P.size_str(shape)
    n = shape[0]
    m = (P.gen_f64(shape, 37) - 0.5).astype(F32)
    v = (P.gen_f64((n, 4), 38) - 0.5).astype(F32)
    si[wl] = dict(m=m, v=v)
    ref = np.einsum("nij,nj->ni", m.astype(np.float64), v.astype(np.float64))
    tol = 1e-6
    out = np.empty_like(v)

    @guvectorize(["void(float32[:, :], float32[:], float32[:])"], "(n,n),(n)->(n)", target="parallel")
    def nb_mv(a, b, res):
        for r in range(a.shape[0]):
            acc = F32(0.0)
            for k in range(a.shape[1]):
                acc += a[r, k] * b[k]
            res[r] = acc
    zrun(wl, size, thr("numba @guvectorize(parallel), out="), lambda: nb_mv(m, v, out), R, ref, tol, out=out)
    zrun(wl, size, thr("numba prange, fm"), lambda: (mat4vec_prange(m, v, out), out)[1], R, ref, tol, out=out)
    zrun(wl, size, "numpy np.matmul(m, v[..., None])", lambda: np.matmul(m, v[..., None])[..., 0], R, ref, tol)
    zrun(wl, size, "numpy einsum('nij,nj->ni')", lambda: np.einsum("nij,nj->ni", m, v), R, ref, tol)


WORKLOADS = {
    "zoo_lap3d_f32": w_lap3d,
    "zoo_blur5_f32": w_blur5,
    "zoo_blur7_f64": w_blur7,
    "zoo_binom7_f32": w_binom7,
    "zoo_box3d_f32": w_box3d,
    "zoo_sobel_u8_f32": w_sobel,
    "zoo_life_u8": w_life,
    "zoo_erode3_u8": lambda s, R, si: w_morph("min", 3, 25, "zoo_erode3_u8", s, R, si),
    "zoo_dilate5_u8": lambda s, R, si: w_morph("max", 5, 26, "zoo_dilate5_u8", s, R, si),
    "zoo_median3_u8": w_median3,
    "zoo_box15_f32": w_box15,
    "zoo_box31_u8": w_box31,
    "zoo_box101_f32": w_box101,
    "zoo_diffuse2_f64": w_diffuse,
    "zoo_logistic_f32": w_logistic,
    "zoo_gauss_f64": w_gauss,
    "zoo_sincos_f32": w_sincos,
    "zoo_rownorm_f64": w_rownorm,
    "zoo_cross3_f64": w_cross3,
    "zoo_mat4vec_f32": w_mat4vec,
}

assert set(WORKLOADS) == set(SIZES) == set(INPUTS)
assert CONE_SUM == 191.0 and np.count_nonzero(CONE) == 37
