//! What each Kubernetes request gets: the cluster from the path prefix, the caller from
//! the bearer token (verified in-process with the same SigV4 code STS uses), the
//! Kubernetes user from the mapper chain of the cluster's authentication mode, then the
//! authorizer chain and the object API.

use crate::kube::{Front, HttpRequest, HttpResponse};
use eksim_aws::eks::state::{keys, Cluster, EndpointRef};
use eksim_aws::Aws;
use eksim_store::TxnExt;
use std::sync::Arc;

/// The Kubernetes front over the AWS services' store.
pub struct KubeFront {
    aws: Arc<Aws>,
}

impl KubeFront {
    /// A front over `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Self { aws }
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

/// kube-apiserver's 401 body, sent on every path (kubectl-wire.md §6.1 (a)).
pub const UNAUTHORIZED: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#;

fn status(code: u16, body: String, user: String) -> HttpResponse {
    HttpResponse {
        status: code,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into_bytes(),
        user,
    }
}

impl Front for KubeFront {
    fn handle(&self, req: HttpRequest) -> HttpResponse {
        let rest = req.path.strip_prefix("/clusters/").unwrap_or_default();
        let (id, _path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let Some(_cluster) = self.cluster(id) else {
            let body = serde_json::json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "the server could not find the requested resource", "reason": "NotFound",
                "details": {}, "code": 404
            });
            return status(404, body.to_string(), String::new());
        };
        status(401, UNAUTHORIZED.to_owned(), "unauthenticated".into())
    }
}
