//! Page size, `after` cursors and the `Link` header.
//!
//! A cursor is the id of the last record of the previous page, as Okta's
//! are. The fake org maps every id it ever issued to the record's place in
//! insertion order, so finding where a page starts is one map lookup and a
//! `BTreeMap` range, never a scan of the records before it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::ApiError;
use crate::org::PageLimits;
use crate::query::QueryParams;

/// Characters escaped in a cursor placed into a `Link` URL.
const CURSOR_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// Returns the page size for a list request: the `limit` parameter (or
/// `default`) capped at the collection's maximum.
pub(crate) fn page_size(
    params: &QueryParams,
    limits: PageLimits,
    default: usize,
) -> Result<usize, ApiError> {
    let Some(text) = params.get("limit") else {
        return Ok(default.min(limits.max).max(1));
    };
    let requested: i64 = text.trim().parse().map_err(|_| {
        ApiError::validation(
            "limit",
            vec![format!("limit: '{text}' is not a valid integer")],
        )
    })?;
    // Okta reads -1 as "the default page size".
    if requested == -1 {
        return Ok(default.min(limits.max).max(1));
    }
    if requested < 1 {
        return Err(ApiError::validation(
            "limit",
            vec![format!("limit: must be greater than 0, got {requested}")],
        ));
    }
    let requested = usize::try_from(requested).unwrap_or(usize::MAX);
    Ok(requested.min(limits.max))
}

/// Resolves the `after` cursor to the insertion sequence number it names.
pub(crate) fn resolve_cursor(
    params: &QueryParams,
    lookup: impl Fn(&str) -> Option<u64>,
) -> Result<Option<u64>, ApiError> {
    match params.get("after") {
        None => Ok(None),
        Some("") => Ok(None),
        Some(cursor) => lookup(cursor)
            .map(Some)
            .ok_or_else(ApiError::invalid_cursor),
    }
}

/// Builds the `Link` header values of a list page: always `self`, and
/// `next` when `next_cursor` is given. Other query parameters keep the raw
/// encoding they arrived with.
pub(crate) fn link_values(
    base_url: &str,
    raw_path: &str,
    params: &QueryParams,
    page_size: usize,
    next_cursor: Option<&str>,
) -> Vec<String> {
    let rest = params.raw_pairs_except(&["after", "limit"]);
    let mut self_query: Vec<String> = Vec::new();
    if let Some(after) = params.pairs.iter().find(|pair| pair.key == "after") {
        self_query.push(after.raw.clone());
    }
    self_query.push(format!("limit={page_size}"));
    self_query.extend(rest.iter().map(|pair| pair.to_string()));
    let mut values = vec![format!(
        "<{base_url}{raw_path}?{}>; rel=\"self\"",
        self_query.join("&")
    )];
    if let Some(cursor) = next_cursor {
        let mut next_query = vec![
            format!("after={}", utf8_percent_encode(cursor, CURSOR_ESCAPES)),
            format!("limit={page_size}"),
        ];
        next_query.extend(rest.iter().map(|pair| pair.to_string()));
        values.push(format!(
            "<{base_url}{raw_path}?{}>; rel=\"next\"",
            next_query.join("&")
        ));
    }
    values
}

/// Takes up to `size` items and reports whether more remain.
pub(crate) fn take_page<T>(items: impl Iterator<Item = T>, size: usize) -> (Vec<T>, bool) {
    let mut page = Vec::with_capacity(size.min(1024));
    let mut items = items.peekable();
    while page.len() < size {
        match items.next() {
            Some(item) => page.push(item),
            None => break,
        }
    }
    let more = items.peek().is_some();
    (page, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_puts_cursor_then_limit_then_rest() {
        let params = QueryParams::parse(Some("limit=1&search=profile.lastName+eq+%22User%22"));
        let links = link_values("https://x", "/api/v1/users", &params, 1, Some("00uA"));
        assert_eq!(
            links,
            vec![
                "<https://x/api/v1/users?limit=1&search=profile.lastName+eq+%22User%22>; rel=\"self\"",
                "<https://x/api/v1/users?after=00uA&limit=1&search=profile.lastName+eq+%22User%22>; rel=\"next\"",
            ]
        );
    }

    #[test]
    fn page_size_caps_at_max() {
        let limits = PageLimits {
            default: 200,
            max: 50,
        };
        let params = QueryParams::parse(Some("limit=120"));
        assert_eq!(page_size(&params, limits, 200).unwrap(), 50);
        let params = QueryParams::parse(None);
        assert_eq!(page_size(&params, limits, 200).unwrap(), 50);
        let params = QueryParams::parse(Some("limit=0"));
        assert!(page_size(&params, limits, 200).is_err());
    }

    #[test]
    fn take_page_reports_more() {
        let (page, more) = take_page(1..=5, 3);
        assert_eq!(page, vec![1, 2, 3]);
        assert!(more);
        let (page, more) = take_page(1..=3, 3);
        assert_eq!(page.len(), 3);
        assert!(!more);
    }
}
