//! Policy validation: JSON text to [`Policy`], or IAM's exact `MalformedPolicyDocument` message.
//!
//! IAM reports only the first failing check, so the checks run in IAM's order (reference
//! `iam-sts.md` §7.3; the order and texts are those of moto's validator, which was built against
//! AWS): grammar ("Syntax errors in policy."), the kind's element rules, version, the legacy
//! parser (Effect spelling, date values, resource shapes), unique SIDs, actions present,
//! resources present, resource ARN formats, action vendors, then trust-policy actions and
//! principal values. Unsupported constructs are refused here rather than over-permitted later.

use crate::condition::{Condition, Operator};
use crate::error::Malformed;
use crate::json::{self, Node, Position, Value};
use crate::pattern::ArnPattern;
use crate::policy::{
    ActionBlock, Effect, Policy, PolicyKind, PolicyVersion, PrincipalBlock, PrincipalEntry, ResourceBlock, Statement,
};
use crate::scalar::parse_date;

const TOP_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] =
    ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
const PARTITIONS: [&str; 8] =
    ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];
const IAM_RESOURCE_PREFIXES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// Parses and validates a policy document of the given kind.
///
/// On failure the error's [`Malformed::message`] is the text IAM returns in
/// `MalformedPolicyDocument`.
pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, Malformed> {
    let root = json::parse(text).map_err(|_| Malformed::Syntax)?;
    let doc = Doc::read(&root)?;

    for s in &doc.statements {
        if kind.is_identity_like() && s.principal.is_some() {
            return Err(Malformed::PrincipalNotAllowed);
        }
        if kind == PolicyKind::Trust && s.resource.is_some() {
            return Err(Malformed::ProhibitedResource);
        }
    }
    if kind == PolicyKind::Managed && doc.version != PolicyVersion::V20121017 {
        return Err(Malformed::VersionTooOld);
    }
    let deferred = legacy_parse(&doc)?;
    check_sids(&doc, kind)?;
    for s in &doc.statements {
        if s.action.as_ref().is_none_or(|(_, list)| list.is_empty()) {
            return Err(Malformed::MissingActions);
        }
    }
    for s in &doc.statements {
        if kind != PolicyKind::Trust && s.resource.as_ref().is_none_or(|(_, l)| l.is_empty()) {
            return Err(Malformed::MissingResources);
        }
        if !kind.is_identity_like() && s.principal.is_none() {
            return Err(Malformed::MissingPrincipal);
        }
    }
    if let Some(err) = deferred {
        return Err(err);
    }
    for negated in [false, true] {
        for s in &doc.statements {
            if let Some((n, list)) = &s.action {
                if *n == negated {
                    list.iter().try_for_each(|a| check_action(a))?;
                }
            }
        }
    }
    if kind == PolicyKind::Trust {
        for s in &doc.statements {
            for a in s.action.iter().flat_map(|(_, list)| list) {
                let vendor = a.split(':').next().unwrap_or("");
                if !vendor.eq_ignore_ascii_case("sts") {
                    return Err(Malformed::TrustActionNotSts);
                }
            }
        }
    }
    for s in &doc.statements {
        for p in s.principal.iter().flat_map(|(_, list)| list) {
            check_principal(p)?;
        }
    }
    Ok(doc.build(kind))
}

/// A statement after the grammar check, still borrowing the JSON tree.
struct RawStatement<'a> {
    node: &'a Node,
    sid: Option<&'a str>,
    effect: &'a str,
    principal: Option<(bool, Vec<PrincipalEntry>)>,
    action: Option<(bool, Vec<&'a str>)>,
    resource: Option<(bool, Vec<&'a str>)>,
    conditions: Vec<(Operator, &'a str, Vec<String>)>,
}

/// A document after the grammar check.
struct Doc<'a> {
    version: PolicyVersion,
    id: Option<&'a str>,
    statements: Vec<RawStatement<'a>>,
}

impl<'a> Doc<'a> {
    /// The grammar check: every failure here is "Syntax errors in policy.".
    fn read(root: &'a Node) -> Result<Doc<'a>, Malformed> {
        let Value::Object(_) = root.value else {
            return Err(Malformed::Syntax);
        };
        if root.keys().iter().any(|k| !TOP_ELEMENTS.contains(k)) {
            return Err(Malformed::Syntax);
        }
        let version = match root.get("Version") {
            None => PolicyVersion::Absent,
            Some(v) => match v.as_str() {
                Some("2012-10-17") => PolicyVersion::V20121017,
                Some("2008-10-17") => PolicyVersion::V20081017,
                _ => return Err(Malformed::Syntax),
            },
        };
        let id = match root.get("Id") {
            None => None,
            Some(v) => Some(v.as_str().ok_or(Malformed::Syntax)?),
        };
        let nodes: Vec<&Node> = match root.get("Statement").map(|n| (n, &n.value)) {
            Some((n, Value::Object(_))) => vec![n],
            Some((_, Value::Array(items))) if !items.is_empty() => items.iter().collect(),
            _ => return Err(Malformed::Syntax),
        };
        let statements = nodes.into_iter().map(RawStatement::read).collect::<Result<_, _>>()?;
        Ok(Doc { version, id, statements })
    }

    fn build(&self, kind: PolicyKind) -> Policy {
        let variables = self.version == PolicyVersion::V20121017;
        let statements = self
            .statements
            .iter()
            .enumerate()
            .map(|(index, s)| Statement {
                index,
                sid: s.sid.map(str::to_string),
                effect: if s.effect == "Deny" { Effect::Deny } else { Effect::Allow },
                principal: s
                    .principal
                    .as_ref()
                    .map(|(negated, list)| PrincipalBlock { negated: *negated, principals: list.clone() }),
                action: s
                    .action
                    .as_ref()
                    .map(|(negated, list)| ActionBlock { negated: *negated, patterns: owned(list) })
                    .unwrap_or(ActionBlock { negated: false, patterns: Vec::new() }),
                resource: s.resource.as_ref().map(|(negated, list)| ResourceBlock {
                    negated: *negated,
                    patterns: owned(list),
                    compiled: list.iter().map(|p| ArnPattern::compile(p, variables)).collect(),
                }),
                conditions: s
                    .conditions
                    .iter()
                    .map(|(op, key, values)| Condition::new(*op, key.to_string(), values.clone(), variables))
                    .collect(),
                // The simulator reports the column just past the opening brace.
                start: Position { line: s.node.start.line, column: s.node.start.column.saturating_add(1) },
                end: s.node.end,
            })
            .collect();
        Policy { kind, version: self.version, id: self.id.map(str::to_string), statements }
    }
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl<'a> RawStatement<'a> {
    fn read(node: &'a Node) -> Result<RawStatement<'a>, Malformed> {
        let Value::Object(_) = node.value else {
            return Err(Malformed::Syntax);
        };
        if node.keys().iter().any(|k| !STATEMENT_ELEMENTS.contains(k)) {
            return Err(Malformed::Syntax);
        }
        let effect = node
            .get("Effect")
            .and_then(Node::as_str)
            .filter(|e| e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny"))
            .ok_or(Malformed::Syntax)?;
        let sid = match node.get("Sid") {
            None => None,
            Some(v) => Some(v.as_str().ok_or(Malformed::Syntax)?),
        };
        Ok(RawStatement {
            node,
            sid,
            effect,
            principal: either(node, "Principal", "NotPrincipal", read_principal)?,
            action: either(node, "Action", "NotAction", string_list)?,
            resource: either(node, "Resource", "NotResource", string_list)?,
            conditions: read_conditions(node.get("Condition"))?,
        })
    }
}

/// Reads the element `positive` or its negation `negative`; both at once is a syntax error.
fn either<'a, T>(
    node: &'a Node,
    positive: &str,
    negative: &str,
    read: fn(&'a Node) -> Result<T, Malformed>,
) -> Result<Option<(bool, T)>, Malformed> {
    match (node.get(positive), node.get(negative)) {
        (Some(_), Some(_)) => Err(Malformed::Syntax),
        (Some(v), None) => Ok(Some((false, read(v)?))),
        (None, Some(v)) => Ok(Some((true, read(v)?))),
        (None, None) => Ok(None),
    }
}

/// A string or an array of strings.
fn string_list(node: &Node) -> Result<Vec<&str>, Malformed> {
    match &node.value {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items.iter().map(|i| i.as_str().ok_or(Malformed::Syntax)).collect(),
        _ => Err(Malformed::Syntax),
    }
}

/// `"*"`, or an object of principal types to a string or array of strings.
fn read_principal(node: &Node) -> Result<Vec<PrincipalEntry>, Malformed> {
    match &node.value {
        Value::String(s) if s == "*" => Ok(vec![PrincipalEntry::Any]),
        Value::Object(members) if !members.is_empty() => {
            let mut out = Vec::new();
            for (kind, value) in node.members() {
                let make: fn(String) -> PrincipalEntry = match kind {
                    "AWS" => PrincipalEntry::Aws,
                    "Service" => PrincipalEntry::Service,
                    "Federated" => PrincipalEntry::Federated,
                    "CanonicalUser" => PrincipalEntry::CanonicalUser,
                    _ => return Err(Malformed::Syntax),
                };
                let list = string_list(value)?;
                if list.is_empty() {
                    return Err(Malformed::Syntax);
                }
                out.extend(list.into_iter().map(|v| make(v.to_string())));
            }
            Ok(out)
        }
        _ => Err(Malformed::Syntax),
    }
}

/// A condition value: strings, and also JSON numbers and booleans, kept as their text.
fn scalar_text(node: &Node) -> Result<String, Malformed> {
    match &node.value {
        Value::String(s) | Value::Number(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(Malformed::Syntax),
    }
}

/// The `Condition` block. An unknown operator is a syntax error unless its block is empty, which
/// IAM accepts and ignores (moto's AWS-derived cases).
#[allow(clippy::type_complexity)]
fn read_conditions(node: Option<&Node>) -> Result<Vec<(Operator, &str, Vec<String>)>, Malformed> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let Value::Object(_) = node.value else {
        return Err(Malformed::Syntax);
    };
    let mut out = Vec::new();
    for (name, block) in node.members() {
        let Value::Object(_) = block.value else {
            return Err(Malformed::Syntax);
        };
        let mut entries = Vec::new();
        for (key, value) in block.members() {
            let values = match &value.value {
                Value::Array(items) => items.iter().map(scalar_text).collect::<Result<_, _>>()?,
                _ => vec![scalar_text(value)?],
            };
            entries.push((key, values));
        }
        match Operator::parse(name) {
            Some(op) => out.extend(entries.into_iter().map(|(k, v)| (op, k, v))),
            None if entries.is_empty() => {}
            None => return Err(Malformed::Syntax),
        }
    }
    Ok(out)
}

/// The legacy parser. Effect spelling and date values fail at once; the first resource format
/// error is returned for later (IAM reports it only after the SID and presence checks).
fn legacy_parse(doc: &Doc<'_>) -> Result<Option<Malformed>, Malformed> {
    for s in &doc.statements {
        if s.effect != "Allow" && s.effect != "Deny" {
            return Err(Malformed::LegacyParsing);
        }
        for (op, _, values) in &s.conditions {
            if op.base.is_date() && values.iter().any(|v| parse_date(v).is_none()) {
                return Err(Malformed::LegacyParsing);
            }
        }
    }
    let mut deferred: Option<Malformed> = None;
    for negated in [false, true] {
        for s in &doc.statements {
            let Some((n, list)) = &s.resource else {
                continue;
            };
            if *n != negated {
                continue;
            }
            let mut sorted = list.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            // Each bad resource replaces the previous finding, so IAM names the last one in this
            // order (moto's reproduction of AWS).
            for r in sorted {
                if let Some(err) = resource_format_error(r) {
                    deferred = Some(err);
                }
            }
            if deferred.is_none() && !list.iter().all(|r| legacy_resource_ok(r)) {
                return Err(Malformed::LegacyParsing);
            }
        }
    }
    Ok(deferred)
}

/// Python's `str.partition(":")`: before, whether a colon was found, after.
fn partition(s: &str) -> (&str, bool, &str) {
    match s.split_once(':') {
        Some((a, b)) => (a, true, b),
        None => (s, false, ""),
    }
}

/// The resource format checks IAM reports with the offending resource.
fn resource_format_error(resource: &str) -> Option<Malformed> {
    if resource == "*" {
        return None;
    }
    let (_, found, rest) = partition(resource);
    if !found {
        return Some(Malformed::ResourceNotArn { resource: resource.to_string() });
    }
    let (part, found, rest) = partition(rest);
    // AWS's own managed policies use `arn:*:…`, so a wildcard partition is accepted.
    if !PARTITIONS.contains(&part) && !part.contains(['*', '?']) {
        let fields: Vec<&str> = rest.split(':').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("*");
        let first = if rest.is_empty() { "*" } else { field(0) };
        let last =
            if fields.len() > 3 { fields.get(3..).map(|f| f.join(":")).unwrap_or_default() } else { "*".to_string() };
        return Some(Malformed::InvalidPartition {
            partition: part.to_string(),
            resource: format!("arn:{part}:{first}:{}:{}:{last}", field(1), field(2)),
        });
    }
    if !found {
        return Some(Malformed::ResourceVendor);
    }
    let (service, _, rest) = partition(rest);
    // "Wildcards are allowed within ARN segments but not in the service segment" (§10.2).
    if service.contains(['*', '?']) {
        return Some(Malformed::ResourceVendor);
    }
    let (region, _, after_region) = partition(rest);
    let (account, _, path) = partition(after_region);
    if !region.is_empty() {
        match service {
            "iam" => return Some(Malformed::IamResourceRegion { resource: resource.to_string() }),
            // Buckets and objects are global; access points, grants and jobs are regional and
            // carry an account (AWS's own managed policies name `arn:aws:s3:*:*:accesspoint/…`).
            "s3" if account.is_empty() => return Some(Malformed::S3ResourceRegion { resource: resource.to_string() }),
            _ => {}
        }
    }
    // `arn:aws:iam::ACCT:root` names the root user (IAMAuditRootUserCredentials uses it).
    if service == "iam" && path != "*" && path != "root" && !IAM_RESOURCE_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return Some(Malformed::IamResourcePath);
    }
    None
}

/// The legacy parser's resource rule: a resource with `::` needs all six segments, and the
/// service segment may not be empty.
fn legacy_resource_ok(resource: &str) -> bool {
    resource == "*"
        || ((resource.matches(':').count() >= 5 || !resource.contains("::"))
            && resource.split(':').nth(2).is_some_and(|s| !s.is_empty()))
}

fn check_sids(doc: &Doc<'_>, kind: PolicyKind) -> Result<(), Malformed> {
    let mut seen: Vec<&str> = Vec::new();
    for sid in doc.statements.iter().filter_map(|s| s.sid) {
        if sid.is_empty() {
            continue;
        }
        if seen.contains(&sid) {
            return Err(Malformed::DuplicateSid);
        }
        seen.push(sid);
    }
    if kind.is_identity_like() && !seen.iter().all(|s| s.chars().all(|c| c.is_ascii_alphanumeric())) {
        return Err(Malformed::SidNotAlphanumeric);
    }
    Ok(())
}

fn check_action(action: &str) -> Result<(), Malformed> {
    let parts: Vec<&str> = action.split(':').collect();
    let vendor = parts.first().copied().unwrap_or("");
    if parts.len() == 1 && vendor != "*" {
        return Err(Malformed::MissingVendor);
    }
    if parts.len() > 2 {
        return Err(Malformed::TooManyColons);
    }
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if vendor != "*" && !vendor.chars().all(valid) {
        return Err(Malformed::InvalidVendor { vendor: vendor.to_string() });
    }
    Ok(())
}

/// Principal values: wildcards only as a bare `*`; AWS principals must be an account, a unique
/// ID, or an IAM user/role/root or STS session ARN (§7.3, §10.2).
fn check_principal(entry: &PrincipalEntry) -> Result<(), Malformed> {
    let invalid =
        |kind: &str, value: &str| Err(Malformed::InvalidPrincipal { kind: kind.to_string(), value: value.to_string() });
    match entry {
        PrincipalEntry::Any => Ok(()),
        PrincipalEntry::Aws(v) => {
            if v == "*" || is_account_id(v) || is_unique_id(v) || is_principal_arn(v) {
                Ok(())
            } else {
                invalid("AWS", v)
            }
        }
        PrincipalEntry::Service(v) => {
            if v == "*" || (!v.is_empty() && !v.contains(['*', '?'])) {
                Ok(())
            } else {
                invalid("Service", v)
            }
        }
        PrincipalEntry::Federated(v) | PrincipalEntry::CanonicalUser(v) => {
            if v.is_empty() || v.contains(['*', '?']) {
                let kind = if matches!(entry, PrincipalEntry::Federated(_)) { "Federated" } else { "CanonicalUser" };
                invalid(kind, v)
            } else {
                Ok(())
            }
        }
    }
}

/// Twelve ASCII digits.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An IAM unique ID such as `AIDACKCEVSQ6C2EXAMPLE` or `AROADBQP57FF2AEXAMPLE`.
fn is_unique_id(s: &str) -> bool {
    (16..=128).contains(&s.len())
        && s.starts_with('A')
        && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `arn:PARTITION:iam::ACCT:root|user/…|role/…` or `arn:PARTITION:sts::ACCT:assumed-role/R/S|federated-user/N`.
fn is_principal_arn(s: &str) -> bool {
    if s.contains(['*', '?']) {
        return false;
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    if *arn != "arn" || !PARTITIONS.contains(partition) || !region.is_empty() || !is_account_id(account) {
        return false;
    }
    match *service {
        "iam" => {
            *resource == "root"
                || resource.strip_prefix("user/").is_some_and(|n| !n.is_empty())
                || resource.strip_prefix("role/").is_some_and(|n| !n.is_empty())
        }
        "sts" => {
            resource
                .strip_prefix("assumed-role/")
                .is_some_and(|rest| rest.split('/').filter(|p| !p.is_empty()).count() == 2)
                || resource.strip_prefix("federated-user/").is_some_and(|n| !n.is_empty())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `doc` as `kind` and compares the outcome with `expected` (`Ok(())` or the message).
    fn check(kind: PolicyKind, doc: &str, expected: Result<(), &str>) {
        let got = parse(doc, kind).map(|_| ()).map_err(|e| e.message());
        assert_eq!(got, expected.map_err(str::to_string), "{kind:?}: {doc}");
    }

    /// Wraps one statement body in a 2012-10-17 document.
    fn stmt(body: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":{{{body}}}}}"#)
    }

    const OK: Result<(), &str> = Ok(());
    const SYNTAX: Result<(), &str> = Err("Syntax errors in policy.");
    const LEGACY: Result<(), &str> = Err("The policy failed legacy parsing");
    const BUCKET: &str = r#""Resource":"arn:aws:s3:::example_bucket""#;

    #[test]
    fn identity_policy_validation_matches_iam_texts() {
        use PolicyKind::Identity;
        let s3 = |extra: &str| stmt(&format!(r#""Effect":"Allow","Action":"s3:ListBucket",{BUCKET}{extra}"#));
        let cases: Vec<(String, Result<(), &str>)> = vec![
            ("This is not a json document".into(), SYNTAX),
            (r#"{"Version":"2013-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#.into(), SYNTAX),
            (r#"{"Version":"2012-10-17"}"#.into(), SYNTAX),
            (r#"{"Version":"2012-10-17","Statement":["afd"]}"#.into(), SYNTAX),
            (r#"{"Version":"2012-10-17","Statement":[]}"#.into(), SYNTAX),
            (r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},"Extra field":"value"}"#.into(), SYNTAX),
            (r#"{"Version":"2012-10-17","Id":["x"],"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#.into(), SYNTAX),
            (s3(r#","Extra field":"value""#), SYNTAX),
            (stmt(&format!(r#""Effect":"invalid","Action":"s3:ListBucket",{BUCKET}"#)), SYNTAX),
            (stmt(&format!(r#""Action":"s3:ListBucket",{BUCKET}"#)), SYNTAX),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":{"a":"x"}"#), SYNTAX),
            (stmt(r#""Effect":"Deny","Action":"s3:ListBucket","Resource":["adfdf",{}]"#), SYNTAX),
            (stmt(r#""Effect":"Allow","NotAction":"s3:ListBucket","Resource":"*","NotResource":[]"#), SYNTAX),
            (stmt(r#""Effect":"Deny","Action":[[]],"Resource":"*""#), SYNTAX),
            (stmt(r#""Effect":"Allow","NotAction":"s3s:ListBucket","Action":[],"Resource":"*""#), SYNTAX),
            (stmt(r#""Effect":"Allow","Action":{},"Resource":"*""#), SYNTAX),
            (s3(r#","Condition":[]"#), SYNTAX),
            (s3(r#","Condition":"a""#), SYNTAX),
            (s3(r#","Condition":{"a":"b"}"#), SYNTAX),
            (s3(r#","Condition":{"DateGreaterThan":"b"}"#), SYNTAX),
            (s3(r#","Condition":{"DateGreaterThan":[]}"#), SYNTAX),
            (s3(r#","Condition":{"DateGreaterThan":{"a":{}}}"#), SYNTAX),
            (s3(r#","Condition":{"x":{"a":"1"}}"#), SYNTAX),
            (s3(r#","Condition":{"stringequals":{"a":"1"}}"#), SYNTAX),
            (s3(r#","Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"asf"}}"#), SYNTAX),
            (s3(r#","Condition":{"NullIfExists":{"a":"true"}}"#), SYNTAX),
            (s3(r#","Sid":{}"#), SYNTAX),
            (s3(r#","Sid":[]"#), SYNTAX),
            (s3(r#","Condition":{"StringEquals":{"a":null}}"#), SYNTAX),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Principal":"*""#), Err("Policy document should not specify a principal.")),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","NotPrincipal":{"AWS":"*"}"#), Err("Policy document should not specify a principal.")),
            (stmt(r#""Effect":"Allow","Action":"invalid","Resource":"arn:aws:s3:::b""#), Err("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")),
            (stmt(r#""Effect":"Allow","NotAction":"","Resource":"*""#), Err("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")),
            (stmt(r#""Effect":"Allow","Action":"a a:ListBucket","Resource":"*""#), Err("Vendor a a is not valid")),
            (stmt(r#""Effect":"Allow","Action":"s3:List:Bucket","Resource":"*""#), Err("Actions/Condition can contain only one colon.")),
            (r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3s:ListBucket","Resource":"*"},{"Effect":"Allow","Action":"s:3s:ListBucket","Resource":"*"}]}"#.into(), Err("Actions/Condition can contain only one colon.")),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource""#), Err(r#"Resource invalid resource must be in ARN format or "*"."#)),
            (stmt(r#""Effect":"Allow","Action":"s:3:ListBucket","Resource":"sdfsadf""#), Err(r#"Resource sdfsadf must be in ARN format or "*"."#)),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"""#), Err(r#"Resource  must be in ARN format or "*"."#)),
            (stmt(r#""Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad""#), Err(r#"Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*"."#)),
            (stmt(r#""Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:cadfsdf""#), Err(r#"Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*"."#)),
            (stmt(r#""Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:c:d:e:f:g:h""#), Err(r#"Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h"."#)),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket""#), Err(r#"Partition "s3" is not valid for resource "arn:s3:::example_bucket:*"."#)),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:error:s3:::example_bucket","arn:error:s3::example_bucket"]"#), Err(r#"Partition "error" is not valid for resource "arn:error:s3:::example_bucket"."#)),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket""#), Err("Policy statement must contain resources.")),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":[]"#), Err("Policy statement must contain resources.")),
            (stmt(r#""Effect":"Allow","Action":"invalid""#), Err("Policy statement must contain resources.")),
            (stmt(&format!(r#""Effect":"Allow",{BUCKET}"#)), Err("Policy statement must contain actions.")),
            (stmt(r#""Effect":"Allow""#), Err("Policy statement must contain actions.")),
            (stmt(&format!(r#""Effect":"Allow","Action":[],{BUCKET}"#)), Err("Policy statement must contain actions.")),
            (r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#.into(), Err("Policy statement must contain actions.")),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket""#), Err(r#"IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/."#)),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws""#), Err("Resource vendor must be fully qualified and cannot contain regexes.")),
            (stmt(r#""Effect":"Allow","Action":"eks:*","Resource":"arn:aws:e*s:*:*:cluster/*""#), Err("Resource vendor must be fully qualified and cannot contain regexes.")),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:us-east-1::example_bucket""#), Err("IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.")),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket""#), Err("Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.")),
            (r#"{"Version":"2012-10-17","Statement":[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"sdf","Effect":"Allow"}]}"#.into(), Err("Statement IDs (SID) in a single policy must be unique.")),
            (s3(r#","Sid":"my-sid""#), Err("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")),
            (stmt(&format!(r#""Effect":"denY","Action":"s3:ListBucket",{BUCKET}"#)), LEGACY),
            (r#"{"Version":"2012-10-17","Statement":[{"Sid":"sdf","Effect":"aLLow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"sdf","Effect":"Allow"}]}"#.into(), LEGACY),
            (s3(r#","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}"#), LEGACY),
            (stmt(r#""Effect":"Allow","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}"#), LEGACY),
            (s3(r#","Condition":{"DateLessThanEquals":{"a":"234-13"}}"#), LEGACY),
            (s3(r#","Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.593194+1"}}"#), LEGACY),
            (s3(r#","Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.1999999999+10:59"}}"#), LEGACY),
            (s3(r#","Condition":{"DateLessThan":{"a":"9223372036854775808"}}"#), LEGACY),
            (s3(r#","Condition":{"ForAnyValue:DateLessThanIfExists":{"a":"x"}}"#), LEGACY),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket""#), LEGACY),
            (stmt(r#""Effect":"Allow","Resource":"arn:aws:s3::example_bucket""#), LEGACY),
            (stmt(r#""Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws::::example_bucket""#), LEGACY),
            (stmt(r#""Effect":"allow","Resource":"arn:aws:s3:us-east-1::example_bucket""#), LEGACY),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","NotResource":"arn:aws:s3::example_bucket""#), LEGACY),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:error:s3:::example_bucket","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}"#), LEGACY),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws::fdsasf""#), LEGACY),
            // Accepted.
            (s3(""), OK),
            (r#"{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#.into(), OK),
            (r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#.into(), OK),
            (stmt(r#""Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"arn:aws:s3:::example_bucket""#), OK),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::example_bucket","*"]"#), OK),
            (stmt(r#""Effect":"Allow","Action":"*","Resource":"*""#), OK),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::user/example_bucket""#), OK),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam::123456789012:*""#), OK),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s33:::example_bucket""#), OK),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:fdsasf""#), OK),
            (stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:cloudwatch:us-east-1::example_bucket""#), OK),
            (s3(r#","Condition":{}"#), OK),
            (s3(r#","Condition":{"a":{}}"#), OK),
            (s3(r#","Condition":{"x":{},"y":{}}"#), OK),
            (s3(r#","Condition":{"DateGreaterThan":{}}"#), OK),
            (s3(r#","Condition":{"DateGreaterThan":{"a":[]}}"#), OK),
            (s3(r#","Condition":{"DateGreaterThan":{"a":"01T"}}"#), OK),
            (s3(r#","Condition":{"DateLessThan":{"a":"-292275054"}}"#), OK),
            (s3(r#","Condition":{"DateLessThanEquals":{"a":"2016-12-13T21:20:37.593194+00:00"}}"#), OK),
            (s3(r#","Condition":{"ForAnyValue:StringEqualsIfExists":{"a":"asf"}}"#), OK),
            (s3(r#","Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"s3:max-keys":[10,"20"]}}"#), OK),
            (stmt(r#""Effect":"Allow","NotAction":"s3:ListBucket","NotResource":"*""#), OK),
            (stmt(r#""Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]"#), OK),
            (r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#.into(), OK),
            (r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:A","Resource":"*","Effect":"Deny"}}"#.into(), OK),
        ];
        for (doc, expected) in cases {
            check(Identity, &doc, expected);
        }
    }

    #[test]
    fn managed_policies_require_version_2012() {
        let body = r#""Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}"#;
        let old = Err("Policy document must be version 2012-10-17 or greater.");
        check(PolicyKind::Managed, &format!("{{{body}}}"), old);
        check(PolicyKind::Managed, &format!(r#"{{"Version":"2008-10-17",{body}}}"#), old);
        check(PolicyKind::Managed, &format!(r#"{{"Version":"2012-10-17",{body}}}"#), OK);
        check(PolicyKind::Managed, r#"{"Statement":{"Effect":"denY","Action":"s3:ListBucket","Resource":"*"}}"#, old);
        check(PolicyKind::Boundary, &format!("{{{body}}}"), OK);
        check(PolicyKind::Session, &format!("{{{body}}}"), OK);
    }

    #[test]
    fn trust_policies_need_principals_and_forbid_resources() {
        use PolicyKind::Trust;
        let trust = |body: &str| {
            let sep = if body.is_empty() { "" } else { "," };
            stmt(&format!(r#""Effect":"Allow","Action":"sts:AssumeRole"{sep}{body}"#))
        };
        for (doc, expected) in [
            (trust(r#""Principal":{"AWS":"arn:aws:iam::123456789012:root"}"#), OK),
            (trust(r#""Principal":{"AWS":"123456789012"}"#), OK),
            (
                trust(
                    r#""Principal":{"AWS":["arn:aws:iam::123456789012:user/path/alice","arn:aws:iam::123456789012:role/r"]}"#,
                ),
                OK,
            ),
            (trust(r#""Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/r/s"}"#), OK),
            (trust(r#""Principal":{"AWS":"AIDACKCEVSQ6C2EXAMPLE"}"#), OK),
            (trust(r#""Principal":{"Service":"eks.amazonaws.com"}"#), OK),
            (trust(r#""Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/x"}"#), OK),
            (trust(r#""Principal":"*""#), OK),
            (trust(r#""Principal":{"AWS":"*"},"Sid":"trust-1""#), OK),
            (trust(r#""Principal":{"AWS":"*"},"Resource":"*""#), Err("Has prohibited field Resource")),
            (trust(r#""Principal":{"AWS":"*"},"NotResource":"*""#), Err("Has prohibited field Resource")),
            (trust(""), Err("Missing required field Principal")),
            (trust(r#""Principal":{}"#), SYNTAX),
            (trust(r#""Principal":"arn:aws:iam::123456789012:root""#), SYNTAX),
            (trust(r#""Principal":{"Group":"x"}"#), SYNTAX),
            (trust(r#""Principal":{"AWS":[]}"#), SYNTAX),
            (
                trust(r#""Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/204503-PowerUser/*"}"#),
                Err(
                    r#"Invalid principal in policy: "AWS":"arn:aws:sts::123456789012:assumed-role/204503-PowerUser/*""#,
                ),
            ),
            (trust(r#""Principal":{"AWS":"bob"}"#), Err(r#"Invalid principal in policy: "AWS":"bob""#)),
            (
                trust(r#""Principal":{"AWS":"arn:aws:iam::123456789012:group/g"}"#),
                Err(r#"Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:group/g""#),
            ),
            (
                trust(r#""Principal":{"Service":"*.amazonaws.com"}"#),
                Err(r#"Invalid principal in policy: "Service":"*.amazonaws.com""#),
            ),
            (
                stmt(r#""Effect":"Allow","Action":"s3:GetObject","Principal":"*""#),
                Err("AssumeRole policy may only specify STS AssumeRole actions."),
            ),
            (
                stmt(r#""Effect":"Allow","Action":"*","Principal":"*""#),
                Err("AssumeRole policy may only specify STS AssumeRole actions."),
            ),
            (stmt(r#""Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Principal":"*""#), OK),
            (stmt(r#""Effect":"Allow","Principal":"*""#), Err("Policy statement must contain actions.")),
        ] {
            check(Trust, &doc, expected);
        }
    }

    #[test]
    fn resource_policies_need_principals_and_resources() {
        use PolicyKind::Resource;
        for (doc, expected) in [
            (stmt(r#""Effect":"Allow","Action":"s3:GetObject","Principal":"*","Resource":"*""#), OK),
            (
                stmt(r#""Effect":"Deny","Action":"s3:GetObject","NotPrincipal":{"AWS":"123456789012"},"Resource":"*""#),
                OK,
            ),
            (
                stmt(r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*""#),
                Err("Missing required field Principal"),
            ),
            (
                stmt(r#""Effect":"Allow","Action":"s3:GetObject","Principal":"*""#),
                Err("Policy statement must contain resources."),
            ),
            (
                stmt(r#""Effect":"Allow","Action":"s3:GetObject","Principal":"*","Resource":"*","Sid":"any-chars ok""#),
                OK,
            ),
        ] {
            check(Resource, &doc, expected);
        }
    }

    #[test]
    fn statement_positions_match_the_simulator() {
        // The AWS CLI example of simulate-custom-policy reports Start (1,38) and End (1,167).
        let doc = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}"#;
        let spans: Vec<_> = parse(doc, PolicyKind::Identity)
            .map(|p| p.statements.iter().map(|s| (s.start, s.end)).collect())
            .unwrap_or_default();
        let pos = |line, column| Position { line, column };
        assert_eq!(spans, vec![(pos(1, 38), pos(1, 167))]);

        let pretty = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Effect\": \"Allow\",\n            \"Action\": \"eks:*\",\n            \"Resource\": \"*\"\n        },\n        {\"Effect\": \"Deny\", \"Action\": \"eks:Delete*\", \"Resource\": \"*\"}\n    ]\n}";
        let spans: Vec<_> = parse(pretty, PolicyKind::Identity)
            .map(|p| p.statements.iter().map(|s| (s.index, s.start, s.end)).collect())
            .unwrap_or_default();
        assert_eq!(spans, vec![(0, pos(4, 10), pos(8, 10)), (1, pos(9, 10), pos(9, 69))]);
    }

    #[test]
    fn parsed_model_keeps_what_was_written() {
        let doc = r#"{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":["iam:*"],"Resource":"arn:aws:iam::*:user/${aws:username}","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"},"StringLike":{"aws:PrincipalTag/team":["a*","${aws:userid}"]}}}]}"#;
        let policy = parse(doc, PolicyKind::Identity);
        assert!(policy.is_ok(), "{policy:?}");
        if let Ok(p) = policy {
            assert_eq!(p.version, PolicyVersion::V20121017);
            assert_eq!(p.id.as_deref(), Some("p1"));
            let s = &p.statements[0];
            assert_eq!((s.sid.as_deref(), s.effect), (Some("A1"), Effect::Deny));
            assert!(s.action.negated);
            assert_eq!(s.conditions.len(), 2);
            assert_eq!(s.conditions[0].operator.to_string(), "BoolIfExists");
            assert_eq!(
                p.context_keys(),
                vec!["aws:username", "aws:MultiFactorAuthPresent", "aws:PrincipalTag/team", "aws:userid"]
            );
        }
    }
}
