//! Per-kind defaulting kube-apiserver does on write (namespace label and phase, Secret type and
//! `stringData`, Service type, ports, cluster IP and node ports, replicas, Pod phase).

use crate::escalation;
use crate::objects::{meta_mut, name_of, Writer};
use crate::resources::{self, ResourceDef};
use crate::seed;
use crate::status::{ApiError, Result};
use base64::Engine;
use serde_json::{json, Value};

/// Per-kind defaulting and normalization kube-apiserver does on write.
pub(crate) fn defaults(def: &ResourceDef, obj: &mut Value) {
    escalation::default_subjects(def, obj);
    let name = name_of(obj).to_owned();
    match (def.group, def.resource) {
        ("", "namespaces") => {
            if let Some(m) = meta_mut(obj) {
                let labels = m.entry("labels").or_insert_with(|| json!({}));
                if let Some(l) = labels.as_object_mut() {
                    l.insert("kubernetes.io/metadata.name".into(), json!(name));
                }
            }
            if obj.pointer("/spec/finalizers").is_none() {
                obj["spec"] = json!({"finalizers": ["kubernetes"]});
            }
            if obj.pointer("/status/phase").is_none() {
                obj["status"] = json!({"phase": "Active"});
            }
        }
        ("", "secrets") => {
            if obj.get("type").and_then(Value::as_str).unwrap_or_default().is_empty() {
                obj["type"] = json!("Opaque");
            }
            if let Some(sd) = obj.as_object_mut().and_then(|o| o.remove("stringData")) {
                if let Some(sd) = sd.as_object() {
                    for (k, v) in sd {
                        let enc = base64::engine::general_purpose::STANDARD.encode(v.as_str().unwrap_or_default());
                        obj["data"][k.as_str()] = json!(enc);
                    }
                }
            }
        }
        ("", "services") => {
            let spec = &mut obj["spec"];
            if !spec.is_object() {
                *spec = json!({});
            }
            for (k, v) in [("type", "ClusterIP"), ("sessionAffinity", "None")] {
                if spec.get(k).and_then(Value::as_str).unwrap_or_default().is_empty() {
                    spec[k] = json!(v);
                }
            }
            if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
                for p in ports {
                    if p.get("protocol").is_none() {
                        p["protocol"] = json!("TCP");
                    }
                    if p.get("targetPort").is_none() {
                        p["targetPort"] = p.get("port").cloned().unwrap_or(Value::Null);
                    }
                }
            }
            if obj.get("status").is_none() {
                obj["status"] = json!({"loadBalancer": {}});
            }
        }
        ("apps", "deployments" | "replicasets" | "statefulsets")
            if obj.pointer("/spec/replicas").is_none() && obj.get("spec").is_some_and(Value::is_object) =>
        {
            obj["spec"]["replicas"] = json!(1);
        }
        ("", "pods") if obj.pointer("/status/phase").is_none() => {
            obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
        }
        _ => {}
    }
}

/// Allocates a Service's cluster IP and node ports from what other Services hold.
pub(crate) fn allocate_service(w: &mut Writer, cidr: &str, obj: &mut Value) -> Result<()> {
    let ty = obj.pointer("/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP").to_owned();
    if ty == "ExternalName" {
        return Ok(());
    }
    let Some(def) = resources::find("", "v1", "services") else { return Ok(()) };
    let others = w.list(def, None)?;
    let needs_ip = obj.pointer("/spec/clusterIP").and_then(Value::as_str).unwrap_or_default().is_empty();
    if needs_ip {
        let used: Vec<String> = others
            .iter()
            .filter_map(|s| s.pointer("/spec/clusterIP").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let ip = (2u32..65_534)
            .filter(|n| *n != 10)
            .filter_map(|n| seed::nth_ip(cidr, n))
            .find(|ip| !used.contains(ip))
            .ok_or_else(|| ApiError::Internal("failed to allocate a serviceIP: range is full".into()))?;
        obj["spec"]["clusterIP"] = json!(ip);
    }
    if obj.pointer("/spec/clusterIPs").is_none() {
        obj["spec"]["clusterIPs"] = json!([obj["spec"]["clusterIP"].clone()]);
    }
    for (k, v) in [
        ("ipFamilies", json!(["IPv4"])),
        ("ipFamilyPolicy", json!("SingleStack")),
        ("internalTrafficPolicy", json!("Cluster")),
    ] {
        if obj["spec"].get(k).is_none() {
            obj["spec"][k] = v;
        }
    }
    if ty == "NodePort" || ty == "LoadBalancer" {
        let mut used: Vec<i64> = others
            .iter()
            .flat_map(|s| s.pointer("/spec/ports").and_then(Value::as_array).cloned().unwrap_or_default())
            .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
            .collect();
        if let Some(ports) = obj.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
            for p in ports {
                if p.get("nodePort").and_then(Value::as_i64).unwrap_or(0) == 0 {
                    let np = (30_000..=32_767).find(|n| !used.contains(n)).unwrap_or(30_000);
                    used.push(np);
                    p["nodePort"] = json!(np);
                }
            }
        }
    }
    Ok(())
}
