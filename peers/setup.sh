#!/usr/bin/env bash
# Creates peers/.venv (git-ignored) with the pinned peers. Needs python3.11 and PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="${PYTHON:-python3.11}"
[ -x "$here/.venv/bin/python" ] || "$py" -m venv "$here/.venv"
"$here/.venv/bin/pip" install -q --upgrade pip
"$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
"$here/.venv/bin/python" -c "import numba, scipy, cv2, halide, skimage, skan, imageio; print('peers venv ok')"
