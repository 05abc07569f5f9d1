//! Request evaluation: which policies apply, and the decision with its reason.
//!
//! The algorithm is the IAM User Guide's "within an account" logic (reference `iam-sts.md`
//! §10.1): the account root is allowed; a matching `Deny` in any policy set is an explicit deny;
//! otherwise a resource or trust policy may be required, an identity `Allow` is needed unless a
//! same-account resource policy names the caller directly, and a permissions boundary and session
//! policies, when present, must each allow too. Every decision names the set that decided and the
//! statements that matched, with their source positions, so that AccessDenied texts, the policy
//! simulator and `eksim explain` all tell the same story.
//!
//! **Architecture Invariant:** no I/O and no clock; the current time, MFA state and everything
//! else about the request arrive in the [`Context`].

use crate::context::Context;
use crate::json::Position;
use crate::policy::{Effect, Policy, PolicyKind, PrincipalBlock, PrincipalEntry, Statement};

/// Who owns an inline policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    /// Attached to a user (PutUserPolicy).
    User,
    /// Attached to a group (PutGroupPolicy).
    Group,
    /// Attached to a role (PutRolePolicy).
    Role,
}

/// Where a policy comes from; decides the simulator's `SourcePolicyType` and the AccessDenied
/// suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PolicySource {
    /// An inline policy embedded in a user, group or role.
    Inline {
        /// The kind of identity holding it.
        owner: OwnerKind,
        /// That identity's name.
        owner_name: String,
    },
    /// A managed policy.
    Managed {
        /// Its ARN (`arn:aws:iam::ACCT:policy/PATH/NAME` or `arn:aws:iam::aws:policy/…`).
        arn: String,
        /// Whether AWS manages it (`arn:aws:iam::aws:policy/…`).
        aws_managed: bool,
    },
    /// A document supplied with the request: an AssumeRole session `Policy`, or a simulator
    /// `PolicyInputList` entry.
    Supplied,
    /// A resource-based policy, such as a role's trust policy.
    Resource {
        /// The ARN of the resource it is attached to.
        arn: String,
    },
}

impl PolicySource {
    /// The simulator's `SourcePolicyType`: `user`, `group`, `role`, `aws-managed`,
    /// `user-managed`, `resource` or `none`.
    pub fn simulator_type(&self) -> &'static str {
        match self {
            PolicySource::Inline { owner, .. } => match owner {
                OwnerKind::User => "user",
                OwnerKind::Group => "group",
                OwnerKind::Role => "role",
            },
            PolicySource::Managed { aws_managed: true, .. } => "aws-managed",
            PolicySource::Managed { .. } => "user-managed",
            PolicySource::Resource { .. } => "resource",
            PolicySource::Supplied => "none",
        }
    }

    /// The managed policy ARN, if this is a managed policy.
    pub fn managed_arn(&self) -> Option<&str> {
        match self {
            PolicySource::Managed { arn, .. } => Some(arn),
            _ => None,
        }
    }
}

/// A parsed policy with the name and origin reported in decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// The policy name; the simulator's `SourcePolicyId` (e.g. `PolicyInputList.1` for supplied
    /// documents).
    pub name: String,
    /// Where it comes from.
    pub source: PolicySource,
    /// The validated document.
    pub policy: Policy,
}

impl NamedPolicy {
    /// Bundles a policy with its name and origin.
    pub fn new(name: impl Into<String>, source: PolicySource, policy: Policy) -> NamedPolicy {
        NamedPolicy { name: name.into(), source, policy }
    }
}

/// The kind of caller, for principal matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallerKind {
    /// The account root user.
    Root,
    /// An IAM user (long-term keys or a GetSessionToken session).
    User,
    /// A role session (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`).
    AssumedRole,
    /// A GetFederationToken session.
    FederatedUser,
    /// An AWS service principal such as `eks.amazonaws.com`.
    Service,
}

/// The identity making a request, as resource and trust policy principals see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The kind of caller.
    pub kind: CallerKind,
    /// The caller's account ID (empty for services).
    pub account: String,
    /// The caller ARN of `GetCallerIdentity` (the session ARN for role sessions), or the service
    /// name for services.
    pub arn: String,
    /// `aws:PrincipalArn`: the role ARN (with path) for role sessions, otherwise `arn`.
    pub principal_arn: String,
    /// The unique ID policies may hold instead of an ARN: `AIDA…` for users, the role's `AROA…`
    /// for role sessions.
    pub unique_id: Option<String>,
}

impl Caller {
    /// The root user of `account` in the `aws` partition.
    pub fn root(account: &str) -> Caller {
        let arn = format!("arn:aws:iam::{account}:root");
        Caller {
            kind: CallerKind::Root,
            account: account.to_string(),
            principal_arn: arn.clone(),
            arn,
            unique_id: None,
        }
    }

    /// An IAM user.
    pub fn user(account: &str, arn: &str, unique_id: Option<&str>) -> Caller {
        Caller {
            kind: CallerKind::User,
            account: account.to_string(),
            arn: arn.to_string(),
            principal_arn: arn.to_string(),
            unique_id: unique_id.map(str::to_string),
        }
    }

    /// A role session: `session_arn` is `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`,
    /// `role_arn` the role's IAM ARN with its path, `role_id` its `AROA…` ID.
    pub fn role_session(account: &str, role_arn: &str, session_arn: &str, role_id: Option<&str>) -> Caller {
        Caller {
            kind: CallerKind::AssumedRole,
            account: account.to_string(),
            arn: session_arn.to_string(),
            principal_arn: role_arn.to_string(),
            unique_id: role_id.map(str::to_string),
        }
    }

    /// An AWS service principal such as `eks.amazonaws.com`.
    pub fn service(name: &str) -> Caller {
        Caller {
            kind: CallerKind::Service,
            account: String::new(),
            arn: name.to_string(),
            principal_arn: name.to_string(),
            unique_id: None,
        }
    }
}

/// One authorization request: action, resource and context (§10.7).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The action, `service:Operation` (e.g. `eks:DescribeCluster`).
    pub action: &'a str,
    /// The resource ARN (e.g. `arn:aws:eks:us-east-1:123456789012:cluster/demo`).
    pub resource: &'a str,
    /// The request context.
    pub context: &'a Context,
    /// The caller, needed to match `Principal` in resource and trust policies.
    pub caller: Option<&'a Caller>,
    /// The caller is the account root, which is always allowed in its own account.
    pub root: bool,
}

impl<'a> Request<'a> {
    /// A request by a non-root caller with no principal information.
    pub fn new(action: &'a str, resource: &'a str, context: &'a Context) -> Request<'a> {
        Request { action, resource, context, caller: None, root: false }
    }

    /// Sets the caller; a [`CallerKind::Root`] caller also sets [`Request::root`].
    pub fn with_caller(mut self, caller: &'a Caller) -> Request<'a> {
        self.root |= caller.kind == CallerKind::Root;
        self.caller = Some(caller);
        self
    }

    /// Marks the request as made by the account root.
    pub fn as_root(mut self) -> Request<'a> {
        self.root = true;
        self
    }
}

/// A resource-based policy taking part in a request, with the account owning the resource.
#[derive(Debug, Clone, Copy)]
pub struct ResourcePolicy<'a> {
    /// The policy; a [`PolicyKind::Trust`] policy is a role trust policy.
    pub policy: &'a NamedPolicy,
    /// The account owning the resource, to tell same-account from cross-account requests.
    pub owner_account: &'a str,
}

/// The policies that apply to one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySets<'a> {
    /// Identity policies: the user's inline and attached policies and those of its groups, or the
    /// role's.
    pub identity: Vec<&'a NamedPolicy>,
    /// The permissions boundary, if one is set.
    pub boundary: Option<&'a NamedPolicy>,
    /// Session policies (AssumeRole `Policy` and `PolicyArns`); empty when none were passed.
    pub session: Vec<&'a NamedPolicy>,
    /// A resource or trust policy, if the resource has one.
    pub resource: Option<ResourcePolicy<'a>>,
}

/// Which policy set decided; names the policy type in AccessDenied messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicySetKind {
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// Session policies.
    Session,
    /// A resource-based policy.
    Resource,
    /// A role trust policy.
    Trust,
}

/// The outcome, spelled as the simulator's `EvalDecision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvalDecision {
    /// Allowed.
    Allowed,
    /// A matching `Deny` statement.
    ExplicitDeny,
    /// No statement allowed it.
    ImplicitDeny,
}

impl EvalDecision {
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            EvalDecision::Allowed => "allowed",
            EvalDecision::ExplicitDeny => "explicitDeny",
            EvalDecision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// How a matching resource or trust policy `Allow` named the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalGrant {
    /// By the account (`"123456789012"` or `arn:aws:iam::123456789012:root`): the caller's own
    /// identity policies must also allow.
    Account,
    /// By a wildcard (`"*"`, `{"AWS":"*"}`, or a `NotPrincipal` that leaves the caller out).
    Wildcard,
    /// By the caller's own user, role, session or service name, or unique ID.
    Direct,
}

/// A statement that matched the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The set the policy belongs to.
    pub set: PolicySetKind,
    /// The policy name (`SourcePolicyId`).
    pub policy_name: String,
    /// The policy's origin (`SourcePolicyType`, managed ARN).
    pub source: PolicySource,
    /// The statement's `Sid`, if any.
    pub sid: Option<String>,
    /// The statement's index in its policy, from 0.
    pub index: usize,
    /// The statement's effect.
    pub effect: Effect,
    /// `StartPosition` of the statement.
    pub start: Position,
    /// `EndPosition` of the statement.
    pub end: Position,
}

/// The decision for one request, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allowed, explicit deny or implicit deny.
    pub effect: EvalDecision,
    /// For a deny, the set the AccessDenied message names: for an explicit deny the first set (in
    /// the order identity, boundary, session, resource/trust) with a matching `Deny`; for an
    /// implicit deny the first failing step of §10.1.
    pub denied_by: Option<PolicySetKind>,
    /// The request was allowed because the caller is the account root.
    pub root: bool,
    /// Every statement that matched, of either effect, in evaluation order.
    pub matched: Vec<MatchedStatement>,
    /// Context keys read by the statements that matched on action and resource but absent from
    /// the context (the simulator's `MissingContextValues`), first spelling kept.
    pub missing_context: Vec<String>,
    /// With a permissions boundary, whether it allowed (the simulator's
    /// `PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary`).
    pub boundary_allowed: Option<bool>,
    /// With a resource or trust policy, how its best matching `Allow` named the caller.
    pub resource_grant: Option<PrincipalGrant>,
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.effect == EvalDecision::Allowed
    }

    /// The statements that decided: the `Deny` statements of the denying set for an explicit
    /// deny, the `Allow` statements for an allow, none for an implicit deny.
    pub fn decisive(&self) -> impl Iterator<Item = &MatchedStatement> {
        self.matched.iter().filter(move |m| match self.effect {
            EvalDecision::ExplicitDeny => m.effect == Effect::Deny && Some(m.set) == self.denied_by,
            EvalDecision::Allowed => m.effect == Effect::Allow,
            EvalDecision::ImplicitDeny => false,
        })
    }

    /// The first denying statement of an explicit deny (its policy is named in the message).
    pub fn denying_statement(&self) -> Option<&MatchedStatement> {
        match self.effect {
            EvalDecision::ExplicitDeny => self.decisive().next(),
            _ => None,
        }
    }
}

/// Evaluates `request` against the policy sets (§10.1).
pub fn evaluate(request: &Request<'_>, sets: &PolicySets<'_>) -> Decision {
    let mut decision = Decision {
        effect: EvalDecision::Allowed,
        denied_by: None,
        root: false,
        matched: Vec::new(),
        missing_context: Vec::new(),
        boundary_allowed: None,
        resource_grant: None,
    };
    if request.root {
        decision.root = true;
        return decision;
    }

    let mut scan = Scan { request, matched: &mut decision.matched, missing: &mut decision.missing_context };
    let identity = scan.set(PolicySetKind::Identity, &sets.identity);
    let boundary = sets.boundary.map(|b| scan.set(PolicySetKind::Boundary, std::slice::from_ref(&b)));
    let session = (!sets.session.is_empty()).then(|| scan.set(PolicySetKind::Session, &sets.session));
    let resource = sets.resource.map(|rp| {
        let kind =
            if rp.policy.policy.kind == PolicyKind::Trust { PolicySetKind::Trust } else { PolicySetKind::Resource };
        (kind, rp, scan.set(kind, std::slice::from_ref(&rp.policy)))
    });
    decision.boundary_allowed = boundary.map(|b| b.allow);
    decision.resource_grant = resource.and_then(|(_, _, r)| r.grant);

    let explicit = [
        Some((PolicySetKind::Identity, identity)),
        boundary.map(|b| (PolicySetKind::Boundary, b)),
        session.map(|s| (PolicySetKind::Session, s)),
        resource.map(|(kind, _, r)| (kind, r)),
    ];
    if let Some((kind, _)) = explicit.into_iter().flatten().find(|(_, r)| r.deny) {
        return decision.deny(EvalDecision::ExplicitDeny, kind);
    }

    let mut needs_identity = true;
    if let Some((kind, rp, result)) = resource {
        // A service principal has no identity policies; a grant naming it is all it needs.
        let same_account =
            request.caller.is_none_or(|c| c.kind == CallerKind::Service || c.account == rp.owner_account);
        let grant = result.grant.filter(|_| result.allow);
        match kind {
            PolicySetKind::Trust => {
                if grant.is_none() {
                    return decision.deny(EvalDecision::ImplicitDeny, kind);
                }
                needs_identity = !(same_account && grant == Some(PrincipalGrant::Direct));
            }
            _ => {
                if !same_account && grant.is_none() {
                    return decision.deny(EvalDecision::ImplicitDeny, kind);
                }
                needs_identity = !(same_account && grant >= Some(PrincipalGrant::Wildcard));
            }
        }
    }
    if needs_identity && !identity.allow {
        return decision.deny(EvalDecision::ImplicitDeny, PolicySetKind::Identity);
    }
    if boundary.is_some_and(|b| !b.allow) {
        return decision.deny(EvalDecision::ImplicitDeny, PolicySetKind::Boundary);
    }
    if session.is_some_and(|s| !s.allow) {
        return decision.deny(EvalDecision::ImplicitDeny, PolicySetKind::Session);
    }
    decision
}

impl Decision {
    fn deny(mut self, effect: EvalDecision, by: PolicySetKind) -> Decision {
        self.effect = effect;
        self.denied_by = Some(by);
        self
    }
}

/// The outcome of a role trust policy on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustDecision {
    /// Allowed when an `Allow` names the caller and no `Deny` does.
    pub effect: EvalDecision,
    /// How the best matching `Allow` named the caller.
    pub grant: Option<PrincipalGrant>,
    /// The statements that matched.
    pub matched: Vec<MatchedStatement>,
    /// Context keys the matching statements read but the context lacks.
    pub missing_context: Vec<String>,
}

impl TrustDecision {
    /// Whether the caller's identity policies must also allow `sts:AssumeRole` on the role: always
    /// across accounts, and in the same account unless the trust policy named the caller itself
    /// (§5.5). A wildcard grant is treated like an account grant (unconfirmed). Pass
    /// `same_account = true` for service principals, which have no identity policies.
    pub fn requires_identity_allow(&self, same_account: bool) -> bool {
        !(same_account && self.grant == Some(PrincipalGrant::Direct))
    }
}

/// Evaluates a role trust policy alone for `caller` performing `action` (usually
/// `sts:AssumeRole`). For the whole AssumeRole decision, pass the trust policy as
/// [`PolicySets::resource`] to [`evaluate`] instead, which also applies the caller's identity
/// policies, boundary and session policies.
pub fn evaluate_trust(caller: &Caller, action: &str, trust: &NamedPolicy, context: &Context) -> TrustDecision {
    let request = Request::new(action, "", context).with_caller(caller);
    let mut matched = Vec::new();
    let mut missing = Vec::new();
    let result =
        Scan { request: &request, matched: &mut matched, missing: &mut missing }.set(PolicySetKind::Trust, &[trust]);
    let effect = if result.deny {
        EvalDecision::ExplicitDeny
    } else if result.allow {
        EvalDecision::Allowed
    } else {
        EvalDecision::ImplicitDeny
    };
    TrustDecision {
        effect,
        grant: result.grant.filter(|_| effect == EvalDecision::Allowed),
        matched,
        missing_context: missing,
    }
}

/// What one policy set contributed.
#[derive(Debug, Clone, Copy, Default)]
struct SetResult {
    allow: bool,
    deny: bool,
    /// The strongest principal grant among matching `Allow` statements.
    grant: Option<PrincipalGrant>,
}

/// Walks policy sets for one request, recording matches and missing keys.
struct Scan<'r, 'a> {
    request: &'r Request<'a>,
    matched: &'r mut Vec<MatchedStatement>,
    missing: &'r mut Vec<String>,
}

impl Scan<'_, '_> {
    fn set(&mut self, kind: PolicySetKind, policies: &[&NamedPolicy]) -> SetResult {
        let mut result = SetResult::default();
        for named in policies {
            for statement in &named.policy.statements {
                let Some(grant) = self.statement(statement) else {
                    continue;
                };
                match statement.effect {
                    Effect::Allow => {
                        result.allow = true;
                        result.grant = result.grant.max(grant);
                    }
                    Effect::Deny => result.deny = true,
                }
                self.matched.push(MatchedStatement {
                    set: kind,
                    policy_name: named.name.clone(),
                    source: named.source.clone(),
                    sid: statement.sid.clone(),
                    index: statement.index,
                    effect: statement.effect,
                    start: statement.start,
                    end: statement.end,
                });
            }
        }
        result
    }

    /// `None` when the statement does not apply; otherwise how its principal block named the
    /// caller (`Some(None)` without a principal block).
    fn statement(&mut self, s: &Statement) -> Option<Option<PrincipalGrant>> {
        let req = self.request;
        if !s.action.matches(req.action) {
            return None;
        }
        if let Some(block) = &s.resource {
            if !block.matches(req.resource, req.context, self.missing) {
                return None;
            }
        }
        let grant = match &s.principal {
            None => None,
            Some(block) => Some(principal_grant(block, req.caller)?),
        };
        let mut all = true;
        for c in &s.conditions {
            // No short cut: the simulator lists every missing key of a matching statement.
            all &= c.evaluate(req.context, self.missing);
        }
        all.then_some(grant)
    }
}

/// How a principal block names `caller`, or `None` when it does not apply to it.
fn principal_grant(block: &PrincipalBlock, caller: Option<&Caller>) -> Option<PrincipalGrant> {
    if block.negated {
        // NotPrincipal applies unless every identity of the caller is listed: the caller itself,
        // its role (for sessions) and its account.
        let Some(caller) = caller else {
            return Some(PrincipalGrant::Wildcard);
        };
        let excluded = identities(caller).iter().all(|id| block.principals.iter().any(|p| excludes(p, caller, *id)));
        return (!excluded).then_some(PrincipalGrant::Wildcard);
    }
    block.principals.iter().filter_map(|p| entry_grant(p, caller)).max()
}

fn entry_grant(entry: &PrincipalEntry, caller: Option<&Caller>) -> Option<PrincipalGrant> {
    match entry {
        PrincipalEntry::Any => Some(PrincipalGrant::Wildcard),
        PrincipalEntry::Aws(v) if v == "*" => Some(PrincipalGrant::Wildcard),
        PrincipalEntry::Aws(v) => {
            let caller = caller.filter(|c| c.kind != CallerKind::Service)?;
            if *v == caller.arn || *v == caller.principal_arn || caller.unique_id.as_deref() == Some(v.as_str()) {
                Some(PrincipalGrant::Direct)
            } else if names_account(v, &caller.account) {
                Some(PrincipalGrant::Account)
            } else {
                None
            }
        }
        PrincipalEntry::Service(v) => {
            let caller = caller.filter(|c| c.kind == CallerKind::Service)?;
            (*v == caller.arn || v == "*").then_some(PrincipalGrant::Direct)
        }
        PrincipalEntry::Federated(_) | PrincipalEntry::CanonicalUser(_) => None,
    }
}

/// One identity of a caller, for `NotPrincipal`.
#[derive(Debug, Clone, Copy)]
enum Identity<'c> {
    Arn(&'c str),
    Account,
}

fn identities(caller: &Caller) -> Vec<Identity<'_>> {
    let mut out = vec![Identity::Arn(&caller.arn)];
    if caller.principal_arn != caller.arn {
        out.push(Identity::Arn(&caller.principal_arn));
    }
    if caller.kind != CallerKind::Service && caller.kind != CallerKind::Root {
        out.push(Identity::Account);
    }
    out
}

fn excludes(entry: &PrincipalEntry, caller: &Caller, id: Identity<'_>) -> bool {
    match (entry, id) {
        (PrincipalEntry::Any, _) => true,
        (PrincipalEntry::Aws(v), _) if v == "*" => true,
        (PrincipalEntry::Aws(v), Identity::Arn(arn)) => {
            *v == arn
                || (arn == caller.principal_arn && caller.unique_id.as_deref() == Some(v.as_str()))
                || (caller.kind == CallerKind::Root && names_account(v, &caller.account))
        }
        (PrincipalEntry::Aws(v), Identity::Account) => names_account(v, &caller.account),
        (PrincipalEntry::Service(v), Identity::Arn(arn)) => caller.kind == CallerKind::Service && v == arn,
        _ => false,
    }
}

/// `"ACCT"` or `arn:PARTITION:iam::ACCT:root`.
fn names_account(principal: &str, account: &str) -> bool {
    if account.is_empty() {
        return false;
    }
    if principal == account {
        return true;
    }
    let parts: Vec<&str> = principal.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "iam", "", acct, "root"] if *acct == account)
}

#[cfg(test)]
mod tests;
