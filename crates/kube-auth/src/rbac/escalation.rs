//! Escalation prevention for RBAC writes (`kube-apiserver.md` §3.5): a user may
//! only grant what it holds through RBAC, unless it may `escalate` (roles) or
//! `bind` (bindings); `system:masters` bypasses all of it.

use std::fmt;

use super::{forbidden_status_message, NotFoundForm, PolicyRule, Rbac, RoleRef, GROUP};
use crate::gofmt::{aggregate, quote, quote_list};
use crate::{Attributes, UserInfo};

/// Splits a rule into one-verb, one-resource (or one-URL) rules (`BreakdownRule`).
fn breakdown(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    for group in &rule.api_groups {
        for resource in &rule.resources {
            for verb in &rule.verbs {
                let base = PolicyRule {
                    verbs: vec![verb.clone()],
                    api_groups: vec![group.clone()],
                    resources: vec![resource.clone()],
                    ..PolicyRule::default()
                };
                if rule.resource_names.is_empty() {
                    out.push(base);
                } else {
                    out.extend(
                        rule.resource_names
                            .iter()
                            .map(|n| PolicyRule { resource_names: vec![n.clone()], ..base.clone() }),
                    );
                }
            }
        }
    }
    for url in &rule.non_resource_urls {
        for verb in &rule.verbs {
            out.push(PolicyRule {
                verbs: vec![verb.clone()],
                non_resource_urls: vec![url.clone()],
                ..PolicyRule::default()
            });
        }
    }
    out
}

fn has(set: &[String], value: &str) -> bool {
    set.iter().any(|s| s == value)
}

fn has_all(set: &[String], values: &[String]) -> bool {
    values.iter().all(|v| has(set, v))
}

/// `ruleCovers`: one owner rule covers one broken-down rule.
fn rule_covers(owner: &PolicyRule, sub: &PolicyRule) -> bool {
    let verbs = has(&owner.verbs, "*") || has_all(&owner.verbs, &sub.verbs);
    let groups = has(&owner.api_groups, "*") || has_all(&owner.api_groups, &sub.api_groups);
    let resources = has(&owner.resources, "*")
        || sub.resources.iter().all(|r| {
            has(&owner.resources, r)
                || r.split_once('/').is_some_and(|(_, sub)| has(&owner.resources, &format!("*/{sub}")))
        });
    let urls = sub.non_resource_urls.iter().all(|u| {
        owner.non_resource_urls.iter().any(|o| o == u || (o.ends_with('*') && u.starts_with(o.trim_end_matches('*'))))
    });
    let names = if sub.resource_names.is_empty() {
        owner.resource_names.is_empty()
    } else {
        owner.resource_names.is_empty() || has_all(&owner.resource_names, &sub.resource_names)
    };
    verbs && groups && resources && urls && names
}

/// The broken-down pieces of `requested` that no rule of `owner` covers
/// (`validation.Covers`).
pub fn uncovered(owner: &[PolicyRule], requested: &[PolicyRule]) -> Vec<PolicyRule> {
    requested.iter().flat_map(breakdown).filter(|sub| !owner.iter().any(|o| rule_covers(o, sub))).collect()
}

/// True when the rules `owner` holds cover every rule of `requested`: the
/// "user has all these permissions" test of escalation prevention.
pub fn covers(owner: &[PolicyRule], requested: &[PolicyRule]) -> bool {
    uncovered(owner, requested).is_empty()
}

/// `CompactRules`: simple rules (one group, one resource, at most one name,
/// no URLs) that differ only in verbs are merged, verbs in first-seen order.
pub fn compact_rules(rules: &[PolicyRule]) -> Vec<PolicyRule> {
    let mut complex = Vec::new();
    let mut simple: Vec<PolicyRule> = Vec::new();
    for rule in rules {
        let is_simple = rule.resource_names.len() <= 1
            && rule.non_resource_urls.is_empty()
            && rule.api_groups.len() == 1
            && rule.resources.len() == 1;
        if !is_simple {
            complex.push(rule.clone());
            continue;
        }
        let same = |r: &&mut PolicyRule| {
            r.api_groups == rule.api_groups && r.resources == rule.resources && r.resource_names == rule.resource_names
        };
        match simple.iter_mut().find(same) {
            Some(existing) => {
                for verb in &rule.verbs {
                    if !existing.verbs.contains(verb) {
                        existing.verbs.push(verb.clone());
                    }
                }
            }
            None => simple.push(rule.clone()),
        }
    }
    complex.extend(simple);
    complex
}

/// `CompactString`: `{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`,
/// empty fields left out.
pub fn compact_string(rule: &PolicyRule) -> String {
    let fields = [
        ("APIGroups", &rule.api_groups),
        ("Resources", &rule.resources),
        ("NonResourceURLs", &rule.non_resource_urls),
        ("ResourceNames", &rule.resource_names),
        ("Verbs", &rule.verbs),
    ];
    let parts: Vec<String> =
        fields.iter().filter(|(_, v)| !v.is_empty()).map(|(name, v)| format!("{name}:{}", quote_list(v))).collect();
    format!("{{{}}}", parts.join(", "))
}

/// `ConfirmNoEscalation` failed: the user holds less than it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationError {
    /// The user's name.
    pub user: String,
    /// The user's groups.
    pub groups: Vec<String>,
    /// The broken-down rules not held.
    pub missing: Vec<PolicyRule>,
    /// Errors met resolving the user's own rules (missing roles).
    pub resolution_errors: Vec<String>,
}

impl fmt::Display for EscalationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Vec<String> = compact_rules(&self.missing).iter().map(compact_string).collect();
        lines.sort();
        lines.dedup();
        write!(
            f,
            "user {} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
            quote(&self.user),
            quote_list(&self.groups),
            lines.join("\n")
        )?;
        if !self.resolution_errors.is_empty() {
            write!(f, "; resolution errors: [{}]", aggregate(&self.resolution_errors))?;
        }
        Ok(())
    }
}

impl std::error::Error for EscalationError {}

/// A write to an RBAC object, as the storage layer checks it.
#[derive(Debug, Clone, Copy)]
pub enum RbacWrite<'a> {
    /// Create or update of a Role.
    Role {
        /// Its namespace.
        namespace: &'a str,
        /// Its name.
        name: &'a str,
        /// The name in the request URL (empty on create).
        request_name: &'a str,
        /// Its new rules.
        rules: &'a [PolicyRule],
    },
    /// Create or update of a ClusterRole.
    ClusterRole {
        /// Its name.
        name: &'a str,
        /// The name in the request URL (empty on create).
        request_name: &'a str,
        /// Its new rules.
        rules: &'a [PolicyRule],
        /// True when the new or the old object has an `aggregationRule`.
        aggregation_rule: bool,
    },
    /// Create or update of a RoleBinding.
    RoleBinding {
        /// Its namespace.
        namespace: &'a str,
        /// Its name.
        name: &'a str,
        /// Its `roleRef`.
        role_ref: &'a RoleRef,
    },
    /// Create or update of a ClusterRoleBinding.
    ClusterRoleBinding {
        /// Its name.
        name: &'a str,
        /// Its `roleRef`.
        role_ref: &'a RoleRef,
    },
}

/// Why an RBAC write is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteDenied {
    /// 403 Forbidden; details `{name, group: rbac.authorization.k8s.io, kind: <resource>}`.
    #[error("{message}")]
    Forbidden {
        /// The Status message.
        message: String,
        /// `roles`, `clusterroles`, `rolebindings` or `clusterrolebindings`.
        resource: &'static str,
        /// The object's name.
        name: String,
    },
    /// 404: the binding's role does not exist.
    #[error("{message}")]
    RoleNotFound {
        /// The Status message, e.g. `roles.rbac.authorization.k8s.io "x" not found`.
        message: String,
        /// `roles` or `clusterroles`.
        resource: &'static str,
        /// The role's name.
        name: String,
    },
}

fn forbidden(resource: &'static str, name: &str, err: &str) -> WriteDenied {
    WriteDenied::Forbidden {
        message: forbidden_status_message(GROUP, resource, name, err),
        resource,
        name: name.to_owned(),
    }
}

/// The rules that make a user "cluster-admin" for the aggregationRule check.
fn full_authority() -> [PolicyRule; 2] {
    [PolicyRule::resource(&["*"], &["*"], &["*"]), PolicyRule::urls(&["*"], &["*"])]
}

impl Rbac {
    /// `ConfirmNoEscalation`: `rules` must be covered by what `user` holds
    /// through RBAC in `namespace` (`""` for cluster-scoped objects). Role
    /// lookups here go through storage, so missing roles read in the plural.
    pub fn confirm_no_escalation(
        &self,
        user: &UserInfo,
        namespace: &str,
        rules: &[PolicyRule],
    ) -> Result<(), EscalationError> {
        let (owner, resolution_errors) = self.rules_for_form(user, namespace, NotFoundForm::Plural);
        let missing = uncovered(&owner, rules);
        if missing.is_empty() {
            return Ok(());
        }
        Err(EscalationError { user: user.username.clone(), groups: user.groups.clone(), missing, resolution_errors })
    }

    /// The storage-layer checks of an RBAC write (§3.5), after the request's
    /// own verb was authorized. `chain_allows` is the full authorizer chain
    /// (access policies included), consulted for `escalate` and `bind`.
    /// Updates that change only finalizers or owner references should not be
    /// checked at all (the caller knows the old object).
    pub fn check_write(
        &self,
        user: &UserInfo,
        write: &RbacWrite<'_>,
        chain_allows: &dyn Fn(&Attributes) -> bool,
    ) -> Result<(), WriteDenied> {
        if user.groups.iter().any(|g| g == super::MASTERS_GROUP) {
            return Ok(());
        }
        let may = |verb: &str, resource: &str, name: &str, namespace: &str, group: &str| {
            chain_allows(&Attributes {
                verb: verb.to_owned(),
                resource_request: true,
                api_group: group.to_owned(),
                api_version: "*".to_owned(),
                namespace: namespace.to_owned(),
                resource: resource.to_owned(),
                name: name.to_owned(),
                ..Attributes::default()
            })
        };
        match *write {
            RbacWrite::Role { namespace, name, request_name, rules } => {
                if may("escalate", "roles", request_name, namespace, GROUP) {
                    return Ok(());
                }
                self.confirm_no_escalation(user, namespace, rules).map_err(|e| forbidden("roles", name, &e.to_string()))
            }
            RbacWrite::ClusterRole { name, request_name, rules, aggregation_rule } => {
                if may("escalate", "clusterroles", request_name, "", GROUP) {
                    return Ok(());
                }
                self.confirm_no_escalation(user, "", rules)
                    .map_err(|e| forbidden("clusterroles", name, &e.to_string()))?;
                if aggregation_rule && self.confirm_no_escalation(user, "", &full_authority()).is_err() {
                    return Err(forbidden(
                        "clusterroles",
                        name,
                        "must have cluster-admin privileges to use the aggregationRule",
                    ));
                }
                Ok(())
            }
            RbacWrite::RoleBinding { namespace, name, role_ref } => {
                self.check_binding(user, "rolebindings", namespace, name, role_ref, &may)
            }
            RbacWrite::ClusterRoleBinding { name, role_ref } => {
                self.check_binding(user, "clusterrolebindings", "", name, role_ref, &may)
            }
        }
    }

    fn check_binding(
        &self,
        user: &UserInfo,
        resource: &'static str,
        namespace: &str,
        name: &str,
        role_ref: &RoleRef,
        may: &dyn Fn(&str, &str, &str, &str, &str) -> bool,
    ) -> Result<(), WriteDenied> {
        let role_resource = match role_ref.kind.as_str() {
            "Role" => Some("roles"),
            "ClusterRole" => Some("clusterroles"),
            _ => None,
        };
        if let Some(role_resource) = role_resource {
            if may("bind", role_resource, &role_ref.name, namespace, &role_ref.api_group) {
                return Ok(());
            }
        }
        let rules = self.role_ref_rules(role_ref, namespace, NotFoundForm::Plural).map_err(|message| {
            WriteDenied::RoleNotFound {
                message,
                resource: role_resource.unwrap_or("roles"),
                name: role_ref.name.clone(),
            }
        })?;
        self.confirm_no_escalation(user, namespace, rules).map_err(|e| forbidden(resource, name, &e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        PolicyRule::resource(groups, resources, verbs)
    }

    #[test]
    fn coverage_follows_validation_covers() {
        let owner = [
            r(&[""], &["pods"], &["get", "list"]),
            r(&["apps"], &["*/scale"], &["*"]),
            PolicyRule::urls(&["/metrics*"], &["get"]),
        ];
        let check = |requested: PolicyRule, expected: bool| {
            assert_eq!(covers(&owner, std::slice::from_ref(&requested)), expected, "{requested:?}")
        };
        check(r(&[""], &["pods"], &["get"]), true);
        check(r(&[""], &["pods"], &["get", "delete"]), false);
        check(r(&[""], &["pods"], &["get"]).named(&["x"]), true);
        check(r(&["apps"], &["deployments/scale"], &["update"]), true);
        check(r(&["apps"], &["deployments"], &["update"]), false);
        check(PolicyRule::urls(&["/metrics/slis"], &["get"]), true);
        check(PolicyRule::urls(&["/healthz"], &["get"]), false);
        // An owner limited to names never covers an unnamed rule.
        let named = [r(&[""], &["configmaps"], &["get"]).named(&["a"])];
        assert!(!covers(&named, &[r(&[""], &["configmaps"], &["get"])]));
        assert!(covers(&named, &[r(&[""], &["configmaps"], &["get"]).named(&["a"])]));
        assert!(covers(&full_authority(), &[r(&["x"], &["y"], &["z"]), PolicyRule::urls(&["/a"], &["get"])]));
    }

    #[test]
    fn missing_rules_print_compacted_and_sorted() {
        let missing = uncovered(
            &[],
            &[r(&[""], &["secrets"], &["get", "list"]), r(&["apps"], &["deployments"], &["get"]).named(&["a", "b"])],
        );
        let e = EscalationError {
            user: "hank".into(),
            groups: vec!["system:authenticated".into()],
            missing,
            resolution_errors: vec![],
        };
        assert_eq!(
            e.to_string(),
            "user \"hank\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n\
             {APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}\n\
             {APIGroups:[\"apps\"], Resources:[\"deployments\"], ResourceNames:[\"a\"], Verbs:[\"get\"]}\n\
             {APIGroups:[\"apps\"], Resources:[\"deployments\"], ResourceNames:[\"b\"], Verbs:[\"get\"]}"
        );
        let with_errors = EscalationError { resolution_errors: vec!["x".into(), "y".into()], ..e };
        assert!(with_errors.to_string().ends_with("; resolution errors: [[x, y]]"));
    }
}
