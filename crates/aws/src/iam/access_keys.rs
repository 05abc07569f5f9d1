//! Long-term access keys: `AKIA…` ids, 40-character secrets, at most two per user.

use super::state::{keys, AccessKey, KeyOwner};
use super::{empty, paginate, req};
use crate::authz::Authorized;
use crate::error::{self, ApiError, Result};
use crate::Ctx;
use eksim_model::ids;
use eksim_store::TxnExt;
use serde_json::{json, Value};

/// The index name of the root user's keys (`:` cannot occur in user names).
pub const ROOT_INDEX: &str = ":root";

/// Resource of GetAccessKeyLastUsed: the user owning the key (the root ARN for root keys,
/// `*` for keys of other accounts, which then answer NoSuchEntity).
pub fn resource_any(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let akid = req(input, "AccessKeyId")?;
    let key: Option<AccessKey> = ctx.tx.get_json(&keys::access_key(akid)).map_err(error::store)?;
    Ok(match key {
        Some(AccessKey { owner: KeyOwner::User { name, .. }, account, .. }) if &account == ctx.account() => {
            let path = ctx
                .tx
                .get_json::<super::state::User>(&keys::user(&account, &name))
                .map_err(error::store)?
                .map(|u| u.path)
                .unwrap_or_else(|| "/".into());
            eksim_model::iam_arn(&account, "user", &path, &name)
        }
        Some(k) if &k.account == ctx.account() => ctx.account().root_arn(),
        _ => "*".to_owned(),
    })
}

fn no_such_key(akid: &str) -> ApiError {
    ApiError::sender("NoSuchEntity", 404, format!("The Access Key with id {akid} cannot be found."))
}

/// The target user's name and owner record (the caller when no `UserName`).
fn owner(ctx: &mut Ctx<'_>, input: &Value) -> Result<(String, KeyOwner)> {
    match super::users::target_name(ctx, input)? {
        Some(name) => {
            let u = super::users::load(ctx, &name)?;
            Ok((u.name.clone(), KeyOwner::User { name: u.name, user_id: u.id }))
        }
        None => Ok((ROOT_INDEX.to_owned(), KeyOwner::Root)),
    }
}

fn keys_of(ctx: &mut Ctx<'_>, index: &str) -> Result<Vec<AccessKey>> {
    let acct = ctx.account().clone();
    let mut out = Vec::new();
    for (k, _) in ctx.tx.scan(&keys::user_keys(&acct, index), None, usize::MAX).map_err(error::store)? {
        let akid = k.rsplit('/').next().unwrap_or_default();
        if let Some(key) = ctx.tx.get_json::<AccessKey>(&keys::access_key(akid)).map_err(error::store)? {
            out.push(key);
        }
    }
    out.sort_by(|a, b| a.create_date.cmp(&b.create_date).then(a.access_key_id.cmp(&b.access_key_id)));
    Ok(out)
}

fn user_name_of(k: &AccessKey) -> Option<&str> {
    match &k.owner {
        KeyOwner::User { name, .. } => Some(name),
        KeyOwner::Root => None,
    }
}

/// Stores a new key and its index entry.
pub fn store_key(
    tx: &mut dyn eksim_store::Txn,
    key: &AccessKey,
    index: &str,
) -> std::result::Result<(), eksim_store::Error> {
    tx.put_json(&keys::access_key(&key.access_key_id), key)?;
    tx.put(&keys::user_key(&key.account, index, &key.access_key_id), b"{}")?;
    Ok(())
}

/// CreateAccessKey.
pub fn create_access_key(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (index, owner) = owner(ctx, a.input())?;
    if keys_of(ctx, &index)?.len() >= 2 {
        return Err(error::limit_exceeded("Cannot exceed quota for AccessKeysPerUser: 2"));
    }
    let key = AccessKey {
        account: ctx.account().clone(),
        owner,
        access_key_id: ids::access_key_id("AKIA"),
        secret: ids::secret_access_key(),
        status: "Active".into(),
        create_date: ctx.now_iso(),
    };
    store_key(ctx.tx, &key, &index).map_err(error::store)?;
    let mut v = json!({"AccessKeyId": key.access_key_id, "Status": key.status, "SecretAccessKey": key.secret, "CreateDate": key.create_date});
    if let Some(n) = user_name_of(&key) {
        v["UserName"] = json!(n);
    }
    Ok(json!({ "AccessKey": v }))
}

/// ListAccessKeys.
pub fn list_access_keys(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (index, _) = owner(ctx, a.input())?;
    let list = keys_of(ctx, &index)?;
    paginate(
        list,
        |k| k.create_date.clone() + &k.access_key_id,
        a.input(),
        "AccessKeyMetadata",
        |k| {
            let mut v = json!({"AccessKeyId": k.access_key_id, "Status": k.status, "CreateDate": k.create_date});
            if let Some(n) = user_name_of(k) {
                v["UserName"] = json!(n);
            }
            v
        },
    )
}

fn find_owned(ctx: &mut Ctx<'_>, a: &Authorized) -> Result<(AccessKey, String)> {
    let akid = req(a.input(), "AccessKeyId")?.to_owned();
    let (index, _) = owner(ctx, a.input())?;
    let key = keys_of(ctx, &index)?.into_iter().find(|k| k.access_key_id == akid).ok_or_else(|| no_such_key(&akid))?;
    Ok((key, index))
}

/// UpdateAccessKey (Active | Inactive).
pub fn update_access_key(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (mut key, _) = find_owned(ctx, &a)?;
    key.status = req(a.input(), "Status")?.to_owned();
    ctx.tx.put_json(&keys::access_key(&key.access_key_id), &key).map_err(error::store)?;
    Ok(empty())
}

/// DeleteAccessKey.
pub fn delete_access_key(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (key, index) = find_owned(ctx, &a)?;
    ctx.tx.delete(&keys::access_key(&key.access_key_id)).map_err(error::store)?;
    ctx.tx.delete(&keys::user_key(&key.account, &index, &key.access_key_id)).map_err(error::store)?;
    Ok(empty())
}

/// GetAccessKeyLastUsed.
pub fn get_access_key_last_used(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let akid = req(a.input(), "AccessKeyId")?;
    let key: AccessKey = ctx
        .tx
        .get_json(&keys::access_key(akid))
        .map_err(error::store)?
        .filter(|k: &AccessKey| &k.account == ctx.account())
        .ok_or_else(|| no_such_key(akid))?;
    let mut v = json!({"AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}});
    if let Some(n) = user_name_of(&key) {
        v["UserName"] = json!(n);
    }
    Ok(v)
}
