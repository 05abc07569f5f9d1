//! EKS's authorizer chain (`kube-apiserver.md` §2): `system:masters`, the Node
//! authorizer, RBAC, then EKS access policies (§6). None of them denies, so
//! the first Allow wins and otherwise the non-empty reasons are joined with a
//! newline. Also the SelfSubjectRulesReview of that chain (§7).

use serde::{Deserialize, Serialize};

use super::{bootstrap, PolicyRule, Rbac};
use crate::gofmt::{aggregate, quote};
use crate::{Attributes, Decision, UserInfo, Verdict};

/// The group that bypasses authorization.
pub const MASTERS_GROUP: &str = "system:masters";

/// What the EKS webhook answers a rules review.
pub const WEBHOOK_RULES_ERROR: &str = "webhook authorizer does not support user rule resolution";

const NODE_RULES_ERROR: &str = "node authorizer does not support user rule resolution";

fn allow(reason: String) -> Decision {
    Decision { verdict: Verdict::Allow, reason }
}

fn no_opinion(reason: &str) -> Decision {
    Decision { verdict: Verdict::NoOpinion, reason: reason.to_owned() }
}

/// The node name of a node user (`system:node:<name>` in `system:nodes`).
fn node_name(user: &UserInfo) -> Option<&str> {
    let name = user.username.strip_prefix("system:node:")?;
    user.groups.iter().any(|g| g == "system:nodes").then_some(name)
}

/// The Node authorizer. eksim runs no kubelets, so the pod-to-node graph is
/// empty and every graph check fails (a simplification the reference allows);
/// pods, like other kinds without special handling, get the `system:node` rules.
pub fn node_authorize(user: &UserInfo, attrs: &Attributes) -> Decision {
    let Some(node) = node_name(user) else { return no_opinion("") };
    if node.is_empty() {
        return no_opinion(&format!("unknown node for user {}", quote(&user.username)));
    }
    let no_relationship = || no_opinion(&format!("no relationship found between node '{node}' and this object"));
    let graph = || if attrs.name.is_empty() { no_opinion("No Object name found") } else { no_relationship() };
    let verb = attrs.verb.as_str();
    if attrs.resource_request {
        match (attrs.api_group.as_str(), attrs.resource.as_str()) {
            ("", "secrets" | "configmaps") => {
                return if !matches!(verb, "get" | "list" | "watch") {
                    no_opinion("can only read resources of this type")
                } else if !attrs.subresource.is_empty() {
                    no_opinion("cannot read subresource")
                } else if attrs.namespace.is_empty() {
                    no_opinion("can only read namespaced object of this type")
                } else {
                    graph()
                };
            }
            ("", "persistentvolumeclaims") if attrs.subresource == "status" => {
                return if !matches!(verb, "update" | "patch") {
                    no_opinion("can only get/update/patch this type")
                } else {
                    graph()
                };
            }
            ("", "persistentvolumeclaims" | "persistentvolumes")
            | ("storage.k8s.io", "volumeattachments")
            | ("resource.k8s.io", "resourceclaims") => {
                return if verb != "get" {
                    no_opinion("can only get individual resources of this type")
                } else if !attrs.subresource.is_empty() {
                    no_opinion("cannot get subresource")
                } else {
                    graph()
                };
            }
            ("", "serviceaccounts") => {
                return if verb != "create" || attrs.name.is_empty() {
                    no_opinion("can only create tokens for individual service accounts")
                } else if attrs.subresource != "token" {
                    no_opinion("can only create token subresource of serviceaccount")
                } else {
                    graph()
                };
            }
            ("coordination.k8s.io", "leases") => {
                return if !matches!(verb, "get" | "create" | "update" | "patch" | "delete") {
                    no_opinion("can only get, create, update, patch, or delete a node lease")
                } else if attrs.namespace != "kube-node-lease" {
                    no_opinion("can only access leases in the \"kube-node-lease\" system namespace")
                } else if verb != "create" && attrs.name != node {
                    no_opinion("can only access node lease with the same name as the requesting node")
                } else {
                    allow(String::new())
                };
            }
            ("storage.k8s.io", "csinodes") => {
                return if !matches!(verb, "get" | "create" | "update" | "patch" | "delete") {
                    no_opinion("can only get, create, update, patch, or delete a CSINode")
                } else if !attrs.subresource.is_empty() {
                    no_opinion("cannot authorize CSINode subresources")
                } else if verb != "create" && attrs.name != node {
                    no_opinion("can only access CSINode with the same name as the requesting node")
                } else {
                    allow(String::new())
                };
            }
            _ => {}
        }
    }
    if bootstrap::node_rules().iter().any(|r| r.allows(attrs)) {
        allow(String::new())
    } else {
        no_opinion("")
    }
}

/// Where an access-policy association applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum AccessScope {
    /// Everything: cluster-scoped resources and non-resource URLs included.
    Cluster,
    /// Requests in the listed namespaces (a trailing `*` is a prefix).
    Namespace {
        /// The namespaces or prefixes.
        #[serde(default)]
        namespaces: Vec<String>,
    },
}

impl AccessScope {
    fn namespace_matching<'a>(&self, namespace: &'a str) -> Option<Option<&'a str>> {
        match self {
            AccessScope::Cluster => Some(None),
            AccessScope::Namespace { namespaces } => {
                if namespace.is_empty() {
                    return None;
                }
                let hit = namespaces.iter().any(|n| match n.strip_suffix('*') {
                    Some(prefix) => namespace.starts_with(prefix),
                    None => n == namespace,
                });
                hit.then_some(Some(namespace))
            }
        }
    }
}

/// One associated access policy of an access entry, with its rules (the
/// catalogue lives with the EKS API; this crate takes the rules as given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAssociation {
    /// `arn:aws:eks::aws:cluster-access-policy/<Name>`.
    pub policy_arn: String,
    /// The policy's rules.
    pub rules: Vec<PolicyRule>,
    /// The association's scope.
    pub access_scope: AccessScope,
}

/// EKS's access-policy authorizer for one caller (§6.1): allows when some
/// association's scope matches and one of its rules allows; never denies,
/// and gives no reason when it has no opinion.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicyAuthorizer {
    /// The access entry's principal ARN.
    pub principal_arn: String,
    /// The principal's unique id (the `User` of the allow reason).
    pub principal_id: String,
    /// The entry's associated policies.
    pub associations: Vec<PolicyAssociation>,
}

impl AccessPolicyAuthorizer {
    /// Decides `attrs` for the caller. The allow reason is the one EKS audit
    /// logs show for cluster scope; the namespace form is inferred.
    pub fn authorize(&self, attrs: &Attributes) -> Decision {
        for a in &self.associations {
            let Some(namespace) = a.access_scope.namespace_matching(&attrs.namespace) else { continue };
            if !a.rules.iter().any(|r| r.allows(attrs)) {
                continue;
            }
            let binding = match namespace {
                None => format!("ClusterRoleBinding {}", quote(&format!("{}+{}", self.principal_arn, a.policy_arn))),
                Some(ns) => format!("RoleBinding {}", quote(&format!("{}+{}/{ns}", self.principal_arn, a.policy_arn))),
            };
            return allow(format!(
                "EKS Access Policy: allowed by {binding} of ClusterRole {} to User {}",
                quote(&a.policy_arn),
                quote(&self.principal_id)
            ));
        }
        no_opinion("")
    }
}

/// The whole chain of §2 for `user`: `system:masters`, Node, RBAC, then the
/// caller's access policies (`None` for impersonated requests and principals
/// without an access entry).
pub fn authorize(
    user: &UserInfo,
    attrs: &Attributes,
    rbac: &Rbac,
    access_policies: Option<&AccessPolicyAuthorizer>,
) -> Decision {
    if user.groups.iter().any(|g| g == MASTERS_GROUP) {
        return allow(String::new());
    }
    let mut reasons = Vec::new();
    for decision in [
        Some(node_authorize(user, attrs)),
        Some(rbac.authorize(user, attrs)),
        access_policies.map(|p| p.authorize(attrs)),
    ]
    .into_iter()
    .flatten()
    {
        if decision.verdict != Verdict::NoOpinion {
            return decision;
        }
        if !decision.reason.is_empty() {
            reasons.push(decision.reason);
        }
    }
    no_opinion(&reasons.join("\n"))
}

/// A SelfSubjectRulesReview's `status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesReview {
    /// One entry per RBAC rule with resources: verbs, apiGroups, resources, resourceNames.
    pub resource_rules: Vec<PolicyRule>,
    /// One entry per RBAC rule with URLs: verbs, nonResourceURLs.
    pub non_resource_rules: Vec<PolicyRule>,
    /// True when some authorizer could not list its rules.
    pub incomplete: bool,
    /// The aggregated errors, `""` when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evaluation_error: String,
}

/// The rules review of §7: Node (incomplete for node users), RBAC (the rules,
/// and missing roles as errors) and, on EKS, the webhook (always incomplete).
pub fn rules_review(user: &UserInfo, namespace: &str, rbac: &Rbac, eks_webhook: bool) -> RulesReview {
    let mut errors = Vec::new();
    let mut incomplete = false;
    if node_name(user).is_some() {
        incomplete = true;
        errors.push(NODE_RULES_ERROR.to_owned());
    }
    let (rules, rbac_errors) = rbac.rules_for(user, namespace);
    errors.extend(rbac_errors);
    if eks_webhook {
        incomplete = true;
        errors.push(WEBHOOK_RULES_ERROR.to_owned());
    }
    let resource_rules = rules
        .iter()
        .filter(|r| !r.resources.is_empty())
        .map(|r| PolicyRule { non_resource_urls: Vec::new(), ..r.clone() })
        .collect();
    let non_resource_rules = rules
        .iter()
        .filter(|r| !r.non_resource_urls.is_empty())
        .map(|r| PolicyRule {
            verbs: r.verbs.clone(),
            non_resource_urls: r.non_resource_urls.clone(),
            ..PolicyRule::default()
        })
        .collect();
    let evaluation_error = aggregate(&errors);
    RulesReview { resource_rules, non_resource_rules, incomplete: incomplete || !errors.is_empty(), evaluation_error }
}
