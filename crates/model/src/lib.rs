//! Identifiers shared by every eksim crate: accounts, principals, ARNs and the
//! random ids IAM hands out. Pure: no I/O beyond the operating system's random
//! source, which [`ids`] wraps.

#![forbid(unsafe_code)]

pub mod ids;
pub mod principal;

pub use principal::{Principal, PrincipalKind, SessionInfo};

use std::fmt;

/// A 12-digit AWS account id, as IAM prints it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

/// The text was not a 12-digit account id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("account id must be exactly 12 digits, got {0:?}")]
pub struct InvalidAccountId(pub String);

impl AccountId {
    /// Parses a 12-digit account id.
    pub fn parse(text: &str) -> Result<Self, InvalidAccountId> {
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidAccountId(text.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The account's root ARN, `arn:aws:iam::ACCT:root`.
    pub fn root_arn(&self) -> String {
        format!("arn:aws:iam::{}:root", self.0)
    }
}

impl TryFrom<String> for AccountId {
    type Error = InvalidAccountId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AccountId> for String {
    fn from(value: AccountId) -> Self {
        value.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The IAM ARN of a user, role, group, policy or MFA device: `arn:aws:iam::ACCT:KIND/PATH/NAME`.
/// `path` starts and ends with `/`, as IAM stores it.
pub fn iam_arn(account: &AccountId, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

/// The pieces of an ARN, split on the first five colons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, ...
    pub partition: &'a str,
    /// `iam`, `sts`, `eks`, ...
    pub service: &'a str,
    /// Empty for global services.
    pub region: &'a str,
    /// Account id or `aws` for AWS-owned resources.
    pub account: &'a str,
    /// Everything after the fifth colon.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`; `None` when the text is not an ARN.
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next()?;
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Self { partition, service, region, account, resource })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_requires_twelve_digits() {
        assert!(AccountId::parse("123456789012").is_ok());
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
    }

    #[test]
    fn arn_keeps_colons_and_slashes_in_resource() {
        let arn = Arn::parse("arn:aws:eks:us-east-1:111122223333:access-entry/c/role/1/x:y").unwrap();
        assert_eq!(arn.service, "eks");
        assert_eq!(arn.resource, "access-entry/c/role/1/x:y");
        assert!(Arn::parse("arn:aws:iam::1").is_none());
    }
}
