//! Checks of a `#[vectorize]` function: its parameters, outputs and `identity`, and
//! which element type its lanes would have.

use crate::args::Args;
use crate::ast::{KernelFn, scalar_type_name};
use crate::ctxt::Ctxt;

/// Element types with a `wide` lane type.
const SIMD_TYPES: &[&str] = &[
    "f32", "f64", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64",
];

/// Checks that need the arguments and the function together.
pub(super) fn validate(cx: &Ctxt, args: &Args, kernel: &KernelFn<'_>) {
    if kernel.params.is_empty() && kernel.original.sig.inputs.is_empty() {
        cx.error_spanned_by(
            &kernel.original.sig,
            "#[vectorize] kernels take at least one parameter",
        );
    }
    for param in &kernel.params {
        if scalar_type_name(param.ty).is_none() {
            cx.error_spanned_by(
                param.ty,
                "#[vectorize] parameters must be scalar types such as `f64`, `u8`, `bool` or a \
                 generic `T`; for arrays use #[guvectorize]",
            );
        }
    }
    for output in &kernel.outputs {
        if scalar_type_name(output).is_none() {
            cx.error_spanned_by(
                output,
                "#[vectorize] kernels return scalar types such as `f64` or a tuple of them",
            );
        }
    }
    if let Some((key, _)) = &args.identity {
        let binary = kernel.params.len() == 2
            && kernel.outputs.len() == 1
            && kernel
                .params
                .iter()
                .all(|p| scalar_type_name(p.ty) == scalar_type_name(kernel.outputs[0]));
        if !binary {
            let plural =
                |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
            cx.error_spanned_by(
                key,
                format!(
                    "#[vectorize] `identity` needs a binary kernel `fn(T, T) -> T` to reduce \
                     with; `{}` takes {} and returns {}",
                    kernel.original.sig.ident,
                    plural(kernel.params.len(), "parameter"),
                    plural(kernel.outputs.len(), "value")
                ),
            );
        }
    }
}

/// The one element type of a kernel whose operands all share it and that `wide` has lanes
/// for; `None` for mixed, generic or non-SIMD types.
pub(super) fn simd_element(kernel: &KernelFn<'_>) -> Option<String> {
    let generic = |name: &str| {
        kernel
            .original
            .sig
            .generics
            .type_params()
            .any(|p| p.ident == name)
    };
    let mut types = kernel
        .params
        .iter()
        .map(|p| p.ty)
        .chain(kernel.outputs.iter().copied())
        .map(scalar_type_name);
    let first = types.next()??;
    (SIMD_TYPES.contains(&first.as_str())
        && !generic(&first)
        && types.all(|t| t.as_deref() == Some(first.as_str())))
    .then_some(first)
}
