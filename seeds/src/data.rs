//! The committed data in `data/` (see `data/README.md` for how each file was made).

use std::path::{Path, PathBuf};

use ndarray_npy::{ReadableElement, read_npy};
use ndkernel::ndarray::{Array, Dimension};

/// The repository's `data/` folder.
pub fn dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data")).to_path_buf()
}

/// Reads `data/<name>` as an array of element `T` and dimension `D`.
///
/// # Panics
///
/// If the file is missing or holds another element type or rank: the data is part of the
/// repository, so either is a broken checkout.
#[track_caller]
pub fn load<T: ReadableElement, D: Dimension>(name: &str) -> Array<T, D> {
    let path = dir().join(name);
    read_npy(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
