//! Property tests of the loader: random edits of the real manifest must load
//! or fail with errors, never panic, and every error must carry a message.
//!
//! `PROPTEST_CASES` sets the number of cases per property (default 64, the
//! bound CI runs with).

use okta_manifest::load;
use proptest::prelude::*;

const MANIFEST: &str = include_str!("../../okta-manifest.yaml");

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(64)
}

/// One edit of the manifest text. Line and byte positions are taken modulo
/// the text's size when the edit is applied.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// A new value after the first `key: ` of a line.
    ReplaceValue(usize, String),
    /// A `key: value` line inserted before a line, at its indentation.
    InsertKey(usize, String, String),
    /// Spaces added to or removed from the start of a line.
    Reindent(usize, i8),
    /// The text cut off at a byte position.
    Truncate(usize),
    /// Text inserted at a byte position.
    InsertText(usize, String),
}

/// Values that change a field's type or shape.
fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("~".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("1.5".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[a, {b: c}]".to_string()),
        Just("{ type: array<array<User>> }".to_string()),
        Just("\"{id}\"".to_string()),
        Just("/users/{}".to_string()),
        Just("/users/{id".to_string()),
        Just("array<".to_string()),
        Just("&anchor x".to_string()),
        Just("*missing".to_string()),
        Just("!!binary aGk=".to_string()),
        Just("|".to_string()),
        Just("'unterminated".to_string()),
        Just("UserStatus".to_string()),
        Just("Zürich ✓".to_string()),
        "[a-zA-Z_{}<>\\[\\]:,#\"' -]{0,12}",
    ]
}

fn key_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_string()),
        Just("type".to_string()),
        Just("default".to_string()),
        Just("minimum".to_string()),
        Just("in".to_string()),
        Just("required".to_string()),
        Just("path".to_string()),
        Just("lifecycle".to_string()),
        Just("pagination".to_string()),
        Just("fragment".to_string()),
        Just("- name".to_string()),
        "[a-z_]{1,10}",
    ]
}

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    let position = 0..100_000usize;
    prop_oneof![
        position.clone().prop_map(Mutation::DeleteLine),
        position.clone().prop_map(Mutation::DuplicateLine),
        (position.clone(), position.clone()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (position.clone(), value_strategy()).prop_map(|(at, v)| Mutation::ReplaceValue(at, v)),
        (position.clone(), key_strategy(), value_strategy())
            .prop_map(|(at, k, v)| Mutation::InsertKey(at, k, v)),
        (position.clone(), -4i8..=4).prop_map(|(at, by)| Mutation::Reindent(at, by)),
        position.clone().prop_map(Mutation::Truncate),
        (position, "(?s).{0,8}").prop_map(|(at, text)| Mutation::InsertText(at, text)),
    ]
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

fn apply(source: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<String> = source.lines().map(String::from).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let count = lines.len();
    match mutation {
        Mutation::DeleteLine(at) => {
            lines.remove(at % count);
        }
        Mutation::DuplicateLine(at) => {
            let line = lines[at % count].clone();
            lines.insert(at % count, line);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % count, b % count),
        Mutation::ReplaceValue(at, value) => {
            let line = &mut lines[at % count];
            if let Some(colon) = line.find(": ") {
                line.replace_range(colon + 2.., value);
            } else {
                line.push_str(value);
            }
        }
        Mutation::InsertKey(at, key, value) => {
            let indent = indentation(&lines[at % count]).to_string();
            lines.insert(at % count, format!("{indent}{key}: {value}"));
        }
        Mutation::Reindent(at, by) => {
            let line = &mut lines[at % count];
            if *by >= 0 {
                line.insert_str(0, &" ".repeat(*by as usize));
            } else {
                let remove = indentation(line).len().min(by.unsigned_abs() as usize);
                line.replace_range(..remove, "");
            }
        }
        Mutation::Truncate(at) => {
            let cut = floor_char_boundary(source, at % source.len().max(1));
            return source[..cut].to_string();
        }
        Mutation::InsertText(at, text) => {
            let at = floor_char_boundary(source, at % (source.len() + 1));
            return format!("{}{text}{}", &source[..at], &source[at..]);
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_manifest_loads_or_reports(mutations in prop::collection::vec(mutation_strategy(), 1..4)) {
        let mut source = MANIFEST.to_string();
        for mutation in &mutations {
            source = apply(&source, mutation);
        }
        if let Err(errors) = load(&source, "okta-manifest.yaml") {
            prop_assert!(!errors.errors.is_empty(), "Err without errors");
            for error in &errors.errors {
                prop_assert!(!error.message.trim().is_empty(), "empty message: {error:?}");
            }
            // Rendering every error must not panic either.
            let _ = errors.to_string();
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
        let _ = load(&text, "random.yaml");
    }
}

#[test]
fn unmutated_manifest_loads() {
    let loaded = load(MANIFEST, "okta-manifest.yaml");
    assert!(loaded.is_ok(), "{}", loaded.unwrap_err());
}
