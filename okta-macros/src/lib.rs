//! `integration!`: expands `okta-manifest.yaml` into the Rust client, the Lua
//! registration and the Markdown reference.
//!
//! The macro only reads the file and reports errors; parsing, validation and
//! code generation live in the `okta-manifest` crate.

use proc_macro::TokenStream;
use std::path::PathBuf;

use quote::quote;
use syn::{LitStr, parse_macro_input};

/// Generates the integration from a manifest file.
///
/// The path is relative to the `CARGO_MANIFEST_DIR` of the crate that invokes
/// the macro, or to `OKTA_MACROS_MANIFEST_DIR` when that variable is set.
/// The compile-fail tests set it because trybuild builds each case in a crate
/// of its own under `target/`. Every manifest error fails the build with the
/// file, line and column, the tool and the field.
#[proc_macro]
pub fn integration(input: TokenStream) -> TokenStream {
    let literal = parse_macro_input!(input as LitStr);
    match expand(&literal) {
        Ok(tokens) => tokens.into(),
        Err(message) => syn::Error::new(literal.span(), message)
            .to_compile_error()
            .into(),
    }
}

/// Directory that relative manifest paths resolve against instead of
/// `CARGO_MANIFEST_DIR`, when set.
const ROOT_OVERRIDE_VAR: &str = "OKTA_MACROS_MANIFEST_DIR";

fn expand(literal: &LitStr) -> Result<proc_macro2::TokenStream, String> {
    let relative = literal.value();
    let root = std::env::var(ROOT_OVERRIDE_VAR)
        .or_else(|_| std::env::var("CARGO_MANIFEST_DIR"))
        .map_err(|_| {
            "CARGO_MANIFEST_DIR is not set; invoke the macro from a Cargo build".to_string()
        })?;
    let path = PathBuf::from(root).join(&relative);
    let source = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read manifest {}: {error}", path.display()))?;

    let manifest = okta_manifest::load(&source, &relative).map_err(|errors| errors.to_string())?;
    let absolute = path.canonicalize().unwrap_or(path);
    let generated = okta_manifest::codegen::generate(&manifest, absolute.to_str());
    Ok(quote!(#generated))
}
