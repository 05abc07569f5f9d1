//! The one place where facts become AWS errors: each message comes from one
//! function here, worded as AWS words it (see `iam-sts.md` §3.5, §5, §7).

use eksim_sigv4::Error as SigError;
pub use eksim_wire::ApiError;

/// Result of a handler.
pub type Result<T> = std::result::Result<T, ApiError>;

impl From<Storage> for ApiError {
    fn from(e: Storage) -> Self {
        tracing::error!(error = %e.0, "storage failure");
        ApiError::receiver(
            "ServiceFailure",
            500,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }
}

/// A storage failure, wrapped so handlers can use `?` on store calls.
#[derive(Debug)]
pub struct Storage(pub eksim_store::Error);

impl From<eksim_store::Error> for Storage {
    fn from(e: eksim_store::Error) -> Self {
        Storage(e)
    }
}

/// Lets `?` on store calls produce an [`ApiError`] directly.
pub fn store(e: eksim_store::Error) -> ApiError {
    Storage(e).into()
}

// ---- authentication (iam-sts.md §3.5) ----

/// Row 1: no signature at all.
pub fn missing_authentication_token() -> ApiError {
    ApiError::sender("MissingAuthenticationToken", 403, "Request is missing Authentication Token")
}

/// Rows 2–4 and 8: what the SigV4 parser and verifier found.
pub fn signature(e: &SigError) -> ApiError {
    let msg = e.to_string();
    match e.class() {
        eksim_sigv4::Class::Incomplete => ApiError::sender("IncompleteSignature", 400, msg),
        _ => ApiError::sender("SignatureDoesNotMatch", 403, msg),
    }
}

/// Rows 5–6: unknown, inactive or forged credentials.
pub fn invalid_client_token_id() -> ApiError {
    ApiError::sender("InvalidClientTokenId", 403, "The security token included in the request is invalid.")
}

/// IAM calls with GetSessionToken credentials obtained without MFA (no final period, as AWS sends it).
pub fn invalid_client_token_id_no_mfa() -> ApiError {
    ApiError::sender("InvalidClientTokenId", 403, "The security token included in the request is invalid")
}

/// Row 7: the session expired (no final period).
pub fn expired_token() -> ApiError {
    ApiError::sender("ExpiredToken", 403, "The security token included in the request is expired")
}

// ---- dispatch ----

/// No `Action` parameter.
pub fn missing_action() -> ApiError {
    ApiError::sender("MissingAction", 400, "Missing Action")
}

/// An action the service's model does not have.
pub fn invalid_action(action: &str, version: &str) -> ApiError {
    ApiError::sender("InvalidAction", 400, format!("Could not find operation {action} for version {version}"))
}

/// An action AWS has but eksim does not serve yet.
pub fn not_implemented(service: &str, action: &str) -> ApiError {
    ApiError::sender("NotImplemented", 501, format!("The {action} operation of {service} is not implemented by eksim."))
}

/// A request signed for a service eksim does not serve.
pub fn unknown_service(service: &str) -> ApiError {
    ApiError::sender("InvalidAction", 400, format!("eksim does not serve the service '{service}'."))
}

// ---- IAM ----

/// `NoSuchEntity` for a named entity kind (`user`, `role`, `group`).
pub fn no_such_entity(kind: &str, name: &str) -> ApiError {
    ApiError::sender("NoSuchEntity", 404, format!("The {kind} with name {name} cannot be found."))
}

/// `NoSuchEntity` for an entity named by ARN (the simulator's `PolicySourceArn`).
pub fn no_such_entity_arn(arn: &str) -> ApiError {
    ApiError::sender("NoSuchEntity", 404, format!("The entity {arn} cannot be found."))
}

/// `NoSuchEntity` for an inline policy of a user, role or group.
pub fn no_such_inline_policy(kind: &str, policy: &str) -> ApiError {
    ApiError::sender("NoSuchEntity", 404, format!("The {kind} policy with name {policy} cannot be found."))
}

/// `NoSuchEntity` for a managed policy ARN.
pub fn no_such_policy(arn: &str) -> ApiError {
    ApiError::sender("NoSuchEntity", 404, format!("Policy {arn} does not exist or is not attachable."))
}

/// `NoSuchEntity` for a policy version.
pub fn no_such_policy_version(arn: &str, version: &str) -> ApiError {
    ApiError::sender(
        "NoSuchEntity",
        404,
        format!("Policy {arn} version {version} does not exist or is not attachable."),
    )
}

/// `EntityAlreadyExists` for users, roles, groups, policies.
pub fn already_exists(kind: &str, name: &str) -> ApiError {
    ApiError::sender("EntityAlreadyExists", 409, format!("{kind} with name {name} already exists."))
}

/// `DeleteConflict` with AWS's "must delete X first." wording.
pub fn delete_conflict(what: &str) -> ApiError {
    ApiError::sender("DeleteConflict", 409, format!("Cannot delete entity, must {what} first."))
}

/// `LimitExceeded`.
pub fn limit_exceeded(message: impl Into<String>) -> ApiError {
    ApiError::sender("LimitExceeded", 409, message)
}

/// `MalformedPolicyDocument` with the parser's message.
pub fn malformed_policy(message: impl Into<String>) -> ApiError {
    ApiError::sender("MalformedPolicyDocument", 400, message)
}

/// `InvalidInput`.
pub fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::sender("InvalidInput", 400, message)
}

/// `ValidationError` with a free text.
pub fn validation(message: impl Into<String>) -> ApiError {
    ApiError::sender("ValidationError", 400, message)
}

/// `InvalidAuthenticationCode` for EnableMFADevice / ResyncMFADevice.
pub fn invalid_authentication_code() -> ApiError {
    ApiError::sender("InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
}

// ---- STS / authorization ----

/// `AccessDenied` with a full message.
pub fn access_denied(message: impl Into<String>) -> ApiError {
    ApiError::sender("AccessDenied", 403, message)
}
