//! A signature and operand shapes through `Binder::bind`; see `ndkernel_fuzz::bind`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ndkernel_fuzz::bind::BindInput;

fuzz_target!(|input: BindInput| ndkernel_fuzz::bind::check(&input));
