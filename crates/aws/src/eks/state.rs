//! EKS records as stored, and their keys. Clusters are regional: every key carries the
//! account and the region of the request's SigV4 scope.
//!
//! Keys: `eks/ACCT/REGION/cluster/NAME`, `…/update/CLUSTER/ID`, `…/entry/CLUSTER/PRINCIPAL_ARN`,
//! `…/nodegroup/CLUSTER/NAME`, `…/fargate/CLUSTER/NAME`; `eks-endpoint/ID` maps a cluster's
//! endpoint id (the Kubernetes front's path) back to the cluster.

use eksim_model::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The IAM principal that created a cluster, as EKS records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creator {
    /// The IAM principal ARN: the user ARN, or the role ARN (with path) for role sessions,
    /// or the root ARN.
    pub principal_arn: String,
    /// The principal's unique id (`AIDA…`, `AROA…`; the account id for root).
    pub principal_id: String,
    /// The caller ARN as GetCallerIdentity prints it (the session ARN for roles).
    pub caller_arn: String,
}

/// A cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    pub account: AccountId,
    pub region: String,
    pub arn: String,
    /// Epoch seconds with milliseconds.
    pub created_at: f64,
    pub version: String,
    pub platform_version: String,
    pub role_arn: String,
    /// 32 upper-case hex characters: the endpoint path and the OIDC issuer id.
    pub endpoint_id: String,
    pub resources_vpc_config: Value,
    pub kubernetes_network_config: Value,
    pub logging: Value,
    pub authentication_mode: String,
    pub bootstrap_creator_admin: bool,
    pub creator: Creator,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub client_request_token: Option<String>,
    /// When the cluster becomes ACTIVE (epoch seconds): CREATING until then.
    pub active_at: f64,
    /// When the cluster leaves UPDATING (epoch seconds).
    #[serde(default)]
    pub updating_until: f64,
    /// Other members given at create time and echoed by DescribeCluster (upgradePolicy,
    /// deletionProtection, encryptionConfig, …).
    #[serde(default)]
    pub extra: BTreeMap<String, Value>,
}

/// An update (UpdateClusterConfig and friends).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Update {
    pub id: String,
    pub cluster: String,
    /// AccessConfigUpdate, LoggingUpdate, EndpointAccessUpdate, …
    pub kind: String,
    /// `[{type, value}]` with JSON-encoded values.
    pub params: Value,
    pub created_at: f64,
    /// When it turns Successful.
    pub done_at: f64,
    #[serde(default)]
    pub client_request_token: Option<String>,
}

/// An access policy associated with an access entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Association {
    pub policy_arn: String,
    /// `cluster` or `namespace`.
    pub scope_type: String,
    #[serde(default)]
    pub namespaces: Vec<String>,
    pub associated_at: f64,
    pub modified_at: f64,
}

/// An access entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessEntry {
    pub cluster: String,
    pub principal_arn: String,
    /// The IAM principal's unique id when the entry was created: a recreated principal with
    /// the same ARN does not match.
    pub principal_id: String,
    pub kubernetes_groups: Vec<String>,
    pub access_entry_arn: String,
    pub created_at: f64,
    pub modified_at: f64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub username: String,
    /// STANDARD, EC2_LINUX, …
    pub kind: String,
    #[serde(default)]
    pub associations: Vec<Association>,
    #[serde(default)]
    pub client_request_token: Option<String>,
    /// When the entry takes effect for authentication (`--propagation-delay`).
    #[serde(default)]
    pub effective_at: f64,
}

/// A managed node group (stored with AWS's shape; its node role is what EKS maps for nodes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Nodegroup {
    pub name: String,
    pub cluster: String,
    pub arn: String,
    pub node_role: String,
    pub created_at: f64,
    /// The `nodegroup` object as returned (status computed at read time).
    pub body: Value,
}

/// A Fargate profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FargateProfile {
    pub name: String,
    pub cluster: String,
    pub arn: String,
    pub pod_execution_role: String,
    pub created_at: f64,
    pub body: Value,
}

/// Where a cluster's endpoint id points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRef {
    pub account: AccountId,
    pub region: String,
    pub cluster: String,
}

/// The CA every cluster endpoint's certificate chains to (created once per data dir).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateAuthority {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Store keys.
pub mod keys {
    use eksim_model::AccountId;

    /// Prefix of every EKS key of an account and region.
    pub fn scope(a: &AccountId, region: &str) -> String {
        format!("eks/{a}/{region}/")
    }
    /// A cluster.
    pub fn cluster(a: &AccountId, region: &str, name: &str) -> String {
        format!("eks/{a}/{region}/cluster/{name}")
    }
    /// All clusters.
    pub fn clusters(a: &AccountId, region: &str) -> String {
        format!("eks/{a}/{region}/cluster/")
    }
    /// An update.
    pub fn update(a: &AccountId, region: &str, cluster: &str, id: &str) -> String {
        format!("eks/{a}/{region}/update/{cluster}/{id}")
    }
    /// A cluster's updates.
    pub fn updates(a: &AccountId, region: &str, cluster: &str) -> String {
        format!("eks/{a}/{region}/update/{cluster}/")
    }
    /// An access entry.
    pub fn entry(a: &AccountId, region: &str, cluster: &str, principal_arn: &str) -> String {
        format!("eks/{a}/{region}/entry/{cluster}/{principal_arn}")
    }
    /// A cluster's access entries (sorted by principal ARN).
    pub fn entries(a: &AccountId, region: &str, cluster: &str) -> String {
        format!("eks/{a}/{region}/entry/{cluster}/")
    }
    /// A node group.
    pub fn nodegroup(a: &AccountId, region: &str, cluster: &str, name: &str) -> String {
        format!("eks/{a}/{region}/nodegroup/{cluster}/{name}")
    }
    /// A cluster's node groups.
    pub fn nodegroups(a: &AccountId, region: &str, cluster: &str) -> String {
        format!("eks/{a}/{region}/nodegroup/{cluster}/")
    }
    /// A Fargate profile.
    pub fn fargate(a: &AccountId, region: &str, cluster: &str, name: &str) -> String {
        format!("eks/{a}/{region}/fargate/{cluster}/{name}")
    }
    /// A cluster's Fargate profiles.
    pub fn fargates(a: &AccountId, region: &str, cluster: &str) -> String {
        format!("eks/{a}/{region}/fargate/{cluster}/")
    }
    /// An endpoint id.
    pub fn endpoint(id: &str) -> String {
        format!("eks-endpoint/{id}")
    }
    /// The cluster CA.
    pub const CA: &str = "meta/ca";
    /// Moves on every successful EKS write of an account and region (cache invalidation).
    pub fn generation(a: &AccountId, region: &str) -> String {
        format!("eks-generation/{a}/{region}")
    }
}
