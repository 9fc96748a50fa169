//! The `signature` target: arbitrary text through `Signature::parse`.

use std::collections::HashMap;

use kernel_signature::{CoreDim, DimSize, Signature, SignatureError};

/// Parses `data` (as UTF-8, else with invalid sequences replaced by U+FFFD, so non-ASCII
/// text is exercised too) and checks the invariants the crate documents.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_text(&text);
}

/// As [`check`], for text.
pub fn check_text(text: &str) {
    let parsed = Signature::parse(text);
    assert_eq!(
        parsed,
        text.parse::<Signature>(),
        "FromStr differs from parse"
    );
    match parsed {
        Ok(sig) => check_ok(text, &sig),
        Err(error) => check_err(text, &error),
    }
}

fn check_err(text: &str, error: &SignatureError) {
    assert_eq!(error.signature, text, "the error quotes other text");
    assert!(
        error.position <= text.len() && text.is_char_boundary(error.position),
        "position {} is not a byte offset of a character in {text:?}",
        error.position
    );
    assert!(!error.expected.is_empty(), "empty `expected` for {text:?}");
    let _ = error.to_string();
}

fn check_ok(text: &str, sig: &Signature) {
    assert_eq!(sig.as_str(), text);
    check_modifiers(sig);

    // `Display` writes the canonical form: no whitespace, and it parses back to the same
    // core shapes, and prints the same again.
    let canonical = sig.to_string();
    assert!(
        !canonical.bytes().any(|b| b.is_ascii_whitespace()),
        "canonical form {canonical:?} of {text:?} has whitespace"
    );
    let reparsed = Signature::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical form of {text:?} does not parse: {e}"));
    assert_eq!(reparsed.inputs(), sig.inputs(), "inputs of {canonical:?}");
    assert_eq!(
        reparsed.outputs(),
        sig.outputs(),
        "outputs of {canonical:?}"
    );
    assert_eq!(reparsed.to_string(), canonical, "Display is not idempotent");

    // Whitespace is allowed between any two tokens (`->` being one token).
    let mut spaced = canonical.replace("->", " \n->\t ");
    for punct in ['(', ')', ',', '?', '|'] {
        spaced = spaced.replace(punct, &format!(" {punct}\t"));
    }
    let respaced = Signature::parse(&spaced)
        .unwrap_or_else(|e| panic!("{spaced:?} (from {text:?}) does not parse: {e}"));
    assert_eq!(respaced.inputs(), sig.inputs(), "inputs of {spaced:?}");
    assert_eq!(respaced.outputs(), sig.outputs(), "outputs of {spaced:?}");

    // Derived queries agree with the core shapes.
    let all: Vec<&CoreDim> = sig.inputs().iter().chain(sig.outputs()).flatten().collect();
    assert_eq!(
        sig.is_elementwise(),
        all.is_empty(),
        "is_elementwise of {text:?}"
    );
    let names = sig.dim_names();
    let mut expect_names: Vec<&str> = Vec::new();
    for dim in &all {
        if let DimSize::Named(name) = &dim.size
            && !expect_names.contains(&name.as_str())
        {
            expect_names.push(name);
        }
    }
    assert_eq!(names, expect_names, "dim_names of {text:?}");
    let in_inputs = |name: &str| {
        sig.inputs()
            .iter()
            .flatten()
            .any(|d| d.size == DimSize::Named(name.to_owned()))
    };
    let expect_output_only: Vec<&str> = names.iter().copied().filter(|n| !in_inputs(n)).collect();
    assert_eq!(
        sig.output_only_dims(),
        expect_output_only,
        "output_only_dims of {text:?}"
    );
}

/// The rules of the crate docs: one meaning per dimension.
fn check_modifiers(sig: &Signature) {
    let text = sig.as_str();
    let mut optional: HashMap<&DimSize, bool> = HashMap::new();
    let mut broadcastable: HashMap<&DimSize, bool> = HashMap::new();
    for (side, args) in [("input", sig.inputs()), ("output", sig.outputs())] {
        for dim in args.iter().flatten() {
            match &dim.size {
                DimSize::Named(name) => {
                    let mut bytes = name.bytes();
                    let first = bytes.next().expect("empty name");
                    assert!(
                        (first.is_ascii_alphabetic() || first == b'_')
                            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                        "name {name:?} in {text:?} is not an identifier"
                    );
                }
                DimSize::Fixed(size) => assert!(
                    (1..=isize::MAX as usize).contains(size),
                    "fixed size {size} in {text:?}"
                ),
            }
            assert!(
                !(dim.optional && dim.broadcastable),
                "two modifiers on {dim} in {text:?}"
            );
            let first = *optional.entry(&dim.size).or_insert(dim.optional);
            assert_eq!(
                first, dim.optional,
                "`?` on some uses of {} only in {text:?}",
                dim.size
            );
            if side == "output" {
                assert!(!dim.broadcastable, "`|1` on output dim {dim} in {text:?}");
            } else {
                let first = *broadcastable.entry(&dim.size).or_insert(dim.broadcastable);
                assert_eq!(
                    first, dim.broadcastable,
                    "`|1` on some input uses of {} only in {text:?}",
                    dim.size
                );
            }
        }
    }
}
