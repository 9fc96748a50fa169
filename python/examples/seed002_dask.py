"""Seed 002's pipeline on Dask: a folder of PNG planes read lazily, smoothed by ndkernel's
exported 3x3 mean stencil, written back as one PNG per plane and to Zarr, on a
``distributed.LocalCluster`` of worker processes (or the threaded scheduler), checked
against the single-machine call.

    python python/examples/seed002_dask.py [--planes N] [--scheduler processes|threads] [--out DIR]

The planes are the repository's sample images (``data/images``), cropped to one size and
cycled to make ``N`` planes. Pixel ``v`` becomes ``int8`` ``v - 128`` (as ``data/smooth``
does), so the seed's ``int8`` kernel sees the full range; the PNGs written back undo it.
For a cluster of several machines, pass its scheduler's address (``--scheduler
tcp://host:8786``): each worker needs the wheel and the input folder's path, nothing else.
"""

import argparse
import glob
import os
import tempfile
from pathlib import Path

import dask.array as da
import imageio.v3 as iio
import numpy as np
from dask_image.imread import imread

import ndkernel_seeds as k

IMAGES = Path(__file__).resolve().parents[2] / "data" / "images"


def make_planes(folder, count, shape=(160, 380)):
    """Writes `count` PNG planes of one shape into `folder`, from the sample images."""
    images = [iio.imread(p) for p in sorted(IMAGES.glob("*.png"))]
    images = [im if im.ndim == 2 else im[..., 0] for im in images]
    for i in range(count):
        im = images[i % len(images)]
        plane = np.roll(im[: shape[0], : shape[1]], i, axis=1)  # each plane its own
        iio.imwrite(os.path.join(folder, f"plane_{i:04d}.png"), plane)


def pipeline(src, dst, zarr_path):
    """The lazy pipeline: read, centre to int8, smooth, write PNGs and Zarr."""
    pixels = imread(os.path.join(src, "*.png"))                # (planes, rows, cols) uint8, lazy
    signed = (pixels ^ np.uint8(0x80)).view(np.int8)           # v - 128, the same bits
    smoothed = k.smooth.dask(signed)                           # halos from the kernel: none across planes
    written = k.dask.save_planes((smoothed.view(np.uint8) ^ np.uint8(0x80)),
                                 os.path.join(dst, "smoothed_{:04d}.png"), compute=False)
    stored = smoothed.to_zarr(zarr_path, compute=False)
    return smoothed, written, stored


def run(planes, scheduler, out):
    import dask
    from distributed import Client, LocalCluster

    src = os.path.join(out, "planes")
    dst = os.path.join(out, "smoothed")
    os.makedirs(src, exist_ok=True)
    os.makedirs(dst, exist_ok=True)
    make_planes(src, planes)
    smoothed, written, stored = pipeline(src, dst, os.path.join(out, "smoothed.zarr"))
    if scheduler == "threads":
        with dask.config.set(scheduler="threads"):
            dask.compute(written, stored)
    else:
        cluster = None if "://" in scheduler else LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
        with Client(scheduler if cluster is None else cluster):
            dask.compute(written, stored)
        if cluster is not None:
            cluster.close()
    # The single-machine call on the whole stack, for comparison.
    stack = np.stack([iio.imread(p) for p in sorted(glob.glob(os.path.join(src, "*.png")))])
    want = k.smooth((stack ^ np.uint8(0x80)).view(np.int8))
    back = np.stack([iio.imread(p) for p in sorted(glob.glob(os.path.join(dst, "*.png")))])
    import zarr

    assert np.array_equal((back ^ np.uint8(0x80)).view(np.int8), want), "PNGs differ from the in-memory call"
    assert np.array_equal(zarr.open_array(os.path.join(out, "smoothed.zarr"), mode="r")[...], want), "Zarr differs"
    return len(back)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--planes", type=int, default=16)
    ap.add_argument("--scheduler", default="processes", help="processes, threads, or a scheduler address")
    ap.add_argument("--out", help="output folder (a temporary one by default)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        n = run(args.planes, args.scheduler, args.out or tmp)
    print(f"{n} planes smoothed on {args.scheduler}: PNGs and Zarr equal the single-machine call")


if __name__ == "__main__":
    main()
