//! What each Kubernetes request gets: the cluster from the path prefix, the caller from
//! the bearer token ([`crate::kube_authn`]), then EKS's authorizer chain
//! (`system:masters` → Node → RBAC → the caller's access policies) and the object API of
//! `eksim-kubeapi`.

use crate::kube::{Front, HttpRequest, HttpResponse};
use crate::kube_authn::{self, Authenticated};
use eksim_aws::eks::state::{keys, Cluster, EndpointRef};
use eksim_aws::Aws;
use eksim_kube_auth::rbac::{self, AccessPolicyAuthorizer, Rbac};
use eksim_kube_auth::{Attributes, Decision, UserInfo};
use eksim_kubeapi::{ClusterInfo, KubeRequest};
use eksim_store::{Store, TxnExt};
use serde_json::Value;
use std::sync::Arc;
use time::OffsetDateTime;

/// The Kubernetes front over the AWS services' store.
pub struct KubeFront {
    aws: Arc<Aws>,
    rbac: RbacCache,
    version: eksim_kube_auth::mapping::AuthenticatorVersion,
}

fn json(code: u16, body: String, user: String) -> HttpResponse {
    HttpResponse {
        status: code,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into_bytes(),
        user,
        watch: None,
    }
}

/// kube-apiserver's 401 Status, sent on every path (kubectl-wire.md §6.1 (a)); `why` is for the log.
fn unauthorized(why: &str) -> HttpResponse {
    let r = eksim_kubeapi::unauthorized();
    HttpResponse { status: r.status, headers: r.headers, body: r.body, user: why.to_owned(), watch: None }
}

/// The cluster's objects as `eksim-kubeapi` sees it.
pub fn cluster_info(c: &Cluster) -> ClusterInfo {
    ClusterInfo {
        id: c.endpoint_id.clone(),
        name: c.name.clone(),
        version: c.version.clone(),
        created_at: OffsetDateTime::from_unix_timestamp(c.created_at as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        service_cidr: c.kubernetes_network_config["serviceIpv4Cidr"].as_str().unwrap_or("10.100.0.0/16").to_owned(),
    }
}

/// The aws-auth ConfigMap EKS creates when the mode includes CONFIG_MAP and the cluster has
/// node roles: each node role mapped to `system:node:{{EC2PrivateDNSName}}`.
fn aws_auth(node_roles: &[String]) -> Value {
    let map_roles: String = node_roles
        .iter()
        .map(|r| {
            format!(
                "- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: {r}\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n"
            )
        })
        .collect();
    serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": map_roles}
    })
}

/// Seeds a cluster's objects once: namespaces, the `kubernetes` Service, the bootstrap RBAC
/// policy, and aws-auth for node roles in CONFIG_MAP modes.
fn ensure_seeded(store: &Store, cluster: &Cluster, now: OffsetDateTime) {
    let marker = format!("kube/{}/.seeded", cluster.endpoint_id);
    if store.read(|tx| tx.get(&marker)).ok().flatten().is_some() {
        return;
    }
    let mut extra = rbac::bootstrap_objects();
    // kube-controller-manager publishes the cluster CA in every namespace (`kube-root-ca.crt`).
    if let Ok(Some(ca)) = store.read(|tx| tx.get_json::<eksim_aws::eks::state::CertificateAuthority>(keys::CA)) {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            extra.push(serde_json::json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "kube-root-ca.crt", "namespace": ns},
                "data": {"ca.crt": ca.cert_pem}
            }));
        }
    }
    if cluster.authentication_mode != "API" {
        let roles: Vec<String> = store
            .read(|tx| {
                tx.list_json::<eksim_aws::eks::state::Nodegroup>(&keys::nodegroups(
                    &cluster.account,
                    &cluster.region,
                    &cluster.name,
                ))
            })
            .map(|v| v.into_iter().map(|(_, n)| n.node_role).collect())
            .unwrap_or_default();
        if !roles.is_empty() {
            extra.push(aws_auth(&roles));
        }
    }
    match eksim_kubeapi::seed(store, &cluster_info(cluster), extra, now) {
        Ok(()) => {
            let _ = store.write(|tx| tx.put(&marker, b"{}"));
        }
        Err(e) => tracing::error!(cluster = %cluster.name, error = ?e, "seeding the cluster's objects failed"),
    }
}

fn list(store: &Store, prefix: &str) -> Vec<Value> {
    store.read(|tx| tx.list_json::<Value>(prefix)).map(|v| v.into_iter().map(|(_, o)| o).collect()).unwrap_or_default()
}

/// The key counting RBAC-changing writes of a cluster: the indexed RBAC is rebuilt when it moves.
fn rbac_generation_key(id: &str) -> String {
    format!("kube/{id}/.rbac-generation")
}

/// True when a successful request may have changed RBAC objects (their writes, or a
/// namespace deletion that takes its Roles and RoleBindings along).
fn changes_rbac(method: &str, path: &str) -> bool {
    method != "GET"
        && (path.contains("/rbac.authorization.k8s.io/") || (method == "DELETE" && path.contains("/namespaces/")))
}

/// The RBAC objects of a cluster, indexed; rebuilt only when an RBAC write happened since.
fn cached_rbac(cache: &RbacCache, store: &Store, id: &str) -> Arc<Rbac> {
    let revision = store.read(|tx| tx.get(&rbac_generation_key(id))).ok().flatten().map(|e| e.mod_rev).unwrap_or(0);
    if let Ok(c) = cache.lock() {
        if let Some((rev, rbac)) = c.get(id) {
            if *rev == revision {
                return rbac.clone();
            }
        }
    }
    let rbac = Arc::new(load_rbac(store, id));
    if let Ok(mut c) = cache.lock() {
        c.insert(id.to_owned(), (revision, rbac.clone()));
    }
    rbac
}

/// Indexed RBAC per cluster id, with the store revision it was built at.
type RbacCache = std::sync::Mutex<std::collections::HashMap<String, (i64, Arc<Rbac>)>>;

/// The RBAC objects of a cluster.
fn load_rbac(store: &Store, id: &str) -> Rbac {
    let p = |r: &str| format!("kube/{id}/rbac.authorization.k8s.io/{r}/");
    Rbac::new(
        &list(store, &p("roles")),
        &list(store, &p("clusterroles")),
        &list(store, &p("rolebindings")),
        &list(store, &p("clusterrolebindings")),
    )
}

/// EKS's authorizer chain for one caller (and TokenReview through the same authenticator).
struct EksAuthorizer<'a> {
    version: eksim_kube_auth::mapping::AuthenticatorVersion,
    rbac: Arc<Rbac>,
    access: Option<AccessPolicyAuthorizer>,
    aws: &'a Aws,
    cluster: &'a Cluster,
}

impl eksim_kubeapi::Authorizer for EksAuthorizer<'_> {
    fn issue_token(
        &self,
        sa: &eksim_kubeapi::ServiceAccountRef,
        expiration_seconds: i64,
        audiences: &[String],
        now: OffsetDateTime,
    ) -> Option<(String, OffsetDateTime)> {
        Some(crate::sa_token::issue(self.aws, self.cluster, sa, expiration_seconds, audiences, now))
    }

    fn review_token(&self, token: &str, _audiences: &[String]) -> Result<UserInfo, String> {
        let now = OffsetDateTime::now_utc();
        let outcome = self
            .aws
            .store()
            .read(|tx| -> Result<_, eksim_store::Error> {
                Ok(kube_authn::authenticate(self.aws, tx, self.cluster, token, "tokenreview", now, self.version))
            })
            .map_err(|e| e.to_string())?;
        // kube-apiserver reports a failed webhook review without the authenticator's reason.
        outcome.result.map(|a| a.user).map_err(|_| String::new())
    }

    fn authorize(&self, user: &UserInfo, attrs: &Attributes) -> Decision {
        rbac::authorize(user, attrs, &self.rbac, self.access.as_ref())
    }

    fn rules(&self, user: &UserInfo, namespace: &str) -> Option<eksim_kubeapi::RulesReview> {
        let r = rbac::rules_review(user, namespace, &self.rbac, true);
        let to_json = |rules: &[rbac::PolicyRule]| rules.iter().filter_map(|r| serde_json::to_value(r).ok()).collect();
        Some(eksim_kubeapi::RulesReview {
            resource_rules: to_json(&r.resource_rules),
            non_resource_rules: to_json(&r.non_resource_rules),
            incomplete: r.incomplete,
            evaluation_error: r.evaluation_error,
        })
    }
}

impl KubeFront {
    /// A front over `aws`.
    pub fn new(aws: Arc<Aws>, version: eksim_kube_auth::mapping::AuthenticatorVersion) -> Self {
        Self { aws, rbac: RbacCache::default(), version }
    }

    fn cluster(&self, id: &str) -> Option<Cluster> {
        self.aws
            .store()
            .read(|tx| -> Result<Option<Cluster>, eksim_store::Error> {
                let Some(r) = tx.get_json::<EndpointRef>(&keys::endpoint(id))? else { return Ok(None) };
                tx.get_json::<Cluster>(&keys::cluster(&r.account, &r.region, &r.cluster))
            })
            .ok()
            .flatten()
    }
}

impl KubeFront {
    /// The cluster a token was minted for, for requests without the `/clusters/{id}` prefix
    /// (client-go drops the server URL's path for `kubectl get --raw`): the token's signature
    /// covers the cluster name (`x-k8s-aws-id`), so it verifies for exactly one cluster.
    fn cluster_for_token(&self, bearer: &str, now: OffsetDateTime) -> Option<Cluster> {
        let store = self.aws.store();
        let refs = store.read(|tx| tx.scan("eks-endpoint/", None, 10_000)).ok()?;
        for (key, _) in refs {
            let Some(cluster) = self.cluster(key.trim_start_matches("eks-endpoint/")) else { continue };
            let expected = eksim_kube_auth::token::Expected {
                cluster: &cluster.name,
                partition: "aws",
                region: &cluster.region,
                own_hosts: &self.aws.config().aws_hosts,
            };
            let Ok(presigned) = eksim_kube_auth::token::parse_for(bearer, &expected, now) else { continue };
            let secret = store
                .read(|tx| {
                    eksim_aws::auth::resolve(
                        &self.aws,
                        tx,
                        &presigned.access_key_id,
                        presigned.session_token.as_deref(),
                        now,
                    )
                    .map(|c| Some(c.secret))
                    .or(Ok::<_, eksim_store::Error>(None))
                })
                .ok()
                .flatten();
            if secret.is_some_and(|s| presigned.verify(&s).is_ok()) {
                return Some(cluster);
            }
        }
        None
    }
}

impl Front for KubeFront {
    fn handle(&self, req: HttpRequest) -> HttpResponse {
        let now = OffsetDateTime::now_utc();
        let bearer_of = |req: &HttpRequest| {
            req.headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .and_then(|(_, v)| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        let (cluster, path) = match req.path.strip_prefix("/clusters/") {
            Some(rest) => {
                let (id, path) = match rest.find('/') {
                    Some(i) => (&rest[..i], rest[i..].to_owned()),
                    None => (rest, "/".to_owned()),
                };
                (self.cluster(id), path)
            }
            None => (self.cluster_for_token(&bearer_of(&req), now), req.path.clone()),
        };
        let path = path.as_str();
        let Some(cluster) = cluster else {
            let body = serde_json::json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "the server could not find the requested resource", "reason": "NotFound",
                "details": {}, "code": 404
            });
            return json(404, body.to_string(), String::new());
        };
        let bearer = bearer_of(&req);
        let store = self.aws.store().clone();
        let client = req.peer.to_string();
        // kube-apiserver tries its own service account tokens first; whatever they do not
        // accept goes to the AWS authenticator webhook (which logs why it refuses).
        if !bearer.is_empty() && !bearer.starts_with("k8s-aws-v1.") {
            if let Some(user) = self.service_account_user(&cluster, &bearer, now) {
                return self.serve(&store, &cluster, user, None, req, path, now);
            }
        }
        let outcome = if bearer.is_empty() {
            None
        } else {
            store
                .read(|tx| -> Result<_, eksim_store::Error> {
                    Ok(kube_authn::authenticate(&self.aws, tx, &cluster, &bearer, &client, now, self.version))
                })
                .ok()
        };
        let Some(outcome) = outcome else {
            return unauthorized("anonymous");
        };
        for line in &outcome.log {
            tracing::info!(target: "eksim::authenticator", cluster = %cluster.name, "{line}");
        }
        crate::control_plane_log::append(&store, &cluster, "authenticator", &outcome.log, now);
        let Authenticated { user, access_policies } = match outcome.result {
            Ok(a) => a,
            Err(_) => return unauthorized("unmapped"),
        };
        self.serve(&store, &cluster, user, access_policies, req, path, now)
    }
}

impl KubeFront {
    /// The user of a service account token, while the account exists with the token's uid.
    fn service_account_user(&self, cluster: &Cluster, token: &str, now: OffsetDateTime) -> Option<UserInfo> {
        let sa = crate::sa_token::verify(&self.aws, cluster, token, now)?;
        let key = format!("kube/{}/core/serviceaccounts/{}/{}", cluster.endpoint_id, sa.namespace, sa.name);
        let obj = self.aws.store().read(|tx| tx.get_json::<Value>(&key)).ok().flatten()?;
        if obj["metadata"]["uid"].as_str() != Some(sa.uid.as_str()) {
            return None;
        }
        Some(UserInfo {
            username: format!("system:serviceaccount:{}:{}", sa.namespace, sa.name),
            uid: sa.uid,
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{}", sa.namespace),
                "system:authenticated".into(),
            ],
            extra: Default::default(),
        })
    }

    /// Runs an authenticated request through the authorizer chain and the object API.
    #[allow(clippy::too_many_arguments)]
    fn serve(
        &self,
        store: &Store,
        cluster: &Cluster,
        user: UserInfo,
        access_policies: Option<AccessPolicyAuthorizer>,
        req: HttpRequest,
        path: &str,
        now: OffsetDateTime,
    ) -> HttpResponse {
        let store = store.clone();
        let cluster = cluster.clone();
        ensure_seeded(&store, &cluster, now);
        let authz = EksAuthorizer {
            version: self.version,
            rbac: cached_rbac(&self.rbac, &store, &cluster.endpoint_id),
            access: access_policies,
            aws: &self.aws,
            cluster: &cluster,
        };
        let kreq = KubeRequest {
            method: req.method,
            path: path.to_owned(),
            query: req.query,
            headers: req.headers,
            body: req.body,
        };
        let rbac_write = changes_rbac(&kreq.method, &kreq.path);
        let resp = eksim_kubeapi::handle(&store, &cluster_info(&cluster), &user, &authz, &kreq, now);
        if rbac_write && resp.status < 300 {
            let _ = store.write(|tx| tx.put(&rbac_generation_key(&cluster.endpoint_id), b"{}"));
        }
        HttpResponse {
            status: resp.status,
            headers: resp.headers,
            body: resp.body,
            user: user.username,
            watch: resp.watch.map(|w| (w, store.clone())),
        }
    }
}
