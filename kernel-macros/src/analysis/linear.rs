//! Recognises linear stencil bodies: a weighted sum of one input's taps, followed by an
//! epilogue on the sum that reads no tap.
//!
//! Two spellings are recognised, each with any tap-free statements before it:
//!
//! ```text
//! (x[[-1, 0]] as i16 + 2 * x[[0, 0]] as i16 + ..) / 4       a sum of taps, written out,
//!                                                          anywhere in one statement
//! let mut acc = 0.0;                                       an accumulator from zero,
//! for i in -r..=r { for j in -r..=r {                      `+=`/`-=` sums of taps in
//!     acc += W[i][j] * x[[i, j]];                          loops with tap-free ranges
//! } }
//! acc / n                                                  then anything on `acc`
//! ```
//!
//! A term is a tap (`x[[..]]`, maybe cast `as A`), or a tap times a tap-free weight on either
//! side.
//!
//! The same two spellings are recognised with `.max`/`.min` in place of the sum: a chain
//! `x[[-1, 0]].max(x[[0, 0]]).max(..)` (or `std::cmp::max(a, b)`) anywhere in
//! one statement, or an accumulator, from any tap-free value or from a chain of taps,
//! updated by `acc = acc.max(x[[i, j]])` in loops. Every tap then weighs one: the body is
//! the largest (smallest) of the taps it reads, and of the accumulator's start.
//!
//! The expansion runs the statements before the sum once per call, turns the sum into
//! calls collecting each term's weight at its offset, and the rest of the body into an
//! epilogue of the sum. Statements inside the loops may only bind (`let`s without
//! assignments or `&mut`), and the accumulator is the body's only mutable local, so what the
//! loops do is visible in the weights alone.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{BinOp, Block, Expr, Local, Pat, Stmt, Type};

/// How a recognised body combines its taps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// A weighted sum.
    Sum,
    /// The largest, by `.max`.
    Max,
    /// The smallest, by `.min`.
    Min,
}

impl Fold {
    /// The method (and `cmp` function) that combines two values.
    fn method(self) -> &'static str {
        match self {
            Fold::Sum => "add",
            Fold::Max => "max",
            Fold::Min => "min",
        }
    }

    /// The runtime's type for the fold, under `private`.
    pub fn runtime_type(self, private: &TokenStream) -> TokenStream {
        match self {
            Fold::Sum => quote!(#private::stencil::linear::Sum),
            Fold::Max => quote!(#private::stencil::linear::Max),
            Fold::Min => quote!(#private::stencil::linear::Min),
        }
    }

    /// The runtime's name for the fold, under `private`.
    pub fn runtime_kind(self, private: &TokenStream) -> TokenStream {
        match self {
            Fold::Sum => quote!(#private::stencil::linear::FoldKind::Sum),
            Fold::Max => quote!(#private::stencil::linear::FoldKind::Max),
            Fold::Min => quote!(#private::stencil::linear::FoldKind::Min),
        }
    }

    /// The runtime's function folding two values of the sum type `ty`, under `private`.
    fn runtime_combine(self, ty: &TokenStream, private: &TokenStream) -> TokenStream {
        let method = match self {
            Fold::Sum => quote!(plus),
            Fold::Max => quote!(larger),
            Fold::Min => quote!(smaller),
        };
        quote!(<#ty as #private::stencil::linear::SumElem>::#method)
    }
}

/// A linear body, taken apart.
pub struct Linear {
    /// How the taps are combined.
    pub fold: Fold,
    /// The type the taps are cast to and summed in, if they are cast.
    pub cast: Option<Type>,
    /// The tap-free statements before the sum: run once per call, before both of the
    /// following, which may use what they bind.
    pub pre: TokenStream,
    /// Statements that add every term's weight to `weights` (a `Weights` collector).
    pub collect: TokenStream,
    /// The rest of the body as a function of `sum`, the value of the weighted sum.
    pub epilogue: TokenStream,
}

/// What a recognition works with: the tap parameter, its element type and rank, and the
/// names the expansion collects weights into and passes the sum as.
pub struct Names<'a> {
    pub rel: &'a str,
    pub elem: &'a Type,
    pub rank: usize,
    pub weights: &'a syn::Ident,
    pub sum: &'a syn::Ident,
    /// The runtime's path (`::ndkernel::__private`).
    pub private: &'a TokenStream,
}

/// `block` as a linear body (a weighted sum, or a maximum or minimum of taps) over
/// `names.rel`; `None` if it is not one.
pub fn recognise(block: &Block, names: &Names<'_>) -> Option<Linear> {
    if !plain(block) {
        return None;
    }
    let stmts = &block.stmts;
    let first = stmts.iter().position(|s| mentions(s, names.rel))?;
    [Fold::Sum, Fold::Max, Fold::Min]
        .into_iter()
        .find_map(|fold| {
            accumulated(stmts, first, fold, names)
                .or_else(|| written_out(block, first, fold, names))
        })
}

/// One term of a sum: a tap's offset, its weight (1 when absent) and its sign.
struct Term<'a> {
    offset: TokenStream,
    weight: Option<(&'a Expr, bool)>,
    negative: bool,
}

/// The terms of a sum (or of a maximum or minimum) and the type its taps are cast to.
struct Sum<'a> {
    fold: Fold,
    terms: Vec<Term<'a>>,
    /// Whether a tap was seen, and its cast then: every tap must be cast alike.
    seen: bool,
    cast_type: Option<Type>,
    /// The accumulator, a leaf a maximum or minimum may hold (once), and how often it did.
    acc: Option<String>,
    acc_leaves: usize,
}

impl<'a> Sum<'a> {
    fn new(fold: Fold) -> Self {
        Sum {
            fold,
            terms: Vec::new(),
            seen: false,
            cast_type: None,
            acc: None,
            acc_leaves: 0,
        }
    }

    /// Adds the terms of `expr`, or says it is not a sum of terms.
    fn of(&mut self, expr: &'a Expr, negative: bool, rel: &str, rank: usize) -> bool {
        if self.fold != Fold::Sum {
            return self.extremum(expr, rel, rank);
        }
        match strip(expr) {
            Expr::Binary(b) if matches!(b.op, BinOp::Add(_)) => {
                self.of(&b.left, negative, rel, rank) && self.of(&b.right, negative, rel, rank)
            }
            Expr::Binary(b) if matches!(b.op, BinOp::Sub(_)) => {
                self.of(&b.left, negative, rel, rank) && self.of(&b.right, !negative, rel, rank)
            }
            Expr::Binary(b) if matches!(b.op, BinOp::Mul(_)) => {
                let (tap, weight, weight_first) = if mentions(&b.left, rel) {
                    (&*b.left, &*b.right, false)
                } else {
                    (&*b.right, &*b.left, true)
                };
                if mentions(weight, rel) {
                    return false;
                }
                self.tap(tap, Some((weight, weight_first)), negative, rel, rank)
            }
            other => self.tap(other, None, negative, rel, rank),
        }
    }

    /// Adds the taps of a tree of `.max` (`.min`) calls, or says it is not one.
    fn extremum(&mut self, expr: &'a Expr, rel: &str, rank: usize) -> bool {
        let name = self.fold.method();
        match strip(expr) {
            Expr::MethodCall(m)
                if m.method == name && m.args.len() == 1 && m.turbofish.is_none() =>
            {
                self.extremum(&m.receiver, rel, rank) && self.extremum(&m.args[0], rel, rank)
            }
            Expr::Call(c) if c.args.len() == 2 && is_cmp_function(&c.func, name) => {
                self.extremum(&c.args[0], rel, rank) && self.extremum(&c.args[1], rel, rank)
            }
            leaf if self.acc.as_deref().is_some_and(|acc| is_path(leaf, acc)) => {
                self.acc_leaves += 1;
                true
            }
            leaf => self.tap(leaf, None, false, rel, rank),
        }
    }

    fn tap(
        &mut self,
        expr: &'a Expr,
        weight: Option<(&'a Expr, bool)>,
        negative: bool,
        rel: &str,
        rank: usize,
    ) -> bool {
        let converted;
        let (read, cast) = match strip(expr) {
            Expr::Cast(c) => (strip(&c.expr), Some(&*c.ty)),
            // `i16::from(x[[..]])`: a lossless conversion, the same value as `as i16`.
            Expr::Call(call) if call.args.len() == 1 => {
                let Expr::Path(f) = strip(&call.func) else {
                    return false;
                };
                let segments = &f.path.segments;
                if f.qself.is_some() || segments.len() != 2 || segments[1].ident != "from" {
                    return false;
                }
                let ty = &segments[0].ident;
                converted = syn::parse_quote!(#ty);
                (strip(&call.args[0]), Some(&converted))
            }
            other => (other, None),
        };
        let Expr::Index(index) = read else {
            return false;
        };
        if !matches!(strip(&index.expr), Expr::Path(p) if p.path.is_ident(rel)) {
            return false;
        }
        if mentions(&index.index, rel) {
            return false;
        }
        let name = |ty: Option<&Type>| ty.map(|ty| ty.to_token_stream().to_string());
        if !self.seen {
            self.seen = true;
            self.cast_type = cast.cloned();
        } else if name(self.cast_type.as_ref()) != name(cast) {
            return false;
        }
        let offset = match strip(&index.index) {
            Expr::Array(_) => index.index.to_token_stream(),
            other if rank == 1 => quote!([#other]),
            other => other.to_token_stream(),
        };
        self.terms.push(Term {
            offset,
            weight,
            negative,
        });
        true
    }

    /// Statements adding each term's weight to `weights`: `1 * w` in the sum's type, so that
    /// a weight of a reference type is read as the body reads it.
    fn collect(&self, weights: &syn::Ident, one: &TokenStream) -> TokenStream {
        self.terms
            .iter()
            .map(|term| {
                let offset = &term.offset;
                let weight = match term.weight {
                    None => quote!(#one),
                    Some((w, true)) => quote!((#w) * #one),
                    Some((w, false)) => quote!(#one * (#w)),
                };
                let method = if term.negative {
                    quote!(sub)
                } else {
                    quote!(add)
                };
                quote!(#weights.#method(#offset, #weight);)
            })
            .collect()
    }
}

/// `1` in the sum's type.
fn one(ty: &Type) -> TokenStream {
    quote!((1 as #ty))
}

/// The accumulator spelling: `let mut acc = 0;` before `stmts[first]`, then statements
/// from `first` on that only add sums of taps to `acc`, then an epilogue without taps. A
/// maximum or minimum may start from any tap-free value, or from a chain of taps in
/// `stmts[first]` itself.
fn accumulated(stmts: &[Stmt], first: usize, fold: Fold, names: &Names<'_>) -> Option<Linear> {
    let (decl, acc_ident, start) = stmts[..=first].iter().enumerate().find_map(|(i, s)| {
        let Stmt::Local(Local {
            pat,
            init: Some(init),
            ..
        }) = s
        else {
            return None;
        };
        let ident = match pat {
            Pat::Ident(p) if p.mutability.is_some() && p.subpat.is_none() => &p.ident,
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) if p.mutability.is_some() => &p.ident,
                _ => return None,
            },
            _ => return None,
        };
        init.diverge.is_none().then_some((i, ident, &*init.expr))
    })?;
    // A sum starts from zero, before its taps.
    if fold == Fold::Sum && (decl == first || !is_zero(start)) {
        return None;
    }
    let acc = acc_ident.to_string();
    // The accumulator is the body's only mutable local: what the loops do is then visible
    // in the weights alone.
    if mutable_locals(stmts).iter().any(|name| *name != acc) {
        return None;
    }
    // Nothing else before the sums may touch the accumulator.
    if stmts[..first]
        .iter()
        .enumerate()
        .any(|(i, s)| i != decl && mentions(s, &acc))
    {
        return None;
    }
    let (rel, rank) = (names.rel, names.rank);
    let mut sum = Sum::new(fold);
    let mut end = first;
    let mut collected = Vec::new();
    if decl == first {
        // `let mut acc = x[[..]].max(x[[..]]);`: the start is terms too.
        if mentions(start, &acc) || !sum.of(start, false, rel, rank) {
            return None;
        }
        collected.push(Shape::Add(sum.terms.len()));
        end += 1;
    }
    while end < stmts.len() && mentions(&stmts[end], rel) {
        collected.push(accumulation(&stmts[end], &acc, rel, rank, &mut sum)?);
        end += 1;
    }
    if stmts[end..].iter().any(|s| mentions(s, rel)) || sum.terms.is_empty() {
        return None;
    }
    let sum_ty = sum.cast_type.as_ref().unwrap_or(names.elem);
    let one = one(sum_ty);
    let start_ident = quote::format_ident!("__kernel_start");
    let pre = before_sum(&stmts[..first], decl, fold, &start_ident);
    let mut terms = sum.terms.iter();
    let collect: Vec<TokenStream> = collected
        .iter()
        .map(|shape| shape.tokens(fold, &mut terms, names.weights, &one))
        .collect();
    let (post, divisors) = hoist_divisions(
        &stmts[end..],
        &acc,
        rel,
        &sum_ty.to_token_stream(),
        names.private,
    );
    let sum_ident = names.sum;
    // The fold of the taps, then of the start when it is not a tap: the same value for
    // integers, where `max` and `min` are associative (floats take the passes only with
    // `reassociate`).
    let value = if fold == Fold::Sum || decl == first {
        quote!(#sum_ident)
    } else {
        let combine = fold.runtime_combine(&sum_ty.to_token_stream(), names.private);
        quote!(#combine(#start_ident, #sum_ident))
    };
    Some(Linear {
        fold,
        cast: sum.cast_type.clone(),
        pre: quote!(#(#pre)* #divisors),
        collect: quote!(#(#collect)*),
        epilogue: quote!({
            let mut #acc_ident = #value;
            #(#post)*
        }),
    })
}

/// The epilogue `post` with each division of the accumulator by a value fixed for the call
/// (`acc / (side * side)`, `acc /= n`) done by the runtime's `Divisor`, prepared once per
/// call; and the statements that prepare them, to run after the statements before the sum.
///
/// A divisor is fixed when it reads no tap and not the accumulator, is not a literal (which
/// the compiler already turns into a multiply), and every name of the epilogue's it reads
/// is bound once, before it, by a `let` of the epilogue's top level that changes nothing and
/// reads neither the accumulator nor a name bound from it (`let side = (2 * r + 1) as u32`).
/// Those `let`s are repeated in the preparation, in a block of their own, so that the
/// epilogue's closure captures the prepared divisor alone.
fn hoist_divisions(
    post: &[Stmt],
    acc: &str,
    rel: &str,
    sum_ty: &TokenStream,
    private: &TokenStream,
) -> (Vec<Stmt>, TokenStream) {
    struct Hoist<'a> {
        acc: &'a str,
        rel: &'a str,
        /// Names the epilogue binds, and of those the ones fixed `let`s bound before the
        /// statement being rewritten, with those `let`s.
        bound: Vec<String>,
        fixed_names: Vec<String>,
        fixed_lets: Vec<&'a Stmt>,
        sum_ty: &'a TokenStream,
        private: &'a TokenStream,
        prepared: Vec<TokenStream>,
    }
    impl Hoist<'_> {
        /// `acc / divisor` by a prepared divisor, if `divisor` may be prepared once.
        fn quotient(&mut self, divisor: &Expr) -> Option<Expr> {
            let fixed = !mentions(divisor, self.acc)
                && !mentions(divisor, self.rel)
                && self
                    .bound
                    .iter()
                    .all(|name| !mentions(divisor, name) || self.fixed_names.contains(name))
                && names_anything(divisor);
            if !fixed {
                return None;
            }
            let by = quote::format_ident!("__kernel_divisor_{}", self.prepared.len());
            let (private, sum_ty, lets) = (self.private, self.sum_ty, &self.fixed_lets);
            // The accumulator has the sum's type, so `acc / divisor` is `sum_ty / divisor`.
            self.prepared.push(quote! {
                let #by = #private::stencil::linear::Divisor::<#sum_ty>::for_operand({
                    #(#lets)*
                    #divisor
                });
            });
            let acc = quote::format_ident!("{}", self.acc);
            Some(syn::parse_quote!(#by.divide(#acc)))
        }
    }
    impl VisitMut for Hoist<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let Expr::Binary(b) = e else {
                return;
            };
            if !is_path(&b.left, self.acc) {
                return;
            }
            let replacement = match b.op {
                BinOp::Div(_) => self.quotient(&b.right),
                BinOp::DivAssign(_) => self.quotient(&b.right).map(|q| {
                    let acc = quote::format_ident!("{}", self.acc);
                    syn::parse_quote!(#acc = #q)
                }),
                _ => None,
            };
            if let Some(replacement) = replacement {
                *e = replacement;
            }
        }
    }
    let bound = super::varying::bound_names(post);
    let mut rewritten = post.to_vec();
    // An epilogue that binds the accumulator's name again may divide another type by it.
    if bound.iter().any(|name| name == acc) {
        return (rewritten, TokenStream::new());
    }
    let once = |name: &String| bound.iter().filter(|b| *b == name).count() == 1;
    let mut hoist = Hoist {
        acc,
        rel,
        bound: bound.clone(),
        fixed_names: Vec::new(),
        fixed_lets: Vec::new(),
        sum_ty,
        private,
        prepared: Vec::new(),
    };
    // Names bound from the accumulator, directly or through other names.
    let mut from_acc = vec![acc.to_owned()];
    for (stmt, original) in rewritten.iter_mut().zip(post) {
        hoist.visit_stmt_mut(stmt);
        if let Stmt::Local(local) = original {
            let names = super::varying::bound_names(std::slice::from_ref(original));
            let reads_acc = from_acc.iter().any(|name| mentions(local, name));
            if !reads_acc && pure(local) && names.iter().all(once) {
                hoist.fixed_names.extend(names);
                hoist.fixed_lets.push(original);
            } else {
                from_acc.extend(names);
            }
        }
    }
    let prepared = hoist.prepared;
    (rewritten, quote!(#(#prepared)*))
}

/// Whether `expr` names a variable, constant or function: not a literal alone, maybe cast.
fn names_anything(expr: &Expr) -> bool {
    const PRIMITIVES: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "f32", "f64", "as",
    ];
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => !PRIMITIVES.contains(&i.to_string().as_str()),
            TokenTree::Group(g) => walk(g.stream()),
            _ => false,
        })
    }
    walk(expr.to_token_stream())
}

/// The statements before an accumulated sum, `stmts`, with the accumulator's declaration
/// `stmts[decl]` dropped (a sum starts from zero) or, for a maximum or minimum starting from
/// a value that reads nothing, that value bound to `start`: evaluated where the body
/// evaluates it (a later statement may shadow a name it reads), into a name the epilogue
/// takes by value.
fn before_sum(stmts: &[Stmt], decl: usize, fold: Fold, start: &syn::Ident) -> Vec<TokenStream> {
    stmts
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            _ if i != decl => s.to_token_stream(),
            _ if fold == Fold::Sum => TokenStream::new(),
            Stmt::Local(Local {
                pat: Pat::Type(t),
                init: Some(init),
                ..
            }) => {
                let (ty, value) = (&t.ty, &init.expr);
                quote!(let #start: #ty = #value;)
            }
            Stmt::Local(Local {
                init: Some(init), ..
            }) => {
                let value = &init.expr;
                quote!(let #start = #value;)
            }
            _ => s.to_token_stream(),
        })
        .collect()
}

/// The shape of one accumulation statement, to be rebuilt with collecting calls.
enum Shape<'a> {
    /// `acc += sum` (or `-=`, or `acc = acc + sum`): how many terms it added.
    Add(usize),
    /// A `for` loop around more of them, with tap-free `let`s.
    Loop {
        head: TokenStream,
        body: Vec<Shape<'a>>,
    },
    /// A tap-free statement inside a loop.
    Plain(&'a Stmt),
}

impl Shape<'_> {
    fn tokens<'t>(
        &self,
        fold: Fold,
        terms: &mut impl Iterator<Item = &'t Term<'t>>,
        weights: &syn::Ident,
        one: &TokenStream,
    ) -> TokenStream
    where
        Self: 't,
    {
        match self {
            Shape::Add(count) => {
                let mut part = Sum::new(fold);
                for term in terms.take(*count) {
                    part.terms.push(Term {
                        offset: term.offset.clone(),
                        weight: term.weight,
                        negative: term.negative,
                    });
                }
                part.collect(weights, one)
            }
            Shape::Loop { head, body } => {
                let inner: Vec<TokenStream> = body
                    .iter()
                    .map(|s| s.tokens(fold, terms, weights, one))
                    .collect();
                quote!(#head { #(#inner)* })
            }
            Shape::Plain(stmt) => stmt.to_token_stream(),
        }
    }
}

/// One statement of the accumulation, its terms added to `sum`.
fn accumulation<'a>(
    stmt: &'a Stmt,
    acc: &str,
    rel: &str,
    rank: usize,
    sum: &mut Sum<'a>,
) -> Option<Shape<'a>> {
    let expr = match stmt {
        Stmt::Expr(expr, _) => expr,
        // A `let` inside the loops runs only where the weights are collected: it must change
        // nothing the epilogue sees.
        Stmt::Local(local) if !mentions(local, rel) && !mentions(local, acc) && pure(local) => {
            return Some(Shape::Plain(stmt));
        }
        _ => return None,
    };
    match expr {
        Expr::ForLoop(l) => {
            let plain_pattern = match &*l.pat {
                Pat::Ident(p) => p.mutability.is_none() && p.subpat.is_none() && p.ident != acc,
                Pat::Wild(_) => true,
                _ => false,
            };
            if !plain_pattern
                || mentions(&*l.expr, rel)
                || mentions(&*l.expr, acc)
                || l.label.is_some()
            {
                return None;
            }
            let body = l
                .body
                .stmts
                .iter()
                .map(|s| accumulation(s, acc, rel, rank, sum))
                .collect::<Option<Vec<_>>>()?;
            let (pat, range) = (&l.pat, &l.expr);
            Some(Shape::Loop {
                head: quote!(for #pat in #range),
                body,
            })
        }
        Expr::Assign(a) if sum.fold != Fold::Sum && is_path(&a.left, acc) => {
            // `acc = acc.max(x[[i, j]])`: the accumulator once, as a leaf of the chain.
            let leaves = sum.acc_leaves;
            sum.acc = Some(acc.to_owned());
            let before = sum.terms.len();
            let chain = sum.of(&a.right, false, rel, rank);
            sum.acc = None;
            (chain && sum.acc_leaves == leaves + 1 && occurrences(&*a.right, acc) == 1)
                .then(|| Shape::Add(sum.terms.len() - before))
        }
        Expr::Binary(b) if sum.fold == Fold::Sum && is_path(&b.left, acc) => {
            let negative = match b.op {
                BinOp::AddAssign(_) => false,
                BinOp::SubAssign(_) => true,
                _ => return None,
            };
            add_terms(&b.right, negative, acc, rel, rank, sum)
        }
        Expr::Assign(a) if sum.fold == Fold::Sum && is_path(&a.left, acc) => {
            match strip(&a.right) {
                Expr::Binary(b) if is_path(&b.left, acc) => {
                    let negative = match b.op {
                        BinOp::Add(_) => false,
                        BinOp::Sub(_) => true,
                        _ => return None,
                    };
                    add_terms(&b.right, negative, acc, rel, rank, sum)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn add_terms<'a>(
    expr: &'a Expr,
    negative: bool,
    acc: &str,
    rel: &str,
    rank: usize,
    sum: &mut Sum<'a>,
) -> Option<Shape<'a>> {
    if mentions(expr, acc) {
        return None;
    }
    let before = sum.terms.len();
    sum.of(expr, negative, rel, rank)
        .then(|| Shape::Add(sum.terms.len() - before))
}

/// The written-out spelling: one expression in `stmts[first]` holds every tap as a sum of
/// terms; the statement is taken with that expression replaced by the sum.
fn written_out(block: &Block, first: usize, fold: Fold, names: &Names<'_>) -> Option<Linear> {
    let stmts = &block.stmts;
    let (rel, rank) = (names.rel, names.rank);
    if stmts[first + 1..].iter().any(|s| mentions(s, rel)) {
        return None;
    }
    // The statements before run once, outside the epilogue, which cannot change what they
    // bind: a mutable local of theirs that the rest of the body uses keeps it direct.
    let before = mutable_locals(&stmts[..first]);
    if before
        .iter()
        .any(|name| stmts[first..].iter().any(|s| mentions(s, name)))
    {
        return None;
    }
    let root = match &stmts[first] {
        Stmt::Local(Local {
            init: Some(init), ..
        }) if init.diverge.is_none() => &*init.expr,
        Stmt::Expr(expr, _) => expr,
        _ => return None,
    };
    let (found, sum) = find_sum(root, fold, rel, rank)?;
    if sum.terms.len() < 2 {
        return None;
    }
    // Replace the found expression in a copy of the statement.
    let target = {
        let mut finder = Ordinal {
            target: found,
            seen: 0,
            at: None,
        };
        finder.visit_stmt(&stmts[first]);
        finder.at?
    };
    let mut stmt = stmts[first].clone();
    let sum_ident = names.sum;
    Replace {
        target,
        seen: 0,
        with: syn::parse_quote!(#sum_ident),
    }
    .visit_stmt_mut(&mut stmt);
    let one = one(sum.cast_type.as_ref().unwrap_or(names.elem));
    let collect = sum.collect(names.weights, &one);
    let pre = &stmts[..first];
    let post = &stmts[first + 1..];
    Some(Linear {
        fold,
        cast: sum.cast_type.clone(),
        pre: quote!(#(#pre)*),
        collect,
        epilogue: quote!({ #stmt #(#post)* }),
    })
}

/// The outermost sum of terms in `expr` holding every tap, reached through expressions
/// evaluated once (no loops, branches or closures).
fn find_sum<'a>(expr: &'a Expr, fold: Fold, rel: &str, rank: usize) -> Option<(&'a Expr, Sum<'a>)> {
    let mut sum = Sum::new(fold);
    if sum.of(expr, false, rel, rank) {
        return Some((expr, sum));
    }
    let children: Vec<&Expr> = match expr {
        Expr::Paren(e) => vec![&e.expr],
        Expr::Group(e) => vec![&e.expr],
        Expr::Binary(e) => vec![&e.left, &e.right],
        Expr::Unary(e) => vec![&e.expr],
        Expr::Cast(e) => vec![&e.expr],
        Expr::MethodCall(e) => std::iter::once(&*e.receiver).chain(&e.args).collect(),
        Expr::Call(e) => e.args.iter().collect(),
        _ => return None,
    };
    let mut holding = children.into_iter().filter(|c| mentions(*c, rel));
    let child = holding.next()?;
    if holding.next().is_some() {
        return None;
    }
    find_sum(child, fold, rel, rank)
}

/// Finds the pre-order position of one expression.
struct Ordinal<'a> {
    target: &'a Expr,
    seen: usize,
    at: Option<usize>,
}

impl<'ast> Visit<'ast> for Ordinal<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if std::ptr::eq(e, self.target) {
            self.at = Some(self.seen);
        }
        self.seen += 1;
        syn::visit::visit_expr(self, e);
    }
}

/// Replaces the expression at a pre-order position.
struct Replace {
    target: usize,
    seen: usize,
    with: Expr,
}

impl VisitMut for Replace {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        let here = self.seen;
        self.seen += 1;
        if here == self.target {
            *e = self.with.clone();
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// Whether a body has only constructs the recognition reasons about: no early exits,
/// macros, closures or async.
fn plain(block: &Block) -> bool {
    struct Plain(bool);
    impl<'ast> Visit<'ast> for Plain {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Return(_)
                | Expr::Try(_)
                | Expr::Break(_)
                | Expr::Continue(_)
                | Expr::Macro(_)
                | Expr::Closure(_)
                | Expr::Async(_)
                | Expr::Await(_)
                | Expr::Yield(_)
                | Expr::Unsafe(_) => self.0 = false,
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_stmt_macro(&mut self, _: &'ast syn::StmtMacro) {
            self.0 = false;
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {
            self.0 = false;
        }
    }
    let mut visitor = Plain(true);
    visitor.visit_block(block);
    visitor.0
}

/// Whether a `let` changes nothing but its own binding: no assignment, no `&mut`, no
/// binding by `mut` (a method call may take `&mut self` only of a mutable local, and
/// [`accumulated`] takes no body with one but the accumulator).
fn pure(local: &Local) -> bool {
    struct Pure(bool);
    impl<'ast> Visit<'ast> for Pure {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Assign(_) => self.0 = false,
                Expr::Reference(r) if r.mutability.is_some() => self.0 = false,
                Expr::Binary(b)
                    if !matches!(
                        b.op,
                        BinOp::Add(_)
                            | BinOp::Sub(_)
                            | BinOp::Mul(_)
                            | BinOp::Div(_)
                            | BinOp::Rem(_)
                            | BinOp::And(_)
                            | BinOp::Or(_)
                            | BinOp::BitXor(_)
                            | BinOp::BitAnd(_)
                            | BinOp::BitOr(_)
                            | BinOp::Shl(_)
                            | BinOp::Shr(_)
                            | BinOp::Eq(_)
                            | BinOp::Lt(_)
                            | BinOp::Le(_)
                            | BinOp::Ne(_)
                            | BinOp::Ge(_)
                            | BinOp::Gt(_)
                    ) =>
                {
                    self.0 = false;
                }
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.mutability.is_some() || p.by_ref.is_some() {
                self.0 = false;
            }
        }
    }
    let mut visitor = Pure(true);
    visitor.visit_local(local);
    visitor.0
}

/// The names every `let mut` and `mut` pattern in `stmts` binds.
fn mutable_locals(stmts: &[Stmt]) -> Vec<String> {
    struct Mutable(Vec<String>);
    impl<'ast> Visit<'ast> for Mutable {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.mutability.is_some() {
                self.0.push(p.ident.to_string());
            }
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut visitor = Mutable(Vec::new());
    for stmt in stmts {
        visitor.visit_stmt(stmt);
    }
    visitor.0
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(e) => strip(&e.expr),
        Expr::Group(e) => strip(&e.expr),
        other => other,
    }
}

fn is_path(expr: &Expr, name: &str) -> bool {
    matches!(strip(expr), Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

/// A zero literal, `0`, `0.0`, `0i32`, maybe cast or typed.
fn is_zero(expr: &Expr) -> bool {
    match strip(expr) {
        Expr::Lit(lit) => match &lit.lit {
            syn::Lit::Int(i) => i.base10_digits() == "0",
            syn::Lit::Float(f) => f.base10_digits().parse::<f64>() == Ok(0.0),
            _ => false,
        },
        Expr::Cast(c) => is_zero(&c.expr),
        _ => false,
    }
}

/// Whether `func` is a path to the standard library's `name` (`max` or `min`) of two values:
/// `std::cmp::max`, `core::cmp::max`, `std::cmp::Ord::max`. A bare `max`, `cmp::max` or
/// `u8::max` may name the user's own function or module, and is not taken for one.
fn is_cmp_function(func: &Expr, name: &str) -> bool {
    let Expr::Path(p) = strip(func) else {
        return false;
    };
    if p.qself.is_some() || p.path.segments.iter().any(|s| !s.arguments.is_none()) {
        return false;
    }
    let segments: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let Some((last, prefix)) = segments.split_last() else {
        return false;
    };
    let prefix: Vec<&str> = prefix.iter().map(String::as_str).collect();
    last == name
        && matches!(
            prefix[..],
            ["std" | "core", "cmp"] | ["std" | "core", "cmp", "Ord"]
        )
}

/// How often `node`'s tokens name `name`.
fn occurrences(node: &impl ToTokens, name: &str) -> usize {
    fn walk(tokens: TokenStream, name: &str) -> usize {
        tokens
            .into_iter()
            .map(|t| match t {
                TokenTree::Ident(i) => usize::from(i == name),
                TokenTree::Group(g) => walk(g.stream(), name),
                _ => 0,
            })
            .sum()
    }
    walk(node.to_token_stream(), name)
}

/// Whether `node`'s tokens name `name` anywhere.
fn mentions(node: &impl ToTokens, name: &str) -> bool {
    fn walk(tokens: TokenStream, name: &str) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => i == name,
            TokenTree::Group(g) => walk(g.stream(), name),
            _ => false,
        })
    }
    walk(node.to_token_stream(), name)
}
