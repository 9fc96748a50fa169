//! `#[stencil]`: a rule for one element, reading neighbours by relative index, becomes a
//! kernel over whole arrays.
//!
//! ```text
//! #[stencil(mode = "reflect")]                 fn laplace_core<R: Reader<f64, 2>>(u: R, k: f64) -> f64
//! fn laplace(u: Rel<f64>, k: f64) -> f64 {     fn laplace(u, k) -> Result<Array<f64, D>, KernelError>
//!     k * (u[[-1, 0]] + u[[1, 0]] + ..)        fn laplace_into(u, k, &mut out) -> Result<(), KernelError>
//! }                                            mod laplace { RANK, NEIGHBORHOOD, MODES }
//! ```
//!
//! The rank is the number of indices in each read; the neighbourhood is the span of the
//! offsets read (evaluated by the compiler, so `const` offsets work), or the declared
//! `neighborhood`. `laplace_into` calls `stencil::run`, which evaluates `laplace_core`
//! with an interior reader (plain loads) or a border reader (boundary modes).
//!
//! The attribute is checked in [`checks`] (parameter kinds, rank, neighbourhood, modes) and
//! expanded in [`generate`].

mod checks;
mod generate;

pub(crate) use generate::{lane_count, widest_element};

/// The body rewritten to evaluate `count` consecutive positions at once.
struct LaneForm {
    body: TokenStream,
    /// The name the body uses for its lane count.
    count: syn::Ident,
    varying: Varying,
}

use std::collections::HashSet;

use proc_macro2::TokenStream;

use super::with_errors;
use crate::analysis::access::Accesses;
use crate::analysis::varying::Varying;
use crate::args::{Args, Form};
use crate::ast::KernelFn;
use crate::ctxt::Ctxt;
use checks::{ParamKind, modes, neighborhood, param_kind, rank};
use generate::expand;

pub fn stencil(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return with_errors(&item, &error),
    };
    let cx = Ctxt::new();
    // Mistakes in the arguments alone still leave a kernel whose signature is known: it is
    // expanded as if they were absent, so that callers see no follow-on errors.
    let soft = Ctxt::new();
    let args = Args::parse(&soft, Form::Stencil, args);
    let kernel = KernelFn::from_syn(&cx, Form::Stencil, &func);
    let kinds: Vec<ParamKind<'_>> = kernel
        .params
        .iter()
        .map(|p| param_kind(&cx, p.ty))
        .collect();
    let rel: HashSet<String> = kernel
        .params
        .iter()
        .zip(&kinds)
        .filter(|(_, r)| matches!(r, ParamKind::Relative(_)))
        .map(|(p, _)| p.ident.to_string())
        .collect();
    let relatives = kinds
        .iter()
        .filter(|r| matches!(r, ParamKind::Relative(_)))
        .count();
    if relatives == 0 {
        cx.error_spanned_by(
            &func.sig.inputs,
            "#[stencil] kernels read neighbours of at least one parameter of type `Rel<T>`",
        );
    }
    if kernel.outputs.len() > 1 {
        cx.error_spanned_by(&func.sig.output, "#[stencil] kernels return one value");
    }
    let params: Vec<String> = kernel.params.iter().map(|p| p.ident.to_string()).collect();
    let accesses = Accesses::of(&func.block, &rel, &params);
    for write in &accesses.writes {
        cx.error_spanned_by(
            write,
            "#[stencil] inputs are read-only: write the result by returning it",
        );
    }
    let declared = args
        .neighborhood
        .as_ref()
        .and_then(|(_, e)| neighborhood(&cx, e));
    // Without a `Rel` parameter there is nothing to take a rank from: that error suffices.
    let rank = if relatives == 0 {
        None
    } else {
        rank(
            &cx,
            &accesses,
            (declared.as_deref(), args.neighborhood.is_some()),
            &func,
        )
    };
    let modes = rank.map(|n| modes(&soft, &args, n).unwrap_or_else(|| vec!["Skip"; n]));
    // The body on lanes, or why it cannot be.
    let lane_count = syn::Ident::new("__KERNEL_LANES", proc_macro2::Span::call_site());
    let (lane_body, varying) = lane_form(&args, &kernel, &kinds, &rel, &lane_count, rank);
    if let (Some(require), Err(why)) = (&args.require_simd, &lane_body) {
        super::varying::report_required(&soft, require, why, "position");
    }
    let soft = soft.check().err();
    if let Err(error) = cx.check() {
        return with_errors(&item, &super::combined(error, soft));
    }
    let (Some(rank), Some(modes)) = (rank, modes) else {
        unreachable!("reported above");
    };
    let lanes = lane_body.ok().map(|body| LaneForm {
        body,
        count: lane_count,
        varying,
    });
    let expanded = expand(
        &args,
        &kernel,
        &kinds,
        &accesses,
        declared.as_deref(),
        rank,
        &modes,
        lanes.as_ref(),
    );
    super::with_soft_errors(expanded, soft)
}

/// The body rewritten onto lanes, or why it cannot be, with what varies in it.
fn lane_form(
    args: &Args,
    kernel: &KernelFn<'_>,
    kinds: &[ParamKind<'_>],
    rel: &HashSet<String>,
    lane_count: &syn::Ident,
    rank: Option<usize>,
) -> (Result<TokenStream, super::varying::Unsupported>, Varying) {
    let func = kernel.original;
    let varying = Varying::of(&func.block, rel);
    let type_params: HashSet<String> = func
        .sig
        .generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    let generic = kinds
        .iter()
        .filter_map(|r| match r {
            ParamKind::Relative(elem) => Some(*elem),
            _ => None,
        })
        .chain(kernel.outputs.iter().copied())
        .any(|ty| mentions_any(ty, &type_params));
    let floats: HashSet<String> = kernel
        .params
        .iter()
        .zip(kinds)
        .filter(|(_, r)| {
            matches!(r, ParamKind::Relative(elem)
                if crate::ast::scalar_type_name(elem).is_some_and(|t| t == "f32" || t == "f64"))
        })
        .map(|(p, _)| p.ident.to_string())
        .collect();
    let element_types: Vec<&syn::Type> = kinds
        .iter()
        .filter_map(|r| match r {
            ParamKind::Relative(elem) => Some(*elem),
            _ => None,
        })
        .chain(kernel.outputs.iter().copied())
        .collect();
    let lane_body = match super::varying::unlaned_type(&element_types, &type_params) {
        Some(why) => Err(why),
        None => super::varying::rewrite(
            &super::varying::Setting {
                private: &args.krate,
                rel,
                varying: &varying,
                lanes: lane_count,
                generic,
                floats: &floats,
                cores: None,
                vectors: &HashSet::new(),
                matrices: &HashSet::new(),
                valued: true,
                rank: rank.unwrap_or(0),
            },
            &func.block,
        ),
    };
    (lane_body, varying)
}

/// Whether `ty` names any of `names` (a generic element type such as `T` or `Wrapper<T>`).
fn mentions_any(ty: &syn::Type, names: &HashSet<String>) -> bool {
    checks::mentioned(quote::quote!(#ty))
        .iter()
        .any(|ident| names.contains(&ident.to_string()))
}
