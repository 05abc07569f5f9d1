//! The Kubernetes API of an EKS cluster, transport-free: one [`handle`] call per request, given
//! the authenticated user, an [`Authorizer`] and the store. It serves what kubectl 1.32 needs
//! (kubectl-wire.md): `/version`, discovery, OpenAPI v3, CRUD/list/watch of built-in kinds with
//! kube-apiserver's object semantics, PATCH (JSON, merge, strategic, server-side apply), Tables,
//! protobuf request bodies, the review APIs and impersonation (kube-apiserver.md), and the RBAC
//! rules storage enforces: binding validation, escalation prevention, ClusterRole aggregation.
//!
//! **API boundary:** [`handle`], [`request_attributes`], [`seed`], [`delete_cluster`],
//! [`unauthorized`], [`status()`]; the [`Authorizer`] trait; [`KubeRequest`]/[`KubeResponse`]/[`Watch`].
//!
//! **Architecture Invariant:** every request is authorized with [`request_attributes`] before
//! anything else runs; no socket, no clock (time is passed in); every failure is a `Status` built in
//! [`status`](mod@status).
//!
//! **Watch contract.** A watch request (`?watch=1`, or `/watch/` paths) answers a [`KubeResponse`]
//! whose `body` holds the first events (newline-delimited JSON: every current object as `ADDED` when
//! no `resourceVersion` or `0` was given, else the changes after it) and whose `watch` is
//! `Some(`[`Watch`]`)`. The transport writes `body`, then calls [`Watch::poll`] (for instance every
//! 100–250 ms, or when told of a commit) and writes what it returns, until the chunk says `done`, the
//! client goes away, or [`Watch::timeout`] (`timeoutSeconds`) elapses; then it ends the response.
//! Changes come from the change log that every write appends (see `objects.rs`); a cursor older than
//! the log answers one `ERROR` event with a `410 Expired` Status and is done.

#![forbid(unsafe_code)]

mod aggregate;
mod apply;
mod attrs;
mod crud;
mod defaults;
mod discovery;
mod escalation;
mod objects;
mod patch;
mod protobuf;
mod resources;
mod review;
mod schemas;
mod seed;
mod selectors;
pub mod status;
mod table;
mod watch;

pub use attrs::request_attributes;
pub use eksim_kube_auth::{Attributes, Decision, UserInfo, Verdict};
pub use seed::{delete_cluster, seed};
pub use status::{status, unauthorized, ApiError, StatusCause, StatusDetails};
pub use table::human_duration;
pub use watch::{Watch, WatchChunk};

use eksim_store::Store;
use serde_json::Value;
use time::OffsetDateTime;

/// The cluster a request is for.
#[derive(Debug, Clone)]
pub struct ClusterInfo {
    /// Store prefix id (objects live under `kube/{id}/`).
    pub id: String,
    /// The EKS cluster name.
    pub name: String,
    /// Kubernetes version, e.g. `"1.32"`.
    pub version: String,
    /// When the cluster was created (seed objects' `creationTimestamp`).
    pub created_at: OffsetDateTime,
    /// The service CIDR, e.g. `10.100.0.0/16`; the `kubernetes` Service takes its first IP.
    pub service_cidr: String,
}

/// One HTTP request, after the cluster prefix was taken off the path.
#[derive(Debug, Clone, Default)]
pub struct KubeRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// e.g. `/api/v1/namespaces/default/services`.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Headers with lowercase names; repeated headers appear repeatedly.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl KubeRequest {
    /// The first value of a header (`name` lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The answer; see the crate docs for the watch contract.
#[derive(Debug)]
pub struct KubeResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (lowercase names).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// For a watch: what to poll for further events.
    pub watch: Option<Box<Watch>>,
}

impl KubeResponse {
    /// A JSON answer.
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Self { status, headers: vec![("content-type".into(), "application/json".into())], body, watch: None }
    }

    pub(crate) fn json_value(status: u16, v: &Value) -> Self {
        Self::json(status, serde_json::to_vec(v).unwrap_or_default())
    }

    pub(crate) fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
            watch: None,
        }
    }

    pub(crate) fn set_content_type(&mut self, ct: &str) {
        self.headers.retain(|(k, _)| k != "content-type");
        self.headers.push(("content-type".into(), ct.into()));
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The authorizer chain (`system:masters`, Node, RBAC, EKS access policies), implemented outside
/// this crate.
pub trait Authorizer {
    /// Decides one request.
    fn authorize(&self, user: &UserInfo, attrs: &Attributes) -> Decision;

    /// The RBAC rules `user` holds in `namespace` (`""`: cluster-wide, ClusterRoleBindings only),
    /// for SelfSubjectRulesReview and for escalation checks on Role/binding writes; `None` when
    /// rules cannot be enumerated (the review then answers `incomplete: true`, and a non-master
    /// needs `escalate`/`bind` to write RBAC objects).
    fn rules(&self, _user: &UserInfo, _namespace: &str) -> Option<RulesReview> {
        None
    }

    /// Issues a service account token (`serviceaccounts/{name}/token`, `kubectl create token`):
    /// the token and its expiry; `None` when this server issues none.
    fn issue_token(
        &self,
        _sa: &ServiceAccountRef,
        _expiration_seconds: i64,
        _audiences: &[String],
        _now: OffsetDateTime,
    ) -> Option<(String, OffsetDateTime)> {
        None
    }

    /// Authenticates a bearer token for TokenReview; `Err` is the review's `status.error`.
    fn review_token(&self, _token: &str, _audiences: &[String]) -> Result<UserInfo, String> {
        Err("token review is not supported by this server".into())
    }
}

/// The service account a token is requested for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountRef {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The object's uid (a recreated account has another).
    pub uid: String,
}

/// SelfSubjectRulesReview `status`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesReview {
    /// `resourceRules`: `{"verbs","apiGroups","resources","resourceNames"}` objects.
    pub resource_rules: Vec<Value>,
    /// `nonResourceRules`: `{"verbs","nonResourceURLs"}` objects.
    pub non_resource_rules: Vec<Value>,
    /// Whether some authorizer could not list its rules.
    pub incomplete: bool,
    /// Why (`webhook authorizer does not support user rule resolution` on EKS).
    pub evaluation_error: String,
}

/// Serves one request for `user` (already authenticated) at time `now`.
pub fn handle(
    store: &Store,
    cluster: &ClusterInfo,
    user: &UserInfo,
    authz: &dyn Authorizer,
    req: &KubeRequest,
    now: OffsetDateTime,
) -> KubeResponse {
    let acting = match review::impersonate(user, authz, req) {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let attrs = request_attributes(&req.method, &req.path, &req.query);
    let decision = authz.authorize(&acting, &attrs);
    if !decision.allowed() {
        return status::forbidden(&acting.username, &attrs, &decision.reason);
    }
    let ctx = crud::Ctx::new(store, cluster, &acting, authz, req, now);
    match route(&ctx, &attrs) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn route(ctx: &crud::Ctx, attrs: &Attributes) -> Result<KubeResponse, ApiError> {
    if !attrs.resource_request {
        return non_resource(ctx, attrs);
    }
    crud::serve(ctx)
}

fn non_resource(ctx: &crud::Ctx, attrs: &Attributes) -> Result<KubeResponse, ApiError> {
    let path = ctx.req.path.trim_end_matches('/');
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let known = match parts.as_slice() {
        ["version"] => Some(discovery::version(ctx.cluster)),
        ["api"] => Some(discovery::api(ctx.cluster, ctx.accept())),
        ["apis"] => Some(discovery::apis(ctx.accept())),
        ["api", v] => discovery::resource_list("", v),
        ["apis", g] => discovery::api_group(g),
        ["apis", g, v] => discovery::resource_list(g, v),
        ["openapi", "v3"] => Some(discovery::openapi_root()),
        ["openapi", "v3", rest @ ..] => discovery::openapi_doc(&rest.join("/")),
        ["healthz" | "livez" | "readyz", ..] => Some(KubeResponse::text(200, "ok")),
        _ => None,
    };
    let Some(resp) = known else { return Err(ApiError::NoRoute) };
    if attrs.verb != "get" && attrs.verb != "head" {
        return Err(ApiError::MethodNotAllowed);
    }
    Ok(resp)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn cluster() -> ClusterInfo {
        ClusterInfo {
            id: "c1".into(),
            name: "demo".into(),
            version: "1.32".into(),
            created_at: objects::parse_time("2025-05-20T10:00:00Z").unwrap_or(OffsetDateTime::UNIX_EPOCH),
            service_cidr: "10.100.0.0/16".into(),
        }
    }
}
