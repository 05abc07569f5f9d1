//! Access entries as the authenticator's `DynamicFile` mapper sees them, in
//! strict user-id mode (`authenticator.md` §3.4): looked up by the principal's
//! unique id, then the ARN (role path stripped) must agree.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{strip_path, Identity, MapResult, Mapper};

/// The node group every non-STANDARD entry gets.
pub const NODES_GROUP: &str = "system:nodes";

fn standard() -> String {
    "STANDARD".to_owned()
}

fn yes() -> bool {
    true
}

/// One access entry, as EKS compiles it into the authenticator's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    /// The principal ARN as created (a role keeps its path).
    pub principal_arn: String,
    /// The principal's unique id at CreateAccessEntry (`AROA…`, `AIDA…`).
    pub principal_id: String,
    /// `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`,
    /// `HYBRID_LINUX`, `HYPERPOD_LINUX` or `EC2`.
    #[serde(rename = "type", default = "standard")]
    pub kind: String,
    /// The username template; `None` or empty for the type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `kubernetesGroups` (STANDARD only).
    #[serde(default)]
    pub kubernetes_groups: Vec<String>,
    /// False for an entry that does not take part in authentication (for
    /// instance while it is being deleted); it is skipped.
    #[serde(default = "yes")]
    pub effective: bool,
}

/// True for the node types (every type but `STANDARD`).
pub fn is_node_type(kind: &str) -> bool {
    kind != "STANDARD"
}

/// The username EKS gives an entry without one (`eks-api.md` §3.4): the user
/// ARN; `arn:aws:sts::A:assumed-role/<Name>/{{SessionName}}` for a role (path
/// removed); `system:node:{{EC2PrivateDNSName}}` for EC2 types and
/// `system:node:{{SessionName}}` for Fargate, hybrid and HyperPod nodes.
pub fn default_username(principal_arn: &str, kind: &str) -> String {
    match kind {
        "EC2_LINUX" | "EC2_WINDOWS" | "EC2" => "system:node:{{EC2PrivateDNSName}}".to_owned(),
        "FARGATE_LINUX" | "HYBRID_LINUX" | "HYPERPOD_LINUX" => "system:node:{{SessionName}}".to_owned(),
        _ => {
            let parts: Vec<&str> = principal_arn.splitn(6, ':').collect();
            match parts.as_slice() {
                ["arn", partition, _, _, account, resource] if resource.starts_with("role/") => {
                    let name = resource.rsplit('/').next().unwrap_or_default();
                    format!("arn:{partition}:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}")
                }
                _ => principal_arn.to_owned(),
            }
        }
    }
}

/// The groups an entry maps to: `system:nodes` for node types, else its
/// `kubernetesGroups`.
pub fn default_groups(kind: &str, kubernetes_groups: &[String]) -> Vec<String> {
    if is_node_type(kind) {
        vec![NODES_GROUP.to_owned()]
    } else {
        kubernetes_groups.to_vec()
    }
}

fn is_role(arn: &str) -> bool {
    arn.splitn(6, ':').nth(5).is_some_and(|r| r.starts_with("role/"))
}

/// A cluster's access entries, indexed by principal id.
#[derive(Debug, Clone, Default)]
pub struct AccessEntries {
    entries: Vec<AccessEntry>,
    roles: HashMap<String, usize>,
    users: HashMap<String, usize>,
    by_arn: HashMap<String, usize>,
    reserved: Vec<String>,
}

impl AccessEntries {
    /// Indexes `entries` (a later entry with the same id wins).
    pub fn new(entries: impl IntoIterator<Item = AccessEntry>) -> Self {
        let mut me = AccessEntries::default();
        for entry in entries.into_iter().filter(|e| e.effective) {
            let i = me.entries.len();
            let index = if is_role(&entry.principal_arn) { &mut me.roles } else { &mut me.users };
            index.insert(entry.principal_id.clone(), i);
            let arn = strip_path(&entry.principal_arn).unwrap_or_else(|_| entry.principal_arn.clone());
            me.by_arn.insert(arn.to_ascii_lowercase(), i);
            me.entries.push(entry);
        }
        me
    }

    /// The same entries with username prefixes the mapper may not produce.
    pub fn with_reserved_prefixes(mut self, prefixes: Vec<String>) -> Self {
        self.reserved = prefixes;
        self
    }

    /// The indexed entries.
    pub fn entries(&self) -> &[AccessEntry] {
        &self.entries
    }

    fn not_mapped(&self, identity: &Identity) -> MapResult {
        let reason = match self.by_arn.get(&identity.canonical_arn.to_ascii_lowercase()).map(|&i| &self.entries[i]) {
            Some(e) => format!(
                "the access entry for {} holds principal id {}, the caller is {} (was the principal recreated?)",
                e.principal_arn, e.principal_id, identity.principal_id
            ),
            None => format!("no access entry for principal id {}", identity.principal_id),
        };
        MapResult::NotMapped { reason }
    }
}

const MISMATCH: &str = "ARN does not match User ID";

impl Mapper for AccessEntries {
    fn name(&self) -> &'static str {
        "DynamicFile"
    }

    fn map(&self, identity: &Identity) -> MapResult {
        let found = self.roles.get(&identity.principal_id).or_else(|| self.users.get(&identity.principal_id));
        let Some(entry) = found.map(|&i| &self.entries[i]) else {
            return self.not_mapped(identity);
        };
        let mut notes = Vec::new();
        if !entry.principal_arn.is_empty() {
            let canonical = identity.canonical_arn.to_ascii_lowercase();
            let stripped = match strip_path(&entry.principal_arn) {
                Ok(s) => s.to_ascii_lowercase(),
                Err(e) => {
                    let arn = crate::gofmt::quote(&entry.principal_arn);
                    let error = e.to_string();
                    let error = error.strip_prefix("sts getCallerIdentity failed: ").unwrap_or(&error);
                    notes.push(format!("invalid mapping arn in dynamic file: {arn}, treating as mismatch: {error}"));
                    return MapResult::Failed { error: MISMATCH.to_owned(), notes };
                }
            };
            notes.push(format!(
                "additional arn comparison for IAM arn. arn from STS response is {canonical}, arn in mapper is {stripped}"
            ));
            if canonical != stripped {
                return MapResult::Failed { error: MISMATCH.to_owned(), notes };
            }
        }
        let username = match entry.username.as_deref() {
            Some(u) if !u.is_empty() => u.to_owned(),
            _ => default_username(&entry.principal_arn, &entry.kind),
        };
        MapResult::Mapped {
            username,
            groups: default_groups(&entry.kind, &entry.kubernetes_groups),
            reason: format!("access entry {} ({}, {})", entry.principal_arn, entry.principal_id, entry.kind),
            notes,
        }
    }

    fn reserved_prefixes(&self) -> &[String] {
        &self.reserved
    }
}
