//! Rewrites a stencil body so that one evaluation computes `L` consecutive positions:
//! every position-dependent value ([`Varying`]) becomes a `Lanes<T, L>`, everything else
//! stays scalar, and control flow that depends on the position becomes selects.
//!
//! ```text
//! fn life(c: Rel<u8>) -> u8 {                      {
//!     let n = c[[-1, 0]] + c[[1, 0]];                  let n = c.lanes::<L>([-1, 0]) + c.lanes::<L>([1, 0]);
//!     if c[[0, 0]] == 1 && (n == 2 || n == 3) {        let m = c.lanes([0, 0]).eq(splat(1)) & (n.eq(splat(2)) | n.eq(splat(3)));
//!         1                                            m.select(splat(1), splat(0))
//!     } else {                                     }
//!         0
//!     }
//! }
//! ```
//!
//! - `&&`, `||` and `if`/`else`, `match` on a varying value evaluate both sides and blend:
//!   bodies have no side effects, so this only costs the work of the side not taken.
//!   Assignments under a varying condition keep the old value in the lanes where it is
//!   false.
//! - Loops whose bounds are uniform stay loops, each iteration on lanes.
//! - Each lane operation is the scalar operation (`Lanes` in the runtime), so every lane
//!   is bit for bit what the scalar body gives at its position.
//!
//! What cannot be expressed (a call of another function with a varying argument, a loop
//! or index that depends on the position, `return`, macros, ...) is reported as
//! [`Unsupported`] with the expression and the reason: the kernel then runs the scalar
//! body, or with `simd = "require"` the reason is a compile error.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Pat, Stmt, Type, UnOp};

use crate::analysis::varying::{Varying, is_compound, pattern_names};
use crate::private::Private;

/// Why a body cannot run on lanes, at the expression responsible.
pub struct Unsupported {
    pub span: Span,
    pub why: String,
}

type Result<T> = std::result::Result<T, Unsupported>;

fn unsupported<T>(at: &impl Spanned, why: impl Into<String>) -> Result<T> {
    Err(Unsupported {
        span: at.span(),
        why: why.into(),
    })
}

/// Methods with a lane form, by the kinds of their arguments.
const UNARY: &[&str] = &[
    "sqrt",
    "floor",
    "ceil",
    "round",
    "round_ties_even",
    "trunc",
    "fract",
    "recip",
    "exp",
    "exp2",
    "exp_m1",
    "ln",
    "ln_1p",
    "log2",
    "log10",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "cbrt",
    "to_degrees",
    "to_radians",
    "abs",
    "signum",
    "wrapping_neg",
];
const BINARY: &[&str] = &[
    "min",
    "max",
    "powf",
    "atan2",
    "hypot",
    "copysign",
    "wrapping_add",
    "wrapping_sub",
    "wrapping_mul",
    "saturating_add",
    "saturating_sub",
    "saturating_mul",
];
const TERNARY: &[&str] = &["clamp", "mul_add"];
/// Methods whose argument is one scalar for every lane.
const SCALAR_ARG: &[&str] = &["powi", "pow"];

/// The primitive types a cast or a `T::from` may name.
const PRIMITIVES: &[&str] = &[
    "i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64",
];

/// The lane form of `block` as an expression of type `Lanes<_, L>`, where `lanes` names
/// the lane count, `rel` the relatively indexed parameters and `varying` what depends on
/// the position.
///
/// With `generic` element types, only operators run on lanes: the lane form of a method
/// needs bounds (`Lanes::abs` needs `T: Signed`) that the user's bounds do not promise.
pub fn rewrite(
    private: &Private,
    block: &syn::Block,
    rel: &HashSet<String>,
    varying: &Varying,
    lanes: &syn::Ident,
    generic: bool,
) -> Result<TokenStream> {
    let mut rewriter = Rewriter {
        private,
        rel,
        varying,
        lanes,
        generic,
        mask: None,
        masked_locals: Vec::new(),
        loop_masks: Vec::new(),
        fresh: 0,
    };
    let (tokens, _) = rewriter.block(block, Want::Lanes)?;
    Ok(tokens)
}

/// What the value of a block or expression must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Lanes, splatting a uniform value.
    Lanes,
    /// Whatever it is.
    Any,
}

struct Rewriter<'a> {
    private: &'a Private,
    rel: &'a HashSet<String>,
    varying: &'a Varying,
    lanes: &'a syn::Ident,
    /// Whether an element type is a type parameter: methods then have no lane form.
    generic: bool,
    /// The mask of the innermost varying condition being rewritten, if any.
    mask: Option<syn::Ident>,
    /// For each varying condition entered, the names declared inside it: assigning to them
    /// needs no mask.
    masked_locals: Vec<HashSet<String>>,
    /// The mask depth at each enclosing loop: `break` and `continue` must not be under a
    /// varying condition inside it.
    loop_masks: Vec<usize>,
    fresh: usize,
}

impl Rewriter<'_> {
    fn fresh(&mut self, what: &str) -> syn::Ident {
        self.fresh += 1;
        format_ident!("__kernel_{}{}", what, self.fresh)
    }

    fn lanes_path(&self) -> TokenStream {
        let private = self.private;
        quote!(#private::lanes::Lanes)
    }

    fn splat(&self, tokens: &TokenStream) -> TokenStream {
        let lanes = self.lanes_path();
        let l = self.lanes;
        quote!(#lanes::<_, #l>::splat(#tokens))
    }

    /// `e` as lanes.
    fn lanes(&mut self, e: &Expr) -> Result<TokenStream> {
        let (tokens, varying) = self.expr(e, Want::Lanes)?;
        Ok(if varying { tokens } else { self.splat(&tokens) })
    }

    /// `e`, which must not depend on the position.
    fn uniform(&mut self, e: &Expr, what: &str) -> Result<TokenStream> {
        if self.is_varying(e) {
            return unsupported(e, format!("{what} depends on the position"));
        }
        let (tokens, varying) = self.expr(e, Want::Any)?;
        if varying {
            return unsupported(e, format!("{what} depends on the position"));
        }
        Ok(tokens)
    }

    fn is_varying(&self, e: &Expr) -> bool {
        self.varying.expr(self.rel, e)
    }

    fn is_rel(&self, e: &Expr) -> bool {
        matches!(e, Expr::Path(p) if p.qself.is_none()
            && p.path.get_ident().is_some_and(|i| self.rel.contains(&i.to_string())))
    }

    /// A block's tokens and whether its value is lanes.
    fn block(&mut self, block: &syn::Block, want: Want) -> Result<(TokenStream, bool)> {
        let mut out = TokenStream::new();
        let mut value = (quote!(), false);
        let last = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                Stmt::Expr(e, None) if i + 1 == last => value = self.expr(e, want)?,
                _ => out.extend(self.stmt(stmt)?),
            }
        }
        let (tail, varying) = value;
        let tail = if want == Want::Lanes && !varying {
            if tail.is_empty() {
                return unsupported(block, "the body has no value");
            }
            self.splat(&tail)
        } else {
            tail
        };
        Ok((quote!({ #out #tail }), varying || want == Want::Lanes))
    }

    fn stmt(&mut self, stmt: &Stmt) -> Result<TokenStream> {
        match stmt {
            Stmt::Local(local) => {
                let mut names = Vec::new();
                pattern_names(&local.pat, &mut names);
                let varying = names.iter().any(|n| self.varying.contains(n));
                if let Some(scope) = self.masked_locals.last_mut() {
                    scope.extend(names.iter().cloned());
                }
                let Some(init) = &local.init else {
                    let pat = self.pattern(&local.pat, varying)?;
                    return Ok(quote!(let #pat;));
                };
                if let Some((_, diverge)) = &init.diverge {
                    return unsupported(diverge, "`let … else` is not supported on lanes");
                }
                let pat = self.pattern(&local.pat, varying)?;
                if varying && destructures(&local.pat) {
                    self.check_parts(&init.expr)?;
                }
                let value = if varying {
                    self.lanes(&init.expr)?
                } else {
                    self.uniform(&init.expr, "a uniform binding")?
                };
                Ok(quote!(let #pat = #value;))
            }
            Stmt::Item(item) => Ok(quote!(#item)),
            Stmt::Expr(e, semi) => {
                let (tokens, _) = self.expr(e, Want::Any)?;
                Ok(quote!(#tokens #semi))
            }
            Stmt::Macro(m) => unsupported(m, "macros cannot run on lanes"),
        }
    }

    /// A `let` pattern, with its type made a lane type when the names it binds vary.
    fn pattern(&self, pat: &Pat, varying: bool) -> Result<TokenStream> {
        match pat {
            Pat::Type(typed) if varying => {
                let inner = &typed.pat;
                let ty = self.lane_type(&typed.ty)?;
                Ok(quote!(#inner: #ty))
            }
            _ => Ok(quote!(#pat)),
        }
    }

    /// `T` as `Lanes<T, L>`, through arrays and tuples.
    fn lane_type(&self, ty: &Type) -> Result<TokenStream> {
        let l = self.lanes;
        let lanes = self.lanes_path();
        match ty {
            Type::Path(_) => Ok(quote!(#lanes<#ty, #l>)),
            Type::Array(array) => {
                let elem = self.lane_type(&array.elem)?;
                let len = &array.len;
                Ok(quote!([#elem; #len]))
            }
            Type::Tuple(tuple) => {
                let elems = tuple
                    .elems
                    .iter()
                    .map(|t| self.lane_type(t))
                    .collect::<Result<Vec<_>>>()?;
                Ok(quote!((#(#elems,)*)))
            }
            Type::Paren(paren) => self.lane_type(&paren.elem),
            Type::Infer(_) => Ok(quote!(#ty)),
            other => unsupported(other, "a binding of this type cannot hold lanes"),
        }
    }

    /// An expression's tokens and whether they are lanes, which they are if `want` says so.
    fn expr(&mut self, e: &Expr, want: Want) -> Result<(TokenStream, bool)> {
        let (tokens, varying) = self.expr_as_is(e, want)?;
        if want == Want::Lanes && !varying {
            // A uniform tuple or array becomes one of lanes, element by element.
            return Ok((self.splat_parts(e, &tokens)?, true));
        }
        Ok((tokens, varying))
    }

    /// A value destructured into lanes must be lanes part by part: a tuple or array written
    /// out, or a position-dependent value (whose parts are lanes). A uniform tuple from
    /// elsewhere (a `const`, a call) would be splatted whole.
    fn check_parts(&self, value: &Expr) -> Result<()> {
        match value {
            Expr::Tuple(_) | Expr::Array(_) | Expr::Repeat(_) => Ok(()),
            Expr::Paren(paren) => self.check_parts(&paren.expr),
            other if self.is_varying(other) => Ok(()),
            other => unsupported(
                other,
                "destructuring a uniform value into position-dependent names",
            ),
        }
    }

    /// A uniform value as lanes: tuples and arrays part by part, anything else splatted.
    fn splat_parts(&mut self, e: &Expr, tokens: &TokenStream) -> Result<TokenStream> {
        Ok(match e {
            Expr::Tuple(tuple) => {
                let elems = tuple
                    .elems
                    .iter()
                    .map(|x| self.lanes(x))
                    .collect::<Result<Vec<_>>>()?;
                quote!((#(#elems,)*))
            }
            Expr::Array(array) => {
                let elems = array
                    .elems
                    .iter()
                    .map(|x| self.lanes(x))
                    .collect::<Result<Vec<_>>>()?;
                quote!([#(#elems),*])
            }
            Expr::Repeat(repeat) => {
                let value = self.lanes(&repeat.expr)?;
                let len = &repeat.len;
                quote!([#value; #len])
            }
            Expr::Paren(paren) => self.splat_parts(&paren.expr, tokens)?,
            // A constant (or an entry of a constant table) may be an array or a tuple: its
            // lane form follows its type.
            Expr::Path(_) | Expr::Index(_) if names_constant(e) => {
                let private = self.private;
                let l = self.lanes;
                quote!(<_ as #private::lanes::SplatInto<#l>>::splat(#tokens))
            }
            _ => self.splat(tokens),
        })
    }

    /// An expression's tokens and whether they are lanes; `want` is passed on to the
    /// branches of `if` and `match`, so that both sides agree.
    #[allow(clippy::too_many_lines, reason = "one arm per kind of expression")]
    fn expr_as_is(&mut self, e: &Expr, want: Want) -> Result<(TokenStream, bool)> {
        // Anything that reads no relative parameter and no varying name is kept as written.
        if !self.is_varying(e) && !contains_control(e) {
            return Ok((quote!(#e), false));
        }
        let lanes = self.lanes_path();
        let l = self.lanes;
        let out = match e {
            Expr::Path(path) => {
                if self.is_rel(e) {
                    return unsupported(
                        e,
                        "a relatively indexed input is only read by index on lanes, not passed on",
                    );
                }
                quote!(#path)
            }
            Expr::Index(index) if self.is_rel(&index.expr) => {
                let x = &index.expr;
                let offsets = match &*index.index {
                    Expr::Array(array) => array
                        .elems
                        .iter()
                        .map(|o| self.uniform(o, "this offset"))
                        .collect::<Result<Vec<_>>>()?,
                    single => vec![self.uniform(single, "this offset")?],
                };
                let private = self.private;
                quote_spanned!(index.span()=>
                    #private::stencil::Reader::lanes::<#l>(&#x, [#(#offsets),*]))
            }
            Expr::Index(index) => {
                let idx = self.uniform(&index.index, "this index")?;
                let (base, varying) = self.expr(&index.expr, Want::Any)?;
                if !varying {
                    return unsupported(index, "indexing here depends on the position");
                }
                quote!(#base[#idx])
            }
            Expr::Lit(_) => quote!(#e),
            Expr::Paren(paren) => {
                let (inner, varying) = self.expr(&paren.expr, want)?;
                return Ok((quote!((#inner)), varying));
            }
            Expr::Group(group) => return self.expr(&group.expr, want),
            Expr::Binary(binary) => return self.binary(binary),
            Expr::Assign(assign) if matches!(&*assign.left, Expr::Tuple(_)) => {
                return Ok((self.assign_tuple(assign)?, false));
            }
            Expr::Assign(assign) => {
                let value = self.place_value(&assign.left, &assign.right)?;
                return Ok((self.assign(&assign.left, value)?, false));
            }
            Expr::Unary(unary) => match unary.op {
                UnOp::Neg(_) | UnOp::Not(_) => {
                    let op = &unary.op;
                    let inner = self.lanes(&unary.expr)?;
                    quote!((#op #inner))
                }
                _ => return unsupported(unary, "dereferencing a lane value"),
            },
            Expr::Cast(cast) => {
                let ty = &cast.ty;
                if !is_primitive(ty) {
                    return unsupported(ty, "lanes cast only to primitive number types");
                }
                let inner = self.lanes(&cast.expr)?;
                quote!(#lanes::cast::<#ty>(#inner))
            }
            Expr::Block(block) => {
                if block.label.is_some() {
                    return unsupported(block, "labelled blocks cannot run on lanes");
                }
                return self.block(&block.block, want);
            }
            Expr::If(expr_if) => return self.if_expr(expr_if, want),
            Expr::Match(expr_match) => return self.match_expr(expr_match, want),
            Expr::MethodCall(call) => self.method(call)?,
            Expr::Call(call) => self.call(call)?,
            Expr::Tuple(tuple) => {
                let elems = tuple
                    .elems
                    .iter()
                    .map(|x| self.lanes(x))
                    .collect::<Result<Vec<_>>>()?;
                quote!((#(#elems,)*))
            }
            Expr::Array(array) => {
                let elems = array
                    .elems
                    .iter()
                    .map(|x| self.lanes(x))
                    .collect::<Result<Vec<_>>>()?;
                quote!([#(#elems),*])
            }
            Expr::Repeat(repeat) => {
                let value = self.lanes(&repeat.expr)?;
                let len = self.uniform(&repeat.len, "an array length")?;
                quote!([#value; #len])
            }
            Expr::Field(field) => {
                let (base, varying) = self.expr(&field.base, Want::Any)?;
                let member = &field.member;
                return Ok((quote!(#base.#member), varying));
            }
            Expr::ForLoop(for_loop) => {
                let iter = self.uniform(&for_loop.expr, "the range of this loop")?;
                let (pat, label) = (&for_loop.pat, &for_loop.label);
                self.loop_masks.push(self.mask_depth());
                let body = self.block(&for_loop.body, Want::Any);
                self.loop_masks.pop();
                let (body, _) = body?;
                return Ok((quote!(#label for #pat in #iter #body), false));
            }
            Expr::While(expr_while) => {
                let cond = self.uniform(&expr_while.cond, "the condition of this loop")?;
                let label = &expr_while.label;
                self.loop_masks.push(self.mask_depth());
                let body = self.block(&expr_while.body, Want::Any);
                self.loop_masks.pop();
                let (body, _) = body?;
                return Ok((quote!(#label while #cond #body), false));
            }
            Expr::Loop(expr_loop) => {
                let label = &expr_loop.label;
                self.loop_masks.push(self.mask_depth());
                let body = self.block(&expr_loop.body, Want::Any);
                self.loop_masks.pop();
                let (body, _) = body?;
                return Ok((quote!(#label loop #body), false));
            }
            Expr::Break(brk) => {
                if brk.expr.is_some() {
                    return unsupported(brk, "`break` with a value cannot run on lanes");
                }
                self.check_jump(brk)?;
                return Ok((quote!(#brk), false));
            }
            Expr::Continue(cont) => {
                self.check_jump(cont)?;
                return Ok((quote!(#cont), false));
            }
            Expr::Return(ret) => {
                return unsupported(
                    ret,
                    "`return` cannot run on lanes: make the result the body's last expression",
                );
            }
            Expr::Macro(m) => return unsupported(m, "macros cannot run on lanes"),
            Expr::Closure(c) => return unsupported(c, "closures cannot run on lanes"),
            Expr::Reference(r) => return unsupported(r, "references to lane values"),
            other => return unsupported(other, "this expression cannot run on lanes"),
        };
        Ok((out, true))
    }

    fn mask_depth(&self) -> usize {
        self.masked_locals.len()
    }

    fn check_jump(&self, at: &impl Spanned) -> Result<()> {
        match self.loop_masks.last() {
            Some(&depth) if depth == self.mask_depth() => Ok(()),
            Some(_) => unsupported(
                at,
                "leaving a loop under a condition that depends on the position",
            ),
            None => unsupported(at, "`break` or `continue` outside a loop"),
        }
    }

    fn binary(&mut self, binary: &syn::ExprBinary) -> Result<(TokenStream, bool)> {
        let op = &binary.op;
        let lanes = self.lanes_path();
        if is_compound(op) {
            let name = crate::analysis::varying::place_name(&binary.left);
            if !name.as_deref().is_some_and(|n| self.varying.contains(n)) {
                let right = self.uniform(&binary.right, "a value assigned to a uniform name")?;
                let left = &binary.left;
                return Ok((quote!(#left #op #right), false));
            }
            let right = if self.is_varying(&binary.right) || contains_control(&binary.right) {
                self.lanes(&binary.right)?
            } else {
                let right = &binary.right;
                quote!(#right)
            };
            let (left, _) = self.expr(&binary.left, Want::Any)?;
            let plain = compound_op(op);
            let value = quote!((#left #plain #right));
            return Ok((self.assign(&binary.left, value)?, false));
        }
        let cmp = match op {
            BinOp::Lt(_) => Some(quote!(lt)),
            BinOp::Le(_) => Some(quote!(le)),
            BinOp::Gt(_) => Some(quote!(gt)),
            BinOp::Ge(_) => Some(quote!(ge)),
            BinOp::Eq(_) => Some(quote!(eq)),
            BinOp::Ne(_) => Some(quote!(ne)),
            _ => None,
        };
        let arithmetic = matches!(
            op,
            BinOp::Add(_)
                | BinOp::Sub(_)
                | BinOp::Mul(_)
                | BinOp::Div(_)
                | BinOp::Rem(_)
                | BinOp::BitAnd(_)
                | BinOp::BitOr(_)
                | BinOp::BitXor(_)
                | BinOp::Shl(_)
                | BinOp::Shr(_)
        );
        // A uniform right operand stays a scalar: a constant divisor or shift is then seen
        // as one.
        if arithmetic && !self.is_varying(&binary.right) && !contains_control(&binary.right) {
            let left = self.lanes(&binary.left)?;
            let right = &binary.right;
            return Ok((quote!((#left #op #right)), true));
        }
        let left = self.lanes(&binary.left)?;
        let right = self.lanes(&binary.right)?;
        let tokens = match (cmp, op) {
            (Some(method), _) => quote!(#lanes::#method(#left, #right)),
            (None, BinOp::And(_)) => quote!((#left & #right)),
            (None, BinOp::Or(_)) => quote!((#left | #right)),
            (None, op) => quote!((#left #op #right)),
        };
        Ok((tokens, true))
    }

    /// The value a plain assignment `left = right` stores.
    fn place_value(&mut self, left: &Expr, right: &Expr) -> Result<TokenStream> {
        let name = crate::analysis::varying::place_name(left);
        if name.as_deref().is_some_and(|n| self.varying.contains(n)) {
            self.lanes(right)
        } else {
            self.uniform(right, "a value assigned to a uniform name")
        }
    }

    /// `left = value`, blended with the old value under a varying condition.
    fn assign(&mut self, left: &Expr, value: TokenStream) -> Result<TokenStream> {
        let (place, _) = self.expr(left, Want::Any)?;
        let name = crate::analysis::varying::place_name(left);
        let local = name
            .as_ref()
            .is_some_and(|n| self.masked_locals.last().is_some_and(|s| s.contains(n)));
        Ok(match &self.mask {
            Some(mask) if !local => quote!(#place = #mask.select(#value, #place)),
            _ => quote!(#place = #value),
        })
    }

    /// `(a, b) = value`: the value once, then each place as a plain assignment of its part.
    fn assign_tuple(&mut self, assign: &syn::ExprAssign) -> Result<TokenStream> {
        let Expr::Tuple(places) = &*assign.left else {
            unreachable!("only tuple assignments")
        };
        let names: Vec<Option<String>> = places
            .elems
            .iter()
            .map(crate::analysis::varying::place_name)
            .collect();
        let varying = names
            .iter()
            .map(|n| n.as_deref().is_some_and(|n| self.varying.contains(n)))
            .collect::<Vec<_>>();
        if varying.iter().all(|v| !v) {
            let value = self.uniform(&assign.right, "a value assigned to uniform names")?;
            let left = &assign.left;
            return Ok(quote!(#left = #value));
        }
        if varying.iter().any(|v| !v) || names.iter().any(Option::is_none) {
            return unsupported(
                &assign.left,
                "a tuple assignment mixing uniform and position-dependent names",
            );
        }
        self.check_parts(&assign.right)?;
        let value = self.lanes(&assign.right)?;
        let parts = self.fresh("parts");
        let mut out = quote!(let #parts = #value;);
        for (k, place) in places.elems.iter().enumerate() {
            let index = syn::Index::from(k);
            out.extend(self.assign(place, quote!(#parts.#index))?);
            out.extend(quote!(;));
        }
        Ok(quote!({ #out }))
    }

    fn if_expr(&mut self, expr_if: &syn::ExprIf, want: Want) -> Result<(TokenStream, bool)> {
        if let Expr::Let(lt) = &*expr_if.cond {
            return unsupported(lt, "`if let` cannot run on lanes");
        }
        let is_value = expr_if.else_branch.is_some() && block_has_value(&expr_if.then_branch);
        if !self.is_varying(&expr_if.cond) {
            let cond = &expr_if.cond;
            // A value that is lanes on either side must be lanes on both.
            let mut branch_want = want;
            if is_value && want == Want::Any {
                let (_, a) = self.block(&expr_if.then_branch, Want::Any)?;
                let (_, b) = self.else_value(expr_if, Want::Any)?;
                if a || b {
                    branch_want = Want::Lanes;
                }
            }
            let (then, a) = self.block(&expr_if.then_branch, branch_want)?;
            let (otherwise, b) = self.else_value(expr_if, branch_want)?;
            let tokens = if expr_if.else_branch.is_some() {
                quote!(if #cond #then else #otherwise)
            } else {
                quote!(if #cond #then)
            };
            return Ok((tokens, is_value && (a || b)));
        }
        // A varying condition: both sides run, each under its mask, and blend.
        let cond = self.lanes(&expr_if.cond)?;
        let m = self.fresh("m");
        let (then_mask, else_mask) = (self.fresh("m"), self.fresh("m"));
        let outer = self.mask.clone();
        let (then_init, else_init) = match &outer {
            Some(o) => (quote!(#o & #m), quote!(#o & !#m)),
            None => (quote!(#m), quote!(!#m)),
        };
        let want_side = if is_value { Want::Lanes } else { Want::Any };
        self.enter(then_mask.clone());
        let then = self.block(&expr_if.then_branch, want_side);
        self.leave(outer.clone());
        let (then, _) = then?;
        self.enter(else_mask.clone());
        let otherwise = self.else_value(expr_if, want_side);
        self.leave(outer);
        let (otherwise, _) = otherwise?;
        let tokens = if is_value {
            quote!({
                let #m = #cond;
                let #then_mask = #then_init;
                let #else_mask = #else_init;
                let _ = (&#then_mask, &#else_mask);
                #m.select(#then, #otherwise)
            })
        } else {
            quote!({
                let #m = #cond;
                let #then_mask = #then_init;
                let #else_mask = #else_init;
                let _ = (&#then_mask, &#else_mask);
                #then
                #otherwise
            })
        };
        Ok((tokens, is_value))
    }

    fn enter(&mut self, mask: syn::Ident) {
        self.mask = Some(mask);
        self.masked_locals.push(HashSet::new());
    }

    fn leave(&mut self, outer: Option<syn::Ident>) {
        self.mask = outer;
        self.masked_locals.pop();
    }

    fn else_value(&mut self, expr_if: &syn::ExprIf, want: Want) -> Result<(TokenStream, bool)> {
        match &expr_if.else_branch {
            None => Ok((quote!({}), false)),
            Some((_, e)) => match &**e {
                Expr::Block(block) => self.block(&block.block, want),
                Expr::If(inner) => {
                    let (tokens, varying) = self.if_expr(inner, want)?;
                    Ok((quote!({ #tokens }), varying))
                }
                other => self.expr(other, want),
            },
        }
    }

    fn match_expr(&mut self, m: &syn::ExprMatch, want: Want) -> Result<(TokenStream, bool)> {
        if !self.is_varying(&m.expr) {
            let scrutinee = &m.expr;
            let mut arm_want = want;
            if want == Want::Any {
                for arm in &m.arms {
                    if self.expr(&arm.body, Want::Any)?.1 {
                        arm_want = Want::Lanes;
                    }
                }
            }
            let mut arms = Vec::new();
            for arm in &m.arms {
                let pat = &arm.pat;
                if let Pat::Guard(guard) = pat
                    && self.is_varying(&guard.guard)
                {
                    return unsupported(&guard.guard, "a guard that depends on the position");
                }
                let (body, _) = self.expr(&arm.body, arm_want)?;
                arms.push(quote!(#pat => #body,));
            }
            return Ok((
                quote!(match #scrutinee { #(#arms)* }),
                arm_want == Want::Lanes,
            ));
        }
        // A varying scrutinee: a chain of selects, from the last arm backwards.
        let scrutinee = self.lanes(&m.expr)?;
        let s = self.fresh("s");
        let mut chain: Option<TokenStream> = None;
        for arm in m.arms.iter().rev() {
            if let Pat::Guard(guard) = &arm.pat {
                return unsupported(guard, "match guards cannot run on lanes");
            }
            let (body, _) = self.expr(&arm.body, Want::Lanes)?;
            let body = match &arm.pat {
                Pat::Ident(ident) if ident.subpat.is_none() => {
                    let name = &ident.ident;
                    quote!({ let #name = #s; #body })
                }
                _ => body,
            };
            chain = Some(match (self.pattern_mask(&arm.pat, &s)?, chain) {
                (None, _) | (_, None) => body,
                (Some(cond), Some(rest)) => quote!(#cond.select(#body, #rest)),
            });
        }
        let Some(chain) = chain else {
            return unsupported(m, "a match without arms");
        };
        Ok((quote!({ let #s = #scrutinee; #chain }), true))
    }

    /// The lanes where `pat` matches `s`; `None` for a pattern that always matches.
    fn pattern_mask(&self, pat: &Pat, s: &syn::Ident) -> Result<Option<TokenStream>> {
        let lanes = self.lanes_path();
        let splat = |e: &dyn quote::ToTokens| self.splat(&quote!(#e));
        Ok(match pat {
            Pat::Wild(_) => None,
            Pat::Ident(ident) if ident.subpat.is_none() => None,
            Pat::Lit(lit) => {
                let v = splat(lit);
                Some(quote!(#lanes::eq(#s, #v)))
            }
            Pat::Range(range) => {
                let lo = range.start.as_ref().map(|lo| {
                    let v = splat(lo);
                    quote!(#lanes::ge(#s, #v))
                });
                let hi = range.end.as_ref().map(|hi| {
                    let v = splat(hi);
                    match range.limits {
                        syn::RangeLimits::Closed(_) => quote!(#lanes::le(#s, #v)),
                        syn::RangeLimits::HalfOpen(_) => quote!(#lanes::lt(#s, #v)),
                    }
                });
                match (lo, hi) {
                    (Some(lo), Some(hi)) => Some(quote!((#lo & #hi))),
                    (Some(one), None) | (None, Some(one)) => Some(one),
                    (None, None) => None,
                }
            }
            Pat::Or(or) => {
                let mut masks = Vec::new();
                for case in &or.cases {
                    match self.pattern_mask(case, s)? {
                        Some(mask) => masks.push(mask),
                        None => return Ok(None),
                    }
                }
                Some(quote!((#(#masks)|*)))
            }
            Pat::Paren(paren) => self.pattern_mask(&paren.pat, s)?,
            other => return unsupported(other, "this pattern cannot match lanes"),
        })
    }

    fn method(&mut self, call: &syn::ExprMethodCall) -> Result<TokenStream> {
        let name = call.method.to_string();
        let method = &call.method;
        if self.generic {
            return unsupported(
                &call.method,
                "methods of generic element types have no lane form: lanes need bounds \
                 (such as `T: Signed` for `abs`) that the kernel's bounds do not promise",
            );
        }
        if call.turbofish.is_some() {
            return unsupported(call, "methods with type arguments cannot run on lanes");
        }
        let arity = if UNARY.contains(&name.as_str()) {
            0
        } else if BINARY.contains(&name.as_str()) {
            1
        } else if TERNARY.contains(&name.as_str()) {
            2
        } else if SCALAR_ARG.contains(&name.as_str()) {
            let receiver = self.lanes(&call.receiver)?;
            let [arg] = call.args.iter().collect::<Vec<_>>()[..] else {
                return unsupported(call, format!("`{name}` takes one argument"));
            };
            let arg = self.uniform(arg, format!("the argument of `{name}`").as_str())?;
            return Ok(quote!(#receiver.#method(#arg)));
        } else {
            return unsupported(
                &call.method,
                format!("`{name}` has no lane form (see the #[stencil] docs for those that do)"),
            );
        };
        if call.args.len() != arity {
            return unsupported(call, format!("`{name}` takes {arity} arguments"));
        }
        let receiver = self.lanes(&call.receiver)?;
        let args = call
            .args
            .iter()
            .map(|a| self.lanes(a))
            .collect::<Result<Vec<_>>>()?;
        Ok(quote!(#receiver.#method(#(#args),*)))
    }

    fn call(&mut self, call: &syn::ExprCall) -> Result<TokenStream> {
        let lanes = self.lanes_path();
        // `i16::from(x)`, `f64::max(a, b)`: a primitive's conversion or method.
        if let Expr::Path(path) = &*call.func
            && path.qself.is_none()
            && path.path.segments.len() == 2
            && PRIMITIVES.contains(&path.path.segments[0].ident.to_string().as_str())
        {
            let ty = &path.path.segments[0].ident;
            let name = path.path.segments[1].ident.to_string();
            let args: Vec<&Expr> = call.args.iter().collect();
            if name == "from" && args.len() == 1 {
                let inner = self.lanes(args[0])?;
                return Ok(quote!(#lanes::cast::<#ty>(#inner)));
            }
            let known = UNARY.contains(&name.as_str())
                || BINARY.contains(&name.as_str())
                || TERNARY.contains(&name.as_str());
            if known && !args.is_empty() {
                let method = &path.path.segments[1].ident;
                let receiver = self.lanes(args[0])?;
                let rest = args[1..]
                    .iter()
                    .map(|a| self.lanes(a))
                    .collect::<Result<Vec<_>>>()?;
                return Ok(quote!(#receiver.#method(#(#rest),*)));
            }
        }
        unsupported(
            call,
            "a call with an argument that depends on the position cannot run on lanes \
             (only the primitive methods listed in the #[stencil] docs can)",
        )
    }
}

/// `a + b` for `a += b`.
fn compound_op(op: &BinOp) -> TokenStream {
    match op {
        BinOp::AddAssign(_) => quote!(+),
        BinOp::SubAssign(_) => quote!(-),
        BinOp::MulAssign(_) => quote!(*),
        BinOp::DivAssign(_) => quote!(/),
        BinOp::RemAssign(_) => quote!(%),
        BinOp::BitAndAssign(_) => quote!(&),
        BinOp::BitOrAssign(_) => quote!(|),
        BinOp::BitXorAssign(_) => quote!(^),
        BinOp::ShlAssign(_) => quote!(<<),
        BinOp::ShrAssign(_) => quote!(>>),
        _ => unreachable!("only compound assignments"),
    }
}

fn is_primitive(ty: &Type) -> bool {
    crate::ast::scalar_type_name(ty).is_some_and(|name| PRIMITIVES.contains(&name.as_str()))
}

/// Whether a block ends in a value rather than a statement.
fn block_has_value(block: &syn::Block) -> bool {
    match block.stmts.last() {
        Some(Stmt::Expr(e, None)) => {
            !matches!(
                e,
                Expr::Assign(_) | Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_)
            ) && !matches!(e, Expr::Binary(b) if is_compound(&b.op))
        }
        _ => false,
    }
}

/// Whether `e` holds statements that must be rewritten even though it reads nothing
/// that varies: assignments (which may need a mask) and loops or blocks (whose bodies may).
fn contains_control(e: &Expr) -> bool {
    match e {
        Expr::Assign(_)
        | Expr::ForLoop(_)
        | Expr::While(_)
        | Expr::Loop(_)
        | Expr::Block(_)
        | Expr::If(_)
        | Expr::Match(_)
        | Expr::Break(_)
        | Expr::Continue(_)
        | Expr::Return(_) => true,
        Expr::Binary(b) => is_compound(&b.op),
        _ => false,
    }
}

/// Whether a `let` pattern takes a value apart.
fn destructures(pat: &Pat) -> bool {
    match pat {
        Pat::Tuple(_) | Pat::Slice(_) | Pat::TupleStruct(_) | Pat::Struct(_) => true,
        Pat::Type(typed) => destructures(&typed.pat),
        Pat::Paren(paren) => destructures(&paren.pat),
        _ => false,
    }
}

/// Whether `e` is a `const` item by Rust's naming (`WEIGHTS`, `module::TABLE`), or an
/// entry of one (`WEIGHTS[i]`).
fn names_constant(e: &Expr) -> bool {
    match e {
        Expr::Path(path) => path.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.chars().any(char::is_alphabetic) && name.chars().all(|c| !c.is_lowercase())
        }),
        Expr::Index(index) => names_constant(&index.expr),
        Expr::Paren(paren) => names_constant(&paren.expr),
        _ => false,
    }
}
