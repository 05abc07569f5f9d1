//! The cases of `kube-apiserver.md` §9 (RBAC #1–37, access policies #38–48,
//! escalation #49–55) on the §9.1 fixture, the bootstrap policy, and the
//! agreement of `rules_for` with `authorize`.

use serde_json::{json, Value};

use super::*;
use crate::{Attributes, UserInfo};

const ACCOUNT: &str = "111122223333";

// ---- fixture builders ----

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule::resource(groups, resources, verbs)
}

const R: &[&str] = &["get", "list", "watch"];

fn role(ns: &str, name: &str, rules: Vec<PolicyRule>) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name, "namespace": ns}, "rules": rules})
}

fn cluster_role(name: &str, labels: Value, rules: Vec<PolicyRule>) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name, "labels": labels}, "rules": rules})
}

fn user_subject(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name})
}

fn group_subject(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name})
}

fn sa_subject(ns: &str, name: &str) -> Value {
    if ns.is_empty() {
        json!({"kind": "ServiceAccount", "name": name})
    } else {
        json!({"kind": "ServiceAccount", "name": name, "namespace": ns})
    }
}

fn role_binding(ns: &str, name: &str, kind: &str, role: &str, subject: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": [subject],
    })
}

fn cluster_role_binding(name: &str, role: &str, subject: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    })
}

/// The §9.1 fixture (plus §9.4's extra objects), as stored objects.
#[derive(Clone)]
struct World {
    roles: Vec<Value>,
    cluster_roles: Vec<Value>,
    role_bindings: Vec<Value>,
    cluster_role_bindings: Vec<Value>,
}

impl World {
    fn fixture() -> World {
        let agg_label = |key: &str, value: &str| json!({ key: value });
        let mut cluster_roles = bootstrap_cluster_roles();
        cluster_roles.extend([
            cluster_role("log-reader", json!({}), vec![rule(&[""], &["pods/log"], &["get"])]),
            cluster_role("status-reader", json!({}), vec![rule(&["*"], &["*/status"], &["get"])]),
            cluster_role("health", json!({}), vec![PolicyRule::urls(&["/metrics/*"], &["get"])]),
            cluster_role("ns-lister", json!({}), vec![rule(&[""], &["namespaces"], &["list"])]),
            cluster_role("deploy-all", json!({}), vec![rule(&["apps"], &["deployments"], &["*"])]),
            cluster_role("odd", json!({}), vec![rule(&[""], &["pods/*"], &["get"])]),
            cluster_role(
                "widgets-view",
                agg_label("rbac.authorization.k8s.io/aggregate-to-view", "true"),
                vec![rule(&["example.com"], &["widgets"], R)],
            ),
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "monitoring"},
                "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"example.com/agg": "mon"}}]},
            }),
            cluster_role("mon-pods", agg_label("example.com/agg", "mon"), vec![rule(&[""], &["pods"], &["list"])]),
            cluster_role(
                "rbac-writer",
                json!({}),
                vec![rule(
                    &["rbac.authorization.k8s.io"],
                    &["roles", "rolebindings"],
                    &["create", "get", "list", "update"],
                )],
            ),
        ]);
        let mut cluster_role_bindings = bootstrap_cluster_role_bindings();
        cluster_role_bindings.extend([
            cluster_role_binding("dave-logs", "log-reader", user_subject("dave")),
            cluster_role_binding("ci-status", "status-reader", sa_subject("ci", "deployer")),
            cluster_role_binding("ops-health", "health", group_subject("ops")),
            cluster_role_binding("ci-ns", "ns-lister", group_subject("system:serviceaccounts:ci")),
            cluster_role_binding("gina-mon", "monitoring", user_subject("gina")),
        ]);
        World {
            roles: vec![
                role("dev", "pod-reader", vec![rule(&[""], &["pods"], R)]),
                role("dev", "cm-one", vec![rule(&[""], &["configmaps"], &["get", "update"]).named(&["app-config"])]),
            ],
            cluster_roles,
            role_bindings: vec![
                role_binding("dev", "alice-pods", "Role", "pod-reader", user_subject("alice")),
                role_binding("dev", "carol-cm", "Role", "cm-one", user_subject("carol")),
                role_binding("dev", "bob-view", "ClusterRole", "view", user_subject("bob")),
                role_binding("dev", "sa-view", "ClusterRole", "view", sa_subject("", "default")),
                role_binding("dev", "erin-ghost", "Role", "ghost", user_subject("erin")),
                role_binding("dev", "frank-deploy", "ClusterRole", "deploy-all", user_subject("frank")),
                role_binding("dev", "odd", "ClusterRole", "odd", user_subject("olga")),
                role_binding("dev", "hank-rbac", "ClusterRole", "rbac-writer", user_subject("hank")),
                role_binding("dev", "hank-pods", "Role", "pod-reader", user_subject("hank")),
            ],
            cluster_role_bindings,
        }
    }

    fn rbac(&self) -> Rbac {
        Rbac::new(&self.roles, &self.cluster_roles, &self.role_bindings, &self.cluster_role_bindings)
    }
}

// ---- users and requests ----

fn user(name: &str, groups: &[&str]) -> UserInfo {
    let mut groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
    groups.push("system:authenticated".to_owned());
    UserInfo { username: name.to_owned(), groups, ..UserInfo::default() }
}

fn sa(ns: &str, name: &str) -> UserInfo {
    user(
        &format!("system:serviceaccount:{ns}:{name}"),
        &["system:serviceaccounts", &format!("system:serviceaccounts:{ns}")],
    )
}

fn anonymous() -> UserInfo {
    UserInfo {
        username: "system:anonymous".to_owned(),
        groups: vec!["system:unauthenticated".to_owned()],
        ..UserInfo::default()
    }
}

/// A resource request: `verb group/resource[/sub]` in `ns`, named `name`.
fn res(verb: &str, group: &str, resource: &str, ns: &str, name: &str) -> Attributes {
    let (resource, sub) = resource.split_once('/').unwrap_or((resource, ""));
    Attributes {
        verb: verb.to_owned(),
        resource_request: true,
        api_group: group.to_owned(),
        api_version: "v1".to_owned(),
        namespace: ns.to_owned(),
        resource: resource.to_owned(),
        subresource: sub.to_owned(),
        name: name.to_owned(),
        ..Attributes::default()
    }
}

fn url(verb: &str, path: &str) -> Attributes {
    Attributes { verb: verb.to_owned(), path: path.to_owned(), ..Attributes::default() }
}

enum Expect<'a> {
    /// Allowed, with this reason when given.
    Allow(Option<&'a str>),
    /// Forbidden with this Status message.
    Forbid(&'a str),
}

/// The one check: the §2 chain, then the §4.1 message for a denial.
fn check(
    rbac: &Rbac,
    policies: Option<&AccessPolicyAuthorizer>,
    u: &UserInfo,
    attrs: &Attributes,
    expected: Expect<'_>,
) {
    let d = authorize(u, attrs, rbac, policies);
    match expected {
        Expect::Allow(reason) => {
            assert!(d.allowed(), "{} {attrs:?}: {:?}", u.username, forbidden_message(&u.username, attrs, &d.reason));
            if let Some(reason) = reason {
                assert_eq!(d.reason, reason, "{} {attrs:?}", u.username);
            }
        }
        Expect::Forbid(message) => {
            assert!(!d.allowed(), "{} {attrs:?} allowed: {}", u.username, d.reason);
            assert_eq!(forbidden_message(&u.username, attrs, &d.reason), message, "{} {attrs:?}", u.username);
        }
    }
}

use Expect::{Allow, Forbid};

#[test]
fn rbac_decisions_and_forbidden_messages_match_kube_apiserver() {
    let rbac = World::fixture().rbac();
    assert_eq!(rbac.skipped(), &[] as &[String]);
    let c = |u: &UserInfo, a: Attributes, e: Expect<'_>| check(&rbac, None, u, &a, e);
    let alice = user("alice", &[]);
    c(
        &alice,
        res("get", "", "pods", "dev", "x"),
        Allow(Some(r#"RBAC: allowed by RoleBinding "alice-pods/dev" of Role "pod-reader" to User "alice""#)),
    );
    c(
        &alice,
        res("delete", "", "pods", "dev", "x"),
        Forbid(
            r#"pods "x" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "dev""#,
        ),
    );
    c(
        &alice,
        res("list", "", "pods", "prod", ""),
        Forbid(
            r#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "prod""#,
        ),
    );
    c(
        &alice,
        res("list", "", "pods", "", ""),
        Forbid(r#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope"#),
    );
    c(
        &alice,
        res("get", "", "pods/log", "dev", "x"),
        Forbid(
            r#"pods "x" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "dev""#,
        ),
    );
    let carol = user("carol", &[]);
    c(&carol, res("get", "", "configmaps", "dev", "app-config"), Allow(None));
    c(
        &carol,
        res("patch", "", "configmaps", "dev", "app-config"),
        Forbid(
            r#"configmaps "app-config" is forbidden: User "carol" cannot patch resource "configmaps" in API group "" in the namespace "dev""#,
        ),
    );
    c(
        &carol,
        res("get", "", "configmaps", "dev", "other"),
        Forbid(
            r#"configmaps "other" is forbidden: User "carol" cannot get resource "configmaps" in API group "" in the namespace "dev""#,
        ),
    );
    c(
        &carol,
        res("list", "", "configmaps", "dev", ""),
        Forbid(
            r#"configmaps is forbidden: User "carol" cannot list resource "configmaps" in API group "" in the namespace "dev""#,
        ),
    );
    c(
        &carol,
        res("create", "", "configmaps", "dev", ""),
        Forbid(
            r#"configmaps is forbidden: User "carol" cannot create resource "configmaps" in API group "" in the namespace "dev""#,
        ),
    );
    let bob = user("bob", &[]);
    c(
        &bob,
        res("get", "apps", "deployments", "dev", "web"),
        Allow(Some(r#"RBAC: allowed by RoleBinding "bob-view/dev" of ClusterRole "view" to User "bob""#)),
    );
    c(
        &bob,
        res("update", "apps", "deployments", "dev", "web"),
        Forbid(
            r#"deployments.apps "web" is forbidden: User "bob" cannot update resource "deployments" in API group "apps" in the namespace "dev""#,
        ),
    );
    c(
        &bob,
        res("get", "", "secrets", "dev", "s"),
        Forbid(
            r#"secrets "s" is forbidden: User "bob" cannot get resource "secrets" in API group "" in the namespace "dev""#,
        ),
    );
    c(&bob, res("get", "", "namespaces", "dev", "dev"), Allow(None));
    c(
        &bob,
        res("get", "", "namespaces", "prod", "prod"),
        Forbid(
            r#"namespaces "prod" is forbidden: User "bob" cannot get resource "namespaces" in API group "" in the namespace "prod""#,
        ),
    );
    c(
        &bob,
        res("list", "", "namespaces", "", ""),
        Forbid(
            r#"namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope"#,
        ),
    );
    c(&bob, res("list", "example.com", "widgets", "dev", ""), Allow(None));
    let dave = user("dave", &[]);
    c(
        &dave,
        res("get", "", "pods/log", "prod", "x"),
        Allow(Some(r#"RBAC: allowed by ClusterRoleBinding "dave-logs" of ClusterRole "log-reader" to User "dave""#)),
    );
    c(
        &dave,
        res("get", "", "pods", "prod", "x"),
        Forbid(
            r#"pods "x" is forbidden: User "dave" cannot get resource "pods" in API group "" in the namespace "prod""#,
        ),
    );
    let deployer = sa("ci", "deployer");
    c(
        &deployer,
        res("get", "apps", "deployments/status", "dev", "web"),
        Allow(Some(
            r#"RBAC: allowed by ClusterRoleBinding "ci-status" of ClusterRole "status-reader" to ServiceAccount "deployer/ci""#,
        )),
    );
    c(
        &deployer,
        res("update", "apps", "deployments/status", "dev", "web"),
        Forbid(
            r#"deployments.apps "web" is forbidden: User "system:serviceaccount:ci:deployer" cannot update resource "deployments/status" in API group "apps" in the namespace "dev""#,
        ),
    );
    c(&sa("ci", "builder"), res("list", "", "namespaces", "", ""), Allow(None));
    let d = rbac.authorize(&sa("dev", "default"), &res("list", "", "pods", "dev", ""));
    assert!(d.allowed() && d.reason.ends_with(r#"to ServiceAccount "default/dev""#), "{d:?}");
    c(
        &sa("prod", "default"),
        res("list", "", "pods", "dev", ""),
        Forbid(
            r#"pods is forbidden: User "system:serviceaccount:prod:default" cannot list resource "pods" in API group "" in the namespace "dev""#,
        ),
    );
    let ops = user("ops-1", &["ops"]);
    c(&ops, url("get", "/metrics/slis"), Allow(None));
    c(&ops, url("get", "/metrics"), Forbid(r#"forbidden: User "ops-1" cannot get path "/metrics""#));
    let zed = user("zed", &[]);
    c(&zed, url("get", "/apis/apps/v1"), Allow(None));
    c(&zed, url("get", "/logs"), Forbid(r#"forbidden: User "zed" cannot get path "/logs""#));
    c(&anonymous(), url("get", "/version"), Allow(None));
    c(&anonymous(), url("get", "/api"), Forbid(r#"forbidden: User "system:anonymous" cannot get path "/api""#));
    c(
        &user("erin", &[]),
        res("list", "", "pods", "dev", ""),
        Forbid(
            r#"pods is forbidden: User "erin" cannot list resource "pods" in API group "" in the namespace "dev": RBAC: role.rbac.authorization.k8s.io "ghost" not found"#,
        ),
    );
    let frank = user("frank", &[]);
    c(&frank, res("delete", "apps", "deployments", "dev", "web"), Allow(None));
    c(
        &frank,
        res("update", "apps", "deployments/scale", "dev", "web"),
        Forbid(
            r#"deployments.apps "web" is forbidden: User "frank" cannot update resource "deployments/scale" in API group "apps" in the namespace "dev""#,
        ),
    );
    c(
        &user("olga", &[]),
        res("get", "", "pods/log", "dev", "x"),
        Forbid(
            r#"pods "x" is forbidden: User "olga" cannot get resource "pods/log" in API group "" in the namespace "dev""#,
        ),
    );
    c(&user("gina", &[]), res("list", "", "pods", "", ""), Allow(None));
    let admin = user("admin", &["system:masters"]);
    c(&admin, res("delete", "", "nodes", "", "n1"), Allow(Some("")));
    c(&admin, url("get", "/anything"), Allow(Some("")));
    let node = user("system:node:ip-10-0-0-1.ec2.internal", &["system:nodes"]);
    c(&node, res("get", "", "secrets", "dev", "s"), Forbid("secrets \"s\" is forbidden: User \"system:node:ip-10-0-0-1.ec2.internal\" cannot get resource \"secrets\" in API group \"\" in the namespace \"dev\": no relationship found between node 'ip-10-0-0-1.ec2.internal' and this object"));
    c(&node, res("get", "", "nodes", "", "n1"), Allow(Some("")));
    c(
        &node,
        res("update", "coordination.k8s.io", "leases", "kube-node-lease", "ip-10-0-0-1.ec2.internal"),
        Allow(None),
    );
}

#[test]
fn removing_a_label_drops_the_aggregated_rules() {
    // #35, second half.
    let mut world = World::fixture();
    for role in &mut world.cluster_roles {
        if role.pointer("/metadata/name") == Some(&json!("mon-pods")) {
            role["metadata"]["labels"] = json!({});
        }
    }
    check(
        &world.rbac(),
        None,
        &user("gina", &[]),
        &res("list", "", "pods", "", ""),
        Forbid(r#"pods is forbidden: User "gina" cannot list resource "pods" in API group "" at the cluster scope"#),
    );
}

// ---- EKS access policies (§9.3) ----

fn policy_rules(rbac: &Rbac, name: &str) -> Vec<PolicyRule> {
    let view = rbac.cluster_role_rules("system:aggregate-to-view").unwrap_or_default().to_vec();
    // The EKS Edit policy lacks pods/eviction, serviceaccounts/token and leases.
    let edit: Vec<PolicyRule> = rbac
        .cluster_role_rules("system:aggregate-to-edit")
        .unwrap_or_default()
        .iter()
        .filter(|r| !r.resources.iter().any(|x| x == "pods/eviction" || x == "serviceaccounts/token" || x == "leases"))
        .cloned()
        .collect();
    let admin = rbac.cluster_role_rules("system:aggregate-to-admin").unwrap_or_default().to_vec();
    match name {
        "AmazonEKSViewPolicy" => view,
        "AmazonEKSEditPolicy" => [view, edit].concat(),
        "AmazonEKSAdminPolicy" => [view, edit, admin].concat(),
        "AmazonEKSAdminViewPolicy" => vec![rule(&["*"], &["*"], R)],
        _ => rbac.cluster_role_rules("cluster-admin").unwrap_or_default().to_vec(),
    }
}

fn principal(rbac: &Rbac, role: &str, policy: &str, scope: AccessScope) -> (UserInfo, AccessPolicyAuthorizer) {
    let u = user(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s1"), &[]);
    let authorizer = AccessPolicyAuthorizer {
        principal_arn: format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
        principal_id: format!("AROA{}", role.to_uppercase()),
        associations: vec![PolicyAssociation {
            policy_arn: format!("arn:aws:eks::aws:cluster-access-policy/{policy}"),
            rules: policy_rules(rbac, policy),
            access_scope: scope,
        }],
    };
    (u, authorizer)
}

fn namespaces(list: &[&str]) -> AccessScope {
    AccessScope::Namespace { namespaces: list.iter().map(|n| (*n).to_owned()).collect() }
}

#[test]
fn access_policies_allow_within_their_scope_only() {
    let rbac = World::fixture().rbac();
    let (v, vp) = principal(&rbac, "Viewer", "AmazonEKSViewPolicy", namespaces(&["dev", "team-*"]));
    let (cu, cp) = principal(&rbac, "Admin", "AmazonEKSClusterAdminPolicy", AccessScope::Cluster);
    let (e, ep) = principal(&rbac, "Editor", "AmazonEKSEditPolicy", AccessScope::Cluster);
    let (av, avp) = principal(&rbac, "Auditor", "AmazonEKSAdminViewPolicy", AccessScope::Cluster);
    let (a, ap) = principal(&rbac, "NsAdmin", "AmazonEKSAdminPolicy", namespaces(&["dev"]));
    let c = |u: &UserInfo, p: &AccessPolicyAuthorizer, attrs: Attributes, e: Expect<'_>| {
        check(&rbac, Some(p), u, &attrs, e)
    };
    // #38–41
    c(
        &v,
        &vp,
        res("list", "", "pods", "dev", ""),
        Allow(Some(
            r#"EKS Access Policy: allowed by RoleBinding "arn:aws:iam::111122223333:role/Viewer+arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy/dev" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" to User "AROAVIEWER""#,
        )),
    );
    c(&v, &vp, res("list", "", "pods", "team-a", ""), Allow(None));
    c(
        &v,
        &vp,
        res("list", "", "pods", "prod", ""),
        Forbid(
            r#"pods is forbidden: User "arn:aws:sts::111122223333:assumed-role/Viewer/s1" cannot list resource "pods" in API group "" in the namespace "prod""#,
        ),
    );
    c(
        &v,
        &vp,
        res("list", "", "pods", "", ""),
        Forbid(
            r#"pods is forbidden: User "arn:aws:sts::111122223333:assumed-role/Viewer/s1" cannot list resource "pods" in API group "" at the cluster scope"#,
        ),
    );
    c(
        &v,
        &vp,
        res("get", "", "secrets", "dev", "s"),
        Forbid(
            r#"secrets "s" is forbidden: User "arn:aws:sts::111122223333:assumed-role/Viewer/s1" cannot get resource "secrets" in API group "" in the namespace "dev""#,
        ),
    );
    c(
        &v,
        &vp,
        url("get", "/healthz"),
        Allow(Some(
            r#"RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated""#,
        )),
    );
    // #42
    c(
        &cu,
        &cp,
        url("get", "/metrics"),
        Allow(Some(
            r#"EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::111122223333:role/Admin+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" to User "AROAADMIN""#,
        )),
    );
    c(&cu, &cp, res("delete", "", "nodes", "", "n1"), Allow(None));
    // #43, #44
    c(&av, &avp, res("get", "", "secrets", "kube-system", "s"), Allow(None));
    c(
        &av,
        &avp,
        res("delete", "", "pods", "dev", "x"),
        Forbid(
            r#"pods "x" is forbidden: User "arn:aws:sts::111122223333:assumed-role/Auditor/s1" cannot delete resource "pods" in API group "" in the namespace "dev""#,
        ),
    );
    // #45
    c(
        &e,
        &ep,
        res("create", "rbac.authorization.k8s.io", "roles", "dev", ""),
        Forbid(
            r#"roles.rbac.authorization.k8s.io is forbidden: User "arn:aws:sts::111122223333:assumed-role/Editor/s1" cannot create resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "dev""#,
        ),
    );
    // #46: the verb is allowed, the escalation check is not.
    c(&a, &ap, res("create", "rbac.authorization.k8s.io", "rolebindings", "dev", ""), Allow(None));
    let view = RoleRef { api_group: GROUP.to_owned(), kind: "ClusterRole".to_owned(), name: "view".to_owned() };
    let chain = |u: &UserInfo, p: &AccessPolicyAuthorizer| {
        let (u, p) = (u.clone(), p.clone());
        let rbac = rbac.clone();
        move |attrs: &Attributes| authorize(&u, attrs, &rbac, Some(&p)).allowed()
    };
    let denied = rbac.check_write(
        &a,
        &RbacWrite::RoleBinding { namespace: "dev", name: "rb", role_ref: &view },
        &chain(&a, &ap),
    );
    let message = denied.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with(r#"rolebindings.rbac.authorization.k8s.io "rb" is forbidden: user "arn:aws:sts::111122223333:assumed-role/NsAdmin/s1" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:"#),
        "{message}"
    );
    // #47: ClusterAdmin's `*` includes `bind`.
    let cluster_admin = RoleRef { name: "cluster-admin".to_owned(), ..view.clone() };
    assert_eq!(
        rbac.check_write(&cu, &RbacWrite::ClusterRoleBinding { name: "x", role_ref: &cluster_admin }, &chain(&cu, &cp)),
        Ok(())
    );
    // #48: the rules review shows RBAC only, and is incomplete on EKS.
    let review = rules_review(&v, "dev", &rbac, true);
    assert!(review.incomplete);
    assert_eq!(review.evaluation_error, WEBHOOK_RULES_ERROR);
    let basic: Vec<PolicyRule> = ["system:basic-user", "system:discovery", "system:public-info-viewer"]
        .iter()
        .flat_map(|r| rbac.cluster_role_rules(r).unwrap_or_default().to_vec())
        .collect();
    assert!(!review.resource_rules.is_empty() && !review.non_resource_rules.is_empty());
    assert!(review.resource_rules.iter().chain(&review.non_resource_rules).all(|r| basic.contains(r)), "{review:?}");
}

#[test]
fn rules_review_reports_missing_roles_and_node_users() {
    let rbac = World::fixture().rbac();
    let review = rules_review(&user("erin", &[]), "dev", &rbac, false);
    assert!(review.incomplete);
    assert_eq!(review.evaluation_error, r#"role.rbac.authorization.k8s.io "ghost" not found"#);
    let review = rules_review(&user("system:node:n1", &["system:nodes"]), "dev", &rbac, true);
    assert_eq!(
        review.evaluation_error,
        "[node authorizer does not support user rule resolution, webhook authorizer does not support user rule resolution]"
    );
    let review = rules_review(&user("alice", &[]), "dev", &rbac, false);
    assert!(!review.incomplete && review.evaluation_error.is_empty());
    assert!(review.resource_rules.contains(&rule(&[""], &["pods"], R)));
}

// ---- escalation (§9.4) ----

#[test]
fn rbac_writes_cannot_grant_more_than_the_writer_holds() {
    let world = World::fixture();
    let rbac = world.rbac();
    let allows = |rbac: &Rbac, u: &UserInfo| {
        let (u, rbac) = (u.clone(), rbac.clone());
        move |a: &Attributes| authorize(&u, a, &rbac, None).allowed()
    };
    let hank = user("hank", &[]);
    let pods = [rule(&[""], &["pods"], &["get", "list"])];
    let secrets = [rule(&[""], &["secrets"], &["get"])];
    let r1 = RbacWrite::Role { namespace: "dev", name: "r1", request_name: "", rules: &pods };
    let r2 = RbacWrite::Role { namespace: "dev", name: "r2", request_name: "", rules: &secrets };
    let view = RoleRef { api_group: GROUP.to_owned(), kind: "ClusterRole".to_owned(), name: "view".to_owned() };
    let rb2 = RbacWrite::RoleBinding { namespace: "dev", name: "rb2", role_ref: &view };
    // #49–51
    assert_eq!(rbac.check_write(&hank, &r1, &allows(&rbac, &hank)), Ok(()));
    let denied = rbac.check_write(&hank, &r2, &allows(&rbac, &hank));
    assert_eq!(
        denied,
        Err(WriteDenied::Forbidden {
            message: "roles.rbac.authorization.k8s.io \"r2\" is forbidden: user \"hank\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}".to_owned(),
            resource: "roles",
            name: "r2".to_owned(),
        })
    );
    let message = rbac.check_write(&hank, &rb2, &allows(&rbac, &hank)).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.starts_with("rolebindings.rbac.authorization.k8s.io \"rb2\" is forbidden: user \"hank\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"), "{message}");
    // #52: `bind` on that ClusterRole.
    let mut with_bind = world.clone();
    with_bind.cluster_roles.push(cluster_role(
        "bind-view",
        json!({}),
        vec![rule(&["rbac.authorization.k8s.io"], &["clusterroles"], &["bind"]).named(&["view"])],
    ));
    with_bind.role_bindings.push(role_binding("dev", "hank-bind", "ClusterRole", "bind-view", user_subject("hank")));
    let rbac_bind = with_bind.rbac();
    assert_eq!(rbac_bind.check_write(&hank, &rb2, &allows(&rbac_bind, &hank)), Ok(()));
    // #53: `escalate` on roles.
    let mut with_escalate = world.clone();
    with_escalate.cluster_roles.push(cluster_role(
        "escalate-roles",
        json!({}),
        vec![rule(&["rbac.authorization.k8s.io"], &["roles"], &["escalate"])],
    ));
    with_escalate.role_bindings.push(role_binding(
        "dev",
        "hank-esc",
        "ClusterRole",
        "escalate-roles",
        user_subject("hank"),
    ));
    let rbac_esc = with_escalate.rbac();
    assert_eq!(rbac_esc.check_write(&hank, &r2, &allows(&rbac_esc, &hank)), Ok(()));
    // #54: an aggregationRule needs cluster-admin.
    let mut with_ivy = world.clone();
    with_ivy.cluster_roles.push(cluster_role(
        "cr-creator",
        json!({}),
        vec![rule(&["rbac.authorization.k8s.io"], &["clusterroles"], &["create"])],
    ));
    with_ivy.cluster_role_bindings.push(cluster_role_binding("ivy-cr", "cr-creator", user_subject("ivy")));
    let rbac_ivy = with_ivy.rbac();
    let ivy = user("ivy", &[]);
    let agg = RbacWrite::ClusterRole { name: "agg", request_name: "", rules: &[], aggregation_rule: true };
    assert_eq!(
        rbac_ivy.check_write(&ivy, &agg, &allows(&rbac_ivy, &ivy)).map_err(|e| e.to_string()),
        Err("clusterroles.rbac.authorization.k8s.io \"agg\" is forbidden: must have cluster-admin privileges to use the aggregationRule".to_owned())
    );
    // #55: system:masters bypasses every check.
    let admin = user("admin", &["system:masters"]);
    for write in [&r2, &rb2, &agg] {
        assert_eq!(rbac.check_write(&admin, write, &|_| false), Ok(()));
    }
    // A binding to a missing role is a 404 from storage.
    let ghost = RoleRef { api_group: GROUP.to_owned(), kind: "Role".to_owned(), name: "ghost".to_owned() };
    assert_eq!(
        rbac.check_write(
            &hank,
            &RbacWrite::RoleBinding { namespace: "dev", name: "g", role_ref: &ghost },
            &allows(&rbac, &hank)
        )
        .map_err(|e| e.to_string()),
        Err("roles.rbac.authorization.k8s.io \"ghost\" not found".to_owned())
    );
}

// ---- bootstrap ----

#[test]
fn bootstrap_objects_are_labelled_sorted_and_aggregated() {
    let objects = bootstrap_objects();
    for o in &objects {
        assert_eq!(o.pointer("/metadata/labels/kubernetes.io~1bootstrapping"), Some(&json!("rbac-defaults")), "{o}");
        assert_eq!(
            o.pointer("/metadata/annotations/rbac.authorization.kubernetes.io~1autoupdate"),
            Some(&json!("true")),
            "{o}"
        );
        for rule in o.get("rules").and_then(Value::as_array).into_iter().flatten() {
            for field in ["verbs", "apiGroups", "resources", "nonResourceURLs"] {
                let list: Vec<&str> =
                    rule.get(field).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
                let mut sorted = list.clone();
                sorted.sort_unstable();
                assert_eq!(list, sorted, "{o}");
            }
        }
    }
    let rbac = Rbac::new(&[], &bootstrap_cluster_roles(), &[], &bootstrap_cluster_role_bindings());
    for b in bootstrap_cluster_role_bindings() {
        let role = b.pointer("/roleRef/name").and_then(Value::as_str).unwrap_or_default();
        assert!(rbac.cluster_role_rules(role).is_some(), "{role}");
    }
    let rules = |name: &str| rbac.cluster_role_rules(name).unwrap_or_default().to_vec();
    assert_eq!(rules("view"), rules("system:aggregate-to-view"));
    assert_eq!(rules("edit"), [rules("system:aggregate-to-edit"), rules("view")].concat());
    assert_eq!(rules("admin"), [rules("edit"), rules("system:aggregate-to-admin")].concat());
    assert_eq!(rules("view").len(), 10);
    assert_eq!(rules("edit").len(), 23);
    // The stored objects carry the aggregate too.
    let stored_view = objects.iter().find(|o| o.pointer("/metadata/name") == Some(&json!("view")));
    assert_eq!(stored_view.and_then(|v| v.get("rules")).map(|r| r.as_array().map_or(0, Vec::len)), Some(10));
    assert_eq!(
        serde_json::to_string(&rule(&[""], &["pods"], &["get"])).unwrap_or_default(),
        r#"{"verbs":["get"],"apiGroups":[""],"resources":["pods"]}"#
    );
}

// ---- rules_for and authorize agree ----

#[test]
fn rules_for_and_authorize_agree() {
    let rbac = World::fixture().rbac();
    let users = [
        user("alice", &[]),
        user("bob", &[]),
        user("carol", &[]),
        user("dave", &[]),
        user("erin", &[]),
        user("frank", &[]),
        user("gina", &[]),
        user("hank", &[]),
        user("olga", &[]),
        user("ops-1", &["ops"]),
        user("zed", &[]),
        sa("ci", "deployer"),
        sa("dev", "default"),
        anonymous(),
        user("root", &["system:masters"]),
    ];
    let verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "bind", "escalate"];
    let resources = [
        ("", "pods"),
        ("", "pods/log"),
        ("", "pods/status"),
        ("", "configmaps"),
        ("", "secrets"),
        ("", "namespaces"),
        ("apps", "deployments"),
        ("apps", "deployments/scale"),
        ("apps", "deployments/status"),
        ("example.com", "widgets"),
        ("rbac.authorization.k8s.io", "roles"),
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ];
    let namespaces = ["", "dev", "prod"];
    let names = ["", "x", "app-config", "dev"];
    let paths = ["/api", "/api/v1", "/apis", "/healthz", "/metrics", "/metrics/slis", "/version", "/logs"];
    let mut checked = 0;
    for u in &users {
        for ns in namespaces {
            let (rules, _) = rbac.rules_for(u, ns);
            for verb in verbs {
                for (group, resource) in resources {
                    for name in names {
                        let attrs = res(verb, group, resource, ns, name);
                        let by_rules = rules.iter().any(|r| r.allows(&attrs));
                        assert_eq!(rbac.authorize(u, &attrs).allowed(), by_rules, "{} {attrs:?}", u.username);
                        checked += 1;
                    }
                }
            }
            for path in paths {
                let attrs = url("get", path);
                let (rules, _) = rbac.rules_for(u, "");
                assert_eq!(
                    rbac.authorize(u, &attrs).allowed(),
                    rules.iter().any(|r| r.allows(&attrs)),
                    "{} {path}",
                    u.username
                );
            }
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn forbidden_messages_escape_html_and_quote_like_go() {
    let attrs = res("get", "", "pods", "dev", "a\"b");
    assert_eq!(
        forbidden_message("<bob>&", &attrs, "x"),
        r#"pods "a\"b" is forbidden: User "&lt;bob&gt;&amp;" cannot get resource "pods" in API group "" in the namespace "dev": x"#
    );
}

#[test]
fn rule_matching_follows_rule_allows() {
    let check = |r: PolicyRule, a: Attributes, expected: bool| assert_eq!(r.allows(&a), expected, "{r:?} {a:?}");
    check(rule(&[""], &["pods"], &["get"]), res("get", "", "pods/log", "d", "x"), false);
    check(rule(&[""], &["*"], &["get"]), res("get", "", "pods/log", "d", "x"), true);
    check(rule(&["*"], &["*/scale"], &["update"]), res("update", "apps", "deployments/scale", "d", "x"), true);
    check(rule(&[""], &["pods/*"], &["get"]), res("get", "", "pods/log", "d", "x"), false);
    check(rule(&[""], &["pods"], &["get"]).named(&["*"]), res("get", "", "pods", "d", "x"), false);
    check(rule(&[""], &["pods"], &["list"]).named(&["x"]), res("list", "", "pods", "d", ""), false);
    check(PolicyRule::urls(&["/api/*"], &["get"]), url("get", "/api/v1"), true);
    check(PolicyRule::urls(&["/api/*"], &["get"]), url("get", "/api/"), true);
    check(PolicyRule::urls(&["/api/*"], &["get"]), url("get", "/api"), false);
    check(PolicyRule::urls(&["/metrics*"], &["get"]), url("get", "/metricsx"), true);
    check(PolicyRule::urls(&["*"], &["*"]), url("post", "/x"), true);
    // A resource rule never matches a non-resource request and vice versa.
    check(rule(&["*"], &["*"], &["*"]), url("get", "/x"), false);
    check(PolicyRule::urls(&["*"], &["*"]), res("get", "", "pods", "", ""), false);
}

#[test]
fn cluster_role_bindings_ignore_service_accounts_without_namespace() {
    let crb = cluster_role_binding("x", "cluster-admin", sa_subject("", "default"));
    let rbac = Rbac::new(&[], &bootstrap_cluster_roles(), &[], &[crb]);
    assert!(!rbac.authorize(&sa("dev", "default"), &res("get", "", "pods", "dev", "p")).allowed());
    let bad = json!({"metadata": {"name": "broken"}, "roleRef": 5});
    let rbac = Rbac::new(&[], &[], &[], &[bad]);
    assert_eq!(rbac.skipped().len(), 1);
}
