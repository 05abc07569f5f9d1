//! Declarative seed files (`eksim serve --seed FILE.yaml`): accounts, users, roles,
//! groups, managed policies and access keys with fixed values, so CI runs are
//! reproducible. Applying a seed twice changes nothing the second time: every
//! declared object is created when absent and brought to the declared state when
//! present; objects the seed does not mention are left alone.
//!
//! ```yaml
//! accounts:
//!   - id: "111122223333"
//!     root: { access_key_id: AKIAROOT111122223333, secret_access_key: "..." }
//!     policies:
//!       - name: eks-describe
//!         path: /
//!         document: { Version: "2012-10-17", Statement: [ ... ] }   # a mapping or a JSON string
//!     groups:
//!       - name: devs
//!         managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
//!     users:
//!       - name: alice
//!         path: /
//!         id: AIDAALICEEXAMPLE00001        # optional fixed unique id
//!         groups: [devs]
//!         inline_policies: [{ name: p, document: {...} }]
//!         managed_policies: [arn:aws:iam::111122223333:policy/eks-describe]
//!         access_keys: [{ access_key_id: AKIAALICE00000000001, secret_access_key: "..." }]
//!     roles:
//!       - name: eks-admin
//!         assume_role_policy: {...}
//!         max_session_duration: 3600
//! ```

use crate::iam::access_keys::{store_key, ROOT_INDEX};
use crate::iam::state::{keys, AccessKey, Account, Group, KeyOwner, ManagedPolicy, PolicyVersion, Role, Tag, User};
use eksim_model::{ids, AccountId};
use eksim_store::{Error as StoreError, Store, Txn, TxnExt};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Why a seed file was refused.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Not valid YAML for the schema.
    #[error("seed file is not valid: {0}")]
    Parse(String),
    /// A value breaks a rule IAM enforces.
    #[error("seed file: {0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The seed file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Accounts to declare.
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
}

/// A policy document: a YAML mapping or JSON text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Document {
    /// JSON text, kept verbatim.
    Text(String),
    /// A structured document, serialized to JSON.
    Structured(serde_json::Value),
}

impl Document {
    fn text(&self) -> String {
        match self {
            Document::Text(t) => t.clone(),
            Document::Structured(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        }
    }
}

/// A key pair.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedKey {
    /// `AKIA…`.
    pub access_key_id: String,
    /// 40 characters.
    pub secret_access_key: String,
    /// `Active` (default) or `Inactive`.
    #[serde(default)]
    pub status: Option<String>,
}

/// An inline policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInline {
    /// Policy name.
    pub name: String,
    /// Document.
    pub document: Document,
}

/// A customer managed policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPolicy {
    /// Name.
    pub name: String,
    /// Path, default `/`.
    #[serde(default)]
    pub path: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Document (the default version).
    pub document: Document,
}

/// A user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// Name.
    pub name: String,
    /// Path, default `/`.
    #[serde(default)]
    pub path: Option<String>,
    /// Fixed unique id (`AIDA…`); generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Group names.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<SeedInline>,
    /// Attached managed policy ARNs.
    #[serde(default)]
    pub managed_policies: Vec<String>,
    /// Permissions boundary ARN.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// Access keys.
    #[serde(default)]
    pub access_keys: Vec<SeedKey>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A role.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRole {
    /// Name.
    pub name: String,
    /// Path, default `/`.
    #[serde(default)]
    pub path: Option<String>,
    /// Fixed unique id (`AROA…`).
    #[serde(default)]
    pub id: Option<String>,
    /// Trust policy.
    pub assume_role_policy: Document,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// MaxSessionDuration, default 3600.
    #[serde(default)]
    pub max_session_duration: Option<i64>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<SeedInline>,
    /// Attached managed policy ARNs.
    #[serde(default)]
    pub managed_policies: Vec<String>,
    /// Permissions boundary ARN.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGroup {
    /// Name.
    pub name: String,
    /// Path, default `/`.
    #[serde(default)]
    pub path: Option<String>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<SeedInline>,
    /// Attached managed policy ARNs.
    #[serde(default)]
    pub managed_policies: Vec<String>,
}

/// An account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    /// 12 digits.
    pub id: String,
    /// Root credentials.
    #[serde(default)]
    pub root: Option<SeedKey>,
    /// Customer managed policies.
    #[serde(default)]
    pub policies: Vec<SeedPolicy>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    /// Users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<SeedRole>,
}

/// Records the account if new.
pub fn ensure_account(tx: &mut dyn Txn, id: &AccountId, now: &str) -> Result<(), StoreError> {
    if tx.get(&keys::account(id))?.is_none() {
        tx.put_json(&keys::account(id), &Account { id: id.clone(), create_date: now.to_owned() })?;
    }
    Ok(())
}

/// Declares the root key of an account (replacing its secret if it changed).
pub fn ensure_root_key(
    tx: &mut dyn Txn,
    id: &AccountId,
    akid: &str,
    secret: &str,
    now: &str,
) -> Result<(), StoreError> {
    match tx.get_json::<AccessKey>(&keys::access_key(akid))? {
        Some(k) if k.account == *id && k.owner == KeyOwner::Root && k.secret == secret && k.status == "Active" => {
            Ok(())
        }
        existing => {
            let key = AccessKey {
                account: id.clone(),
                owner: KeyOwner::Root,
                access_key_id: akid.to_owned(),
                secret: secret.to_owned(),
                status: "Active".into(),
                create_date: existing.map(|k| k.create_date).unwrap_or_else(|| now.to_owned()),
            };
            store_key(tx, &key, ROOT_INDEX)
        }
    }
}

fn tags(map: &BTreeMap<String, String>) -> Vec<Tag> {
    map.iter().map(|(k, v)| Tag { key: k.clone(), value: v.clone() }).collect()
}

fn check_key(k: &SeedKey, prefix: &str) -> Result<(), SeedError> {
    if !k.access_key_id.starts_with(prefix)
        || k.access_key_id.len() < 16
        || !k.access_key_id.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(SeedError::Invalid(format!(
            "access key id {:?} must start with {prefix} and be 16-128 letters and digits",
            k.access_key_id
        )));
    }
    if k.secret_access_key.len() < 16 {
        return Err(SeedError::Invalid(format!("the secret of {} is too short", k.access_key_id)));
    }
    Ok(())
}

fn check_doc(doc: &str, what: &str) -> Result<(), SeedError> {
    match serde_json::from_str::<serde_json::Value>(doc) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(SeedError::Invalid(format!("{what}: policy document is not a JSON object"))),
    }
}

/// Parses a seed file.
pub fn parse(text: &str) -> Result<Seed, SeedError> {
    serde_saphyr::from_str(text).map_err(|e| SeedError::Parse(e.to_string()))
}

/// Applies a seed in one transaction: all or nothing.
pub fn apply(store: &Store, seed: &Seed, now: &str) -> Result<(), SeedError> {
    store.write(|tx| apply_in(tx, seed, now))
}

fn apply_in(tx: &mut dyn Txn, seed: &Seed, now: &str) -> Result<(), SeedError> {
    for a in &seed.accounts {
        let acct = AccountId::parse(&a.id).map_err(|e| SeedError::Invalid(e.to_string()))?;
        ensure_account(tx, &acct, now)?;
        if let Some(root) = &a.root {
            check_key(root, "AKIA")?;
            ensure_root_key(tx, &acct, &root.access_key_id, &root.secret_access_key, now)?;
        }
        for p in &a.policies {
            let doc = p.document.text();
            check_doc(&doc, &p.name)?;
            let path = p.path.clone().unwrap_or_else(|| "/".into());
            let key = keys::policy(&acct, &p.name);
            let mut mp = tx.get_json::<ManagedPolicy>(&key)?.unwrap_or_else(|| ManagedPolicy {
                name: p.name.clone(),
                path: path.clone(),
                id: ids::unique_id("ANPA"),
                arn: String::new(),
                description: None,
                create_date: now.to_owned(),
                update_date: now.to_owned(),
                default_version: "v1".into(),
                versions: vec![],
                next_version: 2,
                tags: vec![],
            });
            mp.path = path.clone();
            mp.arn = format!("arn:aws:iam::{acct}:policy{path}{}", p.name);
            mp.description = p.description.clone();
            let default = mp.default_version.clone();
            match mp.versions.iter_mut().find(|v| v.version_id == default) {
                Some(v) => v.document = doc,
                None => {
                    mp.versions.push(PolicyVersion { version_id: default, document: doc, create_date: now.to_owned() })
                }
            }
            tx.put_json(&key, &mp)?;
        }
        for g in &a.groups {
            let key = keys::group(&acct, &g.name);
            let mut grp = tx.get_json::<Group>(&key)?.unwrap_or_else(|| Group {
                name: g.name.clone(),
                path: "/".into(),
                id: ids::unique_id("AGPA"),
                create_date: now.to_owned(),
                inline: Default::default(),
                attached: vec![],
            });
            grp.path = g.path.clone().unwrap_or_else(|| "/".into());
            grp.inline = inline(&g.inline_policies)?;
            grp.attached = g.managed_policies.clone();
            tx.put_json(&key, &grp)?;
        }
        for u in &a.users {
            let key = keys::user(&acct, &u.name);
            let mut user = tx.get_json::<User>(&key)?.unwrap_or_else(|| User {
                name: u.name.clone(),
                path: "/".into(),
                id: u.id.clone().unwrap_or_else(|| ids::unique_id("AIDA")),
                create_date: now.to_owned(),
                tags: vec![],
                inline: Default::default(),
                attached: vec![],
                groups: vec![],
                boundary: None,
                mfa: vec![],
            });
            if let Some(id) = &u.id {
                user.id = id.clone();
            }
            user.path = u.path.clone().unwrap_or_else(|| "/".into());
            user.groups = u.groups.clone();
            user.inline = inline(&u.inline_policies)?;
            user.attached = u.managed_policies.clone();
            user.boundary = u.permissions_boundary.clone();
            user.tags = tags(&u.tags);
            tx.put_json(&key, &user)?;
            for k in &u.access_keys {
                check_key(k, "AKIA")?;
                let key = AccessKey {
                    account: acct.clone(),
                    owner: KeyOwner::User { name: user.name.clone(), user_id: user.id.clone() },
                    access_key_id: k.access_key_id.clone(),
                    secret: k.secret_access_key.clone(),
                    status: k.status.clone().unwrap_or_else(|| "Active".into()),
                    create_date: tx
                        .get_json::<AccessKey>(&keys::access_key(&k.access_key_id))?
                        .map(|k| k.create_date)
                        .unwrap_or_else(|| now.to_owned()),
                };
                store_key(tx, &key, &user.name)?;
            }
        }
        for r in &a.roles {
            let doc = r.assume_role_policy.text();
            check_doc(&doc, &r.name)?;
            let key = keys::role(&acct, &r.name);
            let mut role = tx.get_json::<Role>(&key)?.unwrap_or_else(|| Role {
                name: r.name.clone(),
                path: "/".into(),
                id: r.id.clone().unwrap_or_else(|| ids::unique_id("AROA")),
                create_date: now.to_owned(),
                trust_policy: String::new(),
                description: None,
                max_session_duration: 3600,
                tags: vec![],
                inline: Default::default(),
                attached: vec![],
                boundary: None,
                last_used: None,
                trust_ids: Default::default(),
            });
            if let Some(id) = &r.id {
                role.id = id.clone();
            }
            role.path = r.path.clone().unwrap_or_else(|| "/".into());
            role.trust_policy = doc;
            role.description = r.description.clone();
            role.max_session_duration = r.max_session_duration.unwrap_or(3600);
            role.inline = inline(&r.inline_policies)?;
            role.attached = r.managed_policies.clone();
            role.boundary = r.permissions_boundary.clone();
            role.tags = tags(&r.tags);
            tx.put_json(&key, &role)?;
        }
    }
    Ok(())
}

fn inline(list: &[SeedInline]) -> Result<crate::iam::state::InlinePolicies, SeedError> {
    let mut out = crate::iam::state::InlinePolicies::new();
    for p in list {
        let doc = p.document.text();
        check_doc(&doc, &p.name)?;
        out.insert(p.name.clone(), doc);
    }
    Ok(out)
}
