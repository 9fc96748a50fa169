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

/// Reports, for `simd = "require"`, why a body cannot run on lanes: at the expression
/// responsible, and at the `require` that asked (`unit` is "position" or "element").
pub fn report_required(
    cx: &crate::ctxt::Ctxt,
    require: &syn::LitStr,
    why: &Unsupported,
    unit: &str,
) {
    cx.syn_error(syn::Error::new(
        why.span,
        format!("this cannot run on SIMD lanes: {}", why.why),
    ));
    cx.error_spanned_by(
        require,
        format!("`simd = \"require\"` asks for every {unit} on lanes: see the error above"),
    );
}

/// The first element type with no lane form, and why: lanes hold the primitive numbers
/// and `bool`, or a type parameter (whose operators the bounds promise); a struct, an
/// array or `u128` element keeps the scalar body.
pub fn unlaned_type(types: &[&Type], type_params: &HashSet<String>) -> Option<Unsupported> {
    types.iter().find_map(|ty| {
        let name = crate::ast::scalar_type_name(ty);
        let laned = name
            .as_deref()
            .is_some_and(|n| PRIMITIVES.contains(&n) || n == "bool" || type_params.contains(n));
        (!laned).then(|| Unsupported {
            span: ty.span(),
            why: "lanes hold primitive numbers, `bool` and type parameters; this element type \
                  keeps the scalar body"
                .to_owned(),
        })
    })
}

/// What the rewriter needs to know of a kernel besides its body.
pub struct Setting<'a> {
    pub private: &'a Private,
    /// The parameters read by index: a stencil's relatively indexed inputs, a gufunc's
    /// core views.
    pub rel: &'a HashSet<String>,
    /// What depends on the position.
    pub varying: &'a Varying,
    /// The name of the lane count.
    pub lanes: &'a syn::Ident,
    /// Whether an element type is a type parameter: methods then have no lane form.
    pub generic: bool,
    /// Names known to hold `f32` or `f64` values: the float inputs.
    pub floats: &'a HashSet<String>,
    /// For a gufunc, the core views it writes: `rel` then names core views
    /// (`LaneCore`s), read `x.read(index)` by the index as written, and these are written
    /// `out.write(index, value)`. `None` for a stencil, whose `rel` are `Reader`s read by
    /// offset.
    pub cores: Option<&'a HashSet<String>>,
    /// For a gufunc, its one-dimensional float cores (inputs and written outputs) and its
    /// two-dimensional float inputs: `x.dot(&y)` and `out.assign(&m.dot(&v))` of them run
    /// on lanes (`LaneCore::dot`, `LaneCore::dot_into`); empty elsewhere.
    pub vectors: &'a HashSet<String>,
    pub matrices: &'a HashSet<String>,
    /// Whether the body's value is the result (as lanes); otherwise the body only writes
    /// outputs, and its value is `()`.
    pub valued: bool,
    /// A stencil's rank, which tells an index array (`x[d]`, rank 2 and more) from a 1-D
    /// offset; 0 elsewhere.
    pub rank: usize,
}

/// The lane form of `block` as an expression of type `Lanes<_, L>`, where `L` is
/// `setting.lanes`.
///
/// With `generic` element types, only operators run on lanes: the lane form of a method
/// needs bounds (`Lanes::abs` needs `T: Signed`) that the user's bounds do not promise.
pub fn rewrite(setting: &Setting<'_>, block: &syn::Block) -> Result<TokenStream> {
    let mut rewriter = Rewriter {
        private: setting.private,
        rel: setting.rel,
        varying: setting.varying,
        lanes: setting.lanes,
        generic: setting.generic,
        floats: setting.floats,
        cores: setting.cores,
        vectors: setting.vectors,
        matrices: setting.matrices,
        bound: crate::analysis::varying::bound_names(&block.stmts)
            .into_iter()
            .collect(),
        sortable: crate::analysis::varying::flat_arrays(&block.stmts),
        rank: setting.rank,
        mask: None,
        scopes: Vec::new(),
        mask_scopes: Vec::new(),
        loop_masks: Vec::new(),
        fresh: 0,
        speculative: 0,
    };
    let want = if setting.valued {
        Want::Lanes
    } else {
        Want::Any
    };
    let (tokens, _) = rewriter.block(block, want)?;
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
    /// Names known to hold `f32` or `f64` values: the float inputs.
    floats: &'a HashSet<String>,
    /// A gufunc's written core views (see [`Setting::cores`]).
    cores: Option<&'a HashSet<String>>,
    /// A gufunc's one- and two-dimensional float input cores (see [`Setting::vectors`]).
    vectors: &'a HashSet<String>,
    matrices: &'a HashSet<String>,
    /// Every name a pattern of the body binds: a core's name among them may be a local
    /// where it is used, so its `dot` keeps the scalar body.
    bound: HashSet<String>,
    /// Locals bound once, to an array of numbers: those a sort may sort on lanes.
    sortable: HashSet<String>,
    /// A stencil's rank (see [`Setting::rank`]).
    rank: usize,
    /// The mask of the innermost varying condition being rewritten, if any.
    mask: Option<syn::Ident>,
    /// The names each enclosing block declares, innermost last.
    scopes: Vec<HashSet<String>>,
    /// For each varying condition entered, how many blocks enclosed it: names declared in
    /// the blocks after that are local to the condition's side, and assigning to them
    /// needs no mask.
    mask_scopes: Vec<usize>,
    /// The mask depth at each enclosing loop: `break` and `continue` must not be under a
    /// varying condition inside it.
    loop_masks: Vec<usize>,
    fresh: usize,
    /// How many enclosing sides run in every lane whatever the condition: the branches of
    /// a varying `if` or `match`, the right side of a varying `&&` or `||`. An operation
    /// that can panic there (an integer division by zero, `clamp` with crossed bounds)
    /// would panic in lanes the scalar body never evaluates it for.
    speculative: usize,
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

    /// The path of `Blend::blend`, which blends lanes, tuples and arrays of them alike.
    fn blend(&self) -> TokenStream {
        let private = self.private;
        let l = self.lanes;
        quote!(<_ as #private::lanes::Blend<#l>>::blend)
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

    /// Whether `e` is certainly a float: it mentions a float literal, a cast to or a
    /// conversion into `f32`/`f64`, or a name known to hold floats. Float division never
    /// panics, so it may run in lanes a condition excludes.
    fn is_float(&self, e: &Expr) -> bool {
        let mut finder = FloatFinder {
            floats: self.floats,
            found: false,
        };
        syn::visit::Visit::visit_expr(&mut finder, e);
        finder.found
    }

    /// `x.dot(&y)` of two one-dimensional float input cores, `LaneCore::dot`, and
    /// `out.assign(&m.dot(&v))` of a two-dimensional one and a one-dimensional one,
    /// `LaneCore::dot_into`: both add in ndarray's order.
    fn core_dot(&self, call: &syn::ExprMethodCall) -> Option<TokenStream> {
        let core = |e: &Expr, among: &HashSet<String>| -> Option<syn::Ident> {
            let Expr::Path(p) = e else { return None };
            let ident = p.path.get_ident()?;
            let name = ident.to_string();
            (p.qself.is_none()
                && self.is_rel(e)
                && among.contains(&name)
                && !self.bound.contains(&name))
            .then(|| ident.clone())
        };
        // The one argument, `&argument`.
        let by_ref = |call: &'_ syn::ExprMethodCall, method: &str| -> Option<Expr> {
            if call.method != method || call.turbofish.is_some() || call.args.len() != 1 {
                return None;
            }
            match &call.args[0] {
                Expr::Reference(r) if r.mutability.is_none() => Some((*r.expr).clone()),
                _ => None,
            }
        };
        let written = self.cores?;
        let input = |e: &Expr, among: &HashSet<String>| {
            core(e, among).filter(|i| !written.contains(&i.to_string()))
        };
        if let Some(arg) = by_ref(call, "dot") {
            let x = input(&call.receiver, self.vectors)?;
            let y = input(&arg, self.vectors)?;
            return Some(quote!(#x.dot(&#y)));
        }
        let product = by_ref(call, "assign")?;
        // Under a condition on the loop index an output is written only where it holds:
        // that is `write_core`'s refusal, and the scalar body's.
        if self.mask.is_some() {
            return None;
        }
        let out =
            core(&call.receiver, self.vectors).filter(|i| written.contains(&i.to_string()))?;
        let Expr::MethodCall(dot) = product else {
            return None;
        };
        let v = input(&by_ref(&dot, "dot")?, self.vectors)?;
        let m = input(&dot.receiver, self.matrices)?;
        Some(quote!(#m.dot_into(&#v, &mut #out)))
    }

    fn is_rel(&self, e: &Expr) -> bool {
        matches!(e, Expr::Path(p) if p.qself.is_none()
            && p.path.get_ident().is_some_and(|i| self.rel.contains(&i.to_string())))
    }

    /// A block's tokens and whether its value is lanes.
    fn block(&mut self, block: &syn::Block, want: Want) -> Result<(TokenStream, bool)> {
        self.scopes.push(HashSet::new());
        let result = self.block_in_scope(block, want);
        self.scopes.pop();
        result
    }

    fn block_in_scope(&mut self, block: &syn::Block, want: Want) -> Result<(TokenStream, bool)> {
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
                if let Some(scope) = self.scopes.last_mut() {
                    scope.extend(names.iter().cloned());
                }
                let Some(init) = &local.init else {
                    if varying {
                        return unsupported(
                            local,
                            "a position-dependent name declared without a value: lanes run \
                             both sides of a condition, so give it one at its `let`",
                        );
                    }
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

    /// A value as lanes: tuples and arrays part by part (each part lanes whether it varies
    /// or not), anything else splatted.
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
            // A constant (or an entry of a constant table), a call, a field or a name may
            // be an array or a tuple: its lane form follows its type. (Literals keep
            // `Lanes::splat`, under which their type is still inferred.)
            // Whether such a value is a `T`, a tuple or an array is its type's business:
            // `SplatInto`, which a type parameter does not promise.
            Expr::Path(_)
            | Expr::Index(_)
            | Expr::Call(_)
            | Expr::MethodCall(_)
            | Expr::Field(_)
                if self.generic
                    && (names_constant(e) || !matches!(e, Expr::Path(_) | Expr::Index(_))) =>
            {
                return unsupported(
                    e,
                    "with generic element types, a call's or a constant's value has no lane form \
                     (lanes would need `SplatInto`, which the kernel's bounds do not promise)",
                );
            }
            Expr::Path(_) | Expr::Index(_) if names_constant(e) => {
                let private = self.private;
                let l = self.lanes;
                quote!(<_ as #private::lanes::SplatInto<#l>>::splat(#tokens))
            }
            Expr::Call(_) | Expr::MethodCall(_) | Expr::Field(_) => {
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
                    let why = if self.cores.is_some() {
                        "on lanes, a core view is only read and written by index (`x[i]`, \
                         `for v in &x`) or asked its shape, not passed on or called"
                    } else {
                        "a relatively indexed input is only read by index on lanes, not passed on"
                    };
                    return unsupported(e, why);
                }
                quote!(#path)
            }
            Expr::Index(index) if self.is_rel(&index.expr) && self.cores.is_some() => {
                let x = &index.expr;
                let at = self.uniform(&index.index, "this index")?;
                quote_spanned!(index.span()=> #x.read(#at))
            }
            Expr::Index(index)
                if self.is_rel(&index.expr)
                    && self.rank > 1
                    && !matches!(&*index.index, Expr::Array(_)) =>
            {
                // An index array: the whole offset.
                let x = &index.expr;
                let offset = self.uniform(&index.index, "this offset")?;
                let private = self.private;
                quote_spanned!(index.span()=>
                    #private::stencil::Reader::lanes::<#l>(&#x, #offset))
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
            Expr::Assign(assign) if self.written_core(&assign.left).is_some() => {
                return Ok((self.write_core(assign)?, false));
            }
            Expr::Assign(assign) => {
                let value = self.place_value(&assign.left, &assign.right)?;
                return Ok((self.assign(&assign.left, value)?, false));
            }
            Expr::Unary(unary) => match unary.op {
                UnOp::Neg(_) if self.speculative > 0 => {
                    if self.generic {
                        return unsupported(unary, "negation under a condition on the position");
                    }
                    let inner = self.lanes(&unary.expr)?;
                    quote!(#lanes::neg_s(#inner))
                }
                UnOp::Neg(_) | UnOp::Not(_) => {
                    let op = &unary.op;
                    let inner = self.lanes(&unary.expr)?;
                    quote!((#op #inner))
                }
                // `*v` of an element a gufunc iterates over: on lanes, the value itself.
                UnOp::Deref(_) if self.cores.is_some() => return self.expr(&unary.expr, want),
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
            // A tuple or an array of lanes, part by part.
            Expr::Tuple(_) | Expr::Array(_) | Expr::Repeat(_) => self.splat_parts(e, &quote!())?,
            Expr::Field(field) => {
                let (base, varying) = self.expr(&field.base, Want::Any)?;
                let member = &field.member;
                return Ok((quote!(#base.#member), varying));
            }
            Expr::ForLoop(for_loop) if self.iterated_core(&for_loop.expr).is_some() => {
                return Ok((self.for_core(for_loop)?, false));
            }
            Expr::ForLoop(for_loop) => {
                let iter = self.uniform(&for_loop.expr, "the range of this loop")?;
                let (pat, label) = (&for_loop.pat, &for_loop.label);
                self.loop_masks.push(self.mask_depth());
                let body = self.block(&for_loop.body, Want::Any);
                self.loop_masks.pop();
                let (body, _) = body?;
                // A walk over a constant table, unrolled (`lanes::Unroll`): its entries
                // become constants, and local arrays they index stay in registers.
                if let Some(table) = constant_table(&for_loop.expr)
                    && label.is_none()
                    && !jumps(&for_loop.body)
                {
                    let private = self.private;
                    return Ok((
                        quote!({ <_ as #private::lanes::Unroll>::for_each_unrolled(#table, #[inline(always)] |#pat| #body); }),
                        false,
                    ));
                }
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

    /// The gufunc core view `place` writes an element of (`out[i]`, `out[[i, j]]`).
    fn written_core<'e>(&self, place: &'e Expr) -> Option<&'e Expr> {
        let cores = self.cores?;
        match place {
            Expr::Index(index) => match &*index.expr {
                Expr::Path(p)
                    if p.path
                        .get_ident()
                        .is_some_and(|i| cores.contains(&i.to_string())) =>
                {
                    Some(&index.expr)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `out[i] = value` on a gufunc's output: lane `j` of the value to the element of the
    /// `j`-th core.
    fn write_core(&mut self, assign: &syn::ExprAssign) -> Result<TokenStream> {
        let Expr::Index(index) = &*assign.left else {
            unreachable!("`written_core` saw an index")
        };
        if self.mask.is_some() {
            return unsupported(
                assign,
                "writing an output under a condition on the loop index: assign the value \
                 chosen by the condition instead (`out[i] = if c { a } else { b }`)",
            );
        }
        let at = self.uniform(&index.index, "this index")?;
        let value = self.lanes(&assign.right)?;
        let out = &index.expr;
        Ok(quote_spanned!(assign.span()=> #out.write(#at, #value)))
    }

    /// What `iter` iterates over when it walks gufunc core views by reference: one core
    /// (`&x`, `x.iter()`, `x` itself as a `zip` argument), or the zip of two such walks.
    fn iterated_core<'e>(&self, iter: &'e Expr) -> Option<Walk<'e>> {
        self.cores?;
        let core = match iter {
            Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            Expr::MethodCall(call) if call.method == "iter" && call.args.is_empty() => {
                &*call.receiver
            }
            Expr::MethodCall(call) if call.method == "zip" && call.args.len() == 1 => {
                let left = self.iterated_core(&call.receiver)?;
                let right = self.iterated_core(&call.args[0]).or_else(|| {
                    self.is_rel(&call.args[0])
                        .then(|| Walk::Core(&call.args[0]))
                })?;
                return Some(Walk::Zip(Box::new(left), Box::new(right)));
            }
            Expr::Paren(paren) => return self.iterated_core(&paren.expr),
            _ => return None,
        };
        self.is_rel(core).then_some(Walk::Core(core))
    }

    /// `for v in &x`, `for (a, b) in x.iter().zip(&y)`: the elements of the cores at every
    /// loop index, in logical order, as many as the shortest core has.
    fn for_core(&mut self, for_loop: &syn::ExprForLoop) -> Result<TokenStream> {
        let walk = self
            .iterated_core(&for_loop.expr)
            .expect("checked by the caller");
        let k = self.fresh("k");
        let mut cores = Vec::new();
        walk.cores(&mut cores);
        let bind = bind_walk(&for_loop.pat, &walk, &k)?;
        let label = &for_loop.label;
        self.loop_masks.push(self.mask_depth());
        let body = self.block(&for_loop.body, Want::Any);
        self.loop_masks.pop();
        let (body, _) = body?;
        Ok(quote! {
            #label for #k in 0..[#(#cores.len()),*].into_iter().min().unwrap_or(0) {
                #bind
                #body
            }
        })
    }

    fn mask_depth(&self) -> usize {
        self.mask_scopes.len()
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
        self.check_panics(binary)?;
        if is_compound(op) {
            return Ok((self.compound(binary)?, false));
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
        // Under a position-dependent condition, integer `+ - *` wrap (see `Speculative`).
        if self.speculative > 0
            && let Some(method) = speculative_method(op)
        {
            if self.generic {
                return unsupported(
                    binary,
                    "integer arithmetic under a condition on the position needs the element \
                     type known, to wrap where the condition is false",
                );
            }
            let left = self.lanes(&binary.left)?;
            let right = self.lanes(&binary.right)?;
            return Ok((quote!(#lanes::#method(#left, #right)), true));
        }
        // A uniform right operand stays a scalar: a constant divisor or shift is then seen
        // as one.
        if arithmetic && !self.is_varying(&binary.right) && !contains_control(&binary.right) {
            let left = self.lanes(&binary.left)?;
            let right = &binary.right;
            return Ok((quote!((#left #op #right)), true));
        }
        // A uniform left operand stays a scalar too (`dt * c[[0, 0]]`, `w * x[[i, j]]` with
        // `w` from `W.iter()`), through the primitives' operators on lanes.
        if arithmetic
            && !matches!(op, BinOp::Shl(_) | BinOp::Shr(_))
            && !self.generic
            && !self.is_varying(&binary.left)
            && !contains_control(&binary.left)
        {
            let left = &binary.left;
            let right = self.lanes(&binary.right)?;
            return Ok((quote!((#left #op #right)), true));
        }
        let left = self.lanes(&binary.left)?;
        let short_circuit = matches!(op, BinOp::And(_) | BinOp::Or(_));
        self.speculative += usize::from(short_circuit);
        let right = self.lanes(&binary.right);
        self.speculative -= usize::from(short_circuit);
        let right = right?;
        let tokens = match (cmp, op) {
            (Some(method), _) => quote!(#lanes::#method(#left, #right)),
            (None, BinOp::And(_)) => quote!((#left & #right)),
            (None, BinOp::Or(_)) => quote!((#left | #right)),
            (None, op) => quote!((#left #op #right)),
        };
        Ok((tokens, true))
    }

    /// Refuses operations that could panic in lanes the scalar body never evaluates them
    /// for (see `speculative`), or whose types the lanes could not infer.
    fn check_panics(&self, binary: &syn::ExprBinary) -> Result<()> {
        let op = &binary.op;
        if matches!(
            op,
            BinOp::Div(_) | BinOp::Rem(_) | BinOp::DivAssign(_) | BinOp::RemAssign(_)
        ) && self.speculative > 0
            && !nonzero_literal(&binary.right)
            && !self.is_float(&binary.left)
            && !self.is_float(&binary.right)
        {
            return unsupported(
                binary,
                "a division under a condition on the position: lanes evaluate both sides, and \
                 one where the condition is false could divide by zero (divide by a non-zero \
                 literal, or move the division out of the condition)",
            );
        }
        if self.speculative > 0
            && matches!(
                op,
                BinOp::Shl(_) | BinOp::Shr(_) | BinOp::ShlAssign(_) | BinOp::ShrAssign(_)
            )
            && self.is_varying(&binary.right)
        {
            return unsupported(
                binary,
                "a shift by a position-dependent amount under a condition on the position: \
                 lanes where the condition is false could shift out of range",
            );
        }
        if matches!(op, BinOp::Shl(_) | BinOp::Shr(_))
            && !self.is_varying(&binary.left)
            && self.is_varying(&binary.right)
        {
            // `1 << x[[0, 0]]`: the literal's type would be settled by the shift alone.
            return unsupported(
                binary,
                "a uniform value shifted by a position-dependent amount",
            );
        }
        Ok(())
    }

    /// `left op= right`, blended under a varying condition.
    fn compound(&mut self, binary: &syn::ExprBinary) -> Result<TokenStream> {
        let op = &binary.op;
        let lanes = self.lanes_path();
        let name = crate::analysis::varying::place_name(&binary.left);
        if !name.as_deref().is_some_and(|n| self.varying.contains(n)) {
            let right = self.uniform(&binary.right, "a value assigned to a uniform name")?;
            let left = &binary.left;
            return Ok(quote!(#left #op #right));
        }
        let right = if self.is_varying(&binary.right) || contains_control(&binary.right) {
            self.lanes(&binary.right)?
        } else {
            let right = &binary.right;
            quote!(#right)
        };
        if self.generic {
            return unsupported(
                binary,
                "compound assignment to a position-dependent value of a generic element \
                 type: the lanes need `+` and the like, which `+=` bounds do not promise",
            );
        }
        let (left, _) = self.expr(&binary.left, Want::Any)?;
        let plain = compound_op(op);
        let value = if let Some(method) =
            speculative_method(&plain_op(op)).filter(|_| self.speculative > 0)
        {
            let right = if self.is_varying(&binary.right) || contains_control(&binary.right) {
                right
            } else {
                self.splat(&right)
            };
            quote!(#lanes::#method(#left, #right))
        } else {
            quote!((#left #plain #right))
        };
        self.assign(&binary.left, value)
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
        let local = name.as_ref().is_some_and(|n| {
            self.mask_scopes
                .last()
                .is_some_and(|&from| self.scopes[from..].iter().any(|s| s.contains(n)))
        });
        Ok(match &self.mask {
            Some(mask) if !local => {
                let blend = self.blend();
                quote!(#place = #blend(#mask, #value, #place))
            }
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
        self.speculative += 1;
        self.enter(then_mask.clone());
        let then = self.block(&expr_if.then_branch, want_side);
        self.leave(outer.clone());
        self.enter(else_mask.clone());
        let otherwise = self.else_value(expr_if, want_side);
        self.leave(outer);
        self.speculative -= 1;
        let ((then, _), (otherwise, _)) = (then?, otherwise?);
        let blend = self.blend();
        let tokens = if is_value {
            quote!({
                let #m = #cond;
                let #then_mask = #then_init;
                let #else_mask = #else_init;
                let _ = (&#then_mask, &#else_mask);
                #blend(#m, #then, #otherwise)
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
        self.mask_scopes.push(self.scopes.len());
    }

    fn leave(&mut self, outer: Option<syn::Ident>) {
        self.mask = outer;
        self.mask_scopes.pop();
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
            self.speculative += 1;
            let body = self.expr(&arm.body, Want::Lanes);
            self.speculative -= 1;
            let (body, _) = body?;
            let body = match &arm.pat {
                Pat::Ident(ident) if ident.subpat.is_none() => {
                    let name = &ident.ident;
                    quote!({ let #name = #s; #body })
                }
                _ => body,
            };
            chain = Some(match (self.pattern_mask(&arm.pat, &s)?, chain) {
                (None, _) | (_, None) => body,
                (Some(cond), Some(rest)) => {
                    let blend = self.blend();
                    quote!(#blend(#cond, #body, #rest))
                }
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
            // `ALIVE =>` names a constant to compare with, not a binding.
            Pat::Ident(ident) if names_constant_ident(&ident.ident) => {
                return unsupported(ident, "a constant pattern on a position-dependent value");
            }
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
        if let Some(dot) = self.core_dot(call) {
            return Ok(dot);
        }
        if self.cores.is_some() && self.is_rel(&call.receiver) {
            return unsupported(
                method,
                format!(
                    "on lanes, a core view is read and written by index (`x[i]`, `for v in &x`) \
                     and asked its shape (`len`, `dim`, ...); of its other methods only \
                     `x.dot(&y)` and `out.assign(&m.dot(&v))` of float inputs run there, \
                     not `{name}`"
                ),
            );
        }
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
        if matches!(name.as_str(), "sort" | "sort_unstable") {
            return self.sort(call);
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
        if name == "clamp" && self.speculative > 0 && call.args.iter().any(|a| self.is_varying(a)) {
            return unsupported(
                call,
                "`clamp` with position-dependent bounds under a condition on the position: \
                 lanes where the condition is false could have crossed bounds and panic",
            );
        }
        let receiver = self.lanes(&call.receiver)?;
        let args = call
            .args
            .iter()
            .map(|a| self.lanes(a))
            .collect::<Result<Vec<_>>>()?;
        Ok(quote!(#receiver.#method(#(#args),*)))
    }

    /// `values.sort_unstable()` (or `sort`) of a local array: the array, sorted lane by lane
    /// by a network, assigned back (blended where a condition masks the assignment).
    fn sort(&mut self, call: &syn::ExprMethodCall) -> Result<TokenStream> {
        if !call.args.is_empty() {
            return unsupported(call, format!("`{}` takes no arguments", call.method));
        }
        let named = match &*call.receiver {
            Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
            _ => None,
        };
        if !named.is_some_and(|name| self.sortable.contains(&name)) {
            return unsupported(
                &call.receiver,
                "on lanes, `sort` and `sort_unstable` sort a local array of numbers named \
                 directly, bound once by `let` to `[a, b, ..]` or `[a; n]`",
            );
        }
        let lanes = self.lanes_path();
        let values = self.lanes(&call.receiver)?;
        self.assign(&call.receiver, quote!(#lanes::sorted(#values)))
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
/// The constant table `iter` walks, as `Unroll` takes it: `TABLE` by value, `&TABLE` and
/// `TABLE.iter()` by reference.
fn constant_table(iter: &Expr) -> Option<TokenStream> {
    match iter {
        Expr::Reference(r) if r.mutability.is_none() && names_constant(&r.expr) => {
            Some(quote!(#iter))
        }
        Expr::MethodCall(call)
            if call.method == "iter" && call.args.is_empty() && names_constant(&call.receiver) =>
        {
            let table = &call.receiver;
            Some(quote!(&#table))
        }
        Expr::Paren(paren) => constant_table(&paren.expr),
        Expr::Path(_) | Expr::Index(_) if names_constant(iter) => Some(quote!(#iter)),
        _ => None,
    }
}

/// Whether `block`, a loop's body, jumps out of it (which the closure of an unrolled loop
/// cannot): `break` or `continue` outside any loop nested in it, a labelled one anywhere,
/// or `return`.
fn jumps(block: &syn::Block) -> bool {
    struct Finder {
        /// How many loops inside the body enclose the current expression.
        depth: usize,
        found: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_break(&mut self, e: &'a syn::ExprBreak) {
            self.found |= self.depth == 0 || e.label.is_some();
        }
        fn visit_expr_continue(&mut self, e: &'a syn::ExprContinue) {
            self.found |= self.depth == 0 || e.label.is_some();
        }
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.found = true;
        }
        fn visit_expr_for_loop(&mut self, e: &'a syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, e);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, e: &'a syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, e);
            self.depth -= 1;
        }
        fn visit_expr_loop(&mut self, e: &'a syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, e);
            self.depth -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut finder = Finder {
        depth: 0,
        found: false,
    };
    syn::visit::Visit::visit_block(&mut finder, block);
    finder.found
}

/// How a `for` loop walks gufunc core views: one core, or two walks zipped.
enum Walk<'e> {
    Core(&'e Expr),
    Zip(Box<Walk<'e>>, Box<Walk<'e>>),
}

impl<'e> Walk<'e> {
    fn cores(&self, into: &mut Vec<&'e Expr>) {
        match self {
            Walk::Core(core) => into.push(core),
            Walk::Zip(left, right) => {
                left.cores(into);
                right.cores(into);
            }
        }
    }
}

/// Binds `pat` to the `k`-th elements of `walk`'s cores: a name for a core, a pair for
/// a zip, `&v` as `v`.
fn bind_walk(pat: &Pat, walk: &Walk<'_>, k: &syn::Ident) -> Result<TokenStream> {
    let pat = match pat {
        Pat::Reference(r) if r.mutability.is_none() => &*r.pat,
        Pat::Paren(paren) => &*paren.pat,
        pat => pat,
    };
    match (pat, walk) {
        (Pat::Ident(ident), Walk::Core(core)) if ident.subpat.is_none() => {
            let name = &ident.ident;
            Ok(quote!(let #name = #core.read_nth(#k);))
        }
        (Pat::Wild(_), Walk::Core(_)) => Ok(quote!()),
        (Pat::Tuple(tuple), Walk::Zip(left, right)) if tuple.elems.len() == 2 => {
            let left = bind_walk(&tuple.elems[0], left, k)?;
            let right = bind_walk(&tuple.elems[1], right, k)?;
            Ok(quote!(#left #right))
        }
        (pat, _) => unsupported(
            pat,
            "iterating core views on lanes binds a name per core (`v`, `&v`, or `(a, b)` \
             for a `zip`)",
        ),
    }
}

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

/// Whether an identifier is spelled as a constant (`ALIVE`, `MAX_2`).
fn names_constant_ident(ident: &syn::Ident) -> bool {
    let name = ident.to_string();
    name.chars().any(char::is_alphabetic) && name.chars().all(|c| !c.is_lowercase())
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

/// Whether `e` is a literal other than zero: a divisor that cannot divide by zero.
fn nonzero_literal(e: &Expr) -> bool {
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<u128>().is_ok_and(|v| v != 0),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) => f.base10_parse::<f64>().is_ok_and(|v| v != 0.0),
        Expr::Paren(paren) => nonzero_literal(&paren.expr),
        Expr::Group(group) => nonzero_literal(&group.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => nonzero_literal(&unary.expr),
        _ => false,
    }
}

/// Looks for what makes an expression a float (see `Rewriter::is_float`).
struct FloatFinder<'a> {
    floats: &'a HashSet<String>,
    found: bool,
}

impl<'ast> syn::visit::Visit<'ast> for FloatFinder<'_> {
    fn visit_lit_float(&mut self, _: &'ast syn::LitFloat) {
        self.found = true;
    }

    fn visit_expr_cast(&mut self, cast: &'ast syn::ExprCast) {
        // A cast decides the type: `x as i32` is an integer whatever `x` is.
        if crate::ast::scalar_type_name(&cast.ty).is_some_and(|t| t == "f32" || t == "f64") {
            self.found = true;
        }
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // `i32::from(x)` is an integer whatever `x` is; `f64::from(x)` a float.
        if let Expr::Path(path) = &*call.func
            && path.path.segments.len() == 2
        {
            let ty = path.path.segments[0].ident.to_string();
            if ty == "f32" || ty == "f64" {
                self.found = true;
            }
            if PRIMITIVES.contains(&ty.as_str()) {
                return;
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        let segments = &path.path.segments;
        let float_type =
            segments.len() == 2 && (segments[0].ident == "f32" || segments[0].ident == "f64");
        let float_name = path
            .path
            .get_ident()
            .is_some_and(|i| self.floats.contains(&i.to_string()));
        if float_type || float_name {
            self.found = true;
        }
    }
}

/// The wrapping lane method of `+`, `-` or `*` under a condition (`Lanes::add_s`, ...).
fn speculative_method(op: &BinOp) -> Option<TokenStream> {
    match op {
        BinOp::Add(_) => Some(quote!(add_s)),
        BinOp::Sub(_) => Some(quote!(sub_s)),
        BinOp::Mul(_) => Some(quote!(mul_s)),
        _ => None,
    }
}

/// `+` for `+=`, and so on.
fn plain_op(op: &BinOp) -> BinOp {
    match op {
        BinOp::AddAssign(_) => BinOp::Add(syn::token::Plus::default()),
        BinOp::SubAssign(_) => BinOp::Sub(syn::token::Minus::default()),
        BinOp::MulAssign(_) => BinOp::Mul(syn::token::Star::default()),
        BinOp::DivAssign(_) => BinOp::Div(syn::token::Slash::default()),
        BinOp::RemAssign(_) => BinOp::Rem(syn::token::Percent::default()),
        BinOp::BitAndAssign(_) => BinOp::BitAnd(syn::token::And::default()),
        BinOp::BitOrAssign(_) => BinOp::BitOr(syn::token::Or::default()),
        BinOp::BitXorAssign(_) => BinOp::BitXor(syn::token::Caret::default()),
        BinOp::ShlAssign(_) => BinOp::Shl(syn::token::Shl::default()),
        BinOp::ShrAssign(_) => BinOp::Shr(syn::token::Shr::default()),
        other => *other,
    }
}
