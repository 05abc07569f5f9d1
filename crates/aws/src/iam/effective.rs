//! The policies that apply to a principal, gathered from the store: identity policies
//! (user inline + attached + each group's inline + attached; or the role's), the
//! permissions boundary, and the session policies of the credentials (iam-sts.md §10.1).
//! Shared by the authorization step and the policy simulator.

use super::policies::{find_in, Managed};
use super::state::{keys, Group, Role, Tag, User};
use crate::error::{self, Result};
use eksim_model::{AccountId, Principal, PrincipalKind};
use eksim_policy::{NamedPolicy, OwnerKind, Policy, PolicyKind, PolicySource};
use eksim_store::{Txn, TxnExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything policy evaluation needs about a principal.
#[derive(Default)]
pub struct Effective {
    /// Identity policies.
    pub identity: Vec<NamedPolicy>,
    /// The permissions boundary.
    pub boundary: Option<NamedPolicy>,
    /// Session policies passed when the credentials were made.
    pub session: Vec<NamedPolicy>,
    /// True when the session must be allowed by a session policy even if none was passed
    /// (GetFederationToken: no session policy means no permissions).
    pub session_required: bool,
    /// The principal's tags (`aws:PrincipalTag/…`).
    pub tags: Vec<Tag>,
}

/// Parsed documents by (text, is trust policy).
type ParseCache = Mutex<HashMap<(String, bool), Arc<Policy>>>;

/// Parsed documents by text: evaluation parses each distinct document once.
fn cache() -> &'static ParseCache {
    static C: OnceLock<ParseCache> = OnceLock::new();
    C.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Parses a stored document for evaluation. Stored documents were validated when written;
/// one that no longer parses grants nothing and is logged.
pub fn parsed(text: &str, trust: bool) -> Option<Policy> {
    let key = (text.to_owned(), trust);
    if let Ok(c) = cache().lock() {
        if let Some(p) = c.get(&key) {
            return Some((**p).clone());
        }
    }
    let kind = if trust { PolicyKind::Trust } else { PolicyKind::Identity };
    match eksim_policy::parse(text, kind) {
        Ok(p) => {
            if let Ok(mut c) = cache().lock() {
                if c.len() > 4096 {
                    c.clear();
                }
                c.insert(key, Arc::new(p.clone()));
            }
            Some(p)
        }
        Err(e) => {
            tracing::warn!(error = %e.message(), "stored policy document does not parse; it grants nothing");
            None
        }
    }
}

fn named(name: &str, source: PolicySource, text: &str) -> Option<NamedPolicy> {
    parsed(text, false).map(|p| NamedPolicy::new(name, source, p))
}

/// A managed policy by ARN, as a named policy.
pub fn managed(tx: &mut dyn Txn, account: &AccountId, arn: &str) -> Result<Option<NamedPolicy>> {
    Ok(match find_in(tx, account, arn)? {
        Some(m) => {
            let aws_managed = matches!(m, Managed::Aws(_));
            named(m.name(), PolicySource::Managed { arn: arn.to_owned(), aws_managed }, m.document())
        }
        None => None,
    })
}

fn inline(out: &mut Vec<NamedPolicy>, owner: OwnerKind, owner_name: &str, docs: &super::state::InlinePolicies) {
    for (name, doc) in docs {
        out.extend(named(name, PolicySource::Inline { owner, owner_name: owner_name.to_owned() }, doc));
    }
}

fn attached(tx: &mut dyn Txn, account: &AccountId, out: &mut Vec<NamedPolicy>, arns: &[String]) -> Result<()> {
    for arn in arns {
        out.extend(managed(tx, account, arn)?);
    }
    Ok(())
}

/// The policies of an IAM user.
pub fn for_user(tx: &mut dyn Txn, account: &AccountId, user: &User) -> Result<Effective> {
    let mut e = Effective { tags: user.tags.clone(), ..Effective::default() };
    inline(&mut e.identity, OwnerKind::User, &user.name, &user.inline);
    attached(tx, account, &mut e.identity, &user.attached)?;
    for g in &user.groups {
        if let Some(group) = tx.get_json::<Group>(&keys::group(account, g)).map_err(error::store)? {
            inline(&mut e.identity, OwnerKind::Group, &group.name, &group.inline);
            attached(tx, account, &mut e.identity, &group.attached)?;
        }
    }
    if let Some(b) = &user.boundary {
        e.boundary = managed(tx, account, b)?;
    }
    Ok(e)
}

/// The policies of a role.
pub fn for_role(tx: &mut dyn Txn, account: &AccountId, role: &Role) -> Result<Effective> {
    let mut e = Effective { tags: role.tags.clone(), ..Effective::default() };
    inline(&mut e.identity, OwnerKind::Role, &role.name, &role.inline);
    attached(tx, account, &mut e.identity, &role.attached)?;
    if let Some(b) = &role.boundary {
        e.boundary = managed(tx, account, b)?;
    }
    Ok(e)
}

/// The policies that apply to an authenticated caller (not root: root is always allowed in
/// its own account). `None` when the caller's identity no longer exists.
pub fn for_principal(tx: &mut dyn Txn, p: &Principal) -> Result<Option<Effective>> {
    let account = &p.account;
    let mut e = match &p.kind {
        PrincipalKind::Root => Effective::default(),
        PrincipalKind::User { name, .. } => {
            match tx.get_json::<User>(&keys::user(account, name)).map_err(error::store)? {
                Some(u) => for_user(tx, account, &u)?,
                None => return Ok(None),
            }
        }
        PrincipalKind::AssumedRole { role_name, .. } => {
            match tx.get_json::<Role>(&keys::role(account, role_name)).map_err(error::store)? {
                Some(r) => for_role(tx, account, &r)?,
                None => return Ok(None),
            }
        }
        PrincipalKind::FederatedUser { parent_user, .. } => {
            let mut e = match parent_user {
                Some(name) => match tx.get_json::<User>(&keys::user(account, name)).map_err(error::store)? {
                    Some(u) => for_user(tx, account, &u)?,
                    None => return Ok(None),
                },
                None => Effective::default(),
            };
            e.session_required = true;
            e
        }
    };
    if let Some(s) = &p.session {
        if let Some(doc) = &s.session_policy {
            e.session.extend(named("SessionPolicy", PolicySource::Supplied, doc));
        }
        for arn in &s.session_policy_arns {
            e.session.extend(managed(tx, account, arn)?);
        }
    }
    Ok(Some(e))
}
