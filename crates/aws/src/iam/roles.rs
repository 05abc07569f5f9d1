//! IAM roles.

use super::state::{keys, Role};
use super::{empty, merge_tags, paginate, req, s, tags, tags_json, validate_policy};
use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::Ctx;
use eksim_model::{iam_arn, ids};
use eksim_store::TxnExt;
use serde_json::{json, Value};

/// The role's ARN in `account`.
pub fn arn_in(account: &eksim_model::AccountId, r: &Role) -> String {
    iam_arn(account, "role", &r.path, &r.name)
}

/// Validates a trust policy as IAM does: the grammar, then every IAM user or role it names
/// must exist (`Invalid principal in policy: "AWS":"…"`). Returns the unique id of each
/// named principal, which is what IAM really stores.
pub fn check_trust(ctx: &mut Ctx<'_>, doc: &str) -> Result<std::collections::BTreeMap<String, String>> {
    let policy = validate_policy(doc, crate::iam::PolicyKind::Trust)?;
    let mut ids = std::collections::BTreeMap::new();
    for st in &policy.statements {
        let Some(block) = &st.principal else { continue };
        for entry in &block.principals {
            let eksim_policy::PrincipalEntry::Aws(arn) = entry else { continue };
            let Some(parsed) = eksim_model::Arn::parse(arn) else { continue };
            let Ok(account) = eksim_model::AccountId::parse(parsed.account) else { continue };
            if parsed.service != "iam" {
                continue;
            }
            let name = parsed.resource.rsplit('/').next().unwrap_or_default();
            let id = if parsed.resource.starts_with("user/") {
                ctx.tx.get_json::<super::state::User>(&keys::user(&account, name)).map_err(error::store)?.map(|u| u.id)
            } else if parsed.resource.starts_with("role/") {
                ctx.tx.get_json::<Role>(&keys::role(&account, name)).map_err(error::store)?.map(|r| r.id)
            } else {
                continue;
            };
            // Principals of accounts eksim does not hold cannot be checked; AWS would, but
            // such a trust is only ever exercised by callers eksim knows.
            let known_account = ctx.tx.get(&keys::account(&account)).map_err(error::store)?.is_some();
            match id {
                Some(id) => {
                    ids.insert(arn.clone(), id);
                }
                None if known_account => {
                    return Err(error::malformed_policy(format!("Invalid principal in policy: \"AWS\":\"{arn}\"")));
                }
                None => {}
            }
        }
    }
    Ok(ids)
}

/// The role's ARN (with its path).
pub fn arn(ctx: &Ctx<'_>, r: &Role) -> String {
    iam_arn(ctx.account(), "role", &r.path, &r.name)
}

/// The `Role` shape.
pub fn role_json(ctx: &Ctx<'_>, r: &Role, full: bool) -> Value {
    let mut v = json!({
        "Path": r.path, "RoleName": r.name, "RoleId": r.id, "Arn": arn(ctx, r), "CreateDate": r.create_date,
        "AssumeRolePolicyDocument": r.trust_policy, "MaxSessionDuration": r.max_session_duration,
    });
    if let Some(d) = &r.description {
        v["Description"] = json!(d);
    }
    if full {
        if let Some(b) = &r.boundary {
            v["PermissionsBoundary"] =
                json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": b});
        }
        if !r.tags.is_empty() {
            v["Tags"] = tags_json(&r.tags);
        }
        v["RoleLastUsed"] = match &r.last_used {
            Some(t) => json!({"LastUsedDate": t}),
            None => json!({}),
        };
    }
    v
}

/// Loads a role or answers `NoSuchEntity`.
pub fn load(ctx: &mut Ctx<'_>, name: &str) -> Result<Role> {
    let key = keys::role(ctx.account(), name);
    ctx.tx.get_json(&key).map_err(error::store)?.ok_or_else(|| error::no_such_entity("role", name))
}

/// Saves a role.
pub fn save(ctx: &mut Ctx<'_>, r: &Role) -> Result<()> {
    let key = keys::role(ctx.account(), &r.name);
    ctx.tx.put_json(&key, r).map_err(error::store)?;
    Ok(())
}

/// Resource of an operation on `RoleName`.
pub fn resource(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let name = req(input, "RoleName")?;
    let key = keys::role(ctx.account(), name);
    let path = ctx.tx.get_json::<Role>(&key).map_err(error::store)?.map(|r| r.path).unwrap_or_else(|| "/".into());
    Ok(iam_arn(ctx.account(), "role", &path, name))
}

/// Resource of CreateRole.
pub fn resource_new(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(iam_arn(ctx.account(), "role", s(input, "Path").unwrap_or("/"), req(input, "RoleName")?))
}

/// Resource of ListRoles.
pub fn resource_list(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(format!("arn:aws:iam::{}:role/{}", ctx.account(), s(input, "PathPrefix").unwrap_or("/").trim_start_matches('/')))
}

fn check_max_session(d: i64) -> Result<i64> {
    if !(3600..=43200).contains(&d) {
        return Err(error::validation(format!(
            "1 validation error detected: Value '{d}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value {}",
            if d < 3600 { "greater than or equal to 3600" } else { "less than or equal to 43200" }
        )));
    }
    Ok(d)
}

/// CreateRole.
pub fn create_role(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let name = req(i, "RoleName")?;
    let doc = req(i, "AssumeRolePolicyDocument")?;
    let trust_ids = check_trust(ctx, doc)?;
    if ctx.tx.get(&keys::role(ctx.account(), name)).map_err(error::store)?.is_some() {
        return Err(error::already_exists("Role", name));
    }
    let boundary = match s(i, "PermissionsBoundary") {
        Some(b) => Some(super::policies::check_attachable(ctx, b)?),
        None => None,
    };
    let role = Role {
        name: name.to_owned(),
        path: s(i, "Path").unwrap_or("/").to_owned(),
        id: ids::unique_id("AROA"),
        create_date: ctx.now_iso(),
        trust_policy: doc.to_owned(),
        description: s(i, "Description").map(str::to_owned),
        max_session_duration: check_max_session(i.get("MaxSessionDuration").and_then(Value::as_i64).unwrap_or(3600))?,
        tags: tags(i, "Tags"),
        inline: Default::default(),
        attached: vec![],
        boundary,
        last_used: None,
        trust_ids,
    };
    save(ctx, &role)?;
    let mut v = role_json(ctx, &role, false);
    if !role.tags.is_empty() {
        v["Tags"] = tags_json(&role.tags);
    }
    Ok(json!({ "Role": v }))
}

/// GetRole.
pub fn get_role(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let r = load(ctx, req(a.input(), "RoleName")?)?;
    Ok(json!({ "Role": role_json(ctx, &r, true) }))
}

/// ListRoles.
pub fn list_roles(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let prefix = s(a.input(), "PathPrefix").unwrap_or("/").to_owned();
    let key = keys::roles(ctx.account());
    let roles: Vec<Role> = ctx
        .tx
        .list_json::<Role>(&key)
        .map_err(error::store)?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r.path.starts_with(&prefix))
        .collect();
    paginate(roles, |r| r.name.to_lowercase(), a.input(), "Roles", |r| role_json(ctx, r, false))
}

/// DeleteRole.
pub fn delete_role(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let r = load(ctx, req(a.input(), "RoleName")?)?;
    if !r.inline.is_empty() || !r.attached.is_empty() {
        return Err(error::delete_conflict("delete policies"));
    }
    let key = keys::role(ctx.account(), &r.name);
    ctx.tx.delete(&key).map_err(error::store)?;
    Ok(empty())
}

/// UpdateRole.
pub fn update_role(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let mut r = load(ctx, req(i, "RoleName")?)?;
    if let Some(d) = s(i, "Description") {
        r.description = Some(d.to_owned());
    }
    if let Some(m) = i.get("MaxSessionDuration").and_then(Value::as_i64) {
        r.max_session_duration = check_max_session(m)?;
    }
    save(ctx, &r)?;
    Ok(empty())
}

/// UpdateRoleDescription.
pub fn update_role_description(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let mut r = load(ctx, req(i, "RoleName")?)?;
    r.description = Some(req(i, "Description")?.to_owned());
    save(ctx, &r)?;
    Ok(json!({ "Role": role_json(ctx, &r, true) }))
}

/// UpdateAssumeRolePolicy.
pub fn update_assume_role_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let mut r = load(ctx, req(i, "RoleName")?)?;
    let doc = req(i, "PolicyDocument")?;
    r.trust_ids = check_trust(ctx, doc)?;
    r.trust_policy = doc.to_owned();
    save(ctx, &r)?;
    Ok(empty())
}

/// TagRole.
pub fn tag_role(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut r = load(ctx, req(a.input(), "RoleName")?)?;
    merge_tags(&mut r.tags, tags(a.input(), "Tags"))?;
    save(ctx, &r)?;
    Ok(empty())
}

/// UntagRole.
pub fn untag_role(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut r = load(ctx, req(a.input(), "RoleName")?)?;
    let remove: Vec<String> = a
        .input()
        .get("TagKeys")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    r.tags.retain(|t| !remove.contains(&t.key));
    save(ctx, &r)?;
    Ok(empty())
}

/// ListRoleTags.
pub fn list_role_tags(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let r = load(ctx, req(a.input(), "RoleName")?)?;
    paginate(r.tags.clone(), |t| t.key.clone(), a.input(), "Tags", |t| json!({"Key": t.key, "Value": t.value}))
}

/// PutRolePermissionsBoundary.
pub fn put_boundary(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut r = load(ctx, req(a.input(), "RoleName")?)?;
    r.boundary = Some(super::policies::check_attachable(ctx, req(a.input(), "PermissionsBoundary")?)?);
    save(ctx, &r)?;
    Ok(empty())
}

/// DeleteRolePermissionsBoundary.
pub fn delete_boundary(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut r = load(ctx, req(a.input(), "RoleName")?)?;
    r.boundary = None;
    save(ctx, &r)?;
    Ok(empty())
}
