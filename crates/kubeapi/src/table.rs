//! Server-side printing: `Table` answers for `kubectl get` (kube-apiserver.md §8.5,
//! kubectl-wire.md §4, §7). kubectl prints the cells verbatim, so the server computes AGE with
//! Kubernetes' `HumanDuration` and formats each column as `pkg/printers/internalversion` does.

use crate::objects::{parse_time, rfc3339};
use crate::resources::ResourceDef;
use serde_json::{json, Value};
use time::OffsetDateTime;

/// What a Table row's `object` carries (`?includeObject=`; the server default is Metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// A request for Table output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableMode {
    /// `v1` or `v1beta1` of `meta.k8s.io`.
    pub version: &'static str,
    pub include: IncludeObject,
}

impl TableMode {
    pub fn api_version(&self) -> String {
        format!("meta.k8s.io/{}", self.version)
    }

    /// The Content-Type kube-apiserver answers Tables with.
    pub fn content_type(&self) -> String {
        format!("application/json;as=Table;v={};g=meta.k8s.io", self.version)
    }
}

/// One media range of an Accept header: type and parameters.
pub(crate) fn media_ranges(accept: &str) -> Vec<(String, Vec<(String, String)>)> {
    accept
        .split(',')
        .map(|range| {
            let mut parts = range.split(';');
            let ty = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let params = parts
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
                .collect();
            (ty, params)
        })
        .collect()
}

/// The Table version the Accept header asks for first, if it asks for a Table before plain JSON.
pub(crate) fn wanted_table(accept: &str) -> Option<&'static str> {
    for (ty, params) in media_ranges(accept) {
        let param = |k: &str| params.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.as_str());
        if ty == "application/json" && param("as") == Some("Table") && param("g") == Some("meta.k8s.io") {
            match param("v") {
                Some("v1") => return Some("v1"),
                Some("v1beta1") => return Some("v1beta1"),
                _ => continue,
            }
        }
        if (ty == "application/json" && param("as").is_none()) || ty == "*/*" {
            return None;
        }
    }
    None
}

/// Kubernetes' `duration.HumanDuration` (apimachinery `util/duration`).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{}d", hours / 24) } else { format!("{}d{h}h", hours / 24) };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 { format!("{}y", hours / 24 / 365) } else { format!("{}y{dy}d", hours / 24 / 365) };
    }
    format!("{}y", hours / 24 / 365)
}

/// `translateTimestampSince`: the AGE cell.
pub(crate) fn age(obj: &Value, now: OffsetDateTime) -> String {
    match obj.pointer("/metadata/creationTimestamp").and_then(Value::as_str).and_then(parse_time) {
        None => "<unknown>".into(),
        Some(t) => human_duration((now - t).whole_seconds()),
    }
}

const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

fn col(name: &str, ty: &str, format: &str, description: &str, priority: u8) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": priority})
}

/// Column definitions of a resource's printer.
pub(crate) fn columns(def: &ResourceDef) -> Vec<Value> {
    let name = col("Name", "string", "name", NAME_DESC, 0);
    let age = col("Age", "string", "", AGE_DESC, 0);
    let s = |n: &str, d: &str| col(n, "string", "", d, 0);
    let wide = |n: &str, d: &str| col(n, "string", "", d, 1);
    let int = |n: &str, d: &str| col(n, "integer", "", d, 0);
    match (def.group, def.resource) {
        ("", "services") => vec![
            name,
            s("Type", "Type of the service."),
            s("Cluster-IP", "Cluster IP of the service."),
            s("External-IP", "External IP of the service."),
            s("Port(s)", "Ports exposed by the service."),
            age,
            wide("Selector", "Route service traffic to pods with label keys and values matching this selector."),
        ],
        ("", "nodes") => vec![
            name,
            s("Status", "The status of the node"),
            s("Roles", "The roles of the node"),
            age,
            s("Version", "Kubelet Version reported by the node."),
            wide("Internal-IP", "List of addresses reachable to the node."),
            wide("External-IP", "List of addresses reachable to the node."),
            wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
            wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
            wide("Container-Runtime", "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
        ],
        ("", "namespaces") => vec![name, s("Status", "The status of the namespace"), age],
        ("networking.k8s.io", "ingresses") => vec![
            name,
            s("Class", "The name of the IngressClass resource."),
            s("Hosts", "Hosts that incoming requests are matched against before the rule applies."),
            s("Address", "Address is a list containing ingress points for the load-balancer."),
            s("Ports", "Ports of TLS configurations that open."),
            age,
        ],
        ("", "configmaps") => vec![name, int("Data", "Data contains the configuration data."), age],
        ("", "secrets") => vec![
            name,
            s("Type", "The type of the secret"),
            int("Data", "The number of entries in the secret"),
            age,
        ],
        ("", "serviceaccounts") => vec![name, int("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), age],
        ("", "pods") => vec![
            name,
            s("Ready", "The aggregate readiness state of this pod for accepting traffic."),
            s("Status", "The aggregate status of the containers in this pod."),
            s("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            age,
            wide("IP", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
            wide("Node", "NodeName is a request to schedule this pod onto a specific node."),
            wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node."),
            wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness."),
        ],
        ("apps", "deployments") => vec![
            name,
            s("Ready", "Number of the pod with ready state"),
            int("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            int("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            age,
            wide("Containers", "Names of each container in the template."),
            wide("Images", "Images referenced by each container in the template."),
            wide("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
        ],
        ("rbac.authorization.k8s.io", "roles" | "clusterroles") => vec![
            name,
            col("Created At", "date", "", AGE_DESC, 0),
        ],
        ("rbac.authorization.k8s.io", "rolebindings" | "clusterrolebindings") => vec![
            name,
            s("Role", "Role of the binding."),
            age,
            wide("Users", "Users in the binding."),
            wide("Groups", "Groups in the binding."),
            wide("ServiceAccounts", "ServiceAccounts in the binding."),
        ],
        _ => vec![name, age],
    }
}

fn str_at<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn int_at(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn len_at(obj: &Value, pointer: &str) -> usize {
    match obj.pointer(pointer) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

/// `labels.FormatLabels`: sorted `k=v` joined by `,`, `<none>` when empty.
fn format_labels(map: Option<&Value>) -> String {
    let mut pairs: Vec<String> = map
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect())
        .unwrap_or_default();
    pairs.sort();
    or_none(pairs.join(","))
}

/// `metav1.FormatLabelSelector`.
fn format_selector(sel: Option<&Value>) -> String {
    let Some(sel) = sel else { return "<none>".into() };
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        let mut l: Vec<String> = m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect();
        l.sort();
        parts.extend(l);
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = str_at(e, "/key");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            parts.push(match str_at(e, "/operator") {
                "In" => format!("{key} in ({})", values.join(",")),
                "NotIn" => format!("{key} notin ({})", values.join(",")),
                "Exists" => key.to_owned(),
                "DoesNotExist" => format!("!{key}"),
                op => format!("{key} {op} ({})", values.join(",")),
            });
        }
    }
    or_none(parts.join(","))
}

fn service_cells(obj: &Value) -> Vec<Value> {
    let ty = match str_at(obj, "/spec/type") {
        "" => "ClusterIP",
        t => t,
    };
    let cluster_ip = obj
        .pointer("/spec/clusterIPs/0")
        .and_then(Value::as_str)
        .or_else(|| obj.pointer("/spec/clusterIP").and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>")
        .to_owned();
    let external: Vec<&str> = obj
        .pointer("/spec/externalIPs")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let external_ip = match ty {
        "ClusterIP" | "NodePort" => or_none(external.join(",")),
        "LoadBalancer" => {
            let mut lb: Vec<String> = obj
                .pointer("/status/loadBalancer/ingress")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|i| {
                            i.get("ip").and_then(Value::as_str).or_else(|| i.get("hostname").and_then(Value::as_str))
                        })
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            lb.extend(external.iter().map(|s| (*s).to_owned()));
            if lb.is_empty() {
                "<pending>".into()
            } else {
                lb.join(",")
            }
        }
        "ExternalName" => str_at(obj, "/spec/externalName").to_owned(),
        _ => "<unknown>".into(),
    };
    let ports: Vec<String> = obj
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| {
                    let proto = match str_at(p, "/protocol") {
                        "" => "TCP",
                        x => x,
                    };
                    let port = int_at(p, "/port");
                    match p.get("nodePort").and_then(Value::as_i64) {
                        Some(np) if np != 0 => format!("{port}:{np}/{proto}"),
                        _ => format!("{port}/{proto}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    vec![json!(ty), json!(cluster_ip), json!(external_ip), json!(or_none(ports.join(",")))]
}

fn node_cells(obj: &Value, age: String) -> Vec<Value> {
    let conditions = obj.pointer("/status/conditions").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut status = match conditions.iter().find(|c| str_at(c, "/type") == "Ready").map(|c| str_at(c, "/status")) {
        Some("True") => "Ready".to_owned(),
        Some("False") => "NotReady".to_owned(),
        _ => "Unknown".to_owned(),
    };
    if obj.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = Vec::new();
    if let Some(labels) = obj.pointer("/metadata/labels").and_then(Value::as_object) {
        for (k, v) in labels {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.push(role.to_owned());
                }
            } else if k == "kubernetes.io/role" {
                if let Some(v) = v.as_str().filter(|v| !v.is_empty()) {
                    roles.push(v.to_owned());
                }
            }
        }
    }
    roles.sort();
    roles.dedup();
    let address = |ty: &str| {
        obj.pointer("/status/addresses")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find(|x| str_at(x, "/type") == ty))
            .map(|x| str_at(x, "/address").to_owned())
            .unwrap_or_else(|| "<none>".into())
    };
    let unknown = |p: &str| match str_at(obj, p) {
        "" => "<unknown>".to_owned(),
        s => s.to_owned(),
    };
    vec![
        json!(status),
        json!(or_none(roles.join(","))),
        json!(age),
        json!(str_at(obj, "/status/nodeInfo/kubeletVersion")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(unknown("/status/nodeInfo/osImage")),
        json!(unknown("/status/nodeInfo/kernelVersion")),
        json!(unknown("/status/nodeInfo/containerRuntimeVersion")),
    ]
}

fn pod_cells(obj: &Value, age: String) -> Vec<Value> {
    let total = len_at(obj, "/spec/containers");
    let statuses = obj.pointer("/status/containerStatuses").and_then(Value::as_array).cloned().unwrap_or_default();
    let ready = statuses.iter().filter(|s| s.get("ready").and_then(Value::as_bool) == Some(true)).count();
    let restarts: i64 = statuses.iter().map(|s| int_at(s, "/restartCount")).sum();
    let mut reason = match (str_at(obj, "/status/reason"), str_at(obj, "/status/phase")) {
        ("", "") => "Pending".to_owned(),
        ("", phase) => phase.to_owned(),
        (r, _) => r.to_owned(),
    };
    for s in &statuses {
        let waiting = str_at(s, "/state/waiting/reason");
        let terminated = str_at(s, "/state/terminated/reason");
        if !waiting.is_empty() {
            reason = waiting.to_owned();
        } else if !terminated.is_empty() {
            reason = terminated.to_owned();
        }
    }
    if obj.pointer("/metadata/deletionTimestamp").is_some_and(|v| !v.is_null()) {
        reason = "Terminating".into();
    }
    let gates = len_at(obj, "/spec/readinessGates");
    vec![
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts.to_string()),
        json!(age),
        json!(or_none(str_at(obj, "/status/podIP").to_owned())),
        json!(or_none(str_at(obj, "/spec/nodeName").to_owned())),
        json!(or_none(str_at(obj, "/status/nominatedNodeName").to_owned())),
        json!(if gates == 0 { "<none>".to_owned() } else { format!("0/{gates}") }),
    ]
}

fn deployment_cells(obj: &Value, age: String) -> Vec<Value> {
    let replicas = obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
    let containers =
        obj.pointer("/spec/template/spec/containers").and_then(Value::as_array).cloned().unwrap_or_default();
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, "/image")).collect();
    vec![
        json!(format!("{}/{replicas}", int_at(obj, "/status/readyReplicas"))),
        json!(int_at(obj, "/status/updatedReplicas")),
        json!(int_at(obj, "/status/availableReplicas")),
        json!(age),
        json!(names.join(",")),
        json!(images.join(",")),
        json!(format_selector(obj.pointer("/spec/selector"))),
    ]
}

fn binding_cells(obj: &Value, age: String) -> Vec<Value> {
    let role = format!("{}/{}", str_at(obj, "/roleRef/kind"), str_at(obj, "/roleRef/name"));
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for s in obj.get("subjects").and_then(Value::as_array).cloned().unwrap_or_default() {
        let name = str_at(&s, "/name").to_owned();
        match str_at(&s, "/kind") {
            "User" => users.push(name),
            "Group" => groups.push(name),
            "ServiceAccount" => sas.push(format!("{}/{name}", str_at(&s, "/namespace"))),
            _ => {}
        }
    }
    vec![json!(role), json!(age), json!(users.join(", ")), json!(groups.join(", ")), json!(sas.join(", "))]
}

/// The cells of one object's row.
pub(crate) fn cells(def: &ResourceDef, obj: &Value, now: OffsetDateTime) -> Vec<Value> {
    let name = json!(str_at(obj, "/metadata/name"));
    let age = age(obj, now);
    let mut row = vec![name];
    match (def.group, def.resource) {
        ("", "services") => {
            row.extend(service_cells(obj));
            row.push(json!(age));
            row.push(json!(format_labels(obj.pointer("/spec/selector"))));
        }
        ("", "nodes") => row.extend(node_cells(obj, age)),
        ("", "namespaces") => {
            row.push(json!(str_at(obj, "/status/phase")));
            row.push(json!(age));
        }
        ("", "configmaps") => {
            row.push(json!(len_at(obj, "/data") + len_at(obj, "/binaryData")));
            row.push(json!(age));
        }
        ("", "secrets") => {
            row.push(json!(str_at(obj, "/type")));
            row.push(json!(len_at(obj, "/data")));
            row.push(json!(age));
        }
        ("", "serviceaccounts") => {
            row.push(json!(len_at(obj, "/secrets")));
            row.push(json!(age));
        }
        ("", "pods") => row.extend(pod_cells(obj, age)),
        ("networking.k8s.io", "ingresses") => {
            let class = obj.pointer("/spec/ingressClassName").and_then(Value::as_str).unwrap_or("<none>");
            let hosts: Vec<&str> = obj
                .pointer("/spec/rules")
                .and_then(Value::as_array)
                .map(|r| r.iter().map(|r| r.get("host").and_then(Value::as_str).unwrap_or("*")).collect())
                .unwrap_or_default();
            let address: Vec<&str> = obj
                .pointer("/status/loadBalancer/ingress")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter().filter_map(|i| i.get("ip").or_else(|| i.get("hostname")).and_then(Value::as_str)).collect()
                })
                .unwrap_or_default();
            let tls = obj.pointer("/spec/tls").and_then(Value::as_array).is_some_and(|t| !t.is_empty());
            row.push(json!(class));
            row.push(json!(if hosts.is_empty() { "*".to_owned() } else { hosts.join(",") }));
            row.push(json!(address.join(",")));
            row.push(json!(if tls { "80, 443" } else { "80" }));
            row.push(json!(age));
        }
        ("apps", "deployments") => row.extend(deployment_cells(obj, age)),
        ("rbac.authorization.k8s.io", "roles" | "clusterroles") => {
            let created = obj
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .and_then(parse_time)
                .map(rfc3339)
                .unwrap_or_default();
            row.push(json!(created));
        }
        ("rbac.authorization.k8s.io", "rolebindings" | "clusterrolebindings") => row.extend(binding_cells(obj, age)),
        _ => row.push(json!(age)),
    }
    row
}

/// One row with its `object` per `includeObject`.
pub(crate) fn row(def: &ResourceDef, obj: &Value, now: OffsetDateTime, mode: TableMode) -> Value {
    let mut r = json!({"cells": cells(def, obj, now)});
    match mode.include {
        IncludeObject::None => {}
        IncludeObject::Metadata => {
            r["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": mode.api_version(),
                "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
            });
        }
        IncludeObject::Object => {
            let mut full = obj.clone();
            if let Some(o) = full.as_object_mut() {
                o.insert("kind".into(), json!(def.kind));
                o.insert("apiVersion".into(), json!(def.api_version()));
            }
            r["object"] = full;
        }
    }
    r
}

/// A Table of `objs`; `with_columns` false sends `"columnDefinitions":null` (watch events after the first).
pub(crate) fn table(
    def: &ResourceDef,
    objs: &[Value],
    list_meta: Value,
    now: OffsetDateTime,
    mode: TableMode,
    with_columns: bool,
) -> Value {
    let rows: Vec<Value> = objs.iter().map(|o| row(def, o, now, mode)).collect();
    json!({
        "kind": "Table",
        "apiVersion": mode.api_version(),
        "metadata": list_meta,
        "columnDefinitions": if with_columns { Value::Array(columns(def)) } else { Value::Null },
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::find;

    #[test]
    fn human_duration_rules() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (599, "9m59s"),
            (600, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (8 * 3600, "8h"),
            (47 * 3600 + 59 * 60, "47h"),
            (48 * 3600, "2d"),
            (3 * 86400 + 5 * 3600, "3d5h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (2 * 365 * 86400 + 10 * 86400, "2y10d"),
            (8 * 365 * 86400, "8y"),
            (20 * 365 * 86400, "20y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn accept_negotiation() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(wanted_table(kubectl), Some("v1"));
        assert_eq!(wanted_table("application/json;as=Table;v=v1beta1;g=meta.k8s.io"), Some("v1beta1"));
        assert_eq!(wanted_table("application/json"), None);
        assert_eq!(wanted_table("application/json, */*"), None);
        assert_eq!(wanted_table("application/vnd.kubernetes.protobuf,application/json"), None);
    }

    fn now() -> OffsetDateTime {
        parse_time("2025-05-23T15:00:00Z").unwrap()
    }

    fn check(resource: (&str, &str), obj: Value, want: Value) {
        let def = find(resource.0, "v1", resource.1).unwrap();
        assert_eq!(Value::Array(cells(def, &obj, now())), want);
        assert_eq!(columns(def).len(), cells(def, &obj, now()).len());
    }

    #[test]
    fn printers() {
        let created = json!("2025-05-20T10:00:00Z");
        check(
            ("", "services"),
            json!({"metadata":{"name":"kubernetes","creationTimestamp":created},
                "spec":{"clusterIP":"10.100.0.1","clusterIPs":["10.100.0.1"],"type":"ClusterIP",
                        "ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":443}]}}),
            json!(["kubernetes", "ClusterIP", "10.100.0.1", "<none>", "443/TCP", "3d5h", "<none>"]),
        );
        check(
            ("", "services"),
            json!({"metadata":{"name":"web","creationTimestamp":created},
                "spec":{"clusterIP":"10.100.0.7","type":"NodePort","selector":{"b":"2","a":"1"},
                        "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}}),
            json!(["web", "NodePort", "10.100.0.7", "<none>", "80:30080/TCP,53/UDP", "3d5h", "a=1,b=2"]),
        );
        check(
            ("", "services"),
            json!({"metadata":{"name":"lb","creationTimestamp":created},"spec":{"type":"LoadBalancer","clusterIP":"10.100.0.9"}}),
            json!(["lb", "LoadBalancer", "10.100.0.9", "<pending>", "<none>", "3d5h", "<none>"]),
        );
        check(
            ("", "nodes"),
            json!({"metadata":{"name":"ip-192-168-12-34.us-west-2.compute.internal","creationTimestamp":created},
                "status":{"conditions":[{"type":"Ready","status":"True"}],
                          "addresses":[{"type":"InternalIP","address":"192.168.12.34"}],
                          "nodeInfo":{"kubeletVersion":"v1.32.3-eks-473151a","osImage":"Amazon Linux 2023","kernelVersion":"6.1","containerRuntimeVersion":"containerd://1.7"}}}),
            json!([
                "ip-192-168-12-34.us-west-2.compute.internal",
                "Ready",
                "<none>",
                "3d5h",
                "v1.32.3-eks-473151a",
                "192.168.12.34",
                "<none>",
                "Amazon Linux 2023",
                "6.1",
                "containerd://1.7"
            ]),
        );
        check(
            ("", "namespaces"),
            json!({"metadata":{"name":"default","creationTimestamp":created},"status":{"phase":"Active"}}),
            json!(["default", "Active", "3d5h"]),
        );
        check(
            ("", "configmaps"),
            json!({"metadata":{"name":"aws-auth","creationTimestamp":created},"data":{"mapRoles":"x"}}),
            json!(["aws-auth", 1, "3d5h"]),
        );
        check(
            ("", "pods"),
            json!({"metadata":{"name":"coredns-6b9575c64c-4vhwq","creationTimestamp":created},
                "spec":{"containers":[{"name":"coredns"}],"nodeName":"n1"},
                "status":{"phase":"Running","podIP":"192.168.1.2","containerStatuses":[{"ready":true,"restartCount":0}]}}),
            json!(["coredns-6b9575c64c-4vhwq", "1/1", "Running", "0", "3d5h", "192.168.1.2", "n1", "<none>", "<none>"]),
        );
        check(
            ("", "secrets"),
            json!({"metadata":{"name":"s","creationTimestamp":created},"type":"Opaque","data":{"a":"YQ=="}}),
            json!(["s", "Opaque", 1, "3d5h"]),
        );
        check(
            ("", "serviceaccounts"),
            json!({"metadata":{"name":"default","creationTimestamp":created}}),
            json!(["default", 0, "3d5h"]),
        );
        check(
            ("apps", "deployments"),
            json!({"metadata":{"name":"web","creationTimestamp":created},
                "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[{"name":"app","image":"nginx:1"}]}}},
                "status":{"readyReplicas":1,"updatedReplicas":2,"availableReplicas":1}}),
            json!(["web", "1/2", 2, 1, "3d5h", "app", "nginx:1", "app=web"]),
        );
        check(
            ("rbac.authorization.k8s.io", "clusterroles"),
            json!({"metadata":{"name":"view","creationTimestamp":created}}),
            json!(["view", "2025-05-20T10:00:00Z"]),
        );
        check(
            ("rbac.authorization.k8s.io", "rolebindings"),
            json!({"metadata":{"name":"rb","creationTimestamp":created},"roleRef":{"kind":"ClusterRole","name":"view"},
                "subjects":[{"kind":"User","name":"a"},{"kind":"User","name":"b"},{"kind":"Group","name":"g"},
                            {"kind":"ServiceAccount","name":"default","namespace":"dev"}]}),
            json!(["rb", "ClusterRole/view", "3d5h", "a, b", "g", "dev/default"]),
        );
        check(("", "events"), json!({"metadata":{"name":"e"}}), json!(["e", "<unknown>"]));
    }

    #[test]
    fn rows_carry_partial_object_metadata() {
        let def = find("", "v1", "configmaps").unwrap();
        let obj =
            json!({"metadata":{"name":"x","namespace":"default","creationTimestamp":"2025-05-20T10:00:00Z"},"data":{}});
        let mode = TableMode { version: "v1", include: IncludeObject::Metadata };
        let t = table(def, std::slice::from_ref(&obj), json!({"resourceVersion":"7"}), now(), mode, true);
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(t["rows"][0]["object"]["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(t["rows"][0]["object"]["metadata"]["namespace"], "default");
        assert_eq!(t["columnDefinitions"][1]["type"], "integer");
        let none = TableMode { version: "v1", include: IncludeObject::None };
        assert!(row(def, &obj, now(), none).get("object").is_none());
    }
}
