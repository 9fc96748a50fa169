//! Recursive-descent parser for the grammar in the crate docs.
//!
//! One method per grammar rule. Each method skips the whitespace in front of its own
//! token, so an error's position is the first byte of the token that was wrong, not of the
//! whitespace before it; this is what NumPy reports too.
//!
//! The `expected` texts follow one rule: where the grammar allows either a list item or
//! nothing (after `(` or `->`), the message names the item, since whoever wrote something
//! there meant one; where it allows continuing or closing a list, it names both.

use crate::{CoreDim, CoreShape, DimSize, SignatureError};

pub(crate) fn parse(text: &str) -> Result<(Vec<CoreShape>, Vec<CoreShape>), SignatureError> {
    let mut parser = Parser {
        text,
        pos: 0,
        first_uses: Vec::new(),
    };
    let inputs = parser.arguments(Side::Input)?;
    // `arguments` only returns once the arrow is next.
    parser.pos += "->".len();
    let outputs = parser.arguments(Side::Output)?;
    Ok((inputs, outputs))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Each distinct dimension as first written; later uses must repeat its modifier.
    first_uses: Vec<CoreDim>,
}

impl Parser<'_> {
    /// `arguments ::= nil | argument ("," argument)*`, up to `->` or the end of the text.
    fn arguments(&mut self, side: Side) -> Result<Vec<CoreShape>, SignatureError> {
        let mut args = Vec::new();
        if self.at_end_of(side) {
            return Ok(args);
        }
        loop {
            args.push(self.argument(side)?);
            if self.eat(b',') {
                continue;
            }
            if self.at_end_of(side) {
                return Ok(args);
            }
            return Err(self.error(match side {
                Side::Input => "',' or '->'",
                Side::Output => "',' or end of signature",
            }));
        }
    }

    fn at_end_of(&mut self, side: Side) -> bool {
        self.skip_whitespace();
        match side {
            Side::Input => self.rest().starts_with(b"->"),
            Side::Output => self.rest().is_empty(),
        }
    }

    /// `argument ::= "(" dims ")"` and `dims ::= nil | dim ("," dim)*`.
    fn argument(&mut self, side: Side) -> Result<CoreShape, SignatureError> {
        if !self.eat(b'(') {
            return Err(self.error("'('"));
        }
        let mut dims = Vec::new();
        if self.eat(b')') {
            return Ok(dims);
        }
        loop {
            dims.push(self.dim(side)?);
            if self.eat(b',') {
                continue;
            }
            if self.eat(b')') {
                return Ok(dims);
            }
            return Err(self.error("',' or ')'"));
        }
    }

    /// `dim ::= (name | integer) modifier`, checked against earlier uses of the same dim.
    fn dim(&mut self, side: Side) -> Result<CoreDim, SignatureError> {
        self.skip_whitespace();
        let start = self.pos;
        // NEP 20's grammar calls a fixed size a dimension name too.
        let name = self.dim_size()?;
        let (optional, broadcastable) = if self.eat(b'?') {
            (true, false)
        } else if self.eat(b'|') {
            self.one_after_bar()?;
            (false, true)
        } else {
            (false, false)
        };
        // NEP 20 gives a dimension one modifier: `n?|1` would have to say whether a missing
        // `n` counts as a broadcast 1 or drops `n` from every operand, and it says neither.
        if (optional || broadcastable) && matches!(self.peek(), Some(b'?' | b'|')) {
            return Err(self.error("',' or ')' (a dimension takes at most one modifier)"));
        }
        let dim = CoreDim {
            size: name,
            optional,
            broadcastable,
        };
        self.check_modifier(&dim, side)
            .map_err(|expected| self.error_at(start, expected))?;
        Ok(dim)
    }

    /// A name or a fixed size. Like NumPy, a run such as `3a` counts as one malformed token
    /// rather than a size followed by a name, so the error points at its start.
    fn dim_size(&mut self) -> Result<DimSize, SignatureError> {
        let len = self
            .rest()
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
            .count();
        let token = &self.text[self.pos..self.pos + len];
        let size = match token.as_bytes().first() {
            Some(b'0'..=b'9') if token.bytes().all(|b| b.is_ascii_digit()) => {
                // NumPy stores sizes as `npy_intp`, and no array axis is longer than
                // `isize::MAX`, so a larger size is a typo rather than a constraint.
                match token.parse::<isize>() {
                    Ok(0) => return Err(self.error("a non-zero size")),
                    Ok(n) => DimSize::Fixed(n.unsigned_abs()),
                    Err(_) => return Err(self.error("a size of at most isize::MAX")),
                }
            }
            None | Some(b'0'..=b'9') => return Err(self.error("a dimension name or size")),
            Some(_) => DimSize::Named(token.to_owned()),
        };
        self.pos += len;
        Ok(size)
    }

    /// The `1` of `|1`; `|11` is rejected here rather than read as `|1` then `1`.
    fn one_after_bar(&mut self) -> Result<(), SignatureError> {
        self.skip_whitespace();
        match self.rest() {
            [b'1', next, ..] if next.is_ascii_alphanumeric() || *next == b'_' => {}
            [b'1', ..] => {
                self.pos += 1;
                return Ok(());
            }
            _ => {}
        }
        Err(self.error("'1' after '|'"))
    }

    /// The checks NumPy's `_parse_signature` makes for `?`, extended to `|1` as NEP 20
    /// words it: the binding code can then trust one flag per dimension instead of
    /// reconciling the operands. Fixed sizes count as the same dim when equal, as in NumPy.
    fn check_modifier(&mut self, dim: &CoreDim, side: Side) -> Result<(), String> {
        let name = &dim.size;
        if dim.broadcastable && side == Side::Output {
            return Err(format!(
                "'{name}' without '|1' (outputs are never broadcast)"
            ));
        }
        let Some(first) = self.first_uses.iter().find(|d| d.size == *name) else {
            self.first_uses.push(dim.clone());
            return Ok(());
        };
        if first.optional != dim.optional {
            return Err(if first.optional {
                format!("'{name}?' ({name} is optional elsewhere)")
            } else {
                format!("'{name}' without '?' ({name} is not optional elsewhere)")
            });
        }
        // Inputs come first, so `first` is an input here whenever `dim` is one.
        if side == Side::Input && first.broadcastable != dim.broadcastable {
            return Err(if first.broadcastable {
                format!("'{name}|1' ({name} is broadcastable in another input)")
            } else {
                format!("'{name}' without '|1' ({name} is not broadcastable in another input)")
            });
        }
        Ok(())
    }

    fn rest(&self) -> &[u8] {
        &self.text.as_bytes()[self.pos..]
    }

    /// NumPy's C parser skips only spaces and tabs; `np.vectorize` and NEP 20 ignore any
    /// whitespace, which also lets a signature literal span lines.
    fn skip_whitespace(&mut self) {
        self.pos += self
            .rest()
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.rest().first().copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn error(&self, expected: &str) -> SignatureError {
        self.error_at(self.pos, expected.to_owned())
    }

    fn error_at(&self, position: usize, expected: String) -> SignatureError {
        SignatureError {
            signature: self.text.to_owned(),
            position,
            expected,
        }
    }
}
