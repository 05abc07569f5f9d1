//! Objects in the store: key layout, `resourceVersion` from the store's revisions, metadata the
//! server owns (uid, creationTimestamp, generation, generateName), name validation with
//! apimachinery's wording, and the change log that watches read (kube-apiserver.md §8.1, §8.3).
//!
//! Layout: `kube/{cluster}/{group|core}/{resource}/{namespace|_}/{name}` holds the object's JSON
//! without `resourceVersion` (it is the key's `mod_rev`, injected on read). Each write transaction
//! appends its events as one JSON array at `kube/{cluster}/~events/{revision:020}`; entries older
//! than [`RETAINED_REVISIONS`] are pruned and `kube/{cluster}/~compacted` records the newest
//! pruned revision, so a watch from before it gets `410 Expired`.
//!
//! **Architecture Invariant:** every write to `kube/{cluster}/` goes through [`Writer`], so the
//! change log is complete and a watch sees every change.

use crate::resources::ResourceDef;
use crate::status::{ApiError, FieldError, Result};
use eksim_store::Txn;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Conflict detail for a stale `resourceVersion` (apimachinery `OptimisticLockErrorMsg`).
pub(crate) const MODIFIED_CONFLICT: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// How many revisions of change log a watch can resume from.
pub(crate) const RETAINED_REVISIONS: i64 = 10_000;

/// `kube/{cluster}/`.
pub(crate) fn cluster_prefix(cluster: &str) -> String {
    format!("kube/{cluster}/")
}

/// Prefix of a collection, across namespaces when `ns` is `None` or empty.
pub(crate) fn collection_prefix(cluster: &str, def: &ResourceDef, ns: Option<&str>) -> String {
    match ns.filter(|n| !n.is_empty()) {
        Some(ns) if def.namespaced => format!("kube/{cluster}/{}/{}/{ns}/", def.group_segment(), def.resource),
        _ => format!("kube/{cluster}/{}/{}/", def.group_segment(), def.resource),
    }
}

/// The key of one object.
pub(crate) fn object_key(cluster: &str, def: &ResourceDef, ns: &str, name: &str) -> String {
    let ns = if def.namespaced && !ns.is_empty() { ns } else { "_" };
    format!("kube/{cluster}/{}/{}/{ns}/{name}", def.group_segment(), def.resource)
}

pub(crate) fn events_prefix(cluster: &str) -> String {
    format!("kube/{cluster}/~events/")
}

pub(crate) fn compacted_key(cluster: &str) -> String {
    format!("kube/{cluster}/~compacted")
}

/// RFC 3339 UTC with whole seconds, as Kubernetes prints timestamps.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Parses a Kubernetes timestamp.
pub(crate) fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Decodes a stored entry and sets `metadata.resourceVersion` from its revision.
pub(crate) fn decode(key: &str, e: &eksim_store::Entry) -> Result<Value> {
    let mut v: Value = serde_json::from_slice(&e.value)
        .map_err(|err| ApiError::Internal(format!("stored object {key} is not JSON: {err}")))?;
    set_rv(&mut v, e.mod_rev);
    Ok(v)
}

pub(crate) fn set_rv(obj: &mut Value, rev: i64) {
    if let Some(m) = meta_mut(obj) {
        m.insert("resourceVersion".into(), Value::String(rev.to_string()));
    }
    canonical_order(obj);
}

/// kube-apiserver's field order: `kind, apiVersion, metadata` first, metadata fields in `ObjectMeta`
/// order. Only cosmetic (JSON objects are unordered), but it keeps answers diffable with real ones.
pub(crate) fn canonical_order(obj: &mut Value) {
    const TOP: [&str; 3] = ["kind", "apiVersion", "metadata"];
    const META: [&str; 15] = [
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    ];
    fn reorder(m: &mut Map<String, Value>, order: &[&str]) {
        let mut old = std::mem::take(m);
        for k in order {
            if let Some(v) = old.shift_remove(*k) {
                m.insert((*k).to_owned(), v);
            }
        }
        for (k, v) in old {
            m.insert(k, v);
        }
    }
    if let Some(o) = obj.as_object_mut() {
        reorder(o, &TOP);
        if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            reorder(m, &META);
        }
    }
}

/// `metadata` as a mutable map, created when missing (None only for non-object values).
pub(crate) fn meta_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let o = obj.as_object_mut()?;
    let m = o.entry("metadata").or_insert_with(|| json!({}));
    if !m.is_object() {
        *m = json!({});
    }
    m.as_object_mut()
}

/// A string field of `metadata`.
pub(crate) fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata").and_then(|m| m.get(field)).and_then(Value::as_str).unwrap_or_default()
}

pub(crate) fn name_of(obj: &Value) -> &str {
    meta_str(obj, "name")
}

/// Apimachinery's DNS-1123 subdomain message (e.g. ConfigMap names).
pub(crate) const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
/// DNS-1123 label (Namespace names).
pub(crate) const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/// DNS-1035 label (Service names).
pub(crate) const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn dns1123_label(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 63 {
        out.push("must be no more than 63 characters".into());
    }
    if !is_label(s) {
        out.push(LABEL_MSG.into());
    }
    out
}

fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 253 {
        out.push("must be no more than 253 characters".into());
    }
    if s.is_empty() || !s.split('.').all(is_label) {
        out.push(SUBDOMAIN_MSG.into());
    }
    out
}

fn dns1035_label(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 63 {
        out.push("must be no more than 63 characters".into());
    }
    if !is_label(s) || !s.as_bytes()[0].is_ascii_lowercase() {
        out.push(DNS1035_MSG.into());
    }
    out
}

fn path_segment(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s == "." || s == ".." {
        out.push(format!("may not be '{s}'"));
    }
    for bad in ["/", "%"] {
        if s.contains(bad) {
            out.push(format!("may not contain '{bad}'"));
        }
    }
    out
}

fn qualified_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// The name rule of a resource (each kind's `ValidateXName`).
fn name_errors(def: &ResourceDef, name: &str) -> Vec<String> {
    match (def.group, def.resource) {
        ("", "namespaces") => dns1123_label(name),
        ("", "services") => dns1035_label(name),
        ("rbac.authorization.k8s.io", _) | ("", "nodes") => {
            if def.resource == "nodes" {
                dns1123_subdomain(name)
            } else {
                path_segment(name)
            }
        }
        _ => dns1123_subdomain(name),
    }
}

/// Validates metadata the way `ValidateObjectMeta` does; the error is 422 Invalid.
pub(crate) fn validate_meta(def: &ResourceDef, obj: &Value) -> Result<()> {
    let name = name_of(obj);
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError::required("metadata.name", "name or generateName is required"));
    } else {
        for msg in name_errors(def, name) {
            errors.push(FieldError::invalid("metadata.name", name, &msg));
        }
    }
    if let Some(labels) = obj.pointer("/metadata/labels").and_then(Value::as_object) {
        for (k, v) in labels {
            let (prefix, part) = match k.split_once('/') {
                Some((p, n)) => (Some(p), n),
                None => (None, k.as_str()),
            };
            if let Some(p) = prefix {
                for msg in dns1123_subdomain(p) {
                    errors.push(FieldError::invalid("metadata.labels", k, &format!("prefix part {msg}")));
                }
            }
            if !qualified_part(part) {
                errors.push(FieldError::invalid("metadata.labels", k, LABEL_NAME_MSG));
            }
            let v = v.as_str().unwrap_or_default();
            if !v.is_empty() && (!qualified_part(v) || v.len() > 63) {
                errors.push(FieldError::invalid("metadata.labels", v, LABEL_VALUE_MSG));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid { kind: def.kind.into(), group: def.group.into(), name: name.into(), errors })
    }
}

/// A generated name: the prefix cut to 58 characters plus 5 of `bcdfghjklmnpqrstvwxz2456789`.
pub(crate) fn generate_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut bytes = [0u8; 5];
    eksim_model::ids::random_bytes(&mut bytes);
    let cut: String = prefix.chars().take(58).collect();
    let suffix: String = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("{cut}{suffix}")
}

/// A fresh object uid (UUID v4 text).
pub(crate) fn new_uid() -> String {
    eksim_model::ids::request_id()
}

/// One change, as the change log keeps it.
pub(crate) struct Change {
    pub kind: &'static str,
    pub res: String,
    pub ns: String,
    pub object: Value,
    pub old: Option<Value>,
}

/// Every write to a cluster's objects, inside one store transaction, recording the change log.
pub(crate) struct Writer<'t> {
    pub tx: &'t mut dyn Txn,
    cluster: String,
    changes: Vec<Change>,
}

impl<'t> Writer<'t> {
    pub fn new(tx: &'t mut dyn Txn, cluster: &str) -> Self {
        Self { tx, cluster: cluster.to_owned(), changes: Vec::new() }
    }

    /// Reads one object, `resourceVersion` set.
    pub fn get(&mut self, def: &ResourceDef, ns: &str, name: &str) -> Result<Option<Value>> {
        let key = object_key(&self.cluster, def, ns, name);
        match self.tx.get(&key)? {
            None => Ok(None),
            Some(e) => decode(&key, &e).map(Some),
        }
    }

    /// Every object under a collection prefix, in key order.
    pub fn list(&mut self, def: &ResourceDef, ns: Option<&str>) -> Result<Vec<Value>> {
        let prefix = collection_prefix(&self.cluster, def, ns);
        let rows = self.tx.scan(&prefix, None, usize::MAX)?;
        rows.iter().map(|(k, e)| decode(k, e)).collect()
    }

    /// Writes `obj` (create when `old` is None, else update); sets its new `resourceVersion`.
    pub fn put(&mut self, def: &ResourceDef, obj: &mut Value, old: Option<&Value>) -> Result<()> {
        let ns = meta_str(obj, "namespace").to_owned();
        let name = name_of(obj).to_owned();
        let key = object_key(&self.cluster, def, &ns, &name);
        if let Some(m) = meta_mut(obj) {
            m.remove("resourceVersion");
        }
        let bytes = serde_json::to_vec(obj).map_err(|e| ApiError::Internal(e.to_string()))?;
        let rev = self.tx.put(&key, &bytes)?;
        set_rv(obj, rev);
        self.changes.push(Change {
            kind: if old.is_some() { "MODIFIED" } else { "ADDED" },
            res: res_id(def),
            ns,
            object: obj.clone(),
            old: old.cloned(),
        });
        Ok(())
    }

    /// Deletes `obj`; its `resourceVersion` becomes the deleting revision (the DELETED event's).
    pub fn remove(&mut self, def: &ResourceDef, obj: &mut Value) -> Result<()> {
        let ns = meta_str(obj, "namespace").to_owned();
        let key = object_key(&self.cluster, def, &ns, name_of(obj));
        if self.tx.delete(&key)? {
            let rev = self.tx.revision()?;
            set_rv(obj, rev);
            self.changes.push(Change { kind: "DELETED", res: res_id(def), ns, object: obj.clone(), old: None });
        }
        Ok(())
    }

    /// Runs the ClusterRole aggregation controller when ClusterRoles changed, then appends this
    /// transaction's changes to the change log and prunes old entries.
    pub fn finish(mut self) -> Result<()> {
        if self.changes.is_empty() {
            return Ok(());
        }
        if self.changes.iter().any(|c| c.res == "rbac.authorization.k8s.io/clusterroles") {
            crate::aggregate::reaggregate(&mut self)?;
        }
        let rev = self.tx.revision()?;
        let events: Vec<Value> = self
            .changes
            .into_iter()
            .map(|c| json!({"type": c.kind, "res": c.res, "ns": c.ns, "object": c.object, "old": c.old}))
            .collect();
        let prefix = events_prefix(&self.cluster);
        let bytes = serde_json::to_vec(&events).map_err(|e| ApiError::Internal(e.to_string()))?;
        self.tx.put(&format!("{prefix}{rev:020}"), &bytes)?;
        let cutoff = rev - RETAINED_REVISIONS;
        let oldest = self.tx.scan(&prefix, None, 64)?;
        let mut pruned = 0;
        for (k, _) in oldest {
            let r: i64 = k[prefix.len()..].parse().unwrap_or(0);
            if r >= cutoff {
                break;
            }
            self.tx.delete(&k)?;
            pruned = pruned.max(r);
        }
        if pruned > 0 {
            self.tx.put(&compacted_key(&self.cluster), pruned.to_string().as_bytes())?;
        }
        Ok(())
    }
}

/// The change log's resource id: `group|core/resource`.
pub(crate) fn res_id(def: &ResourceDef) -> String {
    format!("{}/{}", def.group_segment(), def.resource)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::find;

    fn def(g: &str, r: &str) -> &'static ResourceDef {
        find(g, "v1", r).expect("resource")
    }

    fn name_check(d: &ResourceDef, name: &str) -> Vec<String> {
        match validate_meta(d, &json!({"metadata": {"name": name}})) {
            Ok(()) => vec![],
            Err(ApiError::Invalid { errors, .. }) => {
                errors.iter().map(|e| format!("{}: {}", e.field, e.body)).collect()
            }
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn name_rules_per_kind() {
        let cm = def("", "configmaps");
        assert!(name_check(cm, "a.b-c").is_empty());
        assert_eq!(
            name_check(cm, "Bad_Name"),
            vec![format!("metadata.name: Invalid value: \"Bad_Name\": {SUBDOMAIN_MSG}")]
        );
        assert_eq!(
            name_check(cm, ""),
            vec!["metadata.name: Required value: name or generateName is required".to_owned()]
        );
        let ns = def("", "namespaces");
        assert_eq!(name_check(ns, "a.b"), vec![format!("metadata.name: Invalid value: \"a.b\": {LABEL_MSG}")]);
        let long = "a".repeat(64);
        assert_eq!(name_check(ns, &long).len(), 1);
        let svc = def("", "services");
        assert!(name_check(svc, "1abc").iter().any(|e| e.contains("DNS-1035")));
        let cr = def("rbac.authorization.k8s.io", "clusterroles");
        assert!(name_check(cr, "system:basic-user").is_empty());
        assert_eq!(
            name_check(cr, "a/b"),
            vec!["metadata.name: Invalid value: \"a/b\": may not contain '/'".to_owned()]
        );
    }

    #[test]
    fn label_rules() {
        let cm = def("", "configmaps");
        let ok = json!({"metadata": {"name": "x", "labels": {"kubernetes.io/cluster-service": "true", "a": ""}}});
        assert!(validate_meta(cm, &ok).is_ok());
        let bad = json!({"metadata": {"name": "x", "labels": {"a b": "c d"}}});
        match validate_meta(cm, &bad) {
            Err(ApiError::Invalid { errors, .. }) => assert_eq!(errors.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn timestamps_are_whole_seconds_utc() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_747_735_200_123_456_789).unwrap();
        assert_eq!(rfc3339(t), "2025-05-20T10:00:00Z");
    }

    #[test]
    fn generated_names() {
        let n = generate_name("web-");
        assert_eq!(n.len(), 9);
        assert!(n.starts_with("web-"));
        assert_eq!(generate_name(&"x".repeat(70)).len(), 63);
    }
}
