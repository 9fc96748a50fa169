"""Stencils over chunked Dask arrays equal the in-memory call bit for bit, in every mode,
rank and chunking; ufuncs and gufuncs on Dask arrays and xarray DataArrays."""

import itertools

import numpy as np
import pytest

import ndkernel_seeds as k

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

MODES = ["skip", "constant", "nearest", "reflect", "mirror", "wrap", "valid"]
# Per rank: the family of kernels, and shapes with chunkings (uneven, size 1, smaller than
# the reach, one chunk).
CASES = {
    1: ("line", [((13,), (1,)), ((13,), (2,)), ((13,), ((5, 1, 7),)), ((13,), (13,)), ((2,), (1,))]),
    2: ("laplace", [((9, 11), (1, 3)), ((9, 11), ((4, 5), (2, 2, 7))), ((9, 11), (9, 11)), ((1, 5), (1, 2))]),
    3: ("cube", [((5, 6, 7), (2, 3, 1)), ((5, 6, 7), ((1, 4), (6,), (3, 4))), ((4, 3, 5), (4, 3, 5))]),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_every_mode_rank_and_chunking(mode, rank, rng):
    family, shapes = CASES[rank]
    kernel = getattr(k, f"{family}_{mode}")
    for shape, chunks in shapes:
        x = rng.standard_normal(shape)
        want = kernel(x)
        got = kernel.dask(da.from_array(x, chunks=chunks)).compute(scheduler="sync")
        assert got.shape == want.shape, (shape, chunks)
        np.testing.assert_array_equal(got, want, err_msg=f"{shape} {chunks}")


@pytest.mark.parametrize("mode", ["nearest", "wrap", "valid"])
def test_stacks_keep_their_leading_axes(mode, rng):
    x = rng.standard_normal((3, 2, 8, 9))
    kernel = getattr(k, f"laplace_{mode}")
    for chunks in [(1, 1, 3, 4), (2, 2, 8, 2), (3, 1, 1, 9)]:
        got = kernel.dask(da.from_array(x, chunks=chunks)).compute(scheduler="sync")
        np.testing.assert_array_equal(got, kernel(x))


def test_scalars_set_the_halo(rng):
    image = rng.standard_normal((40, 37))
    for w, chunks in itertools.product([1, 3, 7], [(5, 6), (13, 40)]):
        got = k.corner_sum.dask(da.from_array(image, chunks=chunks), w).compute(scheduler="sync")
        np.testing.assert_array_equal(got, k.corner_sum(image, w))
    assert k.dask.map_stencil(k.forward_diff, da.arange(20.0, chunks=3), 0.5).compute().tolist() == k.forward_diff(np.arange(20.0), 0.5).tolist()


def test_seed_002_smooth_on_a_chunked_stack(rng):
    stack = rng.integers(-128, 128, size=(6, 64, 70), dtype=np.int8)
    got = k.smooth.dask(da.from_array(stack, chunks=(1, 20, 33))).compute()
    np.testing.assert_array_equal(got, k.smooth(stack))


def test_errors_come_early(rng):
    with pytest.raises(TypeError, match="int8"):
        k.smooth.dask(da.zeros((4, 4), chunks=2))  # float64 into an int8 stencil
    with pytest.raises(ValueError, match="axes"):
        k.smooth.dask(da.zeros(4, dtype=np.int8, chunks=2))


def test_ufuncs_and_gufuncs_on_dask_arrays(rng):
    a = rng.random((20, 30))
    b = rng.random(30)
    x, y = da.from_array(a, chunks=(7, 30)), da.from_array(b, chunks=30)
    z = k.rel_diff(x, y)  # __array_ufunc__: a lazy dask array, no wrapper
    assert isinstance(z, da.Array)
    np.testing.assert_array_equal(z.compute(), k.rel_diff(a, b))
    rows = k.softmax_rows(x)
    assert isinstance(rows, da.Array)
    np.testing.assert_array_equal(rows.compute(), k.softmax_rows(a))
    np.testing.assert_array_equal(k.inner1d(x, y).compute(), k.inner1d(a, b))


def test_xarray_apply_ufunc(rng):
    xr = pytest.importorskip("xarray")
    a = xr.DataArray(rng.random((4, 6)), dims=("time", "x"))
    b = xr.DataArray(rng.random(6), dims=("x",))
    got = k.rel_diff(a, b)  # DataArray.__array_ufunc__
    assert isinstance(got, xr.DataArray) and got.dims == ("time", "x")
    np.testing.assert_array_equal(got.values, k.rel_diff(a.values, b.values))
    norms = xr.apply_ufunc(k.inner1d, a, a, input_core_dims=[["x"], ["x"]], dask="parallelized",
                           output_dtypes=[float])
    np.testing.assert_array_equal(norms.values, k.inner1d(a.values, a.values))
    chunked = xr.apply_ufunc(k.smooth.dask, a.astype(np.int8).chunk({"time": 2}), dask="allowed")
    np.testing.assert_array_equal(chunked.values, k.smooth(a.values.astype(np.int8)))


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_seed_002_pipeline_end_to_end(scheduler, tmp_path):
    """PNG planes read lazily, smoothed, written back as PNGs and Zarr, on the threaded
    scheduler and on a LocalCluster of 2 worker processes: equal to the in-memory call."""
    pytest.importorskip("distributed")
    pytest.importorskip("dask_image")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "seed002_dask.py"
    spec = importlib.util.spec_from_file_location("seed002_dask", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.run(5, scheduler, str(tmp_path)) == 5  # it checks PNGs and Zarr itself


def test_save_planes_writes_one_file_per_plane(tmp_path, rng):
    iio = pytest.importorskip("imageio.v3")
    stack = rng.integers(0, 256, size=(2, 3, 8, 9), dtype=np.uint8)
    count = k.dask.save_planes(da.from_array(stack, chunks=(1, 2, 8, 9)), str(tmp_path / "p{:02d}.png"))
    assert count == 6
    for i, plane in enumerate(stack.reshape(6, 8, 9)):
        np.testing.assert_array_equal(iio.imread(tmp_path / f"p{i:02d}.png"), plane)


def _random_chunks(n, rng):
    """A random partition of `n` into chunks (sizes 1 to n)."""
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(1, n - sum(sizes) + 1)))
    return tuple(sizes)


def test_random_chunkings(rng):
    # Found a lost chunk when the last of several small chunks was merged.
    for _ in range(200):
        rank = int(rng.integers(1, 4))
        mode = MODES[int(rng.integers(len(MODES)))]
        family = CASES[rank][0]
        kernel = getattr(k, f"{family}_{mode}")
        shape = tuple(int(n) for n in rng.integers(1, 12, size=rank))
        chunks = tuple(_random_chunks(n, rng) for n in shape)
        x = rng.standard_normal(shape)
        got = kernel.dask(da.from_array(x, chunks=chunks)).compute(scheduler="sync")
        np.testing.assert_array_equal(got, kernel(x), err_msg=f"{family}_{mode} {shape} {chunks}")
