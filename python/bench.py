"""Benchmark the ahead-of-time compiled ``ndkernel_seeds`` module against Numba (and NumPy).

It measures three things and prints one plain-text table:

1. First call: import + (define +) first call, each in a fresh subprocess
   (``sys.executable -c``; NumPy is imported and the inputs made before the clock starts,
   ``NUMBA_CACHE_DIR`` is a fresh temporary directory). Best of 3 subprocesses.
   ``addarr`` on float64 (1000,) vs a Numba ``@vectorize`` JIT, and ``smooth`` on an int8
   (64, 64) image vs seed 002's ``@numba.stencil`` + ``@numba.guvectorize``.
2. Call overhead on tiny float64 arrays (length 1 and 16): ``ndkernel_seeds.addarr`` vs
   ``np.add`` vs a Numba ``@vectorize`` add, in microseconds per call (``timeit``, loops
   chosen by ``autorange``, best of 7 repeats).
3. Throughput on the seeds' sizes (those of ``peers/peers.py``), best of N calls after a
   warm-up (N = 15, 3 with ``--quick``), each writing into a preallocated output as the
   peers do: ``addarr`` (10_000_000 float64), ``smooth`` (int8 1000x1000 and the
   64x1000x1000 stack), ``softmax_rows`` (float64 1000x10_000). Against Numba's
   ``target='parallel'`` (and its plain ``cpu`` ufunc for ``addarr``, faster here), NumPy
   where it has the operation, and, with ``--rust PATH`` (a ``peers_rust`` binary), the
   same kernel called from Rust on the same workload. Results are checked first.

The ratio column is numba_time / ndkernel_time: above 1 means ndkernel is faster.

Run:  /path/to/venv/bin/python python/bench.py [--quick] [--rust PATH] [--json results.json]
(``cargo build --release --example peers_rust`` with the wheel's ``RUSTFLAGS`` for PATH.)
"""

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import timeit

import numba
import numpy as np

import ndkernel_seeds as k

# --- 1. first call, each in a fresh interpreter ---------------------------------------

_NB_SMOOTH_DEFS = """
@numba.stencil
def _smooth(x):
    return (x[-1, -1] + x[-1, 0] + x[-1, 1] +
            x[0, -1] + x[0, 0] + x[0, 1] +
            x[1, -1] + x[1, 0] + x[1, 1]) // 9

@numba.guvectorize([(numba.int8[:, :], numba.int8[:, :])], '(n, m) -> (n, m)'{target})
def smooth(x, out):
    out[:] = _smooth(x)
"""

_FIRST_SETUP = {  # made before the clock starts
    "addarr": "x = np.random.rand(1000); y = np.random.rand(1000)",
    "smooth": "x = np.random.randint(-128, 128, (64, 64)).astype(np.int8)",
}

FIRST_CALL = [  # (name, setup key, timed body)
    ("first call addarr ndkernel", "addarr", "import ndkernel_seeds\nr = ndkernel_seeds.addarr(x, y)"),
    ("first call addarr numba", "addarr",
     "import numba\n@numba.vectorize(['float64(float64, float64)'])\n"
     "def addarr(a, b):\n    return a + b\nr = addarr(x, y)"),
    ("first call smooth ndkernel", "smooth", "import ndkernel_seeds\nr = ndkernel_seeds.smooth(x)"),
    ("first call smooth numba", "smooth",
     "import numba\n" + _NB_SMOOTH_DEFS.format(target="") + "r = smooth(x)"),
]


def first_call(setup, body, tries=3):
    """Best of `tries` fresh subprocesses: seconds for `body` (import + first call)."""
    child = "\n".join([
        "import time, numpy as np", setup, "t0 = time.perf_counter()", body,
        "t1 = time.perf_counter()", "print(repr(t1 - t0))",
    ])
    best = math.inf
    for _ in range(tries):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            out = subprocess.run([sys.executable, "-c", child], env=env, check=True,
                                 capture_output=True, text=True).stdout
        best = min(best, float(out.strip().splitlines()[-1]))
    return best


# --- Numba kernels for 2. and 3. ------------------------------------------------------

@numba.vectorize(["float64(float64, float64)"])
def nb_add(a, b):
    return a + b


@numba.vectorize(["float64(float64, float64)"], target="parallel")
def nb_add_par(a, b):
    return a + b


_ns = {"numba": numba}
exec(_NB_SMOOTH_DEFS.format(target=", target='parallel'"), _ns)
nb_smooth_par = _ns["smooth"]


@numba.guvectorize(["void(float64[:], float64[:])"], "(n)->(n)", target="parallel")
def nb_softmax_par(x, out):
    m = x[0]
    for i in range(x.shape[0]):
        m = max(m, x[i])
    s = 0.0
    for i in range(x.shape[0]):
        e = math.exp(x[i] - m)
        out[i] = e
        s += e
    for i in range(x.shape[0]):
        out[i] /= s


# --- 2. call overhead -----------------------------------------------------------------

def per_call_us(f, *args, repeat=7):
    """Best per-call time of `f(*args)` in microseconds."""
    f(*args)
    t = timeit.Timer(lambda: f(*args))
    loops, _ = t.autorange()
    return min(t.repeat(repeat=repeat, number=loops)) / loops * 1e6


# --- 3. throughput --------------------------------------------------------------------

def best_ms(f, *args, n):
    """Best of `n` calls of `f(*args)` in milliseconds, after one warm-up call."""
    f(*args)
    best = math.inf
    for _ in range(n):
        t0 = time.perf_counter()
        f(*args)
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def rust_times(binary, quick, workloads):
    """Seconds per call of ndkernel's `_into` form (else its fastest form) from Rust, per
    workload, from `peers_rust --json`."""
    cmd = [binary, "--threads", "2", "--json", "--only", ",".join(workloads)] + (["--quick"] if quick else [])
    results = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["results"]
    best = {}
    for r in results:
        system = r["system"]
        if system.startswith("ndkernel") and ("into" in system or r["workload"] not in best):
            if "into" in system or r["seconds"] < best.get(r["workload"], math.inf):
                best[r["workload"]] = r["seconds"]
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    ap.add_argument("--rust", metavar="PATH", help="a peers_rust binary, for the Rust column")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args()
    n_rep = 3 if args.quick else 15
    n_add = 1_000_000 if args.quick else 10_000_000
    plane = (1000, 1000)
    stack = (8, 500, 500) if args.quick else (64, 1000, 1000)
    batch = (100, 10_000) if args.quick else (1000, 10_000)
    rng = np.random.default_rng(0)
    rows = []  # (section, name, ndkernel, rust, numba, numpy, unit)

    # 1. first call
    fc = {name: first_call(_FIRST_SETUP[key], body) * 1e3 for name, key, body in FIRST_CALL}
    for what in ("addarr", "smooth"):
        rows.append(("first call (import + first call, best of 3 processes)",
                     f"{what} {'(1000,) f64' if what == 'addarr' else '(64, 64) i8'}",
                     fc[f"first call {what} ndkernel"], None, fc[f"first call {what} numba"], None, "ms"))

    # 2. call overhead
    for n in (1, 16):
        a, b = rng.random(n), rng.random(n)
        rows.append(("call overhead (timeit, best of 7)", f"addarr len {n}",
                     per_call_us(k.addarr, a, b), None, per_call_us(nb_add, a, b),
                     per_call_us(np.add, a, b), "us"))

    # 3. throughput, after checking the results agree
    a, b = rng.random(n_add), rng.random(n_add)
    o = np.empty_like(a)
    np.testing.assert_array_equal(k.addarr(a, b), a + b)
    np.testing.assert_array_equal(nb_add_par(a, b), a + b)
    x = rng.integers(-128, 128, plane, dtype=np.int8)
    xs = rng.integers(-128, 128, stack, dtype=np.int8)
    np.testing.assert_array_equal(k.smooth(x), nb_smooth_par(x))
    np.testing.assert_array_equal(k.smooth(xs), nb_smooth_par(xs))
    z = 10 * rng.random(batch)
    np.testing.assert_allclose(k.softmax_rows(z), nb_softmax_par(z), rtol=1e-12)
    rust = {}
    if args.rust:
        rust = rust_times(args.rust, args.quick, ["addarr_f64", "smooth_i8", "smooth_i8_stack", "softmax_f64_batch"])
    ms = lambda workload: rust[workload] * 1e3 if workload in rust else None
    sec = f"throughput into a preallocated out (best of {n_rep}; numba target='parallel')"
    numba_add = min(best_ms(nb_add_par, a, b, o, n=n_rep), best_ms(nb_add, a, b, o, n=n_rep))
    rows.append((sec, f"addarr {n_add:_} f64", best_ms(k.addarr, a, b, o, n=n_rep), ms("addarr_f64"),
                 numba_add, best_ms(np.add, a, b, o, n=n_rep), "ms"))
    for name, img, workload in [("smooth", x, "smooth_i8"), ("smooth stack", xs, "smooth_i8_stack")]:
        out = np.empty_like(img)
        rows.append((sec, f"{name} {img.shape} i8", best_ms(lambda v: k.smooth(v, out=out), img, n=n_rep),
                     ms(workload), best_ms(nb_smooth_par, img, out, n=n_rep), None, "ms"))
    zo = np.empty_like(z)
    rows.append((sec, f"softmax_rows {batch} f64", best_ms(k.softmax_rows, z, zo, n=n_rep),
                 ms("softmax_f64_batch"), best_ms(nb_softmax_par, z, zo, n=n_rep), None, "ms"))

    # report
    threads = {"cpu_count": os.cpu_count(), "NUMBA_NUM_THREADS": numba.config.NUMBA_NUM_THREADS,
               "numba_threading_layer": numba.threading_layer(),
               "RAYON_NUM_THREADS": os.environ.get("RAYON_NUM_THREADS", "(unset)")}
    print(f"ndkernel_seeds vs Numba{' (--quick)' if args.quick else ''}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"{platform.machine()}")
    print("threads: " + ", ".join(f"{key}={val}" for key, val in threads.items()))
    fmt = "{:<30} {:>11} {:>11} {:>11} {:>11} {:>10} {:>10}"
    num = lambda v: "-" if v is None else f"{v:.3f}" if v < 100 else f"{v:.1f}"
    ratio = lambda n, d: "-" if n is None or d is None else f"{n / d:.2f}x"
    section = None
    for sec, name, nd, rs, nb, npy, unit in rows:
        if sec != section:
            section = sec
            print(f"\n{sec}")
            print(fmt.format("", f"python {unit}", f"rust {unit}", f"numba {unit}", f"numpy {unit}",
                             "rust/py", "numba/py"))
        print(fmt.format(name, num(nd), num(rs), num(nb), num(npy), ratio(rs, nd), ratio(nb, nd)))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"quick": args.quick, "python": platform.python_version(),
                       "numpy": np.__version__, "numba": numba.__version__, "threads": threads,
                       "results": [dict(section=s_, name=n_, unit=u_, ndkernel=a_, rust=r_, numba=b_, numpy=c_)
                                   for s_, n_, a_, r_, b_, c_, u_ in rows]}, fh, indent=2)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
