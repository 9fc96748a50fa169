"""The seeds' kernels from Python: equal to the seeds' own Numba functions (run here when
Numba is installed) and to the committed references in data/ made by the seeds' code."""

import numpy as np
import pytest

import ndkernel_seeds as k
from conftest import DATA

numba = pytest.importorskip("numba")


def test_addarr_equals_seed_000(rng):
    @numba.njit
    def addarr(x, y):  # seed 000, verbatim
        result = np.zeros_like(x)
        for i in range(x.size):
            result[i] = x[i] + y[i]
        return result

    x, y = rng.random(10_001), rng.random(10_001)
    np.testing.assert_array_equal(k.addarr(x, y), addarr(x, y))


def test_smooth_equals_seed_002_numba():
    @numba.stencil
    def _smooth(x):  # seed 002, verbatim
        return (x[-1, -1] + x[-1, 0] + x[-1, 1] +
                x[0, -1] + x[0, 0] + x[0, 1] +
                x[1, -1] + x[1, 0] + x[1, 1]) // 9

    @numba.guvectorize([(numba.int8[:, :], numba.int8[:, :])], "(n, m) -> (n, m)")
    def smooth(x, out):
        out[:] = _smooth(x)

    stack = np.load(DATA / "smooth" / "stack.i8.npy")
    np.testing.assert_array_equal(k.smooth(stack), smooth(stack))
    np.testing.assert_array_equal(k.smooth(stack), np.load(DATA / "smooth" / "stack.smooth.npy"))


@pytest.mark.parametrize("name", ["camera", "coins", "moon", "page", "text"])
def test_smooth_on_the_shipped_images(name):
    image = np.load(DATA / "smooth" / f"{name}.i8.npy")
    np.testing.assert_array_equal(k.smooth(image), np.load(DATA / "smooth" / f"{name}.smooth.npy"))


def test_softmax_rows():
    batch = np.load(DATA / "softmax" / "batch.in.npy")
    np.testing.assert_allclose(k.softmax_rows(batch), np.load(DATA / "softmax" / "batch.out.npy"), rtol=1e-12)
    batch32 = np.load(DATA / "softmax" / "batch32.in.npy")
    got = k.softmax_rows(batch32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.load(DATA / "softmax" / "batch32.out.npy"), rtol=1e-5)


def test_correlate_sparse_as_a_corner_sum():
    image = np.load(DATA / "correlate_sparse" / "image.npy")
    w = np.load(DATA / "correlate_sparse" / "kernel.npy").shape[0] - 1
    np.testing.assert_array_equal(k.corner_sum(image, w), np.load(DATA / "correlate_sparse" / "result.npy"))


@pytest.mark.parametrize("name", ["seed000_tiny", "camera", "coins", "horse", "retina", "blobs3d"])
def test_pixel_graph_equals_skan(name):
    skeleton = np.load(DATA / "skeletons" / f"{name}.npy")
    indptr, indices, data, nodes = k.pixel_graph(skeleton)
    for part, got in [("indptr", indptr), ("indices", indices), ("data", data), ("nodes", nodes)]:
        np.testing.assert_array_equal(got, np.load(DATA / "skeletons" / f"{name}.graph.{part}.npy"), err_msg=part)


def test_pixel_graph_refuses_bool_bytes_other_than_0_and_1():
    raw = np.zeros((4, 4), dtype=np.uint8)
    raw[1, 1] = 2
    with pytest.raises(ValueError, match="0 and 1"):
        k.pixel_graph(raw.view(bool))
