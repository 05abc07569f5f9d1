//! Condition operators and their evaluation.
//!
//! A `Condition` block is `{Operator: {Key: Value-or-[Values]}}`. Operators AND together, keys
//! within an operator AND together, and the values of one key OR together, except that a negated
//! operator (`StringNotEquals`, `NotIpAddress`, …) requires the request value to match none of
//! them (reference `iam-sts.md` §10.4). A key missing from the request makes positive operators
//! false and negated ones true; `…IfExists` makes a missing key true; `Null` tests presence;
//! `ForAnyValue:` / `ForAllValues:` compare a set of request values. Key names compare
//! case-insensitively, operator names case-sensitively.

use std::fmt;

use crate::context::{Context, ContextValue};
use crate::pattern::{glob, ArnMatch, ArnPattern, Syntax, Template};
use crate::scalar::{decode_base64, parse_date, parse_number, Cidr};

/// The base operators of the IAM condition language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseOperator {
    /// Exact, case-sensitive string equality.
    StringEquals,
    /// Negation of `StringEquals`.
    StringNotEquals,
    /// String equality ignoring case.
    StringEqualsIgnoreCase,
    /// Negation of `StringEqualsIgnoreCase`.
    StringNotEqualsIgnoreCase,
    /// Case-sensitive glob with `*` and `?`.
    StringLike,
    /// Negation of `StringLike`.
    StringNotLike,
    /// Numeric equality.
    NumericEquals,
    /// Numeric inequality.
    NumericNotEquals,
    /// Request value < policy value.
    NumericLessThan,
    /// Request value ≤ policy value.
    NumericLessThanEquals,
    /// Request value > policy value.
    NumericGreaterThan,
    /// Request value ≥ policy value.
    NumericGreaterThanEquals,
    /// Same instant.
    DateEquals,
    /// Different instant.
    DateNotEquals,
    /// Request date before the policy date.
    DateLessThan,
    /// Request date at or before the policy date.
    DateLessThanEquals,
    /// Request date after the policy date.
    DateGreaterThan,
    /// Request date at or after the policy date.
    DateGreaterThanEquals,
    /// `"true"` / `"false"`, compared ignoring case.
    Bool,
    /// Bytes equal to the base64-decoded policy value.
    BinaryEquals,
    /// Request IP inside one of the policy CIDR ranges.
    IpAddress,
    /// Request IP inside none of the policy CIDR ranges.
    NotIpAddress,
    /// ARN match, segment by segment with wildcards (same as `ArnLike`).
    ArnEquals,
    /// ARN match, segment by segment with wildcards.
    ArnLike,
    /// Negation of `ArnEquals`.
    ArnNotEquals,
    /// Negation of `ArnLike`.
    ArnNotLike,
    /// `"true"`: the key is absent; `"false"`: the key is present.
    Null,
}

const ALL_BASE: [BaseOperator; 27] = [
    BaseOperator::StringEquals,
    BaseOperator::StringNotEquals,
    BaseOperator::StringEqualsIgnoreCase,
    BaseOperator::StringNotEqualsIgnoreCase,
    BaseOperator::StringLike,
    BaseOperator::StringNotLike,
    BaseOperator::NumericEquals,
    BaseOperator::NumericNotEquals,
    BaseOperator::NumericLessThan,
    BaseOperator::NumericLessThanEquals,
    BaseOperator::NumericGreaterThan,
    BaseOperator::NumericGreaterThanEquals,
    BaseOperator::DateEquals,
    BaseOperator::DateNotEquals,
    BaseOperator::DateLessThan,
    BaseOperator::DateLessThanEquals,
    BaseOperator::DateGreaterThan,
    BaseOperator::DateGreaterThanEquals,
    BaseOperator::Bool,
    BaseOperator::BinaryEquals,
    BaseOperator::IpAddress,
    BaseOperator::NotIpAddress,
    BaseOperator::ArnEquals,
    BaseOperator::ArnLike,
    BaseOperator::ArnNotEquals,
    BaseOperator::ArnNotLike,
    BaseOperator::Null,
];

impl BaseOperator {
    /// The operator's name as written in policies.
    pub fn name(self) -> &'static str {
        use BaseOperator::*;
        match self {
            StringEquals => "StringEquals",
            StringNotEquals => "StringNotEquals",
            StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            StringLike => "StringLike",
            StringNotLike => "StringNotLike",
            NumericEquals => "NumericEquals",
            NumericNotEquals => "NumericNotEquals",
            NumericLessThan => "NumericLessThan",
            NumericLessThanEquals => "NumericLessThanEquals",
            NumericGreaterThan => "NumericGreaterThan",
            NumericGreaterThanEquals => "NumericGreaterThanEquals",
            DateEquals => "DateEquals",
            DateNotEquals => "DateNotEquals",
            DateLessThan => "DateLessThan",
            DateLessThanEquals => "DateLessThanEquals",
            DateGreaterThan => "DateGreaterThan",
            DateGreaterThanEquals => "DateGreaterThanEquals",
            Bool => "Bool",
            BinaryEquals => "BinaryEquals",
            IpAddress => "IpAddress",
            NotIpAddress => "NotIpAddress",
            ArnEquals => "ArnEquals",
            ArnLike => "ArnLike",
            ArnNotEquals => "ArnNotEquals",
            ArnNotLike => "ArnNotLike",
            Null => "Null",
        }
    }

    /// The operator with this exact (case-sensitive) name.
    pub fn from_name(name: &str) -> Option<BaseOperator> {
        ALL_BASE.into_iter().find(|op| op.name() == name)
    }

    /// Whether the operator is a negation, which is true when the key is absent and requires the
    /// request value to match none of the policy values.
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether the operator compares dates (its values are checked when the policy is parsed).
    pub fn is_date(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            DateEquals | DateNotEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals
        )
    }
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// True iff at least one request value satisfies the operator; false when none are given.
    ForAnyValue,
    /// True iff every request value satisfies the operator; true when none are given.
    ForAllValues,
}

/// A full operator: optional set qualifier, base operator, optional `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// `ForAnyValue:` / `ForAllValues:`, if written.
    pub qualifier: Option<SetQualifier>,
    /// The base operator.
    pub base: BaseOperator,
    /// Whether `IfExists` was appended (never on `Null`).
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name such as `ForAnyValue:StringLikeIfExists`; names are
    /// case-sensitive.
    pub fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        if let Some(base) = BaseOperator::from_name(rest) {
            return Some(Operator { qualifier, base, if_exists: false });
        }
        let base = BaseOperator::from_name(rest.strip_suffix("IfExists")?)?;
        (base != BaseOperator::Null).then_some(Operator { qualifier, base, if_exists: true })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// A policy value read the way its operator needs it.
#[derive(Debug, Clone, PartialEq)]
enum Compiled {
    Text(Template),
    Arn(ArnPattern),
    Number(Option<f64>),
    Date(Option<i128>),
    Cidr(Option<Cidr>),
    Bytes(Option<Vec<u8>>),
    Null(Option<bool>),
}

/// One operator–key pair of a statement's `Condition` block, with its policy values.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The condition key as written (matched case-insensitively).
    pub key: String,
    /// The policy values as written; JSON numbers and booleans are kept as their text.
    pub values: Vec<String>,
    compiled: Vec<Compiled>,
}

impl Condition {
    /// Compiles a condition; `variables` enables `${…}` (policy version 2012-10-17).
    pub(crate) fn new(operator: Operator, key: String, values: Vec<String>, variables: bool) -> Condition {
        use BaseOperator::*;
        let text = |wildcards| Syntax { wildcards, variables };
        let compiled = values
            .iter()
            .map(|v| match operator.base {
                StringEquals | StringNotEquals | StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | Bool => {
                    Compiled::Text(Template::compile(v, text(false)))
                }
                StringLike | StringNotLike => Compiled::Text(Template::compile(v, text(true))),
                ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Compiled::Arn(ArnPattern::compile(v, variables)),
                NumericEquals
                | NumericNotEquals
                | NumericLessThan
                | NumericLessThanEquals
                | NumericGreaterThan
                | NumericGreaterThanEquals => Compiled::Number(parse_number(v)),
                DateEquals
                | DateNotEquals
                | DateLessThan
                | DateLessThanEquals
                | DateGreaterThan
                | DateGreaterThanEquals => Compiled::Date(parse_date(v)),
                IpAddress | NotIpAddress => Compiled::Cidr(Cidr::parse(v)),
                BinaryEquals => Compiled::Bytes(decode_base64(v)),
                Null => Compiled::Null(if v.eq_ignore_ascii_case("true") {
                    Some(true)
                } else if v.eq_ignore_ascii_case("false") {
                    Some(false)
                } else {
                    None
                }),
            })
            .collect();
        Condition { operator, key, values, compiled }
    }

    /// Context keys read by policy variables in the values; with `required_only`, only those
    /// without a default.
    pub(crate) fn variable_keys(&self, required_only: bool) -> Vec<&str> {
        let mut out = Vec::new();
        for c in &self.compiled {
            match (c, required_only) {
                (Compiled::Text(t), false) => out.extend(t.variables()),
                (Compiled::Text(t), true) => out.extend(t.required_variables()),
                (Compiled::Arn(p), false) => out.extend(p.variables()),
                (Compiled::Arn(p), true) => out.extend(p.required_variables()),
                _ => {}
            }
        }
        out
    }

    /// Evaluates the condition against `ctx`. Keys the condition reads but `ctx` lacks (the key
    /// itself and any variables without a default) are appended to `missing`.
    pub(crate) fn evaluate(&self, ctx: &Context, missing: &mut Vec<String>) -> bool {
        for key in self.variable_keys(true) {
            if !ctx.contains(key) {
                push_missing(missing, key);
            }
        }
        let value = ctx.get(&self.key);
        if value.is_none() {
            push_missing(missing, &self.key);
        }
        let op = self.operator;
        if op.base == BaseOperator::Null {
            let absent = value.is_none_or(|v| v.as_slice().is_empty());
            return self
                .compiled
                .iter()
                .any(|c| matches!(c, Compiled::Null(Some(want_absent)) if *want_absent == absent));
        }
        let Some(value) = value else {
            return op.if_exists
                || match op.qualifier {
                    Some(SetQualifier::ForAllValues) => true,
                    Some(SetQualifier::ForAnyValue) => false,
                    None => op.base.is_negated(),
                };
        };
        let values = value.as_slice();
        match op.qualifier {
            Some(SetQualifier::ForAnyValue) => values.iter().any(|r| self.satisfies(r, ctx)),
            Some(SetQualifier::ForAllValues) => values.iter().all(|r| self.satisfies(r, ctx)),
            None => match value {
                ContextValue::Single(r) => self.satisfies(r, ctx),
                // An empty list is treated like an absent key; a bare operator on a key with
                // several values never matches (reference §10.4, unconfirmed).
                ContextValue::Multi(list) => match list.as_slice() {
                    [] => op.if_exists || op.base.is_negated(),
                    [one] => self.satisfies(one, ctx),
                    _ => false,
                },
            },
        }
    }

    /// Whether one request value satisfies the base operator against the policy values.
    fn satisfies(&self, request: &str, ctx: &Context) -> bool {
        use BaseOperator::*;
        let base = self.operator.base;
        let any = |hit: &dyn Fn(&Compiled) -> bool| self.compiled.iter().any(hit);
        match base {
            StringEquals | StringNotEquals => {
                let hit = any(&|c| text(c, ctx).is_some_and(|v| v == request));
                hit != base.is_negated()
            }
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                let request = request.to_lowercase();
                let hit = any(&|c| text(c, ctx).is_some_and(|v| v.to_lowercase() == request));
                hit != base.is_negated()
            }
            StringLike | StringNotLike => {
                let hit = any(&|c| match c {
                    Compiled::Text(t) => t.resolve(ctx).is_ok_and(|toks| glob(&toks, request, false)),
                    _ => false,
                });
                hit != base.is_negated()
            }
            Bool => any(&|c| text(c, ctx).is_some_and(|v| v.eq_ignore_ascii_case(request))),
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
                let hit = any(&|c| matches!(c, Compiled::Arn(p) if p.matches(request, ctx) == ArnMatch::Match));
                hit != base.is_negated()
            }
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => {
                // An unreadable request value satisfies neither form (unconfirmed).
                let Some(r) = parse_number(request) else {
                    return false;
                };
                let cmp = |p: f64| match base {
                    NumericLessThan => r < p,
                    NumericLessThanEquals => r <= p,
                    NumericGreaterThan => r > p,
                    NumericGreaterThanEquals => r >= p,
                    _ => r == p,
                };
                let hit = any(&|c| matches!(c, Compiled::Number(Some(p)) if cmp(*p)));
                hit != base.is_negated()
            }
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => {
                let Some(r) = parse_date(request) else {
                    return false;
                };
                let cmp = |p: i128| match base {
                    DateLessThan => r < p,
                    DateLessThanEquals => r <= p,
                    DateGreaterThan => r > p,
                    DateGreaterThanEquals => r >= p,
                    _ => r == p,
                };
                let hit = any(&|c| matches!(c, Compiled::Date(Some(p)) if cmp(*p)));
                hit != base.is_negated()
            }
            IpAddress | NotIpAddress => {
                let Some(r) = Cidr::parse(request) else {
                    return false;
                };
                let hit = any(&|c| matches!(c, Compiled::Cidr(Some(net)) if net.contains(&r)));
                hit != base.is_negated()
            }
            BinaryEquals => {
                let r = decode_base64(request).unwrap_or_else(|| request.as_bytes().to_vec());
                any(&|c| matches!(c, Compiled::Bytes(Some(b)) if *b == r))
            }
            Null => false,
        }
    }
}

/// A text value with its variables resolved; `None` when a variable has no value.
fn text(c: &Compiled, ctx: &Context) -> Option<String> {
    match c {
        Compiled::Text(t) => t.resolve_text(ctx).ok(),
        _ => None,
    }
}

/// Appends `key` unless an equal key (ignoring case) is already listed.
pub(crate) fn push_missing(missing: &mut Vec<String>, key: &str) {
    if !missing.iter().any(|k| k.eq_ignore_ascii_case(key)) {
        missing.push(key.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates `op` on `key` with `values` (variables on) against `ctx`.
    fn check(op: &str, key: &str, values: &[&str], ctx: &Context, expected: bool) {
        let operator = Operator::parse(op);
        assert!(operator.is_some(), "unknown operator {op}");
        let got = operator.is_some_and(|operator| {
            let c = Condition::new(operator, key.to_string(), values.iter().map(|v| v.to_string()).collect(), true);
            c.evaluate(ctx, &mut Vec::new())
        });
        assert_eq!(got, expected, "{op} {key} {values:?} with {ctx:?}");
    }

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        let mut c = Context::new();
        for (k, v) in pairs {
            c.insert(*k, *v);
        }
        c
    }

    #[test]
    fn operator_names_are_case_sensitive_and_combine_modifiers() {
        for (name, ok) in [
            ("StringEquals", true),
            ("stringequals", false),
            ("StringEqualsIfExists", true),
            ("ForAnyValue:StringLikeIfExists", true),
            ("ForAllValues:NumericLessThan", true),
            ("ForAnyValue::StringEqualsIfExists", false),
            ("NullIfExists", false),
            ("ForAllValues:Null", true),
            ("StringEqualz", false),
            ("IfExists", false),
            ("", false),
        ] {
            assert_eq!(Operator::parse(name).is_some(), ok, "{name}");
            if let Some(op) = Operator::parse(name) {
                assert_eq!(op.to_string(), name);
            }
        }
    }

    #[test]
    fn string_operators() {
        let c = ctx(&[("s3:prefix", "home/Alice/x"), ("aws:username", "Alice")]);
        for (op, values, expected) in [
            ("StringEquals", &["home/Alice/x"][..], true),
            ("StringEquals", &["home/alice/x"], false),
            ("StringEquals", &["nope", "home/Alice/x"], true),
            ("StringEquals", &["home/*"], false),
            ("StringEquals", &["home/${aws:username}/x"], true),
            ("StringEquals", &["home/${aws:userid}/x"], false),
            ("StringNotEquals", &["home/Alice/x"], false),
            ("StringNotEquals", &["a", "b"], true),
            ("StringNotEquals", &["home/${aws:userid}/x"], true),
            ("StringEqualsIgnoreCase", &["HOME/alice/X"], true),
            ("StringNotEqualsIgnoreCase", &["HOME/alice/X"], false),
            ("StringNotEqualsIgnoreCase", &["other"], true),
            ("StringLike", &["home/*"], true),
            ("StringLike", &["home/${aws:username}/?"], true),
            ("StringLike", &["HOME/*"], false),
            ("StringLike", &["home/${aws:userid}/*"], false),
            ("StringNotLike", &["home/*"], false),
            ("StringNotLike", &["x*", "y*"], true),
            ("StringLike", &[], false),
            ("StringNotLike", &[], true),
        ] {
            check(op, "S3:Prefix", values, &c, expected);
        }
    }

    #[test]
    fn absent_keys_fail_positive_and_pass_negated_operators() {
        let empty = Context::new();
        for (op, expected) in [
            ("StringEquals", false),
            ("StringNotEquals", true),
            ("StringNotEqualsIgnoreCase", true),
            ("StringLike", false),
            ("StringNotLike", true),
            ("NumericEquals", false),
            ("NumericNotEquals", true),
            ("NumericLessThan", false),
            ("DateEquals", false),
            ("DateNotEquals", true),
            ("DateGreaterThan", false),
            ("Bool", false),
            ("BinaryEquals", false),
            ("IpAddress", false),
            ("NotIpAddress", true),
            ("ArnEquals", false),
            ("ArnLike", false),
            ("ArnNotEquals", true),
            ("ArnNotLike", true),
            ("StringEqualsIfExists", true),
            ("StringNotEqualsIfExists", true),
            ("BoolIfExists", true),
            ("NumericLessThanIfExists", true),
            ("DateLessThanIfExists", true),
            ("IpAddressIfExists", true),
            ("ArnLikeIfExists", true),
            ("BinaryEqualsIfExists", true),
            ("ForAnyValue:StringEquals", false),
            ("ForAnyValue:StringNotEquals", false),
            ("ForAnyValue:StringEqualsIfExists", true),
            ("ForAllValues:StringEquals", true),
            ("ForAllValues:StringNotLike", true),
        ] {
            check(op, "k:absent", &["x"], &empty, expected);
        }
    }

    #[test]
    fn numeric_operators() {
        let c = ctx(&[("s3:max-keys", "10"), ("x:bad", "ten")]);
        for (op, value, expected) in [
            ("NumericEquals", "10", true),
            ("NumericEquals", "10.0", true),
            ("NumericEquals", "11", false),
            ("NumericNotEquals", "11", true),
            ("NumericNotEquals", "10", false),
            ("NumericLessThan", "11", true),
            ("NumericLessThan", "10", false),
            ("NumericLessThanEquals", "10", true),
            ("NumericGreaterThan", "9.5", true),
            ("NumericGreaterThan", "10", false),
            ("NumericGreaterThanEquals", "10", true),
            ("NumericGreaterThanEquals", "1e2", false),
            ("NumericEquals", "garbage", false),
            ("NumericNotEquals", "garbage", true),
        ] {
            check(op, "s3:max-keys", &[value], &c, expected);
        }
        check("NumericEquals", "x:bad", &["10"], &c, false);
        check("NumericNotEquals", "x:bad", &["10"], &c, false);
    }

    #[test]
    fn date_operators_compare_instants_across_formats() {
        let c = ctx(&[("aws:CurrentTime", "2019-04-25T11:00:00Z"), ("aws:EpochTime", "1556190000")]);
        for (op, key, value, expected) in [
            ("DateGreaterThan", "aws:CurrentTime", "2018-08-16T12:00:00Z", true),
            ("DateGreaterThan", "aws:CurrentTime", "2019-04-25T11:00:00Z", false),
            ("DateGreaterThanEquals", "aws:CurrentTime", "2019-04-25T11:00:00Z", true),
            ("DateLessThan", "aws:CurrentTime", "2019-04-25T12:00:00+01:00", false),
            ("DateLessThanEquals", "aws:CurrentTime", "2019-04-25T12:00:00+01:00", true),
            ("DateEquals", "aws:CurrentTime", "1556190000", true),
            ("DateNotEquals", "aws:CurrentTime", "1556190000", false),
            ("DateEquals", "aws:EpochTime", "2019-04-25T11:00:00Z", true),
            // A bare number is epoch seconds, even one that looks like a year.
            ("DateLessThan", "aws:EpochTime", "2020", false),
            ("DateGreaterThan", "aws:EpochTime", "2020", true),
            ("DateLessThan", "aws:EpochTime", "2020-01-01", true),
            ("DateGreaterThan", "aws:CurrentTime", "${aws:EpochTime}", false),
        ] {
            check(op, key, &[value], &c, expected);
        }
    }

    #[test]
    fn bool_binary_ip_and_arn_operators() {
        let c = ctx(&[
            ("aws:SecureTransport", "TRUE"),
            ("x:blob", "aGk="),
            ("aws:SourceIp", "203.0.113.7"),
            ("aws:SourceArn", "arn:aws:eks:us-east-1:123456789012:cluster/demo"),
            ("x:v6", "2001:db8::1"),
        ]);
        for (op, key, values, expected) in [
            ("Bool", "aws:SecureTransport", &["true"][..], true),
            ("Bool", "aws:SecureTransport", &["false"], false),
            ("BinaryEquals", "x:blob", &["aGk="], true),
            ("BinaryEquals", "x:blob", &["aGk"], true),
            ("BinaryEquals", "x:blob", &["aG8="], false),
            ("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], true),
            ("IpAddress", "aws:SourceIp", &["10.0.0.0/8", "203.0.113.7"], true),
            ("IpAddress", "aws:SourceIp", &["10.0.0.0/8"], false),
            ("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"], true),
            ("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8", "203.0.0.0/16"], false),
            ("IpAddress", "x:v6", &["2001:db8::/32"], true),
            ("IpAddress", "x:v6", &["203.0.113.0/24"], false),
            ("ArnLike", "aws:SourceArn", &["arn:aws:eks:*:123456789012:cluster/*"], true),
            ("ArnEquals", "aws:SourceArn", &["arn:aws:eks:*:123456789012:cluster/*"], true),
            ("ArnLike", "aws:SourceArn", &["arn:aws:eks:*:111111111111:cluster/*"], false),
            ("ArnNotLike", "aws:SourceArn", &["arn:aws:eks:*:111111111111:cluster/*"], true),
            ("ArnNotEquals", "aws:SourceArn", &["arn:aws:eks:*:*:*"], false),
            ("ArnLike", "aws:SourceArn", &["arn:aws:eks:us-east-1:123456789012:cluster/demo/*"], false),
        ] {
            check(op, key, values, &c, expected);
        }
    }

    #[test]
    fn null_tests_presence() {
        let c = Context::new()
            .with("aws:TokenIssueTime", "2024-01-01T00:00:00Z")
            .with_multi("aws:TagKeys", Vec::<String>::new());
        for (key, value, expected) in [
            ("aws:TokenIssueTime", "false", true),
            ("aws:TokenIssueTime", "true", false),
            ("aws:tokenissuetime", "FALSE", true),
            ("aws:MultiFactorAuthAge", "true", true),
            ("aws:MultiFactorAuthAge", "false", false),
            ("aws:TagKeys", "true", true),
            ("aws:TokenIssueTime", "maybe", false),
        ] {
            check("Null", key, &[value], &c, expected);
        }
    }

    #[test]
    fn set_qualifiers_compare_every_request_value() {
        let c = Context::new()
            .with_multi("aws:TagKeys", ["Department", "CostCenter"])
            .with_multi("x:empty", Vec::<String>::new())
            .with("x:single", "Department");
        for (op, key, values, expected) in [
            ("ForAllValues:StringEquals", "aws:TagKeys", &["Department", "CostCenter", "Other"][..], true),
            ("ForAllValues:StringEquals", "aws:TagKeys", &["Department"], false),
            ("ForAnyValue:StringEquals", "aws:TagKeys", &["Department"], true),
            ("ForAnyValue:StringEquals", "aws:TagKeys", &["Nope"], false),
            ("ForAnyValue:StringNotEquals", "aws:TagKeys", &["Department"], true),
            ("ForAllValues:StringNotEquals", "aws:TagKeys", &["Department"], false),
            ("ForAllValues:StringNotEquals", "aws:TagKeys", &["Other"], true),
            ("ForAnyValue:StringLike", "aws:TagKeys", &["Cost*"], true),
            ("ForAllValues:StringEquals", "x:empty", &["x"], true),
            ("ForAnyValue:StringEquals", "x:empty", &["x"], false),
            ("ForAnyValue:StringEqualsIfExists", "x:empty", &["x"], false),
            ("ForAnyValue:StringEquals", "x:single", &["Department"], true),
            ("ForAllValues:StringEquals", "x:single", &["Other"], false),
            ("StringEquals", "aws:TagKeys", &["Department", "CostCenter"], false),
            ("StringNotEquals", "aws:TagKeys", &["Other"], false),
            ("StringEquals", "x:empty", &["x"], false),
            ("StringNotEquals", "x:empty", &["x"], true),
        ] {
            check(op, key, values, &c, expected);
        }
    }

    #[test]
    fn missing_keys_are_collected_once() {
        let mut missing = Vec::new();
        let ops = [
            ("StringEquals", "aws:PrincipalTag/team", "${aws:username}"),
            ("StringLike", "AWS:principaltag/TEAM", "${aws:username, 'x'}"),
            ("Null", "aws:MultiFactorAuthAge", "true"),
        ];
        for (op, key, value) in ops {
            if let Some(operator) = Operator::parse(op) {
                Condition::new(operator, key.into(), vec![value.into()], true).evaluate(&Context::new(), &mut missing);
            }
        }
        assert_eq!(missing, vec!["aws:username", "aws:PrincipalTag/team", "aws:MultiFactorAuthAge"]);
    }
}
