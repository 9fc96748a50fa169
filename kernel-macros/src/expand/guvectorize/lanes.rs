//! `#[guvectorize]` bodies on lanes: with small cores, `L` consecutive loop indices run
//! together, each core view of the body a `LaneCore` whose elements are lane vectors (one
//! lane per loop index), each `()` input a lane vector of its values.
//!
//! ```text
//! fn norm(x: ArrayView1<f64>) -> f64 {      |(x,), (mut __kernel_out0,)| {
//!     let mut acc = 0.0;                        let mut acc = Lanes::<_, L>::splat(0.0);
//!     for v in &x {                             for k in 0..x.len() {
//!         acc += v * v;                             let v = x.read_nth(k);
//!     }                                             acc = acc + v * v;
//!     acc.sqrt()                                }
//! }                                             __kernel_out0.write((), acc.sqrt());
//!                                           }
//! ```
//!
//! The rewriter is the stencils' (`expand::varying`), told that its indexed parameters are
//! core views; the runtime side is `dispatch::core_lanes`.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;

use super::checks::{Kind, Model};
use crate::args::Args;
use crate::expand::varying::{Setting, Unsupported, rewrite, unlaned_type};

/// The call of the engine: `zip_cores` with the scalar body; with a lane form, when the
/// cores are small enough to stage, `zip_cores_lanes` with both.
pub(super) fn drive(
    private: &crate::private::Private,
    schedule: &TokenStream,
    lanes: Option<LaneForm>,
    in_names: &[&syn::Ident],
    scalar_kernel: &TokenStream,
) -> TokenStream {
    let scalar = quote! {
        #private::dispatch::zip_cores(
            __kernel_loop,
            __kernel_inputs,
            __kernel_outputs,
            #schedule.with_cost(__kernel_cost),
            #scalar_kernel,
        )
    };
    let Some(lanes) = lanes else {
        return scalar;
    };
    let LaneForm {
        count,
        n,
        widest,
        prelude,
        body,
        finish,
        outputs,
    } = lanes;
    quote! {
        const #count: usize = #n;
        if #private::dispatch::lanes_fit(__kernel_cost, #count, #widest) {
            #private::dispatch::zip_cores_lanes::<_, _, _, _, #count>(
                __kernel_loop,
                __kernel_inputs,
                __kernel_outputs,
                #schedule.with_cost(__kernel_cost),
                #[allow(
                    unused_mut, unused_parens, unused_variables, unused_braces,
                    non_upper_case_globals, clippy::all, clippy::pedantic,
                    reason = "the user's body, on lanes"
                )]
                |(#(#in_names,)*), (#(mut #outputs,)*)| {
                    #prelude
                    let __kernel_value = #body;
                    #finish
                    ::core::result::Result::Ok(())
                },
                #scalar_kernel,
            )
        } else {
            #scalar
        }
    }
}

/// The body's tails that run on lanes in a form of their own.
struct Tails<'t> {
    fixed: Option<&'t super::fixed::FixedTail>,
    dot: Option<&'t super::fixed::DotTail>,
}

/// What stores the body's value into returned outputs, after the body on lanes.
fn finish(
    private: &crate::private::Private,
    model: &Model<'_>,
    tails: &Tails<'_>,
    outs: &[syn::Ident],
) -> TokenStream {
    // A returned array's length against the output core's, as `assign_returned` checks it.
    let check_len = |len: TokenStream| {
        quote! {
            #private::operand::check_shape(
                #private::Operand::output(0).named("out"),
                __kernel_out0.shape(),
                &[#len],
            )?;
        }
    };
    if let Some(super::fixed::DotTail { matrix, vector, .. }) = tails.dot {
        let check = check_len(quote!(__kernel_rows));
        quote! {
            let __kernel_rows = #matrix.dot_rows(&#vector);
            #check
            #matrix.dot_into(&#vector, &mut __kernel_out0);
        }
    } else if let Some(super::fixed::FixedTail { len, .. }) = tails.fixed {
        let check = check_len(quote!(#len));
        quote! {
            #check
            for (__kernel_j, __kernel_v) in __kernel_value.into_iter().enumerate() {
                __kernel_out0.write(__kernel_j, __kernel_v);
            }
        }
    } else if model.returned {
        if outs.len() == 1 {
            quote!(#(#outs.write((), __kernel_value);)*)
        } else {
            let parts = (0..outs.len()).map(syn::Index::from);
            quote!(#(#outs.write((), __kernel_value.#parts);)*)
        }
    } else {
        quote!(let () = __kernel_value;)
    }
}

/// An error unless a returned `m.dot(&v)` multiplies a float matrix and vector input, the
/// only cores `LaneCore::dot_into` takes.
fn dot_tail_on_lanes(
    dot: Option<&super::fixed::DotTail>,
    vectors: &HashSet<String>,
    matrices: &HashSet<String>,
) -> Result<(), Unsupported> {
    match dot {
        Some(d)
            if !(matrices.contains(&d.matrix.to_string())
                && vectors.contains(&d.vector.to_string())) =>
        {
            Err(Unsupported {
                span: d.tail.span(),
                why: "a returned `m.dot(&v)` runs on lanes for a matrix and a vector of \
                      `f32` or `f64` inputs"
                    .to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// An error for a returned array that is not `array![…]`: it is built at each loop index.
fn returned_array(model: &Model<'_>) -> Result<(), Unsupported> {
    match model
        .outputs
        .iter()
        .find(|(_, kind, _)| matches!(kind, Kind::Array { owned: true, .. }))
    {
        Some((_, _, ty)) => Err(Unsupported {
            span: ty.span(),
            why: "a returned array is built at each loop index; return `array![…]` of its \
                  elements, or write the output through an `ArrayViewMut` parameter, to run \
                  on lanes"
                .to_owned(),
        }),
        None => Ok(()),
    }
}

/// The operands as the rewriter sees them.
struct Operands<'m> {
    /// The core views: read by index, and written when in `written`.
    rel: HashSet<String>,
    /// The outputs written through `ArrayViewMut` parameters.
    written: HashSet<String>,
    /// The `()` inputs: a value per loop index.
    scalars: Vec<&'m syn::Ident>,
    /// The operands of a float element type.
    floats: HashSet<String>,
    /// The one-dimensional float cores (inputs, and outputs written through parameters)
    /// and the two-dimensional float inputs: `x.dot(&y)`, `out.assign(&m.dot(&v))` and a
    /// returned `m.dot(&v)` run on lanes with them.
    vectors: HashSet<String>,
    matrices: HashSet<String>,
}

impl<'m> Operands<'m> {
    fn of(model: &'m Model<'_>) -> Self {
        let name_of = |(n, _, _): &(syn::Ident, Kind, &syn::Type)| n.to_string();
        let views = |list: &[(syn::Ident, Kind, &syn::Type)]| -> HashSet<String> {
            list.iter()
                .filter(|(_, kind, _)| matches!(kind, Kind::Array { .. }))
                .map(name_of)
                .collect()
        };
        let written = if model.returned {
            HashSet::new()
        } else {
            views(&model.outputs)
        };
        let mut rel = views(&model.inputs);
        rel.extend(written.iter().cloned());
        let scalars = model
            .inputs
            .iter()
            .filter(|(_, kind, _)| matches!(kind, Kind::Scalar(_)))
            .map(|(n, _, _)| n)
            .collect();
        let floats: HashSet<String> = model
            .inputs
            .iter()
            .chain(&model.outputs)
            .filter(|(_, kind, _)| {
                crate::ast::scalar_type_name(kind.elem()).is_some_and(|t| t == "f32" || t == "f64")
            })
            .map(name_of)
            .collect();
        // Inputs, and for `out.assign(&m.dot(&v))` one-dimensional written outputs too.
        let float_cores = |rank: usize| -> HashSet<String> {
            model
                .inputs
                .iter()
                .chain(if rank == 1 && !model.returned {
                    &model.outputs[..]
                } else {
                    &[]
                })
                .filter(|(name, kind, _)| {
                    matches!(kind, Kind::Array { rank: Some(r), .. } if *r == rank)
                        && floats.contains(&name.to_string())
                })
                .map(name_of)
                .collect()
        };
        let (vectors, matrices) = (float_cores(1), float_cores(2));
        Operands {
            rel,
            written,
            scalars,
            floats,
            vectors,
            matrices,
        }
    }
}

/// A `#[guvectorize]` body rewritten to run `L` loop indices at once.
pub(super) struct LaneForm {
    /// The name of the lane count, and its value.
    count: syn::Ident,
    n: usize,
    /// The widest element's size in bytes.
    widest: usize,
    /// Binds each `()` input to its values at the `L` indices.
    prelude: TokenStream,
    /// The body on lanes.
    body: TokenStream,
    /// Stores the body's value into returned `()` outputs.
    finish: TokenStream,
    /// The names the outputs' lane views take: the body's own for written outputs.
    outputs: Vec<syn::Ident>,
}

/// The body on lanes, or why it cannot run there. The body's core views become
/// `LaneCore`s (read by index at every loop index of the run), `()` inputs lanes of their
/// values, and a returned `()` output is stored lane by lane.
pub(super) fn lane_form(
    args: &Args,
    func: &syn::ItemFn,
    model: &Model<'_>,
) -> Result<LaneForm, Unsupported> {
    let private = &args.krate;
    let fixed = super::fixed::fixed_tail(func, model);
    let dot = super::fixed::dot_tail(func, model);
    if fixed.is_none() && dot.is_none() {
        returned_array(model)?;
    }
    let type_params: HashSet<String> = func
        .sig
        .generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    let elems: Vec<&syn::Type> = model
        .inputs
        .iter()
        .chain(&model.outputs)
        .map(|(_, kind, _)| kind.elem())
        .collect();
    if let Some(why) = unlaned_type(&elems, &type_params) {
        return Err(why);
    }
    let generic = elems
        .iter()
        .any(|ty| crate::ast::scalar_type_name(ty).is_some_and(|name| type_params.contains(&name)));
    let Operands {
        rel,
        written,
        scalars,
        floats,
        vectors,
        matrices,
    } = Operands::of(model);
    dot_tail_on_lanes(dot.as_ref(), &vectors, &matrices)?;
    let seeds: Vec<String> = scalars.iter().map(ToString::to_string).collect();
    let varying = crate::analysis::varying::Varying::seeded(&func.block, &rel, &seeds);
    let count = syn::Ident::new("__KERNEL_LANES", proc_macro2::Span::call_site());
    let body = rewrite(
        &Setting {
            private,
            rel: &rel,
            varying: &varying,
            lanes: &count,
            generic,
            floats: &floats,
            cores: Some(&written),
            vectors: &vectors,
            matrices: &matrices,
            valued: model.returned && dot.is_none(),
            rank: 0,
        },
        match (&fixed, &dot) {
            (Some(f), _) => &f.block,
            (None, Some(d)) => &d.block,
            (None, None) => &func.block,
        },
    )?;
    let prelude = quote! {
        #(let #scalars = #scalars.read(());)*
    };
    let outs: Vec<syn::Ident> = if model.returned {
        (0..model.outputs.len())
            .map(|j| format_ident!("__kernel_out{j}"))
            .collect()
    } else {
        model.outputs.iter().map(|(n, _, _)| n.clone()).collect()
    };
    let tails = Tails {
        fixed: fixed.as_ref(),
        dot: dot.as_ref(),
    };
    let finish = finish(private, model, &tails, &outs);
    let n = crate::expand::stencil::lane_count(elems.iter().copied());
    let widest = crate::expand::stencil::widest_element(elems.iter().copied());
    Ok(LaneForm {
        outputs: outs,
        count,
        n,
        widest,
        prelude,
        body,
        finish,
    })
}
