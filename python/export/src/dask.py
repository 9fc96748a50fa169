"""Exported ndkernel stencils over chunked Dask arrays.

This module is compiled into every extension module that exports a stencil, as the
submodule ``<module>.dask``, so a Dask worker that has the wheel has it too.

``map_stencil(kernel, x, *scalars)`` (also ``kernel.dask(x, *scalars)``) returns a Dask
array equal, bit for bit, to ``kernel(x.compute(), *scalars)`` in every mode and for any
chunking: each chunk is evaluated with a halo of its neighbours' elements as deep as the
kernel reads (``kernel.halo(*scalars)``), and only the positions it owns are kept. The
edges of the whole array are left to the kernel itself, which applies its own mode there
(``wrap`` axes take their halo from the opposite end instead). So no value depends on the
chunking, except for float kernels built with ``reassociate = true``, whose running sums
start where a chunk does.
"""

import numpy as np


def map_stencil(kernel, x, *scalars):
    """``kernel(x, *scalars)`` over the Dask array ``x``, chunk by chunk, lazily."""
    import dask.array as da

    x = da.asarray(x)
    rank = kernel.ndim
    if x.ndim < rank:
        raise ValueError(
            f"{kernel.__name__}: the input has {x.ndim} axes but the stencil reads {rank} "
            "(its last; any leading axes are a stack)"
        )
    stack = x.ndim - rank
    halo = [(0, 0)] * stack + [tuple(h) for h in kernel.halo(*scalars)]
    modes = ["stack"] * stack + list(kernel.mode)
    depth = [max(-lo, hi) for lo, hi in halo]
    probe = kernel(np.zeros((1,) * rank, dtype=x.dtype), *scalars)  # dtype, and a wrong one early
    x = x.rechunk(_at_least(x.chunks, depth, x.shape))
    # An axis in one chunk has no neighbours: the kernel's own mode covers both its ends.
    depth = [d if len(x.chunks[axis]) > 1 else 0 for axis, d in enumerate(depth)]
    boundary = {axis: ("periodic" if modes[axis] == "wrap" and depth[axis] else "none") for axis in range(x.ndim)}
    if any(depth):
        padded = da.overlap.overlap(x, depth={axis: d for axis, d in enumerate(depth)}, boundary=boundary)
    else:
        padded = x  # every chunk holds whole planes: no halo to exchange

    plans = [_axis_plan(x.chunks[axis], x.shape[axis], depth[axis], halo[axis], modes[axis]) for axis in range(x.ndim)]
    out_chunks = tuple(tuple(count for _, count in plan) for plan in plans)

    def run(block, block_info=None):
        location = block_info[0]["chunk-location"]
        result = kernel(block, *scalars)
        crop = tuple(slice(start, start + count) if count else slice(0, 0)
                     for start, count in (plans[axis][i] for axis, i in enumerate(location)))
        return result[crop]

    return da.map_blocks(run, padded, chunks=out_chunks, dtype=probe.dtype,
                         meta=np.empty((0,) * x.ndim, dtype=probe.dtype))


def _at_least(chunks, depth, shape):
    """Chunks with every chunk of an axis at least that axis's depth (the halo comes from
    one neighbour only), merging small chunks into the one before; one chunk where the
    axis is shorter than its depth."""
    result = []
    for sizes, d, n in zip(chunks, depth, shape):
        if d == 0 or min(sizes, default=0) >= d:
            result.append(sizes)
            continue
        if n <= d:
            result.append((n,))
            continue
        merged = []
        for size in sizes:
            if merged and merged[-1] < d:
                merged[-1] += size
            else:
                merged.append(size)
        if len(merged) > 1 and merged[-1] < d:
            last = merged.pop()
            merged[-1] += last
        result.append(tuple(merged))
    return tuple(result)


def _axis_plan(sizes, n, d, halo, mode):
    """Per chunk of one axis, where in the kernel's output over the chunk and its halo
    the chunk's own positions start, and how many there are."""
    lo, hi = halo
    plan = []
    start = 0
    periodic = mode == "wrap" and d > 0
    for i, size in enumerate(sizes):
        left = d if (i > 0 or periodic) else 0
        if mode == "valid":
            # Output q of the kernel's valid result centres on input position q - lo.
            first = max(start, -lo)
            end = min(start + size, n - hi)
            plan.append((first - (start - left) + lo, max(end - first, 0)))
        else:
            plan.append((left, size))
        start += size
    return plan


def save_planes(x, pattern, *, compute=True):
    """Writes each plane of ``x`` (its last two axes; any leading axes are flattened in C
    order) to its own image file, ``pattern.format(index)``, from the worker that holds
    the plane: parallel, and nothing is gathered to the client. The format follows the
    file name (imageio). Returns the number of planes written (a Dask scalar when
    ``compute`` is false)."""
    import dask.array as da

    x = da.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"save_planes: an image stack has at least 2 axes, this has {x.ndim}")
    planes = x.reshape((-1,) + x.shape[-2:]).rechunk({0: 1, 1: -1, 2: -1})

    def write(block, block_info=None):
        import imageio.v3 as iio

        index = block_info[0]["chunk-location"][0]
        iio.imwrite(pattern.format(index), block[0])
        return np.ones((1, 1, 1), dtype=np.int64)

    written = planes.map_blocks(write, chunks=((1,) * planes.shape[0], (1,), (1,)), dtype=np.int64,
                                meta=np.empty((0, 0, 0), dtype=np.int64)).sum()
    return written.compute() if compute else written
