"""#[vectorize] kernels as numpy.ufunc: NumPy's ufunc behaviour against NumPy expressions."""

import functools
import threading

import numpy as np
import pytest

import ndkernel_seeds as k
from conftest import layouts


def rel_diff_ref(x, y):
    return 2.0 * (x - y) / (x + y)


def test_they_are_real_ufuncs():
    for f in (k.addarr, k.rel_diff, k.add_i64, k.clip):
        assert isinstance(f, np.ufunc)
    assert (k.addarr.nin, k.addarr.nout, k.addarr.types) == (2, 1, ["dd->d"])
    # Smallest types first, as NumPy orders its own loops: it takes the first safe one.
    assert k.rel_diff.types == ["ff->f", "dd->d"]
    assert k.clip.types == ["BBB->B", "iii->i", "fff->f", "ddd->d"]
    assert k.addarr.signature is None
    assert k.add_i64.identity == 0 and k.addarr.identity is None
    assert k.addarr.__name__ == "addarr" and "addarr" in k.addarr.__doc__


@pytest.mark.parametrize("n", [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 100_003])
def test_lengths_around_the_lane_width(n, rng):
    x, y = rng.random(n) + 1, rng.random(n) + 1
    np.testing.assert_array_equal(k.addarr(x, y), x + y)
    np.testing.assert_array_equal(k.rel_diff(x, y), rel_diff_ref(x, y))
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    got = k.rel_diff(x32, y32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, rel_diff_ref(x32, y32))


def test_layouts_and_broadcasting(rng):
    a = rng.random((6, 9)) + 1
    for name, view, ref in layouts(a):
        np.testing.assert_array_equal(k.rel_diff(view, ref[::-1]), rel_diff_ref(ref, ref[::-1]), err_msg=name)
    col, row = rng.random((5, 1)) + 1, rng.random(7) + 1
    np.testing.assert_array_equal(k.rel_diff(col, row), rel_diff_ref(col, row))
    np.testing.assert_array_equal(k.rel_diff(col, 2.0), rel_diff_ref(col, 2.0))
    assert k.rel_diff(1.0, 3.0) == rel_diff_ref(1.0, 3.0)
    zero_d = k.addarr(np.float64(1.0), np.float64(2.0))
    assert zero_d == 3.0
    with pytest.raises(ValueError, match="broadcast"):
        k.addarr(np.ones(3), np.ones(4))


def test_out_where_dtype_order(rng):
    x, y = rng.random((4, 5)), rng.random((4, 5))
    out = np.full((4, 5), -1.0)
    assert k.addarr(x, y, out=out) is out
    np.testing.assert_array_equal(out, x + y)
    mask = x > 0.5
    out = np.full((4, 5), -1.0)
    k.addarr(x, y, out=out, where=mask)
    np.testing.assert_array_equal(out, np.where(mask, x + y, -1.0))
    # Integer inputs are cast to the float64 loop, as np.add would with dtype=float64.
    ints = np.arange(6, dtype=np.int32)
    np.testing.assert_array_equal(k.addarr(ints, ints), np.add(ints, ints, dtype=np.float64))
    np.testing.assert_array_equal(k.rel_diff(x, y, dtype=np.float32), rel_diff_ref(x.astype(np.float32), y.astype(np.float32)))
    with pytest.raises(TypeError):
        k.addarr(x, y, out=np.zeros((4, 5), dtype=np.int64))  # same_kind casting refuses
    assert k.addarr(x, y, order="F").flags.f_contiguous
    np.testing.assert_array_equal(k.clip(np.arange(10, dtype=np.uint8), 2, 7), np.clip(np.arange(10, dtype=np.uint8), 2, 7))
    np.testing.assert_array_equal(k.clip(np.arange(-5, 5, dtype=np.int32), -2, 3), np.clip(np.arange(-5, 5, dtype=np.int32), -2, 3))


def test_in_place_and_overlapping_out(rng):
    a = rng.random(1001)
    b = rng.random(1001)
    want = a + b
    k.addarr(a, b, out=a)  # out is input 0: exact overlap
    np.testing.assert_array_equal(a, want)
    c = rng.random(1001)
    d = c.copy()
    k.addarr(c[:-1], 1.0, out=c[1:])  # partial overlap: NumPy copies, as for np.add
    np.add(d[:-1], 1.0, out=d[1:])
    np.testing.assert_array_equal(c, d)
    e = rng.random(64)
    f = e.copy()
    k.rel_diff(e[::2], e[1::2], out=e[::2])
    np.testing.assert_array_equal(e[::2], rel_diff_ref(f[::2], f[1::2]))


def test_loop_choice_follows_numpy(rng):
    assert k.clip(np.arange(10, dtype=np.uint8), 0, 5).dtype == np.uint8
    assert k.clip(np.arange(10, dtype=np.int16), np.int16(1), np.int16(5)).dtype == np.int32
    assert k.rel_diff(np.ones(3, np.float32), np.ones(3, np.float16)).dtype == np.float32


def test_in_place_over_many_blocks(rng):
    # Exact aliasing runs the kernel in blocks, each aliased input read from a copy.
    for n in (70_001, 200_000):
        a, b = rng.random(n), rng.random(n)
        want = rel_diff_ref(a, b)
        k.rel_diff(a, b, out=a)
        np.testing.assert_array_equal(a, want)
        c = rng.random(n)
        want = rel_diff_ref(c[::-1], b)
        k.rel_diff(c[::-1], b, out=c[::-1])  # negative steps, same pointer
        np.testing.assert_array_equal(c[::-1], want)


def test_broadcast_output_keeps_the_last_write(rng):
    # NumPy passes an output of stride 0 as is; its loops leave the last element's value.
    n = 100_000
    a = np.arange(n, dtype=float)
    z = np.zeros(1)
    k.addarr(a, 1.0, out=np.lib.stride_tricks.as_strided(z, (n,), (0,)))
    assert z[0] == a[-1] + 1.0


def test_reduce_accumulate_reduceat(rng):
    x = rng.integers(-100, 100, size=(7, 13)).astype(np.int64)
    for axis in (0, 1, None):
        np.testing.assert_array_equal(k.add_i64.reduce(x, axis=axis), np.add.reduce(x, axis=axis))
    np.testing.assert_array_equal(k.add_i64.accumulate(x, axis=1), np.add.accumulate(x, axis=1))
    np.testing.assert_array_equal(k.add_i64.reduceat(x[0], [0, 4, 9]), np.add.reduceat(x[0], [0, 4, 9]))
    assert k.add_i64.reduce(np.zeros(0, dtype=np.int64)) == 0  # the identity
    np.testing.assert_array_equal(k.add_i64.reduce(x, axis=1, keepdims=True), x.sum(axis=1, keepdims=True))
    f = rng.random(1000)
    assert k.addarr.reduce(f) == functools.reduce(lambda a, b: a + b, f)  # in order, as NumPy's loop calls it
    with pytest.raises(ValueError):
        k.addarr.reduce(np.zeros(0))  # no identity
    np.testing.assert_array_equal(k.add_i64.outer(np.arange(3), np.arange(4)), np.add.outer(np.arange(3), np.arange(4)))


def test_array_ufunc_dispatch():
    class Tagged:
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return ("tagged", ufunc.__name__, method)

    assert k.addarr(Tagged(), 1.0) == ("tagged", "addarr", "__call__")
    assert k.add_i64.reduce(Tagged()) == ("tagged", "add_i64", "reduce")


def test_a_panic_is_an_exception_and_no_result():
    a = np.arange(1, 100, dtype=np.int64)
    np.testing.assert_array_equal(k.int_div(a, 7), a // 7)
    b = np.ones(99, dtype=np.int64)
    b[50] = 0
    with pytest.raises(Exception, match="panicked"):
        k.int_div(a, b)
    # The module still works afterwards.
    np.testing.assert_array_equal(k.int_div(a, 3), a // 3)


def test_no_spurious_floating_point_warnings():
    # Lane tails must not compute 0/0 in filler lanes: NumPy would warn after the loop.
    x = np.arange(1.0, 6.0)[::-1]
    with np.errstate(all="raise"):
        k.rel_diff(x, 2.0)
        k.rel_diff(x[::2], x[1::2][:2].sum())


def test_many_threads_at_once(rng):
    x = rng.random((64, 1000))
    want = rel_diff_ref(x, x[::-1])
    errors = []

    def work():
        for _ in range(20):
            if not np.array_equal(k.rel_diff(x, x[::-1]), want):
                errors.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
