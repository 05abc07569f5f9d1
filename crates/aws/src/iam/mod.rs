//! IAM: the operation table and what its handlers share. One file per resource:
//! [`users`], [`roles`], [`groups`], [`policies`] (inline, managed, attachments),
//! [`access_keys`], [`mfa`].

pub mod access_keys;
pub mod effective;
pub mod groups;
pub mod managed_catalog;
pub mod mfa;
pub mod policies;
pub mod roles;
pub mod simulate;
pub mod state;
pub mod users;

use crate::error::{self, Result};
use crate::Op;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use state::Tag;

macro_rules! op {
    ($name:literal, $resource:expr, $handler:expr) => {
        Op { name: $name, action: concat!("iam:", $name), resource: $resource, handler: $handler }
    };
}

/// Every IAM operation eksim serves. A name missing here answers `NotImplemented`
/// (in the model) or `InvalidAction` (unknown).
pub static OPERATIONS: &[Op] = &[
    op!("CreateUser", users::resource_new, users::create_user),
    op!("GetUser", users::resource_or_caller, users::get_user),
    op!("ListUsers", users::resource_list, users::list_users),
    op!("DeleteUser", users::resource, users::delete_user),
    op!("UpdateUser", users::resource, users::update_user),
    op!("TagUser", users::resource, users::tag_user),
    op!("UntagUser", users::resource, users::untag_user),
    op!("ListUserTags", users::resource, users::list_user_tags),
    op!("PutUserPermissionsBoundary", users::resource, users::put_boundary),
    op!("DeleteUserPermissionsBoundary", users::resource, users::delete_boundary),
    op!("CreateRole", roles::resource_new, roles::create_role),
    op!("GetRole", roles::resource, roles::get_role),
    op!("ListRoles", roles::resource_list, roles::list_roles),
    op!("DeleteRole", roles::resource, roles::delete_role),
    op!("UpdateRole", roles::resource, roles::update_role),
    op!("UpdateRoleDescription", roles::resource, roles::update_role_description),
    op!("UpdateAssumeRolePolicy", roles::resource, roles::update_assume_role_policy),
    op!("TagRole", roles::resource, roles::tag_role),
    op!("UntagRole", roles::resource, roles::untag_role),
    op!("ListRoleTags", roles::resource, roles::list_role_tags),
    op!("PutRolePermissionsBoundary", roles::resource, roles::put_boundary),
    op!("DeleteRolePermissionsBoundary", roles::resource, roles::delete_boundary),
    op!("CreateGroup", groups::resource_new, groups::create_group),
    op!("GetGroup", groups::resource, groups::get_group),
    op!("ListGroups", groups::resource_list, groups::list_groups),
    op!("DeleteGroup", groups::resource, groups::delete_group),
    op!("AddUserToGroup", groups::resource, groups::add_user_to_group),
    op!("RemoveUserFromGroup", groups::resource, groups::remove_user_from_group),
    op!("ListGroupsForUser", users::resource, groups::list_groups_for_user),
    op!("PutUserPolicy", users::resource, policies::put_user_policy),
    op!("GetUserPolicy", users::resource, policies::get_user_policy),
    op!("DeleteUserPolicy", users::resource, policies::delete_user_policy),
    op!("ListUserPolicies", users::resource, policies::list_user_policies),
    op!("PutRolePolicy", roles::resource, policies::put_role_policy),
    op!("GetRolePolicy", roles::resource, policies::get_role_policy),
    op!("DeleteRolePolicy", roles::resource, policies::delete_role_policy),
    op!("ListRolePolicies", roles::resource, policies::list_role_policies),
    op!("PutGroupPolicy", groups::resource, policies::put_group_policy),
    op!("GetGroupPolicy", groups::resource, policies::get_group_policy),
    op!("DeleteGroupPolicy", groups::resource, policies::delete_group_policy),
    op!("ListGroupPolicies", groups::resource, policies::list_group_policies),
    op!("CreatePolicy", policies::resource_new, policies::create_policy),
    op!("GetPolicy", policies::resource, policies::get_policy),
    op!("DeletePolicy", policies::resource, policies::delete_policy),
    op!("ListPolicies", policies::resource_list, policies::list_policies),
    op!("CreatePolicyVersion", policies::resource, policies::create_policy_version),
    op!("GetPolicyVersion", policies::resource, policies::get_policy_version),
    op!("ListPolicyVersions", policies::resource, policies::list_policy_versions),
    op!("DeletePolicyVersion", policies::resource, policies::delete_policy_version),
    op!("SetDefaultPolicyVersion", policies::resource, policies::set_default_policy_version),
    op!("AttachUserPolicy", users::resource, policies::attach_user_policy),
    op!("DetachUserPolicy", users::resource, policies::detach_user_policy),
    op!("ListAttachedUserPolicies", users::resource, policies::list_attached_user_policies),
    op!("AttachRolePolicy", roles::resource, policies::attach_role_policy),
    op!("DetachRolePolicy", roles::resource, policies::detach_role_policy),
    op!("ListAttachedRolePolicies", roles::resource, policies::list_attached_role_policies),
    op!("AttachGroupPolicy", groups::resource, policies::attach_group_policy),
    op!("DetachGroupPolicy", groups::resource, policies::detach_group_policy),
    op!("ListAttachedGroupPolicies", groups::resource, policies::list_attached_group_policies),
    op!("CreateAccessKey", users::resource_or_caller, access_keys::create_access_key),
    op!("ListAccessKeys", users::resource_or_caller, access_keys::list_access_keys),
    op!("UpdateAccessKey", users::resource_or_caller, access_keys::update_access_key),
    op!("DeleteAccessKey", users::resource_or_caller, access_keys::delete_access_key),
    op!("GetAccessKeyLastUsed", access_keys::resource_any, access_keys::get_access_key_last_used),
    op!("CreateVirtualMFADevice", mfa::resource_new, mfa::create_virtual_mfa_device),
    op!("EnableMFADevice", users::resource, mfa::enable_mfa_device),
    op!("ResyncMFADevice", users::resource, mfa::resync_mfa_device),
    op!("DeactivateMFADevice", users::resource_or_caller, mfa::deactivate_mfa_device),
    op!("DeleteVirtualMFADevice", mfa::resource_serial, mfa::delete_virtual_mfa_device),
    op!("ListMFADevices", users::resource_or_caller, mfa::list_mfa_devices),
    op!("ListVirtualMFADevices", mfa::resource_list, mfa::list_virtual_mfa_devices),
    op!("SimulatePrincipalPolicy", simulate::resource_source, simulate::simulate_principal_policy),
    op!("SimulateCustomPolicy", simulate::resource_none, simulate::simulate_custom_policy),
];

/// A string member of the input.
pub fn s<'a>(input: &'a Value, name: &str) -> Option<&'a str> {
    input.get(name).and_then(Value::as_str)
}

/// A required string member (the model decoder has already enforced presence).
pub fn req<'a>(input: &'a Value, name: &str) -> Result<&'a str> {
    s(input, name).ok_or_else(|| {
        error::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            eksim_wire::validate::lower_camel(name)
        ))
    })
}

/// Tags from the input (`Tags.member.N.Key/Value`).
pub fn tags(input: &Value, name: &str) -> Vec<Tag> {
    input
        .get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some(Tag { key: s(t, "Key")?.to_owned(), value: s(t, "Value").unwrap_or_default().to_owned() })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Merges tags: a key already present gets the new value.
pub fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) -> Result<()> {
    for t in new {
        match existing.iter_mut().find(|e| e.key == t.key) {
            Some(e) => e.value = t.value,
            None => existing.push(t),
        }
    }
    if existing.len() > 50 {
        return Err(error::limit_exceeded("The number of tags has reached the maximum limit."));
    }
    Ok(())
}

/// Tags as IAM returns them.
pub fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(tags.iter().map(|t| json!({"Key": t.key, "Value": t.value})).collect())
}

/// Pages a sorted list with IAM's `Marker`/`MaxItems` (1–1000, default 100). The marker
/// is opaque to clients: the sort key of the last item returned.
pub fn paginate<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    input: &Value,
    list: &str,
    to_json: impl Fn(&T) -> Value,
) -> Result<Value> {
    let max = input.get("MaxItems").and_then(Value::as_i64).unwrap_or(100).clamp(1, 1000) as usize;
    let after = match s(input, "Marker") {
        Some(m) => Some(
            URL_SAFE_NO_PAD
                .decode(m)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| error::invalid_input("Invalid Marker."))?,
        ),
        None => None,
    };
    let mut page: Vec<&T> = items.iter().filter(|i| after.as_ref().is_none_or(|a| key(i) > *a)).collect();
    let truncated = page.len() > max;
    page.truncate(max);
    let mut out = serde_json::Map::new();
    out.insert(list.to_owned(), Value::Array(page.iter().map(|i| to_json(i)).collect()));
    out.insert("IsTruncated".into(), Value::Bool(truncated));
    if truncated {
        if let Some(last) = page.last() {
            out.insert("Marker".into(), Value::String(URL_SAFE_NO_PAD.encode(key(last))));
        }
    }
    Ok(Value::Object(out))
}

pub use eksim_policy::PolicyKind;

/// Checks a policy document as IAM does on Put*/Create*: `MalformedPolicyDocument` with IAM's words.
pub fn validate_policy(document: &str, kind: PolicyKind) -> Result<eksim_policy::Policy> {
    eksim_policy::parse(document, kind).map_err(|e| error::malformed_policy(e.message()))
}

/// An empty output.
pub fn empty() -> Value {
    json!({})
}
