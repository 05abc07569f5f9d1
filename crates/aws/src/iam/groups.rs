//! IAM groups and membership. Membership is stored on the user (its `groups`);
//! a group's member list is derived from the users.

use super::state::{keys, Group};
use super::{empty, paginate, req, s};
use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::Ctx;
use eksim_model::{iam_arn, ids};
use eksim_store::TxnExt;
use serde_json::{json, Value};

/// The `Group` shape.
pub fn group_json(ctx: &Ctx<'_>, g: &Group) -> Value {
    json!({"Path": g.path, "GroupName": g.name, "GroupId": g.id, "Arn": iam_arn(ctx.account(), "group", &g.path, &g.name), "CreateDate": g.create_date})
}

/// Loads a group or answers `NoSuchEntity`.
pub fn load(ctx: &mut Ctx<'_>, name: &str) -> Result<Group> {
    let key = keys::group(ctx.account(), name);
    ctx.tx.get_json(&key).map_err(error::store)?.ok_or_else(|| error::no_such_entity("group", name))
}

/// Saves a group.
pub fn save(ctx: &mut Ctx<'_>, g: &Group) -> Result<()> {
    let key = keys::group(ctx.account(), &g.name);
    ctx.tx.put_json(&key, g).map_err(error::store)?;
    Ok(())
}

/// Resource of an operation on `GroupName`.
pub fn resource(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let name = req(input, "GroupName")?;
    let key = keys::group(ctx.account(), name);
    let path = ctx.tx.get_json::<Group>(&key).map_err(error::store)?.map(|g| g.path).unwrap_or_else(|| "/".into());
    Ok(iam_arn(ctx.account(), "group", &path, name))
}

/// Resource of CreateGroup.
pub fn resource_new(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(iam_arn(ctx.account(), "group", s(input, "Path").unwrap_or("/"), req(input, "GroupName")?))
}

/// Resource of ListGroups.
pub fn resource_list(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(format!(
        "arn:aws:iam::{}:group/{}",
        ctx.account(),
        s(input, "PathPrefix").unwrap_or("/").trim_start_matches('/')
    ))
}

/// CreateGroup.
pub fn create_group(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let name = req(i, "GroupName")?;
    if ctx.tx.get(&keys::group(ctx.account(), name)).map_err(error::store)?.is_some() {
        return Err(error::already_exists("Group", name));
    }
    let g = Group {
        name: name.to_owned(),
        path: s(i, "Path").unwrap_or("/").to_owned(),
        id: ids::unique_id("AGPA"),
        create_date: ctx.now_iso(),
        inline: Default::default(),
        attached: vec![],
    };
    save(ctx, &g)?;
    Ok(json!({ "Group": group_json(ctx, &g) }))
}

/// GetGroup: the group and its users.
pub fn get_group(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let g = load(ctx, req(a.input(), "GroupName")?)?;
    let members: Vec<_> = super::users::all(ctx)?
        .into_iter()
        .filter(|u| u.groups.iter().any(|n| n.eq_ignore_ascii_case(&g.name)))
        .collect();
    let mut out = paginate(
        members,
        |u| u.name.to_lowercase(),
        a.input(),
        "Users",
        |u| json!({"Path": u.path, "UserName": u.name, "UserId": u.id, "Arn": iam_arn(ctx.account(), "user", &u.path, &u.name), "CreateDate": u.create_date}),
    )?;
    out["Group"] = group_json(ctx, &g);
    Ok(out)
}

/// ListGroups.
pub fn list_groups(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let prefix = s(a.input(), "PathPrefix").unwrap_or("/").to_owned();
    let key = keys::groups(ctx.account());
    let groups: Vec<Group> = ctx
        .tx
        .list_json::<Group>(&key)
        .map_err(error::store)?
        .into_iter()
        .map(|(_, g)| g)
        .filter(|g| g.path.starts_with(&prefix))
        .collect();
    paginate(groups, |g| g.name.to_lowercase(), a.input(), "Groups", |g| group_json(ctx, g))
}

/// DeleteGroup: refused while it has members or policies.
pub fn delete_group(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let g = load(ctx, req(a.input(), "GroupName")?)?;
    if super::users::all(ctx)?.iter().any(|u| u.groups.iter().any(|n| n.eq_ignore_ascii_case(&g.name))) {
        return Err(error::delete_conflict("remove users from group"));
    }
    if !g.inline.is_empty() || !g.attached.is_empty() {
        return Err(error::delete_conflict("delete policies"));
    }
    let key = keys::group(ctx.account(), &g.name);
    ctx.tx.delete(&key).map_err(error::store)?;
    Ok(empty())
}

/// AddUserToGroup.
pub fn add_user_to_group(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let g = load(ctx, req(a.input(), "GroupName")?)?;
    let mut u = super::users::load(ctx, req(a.input(), "UserName")?)?;
    if !u.groups.iter().any(|n| n.eq_ignore_ascii_case(&g.name)) {
        if u.groups.len() >= 10 {
            return Err(error::limit_exceeded("Cannot exceed quota for GroupsPerUser: 10"));
        }
        u.groups.push(g.name);
        super::users::save(ctx, &u)?;
    }
    Ok(empty())
}

/// RemoveUserFromGroup.
pub fn remove_user_from_group(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let g = load(ctx, req(a.input(), "GroupName")?)?;
    let mut u = super::users::load(ctx, req(a.input(), "UserName")?)?;
    let before = u.groups.len();
    u.groups.retain(|n| !n.eq_ignore_ascii_case(&g.name));
    if before == u.groups.len() {
        return Err(error::no_such_entity("user", &u.name));
    }
    super::users::save(ctx, &u)?;
    Ok(empty())
}

/// ListGroupsForUser.
pub fn list_groups_for_user(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let u = super::users::load(ctx, req(a.input(), "UserName")?)?;
    let mut groups = Vec::new();
    for n in &u.groups {
        if let Ok(g) = load(ctx, n) {
            groups.push(g);
        }
    }
    groups.sort_by_key(|g| g.name.to_lowercase());
    paginate(groups, |g| g.name.to_lowercase(), a.input(), "Groups", |g| group_json(ctx, g))
}
