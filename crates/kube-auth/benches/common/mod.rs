//! Fixtures shared by the kube-auth benches: a cluster's RBAC objects (the bootstrap
//! policy plus `n` bindings, one of which grants the benchmarked user) and its access
//! entries (`n` role entries, one of which maps the benchmarked session).

#![allow(dead_code)]

use eksim_kube_auth::mapping::{AccessEntry, Identity};
use eksim_kube_auth::rbac::{bootstrap_cluster_role_bindings, bootstrap_cluster_roles};
use eksim_kube_auth::{Attributes, UserInfo};
use serde_json::{json, Value};

/// The account of every fixture.
pub const ACCOUNT: &str = "111122223333";

/// The group the benchmarked user's one RoleBinding names (an access entry's
/// `kubernetesGroups`, the usual EKS pattern).
pub const GROUP: &str = "developers";

/// A cluster's stored RBAC objects.
pub struct Objects {
    pub roles: Vec<Value>,
    pub cluster_roles: Vec<Value>,
    pub role_bindings: Vec<Value>,
    pub cluster_role_bindings: Vec<Value>,
}

fn binding(kind: &str, namespace: Option<&str>, name: &str, role: &str, subject: Value) -> Value {
    let mut metadata = json!({ "name": name });
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": metadata,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    })
}

/// The bootstrap policy plus `n` bindings: the RoleBinding `developers-view` in
/// `default` (Group `developers` → ClusterRole `view`), then `n - 1` others for other
/// users, groups and service accounts, half RoleBindings (half of those in `default`,
/// the request's namespace) and half ClusterRoleBindings.
pub fn objects(n: usize) -> Objects {
    let mut role_bindings = vec![binding(
        "RoleBinding",
        Some("default"),
        "developers-view",
        "view",
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": GROUP}),
    )];
    let mut cluster_role_bindings = bootstrap_cluster_role_bindings();
    for i in 1..n {
        let subject = match i % 3 {
            0 => json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": format!("user-{i}")}),
            1 => json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": format!("group-{i}")}),
            _ => json!({"kind": "ServiceAccount", "name": format!("sa-{i}"), "namespace": "default"}),
        };
        let role = if i % 4 < 2 { "edit" } else { "view" };
        if i % 2 == 0 {
            let ns = if i % 4 == 0 { "default".to_owned() } else { format!("team-{}", i % 97) };
            role_bindings.push(binding("RoleBinding", Some(&ns), &format!("rb-{i}"), role, subject));
        } else {
            cluster_role_bindings.push(binding("ClusterRoleBinding", None, &format!("crb-{i}"), role, subject));
        }
    }
    Objects { roles: Vec::new(), cluster_roles: bootstrap_cluster_roles(), role_bindings, cluster_role_bindings }
}

/// The benchmarked user: bound only through `developers-view` (and the bootstrap
/// bindings of `system:authenticated`).
pub fn alice() -> UserInfo {
    UserInfo {
        username: "alice".to_owned(),
        uid: String::new(),
        groups: vec![GROUP.to_owned(), "system:authenticated".to_owned()],
        extra: Default::default(),
    }
}

/// A resource request in `default`.
pub fn request(verb: &str, resource: &str) -> Attributes {
    Attributes {
        verb: verb.to_owned(),
        resource_request: true,
        api_version: "v1".to_owned(),
        namespace: "default".to_owned(),
        resource: resource.to_owned(),
        ..Attributes::default()
    }
}

fn principal_id(i: usize) -> String {
    format!("AROA{i:017}")
}

/// `n` access entries for roles `team/role-<i>` (a path, as real roles often have),
/// mapped to the type's default username and `developers`.
pub fn access_entries(n: usize) -> Vec<AccessEntry> {
    (0..n)
        .map(|i| AccessEntry {
            principal_arn: format!("arn:aws:iam::{ACCOUNT}:role/team/role-{i}"),
            principal_id: principal_id(i),
            kind: "STANDARD".to_owned(),
            username: None,
            kubernetes_groups: vec![GROUP.to_owned()],
            effective: true,
        })
        .collect()
}

/// What STS says of a session of role `role-<i>` (the identity a verified token yields).
pub fn session(i: usize) -> Identity {
    Identity::from_caller_identity(
        &format!("arn:aws:sts::{ACCOUNT}:assumed-role/role-{i}/alice-session"),
        ACCOUNT,
        &format!("{}:alice-session", principal_id(i)),
        "ASIAEXAMPLEKEY000001",
        "sts.us-east-1.amazonaws.com",
    )
    .unwrap_or_else(|e| panic!("fixture identity: {e}"))
}
