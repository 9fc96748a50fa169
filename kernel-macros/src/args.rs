//! Attribute arguments: `#[vectorize(identity = 0.0, parallel = false)]` and friends.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;

use crate::ctxt::Ctxt;
use crate::private::Private;

/// Which attribute the arguments belong to: decides the keys it accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Vectorize,
    Guvectorize,
    Stencil,
}

impl Form {
    pub fn attr(self) -> &'static str {
        match self {
            Form::Vectorize => "#[vectorize]",
            Form::Guvectorize => "#[guvectorize]",
            Form::Stencil => "#[stencil]",
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            Form::Vectorize => &["identity", "parallel", "grain", "simd", "crate"],
            Form::Guvectorize => &["parallel", "grain", "simd", "crate"],
            Form::Stencil => &[
                "mode",
                "cval",
                "neighborhood",
                "reassociate",
                "parallel",
                "grain",
                "simd",
                "crate",
            ],
        }
    }
}

/// Parsed attribute arguments. Each keeps its key for error spans.
#[derive(Default)]
pub struct Args {
    /// `identity = expr`: the value a reduction starts from.
    pub identity: Option<(syn::Ident, syn::Expr)>,
    /// `parallel = false` turns rayon off for this kernel.
    pub parallel: Option<syn::LitBool>,
    /// `grain = 4096`: the least number of elements worth a thread.
    pub grain: Option<syn::LitInt>,
    /// `crate = "path"`: where the facade is, for crates that re-export it.
    pub krate: Private,
    /// The gufunc signature literal, first argument of `#[guvectorize]`.
    pub signature: Option<syn::LitStr>,
    /// `p = "n * (n - 1) / 2"`: sizes of output-only core dimensions.
    pub size_rules: Vec<(syn::Ident, syn::LitStr)>,
    /// `mode = "reflect"` or `mode = ["reflect", "wrap"]`: stencil boundary modes.
    pub mode: Option<(syn::Ident, syn::Expr)>,
    /// `cval = 0.0`: what skipped and constant-padded positions hold.
    pub cval: Option<(syn::Ident, syn::Expr)>,
    /// `neighborhood = [(-3, 3)]`: the declared reach per stencil axis.
    pub neighborhood: Option<(syn::Ident, syn::Expr)>,
    /// `simd = "require"`: a body that cannot run on lanes is a compile error.
    pub require_simd: Option<syn::LitStr>,
    /// `reassociate = true`: a linear stencil over floats may sum in another order.
    pub reassociate: Option<syn::LitBool>,
}

impl Args {
    /// Parses `tokens`, recording every problem in `cx`.
    pub fn parse(cx: &Ctxt, form: Form, tokens: TokenStream) -> Args {
        let mut args = Args::default();
        let parser = |input: syn::parse::ParseStream<'_>| {
            if form == Form::Guvectorize {
                if !input.peek(syn::LitStr) {
                    let span = if input.is_empty() {
                        Span::call_site()
                    } else {
                        input.span()
                    };
                    return Err(syn::Error::new(
                        span,
                        "#[guvectorize] takes a signature first, such as \
                         #[guvectorize(\"(n),(n)->()\")]",
                    ));
                }
                args.signature = Some(input.parse()?);
                if input.is_empty() {
                    return Ok(());
                }
                input.parse::<syn::Token![,]>()?;
            }
            syn::meta::parser(|meta| args.parse_one(cx, form, &meta)).parse2(input.parse()?)
        };
        if let Err(error) = parser.parse2(tokens) {
            cx.syn_error(error);
        }
        args
    }

    fn parse_one(&mut self, cx: &Ctxt, form: Form, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let key = meta
            .path
            .get_ident()
            .cloned()
            .unwrap_or_else(|| syn::Ident::new("_", Span::call_site()));
        let name = key.to_string();
        // In #[guvectorize], any other `name = "expr"` sizes an output-only dimension;
        // `validate` checks that the name is one.
        if form == Form::Guvectorize
            && !form.keys().contains(&name.as_str())
            && meta.path.get_ident().is_some()
            && meta.input.peek(syn::Token![=])
            && meta.input.peek2(syn::LitStr)
        {
            self.size_rules.push((key, meta.value()?.parse()?));
            return Ok(());
        }
        if !form.keys().contains(&name.as_str()) {
            let expected = form
                .keys()
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let rules = if form == Form::Guvectorize {
                ", or a size rule such as `p = \"n * (n - 1) / 2\"`"
            } else {
                ""
            };
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown {} argument `{}`, expected one of {expected}{rules}",
                    form.attr(),
                    path_text(&meta.path)
                ),
            );
            // Skip the value so that later arguments are still checked.
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            return Ok(());
        }
        match name.as_str() {
            "identity" => self.identity = Some((key, ungrouped(meta.value()?.parse()?))),
            "mode" => self.mode = Some((key, ungrouped(meta.value()?.parse()?))),
            "cval" => self.cval = Some((key, ungrouped(meta.value()?.parse()?))),
            "neighborhood" => self.neighborhood = Some((key, ungrouped(meta.value()?.parse()?))),
            "parallel" => self.parallel = Some(flag(form, "parallel", meta)?),
            "reassociate" => self.reassociate = Some(flag(form, "reassociate", meta)?),
            "grain" => {
                let value = meta.value()?;
                self.grain = Some(value.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        format!(
                            "{} `grain` takes an integer number of elements",
                            form.attr()
                        ),
                    )
                })?);
            }
            "simd" => {
                let value: syn::LitStr = meta.value()?.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        format!("{} `simd` takes \"require\" or \"auto\"", form.attr()),
                    )
                })?;
                match value.value().as_str() {
                    "require" => self.require_simd = Some(value),
                    "auto" => {}
                    _ => cx.error_spanned_by(
                        &value,
                        format!(
                            "{} `simd` takes \"require\" (a body that cannot run on SIMD \
                             lanes is an error) or \"auto\" (the default)",
                            form.attr()
                        ),
                    ),
                }
            }
            "crate" => {
                let path: syn::LitStr = meta.value()?.parse()?;
                self.krate = Private(path.parse()?);
            }
            _ => unreachable!("every key in Form::keys is handled"),
        }
        Ok(())
    }
}

/// The value of `key = true` or `key = false`.
fn flag(form: Form, key: &str, meta: &ParseNestedMeta<'_>) -> syn::Result<syn::LitBool> {
    meta.value()?.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("{} `{key}` takes `true` or `false`", form.attr()),
        )
    })
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// The expression inside the invisible group a `macro_rules!` fragment such as `$mode:literal`
/// or `$e:expr` arrives in, so that generated kernels read their arguments as written ones.
fn ungrouped(expr: syn::Expr) -> syn::Expr {
    match expr {
        syn::Expr::Group(group) => ungrouped(*group.expr),
        other => other,
    }
}
