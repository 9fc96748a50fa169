//! Arbitrary bytes through `Signature::parse`; see `ndkernel_fuzz::signature`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ndkernel_fuzz::signature::check(data));
