//! A small strict JSON reader that keeps source positions.
//!
//! `serde_json` forgets where a value came from, but the IAM policy simulator reports each matched
//! statement's `StartPosition` / `EndPosition` (reference `iam-sts.md` §9), so policies are read by
//! this scanner instead. It accepts RFC 8259 JSON only (no comments, no trailing commas), bounds
//! nesting depth, and never panics: every failure is a [`SyntaxError`], which the policy parser
//! turns into IAM's "Syntax errors in policy.".
//!
//! Positions are 1-based lines and columns, the way Jackson (the Java parser behind IAM) counts
//! them: `\n`, `\r\n` and a lone `\r` each end a line, and columns count UTF-16 code units.

/// Deepest nesting accepted; real policies nest four or five levels.
const MAX_DEPTH: usize = 64;

/// A 1-based line and column in a policy document.
///
/// For statements this is what `SimulatePrincipalPolicy` returns as `StartPosition` and
/// `EndPosition` (see [`crate::Statement::start`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number, starting at 1, counted in UTF-16 code units.
    pub column: u32,
}

/// The document is not JSON, or nests too deeply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError;

/// One JSON value with the position of its first character and the position just past its last.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) start: Position,
    pub(crate) end: Position,
}

/// The JSON value kinds. Object members keep their order and any duplicate keys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    /// The member `key` of an object; with duplicate keys the last one wins, as in Jackson's
    /// default tree model (AWS accepts duplicate keys; see the crate notes).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The distinct member names of an object, in first-seen order.
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if let Value::Object(members) = &self.value {
            for (k, _) in members {
                if !out.contains(&k.as_str()) {
                    out.push(k);
                }
            }
        }
        out
    }

    /// The members of an object with duplicates resolved (last wins), in first-seen key order.
    pub(crate) fn members(&self) -> Vec<(&str, &Node)> {
        self.keys().into_iter().filter_map(|k| self.get(k).map(|v| (k, v))).collect()
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses one complete JSON document.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser { chars: text.chars().collect(), at: 0, line: 1, column: 1 };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.at != p.chars.len() {
        return Err(SyntaxError);
    }
    Ok(node)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    line: u32,
    column: u32,
}

impl Parser {
    fn pos(&self) -> Position {
        Position { line: self.line, column: self.column }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        match c {
            '\n' => self.newline(),
            '\r' => {
                if self.peek() != Some('\n') {
                    self.newline();
                }
            }
            _ => {
                let units = u32::try_from(c.len_utf16()).unwrap_or(1);
                self.column = self.column.saturating_add(units);
            }
        }
        Some(c)
    }

    fn newline(&mut self) {
        self.line = self.line.saturating_add(1);
        self.column = 1;
    }

    fn eat(&mut self, want: char) -> Result<(), SyntaxError> {
        if self.bump() == Some(want) {
            Ok(())
        } else {
            Err(SyntaxError)
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(SyntaxError);
        }
        let start = self.pos();
        let value = match self.peek().ok_or(SyntaxError)? {
            '{' => self.object(depth)?,
            '[' => self.array(depth)?,
            '"' => Value::String(self.string()?),
            't' => self.keyword("true", Value::Bool(true))?,
            'f' => self.keyword("false", Value::Bool(false))?,
            'n' => self.keyword("null", Value::Null)?,
            '-' | '0'..='9' => Value::Number(self.number()?),
            _ => return Err(SyntaxError),
        };
        Ok(Node { value, start, end: self.pos() })
    }

    fn keyword(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        for want in word.chars() {
            self.eat(want)?;
        }
        Ok(value)
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.eat('{')?;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some('"') {
                return Err(SyntaxError);
            }
            let key = self.string()?;
            self.skip_ws();
            self.eat(':')?;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.skip_ws();
            match self.bump() {
                Some(',') => continue,
                Some('}') => return Ok(Value::Object(members)),
                _ => return Err(SyntaxError),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.eat('[')?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bump() {
                Some(',') => continue,
                Some(']') => return Ok(Value::Array(items)),
                _ => return Err(SyntaxError),
            }
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.eat('"')?;
        let mut out = String::new();
        loop {
            match self.bump().ok_or(SyntaxError)? {
                '"' => return Ok(out),
                '\\' => match self.bump().ok_or(SyntaxError)? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => out.push(self.unicode_escape()?),
                    _ => return Err(SyntaxError),
                },
                c if (c as u32) < 0x20 => return Err(SyntaxError),
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.bump().and_then(|c| c.to_digit(16)).ok_or(SyntaxError)?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            // A high surrogate must be followed by an escaped low surrogate.
            self.eat('\\')?;
            self.eat('u')?;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(SyntaxError);
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            char::from_u32(code).ok_or(SyntaxError)
        } else {
            char::from_u32(first).ok_or(SyntaxError)
        }
    }

    fn number(&mut self) -> Result<String, SyntaxError> {
        let mut out = String::new();
        if self.peek() == Some('-') {
            out.push('-');
            self.bump();
        }
        match self.peek() {
            Some('0') => {
                out.push('0');
                self.bump();
            }
            Some('1'..='9') => self.digits(&mut out),
            _ => return Err(SyntaxError),
        }
        if self.peek() == Some('.') {
            out.push('.');
            self.bump();
            if !matches!(self.peek(), Some('0'..='9')) {
                return Err(SyntaxError);
            }
            self.digits(&mut out);
        }
        if let Some(e @ ('e' | 'E')) = self.peek() {
            out.push(e);
            self.bump();
            if let Some(s @ ('+' | '-')) = self.peek() {
                out.push(s);
                self.bump();
            }
            if !matches!(self.peek(), Some('0'..='9')) {
                return Err(SyntaxError);
            }
            self.digits(&mut out);
        }
        Ok(out)
    }

    fn digits(&mut self, out: &mut String) {
        while let Some(c @ '0'..='9') = self.peek() {
            out.push(c);
            self.bump();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, column: u32) -> Position {
        Position { line, column }
    }

    /// Parses `text` and returns the span of the value at `path` (object keys or array indexes).
    fn check_span(text: &str, path: &[&str], expected: Option<(Position, Position)>) {
        let got = parse(text).ok().and_then(|root| {
            let mut node = root;
            for step in path {
                node = match (&node.value, step.parse::<usize>()) {
                    (Value::Array(items), Ok(i)) => items.get(i)?.clone(),
                    _ => node.get(step)?.clone(),
                };
            }
            Some((node.start, node.end))
        });
        assert_eq!(got, expected, "{text:?} at {path:?}");
    }

    #[test]
    fn spans_are_one_based_and_end_past_the_last_character() {
        check_span(r#"{"a":1}"#, &[], Some((pos(1, 1), pos(1, 8))));
        check_span(r#"{"a":[true, null]}"#, &["a"], Some((pos(1, 6), pos(1, 18))));
        check_span(r#"{"a":[true, null]}"#, &["a", "1"], Some((pos(1, 13), pos(1, 17))));
        check_span("{\n  \"a\": {\n  }\n}", &["a"], Some((pos(2, 8), pos(3, 4))));
        check_span("{\r\n\"a\": 1}", &["a"], Some((pos(2, 6), pos(2, 7))));
        check_span("{\r\"a\": 1}", &["a"], Some((pos(2, 6), pos(2, 7))));
        check_span("{\"é😀\": 1}", &["é😀"], Some((pos(1, 9), pos(1, 10))));
    }

    fn check(text: &str, ok: bool) {
        assert_eq!(parse(text).is_ok(), ok, "{text:?}");
    }

    #[test]
    fn accepts_only_strict_json() {
        for (text, ok) in [
            ("{}", true),
            ("  [1, -2.5e+3, 0, \"x\\u00e9\\ud83d\\ude00\", false, null]  ", true),
            ("{\"a\":1,}", false),
            ("[1,]", false),
            ("{\"a\" 1}", false),
            ("{'a':1}", false),
            ("// c\n{}", false),
            ("{} {}", false),
            ("01", false),
            ("1.", false),
            ("-", false),
            ("\"\\ud800\"", false),
            ("\"\\x\"", false),
            ("\"a\nb\"", false),
            ("tru", false),
            ("", false),
            ("\"unterminated", false),
        ] {
            check(text, ok);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        check(&deep, false);
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        check(&ok, true);
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_value() {
        let node = parse(r#"{"a":1,"b":2,"a":3}"#).ok();
        let a = node.as_ref().and_then(|n| n.get("a")).map(|n| n.value.clone());
        assert_eq!(a, Some(Value::Number("3".into())));
        let keys = node.as_ref().map(|n| n.keys()).unwrap_or_default();
        assert_eq!(keys, vec!["a", "b"]);
    }
}
