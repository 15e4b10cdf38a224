//! Run-time lookup of the generated reference, shared by `docs.read` in Lua
//! and a host's `lua_read_doc` tool.

use crate::generated::docs::{INTEGRATION, REFERENCE, SECTIONS};
use crate::generated::tools::ALL;

/// Returns the section name for a tool name, alias or full name.
fn tool_section(name: &str) -> Option<&'static str> {
    ALL.iter()
        .find(|tool| tool.name == name || tool.full_name == name || tool.aliases.contains(&name))
        .map(|tool| tool.name)
}

fn section(name: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(section, _)| *section == name)
        .map(|(_, text)| *text)
}

/// Returns every page name `read` accepts, in reference order.
pub fn list() -> Vec<String> {
    let mut pages = vec![INTEGRATION.to_string()];
    pages.extend(
        SECTIONS
            .iter()
            .map(|(name, _)| format!("{INTEGRATION}.{name}")),
    );
    pages
}

/// Returns a page of the reference.
///
/// Accepts `okta`, `okta.list_users`, `integrations.okta`,
/// `integrations.okta.list_users`, the same with a leading `app.`, an account
/// namespace (`okta.production.list_users`), aliases and full names
/// (`okta_list_users`). `accounts` lists the configured account names.
/// An unknown page gives an error that lists the pages.
pub fn read(page: &str, accounts: &[String]) -> Result<&'static str, String> {
    let trimmed = page.trim().trim_matches('/');
    let mut rest = trimmed.strip_prefix("app.").unwrap_or(trimmed);
    rest = rest.strip_prefix("integrations.").unwrap_or(rest);
    if rest == "integrations" {
        return Ok(REFERENCE);
    }

    if let Some(name) = tool_section(rest) {
        return section(name).ok_or_else(|| unknown(page));
    }
    let Some(after) = rest.strip_prefix(INTEGRATION) else {
        return Err(unknown(page));
    };
    let mut parts: Vec<&str> = after
        .trim_start_matches('.')
        .split('.')
        .filter(|part| !part.is_empty())
        .collect();
    if parts
        .first()
        .is_some_and(|first| *first == "default" || accounts.iter().any(|account| account == first))
    {
        parts.remove(0);
    }
    match parts.as_slice() {
        [] => Ok(REFERENCE),
        [name] => tool_section(name)
            .or_else(|| section(name).map(|_| *name))
            .and_then(section)
            .ok_or_else(|| unknown(page)),
        _ => Err(unknown(page)),
    }
}

fn unknown(page: &str) -> String {
    let names: Vec<&str> = SECTIONS.iter().map(|(name, _)| *name).collect();
    let hint = okta_manifest::closest(
        page.rsplit('.').next().unwrap_or(page),
        names.iter().copied(),
    )
    .map(|name| format!(" Did you mean \"{INTEGRATION}.{name}\"?"))
    .unwrap_or_default();
    format!(
        "no documentation page \"{page}\".{hint} Pages: {}",
        list().join(", ")
    )
}

/// One search hit: the page name and the matching line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub page: String,
    pub line: String,
}

/// Returns the sections whose text contains every word of `query`,
/// case-insensitively, with their first matching line.
pub fn search(query: &str) -> Vec<SearchHit> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    SECTIONS
        .iter()
        .filter(|(_, text)| {
            let lower = text.to_lowercase();
            words.iter().all(|word| lower.contains(word.as_str()))
        })
        .map(|(name, text)| {
            let line = text
                .lines()
                .find(|line| {
                    words
                        .iter()
                        .any(|word| line.to_lowercase().contains(word.as_str()))
                })
                .unwrap_or_default();
            SearchHit {
                page: format!("{INTEGRATION}.{name}"),
                line: line.trim().to_string(),
            }
        })
        .collect()
}
