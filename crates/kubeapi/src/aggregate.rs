//! The ClusterRole aggregation controller (kube-apiserver.md §3.4), run inside the write that
//! changed a ClusterRole: every ClusterRole with `aggregationRule.clusterRoleSelectors` gets as
//! `rules` the deduplicated union of the rules of the other ClusterRoles its selectors match, in
//! name order. Chains (`view` → `edit` → `admin`) settle by repeating until nothing changes.

use crate::objects::{name_of, Writer};
use crate::resources;
use crate::selectors::labels_of;
use crate::status::Result;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `metav1.LabelSelector` (`matchLabels` + `matchExpressions`) against a label map.
pub(crate) fn selector_matches(sel: &Value, labels: &BTreeMap<String, String>) -> bool {
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        if !m.iter().all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str()) {
            return false;
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = labels.get(key).map(String::as_str);
            let ok = match e.get("operator").and_then(Value::as_str).unwrap_or_default() {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// Recomputes aggregated ClusterRoles until they are stable (at most 10 rounds).
pub(crate) fn reaggregate(w: &mut Writer) -> Result<()> {
    let Some(def) = resources::find("rbac.authorization.k8s.io", "v1", "clusterroles") else { return Ok(()) };
    for _ in 0..10 {
        let roles = w.list(def, None)?;
        let mut changed = false;
        for role in roles.iter().filter(|r| r.pointer("/aggregationRule/clusterRoleSelectors").is_some()) {
            let selectors = role
                .pointer("/aggregationRule/clusterRoleSelectors")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut rules: Vec<Value> = Vec::new();
            // `roles` is in key order, which is name order for cluster-scoped objects.
            for other in roles.iter().filter(|o| name_of(o) != name_of(role)) {
                let labels = labels_of(other);
                if !selectors.iter().any(|s| selector_matches(s, &labels)) {
                    continue;
                }
                for rule in other.get("rules").and_then(Value::as_array).cloned().unwrap_or_default() {
                    if !rules.contains(&rule) {
                        rules.push(rule);
                    }
                }
            }
            let current = role.get("rules").cloned().unwrap_or_else(|| json!([]));
            if current != json!(rules) {
                let mut updated = role.clone();
                updated["rules"] = json!(rules);
                w.put(def, &mut updated, Some(role))?;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selector_objects() {
        let labels: BTreeMap<String, String> =
            [("rbac.authorization.k8s.io/aggregate-to-view".to_owned(), "true".to_owned())].into_iter().collect();
        assert!(selector_matches(
            &json!({"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}),
            &labels
        ));
        assert!(!selector_matches(&json!({"matchLabels": {"example.com/agg": "mon"}}), &labels));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "rbac.authorization.k8s.io/aggregate-to-view", "operator": "In", "values": ["true"]}]}),
            &labels
        ));
        assert!(selector_matches(&json!({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]}), &labels));
        assert!(!selector_matches(&json!({"matchExpressions": [{"key": "x", "operator": "Exists"}]}), &labels));
    }
}
