//! The `ufunc!`, `gufunc!` and `stencil!` export macros of `ndkernel-python`; see that
//! crate for how they are used.
//!
//! Each reads `MODULE, KERNEL(TYPES) -> OUTPUTS [, (TYPES) -> OUTPUTS]... [; key = value]...`
//! and expands to an expression of type `PyResult<()>` that adds the kernel to the module.
//! The kernel is reached through the items `#[vectorize]`, `#[guvectorize]` and
//! `#[stencil]` generate beside it (`name_into`, `name_scalar`, `mod name`), which is why
//! these are procedural macros: a declarative one cannot spell `name_into` from `name`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Path, Token, Type, parenthesized, parse_macro_input, token};

/// Exports a `#[vectorize]` kernel as a `numpy.ufunc`.
///
/// `ufunc!(m, add(f64, f64) -> f64, (f32, f32) -> f32)`: one NumPy loop per
/// `(inputs) -> outputs` combination (several outputs as `-> (f64, f64)`). The ufunc's
/// identity is the kernel's `#[vectorize(identity = ..)]`, of the first combination.
/// Keys: `identity = <expr>` (another value for `reduce` to start from, converted to a
/// Python object), `name = "..."` (the Python name; the kernel's by default),
/// `doc = "..."`.
#[proc_macro]
pub fn ufunc(input: TokenStream) -> TokenStream {
    let export = parse_macro_input!(input as Export);
    expand(&export, Kind::Ufunc)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Exports a `#[guvectorize]` kernel as a NumPy generalized ufunc with the kernel's
/// signature: `gufunc!(m, matmul(f64, f64) -> f64)`. Keys: `name`, `doc`.
#[proc_macro]
pub fn gufunc(input: TokenStream) -> TokenStream {
    let export = parse_macro_input!(input as Export);
    expand(&export, Kind::Gufunc)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Exports a `#[stencil]` kernel as a callable `f(x, *scalars, out=None)`:
/// `stencil!(m, corner_sum(x: Rel<f64>, w: isize) -> f64)`, the arguments as the kernel
/// declares them (`Rel<T>` for an array read by relative index), names optional. Keys:
/// `name`.
#[proc_macro]
pub fn stencil(input: TokenStream) -> TokenStream {
    let export = parse_macro_input!(input as Export);
    expand(&export, Kind::Stencil)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ufunc,
    Gufunc,
    Stencil,
}

struct Export {
    module: Expr,
    kernel: Path,
    loops: Vec<Loop>,
    keys: Vec<(Ident, Expr)>,
}

struct Loop {
    params: Vec<Param>,
    outputs: Vec<Type>,
}

struct Param {
    name: Option<Ident>,
    ty: Type,
}

impl Parse for Param {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = if input.peek(Ident) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
            let name = input.parse()?;
            input.parse::<Token![:]>()?;
            Some(name)
        } else {
            None
        };
        Ok(Param {
            name,
            ty: input.parse()?,
        })
    }
}

impl Parse for Loop {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let content;
        parenthesized!(content in input);
        let params = Punctuated::<Param, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect();
        input.parse::<Token![->]>()?;
        let outputs = if input.peek(token::Paren) {
            let content;
            parenthesized!(content in input);
            Punctuated::<Type, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect()
        } else {
            vec![input.parse()?]
        };
        Ok(Loop { params, outputs })
    }
}

impl Parse for Export {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let module = input.parse()?;
        input.parse::<Token![,]>()?;
        let kernel = input.call(Path::parse_mod_style)?;
        let mut loops = vec![input.parse::<Loop>()?];
        while input.peek(Token![,]) && input.peek2(token::Paren) {
            input.parse::<Token![,]>()?;
            loops.push(input.parse()?);
        }
        let mut keys = Vec::new();
        while input.parse::<Option<Token![;]>>()?.is_some() {
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            keys.push((key, input.parse()?));
        }
        if !input.is_empty() {
            return Err(input.error("expected `, (types) -> outputs` or `; key = value`"));
        }
        Ok(Export {
            module,
            kernel,
            loops,
            keys,
        })
    }
}

/// `path::to::name` with the last segment renamed `name{suffix}`.
fn sibling(path: &Path, suffix: &str) -> Path {
    let mut path = path.clone();
    let last = path
        .segments
        .last_mut()
        .expect("a parsed path has a segment");
    last.ident = format_ident!("{}{}", last.ident, suffix);
    path
}

/// `path::to::__name{suffix}`: the hidden items `#[stencil]` generates for tools.
fn hidden_sibling(path: &Path, suffix: &str) -> Path {
    let mut path = sibling(path, suffix);
    let last = path
        .segments
        .last_mut()
        .expect("a parsed path has a segment");
    last.ident = format_ident!("__{}", last.ident);
    path
}

fn expand(export: &Export, kind: Kind) -> syn::Result<TokenStream2> {
    check_keys(export, kind)?;
    let key = |name: &str| export.keys.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let kernel = &export.kernel;
    let kernel_name = kernel
        .segments
        .last()
        .expect("a parsed path has a segment")
        .ident
        .to_string();
    let name = key("name").map_or_else(
        || quote!(::std::string::ToString::to_string(#kernel_name)),
        |expr| quote!(::std::string::ToString::to_string(#expr)),
    );
    let first = &export.loops[0];
    for l in &export.loops[1..] {
        if l.params.len() != first.params.len() || l.outputs.len() != first.outputs.len() {
            return Err(syn::Error::new(
                Span::call_site(),
                "every `(types) -> outputs` combination must have as many inputs and outputs as the first",
            ));
        }
    }
    if kind == Kind::Stencil {
        return Ok(expand_stencil(export, &name));
    }
    if let Some(param) = export
        .loops
        .iter()
        .flat_map(|l| &l.params)
        .find(|p| p.name.is_some())
    {
        return Err(syn::Error::new_spanned(
            param.name.as_ref(),
            "a ufunc's operands are element types only: `(f64, f64) -> f64`",
        ));
    }
    let private = quote!(::ndkernel_python::__private);
    let module = &export.module;
    let (nin, nout) = (first.params.len(), first.outputs.len());
    let (loop_fns, loop_specs): (Vec<_>, Vec<_>) = export
        .loops
        .iter()
        .enumerate()
        .map(|(i, l)| inner_loop(kernel, kind, i, l))
        .unzip();
    let first_ins: Vec<&Type> = first.params.iter().map(|p| &p.ty).collect();
    let identity_fn = hidden_sibling(kernel, "_identity");
    // The kernel's own `#[vectorize(identity = ..)]` unless the export names another; a
    // gufunc has none.
    let identity = match (kind, key("identity")) {
        (_, Some(expr)) => {
            quote!(::core::option::Option::Some(#private::pyo3::IntoPyObjectExt::into_bound_py_any(#expr, __py)?))
        }
        (Kind::Ufunc, None) => quote! {
            #private::identity_object(__py, #identity_fn(::core::marker::PhantomData::<(#(#first_ins,)*)>))?
        },
        _ => quote!(::core::option::Option::None),
    };
    let what = if kind == Kind::Ufunc {
        "#[vectorize]"
    } else {
        "#[guvectorize]"
    };
    let kernel_text = quote!(#kernel).to_string().replace(' ', "");
    let doc = key("doc").map_or_else(
        || quote!(::std::format!("The ndkernel {} kernel `{}`, compiled ahead of time.", #what, #kernel_text)),
        |expr| quote!(::std::string::ToString::to_string(#expr)),
    );
    let signature = if kind == Kind::Gufunc {
        quote!(::core::option::Option::Some(#kernel::SIGNATURE))
    } else {
        quote!(::core::option::Option::None)
    };
    let count_check = format!(
        "{kernel_text}: the export lists {nin} inputs and {nout} outputs, not the kernel's"
    );
    Ok(quote! {
        (|| -> #private::pyo3::PyResult<()> {
            const _: () = ::core::assert!(#kernel::INPUTS == #nin && #kernel::OUTPUTS == #nout, #count_check);
            #(#loop_fns)*
            let __module: &#private::pyo3::Bound<'_, #private::pyo3::types::PyModule> = #module;
            let __py = __module.py();
            #private::add_ufunc(__module, #private::UfuncSpec {
                name: #name,
                nin: #nin,
                nout: #nout,
                doc: #doc,
                loops: ::std::vec![#(#loop_specs),*],
                identity: #identity,
                signature: #signature,
            })
        })()
    })
}

fn check_keys(export: &Export, kind: Kind) -> syn::Result<()> {
    let allowed: &[&str] = match kind {
        Kind::Ufunc => &["identity", "name", "doc"],
        Kind::Gufunc => &["name", "doc"],
        Kind::Stencil => &["name"],
    };
    match export
        .keys
        .iter()
        .find(|(key, _)| !allowed.contains(&key.to_string().as_str()))
    {
        Some((key, _)) => Err(syn::Error::new(
            key.span(),
            format!(
                "unknown key `{key}`; expected one of: {}",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// NumPy's inner loop for one `(types) -> outputs` combination, and the `Loop` that
/// registers it: the kernel's `_into` on views when no output overlaps an input, and for a
/// ufunc its `_scalar` element by element otherwise.
fn inner_loop(kernel: &Path, kind: Kind, i: usize, l: &Loop) -> (TokenStream2, TokenStream2) {
    let private = quote!(::ndkernel_python::__private);
    let into = sibling(kernel, "_into");
    let scalar = sibling(kernel, "_scalar");
    let (nin, nout) = (l.params.len(), l.outputs.len());
    let func = format_ident!("__ndkernel_loop_{}", i);
    let ins: Vec<&Type> = l.params.iter().map(|p| &p.ty).collect();
    let outs = &l.outputs;
    let in_k: Vec<usize> = (0..nin).collect();
    let out_k: Vec<usize> = (nin..nin + nout).collect();
    let sizes = quote!(&[#(::core::mem::size_of::<#ins>(),)* #(::core::mem::size_of::<#outs>(),)*]);
    let on_views = quote! {
        |__operands| #into(#(__operands.input::<#ins>(#in_k),)* #(&mut __operands.output::<#outs>(#out_k),)*)
    };
    let body = if kind == Kind::Ufunc {
        let writes = if nout == 1 {
            let (o, k) = (&outs[0], out_k[0]);
            quote!(__operands.write::<#o>(#k, __i, __result);)
        } else {
            let fields = (0..nout).map(syn::Index::from);
            quote!(#(__operands.write::<#outs>(#out_k, __i, __result.#fields);)*)
        };
        quote! {
            #private::elementwise(
                __args, __dims, __steps, __data, #sizes, #nin,
                #on_views,
                |__operands, __i| {
                    let __result = #scalar(#(__operands.read::<#ins>(#in_k, __i),)*);
                    #writes
                },
            )
        }
    } else {
        quote!(#private::generalized(__args, __dims, __steps, __data, #sizes, #nin, #on_views))
    };
    let func_item = quote! {
        unsafe extern "C" fn #func(
            __args: *mut *mut ::core::ffi::c_char,
            __dims: *const #private::Intp,
            __steps: *const #private::Intp,
            __data: *mut ::core::ffi::c_void,
        ) {
            // SAFETY: NumPy calls a loop with the pointers, lengths and strides of operands
            // of the types it was registered with (this combination's), and the
            // `LoopData` it was registered with.
            unsafe { #body }
        }
    };
    let spec = quote! {
        #private::Loop {
            func: #func,
            types: ::std::vec![#(#private::type_num::<#ins>(__py),)* #(#private::type_num::<#outs>(__py),)*],
        }
    };
    (func_item, spec)
}

/// One element-type combination of a stencil: a function that binds the Python arguments
/// (`Ok(None)` when the arrays have other dtypes) and runs the kernel, and its entry.
fn stencil_call(kernel: &Path, i: usize, l: &Loop) -> (TokenStream2, TokenStream2) {
    let private = quote!(::ndkernel_python::__private);
    let into = sibling(kernel, "_into");
    let func = format_ident!("__ndkernel_call_{}", i);
    let out = &l.outputs[0];
    let mut binds = Vec::new();
    let mut args = Vec::new();
    let mut dtypes = Vec::new();
    let mut held_arrays = Vec::new();
    for (k, p) in l.params.iter().enumerate() {
        let local = format_ident!("__arg{}", k);
        if let Some(elem) = relative(&p.ty) {
            let held = format_ident!("__held{}", k);
            binds.push(quote! {
                let ::core::option::Option::Some(#held) = __stencil.array::<#elem>(__args, #k)? else {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                };
                let #local = #private::view(&#held);
            });
            args.push(quote!(&#local));
            held_arrays.push(quote!(#held.as_any()));
            dtypes.push(quote!(#private::numpy::dtype::<#elem>(__py).to_string()));
        } else {
            let ty = &p.ty;
            let param = p
                .name
                .as_ref()
                .map_or_else(|| format!("arg{k}"), ToString::to_string);
            binds.push(quote!(let #local: #ty = __stencil.scalar::<#ty>(__args, #k, #param)?;));
            args.push(quote!(#local));
        }
    }
    let call = quote! {
        fn #func(
            __stencil: &#private::Stencil,
            __args: &#private::pyo3::Bound<'_, #private::pyo3::types::PyTuple>,
            __out: ::core::option::Option<&#private::pyo3::Bound<'_, #private::pyo3::PyAny>>,
        ) -> #private::pyo3::PyResult<::core::option::Option<#private::pyo3::Py<#private::pyo3::PyAny>>> {
            let __py = __args.py();
            #(#binds)*
            __stencil.finish::<#out, _>(__py, __out, &[#(#held_arrays),*], move |__into| match __into {
                ::core::option::Option::None => #kernel(#(#args),*).map(::core::option::Option::Some),
                ::core::option::Option::Some(__o) => #into(#(#args,)* __o).map(|()| ::core::option::Option::None),
            })
        }
    };
    let spec = quote! {
        (::std::format!("({})", [#(#dtypes),*].join(", ")), #func as #private::Call)
    };
    (call, spec)
}

/// `Rel<T>`'s `T`, for a parameter read by relative index.
fn relative(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Rel" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

fn expand_stencil(export: &Export, name: &TokenStream2) -> TokenStream2 {
    let private = quote!(::ndkernel_python::__private);
    let module = &export.module;
    let kernel = &export.kernel;
    let first = &export.loops[0];
    let params: Vec<String> = first
        .params
        .iter()
        .enumerate()
        .map(|(k, p)| {
            p.name
                .as_ref()
                .map_or_else(|| format!("arg{k}"), ToString::to_string)
        })
        .collect();
    let (call_fns, call_specs): (Vec<_>, Vec<_>) = export
        .loops
        .iter()
        .enumerate()
        .map(|(i, l)| stencil_call(kernel, i, l))
        .unzip();
    let neighborhood_fn = hidden_sibling(kernel, "_neighborhood");
    let cval_fn = hidden_sibling(kernel, "_cval");
    let scalar_types: Vec<&Type> = first
        .params
        .iter()
        .filter(|p| relative(&p.ty).is_none())
        .map(|p| &p.ty)
        .collect();
    let scalar_k = 0..scalar_types.len();
    let scalar_names: Vec<String> = first
        .params
        .iter()
        .zip(&params)
        .filter(|(p, _)| relative(&p.ty).is_none())
        .map(|(_, n)| n.clone())
        .collect();
    quote! {
        (|| -> #private::pyo3::PyResult<()> {
            #(#call_fns)*
            fn __ndkernel_halo(
                __stencil: &#private::Stencil,
                __args: &#private::pyo3::Bound<'_, #private::pyo3::types::PyTuple>,
            ) -> #private::pyo3::PyResult<#private::Footprint> {
                __stencil.check_arity(__args, &[#(#scalar_names),*])?;
                let __footprint = #neighborhood_fn(#(__stencil.scalar::<#scalar_types>(__args, #scalar_k, #scalar_names)?),*)
                    .map_err(#private::kernel_error)?;
                ::core::result::Result::Ok(__footprint.lo.iter().copied().zip(__footprint.hi.iter().copied()).collect())
            }
            let __module: &#private::pyo3::Bound<'_, #private::pyo3::types::PyModule> = #module;
            let __py = __module.py();
            #private::add_stencil(__module, #private::StencilSpec {
                name: #name,
                params: ::std::vec![#(#params),*],
                ndim: #kernel::RANK,
                neighborhood: #kernel::STATIC_NEIGHBORHOOD
                    .map(|__f| __f.lo.iter().copied().zip(__f.hi.iter().copied()).collect()),
                halo: __ndkernel_halo,
                cval: #private::pyo3::IntoPyObjectExt::into_py_any(#cval_fn(), __py)?,
                modes: #kernel::MODES.iter().map(|m| m.name()).collect(),
                calls: ::std::vec![#(#call_specs),*],
            })
        })()
    }
}
