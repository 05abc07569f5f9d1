//! ClusterRole aggregation (`kube-apiserver.md` §3.4), as the
//! clusterrole-aggregation controller does it: for each selector of an
//! `aggregationRule`, the matching ClusterRoles in name order (itself
//! excluded), their rules appended unless already present. Aggregates chain
//! (`view` → `edit` → `admin`), so the computation repeats until nothing
//! changes.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{decode, nullable, nullable_map, PolicyRule, StoredRole};

/// A `metav1.LabelSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `matchLabels`: all must be equal.
    #[serde(default, deserialize_with = "nullable_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`: all must hold.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// The values (`In`/`NotIn` need some, `Exists`/`DoesNotExist` none).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// `LabelSelectorAsSelector(s).Matches(labels)`: an empty selector matches
    /// everything; `Err` for an invalid requirement (the controller then
    /// leaves the role alone).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> Result<bool, String> {
        let mut ok = self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v));
        for r in &self.match_expressions {
            let value = labels.get(&r.key);
            let holds = match (r.operator.as_str(), r.values.is_empty()) {
                ("In", false) => value.is_some_and(|v| r.values.contains(v)),
                ("NotIn", false) => value.is_none_or(|v| !r.values.contains(v)),
                ("Exists", true) => value.is_some(),
                ("DoesNotExist", true) => value.is_none(),
                ("In" | "NotIn", true) => return Err("for 'in', 'notin' operators, values set can't be empty".into()),
                ("Exists" | "DoesNotExist", false) => {
                    return Err("values set must be empty for exists and does not exist".into())
                }
                (other, _) => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            ok &= holds;
        }
        Ok(ok)
    }
}

struct Role {
    name: String,
    labels: BTreeMap<String, String>,
    selectors: Option<Vec<LabelSelector>>,
}

/// The aggregated rules of every ClusterRole (decoded from stored objects;
/// undecodable ones are reported in `skipped`).
pub(super) fn aggregate_all(cluster_roles: &[Value], skipped: &mut Vec<String>) -> HashMap<String, Vec<PolicyRule>> {
    let mut roles = Vec::new();
    let mut rules: HashMap<String, Vec<PolicyRule>> = HashMap::new();
    for v in cluster_roles {
        if let Some(r) = decode::<StoredRole>("ClusterRole", v, skipped) {
            rules.insert(r.metadata.name.clone(), r.rules);
            roles.push(Role {
                name: r.metadata.name,
                labels: r.metadata.labels,
                selectors: r.aggregation_rule.map(|a| a.cluster_role_selectors),
            });
        }
    }
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    // Each pass settles at least one more link of any chain.
    for _ in 0..=roles.len() {
        let mut changed = false;
        for role in &roles {
            let Some(selectors) = &role.selectors else { continue };
            let Some(new) = aggregated(role, selectors, &roles, &rules) else { continue };
            if rules.get(&role.name) != Some(&new) {
                rules.insert(role.name.clone(), new);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    rules
}

fn aggregated(
    role: &Role,
    selectors: &[LabelSelector],
    roles: &[Role],
    rules: &HashMap<String, Vec<PolicyRule>>,
) -> Option<Vec<PolicyRule>> {
    let mut out: Vec<PolicyRule> = Vec::new();
    for selector in selectors {
        for other in roles {
            if other.name == role.name || !selector.matches(&other.labels).ok()? {
                continue;
            }
            for rule in rules.get(&other.name).into_iter().flatten() {
                if !out.contains(rule) {
                    out.push(rule.clone());
                }
            }
        }
    }
    Some(out)
}

/// The rules the aggregation controller would store, for every ClusterRole
/// with an `aggregationRule` (by name). eksim writes them back on every
/// ClusterRole create, update or delete.
pub fn aggregate_cluster_roles(cluster_roles: &[Value]) -> BTreeMap<String, Vec<PolicyRule>> {
    let aggregating: Vec<String> = cluster_roles
        .iter()
        .filter(|v| v.get("aggregationRule").is_some_and(|a| !a.is_null()))
        .filter_map(|v| v.pointer("/metadata/name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut all = aggregate_all(cluster_roles, &mut Vec::new());
    aggregating.into_iter().filter_map(|name| all.remove(&name).map(|rules| (name, rules))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn req(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.to_owned(),
            operator: operator.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let l = labels(&[("a", "1"), ("b", "2")]);
        let sel = |m: &[(&str, &str)], e: Vec<LabelSelectorRequirement>| LabelSelector {
            match_labels: labels(m),
            match_expressions: e,
        };
        assert_eq!(sel(&[], vec![]).matches(&l), Ok(true));
        assert_eq!(sel(&[("a", "1")], vec![]).matches(&l), Ok(true));
        assert_eq!(sel(&[("a", "2")], vec![]).matches(&l), Ok(false));
        assert_eq!(sel(&[], vec![req("a", "In", &["1", "3"])]).matches(&l), Ok(true));
        assert_eq!(sel(&[], vec![req("c", "NotIn", &["1"])]).matches(&l), Ok(true));
        assert_eq!(sel(&[], vec![req("b", "NotIn", &["2"])]).matches(&l), Ok(false));
        assert_eq!(sel(&[], vec![req("b", "Exists", &[])]).matches(&l), Ok(true));
        assert_eq!(sel(&[], vec![req("b", "DoesNotExist", &[])]).matches(&l), Ok(false));
        assert!(sel(&[], vec![req("b", "In", &[])]).matches(&l).is_err());
        assert!(sel(&[], vec![req("b", "Gt", &["1"])]).matches(&l).is_err());
    }

    #[test]
    fn aggregation_chains_and_deduplicates() {
        let role = |name: &str, labels: serde_json::Value, rules: serde_json::Value, agg: Option<&str>| {
            let mut v = serde_json::json!({"metadata": {"name": name, "labels": labels}, "rules": rules});
            if let Some(key) = agg {
                v["aggregationRule"] = serde_json::json!({"clusterRoleSelectors": [{"matchLabels": {key: "true"}}]});
            }
            v
        };
        let pods = serde_json::json!([{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]);
        let cms = serde_json::json!([{"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"]}]);
        let objects = vec![
            role("top", serde_json::json!({}), serde_json::json!(null), Some("to-top")),
            role("mid", serde_json::json!({"to-top": "true"}), serde_json::json!([]), Some("to-mid")),
            role("a", serde_json::json!({"to-mid": "true"}), pods.clone(), None),
            role("b", serde_json::json!({"to-mid": "true", "to-top": "true"}), pods, None),
            role("c", serde_json::json!({"to-top": "true"}), cms, None),
        ];
        let got = aggregate_cluster_roles(&objects);
        let pods = PolicyRule::resource(&[""], &["pods"], &["get"]);
        let cms = PolicyRule::resource(&[""], &["configmaps"], &["get"]);
        assert_eq!(got.get("mid"), Some(&vec![pods.clone()]));
        // b, c, mid in name order: b's pods rule, c's configmaps rule, mid's pods rule deduplicated.
        assert_eq!(got.get("top"), Some(&vec![pods, cms]));
        assert_eq!(got.len(), 2);
    }
}
