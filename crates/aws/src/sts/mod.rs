//! STS: GetCallerIdentity, GetSessionToken, AssumeRole, GetAccessKeyInfo.
//! Temporary credentials are sealed sessions ([`session`]).

pub mod session;

use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::iam::state::{keys, Role};
use crate::iam::{req, s, validate_policy};
use crate::{iso8601, Ctx, Op};
use eksim_model::principal::SessionSource;
use eksim_model::{ids, PrincipalKind, SessionInfo};
use eksim_store::TxnExt;
use serde_json::{json, Value};
use session::Sealed;

/// Every STS operation eksim serves.
pub static OPERATIONS: &[Op] = &[
    Op { name: "GetCallerIdentity", action: "", resource: no_resource, handler: get_caller_identity },
    Op { name: "GetSessionToken", action: "", resource: no_resource, handler: get_session_token },
    Op { name: "AssumeRole", action: "sts:AssumeRole", resource: role_arn, handler: assume_role },
    Op {
        name: "GetFederationToken",
        action: "sts:GetFederationToken",
        resource: federated_user_arn,
        handler: get_federation_token,
    },
    Op {
        name: "GetAccessKeyInfo",
        action: "sts:GetAccessKeyInfo",
        resource: no_resource,
        handler: get_access_key_info,
    },
];

fn no_resource(_ctx: &mut Ctx<'_>, _input: &Value) -> Result<String> {
    Ok("*".to_owned())
}

fn federated_user_arn(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(format!("arn:aws:sts::{}:federated-user/{}", ctx.account(), req(input, "Name")?))
}

fn role_arn(_ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(req(input, "RoleArn")?.to_owned())
}

/// GetCallerIdentity: needs no permission, and no Deny can block it.
pub fn get_caller_identity(ctx: &mut Ctx<'_>, _a: Authorized) -> Result<Value> {
    let p = ctx.caller;
    Ok(json!({"UserId": p.user_id(), "Account": p.account.as_str(), "Arn": p.arn()}))
}

fn credentials_json(ctx: &Ctx<'_>, sealed: &Sealed) -> Result<Value> {
    let token = ctx
        .aws
        .sealer()
        .seal(sealed)
        .ok_or_else(|| error::ApiError::receiver("InternalFailure", 500, "Could not seal the session."))?;
    let expiration =
        time::OffsetDateTime::from_unix_timestamp(sealed.session.expires_at).map(iso8601).unwrap_or_default();
    Ok(json!({
        "AccessKeyId": sealed.akid,
        "SecretAccessKey": ctx.aws.sealer().secret_for(&sealed.akid),
        "SessionToken": token,
        "Expiration": expiration,
    }))
}

/// GetSessionToken: long-term user or root credentials only; optional MFA.
pub fn get_session_token(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let caller = ctx.caller.clone();
    if caller.is_temporary() {
        return Err(error::access_denied("Cannot call GetSessionToken with session credentials"));
    }
    let requested = i.get("DurationSeconds").and_then(Value::as_i64);
    let duration = if caller.is_root() { requested.unwrap_or(3600).min(3600) } else { requested.unwrap_or(43200) };
    let now = ctx.now.unix_timestamp();
    let mut mfa_auth_time = None;
    if let Some(serial) = s(i, "SerialNumber") {
        let code = s(i, "TokenCode").ok_or_else(|| {
            error::access_denied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
        })?;
        let user = match &caller.kind {
            PrincipalKind::User { name, .. } => Some(name.clone()),
            _ => None,
        };
        crate::iam::mfa::verify_session_code(ctx.tx, &caller.account, user.as_deref(), serial, code, now)?;
        mfa_auth_time = Some(now);
    }
    let sealed = Sealed {
        akid: ids::access_key_id("ASIA"),
        account: caller.account.clone(),
        kind: caller.kind.clone(),
        session: SessionInfo {
            source: SessionSource::GetSessionToken,
            issued_at: now,
            expires_at: now + duration,
            mfa_auth_time,
            source_identity: None,
            session_policy: None,
            session_policy_arns: vec![],
            chained: false,
        },
    };
    Ok(json!({ "Credentials": credentials_json(ctx, &sealed)? }))
}

/// GetFederationToken: long-term credentials of a user (or root) only.
pub fn get_federation_token(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let caller = ctx.caller.clone();
    if caller.is_temporary() {
        return Err(error::access_denied("Cannot call GetFederationToken with session credentials"));
    }
    let name = req(i, "Name")?.to_owned();
    let requested = i.get("DurationSeconds").and_then(Value::as_i64);
    let duration = if caller.is_root() { requested.unwrap_or(3600).min(3600) } else { requested.unwrap_or(43200) };
    if let Some(policy) = s(i, "Policy") {
        validate_policy(policy, crate::iam::PolicyKind::Session)?;
    }
    let policy_arns = session_policy_arns(ctx, i)?;
    let (parent_user, parent_user_id) = match &caller.kind {
        PrincipalKind::User { name, user_id, .. } => (Some(name.clone()), Some(user_id.clone())),
        _ => (None, None),
    };
    let now = ctx.now.unix_timestamp();
    let sealed = Sealed {
        akid: ids::access_key_id("ASIA"),
        account: caller.account.clone(),
        kind: PrincipalKind::FederatedUser { name: name.clone(), parent_user, parent_user_id },
        session: SessionInfo {
            source: SessionSource::GetFederationToken,
            issued_at: now,
            expires_at: now + duration,
            mfa_auth_time: None,
            source_identity: None,
            session_policy: s(i, "Policy").map(str::to_owned),
            session_policy_arns: policy_arns,
            chained: false,
        },
    };
    let mut out = json!({
        "Credentials": credentials_json(ctx, &sealed)?,
        "FederatedUser": {
            "FederatedUserId": format!("{}:{name}", caller.account),
            "Arn": format!("arn:aws:sts::{}:federated-user/{name}", caller.account),
        },
    });
    if let Some(p) = s(i, "Policy") {
        out["PackedPolicySize"] = json!(packed_size(p));
    }
    Ok(out)
}

/// AWS reports the packed session policy size as a percentage of the allowed maximum.
fn packed_size(policy: &str) -> usize {
    (policy.chars().filter(|c| !c.is_whitespace()).count() * 100 / 2048).max(1)
}

/// The managed session policies (`PolicyArns.member.N.arn`), each of which must exist.
fn session_policy_arns(ctx: &mut Ctx<'_>, i: &Value) -> Result<Vec<String>> {
    let arns: Vec<String> = i
        .get("PolicyArns")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(|p| p.get("arn").and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default();
    let account = ctx.account().clone();
    for p in &arns {
        if crate::iam::policies::find_in(ctx.tx, &account, p)?.is_none() {
            return Err(error::no_such_policy(p));
        }
    }
    Ok(arns)
}

/// AssumeRole.
pub fn assume_role(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let caller = ctx.caller.clone();
    let arn = req(i, "RoleArn")?;
    let session_name = req(i, "RoleSessionName")?.to_owned();
    let denied = || {
        error::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {arn}",
            caller.arn()
        ))
    };
    let (account, path, name) =
        crate::authz::parse_role_arn(arn).ok_or_else(|| error::validation(format!("{arn} is invalid")))?;
    let mut role: Role = ctx.tx.get_json(&keys::role(&account, &name)).map_err(error::store)?.ok_or_else(denied)?;
    // The ARN must name the role with its actual path.
    if role.path != path {
        return Err(denied());
    }
    let chained = matches!(caller.kind, PrincipalKind::AssumedRole { .. });
    let duration = i.get("DurationSeconds").and_then(Value::as_i64).unwrap_or(3600);
    if duration > role.max_session_duration {
        return Err(error::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    if chained && duration > 3600 {
        return Err(error::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if let Some(policy) = s(i, "Policy") {
        validate_policy(policy, crate::iam::PolicyKind::Session)?;
    }
    let policy_arns: Vec<String> = i
        .get("PolicyArns")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(|p| p.get("arn").and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default();
    for p in &policy_arns {
        if crate::iam::policies::find_in(ctx.tx, &caller.account, p)?.is_none() {
            return Err(error::no_such_policy(p));
        }
    }
    let now = ctx.now.unix_timestamp();
    // MFA passed with the call was verified by the authorization step (the trust policy sees it).
    let mfa_auth_time = a.mfa_verified_at.or_else(|| caller.session.as_ref().and_then(|s| s.mfa_auth_time));
    let inherited = caller.session.as_ref().and_then(|s| s.source_identity.clone());
    let source_identity = match (inherited, s(i, "SourceIdentity")) {
        (Some(old), Some(new)) if old != new => {
            return Err(error::validation("The source identity is already set for this assume role session"))
        }
        (Some(old), _) => Some(old),
        (None, new) => new.map(str::to_owned),
    };
    let sealed = Sealed {
        akid: ids::access_key_id("ASIA"),
        account: account.clone(),
        kind: PrincipalKind::AssumedRole {
            role_name: role.name.clone(),
            role_path: role.path.clone(),
            role_id: role.id.clone(),
            session_name: session_name.clone(),
        },
        session: SessionInfo {
            source: SessionSource::AssumeRole,
            issued_at: now,
            expires_at: now + duration,
            mfa_auth_time,
            source_identity: source_identity.clone(),
            session_policy: s(i, "Policy").map(str::to_owned),
            session_policy_arns: policy_arns,
            chained,
        },
    };
    role.last_used = Some(ctx.now_iso());
    ctx.tx.put_json(&keys::role(&account, &role.name), &role).map_err(error::store)?;
    let mut out = json!({
        "Credentials": credentials_json(ctx, &sealed)?,
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{}:{session_name}", role.id),
            "Arn": format!("arn:aws:sts::{account}:assumed-role/{}/{session_name}", role.name),
        },
    });
    if let Some(p) = s(i, "Policy") {
        out["PackedPolicySize"] = json!(packed_size(p));
    }
    if let Some(si) = source_identity {
        out["SourceIdentity"] = json!(si);
    }
    Ok(out)
}

/// GetAccessKeyInfo: the account a key belongs to.
pub fn get_access_key_info(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let akid = req(a.input(), "AccessKeyId")?;
    if let Some(k) = ctx.tx.get_json::<crate::iam::state::AccessKey>(&keys::access_key(akid)).map_err(error::store)? {
        return Ok(json!({"Account": k.account.as_str()}));
    }
    Ok(json!({"Account": ctx.account().as_str()}))
}
