//! SimulatePrincipalPolicy and SimulateCustomPolicy (iam-sts.md §9): the same engine
//! that authorizes every call, asked about hypothetical requests. The simulator supplies
//! no context of its own: keys the policies reference but the caller did not give are
//! listed in `MissingContextValues` and treated as absent.

use super::effective::{self, Effective};
use super::state::{keys, Group, Role, User};
use super::{paginate, req, s};
use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::Ctx;
use eksim_model::{AccountId, Arn};
use eksim_policy::{
    evaluate, Caller, Context, Decision, NamedPolicy, PolicyKind, PolicySets, PolicySource, Request, ResourcePolicy,
};
use eksim_store::TxnExt;
use serde_json::{json, Value};

/// Resource of SimulatePrincipalPolicy: the simulated principal.
pub fn resource_source(_ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(req(input, "PolicySourceArn")?.to_owned())
}

/// Resource of SimulateCustomPolicy: none.
pub fn resource_none(_ctx: &mut Ctx<'_>, _input: &Value) -> Result<String> {
    Ok("*".to_owned())
}

fn strings(input: &Value, name: &str) -> Vec<String> {
    input
        .get(name)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn supplied(input: &Value, name: &str, kind: PolicyKind) -> Result<Vec<NamedPolicy>> {
    strings(input, name)
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let p = eksim_policy::parse(doc, kind).map_err(|e| error::malformed_policy(e.message()))?;
            Ok(NamedPolicy::new(format!("PolicyInputList.{}", i + 1), PolicySource::Supplied, p))
        })
        .collect()
}

/// The context the caller supplied (`ContextEntries`); list types become multi-valued keys.
fn context(input: &Value) -> Context {
    let mut c = Context::new();
    for e in input.get("ContextEntries").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let Some(name) = e.get("ContextKeyName").and_then(Value::as_str) else { continue };
        let values = strings(e, "ContextKeyValues");
        let list = e.get("ContextKeyType").and_then(Value::as_str).is_some_and(|t| t.ends_with("List"));
        if list {
            c.insert_multi(name, values);
        } else if let Some(v) = values.into_iter().next() {
            c.insert(name, v);
        }
    }
    c
}

fn position(p: eksim_policy::Position) -> Value {
    json!({"Line": p.line, "Column": p.column})
}

fn result(action: &str, resource: &str, d: &Decision) -> Value {
    let matched: Vec<Value> = d
        .decisive()
        .map(|m| {
            json!({
                "SourcePolicyId": m.policy_name,
                "SourcePolicyType": m.source.simulator_type(),
                "StartPosition": position(m.start),
                "EndPosition": position(m.end),
            })
        })
        .collect();
    let mut v = json!({
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": d.effect.as_str(),
        "MatchedStatements": matched,
        "MissingContextValues": d.missing_context,
    });
    if let Some(b) = d.boundary_allowed {
        v["PermissionsBoundaryDecisionDetail"] = json!({"AllowedByPermissionsBoundary": b});
    }
    v
}

fn simulate(ctx: &mut Ctx<'_>, input: &Value, mut eff: Effective, caller: Option<Caller>) -> Result<Value> {
    eff.identity.extend(supplied(input, "PolicyInputList", PolicyKind::Identity)?);
    let boundary_override = supplied(input, "PermissionsBoundaryPolicyInputList", PolicyKind::Boundary)?;
    if let Some(b) = boundary_override.into_iter().next() {
        eff.boundary = Some(b);
    }
    let resource_policy = match s(input, "ResourcePolicy") {
        Some(doc) => Some(NamedPolicy::new(
            "ResourcePolicy",
            PolicySource::Supplied,
            eksim_policy::parse(doc, PolicyKind::Resource).map_err(|e| error::malformed_policy(e.message()))?,
        )),
        None => None,
    };
    let owner = s(input, "ResourceOwner")
        .and_then(|o| Arn::parse(o).map(|a| a.account.to_owned()).or_else(|| Some(o.to_owned())))
        .unwrap_or_else(|| ctx.account().to_string());
    let c = context(input);
    let mut resources = strings(input, "ResourceArns");
    if resources.is_empty() {
        resources.push("*".to_owned());
    }
    let actions = strings(input, "ActionNames");
    let sets = PolicySets {
        identity: eff.identity.iter().collect(),
        boundary: eff.boundary.as_ref(),
        session: vec![],
        resource: resource_policy.as_ref().map(|p| ResourcePolicy { policy: p, owner_account: &owner }),
    };
    let mut rows = Vec::new();
    for action in &actions {
        for resource in &resources {
            let mut request = Request::new(action, resource, &c);
            if let Some(caller) = &caller {
                request = request.with_caller(caller);
            }
            rows.push(result(action, resource, &evaluate(&request, &sets)));
        }
    }
    let indexed: Vec<(usize, Value)> = rows.into_iter().enumerate().collect();
    paginate(indexed, |r| format!("{:08}", r.0), input, "EvaluationResults", |r| r.1.clone())
}

/// SimulatePrincipalPolicy: a user's, group's or role's policies.
pub fn simulate_principal_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let arn = req(i, "PolicySourceArn")?;
    let not_found = || error::no_such_entity_arn(arn);
    let parsed = Arn::parse(arn).ok_or_else(not_found)?;
    let account = AccountId::parse(parsed.account).map_err(|_| not_found())?;
    if account != *ctx.account() || parsed.service != "iam" {
        return Err(not_found());
    }
    let name = parsed.resource.rsplit('/').next().unwrap_or_default().to_owned();
    let (eff, caller) = if parsed.resource.starts_with("user/") {
        let u: User = ctx.tx.get_json(&keys::user(&account, &name)).map_err(error::store)?.ok_or_else(not_found)?;
        let caller = Caller::user(account.as_str(), arn, Some(&u.id));
        (effective::for_user(ctx.tx, &account, &u)?, Some(caller))
    } else if parsed.resource.starts_with("role/") {
        let r: Role = ctx.tx.get_json(&keys::role(&account, &name)).map_err(error::store)?.ok_or_else(not_found)?;
        (effective::for_role(ctx.tx, &account, &r)?, None)
    } else if parsed.resource.starts_with("group/") {
        let g: Group = ctx.tx.get_json(&keys::group(&account, &name)).map_err(error::store)?.ok_or_else(not_found)?;
        let mut e = Effective::default();
        let as_user = User {
            name: String::new(),
            path: "/".into(),
            id: String::new(),
            create_date: String::new(),
            tags: vec![],
            inline: Default::default(),
            attached: vec![],
            groups: vec![g.name.clone()],
            boundary: None,
            mfa: vec![],
        };
        e.identity = effective::for_user(ctx.tx, &account, &as_user)?.identity;
        (e, None)
    } else {
        return Err(not_found());
    };
    let caller = match s(i, "CallerArn") {
        Some(c) => Some(Caller::user(account.as_str(), c, None)),
        None => caller,
    };
    simulate(ctx, i, eff, caller)
}

/// SimulateCustomPolicy: only the policies given.
pub fn simulate_custom_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let caller = s(i, "CallerArn").map(|c| Caller::user(ctx.account().as_str(), c, None));
    simulate(ctx, i, Effective::default(), caller)
}
