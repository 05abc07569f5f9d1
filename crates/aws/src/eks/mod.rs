//! EKS (rest-json): clusters, updates, tags, node groups and Fargate profiles
//! ([`clusters`], [`nodegroups`]), access entries and access policies ([`access`],
//! [`catalog`]). The operation tables name the IAM action and resource ARN of every
//! operation (eks-api.md §3.8).

pub mod access;
pub mod catalog;
pub mod clusters;
pub mod nodegroups;
pub mod state;

use crate::error::{self, Result};
use crate::{Ctx, Op};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

/// The operation row for `name`, across the EKS tables.
pub fn find(name: &str) -> Option<&'static Op> {
    clusters::OPERATIONS.iter().chain(nodegroups::OPERATIONS).chain(access::OPERATIONS).find(|o| o.name == name)
}

/// Every served EKS operation.
pub fn all() -> impl Iterator<Item = &'static Op> {
    clusters::OPERATIONS.iter().chain(nodegroups::OPERATIONS).chain(access::OPERATIONS)
}

/// The request's region (the SigV4 scope's).
pub fn region(ctx: &Ctx<'_>) -> String {
    ctx.facts.region.clone()
}

/// The request time as EKS timestamps: epoch seconds with milliseconds.
pub fn now(ctx: &Ctx<'_>) -> f64 {
    (ctx.now.unix_timestamp_nanos() / 1_000_000) as f64 / 1000.0
}

/// A string member.
pub fn s<'a>(input: &'a Value, name: &str) -> Option<&'a str> {
    input.get(name).and_then(Value::as_str)
}

/// A required string member (the decoder enforced presence).
pub fn req<'a>(input: &'a Value, name: &str) -> Result<&'a str> {
    s(input, name).ok_or_else(|| error::invalid_parameter(format!("The parameter {name} is required.")))
}

/// A cluster's ARN.
pub fn cluster_arn(ctx: &Ctx<'_>, name: &str) -> String {
    format!("arn:aws:eks:{}:{}:cluster/{name}", ctx.facts.region, ctx.account())
}

/// Resource of cluster-level operations: the cluster ARN from the `name` label.
pub fn resource_cluster(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(cluster_arn(ctx, s(input, "clusterName").or_else(|| s(input, "name")).unwrap_or_default()))
}

/// Resource of actions without a resource type that AWS prints with `cluster/*`.
pub fn resource_all_clusters(ctx: &mut Ctx<'_>, _input: &Value) -> Result<String> {
    Ok(cluster_arn(ctx, "*"))
}

/// Cluster and identifier name rules, with AWS's wording (eks-api.md §2.1).
pub fn check_name(param: &str, name: &str) -> Result<()> {
    if name.chars().count() > 100 {
        return Err(error::invalid_parameter(format!(
            "The parameter {param} should not be greater than 100 characters."
        )));
    }
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(error::invalid_parameter(format!(
            "The parameter {param} contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores."
        )));
    }
    Ok(())
}

/// Pages a sorted list with `maxResults` (1–100, default 100) and an opaque `nextToken`:
/// returns the page and the token of the next one.
pub fn page<T>(items: Vec<T>, key: impl Fn(&T) -> String, input: &Value) -> Result<(Vec<T>, Option<String>)> {
    let max = match input.get("maxResults").and_then(Value::as_i64) {
        Some(n) if !(1..=100).contains(&n) => {
            return Err(error::invalid_parameter("maxResults must be between 1 and 100"));
        }
        Some(n) => n as usize,
        None => 100,
    };
    let after = match s(input, "nextToken") {
        Some(t) => Some(
            URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| error::invalid_parameter("The nextToken parameter is invalid."))?,
        ),
        None => None,
    };
    let mut page: Vec<T> = items.into_iter().filter(|i| after.as_ref().is_none_or(|a| key(i) > *a)).collect();
    let more = page.len() > max;
    page.truncate(max);
    let token = if more { page.last().map(|l| URL_SAFE_NO_PAD.encode(key(l))) } else { None };
    Ok((page, token))
}

/// An id in EKS's UUID-like text form.
pub fn uuid() -> String {
    eksim_model::ids::request_id()
}
