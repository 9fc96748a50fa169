//! Rewrites a scalar kernel body into the same computation on `wide` lanes.
//!
//! The body keeps its shape; only the operations change:
//!
//! ```text
//! fn rel_diff(x: f64, y: f64) -> f64 {        fn lanes(x: f64x4, y: f64x4) -> (f64x4,) {
//!     if x > y {                                  (select(x.simd_gt(y),
//!         2.0 * (x - y) / (x + y)                        splat(2.0) * (x - y) / (x + y),
//!     } else {                                           splat(0.0)),)
//!         0.0                                 }
//!     }
//! }
//! ```
//!
//! Rewriting and checking are one pass: anything outside the supported subset (loops,
//! casts between types, calls other than the listed float methods, integer division, ...)
//! makes the whole body stay scalar, which is never wrong, only slower. Both versions are
//! compiled from the same tokens, and the scalar one is what rustc checks first, so a body
//! that reaches this module already type-checks as scalar code; the subset is chosen so
//! that it then also type-checks on lanes.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Lit, Stmt, UnOp};

use crate::private::Private;

/// Float methods `wide` computes exactly as `core` does (IEEE operations, selects).
const EXACT_FLOAT_METHODS: &[&str] = &[
    "abs", "sqrt", "min", "max", "clamp", "floor", "ceil", "trunc", "copysign", "mul_add",
];

/// Float methods `wide` approximates within a few ULP (see the `#[vectorize]` docs).
const APPROX_FLOAT_METHODS: &[&str] = &[
    "exp", "exp2", "exp_m1", "ln", "ln_1p", "log2", "log10", "powf", "sin", "cos", "tan", "asin",
    "acos", "atan", "atan2", "sinh", "cosh", "tanh", "cbrt",
];

/// Integer methods with lane equivalents.
const INT_METHODS: &[&str] = &["min", "max", "abs", "clamp"];

/// A body rewritten for lanes.
pub struct LaneBody {
    pub block: TokenStream,
}

/// The lane version of `block`, whose parameters are `params`, all of element type `elem`;
/// `None` when the body uses something lanes cannot express.
pub fn rewrite(
    private: &Private,
    elem: &str,
    params: &[&syn::Ident],
    block: &syn::Block,
) -> Option<LaneBody> {
    let float = matches!(elem, "f32" | "f64");
    let mut rewriter = Rewriter {
        private,
        elem: format_ident!("{elem}"),
        float,
        locals: params.iter().map(ToString::to_string).collect(),
    };
    let block = rewriter.block(block)?;
    Some(LaneBody { block })
}

struct Rewriter<'a> {
    private: &'a Private,
    elem: syn::Ident,
    float: bool,
    /// Names bound to lane values: parameters and `let`s seen so far. Shadowing only ever
    /// rebinds a name to another lane value, so one flat set suffices.
    locals: HashSet<String>,
}

impl Rewriter<'_> {
    fn block(&mut self, block: &syn::Block) -> Option<TokenStream> {
        let stmts = block
            .stmts
            .iter()
            .map(|stmt| self.stmt(stmt))
            .collect::<Option<Vec<_>>>()?;
        Some(quote!({ #(#stmts)* }))
    }

    fn stmt(&mut self, stmt: &Stmt) -> Option<TokenStream> {
        match stmt {
            Stmt::Local(local) => {
                let init = local.init.as_ref()?;
                if init.diverge.is_some() {
                    return None;
                }
                let value = self.value(&init.expr)?;
                let (ident, mutability) = match &local.pat {
                    syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                        (&p.ident, &p.mutability)
                    }
                    syn::Pat::Type(typed) => {
                        let syn::Pat::Ident(p) = &*typed.pat else {
                            return None;
                        };
                        if self.elem != crate::ast::scalar_type_name(&typed.ty)? {
                            return None;
                        }
                        (&p.ident, &p.mutability)
                    }
                    _ => return None,
                };
                self.locals.insert(ident.to_string());
                Some(quote!(let #mutability #ident = #value;))
            }
            Stmt::Expr(expr, semi) => {
                let expr = match expr {
                    Expr::Assign(assign) => {
                        let left = self.local_place(&assign.left)?;
                        let right = self.value(&assign.right)?;
                        quote!(#left = #right)
                    }
                    Expr::Binary(binary) if is_compound_assign(binary.op) => {
                        if !self.float && matches!(binary.op, BinOp::DivAssign(_)) {
                            return None;
                        }
                        let left = self.local_place(&binary.left)?;
                        let right = self.value(&binary.right)?;
                        let op = binary.op;
                        quote!(#left #op #right)
                    }
                    expr => self.value(expr)?,
                };
                Some(quote!(#expr #semi))
            }
            Stmt::Item(_) | Stmt::Macro(_) => None,
        }
    }

    fn local_place(&self, expr: &Expr) -> Option<TokenStream> {
        match expr {
            Expr::Path(path) if self.is_local(path) => Some(quote!(#path)),
            _ => None,
        }
    }

    fn is_local(&self, path: &syn::ExprPath) -> bool {
        path.qself.is_none()
            && path
                .path
                .get_ident()
                .is_some_and(|ident| self.locals.contains(&ident.to_string()))
    }

    fn splat(&self, expr: &impl quote::ToTokens, span: Span) -> TokenStream {
        let (private, elem) = (self.private, &self.elem);
        quote_spanned!(span=> #private::lanes::splat::<#elem>(#expr))
    }

    /// An expression whose value is a lane vector of the element type.
    fn value(&mut self, expr: &Expr) -> Option<TokenStream> {
        Some(match expr {
            Expr::Lit(lit) => {
                self.literal_fits(&lit.lit)?;
                self.splat(lit, lit.span())
            }
            Expr::Path(path) if self.is_local(path) => quote!(#path),
            // A constant: its type is the element type, or the scalar body would not compile.
            Expr::Path(path) if path.qself.is_none() => self.splat(path, path.span()),
            Expr::Paren(paren) => {
                let inner = self.value(&paren.expr)?;
                quote!((#inner))
            }
            Expr::Group(group) => self.value(&group.expr)?,
            Expr::Block(block) if block.label.is_none() => self.block(&block.block)?,
            Expr::Unary(unary) => {
                let inner = self.value(&unary.expr)?;
                match unary.op {
                    UnOp::Neg(op) => quote!(#op #inner),
                    UnOp::Not(op) if !self.float => quote!(#op #inner),
                    _ => return None,
                }
            }
            Expr::Binary(binary) => {
                let supported = match binary.op {
                    BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) => true,
                    BinOp::Div(_) => self.float,
                    BinOp::BitAnd(_) | BinOp::BitOr(_) | BinOp::BitXor(_) => !self.float,
                    _ => false,
                };
                if !supported {
                    return None;
                }
                let (left, right) = (self.value(&binary.left)?, self.value(&binary.right)?);
                let op = binary.op;
                quote!(#left #op #right)
            }
            Expr::If(expr_if) => {
                let cond = self.condition(&expr_if.cond)?;
                let then = self.block(&expr_if.then_branch)?;
                let (_, otherwise) = expr_if.else_branch.as_ref()?;
                let otherwise = self.value(otherwise)?;
                let private = self.private;
                quote!(#private::lanes::select(#cond, #then, #otherwise))
            }
            Expr::MethodCall(call) => {
                if call.turbofish.is_some() {
                    return None;
                }
                if self.float && call.method == "powi" {
                    let [exponent] = call.args.iter().collect::<Vec<_>>()[..] else {
                        return None;
                    };
                    let receiver = self.value(&call.receiver)?;
                    return self.powi(&receiver, crate::ast::int_literal(exponent)?);
                }
                let receiver = self.value(&call.receiver)?;
                let method = self.method(&call.method)?;
                let args = call
                    .args
                    .iter()
                    .map(|arg| self.value(arg))
                    .collect::<Option<Vec<_>>>()?;
                self.call(&receiver, &method, &args)
            }
            // `f64::max(a, b)` is `a.max(b)`.
            Expr::Call(call) => {
                let Expr::Path(func) = &*call.func else {
                    return None;
                };
                let segments = &func.path.segments;
                if func.qself.is_some()
                    || segments.len() != 2
                    || segments[0].ident != self.elem
                    || call.args.is_empty()
                {
                    return None;
                }
                let method = self.method(&segments[1].ident)?;
                let mut args = call.args.iter();
                let receiver = self.value(args.next()?)?;
                let args = args
                    .map(|arg| self.value(arg))
                    .collect::<Option<Vec<_>>>()?;
                self.call(&receiver, &method, &args)
            }
            // `x as f64` in an `f64` kernel changes nothing.
            Expr::Cast(cast) => match (&*cast.expr, crate::ast::scalar_type_name(&cast.ty)) {
                (Expr::Path(path), Some(target)) if self.is_local(path) && self.elem == target => {
                    quote!(#path)
                }
                _ => return None,
            },
            Expr::Tuple(tuple) => {
                let elems = tuple
                    .elems
                    .iter()
                    .map(|e| self.value(e))
                    .collect::<Option<Vec<_>>>()?;
                quote!((#(#elems,)*))
            }
            _ => return None,
        })
    }

    /// An expression whose value is a lane mask: the condition of an `if`.
    fn condition(&mut self, expr: &Expr) -> Option<TokenStream> {
        Some(match expr {
            Expr::Paren(paren) => {
                let inner = self.condition(&paren.expr)?;
                quote!((#inner))
            }
            Expr::Group(group) => self.condition(&group.expr)?,
            Expr::Unary(syn::ExprUnary {
                op: UnOp::Not(_),
                expr,
                ..
            }) => {
                let inner = self.condition(expr)?;
                quote!((!#inner))
            }
            Expr::Binary(binary) => {
                let method = match binary.op {
                    BinOp::And(_) | BinOp::Or(_) => {
                        let left = self.condition(&binary.left)?;
                        let right = self.condition(&binary.right)?;
                        return Some(if matches!(binary.op, BinOp::And(_)) {
                            quote!((#left & #right))
                        } else {
                            quote!((#left | #right))
                        });
                    }
                    BinOp::Eq(_) => "simd_eq",
                    BinOp::Ne(_) => "simd_ne",
                    BinOp::Lt(_) => "simd_lt",
                    BinOp::Le(_) => "simd_le",
                    BinOp::Gt(_) => "simd_gt",
                    BinOp::Ge(_) => "simd_ge",
                    _ => return None,
                };
                let method = format_ident!("{method}");
                let (left, right) = (self.value(&binary.left)?, self.value(&binary.right)?);
                quote!((#left).#method(#right))
            }
            _ => return None,
        })
    }

    /// `receiver.method(args)` on lanes; `exp` goes to the runtime's own lane function,
    /// several times faster than `wide`'s.
    fn call(
        &self,
        receiver: &TokenStream,
        method: &syn::Ident,
        args: &[TokenStream],
    ) -> TokenStream {
        let private = self.private;
        if self.float && method == "exp" && args.is_empty() {
            quote!(#private::lanes::exp(#receiver))
        } else {
            quote!(#receiver.#method(#(#args),*))
        }
    }

    /// `base.powi(n)` for a literal `n`, as the multiplications compiler-rt's `__powidf2`
    /// (and LLVM's expansion of a constant `powi`) performs, in the same order, so that
    /// lanes give the scalar function's bits: square the base for each bit of `|n|`,
    /// multiply the result by the squares of the set bits, lowest first, and take the
    /// reciprocal for negative `n`.
    fn powi(&self, base: &TokenStream, n: i64) -> Option<TokenStream> {
        let one = self.splat(&quote!(1.0), Span::call_site());
        let mut bits = n.unsigned_abs();
        if bits == 0 {
            return Some(one);
        }
        let mut steps = vec![quote!(let __kernel_square = #base;)];
        let mut result: Option<TokenStream> = None;
        while bits > 0 {
            if bits & 1 == 1 {
                result = Some(match result {
                    None => quote!(__kernel_square),
                    Some(r) => quote!((#r * __kernel_square)),
                });
                steps.push(quote!(let __kernel_result = #result;));
                result = Some(quote!(__kernel_result));
            }
            bits >>= 1;
            if bits > 0 {
                steps.push(quote!(let __kernel_square = __kernel_square * __kernel_square;));
            }
        }
        let result = result?;
        Some(if n < 0 {
            quote!(({ #(#steps)* #one / #result }))
        } else {
            quote!(({ #(#steps)* #result }))
        })
    }

    fn method(&self, method: &syn::Ident) -> Option<syn::Ident> {
        let name = method.to_string();
        let supported = if self.float {
            EXACT_FLOAT_METHODS.contains(&name.as_str())
                || APPROX_FLOAT_METHODS.contains(&name.as_str())
        } else {
            INT_METHODS.contains(&name.as_str())
        };
        if !supported {
            return None;
        }
        // `wide`'s `powf` takes a scalar exponent; the lane-wise one has another name.
        Some(if name == "powf" {
            syn::Ident::new("powf_simd", method.span())
        } else {
            method.clone()
        })
    }

    /// Whether a literal has the element type: an unsuffixed float literal in a float
    /// kernel, an unsuffixed integer in an integer kernel, or the element type's suffix.
    fn literal_fits(&self, lit: &Lit) -> Option<()> {
        let elem = self.elem.to_string();
        let fits = match lit {
            Lit::Float(f) => self.float && (f.suffix().is_empty() || f.suffix() == elem),
            Lit::Int(i) => (!self.float && i.suffix().is_empty()) || i.suffix() == elem,
            _ => false,
        };
        fits.then_some(())
    }
}

fn is_compound_assign(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_) | BinOp::SubAssign(_) | BinOp::MulAssign(_) | BinOp::DivAssign(_)
    )
}
