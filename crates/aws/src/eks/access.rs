//! Access entries and access-policy associations (eks-api.md §2.2, §3.2–3.7).
//!
//! An entry is stored under `eks/ACCT/REGION/entry/CLUSTER/PRINCIPAL_ARN`, so a scan of a
//! cluster's prefix is ListAccessEntries' order (ASCII by principal ARN). Each entry records
//! the principal's unique id when it was created: a deleted and recreated IAM principal with
//! the same ARN keeps the entry but does not match it (the Kubernetes side compares ids).
//!
//! Decisions where the reference is unconfirmed:
//! - Validation that needs no stored state (principal ARN shape, type, reserved usernames and
//!   groups, scopes) runs before the cluster lookup and the mode gate (§3.9).
//! - The account root (`arn:aws:iam::ACCT:root`) is accepted as a STANDARD principal: AWS lets
//!   root create clusters, and the creator bootstrap gives root an entry, so users must be able
//!   to recreate it after deleting it. Its entry ARN uses the identity type `root`, its default
//!   username is the root ARN and its principal id the account id.
//! - A principal in an account eksim does not hold cannot be checked against IAM: it is accepted
//!   with an empty principal id (the Kubernetes side then matches on the ARN alone).
//! - The default username of a user keeps the user's path (it is the principal ARN); a role's
//!   drops the path (`assumed-role/NAME/{{SessionName}}`), as EKS documents.
//! - Node types show what EKS manages: `["system:nodes"]` for EC2_LINUX, EC2_WINDOWS,
//!   FARGATE_LINUX, HYBRID_LINUX and HYPERPOD_LINUX; `[]` for EC2 (Auto Mode nodes get their
//!   permissions from AmazonEKSAutoNodePolicy instead). Usernames and groups of every non-STANDARD
//!   entry are EKS-managed: refused on create, STANDARD-only on update.
//! - AssociateAccessPolicy is STANDARD-only, except AmazonEKSAutoNodePolicy on EC2 entries.
//! - Disassociating a policy that is not associated answers the unknown-policy 404.
//! - `clientRequestToken`: a retry with the token of the entry's last create or update answers
//!   the entry as it is (one token is kept per entry, the latest).
//! - Entries EKS makes itself (creator bootstrap, node roles) take effect at once; entries
//!   created or updated through the API take effect after `--propagation-delay`.
//! - A federated-user (GetFederationToken) creator gets no bootstrap entry: an STS ARN cannot be
//!   an access entry's principal.

use super::catalog::{self, AccessPolicy};
use super::state::{keys, AccessEntry, Association, Cluster};
use super::{now, page, region, req, resource_all_clusters, resource_cluster, s, uuid};
use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::iam::state::{keys as iam_keys, Role, User};
use crate::{Ctx, Op};
use eksim_model::{AccountId, Arn};
use eksim_store::{Txn, TxnExt};
use serde_json::{json, Value};
use std::collections::BTreeMap;

macro_rules! op {
    ($name:literal, $resource:expr, $handler:expr) => {
        Op { name: $name, action: concat!("eks:", $name), resource: $resource, handler: $handler }
    };
}

/// Access entry and access policy operations.
pub static OPERATIONS: &[Op] = &[
    op!("CreateAccessEntry", resource_cluster, create_access_entry),
    op!("DescribeAccessEntry", resource_entry, describe_access_entry),
    op!("ListAccessEntries", resource_cluster, list_access_entries),
    op!("UpdateAccessEntry", resource_entry, update_access_entry),
    op!("DeleteAccessEntry", resource_entry, delete_access_entry),
    op!("AssociateAccessPolicy", resource_entry, associate_access_policy),
    op!("DisassociateAccessPolicy", resource_entry, disassociate_access_policy),
    op!("ListAssociatedAccessPolicies", resource_entry, list_associated_access_policies),
    op!("ListAccessPolicies", resource_all_clusters, list_access_policies),
];

/// The access entry types (botocore documents `type` as a plain string with these values).
const TYPES: &[&str] =
    &["STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX", "EC2"];
/// Prefixes a custom username or Kubernetes group may not start with.
const RESERVED_PREFIXES: &[&str] = &["system:", "eks:", "aws:", "amazon:", "iam:"];
/// Placeholders the authenticator fills from the session name.
const SESSION_PLACEHOLDERS: &[&str] = &["{{SessionName}}", "{{SessionNameRaw}}"];
/// The policy EKS attaches to the cluster creator's entry.
const CLUSTER_ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
/// The one policy an EC2 (Auto Mode) entry may carry.
const AUTO_NODE: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy";

/// What an access entry's principal ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PrincipalRef {
    /// `user`, `role` or `root`: the access entry ARN's identity type.
    kind: &'static str,
    account: AccountId,
    /// `/` or `/a/b/`.
    path: String,
    /// The bare name (`root` for the account root).
    name: String,
}

/// Parses an IAM user, role or root ARN; anything else (STS session ARNs, groups, policies,
/// other services) is `The principalArn parameter format is not valid`.
fn parse_principal(arn: &str) -> Result<PrincipalRef> {
    let p = Arn::parse(arn).ok_or_else(error::principal_arn_format)?;
    if p.service != "iam" || !p.region.is_empty() {
        return Err(error::principal_arn_format());
    }
    let account = AccountId::parse(p.account).map_err(|_| error::principal_arn_format())?;
    if p.resource == "root" {
        return Ok(PrincipalRef { kind: "root", account, path: "/".into(), name: "root".into() });
    }
    let (kind, rest) = match p.resource.split_once('/') {
        Some(("user", rest)) => ("user", rest),
        Some(("role", rest)) => ("role", rest),
        _ => return Err(error::principal_arn_format()),
    };
    let (path, name) = match rest.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), rest),
    };
    if name.is_empty() || path.contains("//") {
        return Err(error::principal_arn_format());
    }
    Ok(PrincipalRef { kind, account, path, name: name.to_owned() })
}

impl PrincipalRef {
    /// Service-linked roles live under `/aws-service-role/`.
    fn is_service_linked(&self) -> bool {
        self.kind == "role" && self.path.starts_with("/aws-service-role/")
    }

    /// The username EKS gives an entry of `kind` when none is set (eks-api.md §3.4).
    fn default_username(&self, arn: &str, kind: &str) -> String {
        match kind {
            "EC2_LINUX" | "EC2_WINDOWS" | "EC2" => "system:node:{{EC2PrivateDNSName}}".to_owned(),
            "FARGATE_LINUX" | "HYBRID_LINUX" | "HYPERPOD_LINUX" => "system:node:{{SessionName}}".to_owned(),
            _ if self.kind == "role" => {
                format!("arn:aws:sts::{}:assumed-role/{}/{{{{SessionName}}}}", self.account, self.name)
            }
            _ => arn.to_owned(),
        }
    }

    /// `access-entry/CLUSTER/{role|user|root}/PRINCIPAL_ACCT/NAME/` and the id.
    fn entry_arn(&self, c: &Cluster, id: &str) -> String {
        format!(
            "arn:aws:eks:{}:{}:access-entry/{}/{}/{}/{}/{id}",
            c.region, c.account, c.name, self.kind, self.account, self.name
        )
    }
}

/// The groups EKS manages for node types.
fn default_groups(kind: &str) -> Vec<String> {
    match kind {
        "STANDARD" | "EC2" => Vec::new(),
        _ => vec!["system:nodes".to_owned()],
    }
}

/// The principal's unique id in IAM: `Some(id)` when it exists, `Some("")` when its account
/// is not one eksim holds (nothing to check), `None` when eksim's IAM has no such principal.
fn principal_id(tx: &mut dyn Txn, arn: &str, p: &PrincipalRef) -> Result<Option<String>> {
    if tx.get(&iam_keys::account(&p.account)).map_err(error::store)?.is_none() {
        return Ok(Some(String::new()));
    }
    let same = |kind: &str, path: &str, name: &str| eksim_model::iam_arn(&p.account, kind, path, name) == arn;
    Ok(match p.kind {
        "root" => Some(p.account.to_string()),
        "user" => tx
            .get_json::<User>(&iam_keys::user(&p.account, &p.name))
            .map_err(error::store)?
            .filter(|u| same("user", &u.path, &u.name))
            .map(|u| u.id),
        _ => tx
            .get_json::<Role>(&iam_keys::role(&p.account, &p.name))
            .map_err(error::store)?
            .filter(|r| same("role", &r.path, &r.name))
            .map(|r| r.id),
    })
}

fn check_username(username: &str) -> Result<()> {
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| username.starts_with(**p)) {
        return Err(error::reserved_username(prefix));
    }
    for placeholder in SESSION_PLACEHOLDERS {
        if let Some(at) = username.find(placeholder) {
            if !username[..at].contains(':') {
                return Err(error::session_name_needs_colon(placeholder));
            }
        }
    }
    Ok(())
}

fn check_groups(groups: &[String]) -> Result<()> {
    for g in groups {
        if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| g.starts_with(**p)) {
            return Err(error::reserved_group(g, prefix));
        }
    }
    Ok(())
}

fn string_list(input: &Value, name: &str) -> Option<Vec<String>> {
    input.get(name).and_then(Value::as_array).map(|v| v.iter().filter_map(|g| g.as_str().map(str::to_owned)).collect())
}

fn check_tags(input: &Value) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in input.get("tags").and_then(Value::as_object).into_iter().flatten() {
        if k.starts_with("aws:") {
            return Err(error::reserved_tag_key());
        }
        out.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
    }
    Ok(out)
}

/// Refuses access-entry operations on a CONFIG_MAP cluster (eks-api.md §3.2).
fn gate(c: &Cluster) -> Result<()> {
    if c.authentication_mode == "CONFIG_MAP" {
        return Err(error::mode_gate());
    }
    Ok(())
}

/// The cluster of the request, past the mode gate.
fn cluster(ctx: &mut Ctx<'_>, input: &Value) -> Result<Cluster> {
    let c = super::clusters::load(ctx, req(input, "clusterName")?)?;
    gate(&c)?;
    Ok(c)
}

/// The entry of the request's cluster and principal, or the 404.
fn load_entry(ctx: &mut Ctx<'_>, c: &Cluster, principal: &str) -> Result<AccessEntry> {
    entry_for(ctx.tx, &c.account, &c.region, &c.name, principal)
        .map_err(error::store)?
        .ok_or_else(error::access_entry_not_found)
}

fn save(ctx: &mut Ctx<'_>, e: &AccessEntry, c: &Cluster) -> Result<()> {
    ctx.tx.put_json(&keys::entry(&c.account, &c.region, &c.name, &e.principal_arn), e).map_err(error::store)?;
    Ok(())
}

/// The access entry of `principal_arn` on a cluster, as the Kubernetes side looks it up.
pub fn entry_for(
    tx: &mut dyn Txn,
    account: &AccountId,
    region: &str,
    cluster: &str,
    principal_arn: &str,
) -> std::result::Result<Option<AccessEntry>, eksim_store::Error> {
    tx.get_json(&keys::entry(account, region, cluster, principal_arn))
}

/// Resource of entry-level operations: the stored entry's ARN, or, when it does not exist,
/// the ARN it would have with `*` for its id (so `access-entry/CLUSTER/*` policies match).
fn resource_entry(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let cluster = s(input, "clusterName").unwrap_or_default();
    let principal = s(input, "principalArn").unwrap_or_default();
    let acct = ctx.account().clone();
    let r = region(ctx);
    if let Some(e) = entry_for(ctx.tx, &acct, &r, cluster, principal).map_err(error::store)? {
        return Ok(e.access_entry_arn);
    }
    Ok(match parse_principal(principal) {
        Ok(p) => format!("arn:aws:eks:{r}:{acct}:access-entry/{cluster}/{}/{}/{}/*", p.kind, p.account, p.name),
        Err(_) => format!("arn:aws:eks:{r}:{acct}:access-entry/{cluster}/*/*/*/*"),
    })
}

/// The `AccessEntry` shape.
fn entry_json(e: &AccessEntry) -> Value {
    json!({
        "clusterName": e.cluster,
        "principalArn": e.principal_arn,
        "kubernetesGroups": e.kubernetes_groups,
        "accessEntryArn": e.access_entry_arn,
        "createdAt": e.created_at,
        "modifiedAt": e.modified_at,
        "tags": e.tags,
        "username": e.username,
        "type": e.kind,
    })
}

/// The `AssociatedAccessPolicy` shape; cluster scope shows `namespaces: []`.
fn association_json(a: &Association) -> Value {
    json!({
        "policyArn": a.policy_arn,
        "accessScope": {"type": a.scope_type, "namespaces": a.namespaces},
        "associatedAt": a.associated_at,
        "modifiedAt": a.modified_at,
    })
}

/// CreateAccessEntry.
pub fn create_access_entry(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let principal_arn = req(i, "principalArn")?.to_owned();
    let p = parse_principal(&principal_arn)?;
    let kind = s(i, "type").unwrap_or("STANDARD").to_owned();
    if !TYPES.contains(&kind.as_str()) {
        return Err(error::invalid_entry_type());
    }
    if p.is_service_linked() {
        return Err(error::service_linked_role_entry());
    }
    let username = s(i, "username").map(str::to_owned);
    let groups = string_list(i, "kubernetesGroups");
    if kind != "STANDARD" {
        if p.kind != "role" {
            return Err(error::node_type_needs_role());
        }
        if p.account != *ctx.account() {
            return Err(error::node_type_same_account());
        }
        if username.is_some() {
            return Err(error::node_username_not_allowed(&kind));
        }
        if groups.as_ref().is_some_and(|g| !g.is_empty()) {
            return Err(error::node_groups_not_allowed(&kind));
        }
    }
    if let Some(u) = &username {
        check_username(u)?;
    }
    check_groups(groups.as_deref().unwrap_or_default())?;
    let tags = check_tags(i)?;
    let c = cluster(ctx, i)?;
    let token = s(i, "clientRequestToken").map(str::to_owned);
    if let Some(existing) = entry_for(ctx.tx, &c.account, &c.region, &c.name, &principal_arn).map_err(error::store)? {
        // A retry with the same client token is the same request: answer it again.
        if token.is_some() && existing.client_request_token == token {
            return Ok(json!({ "accessEntry": entry_json(&existing) }));
        }
        return Err(error::access_entry_in_use());
    }
    let principal_id = principal_id(ctx.tx, &principal_arn, &p)?.ok_or_else(error::invalid_principal)?;
    let t = now(ctx);
    let e = AccessEntry {
        cluster: c.name.clone(),
        principal_id,
        kubernetes_groups: if kind == "STANDARD" { groups.unwrap_or_default() } else { default_groups(&kind) },
        access_entry_arn: p.entry_arn(&c, &uuid()),
        created_at: t,
        modified_at: t,
        tags,
        username: username.unwrap_or_else(|| p.default_username(&principal_arn, &kind)),
        kind,
        associations: Vec::new(),
        client_request_token: token,
        effective_at: t + ctx.aws.config().propagation_delay,
        principal_arn,
    };
    save(ctx, &e, &c)?;
    Ok(json!({ "accessEntry": entry_json(&e) }))
}

/// DescribeAccessEntry.
pub fn describe_access_entry(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = cluster(ctx, a.input())?;
    let e = load_entry(ctx, &c, req(a.input(), "principalArn")?)?;
    Ok(json!({ "accessEntry": entry_json(&e) }))
}

/// ListAccessEntries: principal ARNs in ASCII order, optionally only those with a policy.
pub fn list_access_entries(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let policy = s(i, "associatedPolicyArn").map(str::to_owned);
    if let Some(p) = &policy {
        policy_shape(p)?;
    }
    let c = cluster(ctx, i)?;
    let entries =
        ctx.tx.list_json::<AccessEntry>(&keys::entries(&c.account, &c.region, &c.name)).map_err(error::store)?;
    let arns: Vec<String> = entries
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| policy.as_ref().is_none_or(|p| e.associations.iter().any(|x| x.policy_arn == *p)))
        .map(|e| e.principal_arn)
        .collect();
    let (arns, token) = page(arns, Clone::clone, i)?;
    let mut out = json!({ "accessEntries": arns });
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

/// UpdateAccessEntry: an omitted member is unchanged, `kubernetesGroups: []` clears them.
pub fn update_access_entry(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let username = s(i, "username").map(str::to_owned);
    let groups = string_list(i, "kubernetesGroups");
    if let Some(u) = &username {
        check_username(u)?;
    }
    check_groups(groups.as_deref().unwrap_or_default())?;
    let c = cluster(ctx, i)?;
    let mut e = load_entry(ctx, &c, req(i, "principalArn")?)?;
    let token = s(i, "clientRequestToken").map(str::to_owned);
    if token.is_some() && e.client_request_token == token {
        return Ok(json!({ "accessEntry": entry_json(&e) }));
    }
    if e.kind != "STANDARD" && (username.is_some() || groups.is_some()) {
        return Err(error::standard_only());
    }
    if let Some(u) = username {
        e.username = u;
    }
    if let Some(g) = groups {
        e.kubernetes_groups = g;
    }
    let t = now(ctx);
    e.modified_at = t;
    e.effective_at = t + ctx.aws.config().propagation_delay;
    e.client_request_token = token;
    save(ctx, &e, &c)?;
    Ok(json!({ "accessEntry": entry_json(&e) }))
}

/// DeleteAccessEntry: the entry goes with its associations.
pub fn delete_access_entry(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = cluster(ctx, a.input())?;
    let e = load_entry(ctx, &c, req(a.input(), "principalArn")?)?;
    ctx.tx.delete(&keys::entry(&c.account, &c.region, &c.name, &e.principal_arn)).map_err(error::store)?;
    Ok(json!({}))
}

/// Checks that `arn` looks like an access policy ARN at all: an IAM policy or other text is a
/// format error, while a wrong name, partition or a malformed `cluster-access-policy` ARN is
/// left for the lookup's 404 (eks-api.md §3.6).
fn policy_shape(arn: &str) -> Result<()> {
    if arn.starts_with("arn:") && arn.contains(":cluster-access-policy/") {
        Ok(())
    } else {
        Err(error::policy_arn_format())
    }
}

fn lookup_policy(arn: &str) -> Result<&'static AccessPolicy> {
    policy_shape(arn)?;
    catalog::by_arn(arn).ok_or_else(error::policy_not_found)
}

/// AssociateAccessPolicy: associating a policy again replaces its scope, keeping `associatedAt`.
pub fn associate_access_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let policy_arn = req(i, "policyArn")?.to_owned();
    policy_shape(&policy_arn)?;
    let scope = i.get("accessScope").cloned().unwrap_or(Value::Null);
    let scope_type = s(&scope, "type").unwrap_or("cluster").to_owned();
    let namespaces = string_list(&scope, "namespaces").unwrap_or_default();
    match scope_type.as_str() {
        "namespace" if namespaces.is_empty() => return Err(error::namespace_scope_without_namespaces()),
        "namespace" => {}
        _ if !namespaces.is_empty() => return Err(error::cluster_scope_with_namespaces()),
        _ => {}
    }
    let c = cluster(ctx, i)?;
    let mut e = load_entry(ctx, &c, req(i, "principalArn")?)?;
    let policy = lookup_policy(&policy_arn)?;
    if e.kind != "STANDARD" && !(e.kind == "EC2" && policy.arn == AUTO_NODE) {
        return Err(error::standard_only());
    }
    if policy.service_linked_only {
        return Err(error::service_linked_policy(policy.name));
    }
    let t = now(ctx);
    let association = match e.associations.iter_mut().find(|x| x.policy_arn == policy.arn) {
        Some(existing) => {
            existing.scope_type = scope_type;
            existing.namespaces = namespaces;
            existing.modified_at = t;
            existing.clone()
        }
        None => {
            let new = Association {
                policy_arn: policy.arn.to_owned(),
                scope_type,
                namespaces,
                associated_at: t,
                modified_at: t,
            };
            e.associations.push(new.clone());
            e.associations.sort_by(|x, y| x.policy_arn.cmp(&y.policy_arn));
            new
        }
    };
    save(ctx, &e, &c)?;
    Ok(json!({
        "clusterName": c.name,
        "principalArn": e.principal_arn,
        "associatedAccessPolicy": association_json(&association),
    }))
}

/// DisassociateAccessPolicy.
pub fn disassociate_access_policy(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let policy_arn = req(i, "policyArn")?.to_owned();
    policy_shape(&policy_arn)?;
    let c = cluster(ctx, i)?;
    let mut e = load_entry(ctx, &c, req(i, "principalArn")?)?;
    let before = e.associations.len();
    e.associations.retain(|x| x.policy_arn != policy_arn);
    if e.associations.len() == before {
        return Err(error::policy_not_found());
    }
    save(ctx, &e, &c)?;
    Ok(json!({}))
}

/// ListAssociatedAccessPolicies, ordered by policy ARN.
pub fn list_associated_access_policies(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let c = cluster(ctx, i)?;
    let e = load_entry(ctx, &c, req(i, "principalArn")?)?;
    let (items, token) = page(e.associations, |x| x.policy_arn.clone(), i)?;
    let mut out = json!({
        "clusterName": c.name,
        "principalArn": e.principal_arn,
        "associatedAccessPolicies": items.iter().map(association_json).collect::<Vec<_>>(),
    });
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

/// ListAccessPolicies: the catalogue, ASCII-sorted by name.
pub fn list_access_policies(_ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let policies: Vec<&AccessPolicy> = catalog::listed().collect();
    let (policies, token) = page(policies, |p| p.name.to_owned(), a.input())?;
    let mut out = json!({
        "accessPolicies": policies.iter().map(|p| json!({"name": p.name, "arn": p.arn})).collect::<Vec<_>>(),
    });
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

/// An entry EKS makes itself, unless the principal already has one.
fn managed_entry(
    ctx: &mut Ctx<'_>,
    c: &Cluster,
    principal_arn: &str,
    principal_id: Option<String>,
    kind: &str,
    associations: Vec<Association>,
) -> Result<()> {
    let Ok(p) = parse_principal(principal_arn) else { return Ok(()) };
    if entry_for(ctx.tx, &c.account, &c.region, &c.name, principal_arn).map_err(error::store)?.is_some() {
        return Ok(());
    }
    let principal_id = match principal_id {
        Some(id) => id,
        None => principal_id_or_empty(ctx.tx, principal_arn, &p)?,
    };
    let t = now(ctx);
    let e = AccessEntry {
        cluster: c.name.clone(),
        principal_arn: principal_arn.to_owned(),
        principal_id,
        kubernetes_groups: default_groups(kind),
        access_entry_arn: p.entry_arn(c, &uuid()),
        created_at: t,
        modified_at: t,
        tags: BTreeMap::new(),
        username: p.default_username(principal_arn, kind),
        kind: kind.to_owned(),
        associations,
        client_request_token: None,
        effective_at: t,
    };
    save(ctx, &e, c)
}

fn principal_id_or_empty(tx: &mut dyn Txn, arn: &str, p: &PrincipalRef) -> Result<String> {
    Ok(principal_id(tx, arn, p)?.unwrap_or_default())
}

/// Creates the cluster creator's STANDARD entry with AmazonEKSClusterAdminPolicy at cluster
/// scope (bootstrapClusterCreatorAdminPermissions), unless an entry for the principal exists.
/// A role session's entry names the role; the root user's names `arn:aws:iam::ACCT:root`.
pub fn bootstrap_creator_entry(ctx: &mut Ctx<'_>, cluster: &Cluster) -> Result<()> {
    let t = now(ctx);
    let admin = Association {
        policy_arn: CLUSTER_ADMIN.to_owned(),
        scope_type: "cluster".to_owned(),
        namespaces: Vec::new(),
        associated_at: t,
        modified_at: t,
    };
    let creator = cluster.creator.clone();
    managed_entry(ctx, cluster, &creator.principal_arn, Some(creator.principal_id), "STANDARD", vec![admin])
}

/// Creates the EKS-managed entry of a node role (`EC2_LINUX` for node groups,
/// `FARGATE_LINUX` for Fargate profiles), unless an entry for the role exists. The role's
/// unique id is recorded when IAM has the role, else left empty.
pub fn node_role_entry(ctx: &mut Ctx<'_>, cluster: &Cluster, role_arn: &str, kind: &str) -> Result<()> {
    if !matches!(parse_principal(role_arn), Ok(p) if p.kind == "role") {
        return Ok(());
    }
    managed_entry(ctx, cluster, role_arn, None, kind, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::resource_conforms;

    #[test]
    fn principal_arns_parse_into_kind_path_and_name() {
        let p = parse_principal("arn:aws:iam::111122223333:role/development/apps/my-role").unwrap();
        assert_eq!((p.kind, p.path.as_str(), p.name.as_str()), ("role", "/development/apps/", "my-role"));
        let p = parse_principal("arn:aws:iam::111122223333:user/alice").unwrap();
        assert_eq!((p.kind, p.path.as_str(), p.name.as_str()), ("user", "/", "alice"));
        assert_eq!(parse_principal("arn:aws:iam::111122223333:root").unwrap().kind, "root");
        for bad in [
            "arn:aws:sts::111122223333:assumed-role/r/s",
            "arn:aws:iam::111122223333:group/g",
            "arn:aws:iam::1111:user/alice",
            "arn:aws:iam::111122223333:user/",
            "arn:aws:iam:us-east-1:111122223333:user/alice",
            "alice",
        ] {
            assert_eq!(
                parse_principal(bad).unwrap_err().message,
                "The principalArn parameter format is not valid",
                "{bad}"
            );
        }
        assert!(parse_principal("arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/X")
            .unwrap()
            .is_service_linked());
    }

    #[test]
    fn default_usernames_follow_the_type_and_drop_role_paths() {
        let arn = "arn:aws:iam::111122223333:role/dev/r";
        let p = parse_principal(arn).unwrap();
        assert_eq!(p.default_username(arn, "STANDARD"), "arn:aws:sts::111122223333:assumed-role/r/{{SessionName}}");
        assert_eq!(p.default_username(arn, "EC2_LINUX"), "system:node:{{EC2PrivateDNSName}}");
        assert_eq!(p.default_username(arn, "FARGATE_LINUX"), "system:node:{{SessionName}}");
        let arn = "arn:aws:iam::111122223333:user/team/u";
        assert_eq!(parse_principal(arn).unwrap().default_username(arn, "STANDARD"), arn);
        assert_eq!(default_groups("EC2_LINUX"), ["system:nodes"]);
        assert!(default_groups("STANDARD").is_empty());
    }

    #[test]
    fn usernames_refuse_reserved_prefixes_and_need_a_colon_before_the_session() {
        assert_eq!(check_username("eks:x").unwrap_err().message, "The username must not begin with eks:");
        assert!(check_username("system:node:{{EC2PrivateDNSName}}").is_err());
        assert!(check_username(":john{{SessionName}}").is_ok());
        assert!(check_username("jo:hn{{SessionName}}").is_ok());
        assert!(check_username("john{{SessionName}}").is_err());
        assert!(check_username("john{{SessionNameRaw}}").is_err());
        assert!(check_username("sts:alice").is_ok());
        assert!(check_groups(&["dev".into(), "amazon:x".into()]).is_err());
    }

    #[test]
    fn resources_fit_the_service_authorization_reference() {
        let entry = "arn:aws:eks:us-east-1:111122223333:access-entry/demo/role/111122223333/r/14cec08a-6ad3-db0d-163e-5abedd344426";
        let missing = "arn:aws:eks:us-east-1:111122223333:access-entry/demo/user/111122223333/alice/*";
        let unparsable = "arn:aws:eks:us-east-1:111122223333:access-entry/demo/*/*/*/*";
        let cluster = "arn:aws:eks:us-east-1:111122223333:cluster/demo";
        let all_clusters = "arn:aws:eks:us-east-1:111122223333:cluster/*";
        for op in OPERATIONS {
            assert!(crate::actions::info(op.action).is_some(), "{}", op.action);
            let candidates: &[&str] = match op.name {
                "CreateAccessEntry" | "ListAccessEntries" => &[cluster],
                "ListAccessPolicies" => &[all_clusters],
                _ => &[entry, missing, unparsable],
            };
            for r in candidates {
                assert!(resource_conforms(op.action, r), "{} on {r}", op.action);
            }
        }
    }

    #[test]
    fn policy_arns_are_shaped_before_they_are_looked_up() {
        assert_eq!(
            lookup_policy("arn:aws:iam::aws:policy/AdministratorAccess").unwrap_err().code,
            "InvalidParameterException"
        );
        assert_eq!(lookup_policy("arn:aws:eks:aws:cluster-access-policy/AmazonEKSViewPolicy").unwrap_err().status, 404);
        assert_eq!(
            lookup_policy("arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy").unwrap_err().status,
            404
        );
        assert!(lookup_policy(CLUSTER_ADMIN).is_ok());
        assert!(lookup_policy(AUTO_NODE).is_ok());
    }
}
