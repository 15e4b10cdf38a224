//! The okta-lua manifest: its model, loader and Markdown renderer.
//!
//! `okta-manifest.yaml` describes every tool once. This crate parses it,
//! checks it as a whole (reporting every error with its location) and renders
//! the agent-facing reference. The `okta-macros` crate turns the same model
//! into Rust and Lua code.

pub mod codegen;
mod load;
mod locate;
pub mod lua_syntax;
pub mod markdown;
pub mod model;

pub use load::{ManifestError, ManifestErrors, closest, edit_distance, load};
pub use locate::locate;
pub use markdown::{Docs, render};
pub use model::*;
