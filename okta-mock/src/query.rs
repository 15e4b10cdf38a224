//! Query-string handling. Okta decodes query strings form-style, so a raw
//! `+` is a space; the raw pairs are kept so `Link` URLs repeat them exactly.

use percent_encoding::percent_decode_str;

/// One `key=value` pair of a query string, raw and decoded.
#[derive(Debug, Clone)]
pub(crate) struct QueryPair {
    pub raw: String,
    pub key: String,
    pub value: String,
}

/// The parsed query string of a request, in arrival order.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryParams {
    pub pairs: Vec<QueryPair>,
}

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> QueryParams {
        let Some(raw) = raw else {
            return QueryParams::default();
        };
        let pairs = raw
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                QueryPair {
                    raw: part.to_string(),
                    key: form_decode(key),
                    value: form_decode(value),
                }
            })
            .collect();
        QueryParams { pairs }
    }

    /// Returns the decoded value of the first pair named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|pair| pair.key == key)
            .map(|pair| pair.value.as_str())
    }

    /// Returns the raw pairs whose keys are not in `skip`, in arrival order.
    pub fn raw_pairs_except(&self, skip: &[&str]) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|pair| !skip.contains(&pair.key.as_str()))
            .map(|pair| pair.raw.as_str())
            .collect()
    }

    /// Parses a boolean parameter the way Okta does: `true`/`false`, any case.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(value) => Err(format!("{key}: '{value}' is not a boolean")),
        }
    }
}

/// Decodes one query component: `+` becomes a space, then percent escapes
/// are decoded; invalid UTF-8 is replaced rather than rejected.
pub(crate) fn form_decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Decodes one path segment: `+` stays a literal plus.
pub(crate) fn path_decode(text: &str) -> Option<String> {
    percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_in_query_is_space() {
        let params = QueryParams::parse(Some("q=kim+qa%40example.com&limit=10"));
        assert_eq!(params.get("q"), Some("kim qa@example.com"));
        assert_eq!(params.get("limit"), Some("10"));
    }

    #[test]
    fn encoded_plus_in_query_is_plus() {
        let params = QueryParams::parse(Some("q=kim%2Bqa@example.com"));
        assert_eq!(params.get("q"), Some("kim+qa@example.com"));
    }

    #[test]
    fn plus_in_path_is_literal() {
        assert_eq!(
            path_decode("kim+qa%40example.com").as_deref(),
            Some("kim+qa@example.com")
        );
        assert_eq!(path_decode("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(path_decode("%FF"), None);
    }

    #[test]
    fn raw_pairs_keep_their_encoding() {
        let params = QueryParams::parse(Some("limit=1&search=profile.lastName+eq+%22User%22"));
        assert_eq!(
            params.raw_pairs_except(&["limit"]),
            vec!["search=profile.lastName+eq+%22User%22"]
        );
    }
}
