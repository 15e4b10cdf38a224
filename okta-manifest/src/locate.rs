//! Finds the line and column of a field path such as
//! `tools[list_users].params[limit].default` in the manifest source.
//!
//! The YAML parser reports positions only for syntax errors, so this walks the
//! indentation of the source text instead. It understands block mappings,
//! block sequences and one-line flow mappings, which is what the manifest uses.

enum Segment {
    Key(String),
    Item(String),
}

fn segments(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']').unwrap_or(after.len());
            segments.push(Segment::Item(after[..close].to_string()));
            rest = after.get(close + 1..).unwrap_or("");
        } else {
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            if end > 0 {
                segments.push(Segment::Key(rest_trimmed[..end].to_string()));
            }
            rest = &rest_trimmed[end..];
        }
    }
    segments
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_content(line: &str) -> bool {
    let trimmed = line.trim_start();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// Returns the column of `key:` used as a mapping key in `line`.
fn key_column(line: &str, key: &str) -> Option<usize> {
    let pattern = format!("{key}:");
    let mut from = 0;
    while let Some(found) = line[from..].find(&pattern) {
        let at = from + found;
        let before = line[..at].chars().last();
        let after = line[at + pattern.len()..].chars().next();
        let starts_key = before.is_none_or(|c| c == ' ' || c == '{' || c == ',' || c == '-');
        let ends_key = after.is_none_or(|c| c == ' ');
        if starts_key && ends_key {
            return Some(at);
        }
        from = at + pattern.len();
    }
    None
}

/// Returns the end of the block that starts at `start` with the given indent.
fn block_end(lines: &[&str], start: usize, end: usize, indent: usize, item: bool) -> usize {
    for (index, line) in lines.iter().enumerate().take(end).skip(start + 1) {
        if !is_content(line) {
            continue;
        }
        let line_indent = indent_of(line);
        if line_indent < indent
            || (line_indent == indent && (item || !line.trim_start().starts_with('-')))
        {
            return index;
        }
    }
    end
}

/// Returns the 1-based line and column of `path`, or of the deepest part of
/// it that could be found.
pub fn locate(source: &str, path: &str) -> Option<(usize, usize)> {
    locate_occurrence(source, path, 0)
}

/// Like [`locate`], but the first list item in `path` is matched at its
/// `occurrence`-th appearance (0-based), so the second of two tools with the
/// same name can be found.
pub fn locate_occurrence(source: &str, path: &str, occurrence: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut skip_items = occurrence;
    let mut first_item = true;
    let mut start = 0;
    let mut end = lines.len();
    let mut min_indent = 0;
    let mut found: Option<(usize, usize)> = None;

    for segment in segments(path) {
        let mut hit = None;
        for (index, line) in lines.iter().enumerate().take(end).skip(start) {
            if !is_content(line)
                || (found.is_some() && index == start && matches!(segment, Segment::Item(_)))
            {
                continue;
            }
            match &segment {
                Segment::Key(key) => {
                    if let Some(column) = key_column(line, key)
                        && column >= min_indent
                    {
                        hit = Some((index, column, false));
                        break;
                    }
                }
                Segment::Item(label) => {
                    let trimmed = line.trim_start();
                    if !trimmed.starts_with("- ") {
                        continue;
                    }
                    let named = key_column(line, "name").is_some_and(|column| {
                        line[column + 5..]
                            .trim_start()
                            .trim_start_matches(['"', '\''])
                            .starts_with(label.as_str())
                    }) || key_column(line, "title").is_some_and(|column| {
                        line[column + 6..].trim().trim_matches(['"', '\'']) == label
                    });
                    if named && first_item && skip_items > 0 {
                        skip_items -= 1;
                        continue;
                    }
                    if named {
                        hit = Some((index, indent_of(line), true));
                        break;
                    }
                }
            }
        }
        let Some((line, column, item)) = hit else {
            break;
        };
        first_item &= !item;
        found = Some((line + 1, column + 1));
        end = block_end(&lines, line, end, column, item);
        start = line;
        min_indent = column + 1;
    }
    found
}

/// Returns the path of the tool whose block contains the 1-based `line`, such
/// as `tools[list_users]`, for errors the parser reports by position only.
pub fn enclosing_tool(source: &str, line: usize) -> Option<String> {
    let mut in_tools = false;
    let mut item_indent = None;
    let mut tool = None;
    for text in source.lines().take(line) {
        if !is_content(text) {
            continue;
        }
        let indent = indent_of(text);
        if indent == 0 {
            in_tools = text.trim_end() == "tools:";
            item_indent = None;
            tool = None;
            continue;
        }
        if !in_tools || !text.trim_start().starts_with("- ") {
            continue;
        }
        if item_indent.is_none_or(|expected| expected == indent) {
            item_indent = Some(indent);
            tool = key_column(text, "name").map(|column| {
                let value = text[column + 5..].trim_start();
                let end = value.find([',', '}', '#']).unwrap_or(value.len());
                value[..end].trim().trim_matches(['"', '\'']).to_string()
            });
        }
    }
    tool.map(|name| format!("tools[{name}]"))
}

#[cfg(test)]
mod tests {
    use super::{enclosing_tool, locate, locate_occurrence};

    const SOURCE: &str = "integration:\n  name: okta\ntools:\n  - name: list_users\n    params:\n      - name: limit\n        default: 0\n  - name: get_user\n    params:\n      - { name: id, type: string }\n";

    #[test]
    fn locate_nested_key() {
        assert_eq!(
            locate(SOURCE, "tools[list_users].params[limit].default"),
            Some((7, 9))
        );
    }

    #[test]
    fn locate_second_tool_flow_param() {
        assert_eq!(
            locate(SOURCE, "tools[get_user].params[id].type"),
            Some((10, 21))
        );
    }

    #[test]
    fn locate_second_occurrence_of_name() {
        let source = "tools:\n  - name: a\n    path: /x\n  - name: a\n    path: /y\n";
        assert_eq!(locate_occurrence(source, "tools[a].path", 0), Some((3, 5)));
        assert_eq!(locate_occurrence(source, "tools[a].path", 1), Some((5, 5)));
    }

    #[test]
    fn enclosing_tool_of_line() {
        assert_eq!(enclosing_tool(SOURCE, 2), None);
        assert_eq!(
            enclosing_tool(SOURCE, 7),
            Some("tools[list_users]".to_string())
        );
        assert_eq!(
            enclosing_tool(SOURCE, 10),
            Some("tools[get_user]".to_string())
        );
    }

    #[test]
    fn locate_top_level_key() {
        assert_eq!(locate(SOURCE, "integration.name"), Some((2, 3)));
    }
}
