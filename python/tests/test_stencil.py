"""#[stencil] kernels as Python callables: every mode against numpy.pad (bit for bit, the
same sum) and SciPy's correlate, layouts, stacks, out=, attributes, errors."""

import numpy as np
import pytest
import scipy.ndimage as ndi

import ndkernel_seeds as k
from conftest import layouts

LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)
CVAL = 1.5
# ndkernel mode -> (numpy.pad mode, scipy.ndimage mode)
PADDED = {
    "constant": ("constant", "constant"),
    "nearest": ("edge", "nearest"),
    "reflect": ("symmetric", "reflect"),
    "mirror": ("reflect", "mirror"),
    "wrap": ("wrap", "wrap"),
}


def laplace_of(p):
    """The kernel's body, in its order, over a padded array `p`."""
    return p[:-2, 1:-1] + p[1:-1, :-2] - 4.0 * p[1:-1, 1:-1] + p[1:-1, 2:] + p[2:, 1:-1]


def pad(x, mode):
    kwargs = {"constant_values": CVAL} if mode == "constant" else {}
    return np.pad(x, 1, mode=mode, **kwargs)


@pytest.mark.parametrize("mode", sorted(PADDED))
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (2, 2), (5, 3), (9, 17), (40, 33)])
def test_modes_against_numpy_pad_and_scipy(mode, shape, rng):
    kernel = getattr(k, f"laplace_{mode}")
    assert kernel.mode == [mode, mode]
    x = rng.standard_normal(shape)
    pad_mode, scipy_mode = PADDED[mode]
    want = laplace_of(pad(x, pad_mode))
    for name, view, ref in layouts(x):
        np.testing.assert_array_equal(kernel(view), want, err_msg=name)
    if not (mode == "mirror" and 1 in shape):  # SciPy's mirror of one element differs
        np.testing.assert_allclose(kernel(x), ndi.correlate(x, LAPLACE, mode=scipy_mode, cval=CVAL), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 1), (2, 5), (3, 3), (9, 17)])
def test_skip_and_valid(shape, rng):
    x = rng.standard_normal(shape)
    inner = laplace_of(x)
    skipped = k.laplace_skip(x)
    assert skipped.shape == x.shape
    np.testing.assert_array_equal(skipped[1:-1, 1:-1], inner)
    border = np.ones(shape, dtype=bool)
    border[1:-1, 1:-1] = False
    assert np.all(skipped[border] == CVAL)
    valid = k.laplace_valid(x)
    assert valid.shape == tuple(max(n - 2, 0) for n in shape)
    np.testing.assert_array_equal(valid, inner)


def test_empty_and_stacks(rng):
    assert k.laplace_nearest(np.zeros((0, 4))).shape == (0, 4)
    stack = rng.standard_normal((3, 2, 6, 7))
    got = k.laplace_reflect(stack)
    for i in range(3):
        for j in range(2):
            np.testing.assert_array_equal(got[i, j], k.laplace_reflect(stack[i, j]))


def test_output_follows_the_input_layout(rng):
    x = rng.standard_normal((6, 8))
    assert k.laplace_wrap(np.asfortranarray(x)).flags.f_contiguous
    assert k.laplace_wrap(x).flags.c_contiguous


def test_rank_1_and_3_and_scalars(rng):
    x = rng.standard_normal(50)
    p = np.pad(x, (1, 2), mode="edge")
    np.testing.assert_array_equal(k.forward_diff(x, 0.5), (p[3:] - p[:-3]) / 0.5)
    assert k.forward_diff.neighborhood == [(-1, 2)]
    v = rng.standard_normal((5, 6, 7)).astype(np.float32)
    w = np.zeros((3, 3, 3), dtype=np.float32)
    w[1, 1, 1] = -6
    for tap in [(0, 1, 1), (2, 1, 1), (1, 0, 1), (1, 2, 1), (1, 1, 0), (1, 1, 2)]:
        w[tap] = 1
    np.testing.assert_allclose(k.laplace3d(v), ndi.correlate(v, w, mode="reflect"), rtol=1e-5, atol=1e-5)


def test_out(rng):
    x = rng.standard_normal((5, 6))
    out = np.full((5, 6), 7.0)
    assert k.laplace_mirror(x, out=out) is out
    np.testing.assert_array_equal(out, k.laplace_mirror(x))
    with pytest.raises(ValueError, match="shape"):
        k.laplace_mirror(x, out=np.zeros((5, 5)))
    with pytest.raises(TypeError, match="dtype"):
        k.laplace_mirror(x, out=np.zeros((5, 6), dtype=np.float32))
    want = k.laplace_mirror(x)
    k.laplace_mirror(x, out=x)  # in place: the kernel writes a fresh array, copied into x
    np.testing.assert_array_equal(x, want)


def test_out_sharing_memory_through_other_bases(rng):
    x = rng.standard_normal((40, 33))
    want = k.laplace_nearest(x)
    c = x.copy()
    k.laplace_nearest(c, out=np.asarray(memoryview(c)))  # out is the input, via a memoryview
    np.testing.assert_array_equal(c, want)
    c = x.copy()
    k.laplace_nearest(c, out=np.lib.stride_tricks.as_strided(c, c.shape, c.strides))
    np.testing.assert_array_equal(c, want)


def test_unaligned_and_byte_swapped_arrays(rng):
    x = rng.standard_normal((9, 11))
    want = k.laplace_nearest(x)
    packed = np.zeros(x.shape, dtype=[("a", "i1"), ("b", "f8")])  # field strides of 9 bytes
    packed["a"] = 7
    packed["b"] = x
    np.testing.assert_array_equal(k.laplace_nearest(packed["b"]), want)
    packed["b"] = 0
    k.laplace_nearest(x, out=packed["b"])
    np.testing.assert_array_equal(packed["b"], want)
    assert (packed["a"] == 7).all()
    np.testing.assert_array_equal(k.laplace_nearest(x.astype(">f8")), want)


def test_attributes():
    s = k.smooth
    assert s.ndim == 2
    assert s.neighborhood == [(-1, 1), (-1, 1)]
    assert s.halo() == [(-1, 1), (-1, 1)]
    assert s.mode == ["skip", "skip"]
    assert s.cval == 0 and k.laplace_constant.cval == CVAL and k.laplace_skip.cval == CVAL
    assert k.corner_sum.neighborhood is None  # bounds from the parameter w
    assert k.corner_sum.halo(5) == [(0, 5), (0, 5)]
    assert "smooth" in repr(s)


def test_errors(rng):
    with pytest.raises(TypeError, match="int8"):
        k.smooth(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="axes|axis"):
        k.smooth(np.zeros(3, dtype=np.int8))
    with pytest.raises(TypeError, match="argument"):
        k.corner_sum(np.zeros((3, 3)), "a")
    with pytest.raises(TypeError, match="takes 2 arguments"):
        k.corner_sum(np.zeros((3, 3)))
    # A parameter that inverts the declared neighbourhood is the caller's mistake.
    with pytest.raises(ValueError, match="low bound is above"):
        k.corner_sum(np.zeros((3, 3)), -1)
    with pytest.raises(ValueError, match="low bound is above"):
        k.corner_sum.halo(-1)
    # A list is converted as NumPy would; its dtype still selects the loop.
    np.testing.assert_array_equal(k.laplace_nearest([[1.0, 2.0], [3.0, 4.0]]), k.laplace_nearest(np.array([[1.0, 2.0], [3.0, 4.0]])))


def test_many_threads_at_once(rng):
    import threading

    x = rng.standard_normal((300, 301))
    want = {name: getattr(k, name)(x) for name in ("laplace_nearest", "laplace_wrap", "laplace_reflect")}
    errors = []

    def work(name):
        for _ in range(20):
            out = np.empty_like(x)
            if not (np.array_equal(getattr(k, name)(x), want[name]) and np.array_equal(getattr(k, name)(x, out=out), want[name])):
                errors.append(name)

    threads = [threading.Thread(target=work, args=(name,)) for name in want for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
