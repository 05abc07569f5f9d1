//! The bootstrap RBAC policy kube-apiserver creates (`kube-apiserver.md` §5;
//! Kubernetes 1.29–1.31 `bootstrappolicy`): the ClusterRoles, the aggregated
//! `view`/`edit`/`admin` with their labels, and the ClusterRoleBindings of
//! §5.1, as objects ready to store. Lists inside a rule are sorted, as stored.

use serde_json::{json, Map, Value};

use super::{aggregate, PolicyRule};

const R: &[&str] = &["get", "list", "watch"];
const W: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const RW: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const AGGREGATE_TO: &str = "rbac.authorization.k8s.io/aggregate-to-";

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: sorted(verbs),
        api_groups: sorted(groups),
        resources: sorted(resources),
        ..PolicyRule::default()
    }
}

fn urls(urls: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule { verbs: sorted(verbs), non_resource_urls: sorted(urls), ..PolicyRule::default() }
}

/// The rules of `system:aggregate-to-view` (v1–v10 of §5.2).
fn view_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            &[""],
            &[
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
            ],
            R,
        ),
        rule(
            &[""],
            &[
                "bindings",
                "events",
                "limitranges",
                "namespaces/status",
                "pods/log",
                "pods/status",
                "replicationcontrollers/status",
                "resourcequotas",
                "resourcequotas/status",
            ],
            R,
        ),
        rule(&[""], &["namespaces"], R),
        rule(&["discovery.k8s.io"], &["endpointslices"], R),
        rule(
            &["apps"],
            &[
                "controllerrevisions",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
            ],
            R,
        ),
        rule(&["autoscaling"], &["horizontalpodautoscalers", "horizontalpodautoscalers/status"], R),
        rule(&["batch"], &["cronjobs", "cronjobs/status", "jobs", "jobs/status"], R),
        rule(
            &["extensions"],
            &[
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "ingresses",
                "ingresses/status",
                "networkpolicies",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "replicationcontrollers/scale",
            ],
            R,
        ),
        rule(&["policy"], &["poddisruptionbudgets", "poddisruptionbudgets/status"], R),
        rule(&["networking.k8s.io"], &["ingresses", "ingresses/status", "networkpolicies"], R),
    ]
}

/// The rules of `system:aggregate-to-edit` (e1–e13 of §5.2).
fn edit_rules() -> Vec<PolicyRule> {
    vec![
        rule(&[""], &["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"], R),
        rule(&[""], &["serviceaccounts"], &["impersonate"]),
        rule(&[""], &["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], W),
        rule(&[""], &["pods/eviction"], &["create"]),
        rule(
            &[""],
            &[
                "configmaps",
                "events",
                "persistentvolumeclaims",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "secrets",
                "serviceaccounts",
                "services",
                "services/proxy",
            ],
            W,
        ),
        rule(&[""], &["serviceaccounts/token"], &["create"]),
        rule(
            &["apps"],
            &[
                "daemonsets",
                "deployments",
                "deployments/rollback",
                "deployments/scale",
                "replicasets",
                "replicasets/scale",
                "statefulsets",
                "statefulsets/scale",
            ],
            W,
        ),
        rule(&["autoscaling"], &["horizontalpodautoscalers"], W),
        rule(&["batch"], &["cronjobs", "jobs"], W),
        rule(
            &["extensions"],
            &[
                "daemonsets",
                "deployments",
                "deployments/rollback",
                "deployments/scale",
                "ingresses",
                "networkpolicies",
                "replicasets",
                "replicasets/scale",
                "replicationcontrollers/scale",
            ],
            W,
        ),
        rule(&["policy"], &["poddisruptionbudgets"], W),
        rule(&["networking.k8s.io"], &["ingresses", "networkpolicies"], W),
        rule(&["coordination.k8s.io"], &["leases"], RW),
    ]
}

/// The rules of `system:aggregate-to-admin` (a1–a2 of §5.2).
fn admin_rules() -> Vec<PolicyRule> {
    vec![
        rule(&["authorization.k8s.io"], &["localsubjectaccessreviews"], &["create"]),
        rule(&["rbac.authorization.k8s.io"], &["rolebindings", "roles"], RW),
    ]
}

/// The `system:node` rules, which the Node authorizer applies to node users.
pub fn node_rules() -> Vec<PolicyRule> {
    vec![
        rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
        rule(&["authorization.k8s.io"], &["localsubjectaccessreviews", "subjectaccessreviews"], &["create"]),
        rule(&[""], &["services"], R),
        rule(&[""], &["nodes"], &["create", "get", "list", "watch"]),
        rule(&[""], &["nodes/status"], &["patch", "update"]),
        rule(&[""], &["nodes"], &["patch", "update"]),
        rule(&[""], &["events"], &["create", "patch", "update"]),
        rule(&[""], &["pods"], R),
        rule(&[""], &["pods"], &["create", "delete"]),
        rule(&[""], &["pods/status"], &["patch", "update"]),
        rule(&[""], &["pods/eviction"], &["create"]),
        rule(&[""], &["configmaps", "secrets"], R),
        rule(&[""], &["persistentvolumeclaims", "persistentvolumes"], &["get"]),
        rule(&[""], &["endpoints"], &["get"]),
        rule(&["certificates.k8s.io"], &["certificatesigningrequests"], &["create", "get", "list", "watch"]),
        rule(&["coordination.k8s.io"], &["leases"], &["create", "delete", "get", "patch", "update"]),
        rule(&["storage.k8s.io"], &["volumeattachments"], &["get"]),
        rule(&[""], &["serviceaccounts/token"], &["create"]),
        rule(&[""], &["persistentvolumeclaims/status"], &["get", "patch", "update"]),
        rule(&["storage.k8s.io"], &["csidrivers"], R),
        rule(&["storage.k8s.io"], &["csinodes"], &["create", "delete", "get", "patch", "update"]),
        rule(&["node.k8s.io"], &["runtimeclasses"], R),
    ]
}

fn metadata(name: &str, extra_labels: &[(&str, &str)]) -> Value {
    let mut labels = Map::new();
    labels.insert("kubernetes.io/bootstrapping".to_owned(), json!("rbac-defaults"));
    for (k, v) in extra_labels {
        labels.insert((*k).to_owned(), json!(v));
    }
    json!({
        "name": name,
        "labels": labels,
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    })
}

fn cluster_role(name: &str, labels: &[(&str, &str)], rules: Vec<PolicyRule>, aggregate_from: Option<&str>) -> Value {
    let mut role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": metadata(name, labels),
        "rules": rules,
    });
    if let Some(to) = aggregate_from {
        role["aggregationRule"] =
            json!({"clusterRoleSelectors": [{"matchLabels": {format!("{AGGREGATE_TO}{to}"): "true"}}]});
    }
    role
}

/// The bootstrap ClusterRoles; `view`, `edit` and `admin` carry their
/// aggregated rules, as the controller leaves them.
pub fn bootstrap_cluster_roles() -> Vec<Value> {
    let kube_events = rule(&["", "events.k8s.io"], &["events"], &["create", "patch", "update"]);
    let to = |what: &'static str| (format!("{AGGREGATE_TO}{what}"), "true");
    let (to_view, to_edit, to_admin) = (to("view"), to("edit"), to("admin"));
    let mut roles = vec![
        cluster_role("admin", &[], vec![], Some("admin")),
        cluster_role("cluster-admin", &[], vec![rule(&["*"], &["*"], &["*"]), urls(&["*"], &["*"])], None),
        cluster_role("edit", &[(&to_admin.0, to_admin.1)], vec![], Some("edit")),
        cluster_role("system:aggregate-to-admin", &[(&to_admin.0, to_admin.1)], admin_rules(), None),
        cluster_role("system:aggregate-to-edit", &[(&to_edit.0, to_edit.1)], edit_rules(), None),
        cluster_role("system:aggregate-to-view", &[(&to_view.0, to_view.1)], view_rules(), None),
        cluster_role(
            "system:auth-delegator",
            &[],
            vec![
                rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                rule(&["authorization.k8s.io"], &["subjectaccessreviews"], &["create"]),
            ],
            None,
        ),
        cluster_role(
            "system:basic-user",
            &[],
            vec![
                rule(&["authorization.k8s.io"], &["selfsubjectaccessreviews", "selfsubjectrulesreviews"], &["create"]),
                rule(&["authentication.k8s.io"], &["selfsubjectreviews"], &["create"]),
            ],
            None,
        ),
        cluster_role(
            "system:discovery",
            &[],
            vec![urls(
                &[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
                &["get"],
            )],
            None,
        ),
        cluster_role(
            "system:kube-controller-manager",
            &[],
            vec![
                kube_events.clone(),
                rule(&["coordination.k8s.io"], &["leases"], &["create"]),
                rule(&["coordination.k8s.io"], &["leases"], &["get", "update"]).named(&["kube-controller-manager"]),
                rule(&[""], &["secrets", "serviceaccounts"], &["create"]),
                rule(&[""], &["secrets"], &["delete"]),
                rule(&[""], &["configmaps", "namespaces", "secrets", "serviceaccounts"], &["get"]),
                rule(&[""], &["secrets", "serviceaccounts"], &["update"]),
                rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                rule(&["authorization.k8s.io"], &["subjectaccessreviews"], &["create"]),
                rule(&["*"], &["*"], &["list", "watch"]),
                rule(&[""], &["serviceaccounts/token"], &["create"]),
            ],
            None,
        ),
        cluster_role("system:kube-dns", &[], vec![rule(&[""], &["endpoints", "services"], &["list", "watch"])], None),
        cluster_role(
            "system:kube-scheduler",
            &[],
            vec![
                kube_events.clone(),
                rule(&["coordination.k8s.io"], &["leases"], &["create"]),
                rule(&["coordination.k8s.io"], &["leases"], &["get", "update"]).named(&["kube-scheduler"]),
                rule(&[""], &["nodes"], R),
                rule(&[""], &["pods"], &["delete", "get", "list", "watch"]),
                rule(&[""], &["bindings", "pods/binding"], &["create"]),
                rule(&[""], &["pods/status"], &["patch", "update"]),
                rule(&[""], &["replicationcontrollers", "services"], R),
                rule(&["apps", "extensions"], &["replicasets"], R),
                rule(&["apps"], &["statefulsets"], R),
                rule(&["policy"], &["poddisruptionbudgets"], R),
                rule(&[""], &["persistentvolumeclaims", "persistentvolumes"], R),
                rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                rule(&["authorization.k8s.io"], &["subjectaccessreviews"], &["create"]),
                rule(&["storage.k8s.io"], &["csinodes"], R),
                rule(&[""], &["namespaces"], R),
                rule(&["storage.k8s.io"], &["csidrivers"], R),
                rule(&["storage.k8s.io"], &["csistoragecapacities"], R),
            ],
            None,
        ),
        cluster_role(
            "system:monitoring",
            &[],
            vec![urls(
                &["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*"],
                &["get"],
            )],
            None,
        ),
        cluster_role("system:node", &[], node_rules(), None),
        cluster_role(
            "system:node-proxier",
            &[],
            vec![
                rule(&[""], &["endpoints", "services"], &["list", "watch"]),
                rule(&[""], &["nodes"], R),
                kube_events,
                rule(&["discovery.k8s.io"], &["endpointslices"], &["list", "watch"]),
            ],
            None,
        ),
        cluster_role(
            "system:public-info-viewer",
            &[],
            vec![urls(&["/healthz", "/livez", "/readyz", "/version", "/version/"], &["get"])],
            None,
        ),
        cluster_role(
            "system:service-account-issuer-discovery",
            &[],
            vec![urls(&["/.well-known/openid-configuration", "/openid/v1/jwks"], &["get"])],
            None,
        ),
        cluster_role(
            "system:volume-scheduler",
            &[],
            vec![
                rule(&[""], &["persistentvolumes"], &["get", "list", "patch", "update", "watch"]),
                rule(&["storage.k8s.io"], &["storageclasses"], R),
                rule(&[""], &["persistentvolumeclaims"], &["get", "list", "patch", "update", "watch"]),
            ],
            None,
        ),
        cluster_role("view", &[(&to_edit.0, to_edit.1)], vec![], Some("view")),
    ];
    let aggregated = aggregate::aggregate_cluster_roles(&roles);
    for role in &mut roles {
        let name = role.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_owned();
        if let Some(rules) = aggregated.get(&name) {
            role["rules"] = json!(rules);
        }
    }
    roles
}

fn subject(kind: &str, name: &str) -> Value {
    match kind {
        "ServiceAccount" => {
            let (ns, name) = name.split_once('/').unwrap_or(("", name));
            json!({"kind": "ServiceAccount", "name": name, "namespace": ns})
        }
        _ => json!({"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name}),
    }
}

fn cluster_role_binding(name: &str, role: &str, subjects: &[(&str, &str)]) -> Value {
    let mut binding = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": metadata(name, &[]),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
    });
    if !subjects.is_empty() {
        binding["subjects"] = Value::Array(subjects.iter().map(|(k, n)| subject(k, n)).collect());
    }
    binding
}

/// The bootstrap ClusterRoleBindings of §5.1.
pub fn bootstrap_cluster_role_bindings() -> Vec<Value> {
    let same = |name: &str, subjects: &[(&str, &str)]| cluster_role_binding(name, name, subjects);
    vec![
        same("cluster-admin", &[("Group", "system:masters")]),
        same("system:basic-user", &[("Group", "system:authenticated")]),
        same("system:discovery", &[("Group", "system:authenticated")]),
        same("system:kube-controller-manager", &[("User", "system:kube-controller-manager")]),
        same("system:kube-dns", &[("ServiceAccount", "kube-system/kube-dns")]),
        same("system:kube-scheduler", &[("User", "system:kube-scheduler")]),
        same("system:monitoring", &[("Group", "system:monitoring")]),
        same("system:node", &[]),
        same("system:node-proxier", &[("User", "system:kube-proxy")]),
        same("system:public-info-viewer", &[("Group", "system:authenticated"), ("Group", "system:unauthenticated")]),
        same("system:service-account-issuer-discovery", &[("Group", "system:serviceaccounts")]),
        cluster_role_binding(
            "system:volume-scheduler",
            "system:volume-scheduler",
            &[("User", "system:kube-scheduler")],
        ),
    ]
}

/// Every bootstrap object: the ClusterRoles, then the ClusterRoleBindings.
pub fn bootstrap_objects() -> Vec<Value> {
    let mut objects = bootstrap_cluster_roles();
    objects.extend(bootstrap_cluster_role_bindings());
    objects
}
