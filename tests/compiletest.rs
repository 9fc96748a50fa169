//! Misuse of the attributes is a compile error on the user's own tokens: each file under
//! `tests/ui/<macro>/` is a minimal program with one mistake, and its `.stderr` the message.
//!
//! Regenerate the messages with `TRYBUILD=overwrite cargo test --test compiletest`, then
//! read the diff. They are checked on the pinned toolchain (`rust-toolchain.toml`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/vectorize/*.rs");
    t.compile_fail("tests/ui/guvectorize/*.rs");
    t.compile_fail("tests/ui/stencil/*.rs");
    t.compile_fail("tests/ui/runtime/*.rs");
}
