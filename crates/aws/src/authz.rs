//! The authorization step every operation passes through. It alone builds
//! [`Authorized`], so no handler runs without a decision.
//!
//! The decision is the IAM policy engine's (`eksim-policy`): the caller's identity
//! policies, permissions boundary and session policies for `action` on `resource`, and
//! for `sts:AssumeRole` the role's trust policy too. A denial answers AccessDenied in
//! AWS's words; every decision's reason (which policy and statement) is kept for the
//! request log and `eksim explain`.

use crate::iam::effective::{self, Effective};
use crate::iam::state::{keys, Role};
use crate::{error, Ctx};
use eksim_model::{AccountId, Arn, PrincipalKind};
use eksim_policy::{
    access_denied_message, access_denied_message_plain, evaluate, Caller, CallerKind, Context, Decision, EvalDecision,
    NamedPolicy, PolicySets, PolicySource, Request, ResourcePolicy,
};
use eksim_store::TxnExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An input that passed authorization.
pub struct Authorized {
    input: Value,
    /// The action that was authorized.
    pub action: &'static str,
    /// The resource it was authorized on.
    pub resource: String,
    /// When AssumeRole's MFA code was verified during authorization (unix seconds).
    pub mfa_verified_at: Option<i64>,
}

impl Authorized {
    /// The raw input tree.
    pub fn input(&self) -> &Value {
        &self.input
    }

    /// The input decoded into its botocore-named struct.
    pub fn parse<T: DeserializeOwned>(&self) -> error::Result<T> {
        serde_json::from_value(self.input.clone()).map_err(|e| error::validation(format!("Invalid input: {e}")))
    }
}

/// The request context AWS supplies for the caller (iam-sts.md §10.3).
pub fn context(ctx: &Ctx<'_>, tags: &[crate::iam::state::Tag], input: &Value) -> Context {
    let p = ctx.caller;
    let mut c = Context::new();
    c.insert("aws:CurrentTime", crate::iso8601(ctx.now));
    c.insert("aws:EpochTime", ctx.now.unix_timestamp().to_string());
    c.insert("aws:SourceIp", ctx.facts.source_ip.to_string());
    c.insert("aws:SecureTransport", ctx.facts.secure.to_string());
    c.insert("aws:RequestedRegion", ctx.facts.region.clone());
    c.insert("aws:UserAgent", ctx.facts.user_agent.clone());
    c.insert("aws:ViaAWSService", "false");
    c.insert("aws:PrincipalArn", p.principal_arn());
    c.insert("aws:PrincipalAccount", p.account.to_string());
    c.insert("aws:PrincipalType", p.principal_type());
    c.insert("aws:userid", p.user_id());
    if let PrincipalKind::User { name, .. } = &p.kind {
        c.insert("aws:username", name.clone());
    }
    if let Some(s) = &p.session {
        c.insert("aws:MultiFactorAuthPresent", s.mfa_auth_time.is_some().to_string());
        if let Some(t) = s.mfa_auth_time {
            c.insert("aws:MultiFactorAuthAge", (ctx.now.unix_timestamp() - t).max(0).to_string());
        }
        if let Ok(t) = time::OffsetDateTime::from_unix_timestamp(s.issued_at) {
            c.insert("aws:TokenIssueTime", crate::iso8601(t));
        }
        if let Some(si) = &s.source_identity {
            c.insert("aws:SourceIdentity", si.clone());
        }
    }
    for t in tags {
        c.insert(format!("aws:PrincipalTag/{}", t.key), t.value.clone());
    }
    // Request tags of create/tag operations.
    if let Some(tags) = input.get("Tags").and_then(Value::as_array) {
        let mut keys = Vec::new();
        for t in tags {
            if let (Some(k), Some(v)) = (t.get("Key").and_then(Value::as_str), t.get("Value").and_then(Value::as_str)) {
                c.insert(format!("aws:RequestTag/{k}"), v);
                keys.push(k.to_owned());
            }
        }
        c.insert_multi("aws:TagKeys", keys);
    }
    if let Some(arn) = input.get("PolicyArn").and_then(Value::as_str) {
        c.insert("iam:PolicyARN", arn);
    }
    if let Some(arn) = input.get("PermissionsBoundary").and_then(Value::as_str) {
        c.insert("iam:PermissionsBoundary", arn);
    }
    c
}

/// A short account of a decision for the log and `eksim explain`: which policy and
/// statement decided.
pub fn describe(d: &Decision) -> String {
    let statements: Vec<String> = d
        .decisive()
        .map(|m| {
            let sid = m.sid.as_deref().map(|s| format!("Sid {s}")).unwrap_or_else(|| format!("statement {}", m.index));
            let policy = match &m.source {
                PolicySource::Managed { arn, .. } => arn.clone(),
                PolicySource::Inline { owner_name, .. } => format!("{} inline {}", owner_name, m.policy_name),
                _ => m.policy_name.clone(),
            };
            format!("{policy} ({sid})")
        })
        .collect();
    let set = d.denied_by.map(|s| format!("{s:?}").to_lowercase()).unwrap_or_default();
    match d.effect {
        EvalDecision::Allowed => format!("allowed by {}", statements.join(", ")),
        EvalDecision::ExplicitDeny => format!("explicit deny in {set} policy {}", statements.join(", ")),
        EvalDecision::ImplicitDeny => format!("implicit deny: no {set} policy allows"),
    }
}

/// An allow-all identity policy, standing for the root user's implicit permissions where
/// the engine must still apply trust or session policies.
fn root_identity() -> Option<NamedPolicy> {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    effective::parsed(doc, false).map(|p| NamedPolicy::new("root", PolicySource::Supplied, p))
}

/// Decides whether the caller may perform `action` on `resource`.
/// An empty `action` means AWS requires no permission (GetCallerIdentity, GetSessionToken).
pub fn authorize(ctx: &mut Ctx<'_>, action: &'static str, resource: &str, input: Value) -> error::Result<Authorized> {
    let mut out = Authorized { input, action, resource: resource.to_owned(), mfa_verified_at: None };
    if action.is_empty() {
        ctx.decision = "no permission required".to_owned();
        return Ok(out);
    }
    if action == "sts:AssumeRole" {
        out.mfa_verified_at = authorize_assume_role(ctx, resource, &out.input)?;
        return Ok(out);
    }
    let caller = ctx.caller.clone();
    // STS refuses this before looking at any policy (iam-sts.md §5).
    if action == "sts:GetFederationToken" && caller.is_temporary() {
        return Err(error::access_denied("Cannot call GetFederationToken with session credentials"));
    }
    if caller.is_root() {
        ctx.decision = "allowed: the root user of the account".to_owned();
        return Ok(out);
    }
    debug_assert!(
        resource == "*" || crate::actions::resource_conforms(action, resource),
        "{action} authorized on {resource}, which does not fit the Service Authorization Reference"
    );
    let eff = effective::for_principal(ctx.tx, &caller)?.ok_or_else(error::invalid_client_token_id)?;
    let c = context(ctx, &eff.tags, &out.input);
    let root_allow;
    let mut identity: Vec<&NamedPolicy> = eff.identity.iter().collect();
    if matches!(caller.kind, PrincipalKind::FederatedUser { parent_user: None, .. }) {
        root_allow = root_identity();
        identity.extend(root_allow.as_ref());
    }
    if eff.session_required && eff.session.is_empty() {
        ctx.decision = "implicit deny: no session policy was passed to GetFederationToken".to_owned();
        return Err(error::access_denied(format!(
            "{} because no session policy allows the {action} action",
            access_denied_message_plain(&caller.arn(), action, resource)
        )));
    }
    let sets =
        PolicySets { identity, boundary: eff.boundary.as_ref(), session: eff.session.iter().collect(), resource: None };
    let d = evaluate(&Request::new(action, resource, &c), &sets);
    ctx.decision = describe(&d);
    if !d.is_allowed() {
        return Err(error::access_denied(access_denied_message(&caller.arn(), action, resource, &d)));
    }
    Ok(out)
}

/// Authorizes a second action a request implies (`iam:PassRole` for CreateCluster's role,
/// `eks:TagResource` when a create passes tags): the same evaluation, the same AccessDenied.
pub fn also(ctx: &mut Ctx<'_>, action: &'static str, resource: &str, input: &Value) -> error::Result<()> {
    let caller = ctx.caller.clone();
    if caller.is_root() {
        return Ok(());
    }
    let eff = effective::for_principal(ctx.tx, &caller)?.ok_or_else(error::invalid_client_token_id)?;
    let c = context(ctx, &eff.tags, input);
    let sets = PolicySets {
        identity: eff.identity.iter().collect(),
        boundary: eff.boundary.as_ref(),
        session: eff.session.iter().collect(),
        resource: None,
    };
    let d = evaluate(&Request::new(action, resource, &c), &sets);
    let reason = describe(&d);
    ctx.decision = format!("{}; {action}: {reason}", ctx.decision);
    if !d.is_allowed() || (eff.session_required && eff.session.is_empty()) {
        return Err(error::access_denied(access_denied_message(&caller.arn(), action, resource, &d)));
    }
    Ok(())
}

/// The caller as trust policies see it. A principal whose unique id differs from the one the
/// trust policy recorded (deleted and recreated) is not the principal the policy names.
fn trust_caller(ctx: &Ctx<'_>, role: &Role) -> Caller {
    let p = ctx.caller;
    let acct = p.account.as_str();
    let stale = |arn: &str, id: &str| role.trust_ids.get(arn).is_some_and(|recorded| recorded != id);
    match &p.kind {
        PrincipalKind::Root => Caller::root(acct),
        PrincipalKind::User { user_id, .. } => {
            let arn = p.arn();
            if stale(&arn, user_id) {
                Caller::user(acct, &format!("{arn}#recreated"), Some(user_id))
            } else {
                Caller::user(acct, &arn, Some(user_id))
            }
        }
        PrincipalKind::AssumedRole { role_id, .. } => {
            let role_arn = p.principal_arn();
            if stale(&role_arn, role_id) {
                Caller::role_session(acct, &format!("{role_arn}#recreated"), &p.arn(), Some(role_id))
            } else {
                Caller::role_session(acct, &role_arn, &p.arn(), Some(role_id))
            }
        }
        PrincipalKind::FederatedUser { .. } => Caller {
            kind: CallerKind::FederatedUser,
            account: acct.to_owned(),
            arn: p.arn(),
            principal_arn: p.arn(),
            unique_id: None,
        },
    }
}

/// AssumeRole: the caller's identity policies (same or other account) AND the role's trust
/// policy, evaluated together; MFA passed with the call counts as present. Returns when MFA
/// was verified. Every refusal reads as AWS's observed text, the same whether the role is
/// missing, untrusting or not allowed by the caller's policies.
fn authorize_assume_role(ctx: &mut Ctx<'_>, role_arn: &str, input: &Value) -> error::Result<Option<i64>> {
    let caller = ctx.caller.clone();
    let denied = || error::access_denied(access_denied_message_plain(&caller.arn(), "sts:AssumeRole", role_arn));
    let Some((account, path, name)) = parse_role_arn(role_arn) else {
        return Err(error::validation(format!("{role_arn} is invalid")));
    };
    let Some(role) = ctx.tx.get_json::<Role>(&keys::role(&account, &name)).map_err(error::store)? else {
        ctx.decision = "denied: the role does not exist".to_owned();
        return Err(denied());
    };
    if role.path != path {
        ctx.decision = "denied: the role ARN's path does not match the role".to_owned();
        return Err(denied());
    }
    let mut mfa_at = None;
    if let Some(serial) = input.get("SerialNumber").and_then(Value::as_str) {
        let code = input.get("TokenCode").and_then(Value::as_str).ok_or_else(denied)?;
        let user = match &caller.kind {
            PrincipalKind::User { name, .. } => Some(name.clone()),
            _ => None,
        };
        let now = ctx.now.unix_timestamp();
        crate::iam::mfa::verify_session_code(ctx.tx, &caller.account, user.as_deref(), serial, code, now)?;
        mfa_at = Some(now);
    }
    let eff = if caller.is_root() {
        Effective::default()
    } else {
        effective::for_principal(ctx.tx, &caller)?.ok_or_else(error::invalid_client_token_id)?
    };
    let mut c = context(ctx, &eff.tags, input);
    if let Some(t) = mfa_at {
        c.insert("aws:MultiFactorAuthPresent", "true");
        c.insert("aws:MultiFactorAuthAge", (ctx.now.unix_timestamp() - t).max(0).to_string());
    }
    for (param, key) in [
        ("RoleSessionName", "sts:RoleSessionName"),
        ("ExternalId", "sts:ExternalId"),
        ("SourceIdentity", "sts:SourceIdentity"),
    ] {
        if let Some(v) = input.get(param).and_then(Value::as_str) {
            c.insert(key, v);
        }
    }
    let Some(trust_policy) = effective::parsed(&role.trust_policy, true) else {
        return Err(denied());
    };
    let trust = NamedPolicy::new(
        role.name.clone(),
        PolicySource::Resource { arn: crate::iam::roles::arn_in(&account, &role) },
        trust_policy,
    );
    let root_allow =
        if caller.is_root() || matches!(caller.kind, PrincipalKind::FederatedUser { parent_user: None, .. }) {
            root_identity()
        } else {
            None
        };
    let mut identity: Vec<&NamedPolicy> = eff.identity.iter().collect();
    identity.extend(root_allow.as_ref());
    let tc = trust_caller(ctx, &role);
    let sets = PolicySets {
        identity,
        boundary: eff.boundary.as_ref(),
        session: eff.session.iter().collect(),
        resource: Some(ResourcePolicy { policy: &trust, owner_account: account.as_str() }),
    };
    let d = evaluate(&Request::new("sts:AssumeRole", role_arn, &c).with_caller(&tc), &sets);
    ctx.decision = describe(&d);
    if !d.is_allowed() || (eff.session_required && eff.session.is_empty()) {
        return Err(denied());
    }
    Ok(mfa_at)
}

/// Splits `arn:aws:iam::ACCT:role/PATH/NAME` into (account, path, name).
pub fn parse_role_arn(arn: &str) -> Option<(AccountId, String, String)> {
    let a = Arn::parse(arn)?;
    if a.service != "iam" || !a.region.is_empty() {
        return None;
    }
    let account = AccountId::parse(a.account).ok()?;
    let rest = a.resource.strip_prefix("role/")?;
    let (path, name) = match rest.rfind('/') {
        Some(i) => (format!("/{}", &rest[..=i]), rest[i + 1..].to_owned()),
        None => ("/".to_owned(), rest.to_owned()),
    };
    if name.is_empty() {
        return None;
    }
    Some((account, path, name))
}
