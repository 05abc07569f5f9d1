//! aws-auth values as the authenticator reads them: YAML (or JSON) turned
//! into a JSON-like tree (what `sigs.k8s.io/yaml.YAMLToJSON` does), then
//! decoded with Go `encoding/json`'s rules (keys case-insensitive, a value of
//! the wrong type leaves its field unset and records the first error).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::DuplicateKeyPolicy;

/// A YAML document as JSON sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// `null`, `~` or empty.
    Null,
    /// `true`/`false` (YAML 1.1 forms included, as yaml.v2 reads them).
    Bool(bool),
    /// A number, as text.
    Number(String),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys as text, in document order (a later duplicate wins when read).
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The JSON type name Go's `UnmarshalTypeError` prints.
    pub(crate) fn json_kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "bool",
            Node::Number(_) => "number",
            Node::String(_) => "string",
            Node::Seq(_) => "array",
            Node::Map(_) => "object",
        }
    }

    /// The YAML tag yaml.v2 names in its type errors.
    pub(crate) fn yaml_tag(&self) -> &'static str {
        match self {
            Node::Null => "!!null",
            Node::Bool(_) => "!!bool",
            Node::Number(n) if n.contains(['.', 'e', 'E']) => "!!float",
            Node::Number(_) => "!!int",
            Node::String(_) => "!!str",
            Node::Seq(_) => "!!seq",
            Node::Map(_) => "!!map",
        }
    }

    fn key_text(self) -> Result<String, &'static str> {
        match self {
            Node::String(s) | Node::Number(s) => Ok(s),
            Node::Bool(b) => Ok(b.to_string()),
            Node::Null => Ok("null".to_owned()),
            Node::Seq(_) | Node::Map(_) => Err("a mapping key must be a scalar"),
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_char<E>(self, v: char) -> Result<Node, E> {
        Ok(Node::String(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::String(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut pairs = Vec::new();
        while let Some((k, v)) = map.next_entry::<Node, Node>()? {
            pairs.push((k.key_text().map_err(de::Error::custom)?, v));
        }
        Ok(Node::Map(pairs))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// The deepest nesting accepted: aws-auth needs four levels, and the tree is
/// built recursively, so a hostile value must not exhaust the stack.
const MAX_DEPTH: usize = 64;

fn options() -> serde_saphyr::Options {
    serde_saphyr::Options {
        // yaml.v2 lets a later duplicate key win.
        duplicate_keys: DuplicateKeyPolicy::LastWins,
        with_snippet: false,
        budget: Some(serde_saphyr::Budget { max_depth: MAX_DEPTH, ..serde_saphyr::Budget::default() }),
        ..serde_saphyr::Options::default()
    }
}

/// Parses one YAML (or JSON) document into a tree. The error is the parser's
/// text in yaml.v2's shape, `line N: <problem>` (the problem wording is
/// libyaml-like but not always yaml.v2's).
pub(crate) fn parse(text: &str) -> Result<Node, String> {
    serde_saphyr::from_str_with_options::<Node>(text, options()).map_err(|e| go_shaped(&e.to_string()))
}

/// `<problem> at line N, column M` → `line N: <problem>`.
fn go_shaped(message: &str) -> String {
    let Some((problem, position)) = message.rsplit_once(" at line ") else { return message.to_owned() };
    match position.split_once(", column ") {
        Some((line, column))
            if line.bytes().all(|b| b.is_ascii_digit()) && column.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("line {line}: {problem}")
        }
        _ => message.to_owned(),
    }
}

/// A node and the 1-based line it starts on (yaml.v2 names it in its type errors).
pub(crate) struct Located {
    /// The node.
    pub(crate) node: Node,
    /// Its first line.
    pub(crate) line: u64,
}

/// Parses one document like [`parse`], keeping the line of the root node and, for a
/// sequence, of each item.
pub(crate) fn parse_located(text: &str) -> Result<(Located, Vec<Located>), String> {
    let root = serde_saphyr::from_str_with_options::<serde_saphyr::Spanned<Node>>(text, options())
        .map_err(|e| go_shaped(&e.to_string()))?;
    let items = if matches!(root.value, Node::Seq(_)) {
        serde_saphyr::from_str_with_options::<Vec<serde_saphyr::Spanned<Node>>>(text, options())
            .map_err(|e| go_shaped(&e.to_string()))?
            .into_iter()
            .map(|item| Located { node: item.value, line: item.referenced.line() })
            .collect()
    } else {
        Vec::new()
    };
    Ok((Located { node: root.value, line: root.referenced.line() }, items))
}

/// The text of a scalar document as written (yaml.v2's node value: `0123`, not `123`).
pub(crate) fn scalar_text(text: &str) -> Option<String> {
    serde_saphyr::from_str_with_options::<String>(text, options()).ok()
}

/// Parses a list of scalars as yaml.v2 decodes it into `[]string`: each
/// scalar keeps its text as written (`555555555555`, not a number).
pub(crate) fn parse_string_list(text: &str) -> Option<Vec<Option<String>>> {
    serde_saphyr::from_str_with_options::<Option<Vec<Option<String>>>>(text, options())
        .ok()
        .map(Option::unwrap_or_default)
}

/// Decodes into a Go `string` field: null leaves it, a string sets it, other
/// types are a type error.
pub(crate) fn decode_string(node: &Node, target: &mut String) -> Result<(), &'static str> {
    match node {
        Node::Null => Ok(()),
        Node::String(s) => {
            target.clone_from(s);
            Ok(())
        }
        other => Err(other.json_kind()),
    }
}

/// Decodes into a Go `[]string` field. `Err((kind, whole))` names the
/// offending JSON type and whether the whole value (`[]string`) or an element
/// (`string`) was wrong; wrong elements become `""`, as Go leaves them.
pub(crate) fn decode_string_list(node: &Node, target: &mut Vec<String>) -> Result<(), (&'static str, bool)> {
    match node {
        Node::Null => {
            target.clear();
            Ok(())
        }
        Node::Seq(items) => {
            target.clear();
            let mut first_error = None;
            for item in items {
                let mut value = String::new();
                if let Err(kind) = decode_string(item, &mut value) {
                    first_error.get_or_insert((kind, false));
                }
                target.push(value);
            }
            first_error.map_or(Ok(()), Err)
        }
        other => Err((other.json_kind(), true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_becomes_a_json_like_tree() {
        let node = parse("- a: 1\n  b: yes\n  c: ~\n  d: [x, 'y']\n  e: 1.5\n");
        assert_eq!(
            node,
            Ok(Node::Seq(vec![Node::Map(vec![
                ("a".into(), Node::Number("1".into())),
                ("b".into(), Node::Bool(true)),
                ("c".into(), Node::Null),
                ("d".into(), Node::Seq(vec![Node::String("x".into()), Node::String("y".into())])),
                ("e".into(), Node::Number("1.5".into())),
            ])]))
        );
        assert_eq!(parse("{\"a\": \"b\"}"), Ok(Node::Map(vec![("a".into(), Node::String("b".into()))])));
        assert_eq!(parse("- a: [x"), Err("line 1: unclosed bracket '['".to_owned()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        assert!(parse(&"[".repeat(100_000)).is_err());
        assert!(parse(&"- ".repeat(10_000)).is_err());
        assert!(parse(&format!("{}x{}", "[".repeat(60), "]".repeat(60))).is_ok());
    }

    #[test]
    fn string_lists_keep_scalars_as_written() {
        assert_eq!(
            parse_string_list("- 555555555555\n- \"0123\"\n- ~\n"),
            Some(vec![Some("555555555555".into()), Some("0123".into()), None])
        );
        assert_eq!(parse_string_list("- {a: b}"), None);
    }
}
