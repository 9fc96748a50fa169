//! Misuse of the attributes is a compile error on the user's own tokens: each file under
//! `tests/ui/<macro>/` is a minimal program with one mistake, and its `.stderr` the message.
//!
//! Regenerate the messages with `TRYBUILD=overwrite cargo test -p ndkernel-ui-tests`, then
//! read the diff. They are checked on the pinned toolchain (`rust-toolchain.toml`).
//!
//! This is a package of its own, depending on ndkernel and trybuild alone, because trybuild
//! builds its cases against every dependency and dev-dependency of the package that runs
//! it: from the root package, that was the whole dev-dependency tree again.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/vectorize/*.rs");
    t.compile_fail("tests/ui/guvectorize/*.rs");
    t.compile_fail("tests/ui/stencil/*.rs");
    t.compile_fail("tests/ui/runtime/*.rs");
}
