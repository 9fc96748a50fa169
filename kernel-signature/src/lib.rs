//! The grammar of NumPy's generalized-ufunc signatures, such as `"(m,n),(n,p)->(m,p)"`.
//!
//! This crate has one owner of the grammar for the whole of `ndkernel`: the runtime binds
//! operand shapes against a parsed [`Signature`], and the `#[guvectorize]` macro parses the
//! same literal at compile time to check it against the function's parameters. It has no
//! dependencies so that the proc-macro build stays small.
//!
//! # Grammar
//!
//! ```text
//! signature  ::= arguments "->" arguments
//! arguments  ::= nil | argument ("," argument)*
//! argument   ::= "(" dims ")"
//! dims       ::= nil | dim ("," dim)*
//! dim        ::= (name | integer) modifier
//! modifier   ::= nil | "?" | "|1"
//! name       ::= a Python identifier: [A-Za-z_][A-Za-z0-9_]*
//! ```
//!
//! Whitespace is allowed between any two tokens (`->` is one token). `(3)` is a fixed size
//! (NEP 20), `n?` an optional dimension that an operand may lack (NEP 20, as in `matmul`),
//! and `n|1` a dimension that an input may give as 1 to be broadcast to `n` (proposed by
//! NEP 20, deferred by NumPy, supported here).
//!
//! A modifier belongs to the dimension, not to one use of it, so the binding code sees one
//! meaning per name:
//!
//! - every use of a name (or of a fixed size) has `?`, or none has, as NumPy requires;
//! - every input use of a name has `|1`, or none has, and outputs never have it, as NEP 20
//!   words it: outputs are allocated at the bound size, never broadcast;
//! - a dimension takes at most one modifier, as in NEP 20's grammar: `n?|1` would have to say
//!   whether a missing `n` is a broadcast 1 or drops `n` from every operand;
//! - a fixed size is at least 1 and at most `isize::MAX`, the longest possible array axis.
//!
//! # Differences from NumPy
//!
//! The reference is NumPy's C parser (`_parse_signature` in `ufunc_object.c`), which also
//! gets the number of inputs and outputs from the ufunc; this parser takes them from the
//! text.
//!
//! - `->` is always required, as the only way to tell inputs from outputs. NumPy, given no
//!   outputs, wants the arrow left out (`(i)`) and rejects `(i)->`; here `(i)->` is the
//!   spelling of a signature without outputs, which the grammar above and NEP 20 allow.
//!   `->(i)` (no inputs) is accepted by both.
//! - Any ASCII whitespace separates tokens, including newlines, and also before `?` and
//!   around `|`. NumPy's C parser skips only spaces and tabs, and wants `?` right after the
//!   name; `np.vectorize` ignores all whitespace.
//! - NumPy rejects the size `isize::MAX` itself (an artefact of `strtoll` saturating); here
//!   it is the largest accepted size.
//! - `|1` is parsed and checked as above; NumPy does not accept it.
//!
//! # Examples
//!
//! ```
//! use kernel_signature::{DimSize, Signature};
//!
//! let sig: Signature = "(m?,n),(n,p?)->(m?,p?)".parse()?;
//! assert_eq!(sig.inputs().len(), 2);
//! assert_eq!(sig.outputs()[0].len(), 2);
//! assert_eq!(sig.inputs()[0][1].size, DimSize::Named("n".into()));
//! assert!(sig.inputs()[0][0].optional);
//! # Ok::<(), kernel_signature::SignatureError>(())
//! ```
#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

mod parse;
#[cfg(test)]
mod tests;

/// A parsed generalized-ufunc signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    text: String,
    inputs: Vec<CoreShape>,
    outputs: Vec<CoreShape>,
}

/// The core dimensions of one operand, outermost first. Empty for a scalar operand `()`.
pub type CoreShape = Vec<CoreDim>;

/// One core dimension of an operand.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CoreDim {
    /// The dimension's name, or its fixed size.
    pub size: DimSize,
    /// `n?`: an operand may lack this dimension altogether.
    pub optional: bool,
    /// `n|1`: an operand may give this dimension as 1, broadcast to the bound size.
    pub broadcastable: bool,
}

/// What determines the size of a core dimension.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DimSize {
    /// A named dimension, bound to one size across all operands of a call.
    Named(String),
    /// A fixed size written as an integer, such as the `3` of `(3),(3)->(3)`.
    Fixed(usize),
}

/// A signature that does not follow the grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureError {
    /// The signature as written.
    pub signature: String,
    /// Byte offset into `signature` of the offending token (after any whitespace), or
    /// `signature.len()` where the text ended too early.
    pub position: usize,
    /// What the parser expected there, such as `')'` or `a dimension name or size`.
    pub expected: String,
}

impl Signature {
    /// Parses a signature.
    ///
    /// # Errors
    ///
    /// [`SignatureError`] with the byte position and what was expected there, for text
    /// that does not follow the grammar or that uses a dimension name both with and
    /// without a modifier in ways the grammar forbids.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let (inputs, outputs) = parse::parse(text)?;
        Ok(Signature {
            text: text.to_owned(),
            inputs,
            outputs,
        })
    }

    /// The signature as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The core shapes of the inputs, in order.
    pub fn inputs(&self) -> &[CoreShape] {
        &self.inputs
    }

    /// The core shapes of the outputs, in order.
    pub fn outputs(&self) -> &[CoreShape] {
        &self.outputs
    }

    /// Whether no operand has core dimensions, as in `(),()->()`. NumPy then runs the
    /// gufunc as a plain elementwise ufunc (its `core_enabled` is 0), and so can the runtime.
    pub fn is_elementwise(&self) -> bool {
        self.inputs.iter().chain(&self.outputs).all(Vec::is_empty)
    }

    /// Every dimension name, in order of first appearance (inputs first, then outputs).
    pub fn dim_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for dim in self.inputs.iter().chain(&self.outputs).flatten() {
            if let DimSize::Named(name) = &dim.size
                && !names.contains(&name.as_str())
            {
                names.push(name);
            }
        }
        names
    }

    /// Names that appear only in outputs: their sizes must come from a size rule or from
    /// an output array passed by the caller.
    pub fn output_only_dims(&self) -> Vec<&str> {
        let in_inputs = |name: &str| {
            self.inputs
                .iter()
                .flatten()
                .any(|d| matches!(&d.size, DimSize::Named(n) if n == name))
        };
        self.dim_names()
            .into_iter()
            .filter(|name| !in_inputs(name))
            .collect()
    }
}

impl FromStr for Signature {
    type Err = SignatureError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Signature::parse(text)
    }
}

/// Writes the signature in canonical form: no whitespace, as NumPy prints it.
impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_args(f, &self.inputs)?;
        f.write_str("->")?;
        write_args(f, &self.outputs)
    }
}

fn write_args(f: &mut fmt::Formatter<'_>, args: &[CoreShape]) -> fmt::Result {
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        f.write_str("(")?;
        for (j, dim) in arg.iter().enumerate() {
            if j > 0 {
                f.write_str(",")?;
            }
            write!(f, "{dim}")?;
        }
        f.write_str(")")?;
    }
    Ok(())
}

impl fmt::Display for CoreDim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.size {
            DimSize::Named(name) => f.write_str(name)?,
            DimSize::Fixed(size) => write!(f, "{size}")?,
        }
        if self.optional {
            f.write_str("?")?;
        }
        if self.broadcastable {
            f.write_str("|1")?;
        }
        Ok(())
    }
}

impl fmt::Display for DimSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DimSize::Named(name) => f.write_str(name),
            DimSize::Fixed(size) => write!(f, "{size}"),
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected {} at position {} in {:?}",
            self.expected, self.position, self.signature
        )
    }
}

impl std::error::Error for SignatureError {}
