"""Seed 002's pipeline on a Dask LocalCluster: ndkernel's exported stencil against the
seed's Numba kernel, in one run.

For each system, a fresh ``LocalCluster`` of 2 worker processes (1 thread each) smooths
an int8 stack chunked one plane per task (64 planes of 1000x1000; ``--quick``: 8 of
500x500), made and held by the workers, and sums each plane (so no plane travels back).
Reported: the wall time, the first task's latency (a fresh Numba worker compiles its
kernel first; an ndkernel worker imports the wheel), and the time per plane against the
single-process in-memory call on the same machine (what the cluster costs). Each
cluster has run one plain Dask task on every worker before the clock starts. The two
systems' per-plane sums are checked to agree.

Run:  /path/to/venv/bin/python python/bench_dask.py [--quick]
"""

import argparse
import time

import numpy as np

NUMBA_KERNEL = '''
import numba

@numba.stencil
def _smooth(x):  # seed 002, verbatim
    return (x[-1, -1] + x[-1, 0] + x[-1, 1] +
            x[0, -1] + x[0, 0] + x[0, 1] +
            x[1, -1] + x[1, 0] + x[1, 1]) // 9

@numba.guvectorize([(numba.int8[:, :], numba.int8[:, :])], "(n, m) -> (n, m)")
def smooth(x, out):
    out[:] = _smooth(x)
'''


def numba_smooth(block):
    """Seed 002's kernel, compiled in the worker that first runs it (as the seed's users
    get it: a JIT in every process)."""
    import sys
    import types

    module = sys.modules.get("_seed002_numba")
    if module is None:
        module = types.ModuleType("_seed002_numba")
        exec(NUMBA_KERNEL, module.__dict__)
        sys.modules["_seed002_numba"] = module
    return module.smooth(block)


def stack_of(shape):
    """The int8 stack, one plane per chunk, made by the workers (the same for any run)."""
    import dask.array as da

    return da.random.default_rng(0).integers(-128, 128, size=shape, dtype=np.int8, chunks=(1,) + shape[1:])


def on_cluster(shape, smooth):
    """Wall time, first-task latency and per-plane sums of `smooth` over the stack on a
    fresh LocalCluster."""
    from distributed import Client, LocalCluster, as_completed, wait

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
        x = stack_of(shape).persist()
        wait(x)
        x.sum().compute()  # every worker has run a task: the cluster's own start is not timed
        sums = [smooth(x[i : i + 1]).sum(dtype=np.int64) for i in range(shape[0])]
        start = time.perf_counter()
        futures = client.compute(sums)
        first = None
        for _ in as_completed(futures):
            if first is None:
                first = time.perf_counter() - start
        wall = time.perf_counter() - start
        return wall, first, np.array(client.gather(futures))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import dask
    import numba

    import ndkernel_seeds as k

    shape = (8, 500, 500) if args.quick else (64, 1000, 1000)
    results = {
        "ndkernel": on_cluster(shape, lambda x: k.smooth.dask(x)),
        "numba": on_cluster(shape, lambda x: x.map_blocks(numba_smooth, dtype=np.int8)),
    }
    assert np.array_equal(results["ndkernel"][2], results["numba"][2]), "the two systems disagree"
    plane = stack_of(shape)[0].compute(scheduler="sync")
    k.smooth(plane)
    single = min(_timed(lambda: k.smooth(plane)) for _ in range(20))
    planes = shape[0]
    print(f"seed 002 on a LocalCluster (2 worker processes x 1 thread), {planes} planes of {shape[1:]} int8")
    print(f"dask {dask.__version__}, numba {numba.__version__}")
    print(f"{'':12} {'wall ms':>10} {'first task ms':>14} {'ms per plane':>13}")
    for name, (wall, first, _) in results.items():
        print(f"{name:12} {wall * 1e3:>10.1f} {first * 1e3:>14.1f} {wall * 1e3 / planes:>13.3f}")
    print(f"single-process in-memory call of ndkernel's smooth on one plane: {single * 1e3:.3f} ms "
          f"(cluster per plane / single call: {results['ndkernel'][0] / planes / single:.1f}x)")


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
