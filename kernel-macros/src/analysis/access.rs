//! Collects every relative read `x[[di, dj]]` (or `x[k]` in one dimension) of a stencil's
//! relatively indexed parameters, and every attempt to write through one.

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{Expr, ExprIndex, UnOp};

/// One relative read.
pub struct Access<'a> {
    pub original: &'a ExprIndex,
    /// One offset expression per stencil axis.
    pub offsets: Vec<Offset<'a>>,
}

/// An offset as written.
pub enum Offset<'a> {
    /// An integer literal, possibly negated: its value is known here.
    Literal(isize, &'a Expr),
    /// A path such as a `const` item: its value is known to the compiler only.
    Constant(&'a Expr),
    /// Anything else: computed at run time.
    Computed(&'a Expr),
}

impl Offset<'_> {
    pub fn expr(&self) -> &Expr {
        match self {
            Offset::Literal(_, e) | Offset::Constant(e) | Offset::Computed(e) => e,
        }
    }
}

impl Access<'_> {
    /// Whether this read's one index is an index array, `x[d]` with `d: [isize; N]`: in a
    /// stencil of rank 2 and more, one index that is not a literal is the whole offset.
    pub fn is_index_array(&self, rank: usize) -> bool {
        rank > 1
            && matches!(
                self.offsets[..],
                [Offset::Constant(_) | Offset::Computed(_)]
            )
    }

    /// Whether the read spells one index per axis, which tells the rank: `x[[di, dj]]`, or
    /// `x[k]` with a literal `k`.
    pub fn tells_rank(&self) -> bool {
        !matches!(
            self.offsets[..],
            [Offset::Constant(_) | Offset::Computed(_)]
        ) || matches!(self.original.index.as_ref(), Expr::Array(_))
    }
}

/// Reads and writes of relatively indexed parameters in a body.
#[derive(Default)]
pub struct Accesses<'a> {
    pub reads: Vec<Access<'a>>,
    /// Index expressions on the left of an assignment.
    pub writes: Vec<&'a ExprIndex>,
}

impl<'a> Accesses<'a> {
    /// The reads and writes of `rel` in `block`, where `params` are the function's other
    /// parameters: an offset naming one of them, or a name the body binds, is computed at
    /// run time, not a `const`.
    pub fn of(block: &'a syn::Block, rel: &HashSet<String>, params: &[String]) -> Self {
        let mut bound = Bindings(params.iter().cloned().collect());
        bound.visit_block(block);
        let mut visitor = Visitor {
            rel,
            bound: &bound.0,
            found: Accesses::default(),
        };
        visitor.visit_block(block);
        visitor.found
    }
}

/// Every name a body binds: `let`s, loop variables, closure parameters, match arms.
struct Bindings(HashSet<String>);

impl<'a> Visit<'a> for Bindings {
    fn visit_pat_ident(&mut self, pat: &'a syn::PatIdent) {
        self.0.insert(pat.ident.to_string());
        visit::visit_pat_ident(self, pat);
    }
}

struct Visitor<'r, 'a> {
    rel: &'r HashSet<String>,
    bound: &'r HashSet<String>,
    found: Accesses<'a>,
}

impl Visitor<'_, '_> {
    fn is_rel(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Path(p) if p.qself.is_none()
            && p.path.get_ident().is_some_and(|i| self.rel.contains(&i.to_string())))
    }
}

impl<'a> Visit<'a> for Visitor<'_, 'a> {
    fn visit_expr_index(&mut self, index: &'a ExprIndex) {
        if self.is_rel(&index.expr) {
            let offsets = match &*index.index {
                Expr::Array(array) => array.elems.iter().map(|e| offset(e, self.bound)).collect(),
                single => vec![offset(single, self.bound)],
            };
            self.found.reads.push(Access {
                original: index,
                offsets,
            });
        }
        visit::visit_expr_index(self, index);
    }

    fn visit_expr_assign(&mut self, assign: &'a syn::ExprAssign) {
        if let Expr::Index(index) = &*assign.left
            && self.is_rel(&index.expr)
        {
            self.found.writes.push(index);
        }
        visit::visit_expr_assign(self, assign);
    }

    fn visit_expr_binary(&mut self, binary: &'a syn::ExprBinary) {
        let compound = super::varying::is_compound(&binary.op);
        if compound
            && let Expr::Index(index) = &*binary.left
            && self.is_rel(&index.expr)
        {
            self.found.writes.push(index);
        }
        visit::visit_expr_binary(self, binary);
    }
}

fn offset<'a>(expr: &'a Expr, bound: &HashSet<String>) -> Offset<'a> {
    // A path is a `const` unless it names a parameter or something the body binds.
    let constant = |e: &Expr| match strip(e) {
        Expr::Path(path) => !path
            .path
            .get_ident()
            .is_some_and(|ident| bound.contains(&ident.to_string())),
        _ => false,
    };
    match crate::ast::int_literal::<isize>(expr) {
        Some(value) => Offset::Literal(value, expr),
        None => match strip(expr) {
            e if constant(e) => Offset::Constant(expr),
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) && constant(&u.expr) => {
                Offset::Constant(expr)
            }
            _ => Offset::Computed(expr),
        },
    }
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        e => e,
    }
}
