//! Drives `handle` in process through the request sequences kubectl 1.32 sends
//! (kubectl-wire.md §4): discovery, get with Tables, create (protobuf and JSON), client-side apply,
//! replace with conflicts, server-side apply, label, watch, delete, reviews, impersonation.

#![allow(clippy::unwrap_used)]

use eksim_kubeapi::{
    handle, seed, Attributes, Authorizer, ClusterInfo, Decision, KubeRequest, KubeResponse, UserInfo, Verdict,
};
use eksim_store::Store;
use serde_json::{json, Value};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const TABLE: &str =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// Allows everything except what `viewer` may not do (only get/list/watch), and `nobody`.
struct TestAuthz;

impl Authorizer for TestAuthz {
    fn authorize(&self, user: &UserInfo, attrs: &Attributes) -> Decision {
        let allowed = match user.username.as_str() {
            "nobody" => false,
            "viewer" => {
                (matches!(attrs.verb.as_str(), "get" | "list" | "watch") && attrs.resource != "configmaps")
                    || attrs.resource.starts_with("selfsubject")
            }
            _ => true,
        };
        Decision {
            verdict: if allowed { Verdict::Allow } else { Verdict::NoOpinion },
            reason: if allowed { "RBAC: allowed by test".into() } else { String::new() },
        }
    }
}

struct Env {
    store: Store,
    cluster: ClusterInfo,
    user: UserInfo,
    now: OffsetDateTime,
}

impl Env {
    fn new() -> Self {
        let created = datetime!(2025-05-20 10:00:00 UTC);
        let cluster = ClusterInfo {
            id: "c1".into(),
            name: "demo".into(),
            version: "1.32".into(),
            created_at: created,
            service_cidr: "10.100.0.0/16".into(),
        };
        let store = Store::in_memory().unwrap();
        seed(&store, &cluster, vec![], created).unwrap();
        let user = UserInfo {
            username: "kubernetes-admin".into(),
            uid: "aws-iam-authenticator:111122223333:AIDAEXAMPLE".into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
            ..Default::default()
        };
        Self { store, cluster, user, now: created + Duration::hours(3 * 24 + 5) }
    }

    fn send(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> KubeResponse {
        self.send_as(&self.user, method, target, headers, body)
    }

    fn send_as(
        &self,
        user: &UserInfo,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> KubeResponse {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let req = KubeRequest {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.to_vec(),
        };
        handle(&self.store, &self.cluster, user, &TestAuthz, &req, self.now)
    }

    fn json(&self, method: &str, target: &str, ct: &str, body: Value) -> (u16, Value) {
        let r = self.send(
            method,
            target,
            &[("content-type", ct), ("accept", "application/json")],
            body.to_string().as_bytes(),
        );
        (r.status, parse(&r))
    }

    fn get(&self, target: &str) -> (u16, Value) {
        let r = self.send("GET", target, &[("accept", "application/json")], b"");
        (r.status, parse(&r))
    }
}

fn parse(r: &KubeResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn text(r: &KubeResponse) -> String {
    String::from_utf8(r.body.clone()).unwrap()
}

#[test]
fn discovery_version_and_openapi() {
    let env = Env::new();
    let v = env.send("GET", "/version?timeout=32s", &[("accept", "application/json, */*")], b"");
    assert_eq!(parse(&v)["minor"], "32");
    let api = env.send("GET", "/api?timeout=32s", &[("accept", AGGREGATED)], b"");
    assert_eq!(
        api.header("content-type"),
        Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    );
    let apis = env.send("GET", "/apis?timeout=32s", &[("accept", AGGREGATED)], b"");
    assert!(parse(&apis)["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["metadata"]["name"] == "rbac.authorization.k8s.io"));
    let (code, _) = env.get("/api/v1");
    assert_eq!(code, 200);
    let (code, root) = env.get("/openapi/v3?timeout=32s");
    assert_eq!(code, 200);
    let url = root["paths"]["api/v1"]["serverRelativeURL"].as_str().unwrap();
    let (code, doc) = env.get(&format!("{url}&timeout=32s"));
    assert_eq!(code, 200);
    assert!(doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"].is_object());
    let r = env.send("GET", "/openapi/v2?timeout=32s", &[], b"");
    assert_eq!(r.status, 404);
    let r = env.send("GET", "/api/v1/foos", &[], b"");
    assert_eq!(
        text(&r),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}"#
    );
}

#[test]
fn get_svc_prints_the_eks_row() {
    let env = Env::new();
    let r = env.send("GET", "/api/v1/namespaces/default/services?limit=500", &[("accept", TABLE)], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json;as=Table;v=v1;g=meta.k8s.io"));
    let t = parse(&r);
    assert_eq!(t["kind"], "Table");
    let names: Vec<&str> =
        t["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"]);
    assert_eq!(
        t["rows"][0]["cells"],
        json!(["kubernetes", "ClusterIP", "10.100.0.1", "<none>", "443/TCP", "3d5h", "<none>"])
    );
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(
        t["rows"][0]["object"]["metadata"]["labels"],
        json!({"component": "apiserver", "provider": "kubernetes"})
    );
    let (_, svc) = env.get("/api/v1/namespaces/default/services/kubernetes");
    assert_eq!(svc["spec"]["clusterIPs"], json!(["10.100.0.1"]));
    assert_eq!(svc["spec"]["ports"], json!([{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]));
    assert_eq!(svc["metadata"]["creationTimestamp"], "2025-05-20T10:00:00Z");
    let r = env.send("GET", "/api/v1/namespaces?limit=500", &[("accept", TABLE)], b"");
    let rows: Vec<String> =
        parse(&r)["rows"].as_array().unwrap().iter().map(|r| r["cells"][0].as_str().unwrap().to_owned()).collect();
    assert_eq!(rows, ["default", "kube-node-lease", "kube-public", "kube-system"]);
    let (_, sa) = env.get("/api/v1/namespaces/kube-system/serviceaccounts/default");
    assert_eq!(sa["metadata"]["name"], "default");
}

#[test]
fn create_configmap_from_protobuf_then_conflicts() {
    let env = Env::new();
    let body = hex::decode(
        "6b3873000a0f0a0276311209436f6e6669674d6170121b0a110a017812001a0022002a0032003800420012060a01611201621a002200",
    )
    .unwrap();
    let target = "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict";
    let headers = [
        ("content-type", "application/vnd.kubernetes.protobuf"),
        ("accept", "application/vnd.kubernetes.protobuf,application/json"),
    ];
    let r = env.send("POST", target, &headers, &body);
    assert_eq!(r.status, 201);
    let cm = parse(&r);
    assert_eq!(cm["data"], json!({"a": "b"}));
    assert_eq!(cm["metadata"]["namespace"], "default");
    assert_eq!(cm["metadata"]["uid"].as_str().unwrap().len(), 36);
    assert_eq!(cm["metadata"]["managedFields"][0]["manager"], "kubectl-create");
    assert!(cm["metadata"].get("generation").is_none());
    let r = env.send("POST", target, &headers, &body);
    assert_eq!(
        text(&r),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" already exists","reason":"AlreadyExists","details":{"name":"x","kind":"configmaps"},"code":409}"#
    );
    let r = env.send("POST", "/api/v1/namespaces/nope/configmaps", &headers, &body);
    assert_eq!(
        text(&r),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"namespaces"},"code":404}"#
    );
    let r = env.send("GET", "/api/v1/namespaces/default/configmaps/x", &[("accept", TABLE)], b"");
    let t = parse(&r);
    assert_eq!(t["rows"].as_array().unwrap().len(), 1);
    assert_eq!(t["rows"][0]["cells"][1], 1);
    let (code, bad) = env.json(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}}),
    );
    assert_eq!(code, 422);
    assert!(bad["message"].as_str().unwrap().starts_with(
        "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
    ));
}

#[test]
fn create_with_a_resource_version_is_refused_by_storage() {
    let env = Env::new();
    let cm = |name: &str, rv: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "resourceVersion": rv}});
    // `kubectl create -f` of a `get -o yaml` dump: 500 without a reason, after validation and admission.
    let r = env.send(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        &[("content-type", "application/json")],
        cm("dump", "42").to_string().as_bytes(),
    );
    assert_eq!(r.status, 500);
    assert_eq!(
        text(&r),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"resourceVersion should not be set on objects to be created","code":500}"#
    );
    assert_eq!(env.json("POST", "/api/v1/namespaces/nope/configmaps", "application/json", cm("dump", "42")).0, 404);
    assert_eq!(env.json("POST", "/api/v1/namespaces/default/configmaps", "application/json", cm("B", "42")).0, 422);
    // A version that is no integer, or 0, is ignored (etcd3's versioner cannot parse it).
    for (name, rv) in [("odd", "-1"), ("zero", "0")] {
        let (code, obj) = env.json("POST", "/api/v1/namespaces/default/configmaps", "application/json", cm(name, rv));
        assert_eq!(code, 201, "{name}");
        assert_ne!(obj["metadata"]["resourceVersion"], rv);
    }
}

#[test]
fn client_side_apply_replace_and_server_side_apply() {
    let env = Env::new();
    let cm_path = "/api/v1/namespaces/default/configmaps/demo";
    assert_eq!(env.get(cm_path).0, 404);
    let last = "{\"apiVersion\":\"v1\",\"data\":{\"k1\":\"v1\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"demo\",\"namespace\":\"default\"}}\n";
    let (code, created) = env.json(
        "POST",
        "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
        "application/json",
        json!({"apiVersion":"v1","data":{"k1":"v1"},"kind":"ConfigMap","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration": last},"name":"demo","namespace":"default"}}),
    );
    assert_eq!(code, 201);
    let rv1 = created["metadata"]["resourceVersion"].as_str().unwrap().to_owned();

    // Client-side apply of a change: a strategic merge patch without resourceVersion.
    let (code, patched) = env.json(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/demo?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
        "application/strategic-merge-patch+json",
        json!({"data":{"k1":"v1changed","k2":"v2"},"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new\n"}}}),
    );
    assert_eq!(code, 200);
    assert_eq!(patched["data"], json!({"k1": "v1changed", "k2": "v2"}));
    assert_eq!(patched["metadata"]["uid"], created["metadata"]["uid"]);
    let rv2 = patched["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    assert_ne!(rv1, rv2);

    // replace with the stale resourceVersion: 409 with kube-apiserver's words.
    let mut stale = created.clone();
    stale["data"] = json!({"k1": "replaced"});
    let (code, conflict) = env.json(
        "PUT",
        "/api/v1/namespaces/default/configmaps/demo?fieldManager=kubectl-replace",
        "application/json",
        stale,
    );
    assert_eq!(code, 409);
    assert_eq!(
        conflict["message"],
        "Operation cannot be fulfilled on configmaps \"demo\": the object has been modified; please apply your changes to the latest version and try again"
    );
    let mut fresh = patched.clone();
    fresh["data"] = json!({"k1": "replaced"});
    let (code, replaced) = env.json(
        "PUT",
        "/api/v1/namespaces/default/configmaps/demo?fieldManager=kubectl-replace",
        "application/json",
        fresh,
    );
    assert_eq!(code, 200);
    assert_eq!(replaced["data"], json!({"k1": "replaced"}));

    // A patch carrying a stale resourceVersion is a failed precondition too.
    let (code, _) = env.json(
        "PATCH",
        cm_path,
        "application/merge-patch+json",
        json!({"metadata": {"resourceVersion": rv1}, "data": {"k1": "x"}}),
    );
    assert_eq!(code, 409);

    // Server-side apply over fields another manager owns: conflict, then force.
    let ssa = json!({"apiVersion":"v1","data":{"k1":"ssa"},"kind":"ConfigMap","metadata":{"name":"demo","namespace":"default"}});
    let (code, c) = env.json(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/demo?fieldManager=kubectl&fieldValidation=Strict&force=false",
        "application/apply-patch+yaml",
        ssa.clone(),
    );
    assert_eq!(code, 409);
    assert_eq!(c["message"], "Apply failed with 1 conflict: conflict with \"kubectl-replace\" using v1: .data.k1");
    assert_eq!(
        c["details"]["causes"][0],
        json!({"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-replace\" using v1", "field": ".data.k1"})
    );
    let (code, applied) = env.json(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/demo?fieldManager=kubectl&force=true",
        "application/apply-patch+yaml",
        ssa,
    );
    assert_eq!(code, 200);
    assert_eq!(applied["data"]["k1"], "ssa");
    let managers: Vec<(&str, &str)> = applied["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["manager"].as_str().unwrap(), m["operation"].as_str().unwrap()))
        .collect();
    assert!(managers.contains(&("kubectl", "Apply")));

    // Apply creates (201) and a second identical apply is a no-op (same resourceVersion).
    let new = json!({"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"ssa-demo","namespace":"default"}});
    let target =
        "/api/v1/namespaces/default/configmaps/ssa-demo?fieldManager=kubectl&fieldValidation=Strict&force=false";
    let (code, first) = env.json("PATCH", target, "application/apply-patch+yaml", new.clone());
    assert_eq!(code, 201);
    let (code, second) = env.json("PATCH", target, "application/apply-patch+yaml", new);
    assert_eq!(code, 200);
    assert_eq!(first["metadata"]["resourceVersion"], second["metadata"]["resourceVersion"]);
    // Dropping a field it alone applied removes it.
    let (_, third) = env.json(
        "PATCH",
        target,
        "application/apply-patch+yaml",
        json!({"apiVersion":"v1","data":{"b":"2"},"kind":"ConfigMap","metadata":{"name":"ssa-demo","namespace":"default"}}),
    );
    assert_eq!(third["data"], json!({"b": "2"}));
    let (code, _) =
        env.json("PATCH", "/api/v1/namespaces/default/configmaps/ssa-demo", "application/apply-patch+yaml", json!({}));
    assert_eq!(code, 422);
}

#[test]
fn label_list_selectors_and_delete() {
    let env = Env::new();
    for (name, tier) in [("a", "front"), ("b", "back"), ("c", "front")] {
        let (code, _) = env.json(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name": name, "labels": {"tier": tier}}}),
        );
        assert_eq!(code, 201);
    }
    let (code, labelled) = env.json(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/a?fieldManager=kubectl-label",
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"env": "prod"}}}),
    );
    assert_eq!(code, 200);
    assert_eq!(labelled["metadata"]["labels"], json!({"env": "prod", "tier": "front"}));
    let names = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap().to_owned()).collect()
    };
    let (_, l) = env.get("/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dfront");
    assert_eq!(names(&l), ["a", "c"]);
    assert_eq!(l["kind"], "ConfigMapList");
    assert!(l["items"][0].get("kind").is_none());
    let (_, l) = env.get("/api/v1/configmaps?labelSelector=tier+in+%28back%29%2C%21env");
    assert_eq!(names(&l), ["b"]);
    let (_, l) = env.get("/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dc");
    assert_eq!(names(&l), ["c"]);
    let (code, e) = env.get("/api/v1/namespaces/default/configmaps?fieldSelector=spec.nodeName%3Dx");
    assert_eq!(code, 400);
    assert_eq!(e["message"], "field label not supported: spec.nodeName");
    let (_, page) = env.get("/api/v1/namespaces/default/configmaps?limit=2");
    assert_eq!(names(&page), ["a", "b"]);
    assert_eq!(page["metadata"]["remainingItemCount"], 1);
    let token = page["metadata"]["continue"].as_str().unwrap();
    let (_, rest) = env.get(&format!("/api/v1/namespaces/default/configmaps?limit=2&continue={token}"));
    assert_eq!(names(&rest), ["c"]);
    assert!(rest["metadata"].get("continue").is_none());

    let (_, b) = env.get("/api/v1/namespaces/default/configmaps/b");
    let r = env.send(
        "DELETE",
        "/api/v1/namespaces/default/configmaps/b",
        &[("content-type", "application/json")],
        br#"{"propagationPolicy":"Background"}"#,
    );
    assert_eq!(
        text(&r),
        format!(
            r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Success","details":{{"name":"b","kind":"configmaps","uid":"{}"}}}}"#,
            b["metadata"]["uid"].as_str().unwrap()
        )
    );
    assert_eq!(env.get("/api/v1/namespaces/default/configmaps/b").0, 404);
    let (code, gone) = env.json(
        "DELETE",
        "/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dfront",
        "application/json",
        json!({}),
    );
    assert_eq!(code, 200);
    assert_eq!(names(&gone), ["a", "c"]);
    let (_, l) = env.get("/api/v1/namespaces/default/configmaps");
    assert_eq!(l["items"], json!([]));
}

#[test]
fn watch_streams_changes_after_the_list() {
    let env = Env::new();
    let (_, list) = env.get("/api/v1/namespaces/kube-system/configmaps");
    let rv = list["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    let r = env.send(
        "GET",
        &format!("/api/v1/namespaces/kube-system/configmaps?resourceVersion={rv}&watch=true"),
        &[("accept", TABLE)],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let mut w = r.watch.unwrap();
    let (code, _) = env.json(
        "POST",
        "/api/v1/namespaces/kube-system/configmaps",
        "application/json",
        json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"aws-auth"},"data":{"mapRoles":"[]"}}),
    );
    assert_eq!(code, 201);
    env.json(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        json!({"metadata":{"name":"elsewhere"}}),
    );
    env.json(
        "PATCH",
        "/api/v1/namespaces/kube-system/configmaps/aws-auth",
        "application/merge-patch+json",
        json!({"data":{"mapUsers":"[]"}}),
    );
    env.send("DELETE", "/api/v1/namespaces/kube-system/configmaps/aws-auth", &[], b"");
    let chunk = w.poll(&env.store, env.now);
    assert!(!chunk.done);
    let events: Vec<Value> =
        String::from_utf8(chunk.body).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
    assert_eq!(events[0]["object"]["kind"], "Table");
    assert!(events[0]["object"]["columnDefinitions"].is_array());
    assert!(events[1]["object"]["columnDefinitions"].is_null());
    assert_eq!(events[1]["object"]["rows"][0]["cells"], json!(["aws-auth", 2, "0s"]));
    assert!(w.poll(&env.store, env.now).body.is_empty());

    // Without a resourceVersion: synthetic ADDED for what exists, plain objects with kind.
    let r = env.send("GET", "/api/v1/namespaces/default/services?watch=1", &[("accept", "application/json")], b"");
    let first: Value = serde_json::from_str(text(&r).lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "ADDED");
    assert_eq!(first["object"]["kind"], "Service");
    assert!(r.watch.is_some());

    // kubectl delete's wait: a watch on metadata.name sees only that object.
    let (_, x) =
        env.json("POST", "/api/v1/namespaces/default/configmaps", "application/json", json!({"metadata":{"name":"x"}}));
    let rv = x["metadata"]["resourceVersion"].as_str().unwrap();
    let r = env.send(
        "GET",
        &format!("/api/v1/namespaces/default/configmaps?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dx&resourceVersion={rv}&timeoutSeconds=30&watch=true"),
        &[],
        b"",
    );
    let mut w = r.watch.unwrap();
    assert_eq!(w.timeout(), Some(std::time::Duration::from_secs(30)));
    env.send("DELETE", "/api/v1/namespaces/default/configmaps/elsewhere", &[], b"");
    env.send("DELETE", "/api/v1/namespaces/default/configmaps/x", &[], b"");
    let body = String::from_utf8(w.poll(&env.store, env.now).body).unwrap();
    let events: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "DELETED");
    assert_eq!(events[0]["object"]["metadata"]["name"], "x");
}

#[test]
fn forbidden_and_reviews() {
    let env = Env::new();
    let viewer =
        UserInfo { username: "viewer".into(), groups: vec!["system:authenticated".into()], ..Default::default() };
    let r = env.send_as(&viewer, "GET", "/api/v1/namespaces/prod/configmaps?limit=500", &[], b"");
    assert_eq!(
        text(&r),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps is forbidden: User \"viewer\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"prod\"","reason":"Forbidden","details":{"kind":"configmaps"},"code":403}"#
    );
    let r = env.send_as(&viewer, "DELETE", "/api/v1/nodes/n1", &[], b"");
    assert_eq!(parse(&r)["message"], "nodes \"n1\" is forbidden: User \"viewer\" cannot delete resource \"nodes\" in API group \"\" at the cluster scope");
    let nobody = UserInfo { username: "nobody".into(), ..Default::default() };
    let r = env.send_as(&nobody, "GET", "/api", &[], b"");
    assert_eq!(parse(&r)["message"], "forbidden: User \"nobody\" cannot get path \"/api\"");

    // auth can-i list pods (the reference's protobuf body).
    let ssar = hex::decode("6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123d0a100a0012001a0022002a00320038004200121f0a1d0a0764656661756c7412046c6973741a0022002a04706f647332003a001a08080012001a0020001a002200").unwrap();
    let headers = [("content-type", "application/vnd.kubernetes.protobuf")];
    let r = env.send_as(&viewer, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", &headers, &ssar);
    assert_eq!(r.status, 201);
    let review = parse(&r);
    assert_eq!(review["status"], json!({"allowed": true, "reason": "RBAC: allowed by test"}));
    assert_eq!(review["spec"]["resourceAttributes"]["resource"], "pods");
    assert_eq!(review["metadata"], json!({"creationTimestamp": null}));

    // auth whoami.
    let r = env.send(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        &[("content-type", "application/json")],
        br#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{}}"#,
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        parse(&r)["status"]["userInfo"],
        json!({"username": "kubernetes-admin", "uid": "aws-iam-authenticator:111122223333:AIDAEXAMPLE", "groups": ["system:masters", "system:authenticated"]})
    );

    // auth can-i --list without rule resolution; and without a namespace.
    let r = env.send(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        &[("content-type", "application/json")],
        br#"{"spec":{"namespace":"default"}}"#,
    );
    assert_eq!(parse(&r)["status"]["incomplete"], true);
    let r = env.send(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        &[("content-type", "application/json")],
        br#"{"spec":{}}"#,
    );
    assert_eq!(parse(&r)["message"], "no namespace on request");

    // SubjectAccessReview about someone else.
    let r = env.send(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        &[("content-type", "application/json")],
        br#"{"spec":{"user":"viewer","resourceAttributes":{"verb":"delete","resource":"pods","namespace":"dev"}}}"#,
    );
    assert_eq!(parse(&r)["status"], json!({"allowed": false}));
}

#[test]
fn impersonation_acts_as_the_named_user() {
    let env = Env::new();
    let r = env.send(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        &[("content-type", "application/json"), ("impersonate-user", "jane"), ("impersonate-group", "devs")],
        b"{}",
    );
    assert_eq!(
        parse(&r)["status"]["userInfo"],
        json!({"username": "jane", "groups": ["devs", "system:authenticated"]})
    );
    let r = env.send("GET", "/api/v1/namespaces/dev/configmaps", &[("impersonate-user", "viewer")], b"");
    assert_eq!(r.status, 403);
    assert!(parse(&r)["message"].as_str().unwrap().contains("User \"viewer\" cannot list"));
    let viewer = UserInfo { username: "viewer".into(), ..Default::default() };
    let r =
        env.send_as(&viewer, "GET", "/api/v1/nodes", &[("impersonate-user", "system:serviceaccount:ci:deployer")], b"");
    assert_eq!(
        parse(&r)["message"],
        "serviceaccounts \"deployer\" is forbidden: User \"viewer\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"ci\""
    );
}

#[test]
fn namespaces_lifecycle() {
    let env = Env::new();
    let (code, ns) = env.json(
        "POST",
        "/api/v1/namespaces",
        "application/json",
        json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev"}}),
    );
    assert_eq!(code, 201);
    assert_eq!(ns["status"]["phase"], "Active");
    assert_eq!(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "dev");
    env.json("POST", "/api/v1/namespaces/dev/configmaps", "application/json", json!({"metadata":{"name":"cfg"}}));
    let r = env.send("DELETE", "/api/v1/namespaces/dev", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(parse(&r)["status"]["phase"], "Terminating");
    assert_eq!(env.get("/api/v1/namespaces/dev").0, 404);
    assert_eq!(env.get("/api/v1/namespaces/dev/configmaps/cfg").0, 404);
    assert_eq!(env.get("/api/v1/namespaces/dev/serviceaccounts/default").0, 404);
    let r = env.send("DELETE", "/api/v1/namespaces/default", &[], b"");
    assert_eq!(r.status, 403);
    assert_eq!(parse(&r)["message"], "namespaces \"default\" is forbidden: this namespace may not be deleted");
    let (code, _) = env.json("POST", "/api/v1/namespaces", "application/json", json!({"metadata":{"name":"a.b"}}));
    assert_eq!(code, 422);
}

#[test]
fn finalizers_dry_run_generate_name_and_generation() {
    let env = Env::new();
    let (_, cm) = env.json(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        json!({"metadata":{"name":"held","finalizers":["example.com/hold"]}}),
    );
    let r = env.send("DELETE", "/api/v1/namespaces/default/configmaps/held", &[], b"");
    let marked = parse(&r);
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(marked["metadata"]["uid"], cm["metadata"]["uid"]);
    let (code, _) = env.json(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/held",
        "application/merge-patch+json",
        json!({"metadata":{"finalizers":null}}),
    );
    assert_eq!(code, 200);
    assert_eq!(env.get("/api/v1/namespaces/default/configmaps/held").0, 404);

    let (code, dry) = env.json(
        "POST",
        "/api/v1/namespaces/default/configmaps?dryRun=All",
        "application/json",
        json!({"metadata":{"name":"ghost"}}),
    );
    assert_eq!(code, 201);
    assert_eq!(dry["metadata"]["name"], "ghost");
    assert_eq!(env.get("/api/v1/namespaces/default/configmaps/ghost").0, 404);
    // `kubectl delete --dry-run=server` puts dryRun in the DeleteOptions body, not the query.
    env.json("POST", "/api/v1/namespaces/default/configmaps", "application/json", json!({"metadata":{"name":"kept"}}));
    let (code, _) = env.json(
        "DELETE",
        "/api/v1/namespaces/default/configmaps/kept",
        "application/json",
        json!({"propagationPolicy":"Background","dryRun":["All"]}),
    );
    assert_eq!(code, 200);
    assert_eq!(env.get("/api/v1/namespaces/default/configmaps/kept").0, 200);

    let (code, generated) = env.json(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        json!({"metadata":{"generateName":"gen-"}}),
    );
    assert_eq!(code, 201);
    assert!(generated["metadata"]["name"].as_str().unwrap().starts_with("gen-"));

    let deploy = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
        "spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
                "spec":{"containers":[{"name":"app","image":"nginx:1"},{"name":"side","image":"busybox"}]}}}});
    let (code, d) = env.json("POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", deploy);
    assert_eq!(code, 201);
    assert_eq!(d["metadata"]["generation"], 1);
    assert_eq!(d["spec"]["replicas"], 1);
    let (_, d) = env.json(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        "application/strategic-merge-patch+json",
        json!({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}}}),
    );
    assert_eq!(d["metadata"]["generation"], 2);
    assert_eq!(d["spec"]["template"]["spec"]["containers"][1]["name"], "side");
    let (_, d) = env.json(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        "application/merge-patch+json",
        json!({"metadata":{"labels":{"x":"y"}}}),
    );
    assert_eq!(d["metadata"]["generation"], 2);
    let (code, scale) = env.json(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web/scale",
        "application/merge-patch+json",
        json!({"spec":{"replicas":3}}),
    );
    assert_eq!(code, 200);
    assert_eq!(scale["spec"]["replicas"], 3);
    let (_, d) = env.get("/apis/apps/v1/namespaces/default/deployments/web");
    assert_eq!(d["spec"]["replicas"], 3);
    let (code, s) = env.json("PUT", "/apis/apps/v1/namespaces/default/deployments/web/status", "application/json",
        json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":9},"status":{"readyReplicas":3}}));
    assert_eq!(code, 200);
    assert_eq!(s["status"]["readyReplicas"], 3);
    assert_eq!(s["spec"]["replicas"], 3);

    let (code, svc) = env.json(
        "POST",
        "/api/v1/namespaces/default/services",
        "application/json",
        json!({"metadata":{"name":"web"},"spec":{"type":"NodePort","selector":{"app":"web"},"ports":[{"port":80}]}}),
    );
    assert_eq!(code, 201);
    assert_eq!(svc["spec"]["clusterIP"], "10.100.0.2");
    assert_eq!(svc["spec"]["ports"][0], json!({"port": 80, "protocol": "TCP", "targetPort": 80, "nodePort": 30000}));
}

#[test]
fn watch_from_a_compacted_revision_is_expired() {
    let env = Env::new();
    env.store.write(|tx| tx.put("kube/c1/~compacted", b"50").map(|_| ())).unwrap();
    let r = env.send("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=3&watch=true", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(
        text(&r),
        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 3 (50)\",\"reason\":\"Expired\",\"code\":410}}\n"
    );
    let mut w = r.watch.unwrap();
    assert!(w.is_done());
    assert!(w.poll(&env.store, env.now).done);
}

#[test]
fn cluster_roles_aggregate_on_every_change() {
    let env = Env::new();
    let crs = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    let ct = "application/json";
    env.json(
        "POST",
        crs,
        ct,
        json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"monitoring"},
        "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"example.com/agg":"mon"}}]},"rules":[]}),
    );
    let (code, _) = env.json(
        "POST",
        crs,
        ct,
        json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole",
        "metadata":{"name":"mon-pods","labels":{"example.com/agg":"mon"}},
        "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}),
    );
    assert_eq!(code, 201);
    let (_, mon) = env.get(&format!("{crs}/monitoring"));
    assert_eq!(mon["rules"], json!([{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]));
    env.json(
        "PATCH",
        &format!("{crs}/mon-pods"),
        "application/merge-patch+json",
        json!({"metadata":{"labels":{"example.com/agg":null}}}),
    );
    let (_, mon) = env.get(&format!("{crs}/monitoring"));
    assert_eq!(mon["rules"], json!([]));
    let r = env.send("GET", &format!("{crs}?limit=500"), &[("accept", TABLE)], b"");
    let t = parse(&r);
    assert_eq!(t["columnDefinitions"][1]["name"], "Created At");
    assert_eq!(t["rows"][0]["cells"][1], "2025-05-23T15:00:00Z");
}

/// hank's RBAC (kube-apiserver.md §9.4): rbac-writer cluster-wide and pod-reader; ivy may create clusterroles.
struct RbacAuthz;

impl RbacAuthz {
    fn rules_for(user: &str) -> Vec<Value> {
        match user {
            "hank" => vec![
                json!({"verbs":["create","get","list","update"],"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","rolebindings"]}),
                json!({"verbs":["get","list","watch"],"apiGroups":[""],"resources":["pods"]}),
            ],
            "ivy" => {
                vec![json!({"verbs":["create"],"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"]})]
            }
            _ => vec![],
        }
    }
}

impl Authorizer for RbacAuthz {
    fn authorize(&self, user: &UserInfo, attrs: &Attributes) -> Decision {
        let has = |v: &Value, k: &str, x: &str| v[k].as_array().unwrap().iter().any(|e| e == x || e == "*");
        let allowed = user.groups.iter().any(|g| g == "system:masters")
            || Self::rules_for(&user.username).iter().any(|r| {
                has(r, "verbs", &attrs.verb)
                    && has(r, "apiGroups", &attrs.api_group)
                    && has(r, "resources", &attrs.resource)
            });
        Decision { verdict: if allowed { Verdict::Allow } else { Verdict::NoOpinion }, reason: String::new() }
    }

    fn rules(&self, user: &UserInfo, _namespace: &str) -> Option<eksim_kubeapi::RulesReview> {
        Some(eksim_kubeapi::RulesReview { resource_rules: Self::rules_for(&user.username), ..Default::default() })
    }
}

#[test]
fn rbac_escalation_is_prevented() {
    let env = Env::new();
    let send = |user: &UserInfo, target: &str, body: Value| {
        let req = KubeRequest {
            method: "POST".into(),
            path: target.into(),
            query: String::new(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        let r = handle(&env.store, &env.cluster, user, &RbacAuthz, &req, env.now);
        (r.status, parse(&r))
    };
    let admin = env.user.clone();
    let hank = UserInfo { username: "hank".into(), groups: vec!["system:authenticated".into()], ..Default::default() };
    let ivy = UserInfo { username: "ivy".into(), groups: vec!["system:authenticated".into()], ..Default::default() };
    let roles = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles";
    let role = |name: &str, resource: &str, verbs: Value| {
        json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":name},
               "rules":[{"apiGroups":[""],"resources":[resource],"verbs":verbs}]})
    };
    assert_eq!(send(&hank, roles, role("r1", "pods", json!(["get", "list"]))).0, 201);
    let (code, denied) = send(&hank, roles, role("r2", "secrets", json!(["get"])));
    assert_eq!(code, 403);
    assert_eq!(
        denied["message"],
        "roles.rbac.authorization.k8s.io \"r2\" is forbidden: user \"hank\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}"
    );
    assert_eq!(denied["details"], json!({"name":"r2","group":"rbac.authorization.k8s.io","kind":"roles"}));
    assert_eq!(send(&admin, roles, role("r2", "secrets", json!(["get"]))).0, 201);

    let (code, _) = send(
        &admin,
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"view"},
               "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list","watch"]}]}),
    );
    assert_eq!(code, 201);
    let binding = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb2"},
        "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
        "subjects":[{"kind":"User","name":"x","apiGroup":"rbac.authorization.k8s.io"}]});
    let (code, denied) =
        send(&hank, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding.clone());
    assert_eq!(code, 403);
    assert!(denied["message"].as_str().unwrap().starts_with(
        "rolebindings.rbac.authorization.k8s.io \"rb2\" is forbidden: user \"hank\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"get\" \"list\" \"watch\"]}"
    ));
    assert_eq!(send(&admin, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding).0, 201);

    let (code, denied) = send(
        &ivy,
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"agg"},"rules":[],
               "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"a":"b"}}]}}),
    );
    assert_eq!(code, 403);
    assert_eq!(
        denied["message"],
        "clusterroles.rbac.authorization.k8s.io \"agg\" is forbidden: must have cluster-admin privileges to use the aggregationRule"
    );
}

#[test]
fn bindings_are_validated() {
    let env = Env::new();
    let crbs = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
    let (code, e) = env.json(
        "POST",
        crbs,
        "application/json",
        json!({"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},
               "subjects":[{"kind":"ServiceAccount","name":"default"}]}),
    );
    assert_eq!(code, 422);
    assert_eq!(
        e["message"],
        "ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: [roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\", subjects[0].namespace: Required value]"
    );
    let (code, b) = env.json(
        "POST",
        crbs,
        "application/json",
        json!({"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
               "subjects":[{"kind":"User","name":"alice"}]}),
    );
    assert_eq!(code, 201);
    assert_eq!(b["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
    let (code, e) =
        env.json("PATCH", &format!("{crbs}/b"), "application/merge-patch+json", json!({"roleRef":{"name":"edit"}}));
    assert_eq!(code, 422);
    assert_eq!(
        e["message"],
        "ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"edit\"}: cannot change roleRef"
    );
}
