//! A new cluster's initial objects (kube-apiserver.md §8.1): the four namespaces, the `kubernetes`
//! Service on the first IP of the service CIDR (kubectl-wire.md §7), their `default`
//! ServiceAccounts, and whatever the caller adds (bootstrap RBAC, aws-auth). Seeding is idempotent:
//! an object that exists is left as it is.

use crate::crud::{insert, prepare_create};
use crate::objects::{cluster_prefix, meta_mut, meta_str, name_of, rfc3339, Writer};
use crate::resources::by_kind;
use crate::status::ApiError;
use crate::ClusterInfo;
use eksim_store::{Store, TxnExt};
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use time::OffsetDateTime;

/// The `n`th address of an IPv4 CIDR (`10.100.0.0/16`, 1 → `10.100.0.1`), if inside it.
pub(crate) fn nth_ip(cidr: &str, n: u32) -> Option<String> {
    let (addr, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let base: Ipv4Addr = addr.trim().parse().ok()?;
    let bits: u32 = bits.trim().parse().ok().filter(|b| *b <= 32)?;
    let size = 1u64 << (32 - bits);
    if u64::from(n) >= size.saturating_sub(1) && size > 1 {
        return None;
    }
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    let network = u32::from(base) & mask;
    Some(Ipv4Addr::from(network.checked_add(n)?).to_string())
}

/// The first usable IP of the service CIDR: the `kubernetes` Service's ClusterIP.
pub(crate) fn first_ip(cidr: &str) -> String {
    nth_ip(cidr, 1).unwrap_or_else(|| "10.100.0.1".into())
}

fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

/// The `kubernetes` Service exactly as EKS shows it (kubectl-wire.md §7).
fn kubernetes_service(cidr: &str) -> Value {
    let ip = first_ip(cidr);
    json!({"apiVersion":"v1","kind":"Service",
        "metadata":{"name":"kubernetes","namespace":"default","labels":{"component":"apiserver","provider":"kubernetes"}},
        "spec":{"clusterIP":ip,"clusterIPs":[ip],"internalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
                "ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":443}],"sessionAffinity":"None","type":"ClusterIP"},
        "status":{"loadBalancer":{}}})
}

/// Creates the cluster's initial objects that are missing. Built-in ones take the cluster's creation
/// time; `extra_objects` (full objects with `apiVersion` and `kind`) take `now`.
pub fn seed(
    store: &Store,
    cluster: &ClusterInfo,
    extra_objects: Vec<Value>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let mut objects: Vec<(Value, OffsetDateTime)> = ["default", "kube-system", "kube-public", "kube-node-lease"]
        .iter()
        .map(|n| (namespace(n), cluster.created_at))
        .collect();
    objects.push((kubernetes_service(&cluster.service_cidr), cluster.created_at));
    objects.extend(extra_objects.into_iter().map(|o| (o, now)));
    store.write(|tx| {
        let mut w = Writer::new(tx, &cluster.id);
        for (mut obj, at) in objects {
            let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
            let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
            let def = by_kind(&api_version, &kind).ok_or_else(|| {
                ApiError::BadRequest(format!("no kind {kind:?} is served in version {api_version:?}"))
            })?;
            if def.namespaced && meta_str(&obj, "namespace").is_empty() {
                if let Some(m) = meta_mut(&mut obj) {
                    m.insert("namespace".into(), json!("default"));
                }
            }
            if w.get(def, meta_str(&obj, "namespace"), name_of(&obj))?.is_some() {
                continue;
            }
            prepare_create(def, &mut obj, at)?;
            if let Some(m) = meta_mut(&mut obj) {
                m.insert("creationTimestamp".into(), json!(rfc3339(at)));
            }
            insert(&mut w, cluster, def, &mut obj, false)?;
        }
        w.finish()
    })
}

/// Removes every object (and the change log) of a cluster.
pub fn delete_cluster(store: &Store, cluster_id: &str) -> Result<(), eksim_store::Error> {
    store.write(|tx| tx.delete_prefix(&cluster_prefix(cluster_id)).map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_addresses() {
        assert_eq!(first_ip("10.100.0.0/16"), "10.100.0.1");
        assert_eq!(first_ip("172.20.0.0/16"), "172.20.0.1");
        assert_eq!(nth_ip("10.100.0.0/16", 10).as_deref(), Some("10.100.0.10"));
        assert_eq!(nth_ip("10.100.5.7/16", 1).as_deref(), Some("10.100.0.1"));
        assert_eq!(nth_ip("10.0.0.0/30", 3), None);
        assert_eq!(nth_ip("nonsense", 1), None);
    }
}
