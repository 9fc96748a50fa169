"""#[guvectorize] kernels as NumPy gufuncs, adapted from the inner1d/matmul/axes cases of
NumPy's test_ufunc.py, against NumPy expressions."""

import numpy as np
import pytest

import ndkernel_seeds as k
from conftest import layouts


def softmax_ref(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_signatures():
    assert isinstance(k.inner1d, np.ufunc)
    assert k.inner1d.signature == "(n),(n)->()"
    assert k.matmul.signature == "(n,k),(k,m)->(n,m)"
    assert k.mean_std.signature == "(n)->(),()"
    assert (k.mean_std.nin, k.mean_std.nout) == (1, 2)
    assert k.softmax_rows.types == ["f->f", "d->d"]


def test_inner1d_broadcasting(rng):
    # test_ufunc.py::test_signature / test_broadcast: loop dimensions broadcast.
    a = rng.random((2, 3, 5))
    b = rng.random((3, 5))
    np.testing.assert_allclose(k.inner1d(a, b), np.sum(a * b, axis=-1), rtol=1e-14)
    np.testing.assert_allclose(k.inner1d(a, b[0]), np.sum(a * b[0], axis=-1), rtol=1e-14)
    with pytest.raises(ValueError):
        k.inner1d(a, rng.random(4))  # core dimension mismatch
    with pytest.raises(ValueError):
        k.inner1d(a, rng.random((2, 5)))  # loop dimension mismatch
    assert k.inner1d(np.zeros((0, 5)), np.zeros(5)).shape == (0,)
    np.testing.assert_array_equal(k.inner1d(np.zeros((3, 0)), np.zeros(0)), np.zeros(3))


def test_axes_axis_keepdims(rng):
    a = rng.random((5, 4, 3))
    b = rng.random((3, 4))
    # test_ufunc.py::test_axes_argument: core axes taken from elsewhere.
    np.testing.assert_allclose(k.inner1d(a, b.T[None], axes=[1, 1]), np.sum(a * b.T[None], axis=1), rtol=1e-14)
    np.testing.assert_allclose(k.inner1d(a, a, axis=0), np.sum(a * a, axis=0), rtol=1e-14)
    np.testing.assert_allclose(k.inner1d(a, a, axis=0, keepdims=True), np.sum(a * a, axis=0, keepdims=True), rtol=1e-14)
    m = rng.random((2, 3, 4))
    n = rng.random((2, 4, 5))
    got = k.matmul(m.transpose(0, 2, 1), n.transpose(0, 2, 1), axes=[(-1, -2), (-1, -2), (-2, -1)])
    np.testing.assert_allclose(got, np.matmul(m, n), rtol=1e-14)


def test_matmul(rng):
    for shape_a, shape_b in [((3, 4), (4, 2)), ((5, 1, 3, 4), (2, 4, 6)), ((1, 1), (1, 1)), ((0, 3), (3, 2)), ((3, 0), (0, 2))]:
        a, b = rng.random(shape_a), rng.random(shape_b)
        np.testing.assert_allclose(k.matmul(a, b), np.matmul(a, b), rtol=1e-13, atol=0)
    a = rng.random((6, 4, 5))
    b = rng.random((5, 3))
    for name, view, ref in layouts(a):
        np.testing.assert_allclose(k.matmul(view, b), np.matmul(ref, b), rtol=1e-13, err_msg=name)
    out = np.zeros((6, 4, 3))
    assert k.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-13)
    with pytest.raises(ValueError):
        k.matmul(rng.random((3, 4)), rng.random((5, 2)))


def test_two_outputs_and_generic_loops(rng):
    x = rng.random((7, 33))
    mean, std = k.mean_std(x)
    np.testing.assert_allclose(mean, x.mean(axis=-1), rtol=1e-13)
    np.testing.assert_allclose(std, x.std(axis=-1), rtol=1e-12)
    for dtype, tol in [(np.float64, 1e-13), (np.float32, 1e-5)]:
        rows = (rng.standard_normal((9, 17)) * 3).astype(dtype)
        got = k.softmax_rows(rows)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, softmax_ref(rows.astype(np.float64)), rtol=tol)


def test_out_on_top_of_the_inputs(rng):
    # NumPy checks overlap over loop dimensions only: the loop reads such inputs from a copy.
    a = rng.random((4, 4))
    want = a @ a
    k.matmul(a, a, out=a)
    np.testing.assert_allclose(a, want, rtol=1e-13)
    s = rng.random((3, 5, 5))
    want = s @ s
    k.matmul(s, s, out=s)
    np.testing.assert_allclose(s, want, rtol=1e-13)



def test_outputs_that_share_an_array(rng):
    x = rng.random((5, 9))
    o = np.empty((5, 2))
    k.mean_std(x, out=(o[:, 0], o[:, 1]))  # interleaved columns of one array
    np.testing.assert_allclose(o[:, 0], x.mean(axis=-1), rtol=1e-13)
    np.testing.assert_allclose(o[:, 1], x.std(axis=-1), rtol=1e-12)
    # A broadcast output (stride 0 on the loop axis) keeps the last row's value, as NumPy's
    # own loops leave it.
    z = np.zeros(1)
    k.inner1d(x, x, out=np.lib.stride_tricks.as_strided(z, (5,), (0,)))
    assert z[0] == k.inner1d(x[-1], x[-1])
