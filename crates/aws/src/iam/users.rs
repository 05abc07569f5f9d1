//! IAM users.

use super::state::{keys, AccessKey, User, VirtualMfa};
use super::{empty, merge_tags, paginate, req, s, tags, tags_json};
use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::Ctx;
use eksim_model::{iam_arn, ids, PrincipalKind};
use eksim_store::TxnExt;
use serde_json::{json, Value};

/// The user's ARN.
pub fn arn(ctx: &Ctx<'_>, u: &User) -> String {
    iam_arn(ctx.account(), "user", &u.path, &u.name)
}

/// The `User` shape.
pub fn user_json(ctx: &Ctx<'_>, u: &User) -> Value {
    let mut v = json!({
        "Path": u.path, "UserName": u.name, "UserId": u.id, "Arn": arn(ctx, u), "CreateDate": u.create_date,
    });
    if let Some(b) = &u.boundary {
        v["PermissionsBoundary"] =
            json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": b});
    }
    if !u.tags.is_empty() {
        v["Tags"] = tags_json(&u.tags);
    }
    v
}

/// Loads a user or answers `NoSuchEntity`.
pub fn load(ctx: &mut Ctx<'_>, name: &str) -> Result<User> {
    let key = keys::user(ctx.account(), name);
    ctx.tx.get_json(&key).map_err(error::store)?.ok_or_else(|| error::no_such_entity("user", name))
}

/// Saves a user.
pub fn save(ctx: &mut Ctx<'_>, u: &User) -> Result<()> {
    let key = keys::user(ctx.account(), &u.name);
    ctx.tx.put_json(&key, u).map_err(error::store)?;
    Ok(())
}

fn arn_for_name(ctx: &mut Ctx<'_>, name: &str, default_path: &str) -> Result<String> {
    let key = keys::user(ctx.account(), name);
    let path =
        ctx.tx.get_json::<User>(&key).map_err(error::store)?.map(|u| u.path).unwrap_or_else(|| default_path.to_owned());
    Ok(iam_arn(ctx.account(), "user", &path, name))
}

/// Resource of an operation on the user `UserName`.
pub fn resource(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let name = req(input, "UserName")?.to_owned();
    arn_for_name(ctx, &name, "/")
}

/// Resource of CreateUser: the new user's ARN with its path.
pub fn resource_new(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(iam_arn(ctx.account(), "user", s(input, "Path").unwrap_or("/"), req(input, "UserName")?))
}

/// Resource of ListUsers: `arn:aws:iam::ACCT:user/` plus the path prefix.
pub fn resource_list(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let prefix = s(input, "PathPrefix").unwrap_or("/");
    Ok(format!("arn:aws:iam::{}:user/{}", ctx.account(), prefix.trim_start_matches('/')))
}

/// The user an operation with an optional `UserName` acts on: the named one, else the caller.
pub fn target_name(ctx: &Ctx<'_>, input: &Value) -> Result<Option<String>> {
    if let Some(n) = s(input, "UserName") {
        return Ok(Some(n.to_owned()));
    }
    match &ctx.caller.kind {
        PrincipalKind::User { name, .. } => Ok(Some(name.clone())),
        PrincipalKind::Root => Ok(None),
        PrincipalKind::AssumedRole { .. } | PrincipalKind::FederatedUser { .. } => {
            Err(error::validation("Must specify userName when calling with non-User credentials"))
        }
    }
}

/// Resource of an operation whose `UserName` defaults to the caller.
pub fn resource_or_caller(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    match target_name(ctx, input)? {
        Some(n) => arn_for_name(ctx, &n, "/"),
        None => Ok(ctx.account().root_arn()),
    }
}

/// CreateUser.
pub fn create_user(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let name = req(i, "UserName")?;
    let key = keys::user(ctx.account(), name);
    if ctx.tx.get(&key).map_err(error::store)?.is_some() {
        return Err(error::already_exists("User", name));
    }
    let boundary = match s(i, "PermissionsBoundary") {
        Some(b) => Some(super::policies::check_attachable(ctx, b)?),
        None => None,
    };
    let user = User {
        name: name.to_owned(),
        path: s(i, "Path").unwrap_or("/").to_owned(),
        id: ids::unique_id("AIDA"),
        create_date: ctx.now_iso(),
        tags: tags(i, "Tags"),
        inline: Default::default(),
        attached: vec![],
        groups: vec![],
        boundary,
        mfa: vec![],
    };
    if user.tags.len() > 50 {
        return Err(error::limit_exceeded("The number of tags has reached the maximum limit."));
    }
    save(ctx, &user)?;
    Ok(json!({ "User": user_json(ctx, &user) }))
}

/// GetUser (the caller when no name is given).
pub fn get_user(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    match target_name(ctx, a.input())? {
        Some(name) => {
            let u = load(ctx, &name)?;
            Ok(json!({ "User": user_json(ctx, &u) }))
        }
        None => {
            // The root user: IAM answers with the account's root identity.
            let acct = ctx.account().clone();
            let created = ctx
                .tx
                .get_json::<super::state::Account>(&keys::account(&acct))
                .map_err(error::store)?
                .map(|a| a.create_date)
                .unwrap_or_else(|| ctx.now_iso());
            Ok(json!({ "User": { "UserId": acct.as_str(), "Arn": acct.root_arn(), "CreateDate": created } }))
        }
    }
}

/// All users of the caller's account, sorted by name.
pub fn all(ctx: &mut Ctx<'_>) -> Result<Vec<User>> {
    let prefix = keys::users(ctx.account());
    Ok(ctx.tx.list_json::<User>(&prefix).map_err(error::store)?.into_iter().map(|(_, u)| u).collect())
}

/// ListUsers.
pub fn list_users(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let prefix = s(a.input(), "PathPrefix").unwrap_or("/").to_owned();
    let users: Vec<User> = all(ctx)?.into_iter().filter(|u| u.path.starts_with(&prefix)).collect();
    paginate(
        users,
        |u| u.name.to_lowercase(),
        a.input(),
        "Users",
        |u| {
            let mut v = user_json(ctx, u);
            if let Some(o) = v.as_object_mut() {
                o.remove("Tags");
                o.remove("PermissionsBoundary");
            }
            v
        },
    )
}

/// DeleteUser, refused while anything still hangs on the user (AWS's order of checks).
pub fn delete_user(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let name = req(a.input(), "UserName")?;
    let u = load(ctx, name)?;
    let acct = ctx.account().clone();
    let key_prefix = keys::user_keys(&acct, &u.name);
    if !ctx.tx.scan(&key_prefix, None, 1).map_err(error::store)?.is_empty() {
        return Err(error::delete_conflict("delete access keys"));
    }
    if !u.inline.is_empty() || !u.attached.is_empty() {
        return Err(error::delete_conflict("delete policies"));
    }
    if !u.mfa.is_empty() {
        return Err(error::delete_conflict("delete MFA device"));
    }
    if !u.groups.is_empty() {
        return Err(error::delete_conflict("remove users from group"));
    }
    ctx.tx.delete(&keys::user(&acct, &u.name)).map_err(error::store)?;
    Ok(empty())
}

/// UpdateUser: rename and/or move.
pub fn update_user(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let mut u = load(ctx, req(i, "UserName")?)?;
    let acct = ctx.account().clone();
    if let Some(p) = s(i, "NewPath") {
        u.path = p.to_owned();
    }
    if let Some(new) = s(i, "NewUserName") {
        if !new.eq_ignore_ascii_case(&u.name) && ctx.tx.get(&keys::user(&acct, new)).map_err(error::store)?.is_some() {
            return Err(error::already_exists("User", new));
        }
        // Keys, group memberships and MFA devices follow the rename.
        let old = u.name.clone();
        for (k, _) in ctx.tx.scan(&keys::user_keys(&acct, &old), None, usize::MAX).map_err(error::store)? {
            let akid = k.rsplit('/').next().unwrap_or_default().to_owned();
            if let Some(mut key) = ctx.tx.get_json::<AccessKey>(&keys::access_key(&akid)).map_err(error::store)? {
                key.owner = super::state::KeyOwner::User { name: new.to_owned(), user_id: u.id.clone() };
                ctx.tx.put_json(&keys::access_key(&akid), &key).map_err(error::store)?;
            }
            ctx.tx.delete(&k).map_err(error::store)?;
            ctx.tx.put(&keys::user_key(&acct, new, &akid), b"{}").map_err(error::store)?;
        }
        for m in &u.mfa {
            let name = m.serial.rsplit('/').next().unwrap_or_default();
            if let Some(mut d) = ctx.tx.get_json::<VirtualMfa>(&keys::mfa(&acct, name)).map_err(error::store)? {
                d.user = Some(new.to_owned());
                ctx.tx.put_json(&keys::mfa(&acct, name), &d).map_err(error::store)?;
            }
        }
        ctx.tx.delete(&keys::user(&acct, &old)).map_err(error::store)?;
        u.name = new.to_owned();
    }
    save(ctx, &u)?;
    Ok(empty())
}

/// TagUser.
pub fn tag_user(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut u = load(ctx, req(a.input(), "UserName")?)?;
    merge_tags(&mut u.tags, tags(a.input(), "Tags"))?;
    save(ctx, &u)?;
    Ok(empty())
}

/// UntagUser.
pub fn untag_user(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut u = load(ctx, req(a.input(), "UserName")?)?;
    let remove: Vec<String> = a
        .input()
        .get("TagKeys")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    u.tags.retain(|t| !remove.contains(&t.key));
    save(ctx, &u)?;
    Ok(empty())
}

/// ListUserTags.
pub fn list_user_tags(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let u = load(ctx, req(a.input(), "UserName")?)?;
    paginate(u.tags.clone(), |t| t.key.clone(), a.input(), "Tags", |t| json!({"Key": t.key, "Value": t.value}))
}

/// PutUserPermissionsBoundary.
pub fn put_boundary(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut u = load(ctx, req(a.input(), "UserName")?)?;
    u.boundary = Some(super::policies::check_attachable(ctx, req(a.input(), "PermissionsBoundary")?)?);
    save(ctx, &u)?;
    Ok(empty())
}

/// DeleteUserPermissionsBoundary.
pub fn delete_boundary(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut u = load(ctx, req(a.input(), "UserName")?)?;
    u.boundary = None;
    save(ctx, &u)?;
    Ok(empty())
}
