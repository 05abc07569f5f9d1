//! Protobuf bodies of the typed `kubectl create` generators for workloads and their neighbours:
//! `create deployment|job|cronjob|service|quota|priorityclass|poddisruptionbudget` (and `create job
//! --from=cronjob/…`, which copies a whole job template).
//!
//! Each converter takes the fields it knows out of the decoded message and then requires the rest
//! to carry only zero values, which go-to-protobuf writes for every non-pointer field (empty
//! strings, `0`, `false`, empty messages). A body that sets anything else is refused with 415
//! rather than stored with fields silently dropped.

use super::{bad, label_selector, object_meta, put_str};
use crate::status::ApiError;
use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::batch::v1 as batch;
use k8s_pb::api::core::v1 as core;
use k8s_pb::api::networking::v1 as networking;
use k8s_pb::api::policy::v1 as policy;
use k8s_pb::api::scheduling::v1 as scheduling;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

type Obj = Map<String, Value>;
type Result<T> = std::result::Result<T, ApiError>;

/// Decodes `raw` as the workload kind named by `api_version`/`kind`; `None` for other kinds.
pub(super) fn decode(api_version: &str, kind: &str, raw: &[u8]) -> Option<Result<Value>> {
    let out = match (api_version, kind) {
        ("v1", "Service") => core::Service::decode(raw).map_err(bad).and_then(service),
        ("v1", "ResourceQuota") => core::ResourceQuota::decode(raw).map_err(bad).and_then(resource_quota),
        ("scheduling.k8s.io/v1", "PriorityClass") => {
            scheduling::PriorityClass::decode(raw).map_err(bad).and_then(priority_class)
        }
        ("policy/v1", "PodDisruptionBudget") => {
            policy::PodDisruptionBudget::decode(raw).map_err(bad).and_then(disruption_budget)
        }
        ("apps/v1", "Deployment") => apps::Deployment::decode(raw).map_err(bad).and_then(deployment),
        ("batch/v1", "Job") => batch::Job::decode(raw).map_err(bad).and_then(job),
        ("batch/v1", "CronJob") => batch::CronJob::decode(raw).map_err(bad).and_then(cron_job),
        ("networking.k8s.io/v1", "Ingress") => networking::Ingress::decode(raw).map_err(bad).and_then(ingress),
        _ => return None,
    };
    Some(out)
}

/// Whether an encoded message holds only zero values, the way go-to-protobuf writes unset
/// non-pointer fields; nested messages are scanned the same way.
fn only_zero_values(mut buf: &[u8]) -> bool {
    use prost::encoding::decode_varint;
    while !buf.is_empty() {
        let Ok(key) = decode_varint(&mut buf) else { return false };
        let zero = match key & 7 {
            0 => decode_varint(&mut buf) == Ok(0),
            1 | 5 => {
                let n = if key & 7 == 1 { 8 } else { 4 };
                let Some((head, tail)) = buf.split_at_checked(n) else { return false };
                buf = tail;
                head.iter().all(|b| *b == 0)
            }
            2 => {
                let Ok(len) = decode_varint(&mut buf) else { return false };
                let Some((inner, tail)) = usize::try_from(len).ok().and_then(|l| buf.split_at_checked(l)) else {
                    return false;
                };
                buf = tail;
                only_zero_values(inner)
            }
            _ => false,
        };
        if !zero {
            return false;
        }
    }
    true
}

/// Refuses a message whose unconverted fields (`rest`) are set.
fn rest_is_zero<M: Message>(rest: &M, what: &str) -> Result<()> {
    if only_zero_values(&rest.encode_to_vec()) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "application/vnd.kubernetes.protobuf: {what} fields eksim does not decode"
        )))
    }
}

fn string(o: &mut Obj, key: &str, v: Option<String>) {
    put_str(o, key, &v);
}

fn strings(o: &mut Obj, key: &str, v: Vec<String>) {
    if !v.is_empty() {
        o.insert(key.into(), json!(v));
    }
}

/// A pointer field: present whenever set.
fn int<T: Into<i64>>(o: &mut Obj, key: &str, v: Option<T>) {
    if let Some(v) = v {
        o.insert(key.into(), json!(v.into()));
    }
}

/// A non-pointer `omitempty` integer: absent when zero.
fn int_nonzero<T: Into<i64>>(o: &mut Obj, key: &str, v: Option<T>) {
    if let Some(v) = v.map(Into::into).filter(|v| *v != 0) {
        o.insert(key.into(), json!(v));
    }
}

/// A pointer bool: present whenever set.
fn boolean(o: &mut Obj, key: &str, v: Option<bool>) {
    if let Some(v) = v {
        o.insert(key.into(), json!(v));
    }
}

/// A non-pointer `omitempty` bool: present only when true.
fn flag(o: &mut Obj, key: &str, v: Option<bool>) {
    if v == Some(true) {
        o.insert(key.into(), json!(true));
    }
}

fn string_map(o: &mut Obj, key: &str, v: BTreeMap<String, String>) {
    if !v.is_empty() {
        o.insert(key.into(), json!(v));
    }
}

fn quantities(o: &mut Obj, key: &str, v: BTreeMap<String, Quantity>) {
    if !v.is_empty() {
        let m: BTreeMap<String, String> = v.into_iter().map(|(k, q)| (k, q.string.unwrap_or_default())).collect();
        o.insert(key.into(), json!(m));
    }
}

fn int_or_string(v: IntOrString) -> Value {
    if v.r#type == Some(1) {
        json!(v.str_val.unwrap_or_default())
    } else {
        json!(v.int_val.unwrap_or_default())
    }
}

fn insert_obj(o: &mut Obj, key: &str, v: Obj) {
    if !v.is_empty() {
        o.insert(key.into(), Value::Object(v));
    }
}

fn service(mut s: core::Service) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(s.metadata.take()));
    let mut spec = Obj::new();
    if let Some(mut sp) = s.spec.take() {
        let mut ports = Vec::new();
        for mut p in std::mem::take(&mut sp.ports) {
            let mut m = Obj::new();
            string(&mut m, "name", p.name.take());
            string(&mut m, "protocol", p.protocol.take());
            string(&mut m, "appProtocol", p.app_protocol.take());
            m.insert("port".into(), json!(p.port.take().unwrap_or_default()));
            if let Some(t) = p.target_port.take() {
                m.insert("targetPort".into(), int_or_string(t));
            }
            int_nonzero(&mut m, "nodePort", p.node_port.take());
            rest_is_zero(&p, "ServicePort")?;
            ports.push(Value::Object(m));
        }
        if !ports.is_empty() {
            spec.insert("ports".into(), Value::Array(ports));
        }
        string_map(&mut spec, "selector", std::mem::take(&mut sp.selector));
        string(&mut spec, "clusterIP", sp.cluster_ip.take());
        strings(&mut spec, "clusterIPs", std::mem::take(&mut sp.cluster_ips));
        string(&mut spec, "type", sp.r#type.take());
        strings(&mut spec, "externalIPs", std::mem::take(&mut sp.external_ips));
        string(&mut spec, "sessionAffinity", sp.session_affinity.take());
        string(&mut spec, "loadBalancerIP", sp.load_balancer_ip.take());
        strings(&mut spec, "loadBalancerSourceRanges", std::mem::take(&mut sp.load_balancer_source_ranges));
        string(&mut spec, "externalName", sp.external_name.take());
        string(&mut spec, "externalTrafficPolicy", sp.external_traffic_policy.take());
        int_nonzero(&mut spec, "healthCheckNodePort", sp.health_check_node_port.take());
        flag(&mut spec, "publishNotReadyAddresses", sp.publish_not_ready_addresses.take());
        strings(&mut spec, "ipFamilies", std::mem::take(&mut sp.ip_families));
        string(&mut spec, "ipFamilyPolicy", sp.ip_family_policy.take());
        boolean(&mut spec, "allocateLoadBalancerNodePorts", sp.allocate_load_balancer_node_ports.take());
        string(&mut spec, "loadBalancerClass", sp.load_balancer_class.take());
        string(&mut spec, "internalTrafficPolicy", sp.internal_traffic_policy.take());
        string(&mut spec, "trafficDistribution", sp.traffic_distribution.take());
        rest_is_zero(&sp, "ServiceSpec")?;
    }
    o.insert("spec".into(), Value::Object(spec));
    rest_is_zero(&s, "Service")?;
    Ok(Value::Object(o))
}

fn resource_quota(mut q: core::ResourceQuota) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(q.metadata.take()));
    let mut spec = Obj::new();
    if let Some(mut sp) = q.spec.take() {
        quantities(&mut spec, "hard", std::mem::take(&mut sp.hard));
        strings(&mut spec, "scopes", std::mem::take(&mut sp.scopes));
        rest_is_zero(&sp, "ResourceQuotaSpec")?;
    }
    o.insert("spec".into(), Value::Object(spec));
    rest_is_zero(&q, "ResourceQuota")?;
    Ok(Value::Object(o))
}

fn priority_class(mut p: scheduling::PriorityClass) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(p.metadata.take()));
    o.insert("value".into(), json!(p.value.take().unwrap_or_default()));
    flag(&mut o, "globalDefault", p.global_default.take());
    string(&mut o, "description", p.description.take());
    string(&mut o, "preemptionPolicy", p.preemption_policy.take());
    rest_is_zero(&p, "PriorityClass")?;
    Ok(Value::Object(o))
}

/// An IngressBackend (`create ingress --rule=host/path=svc:port`, `--default-backend`).
fn ingress_backend(mut b: networking::IngressBackend) -> Result<Value> {
    let mut o = Obj::new();
    if let Some(mut svc) = b.service.take() {
        let mut so = Obj::new();
        string(&mut so, "name", svc.name.take());
        if let Some(mut port) = svc.port.take() {
            let mut po = Obj::new();
            string(&mut po, "name", port.name.take());
            int_nonzero(&mut po, "number", port.number.take());
            rest_is_zero(&port, "ServiceBackendPort")?;
            insert_obj(&mut so, "port", po);
        }
        rest_is_zero(&svc, "IngressServiceBackend")?;
        insert_obj(&mut o, "service", so);
    }
    rest_is_zero(&b, "IngressBackend")?;
    Ok(Value::Object(o))
}

fn ingress(mut i: networking::Ingress) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(i.metadata.take()));
    let mut spec = Obj::new();
    if let Some(mut sp) = i.spec.take() {
        string(&mut spec, "ingressClassName", sp.ingress_class_name.take());
        if let Some(b) = sp.default_backend.take() {
            spec.insert("defaultBackend".into(), ingress_backend(b)?);
        }
        let mut tls = Vec::new();
        for mut t in std::mem::take(&mut sp.tls) {
            let mut to = Obj::new();
            strings(&mut to, "hosts", std::mem::take(&mut t.hosts));
            string(&mut to, "secretName", t.secret_name.take());
            rest_is_zero(&t, "IngressTLS")?;
            tls.push(Value::Object(to));
        }
        if !tls.is_empty() {
            spec.insert("tls".into(), Value::Array(tls));
        }
        let mut rules = Vec::new();
        for mut r in std::mem::take(&mut sp.rules) {
            let mut ro = Obj::new();
            string(&mut ro, "host", r.host.take());
            if let Some(mut value) = r.ingress_rule_value.take() {
                if let Some(mut http) = value.http.take() {
                    let mut paths = Vec::new();
                    for mut p in std::mem::take(&mut http.paths) {
                        let mut pobj = Obj::new();
                        string(&mut pobj, "path", p.path.take());
                        string(&mut pobj, "pathType", p.path_type.take());
                        if let Some(b) = p.backend.take() {
                            pobj.insert("backend".into(), ingress_backend(b)?);
                        }
                        rest_is_zero(&p, "HTTPIngressPath")?;
                        paths.push(Value::Object(pobj));
                    }
                    rest_is_zero(&http, "HTTPIngressRuleValue")?;
                    ro.insert("http".into(), json!({ "paths": paths }));
                }
                rest_is_zero(&value, "IngressRuleValue")?;
            }
            rest_is_zero(&r, "IngressRule")?;
            rules.push(Value::Object(ro));
        }
        if !rules.is_empty() {
            spec.insert("rules".into(), Value::Array(rules));
        }
        rest_is_zero(&sp, "IngressSpec")?;
    }
    o.insert("spec".into(), Value::Object(spec));
    i.status = None;
    rest_is_zero(&i, "Ingress")?;
    Ok(Value::Object(o))
}

fn disruption_budget(mut b: policy::PodDisruptionBudget) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(b.metadata.take()));
    let mut spec = Obj::new();
    if let Some(mut sp) = b.spec.take() {
        if let Some(v) = sp.min_available.take() {
            spec.insert("minAvailable".into(), int_or_string(v));
        }
        if let Some(s) = sp.selector.take() {
            spec.insert("selector".into(), label_selector(s));
        }
        if let Some(v) = sp.max_unavailable.take() {
            spec.insert("maxUnavailable".into(), int_or_string(v));
        }
        string(&mut spec, "unhealthyPodEvictionPolicy", sp.unhealthy_pod_eviction_policy.take());
        rest_is_zero(&sp, "PodDisruptionBudgetSpec")?;
    }
    o.insert("spec".into(), Value::Object(spec));
    rest_is_zero(&b, "PodDisruptionBudget")?;
    Ok(Value::Object(o))
}

fn container(mut c: core::Container) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("name".into(), json!(c.name.take().unwrap_or_default()));
    string(&mut o, "image", c.image.take());
    strings(&mut o, "command", std::mem::take(&mut c.command));
    strings(&mut o, "args", std::mem::take(&mut c.args));
    string(&mut o, "workingDir", c.working_dir.take());
    let mut ports = Vec::new();
    for mut p in std::mem::take(&mut c.ports) {
        let mut m = Obj::new();
        string(&mut m, "name", p.name.take());
        int_nonzero(&mut m, "hostPort", p.host_port.take());
        m.insert("containerPort".into(), json!(p.container_port.take().unwrap_or_default()));
        string(&mut m, "protocol", p.protocol.take());
        string(&mut m, "hostIP", p.host_ip.take());
        rest_is_zero(&p, "ContainerPort")?;
        ports.push(Value::Object(m));
    }
    if !ports.is_empty() {
        o.insert("ports".into(), Value::Array(ports));
    }
    let mut env = Vec::new();
    for mut e in std::mem::take(&mut c.env) {
        let mut m = Obj::new();
        m.insert("name".into(), json!(e.name.take().unwrap_or_default()));
        string(&mut m, "value", e.value.take());
        rest_is_zero(&e, "EnvVar")?;
        env.push(Value::Object(m));
    }
    if !env.is_empty() {
        o.insert("env".into(), Value::Array(env));
    }
    if let Some(mut r) = c.resources.take() {
        let mut m = Obj::new();
        quantities(&mut m, "limits", std::mem::take(&mut r.limits));
        quantities(&mut m, "requests", std::mem::take(&mut r.requests));
        rest_is_zero(&r, "ResourceRequirements")?;
        o.insert("resources".into(), Value::Object(m));
    }
    string(&mut o, "terminationMessagePath", c.termination_message_path.take());
    string(&mut o, "terminationMessagePolicy", c.termination_message_policy.take());
    string(&mut o, "imagePullPolicy", c.image_pull_policy.take());
    flag(&mut o, "stdin", c.stdin.take());
    flag(&mut o, "stdinOnce", c.stdin_once.take());
    flag(&mut o, "tty", c.tty.take());
    rest_is_zero(&c, "Container")?;
    Ok(Value::Object(o))
}

fn containers(list: Vec<core::Container>) -> Result<Value> {
    list.into_iter().map(container).collect::<Result<Vec<_>>>().map(Value::Array)
}

fn pod_spec(mut s: core::PodSpec) -> Result<Value> {
    let mut o = Obj::new();
    if !s.init_containers.is_empty() {
        o.insert("initContainers".into(), containers(std::mem::take(&mut s.init_containers))?);
    }
    o.insert("containers".into(), containers(std::mem::take(&mut s.containers))?);
    string(&mut o, "restartPolicy", s.restart_policy.take());
    int(&mut o, "terminationGracePeriodSeconds", s.termination_grace_period_seconds.take());
    int(&mut o, "activeDeadlineSeconds", s.active_deadline_seconds.take());
    string(&mut o, "dnsPolicy", s.dns_policy.take());
    string_map(&mut o, "nodeSelector", std::mem::take(&mut s.node_selector));
    string(&mut o, "serviceAccountName", s.service_account_name.take());
    string(&mut o, "serviceAccount", s.service_account.take());
    boolean(&mut o, "automountServiceAccountToken", s.automount_service_account_token.take());
    string(&mut o, "nodeName", s.node_name.take());
    let pull: Vec<Value> = std::mem::take(&mut s.image_pull_secrets)
        .into_iter()
        .map(|r| json!({"name": r.name.unwrap_or_default()}))
        .collect();
    if !pull.is_empty() {
        o.insert("imagePullSecrets".into(), Value::Array(pull));
    }
    string(&mut o, "hostname", s.hostname.take());
    string(&mut o, "subdomain", s.subdomain.take());
    string(&mut o, "schedulerName", s.scheduler_name.take());
    string(&mut o, "priorityClassName", s.priority_class_name.take());
    rest_is_zero(&s, "PodSpec")?;
    Ok(Value::Object(o))
}

fn pod_template(t: Option<core::PodTemplateSpec>) -> Result<Value> {
    let mut t = t.unwrap_or_default();
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(t.metadata.take()));
    o.insert("spec".into(), pod_spec(t.spec.take().unwrap_or_default())?);
    rest_is_zero(&t, "PodTemplateSpec")?;
    Ok(Value::Object(o))
}

fn deployment(mut d: apps::Deployment) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(d.metadata.take()));
    let mut sp = d.spec.take().unwrap_or_default();
    let mut spec = Obj::new();
    int(&mut spec, "replicas", sp.replicas.take());
    if let Some(s) = sp.selector.take() {
        spec.insert("selector".into(), label_selector(s));
    }
    spec.insert("template".into(), pod_template(sp.template.take())?);
    if let Some(mut st) = sp.strategy.take() {
        let mut m = Obj::new();
        string(&mut m, "type", st.r#type.take());
        if let Some(mut ru) = st.rolling_update.take() {
            let mut r = Obj::new();
            if let Some(v) = ru.max_unavailable.take() {
                r.insert("maxUnavailable".into(), int_or_string(v));
            }
            if let Some(v) = ru.max_surge.take() {
                r.insert("maxSurge".into(), int_or_string(v));
            }
            rest_is_zero(&ru, "RollingUpdateDeployment")?;
            insert_obj(&mut m, "rollingUpdate", r);
        }
        rest_is_zero(&st, "DeploymentStrategy")?;
        insert_obj(&mut spec, "strategy", m);
    }
    int_nonzero(&mut spec, "minReadySeconds", sp.min_ready_seconds.take());
    int(&mut spec, "revisionHistoryLimit", sp.revision_history_limit.take());
    flag(&mut spec, "paused", sp.paused.take());
    int(&mut spec, "progressDeadlineSeconds", sp.progress_deadline_seconds.take());
    rest_is_zero(&sp, "DeploymentSpec")?;
    o.insert("spec".into(), Value::Object(spec));
    rest_is_zero(&d, "Deployment")?;
    Ok(Value::Object(o))
}

fn job_spec(mut sp: batch::JobSpec) -> Result<Value> {
    let mut spec = Obj::new();
    int(&mut spec, "parallelism", sp.parallelism.take());
    int(&mut spec, "completions", sp.completions.take());
    int(&mut spec, "activeDeadlineSeconds", sp.active_deadline_seconds.take());
    int(&mut spec, "backoffLimit", sp.backoff_limit.take());
    if let Some(s) = sp.selector.take() {
        spec.insert("selector".into(), label_selector(s));
    }
    boolean(&mut spec, "manualSelector", sp.manual_selector.take());
    spec.insert("template".into(), pod_template(sp.template.take())?);
    int(&mut spec, "ttlSecondsAfterFinished", sp.ttl_seconds_after_finished.take());
    string(&mut spec, "completionMode", sp.completion_mode.take());
    boolean(&mut spec, "suspend", sp.suspend.take());
    string(&mut spec, "podReplacementPolicy", sp.pod_replacement_policy.take());
    rest_is_zero(&sp, "JobSpec")?;
    Ok(Value::Object(spec))
}

fn job(mut j: batch::Job) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(j.metadata.take()));
    o.insert("spec".into(), job_spec(j.spec.take().unwrap_or_default())?);
    rest_is_zero(&j, "Job")?;
    Ok(Value::Object(o))
}

fn cron_job(mut c: batch::CronJob) -> Result<Value> {
    let mut o = Obj::new();
    o.insert("metadata".into(), object_meta(c.metadata.take()));
    let mut sp = c.spec.take().unwrap_or_default();
    let mut spec = Obj::new();
    spec.insert("schedule".into(), json!(sp.schedule.take().unwrap_or_default()));
    string(&mut spec, "timeZone", sp.time_zone.take());
    int(&mut spec, "startingDeadlineSeconds", sp.starting_deadline_seconds.take());
    string(&mut spec, "concurrencyPolicy", sp.concurrency_policy.take());
    boolean(&mut spec, "suspend", sp.suspend.take());
    let mut t = sp.job_template.take().unwrap_or_default();
    let mut template = Obj::new();
    template.insert("metadata".into(), object_meta(t.metadata.take()));
    template.insert("spec".into(), job_spec(t.spec.take().unwrap_or_default())?);
    rest_is_zero(&t, "JobTemplateSpec")?;
    spec.insert("jobTemplate".into(), Value::Object(template));
    int(&mut spec, "successfulJobsHistoryLimit", sp.successful_jobs_history_limit.take());
    int(&mut spec, "failedJobsHistoryLimit", sp.failed_jobs_history_limit.take());
    rest_is_zero(&sp, "CronJobSpec")?;
    o.insert("spec".into(), Value::Object(spec));
    rest_is_zero(&c, "CronJob")?;
    Ok(Value::Object(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;

    fn named(name: &str) -> Option<meta::ObjectMeta> {
        Some(meta::ObjectMeta { name: Some(name.into()), namespace: Some(String::new()), ..Default::default() })
    }

    fn labels() -> BTreeMap<String, String> {
        BTreeMap::from([("app".to_owned(), "web".to_owned())])
    }

    /// What `kubectl create deployment web --image=nginx --port=80` sends (empty strings included).
    fn nginx() -> core::Container {
        core::Container {
            name: Some("nginx".into()),
            image: Some("nginx".into()),
            working_dir: Some(String::new()),
            ports: vec![core::ContainerPort {
                name: Some(String::new()),
                host_port: Some(0),
                container_port: Some(80),
                protocol: Some(String::new()),
                host_ip: Some(String::new()),
            }],
            resources: Some(core::ResourceRequirements::default()),
            termination_message_path: Some(String::new()),
            image_pull_policy: Some(String::new()),
            stdin: Some(false),
            tty: Some(false),
            ..Default::default()
        }
    }

    fn check(api_version: &str, kind: &str, raw: Vec<u8>, want: Value) {
        assert_eq!(decode(api_version, kind, &raw).unwrap().unwrap(), want);
    }

    #[test]
    fn create_deployment() {
        let d = apps::Deployment {
            metadata: Some(meta::ObjectMeta { labels: labels(), ..named("web").unwrap() }),
            spec: Some(apps::DeploymentSpec {
                replicas: Some(1),
                selector: Some(meta::LabelSelector { match_labels: labels(), match_expressions: vec![] }),
                template: Some(core::PodTemplateSpec {
                    metadata: Some(meta::ObjectMeta { labels: labels(), ..Default::default() }),
                    spec: Some(core::PodSpec {
                        containers: vec![nginx()],
                        restart_policy: Some(String::new()),
                        dns_policy: Some(String::new()),
                        ..Default::default()
                    }),
                }),
                strategy: Some(apps::DeploymentStrategy::default()),
                min_ready_seconds: Some(0),
                ..Default::default()
            }),
            status: Some(apps::DeploymentStatus::default()),
        };
        check(
            "apps/v1",
            "Deployment",
            d.encode_to_vec(),
            json!({"metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":1,
                "selector":{"matchLabels":{"app":"web"}},
                "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
                    {"name":"nginx","image":"nginx","ports":[{"containerPort":80}],"resources":{}}]}}}}),
        );
    }

    #[test]
    fn create_cronjob_and_service() {
        let c = batch::CronJob {
            metadata: named("tick"),
            spec: Some(batch::CronJobSpec {
                schedule: Some("*/1 * * * *".into()),
                job_template: Some(batch::JobTemplateSpec {
                    metadata: named("tick"),
                    spec: Some(batch::JobSpec {
                        template: Some(core::PodTemplateSpec {
                            metadata: None,
                            spec: Some(core::PodSpec {
                                containers: vec![core::Container {
                                    name: Some("tick".into()),
                                    image: Some("busybox".into()),
                                    command: vec!["date".into()],
                                    ..Default::default()
                                }],
                                restart_policy: Some("OnFailure".into()),
                                ..Default::default()
                            }),
                        }),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            }),
            status: None,
        };
        check(
            "batch/v1",
            "CronJob",
            c.encode_to_vec(),
            json!({"metadata":{"name":"tick"},"spec":{"schedule":"*/1 * * * *","jobTemplate":{"metadata":{"name":"tick"},
                "spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"tick","image":"busybox","command":["date"]}],
                "restartPolicy":"OnFailure"}}}}}}),
        );
        let s = core::Service {
            metadata: Some(meta::ObjectMeta { labels: labels(), ..named("web").unwrap() }),
            spec: Some(core::ServiceSpec {
                ports: vec![core::ServicePort {
                    name: Some("80-8080".into()),
                    protocol: Some("TCP".into()),
                    port: Some(80),
                    target_port: Some(IntOrString {
                        r#type: Some(0),
                        int_val: Some(8080),
                        str_val: Some(String::new()),
                    }),
                    node_port: Some(0),
                    ..Default::default()
                }],
                selector: labels(),
                r#type: Some("ClusterIP".into()),
                ..Default::default()
            }),
            status: Some(core::ServiceStatus::default()),
        };
        check(
            "v1",
            "Service",
            s.encode_to_vec(),
            json!({"metadata":{"name":"web","labels":{"app":"web"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP",
                "port":80,"targetPort":8080}],"selector":{"app":"web"},"type":"ClusterIP"}}),
        );
    }

    #[test]
    fn small_kinds() {
        let q = core::ResourceQuota {
            metadata: named("q"),
            spec: Some(core::ResourceQuotaSpec {
                hard: BTreeMap::from([("pods".to_owned(), Quantity { string: Some("2".into()) })]),
                ..Default::default()
            }),
            status: None,
        };
        check("v1", "ResourceQuota", q.encode_to_vec(), json!({"metadata":{"name":"q"},"spec":{"hard":{"pods":"2"}}}));
        let p = scheduling::PriorityClass { metadata: named("high"), value: Some(100), ..Default::default() };
        check(
            "scheduling.k8s.io/v1",
            "PriorityClass",
            p.encode_to_vec(),
            json!({"metadata":{"name":"high"},"value":100}),
        );
        let b = policy::PodDisruptionBudget {
            metadata: named("pdb"),
            spec: Some(policy::PodDisruptionBudgetSpec {
                min_available: Some(IntOrString { r#type: Some(1), int_val: Some(0), str_val: Some("50%".into()) }),
                ..Default::default()
            }),
            status: None,
        };
        check(
            "policy/v1",
            "PodDisruptionBudget",
            b.encode_to_vec(),
            json!({"metadata":{"name":"pdb"},"spec":{"minAvailable":"50%"}}),
        );
    }

    #[test]
    fn fields_it_cannot_decode_are_refused_not_dropped() {
        let mut c = nginx();
        c.liveness_probe = Some(core::Probe { period_seconds: Some(5), ..Default::default() });
        let j = batch::Job {
            metadata: named("j"),
            spec: Some(batch::JobSpec {
                template: Some(core::PodTemplateSpec {
                    metadata: None,
                    spec: Some(core::PodSpec { containers: vec![c], ..Default::default() }),
                }),
                ..Default::default()
            }),
            status: None,
        };
        assert!(matches!(decode("batch/v1", "Job", &j.encode_to_vec()), Some(Err(ApiError::UnsupportedMediaType(_)))));
        assert!(decode("v1", "Pod", &[]).is_none());
        assert!(only_zero_values(&[]));
        assert!(!only_zero_values(&[0x08, 0x01]));
        assert!(!only_zero_values(&[0x0a, 0x05, 0x00]));
    }
}
