//! Authentication of Kubernetes requests, as EKS's authenticator does it: verify the
//! `k8s-aws-v1.` token in-process (the same SigV4 and credential code STS uses), map the
//! IAM identity through the chain of the cluster's authentication mode, and write the
//! authenticator's log line. The client only ever sees kube-apiserver's 401; the reason
//! goes to the log.

use eksim_aws::eks::state::{keys, AccessEntry, Cluster};
use eksim_aws::Aws;
use eksim_kube_auth::mapping::{
    chain_for_mode, log_line, AccessEntries, AuthenticatorVersion, AwsAuth, Creator, Identity, LogContext, LogEvent,
    NoInstances, Sources,
};
use eksim_kube_auth::rbac::{AccessPolicyAuthorizer, AccessScope, PolicyAssociation, PolicyRule};
use eksim_kube_auth::token::{self, Expected, StsFailure};
use eksim_kube_auth::UserInfo;
use eksim_store::{Txn, TxnExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use time::OffsetDateTime;

/// A mapped caller.
pub struct Authenticated {
    /// The Kubernetes user.
    pub user: UserInfo,
    /// The access policies of the caller's access entry, when an entry mapped it.
    pub access_policies: Option<AccessPolicyAuthorizer>,
}

/// The outcome and the authenticator log lines written on the way.
pub struct Outcome {
    /// The caller, or why not.
    pub result: Result<Authenticated, String>,
    /// logfmt lines, in order.
    pub log: Vec<String>,
}

/// The key of `kube-system/aws-auth` in a cluster's object store (the layout of `eksim-kubeapi`).
pub fn aws_auth_key(cluster: &Cluster) -> String {
    format!("kube/{}/core/configmaps/kube-system/aws-auth", cluster.endpoint_id)
}

fn rules_of(policy_arn: &str) -> Vec<PolicyRule> {
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    eksim_aws::eks::catalog::rules(policy_arn)
        .iter()
        .map(|r| PolicyRule {
            verbs: strings(r.verbs),
            api_groups: strings(r.api_groups),
            resources: strings(r.resources),
            resource_names: vec![],
            non_resource_urls: strings(r.non_resource_urls),
        })
        .collect()
}

/// A cluster's access entries and their index, as of an EKS generation.
struct CachedEntries {
    generation: i64,
    /// The earliest `effective_at` still in the future when built: the index changes then.
    next_change: f64,
    stored: Arc<Vec<AccessEntry>>,
    index: Arc<AccessEntries>,
}

type EntryCache = Mutex<HashMap<String, CachedEntries>>;

/// The cluster's access entries, indexed; rebuilt only after an EKS write or when a pending
/// entry's propagation delay has passed (the index at 100,000 entries takes ~0.1 s to build).
fn access_entries(tx: &mut dyn Txn, cluster: &Cluster, now: f64) -> (Arc<Vec<AccessEntry>>, Arc<AccessEntries>) {
    static CACHE: OnceLock<EntryCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let generation =
        tx.get(&keys::generation(&cluster.account, &cluster.region)).ok().flatten().map(|e| e.mod_rev).unwrap_or(0);
    if let Ok(c) = cache.lock() {
        if let Some(hit) = c.get(&cluster.endpoint_id) {
            if hit.generation == generation && now < hit.next_change {
                return (hit.stored.clone(), hit.index.clone());
            }
        }
    }
    let stored: Vec<AccessEntry> = tx
        .list_json::<AccessEntry>(&keys::entries(&cluster.account, &cluster.region, &cluster.name))
        .map(|v| v.into_iter().map(|(_, e)| e).collect())
        .unwrap_or_default();
    let next_change = stored.iter().map(|e| e.effective_at).filter(|t| *t > now).fold(f64::INFINITY, f64::min);
    let index = Arc::new(AccessEntries::new(stored.iter().map(|e| eksim_kube_auth::mapping::AccessEntry {
        principal_arn: e.principal_arn.clone(),
        principal_id: e.principal_id.clone(),
        kind: e.kind.clone(),
        username: Some(e.username.clone()),
        kubernetes_groups: e.kubernetes_groups.clone(),
        effective: e.effective_at <= now,
    })));
    let stored = Arc::new(stored);
    if let Ok(mut c) = cache.lock() {
        c.insert(
            cluster.endpoint_id.clone(),
            CachedEntries { generation, next_change, stored: stored.clone(), index: index.clone() },
        );
    }
    (stored, index)
}

/// True the first time a version of a cluster's aws-auth is seen by this process.
fn first_sight(cluster_id: &str, revision: i64) -> bool {
    static SEEN: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, i64>>> =
        std::sync::OnceLock::new();
    let Ok(mut seen) = SEEN.get_or_init(Default::default).lock() else { return true };
    seen.insert(cluster_id.to_owned(), revision) != Some(revision)
}

/// Authenticates `bearer` for `cluster` at `now`.
pub fn authenticate(
    aws: &Aws,
    tx: &mut dyn Txn,
    cluster: &Cluster,
    bearer: &str,
    client: &str,
    now: OffsetDateTime,
    version: AuthenticatorVersion,
) -> Outcome {
    let ctx = LogContext { time: now, client, version };
    let mut log = Vec::new();
    let deny = |log: &mut Vec<String>, identity: Option<&Identity>, error: &str| {
        log.push(log_line(&ctx, &LogEvent::Denied { identity, error }));
        Outcome { result: Err(error.to_owned()), log: std::mem::take(log) }
    };
    let config = aws.config();
    let expected =
        Expected { cluster: &cluster.name, partition: "aws", region: &cluster.region, own_hosts: &config.aws_hosts };
    let presigned = match token::parse_for(bearer, &expected, now) {
        Ok(p) => p,
        Err(e) => return deny(&mut log, None, &e.log_text(version, &eksim_model::ids::request_id())),
    };
    let creds =
        match eksim_aws::auth::resolve(aws, tx, &presigned.access_key_id, presigned.session_token.as_deref(), now) {
            Ok(c) => c,
            Err(e) => {
                let failure =
                    if e.code == "ExpiredToken" { StsFailure::ExpiredToken } else { StsFailure::InvalidClientTokenId };
                let err = presigned.reject(failure);
                return deny(&mut log, None, &err.log_text(version, &eksim_model::ids::request_id()));
            }
        };
    if let Err(e) = presigned.verify(&creds.secret) {
        return deny(&mut log, None, &e.log_text(version, &eksim_model::ids::request_id()));
    }
    let identity = match Identity::from_principal(&creds.principal, &presigned.sts_endpoint) {
        Ok(i) => i,
        Err(e) => return deny(&mut log, None, &e.to_string()),
    };
    log.push(log_line(&ctx, &LogEvent::StsResponse(&identity)));

    // The sources of the cluster's mode.
    let now_epoch = (now.unix_timestamp_nanos() / 1_000_000) as f64 / 1000.0;
    let (stored, entries) = access_entries(tx, cluster, now_epoch);
    // aws-auth is read only where the mode includes CONFIG_MAP. Its parse errors are logged
    // once per version of the ConfigMap, as the authenticator logs them when it reloads it.
    let aws_auth = if cluster.authentication_mode == "API" {
        None
    } else {
        match tx.get(&aws_auth_key(cluster)) {
            Ok(Some(entry)) => {
                let cm: serde_json::Value = serde_json::from_slice(&entry.value).unwrap_or_default();
                let parsed = AwsAuth::from_config_map(&cm);
                if first_sight(&cluster.endpoint_id, entry.mod_rev) {
                    for (level, m) in parsed.parse_error_log() {
                        log.push(log_line(&ctx, &LogEvent::Message { level, msg: &m }));
                    }
                }
                Some(parsed)
            }
            _ => None,
        }
    };
    let creator = Creator {
        principal_arn: cluster.creator.principal_arn.clone(),
        principal_id: cluster.creator.principal_id.clone(),
    };
    let sources = Sources {
        access_entries: Some(entries.as_ref()),
        aws_auth: aws_auth.as_ref(),
        // The CONFIG_MAP creator is the hidden admin; with access entries it has an entry instead.
        creator: (cluster.authentication_mode == "CONFIG_MAP").then_some(&creator),
        creator_before_aws_auth: false,
    };
    let chain = match chain_for_mode(&cluster.authentication_mode, &sources) {
        Ok(c) => c.with_version(version),
        Err(e) => return deny(&mut log, Some(&identity), &e.to_string()),
    };
    let mapping = chain.map(&identity, &NoInstances);
    for note in &mapping.notes {
        log.push(log_line(&ctx, &LogEvent::Message { level: eksim_kube_auth::mapping::LogLevel::Info, msg: note }));
    }
    match mapping.result {
        Ok(mapped) => {
            log.push(log_line(
                &ctx,
                &LogEvent::Granted { identity: &identity, username: &mapped.username, groups: &mapped.groups },
            ));
            let access_policies = if mapped.mapper == "DynamicFile" {
                stored.iter().find(|e| mapped.reason.starts_with(&format!("access entry {} (", e.principal_arn))).map(
                    |e| AccessPolicyAuthorizer {
                        principal_arn: e.principal_arn.clone(),
                        principal_id: e.principal_id.clone(),
                        associations: e
                            .associations
                            .iter()
                            .map(|a| PolicyAssociation {
                                policy_arn: a.policy_arn.clone(),
                                rules: rules_of(&a.policy_arn),
                                access_scope: if a.scope_type == "namespace" {
                                    AccessScope::Namespace { namespaces: a.namespaces.clone() }
                                } else {
                                    AccessScope::Cluster
                                },
                            })
                            .collect(),
                    },
                )
            } else {
                None
            };
            Outcome { result: Ok(Authenticated { user: mapped.user, access_policies }), log }
        }
        Err(denied) => deny(&mut log, Some(&identity), &denied.error),
    }
}
