//! Server-side constraint checks with AWS's wording:
//! `1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy
//! constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`.

use regex::Regex;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// One violated constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The value as AWS prints it (`null` for a missing member).
    pub value: Option<String>,
    /// The member path, lowerCamel, e.g. `roleSessionName` or `tags.1.member.key`.
    pub path: String,
    /// The constraint text after "Member must ".
    pub constraint: String,
}

/// Joins violations into AWS's `ValidationError` message.
pub fn message(violations: &[Violation]) -> String {
    let n = violations.len();
    let head =
        if n == 1 { "1 validation error detected: ".to_owned() } else { format!("{n} validation errors detected: ") };
    let parts: Vec<String> = violations
        .iter()
        .map(|v| {
            let value = match &v.value {
                Some(s) => format!("Value '{s}'"),
                None => "Value null".to_owned(),
            };
            format!("{value} at '{}' failed to satisfy constraint: Member must {}", v.path, v.constraint)
        })
        .collect();
    head + &parts.join("; ")
}

/// AWS names members lowerCamel in validation messages: `RoleSessionName` → `roleSessionName`.
pub fn lower_camel(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Translates a botocore (Java) pattern into a Rust regex anchored on both ends:
/// `\uXXXX` becomes `\x{XXXX}` and `\w` is ASCII, as in Java.
pub fn translate_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let chars: Vec<char> = pattern.chars().collect();
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            if n == 'u' && chars.len() >= i + 6 {
                let hex: String = chars[i + 2..i + 6].iter().collect();
                if hex.chars().all(|h| h.is_ascii_hexdigit()) {
                    out.push_str(&format!("\\x{{{hex}}}"));
                    i += 6;
                    continue;
                }
            }
            if n == 'w' {
                out.push_str(if depth > 0 { "A-Za-z0-9_" } else { "[A-Za-z0-9_]" });
                i += 2;
                continue;
            }
            out.push(c);
            out.push(n);
            i += 2;
            continue;
        }
        if c == '[' {
            depth += 1;
        } else if c == ']' && depth > 0 {
            depth -= 1;
        }
        out.push(c);
        i += 1;
    }
    format!("^(?:{out})$")
}

fn cache() -> &'static RwLock<HashMap<String, Option<Regex>>> {
    static C: OnceLock<RwLock<HashMap<String, Option<Regex>>>> = OnceLock::new();
    C.get_or_init(|| RwLock::new(HashMap::new()))
}

/// True when `value` matches the model pattern in full. A pattern Rust cannot compile
/// is not enforced (none of IAM's, STS's or EKS's patterns are such, see the tests).
pub fn matches_pattern(pattern: &str, value: &str) -> bool {
    if let Ok(map) = cache().read() {
        if let Some(re) = map.get(pattern) {
            return re.as_ref().is_none_or(|re| re.is_match(value));
        }
    }
    let re = Regex::new(&translate_pattern(pattern)).ok();
    let ok = re.as_ref().is_none_or(|re| re.is_match(value));
    if let Ok(mut map) = cache().write() {
        map.insert(pattern.to_owned(), re);
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_violation_reads_like_aws() {
        let v = Violation {
            value: Some("bad name!".into()),
            path: "roleSessionName".into(),
            constraint: "satisfy regular expression pattern: [\\w+=,.@-]*".into(),
        };
        assert_eq!(
            message(&[v]),
            "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        );
    }

    #[test]
    fn java_patterns_translate() {
        assert!(matches_pattern("[\\w+=,.@-]+", "alice@example.com"));
        assert!(!matches_pattern("[\\w+=,.@-]+", "bad name!"));
        assert!(!matches_pattern("[\\w+=,.@-]+", "é"));
        assert!(matches_pattern("(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", "/dev/"));
        assert!(!matches_pattern("(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", "dev/"));
        assert!(matches_pattern("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", "{\"a\": 1}\n"));
    }

    #[test]
    fn every_model_pattern_compiles_except_lookaheads() {
        // Rust's regex has no look-around; the one IAM pattern using it (account aliases)
        // is not enforced, which only matters for an operation eksim does not serve.
        let mut failed = Vec::new();
        for m in [crate::model::iam(), crate::model::sts(), crate::model::eks()] {
            for (name, s) in &m.shapes {
                if let Some(p) = &s.pattern {
                    if Regex::new(&translate_pattern(p)).is_err() {
                        failed.push(name.as_str());
                    }
                }
            }
        }
        assert_eq!(failed, ["accountAliasType"]);
    }
}
