//! The authorization step every operation passes through. It alone builds
//! [`Authorized`], so no handler runs without a decision.
//!
//! Issue 4 plugs the IAM policy engine in here: identity policies, boundaries and
//! session policies evaluated for `action` on `resource`. Until then every
//! authenticated call is allowed, and the decision says so.

use crate::{error, Ctx};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An input that passed authorization.
pub struct Authorized {
    input: Value,
    /// The action that was authorized.
    pub action: &'static str,
    /// The resource it was authorized on.
    pub resource: String,
}

impl Authorized {
    /// The raw input tree.
    pub fn input(&self) -> &Value {
        &self.input
    }

    /// The input decoded into its botocore-named struct.
    pub fn parse<T: DeserializeOwned>(&self) -> error::Result<T> {
        serde_json::from_value(self.input.clone()).map_err(|e| error::validation(format!("Invalid input: {e}")))
    }
}

/// Decides whether the caller may perform `action` on `resource`.
/// An empty `action` means AWS requires no permission (GetCallerIdentity, GetSessionToken).
pub fn authorize(ctx: &mut Ctx<'_>, action: &'static str, resource: &str, input: Value) -> error::Result<Authorized> {
    ctx.decision = if action.is_empty() {
        "no permission required".to_owned()
    } else {
        format!("allowed: {action} on {resource} (policy evaluation not enforced yet)")
    };
    Ok(Authorized { input, action, resource: resource.to_owned() })
}
