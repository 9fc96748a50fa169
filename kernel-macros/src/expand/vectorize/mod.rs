//! `#[vectorize]`: a scalar function becomes an elementwise kernel over arrays.
//!
//! ```text
//! #[vectorize]                            fn rel_diff_scalar(x: f64, y: f64) -> f64 { .. }
//! fn rel_diff(x: f64, y: f64) -> f64 {    fn rel_diff(x: impl AsOperand<f64>, y: ..)
//!     2.0 * (x - y) / (x + y)                 -> Result<Array<f64, D>, KernelError>
//! }                                       fn rel_diff_into(x, y, out: &mut ArrayBase<S, D>)
//!                                             -> Result<(), KernelError>
//!                                         mod rel_diff { INPUTS, OUTPUTS, SIGNATURE, SIMD }
//! ```
//!
//! `rel_diff` broadcasts its operands, allocates the output and calls `rel_diff_into`,
//! which runs rows of the loop space through `run_lanes` (or `run_scalar` when the body
//! cannot go on lanes). With `identity = ..`, `rel_diff_reduce` and `rel_diff_reduce_all`
//! follow.

mod checks;
mod generate;

use std::collections::HashSet;

use proc_macro2::TokenStream;
use syn::spanned::Spanned;

use super::{lanes, with_errors};
use crate::analysis::varying::Varying;
use crate::args::{Args, Form};
use crate::ast::{KernelFn, scalar_type_name};
use crate::ctxt::Ctxt;
use checks::{simd_element, validate};
use generate::expand;

pub fn vectorize(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return with_errors(&item, &error),
    };
    let cx = Ctxt::new();
    // As for stencils: mistakes in the arguments alone are reported over a full expansion.
    let soft = Ctxt::new();
    let args = Args::parse(&soft, Form::Vectorize, args);
    let kernel = KernelFn::from_syn(&cx, Form::Vectorize, &func);
    validate(&cx, &args, &kernel);
    let forms = (!kernel.params.is_empty() && !kernel.outputs.is_empty())
        .then(|| LaneForms::of(&args, &kernel));
    if let (Some(require), Some(LaneForms::Neither(why))) = (&args.require_simd, &forms) {
        super::varying::report_required(&soft, require, why, "element");
    }
    let soft = soft.check().err();
    if let Err(error) = cx.check() {
        return with_errors(&item, &super::combined(error, soft));
    }
    let Some(forms) = forms else {
        unreachable!("reported by validate")
    };
    super::with_soft_errors(expand(&args, &kernel, forms), soft)
}

/// How a kernel's body runs on lanes.
enum LaneForms {
    /// On `wide` vectors of its one element type, with fast approximate functions.
    Wide(String, lanes::LaneBody),
    /// On `Lanes` of any element types, each operation the scalar one: for bodies with
    /// mixed types, casts, generic types or methods `wide` lacks. Single-output kernels.
    Arrays(TokenStream, syn::Ident),
    /// Not at all, for the reason given.
    Neither(super::varying::Unsupported),
}

impl LaneForms {
    fn of(args: &Args, kernel: &KernelFn<'_>) -> Self {
        let func = kernel.original;
        let params: Vec<&syn::Ident> = kernel.params.iter().map(|p| p.ident).collect();
        if let Some(elem) = simd_element(kernel)
            && let Some(body) = lanes::rewrite(&args.krate, &elem, &params, &func.block)
        {
            return LaneForms::Wide(elem, body);
        }
        if kernel.outputs.len() > 1 {
            return LaneForms::Neither(super::varying::Unsupported {
                span: func.sig.output.span(),
                why: "kernels with several outputs run on lanes only when every operand has \
                      one element type and the body uses the operations listed in the \
                      #[vectorize] docs"
                    .to_owned(),
            });
        }
        let names: Vec<String> = params.iter().map(ToString::to_string).collect();
        let varying = Varying::seeded(&func.block, &HashSet::new(), &names);
        let count = syn::Ident::new("__KERNEL_LANES", proc_macro2::Span::call_site());
        let type_params: HashSet<String> = func
            .sig
            .generics
            .type_params()
            .map(|t| t.ident.to_string())
            .collect();
        let generic = kernel
            .params
            .iter()
            .map(|p| p.ty)
            .chain(kernel.outputs.iter().copied())
            .any(|ty| scalar_type_name(ty).is_some_and(|name| type_params.contains(&name)));
        let floats: HashSet<String> = kernel
            .params
            .iter()
            .filter(|p| scalar_type_name(p.ty).is_some_and(|t| t == "f32" || t == "f64"))
            .map(|p| p.ident.to_string())
            .collect();
        let types: Vec<&syn::Type> = kernel
            .params
            .iter()
            .map(|p| p.ty)
            .chain(kernel.outputs.iter().copied())
            .collect();
        if let Some(why) = super::varying::unlaned_type(&types, &type_params) {
            return LaneForms::Neither(why);
        }
        match super::varying::rewrite(
            &super::varying::Setting {
                private: &args.krate,
                rel: &HashSet::new(),
                varying: &varying,
                lanes: &count,
                generic,
                floats: &floats,
                cores: None,
                vectors: &HashSet::new(),
                matrices: &HashSet::new(),
                valued: true,
                rank: 0,
            },
            &func.block,
        ) {
            Ok(body) => LaneForms::Arrays(body, count),
            Err(why) => LaneForms::Neither(why),
        }
    }
}
