//! The parsed policy: statements with their source positions, compiled for evaluation.
//!
//! Built only by [`crate::parse`], so every `Policy` has passed IAM's validation.

use crate::condition::{push_missing, Condition};
use crate::context::Context;
use crate::json::Position;
use crate::pattern::{action_matches, ArnMatch, ArnPattern};

/// Which kind of document is being parsed; decides the element rules of reference §7.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An inline identity policy (PutUserPolicy, PutGroupPolicy, PutRolePolicy).
    Identity,
    /// A managed policy (CreatePolicy, CreatePolicyVersion): also requires
    /// `"Version": "2012-10-17"`.
    Managed,
    /// A permissions boundary (a managed policy; identity grammar).
    Boundary,
    /// A session policy (AssumeRole `Policy`; identity grammar).
    Session,
    /// A role trust policy: requires a principal, forbids `Resource`, only `sts:` actions.
    Trust,
    /// Another resource-based policy: requires a principal and a resource.
    Resource,
}

impl PolicyKind {
    /// Identity, managed, boundary and session policies share the identity grammar.
    pub fn is_identity_like(self) -> bool {
        matches!(self, PolicyKind::Identity | PolicyKind::Managed | PolicyKind::Boundary | PolicyKind::Session)
    }
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `"2012-10-17"`: policy variables are substituted.
    V20121017,
    /// `"2008-10-17"`: `${…}` is literal text.
    V20081017,
    /// No `Version` element: as 2008-10-17.
    Absent,
}

impl PolicyVersion {
    /// The version string, if one was written.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            PolicyVersion::V20121017 => Some("2012-10-17"),
            PolicyVersion::V20081017 => Some("2008-10-17"),
            PolicyVersion::Absent => None,
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement denies; an explicit deny wins over every allow.
    Deny,
}

/// A validated policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The grammar it was validated against.
    pub kind: PolicyKind,
    /// Its language version.
    pub version: PolicyVersion,
    /// The optional `Id` element.
    pub id: Option<String>,
    /// Its statements in document order.
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Whether `${…}` policy variables are substituted (version 2012-10-17 only).
    pub fn variables_enabled(&self) -> bool {
        self.version == PolicyVersion::V20121017
    }

    /// Every context key the policy reads, in conditions or as variables, first spelling kept,
    /// duplicates (ignoring case) removed; what `GetContextKeysFor*Policy` reports.
    pub fn context_keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.statements {
            if let Some(r) = &s.resource {
                for p in &r.compiled {
                    p.variables().for_each(|k| push_missing(&mut out, k));
                }
            }
            for c in &s.conditions {
                push_missing(&mut out, &c.key);
                c.variable_keys(false).into_iter().for_each(|k| push_missing(&mut out, k));
            }
        }
        out
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the policy's statement list, from 0.
    pub index: usize,
    /// The `Sid`, if any.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// `Principal` / `NotPrincipal` (trust and resource policies only).
    pub principal: Option<PrincipalBlock>,
    /// `Action` / `NotAction`.
    pub action: ActionBlock,
    /// `Resource` / `NotResource` (absent in trust policies).
    pub resource: Option<ResourceBlock>,
    /// The `Condition` block, one entry per operator–key pair.
    pub conditions: Vec<Condition>,
    /// Where the statement starts, as the IAM simulator reports `StartPosition`: the line of its
    /// `{` and the column just after it (1-based).
    pub start: Position,
    /// Where it ends, as `EndPosition`: the line of its `}` and the column just after it.
    pub end: Position,
}

/// `Action` (any pattern matches) or `NotAction` (no pattern matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionBlock {
    /// `true` for `NotAction`.
    pub negated: bool,
    /// The patterns as written.
    pub patterns: Vec<String>,
}

impl ActionBlock {
    /// Whether the block covers `action`; actions compare case-insensitively.
    pub fn matches(&self, action: &str) -> bool {
        self.patterns.iter().any(|p| action_matches(p, action)) != self.negated
    }
}

/// `Resource` (any pattern matches) or `NotResource` (no pattern matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceBlock {
    /// `true` for `NotResource`.
    pub negated: bool,
    /// The patterns as written.
    pub patterns: Vec<String>,
    pub(crate) compiled: Vec<ArnPattern>,
}

impl ResourceBlock {
    /// Whether the block covers `resource`. A pattern reading a variable without a value matches
    /// nothing; in `NotResource` it makes the whole statement match no resource (§10.5). Such
    /// variables are appended to `missing`.
    pub(crate) fn matches(&self, resource: &str, ctx: &Context, missing: &mut Vec<String>) -> bool {
        let mut hit = false;
        let mut unresolved = false;
        for p in &self.compiled {
            match p.matches(resource, ctx) {
                ArnMatch::Match => hit = true,
                ArnMatch::NoMatch => {}
                ArnMatch::MissingVariable(key) => {
                    unresolved = true;
                    push_missing(missing, key);
                }
            }
        }
        if self.negated {
            !hit && !unresolved
        } else {
            hit
        }
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalBlock {
    /// `true` for `NotPrincipal`.
    pub negated: bool,
    /// The principals listed.
    pub principals: Vec<PrincipalEntry>,
}

/// One principal of a `Principal` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalEntry {
    /// `"Principal": "*"`: everyone.
    Any,
    /// `{"AWS": …}`: `*`, an account ID, an IAM/STS ARN or a unique ID.
    Aws(String),
    /// `{"Service": …}`, e.g. `eks.amazonaws.com`.
    Service(String),
    /// `{"Federated": …}`: a SAML/OIDC provider (never matched by eksim callers).
    Federated(String),
    /// `{"CanonicalUser": …}`: an S3 canonical user (never matched by eksim callers).
    CanonicalUser(String),
}
