//! IAM records as stored, and the keys they live under.
//!
//! Keys (all under the account): `iam/ACCT/user/NAME` (name lower-cased: IAM names are
//! case-insensitive), `…/role/NAME`, `…/group/NAME`, `…/policy/PATHNAME`, `…/mfa/NAME`;
//! access keys are global, `akid/AKID`, because a request names only its key.

use eksim_model::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A tag as IAM returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Tag key.
    pub key: String,
    /// Tag value.
    pub value: String,
}

/// An inline policy: name → document text as given (AWS keeps whitespace and key order).
pub type InlinePolicies = BTreeMap<String, String>;

/// An IAM user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date: String,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub inline: InlinePolicies,
    #[serde(default)]
    pub attached: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub boundary: Option<String>,
    /// Serial numbers of the MFA devices enabled for this user.
    #[serde(default)]
    pub mfa: Vec<MfaAssignment>,
}

/// An MFA device enabled for a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfaAssignment {
    pub serial: String,
    pub enable_date: String,
}

/// An IAM role.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date: String,
    pub trust_policy: String,
    #[serde(default)]
    pub description: Option<String>,
    pub max_session_duration: i64,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub inline: InlinePolicies,
    #[serde(default)]
    pub attached: Vec<String>,
    #[serde(default)]
    pub boundary: Option<String>,
    #[serde(default)]
    pub last_used: Option<String>,
    /// The unique id of each user or role the trust policy named when it was written (IAM
    /// stores trust principals as ids: a recreated principal is not the one trusted).
    #[serde(default)]
    pub trust_ids: BTreeMap<String, String>,
}

/// An IAM group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date: String,
    #[serde(default)]
    pub inline: InlinePolicies,
    #[serde(default)]
    pub attached: Vec<String>,
}

/// One version of a customer managed policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub version_id: String,
    pub document: String,
    pub create_date: String,
}

/// A customer managed policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    #[serde(default)]
    pub description: Option<String>,
    pub create_date: String,
    pub update_date: String,
    pub default_version: String,
    pub versions: Vec<PolicyVersion>,
    /// Next version number to hand out (`v{n}`), never reused.
    pub next_version: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// Who owns an access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum KeyOwner {
    /// The account root.
    Root,
    /// An IAM user, by name and the unique id it had when the key was made.
    User { name: String, user_id: String },
}

/// A long-term access key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessKey {
    pub account: AccountId,
    pub owner: KeyOwner,
    pub access_key_id: String,
    pub secret: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub create_date: String,
}

/// A virtual MFA device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VirtualMfa {
    pub serial: String,
    pub name: String,
    pub path: String,
    /// The base32 seed.
    pub seed: String,
    pub create_date: String,
    /// The user it is enabled for.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub enable_date: Option<String>,
    /// The last TOTP counter accepted, to refuse replays.
    #[serde(default)]
    pub last_counter: Option<u64>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// An account known to eksim.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub create_date: String,
}

/// Store keys.
pub mod keys {
    use eksim_model::AccountId;

    /// `acct/ACCT`.
    pub fn account(a: &AccountId) -> String {
        format!("acct/{a}")
    }
    /// All accounts.
    pub const ACCOUNTS: &str = "acct/";
    /// `iam/ACCT/user/NAME`.
    pub fn user(a: &AccountId, name: &str) -> String {
        format!("iam/{a}/user/{}", name.to_lowercase())
    }
    /// Prefix of all users.
    pub fn users(a: &AccountId) -> String {
        format!("iam/{a}/user/")
    }
    /// `iam/ACCT/role/NAME`.
    pub fn role(a: &AccountId, name: &str) -> String {
        format!("iam/{a}/role/{}", name.to_lowercase())
    }
    /// Prefix of all roles.
    pub fn roles(a: &AccountId) -> String {
        format!("iam/{a}/role/")
    }
    /// `iam/ACCT/group/NAME`.
    pub fn group(a: &AccountId, name: &str) -> String {
        format!("iam/{a}/group/{}", name.to_lowercase())
    }
    /// Prefix of all groups.
    pub fn groups(a: &AccountId) -> String {
        format!("iam/{a}/group/")
    }
    /// `iam/ACCT/policy/NAME` (policy names are unique per account, whatever the path).
    pub fn policy(a: &AccountId, name: &str) -> String {
        format!("iam/{a}/policy/{}", name.to_lowercase())
    }
    /// Prefix of all customer managed policies.
    pub fn policies(a: &AccountId) -> String {
        format!("iam/{a}/policy/")
    }
    /// `iam/ACCT/mfa/NAME`.
    pub fn mfa(a: &AccountId, name: &str) -> String {
        format!("iam/{a}/mfa/{name}")
    }
    /// Prefix of all virtual MFA devices.
    pub fn mfas(a: &AccountId) -> String {
        format!("iam/{a}/mfa/")
    }
    /// `akid/AKID`.
    pub fn access_key(akid: &str) -> String {
        format!("akid/{akid}")
    }
    /// `iam/ACCT/userkeys/USER/AKID`: index of a user's keys.
    pub fn user_key(a: &AccountId, user: &str, akid: &str) -> String {
        format!("iam/{a}/userkeys/{}/{akid}", user.to_lowercase())
    }
    /// Prefix of a user's keys.
    pub fn user_keys(a: &AccountId, user: &str) -> String {
        format!("iam/{a}/userkeys/{}/", user.to_lowercase())
    }
    /// The per-install secret that seals session tokens.
    pub const INSTALL_KEY: &str = "meta/install-key";
}
