//! Small returned arrays without an allocation per loop index. A body whose value is
//! ndarray's `array![a, b, c]` (the way to build a small array) returns an `Array1` that
//! is allocated, copied into the output and freed at every loop index. The engine runs the
//! same body with that tail as a plain Rust array `[a, b, c]`, which lives in registers,
//! and copies it into the output; on lanes, each element is a lane vector.
//!
//! ```text
//! fn cross(a, b) -> Array1<f64> {            fn __kernel_fixed(a, b) -> [f64; 3] {
//!     array![a[1] * b[2] - a[2] * b[1],          [a[1] * b[2] - a[2] * b[1],
//!            ...]                                  ...]
//! }                                          }
//! ```
//!
//! `name_core` stays the function as written.

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, Stmt, Token};

use super::checks::{Kind, Model};

/// The body with its `array![…]` tail as a Rust array, and the array's length.
pub(super) struct FixedTail {
    pub(super) block: syn::Block,
    pub(super) len: usize,
}

/// The body's fixed-size form, when it returns one `Array1` built by `array![…]` as its
/// last expression, with no `return` before.
pub(super) fn fixed_tail(func: &syn::ItemFn, model: &Model<'_>) -> Option<FixedTail> {
    let mut block = returned_vector_body(func, model)?;
    let Some(Stmt::Expr(Expr::Macro(tail), None)) = block.stmts.last() else {
        return None;
    };
    let is_array_macro = tail
        .mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "array");
    if !is_array_macro {
        return None;
    }
    let elems = tail
        .mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()?;
    // `array![[1, 2], [3, 4]]` builds a matrix: only flat lists are 1-D.
    if elems.is_empty() || elems.iter().any(|e| matches!(e, Expr::Array(_))) {
        return None;
    }
    let len = elems.len();
    let array: Expr = syn::parse_quote!([#elems]);
    *block.stmts.last_mut()? = Stmt::Expr(array, None);
    Some(FixedTail { block, len })
}

/// A body whose value is `m.dot(&v)`, returned as a one-dimensional array: on lanes, the
/// body without its tail, then `m.dot_into(&v, out)`.
pub(super) struct DotTail {
    pub(super) block: syn::Block,
    pub(super) matrix: syn::Ident,
    pub(super) vector: syn::Ident,
    /// The tail, for errors.
    pub(super) tail: Expr,
}

/// The body as [`DotTail`], when it returns one `Array1` that its last expression builds
/// as `m.dot(&v)`, with no `return` before.
pub(super) fn dot_tail(func: &syn::ItemFn, model: &Model<'_>) -> Option<DotTail> {
    let mut block = returned_vector_body(func, model)?;
    let Some(Stmt::Expr(tail @ Expr::MethodCall(call), None)) = block.stmts.last() else {
        return None;
    };
    let ident = |e: &Expr| match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
        _ => None,
    };
    if call.method != "dot" || call.turbofish.is_some() || call.args.len() != 1 {
        return None;
    }
    let Expr::Reference(arg) = &call.args[0] else {
        return None;
    };
    let (matrix, vector) = (ident(&call.receiver)?, ident(&arg.expr)?);
    // A local of either name is not the core the lanes would read.
    let bound = crate::analysis::varying::bound_names(&func.block.stmts);
    if arg.mutability.is_some()
        || [&matrix, &vector]
            .iter()
            .any(|n| bound.contains(&n.to_string()))
    {
        return None;
    }
    let tail = tail.clone();
    block.stmts.pop();
    Some(DotTail {
        block,
        matrix,
        vector,
        tail,
    })
}

/// A copy of the body, when the kernel returns one `Array1` as the body's value (no
/// `return` before its end): the bodies whose tail the two forms above rewrite.
fn returned_vector_body(func: &syn::ItemFn, model: &Model<'_>) -> Option<syn::Block> {
    let [
        (
            _,
            Kind::Array {
                rank: Some(1),
                owned: true,
                ..
            },
            _,
        ),
    ] = &model.outputs[..]
    else {
        return None;
    };
    (model.returned && !has_return(&func.block)).then(|| (*func.block).clone())
}

/// Whether `block` has a `return` of its own (closures' do not count).
fn has_return(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut finder = Finder(false);
    finder.visit_block(block);
    finder.0
}
