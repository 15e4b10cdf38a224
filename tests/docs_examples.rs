//! Every fenced `lua` block in `docs/`, generated or hand-written, runs
//! against a fresh demo org with writes allowed and must succeed.
//!
//! A block can be skipped only when the manifest marks its example with
//! `fragment: true`. Skipped blocks are listed by tool and title on stderr
//! (shown with `--nocapture` or when the test fails).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use okta_e2e::Harness;
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

/// One fenced `lua` block of a Markdown file.
struct LuaBlock {
    /// Path relative to the workspace, for messages.
    file: String,
    /// 1-based line of the opening fence.
    line: usize,
    /// Text of the closest heading above the block.
    heading: String,
    code: String,
}

impl LuaBlock {
    fn label(&self) -> String {
        format!("{}:{} ({})", self.file, self.line, self.heading)
    }
}

/// An example the manifest marks as a fragment.
struct Fragment {
    tool: String,
    title: String,
    code: String,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package lives inside the workspace")
        .to_path_buf()
}

/// Returns every Markdown file under `dir`, sorted, descending into folders.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("failed to list {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files.extend(markdown_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn is_lua_fence(info: &str) -> bool {
    info.split([' ', ',', '{'])
        .next()
        .is_some_and(|language| language.eq_ignore_ascii_case("lua"))
}

/// Extracts the fenced `lua` blocks of one Markdown file.
fn lua_blocks(file: &str, text: &str) -> Vec<LuaBlock> {
    let mut blocks = Vec::new();
    let mut heading = String::from("(before the first heading)");
    let mut heading_text: Option<String> = None;
    let mut open: Option<LuaBlock> = None;

    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => heading_text = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(text) = heading_text.take() {
                    heading = text;
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_lua_fence(&info) => {
                open = Some(LuaBlock {
                    file: file.to_string(),
                    line: text[..range.start].lines().count() + 1,
                    heading: heading.clone(),
                    code: String::new(),
                });
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            Event::Text(content) | Event::Code(content) => {
                if let Some(block) = &mut open {
                    block.code.push_str(&content);
                } else if let Some(text) = &mut heading_text {
                    text.push_str(&content);
                }
            }
            _ => {}
        }
    }
    blocks
}

fn all_blocks() -> Vec<LuaBlock> {
    let root = workspace_root();
    let mut blocks = Vec::new();
    for path in markdown_files(&root.join("docs")) {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
        let relative = path.strip_prefix(&root).unwrap_or(&path);
        blocks.extend(lua_blocks(&relative.display().to_string(), &text));
    }
    blocks
}

fn manifest_fragments() -> Vec<Fragment> {
    let path = workspace_root().join("okta-manifest.yaml");
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    let manifest = okta_manifest::load(&source, "okta-manifest.yaml")
        .unwrap_or_else(|errors| panic!("{errors}"));
    let mut fragments = Vec::new();
    for tool in &manifest.tools {
        for example in tool.examples.iter().filter(|example| example.fragment) {
            fragments.push(Fragment {
                tool: tool.name.clone(),
                title: example.title.clone(),
                code: example.lua.trim_end().to_string(),
            });
        }
    }
    fragments
}

#[test]
fn every_docs_lua_block_runs() {
    let blocks = all_blocks();
    let fragments = manifest_fragments();
    assert!(!blocks.is_empty(), "no lua blocks found under docs/");

    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut used_fragments = BTreeSet::new();
    let mut called_tools = BTreeSet::new();

    for block in &blocks {
        let fragment = fragments
            .iter()
            .position(|fragment| fragment.code == block.code.trim_end());
        if let Some(index) = fragment {
            let fragment = &fragments[index];
            skipped.push(format!(
                "{}: fragment `{}` of {}",
                block.label(),
                fragment.title,
                fragment.tool
            ));
            used_fragments.insert(index);
            continue;
        }

        let harness = Harness::demo_with_writes();
        let outcome = harness.run(&block.code);
        if !outcome.success {
            let error = outcome
                .error
                .map(|error| error.message)
                .unwrap_or_else(|| "no error message".to_string());
            failures.push(format!(
                "{}: {error}\n  output: {:?}\n  code:\n{}",
                block.label(),
                outcome.output,
                block.code
            ));
            continue;
        }
        for call in &outcome.integration_calls {
            if call
                .status
                .is_some_and(|status| (200..300).contains(&status))
            {
                called_tools.insert(call.tool.clone());
            }
        }
    }

    eprintln!(
        "ran {} lua blocks from docs/, skipped {} fragments:",
        blocks.len() - skipped.len(),
        skipped.len()
    );
    for line in &skipped {
        eprintln!("  skipped {line}");
    }

    assert!(
        failures.is_empty(),
        "{} of {} lua blocks in docs/ failed:\n\n{}",
        failures.len(),
        blocks.len(),
        failures.join("\n\n")
    );

    let unmatched: Vec<String> = fragments
        .iter()
        .enumerate()
        .filter(|(index, _)| !used_fragments.contains(index))
        .map(|(_, fragment)| format!("{} / {}", fragment.tool, fragment.title))
        .collect();
    assert!(
        unmatched.is_empty(),
        "fragments marked in the manifest but not found in docs/ (run `cargo xtask gen-docs`): {unmatched:?}"
    );

    let uncovered: Vec<&str> = okta_runtime::tools::ALL
        .iter()
        .map(|spec| spec.name)
        .filter(|name| !called_tools.contains(*name))
        .collect();
    assert!(
        uncovered.is_empty(),
        "tools that no docs example calls successfully: {uncovered:?}"
    );
}

#[test]
fn lua_blocks_found_with_lines() {
    let text = "# Title\n\nIntro.\n\n## Section\n\n```lua\nprint(1)\n```\n\n```sh\nls\n```\n\n```lua title=\"demo\"\nx = 1\n```\n";
    let blocks = lua_blocks("page.md", text);
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].line, 7);
    assert_eq!(blocks[0].heading, "Section");
    assert_eq!(blocks[0].code, "print(1)\n");
    assert_eq!(blocks[1].line, 15);
    assert_eq!(blocks[1].code, "x = 1\n");
}
