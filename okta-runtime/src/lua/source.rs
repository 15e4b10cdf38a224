//! A check of chunk source text before the sandbox compiles it.
//!
//! The sandbox rejects to-be-closed variables (`local x <close> = ...`).
//! When the instruction hook stops a script, mlua 0.12 raises the error from
//! inside the hook and first resets the stack of the running Lua function,
//! which calls the `__close` metamethods of that function's to-be-closed
//! variables while hooks are disabled. A `__close` that loops would then
//! never be stopped.

/// Returns the message for a chunk that declares a to-be-closed variable.
pub fn close_attribute_message(chunk_name: &str, line: usize) -> String {
    format!(
        "{chunk_name}:{line}: to-be-closed variables (<close>) are not allowed in the sandbox; close the resource explicitly"
    )
}

/// Returns the line of the first `<close>` attribute in Lua source text, or
/// None. Strings and comments are skipped, so only the tokens `<`, `close`
/// and `>` in a row count. An unusual comparison such as `a < close > b`
/// is reported too.
pub fn find_close_attribute(source: &[u8]) -> Option<usize> {
    let mut lexer = Lexer {
        source,
        position: 0,
        line: 1,
    };
    // The last two tokens, oldest first.
    let mut previous: [Token; 2] = [Token::Other, Token::Other];
    while let Some(token) = lexer.next_token() {
        if previous[0] == Token::Less && previous[1] == Token::Close && token == Token::Greater {
            return Some(lexer.line);
        }
        previous = [previous[1], token];
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `<` on its own, not `<=` or `<<`.
    Less,
    /// The name `close`.
    Close,
    /// A token that starts with `>`.
    Greater,
    Other,
}

struct Lexer<'a> {
    source: &'a [u8],
    position: usize,
    line: usize,
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.source.get(self.position + offset).copied()
    }

    fn advance(&mut self) -> Option<u8> {
        let byte = self.peek(0)?;
        self.position += 1;
        if byte == b'\n' {
            self.line += 1;
        }
        Some(byte)
    }

    /// Skips whitespace and comments; returns the next token.
    fn next_token(&mut self) -> Option<Token> {
        loop {
            let byte = self.peek(0)?;
            match byte {
                b'-' if self.peek(1) == Some(b'-') => {
                    self.position += 2;
                    self.skip_comment();
                }
                byte if byte.is_ascii_whitespace() => {
                    self.advance();
                }
                _ => break,
            }
        }

        let byte = self.advance()?;
        Some(match byte {
            b'<' => match self.peek(0) {
                Some(b'=' | b'<') => {
                    self.advance();
                    Token::Other
                }
                _ => Token::Less,
            },
            b'>' => Token::Greater,
            b'"' | b'\'' => {
                self.skip_short_string(byte);
                Token::Other
            }
            b'[' => {
                if let Some(level) = self.long_bracket_level() {
                    self.skip_long_bracket(level);
                }
                Token::Other
            }
            byte if byte.is_ascii_alphabetic() || byte == b'_' => {
                let start = self.position - 1;
                while self
                    .peek(0)
                    .is_some_and(|next| next.is_ascii_alphanumeric() || next == b'_')
                {
                    self.advance();
                }
                if &self.source[start..self.position] == b"close" {
                    Token::Close
                } else {
                    Token::Other
                }
            }
            byte if byte.is_ascii_digit() => {
                // Digits, letters, dots and exponent signs: `0x1p-4`, `1e+9`.
                while let Some(next) = self.peek(0) {
                    let exponent_sign = (next == b'+' || next == b'-')
                        && matches!(self.source[self.position - 1], b'e' | b'E' | b'p' | b'P');
                    if next.is_ascii_alphanumeric() || next == b'.' || exponent_sign {
                        self.advance();
                    } else {
                        break;
                    }
                }
                Token::Other
            }
            _ => Token::Other,
        })
    }

    /// Skips a comment after its `--`.
    fn skip_comment(&mut self) {
        if self.peek(0) == Some(b'[') {
            self.position += 1;
            if let Some(level) = self.long_bracket_level() {
                self.skip_long_bracket(level);
                return;
            }
        }
        while let Some(byte) = self.peek(0) {
            if byte == b'\n' {
                break;
            }
            self.advance();
        }
    }

    /// After a `[`, reads `=`* `[` and returns the number of `=`; otherwise
    /// leaves the position where it was.
    fn long_bracket_level(&mut self) -> Option<usize> {
        let mut level = 0;
        while self.peek(level) == Some(b'=') {
            level += 1;
        }
        if self.peek(level) == Some(b'[') {
            self.position += level + 1;
            Some(level)
        } else {
            None
        }
    }

    /// Skips to the `]` `=`* `]` that closes a long string or comment.
    fn skip_long_bracket(&mut self, level: usize) {
        while let Some(byte) = self.advance() {
            if byte == b']' {
                let mut equals = 0;
                while self.peek(equals) == Some(b'=') {
                    equals += 1;
                }
                if equals == level && self.peek(equals) == Some(b']') {
                    self.position += equals + 1;
                    return;
                }
            }
        }
    }

    /// Skips a quoted string after its opening quote.
    fn skip_short_string(&mut self, quote: u8) {
        while let Some(byte) = self.advance() {
            match byte {
                b'\\' => {
                    self.advance();
                }
                b'\n' => return,
                byte if byte == quote => return,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::find_close_attribute;

    #[test]
    fn finds_close_attribute() {
        for (source, line) in [
            ("local x <close> = nil", 1),
            ("local a = 1\nlocal x < close > = nil", 2),
            ("local x <--[[ c ]]close--\n> = nil", 2),
            ("local y <const>, x <close> = 1, nil", 1),
        ] {
            assert_eq!(
                find_close_attribute(source.as_bytes()),
                Some(line),
                "{source}"
            );
        }
    }

    #[test]
    fn ignores_strings_comments_and_other_tokens() {
        for source in [
            "local s = '<close>'",
            "local s = \"a \\\" <close>\"",
            "local s = [==[ <close> ]] ]==]",
            "-- local x <close> = nil",
            "--[[ local x <close> = nil ]]",
            "local x <const> = 1",
            "local close = 1 return 2 <= close",
            "return 1 << 2 > 0",
            "local t = { close = 1 } return t.close",
        ] {
            assert_eq!(find_close_attribute(source.as_bytes()), None, "{source}");
        }
    }
}
