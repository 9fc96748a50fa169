//! The seed posts' workloads (`../shared/seeds/`), each written with ndkernel's attributes and
//! paired with a naive Rust transcription of the post's code.
//!
//! One module per workload. The tour (`src/bin/tour.rs`), the criterion benches, the peer
//! comparison (`peers/rust/`) and the tests all call these functions, so each
//! workload is written once.

pub mod addarr;
pub mod correlate_sparse;
pub mod data;
pub mod inputs;
pub mod measure;
pub mod skeleton;
pub mod smooth;
pub mod softmax;
pub mod window_search;
