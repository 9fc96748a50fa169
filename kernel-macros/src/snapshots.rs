//! One expansion per attribute, formatted by `rustfmt` and compared with the files in
//! `tests/expand/`, so that a change to the generated code shows in review as a diff of
//! code a reader can follow (as pin-project's and serde's expansion tests do).
//!
//! After an intended change: `SNAPSHOTS=overwrite cargo test -p kernel-macros snapshots`,
//! then read the diff.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use proc_macro2::TokenStream;
use quote::quote;

/// `tokens` as `rustfmt` prints them.
fn formatted(tokens: &TokenStream) -> String {
    use std::io::Write as _;
    let mut rustfmt = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .args(["--config", "max_width=160"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the expansion snapshots need rustfmt (rustup component add rustfmt)");
    rustfmt
        .stdin
        .take()
        .expect("piped")
        .write_all(tokens.to_string().as_bytes())
        .expect("rustfmt reads its input");
    let output = rustfmt.wait_with_output().expect("rustfmt runs");
    assert!(output.status.success(), "rustfmt rejected the expansion");
    String::from_utf8(output.stdout).expect("rustfmt prints UTF-8")
}

/// Compares the expansion with `tests/expand/{name}.expanded.rs`, or writes it there with
/// `SNAPSHOTS=overwrite`.
fn check(name: &str, expansion: &TokenStream) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{name}.expanded.rs"));
    let got = formatted(expansion);
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::write(&path, &got).expect("the snapshot folder is writable");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "the expansion of `{name}` differs from {}: review it with \
         `SNAPSHOTS=overwrite cargo test -p kernel-macros snapshots` and `git diff`",
        path.display()
    );
}

#[test]
fn vectorize() {
    let expansion = crate::expand::vectorize(
        TokenStream::new(),
        quote! {
            /// The relative difference of `x` and `y`.
            pub fn rel_diff(x: f64, y: f64) -> f64 {
                2.0 * (x - y) / (x + y)
            }
        },
    );
    check("vectorize", &expansion);
}

#[test]
fn guvectorize() {
    let expansion = crate::expand::guvectorize(
        quote!("(n)->()"),
        quote! {
            /// The Euclidean norm of a row.
            pub fn norm(x: ArrayView1<f64>) -> f64 {
                let mut sum = 0.0;
                for v in &x {
                    sum += v * v;
                }
                sum.sqrt()
            }
        },
    );
    check("guvectorize", &expansion);
}

#[test]
fn stencil() {
    let expansion = crate::expand::stencil(
        quote!(mode = "nearest"),
        quote! {
            /// The mean of a 3x3 neighbourhood.
            pub fn smooth(x: Rel<f64>) -> f64 {
                (x[[-1, -1]] + x[[-1, 0]] + x[[-1, 1]]
                    + x[[0, -1]] + x[[0, 0]] + x[[0, 1]]
                    + x[[1, -1]] + x[[1, 0]] + x[[1, 1]])
                    / 9.0
            }
        },
    );
    check("stencil", &expansion);
}
