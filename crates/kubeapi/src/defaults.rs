//! Per-kind defaulting kube-apiserver does on write (namespace label and phase, Secret type and
//! `stringData`, Service type, ports, cluster IP and node ports, Pod phase), the workload kinds'
//! `SetDefaults_*` (replicas, strategies, history limits, Job completions) and the pod spec and
//! container defaults of pods and pod templates.

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
        ("", "pods") => {
            if let Some(spec) = obj.get_mut("spec").filter(|s| s.is_object()) {
                pod_spec(spec);
                pod_only(spec);
            }
            if obj.pointer("/status/phase").is_none() {
                obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        ("", "podtemplates") => {
            if let Some(spec) = obj.pointer_mut("/template/spec").filter(|s| s.is_object()) {
                pod_spec(spec);
            }
        }
        (
            "apps" | "batch" | "",
            "deployments"
            | "replicasets"
            | "statefulsets"
            | "daemonsets"
            | "jobs"
            | "cronjobs"
            | "replicationcontrollers",
        ) => {
            if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
                workload_spec(def.resource, spec);
            }
            if def.resource == "jobs" {
                // A Job without labels takes its pod template's (batch/v1 `SetDefaults_Job`).
                let template_labels = obj.pointer("/spec/template/metadata/labels").cloned();
                let has_labels =
                    obj.pointer("/metadata/labels").and_then(Value::as_object).is_some_and(|l| !l.is_empty());
                if let (Some(labels), false, Some(m)) = (template_labels, has_labels, meta_mut(obj)) {
                    m.insert("labels".into(), labels);
                }
            }
        }
        _ => {}
    }
}

/// Sets `key` to `value` when absent (or null).
fn or_insert(o: &mut serde_json::Map<String, Value>, key: &str, value: Value) {
    if o.get(key).is_none_or(Value::is_null) {
        o.insert(key.into(), value);
    }
}

/// Sets `key` to `value` when absent or the empty string (Go's zero value of a string field).
fn or_insert_str(o: &mut serde_json::Map<String, Value>, key: &str, value: &str) {
    if o.get(key).and_then(Value::as_str).unwrap_or_default().is_empty() {
        o.insert(key.into(), json!(value));
    }
}

/// The scalar defaults of the workload kinds (`SetDefaults_Deployment`, `…_StatefulSet`,
/// `…_DaemonSet`, `…_ReplicaSet`, `…_Job`, `…_CronJob` in apps/v1 and batch/v1), then their pod
/// templates'.
fn workload_spec(resource: &str, spec: &mut serde_json::Map<String, Value>) {
    match resource {
        "deployments" => {
            or_insert(spec, "replicas", json!(1));
            let strategy = spec.entry("strategy").or_insert_with(|| json!({}));
            if let Some(st) = strategy.as_object_mut() {
                or_insert_str(st, "type", "RollingUpdate");
                if st.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                    let ru = st.entry("rollingUpdate").or_insert_with(|| json!({}));
                    if let Some(ru) = ru.as_object_mut() {
                        or_insert(ru, "maxUnavailable", json!("25%"));
                        or_insert(ru, "maxSurge", json!("25%"));
                    }
                }
            }
            or_insert(spec, "revisionHistoryLimit", json!(10));
            or_insert(spec, "progressDeadlineSeconds", json!(600));
        }
        "replicasets" | "replicationcontrollers" => or_insert(spec, "replicas", json!(1)),
        "statefulsets" => {
            or_insert_str(spec, "podManagementPolicy", "OrderedReady");
            let strategy = spec.entry("updateStrategy").or_insert_with(|| json!({}));
            if let Some(st) = strategy.as_object_mut() {
                if st.get("type").and_then(Value::as_str).unwrap_or_default().is_empty() {
                    st.insert("type".into(), json!("RollingUpdate"));
                    or_insert(st, "rollingUpdate", json!({}));
                }
                if st.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                    if let Some(ru) = st.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                        or_insert(ru, "partition", json!(0));
                    }
                }
            }
            let retention = spec.entry("persistentVolumeClaimRetentionPolicy").or_insert_with(|| json!({}));
            if let Some(r) = retention.as_object_mut() {
                or_insert_str(r, "whenDeleted", "Retain");
                or_insert_str(r, "whenScaled", "Retain");
            }
            or_insert(spec, "replicas", json!(1));
            or_insert(spec, "revisionHistoryLimit", json!(10));
        }
        "daemonsets" => {
            let strategy = spec.entry("updateStrategy").or_insert_with(|| json!({}));
            if let Some(st) = strategy.as_object_mut() {
                or_insert_str(st, "type", "RollingUpdate");
                if st.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                    let ru = st.entry("rollingUpdate").or_insert_with(|| json!({}));
                    if let Some(ru) = ru.as_object_mut() {
                        or_insert(ru, "maxUnavailable", json!(1));
                        or_insert(ru, "maxSurge", json!(0));
                    }
                }
            }
            or_insert(spec, "revisionHistoryLimit", json!(10));
        }
        "jobs" => {
            if spec.get("completions").is_none_or(Value::is_null) && spec.get("parallelism").is_none_or(Value::is_null)
            {
                spec.insert("completions".into(), json!(1));
            }
            or_insert(spec, "parallelism", json!(1));
            let per_index = spec.get("backoffLimitPerIndex").is_some_and(|v| !v.is_null());
            or_insert(spec, "backoffLimit", json!(if per_index { i64::from(i32::MAX) } else { 6 }));
            or_insert(spec, "completionMode", json!("NonIndexed"));
            or_insert(spec, "suspend", json!(false));
            let with_failure_policy = spec.get("podFailurePolicy").is_some_and(|v| !v.is_null());
            or_insert(
                spec,
                "podReplacementPolicy",
                json!(if with_failure_policy { "Failed" } else { "TerminatingOrFailed" }),
            );
        }
        "cronjobs" => {
            or_insert_str(spec, "concurrencyPolicy", "Allow");
            or_insert(spec, "suspend", json!(false));
            or_insert(spec, "successfulJobsHistoryLimit", json!(3));
            or_insert(spec, "failedJobsHistoryLimit", json!(1));
            if let Some(pod) = spec.get_mut("jobTemplate").and_then(|t| t.pointer_mut("/spec/template/spec")) {
                pod_spec(pod);
            }
            return;
        }
        _ => {}
    }
    if let Some(pod) = spec.get_mut("template").and_then(|t| t.get_mut("spec")).filter(|s| s.is_object()) {
        pod_spec(pod);
    }
}

/// core/v1 `SetDefaults_PodSpec` and, for each container, `SetDefaults_Container` and
/// `SetDefaults_ContainerPort`: what every pod and pod template gets.
fn pod_spec(spec: &mut Value) {
    let Some(s) = spec.as_object_mut() else { return };
    or_insert_str(s, "dnsPolicy", "ClusterFirst");
    or_insert_str(s, "restartPolicy", "Always");
    or_insert(s, "securityContext", json!({}));
    or_insert(s, "terminationGracePeriodSeconds", json!(30));
    or_insert_str(s, "schedulerName", "default-scheduler");
    for list in ["initContainers", "containers"] {
        for c in s.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            let Some(c) = c.as_object_mut() else { continue };
            let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
            let policy = if image_tag(image) == "latest" { "Always" } else { "IfNotPresent" };
            or_insert_str(c, "imagePullPolicy", policy);
            or_insert_str(c, "terminationMessagePath", "/dev/termination-log");
            or_insert_str(c, "terminationMessagePolicy", "File");
            or_insert(c, "resources", json!({}));
            for port in c.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
                if let Some(p) = port.as_object_mut() {
                    or_insert_str(p, "protocol", "TCP");
                }
            }
        }
    }
}

/// What only Pods get: `SetDefaults_Pod` (service links) and the admission plugins every EKS
/// cluster runs on create (ServiceAccount, DefaultTolerationSeconds, Priority).
fn pod_only(spec: &mut Value) {
    let Some(s) = spec.as_object_mut() else { return };
    or_insert(s, "enableServiceLinks", json!(true));
    or_insert_str(s, "serviceAccountName", "default");
    let sa = s.get("serviceAccountName").cloned().unwrap_or_else(|| json!("default"));
    or_insert_str(s, "serviceAccount", sa.as_str().unwrap_or("default"));
    let tolerations = s.entry("tolerations").or_insert_with(|| json!([]));
    if let Some(list) = tolerations.as_array_mut() {
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let present = list.iter().any(|t| {
                t.get("key").and_then(Value::as_str) == Some(key)
                    && matches!(t.get("effect").and_then(Value::as_str), None | Some("") | Some("NoExecute"))
            });
            if !present {
                list.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
            }
        }
    }
    or_insert(s, "priority", json!(0));
    or_insert_str(s, "preemptionPolicy", "PreemptLowerPriority");
}

/// The tag `parsers.ParseImageName` finds: `latest` when the reference names neither a tag nor a
/// digest, `""` when it has only a digest or does not parse.
fn image_tag(image: &str) -> &str {
    if image.is_empty() || image.chars().any(char::is_whitespace) {
        return "";
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let repository = &name[..name.len() - last.len()];
    let (path, tag) = match last.split_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (last, None),
    };
    // Repository paths are lower case; a first component with `.` or `:`, or `localhost`, is the
    // registry host, which may be anything.
    let checked = match repository.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => repository,
    };
    if path.chars().any(|c| c.is_ascii_uppercase()) || checked.chars().any(|c| c.is_ascii_uppercase()) {
        return "";
    }
    match (tag, digest) {
        (Some(t), _) => t,
        (None, None) => "latest",
        (None, Some(_)) => "",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_as_the_kubelet_parses_them() {
        for (image, tag) in [
            ("nginx", "latest"),
            ("nginx:1.27", "1.27"),
            ("localhost:5000/team/app", "latest"),
            ("My.Registry:5000/team/app:v2", "v2"),
            ("123.dkr.ecr.us-east-1.amazonaws.com/app@sha256:abc", ""),
            ("app:v1@sha256:abc", "v1"),
            ("Team/app", ""),
            ("", ""),
        ] {
            assert_eq!(image_tag(image), tag, "{image}");
        }
    }

    #[test]
    fn a_deployment_gets_apps_v1_and_pod_spec_defaults() {
        let def = resources::find("apps", "v1", "deployments").unwrap();
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "nginx:1.27", "imagePullPolicy": "Always"}]}}}});
        defaults(def, &mut d);
        assert_eq!(
            d["spec"],
            json!({"replicas": 1, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                "template": {"spec": {"dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
                    "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler", "containers": [
                    {"name": "a", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}], "imagePullPolicy": "Always",
                     "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "resources": {}},
                    {"name": "b", "image": "nginx:1.27", "imagePullPolicy": "Always",
                     "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "resources": {}}]}}})
        );
        let recreate = json!({"metadata": {"name": "web"}, "spec": {"strategy": {"type": "Recreate"}, "template": {"spec": {"containers": []}}}});
        let mut r = recreate.clone();
        defaults(def, &mut r);
        assert_eq!(r["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn jobs_cronjobs_and_pods() {
        let job = resources::find("batch", "v1", "jobs").unwrap();
        let mut j = json!({"metadata": {"name": "j"}, "spec": {"template": {"metadata": {"labels": {"app": "j"}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1"}]}}}});
        defaults(job, &mut j);
        assert_eq!(j["metadata"]["labels"], json!({"app": "j"}));
        for (k, v) in [
            ("completions", json!(1)),
            ("parallelism", json!(1)),
            ("backoffLimit", json!(6)),
            ("completionMode", json!("NonIndexed")),
            ("suspend", json!(false)),
            ("podReplacementPolicy", json!("TerminatingOrFailed")),
        ] {
            assert_eq!(j["spec"][k], v, "{k}");
        }
        assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "Never");
        assert_eq!(j["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");

        let cron = resources::find("batch", "v1", "cronjobs").unwrap();
        let mut c = json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}});
        defaults(cron, &mut c);
        assert_eq!(c["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(c["spec"]["successfulJobsHistoryLimit"], 3);
        assert!(c["spec"]["jobTemplate"]["spec"].get("backoffLimit").is_none(), "SetDefaults_Job is for Jobs only");
        assert_eq!(c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");

        let pod = resources::find("", "v1", "pods").unwrap();
        let mut p = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
        defaults(pod, &mut p);
        assert_eq!(p["spec"]["serviceAccountName"], "default");
        assert_eq!(p["spec"]["enableServiceLinks"], true);
        assert_eq!(p["spec"]["tolerations"].as_array().unwrap().len(), 2);
        assert_eq!(p["spec"]["tolerations"][0]["tolerationSeconds"], 300);
        defaults(pod, &mut p);
        assert_eq!(p["spec"]["tolerations"].as_array().unwrap().len(), 2, "defaulting twice changes nothing");
    }
}
