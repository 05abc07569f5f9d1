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

// ---- EKS (rest-json; iam-sts.md §3.5 and eks-api.md §1.4) ----

/// The JSON-protocol form of an authentication or authorization error: same text, the
/// code JSON services use (`UnrecognizedClientException`, `AccessDeniedException`, …).
pub fn to_json_protocol(mut e: ApiError) -> ApiError {
    let code = match e.code.as_str() {
        "MissingAuthenticationToken" => "MissingAuthenticationTokenException",
        "IncompleteSignature" => "IncompleteSignatureException",
        "SignatureDoesNotMatch" => "InvalidSignatureException",
        "InvalidClientTokenId" => "UnrecognizedClientException",
        "ExpiredToken" => "ExpiredTokenException",
        "AccessDenied" => "AccessDeniedException",
        _ => return e,
    };
    code.clone_into(&mut e.code);
    e
}

/// `InvalidParameterException` (400).
pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::sender("InvalidParameterException", 400, message)
}

/// `InvalidRequestException` (400).
pub fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::sender("InvalidRequestException", 400, message)
}

/// `ResourceNotFoundException` (404).
pub fn resource_not_found(message: impl Into<String>) -> ApiError {
    ApiError::sender("ResourceNotFoundException", 404, message)
}

/// `ResourceInUseException` (409).
pub fn resource_in_use(message: impl Into<String>) -> ApiError {
    ApiError::sender("ResourceInUseException", 409, message)
}

/// `No cluster found for name: NAME.` (404).
pub fn no_cluster(name: &str) -> ApiError {
    resource_not_found(format!("No cluster found for name: {name}."))
}

/// The access-entry mode gate (eks-api.md §3.2).
pub fn mode_gate() -> ApiError {
    invalid_request(
        "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
    )
}

/// `BadRequestException` (tagging operations only).
pub fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::sender("BadRequestException", 400, message)
}

/// `NotFoundException` (tagging operations only).
pub fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::sender("NotFoundException", 404, message)
}

// ---- EKS access entries and access policies (eks-api.md §3.3–3.6) ----

/// A principal already has an entry on the cluster (409).
pub fn access_entry_in_use() -> ApiError {
    resource_in_use("The specified access entry resource is already in use on this cluster.")
}

/// An entry operation names a principal without an entry (404).
pub fn access_entry_not_found() -> ApiError {
    resource_not_found(
        "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.",
    )
}

/// A principalArn that is not an IAM user, role or root ARN (STS session ARNs included).
pub fn principal_arn_format() -> ApiError {
    invalid_parameter("The principalArn parameter format is not valid")
}

/// A principalArn that IAM does not know (final dot; Terraform retries on the text without it).
pub fn invalid_principal() -> ApiError {
    invalid_parameter("The specified principalArn is invalid: invalid principal.")
}

/// A service-linked role as principal (wording unconfirmed, eks-api.md §3.3).
pub fn service_linked_role_entry() -> ApiError {
    invalid_parameter(
        "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role",
    )
}

/// The node entry types, as EKS lists them in its messages.
const NODE_TYPES: &str = "[EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, EC2]";

/// A node type with a user (or root) principal (wording unconfirmed).
pub fn node_type_needs_role() -> ApiError {
    invalid_parameter(format!("AccessEntry principalArn must be IAM role when using types {NODE_TYPES}"))
}

/// A node type with a role of another account (wording unconfirmed).
pub fn node_type_same_account() -> ApiError {
    invalid_parameter(format!(
        "AccessEntry principalArn must be from the same account as the cluster when using types {NODE_TYPES}"
    ))
}

/// An unknown access entry `type` (wording unconfirmed; the 2024 text listed four types).
pub fn invalid_entry_type() -> ApiError {
    invalid_parameter(
        "AccessEntry type must be one of [EC2, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, HYPERPOD_LINUX, STANDARD]",
    )
}

/// A username with a reserved prefix (`system:`, `eks:`, `aws:`, `amazon:`, `iam:`).
pub fn reserved_username(prefix: &str) -> ApiError {
    invalid_parameter(format!("The username must not begin with {prefix}"))
}

/// `{{SessionName}}` / `{{SessionNameRaw}}` without a `:` before it (wording unconfirmed).
pub fn session_name_needs_colon(placeholder: &str) -> ApiError {
    invalid_parameter(format!(
        "The specified username is invalid: {placeholder} must be preceded by a ':' somewhere in the username"
    ))
}

/// A username on a node type at creation (wording unconfirmed).
pub fn node_username_not_allowed(kind: &str) -> ApiError {
    invalid_parameter(format!(
        "The specified username is invalid: setting username is not allowed when the type is \"{kind}\""
    ))
}

/// kubernetesGroups on a node type at creation (wording unconfirmed).
pub fn node_groups_not_allowed(kind: &str) -> ApiError {
    invalid_parameter(format!(
        "The specified kubernetesGroups is invalid: setting kubernetesGroups is not allowed when the type is \"{kind}\""
    ))
}

/// A Kubernetes group with a reserved prefix.
pub fn reserved_group(group: &str, prefix: &str) -> ApiError {
    invalid_parameter(format!("The kubernetes group name {group} is invalid, it cannot start with {prefix}"))
}

/// A STANDARD-only operation on another type of entry.
pub fn standard_only() -> ApiError {
    invalid_parameter("This operation can only be performed on Access Entries with a type of \"STANDARD\".")
}

/// A well-formed access policy ARN that names no policy, or one not associated (404).
pub fn policy_not_found() -> ApiError {
    resource_not_found("The specified policyArn could not be found.")
}

/// A policyArn that is not an EKS access policy ARN at all (wording unconfirmed).
pub fn policy_arn_format() -> ApiError {
    invalid_parameter("The policyArn parameter format is not valid")
}

/// A service-linked-role-only access policy on a customer entry (wording unconfirmed).
pub fn service_linked_policy(name: &str) -> ApiError {
    invalid_parameter(format!(
        "The specified policyArn is invalid: {name} can only be associated with an Amazon EKS service-linked role"
    ))
}

/// Cluster scope with namespaces (wording unconfirmed).
pub fn cluster_scope_with_namespaces() -> ApiError {
    invalid_parameter("accessScope should not include namespaces if the type is not set as namespace")
}

/// Namespace scope without namespaces (wording unconfirmed).
pub fn namespace_scope_without_namespaces() -> ApiError {
    invalid_parameter("At least 1 namespace must be provided if the type is set as namespace")
}

/// A tag key with the reserved `aws:` prefix on an EKS create call.
pub fn reserved_tag_key() -> ApiError {
    invalid_parameter("Tag keys starting with aws: are reserved for AWS use.")
}

/// The same refusal from TagResource, which declares only BadRequestException.
pub fn reserved_tag_key_on_tagging() -> ApiError {
    bad_request("Tag keys starting with aws: are reserved for AWS use.")
}

#[cfg(test)]
mod eks_access_tests {
    use super::*;

    fn check(e: ApiError, code: &str, status: u16, message: &str) {
        assert_eq!((e.code.as_str(), e.status, e.message.as_str()), (code, status, message));
    }

    #[test]
    fn access_entry_messages_match_the_reference() {
        check(
            access_entry_in_use(),
            "ResourceInUseException",
            409,
            "The specified access entry resource is already in use on this cluster.",
        );
        check(
            access_entry_not_found(),
            "ResourceNotFoundException",
            404,
            "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.",
        );
        check(
            principal_arn_format(),
            "InvalidParameterException",
            400,
            "The principalArn parameter format is not valid",
        );
        check(
            invalid_principal(),
            "InvalidParameterException",
            400,
            "The specified principalArn is invalid: invalid principal.",
        );
        check(
            reserved_username("system:"),
            "InvalidParameterException",
            400,
            "The username must not begin with system:",
        );
        check(
            reserved_group("system:masters", "system:"),
            "InvalidParameterException",
            400,
            "The kubernetes group name system:masters is invalid, it cannot start with system:",
        );
        check(
            standard_only(),
            "InvalidParameterException",
            400,
            "This operation can only be performed on Access Entries with a type of \"STANDARD\".",
        );
        check(policy_not_found(), "ResourceNotFoundException", 404, "The specified policyArn could not be found.");
        check(
            node_type_needs_role(),
            "InvalidParameterException",
            400,
            "AccessEntry principalArn must be IAM role when using types [EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, EC2]",
        );
        check(
            node_username_not_allowed("EC2_LINUX"),
            "InvalidParameterException",
            400,
            "The specified username is invalid: setting username is not allowed when the type is \"EC2_LINUX\"",
        );
    }
}
