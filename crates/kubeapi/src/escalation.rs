//! RBAC escalation prevention (kube-apiserver.md §3.5), run by storage after the request verb was
//! authorized: a Role or ClusterRole may only grant what its author holds through RBAC (or may
//! `escalate`), a binding may only reference a role whose rules its author holds (or may `bind`).
//! The author's RBAC rules come from [`Authorizer::rules`]; `system:masters` skips every check.

use crate::crud::Ctx;
use crate::objects::{meta_mut, meta_str, name_of, Writer};
use crate::resources::{self, ResourceDef};
use crate::status::{go_quote, ApiError, FieldError, GroupResource, Result};
use crate::{Attributes, Authorizer, UserInfo};
use serde_json::Value;
use std::collections::BTreeMap;

const RBAC: &str = "rbac.authorization.k8s.io";

/// A PolicyRule, as the checks need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rule {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

impl Rule {
    pub fn from_json(v: &Value) -> Self {
        Self {
            verbs: strings(v, "verbs"),
            api_groups: strings(v, "apiGroups"),
            resources: strings(v, "resources"),
            resource_names: strings(v, "resourceNames"),
            non_resource_urls: strings(v, "nonResourceURLs"),
        }
    }

    /// `PolicyRule.CompactString()`: only non-empty fields, Go `%q` lists.
    pub fn compact(&self) -> String {
        let list = |items: &[String]| format!("[{}]", items.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(" "));
        let mut parts = Vec::new();
        for (name, items) in [
            ("APIGroups", &self.api_groups),
            ("Resources", &self.resources),
            ("NonResourceURLs", &self.non_resource_urls),
            ("ResourceNames", &self.resource_names),
            ("Verbs", &self.verbs),
        ] {
            if !items.is_empty() {
                parts.push(format!("{name}:{}", list(items)));
            }
        }
        format!("{{{}}}", parts.join(", "))
    }

    /// `BreakdownRule`: one rule per group × resource × verb (× name), or per URL × verb.
    fn breakdown(&self) -> Vec<Rule> {
        let mut out = Vec::new();
        for g in &self.api_groups {
            for r in &self.resources {
                for v in &self.verbs {
                    if self.resource_names.is_empty() {
                        out.push(Rule {
                            verbs: vec![v.clone()],
                            api_groups: vec![g.clone()],
                            resources: vec![r.clone()],
                            ..Default::default()
                        });
                    }
                    for n in &self.resource_names {
                        out.push(Rule {
                            verbs: vec![v.clone()],
                            api_groups: vec![g.clone()],
                            resources: vec![r.clone()],
                            resource_names: vec![n.clone()],
                            ..Default::default()
                        });
                    }
                }
            }
        }
        for u in &self.non_resource_urls {
            for v in &self.verbs {
                out.push(Rule { verbs: vec![v.clone()], non_resource_urls: vec![u.clone()], ..Default::default() });
            }
        }
        out
    }
}

fn has_all(owner: &[String], servant: &[String]) -> bool {
    servant.iter().all(|s| owner.contains(s))
}

fn has(owner: &[String], s: &str) -> bool {
    owner.iter().any(|o| o == s)
}

/// `ruleCovers` (component-helpers `policy_comparator.go`).
fn covers(owner: &Rule, sub: &Rule) -> bool {
    let verbs = has(&owner.verbs, "*") || has_all(&owner.verbs, &sub.verbs);
    let groups = has(&owner.api_groups, "*") || has_all(&owner.api_groups, &sub.api_groups);
    let resources = has(&owner.resources, "*")
        || has_all(&owner.resources, &sub.resources)
        || sub.resources.iter().all(|r| match r.split_once('/') {
            Some((_, subresource)) => has(&owner.resources, &format!("*/{subresource}")),
            None => has(&owner.resources, r),
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

/// The atomic rules of `servant` no owner rule covers, compacted and sorted as kube-apiserver prints them.
pub(crate) fn missing(owner: &[Rule], servant: &[Rule]) -> Vec<String> {
    let uncovered: Vec<Rule> =
        servant.iter().flat_map(Rule::breakdown).filter(|r| !owner.iter().any(|o| covers(o, r))).collect();
    // CompactRules: simple rules (one group, one resource, at most one name) merge their verbs.
    let mut simple: BTreeMap<(String, String, String), Rule> = BTreeMap::new();
    let mut out: Vec<Rule> = Vec::new();
    for r in uncovered {
        let is_simple = r.api_groups.len() == 1
            && r.resources.len() == 1
            && r.resource_names.len() <= 1
            && r.non_resource_urls.is_empty();
        if is_simple {
            let key = (
                r.api_groups[0].clone(),
                r.resources[0].clone(),
                r.resource_names.first().cloned().unwrap_or_default(),
            );
            match simple.get_mut(&key) {
                Some(existing) => existing.verbs.extend(r.verbs),
                None => {
                    simple.insert(key, r);
                }
            }
        } else {
            out.push(r);
        }
    }
    out.extend(simple.into_values());
    let mut texts: Vec<String> = out.iter().map(Rule::compact).collect();
    texts.sort();
    texts
}

fn is_master(user: &UserInfo) -> bool {
    user.groups.iter().any(|g| g == "system:masters")
}

fn allowed(
    authz: &dyn Authorizer,
    user: &UserInfo,
    verb: &str,
    group: &str,
    resource: &str,
    ns: &str,
    name: &str,
) -> bool {
    let attrs = Attributes {
        verb: verb.into(),
        resource_request: true,
        api_group: group.into(),
        api_version: "v1".into(),
        namespace: ns.into(),
        resource: resource.into(),
        name: name.into(),
        ..Default::default()
    };
    authz.authorize(user, &attrs).allowed()
}

fn owner_rules(ctx: &Ctx, ns: &str) -> Vec<Rule> {
    ctx.authz
        .rules(ctx.user, ns)
        .map(|r| r.resource_rules.iter().chain(r.non_resource_rules.iter()).map(Rule::from_json).collect())
        .unwrap_or_default()
}

fn rules_of(obj: &Value) -> Vec<Rule> {
    obj.get("rules").and_then(Value::as_array).map(|a| a.iter().map(Rule::from_json).collect()).unwrap_or_default()
}

fn refuse(def: &ResourceDef, name: &str, user: &UserInfo, missing: &[String]) -> ApiError {
    let groups: Vec<String> = user.groups.iter().map(|g| go_quote(g)).collect();
    ApiError::Forbidden {
        gr: def.gr(),
        name: name.into(),
        reason: format!(
            "user {} (groups=[{}]) is attempting to grant RBAC permissions not currently held:\n{}",
            go_quote(&user.username),
            groups.join(" "),
            missing.join("\n")
        ),
    }
}

/// What an update must leave alone to skip the checks (`IsOnlyMutatingGCFields`: only
/// finalizers and ownerReferences may change): the object without server- and GC-owned metadata.
fn without_gc_fields(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("kind");
        o.remove("apiVersion");
    }
    if let Some(m) = meta_mut(&mut v) {
        m.retain(|k, _| k == "labels" || k == "annotations");
    }
    v
}

/// Checks an RBAC write of `new` (over `old` for updates); other kinds pass.
pub(crate) fn check(ctx: &Ctx, w: &mut Writer, def: &ResourceDef, new: &Value, old: Option<&Value>) -> Result<()> {
    if def.group != RBAC || is_master(ctx.user) {
        return Ok(());
    }
    if let Some(old) = old {
        if without_gc_fields(new) == without_gc_fields(old) {
            return Ok(());
        }
    }
    let name = name_of(new);
    let ns = meta_str(new, "namespace");
    match def.resource {
        "roles" | "clusterroles" => {
            if allowed(ctx.authz, ctx.user, "escalate", RBAC, def.resource, ns, name) {
                return Ok(());
            }
            let owner = owner_rules(ctx, ns);
            let uses_aggregation = new.get("aggregationRule").is_some_and(|a| !a.is_null())
                || old.is_some_and(|o| o.get("aggregationRule").is_some_and(|a| !a.is_null()));
            if def.resource == "clusterroles" && uses_aggregation {
                let admin = [
                    Rule {
                        verbs: vec!["*".into()],
                        api_groups: vec!["*".into()],
                        resources: vec!["*".into()],
                        ..Default::default()
                    },
                    Rule { verbs: vec!["*".into()], non_resource_urls: vec!["*".into()], ..Default::default() },
                ];
                if !missing(&owner, &admin).is_empty() {
                    return Err(ApiError::Forbidden {
                        gr: def.gr(),
                        name: name.into(),
                        reason: "must have cluster-admin privileges to use the aggregationRule".into(),
                    });
                }
            }
            let gaps = missing(&owner, &rules_of(new));
            if gaps.is_empty() {
                Ok(())
            } else {
                Err(refuse(def, name, ctx.user, &gaps))
            }
        }
        "rolebindings" | "clusterrolebindings" => {
            let rr = new.get("roleRef").cloned().unwrap_or(Value::Null);
            let s = |k: &str| rr.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
            let (kind, role_name, group) = (s("kind"), s("name"), s("apiGroup"));
            let role_resource = if kind == "Role" { "roles" } else { "clusterroles" };
            if allowed(ctx.authz, ctx.user, "bind", &group, role_resource, ns, &role_name) {
                return Ok(());
            }
            let role_def = resources::find(RBAC, "v1", role_resource).ok_or(ApiError::NoRoute)?;
            let role_ns = if kind == "Role" { ns } else { "" };
            let role = w.get(role_def, role_ns, &role_name)?.ok_or_else(|| ApiError::NotFound {
                gr: GroupResource::new(RBAC, role_resource),
                name: role_name.clone(),
            })?;
            let gaps = missing(&owner_rules(ctx, ns), &rules_of(&role));
            if gaps.is_empty() {
                Ok(())
            } else {
                Err(refuse(def, name, ctx.user, &gaps))
            }
        }
        _ => Ok(()),
    }
}

/// Binding defaults (`SetDefaults_Subject`): User and Group subjects take the RBAC group.
pub(crate) fn default_subjects(def: &ResourceDef, obj: &mut Value) {
    if def.group != RBAC || !def.resource.ends_with("bindings") {
        return;
    }
    if let Some(subjects) = obj.get_mut("subjects").and_then(Value::as_array_mut) {
        for s in subjects {
            let kind = s.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
            if (kind == "User" || kind == "Group")
                && s.get("apiGroup").and_then(Value::as_str).unwrap_or_default().is_empty()
            {
                s["apiGroup"] = Value::String(RBAC.into());
            }
        }
    }
}

/// `ValidateRoleBinding`/`ValidateClusterRoleBinding` (+ `roleRef` immutability on update).
pub(crate) fn validate(def: &ResourceDef, obj: &Value, old: Option<&Value>) -> Result<()> {
    if def.group != RBAC || !def.resource.ends_with("bindings") {
        return Ok(());
    }
    let cluster = def.resource == "clusterrolebindings";
    let s = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut errors = Vec::new();
    let kind = s(obj, "/roleRef/kind");
    if cluster && kind != "ClusterRole" {
        errors.push(FieldError::not_supported("roleRef.kind", &kind, &["ClusterRole"]));
    } else if !cluster && kind != "Role" && kind != "ClusterRole" {
        errors.push(FieldError::not_supported("roleRef.kind", &kind, &["Role", "ClusterRole"]));
    }
    let role_name = s(obj, "/roleRef/name");
    if role_name.is_empty() {
        errors.push(FieldError::required("roleRef.name", ""));
    } else if !crate::attrs::valid_path_segment(&role_name) {
        errors.push(FieldError::invalid("roleRef.name", &role_name, "may not contain '/' or '%', or be '.' or '..'"));
    }
    for (i, subject) in obj.get("subjects").and_then(Value::as_array).cloned().unwrap_or_default().iter().enumerate() {
        let path = format!("subjects[{i}]");
        if s(subject, "/name").is_empty() {
            errors.push(FieldError::required(&format!("{path}.name"), ""));
        }
        let group = s(subject, "/apiGroup");
        match s(subject, "/kind").as_str() {
            "ServiceAccount" => {
                if !group.is_empty() {
                    errors.push(FieldError::not_supported(&format!("{path}.apiGroup"), &group, &[""]));
                }
                if cluster && s(subject, "/namespace").is_empty() {
                    errors.push(FieldError::required(&format!("{path}.namespace"), ""));
                }
            }
            "User" | "Group" => {
                if group != RBAC {
                    errors.push(FieldError::not_supported(&format!("{path}.apiGroup"), &group, &[RBAC]));
                }
            }
            other => errors.push(FieldError::not_supported(
                &format!("{path}.kind"),
                other,
                &["ServiceAccount", "User", "Group"],
            )),
        }
    }
    if let Some(old) = old {
        if old.get("roleRef") != obj.get("roleRef") {
            let value = format!(
                "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
                go_quote(&s(obj, "/roleRef/apiGroup")),
                go_quote(&kind),
                go_quote(&role_name)
            );
            errors.push(FieldError {
                reason: "FieldValueInvalid",
                field: "roleRef".into(),
                body: format!("Invalid value: {value}: cannot change roleRef"),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid { kind: def.kind.into(), group: def.group.into(), name: name_of(obj).into(), errors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(v: Value) -> Rule {
        Rule::from_json(&v)
    }

    #[test]
    fn coverage_and_messages() {
        let pod_reader = rule(json!({"apiGroups":[""],"resources":["pods"],"verbs":["get","list","watch"]}));
        assert!(missing(
            std::slice::from_ref(&pod_reader),
            &[rule(json!({"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}))]
        )
        .is_empty());
        assert_eq!(
            missing(
                std::slice::from_ref(&pod_reader),
                &[rule(json!({"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}))]
            ),
            vec![r#"{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}"#.to_owned()]
        );
        assert_eq!(
            missing(
                std::slice::from_ref(&pod_reader),
                &[rule(json!({"apiGroups":[""],"resources":["secrets","configmaps"],"verbs":["get","list"]}))]
            ),
            vec![
                r#"{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "list"]}"#.to_owned(),
                r#"{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}"#.to_owned(),
            ]
        );
        let star_sub = rule(json!({"apiGroups":["*"],"resources":["*/status"],"verbs":["get"]}));
        assert!(missing(
            &[star_sub],
            &[rule(json!({"apiGroups":["apps"],"resources":["deployments/status"],"verbs":["get"]}))]
        )
        .is_empty());
        let urls = rule(json!({"nonResourceURLs":["/metrics/*"],"verbs":["get"]}));
        assert!(missing(
            std::slice::from_ref(&urls),
            &[rule(json!({"nonResourceURLs":["/metrics/slis"],"verbs":["get"]}))]
        )
        .is_empty());
        assert_eq!(
            missing(&[urls], &[rule(json!({"nonResourceURLs":["/metrics"],"verbs":["get"]}))]),
            vec![r#"{NonResourceURLs:["/metrics"], Verbs:["get"]}"#.to_owned()]
        );
        let named = rule(json!({"apiGroups":[""],"resources":["configmaps"],"resourceNames":["a"],"verbs":["get"]}));
        assert!(missing(
            std::slice::from_ref(&named),
            &[rule(json!({"apiGroups":[""],"resources":["configmaps"],"resourceNames":["a"],"verbs":["get"]}))]
        )
        .is_empty());
        assert_eq!(
            missing(&[named], &[rule(json!({"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}))]).len(),
            1
        );
    }
}
