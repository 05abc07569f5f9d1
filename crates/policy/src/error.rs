//! Why a policy document was refused.
//!
//! Each variant is one fact; its `Display` is IAM's `MalformedPolicyDocument` message, word for
//! word (reference `iam-sts.md` §7.3; texts reproduced by moto's validator, which was written
//! against AWS, unless a variant says otherwise). `aws/src/error.rs` wraps it as
//! `MalformedPolicyDocument`, HTTP 400.

/// A policy document IAM would reject with `MalformedPolicyDocument`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// Not JSON, or not the policy grammar (unknown element, wrong type, unknown condition
    /// operator with values, both `Action` and `NotAction`, …).
    #[error("Syntax errors in policy.")]
    Syntax,
    /// A managed policy (CreatePolicy, CreatePolicyVersion) without `"Version": "2012-10-17"`.
    #[error("Policy document must be version 2012-10-17 or greater.")]
    VersionTooOld,
    /// IAM's legacy parser refused it: an `Effect` not spelled `Allow`/`Deny`, an unreadable
    /// date condition value, or a resource such as `arn:aws:s3::bucket`.
    #[error("The policy failed legacy parsing")]
    LegacyParsing,
    /// Two statements share a non-empty `Sid`.
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid,
    /// An identity policy `Sid` with characters outside `[0-9A-Za-z]` (unconfirmed wording).
    #[error("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")]
    SidNotAlphanumeric,
    /// A statement without `Action`/`NotAction`, or with an empty list.
    #[error("Policy statement must contain actions.")]
    MissingActions,
    /// A statement without `Resource`/`NotResource`, or with an empty list.
    #[error("Policy statement must contain resources.")]
    MissingResources,
    /// An action without a `vendor:` prefix.
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    MissingVendor,
    /// An action with more than one colon.
    #[error("Actions/Condition can contain only one colon.")]
    TooManyColons,
    /// An action vendor with characters outside `[A-Za-z0-9.-]`.
    #[error("Vendor {vendor} is not valid")]
    InvalidVendor {
        /// The vendor as written.
        vendor: String,
    },
    /// A resource that is neither `*` nor colon-delimited.
    #[error("Resource {resource} must be in ARN format or \"*\".")]
    ResourceNotArn {
        /// The resource as written.
        resource: String,
    },
    /// A resource ARN with an unknown partition.
    #[error("Partition \"{partition}\" is not valid for resource \"{resource}\".")]
    InvalidPartition {
        /// The partition as written.
        partition: String,
        /// The resource as IAM echoes it (missing segments shown as `*`).
        resource: String,
    },
    /// A resource ARN that stops after the partition.
    #[error("Resource vendor must be fully qualified and cannot contain regexes.")]
    ResourceVendor,
    /// An IAM resource ARN with a region.
    #[error("IAM resource {resource} cannot contain region information.")]
    IamResourceRegion {
        /// The resource as written.
        resource: String,
    },
    /// An S3 resource ARN with a region.
    #[error("Resource {resource} can not contain region information.")]
    S3ResourceRegion {
        /// The resource as written.
        resource: String,
    },
    /// An IAM resource whose path is not `*` and names no IAM resource type.
    #[error("IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.")]
    IamResourcePath,
    /// A trust policy statement with `Resource` or `NotResource` (real AWS text has no final
    /// period; the console adds one).
    #[error("Has prohibited field Resource")]
    ProhibitedResource,
    /// An identity policy (inline, managed, boundary, session) statement with a principal.
    #[error("Policy document should not specify a principal.")]
    PrincipalNotAllowed,
    /// A trust or resource policy statement without `Principal`/`NotPrincipal` (unconfirmed
    /// wording for trust policies; S3 says this).
    #[error("Missing required field Principal")]
    MissingPrincipal,
    /// A principal that is not a valid account, ARN or unique ID, or an ARN with wildcards.
    #[error("Invalid principal in policy: \"{kind}\":\"{value}\"")]
    InvalidPrincipal {
        /// `AWS`, `Service`, `Federated` or `CanonicalUser`.
        kind: String,
        /// The principal as written.
        value: String,
    },
    /// A trust policy action outside the `sts` vendor.
    #[error("AssumeRole policy may only specify STS AssumeRole actions.")]
    TrustActionNotSts,
}

impl Malformed {
    /// IAM's message for this error, as returned in `MalformedPolicyDocument`.
    pub fn message(&self) -> String {
        self.to_string()
    }
}
