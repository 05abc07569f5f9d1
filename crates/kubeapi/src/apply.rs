//! `metadata.managedFields` and server-side apply (`application/apply-patch+yaml`,
//! kube-apiserver.md §8.4, kubectl-wire.md §4, §6.2).
//!
//! Ownership is tracked per leaf field (maps are walked, lists are atomic: a simplification of
//! structured-merge-diff's associative lists). Updates give their manager the fields they change;
//! an apply owns exactly the fields of its configuration, conflicts with other managers on fields
//! whose values it would change (unless `force=true`), and drops fields it applied before and no
//! longer applies when nobody else owns them.

use crate::crud::{self, check_name, check_namespace, check_type, commit_update, insert, Ctx, Owner, Part};
use crate::objects::{meta_mut, meta_str, rfc3339, Writer, MODIFIED_CONFLICT};
use crate::resources::ResourceDef;
use crate::status::{go_quote, ApiError, FieldError, Result, StatusCause};
use crate::{patch, KubeResponse};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use time::OffsetDateTime;

type FieldPath = Vec<String>;

/// Metadata fields that managers own; the rest of metadata is the server's.
const TRACKED_META: [&str; 4] = ["labels", "annotations", "finalizers", "ownerReferences"];

/// The part of an object whose fields have owners.
fn tracked(obj: &Value, status: bool) -> Value {
    let mut out = Map::new();
    let Some(o) = obj.as_object() else { return Value::Object(out) };
    if status {
        if let Some(s) = o.get("status") {
            out.insert("status".into(), s.clone());
        }
        return Value::Object(out);
    }
    for (k, v) in o {
        match k.as_str() {
            "apiVersion" | "kind" | "status" => {}
            "metadata" => {
                let mut m = Map::new();
                for f in TRACKED_META {
                    if let Some(x) = v.get(f) {
                        m.insert(f.into(), x.clone());
                    }
                }
                if !m.is_empty() {
                    out.insert(k.clone(), Value::Object(m));
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn leaves(v: &Value, prefix: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                prefix.push(k.clone());
                leaves(x, prefix, out);
                prefix.pop();
            }
        }
        _ => {
            if !prefix.is_empty() {
                out.insert(prefix.clone());
            }
        }
    }
}

fn leaf_set(obj: &Value, status: bool) -> BTreeSet<FieldPath> {
    let mut out = BTreeSet::new();
    leaves(&tracked(obj, status), &mut Vec::new(), &mut out);
    out
}

fn get_path<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, k| v.get(k))
}

fn remove_path(obj: &mut Value, path: &[String]) {
    let Some((last, parent)) = path.split_last() else { return };
    let mut cur = obj;
    for k in parent {
        match cur.get_mut(k) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(m) = cur.as_object_mut() {
        m.remove(last);
    }
}

/// `fieldsV1`: `{"f:data":{".":{},"f:k1":{}}}`.
fn encode_fields(set: &BTreeSet<FieldPath>) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for (i, seg) in path.iter().enumerate() {
            let entry = node.entry(format!("f:{seg}")).or_insert_with(|| json!({}));
            let Some(m) = entry.as_object_mut() else { break };
            if i + 1 < path.len() {
                m.insert(".".into(), json!({}));
            }
            node = m;
        }
    }
    Value::Object(root)
}

fn decode_fields(v: &Value, prefix: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
    let Some(m) = v.as_object() else { return };
    let children: Vec<(&String, &Value)> = m.iter().filter(|(k, _)| k.starts_with("f:")).collect();
    let list_items = m.keys().any(|k| k.starts_with("k:") || k.starts_with("v:") || k.starts_with("i:"));
    if (children.is_empty() || list_items) && !prefix.is_empty() {
        out.insert(prefix.clone());
        return;
    }
    for (k, x) in children {
        prefix.push(k[2..].to_owned());
        decode_fields(x, prefix, out);
        prefix.pop();
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
struct Managed {
    manager: String,
    operation: String,
    api_version: String,
    time: String,
    subresource: String,
    fields: BTreeSet<FieldPath>,
}

impl Managed {
    fn to_json(&self) -> Value {
        let mut v = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": encode_fields(&self.fields),
        });
        if !self.subresource.is_empty() {
            v["subresource"] = json!(self.subresource);
        }
        v
    }

    /// fieldmanager `printManager`: Update managers show their apiVersion, appliers do not.
    fn printed(&self) -> String {
        let mut s = go_quote(&self.manager);
        if !self.subresource.is_empty() {
            s = format!("{s} with subresource {}", go_quote(&self.subresource));
        }
        if self.operation == "Update" {
            s = format!("{s} using {}", self.api_version);
        }
        s
    }
}

fn entries(obj: &Value) -> Vec<Managed> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
                    let mut fields = BTreeSet::new();
                    if let Some(f) = e.get("fieldsV1") {
                        decode_fields(f, &mut Vec::new(), &mut fields);
                    }
                    Managed {
                        manager: s("manager"),
                        operation: s("operation"),
                        api_version: s("apiVersion"),
                        time: s("time"),
                        subresource: s("subresource"),
                        fields,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn store_entries(obj: &mut Value, list: Vec<Managed>) {
    let list: Vec<Value> = list.into_iter().filter(|e| !e.fields.is_empty()).map(|e| e.to_json()).collect();
    if let Some(m) = meta_mut(obj) {
        if list.is_empty() {
            m.remove("managedFields");
        } else {
            m.insert("managedFields".into(), Value::Array(list));
        }
    }
}

/// The managed fields of a created object: its creator owns everything it set.
pub(crate) fn record_create(obj: &mut Value, manager: &str, api_version: &str, now: OffsetDateTime) {
    let entry = Managed {
        manager: manager.into(),
        operation: "Update".into(),
        api_version: api_version.into(),
        time: rfc3339(now),
        subresource: String::new(),
        fields: leaf_set(obj, false),
    };
    store_entries(obj, vec![entry]);
}

/// After an update: fields that changed now belong to `manager` alone; fields gone belong to nobody.
pub(crate) fn record_update(
    old: &Value,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    now: OffsetDateTime,
    status: bool,
) {
    let old_leaves = leaf_set(old, status);
    let new_leaves = leaf_set(new, status);
    let changed: BTreeSet<FieldPath> = new_leaves
        .iter()
        .filter(|p| get_path(old, p) != get_path(new, p) || !old_leaves.contains(*p))
        .cloned()
        .collect();
    let all_new: BTreeSet<FieldPath> = leaf_set(new, false).union(&leaf_set(new, true)).cloned().collect();
    let sub = if status { "status" } else { "" };
    let mut list = entries(old);
    for e in &mut list {
        e.fields.retain(|p| all_new.contains(p) && !changed.contains(p));
    }
    match list.iter_mut().find(|e| e.manager == manager && e.operation == "Update" && e.subresource == sub) {
        Some(e) => {
            e.fields.extend(changed);
            e.time = rfc3339(now);
            e.api_version = api_version.into();
        }
        None => list.push(Managed {
            manager: manager.into(),
            operation: "Update".into(),
            api_version: api_version.into(),
            time: rfc3339(now),
            subresource: sub.into(),
            fields: changed,
        }),
    }
    store_entries(new, list);
}

fn path_text(p: &[String]) -> String {
    p.iter().map(|s| format!(".{s}")).collect()
}

/// The 409 of an apply that would change fields other managers own (fieldmanager `NewConflictError`).
fn conflict_error(conflicts: &[(Managed, FieldPath)]) -> ApiError {
    let causes = conflicts
        .iter()
        .map(|(m, p)| StatusCause {
            reason: "FieldManagerConflict".into(),
            message: format!("conflict with {}", m.printed()),
            field: path_text(p),
        })
        .collect();
    let n = conflicts.len();
    let detail = if n == 1 {
        format!("conflict with {}: {}", conflicts[0].0.printed(), path_text(&conflicts[0].1))
    } else {
        let mut managers: Vec<String> = conflicts.iter().map(|(m, _)| m.printed()).collect();
        managers.sort();
        managers.dedup();
        let mut lines = Vec::new();
        for m in managers {
            lines.push(format!("conflicts with {m}:"));
            for (_, p) in conflicts.iter().filter(|(c, _)| c.printed() == m) {
                lines.push(format!("- {}", path_text(p)));
            }
        }
        lines.join("\n")
    };
    let plural = if n == 1 { "" } else { "s" };
    ApiError::ApplyConflict { message: format!("Apply failed with {n} conflict{plural}: {detail}"), causes }
}

fn owns(e: &Managed, p: &FieldPath) -> bool {
    e.fields.iter().any(|f| f.starts_with(p) || p.starts_with(f))
}

/// `PATCH` with `application/apply-patch+yaml`.
pub(crate) fn server_side_apply(ctx: &Ctx, def: &ResourceDef, ns: &str, name: &str) -> Result<KubeResponse> {
    let manager = match ctx.query.get("fieldManager") {
        Some(m) if !m.is_empty() => m.to_owned(),
        _ => {
            return Err(ApiError::Invalid {
                kind: "PatchOptions".into(),
                group: "meta.k8s.io".into(),
                name: String::new(),
                errors: vec![FieldError::required("fieldManager", "is required for apply patch")],
            })
        }
    };
    let force = ctx.query.flag("force");
    let mut body = crud::parse_yaml_or_json(&ctx.req.body)?;
    let configuration = body.clone();
    check_type(def, &mut body)?;
    check_name(&body, name)?;
    check_namespace(def, ns, &mut body)?;
    if let Some(m) = meta_mut(&mut body) {
        m.insert("name".into(), json!(name));
    }
    let api_version = def.api_version();
    let applied = leaf_set(&body, false);
    let apply_entry = |now: OffsetDateTime| Managed {
        manager: manager.clone(),
        operation: "Apply".into(),
        api_version: api_version.clone(),
        time: rfc3339(now),
        subresource: String::new(),
        fields: applied.clone(),
    };
    let dry = ctx.dry_run();
    let mut kept = None;
    let out = ctx.store.write(|tx| {
        let mut w = Writer::new(tx, &ctx.cluster.id);
        let input =
            ApplyInput { body: &body, configuration: &configuration, manager: &manager, force, applied: &applied };
        let result = apply_in(ctx, &mut w, def, ns, name, &input, apply_entry(ctx.now));
        let v = result?;
        if dry {
            kept = Some(v);
            return Err(ApiError::Internal("dry run".into()));
        }
        w.finish()?;
        Ok(v)
    });
    let (obj, code) = match (out, kept) {
        (_, Some(v)) => v,
        (out, None) => out?,
    };
    crud::object_response(ctx, def, &obj, code)
}

/// What one apply request brings.
struct ApplyInput<'a> {
    /// The configuration with `kind`, `apiVersion`, name and namespace checked and set.
    body: &'a Value,
    /// The configuration as sent (the server's last-applied sync encodes this one).
    configuration: &'a Value,
    manager: &'a str,
    force: bool,
    /// The leaf fields of the configuration.
    applied: &'a BTreeSet<FieldPath>,
}

/// The kubectl client-side apply annotation.
pub(crate) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `v` with every map's keys sorted, as Go marshals a `map[string]interface{}`.
fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted_keys(&m[k]))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// Go's `json.Encoder` output: keys sorted, HTML-escaped, newline-terminated (how
/// `UnstructuredJSONScheme` encodes, and so how kubectl and the server write the last-applied
/// annotation).
fn go_json_line(v: &Value) -> String {
    let text = sorted_keys(v).to_string();
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// The apiserver's `lastAppliedUpdater`: an apply by the field manager `kubectl` to an object
/// that carries the client-side apply annotation rewrites the annotation to the applied
/// configuration (itself without the annotation), so a later client-side `apply` diffs against
/// what was applied last.
fn sync_last_applied(merged: &mut Value, configuration: &Value, manager: &str) {
    let live = merged.pointer("/metadata/annotations").and_then(|a| a.get(LAST_APPLIED)).and_then(Value::as_str);
    if manager != "kubectl" || live.is_none_or(str::is_empty) {
        return;
    }
    let mut config = configuration.clone();
    if let Some(annotations) = config.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        annotations.remove(LAST_APPLIED);
    }
    let text = go_json_line(&config);
    if let Some(annotations) = merged.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        annotations.insert(LAST_APPLIED.into(), json!(text));
    }
}

fn apply_in(
    ctx: &Ctx,
    w: &mut Writer,
    def: &ResourceDef,
    ns: &str,
    name: &str,
    input: &ApplyInput,
    entry: Managed,
) -> Result<(Value, u16)> {
    let ApplyInput { body, manager, force, applied, .. } = *input;
    let Some(old) = w.get(def, ns, name)? else {
        let mut obj = body.clone();
        crud::prepare_create(def, &mut obj, ctx.now)?;
        store_entries(&mut obj, vec![entry]);
        crate::escalation::check(ctx, w, def, &obj, None)?;
        insert(w, ctx.cluster, def, &mut obj, false)?;
        return Ok((obj, 201));
    };
    let rv = meta_str(body, "resourceVersion");
    if !rv.is_empty() && rv != meta_str(&old, "resourceVersion") {
        return Err(ApiError::Conflict { gr: def.gr(), name: name.into(), detail: MODIFIED_CONFLICT.into() });
    }
    let mut list = entries(&old);
    let is_me = |e: &Managed| e.manager == manager && e.operation == "Apply" && e.subresource.is_empty();
    let mut conflicts = Vec::new();
    for p in applied {
        let live = get_path(&old, p);
        if live.is_none() || live == get_path(body, p) {
            continue;
        }
        for e in list.iter().filter(|e| !is_me(e) && e.subresource.is_empty()) {
            if owns(e, p) {
                conflicts.push((e.clone(), p.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflict_error(&conflicts));
    }
    let mut config = body.clone();
    if let Some(m) = meta_mut(&mut config) {
        m.remove("resourceVersion");
        m.remove("managedFields");
    }
    let mut merged = patch::strategic_merge(def.kind, &old, &config).map_err(ApiError::BadRequest)?;
    let previous: BTreeSet<FieldPath> = list.iter().filter(|e| is_me(e)).flat_map(|e| e.fields.clone()).collect();
    for p in previous.difference(applied) {
        if !list.iter().any(|e| !is_me(e) && owns(e, p)) {
            remove_path(&mut merged, p);
        }
    }
    for (_, p) in &conflicts {
        for e in list.iter_mut().filter(|e| !is_me(e)) {
            e.fields.retain(|f| !(f.starts_with(p) || p.starts_with(f)));
        }
    }
    list.retain(|e| !is_me(e));
    list.push(entry);
    let present: BTreeSet<FieldPath> = leaf_set(&merged, false).union(&leaf_set(&merged, true)).cloned().collect();
    for e in &mut list {
        e.fields.retain(|p| present.contains(p));
    }
    sync_last_applied(&mut merged, input.configuration, manager);
    crate::escalation::check(ctx, w, def, &merged, Some(&old))?;
    let new = commit_update(w, def, &old, merged, Part::Main, Owner::Apply(entries_json(list)), ctx.now)?;
    Ok((new, 200))
}

fn entries_json(list: Vec<Managed>) -> Value {
    Value::Array(list.into_iter().filter(|e| !e.fields.is_empty()).map(|e| e.to_json()).collect())
}

/// Whether two `managedFields` values record the same ownership (times aside).
pub(crate) fn same_ownership(a: Option<&Value>, b: &Value) -> bool {
    let parse = |v: Option<&Value>| {
        let obj = json!({"metadata": {"managedFields": v.cloned().unwrap_or(Value::Null)}});
        strip_times(&entries(&obj))
    };
    parse(a) == parse(Some(b))
}

fn strip_times(list: &[Managed]) -> Vec<Managed> {
    list.iter().filter(|e| !e.fields.is_empty()).map(|e| Managed { time: String::new(), ..e.clone() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_apply_syncs_the_client_side_annotation() {
        let config = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"zz","namespace":"default"},"data":{"k":"<a&b>"}});
        let with = |text: &str| json!({"metadata":{"name":"zz","annotations":{LAST_APPLIED: text, "other": "x"}},"data":{"k":"<a&b>"}});
        let mut merged = with("{\"old\":true}\n");
        sync_last_applied(&mut merged, &config, "kubectl");
        assert_eq!(
            merged,
            with("{\"apiVersion\":\"v1\",\"data\":{\"k\":\"\\u003ca\\u0026b\\u003e\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"zz\",\"namespace\":\"default\"}}\n")
        );
        // Another manager, or an object without the annotation: untouched.
        let mut other = with("{}\n");
        sync_last_applied(&mut other, &config, "ops");
        assert_eq!(other, with("{}\n"));
        let mut bare = json!({"metadata":{"name":"zz"}});
        sync_last_applied(&mut bare, &config, "kubectl");
        assert_eq!(bare, json!({"metadata":{"name":"zz"}}));
    }

    #[test]
    fn fields_v1_round_trip() {
        let obj = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"a":"1"}},"data":{"k1":"v1","k2":"v2"}});
        let set = leaf_set(&obj, false);
        let enc = encode_fields(&set);
        assert_eq!(
            enc,
            json!({"f:data":{".":{},"f:k1":{},"f:k2":{}},"f:metadata":{".":{},"f:labels":{".":{},"f:a":{}}}})
        );
        let mut back = BTreeSet::new();
        decode_fields(&enc, &mut Vec::new(), &mut back);
        assert_eq!(back, set);
    }

    #[test]
    fn conflict_messages() {
        let csa = Managed {
            manager: "kubectl-client-side-apply".into(),
            operation: "Update".into(),
            api_version: "v1".into(),
            time: String::new(),
            subresource: String::new(),
            fields: BTreeSet::new(),
        };
        let p = vec!["data".to_owned(), "k1".to_owned()];
        match conflict_error(&[(csa.clone(), p.clone())]) {
            ApiError::ApplyConflict { message, causes } => {
                assert_eq!(
                    message,
                    "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.k1"
                );
                assert_eq!(causes[0].reason, "FieldManagerConflict");
                assert_eq!(causes[0].message, "conflict with \"kubectl-client-side-apply\" using v1");
                assert_eq!(causes[0].field, ".data.k1");
            }
            other => panic!("{other:?}"),
        }
        let p2 = vec!["data".to_owned(), "k2".to_owned()];
        match conflict_error(&[(csa.clone(), p), (csa, p2)]) {
            ApiError::ApplyConflict { message, .. } => assert_eq!(
                message,
                "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using v1:\n- .data.k1\n- .data.k2"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn updates_take_changed_fields() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut old = json!({"metadata":{"name":"x"},"data":{"a":"1","b":"2"}});
        record_create(&mut old, "kubectl-create", "v1", now);
        let mut new = json!({"metadata":{"name":"x","managedFields":old["metadata"]["managedFields"].clone()},"data":{"a":"9","b":"2"}});
        record_update(&old, &mut new, "kubectl-edit", "v1", now, false);
        let list = entries(&new);
        let creator = list.iter().find(|e| e.manager == "kubectl-create").unwrap();
        let editor = list.iter().find(|e| e.manager == "kubectl-edit").unwrap();
        assert!(creator.fields.contains(&vec!["data".to_owned(), "b".to_owned()]));
        assert!(!creator.fields.contains(&vec!["data".to_owned(), "a".to_owned()]));
        assert_eq!(editor.fields.iter().cloned().collect::<Vec<_>>(), vec![vec!["data".to_owned(), "a".to_owned()]]);
    }
}
