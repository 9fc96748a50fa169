"""Exported kernels pickle by reference (module and name): a worker process that imports
the same module gets the same object."""

import multiprocessing
import pickle

import numpy as np

import ndkernel_seeds as k


def test_round_trip_is_the_same_object():
    for f in (k.addarr, k.rel_diff, k.matmul, k.mean_std, k.smooth, k.corner_sum):
        assert pickle.loads(pickle.dumps(f)) is f
        assert f.__module__.split(".")[0] == "ndkernel_seeds"  # maturin installs the package ndkernel_seeds around the extension
    assert len(pickle.dumps(k.addarr)) < 100  # a reference, not the code


def _apply(f, *args):
    return f(*args)


def test_workers_get_the_same_kernels():
    x = np.arange(12.0).reshape(3, 4)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        added = pool.apply(_apply, (k.addarr, x, x))
        smoothed = pool.apply(_apply, (k.laplace_nearest, x))
    np.testing.assert_array_equal(added, x + x)
    np.testing.assert_array_equal(smoothed, k.laplace_nearest(x))
