//! IAM policy engine: parse and validate policy documents, evaluate requests, explain decisions.
//!
//! - [`parse`] turns policy JSON into a [`Policy`] or IAM's exact `MalformedPolicyDocument`
//!   message ([`Malformed::message`]), keeping each statement's source position for the
//!   simulator's `StartPosition` / `EndPosition`.
//! - [`evaluate`] decides a [`Request`] (action, resource ARN, [`Context`]) against
//!   [`PolicySets`] (identity policies, permissions boundary, session policies, resource or trust
//!   policy) and returns a [`Decision`] that names the deciding set and the matching statements.
//! - [`evaluate_trust`] checks a role trust policy alone.
//! - [`access_denied_message`] renders AWS's AccessDenied text for a denial.
//!
//! ```
//! use eksim_policy::{access_denied_message, evaluate, parse, Context, NamedPolicy, OwnerKind};
//! use eksim_policy::{PolicyKind, PolicySets, PolicySource, Request};
//!
//! let text = r#"{"Version":"2012-10-17","Statement":[
//!   {"Effect":"Allow","Action":"eks:Describe*","Resource":"arn:aws:eks:*:*:cluster/*"}]}"#;
//! let policy = parse(text, PolicyKind::Identity).map_err(|e| e.message())?;
//! let source = PolicySource::Inline { owner: OwnerKind::User, owner_name: "alice".into() };
//! let named = NamedPolicy::new("eks-read", source, policy);
//! let sets = PolicySets { identity: vec![&named], ..PolicySets::default() };
//! let ctx = Context::new().with("aws:username", "alice");
//!
//! let cluster = "arn:aws:eks:us-east-1:123456789012:cluster/demo";
//! assert!(evaluate(&Request::new("eks:DescribeCluster", cluster, &ctx), &sets).is_allowed());
//!
//! let denied = evaluate(&Request::new("eks:DeleteCluster", cluster, &ctx), &sets);
//! assert_eq!(
//!     access_denied_message("arn:aws:iam::123456789012:user/alice", "eks:DeleteCluster", cluster, &denied),
//!     "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: eks:DeleteCluster \
//!      on resource: arn:aws:eks:us-east-1:123456789012:cluster/demo because no identity-based \
//!      policy allows the eks:DeleteCluster action",
//! );
//! # Ok::<(), String>(())
//! ```
//!
//! The rules are those of the reference `iam-sts.md` §7.3 (validation), §9 (simulation) and §10
//! (evaluation). Where the reference is silent or unconfirmed, the choice is stated on the item.
//!
//! **Architecture Invariant:** pure. No I/O, no clock, no global state: the current time and
//! everything else about the caller arrives in the [`Context`]. Input never panics the engine;
//! hostile JSON nests only so deep and hostile wildcards match in quadratic time.
//!
//! **API boundary:** the public items re-exported here. `json`, `pattern` and `scalar` are
//! internal.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod condition;
mod context;
mod error;
mod eval;
mod json;
mod message;
mod parse;
mod pattern;
mod policy;
mod scalar;

pub use condition::{BaseOperator, Condition, Operator, SetQualifier};
pub use context::{Context, ContextValue};
pub use error::Malformed;
pub use eval::{
    evaluate, evaluate_trust, Caller, CallerKind, Decision, EvalDecision, MatchedStatement, NamedPolicy, OwnerKind,
    PolicySetKind, PolicySets, PolicySource, PrincipalGrant, Request, ResourcePolicy, TrustDecision,
};
pub use json::Position;
pub use message::{access_denied_message, access_denied_message_plain};
pub use parse::parse;
pub use policy::{
    ActionBlock, Effect, Policy, PolicyKind, PolicyVersion, PrincipalBlock, PrincipalEntry, ResourceBlock, Statement,
};
