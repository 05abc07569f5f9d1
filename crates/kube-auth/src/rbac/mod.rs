//! Kubernetes RBAC exactly as kube-apiserver evaluates it
//! (`kube-apiserver.md` §3–§5): rule matching, subjects, resolution over
//! ClusterRoleBindings then the request namespace's RoleBindings, ClusterRole
//! aggregation, escalation prevention for RBAC writes, the Forbidden message,
//! the rules of a SelfSubjectRulesReview and the bootstrap policy — plus the
//! rest of EKS's authorizer chain ([`authorize`]: `system:masters`, the Node
//! authorizer, RBAC, EKS access policies).
//!
//! [`Rbac`] is built from the stored objects (JSON, as kube-apiserver stores
//! them) and indexes bindings by subject, so a decision looks only at the
//! bindings naming the user, its groups or its service account.
//!
//! **Architecture Invariant:** RBAC only allows or has no opinion, and every
//! decision carries kube-apiserver's reason text.

mod aggregate;
mod bootstrap;
mod chain;
mod escalation;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::gofmt::quote;
use crate::{Attributes, Decision, UserInfo, Verdict};

pub use aggregate::{aggregate_cluster_roles, LabelSelector, LabelSelectorRequirement};
pub use bootstrap::{bootstrap_cluster_role_bindings, bootstrap_cluster_roles, bootstrap_objects, node_rules};
pub use chain::{
    authorize, node_authorize, rules_review, AccessPolicyAuthorizer, AccessScope, PolicyAssociation, RulesReview,
    MASTERS_GROUP, WEBHOOK_RULES_ERROR,
};
pub use escalation::{compact_rules, compact_string, covers, uncovered, EscalationError, RbacWrite, WriteDenied};

/// The RBAC API group.
pub const GROUP: &str = "rbac.authorization.k8s.io";

/// A `null` list reads as empty, as Go's decoder leaves a nil slice.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn nullable_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d)?.unwrap_or_default())
}

/// One RBAC rule (`rbac.authorization.k8s.io/v1` `PolicyRule`), serialized as
/// kube-apiserver stores it (`verbs` always, the rest when non-empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// `verbs`; `*` is every verb.
    #[serde(default, deserialize_with = "nullable")]
    pub verbs: Vec<String>,
    /// `apiGroups`; `""` is the core group, `*` every group.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// `resources`: `pods`, `pods/log`, `*/scale`, `*`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// `resourceNames`; empty means any name.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// `nonResourceURLs`: exact paths, or prefixes ending in `*`.
    #[serde(rename = "nonResourceURLs", default, deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl PolicyRule {
    /// A resource rule.
    pub fn resource(api_groups: &[&str], resources: &[&str], verbs: &[&str]) -> Self {
        PolicyRule {
            verbs: strings(verbs),
            api_groups: strings(api_groups),
            resources: strings(resources),
            ..PolicyRule::default()
        }
    }

    /// The same rule limited to `names`.
    pub fn named(mut self, names: &[&str]) -> Self {
        self.resource_names = strings(names);
        self
    }

    /// A non-resource rule.
    pub fn urls(urls: &[&str], verbs: &[&str]) -> Self {
        PolicyRule { verbs: strings(verbs), non_resource_urls: strings(urls), ..PolicyRule::default() }
    }

    /// `RuleAllows` (§3.1).
    pub fn allows(&self, attrs: &Attributes) -> bool {
        let verb = self.verbs.iter().any(|v| v == "*" || *v == attrs.verb);
        if !attrs.resource_request {
            return verb && self.non_resource_url_matches(&attrs.path);
        }
        let group = self.api_groups.iter().any(|g| g == "*" || *g == attrs.api_group);
        let combined = if attrs.subresource.is_empty() {
            attrs.resource.clone()
        } else {
            format!("{}/{}", attrs.resource, attrs.subresource)
        };
        let resource = self.resources.iter().any(|r| {
            r == "*"
                || *r == combined
                || (!attrs.subresource.is_empty()
                    && r.len() == attrs.subresource.len() + 2
                    && r.starts_with("*/")
                    && r.ends_with(attrs.subresource.as_str()))
        });
        let name = self.resource_names.is_empty() || self.resource_names.contains(&attrs.name);
        verb && group && resource && name
    }

    fn non_resource_url_matches(&self, path: &str) -> bool {
        self.non_resource_urls
            .iter()
            .any(|u| u == "*" || u == path || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*'))))
    }
}

/// A binding subject.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// The name.
    pub name: String,
    /// A ServiceAccount's namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `rbac.authorization.k8s.io` for users and groups (ignored).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_group: String,
}

impl Subject {
    /// `appliesToUser` (§3.2); `namespace` is the RoleBinding's (empty for
    /// ClusterRoleBindings).
    pub fn applies_to(&self, user: &UserInfo, namespace: &str) -> bool {
        match self.kind.as_str() {
            "User" => user.username == self.name,
            "Group" => user.groups.contains(&self.name),
            "ServiceAccount" => self.service_account_user(namespace).is_some_and(|u| u == user.username),
            _ => false,
        }
    }

    /// The username of a ServiceAccount subject, if it can match anyone.
    fn service_account_user(&self, binding_namespace: &str) -> Option<String> {
        let ns = if self.namespace.is_empty() { binding_namespace } else { &self.namespace };
        (!ns.is_empty()).then(|| format!("system:serviceaccount:{ns}:{}", self.name))
    }

    /// `describeSubject`: `User "n"`, `Group "n"`, `ServiceAccount "name/ns"`.
    fn describe(&self, binding_namespace: &str) -> String {
        if self.kind == "ServiceAccount" {
            let ns = if self.namespace.is_empty() { binding_namespace } else { &self.namespace };
            format!("{} {}", self.kind, quote(&format!("{}/{ns}", self.name)))
        } else {
            format!("{} {}", self.kind, quote(&self.name))
        }
    }
}

/// A binding's `roleRef`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    /// `rbac.authorization.k8s.io`.
    #[serde(default)]
    pub api_group: String,
    /// `Role` or `ClusterRole`.
    pub kind: String,
    /// The role's name.
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
struct Meta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    #[serde(default, deserialize_with = "nullable_map")]
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRole {
    #[serde(default)]
    metadata: Meta,
    #[serde(default, deserialize_with = "nullable")]
    rules: Vec<PolicyRule>,
    #[serde(default)]
    aggregation_rule: Option<AggregationRule>,
}

/// A ClusterRole's `aggregationRule`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AggregationRule {
    /// `clusterRoleSelectors`, ORed.
    #[serde(default, deserialize_with = "nullable")]
    pub cluster_role_selectors: Vec<LabelSelector>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredBinding {
    #[serde(default)]
    metadata: Meta,
    #[serde(default, deserialize_with = "nullable")]
    subjects: Vec<Subject>,
    role_ref: RoleRef,
}

/// A binding as indexed.
#[derive(Debug, Clone)]
struct Binding {
    name: String,
    namespace: String,
    role_ref: RoleRef,
    subjects: Vec<Subject>,
}

impl Binding {
    /// The first subject that applies (`appliesTo`).
    fn subject_for(&self, user: &UserInfo) -> Option<&Subject> {
        self.subjects.iter().find(|s| s.applies_to(user, &self.namespace))
    }

    /// The describer of the allow reason.
    fn describe(&self, subject: &Subject) -> String {
        if self.namespace.is_empty() {
            format!(
                "ClusterRoleBinding {} of {} {} to {}",
                quote(&self.name),
                self.role_ref.kind,
                quote(&self.role_ref.name),
                subject.describe("")
            )
        } else {
            format!(
                "RoleBinding {} of {} {} to {}",
                quote(&format!("{}/{}", self.name, self.namespace)),
                self.role_ref.kind,
                quote(&self.role_ref.name),
                subject.describe(&self.namespace)
            )
        }
    }
}

/// Bindings of one scope, with their subjects indexed.
#[derive(Debug, Clone, Default)]
struct Bindings {
    /// Sorted by name: the visiting order.
    list: Vec<Binding>,
    users: HashMap<String, Vec<usize>>,
    groups: HashMap<String, Vec<usize>>,
}

impl Bindings {
    fn build(mut list: Vec<Binding>) -> Self {
        list.sort_by(|a, b| a.name.cmp(&b.name));
        let mut me = Bindings { list, ..Bindings::default() };
        for (i, b) in me.list.iter().enumerate() {
            for s in &b.subjects {
                let (index, key) = match s.kind.as_str() {
                    "User" => (&mut me.users, s.name.clone()),
                    "Group" => (&mut me.groups, s.name.clone()),
                    // A service account is its username.
                    "ServiceAccount" => match s.service_account_user(&b.namespace) {
                        Some(u) => (&mut me.users, u),
                        None => continue,
                    },
                    _ => continue,
                };
                let slot = index.entry(key).or_default();
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
        }
        me
    }

    /// The bindings naming `user`, its groups or its service account, in
    /// visiting order.
    fn for_user(&self, user: &UserInfo) -> Vec<&Binding> {
        let mut hits: Vec<usize> = self.users.get(&user.username).cloned().unwrap_or_default();
        for g in &user.groups {
            hits.extend(self.groups.get(g).into_iter().flatten());
        }
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter().filter_map(|i| self.list.get(i)).collect()
    }
}

/// The binding, role and rule that allowed a request (for `eksim explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `ClusterRoleBinding` or `RoleBinding`.
    pub binding_kind: &'static str,
    /// The binding's name.
    pub binding: String,
    /// The binding's namespace (empty for ClusterRoleBindings).
    pub namespace: String,
    /// The role it references.
    pub role_ref: RoleRef,
    /// The subject that applied.
    pub subject: Subject,
    /// The rule that matched.
    pub rule: PolicyRule,
}

/// Where a rule came from while visiting.
enum Visit<'a> {
    Rule(&'a Binding, &'a Subject, &'a PolicyRule),
    Error(String),
}

/// Which NotFound text a missing role gives: the listers' singular resource
/// (authorization) or the registry's plural one (escalation checks in storage).
#[derive(Clone, Copy, PartialEq, Eq)]
enum NotFoundForm {
    Singular,
    Plural,
}

/// A cluster's RBAC objects, indexed for authorization.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    roles: HashMap<(String, String), Vec<PolicyRule>>,
    cluster_roles: HashMap<String, Vec<PolicyRule>>,
    cluster_bindings: Bindings,
    bindings: HashMap<String, Bindings>,
    skipped: Vec<String>,
}

fn decode<T: for<'de> Deserialize<'de>>(kind: &str, value: &Value, skipped: &mut Vec<String>) -> Option<T> {
    match T::deserialize(value) {
        Ok(v) => Some(v),
        Err(e) => {
            let name = value.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?");
            skipped.push(format!("{kind} {name}: {e}"));
            None
        }
    }
}

impl Rbac {
    /// Indexes the stored objects. ClusterRole aggregation is recomputed here,
    /// so decisions never depend on whether the stored aggregate is current.
    /// Objects that do not decode are skipped (see [`Rbac::skipped`]).
    pub fn new(
        roles: &[Value],
        cluster_roles: &[Value],
        role_bindings: &[Value],
        cluster_role_bindings: &[Value],
    ) -> Rbac {
        let mut skipped = Vec::new();
        let mut me = Rbac::default();
        for v in roles {
            if let Some(r) = decode::<StoredRole>("Role", v, &mut skipped) {
                me.roles.insert((r.metadata.namespace, r.metadata.name), r.rules);
            }
        }
        me.cluster_roles = aggregate::aggregate_all(cluster_roles, &mut skipped);
        let binding = |b: StoredBinding| Binding {
            name: b.metadata.name,
            namespace: b.metadata.namespace,
            role_ref: b.role_ref,
            subjects: b.subjects,
        };
        let mut by_namespace: HashMap<String, Vec<Binding>> = HashMap::new();
        for v in role_bindings {
            if let Some(b) = decode::<StoredBinding>("RoleBinding", v, &mut skipped) {
                let b = binding(b);
                by_namespace.entry(b.namespace.clone()).or_default().push(b);
            }
        }
        me.bindings = by_namespace.into_iter().map(|(ns, list)| (ns, Bindings::build(list))).collect();
        let mut cluster = Vec::new();
        for v in cluster_role_bindings {
            if let Some(b) = decode::<StoredBinding>("ClusterRoleBinding", v, &mut skipped) {
                let mut b = binding(b);
                b.namespace.clear();
                cluster.push(b);
            }
        }
        me.cluster_bindings = Bindings::build(cluster);
        me.skipped = skipped;
        me
    }

    /// Objects [`Rbac::new`] could not decode.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// A ClusterRole's rules, aggregated.
    pub fn cluster_role_rules(&self, name: &str) -> Option<&[PolicyRule]> {
        self.cluster_roles.get(name).map(Vec::as_slice)
    }

    /// A Role's rules.
    pub fn role_rules(&self, namespace: &str, name: &str) -> Option<&[PolicyRule]> {
        self.roles.get(&(namespace.to_owned(), name.to_owned())).map(Vec::as_slice)
    }

    /// `GetRoleReferenceRules`.
    fn role_ref_rules(&self, role_ref: &RoleRef, namespace: &str, form: NotFoundForm) -> Result<&[PolicyRule], String> {
        let (found, resource) = match role_ref.kind.as_str() {
            "Role" => (self.role_rules(namespace, &role_ref.name), ["role", "roles"]),
            "ClusterRole" => (self.cluster_role_rules(&role_ref.name), ["clusterrole", "clusterroles"]),
            other => return Err(format!("unsupported role reference kind: {}", quote(other))),
        };
        found.ok_or_else(|| {
            let resource = if form == NotFoundForm::Singular { resource[0] } else { resource[1] };
            format!("{resource}.{GROUP} {} not found", quote(&role_ref.name))
        })
    }

    /// `VisitRulesFor`: the ClusterRoleBindings, then (for a non-empty
    /// namespace) the RoleBindings there; stops when `visit` returns false.
    fn visit<'a>(
        &'a self,
        user: &UserInfo,
        namespace: &str,
        form: NotFoundForm,
        mut visit: impl FnMut(Visit<'a>) -> bool,
    ) {
        let namespaced = (!namespace.is_empty()).then(|| self.bindings.get(namespace)).flatten();
        let scopes = std::iter::once(&self.cluster_bindings).chain(namespaced);
        for bindings in scopes {
            for b in bindings.for_user(user) {
                let Some(subject) = b.subject_for(user) else { continue };
                match self.role_ref_rules(&b.role_ref, &b.namespace, form) {
                    Err(e) => {
                        if !visit(Visit::Error(e)) {
                            return;
                        }
                    }
                    Ok(rules) => {
                        for rule in rules {
                            if !visit(Visit::Rule(b, subject, rule)) {
                                return;
                            }
                        }
                    }
                }
            }
        }
    }

    /// The RBAC authorizer (§3.3): Allow with `RBAC: allowed by …`, or
    /// NoOpinion with no reason, or `RBAC: <errors>` when roles were missing.
    pub fn authorize(&self, user: &UserInfo, attrs: &Attributes) -> Decision {
        let (grant, errors) = self.find(user, attrs);
        match grant {
            Some((b, s, _)) => {
                Decision { verdict: Verdict::Allow, reason: format!("RBAC: allowed by {}", b.describe(s)) }
            }
            None if errors.is_empty() => Decision { verdict: Verdict::NoOpinion, reason: String::new() },
            None => {
                Decision { verdict: Verdict::NoOpinion, reason: format!("RBAC: {}", crate::gofmt::aggregate(&errors)) }
            }
        }
    }

    fn find<'a>(
        &'a self,
        user: &UserInfo,
        attrs: &Attributes,
    ) -> (Option<(&'a Binding, &'a Subject, &'a PolicyRule)>, Vec<String>) {
        let mut grant = None;
        let mut errors = Vec::new();
        self.visit(user, &attrs.namespace, NotFoundForm::Singular, |v| match v {
            Visit::Rule(b, s, r) if r.allows(attrs) => {
                grant = Some((b, s, r));
                false
            }
            Visit::Rule(..) => true,
            Visit::Error(e) => {
                errors.push(e);
                true
            }
        });
        (grant, errors)
    }

    /// What allowed `attrs`, if RBAC does: binding, role, subject and rule.
    pub fn explain(&self, user: &UserInfo, attrs: &Attributes) -> Option<Grant> {
        let (grant, _) = self.find(user, attrs);
        grant.map(|(b, s, r)| Grant {
            binding_kind: if b.namespace.is_empty() { "ClusterRoleBinding" } else { "RoleBinding" },
            binding: b.name.clone(),
            namespace: b.namespace.clone(),
            role_ref: b.role_ref.clone(),
            subject: s.clone(),
            rule: r.clone(),
        })
    }

    /// `RulesFor`: every rule the user holds through RBAC in `namespace`
    /// (ClusterRoleBindings first), unmerged, and the resolution errors.
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> (Vec<PolicyRule>, Vec<String>) {
        self.rules_for_form(user, namespace, NotFoundForm::Singular)
    }

    fn rules_for_form(&self, user: &UserInfo, namespace: &str, form: NotFoundForm) -> (Vec<PolicyRule>, Vec<String>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        self.visit(user, namespace, form, |v| {
            match v {
                Visit::Rule(_, _, r) => rules.push(r.clone()),
                Visit::Error(e) => errors.push(e),
            }
            true
        });
        (rules, errors)
    }
}

/// The Forbidden `Status` message of §4.1: `<gr> "<name>" is forbidden: User
/// "<u>" cannot <verb> resource "<res>[/<sub>]" in API group "<g>" in the
/// namespace "<ns>"` (or `at the cluster scope`, or `forbidden: User "<u>"
/// cannot <verb> path "<p>"`), then `: <reason>` when the chain gave one.
pub fn forbidden_message(username: &str, attrs: &Attributes, reason: &str) -> String {
    let core = if !attrs.resource_request {
        format!("User {} cannot {} path {}", quote(username), attrs.verb, quote(&attrs.path))
    } else {
        let resource = if attrs.subresource.is_empty() {
            attrs.resource.clone()
        } else {
            format!("{}/{}", attrs.resource, attrs.subresource)
        };
        let scope = if attrs.namespace.is_empty() {
            "at the cluster scope".to_owned()
        } else {
            format!("in the namespace {}", quote(&attrs.namespace))
        };
        format!(
            "User {} cannot {} resource {} in API group {} {scope}",
            quote(username),
            attrs.verb,
            quote(&resource),
            quote(&attrs.api_group)
        )
    };
    let core = core.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let err = if reason.is_empty() { core } else { format!("{core}: {reason}") };
    forbidden_status_message(&attrs.api_group, &attrs.resource, &attrs.name, &err)
}

/// apimachinery's `NewForbidden(gr, name, err)` message.
pub fn forbidden_status_message(group: &str, resource: &str, name: &str, err: &str) -> String {
    if group.is_empty() && resource.is_empty() {
        return format!("forbidden: {err}");
    }
    let gr = if group.is_empty() { resource.to_owned() } else { format!("{resource}.{group}") };
    if name.is_empty() {
        format!("{gr} is forbidden: {err}")
    } else {
        format!("{gr} {} is forbidden: {err}", quote(name))
    }
}
