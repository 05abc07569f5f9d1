//! The authenticated caller of an AWS request: which IAM identity, through which
//! credentials, with which session facts. Policy conditions and every AccessDenied
//! text are derived from this one value.

use crate::AccountId;
use serde::{Deserialize, Serialize};

/// Which IAM identity signed the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PrincipalKind {
    /// The account's root user.
    Root,
    /// An IAM user (long-term key, or a GetSessionToken session of that user).
    User {
        /// The user name.
        name: String,
        /// The user's path, `/` or `/a/b/`.
        path: String,
        /// The user's unique id, `AIDA…`.
        user_id: String,
    },
    /// A role session from AssumeRole.
    AssumedRole {
        /// The role name.
        role_name: String,
        /// The role's path.
        role_path: String,
        /// The role's unique id, `AROA…`.
        role_id: String,
        /// RoleSessionName.
        session_name: String,
    },
    /// A federated user from GetFederationToken, acting with the permissions of the
    /// IAM user (or root) that called it, intersected with the passed session policy.
    FederatedUser {
        /// The `Name` given to GetFederationToken.
        name: String,
        /// The calling IAM user, `None` when root called it.
        parent_user: Option<String>,
        /// The calling user's unique id.
        parent_user_id: Option<String>,
    },
}

/// How a temporary credential came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionSource {
    /// `sts:GetSessionToken`.
    GetSessionToken,
    /// `sts:AssumeRole`.
    AssumeRole,
    /// `sts:GetFederationToken`.
    GetFederationToken,
}

/// Facts of a temporary-credential session, fixed when STS issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Which STS call issued it.
    pub source: SessionSource,
    /// Issue time, unix seconds (`aws:TokenIssueTime`).
    pub issued_at: i64,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// When MFA was verified, if it was (`aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`).
    pub mfa_auth_time: Option<i64>,
    /// `SourceIdentity`, once set.
    pub source_identity: Option<String>,
    /// The session policy passed to AssumeRole, if any.
    pub session_policy: Option<String>,
    /// Managed session policies (`PolicyArns`) passed to AssumeRole.
    #[serde(default)]
    pub session_policy_arns: Vec<String>,
    /// True when a role session assumed this role (role chaining).
    pub chained: bool,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The caller's account.
    pub account: AccountId,
    /// The identity.
    pub kind: PrincipalKind,
    /// The access key id that signed the request.
    pub access_key_id: String,
    /// Present for temporary credentials.
    pub session: Option<SessionInfo>,
}

impl Principal {
    /// The ARN GetCallerIdentity returns and AccessDenied texts print: the session ARN for roles
    /// (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`, no role path).
    pub fn arn(&self) -> String {
        let a = &self.account;
        match &self.kind {
            PrincipalKind::Root => a.root_arn(),
            PrincipalKind::User { name, path, .. } => format!("arn:aws:iam::{a}:user{path}{name}"),
            PrincipalKind::AssumedRole { role_name, session_name, .. } => {
                format!("arn:aws:sts::{a}:assumed-role/{role_name}/{session_name}")
            }
            PrincipalKind::FederatedUser { name, .. } => format!("arn:aws:sts::{a}:federated-user/{name}"),
        }
    }

    /// `aws:PrincipalArn`: the role ARN (with path) for role sessions, else [`Principal::arn`].
    pub fn principal_arn(&self) -> String {
        match &self.kind {
            PrincipalKind::AssumedRole { role_name, role_path, .. } => {
                format!("arn:aws:iam::{}:role{role_path}{role_name}", self.account)
            }
            _ => self.arn(),
        }
    }

    /// GetCallerIdentity's `UserId` and `aws:userid`.
    pub fn user_id(&self) -> String {
        match &self.kind {
            PrincipalKind::Root => self.account.to_string(),
            PrincipalKind::User { user_id, .. } => user_id.clone(),
            PrincipalKind::AssumedRole { role_id, session_name, .. } => format!("{role_id}:{session_name}"),
            PrincipalKind::FederatedUser { name, .. } => format!("{}:{name}", self.account),
        }
    }

    /// `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::Root => "Account",
            PrincipalKind::User { .. } => "User",
            PrincipalKind::AssumedRole { .. } => "AssumedRole",
            PrincipalKind::FederatedUser { .. } => "FederatedUser",
        }
    }

    /// True when the caller used temporary credentials.
    pub fn is_temporary(&self) -> bool {
        self.session.is_some()
    }

    /// True when the caller is the account root.
    pub fn is_root(&self) -> bool {
        matches!(self.kind, PrincipalKind::Root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct() -> AccountId {
        AccountId::parse("123456789012").unwrap()
    }

    #[test]
    fn role_session_arn_drops_the_role_path_but_principal_arn_keeps_it() {
        let p = Principal {
            account: acct(),
            kind: PrincipalKind::AssumedRole {
                role_name: "eks-admin".into(),
                role_path: "/team/".into(),
                role_id: "AROAEXAMPLEEXAMPLE123".into(),
                session_name: "alice".into(),
            },
            access_key_id: "ASIAEXAMPLE".into(),
            session: None,
        };
        assert_eq!(p.arn(), "arn:aws:sts::123456789012:assumed-role/eks-admin/alice");
        assert_eq!(p.principal_arn(), "arn:aws:iam::123456789012:role/team/eks-admin");
        assert_eq!(p.user_id(), "AROAEXAMPLEEXAMPLE123:alice");
    }

    #[test]
    fn root_user_id_is_the_account() {
        let p = Principal { account: acct(), kind: PrincipalKind::Root, access_key_id: "AKIA".into(), session: None };
        assert_eq!(p.user_id(), "123456789012");
        assert_eq!(p.arn(), "arn:aws:iam::123456789012:root");
        assert_eq!(p.principal_type(), "Account");
    }

    #[test]
    fn federated_user_id_is_account_and_name() {
        let p = Principal {
            account: acct(),
            kind: PrincipalKind::FederatedUser {
                name: "bob".into(),
                parent_user: Some("alice".into()),
                parent_user_id: Some("AIDA1".into()),
            },
            access_key_id: "ASIA".into(),
            session: None,
        };
        assert_eq!(p.user_id(), "123456789012:bob");
        assert_eq!(p.arn(), "arn:aws:sts::123456789012:federated-user/bob");
        assert_eq!(p.principal_type(), "FederatedUser");
    }
}
