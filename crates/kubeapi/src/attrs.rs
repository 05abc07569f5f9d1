//! Request attributes as kube-apiserver's `RequestInfoFactory` derives them from method, path and
//! query (apiserver `endpoints/request/requestinfo.go`, kube-apiserver.md §1). Authorization sees
//! exactly these, so RBAC rules with `resourceNames` and namespaces match as on a real cluster.

use eksim_kube_auth::Attributes;

/// Kubernetes' `namespaceSubresources`: `namespaces/{ns}/status` stays a namespace request.
const NAMESPACE_SUBRESOURCES: [&str; 2] = ["status", "finalize"];

/// The authorizer attributes of a request; `path` is after any cluster prefix, `query` is raw.
pub fn request_attributes(method: &str, path: &str, query: &str) -> Attributes {
    let mut attrs = Attributes { path: path.to_owned(), ..Default::default() };
    let trimmed = path.trim_matches('/');
    let mut parts: Vec<&str> = if trimmed.is_empty() { Vec::new() } else { trimmed.split('/').collect() };
    let non_resource = |attrs: &mut Attributes| {
        attrs.resource_request = false;
        attrs.verb = method.to_ascii_lowercase();
    };
    if parts.len() < 3 || !matches!(parts[0], "api" | "apis") {
        non_resource(&mut attrs);
        return attrs;
    }
    let legacy = parts[0] == "api";
    parts.remove(0);
    if !legacy {
        if parts.len() < 3 {
            non_resource(&mut attrs);
            return attrs;
        }
        attrs.api_group = parts.remove(0).to_owned();
    }
    attrs.api_version = parts.remove(0).to_owned();
    attrs.resource_request = true;

    if matches!(parts.first(), Some(&"watch") | Some(&"proxy")) && parts.len() >= 2 {
        attrs.verb = parts.remove(0).to_owned();
    } else {
        attrs.verb = match method.to_ascii_uppercase().as_str() {
            "POST" => "create",
            "GET" | "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        }
        .to_owned();
    }

    if parts.first() == Some(&"namespaces") && parts.len() > 1 {
        attrs.namespace = parts[1].to_owned();
        if parts.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&parts[2]) {
            parts.drain(..2);
        }
    }
    // parts: resource/name/subresource/…
    if parts.len() >= 3 && attrs.verb != "proxy" {
        attrs.subresource = parts[2].to_owned();
    }
    if parts.len() >= 2 {
        attrs.name = parts[1].to_owned();
    }
    if let Some(r) = parts.first() {
        attrs.resource = (*r).to_owned();
    }

    if attrs.name.is_empty() && attrs.verb == "get" {
        let q = Query::parse(query);
        attrs.verb = if q.watch() { "watch" } else { "list" }.to_owned();
        // A `metadata.name=x` field selector names the object (RBAC resourceNames can then match a
        // `kubectl delete`/`wait` watch); requestinfo.go takes it when it is a valid path segment.
        if let Some(sel) = q.get("fieldSelector") {
            if let Some(name) = exact_field(sel, "metadata.name") {
                if valid_path_segment(&name) {
                    attrs.name = name;
                }
            }
        }
    }
    if attrs.name.is_empty() && attrs.verb == "delete" {
        attrs.verb = "deletecollection".to_owned();
    }
    attrs
}

/// `path.IsValidPathSegmentName`.
pub(crate) fn valid_path_segment(name: &str) -> bool {
    !(name == "." || name == ".." || name.contains('/') || name.contains('%'))
}

/// The value `field` must equal when the selector has a single `field=value` (or `==`) term for it.
fn exact_field(selector: &str, field: &str) -> Option<String> {
    let sel = crate::selectors::FieldSelector::parse(selector).ok()?;
    sel.requires_exact_match(field)
}

/// Decoded query parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(query: &str) -> Self {
        Self { pairs: form_urlencoded::parse(query.as_bytes()).into_owned().collect() }
    }

    /// The first value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `?watch=`: Go's `ParseBool`, and on a parse failure anything but `false`/`0` (requestinfo.go).
    pub(crate) fn watch(&self) -> bool {
        match self.get("watch") {
            None => false,
            Some(v) => match v {
                "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
                "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
                other => !matches!(other.to_ascii_lowercase().as_str(), "false" | "0"),
            },
        }
    }

    /// A boolean parameter such as `force`.
    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "t" | "T" | "TRUE" | "true" | "True"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (method, path, query) → (resource_request, verb, group, ns, resource, sub, name).
    fn check(method: &str, path: &str, query: &str, want: (bool, &str, &str, &str, &str, &str, &str)) {
        let a = request_attributes(method, path, query);
        let got = (
            a.resource_request,
            a.verb.as_str(),
            a.api_group.as_str(),
            a.namespace.as_str(),
            a.resource.as_str(),
            a.subresource.as_str(),
            a.name.as_str(),
        );
        assert_eq!(got, want, "{method} {path}?{query}");
        assert_eq!(a.path, path);
    }

    #[test]
    fn reference_table_rows() {
        check("GET", "/api/v1/namespaces/dev/pods", "watch=1", (true, "watch", "", "dev", "pods", "", ""));
        check("GET", "/api/v1/pods", "", (true, "list", "", "", "pods", "", ""));
        check("GET", "/api/v1/namespaces/dev/pods/x/log", "", (true, "get", "", "dev", "pods", "log", "x"));
        check("POST", "/api/v1/namespaces/dev/configmaps", "", (true, "create", "", "dev", "configmaps", "", ""));
        check(
            "PUT",
            "/apis/apps/v1/namespaces/dev/deployments/web/scale",
            "",
            (true, "update", "apps", "dev", "deployments", "scale", "web"),
        );
        check(
            "DELETE",
            "/api/v1/namespaces/dev/configmaps",
            "",
            (true, "deletecollection", "", "dev", "configmaps", "", ""),
        );
        check("GET", "/api/v1/namespaces/dev", "", (true, "get", "", "dev", "namespaces", "", "dev"));
    }

    #[test]
    fn non_resource_paths() {
        for p in ["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/healthz", "/version", "/openapi/v3", "/"]
        {
            check("GET", p, "", (false, "get", "", "", "", "", ""));
        }
        check("POST", "/logs", "", (false, "post", "", "", "", "", ""));
        check("HEAD", "/healthz", "", (false, "head", "", "", "", "", ""));
    }

    #[test]
    fn verbs_from_methods() {
        check(
            "PATCH",
            "/api/v1/namespaces/kube-system/configmaps/aws-auth",
            "",
            (true, "patch", "", "kube-system", "configmaps", "", "aws-auth"),
        );
        check(
            "PUT",
            "/api/v1/namespaces/kube-system/configmaps/aws-auth",
            "",
            (true, "update", "", "kube-system", "configmaps", "", "aws-auth"),
        );
        check(
            "DELETE",
            "/api/v1/namespaces/default/configmaps/x",
            "",
            (true, "delete", "", "default", "configmaps", "", "x"),
        );
        check("HEAD", "/api/v1/nodes/n1", "", (true, "get", "", "", "nodes", "", "n1"));
        check("OPTIONS", "/api/v1/nodes/n1", "", (true, "", "", "", "nodes", "", "n1"));
    }

    #[test]
    fn namespace_forms() {
        check("GET", "/api/v1/namespaces", "", (true, "list", "", "", "namespaces", "", ""));
        check("POST", "/api/v1/namespaces", "", (true, "create", "", "", "namespaces", "", ""));
        check(
            "PUT",
            "/api/v1/namespaces/dev/finalize",
            "",
            (true, "update", "", "dev", "namespaces", "finalize", "dev"),
        );
        check("GET", "/api/v1/namespaces/dev/status", "", (true, "get", "", "dev", "namespaces", "status", "dev"));
        check("DELETE", "/api/v1/namespaces/dev", "", (true, "delete", "", "dev", "namespaces", "", "dev"));
    }

    #[test]
    fn watch_forms() {
        check("GET", "/api/v1/watch/namespaces/dev/pods", "", (true, "watch", "", "dev", "pods", "", ""));
        check("GET", "/api/v1/namespaces/dev/pods", "watch=true", (true, "watch", "", "dev", "pods", "", ""));
        check("GET", "/api/v1/namespaces/dev/pods", "watch=false", (true, "list", "", "dev", "pods", "", ""));
        check("GET", "/api/v1/namespaces/dev/pods", "watch=0", (true, "list", "", "dev", "pods", "", ""));
        check("GET", "/api/v1/namespaces/dev/pods", "watch=yes", (true, "watch", "", "dev", "pods", "", ""));
        check(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            "allowWatchBookmarks=true&fieldSelector=metadata.name%3Dx&resourceVersion=5&timeoutSeconds=30&watch=true",
            (true, "watch", "", "default", "configmaps", "", "x"),
        );
        check(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            "fieldSelector=metadata.name%3Dx&limit=500",
            (true, "list", "", "default", "configmaps", "", "x"),
        );
        check(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            "fieldSelector=metadata.name%21%3Dx",
            (true, "list", "", "default", "configmaps", "", ""),
        );
    }

    #[test]
    fn grouped_resources() {
        check(
            "GET",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin",
            "",
            (true, "get", "rbac.authorization.k8s.io", "", "clusterroles", "", "cluster-admin"),
        );
        check(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            "",
            (true, "create", "authorization.k8s.io", "", "selfsubjectaccessreviews", "", ""),
        );
        check(
            "GET",
            "/apis/apps/v1/namespaces/dev/deployments/web/status",
            "",
            (true, "get", "apps", "dev", "deployments", "status", "web"),
        );
    }
}
