//! The subset of Okta's SCIM-like expression language that the fake org
//! evaluates for `search` and `filter`: `eq`, `ne`, `sw`, `co`, `gt`, `ge`,
//! `lt`, `le`, `pr`, `and`, `or`, `not` and parentheses.

use serde_json::Value;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Eq,
    Ne,
    Sw,
    Co,
    Gt,
    Ge,
    Lt,
    Le,
    Pr,
}

impl Operator {
    fn parse(word: &str) -> Option<Operator> {
        let op = match word.to_ascii_lowercase().as_str() {
            "eq" => Operator::Eq,
            "ne" => Operator::Ne,
            "sw" => Operator::Sw,
            "co" => Operator::Co,
            "gt" => Operator::Gt,
            "ge" => Operator::Ge,
            "lt" => Operator::Lt,
            "le" => Operator::Le,
            "pr" => Operator::Pr,
            _ => return None,
        };
        Some(op)
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Compare {
        attribute: String,
        operator: Operator,
        value: Value,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    /// Calls `visit` with each attribute and operator in the expression.
    pub fn for_each_comparison(&self, visit: &mut dyn FnMut(&str, Operator)) {
        match self {
            Expr::Compare {
                attribute,
                operator,
                ..
            } => visit(attribute, *operator),
            Expr::And(left, right) | Expr::Or(left, right) => {
                left.for_each_comparison(visit);
                right.for_each_comparison(visit);
            }
            Expr::Not(inner) => inner.for_each_comparison(visit),
        }
    }

    /// Evaluates the expression; `lookup` returns an attribute's value.
    /// `ignore_case` makes string comparisons case-insensitive, as Okta's
    /// `search` is and its `filter` is not.
    pub fn matches(&self, lookup: &dyn Fn(&str) -> Option<Value>, ignore_case: bool) -> bool {
        match self {
            Expr::Compare {
                attribute,
                operator,
                value,
            } => {
                let actual = lookup(attribute);
                compare(actual.as_ref(), *operator, value, ignore_case)
            }
            Expr::And(left, right) => {
                left.matches(lookup, ignore_case) && right.matches(lookup, ignore_case)
            }
            Expr::Or(left, right) => {
                left.matches(lookup, ignore_case) || right.matches(lookup, ignore_case)
            }
            Expr::Not(inner) => !inner.matches(lookup, ignore_case),
        }
    }
}

fn compare(
    actual: Option<&Value>,
    operator: Operator,
    expected: &Value,
    ignore_case: bool,
) -> bool {
    if operator == Operator::Pr {
        return matches!(actual, Some(value) if !value.is_null());
    }
    let Some(actual) = actual else {
        return operator == Operator::Ne;
    };
    if let Value::Array(items) = actual {
        // Okta follows SCIM: an array matches when any element matches.
        if operator == Operator::Ne {
            return !items
                .iter()
                .any(|item| compare_scalar(item, Operator::Eq, expected, ignore_case));
        }
        return items
            .iter()
            .any(|item| compare_scalar(item, operator, expected, ignore_case));
    }
    compare_scalar(actual, operator, expected, ignore_case)
}

fn compare_scalar(actual: &Value, operator: Operator, expected: &Value, ignore_case: bool) -> bool {
    use std::cmp::Ordering;

    let ordering: Option<Ordering> = match (actual, expected) {
        (Value::String(left), Value::String(right)) => {
            if ignore_case {
                let left = left.to_lowercase();
                let right = right.to_lowercase();
                return string_compare(&left, operator, &right);
            }
            return string_compare(left, operator, right);
        }
        (Value::Number(left), Value::Number(right)) => left
            .as_f64()
            .zip(right.as_f64())
            .and_then(|(l, r)| l.partial_cmp(&r)),
        (Value::Number(left), Value::String(right)) => left
            .as_f64()
            .zip(right.parse::<f64>().ok())
            .and_then(|(l, r)| l.partial_cmp(&r)),
        (Value::Bool(left), Value::Bool(right)) => Some(left.cmp(right)),
        (Value::Bool(left), Value::String(right)) => {
            Some(left.to_string().cmp(&right.to_ascii_lowercase()))
        }
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    };
    match (operator, ordering) {
        (Operator::Eq, Some(order)) => order == Ordering::Equal,
        (Operator::Ne, Some(order)) => order != Ordering::Equal,
        (Operator::Ne, None) => true,
        (Operator::Gt, Some(order)) => order == Ordering::Greater,
        (Operator::Ge, Some(order)) => order != Ordering::Less,
        (Operator::Lt, Some(order)) => order == Ordering::Less,
        (Operator::Le, Some(order)) => order != Ordering::Greater,
        _ => false,
    }
}

fn string_compare(left: &str, operator: Operator, right: &str) -> bool {
    match operator {
        Operator::Eq => left == right,
        Operator::Ne => left != right,
        Operator::Sw => left.starts_with(right),
        Operator::Co => left.contains(right),
        Operator::Gt => left > right,
        Operator::Ge => left >= right,
        Operator::Lt => left < right,
        Operator::Le => left <= right,
        Operator::Pr => true,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&ch) = chars.peek() {
        if ch.is_whitespace() {
            chars.next();
        } else if ch == '(' {
            chars.next();
            tokens.push(Token::Open);
        } else if ch == ')' {
            chars.next();
            tokens.push(Token::Close);
        } else if ch == '"' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => return Err("unterminated string literal".to_string()),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(escaped) => text.push(escaped),
                        None => return Err("unterminated string literal".to_string()),
                    },
                    Some(other) => text.push(other),
                }
            }
            tokens.push(Token::Text(text));
        } else {
            let mut word = String::new();
            while let Some(&next) = chars.peek() {
                if next.is_whitespace() || next == '(' || next == ')' || next == '"' {
                    break;
                }
                word.push(next);
                chars.next();
            }
            tokens.push(Token::Word(word));
        }
    }
    Ok(tokens)
}

/// Parses an expression such as `profile.lastName eq "Smith" and status eq "ACTIVE"`.
pub(crate) fn parse(input: &str) -> Result<Expr, String> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err("empty expression".to_string());
    }
    let mut parser = Parser {
        tokens,
        position: 0,
    };
    let expr = parser.parse_or()?;
    if parser.position != parser.tokens.len() {
        return Err(format!(
            "unexpected token at position {}",
            parser.position + 1
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
}

impl Parser {
    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.position), Some(Token::Word(word)) if word.eq_ignore_ascii_case(keyword))
    }

    fn parse_or(&mut self) -> Result<Expr, String> {
        let mut left = self.parse_and()?;
        while self.peek_keyword("or") {
            self.position += 1;
            let right = self.parse_and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Expr, String> {
        let mut left = self.parse_unary()?;
        while self.peek_keyword("and") {
            self.position += 1;
            let right = self.parse_unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Expr, String> {
        if self.peek_keyword("not") {
            self.position += 1;
            let inner = self.parse_unary()?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.tokens.get(self.position) == Some(&Token::Open) {
            self.position += 1;
            let inner = self.parse_or()?;
            if self.tokens.get(self.position) != Some(&Token::Close) {
                return Err("missing closing parenthesis".to_string());
            }
            self.position += 1;
            return Ok(inner);
        }
        self.parse_comparison()
    }

    fn parse_comparison(&mut self) -> Result<Expr, String> {
        let attribute = match self.tokens.get(self.position) {
            Some(Token::Word(word)) => word.clone(),
            _ => return Err("expected an attribute name".to_string()),
        };
        self.position += 1;
        let operator = match self.tokens.get(self.position) {
            Some(Token::Word(word)) => {
                Operator::parse(word).ok_or_else(|| format!("unknown operator '{word}'"))?
            }
            _ => return Err(format!("expected an operator after '{attribute}'")),
        };
        self.position += 1;
        if operator == Operator::Pr {
            return Ok(Expr::Compare {
                attribute,
                operator,
                value: Value::Null,
            });
        }
        let value = match self.tokens.get(self.position) {
            Some(Token::Text(text)) => Value::String(text.clone()),
            Some(Token::Word(word)) => literal(word)?,
            _ => return Err(format!("expected a value after '{attribute}'")),
        };
        self.position += 1;
        Ok(Expr::Compare {
            attribute,
            operator,
            value,
        })
    }
}

fn literal(word: &str) -> Result<Value, String> {
    match word {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        "null" => Ok(Value::Null),
        _ => word
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| word.parse::<f64>().map(Value::from))
            .map_err(|_| format!("values must be quoted: {word}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "status": "ACTIVE",
            "profile": { "lastName": "Smith", "firstName": "John", "badgeIds": ["B-1", "B-2"], "startYear": 2021 }
        })
    }

    fn evaluate(expression: &str, ignore_case: bool) -> bool {
        let record = record();
        let lookup = |path: &str| -> Option<Value> {
            let mut current = &record;
            for part in path.split('.') {
                current = current.get(part)?;
            }
            Some(current.clone())
        };
        parse(expression).unwrap().matches(&lookup, ignore_case)
    }

    #[test]
    fn and_or_with_parentheses() {
        assert!(evaluate(
            r#"profile.lastName eq "Smith" and (status eq "STAGED" or status eq "ACTIVE")"#,
            false
        ));
        assert!(!evaluate(
            r#"profile.lastName eq "Smith" and status eq "STAGED""#,
            false
        ));
    }

    #[test]
    fn search_ignores_case_and_filter_does_not() {
        assert!(evaluate(r#"profile.lastName eq "smith""#, true));
        assert!(!evaluate(r#"profile.lastName eq "smith""#, false));
        assert!(evaluate(r#"profile.firstName SW "jo""#, true));
    }

    #[test]
    fn arrays_match_any_element() {
        assert!(evaluate(r#"profile.badgeIds eq "B-2""#, false));
        assert!(!evaluate(r#"profile.badgeIds eq "B-3""#, false));
    }

    #[test]
    fn numbers_and_presence() {
        assert!(evaluate("profile.startYear ge 2020", false));
        assert!(evaluate("profile.startYear pr", false));
        assert!(!evaluate("profile.title pr", false));
    }

    #[test]
    fn malformed_expressions_are_rejected() {
        assert!(parse("profile.lastName eq").is_err());
        assert!(parse("profile.lastName is \"x\"").is_err());
        assert!(parse("(status eq \"ACTIVE\"").is_err());
        assert!(parse("status eq ACTIVE").is_err());
    }
}
