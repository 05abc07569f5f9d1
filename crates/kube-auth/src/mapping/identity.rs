//! The identity STS returned for a token, as the authenticator derives it
//! (`getIdentityFromSTSResponse`, `arn.Canonicalize`, `arn.StripPath`;
//! `authenticator.md` §2.3).

use crate::token::PARTITIONS;

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// The ARN GetCallerIdentity returns (`arn:aws:sts::A:assumed-role/R/s`).
    pub arn: String,
    /// The canonical ARN: an assumed role becomes `arn:aws:iam::A:role/R`,
    /// **without** the role's path (STS ARNs carry none).
    pub canonical_arn: String,
    /// The account id.
    pub account: String,
    /// GetCallerIdentity's `UserId` as returned (`AROA…:session` for roles).
    pub user_id: String,
    /// The authenticator's UserID: `AROA…` for roles, `AIDA…` for users, the
    /// account for root, `A:name` for federated users.
    pub principal_id: String,
    /// The role session name (empty for users).
    pub session_name: String,
    /// The access key id that signed the token.
    pub access_key_id: String,
    /// The STS host of the token (`stsendpoint`).
    pub sts_endpoint: String,
}

/// The kinds of ARN `arn.Canonicalize` recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// `arn:…:iam::A:role/…`.
    Role,
    /// `arn:…:iam::A:user/…`.
    User,
    /// `arn:…:iam::A:root`.
    Root,
    /// `arn:…:sts::A:federated-user/…`.
    FederatedUser,
    /// `arn:…:sts::A:assumed-role/…`.
    AssumedRole,
}

/// Why STS's answer could not become an identity. `Display` is the
/// authenticator's log text (`sts getCallerIdentity failed: …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Not `arn:` with six sections.
    #[error("sts getCallerIdentity failed: arn '{arn}' is invalid: '{reason}'")]
    InvalidArn {
        /// The ARN.
        arn: String,
        /// The SDK's reason, e.g. `arn: invalid prefix`.
        reason: &'static str,
    },
    /// A partition outside [`PARTITIONS`].
    #[error("sts getCallerIdentity failed: arn '{0}' does not have a recognized partition")]
    UnknownPartition(String),
    /// `assumed-role` without a role.
    #[error("sts getCallerIdentity failed: assumed-role arn '{0}' does not have a role")]
    NoRole(String),
    /// An `iam` or `sts` resource that is no principal.
    #[error("sts getCallerIdentity failed: unrecognized resource {resource} for service {service}")]
    UnrecognizedResource {
        /// The ARN's resource.
        resource: String,
        /// `iam` or `sts`.
        service: String,
    },
    /// Neither `iam` nor `sts`.
    #[error("sts getCallerIdentity failed: service {service} in arn {arn} is not a valid service for identities")]
    InvalidService {
        /// The service.
        service: String,
        /// The ARN.
        arn: String,
    },
    /// A role's UserId that is not `ID:session`.
    #[error("sts getCallerIdentity failed: malformed UserID {}", crate::gofmt::quote(.0))]
    MalformedUserId(String),
}

/// The six sections of the AWS SDK's `arn.Parse`.
struct Sections<'a> {
    partition: &'a str,
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn sections(arn: &str) -> Result<Sections<'_>, IdentityError> {
    let invalid = |reason| IdentityError::InvalidArn { arn: arn.to_owned(), reason };
    if !arn.starts_with("arn:") {
        return Err(invalid("arn: invalid prefix"));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, _region, account, resource] = parts.as_slice() else {
        return Err(invalid("arn: not enough sections"));
    };
    if !PARTITIONS.contains(partition) {
        return Err(IdentityError::UnknownPartition(arn.to_owned()));
    }
    Ok(Sections { partition, service, account, resource })
}

/// `arn.Canonicalize`: validates an identity ARN and turns an assumed role
/// into its role (the path is lost: STS ARNs carry none).
pub fn canonicalize(arn: &str) -> Result<(PrincipalType, String), IdentityError> {
    let s = sections(arn)?;
    let parts: Vec<&str> = s.resource.split('/').collect();
    let kind = parts.first().copied().unwrap_or_default();
    let unrecognized =
        || IdentityError::UnrecognizedResource { resource: s.resource.to_owned(), service: s.service.to_owned() };
    match s.service {
        "sts" => match kind {
            "federated-user" => Ok((PrincipalType::FederatedUser, arn.to_owned())),
            "assumed-role" => {
                if parts.len() < 3 {
                    return Err(IdentityError::NoRole(arn.to_owned()));
                }
                let role = parts[1..parts.len() - 1].join("/");
                Ok((PrincipalType::AssumedRole, format!("arn:{}:iam::{}:role/{role}", s.partition, s.account)))
            }
            _ => Err(unrecognized()),
        },
        "iam" => match kind {
            "role" => Ok((PrincipalType::Role, arn.to_owned())),
            "user" => Ok((PrincipalType::User, arn.to_owned())),
            "root" => Ok((PrincipalType::Root, arn.to_owned())),
            _ => Err(unrecognized()),
        },
        other => Err(IdentityError::InvalidService { service: other.to_owned(), arn: arn.to_owned() }),
    }
}

/// `arn.StripPath`: a role ARN loses its path (`role/a/b/N` → `role/N`);
/// other ARNs are unchanged.
pub fn strip_path(arn: &str) -> Result<String, IdentityError> {
    let s = sections(arn)?;
    let parts: Vec<&str> = s.resource.split('/').collect();
    match parts.as_slice() {
        ["role", .., last] if parts.len() > 2 => Ok(format!("arn:{}:iam::{}:role/{last}", s.partition, s.account)),
        _ => Ok(arn.to_owned()),
    }
}

impl Identity {
    /// The identity of a GetCallerIdentity answer (`Arn`, `Account`,
    /// `UserId`) for a token signed by `access_key_id` for `sts_endpoint`.
    pub fn from_caller_identity(
        arn: &str,
        account: &str,
        user_id: &str,
        access_key_id: &str,
        sts_endpoint: &str,
    ) -> Result<Identity, IdentityError> {
        let (kind, canonical_arn) = canonicalize(arn)?;
        let (principal_id, session_name) = match kind {
            PrincipalType::FederatedUser | PrincipalType::User | PrincipalType::Root => {
                (user_id.to_owned(), String::new())
            }
            PrincipalType::Role | PrincipalType::AssumedRole => {
                let parts: Vec<&str> = user_id.split(':').collect();
                let [id, session] = parts.as_slice() else {
                    return Err(IdentityError::MalformedUserId(user_id.to_owned()));
                };
                ((*id).to_owned(), (*session).to_owned())
            }
        };
        Ok(Identity {
            arn: arn.to_owned(),
            canonical_arn,
            account: account.to_owned(),
            user_id: user_id.to_owned(),
            principal_id,
            session_name,
            access_key_id: access_key_id.to_owned(),
            sts_endpoint: sts_endpoint.to_owned(),
        })
    }

    /// The identity of an eksim principal, as GetCallerIdentity would report it.
    pub fn from_principal(principal: &eksim_model::Principal, sts_endpoint: &str) -> Result<Identity, IdentityError> {
        Identity::from_caller_identity(
            &principal.arn(),
            principal.account.as_str(),
            &principal.user_id(),
            &principal.access_key_id,
            sts_endpoint,
        )
    }

    /// `aws-iam-authenticator:<account>:<principal id>`.
    pub fn uid(&self) -> String {
        format!("{}:{}:{}", super::UID_PREFIX, self.account, self.principal_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(arn: &str, user_id: &str, expected: Result<(&str, &str, &str), &str>) {
        let got = Identity::from_caller_identity(arn, "111122223333", user_id, "AKID", "sts.amazonaws.com")
            .map(|i| (i.canonical_arn, i.principal_id, i.session_name))
            .map_err(|e| e.to_string());
        let expected = expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned())).map_err(str::to_owned);
        assert_eq!(got, expected, "{arn}");
    }

    #[test]
    fn identities_canonicalize_as_the_authenticator_does() {
        let a = "arn:aws:iam::111122223333";
        check(&format!("{a}:user/p/alice"), "AIDAX", Ok((&format!("{a}:user/p/alice"), "AIDAX", "")));
        check(&format!("{a}:root"), "111122223333", Ok((&format!("{a}:root"), "111122223333", "")));
        check(
            "arn:aws:sts::111122223333:federated-user/bob",
            "111122223333:bob",
            Ok(("arn:aws:sts::111122223333:federated-user/bob", "111122223333:bob", "")),
        );
        check(
            "arn:aws:sts::111122223333:assumed-role/Role/s",
            "AROAX:s",
            Ok(("arn:aws:iam::111122223333:role/Role", "AROAX", "s")),
        );
        check(
            "arn:aws:sts::111122223333:assumed-role/Role/s",
            "AROAX:s:t",
            Err(r#"sts getCallerIdentity failed: malformed UserID "AROAX:s:t""#),
        );
        check("nope", "x", Err("sts getCallerIdentity failed: arn 'nope' is invalid: 'arn: invalid prefix'"));
        check(
            "arn:aws:iam",
            "x",
            Err("sts getCallerIdentity failed: arn 'arn:aws:iam' is invalid: 'arn: not enough sections'"),
        );
        check(
            "arn:aws-xx:iam::1:user/a",
            "x",
            Err("sts getCallerIdentity failed: arn 'arn:aws-xx:iam::1:user/a' does not have a recognized partition"),
        );
        check(
            "arn:aws:sts::1:assumed-role/R",
            "x",
            Err("sts getCallerIdentity failed: assumed-role arn 'arn:aws:sts::1:assumed-role/R' does not have a role"),
        );
        check(
            "arn:aws:iam::1:group/g",
            "x",
            Err("sts getCallerIdentity failed: unrecognized resource group/g for service iam"),
        );
        check(
            "arn:aws:s3:::b",
            "x",
            Err("sts getCallerIdentity failed: service s3 in arn arn:aws:s3:::b is not a valid service for identities"),
        );
    }

    #[test]
    fn an_eksim_principal_reads_as_get_caller_identity() {
        let principal = eksim_model::Principal {
            account: eksim_model::AccountId::parse("111122223333").unwrap_or_else(|_| unreachable!()),
            kind: eksim_model::PrincipalKind::AssumedRole {
                role_name: "Dev".into(),
                role_path: "/team/".into(),
                role_id: "AROADEV".into(),
                session_name: "s1".into(),
            },
            access_key_id: "ASIAX".into(),
            session: None,
        };
        let id = Identity::from_principal(&principal, "127.0.0.1:4566");
        assert_eq!(
            id.map(|i| (i.uid(), i.arn, i.canonical_arn, i.principal_id, i.session_name)),
            Ok((
                "aws-iam-authenticator:111122223333:AROADEV".to_owned(),
                "arn:aws:sts::111122223333:assumed-role/Dev/s1".to_owned(),
                "arn:aws:iam::111122223333:role/Dev".to_owned(),
                "AROADEV".to_owned(),
                "s1".to_owned(),
            ))
        );
    }

    #[test]
    fn strip_path_only_touches_roles() {
        assert_eq!(strip_path("arn:aws:iam::1:role/team/dev/Dev"), Ok("arn:aws:iam::1:role/Dev".to_owned()));
        assert_eq!(strip_path("arn:aws:iam::1:role/Dev"), Ok("arn:aws:iam::1:role/Dev".to_owned()));
        assert_eq!(strip_path("arn:aws:iam::1:user/p/alice"), Ok("arn:aws:iam::1:user/p/alice".to_owned()));
        assert!(strip_path("role/x").is_err());
    }
}
