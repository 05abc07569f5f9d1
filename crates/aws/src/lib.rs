//! eksim's AWS services: IAM, STS (and EKS later) behind one endpoint.
//!
//! [`Aws::handle`] takes a request as received and returns the wire response:
//! route by the SigV4 scope's service → authenticate ([`auth`]) → find the
//! operation in the service's table → decode and validate the input (botocore
//! model) → authorize ([`authz`]: the only place that builds [`authz::Authorized`])
//! → run the handler in one store transaction → encode the output.
//!
//! **Architecture Invariant:** handlers never see HTTP; they take an
//! [`authz::Authorized`] input and return a JSON tree shaped like the botocore
//! output. Every error they return is an [`error`] function's [`ApiError`].

#![forbid(unsafe_code)]

pub mod actions;
pub mod auth;
pub mod authz;
pub mod ctx;
pub mod eks;
pub mod error;
pub mod iam;
pub mod seed;
pub mod sts;

pub use ctx::Ctx;
pub use error::ApiError;

use eksim_model::{ids, AccountId};
use eksim_store::{Store, TxnExt};
use eksim_wire::model::ServiceModel;
use eksim_wire::query::{self, Format, Params};
use eksim_wire::rest_json;
use eksim_wire::WireResponse;
use serde_json::Value;
use std::net::IpAddr;
use time::OffsetDateTime;

/// Settings of the AWS front.
#[derive(Debug, Clone)]
pub struct Config {
    /// The default account (`--account-id`).
    pub account_id: AccountId,
    /// The default region (`--region`).
    pub region: String,
    /// The default account's root access key id.
    pub root_access_key_id: String,
    /// The default account's root secret.
    pub root_secret_access_key: String,
    /// Clock-skew window for header-signed requests, minutes (AWS: 15 for STS and IAM).
    pub skew_minutes: i64,
    /// The Kubernetes front's base URL (`https://HOST:PORT`); cluster endpoints live under it.
    pub kube_url: String,
    /// `host:port` forms of eksim's own AWS endpoint: `aws eks get-token` URLs presigned for it
    /// (AWS_ENDPOINT_URL pointing at eksim) are accepted besides the real STS hosts.
    pub aws_hosts: Vec<String>,
    /// Seconds a new cluster stays CREATING (`--cluster-create-delay`).
    pub cluster_create_delay: f64,
    /// Seconds before access-entry changes take effect for authentication (`--propagation-delay`).
    pub propagation_delay: f64,
}

/// A request as received by the AWS listener.
#[derive(Debug, Clone)]
pub struct AwsRequest {
    /// HTTP method.
    pub method: String,
    /// The raw path, still percent-encoded.
    pub raw_path: String,
    /// The raw query string (without `?`).
    pub raw_query: String,
    /// Header names (lower-case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The TCP peer (`aws:SourceIp`).
    pub peer: IpAddr,
    /// True when the request came over TLS (`aws:SecureTransport`).
    pub secure: bool,
}

impl AwsRequest {
    /// First value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What happened, for the request log line.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// `sts`, `iam`, ...
    pub service: String,
    /// The operation name, when known.
    pub operation: String,
    /// The caller's ARN, when authenticated.
    pub principal: String,
    /// The error code, when the request failed.
    pub error_code: String,
    /// The authorization decision's reason, when one was made.
    pub decision: String,
}

/// The AWS services over one store.
pub struct Aws {
    store: Store,
    config: Config,
    sealer: sts::session::Sealer,
}

/// One row of a service's operation table.
pub struct Op {
    /// AWS's operation name, as in botocore.
    pub name: &'static str,
    /// The IAM action authorized for it, e.g. `iam:CreateUser`; empty when AWS requires no permission.
    pub action: &'static str,
    /// Builds the resource ARN the action is authorized against.
    pub resource: fn(&mut Ctx<'_>, &Value) -> error::Result<String>,
    /// The handler.
    pub handler: fn(&mut Ctx<'_>, authz::Authorized) -> error::Result<Value>,
}

/// A failure inside a store transaction: the service's answer, or the store's own fault.
enum Failure {
    Api(ApiError),
    Store(eksim_store::Error),
}

impl From<eksim_store::Error> for Failure {
    fn from(e: eksim_store::Error) -> Self {
        Failure::Store(e)
    }
}

impl Failure {
    fn into_api(self) -> ApiError {
        match self {
            Failure::Api(e) => e,
            Failure::Store(e) => error::store(e),
        }
    }
}

/// Formats a time as IAM prints dates: `2026-11-24T17:06:57Z`.
pub fn iso8601(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl Aws {
    /// Opens the services over `store`: creates the install key and the default
    /// account with its root key on first start.
    pub fn new(store: Store, config: Config) -> Result<Self, eksim_store::Error> {
        let key = store.write(|tx| -> Result<[u8; 32], eksim_store::Error> {
            let key = match tx.get_json::<String>(iam::state::keys::INSTALL_KEY)? {
                Some(hex_key) => {
                    let mut k = [0u8; 32];
                    hex::decode_to_slice(hex_key, &mut k).map_err(|e| eksim_store::Error::Corrupt {
                        key: iam::state::keys::INSTALL_KEY.into(),
                        reason: e.to_string(),
                    })?;
                    k
                }
                None => {
                    let mut k = [0u8; 32];
                    ids::random_bytes(&mut k);
                    tx.put_json(iam::state::keys::INSTALL_KEY, &hex::encode(k))?;
                    k
                }
            };
            let now = iso8601(OffsetDateTime::now_utc());
            seed::ensure_account(tx, &config.account_id, &now)?;
            seed::ensure_root_key(
                tx,
                &config.account_id,
                &config.root_access_key_id,
                &config.root_secret_access_key,
                &now,
            )?;
            Ok(key)
        })?;
        Ok(Self { store, config, sealer: sts::session::Sealer::new(key) })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The session sealer.
    pub fn sealer(&self) -> &sts::session::Sealer {
        &self.sealer
    }

    /// Handles one request at time `now`.
    pub fn handle(&self, req: &AwsRequest, now: OffsetDateTime) -> (WireResponse, Outcome) {
        let request_id = ids::request_id();
        let mut outcome = Outcome::default();
        let format = if req.header("accept").is_some_and(|a| a.contains("application/json")) {
            Format::Json
        } else {
            Format::Xml
        };
        let headers: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let sreq = eksim_sigv4::Request {
            method: &req.method,
            raw_path: &req.raw_path,
            raw_query: &req.raw_query,
            headers: &headers,
            body: &req.body,
        };
        let mut params = Params::parse(req.raw_query.as_bytes());
        let is_form = req.header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        if req.method == "POST" && is_form {
            params.merge(Params::parse(&req.body));
        }
        let parsed = eksim_sigv4::parse(&sreq);
        // Without a usable scope, pick the service from the query API version.
        let service = match &parsed {
            Ok(Some(a)) => a.scope.service.clone(),
            _ if params.get("Action").is_none() && req.raw_path != "/" => "eks".to_owned(),
            _ => match params.get("Version") {
                Some("2010-05-08") => "iam".to_owned(),
                _ => "sts".to_owned(),
            },
        };
        outcome.service = service.clone();
        let json_protocol = service == "eks";
        let model: &ServiceModel = match service.as_str() {
            "iam" => eksim_wire::model::iam(),
            "eks" => eksim_wire::model::eks(),
            _ => eksim_wire::model::sts(),
        };
        let ns = model.metadata.xml_namespace.clone().unwrap_or_default();
        let fail = |e: ApiError, outcome: &mut Outcome| {
            if json_protocol {
                let e = error::to_json_protocol(e);
                outcome.error_code = e.code.clone();
                rest_json::encode_error(&e, &request_id)
            } else {
                outcome.error_code = e.code.clone();
                query::encode_error(&ns, &e, &request_id, format)
            }
        };
        let auth = match parsed {
            Ok(Some(a)) => a,
            Ok(None) => return (fail(error::missing_authentication_token(), &mut outcome), outcome),
            Err(e) => return (fail(error::signature(&e), &mut outcome), outcome),
        };
        if !matches!(service.as_str(), "iam" | "sts" | "eks") {
            return (fail(error::unknown_service(&service), &mut outcome), outcome);
        }
        let principal = match self
            .store
            .read(|tx| auth::authenticate(self, tx, &sreq, &auth, &service, now).map_err(Failure::Api))
            .map_err(Failure::into_api)
        {
            Ok(p) => p,
            Err(e) => return (fail(e, &mut outcome), outcome),
        };
        outcome.principal = principal.arn();
        // Find the operation and decode its input, per protocol.
        let (op, input): (&Op, Value) = if service == "eks" {
            let Some((name, labels)) = rest_json::route(model, &req.method, &req.raw_path) else {
                let e = ApiError::sender(
                    "UnknownOperationException",
                    404,
                    "The requested operation is not recognized by the EKS API.",
                );
                return (fail(e, &mut outcome), outcome);
            };
            outcome.operation = name.to_owned();
            let Some(op) = eks::find(name) else {
                return (fail(error::not_implemented(&service, name), &mut outcome), outcome);
            };
            match rest_json::decode_input(model, op.name, &labels, &req.raw_query, &req.body) {
                Ok(v) => (op, v),
                Err(e) => return (fail(e, &mut outcome), outcome),
            }
        } else {
            let Some(action) = params.get("Action").map(str::to_owned) else {
                return (fail(error::missing_action(), &mut outcome), outcome);
            };
            outcome.operation = action.clone();
            let table: &[Op] = if service == "iam" { iam::OPERATIONS } else { sts::OPERATIONS };
            let Some(op) = table.iter().find(|o| o.name == action) else {
                let e = if model.operations.contains_key(&action) {
                    error::not_implemented(&service, &action)
                } else {
                    error::invalid_action(&action, params.get("Version").unwrap_or(&model.metadata.api_version))
                };
                return (fail(e, &mut outcome), outcome);
            };
            match query::decode_input(model, op.name, &params) {
                Ok(v) => (op, v),
                Err(e) => return (fail(e, &mut outcome), outcome),
            }
        };
        let facts = ctx::RequestFacts {
            source_ip: req.peer,
            secure: req.secure,
            region: auth.scope.region.clone(),
            user_agent: req.header("user-agent").unwrap_or_default().to_owned(),
        };
        let result = self
            .store
            .write(|tx| {
                let mut ctx = Ctx { aws: self, tx, caller: &principal, now, facts: &facts, decision: String::new() };
                let run = |ctx: &mut Ctx<'_>| -> error::Result<Value> {
                    let resource = (op.resource)(ctx, &input)?;
                    let authorized = authz::authorize(ctx, op.action, &resource, input)?;
                    (op.handler)(ctx, authorized)
                };
                let out = run(&mut ctx);
                outcome.decision = std::mem::take(&mut ctx.decision);
                // Readers that cache what EKS writes (the authenticator's access-entry index)
                // watch this key: every successful EKS write moves it, in the same transaction.
                if out.is_ok() && service == "eks" && req.method != "GET" {
                    tx.put(&eks::state::keys::generation(&principal.account, &auth.scope.region), b"{}")?;
                }
                out.map_err(Failure::Api)
            })
            .map_err(Failure::into_api);
        match result {
            Ok(out) if service == "eks" => (rest_json::encode_output(&out, &request_id), outcome),
            Ok(out) => (query::encode_output(model, op.name, &out, &request_id, format), outcome),
            Err(e) => (fail(e, &mut outcome), outcome),
        }
    }
}
