#!/usr/bin/env python3
"""Writes SciPy reference data for the stencil boundary modes.

For small awkward arrays and asymmetric footprints, including footprints wider than the
array, this computes ``scipy.ndimage.correlate(x, weights, mode=m, cval=c, origin=o)`` for
every filter mode SciPy accepts, and saves inputs, weights and outputs as ``.npy`` files in
``kernel-runtime/tests/data/boundary/`` with a ``manifest.txt`` listing the cases. The test
``kernel-runtime/tests/boundary_scipy.rs`` recomputes each output with ``Boundary::map_index``.

``correlate`` accepts one mode for all axes only, so cases with a mode per axis are made the
way ``numpy.pad`` pads: pad one axis after another with the ``numpy.pad`` equivalent of its
mode, correlate, and crop back to the input's shape.

Conventions: SciPy centres weights of size ``w`` at ``w // 2 + origin``, so output ``i`` reads
``x[i + k + lo]`` for weight index ``k``, with ``lo = -(w // 2 + origin)`` and
``hi = w - 1 + lo``; the manifest gives ``lo`` and ``hi`` per axis.

Run from anywhere: ``python3 tools/reference/make_boundary_data.py`` (see requirements.txt).
The output is deterministic; rerunning it must leave the committed files unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy
import scipy.ndimage as ndi

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "kernel-runtime" / "tests" / "data" / "boundary"

MODES = ["constant", "nearest", "reflect", "mirror", "wrap"]
ALIASES = ["grid-constant", "grid-mirror", "grid-wrap"]
# scipy.ndimage filter mode -> numpy.pad mode
NUMPY_PAD = {
    "constant": "constant",
    "nearest": "edge",
    "reflect": "symmetric",
    "mirror": "reflect",
    "wrap": "wrap",
}
CVALS = [0.0, -1.5, 2.25, 10.0]

# (input shape, [(weights shape, origin per axis), ...], also run the grid-* aliases)
ONE_D = [(1, 0), (3, 0), (4, 0), (2, -1), (5, 2), (9, 0), (12, -5)]
CASES = [
    *[((n,), [((w,), (o,)) for w, o in ONE_D], n in (3, 5)) for n in (1, 2, 3, 5, 7)],
    (
        (4, 5),
        [
            ((3, 3), (0, 0)),
            ((2, 4), (0, -2)),
            ((1, 5), (0, 2)),
            ((5, 2), (-2, 0)),
            ((9, 1), (0, 0)),
        ],
        True,
    ),
    ((1, 3), [((3, 3), (0, 0)), ((1, 9), (0, 0)), ((2, 2), (-1, -1))], False),
    ((3, 4, 2), [((3, 3, 3), (0, 0, 0)), ((2, 1, 4), (0, 0, -1)), ((1, 5, 2), (0, 1, 0))], False),
]
# (input shape, weights shape, origin, mode per axis): made with numpy.pad
MIXED = [
    ((4, 5), (3, 3), (0, 0), ("reflect", "constant")),
    ((4, 5), (2, 4), (0, -2), ("constant", "nearest")),
    ((4, 5), (5, 2), (-2, 0), ("wrap", "mirror")),
    ((4, 5), (9, 1), (0, 0), ("mirror", "wrap")),
    ((1, 3), (1, 9), (0, 0), ("constant", "reflect")),
    ((1, 3), (3, 3), (0, 0), ("nearest", "constant")),
    ((3, 4, 2), (3, 3, 3), (0, 0, 0), ("mirror", "constant", "wrap")),
    ((3, 4, 2), (2, 1, 4), (0, 0, -1), ("nearest", "reflect", "constant")),
]


def stem(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def halo(wshape: tuple[int, ...], origin: tuple[int, ...]) -> tuple[list[int], list[int]]:
    lo = [-(w // 2 + o) for w, o in zip(wshape, origin)]
    hi = [w - 1 + l for w, l in zip(wshape, lo)]
    assert all(l <= 0 <= h for l, h in zip(lo, hi)), (wshape, origin)
    return lo, hi


def correlate_padded(x, weights, origin, modes, cval):
    """Pads axis by axis as numpy.pad does, correlates, and crops back."""
    lo, hi = halo(weights.shape, origin)
    padded = x
    for axis, mode in enumerate(modes):
        width = [(0, 0)] * x.ndim
        width[axis] = (-lo[axis], hi[axis])
        extra = {"constant_values": cval} if mode == "constant" else {}
        padded = np.pad(padded, width, mode=NUMPY_PAD[mode], **extra)
    full = ndi.correlate(padded, weights, origin=list(origin), mode="constant", cval=np.nan)
    crop = tuple(slice(-l, -l + n) for l, n in zip(lo, x.shape))
    return full[crop]


class Writer:
    def __init__(self) -> None:
        self.rng = np.random.default_rng(20240607)
        self.inputs: dict[tuple[int, ...], str] = {}
        self.weights: dict[tuple[int, ...], str] = {}
        self.lines: list[str] = []
        self.cval_index = 0

    def save(self, name: str, array: np.ndarray) -> str:
        np.save(OUT / name, np.ascontiguousarray(array, dtype="<f8"))
        return name

    def input(self, shape):
        if shape not in self.inputs:
            x = self.rng.uniform(-4.0, 4.0, size=shape)
            self.inputs[shape] = self.save(f"x_{stem(shape)}.npy", x)
        return self.inputs[shape]

    def weights_for(self, shape):
        if shape not in self.weights:
            # Bounded away from 0: SciPy drops weights with |w| <= DBL_MIN from the footprint.
            w = self.rng.uniform(0.25, 1.0, size=shape) * self.rng.choice([-1.0, 1.0], size=shape)
            self.weights[shape] = self.save(f"w_{stem(shape)}.npy", w)
        return self.weights[shape]

    def next_cval(self) -> float:
        cval = CVALS[self.cval_index % len(CVALS)]
        self.cval_index += 1
        return cval

    def case(self, xshape, wshape, origin, modes, cval, method, out):
        lo, hi = halo(wshape, origin)
        name = f"{stem(xshape)}_w{stem(wshape)}_o{'_'.join(map(str, origin))}_{'-'.join(modes)}"
        output = self.save(f"out_{name}.npy", out)
        fields = {
            "case": name,
            "input": self.inputs[xshape],
            "weights": self.weights[wshape],
            "output": output,
            "method": method,
            "modes": ",".join(modes),
            "cval": repr(cval),
            "origin": ",".join(map(str, origin)),
            "lo": ",".join(map(str, lo)),
            "hi": ",".join(map(str, hi)),
        }
        self.lines.append(" ".join(f"{k}={v}" for k, v in fields.items()))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.npy"):
        old.unlink()
    writer = Writer()

    for xshape, footprints, with_aliases in CASES:
        x = np.load(OUT / writer.input(xshape))
        for wshape, origin in footprints:
            weights = np.load(OUT / writer.weights_for(wshape))
            cval = writer.next_cval()
            for mode in MODES + (ALIASES if with_aliases else []):
                out = ndi.correlate(x, weights, mode=mode, cval=cval, origin=list(origin))
                if mode in NUMPY_PAD:
                    # The numpy.pad route used for mixed modes agrees with SciPy bit for bit.
                    again = correlate_padded(x, weights, origin, [mode] * x.ndim, cval)
                    assert np.array_equal(out, again), (xshape, wshape, origin, mode)
                writer.case(xshape, wshape, origin, [mode], cval, "correlate", out)

    for xshape, wshape, origin, modes in MIXED:
        x = np.load(OUT / writer.input(xshape))
        weights = np.load(OUT / writer.weights_for(wshape))
        cval = writer.next_cval()
        out = correlate_padded(x, weights, origin, modes, cval)
        writer.case(xshape, wshape, origin, modes, cval, "pad", out)

    header = [
        "# SciPy reference data for kernel-runtime's boundary modes; do not edit.",
        f"# Made by tools/reference/make_boundary_data.py with numpy {np.__version__}, "
        f"scipy {scipy.__version__}.",
        "# One case a line, space-separated key=value fields:",
        "#   input, weights, output: .npy files (float64, C order) beside this manifest",
        "#   method=correlate: scipy.ndimage.correlate(x, weights, mode, cval, origin)",
        "#   method=pad: numpy.pad each axis in turn with its mode's equivalent, correlate, crop",
        "#   modes: one SciPy mode for all axes, or one per axis, comma-separated",
        "#   lo, hi: per axis, output[i] = sum over k of weights[k] * x[i + lo + k]",
    ]
    (OUT / "manifest.txt").write_text("\n".join(header + writer.lines) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(writer.lines)} cases, {len(list(OUT.iterdir()))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
