"""Shared inputs for the tests of the ndkernel_seeds extension module."""

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


def layouts(a):
    """`a` in the layouts a kernel must accept: C order, F order, a transposed view, a
    negative-stride view and a strided slice, each with the reference it must equal."""
    yield "C", np.ascontiguousarray(a), a
    yield "F", np.asfortranarray(a), a
    yield "transposed", np.ascontiguousarray(a.T).T, a
    flipped = np.ascontiguousarray(a[(slice(None, None, -1),) * a.ndim])
    yield "negative strides", flipped[(slice(None, None, -1),) * a.ndim], a
    padded = np.zeros(tuple(2 * n + 1 for n in a.shape), dtype=a.dtype)
    padded[(slice(1, None, 2),) * a.ndim] = a
    yield "strided slice", padded[(slice(1, None, 2),) * a.ndim], a


@pytest.fixture
def rng():
    return np.random.default_rng(20261207)
