//! Which names of a stencil body hold values that depend on the position: reads of the
//! relatively indexed parameters, everything computed from one, and everything assigned
//! under a condition that depends on one. The rest (parameters, constants, loop counters,
//! offsets) is the same at every position and stays scalar when the body runs on lanes.
//!
//! ```text
//! let mut total = 0.0;              // varying: assigned a read below
//! for k in -r..=r {                 // `k` uniform: the range is
//!     total += w[k] * x[k];         // a read: varying
//! }
//! ```
//!
//! Names, not bindings: a name bound twice is varying if either binding is, which only
//! ever turns a uniform value into a splatted one.

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{Expr, Pat, Stmt};

/// The names whose values depend on the position.
#[derive(Default)]
pub struct Varying {
    names: HashSet<String>,
}

impl Varying {
    /// The varying names of `block`, whose relatively indexed parameters are `rel`.
    pub fn of(block: &syn::Block, rel: &HashSet<String>) -> Self {
        Self::seeded(block, rel, &[])
    }

    /// As [`Varying::of`], with `names` varying from the start: the parameters of an
    /// elementwise kernel, each a different element at each position.
    pub fn seeded(block: &syn::Block, rel: &HashSet<String>, names: &[String]) -> Self {
        let mut varying = Varying {
            names: names.iter().cloned().collect(),
        };
        // Each pass can only add names; a body has finitely many.
        loop {
            let before = varying.names.len();
            let mut pass = Pass {
                rel,
                varying: &mut varying,
                control: 0,
            };
            pass.visit_block(block);
            if varying.names.len() == before {
                return varying;
            }
        }
    }

    /// Whether `name` holds a position-dependent value.
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Whether `expr` reads a relatively indexed parameter or a varying name.
    pub fn expr(&self, rel: &HashSet<String>, expr: &Expr) -> bool {
        let mut finder = Finder {
            rel,
            varying: self,
            found: false,
        };
        finder.visit_expr(expr);
        finder.found
    }
}

/// One pass over the body, marking the targets of varying values.
struct Pass<'r> {
    rel: &'r HashSet<String>,
    varying: &'r mut Varying,
    /// How many enclosing conditions or loops depend on the position.
    control: usize,
}

impl Pass<'_> {
    fn is_varying(&self, expr: &Expr) -> bool {
        self.varying.expr(self.rel, expr)
    }

    fn mark_pattern(&mut self, pat: &Pat) {
        let mut names = Vec::new();
        pattern_names(pat, &mut names);
        self.varying.names.extend(names);
    }

    fn mark_place(&mut self, place: &Expr) {
        match place {
            // `(a, b) = (…, …)`: every name assigned, as a `let` of a tuple binds them all.
            Expr::Tuple(tuple) => tuple.elems.iter().for_each(|p| self.mark_place(p)),
            _ => {
                if let Some(name) = place_name(place) {
                    self.varying.names.insert(name);
                }
            }
        }
    }

    fn under(&mut self, varying: bool, f: impl FnOnce(&mut Self)) {
        self.control += usize::from(varying);
        f(self);
        self.control -= usize::from(varying);
    }
}

/// Methods of arrays and slices that change them in place.
const IN_PLACE: &[&str] = &[
    "sort",
    "sort_unstable",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "select_nth_unstable",
    "reverse",
    "swap",
    "fill",
    "rotate_left",
    "rotate_right",
    "copy_from_slice",
    "clone_from_slice",
];

impl<'a> Visit<'a> for Pass<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        // A `let` under a varying condition is local to its branch: only its value decides.
        if let Stmt::Local(local) = stmt
            && let Some(init) = &local.init
            && self.is_varying(&init.expr)
        {
            self.mark_pattern(&local.pat);
        }
        visit::visit_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Assign(assign) if self.control > 0 || self.is_varying(&assign.right) => {
                self.mark_place(&assign.left);
            }
            Expr::Binary(binary)
                if is_compound(&binary.op)
                    && (self.control > 0 || self.is_varying(&binary.right)) =>
            {
                self.mark_place(&binary.left);
            }
            // A method that changes its receiver in place, under a condition on the
            // position: the receiver then differs from position to position.
            Expr::MethodCall(call)
                if self.control > 0 && IN_PLACE.contains(&call.method.to_string().as_str()) =>
            {
                self.mark_place(&call.receiver);
            }
            Expr::If(expr_if) => {
                self.visit_expr(&expr_if.cond);
                let varying = self.is_varying(&expr_if.cond);
                self.under(varying, |pass| {
                    pass.visit_block(&expr_if.then_branch);
                    if let Some((_, otherwise)) = &expr_if.else_branch {
                        pass.visit_expr(otherwise);
                    }
                });
                return;
            }
            Expr::Match(expr_match) => {
                self.visit_expr(&expr_match.expr);
                let varying = self.is_varying(&expr_match.expr);
                self.under(varying, |pass| {
                    for arm in &expr_match.arms {
                        if varying {
                            pass.mark_pattern(&arm.pat);
                        }
                        pass.visit_arm(arm);
                    }
                });
                return;
            }
            Expr::ForLoop(for_loop) => {
                self.visit_expr(&for_loop.expr);
                let varying = self.is_varying(&for_loop.expr);
                if varying || self.control > 0 {
                    self.mark_pattern(&for_loop.pat);
                }
                self.under(varying, |pass| pass.visit_block(&for_loop.body));
                return;
            }
            Expr::While(expr_while) => {
                self.visit_expr(&expr_while.cond);
                let varying = self.is_varying(&expr_while.cond);
                self.under(varying, |pass| pass.visit_block(&expr_while.body));
                return;
            }
            Expr::Closure(_) => return,
            _ => {}
        }
        visit::visit_expr(self, expr);
    }

    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// Looks for a read of a relatively indexed parameter or a varying name.
struct Finder<'r> {
    rel: &'r HashSet<String>,
    varying: &'r Varying,
    found: bool,
}

/// Methods of a gufunc's core view that read its shape, the same at every loop index.
const SHAPE_METHODS: &[&str] = &[
    "len", "len_of", "is_empty", "shape", "dim", "raw_dim", "ndim", "nrows", "ncols",
];

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_expr_method_call(&mut self, call: &'a syn::ExprMethodCall) {
        let shape_of_rel = SHAPE_METHODS.contains(&call.method.to_string().as_str())
            && matches!(&*call.receiver, Expr::Path(p) if p.path.get_ident()
                .is_some_and(|i| self.rel.contains(&i.to_string())));
        if shape_of_rel {
            call.args.iter().for_each(|a| self.visit_expr(a));
        } else {
            visit::visit_expr_method_call(self, call);
        }
    }

    fn visit_expr_path(&mut self, path: &'a syn::ExprPath) {
        if path.qself.is_none()
            && let Some(ident) = path.path.get_ident()
        {
            let name = ident.to_string();
            if self.rel.contains(&name) || self.varying.contains(&name) {
                self.found = true;
            }
        }
    }

    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// `+=`, `-=`, …: assignment through an operator.
pub fn is_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp::{
        AddAssign, BitAndAssign, BitOrAssign, BitXorAssign, DivAssign, MulAssign, RemAssign,
        ShlAssign, ShrAssign, SubAssign,
    };
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | BitXorAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// The local a place expression assigns to: `v`, `v[i]`, `v.0`, `(v)`.
pub fn place_name(place: &Expr) -> Option<String> {
    match place {
        Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        Expr::Index(index) => place_name(&index.expr),
        Expr::Field(field) => place_name(&field.base),
        Expr::Paren(paren) => place_name(&paren.expr),
        _ => None,
    }
}

/// Every name a pattern in `stmts` binds (`let`, `for`, `match` arms, closure parameters),
/// in order: a name bound twice is listed twice.
pub fn bound_names(stmts: &[Stmt]) -> Vec<String> {
    struct Bound(Vec<String>);
    impl<'ast> Visit<'ast> for Bound {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.to_string());
            visit::visit_pat_ident(self, pat);
        }
    }
    let mut bound = Bound(Vec::new());
    for stmt in stmts {
        bound.visit_stmt(stmt);
    }
    bound.0
}

/// The names bound once in `stmts`, by a `let` of an array of numbers: `[a, b, ..]` or
/// `[a; n]` whose elements are not themselves tuples, arrays or structs (as far as their
/// spelling shows). Those are the arrays a sort may sort on lanes.
pub fn flat_arrays(stmts: &[Stmt]) -> HashSet<String> {
    fn scalar(e: &Expr) -> bool {
        match e {
            Expr::Tuple(_) | Expr::Array(_) | Expr::Repeat(_) | Expr::Struct(_) => false,
            Expr::Paren(p) => scalar(&p.expr),
            _ => true,
        }
    }
    struct Lets(Vec<String>);
    impl<'ast> Visit<'ast> for Lets {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            let name = match &local.pat {
                Pat::Ident(p) if p.subpat.is_none() => Some(&p.ident),
                Pat::Type(t) => match &*t.pat {
                    Pat::Ident(p) if p.subpat.is_none() => Some(&p.ident),
                    _ => None,
                },
                _ => None,
            };
            let flat = local.init.as_ref().is_some_and(|init| match &*init.expr {
                Expr::Array(array) => array.elems.iter().all(scalar),
                Expr::Repeat(repeat) => scalar(&repeat.expr),
                _ => false,
            });
            if let (Some(name), true) = (name, flat) {
                self.0.push(name.to_string());
            }
            visit::visit_local(self, local);
        }
    }
    let mut lets = Lets(Vec::new());
    for stmt in stmts {
        lets.visit_stmt(stmt);
    }
    let bound = bound_names(stmts);
    lets.0
        .into_iter()
        .filter(|name| bound.iter().filter(|b| *b == name).count() == 1)
        .collect()
}

/// Every name a pattern binds.
pub fn pattern_names(pat: &Pat, names: &mut Vec<String>) {
    match pat {
        Pat::Ident(ident) => {
            names.push(ident.ident.to_string());
            if let Some((_, sub)) = &ident.subpat {
                pattern_names(sub, names);
            }
        }
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| pattern_names(p, names)),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| pattern_names(p, names)),
        Pat::Type(typed) => pattern_names(&typed.pat, names),
        Pat::Reference(reference) => pattern_names(&reference.pat, names),
        Pat::Paren(paren) => pattern_names(&paren.pat, names),
        Pat::Or(or) => or.cases.iter().for_each(|p| pattern_names(p, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| pattern_names(p, names)),
        Pat::Struct(pat_struct) => pat_struct
            .fields
            .iter()
            .for_each(|f| pattern_names(&f.pat, names)),
        _ => {}
    }
}
