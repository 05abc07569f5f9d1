//! PATCH bodies (kube-apiserver.md §8.4): RFC 7386 merge patch, RFC 6902 JSON patch (the
//! `json-patch` crate) and strategic merge patch, which has no well-kept crate and is ours:
//! maps merge, `null` deletes, lists with a `patchMergeKey` merge element by element, other lists
//! are replaced, and the `$patch`, `$retainKeys`, `$setElementOrder/…` and
//! `$deleteFromPrimitiveList/…` directives work as kubectl sends them.

use serde_json::{Map, Value};

/// RFC 7386 merge patch, in place.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    if let Value::Object(p) = patch {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        if let Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

/// RFC 6902 JSON patch, in place.
pub(crate) fn json_patch(target: &mut Value, patch: &Value) -> Result<(), String> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone()).map_err(|e| e.to_string())?;
    json_patch::patch(target, &ops).map_err(|e| e.to_string())
}

/// How a list merges under strategic merge patch (the `patchStrategy`/`patchMergeKey` tags of the
/// built-in Go types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListStrategy {
    /// The patch's list replaces the live one.
    Replace,
    /// Elements merge by this key; new keys are appended.
    MergeKey(&'static str),
    /// A set of primitives (`finalizers`).
    MergePrimitive,
}

/// Where a kind keeps its PodSpec.
fn pod_spec_prefix(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicationController" => {
            &["spec", "template", "spec"]
        }
        "PodTemplate" => &["template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// The strategy of the list at `path` (field names from the object root, list indices omitted).
pub(crate) fn list_strategy(kind: &str, path: &[String]) -> ListStrategy {
    use ListStrategy::*;
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    if p.ends_with(&["metadata", "finalizers"]) {
        return MergePrimitive;
    }
    if p.ends_with(&["metadata", "ownerReferences"]) {
        return MergeKey("uid");
    }
    match (kind, p.as_slice()) {
        (_, ["status", "conditions"]) => return MergeKey("type"),
        ("Node", ["status", "addresses"]) => return MergeKey("type"),
        ("Service", ["spec", "ports"]) => return MergeKey("port"),
        ("ServiceAccount", ["secrets"]) => return MergeKey("name"),
        _ => {}
    }
    if let Some(prefix) = pod_spec_prefix(kind) {
        if p.starts_with(prefix) {
            match &p[prefix.len()..] {
                [l] if CONTAINER_LISTS.contains(l) => return MergeKey("name"),
                ["imagePullSecrets" | "volumes" | "resourceClaims" | "schedulingGates"] => return MergeKey("name"),
                ["hostAliases"] => return MergeKey("ip"),
                ["topologySpreadConstraints"] => return MergeKey("topologyKey"),
                [l, "env"] if CONTAINER_LISTS.contains(l) => return MergeKey("name"),
                [l, "ports"] if CONTAINER_LISTS.contains(l) => return MergeKey("containerPort"),
                [l, "volumeMounts"] if CONTAINER_LISTS.contains(l) => return MergeKey("mountPath"),
                [l, "volumeDevices"] if CONTAINER_LISTS.contains(l) => return MergeKey("devicePath"),
                _ => {}
            }
        }
    }
    Replace
}

/// Applies a strategic merge patch for an object of `kind`.
pub(crate) fn strategic_merge(kind: &str, original: &Value, patch: &Value) -> Result<Value, String> {
    let (Value::Object(o), Value::Object(p)) = (original, patch) else {
        return Err("strategic merge patch body must be a JSON object".into());
    };
    let mut path = Vec::new();
    Ok(Value::Object(merge_map(kind, &mut path, o, p)?.unwrap_or_default()))
}

const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";

/// Merges `patch` into `orig`; `None` when the patch deletes the map (`$patch: delete`).
fn merge_map(
    kind: &str,
    path: &mut Vec<String>,
    orig: &Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Option<Map<String, Value>>, String> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut m = patch.clone();
            m.remove("$patch");
            return Ok(Some(strip_map(&m)));
        }
        Some("delete") => return Ok(None),
        Some("merge") | None => {}
        Some(other) => return Err(format!("unknown patch type: {other}")),
    }
    let mut result = orig.clone();
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        result.retain(|k, _| keep.contains(&k.as_str()));
    }
    let mut orders = Vec::new();
    for (k, v) in patch {
        if let Some(field) = k.strip_prefix(DELETE_PRIMITIVE) {
            if let (Some(Value::Array(list)), Value::Array(drop)) = (result.get_mut(field), v) {
                list.retain(|x| !drop.contains(x));
            }
            continue;
        }
        if let Some(field) = k.strip_prefix(SET_ORDER) {
            orders.push((field.to_owned(), v));
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            result.remove(k);
            continue;
        }
        path.push(k.clone());
        let merged = match (result.get(k), v) {
            (Some(Value::Object(o)), Value::Object(p)) => merge_map(kind, path, o, p)?.map(Value::Object),
            (None, Value::Object(p)) => merge_map(kind, path, &Map::new(), p)?.map(Value::Object),
            (Some(Value::Array(o)), Value::Array(p)) => Some(Value::Array(merge_list(kind, path, o, p)?)),
            (None, Value::Array(p)) => Some(Value::Array(merge_list(kind, path, &[], p)?)),
            (_, v) => Some(strip(v)),
        };
        path.pop();
        match merged {
            Some(m) => {
                result.insert(k.clone(), m);
            }
            None => {
                result.remove(k);
            }
        }
    }
    for (field, order) in orders {
        path.push(field.clone());
        let strategy = list_strategy(kind, path);
        path.pop();
        if let (Some(Value::Array(list)), Value::Array(order)) = (result.get_mut(&field), order) {
            reorder(list, order, strategy);
        }
    }
    Ok(Some(result))
}

fn merge_list(kind: &str, path: &mut Vec<String>, orig: &[Value], patch: &[Value]) -> Result<Vec<Value>, String> {
    let is_directive =
        |v: &Value, d: &str| v.as_object().is_some_and(|m| m.get("$patch").and_then(Value::as_str) == Some(d));
    if patch.iter().any(|v| is_directive(v, "replace") && v.as_object().is_some_and(|m| m.len() == 1)) {
        return Ok(patch.iter().filter(|v| !is_directive(v, "replace")).map(strip).collect());
    }
    match list_strategy(kind, path) {
        ListStrategy::Replace => Ok(patch.iter().map(strip).collect()),
        ListStrategy::MergePrimitive => {
            let mut out = orig.to_vec();
            for p in patch {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
            Ok(out)
        }
        ListStrategy::MergeKey(key) => {
            let mut out = orig.to_vec();
            for p in patch {
                let Value::Object(pm) = p else {
                    out.push(p.clone());
                    continue;
                };
                let Some(kv) = pm.get(key) else {
                    return Err(format!("map: {p} does not contain declared merge key: {key}"));
                };
                let pos = out.iter().position(|o| o.get(key) == Some(kv));
                if is_directive(p, "delete") {
                    out.retain(|o| o.get(key) != Some(kv));
                    continue;
                }
                match pos {
                    Some(i) => {
                        let base = out[i].as_object().cloned().unwrap_or_default();
                        match merge_map(kind, path, &base, pm)? {
                            Some(m) => out[i] = Value::Object(m),
                            None => {
                                out.remove(i);
                            }
                        }
                    }
                    None => {
                        if let Some(m) = merge_map(kind, path, &Map::new(), pm)? {
                            out.push(Value::Object(m));
                        }
                    }
                }
            }
            Ok(out)
        }
    }
}

/// Puts the elements named in `order` first, in that order; the rest keep their relative order.
fn reorder(list: &mut Vec<Value>, order: &[Value], strategy: ListStrategy) {
    let matches = |item: &Value, o: &Value| match strategy {
        ListStrategy::MergeKey(key) => item.get(key).is_some() && item.get(key) == o.get(key),
        _ => item == o,
    };
    let mut rest = std::mem::take(list);
    for o in order {
        if let Some(i) = rest.iter().position(|item| matches(item, o)) {
            list.push(rest.remove(i));
        }
    }
    list.append(&mut rest);
}

/// A value with every `$` directive removed (values the patch adds rather than merges).
fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(strip_map(m)),
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|x| !x.as_object().is_some_and(|m| m.len() == 1 && m.contains_key("$patch")))
                .map(strip)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn strip_map(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter().filter(|(k, _)| !k.starts_with('$')).map(|(k, v)| (k.clone(), strip(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(kind: &str, original: Value, patch: Value, want: Value) {
        let got = strategic_merge(kind, &original, &patch).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, want, "patch {patch}");
    }

    #[test]
    fn configmap_data_merges_and_null_deletes() {
        check(
            "ConfigMap",
            json!({"data": {"k1": "v1", "gone": "x"}, "metadata": {"name": "demo", "annotations": {"a": "1"}}}),
            json!({"data": {"k1": "v1changed", "k2": "v2", "gone": null}, "metadata": {"annotations": {"b": "2"}}}),
            json!({"data": {"k1": "v1changed", "k2": "v2"}, "metadata": {"name": "demo", "annotations": {"a": "1", "b": "2"}}}),
        );
    }

    #[test]
    fn service_ports_merge_by_port() {
        let svc = json!({"spec": {"ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]}});
        check(
            "Service",
            svc.clone(),
            json!({"spec": {"ports": [{"port": 443, "targetPort": 8443}, {"name": "http", "port": 80}]}}),
            json!({"spec": {"ports": [
                {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443},
                {"name": "http", "port": 80}]}}),
        );
        check(
            "Service",
            svc.clone(),
            json!({"spec": {"ports": [{"port": 443, "$patch": "delete"}]}}),
            json!({"spec": {"ports": []}}),
        );
        check(
            "Service",
            svc,
            json!({"spec": {"ports": [{"port": 80}, {"$patch": "replace"}]}}),
            json!({"spec": {"ports": [{"port": 80}]}}),
        );
    }

    #[test]
    fn deployment_containers_merge_by_name() {
        let dep = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}], "args": ["x"]},
            {"name": "sidecar", "image": "side:1"}]}}}});
        check(
            "Deployment",
            dep.clone(),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}], "args": ["y"]}]}}}}),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "app:2", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "args": ["y"]},
                {"name": "sidecar", "image": "side:1"}]}}}}),
        );
        check(
            "Deployment",
            dep.clone(),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}], "args": ["x"]}]}}}}),
        );
        check(
            "Deployment",
            dep,
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
                "containers": [{"name": "sidecar", "image": "side:2"}]}}}}),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "sidecar", "image": "side:2"},
                {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}], "args": ["x"]}]}}}}),
        );
    }

    #[test]
    fn directives() {
        check(
            "ConfigMap",
            json!({"data": {"a": "1", "b": "2"}}),
            json!({"data": {"$patch": "replace", "c": "3"}}),
            json!({"data": {"c": "3"}}),
        );
        check("ConfigMap", json!({"data": {"a": "1"}, "x": 1}), json!({"data": {"$patch": "delete"}}), json!({"x": 1}));
        check(
            "Deployment",
            json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
        );
        check(
            "ConfigMap",
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]}}),
            json!({"metadata": {"finalizers": ["b", "c"]}}),
        );
        check(
            "Pod",
            json!({"spec": {"tolerations": [{"key": "a"}]}}),
            json!({"spec": {"tolerations": [{"key": "b"}]}}),
            json!({"spec": {"tolerations": [{"key": "b"}]}}),
        );
    }

    #[test]
    fn missing_merge_key_is_an_error() {
        assert!(strategic_merge(
            "Service",
            &json!({"spec": {"ports": []}}),
            &json!({"spec": {"ports": [{"name": "x"}]}})
        )
        .is_err());
        assert!(strategic_merge("ConfigMap", &json!({}), &json!({"$patch": "bogus"})).is_err());
    }

    #[test]
    fn merge_patch_rfc7386() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (
                json!({"metadata": {"labels": {"x": "1"}}}),
                json!({"metadata": {"labels": {"y": "2"}}}),
                json!({"metadata": {"labels": {"x": "1", "y": "2"}}}),
            ),
        ];
        for (mut target, patch, want) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, want);
        }
    }

    #[test]
    fn json_patch_rfc6902() {
        let mut doc = json!({"data": {"a": "1"}});
        json_patch(
            &mut doc,
            &json!([{"op": "add", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/a"}]),
        )
        .unwrap();
        assert_eq!(doc, json!({"data": {"b": "2"}}));
        assert!(json_patch(&mut doc, &json!([{"op": "test", "path": "/data/b", "value": "3"}])).is_err());
        assert!(json_patch(&mut doc, &json!({"op": "add"})).is_err());
    }
}
