//! `Status`: the one place a failure becomes Kubernetes wire bytes.
//!
//! kubectl prints `Status.message` verbatim (`Error from server (NotFound): …`), and decides
//! its 401 wording from `reason` (kubectl-wire.md §6), so every text here follows apimachinery's
//! `pkg/api/errors` and the apiserver's `responsewriters` (kube-apiserver.md §4) to the byte.
//! Field order is kube-apiserver's: `kind, apiVersion, metadata, status, message, reason, details, code`.

use crate::KubeResponse;
use eksim_kube_auth::Attributes;
use serde::Serialize;

/// `Status.details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    /// The object's name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The API group (empty for core).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The resource (`configmaps`) or, for Invalid, the Kind (`ConfigMap`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object's uid (delete answers).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Field-level causes (Invalid, apply conflicts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    /// Retry hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<i32>,
}

/// One `Status.details.causes` entry (`field.Error` or a field-manager conflict).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusCause {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldManagerConflict`, …
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The text after `<field>: `.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The field path, e.g. `metadata.name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: Empty,
    status: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a StatusDetails>,
    #[serde(skip_serializing_if = "is_zero")]
    code: u16,
}

#[derive(Serialize)]
struct Empty {}

fn is_zero(c: &u16) -> bool {
    *c == 0
}

/// A failure `Status` with HTTP status `code`; `details: None` omits the field,
/// `Some(StatusDetails::default())` sends `"details":{}` (non-resource Forbidden does).
pub fn status(code: u16, reason: &str, message: &str, details: Option<StatusDetails>) -> KubeResponse {
    let body = StatusBody {
        kind: "Status",
        api_version: "v1",
        metadata: Empty {},
        status: "Failure",
        message,
        reason,
        details: details.as_ref(),
        code,
    };
    KubeResponse::json(code, serde_json::to_vec(&body).unwrap_or_default())
}

/// The Success Status a delete answers: `{"kind":"Status",…,"status":"Success","details":{…}}` (no code).
pub fn success(details: StatusDetails) -> KubeResponse {
    let body = StatusBody {
        kind: "Status",
        api_version: "v1",
        metadata: Empty {},
        status: "Success",
        message: "",
        reason: "",
        details: Some(&details),
        code: 0,
    };
    KubeResponse::json(200, serde_json::to_vec(&body).unwrap_or_default())
}

/// The 401 body kube-apiserver sends on every path: body (a) of kubectl-wire.md §6.1.
pub fn unauthorized() -> KubeResponse {
    status(401, "Unauthorized", "Unauthorized", None)
}

/// A group and resource, printed `resource` or `resource.group` as apimachinery's `GroupResource.String()`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupResource {
    /// API group (`""` for core).
    pub group: String,
    /// Plural resource name.
    pub resource: String,
}

impl GroupResource {
    /// Builds one.
    pub fn new(group: &str, resource: &str) -> Self {
        Self { group: group.to_owned(), resource: resource.to_owned() }
    }
}

impl std::fmt::Display for GroupResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// Go's `%q` for the strings kube-apiserver quotes (names, users, paths).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The core of a Forbidden message (responsewriters `forbiddenMessage`, then its HTML sanitizer).
pub fn forbidden_core(username: &str, attrs: &Attributes) -> String {
    let msg = if !attrs.resource_request {
        format!("User {} cannot {} path {}", go_quote(username), attrs.verb, go_quote(&attrs.path))
    } else {
        let mut resource = attrs.resource.clone();
        if !attrs.subresource.is_empty() {
            resource = format!("{resource}/{}", attrs.subresource);
        }
        if attrs.namespace.is_empty() {
            format!(
                "User {} cannot {} resource {} in API group {} at the cluster scope",
                go_quote(username),
                attrs.verb,
                go_quote(&resource),
                go_quote(&attrs.api_group)
            )
        } else {
            format!(
                "User {} cannot {} resource {} in API group {} in the namespace {}",
                go_quote(username),
                attrs.verb,
                go_quote(&resource),
                go_quote(&attrs.api_group),
                go_quote(&attrs.namespace)
            )
        }
    };
    msg.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The full Forbidden `Status.message` for a denied request (kube-apiserver.md §4.1): the chain's
/// reason, when not empty, follows the core unquoted.
pub fn forbidden_message(username: &str, attrs: &Attributes, reason: &str) -> String {
    let mut err = forbidden_core(username, attrs);
    if !reason.is_empty() {
        err = format!("{err}: {reason}");
    }
    let gr = if attrs.resource_request {
        GroupResource::new(&attrs.api_group, &attrs.resource)
    } else {
        GroupResource::default()
    };
    wrap_forbidden(&gr, &attrs.name, &err)
}

fn wrap_forbidden(gr: &GroupResource, name: &str, err: &str) -> String {
    if gr.resource.is_empty() && gr.group.is_empty() {
        format!("forbidden: {err}")
    } else if name.is_empty() {
        format!("{gr} is forbidden: {err}")
    } else {
        format!("{gr} {} is forbidden: {err}", go_quote(name))
    }
}

/// The 403 answer to a denied request.
pub fn forbidden(username: &str, attrs: &Attributes, reason: &str) -> KubeResponse {
    let msg = forbidden_message(username, attrs, reason);
    let (gr, name) = if attrs.resource_request {
        (GroupResource::new(&attrs.api_group, &attrs.resource), attrs.name.clone())
    } else {
        (GroupResource::default(), String::new())
    };
    status(
        403,
        "Forbidden",
        &msg,
        Some(StatusDetails { name, group: gr.group, kind: gr.resource, ..Default::default() }),
    )
}

/// One `field.Error` (apimachinery `util/validation/field`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// `FieldValueInvalid`, `FieldValueRequired`, …
    pub reason: &'static str,
    /// The field path.
    pub field: String,
    /// `ErrorBody()`: `Invalid value: "x": detail`, `Required value: detail`.
    pub body: String,
}

impl FieldError {
    /// `field.Invalid` with a string value.
    pub fn invalid(field: &str, value: &str, detail: &str) -> Self {
        let mut body = format!("Invalid value: {}", go_quote(value));
        if !detail.is_empty() {
            body = format!("{body}: {detail}");
        }
        Self { reason: "FieldValueInvalid", field: field.to_owned(), body }
    }

    /// `field.Required`.
    pub fn required(field: &str, detail: &str) -> Self {
        let mut body = "Required value".to_owned();
        if !detail.is_empty() {
            body = format!("{body}: {detail}");
        }
        Self { reason: "FieldValueRequired", field: field.to_owned(), body }
    }

    /// `field.Forbidden`.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        let mut body = "Forbidden".to_owned();
        if !detail.is_empty() {
            body = format!("{body}: {detail}");
        }
        Self { reason: "FieldValueForbidden", field: field.to_owned(), body }
    }

    /// `field.NotSupported` with string values.
    pub fn not_supported(field: &str, value: &str, valid: &[&str]) -> Self {
        let quoted: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
        let body = format!("Unsupported value: {}: supported values: {}", go_quote(value), quoted.join(", "));
        Self { reason: "FieldValueNotSupported", field: field.to_owned(), body }
    }

    fn text(&self) -> String {
        format!("{}: {}", self.field, self.body)
    }
}

/// Facts that end a request; [`ApiError::into_response`] is where they become `Status` bytes.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404 for a named object.
    #[error("not found")]
    NotFound { gr: GroupResource, name: String },
    /// 404 for a path nothing serves.
    #[error("no such path")]
    NoRoute,
    /// 409 on create.
    #[error("already exists")]
    AlreadyExists { gr: GroupResource, name: String, generated: bool },
    /// 409 optimistic-concurrency failure or a failed precondition.
    #[error("conflict")]
    Conflict { gr: GroupResource, name: String, detail: String },
    /// 409 server-side apply conflicts.
    #[error("apply conflict")]
    ApplyConflict { message: String, causes: Vec<StatusCause> },
    /// 422 with field errors; `kind` is the Kind, qualified with its group when not core.
    #[error("invalid")]
    Invalid { kind: String, group: String, name: String, errors: Vec<FieldError> },
    /// 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 403 from storage or admission (not from the authorizer).
    #[error("forbidden")]
    Forbidden { gr: GroupResource, name: String, reason: String },
    /// 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 405 for a verb the resource does not support.
    #[error("method not supported")]
    MethodNotSupported { gr: GroupResource, verb: String },
    /// 415.
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// 500.
    #[error("internal: {0}")]
    Internal(String),
    /// A plain error from storage that is no `Status`: 500 with the error text and no reason
    /// (apiserver `ErrorToAPIStatus`), which kubectl prints as `Error from server: <text>`.
    #[error("unknown: {0}")]
    Unknown(String),
}

impl From<eksim_store::Error> for ApiError {
    fn from(e: eksim_store::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// The per-request result type.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    /// The `Status` body and HTTP code.
    pub fn into_response(self) -> KubeResponse {
        match self {
            ApiError::NotFound { gr, name } => status(
                404,
                "NotFound",
                &format!("{gr} {} not found", go_quote(&name)),
                Some(StatusDetails { name, group: gr.group, kind: gr.resource, ..Default::default() }),
            ),
            ApiError::NoRoute => status(404, "NotFound", "the server could not find the requested resource", None),
            ApiError::AlreadyExists { gr, name, generated } => {
                let mut msg = format!("{gr} {} already exists", go_quote(&name));
                if generated {
                    msg.push_str(", the server was not able to generate a unique name for the object");
                }
                status(
                    409,
                    "AlreadyExists",
                    &msg,
                    Some(StatusDetails { name, group: gr.group, kind: gr.resource, ..Default::default() }),
                )
            }
            ApiError::Conflict { gr, name, detail } => status(
                409,
                "Conflict",
                &format!("Operation cannot be fulfilled on {gr} {}: {detail}", go_quote(&name)),
                Some(StatusDetails { name, group: gr.group, kind: gr.resource, ..Default::default() }),
            ),
            ApiError::ApplyConflict { message, causes } => {
                status(409, "Conflict", &message, Some(StatusDetails { causes, ..Default::default() }))
            }
            ApiError::Invalid { kind, group, name, errors } => {
                let qualified = if group.is_empty() { kind.clone() } else { format!("{kind}.{group}") };
                let texts: Vec<String> = dedup(errors.iter().map(FieldError::text).collect());
                let joined = if texts.len() == 1 { texts[0].clone() } else { format!("[{}]", texts.join(", ")) };
                let msg = format!("{qualified} {} is invalid: {joined}", go_quote(&name));
                let causes = errors
                    .into_iter()
                    .map(|e| StatusCause { reason: e.reason.to_owned(), message: e.body, field: e.field })
                    .collect();
                status(422, "Invalid", &msg, Some(StatusDetails { name, group, kind, causes, ..Default::default() }))
            }
            ApiError::BadRequest(msg) => status(400, "BadRequest", &msg, None),
            ApiError::Forbidden { gr, name, reason } => {
                let msg = wrap_forbidden(&gr, &name, &reason);
                status(
                    403,
                    "Forbidden",
                    &msg,
                    Some(StatusDetails { name, group: gr.group, kind: gr.resource, ..Default::default() }),
                )
            }
            ApiError::MethodNotAllowed => status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                Some(StatusDetails::default()),
            ),
            ApiError::MethodNotSupported { gr, verb } => status(
                405,
                "MethodNotAllowed",
                &format!("{verb} is not supported on resources of kind {}", go_quote(&gr.to_string())),
                Some(StatusDetails { group: gr.group, kind: gr.resource, ..Default::default() }),
            ),
            ApiError::UnsupportedMediaType(ct) => status(
                415,
                "UnsupportedMediaType",
                &format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {ct})"),
                None,
            ),
            ApiError::Internal(msg) => status(500, "InternalError", &format!("Internal error occurred: {msg}"), None),
            ApiError::Unknown(msg) => status(500, "", &msg, None),
        }
    }
}

fn dedup(texts: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    for t in texts {
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: KubeResponse) -> String {
        String::from_utf8(r.body).unwrap_or_default()
    }

    fn attrs(verb: &str, group: &str, resource: &str, sub: &str, ns: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            resource_request: true,
            api_group: group.into(),
            api_version: "v1".into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: ns.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn unauthorized_is_body_a() {
        let r = unauthorized();
        assert_eq!(r.status, 401);
        assert_eq!(
            body(r),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        );
    }

    #[test]
    fn forbidden_bodies_match_the_reference() {
        let cases = [
            (
                "bob",
                attrs("update", "apps", "deployments", "", "dev", "web"),
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" is forbidden: User \"bob\" cannot update resource \"deployments\" in API group \"apps\" in the namespace \"dev\"","reason":"Forbidden","details":{"name":"web","group":"apps","kind":"deployments"},"code":403}"#,
            ),
            (
                "bob",
                attrs("list", "", "nodes", "", "", ""),
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes is forbidden: User \"bob\" cannot list resource \"nodes\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"nodes"},"code":403}"#,
            ),
            (
                "zed",
                Attributes { verb: "get".into(), path: "/logs".into(), ..Default::default() },
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"zed\" cannot get path \"/logs\"","reason":"Forbidden","details":{},"code":403}"#,
            ),
            (
                "arn:aws:iam::111122223333:user/viewer",
                attrs("list", "", "services", "", "default", ""),
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"services is forbidden: User \"arn:aws:iam::111122223333:user/viewer\" cannot list resource \"services\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"services"},"code":403}"#,
            ),
        ];
        for (user, a, want) in cases {
            let r = forbidden(user, &a, "");
            assert_eq!(r.status, 403);
            assert_eq!(body(r), want);
        }
    }

    #[test]
    fn forbidden_messages_per_scope() {
        let check = |user: &str, a: Attributes, reason: &str, want: &str| {
            assert_eq!(forbidden_message(user, &a, reason), want);
        };
        check(
            "x",
            attrs("list", "", "configmaps", "", "prod", ""),
            "",
            r#"configmaps is forbidden: User "x" cannot list resource "configmaps" in API group "" in the namespace "prod""#,
        );
        check(
            "alice",
            attrs("get", "", "pods", "log", "dev", "x"),
            "",
            r#"pods "x" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "dev""#,
        );
        check(
            "erin",
            attrs("list", "", "pods", "", "dev", ""),
            r#"RBAC: role.rbac.authorization.k8s.io "ghost" not found"#,
            r#"pods is forbidden: User "erin" cannot list resource "pods" in API group "" in the namespace "dev": RBAC: role.rbac.authorization.k8s.io "ghost" not found"#,
        );
        check(
            "system:serviceaccount:ci:deployer",
            attrs("update", "apps", "deployments", "status", "dev", "web"),
            "",
            r#"deployments.apps "web" is forbidden: User "system:serviceaccount:ci:deployer" cannot update resource "deployments/status" in API group "apps" in the namespace "dev""#,
        );
        check(
            "a<b>&c",
            attrs("list", "", "nodes", "", "", ""),
            "",
            r#"nodes is forbidden: User "a&lt;b&gt;&amp;c" cannot list resource "nodes" in API group "" at the cluster scope"#,
        );
    }

    #[test]
    fn not_found_already_exists_conflict_bodies() {
        let gr = GroupResource::new("", "configmaps");
        let cases = [
            (
                ApiError::NotFound { gr: gr.clone(), name: "x".into() },
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"configmaps"},"code":404}"#,
            ),
            (
                ApiError::AlreadyExists { gr: gr.clone(), name: "x".into(), generated: false },
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" already exists","reason":"AlreadyExists","details":{"name":"x","kind":"configmaps"},"code":409}"#,
            ),
            (
                ApiError::Conflict {
                    gr: gr.clone(),
                    name: "x".into(),
                    detail: crate::objects::MODIFIED_CONFLICT.into(),
                },
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \"x\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"x","kind":"configmaps"},"code":409}"#,
            ),
            (
                ApiError::NotFound {
                    gr: GroupResource::new("rbac.authorization.k8s.io", "clusterroles"),
                    name: "cluster-admin".into(),
                },
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"clusterroles.rbac.authorization.k8s.io \"cluster-admin\" not found","reason":"NotFound","details":{"name":"cluster-admin","group":"rbac.authorization.k8s.io","kind":"clusterroles"},"code":404}"#,
            ),
        ];
        for (err, want) in cases {
            assert_eq!(body(err.into_response()), want);
        }
    }

    #[test]
    fn invalid_name_body() {
        let detail = crate::objects::SUBDOMAIN_MSG;
        let err = ApiError::Invalid {
            kind: "ConfigMap".into(),
            group: String::new(),
            name: "Bad_Name".into(),
            errors: vec![FieldError::invalid("metadata.name", "Bad_Name", detail)],
        };
        let r = err.into_response();
        assert_eq!(r.status, 422);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        assert_eq!(
            v["message"],
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        );
        assert_eq!(v["details"]["kind"], "ConfigMap");
        assert_eq!(v["details"]["causes"][0]["reason"], "FieldValueInvalid");
        assert_eq!(v["details"]["causes"][0]["field"], "metadata.name");
        assert_eq!(v["reason"], "Invalid");
    }

    #[test]
    fn success_status_has_no_code() {
        let r = success(StatusDetails {
            name: "x".into(),
            kind: "configmaps".into(),
            uid: "u".into(),
            ..Default::default()
        });
        assert_eq!(
            body(r),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"x","kind":"configmaps","uid":"u"}}"#
        );
    }

    #[test]
    fn unknown_path_has_no_details() {
        assert_eq!(
            body(ApiError::NoRoute.into_response()),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}"#
        );
    }
}
