//! From an IAM identity to a Kubernetes user, as aws-iam-authenticator maps it
//! (`authenticator.md` §2.3–§5): the identity STS returned ([`Identity`]), one
//! [`Mapper`] interface with three sources — access entries
//! ([`AccessEntries`], the authenticator's `DynamicFile`), the aws-auth
//! ConfigMap ([`AwsAuth`], `EKSConfigMap`) and the hidden cluster creator of
//! CONFIG_MAP clusters ([`Creator`]) — an ordered [`Chain`] per
//! authentication mode ([`chain_for_mode`]), and the authenticator's log lines
//! ([`log_line`]).
//!
//! Decisions where the reference is unconfirmed, each configurable:
//! - the creator mapping runs after aws-auth (`Sources::creator_before_aws_auth`);
//! - the not-mapped wording follows [`AuthenticatorVersion`], default current;
//! - `{{EC2PrivateDNSName}}` asks a [`PrivateDns`] (eksim has no instances:
//!   [`NoInstances`] finds none).

mod access_entries;
mod aws_auth;
mod identity;
mod log;
mod yaml;

#[cfg(test)]
mod tests;

use crate::UserInfo;

pub use access_entries::{default_groups, default_username, is_node_type, AccessEntries, AccessEntry};
pub use aws_auth::{AwsAuth, RoleMapping, SsoMatcher, UserMapping};
pub use identity::{canonicalize, strip_path, Identity, IdentityError, PrincipalType};
pub use log::{log_line, LogContext, LogEvent, LogLevel};

/// The group kube-apiserver adds to every authenticated user.
pub const AUTHENTICATED_GROUP: &str = "system:authenticated";

/// The prefix of the uid the authenticator returns.
pub const UID_PREFIX: &str = "aws-iam-authenticator";

/// Which authenticator build to imitate where its strings changed
/// (`authenticator.md` §3.1, §5). EKS runs ≥ v0.7.3; the default is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthenticatorVersion {
    /// v0.7.7 and later: `identity is not mapped`.
    #[default]
    Current,
    /// v0.6.28 to v0.7.6: `Identity is not mapped`, with `stsendpoint`.
    V0_7_6,
    /// v0.6.14 to v0.6.27: `Identity is not mapped`, no `stsendpoint`, STS
    /// errors without `on <region> endpoint`.
    V0_6_27,
    /// v0.6.13 and earlier (AWS's 2022 examples): `ARN is not mapped`.
    V0_6_13,
}

impl AuthenticatorVersion {
    /// The text of ErrNotMapped.
    pub fn not_mapped(self) -> &'static str {
        match self {
            AuthenticatorVersion::Current => "identity is not mapped",
            AuthenticatorVersion::V0_7_6 | AuthenticatorVersion::V0_6_27 => "Identity is not mapped",
            AuthenticatorVersion::V0_6_13 => "ARN is not mapped",
        }
    }

    /// True from v0.6.28: log lines carry `stsendpoint` and STS errors name
    /// the endpoint's region.
    pub fn names_sts_endpoint(self) -> bool {
        matches!(self, AuthenticatorVersion::Current | AuthenticatorVersion::V0_7_6)
    }
}

/// What one mapper made of an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapResult {
    /// A mapping: templates, rendered by the chain.
    Mapped {
        /// The username template.
        username: String,
        /// The group templates.
        groups: Vec<String>,
        /// Which entry matched, for `eksim explain`.
        reason: String,
        /// Info lines the mapper logs (no client fields).
        notes: Vec<String>,
    },
    /// No mapping (the authenticator's silent ErrNotMapped).
    NotMapped {
        /// Why, for `eksim explain` (never logged by the authenticator).
        reason: String,
    },
    /// A mapper error, recorded as `mapper <M> Map error: <error>`; the chain goes on.
    Failed {
        /// The error text.
        error: String,
        /// Info lines the mapper logs.
        notes: Vec<String>,
    },
}

/// One source of mappings (the authenticator's `Mapper` interface).
pub trait Mapper {
    /// The authenticator's name for it: `DynamicFile`, `EKSConfigMap`, `MountedFile`.
    fn name(&self) -> &'static str;
    /// Maps `identity`.
    fn map(&self, identity: &Identity) -> MapResult;
    /// aws-auth's `mapAccounts`: every identity of the account maps to its
    /// canonical ARN.
    fn account_allowed(&self, _account: &str) -> bool {
        false
    }
    /// Username prefixes this mapper may not produce.
    fn reserved_prefixes(&self) -> &[String] {
        &[]
    }
}

/// The hidden admin of a CONFIG_MAP cluster: its creator, mapped to
/// `kubernetes-admin` in `system:masters` (`authenticator.md` §3.2). It
/// matches by ARN, not by unique id (a recreated user regains access), and an
/// assumed-role creator is its role, so every session matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creator {
    /// The creator's principal ARN (`aws:PrincipalArn`: a role with its path).
    pub principal_arn: String,
    /// The creator's unique id at creation, for reasons only.
    pub principal_id: String,
}

impl Creator {
    /// The username the creator gets.
    pub const USERNAME: &'static str = "kubernetes-admin";
    /// The group the creator gets.
    pub const GROUP: &'static str = "system:masters";
}

impl Mapper for Creator {
    fn name(&self) -> &'static str {
        "MountedFile"
    }

    fn map(&self, identity: &Identity) -> MapResult {
        let arn = strip_path(&self.principal_arn).unwrap_or_else(|_| self.principal_arn.clone());
        if arn.eq_ignore_ascii_case(&identity.canonical_arn) {
            MapResult::Mapped {
                username: Creator::USERNAME.to_owned(),
                groups: vec![Creator::GROUP.to_owned()],
                reason: format!("cluster creator {} ({})", self.principal_arn, self.principal_id),
                notes: Vec::new(),
            }
        } else {
            MapResult::NotMapped { reason: format!("not the cluster creator {}", self.principal_arn) }
        }
    }
}

/// How `{{EC2PrivateDNSName}}` finds an instance's private DNS name (the
/// authenticator calls `ec2:DescribeInstances`).
pub trait PrivateDns {
    /// The private DNS name of `instance_id`.
    fn private_dns_name(&self, instance_id: &str) -> Result<String, Ec2Error>;
}

/// Why an instance's DNS name is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ec2Error {
    /// No such instance: `failed to find node <id> `.
    NotFound,
    /// The EC2 call failed: `failed querying private DNS from EC2 API for node <id>: <err> `.
    Failed(String),
}

/// A [`PrivateDns`] that knows no instance (eksim runs none).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInstances;

impl PrivateDns for NoInstances {
    fn private_dns_name(&self, _instance_id: &str) -> Result<String, Ec2Error> {
        Err(Ec2Error::NotFound)
    }
}

/// `^i-(\w{8}|\w{17})$`.
fn is_instance_id(session: &str) -> bool {
    session.strip_prefix("i-").is_some_and(|id| {
        (id.len() == 8 || id.len() == 17) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// Renders one template (`authenticator.md` §3.5): plain replacement, in order
/// `{{EC2PrivateDNSName}}`, `{{AccountID}}`, `{{SessionName}}` (`@` → `-`),
/// `{{SessionNameRaw}}`, `{{AccessKeyID}}`; other `{{…}}` text stays.
pub fn render_template(
    template: &str,
    identity: &Identity,
    ec2: &dyn PrivateDns,
    notes: &mut Vec<String>,
) -> Result<String, String> {
    let mut text = template.to_owned();
    if text.contains("{{EC2PrivateDNSName}}") {
        if !is_instance_id(&identity.session_name) {
            return Err("SessionName did not contain an instance id".to_owned());
        }
        let id = &identity.session_name;
        notes.push(format!("Calling ec2:DescribeInstances for the InstanceId = {id} "));
        let dns = ec2.private_dns_name(id).map_err(|e| match e {
            Ec2Error::NotFound => format!("failed to find node {id} "),
            Ec2Error::Failed(err) => format!("failed querying private DNS from EC2 API for node {id}: {err} "),
        })?;
        text = text.replace("{{EC2PrivateDNSName}}", &dns);
    }
    text = text.replace("{{AccountID}}", &identity.account);
    text = text.replace("{{SessionName}}", &identity.session_name.replace('@', "-"));
    text = text.replace("{{SessionNameRaw}}", &identity.session_name);
    Ok(text.replace("{{AccessKeyID}}", &identity.access_key_id))
}

/// The `UserInfo` kube-apiserver ends up with: the authenticator's username
/// and groups, `system:authenticated` added, uid
/// `aws-iam-authenticator:<account>:<principal id>` and the `extra` keys of
/// `authenticator.md` §4.2.
pub fn user_info(identity: &Identity, username: &str, groups: &[String]) -> UserInfo {
    let mut all = groups.to_vec();
    if !all.iter().any(|g| g == AUTHENTICATED_GROUP) {
        all.push(AUTHENTICATED_GROUP.to_owned());
    }
    let extra = [
        ("accessKeyId", &identity.access_key_id),
        ("arn", &identity.arn),
        ("canonicalArn", &identity.canonical_arn),
        ("principalId", &identity.principal_id),
        ("sessionName", &identity.session_name),
        ("sigs.k8s.io/aws-iam-authenticator/principalId", &identity.principal_id),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), vec![v.clone()]))
    .collect();
    UserInfo { username: username.to_owned(), uid: identity.uid(), groups: all, extra }
}

/// A successful mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The rendered username.
    pub username: String,
    /// The rendered groups, as the authenticator returns and logs them.
    pub groups: Vec<String>,
    /// What kube-apiserver sees (see [`user_info`]).
    pub user: UserInfo,
    /// The mapper that matched.
    pub mapper: &'static str,
    /// Which entry matched.
    pub reason: String,
}

/// A refusal: the authenticator answers 403 and the client sees 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The authenticator's `error=` text.
    pub error: String,
    /// Each mapper's reason, for `eksim explain`.
    pub reasons: Vec<String>,
}

/// The chain's answer and the info lines logged on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Mapped or denied.
    pub result: Result<Mapped, Denied>,
    /// Lines the mappers logged (level info, no client fields), in order.
    pub notes: Vec<String>,
}

/// An ordered list of mappers: the first match wins (`doMapping`).
pub struct Chain<'a> {
    mappers: Vec<&'a dyn Mapper>,
    version: AuthenticatorVersion,
}

impl<'a> Chain<'a> {
    /// A chain of `mappers`, in order, with the current wording.
    pub fn new(mappers: Vec<&'a dyn Mapper>) -> Self {
        Chain { mappers, version: AuthenticatorVersion::Current }
    }

    /// The same chain with another version's wording.
    pub fn with_version(mut self, version: AuthenticatorVersion) -> Self {
        self.version = version;
        self
    }

    /// The mapper names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.mappers.iter().map(|m| m.name()).collect()
    }

    /// Maps `identity` (`authenticator.md` §3.1): the first mapper that maps
    /// wins, its templates rendered (a render error is fatal); mapper errors
    /// are recorded and the chain goes on; a mapper whose `mapAccounts` holds
    /// the account maps to the canonical ARN, no groups.
    pub fn map(&self, identity: &Identity, ec2: &dyn PrivateDns) -> Mapping {
        let mut notes = Vec::new();
        let mut errors = Vec::new();
        let mut reasons = Vec::new();
        let deny = |error: String, reasons: Vec<String>, notes: Vec<String>| Mapping {
            result: Err(Denied { error, reasons }),
            notes,
        };
        for m in &self.mappers {
            match m.map(identity) {
                MapResult::Mapped { username, groups, reason, notes: more } => {
                    notes.extend(more);
                    let rendered = render_all(&username, &groups, identity, ec2, &mut notes);
                    let (username, groups) = match rendered {
                        Ok(ok) => ok,
                        Err(e) => {
                            reasons.push(format!("{}: {reason}", m.name()));
                            return deny(format!("mapper {} renderTemplates error: {e}", m.name()), reasons, notes);
                        }
                    };
                    let reserved = m.reserved_prefixes();
                    if reserved.iter().any(|p| !p.is_empty() && username.starts_with(p.as_str())) {
                        let error = format!(
                            "invalid username '{username}' for mapper {}: username must not begin with with the \
                             following prefixes: {}",
                            m.name(),
                            crate::gofmt::sprint_list(reserved)
                        );
                        return deny(error, reasons, notes);
                    }
                    let user = user_info(identity, &username, &groups);
                    let mapped = Mapped { username, groups, user, mapper: m.name(), reason };
                    return Mapping { result: Ok(mapped), notes };
                }
                MapResult::NotMapped { reason } => reasons.push(format!("{}: {reason}", m.name())),
                MapResult::Failed { error, notes: more } => {
                    notes.extend(more);
                    reasons.push(format!("{}: {error}", m.name()));
                    errors.push(format!("mapper {} Map error: {error}", m.name()));
                }
            }
            if m.account_allowed(&identity.account) {
                let username = identity.canonical_arn.clone();
                let user = user_info(identity, &username, &[]);
                let reason = format!("mapAccounts includes account {}", identity.account);
                let mapped = Mapped { username, groups: Vec::new(), user, mapper: m.name(), reason };
                return Mapping { result: Ok(mapped), notes };
            }
        }
        let error =
            if errors.is_empty() { self.version.not_mapped().to_owned() } else { crate::gofmt::aggregate(&errors) };
        deny(error, reasons, notes)
    }
}

fn render_all(
    username: &str,
    groups: &[String],
    identity: &Identity,
    ec2: &dyn PrivateDns,
    notes: &mut Vec<String>,
) -> Result<(String, Vec<String>), String> {
    let user = render_template(username, identity, ec2, notes)
        .map_err(|e| format!("error rendering username template {}: {e}", crate::gofmt::quote(username)))?;
    let groups = groups
        .iter()
        .map(|g| {
            render_template(g, identity, ec2, notes)
                .map_err(|e| format!("error rendering group template {}: {e}", crate::gofmt::quote(g)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((user, groups))
}

/// The sources a cluster's chain draws from; absent ones are skipped.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    /// The cluster's access entries (API modes).
    pub access_entries: Option<&'a AccessEntries>,
    /// `kube-system/aws-auth` (CONFIG_MAP modes).
    pub aws_auth: Option<&'a AwsAuth>,
    /// The CONFIG_MAP creator mapping.
    pub creator: Option<&'a Creator>,
    /// Put the creator before aws-auth (the reference infers after).
    pub creator_before_aws_auth: bool,
}

/// The authentication mode is not one EKS defines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown authentication mode {0:?}")]
pub struct UnknownMode(pub String);

/// The mapper order of `authenticator.md` §3.2: `CONFIG_MAP` → aws-auth then
/// the creator; `API_AND_CONFIG_MAP` → access entries then aws-auth; `API` →
/// access entries only.
pub fn chain_for_mode<'a>(mode: &str, sources: &Sources<'a>) -> Result<Chain<'a>, UnknownMode> {
    let entries = sources.access_entries.map(|m| m as &dyn Mapper);
    let aws_auth = sources.aws_auth.map(|m| m as &dyn Mapper);
    let creator = sources.creator.map(|m| m as &dyn Mapper);
    let order = match mode {
        "CONFIG_MAP" if sources.creator_before_aws_auth => vec![creator, aws_auth],
        "CONFIG_MAP" => vec![aws_auth, creator],
        "API_AND_CONFIG_MAP" => vec![entries, aws_auth],
        "API" => vec![entries],
        other => return Err(UnknownMode(other.to_owned())),
    };
    Ok(Chain::new(order.into_iter().flatten().collect()))
}
