//! Protobuf request bodies (`application/vnd.kubernetes.protobuf`), which kubectl's typed-client
//! commands send (`create configmap|secret|namespace|serviceaccount`, `create role|clusterrole`,
//! `create rolebinding|clusterrolebinding`, `auth can-i`, `auth whoami`; kubectl-wire.md §3). The envelope is `k8s\0` + `runtime.Unknown`;
//! `raw` is decoded with `k8s-pb`'s generated types for the kind `typeMeta` names, then turned into
//! the JSON the rest of the crate works in (Go's `omitempty`: empty strings and maps are dropped).
//! The generators of workload kinds (`create deployment|job|cronjob|service|quota|…`) are in
//! [`workloads`].

mod workloads;

use crate::status::ApiError;
use base64::Engine;
use k8s_pb::api::authentication::v1 as authn;
use k8s_pb::api::authorization::v1 as authz;
use k8s_pb::api::core::v1 as core;
use k8s_pb::api::rbac::v1 as rbac;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::Unknown;
use prost::Message;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The envelope's magic prefix.
pub(crate) const MAGIC: &[u8] = b"k8s\0";

/// Decodes a protobuf body into the JSON object it encodes (with `apiVersion` and `kind`).
pub(crate) fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let raw = body.strip_prefix(MAGIC).ok_or_else(|| {
        ApiError::BadRequest("provided protobuf body does not start with the k8s magic prefix".into())
    })?;
    let unknown = Unknown::decode(raw).map_err(bad)?;
    let tm = unknown.type_meta.unwrap_or_default();
    let api_version = tm.api_version.unwrap_or_default();
    let kind = tm.kind.unwrap_or_default();
    let raw = unknown.raw.unwrap_or_default();
    let raw = raw.as_slice();
    let mut obj = match (api_version.as_str(), kind.as_str()) {
        ("v1", "ConfigMap") => config_map(core::ConfigMap::decode(raw).map_err(bad)?),
        ("v1", "Secret") => secret(core::Secret::decode(raw).map_err(bad)?),
        ("v1", "Namespace") => namespace(core::Namespace::decode(raw).map_err(bad)?),
        ("v1", "ServiceAccount") => service_account(core::ServiceAccount::decode(raw).map_err(bad)?),
        ("rbac.authorization.k8s.io/v1", "Role") => {
            let r = rbac::Role::decode(raw).map_err(bad)?;
            role(r.metadata, &r.rules, None)
        }
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => {
            let r = rbac::ClusterRole::decode(raw).map_err(bad)?;
            role(r.metadata, &r.rules, r.aggregation_rule)
        }
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => {
            let b = rbac::RoleBinding::decode(raw).map_err(bad)?;
            binding(b.metadata, &b.subjects, b.role_ref)
        }
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            let b = rbac::ClusterRoleBinding::decode(raw).map_err(bad)?;
            binding(b.metadata, &b.subjects, b.role_ref)
        }
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => {
            let r = authz::SelfSubjectAccessReview::decode(raw).map_err(bad)?;
            let spec = r.spec.unwrap_or_default();
            review(r.metadata, access_spec(spec.resource_attributes, spec.non_resource_attributes, Map::new()))
        }
        ("authorization.k8s.io/v1", kind @ ("SubjectAccessReview" | "LocalSubjectAccessReview")) => {
            let (metadata, spec) = if kind == "SubjectAccessReview" {
                let r = authz::SubjectAccessReview::decode(raw).map_err(bad)?;
                (r.metadata, r.spec.unwrap_or_default())
            } else {
                let r = authz::LocalSubjectAccessReview::decode(raw).map_err(bad)?;
                (r.metadata, r.spec.unwrap_or_default())
            };
            let mut who = Map::new();
            put_str(&mut who, "user", &spec.user);
            if !spec.groups.is_empty() {
                who.insert("groups".into(), json!(spec.groups));
            }
            put_str(&mut who, "uid", &spec.uid);
            if !spec.extra.is_empty() {
                let extra: BTreeMap<&String, &Vec<String>> = spec.extra.iter().map(|(k, v)| (k, &v.items)).collect();
                who.insert("extra".into(), json!(extra));
            }
            review(metadata, access_spec(spec.resource_attributes, spec.non_resource_attributes, who))
        }
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => {
            let r = authz::SelfSubjectRulesReview::decode(raw).map_err(bad)?;
            let mut spec = Map::new();
            put_str(&mut spec, "namespace", &r.spec.unwrap_or_default().namespace);
            review(r.metadata, Value::Object(spec))
        }
        ("authentication.k8s.io/v1", "SelfSubjectReview") => {
            let r = authn::SelfSubjectReview::decode(raw).map_err(bad)?;
            json!({"metadata": object_meta(r.metadata)})
        }
        ("authentication.k8s.io/v1", "TokenReview") => {
            let r = authn::TokenReview::decode(raw).map_err(bad)?;
            let spec = r.spec.unwrap_or_default();
            let mut s = Map::new();
            put_str(&mut s, "token", &spec.token);
            if !spec.audiences.is_empty() {
                s.insert("audiences".into(), json!(spec.audiences));
            }
            review(r.metadata, Value::Object(s))
        }
        ("authentication.k8s.io/v1", "TokenRequest") => {
            let r = authn::TokenRequest::decode(raw).map_err(bad)?;
            let spec = r.spec.unwrap_or_default();
            let mut s = Map::new();
            s.insert("audiences".into(), json!(spec.audiences));
            if let Some(e) = spec.expiration_seconds {
                s.insert("expirationSeconds".into(), json!(e));
            }
            review(r.metadata, Value::Object(s))
        }
        _ => match workloads::decode(&api_version, &kind, raw) {
            Some(obj) => obj?,
            None => {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "application/vnd.kubernetes.protobuf for {api_version}, Kind={kind}"
                )))
            }
        },
    };
    if let Some(o) = obj.as_object_mut() {
        o.insert("apiVersion".into(), json!(api_version));
        o.insert("kind".into(), json!(kind));
    }
    Ok(obj)
}

fn bad(e: prost::DecodeError) -> ApiError {
    ApiError::BadRequest(format!("failed to decode protobuf body: {e}"))
}

fn put_str(m: &mut Map<String, Value>, key: &str, v: &Option<String>) {
    if let Some(s) = v.as_ref().filter(|s| !s.is_empty()) {
        m.insert(key.into(), json!(s));
    }
}

fn time(t: &Option<meta::Time>) -> Option<String> {
    // Go's zero time (`creationTimestamp: null`) is an empty message on the wire.
    let t = t.as_ref()?;
    let secs = t.seconds.filter(|s| *s != 0)?;
    let dt = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    Some(crate::objects::rfc3339(dt))
}

fn object_meta(m: Option<meta::ObjectMeta>) -> Value {
    let m = m.unwrap_or_default();
    let mut out = Map::new();
    put_str(&mut out, "name", &m.name);
    put_str(&mut out, "generateName", &m.generate_name);
    put_str(&mut out, "namespace", &m.namespace);
    put_str(&mut out, "uid", &m.uid);
    put_str(&mut out, "resourceVersion", &m.resource_version);
    if let Some(g) = m.generation.filter(|g| *g != 0) {
        out.insert("generation".into(), json!(g));
    }
    if let Some(t) = time(&m.creation_timestamp) {
        out.insert("creationTimestamp".into(), json!(t));
    }
    if !m.labels.is_empty() {
        out.insert("labels".into(), json!(m.labels));
    }
    if !m.annotations.is_empty() {
        out.insert("annotations".into(), json!(m.annotations));
    }
    if !m.owner_references.is_empty() {
        let refs: Vec<Value> = m
            .owner_references
            .iter()
            .map(|r| {
                let mut o = Map::new();
                put_str(&mut o, "apiVersion", &r.api_version);
                put_str(&mut o, "kind", &r.kind);
                put_str(&mut o, "name", &r.name);
                put_str(&mut o, "uid", &r.uid);
                if let Some(c) = r.controller {
                    o.insert("controller".into(), json!(c));
                }
                if let Some(b) = r.block_owner_deletion {
                    o.insert("blockOwnerDeletion".into(), json!(b));
                }
                Value::Object(o)
            })
            .collect();
        out.insert("ownerReferences".into(), Value::Array(refs));
    }
    if !m.finalizers.is_empty() {
        out.insert("finalizers".into(), json!(m.finalizers));
    }
    Value::Object(out)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn config_map(c: core::ConfigMap) -> Value {
    let mut o = Map::new();
    o.insert("metadata".into(), object_meta(c.metadata));
    if !c.data.is_empty() {
        o.insert("data".into(), json!(c.data));
    }
    if !c.binary_data.is_empty() {
        let bd: BTreeMap<&String, String> = c.binary_data.iter().map(|(k, v)| (k, b64(v))).collect();
        o.insert("binaryData".into(), json!(bd));
    }
    if let Some(i) = c.immutable {
        o.insert("immutable".into(), json!(i));
    }
    Value::Object(o)
}

fn secret(s: core::Secret) -> Value {
    let mut o = Map::new();
    o.insert("metadata".into(), object_meta(s.metadata));
    if !s.data.is_empty() {
        let d: BTreeMap<&String, String> = s.data.iter().map(|(k, v)| (k, b64(v))).collect();
        o.insert("data".into(), json!(d));
    }
    if !s.string_data.is_empty() {
        o.insert("stringData".into(), json!(s.string_data));
    }
    put_str(&mut o, "type", &s.r#type);
    if let Some(i) = s.immutable {
        o.insert("immutable".into(), json!(i));
    }
    Value::Object(o)
}

fn namespace(n: core::Namespace) -> Value {
    let mut o = Map::new();
    o.insert("metadata".into(), object_meta(n.metadata));
    if let Some(spec) = n.spec.filter(|s| !s.finalizers.is_empty()) {
        o.insert("spec".into(), json!({"finalizers": spec.finalizers}));
    }
    if let Some(phase) = n.status.and_then(|s| s.phase).filter(|p| !p.is_empty()) {
        o.insert("status".into(), json!({"phase": phase}));
    }
    Value::Object(o)
}

fn service_account(sa: core::ServiceAccount) -> Value {
    let mut o = Map::new();
    o.insert("metadata".into(), object_meta(sa.metadata));
    if !sa.secrets.is_empty() {
        let secrets: Vec<Value> = sa
            .secrets
            .iter()
            .map(|r| {
                let mut m = Map::new();
                put_str(&mut m, "kind", &r.kind);
                put_str(&mut m, "namespace", &r.namespace);
                put_str(&mut m, "name", &r.name);
                put_str(&mut m, "uid", &r.uid);
                put_str(&mut m, "apiVersion", &r.api_version);
                Value::Object(m)
            })
            .collect();
        o.insert("secrets".into(), Value::Array(secrets));
    }
    if !sa.image_pull_secrets.is_empty() {
        let ips: Vec<Value> =
            sa.image_pull_secrets.iter().map(|r| json!({"name": r.name.clone().unwrap_or_default()})).collect();
        o.insert("imagePullSecrets".into(), Value::Array(ips));
    }
    if let Some(a) = sa.automount_service_account_token {
        o.insert("automountServiceAccountToken".into(), json!(a));
    }
    Value::Object(o)
}

/// A Role or ClusterRole. `rules` has no `omitempty` in Go, so it is always present.
fn role(
    metadata: Option<meta::ObjectMeta>,
    rules: &[rbac::PolicyRule],
    aggregation: Option<rbac::AggregationRule>,
) -> Value {
    let mut o = Map::new();
    o.insert("metadata".into(), object_meta(metadata));
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut m = Map::new();
            for (key, list) in [
                ("verbs", &r.verbs),
                ("apiGroups", &r.api_groups),
                ("resources", &r.resources),
                ("resourceNames", &r.resource_names),
                ("nonResourceURLs", &r.non_resource_ur_ls),
            ] {
                // `verbs` has no omitempty; the others do. Empty strings inside a list are kept (`apiGroups: [""]`).
                if key == "verbs" || !list.is_empty() {
                    m.insert(key.into(), json!(list));
                }
            }
            Value::Object(m)
        })
        .collect();
    o.insert("rules".into(), Value::Array(rules));
    if let Some(a) = aggregation {
        let selectors: Vec<Value> = a.cluster_role_selectors.into_iter().map(label_selector).collect();
        o.insert("aggregationRule".into(), json!({"clusterRoleSelectors": selectors}));
    }
    Value::Object(o)
}

fn label_selector(s: meta::LabelSelector) -> Value {
    let mut o = Map::new();
    if !s.match_labels.is_empty() {
        o.insert("matchLabels".into(), json!(s.match_labels));
    }
    if !s.match_expressions.is_empty() {
        let exprs: Vec<Value> = s
            .match_expressions
            .iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("key".into(), json!(e.key.clone().unwrap_or_default()));
                m.insert("operator".into(), json!(e.operator.clone().unwrap_or_default()));
                if !e.values.is_empty() {
                    m.insert("values".into(), json!(e.values));
                }
                Value::Object(m)
            })
            .collect();
        o.insert("matchExpressions".into(), Value::Array(exprs));
    }
    Value::Object(o)
}

fn binding(metadata: Option<meta::ObjectMeta>, subjects: &[rbac::Subject], role_ref: Option<rbac::RoleRef>) -> Value {
    let mut o = Map::new();
    o.insert("metadata".into(), object_meta(metadata));
    if !subjects.is_empty() {
        let subs: Vec<Value> = subjects
            .iter()
            .map(|s| {
                let mut m = Map::new();
                put_str(&mut m, "kind", &s.kind);
                put_str(&mut m, "apiGroup", &s.api_group);
                put_str(&mut m, "name", &s.name);
                put_str(&mut m, "namespace", &s.namespace);
                Value::Object(m)
            })
            .collect();
        o.insert("subjects".into(), Value::Array(subs));
    }
    let rr = role_ref.unwrap_or_default();
    // RoleRef fields have no omitempty in Go: all three are always present.
    o.insert(
        "roleRef".into(),
        json!({"apiGroup": rr.api_group.unwrap_or_default(), "kind": rr.kind.unwrap_or_default(), "name": rr.name.unwrap_or_default()}),
    );
    Value::Object(o)
}

fn access_spec(
    resource: Option<authz::ResourceAttributes>,
    non_resource: Option<authz::NonResourceAttributes>,
    mut spec: Map<String, Value>,
) -> Value {
    if let Some(r) = resource {
        let mut m = Map::new();
        put_str(&mut m, "namespace", &r.namespace);
        put_str(&mut m, "verb", &r.verb);
        put_str(&mut m, "group", &r.group);
        put_str(&mut m, "version", &r.version);
        put_str(&mut m, "resource", &r.resource);
        put_str(&mut m, "subresource", &r.subresource);
        put_str(&mut m, "name", &r.name);
        spec.insert("resourceAttributes".into(), Value::Object(m));
    }
    if let Some(n) = non_resource {
        let mut m = Map::new();
        put_str(&mut m, "path", &n.path);
        put_str(&mut m, "verb", &n.verb);
        spec.insert("nonResourceAttributes".into(), Value::Object(m));
    }
    Value::Object(spec)
}

fn review(metadata: Option<meta::ObjectMeta>, spec: Value) -> Value {
    json!({"metadata": object_meta(metadata), "spec": spec})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(hex_body: &str, want: Value) {
        let bytes = hex::decode(hex_body).unwrap();
        assert_eq!(decode(&bytes).unwrap(), want);
    }

    #[test]
    fn reference_configmap_body() {
        check(
            "6b3873000a0f0a0276311209436f6e6669674d6170121b0a110a017812001a0022002a0032003800420012060a01611201621a002200",
            json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"b"}}),
        );
    }

    #[test]
    fn reference_ssar_body() {
        check(
            "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123d0a100a0012001a0022002a00320038004200121f0a1d0a0764656661756c7412046c6973741a0022002a04706f647332003a001a08080012001a0020001a002200",
            json!({"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},
                   "spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}),
        );
    }

    fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
        let u = Unknown {
            type_meta: Some(k8s_pb::apimachinery::pkg::runtime::TypeMeta {
                api_version: Some(api_version.into()),
                kind: Some(kind.into()),
            }),
            raw: Some(raw),
            content_encoding: Some(String::new()),
            content_type: Some(String::new()),
        };
        let mut out = MAGIC.to_vec();
        out.extend(u.encode_to_vec());
        out
    }

    fn named(name: &str, ns: &str) -> Option<meta::ObjectMeta> {
        Some(meta::ObjectMeta { name: Some(name.into()), namespace: Some(ns.into()), ..Default::default() })
    }

    #[test]
    fn round_trips_of_the_other_kinds() {
        let mut data = BTreeMap::new();
        data.insert("pw".to_owned(), b"hunter2".to_vec());
        let s = core::Secret { metadata: named("s", ""), data, r#type: Some("Opaque".into()), ..Default::default() };
        assert_eq!(
            decode(&envelope("v1", "Secret", s.encode_to_vec())).unwrap(),
            json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"pw":"aHVudGVyMg=="},"type":"Opaque"})
        );
        let n = core::Namespace { metadata: named("dev", ""), ..Default::default() };
        assert_eq!(
            decode(&envelope("v1", "Namespace", n.encode_to_vec())).unwrap(),
            json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev"}})
        );
        let sa = core::ServiceAccount { metadata: named("bot", "dev"), ..Default::default() };
        assert_eq!(
            decode(&envelope("v1", "ServiceAccount", sa.encode_to_vec())).unwrap(),
            json!({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"bot","namespace":"dev"}})
        );
        let rb = rbac::RoleBinding {
            metadata: named("rb", ""),
            subjects: vec![rbac::Subject {
                kind: Some("User".into()),
                api_group: Some("rbac.authorization.k8s.io".into()),
                name: Some("alice".into()),
                namespace: Some(String::new()),
            }],
            role_ref: Some(rbac::RoleRef {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: Some("ClusterRole".into()),
                name: Some("view".into()),
            }),
        };
        assert_eq!(
            decode(&envelope("rbac.authorization.k8s.io/v1", "RoleBinding", rb.encode_to_vec())).unwrap(),
            json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},
                   "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}],
                   "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}})
        );
        let role = rbac::Role {
            metadata: named("cm-reader", "dev"),
            rules: vec![rbac::PolicyRule {
                verbs: vec!["get".into(), "list".into()],
                api_groups: vec![String::new()],
                resources: vec!["configmaps".into()],
                ..Default::default()
            }],
        };
        assert_eq!(
            decode(&envelope("rbac.authorization.k8s.io/v1", "Role", role.encode_to_vec())).unwrap(),
            json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"cm-reader","namespace":"dev"},
                   "rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["configmaps"]}]})
        );
        let mut labels = BTreeMap::new();
        labels.insert("example.com/agg".to_owned(), "mon".to_owned());
        let cr = rbac::ClusterRole {
            metadata: named("monitoring", ""),
            rules: vec![rbac::PolicyRule {
                verbs: vec!["get".into()],
                non_resource_ur_ls: vec!["/metrics".into()],
                ..Default::default()
            }],
            aggregation_rule: Some(rbac::AggregationRule {
                cluster_role_selectors: vec![meta::LabelSelector { match_labels: labels, match_expressions: vec![] }],
            }),
        };
        assert_eq!(
            decode(&envelope("rbac.authorization.k8s.io/v1", "ClusterRole", cr.encode_to_vec())).unwrap(),
            json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"monitoring"},
                   "rules":[{"verbs":["get"],"nonResourceURLs":["/metrics"]}],
                   "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"example.com/agg":"mon"}}]}})
        );
        let crb = rbac::ClusterRoleBinding { metadata: named("crb", ""), subjects: vec![], role_ref: None };
        assert_eq!(
            decode(&envelope("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", crb.encode_to_vec())).unwrap()
                ["roleRef"],
            json!({"apiGroup":"","kind":"","name":""})
        );
        let ssrr = authz::SelfSubjectRulesReview {
            spec: Some(authz::SelfSubjectRulesReviewSpec { namespace: Some("default".into()) }),
            ..Default::default()
        };
        assert_eq!(
            decode(&envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", ssrr.encode_to_vec())).unwrap(),
            json!({"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},"spec":{"namespace":"default"}})
        );
        let ssr = authn::SelfSubjectReview {
            metadata: Some(meta::ObjectMeta::default()),
            status: Some(authn::SelfSubjectReviewStatus {
                user_info: Some(authn::UserInfo {
                    username: Some(String::new()),
                    uid: Some(String::new()),
                    ..Default::default()
                }),
            }),
        };
        assert_eq!(
            decode(&envelope("authentication.k8s.io/v1", "SelfSubjectReview", ssr.encode_to_vec())).unwrap(),
            json!({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{}})
        );
    }

    #[test]
    fn bad_bodies() {
        assert!(matches!(decode(b"{}"), Err(ApiError::BadRequest(_))));
        assert!(matches!(decode(&envelope("v1", "Pod", vec![])), Err(ApiError::UnsupportedMediaType(_))));
        assert!(matches!(decode(&envelope("v1", "ConfigMap", vec![0xff, 0xff])), Err(ApiError::BadRequest(_))));
    }
}
