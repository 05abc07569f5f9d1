//! `/version`, discovery (aggregated v2/v2beta1 and legacy) and OpenAPI v3, all read from the
//! resource catalog (kubectl-wire.md §2, kube-apiserver.md §8.6).

use crate::resources::{groups, ResourceDef, Serving, RESOURCES};
use crate::table::media_ranges;
use crate::{ClusterInfo, KubeResponse};
use serde_json::{json, Value};

/// `/version`: minor `32` and an EKS `gitVersion` for 1.32 (kubectl-wire.md §2: the dispatcher
/// build picks its kubectl from this minor). Other versions answer the observed EKS shape `"NN+"`.
pub(crate) fn version(cluster: &ClusterInfo) -> KubeResponse {
    const V132: &str = r#"{"major":"1","minor":"32","gitVersion":"v1.32.5-eks-5d4a308","gitCommit":"5d4a30867b5fc4ed1bd36a80d0e6f0a60b5d2a2c","gitTreeState":"clean","buildDate":"2025-05-20T21:35:48Z","goVersion":"go1.23.8","compiler":"gc","platform":"linux/amd64"}"#;
    let minor = cluster.version.split('.').nth(1).unwrap_or("32");
    if minor == "32" {
        return KubeResponse::json(200, V132.as_bytes().to_vec());
    }
    let (patch, go) = match minor {
        "27" => ("16", "go1.22.5"),
        "28" => ("15", "go1.22.5"),
        "29" => ("15", "go1.23.6"),
        "30" => ("13", "go1.23.8"),
        "31" => ("9", "go1.23.8"),
        "33" => ("1", "go1.24.2"),
        _ => ("0", "go1.23.8"),
    };
    let body = json!({
        "major": "1",
        "minor": format!("{minor}+"),
        "gitVersion": format!("v1.{minor}.{patch}-eks-5d4a308"),
        "gitCommit": "5d4a30867b5fc4ed1bd36a80d0e6f0a60b5d2a2c",
        "gitTreeState": "clean",
        "buildDate": "2025-05-20T21:35:48Z",
        "goVersion": go,
        "compiler": "gc",
        "platform": "linux/amd64",
    });
    KubeResponse::json_value(200, &body)
}

/// Which aggregated discovery version the Accept header asks for before plain JSON, if any.
fn aggregated_version(accept: &str) -> Option<&'static str> {
    for (ty, params) in media_ranges(accept) {
        let param = |k: &str| params.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.as_str());
        if ty == "application/json"
            && param("g") == Some("apidiscovery.k8s.io")
            && param("as") == Some("APIGroupDiscoveryList")
        {
            match param("v") {
                Some("v2") => return Some("v2"),
                Some("v2beta1") => return Some("v2beta1"),
                _ => continue,
            }
        }
        if (ty == "application/json" && param("as").is_none()) || ty == "*/*" {
            return None;
        }
    }
    None
}

fn kind_ref(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "version": version, "kind": kind})
}

fn aggregated_resource(r: &ResourceDef) -> Value {
    let mut v = json!({
        "resource": r.resource,
        "responseKind": kind_ref(r.group, r.version, r.kind),
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular(),
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                let (g, ver, k) = s.kind.unwrap_or((r.group, r.version, r.kind));
                json!({"subresource": s.name, "responseKind": kind_ref(g, ver, k), "verbs": s.verbs})
            })
            .collect();
        v["subresources"] = Value::Array(subs);
    }
    v
}

fn aggregated_group(group: &str, version: &str) -> Value {
    let resources: Vec<Value> =
        RESOURCES.iter().filter(|r| r.group == group && r.version == version).map(aggregated_resource).collect();
    let mut metadata = json!({"creationTimestamp": null});
    if !group.is_empty() {
        metadata = json!({"name": group, "creationTimestamp": null});
    }
    json!({"metadata": metadata, "versions": [{"version": version, "resources": resources, "freshness": "Current"}]})
}

fn aggregated(version: &str, items: Vec<Value>) -> KubeResponse {
    let body = json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items,
    });
    let mut r = KubeResponse::json_value(200, &body);
    r.set_content_type(&format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"));
    r
}

/// `GET /api`.
pub(crate) fn api(cluster: &ClusterInfo, accept: &str) -> KubeResponse {
    if let Some(v) = aggregated_version(accept) {
        return aggregated(v, vec![aggregated_group("", "v1")]);
    }
    let address = format!("{}:443", crate::seed::first_ip(&cluster.service_cidr));
    KubeResponse::json_value(
        200,
        &json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}),
    )
}

fn group_entry(group: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `GET /apis`.
pub(crate) fn apis(accept: &str) -> KubeResponse {
    if let Some(v) = aggregated_version(accept) {
        return aggregated(v, groups().into_iter().map(|(g, ver)| aggregated_group(g, ver)).collect());
    }
    let list: Vec<Value> = groups().into_iter().map(|(g, v)| group_entry(g, v)).collect();
    KubeResponse::json_value(200, &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": list}))
}

/// `GET /apis/{group}`, or None when the group is not served.
pub(crate) fn api_group(group: &str) -> Option<KubeResponse> {
    let (_, version) = groups().into_iter().find(|(g, _)| *g == group)?;
    let mut body = group_entry(group, version);
    body["kind"] = json!("APIGroup");
    body["apiVersion"] = json!("v1");
    Some(KubeResponse::json_value(200, &body))
}

/// `GET /api/v1` or `/apis/{group}/{version}`: the legacy `APIResourceList`, or None.
pub(crate) fn resource_list(group: &str, version: &str) -> Option<KubeResponse> {
    let rows: Vec<&ResourceDef> = RESOURCES.iter().filter(|r| r.group == group && r.version == version).collect();
    if rows.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for r in rows {
        let mut v = json!({
            "name": r.resource,
            "singularName": r.singular(),
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            v["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            v["categories"] = json!(r.categories);
        }
        resources.push(v);
        for s in r.subresources {
            let mut sv = json!({
                "name": format!("{}/{}", r.resource, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": s.verbs,
            });
            if let Some((g, ver, k)) = s.kind {
                sv["group"] = json!(g);
                sv["version"] = json!(ver);
                sv["kind"] = json!(k);
            }
            resources.push(sv);
        }
    }
    let gv = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
    Some(KubeResponse::json_value(
        200,
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    ))
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

pub(crate) fn all_gvs() -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("", "v1")];
    out.extend(groups());
    out
}

/// The OpenAPI v3 document of one group/version: the PATCH operation of every stored kind with its
/// `fieldValidation` query parameter, which is what kubectl checks before sending
/// `fieldValidation=Strict` (kubectl-wire.md §2), and the schemas `kubectl explain` renders.
fn openapi_gv(group: &str, version: &str) -> Value {
    let mut paths = serde_json::Map::new();
    for r in RESOURCES.iter().filter(|r| r.group == group && r.version == version && r.serving == Serving::Stored) {
        let base = format!("/{}", gv_path(group, version));
        let item = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.resource)
        } else {
            format!("{base}/{}/{{name}}", r.resource)
        };
        let op = |verb: &str| {
            json!({
                "description": format!("{verb} the specified {}", r.kind),
                "operationId": format!("{verb}{}", r.kind),
                "x-kubernetes-action": verb,
                "x-kubernetes-group-version-kind": kind_ref(r.group, r.version, r.kind),
                "parameters": [
                    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                ],
                "responses": {"200": {"description": "OK"}},
            })
        };
        paths.insert(item, json!({"patch": op("patch"), "put": op("put")}));
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.5"},
        "paths": paths,
        "components": {"schemas": crate::schemas::schemas(group, version)},
    })
}

/// FNV-1a over the document: a stable `hash=` for `serverRelativeURL`.
fn hash(v: &Value) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in v.to_string().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016X}")
}

/// `GET /openapi/v3`.
pub(crate) fn openapi_root() -> KubeResponse {
    let mut paths = serde_json::Map::new();
    for (g, v) in all_gvs() {
        let p = gv_path(g, v);
        let url = format!("/openapi/v3/{p}?hash={}", hash(&openapi_gv(g, v)));
        paths.insert(p, json!({"serverRelativeURL": url}));
    }
    KubeResponse::json_value(200, &json!({"paths": paths}))
}

/// `GET /openapi/v3/{api/v1 | apis/g/v}`, or None.
pub(crate) fn openapi_doc(rest: &str) -> Option<KubeResponse> {
    let (g, v) = all_gvs().into_iter().find(|(g, v)| gv_path(g, v) == rest)?;
    Some(KubeResponse::json_value(200, &openapi_gv(g, v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECTL_ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

    fn body(r: &KubeResponse) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn aggregated_discovery_has_the_mandatory_content_type() {
        let r = apis(KUBECTL_ACCEPT);
        assert_eq!(
            r.header("content-type"),
            Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        );
        let b = body(&r);
        assert_eq!(b["kind"], "APIGroupDiscoveryList");
        assert_eq!(b["apiVersion"], "apidiscovery.k8s.io/v2");
        let apps = b["items"].as_array().unwrap().iter().find(|i| i["metadata"]["name"] == "apps").unwrap();
        let deploy = apps["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "deployments")
            .unwrap();
        assert_eq!(deploy["shortNames"], json!(["deploy"]));
        assert_eq!(deploy["categories"], json!(["all"]));
        assert_eq!(deploy["scope"], "Namespaced");
        assert_eq!(deploy["singularResource"], "deployment");
        let scale = deploy["subresources"].as_array().unwrap().iter().find(|s| s["subresource"] == "scale").unwrap();
        assert_eq!(scale["responseKind"], json!({"group":"autoscaling","version":"v1","kind":"Scale"}));
        let beta = apis("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
        assert_eq!(
            beta.header("content-type"),
            Some("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")
        );
    }

    #[test]
    fn core_aggregated_item_has_no_name() {
        let cluster = crate::tests::cluster();
        let b = body(&api(&cluster, KUBECTL_ACCEPT));
        assert_eq!(b["items"][0]["metadata"], json!({"creationTimestamp": null}));
        let svc = b["items"][0]["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "services")
            .unwrap();
        assert_eq!(svc["responseKind"], json!({"group":"","version":"v1","kind":"Service"}));
        assert_eq!(
            svc["verbs"],
            json!(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
        );
        assert_eq!(svc["shortNames"], json!(["svc"]));
    }

    #[test]
    fn legacy_discovery() {
        let cluster = crate::tests::cluster();
        let r = api(&cluster, "application/json, */*");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(body(&r)["serverAddressByClientCIDRs"][0]["serverAddress"], "10.100.0.1:443");
        let b = body(&apis("application/json"));
        assert_eq!(b["kind"], "APIGroupList");
        assert!(b["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["preferredVersion"]["groupVersion"] == "rbac.authorization.k8s.io/v1"));
        let v1 = body(&resource_list("", "v1").unwrap());
        let ns = v1["resources"].as_array().unwrap().iter().find(|r| r["name"] == "namespaces").unwrap();
        assert_eq!(ns["namespaced"], false);
        assert_eq!(ns["shortNames"], json!(["ns"]));
        let apps = body(&resource_list("apps", "v1").unwrap());
        let scale = apps["resources"].as_array().unwrap().iter().find(|r| r["name"] == "deployments/scale").unwrap();
        assert_eq!(scale["group"], "autoscaling");
        assert!(resource_list("nope", "v1").is_none());
    }

    #[test]
    fn version_document_is_the_reference() {
        let r = version(&crate::tests::cluster());
        assert_eq!(
            String::from_utf8(r.body).unwrap(),
            r#"{"major":"1","minor":"32","gitVersion":"v1.32.5-eks-5d4a308","gitCommit":"5d4a30867b5fc4ed1bd36a80d0e6f0a60b5d2a2c","gitTreeState":"clean","buildDate":"2025-05-20T21:35:48Z","goVersion":"go1.23.8","compiler":"gc","platform":"linux/amd64"}"#
        );
    }

    #[test]
    fn openapi_patch_ops_carry_field_validation() {
        let root = body(&openapi_root());
        let url = root["paths"]["api/v1"]["serverRelativeURL"].as_str().unwrap();
        assert!(url.starts_with("/openapi/v3/api/v1?hash="));
        let doc = body(&openapi_doc("api/v1").unwrap());
        let op = &doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"], json!({"group":"","version":"v1","kind":"ConfigMap"}));
        assert!(op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation" && p["in"] == "query"));
        let rbac = body(&openapi_doc("apis/rbac.authorization.k8s.io/v1").unwrap());
        assert!(rbac["paths"]["/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"]["patch"].is_object());
        assert!(openapi_doc("apis/nope/v1").is_none());
    }
}
