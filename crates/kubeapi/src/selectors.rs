//! Label and field selectors (apimachinery `labels` and `fields`; kube-apiserver.md §8.2):
//! parsed once per request, matched against JSON objects.

use serde_json::Value;
use std::collections::BTreeMap;

/// One label requirement operator.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Eq,
    NotEq,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

/// A parsed `labelSelector`: requirements ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Open,
    Close,
    Comma,
    Eq,
    DoubleEq,
    NotEq,
    Bang,
    Gt,
    Lt,
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Ident(s) => s.clone(),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Eq => "=".into(),
            Tok::DoubleEq => "==".into(),
            Tok::NotEq => "!=".into(),
            Tok::Bang => "!".into(),
            Tok::Gt => ">".into(),
            Tok::Lt => "<".into(),
        }
    }
}

fn lex(input: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '>' => {
                out.push(Tok::Gt);
                i += 1
            }
            '<' => {
                out.push(Tok::Lt);
                i += 1
            }
            '=' => {
                if chars.get(i + 1) == Some(&'=') {
                    out.push(Tok::DoubleEq);
                    i += 2
                } else {
                    out.push(Tok::Eq);
                    i += 1
                }
            }
            '!' => {
                if chars.get(i + 1) == Some(&'=') {
                    out.push(Tok::NotEq);
                    i += 2
                } else {
                    out.push(Tok::Bang);
                    i += 1
                }
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t\n\r(),=!<>".contains(chars[i]) {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
        }
    }
    out
}

fn found(tok: Option<&Tok>, expected: &str) -> String {
    let t = tok.map(Tok::text).unwrap_or_else(|| "end of string".into());
    format!("unable to parse requirement: found '{t}', expected: {expected}")
}

impl LabelSelector {
    /// Parses `k=v,k!=v,k in (a,b),k notin (a),k,!k,k>1`; an error is the 400 message.
    pub fn parse(input: &str) -> Result<Self, String> {
        let toks = lex(input);
        let mut reqs = Vec::new();
        let mut i = 0;
        if toks.is_empty() {
            return Ok(Self::default());
        }
        loop {
            let req = match toks.get(i) {
                Some(Tok::Bang) => {
                    i += 1;
                    match toks.get(i) {
                        Some(Tok::Ident(k)) => {
                            i += 1;
                            Requirement { key: k.clone(), op: Op::DoesNotExist, values: vec![] }
                        }
                        t => return Err(found(t, "identifier")),
                    }
                }
                Some(Tok::Ident(k)) => {
                    let key = k.clone();
                    i += 1;
                    match toks.get(i) {
                        None | Some(Tok::Comma) => Requirement { key, op: Op::Exists, values: vec![] },
                        Some(Tok::Ident(w)) if w == "in" || w == "notin" => {
                            let op = if w == "in" { Op::In } else { Op::NotIn };
                            i += 1;
                            if toks.get(i) != Some(&Tok::Open) {
                                return Err(found(toks.get(i), "'('"));
                            }
                            i += 1;
                            let mut values = Vec::new();
                            loop {
                                match toks.get(i) {
                                    Some(Tok::Ident(v)) => {
                                        values.push(v.clone());
                                        i += 1;
                                    }
                                    Some(Tok::Comma) | Some(Tok::Close) => values.push(String::new()),
                                    t => return Err(found(t, "',', ')' or identifier")),
                                }
                                match toks.get(i) {
                                    Some(Tok::Comma) => i += 1,
                                    Some(Tok::Close) => {
                                        i += 1;
                                        break;
                                    }
                                    t => return Err(found(t, "',' or ')'")),
                                }
                            }
                            // `k in ()` parses to one empty value; treat it as no values.
                            values.retain(|v| !v.is_empty());
                            Requirement { key, op, values }
                        }
                        Some(t @ (Tok::Eq | Tok::DoubleEq | Tok::NotEq | Tok::Gt | Tok::Lt)) => {
                            let op = match t {
                                Tok::NotEq => Op::NotEq,
                                Tok::Gt => Op::Gt,
                                Tok::Lt => Op::Lt,
                                _ => Op::Eq,
                            };
                            i += 1;
                            let value = match toks.get(i) {
                                Some(Tok::Ident(v)) => {
                                    i += 1;
                                    v.clone()
                                }
                                None | Some(Tok::Comma) => String::new(),
                                t => return Err(found(t, "identifier")),
                            };
                            if matches!(op, Op::Gt | Op::Lt) && value.parse::<i64>().is_err() {
                                return Err(format!(
                                    "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: {value}"
                                ));
                            }
                            Requirement { key, op, values: vec![value] }
                        }
                        t => return Err(found(t, "'=', '!=', '==', 'in', notin'")),
                    }
                }
                t => return Err(found(t, "!, identifier, or 'end of string'")),
            };
            reqs.push(req);
            match toks.get(i) {
                None => break,
                Some(Tok::Comma) => {
                    i += 1;
                    if i >= toks.len() {
                        return Err(found(None, "identifier"));
                    }
                }
                t => return Err(found(t, "',' or 'end of string'")),
            }
        }
        Ok(Self { reqs })
    }

    /// True when there is nothing to match.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Matches a label map.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.reqs.iter().all(|r| {
            let v = labels.get(&r.key);
            match r.op {
                Op::Eq => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                Op::NotEq => v.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                Op::In => v.is_some_and(|v| r.values.contains(v)),
                Op::NotIn => v.is_none_or(|v| !r.values.contains(v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
                Op::Gt | Op::Lt => {
                    let (Some(have), Some(want)) =
                        (v.and_then(|v| v.parse::<i64>().ok()), r.values.first().and_then(|v| v.parse::<i64>().ok()))
                    else {
                        return false;
                    };
                    if r.op == Op::Gt {
                        have > want
                    } else {
                        have < want
                    }
                }
            }
        })
    }

    /// Matches an object's `metadata.labels`.
    pub fn matches_object(&self, obj: &Value) -> bool {
        self.is_empty() || self.matches(&labels_of(obj))
    }
}

/// `metadata.labels` as a map.
pub fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    obj.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
        .unwrap_or_default()
}

/// A parsed `fieldSelector`: `field=value`, `field==value`, `field!=value` terms ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push('\\');
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if escaped {
        cur.push('\\');
    }
    out.push(cur);
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e @ ('\\' | ',' | '=')) => out.push(e),
                Some(e) => return Err(format!("invalid field selector: invalid escape sequence: \\{e}")),
                None => return Err("invalid field selector: unterminated escape sequence".into()),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

impl FieldSelector {
    /// Parses a field selector; an error is the 400 message.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        if input.trim().is_empty() {
            return Ok(Self::default());
        }
        for term in split_unescaped(input, ',') {
            if term.is_empty() {
                continue;
            }
            let mut parsed = None;
            let bytes = term.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if term[i..].starts_with("!=") {
                    parsed = Some((&term[..i], false, &term[i + 2..]));
                } else if term[i..].starts_with("==") {
                    parsed = Some((&term[..i], true, &term[i + 2..]));
                } else if term[i..].starts_with('=') {
                    parsed = Some((&term[..i], true, &term[i + 1..]));
                }
                if parsed.is_some() {
                    break;
                }
                i += 1;
            }
            let Some((f, eq, v)) = parsed else {
                return Err(format!("invalid selector: '{input}'; can't understand '{term}'"));
            };
            terms.push((unescape(f)?, eq, unescape(v)?));
        }
        Ok(Self { terms })
    }

    /// The value a term `field=value` requires.
    pub fn requires_exact_match(&self, field: &str) -> Option<String> {
        self.terms.iter().find(|(f, eq, _)| f == field && *eq).map(|(_, _, v)| v.clone())
    }

    /// True when there is nothing to match.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The fields it names.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|(f, _, _)| f.as_str())
    }

    /// Matches an object of resource `resource` (group-qualified for non-core).
    pub fn matches(&self, resource: &str, obj: &Value) -> bool {
        self.terms.iter().all(|(f, eq, want)| {
            let have = field_value(resource, obj, f).unwrap_or_default();
            (have == *want) == *eq
        })
    }
}

fn text(obj: &Value, pointer: &str) -> String {
    match obj.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn text_or(obj: &Value, pointer: &str, default: &str) -> String {
    let t = text(obj, pointer);
    if t.is_empty() {
        default.to_owned()
    } else {
        t
    }
}

/// The value of a supported selector field, `None` for a field the resource does not support
/// (which kube-apiserver answers with 400 `field label not supported: <f>`).
/// `resource` is the plural, group-qualified for non-core groups (`replicasets.apps`).
pub fn field_value(resource: &str, obj: &Value, field: &str) -> Option<String> {
    match field {
        "metadata.name" => return Some(text(obj, "/metadata/name")),
        "metadata.namespace" => return Some(text(obj, "/metadata/namespace")),
        _ => {}
    }
    let v = match (resource, field) {
        ("pods", "spec.nodeName") => text(obj, "/spec/nodeName"),
        ("pods", "spec.restartPolicy") => text(obj, "/spec/restartPolicy"),
        ("pods", "spec.schedulerName") => text(obj, "/spec/schedulerName"),
        ("pods", "spec.serviceAccountName") => text(obj, "/spec/serviceAccountName"),
        ("pods", "spec.hostNetwork") => text_or(obj, "/spec/hostNetwork", "false"),
        ("pods", "status.phase") => text(obj, "/status/phase"),
        ("pods", "status.podIP") => text(obj, "/status/podIP"),
        ("pods", "status.nominatedNodeName") => text(obj, "/status/nominatedNodeName"),
        ("secrets", "type") => text(obj, "/type"),
        ("namespaces", "status.phase") => text(obj, "/status/phase"),
        ("nodes", "spec.unschedulable") => text_or(obj, "/spec/unschedulable", "false"),
        ("events", f) => match f {
            "involvedObject.kind" => text(obj, "/involvedObject/kind"),
            "involvedObject.namespace" => text(obj, "/involvedObject/namespace"),
            "involvedObject.name" => text(obj, "/involvedObject/name"),
            "involvedObject.uid" => text(obj, "/involvedObject/uid"),
            "involvedObject.apiVersion" => text(obj, "/involvedObject/apiVersion"),
            "involvedObject.resourceVersion" => text(obj, "/involvedObject/resourceVersion"),
            "involvedObject.fieldPath" => text(obj, "/involvedObject/fieldPath"),
            "reason" => text(obj, "/reason"),
            "reportingComponent" => text(obj, "/reportingComponent"),
            "source" => text(obj, "/source/component"),
            "type" => text(obj, "/type"),
            _ => return None,
        },
        ("replicasets.apps" | "replicationcontrollers", "status.replicas") => text_or(obj, "/status/replicas", "0"),
        ("jobs.batch", "status.successful") => text_or(obj, "/status/succeeded", "0"),
        _ => return None,
    };
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn label_selector_table() {
        let app_web = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        let none = labels(&[]);
        let cases: &[(&str, &BTreeMap<String, String>, bool)] = &[
            ("app=web", &app_web, true),
            ("app==web", &app_web, true),
            ("app=db", &app_web, false),
            ("app!=db", &app_web, true),
            ("app!=db", &none, true),
            ("app in (web,db)", &app_web, true),
            ("app in (db)", &app_web, false),
            ("app notin (db)", &app_web, true),
            ("app notin (db)", &none, true),
            ("app notin (web)", &app_web, false),
            ("app", &app_web, true),
            ("app", &none, false),
            ("!app", &none, true),
            ("!app", &app_web, false),
            ("app=web,tier=front", &app_web, true),
            ("app=web, tier=back", &app_web, false),
            ("n>4", &app_web, true),
            ("n<5", &app_web, false),
            ("kubernetes.io/cluster-service=true", &labels(&[("kubernetes.io/cluster-service", "true")]), true),
            ("", &none, true),
        ];
        for (sel, l, want) in cases {
            let s = LabelSelector::parse(sel).unwrap_or_else(|e| panic!("{sel}: {e}"));
            assert_eq!(s.matches(l), *want, "{sel}");
        }
    }

    #[test]
    fn label_selector_errors() {
        for bad in ["app in web", "=x", "a=b,", "app in (a", "n>x"] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_selector_table() {
        let ev = json!({"metadata":{"name":"e1","namespace":"kube-system"},
            "involvedObject":{"kind":"ConfigMap","namespace":"kube-system","name":"aws-auth","uid":"u1"},"type":"Normal"});
        let s = FieldSelector::parse(
            "involvedObject.namespace=kube-system,involvedObject.kind=ConfigMap,involvedObject.uid=u1,involvedObject.name=aws-auth",
        )
        .unwrap();
        assert!(s.matches("events", &ev));
        let s = FieldSelector::parse("involvedObject.uid=u2").unwrap();
        assert!(!s.matches("events", &ev));
        let pod = json!({"metadata":{"name":"p"},"spec":{"nodeName":"n1"},"status":{"phase":"Running"}});
        assert!(FieldSelector::parse("spec.nodeName=n1,status.phase!=Failed").unwrap().matches("pods", &pod));
        assert!(!FieldSelector::parse("status.phase!=Running").unwrap().matches("pods", &pod));
        assert!(FieldSelector::parse("metadata.name==p").unwrap().matches("pods", &pod));
        assert_eq!(field_value("configmaps", &pod, "spec.nodeName"), None);
        assert_eq!(
            FieldSelector::parse("metadata.name=x").unwrap().requires_exact_match("metadata.name"),
            Some("x".into())
        );
        assert_eq!(FieldSelector::parse("metadata.name!=x").unwrap().requires_exact_match("metadata.name"), None);
        assert_eq!(
            FieldSelector::parse(r"metadata.name=a\,b").unwrap().requires_exact_match("metadata.name"),
            Some("a,b".into())
        );
        assert!(FieldSelector::parse("nonsense").is_err());
    }
}
