//! IAM policies: inline policies of users, roles and groups; customer managed
//! policies with versions; the AWS managed catalog ([`super::managed_catalog`]);
//! attachments.

use super::state::{keys, Group, InlinePolicies, ManagedPolicy, PolicyVersion, Role, User};
use super::PolicyKind;
use super::{empty, managed_catalog, paginate, req, s, tags, tags_json, validate_policy};
use crate::authz::Authorized;
use crate::error::{self, ApiError, Result};
use crate::Ctx;
use eksim_model::ids;
use eksim_store::TxnExt;
use serde_json::{json, Value};

/// Resource of operations on `PolicyArn`: the policy ARN itself.
pub fn resource(_ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(req(input, "PolicyArn")?.to_owned())
}

/// Resource of CreatePolicy.
pub fn resource_new(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(format!("arn:aws:iam::{}:policy{}{}", ctx.account(), s(input, "Path").unwrap_or("/"), req(input, "PolicyName")?))
}

/// Resource of ListPolicies.
pub fn resource_list(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(format!(
        "arn:aws:iam::{}:policy/{}",
        ctx.account(),
        s(input, "PathPrefix").unwrap_or("/").trim_start_matches('/')
    ))
}

/// A managed policy: customer managed (in the store) or AWS managed (the catalog).
pub enum Managed {
    /// Customer managed.
    Customer(Box<ManagedPolicy>),
    /// AWS managed.
    Aws(&'static managed_catalog::ManagedPolicy),
}

impl Managed {
    /// The default version's document.
    pub fn document(&self) -> &str {
        match self {
            Managed::Aws(p) => &p.document,
            Managed::Customer(p) => p
                .versions
                .iter()
                .find(|v| v.version_id == p.default_version)
                .map(|v| v.document.as_str())
                .unwrap_or("{}"),
        }
    }

    /// The ARN.
    pub fn arn(&self) -> &str {
        match self {
            Managed::Aws(p) => &p.arn,
            Managed::Customer(p) => &p.arn,
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        match self {
            Managed::Aws(p) => &p.name,
            Managed::Customer(p) => &p.name,
        }
    }
}

/// Finds a managed policy by ARN in the caller's account or the AWS catalog.
pub fn find(ctx: &mut Ctx<'_>, arn: &str) -> Result<Option<Managed>> {
    let acct = ctx.account().clone();
    find_in(ctx.tx, &acct, arn)
}

/// Finds a managed policy by ARN for `account`.
pub fn find_in(tx: &mut dyn eksim_store::Txn, account: &eksim_model::AccountId, arn: &str) -> Result<Option<Managed>> {
    if let Some(p) = managed_catalog::by_arn(arn) {
        return Ok(Some(Managed::Aws(p)));
    }
    let prefix = format!("arn:aws:iam::{account}:policy/");
    let Some(rest) = arn.strip_prefix(&prefix) else {
        return Ok(None);
    };
    let name = rest.rsplit('/').next().unwrap_or_default();
    Ok(tx
        .get_json::<ManagedPolicy>(&keys::policy(account, name))
        .map_err(error::store)?
        .filter(|p| p.arn == arn)
        .map(|p| Managed::Customer(Box::new(p))))
}

/// Checks that `arn` names an attachable managed policy; returns it.
pub fn check_attachable(ctx: &mut Ctx<'_>, arn: &str) -> Result<String> {
    match find(ctx, arn)? {
        Some(_) => Ok(arn.to_owned()),
        None => Err(error::no_such_policy(arn)),
    }
}

fn load_customer(ctx: &mut Ctx<'_>, arn: &str) -> Result<ManagedPolicy> {
    match find(ctx, arn)? {
        Some(Managed::Customer(p)) => Ok(*p),
        Some(Managed::Aws(_)) => {
            Err(ApiError::sender("UnmodifiableEntity", 400, format!("Cannot modify the AWS managed policy {arn}.")))
        }
        None => Err(error::no_such_policy(arn)),
    }
}

fn save_customer(ctx: &mut Ctx<'_>, p: &ManagedPolicy) -> Result<()> {
    let key = keys::policy(ctx.account(), &p.name);
    ctx.tx.put_json(&key, p).map_err(error::store)?;
    Ok(())
}

/// Attachment and permissions-boundary counts of every managed policy used in the account.
fn usage_all(ctx: &mut Ctx<'_>) -> Result<std::collections::HashMap<String, (usize, usize)>> {
    let acct = ctx.account().clone();
    let mut m: std::collections::HashMap<String, (usize, usize)> = Default::default();
    let mut add = |arns: &[String], boundary: Option<&String>| {
        for a in arns {
            m.entry(a.clone()).or_default().0 += 1;
        }
        if let Some(b) = boundary {
            m.entry(b.clone()).or_default().1 += 1;
        }
    };
    for (_, u) in ctx.tx.list_json::<User>(&keys::users(&acct)).map_err(error::store)? {
        add(&u.attached, u.boundary.as_ref());
    }
    for (_, r) in ctx.tx.list_json::<Role>(&keys::roles(&acct)).map_err(error::store)? {
        add(&r.attached, r.boundary.as_ref());
    }
    for (_, g) in ctx.tx.list_json::<Group>(&keys::groups(&acct)).map_err(error::store)? {
        add(&g.attached, None);
    }
    Ok(m)
}

/// Counts attachments of `arn` (users, roles, groups) and uses as a permissions boundary.
fn usage(ctx: &mut Ctx<'_>, arn: &str) -> Result<(usize, usize)> {
    Ok(usage_all(ctx)?.get(arn).copied().unwrap_or_default())
}

fn policy_json(p: &Managed, counts: (usize, usize)) -> Value {
    match p {
        Managed::Aws(p) => json!({
            "PolicyName": p.name, "PolicyId": p.policy_id, "Arn": p.arn, "Path": p.path, "DefaultVersionId": p.default_version_id,
            "AttachmentCount": counts.0, "PermissionsBoundaryUsageCount": counts.1, "IsAttachable": true,
            "CreateDate": p.create_date, "UpdateDate": p.update_date,
        }),
        Managed::Customer(p) => {
            let mut v = json!({
                "PolicyName": p.name, "PolicyId": p.id, "Arn": p.arn, "Path": p.path, "DefaultVersionId": p.default_version,
                "AttachmentCount": counts.0, "PermissionsBoundaryUsageCount": counts.1, "IsAttachable": true,
                "CreateDate": p.create_date, "UpdateDate": p.update_date,
            });
            if let Some(d) = &p.description {
                v["Description"] = json!(d);
            }
            if !p.tags.is_empty() {
                v["Tags"] = tags_json(&p.tags);
            }
            v
        }
    }
}

// ---- inline policies ----

/// Which kind of identity owns an inline policy.
#[derive(Clone, Copy)]
enum Owner {
    User,
    Role,
    Group,
}

impl Owner {
    fn word(self) -> &'static str {
        match self {
            Owner::User => "user",
            Owner::Role => "role",
            Owner::Group => "group",
        }
    }
    fn name_field(self) -> &'static str {
        match self {
            Owner::User => "UserName",
            Owner::Role => "RoleName",
            Owner::Group => "GroupName",
        }
    }
    /// IAM's aggregate inline policy size quota (characters, whitespace excluded).
    fn quota(self) -> usize {
        match self {
            Owner::User => 2048,
            Owner::Role => 10240,
            Owner::Group => 5120,
        }
    }
}

fn with_inline<R>(
    ctx: &mut Ctx<'_>,
    owner: Owner,
    name: &str,
    f: impl FnOnce(&mut InlinePolicies) -> Result<(R, bool)>,
) -> Result<R> {
    match owner {
        Owner::User => {
            let mut u = super::users::load(ctx, name)?;
            let (r, dirty) = f(&mut u.inline)?;
            if dirty {
                super::users::save(ctx, &u)?;
            }
            Ok(r)
        }
        Owner::Role => {
            let mut x = super::roles::load(ctx, name)?;
            let (r, dirty) = f(&mut x.inline)?;
            if dirty {
                super::roles::save(ctx, &x)?;
            }
            Ok(r)
        }
        Owner::Group => {
            let mut g = super::groups::load(ctx, name)?;
            let (r, dirty) = f(&mut g.inline)?;
            if dirty {
                super::groups::save(ctx, &g)?;
            }
            Ok(r)
        }
    }
}

fn put_inline(ctx: &mut Ctx<'_>, a: &Authorized, owner: Owner) -> Result<Value> {
    let i = a.input();
    let name = req(i, owner.name_field())?.to_owned();
    let policy = req(i, "PolicyName")?.to_owned();
    let doc = req(i, "PolicyDocument")?.to_owned();
    validate_policy(&doc, PolicyKind::Identity)?;
    with_inline(ctx, owner, &name, |inline| {
        inline.insert(policy, doc);
        let size: usize = inline.values().map(|d| d.chars().filter(|c| !c.is_whitespace()).count()).sum();
        if size > owner.quota() {
            return Err(error::limit_exceeded(format!(
                "Maximum policy size of {} bytes exceeded for {} {name}",
                owner.quota(),
                owner.word()
            )));
        }
        Ok(((), true))
    })?;
    Ok(empty())
}

fn get_inline(ctx: &mut Ctx<'_>, a: &Authorized, owner: Owner) -> Result<Value> {
    let i = a.input();
    let name = req(i, owner.name_field())?.to_owned();
    let policy = req(i, "PolicyName")?.to_owned();
    let (owner_name, doc) = match owner {
        Owner::User => {
            let u = super::users::load(ctx, &name)?;
            (u.name, u.inline.get(&policy).cloned())
        }
        Owner::Role => {
            let r = super::roles::load(ctx, &name)?;
            (r.name, r.inline.get(&policy).cloned())
        }
        Owner::Group => {
            let g = super::groups::load(ctx, &name)?;
            (g.name, g.inline.get(&policy).cloned())
        }
    };
    let doc = doc.ok_or_else(|| error::no_such_inline_policy(owner.word(), &policy))?;
    let mut out = json!({"PolicyName": policy, "PolicyDocument": doc});
    out[owner.name_field()] = json!(owner_name);
    Ok(out)
}

fn delete_inline(ctx: &mut Ctx<'_>, a: &Authorized, owner: Owner) -> Result<Value> {
    let i = a.input();
    let name = req(i, owner.name_field())?.to_owned();
    let policy = req(i, "PolicyName")?.to_owned();
    with_inline(ctx, owner, &name, |inline| match inline.remove(&policy) {
        Some(_) => Ok(((), true)),
        None => Err(error::no_such_inline_policy(owner.word(), &policy)),
    })?;
    Ok(empty())
}

fn list_inline(ctx: &mut Ctx<'_>, a: &Authorized, owner: Owner) -> Result<Value> {
    let name = req(a.input(), owner.name_field())?.to_owned();
    let names: Vec<String> = with_inline(ctx, owner, &name, |inline| Ok((inline.keys().cloned().collect(), false)))?;
    paginate(names, Clone::clone, a.input(), "PolicyNames", |n| json!(n))
}

/// PutUserPolicy.
pub fn put_user_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    put_inline(ctx, &a, Owner::User)
}
/// GetUserPolicy.
pub fn get_user_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    get_inline(ctx, &a, Owner::User)
}
/// DeleteUserPolicy.
pub fn delete_user_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    delete_inline(ctx, &a, Owner::User)
}
/// ListUserPolicies.
pub fn list_user_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    list_inline(ctx, &a, Owner::User)
}
/// PutRolePolicy.
pub fn put_role_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    put_inline(ctx, &a, Owner::Role)
}
/// GetRolePolicy.
pub fn get_role_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    get_inline(ctx, &a, Owner::Role)
}
/// DeleteRolePolicy.
pub fn delete_role_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    delete_inline(ctx, &a, Owner::Role)
}
/// ListRolePolicies.
pub fn list_role_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    list_inline(ctx, &a, Owner::Role)
}
/// PutGroupPolicy.
pub fn put_group_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    put_inline(ctx, &a, Owner::Group)
}
/// GetGroupPolicy.
pub fn get_group_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    get_inline(ctx, &a, Owner::Group)
}
/// DeleteGroupPolicy.
pub fn delete_group_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    delete_inline(ctx, &a, Owner::Group)
}
/// ListGroupPolicies.
pub fn list_group_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    list_inline(ctx, &a, Owner::Group)
}

// ---- managed policies ----

/// CreatePolicy.
pub fn create_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let name = req(i, "PolicyName")?;
    let doc = req(i, "PolicyDocument")?;
    validate_policy(doc, PolicyKind::Managed)?;
    if ctx.tx.get(&keys::policy(ctx.account(), name)).map_err(error::store)?.is_some() {
        return Err(ApiError::sender(
            "EntityAlreadyExists",
            409,
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let path = s(i, "Path").unwrap_or("/");
    let now = ctx.now_iso();
    let p = ManagedPolicy {
        name: name.to_owned(),
        path: path.to_owned(),
        id: ids::unique_id("ANPA"),
        arn: format!("arn:aws:iam::{}:policy{path}{name}", ctx.account()),
        description: s(i, "Description").map(str::to_owned),
        create_date: now.clone(),
        update_date: now.clone(),
        default_version: "v1".into(),
        versions: vec![PolicyVersion { version_id: "v1".into(), document: doc.to_owned(), create_date: now }],
        next_version: 2,
        tags: tags(i, "Tags"),
    };
    save_customer(ctx, &p)?;
    let mut v = policy_json(&Managed::Customer(Box::new(p)), (0, 0));
    if let Some(o) = v.as_object_mut() {
        o.remove("Description");
    }
    Ok(json!({ "Policy": v }))
}

/// GetPolicy.
pub fn get_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "PolicyArn")?;
    let p = find(ctx, arn)?.ok_or_else(|| error::no_such_policy(arn))?;
    let counts = usage(ctx, arn)?;
    Ok(json!({ "Policy": policy_json(&p, counts) }))
}

/// DeletePolicy.
pub fn delete_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "PolicyArn")?;
    let p = load_customer(ctx, arn)?;
    let (attached, boundary) = usage(ctx, arn)?;
    if attached > 0 || boundary > 0 {
        return Err(ApiError::sender("DeleteConflict", 409, "Cannot delete a policy attached to entities."));
    }
    if p.versions.len() > 1 {
        return Err(ApiError::sender(
            "DeleteConflict",
            409,
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        ));
    }
    let key = keys::policy(ctx.account(), &p.name);
    ctx.tx.delete(&key).map_err(error::store)?;
    Ok(empty())
}

/// ListPolicies (Scope All | AWS | Local, OnlyAttached, PathPrefix).
pub fn list_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let scope = s(i, "Scope").unwrap_or("All");
    let only_attached = i.get("OnlyAttached").and_then(Value::as_bool).unwrap_or(false);
    let prefix = s(i, "PathPrefix").unwrap_or("/");
    let mut all: Vec<Managed> = Vec::new();
    if scope != "Local" {
        all.extend(managed_catalog::all().iter().map(Managed::Aws));
    }
    if scope != "AWS" {
        let key = keys::policies(ctx.account());
        all.extend(
            ctx.tx
                .list_json::<ManagedPolicy>(&key)
                .map_err(error::store)?
                .into_iter()
                .map(|(_, p)| Managed::Customer(Box::new(p))),
        );
    }
    let counts_all = usage_all(ctx)?;
    let mut rows = Vec::new();
    for p in all {
        let path = match &p {
            Managed::Aws(x) => x.path.as_str(),
            Managed::Customer(x) => x.path.as_str(),
        };
        if !path.starts_with(prefix) {
            continue;
        }
        let counts = counts_all.get(p.arn()).copied().unwrap_or_default();
        if only_attached && counts.0 == 0 {
            continue;
        }
        rows.push((p.name().to_lowercase() + "\u{0}" + p.arn(), policy_json(&p, counts)));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    paginate(
        rows,
        |r| r.0.clone(),
        i,
        "Policies",
        |r| {
            let mut v = r.1.clone();
            if let Some(o) = v.as_object_mut() {
                o.remove("Tags");
                o.remove("Description");
            }
            v
        },
    )
}

fn version_json(v: &PolicyVersion, default: &str, with_doc: bool) -> Value {
    let mut out =
        json!({"VersionId": v.version_id, "IsDefaultVersion": v.version_id == default, "CreateDate": v.create_date});
    if with_doc {
        out["Document"] = json!(v.document);
    }
    out
}

/// CreatePolicyVersion (at most 5 versions).
pub fn create_policy_version(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let mut p = load_customer(ctx, req(i, "PolicyArn")?)?;
    let doc = req(i, "PolicyDocument")?;
    validate_policy(doc, PolicyKind::Managed)?;
    if p.versions.len() >= 5 {
        return Err(error::limit_exceeded("A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."));
    }
    let v = PolicyVersion {
        version_id: format!("v{}", p.next_version),
        document: doc.to_owned(),
        create_date: ctx.now_iso(),
    };
    p.next_version += 1;
    if i.get("SetAsDefault").and_then(Value::as_bool).unwrap_or(false) {
        p.default_version = v.version_id.clone();
    }
    p.update_date = ctx.now_iso();
    p.versions.push(v.clone());
    save_customer(ctx, &p)?;
    Ok(json!({ "PolicyVersion": version_json(&v, &p.default_version, false) }))
}

/// GetPolicyVersion.
pub fn get_policy_version(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "PolicyArn")?;
    let vid = req(a.input(), "VersionId")?;
    match find(ctx, arn)?.ok_or_else(|| error::no_such_policy(arn))? {
        Managed::Aws(p) => {
            if p.default_version_id != vid {
                return Err(error::no_such_policy_version(arn, vid));
            }
            Ok(
                json!({"PolicyVersion": {"Document": p.document, "VersionId": vid, "IsDefaultVersion": true, "CreateDate": p.update_date}}),
            )
        }
        Managed::Customer(p) => {
            let v = p
                .versions
                .iter()
                .find(|v| v.version_id == vid)
                .ok_or_else(|| error::no_such_policy_version(arn, vid))?;
            Ok(json!({ "PolicyVersion": version_json(v, &p.default_version, true) }))
        }
    }
}

/// ListPolicyVersions.
pub fn list_policy_versions(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "PolicyArn")?;
    match find(ctx, arn)?.ok_or_else(|| error::no_such_policy(arn))? {
        Managed::Aws(p) => Ok(
            json!({"Versions": [{"VersionId": p.default_version_id, "IsDefaultVersion": true, "CreateDate": p.update_date}], "IsTruncated": false}),
        ),
        Managed::Customer(p) => {
            let mut versions = p.versions.clone();
            versions.reverse();
            let default = p.default_version.clone();
            paginate(
                versions,
                |v| {
                    format!(
                        "{:010}",
                        10_000_000_000u64 - v.version_id.trim_start_matches('v').parse::<u64>().unwrap_or(0)
                    )
                },
                a.input(),
                "Versions",
                |v| version_json(v, &default, false),
            )
        }
    }
}

/// DeletePolicyVersion (never the default).
pub fn delete_policy_version(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "PolicyArn")?;
    let vid = req(a.input(), "VersionId")?;
    let mut p = load_customer(ctx, arn)?;
    if p.default_version == vid {
        return Err(ApiError::sender("DeleteConflict", 409, "Cannot delete the default version of a policy."));
    }
    let before = p.versions.len();
    p.versions.retain(|v| v.version_id != vid);
    if before == p.versions.len() {
        return Err(error::no_such_policy_version(arn, vid));
    }
    save_customer(ctx, &p)?;
    Ok(empty())
}

/// SetDefaultPolicyVersion.
pub fn set_default_policy_version(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "PolicyArn")?;
    let vid = req(a.input(), "VersionId")?;
    let mut p = load_customer(ctx, arn)?;
    if !p.versions.iter().any(|v| v.version_id == vid) {
        return Err(error::no_such_policy_version(arn, vid));
    }
    p.default_version = vid.to_owned();
    p.update_date = ctx.now_iso();
    save_customer(ctx, &p)?;
    Ok(empty())
}

// ---- attachments ----

fn attach(list: &mut Vec<String>, arn: &str, quota_name: &str) -> Result<bool> {
    if list.iter().any(|a| a == arn) {
        return Ok(false);
    }
    if list.len() >= 10 {
        return Err(error::limit_exceeded(format!("Cannot exceed quota for {quota_name}: 10")));
    }
    list.push(arn.to_owned());
    Ok(true)
}

fn detach(list: &mut Vec<String>, arn: &str) -> Result<()> {
    let before = list.len();
    list.retain(|a| a != arn);
    if before == list.len() {
        return Err(ApiError::sender("NoSuchEntity", 404, format!("Policy {arn} was not found.")));
    }
    Ok(())
}

fn attached_json(ctx: &mut Ctx<'_>, list: &[String], a: &Authorized) -> Result<Value> {
    let mut rows = Vec::new();
    for arn in list {
        let name = find(ctx, arn)?
            .map(|m| m.name().to_owned())
            .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_owned());
        rows.push((name, arn.clone()));
    }
    paginate(rows, |r| r.1.clone(), a.input(), "AttachedPolicies", |r| json!({"PolicyName": r.0, "PolicyArn": r.1}))
}

/// AttachUserPolicy.
pub fn attach_user_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut u = super::users::load(ctx, req(a.input(), "UserName")?)?;
    let arn = check_attachable(ctx, req(a.input(), "PolicyArn")?)?;
    if attach(&mut u.attached, &arn, "PoliciesPerUser")? {
        super::users::save(ctx, &u)?;
    }
    Ok(empty())
}
/// DetachUserPolicy.
pub fn detach_user_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut u = super::users::load(ctx, req(a.input(), "UserName")?)?;
    detach(&mut u.attached, req(a.input(), "PolicyArn")?)?;
    super::users::save(ctx, &u)?;
    Ok(empty())
}
/// ListAttachedUserPolicies.
pub fn list_attached_user_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let u = super::users::load(ctx, req(a.input(), "UserName")?)?;
    attached_json(ctx, &u.attached, &a)
}
/// AttachRolePolicy.
pub fn attach_role_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut r = super::roles::load(ctx, req(a.input(), "RoleName")?)?;
    let arn = check_attachable(ctx, req(a.input(), "PolicyArn")?)?;
    if attach(&mut r.attached, &arn, "PoliciesPerRole")? {
        super::roles::save(ctx, &r)?;
    }
    Ok(empty())
}
/// DetachRolePolicy.
pub fn detach_role_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut r = super::roles::load(ctx, req(a.input(), "RoleName")?)?;
    detach(&mut r.attached, req(a.input(), "PolicyArn")?)?;
    super::roles::save(ctx, &r)?;
    Ok(empty())
}
/// ListAttachedRolePolicies.
pub fn list_attached_role_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let r = super::roles::load(ctx, req(a.input(), "RoleName")?)?;
    attached_json(ctx, &r.attached, &a)
}
/// AttachGroupPolicy.
pub fn attach_group_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut g = super::groups::load(ctx, req(a.input(), "GroupName")?)?;
    let arn = check_attachable(ctx, req(a.input(), "PolicyArn")?)?;
    if attach(&mut g.attached, &arn, "PoliciesPerGroup")? {
        super::groups::save(ctx, &g)?;
    }
    Ok(empty())
}
/// DetachGroupPolicy.
pub fn detach_group_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let mut g = super::groups::load(ctx, req(a.input(), "GroupName")?)?;
    detach(&mut g.attached, req(a.input(), "PolicyArn")?)?;
    super::groups::save(ctx, &g)?;
    Ok(empty())
}
/// ListAttachedGroupPolicies.
pub fn list_attached_group_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let g = super::groups::load(ctx, req(a.input(), "GroupName")?)?;
    attached_json(ctx, &g.attached, &a)
}
