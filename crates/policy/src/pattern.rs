//! Wildcard patterns, policy variables and ARN-segment matching.
//!
//! IAM globs know two wildcards, `*` (any run of characters, `/` included) and `?` (one
//! character), and nothing else (reference `iam-sts.md` §10.2). Actions compare case-insensitively
//! as a whole; resources and ARN conditions compare case-sensitively, colon-delimited segment by
//! segment, with the sixth segment matched against the rest of the ARN.
//!
//! Policy variables (`${aws:username}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`) exist only in
//! documents with `"Version": "2012-10-17"` (§10.5); elsewhere the text is literal. A value read
//! from the request context is always literal: a `*` in a user name is not a wildcard.
//!
//! The matcher is the iterative two-pointer algorithm, quadratic at worst, so hostile patterns
//! such as `*a*a*a*…` cannot blow up.

use crate::context::{Context, ContextValue};

/// One element of a resolved glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Char(char),
    Star,
    Quest,
}

/// One element of a pattern as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Star,
    Quest,
    Var { key: String, default: Option<String> },
}

/// A pattern or comparison value, compiled once when the policy is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
}

/// How to read `*`, `?` and `${…}` when compiling a [`Template`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (Like operators, resources, ARNs) rather than literal text.
    pub(crate) wildcards: bool,
    /// `${…}` is a policy variable (version 2012-10-17 only).
    pub(crate) variables: bool,
}

impl Template {
    /// Compiles `text` under `syntax`.
    pub(crate) fn compile(text: &str, syntax: Syntax) -> Template {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables && rest.starts_with("${") {
                if let Some((piece, used)) = parse_variable(rest) {
                    match piece {
                        Piece::Text(t) => lit.push_str(&t),
                        other => {
                            flush(&mut lit, &mut pieces);
                            pieces.push(other);
                        }
                    }
                    rest = rest.get(used..).unwrap_or("");
                    continue;
                }
            }
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Star);
                }
                '?' if syntax.wildcards => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Quest);
                }
                _ => lit.push(c),
            }
            rest = rest.get(c.len_utf8()..).unwrap_or("");
        }
        flush(&mut lit, &mut pieces);
        Template { pieces }
    }

    /// The context keys this template reads.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// The context keys this template reads with no default to fall back on.
    pub(crate) fn required_variables(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { key, default: None } => Some(key.as_str()),
            _ => None,
        })
    }

    /// Resolves variables against `ctx`. `Err(key)` names the first variable with no value and
    /// no default: such a value matches nothing (§10.5).
    pub(crate) fn resolve<'t>(&'t self, ctx: &Context) -> Result<Vec<Tok>, &'t str> {
        let mut out = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.extend(t.chars().map(Tok::Char)),
                Piece::Star => out.push(Tok::Star),
                Piece::Quest => out.push(Tok::Quest),
                Piece::Var { key, default } => {
                    let value = variable_value(ctx, key).or(default.as_deref()).ok_or(key.as_str())?;
                    out.extend(value.chars().map(Tok::Char));
                }
            }
        }
        Ok(out)
    }

    /// Resolves to plain text (for templates compiled without wildcards).
    pub(crate) fn resolve_text<'t>(&'t self, ctx: &Context) -> Result<String, &'t str> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Star => out.push('*'),
                Piece::Quest => out.push('?'),
                Piece::Var { key, default } => {
                    let value = variable_value(ctx, key).or(default.as_deref()).ok_or(key.as_str())?;
                    out.push_str(value);
                }
            }
        }
        Ok(out)
    }
}

fn flush(lit: &mut String, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Text(std::mem::take(lit)));
    }
}

/// The value a variable takes: a single-valued key, or a list with exactly one element. A longer
/// list has no single value and counts as missing (unconfirmed).
fn variable_value<'c>(ctx: &'c Context, key: &str) -> Option<&'c str> {
    match ctx.get(key)? {
        ContextValue::Single(v) => Some(v),
        ContextValue::Multi(list) if list.len() == 1 => list.first().map(String::as_str),
        ContextValue::Multi(_) => None,
    }
}

/// Parses `${…}` at the start of `s`: returns the piece and the bytes consumed, or `None` when the
/// text is not a well-formed variable (it then stays literal).
fn parse_variable(s: &str) -> Option<(Piece, usize)> {
    let close = s.find('}')?;
    let inner = s.get(2..close)?;
    let used = close + 1;
    let piece = match inner {
        "*" => Piece::Text("*".into()),
        "?" => Piece::Text("?".into()),
        "$" => Piece::Text("$".into()),
        _ => {
            let (key, default) = match inner.split_once(',') {
                Some((key, default)) => {
                    let default = default.trim();
                    let quoted = default.strip_prefix('\'').and_then(|d| d.strip_suffix('\''))?;
                    (key.trim(), Some(quoted.to_string()))
                }
                None => (inner.trim(), None),
            };
            if key.is_empty() || key.contains(['$', '{', '}', ' ']) {
                return None;
            }
            Piece::Var { key: key.to_string(), default }
        }
    };
    Some((piece, used))
}

/// Case-insensitive glob of ASCII `text` against an ASCII pattern with `*` and `?`, without
/// allocating: actions are matched hundreds of times per request.
fn glob_ascii(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match (pattern.get(p), text.get(t)) {
            (Some(b'?'), Some(_)) => true,
            (Some(&a), Some(&b)) if a != b'*' => a.eq_ignore_ascii_case(&b),
            _ => false,
        };
        if step {
            p += 1;
            t += 1;
        } else if pattern.get(p) == Some(&b'*') {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = backtrack {
            p = star_p + 1;
            t = star_t + 1;
            backtrack = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    while pattern.get(p) == Some(&b'*') {
        p += 1;
    }
    p == pattern.len()
}

/// Glob match of `text` against `pattern`.
pub(crate) fn glob(pattern: &[Tok], text: &str, ignore_case: bool) -> bool {
    if text.is_ascii() {
        // No allocation for the common case: ARNs and actions are ASCII.
        let bytes = text.as_bytes();
        return glob_with(pattern, bytes.len(), |i| bytes.get(i).map(|b| *b as char), ignore_case);
    }
    let chars: Vec<char> = text.chars().collect();
    glob_with(pattern, chars.len(), |i| chars.get(i).copied(), ignore_case)
}

fn glob_with(pattern: &[Tok], len: usize, at: impl Fn(usize) -> Option<char>, ignore_case: bool) -> bool {
    let same = |a: char, b: char| {
        a == b
            || (ignore_case && (a.eq_ignore_ascii_case(&b) || (!a.is_ascii() && a.to_lowercase().eq(b.to_lowercase()))))
    };
    let (mut p, mut t) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < len {
        let step = match (pattern.get(p), at(t)) {
            (Some(Tok::Char(a)), Some(b)) => same(*a, b),
            (Some(Tok::Quest), Some(_)) => true,
            _ => false,
        };
        if step {
            p += 1;
            t += 1;
        } else if pattern.get(p) == Some(&Tok::Star) {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = backtrack {
            p = star_p + 1;
            t = star_t + 1;
            backtrack = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    while pattern.get(p) == Some(&Tok::Star) {
        p += 1;
    }
    p == pattern.len()
}

/// Splits `text` at colons into at most six segments, the last taking the rest. With variables on,
/// colons inside `${…}` (as in `${aws:username}`) do not split.
pub(crate) fn split_segments(text: &str, variables: bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_var = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < 5 {
        match bytes.get(i) {
            Some(b'$') if variables && !in_var && bytes.get(i + 1) == Some(&b'{') => {
                // Only a variable if it closes; otherwise `${` is literal text.
                in_var = text.get(i..).is_some_and(|rest| rest.contains('}'));
            }
            Some(b'}') if in_var => in_var = false,
            Some(b':') if !in_var => {
                out.push(text.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(text.get(start..).unwrap_or(""));
    out
}

/// A resource or ARN pattern compiled into colon-delimited segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    /// `"*"` alone: matches anything.
    any: bool,
    segments: Vec<Template>,
}

/// What matching an [`ArnPattern`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArnMatch<'t> {
    Match,
    NoMatch,
    /// The pattern reads a variable that has no value; it matches nothing.
    MissingVariable(&'t str),
}

impl ArnPattern {
    /// Compiles a resource pattern or ARN condition value.
    pub(crate) fn compile(text: &str, variables: bool) -> ArnPattern {
        let syntax = Syntax { wildcards: true, variables };
        ArnPattern {
            any: text == "*",
            segments: split_segments(text, variables).into_iter().map(|s| Template::compile(s, syntax)).collect(),
        }
    }

    /// The context keys this pattern reads.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flat_map(Template::variables)
    }

    /// The context keys this pattern reads with no default to fall back on.
    pub(crate) fn required_variables(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flat_map(Template::required_variables)
    }

    /// Matches `arn` segment by segment: with a k-segment pattern the ARN is split into k parts,
    /// the last taking the remainder (a pattern with fewer than six segments is thereby matched
    /// leniently, unconfirmed).
    pub(crate) fn matches(&self, arn: &str, ctx: &Context) -> ArnMatch<'_> {
        if self.any {
            return ArnMatch::Match;
        }
        let k = self.segments.len();
        let parts: Vec<&str> = arn.splitn(k.max(1), ':').collect();
        let mut result = if parts.len() == k { ArnMatch::Match } else { ArnMatch::NoMatch };
        for (i, segment) in self.segments.iter().enumerate() {
            match segment.resolve(ctx) {
                Err(key) => return ArnMatch::MissingVariable(key),
                Ok(toks) => {
                    let part = parts.get(i).copied();
                    if result == ArnMatch::Match && !part.is_some_and(|p| glob(&toks, p, false)) {
                        result = ArnMatch::NoMatch;
                    }
                }
            }
        }
        result
    }
}

/// Whether `action` (`service:Operation`) matches the policy pattern, case-insensitively.
pub(crate) fn action_matches(pattern: &str, action: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if pattern.is_ascii() && action.is_ascii() {
        if !pattern.contains(['*', '?']) {
            return pattern.eq_ignore_ascii_case(action);
        }
        return glob_ascii(pattern.as_bytes(), action.as_bytes());
    }
    let toks: Vec<Tok> = pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::Quest,
            c => Tok::Char(c),
        })
        .collect();
    glob(&toks, action, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: Syntax = Syntax { wildcards: true, variables: true };

    fn ctx() -> Context {
        let mut c = Context::new();
        c.insert("aws:username", "alice");
        c.insert("aws:PrincipalTag/team", "a*b");
        c.insert_multi("aws:TagKeys", ["x", "y"]);
        c
    }

    fn check_glob(pattern: &str, text: &str, ignore_case: bool, expected: bool) {
        let template = Template::compile(pattern, VARS);
        let got = template.resolve(&ctx()).map(|t| glob(&t, text, ignore_case));
        assert_eq!(got, Ok(expected), "{pattern:?} vs {text:?}");
    }

    #[test]
    fn glob_star_and_question_mark() {
        for (pattern, text, ic, expected) in [
            ("*", "", false, true),
            ("*", "anything/at:all", false, true),
            ("a?c", "abc", false, true),
            ("a?c", "ac", false, false),
            ("a*c", "a/b/c", false, true),
            ("a*c", "a/b/cd", false, false),
            ("*a*a*a*a*a*b", &"a".repeat(200), false, false),
            ("ABC", "abc", false, false),
            ("ABC", "abc", true, true),
            ("é*", "ÉTÉ", true, true),
            ("", "", false, true),
            ("", "x", false, false),
            ("x?", "x😀", false, true),
        ] {
            check_glob(pattern, text, ic, expected);
        }
    }

    #[test]
    fn variables_substitute_literally_and_specials_escape() {
        for (pattern, text, expected) in [
            ("user/${aws:username}", "user/alice", true),
            ("user/${aws:username}", "user/bob", false),
            ("team/${aws:PrincipalTag/team}", "team/a*b", true),
            ("team/${aws:PrincipalTag/team}", "team/axxb", false),
            ("${*}", "*", true),
            ("${*}", "x", false),
            ("${?}${$}", "?$", true),
            ("x/${aws:nope, 'anon'}", "x/anon", true),
            ("x/${aws:nope,'anon'}", "x/anon", true),
            ("${aws:username", "${aws:username", true),
            ("${aws:username, anon}", "${aws:username, anon}", true),
            ("${aws:TagKeys, 'many'}", "many", true),
        ] {
            check_glob(pattern, text, false, expected);
        }
    }

    #[test]
    fn missing_variable_is_reported() {
        let t = Template::compile("user/${aws:userid}", VARS);
        assert_eq!(t.resolve(&ctx()), Err("aws:userid"));
        let literal = Template::compile("user/${aws:userid}", Syntax { wildcards: true, variables: false });
        assert_eq!(literal.resolve_text(&ctx()), Ok("user/${aws:userid}".to_string()));
    }

    fn check_arn(pattern: &str, arn: &str, expected: ArnMatch<'_>) {
        let p = ArnPattern::compile(pattern, true);
        assert_eq!(p.matches(arn, &ctx()), expected, "{pattern:?} vs {arn:?}");
    }

    #[test]
    fn arn_patterns_match_segment_by_segment() {
        use ArnMatch::*;
        for (pattern, arn, expected) in [
            ("*", "whatever", Match),
            ("arn:aws:eks:*:*:cluster/*", "arn:aws:eks:us-east-1:123456789012:cluster/demo", Match),
            ("arn:aws:eks:*:*:cluster/*", "arn:aws:eks:us-east-1:123456789012:cluster/*", Match),
            ("arn:aws:eks:*:*:cluster/*", "arn:aws:eks:us-east-1:123456789012:nodegroup/x", NoMatch),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b/c", Match),
            ("arn:aws:*:us-east-1:*:*", "arn:aws:eks:us-east-1:1:cluster/x", Match),
            ("arn:aws:e*s:*:*:*", "arn:aws:eks:us-east-1:1:cluster/x", Match),
            ("arn:aws:eks:us-*", "arn:aws:eks:us-east-1:1:cluster/x", Match),
            ("arn:aws:eks:*", "arn:aws:eks", NoMatch),
            ("arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/alice", Match),
            ("arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/Alice", NoMatch),
            ("arn:aws:iam::*:user/${aws:userid}", "arn:aws:iam::1:user/alice", MissingVariable("aws:userid")),
            ("arn:aws:iam::1:user/*", "arn:aws:iam::1:user/a", Match),
            ("arn:aws:iam::1:USER/*", "arn:aws:iam::1:user/a", NoMatch),
            ("arn:aws:iam::1:user/*", "*", NoMatch),
            ("", "", Match),
        ] {
            check_arn(pattern, arn, expected);
        }
    }

    #[test]
    fn segments_do_not_split_inside_variables() {
        assert_eq!(
            split_segments("arn:aws:s3:::b/${aws:username}/x:y", true),
            vec!["arn", "aws", "s3", "", "", "b/${aws:username}/x:y"]
        );
        assert_eq!(split_segments("a:${aws:user:b", true), vec!["a", "${aws", "user", "b"]);
        assert_eq!(split_segments("a:${aws:user}:b", false), vec!["a", "${aws", "user}", "b"]);
    }

    #[test]
    fn actions_match_case_insensitively() {
        for (pattern, action, expected) in [
            ("*", "eks:DescribeCluster", true),
            ("eks:*", "EKS:describecluster", true),
            ("iam:*AccessKey*", "iam:ListAccessKeys", true),
            ("IAM:listaccesskeys", "iam:ListAccessKeys", true),
            ("iam:Get?ser", "iam:GetUser", true),
            ("iam:GetUser", "iam:GetUsers", false),
            ("eks:Describe*", "eks:ListClusters", false),
        ] {
            assert_eq!(action_matches(pattern, action), expected, "{pattern} {action}");
        }
    }
}
