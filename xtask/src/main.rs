//! Maintenance tasks: `cargo xtask gen-docs [--check]` and `cargo xtask bench`.

mod bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask gen-docs [--check] | bench [--quick] [--output FILE]

  gen-docs          write the generated reference to docs/okta.md
  gen-docs --check  exit with status 1 when docs/ differs from the generated reference";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Returns every generated file as (path relative to the workspace, contents).
fn generated_docs() -> Vec<(PathBuf, String)> {
    vec![(
        PathBuf::from("docs/okta.md"),
        okta_runtime::generated::docs::REFERENCE.to_string(),
    )]
}

fn gen_docs(check: bool) -> ExitCode {
    let root = workspace_root();
    let mut stale = Vec::new();
    for (relative, contents) in generated_docs() {
        let path = root.join(&relative);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(contents.as_str()) {
            continue;
        }
        if check {
            stale.push(relative.display().to_string());
            continue;
        }
        if let Some(parent) = path.parent()
            && let Err(error) = std::fs::create_dir_all(parent)
        {
            eprintln!("xtask: cannot create {}: {error}", parent.display());
            return ExitCode::FAILURE;
        }
        if let Err(error) = std::fs::write(&path, &contents) {
            eprintln!("xtask: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", relative.display());
    }
    if !stale.is_empty() {
        eprintln!(
            "xtask: generated docs are stale: {}; run `cargo xtask gen-docs` and commit the result",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    if check {
        println!("docs are current");
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen-docs"] => gen_docs(false),
        ["gen-docs", "--check"] => gen_docs(true),
        ["bench", rest @ ..] => bench::main(rest),
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}\n{}", bench::USAGE);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("xtask: unknown arguments {args:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
