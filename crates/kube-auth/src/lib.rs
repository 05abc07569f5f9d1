//! The Kubernetes side of EKS access, as pure engines: who a bearer token is
//! ([`token`]), which Kubernetes user that IAM identity maps to ([`mapping`]), and what
//! that user may do ([`rbac`]: RBAC, and the rest of EKS's authorizer chain —
//! `system:masters`, the Node authorizer, EKS access policies).
//!
//! **Architecture Invariant:** pure. No I/O, no clock (time is passed in), no store:
//! callers hand in the objects (RBAC objects, access entries, aws-auth) and secrets.
//! Every decision carries its reason (which mapper, entry, binding, role and rule),
//! for `kubectl auth can-i` and `eksim explain`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod gofmt;
pub mod mapping;
pub mod rbac;
pub mod token;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An authenticated Kubernetes user (TokenReview `status.user`, SelfSubjectReview `userInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserInfo {
    /// `username`.
    pub username: String,
    /// `uid`, e.g. `aws-iam-authenticator:111122223333:AIDA…`.
    pub uid: String,
    /// `groups`, `system:authenticated` included.
    pub groups: Vec<String>,
    /// `extra` (arn, canonicalArn, sessionName, accessKeyId, principalId).
    pub extra: BTreeMap<String, Vec<String>>,
}

/// What a request asks to do (kube-apiserver's authorizer attributes, kube-apiserver.md §1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Attributes {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`,
    /// `impersonate`, `bind`, `escalate`, or a lowercase HTTP method for non-resource paths.
    pub verb: String,
    /// True for `/api/…` and `/apis/…` resource requests.
    pub resource_request: bool,
    /// The URL path of non-resource requests.
    pub path: String,
    /// API group (`""` for core).
    pub api_group: String,
    /// API version.
    pub api_version: String,
    /// Namespace (`""` for cluster scope).
    pub namespace: String,
    /// Resource, e.g. `configmaps`.
    pub resource: String,
    /// Subresource, e.g. `status`.
    pub subresource: String,
    /// Object name (`""` for lists and creates).
    pub name: String,
}

/// An authorizer's answer (kube-apiserver never denies through RBAC; NoOpinion falls through).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Allowed.
    Allow,
    /// No rule allows it.
    NoOpinion,
    /// Explicitly denied (no EKS authorizer does this; kept for completeness).
    Deny,
}

/// A decision and why: which authorizer, binding, role and rule allowed, or that none did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The verdict.
    pub verdict: Verdict,
    /// The reason, as kube-apiserver would put it in SSAR `status.reason`
    /// (e.g. `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "view" to Group "g"`).
    pub reason: String,
}

impl Decision {
    /// True when allowed.
    pub fn allowed(&self) -> bool {
        self.verdict == Verdict::Allow
    }
}
