//! The `kube-system/aws-auth` ConfigMap as the authenticator's `EKSConfigMap`
//! mapper reads it (`authenticator.md` §3.3, `pkg/mapper/configmap`): each of
//! `mapRoles`, `mapUsers`, `mapAccounts` parsed on its own (a bad one drops
//! only its own entries), item keys matched case-insensitively, roles keyed by
//! lower-cased `rolearn` (the last wins), then matched against the lower-cased
//! canonical ARN — so a `rolearn` with a path never matches.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::yaml::{self, Node};
use super::{Identity, LogLevel, MapResult, Mapper};
use crate::gofmt::sprint_list;
use crate::token::PARTITIONS;

/// One `mapRoles` item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoleMapping {
    /// `rolearn`: must be the path-less role ARN to ever match.
    pub rolearn: String,
    /// `username` template.
    pub username: String,
    /// `groups` templates.
    pub groups: Vec<String>,
    /// `userid` (unused by matching).
    pub userid: String,
    /// `sso` (behind an alpha gate upstream: such items match nothing here).
    pub sso: Option<SsoMatcher>,
}

/// The `sso` matcher of a `mapRoles` item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SsoMatcher {
    /// `permissionSetName`.
    pub permission_set_name: String,
    /// `accountID`.
    pub account_id: String,
    /// `partition`.
    pub partition: String,
}

/// One `mapUsers` item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserMapping {
    /// `userarn`, compared with its path.
    pub userarn: String,
    /// `username` template.
    pub username: String,
    /// `groups` templates.
    pub groups: Vec<String>,
    /// `userid` (unused by matching).
    pub userid: String,
}

/// A parsed aws-auth ConfigMap: the mappings that survived, and the errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsAuth {
    roles: Vec<RoleMapping>,
    role_keys: HashMap<String, usize>,
    users: Vec<UserMapping>,
    accounts: Vec<String>,
    errors: Vec<String>,
    reserved: Vec<String>,
}

/// `isSkippable`: empty, whitespace, ` `` `, `""` or `''`.
fn skippable(text: &str) -> bool {
    matches!(text.trim(), "" | "``" | "\"\"" | "''")
}

fn type_error(kind: &str, strukt: &str, field: &str, go_type: &str) -> String {
    format!("json: cannot unmarshal {kind} into Go struct field {strukt}.{field} of type {go_type}")
}

/// Decodes a JSON-ish list of objects into Go structs: the first type error
/// of the whole value is returned, as `json.Unmarshal` does.
fn decode_list<T: Default>(
    node: &Node,
    go_type: &str,
    mut field: impl FnMut(&mut T, &str, &Node) -> Option<String>,
) -> (Vec<T>, Option<String>) {
    let mut first_error = None;
    let items = match node {
        Node::Null => return (Vec::new(), None),
        Node::Seq(items) => items,
        other => {
            let e = format!("json: cannot unmarshal {} into Go value of type []config.{go_type}", other.json_kind());
            return (Vec::new(), Some(e));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut value = T::default();
        match item {
            Node::Null => {}
            Node::Map(pairs) => {
                for (key, v) in pairs {
                    if let Some(e) = field(&mut value, key, v) {
                        first_error.get_or_insert(e);
                    }
                }
            }
            other => {
                first_error.get_or_insert(format!(
                    "json: cannot unmarshal {} into Go value of type config.{go_type}",
                    other.json_kind()
                ));
            }
        }
        out.push(value);
    }
    (out, first_error)
}

fn is(key: &str, name: &str) -> bool {
    key.eq_ignore_ascii_case(name) || key.to_lowercase() == name
}

fn string_field(strukt: &str, name: &str, node: &Node, target: &mut String) -> Option<String> {
    yaml::decode_string(node, target).err().map(|kind| type_error(kind, strukt, name, "string"))
}

fn groups_field(strukt: &str, node: &Node, target: &mut Vec<String>) -> Option<String> {
    yaml::decode_string_list(node, target)
        .err()
        .map(|(kind, whole)| type_error(kind, strukt, "groups", if whole { "[]string" } else { "string" }))
}

fn decode_role(role: &mut RoleMapping, key: &str, node: &Node) -> Option<String> {
    const S: &str = "RoleMapping";
    if is(key, "rolearn") {
        string_field(S, "rolearn", node, &mut role.rolearn)
    } else if is(key, "username") {
        string_field(S, "username", node, &mut role.username)
    } else if is(key, "groups") {
        groups_field(S, node, &mut role.groups)
    } else if is(key, "userid") {
        string_field(S, "userid", node, &mut role.userid)
    } else if is(key, "sso") {
        match node {
            Node::Null => {
                role.sso = None;
                None
            }
            Node::Map(pairs) => {
                let sso = role.sso.get_or_insert_with(SsoMatcher::default);
                let mut first = None;
                for (k, v) in pairs {
                    let e = if is(k, "permissionsetname") {
                        string_field(S, "sso.permissionSetName", v, &mut sso.permission_set_name)
                    } else if is(k, "accountid") {
                        string_field(S, "sso.accountID", v, &mut sso.account_id)
                    } else if is(k, "partition") {
                        string_field(S, "sso.partition", v, &mut sso.partition)
                    } else {
                        None
                    };
                    if let Some(e) = e {
                        first.get_or_insert(e);
                    }
                }
                first
            }
            other => {
                // Go allocates the pointer before finding the type wrong.
                role.sso.get_or_insert_with(SsoMatcher::default);
                Some(type_error(other.json_kind(), S, "sso", "config.SSOARNMatcher"))
            }
        }
    } else {
        None
    }
}

fn decode_user(user: &mut UserMapping, key: &str, node: &Node) -> Option<String> {
    const S: &str = "UserMapping";
    if is(key, "userarn") {
        string_field(S, "userarn", node, &mut user.userarn)
    } else if is(key, "username") {
        string_field(S, "username", node, &mut user.username)
    } else if is(key, "groups") {
        groups_field(S, node, &mut user.groups)
    } else if is(key, "userid") {
        string_field(S, "userid", node, &mut user.userid)
    } else {
        None
    }
}

/// How yaml.v2's type errors quote a scalar: `` `text` ``, or its first 7 bytes and `...`
/// past 10 bytes; nothing for a sequence or mapping.
fn scalar_value(node: &Node, written: Option<String>) -> String {
    let text = match (node, written) {
        (Node::Seq(_) | Node::Map(_), _) => return String::new(),
        (_, Some(w)) => w,
        (Node::String(s) | Node::Number(s), None) => s.clone(),
        (Node::Bool(b), None) => b.to_string(),
        (Node::Null, None) => String::new(),
    };
    if text.len() > 10 {
        format!(" `{}...`", String::from_utf8_lossy(&text.as_bytes()[..7]))
    } else {
        format!(" `{text}`")
    }
}

/// `RoleMapping.Validate`.
fn validate_role(role: &RoleMapping) -> Result<(), String> {
    match (&role.rolearn[..], &role.sso) {
        ("", None) => return Err("one of rolearn or SSO must be supplied".to_owned()),
        (arn, Some(_)) if !arn.is_empty() => return Err("only one of rolearn or SSO can be supplied".to_owned()),
        _ => {}
    }
    if let Some(sso) = &role.sso {
        if sso.account_id.len() != 12 || !sso.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("AccountID '{}' is not a valid AWS Account ID", sso.account_id));
        }
        let name = &sso.permission_set_name;
        let name_ok = (1..=32).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
        if !name_ok {
            return Err(format!("PermissionSetName '{name}' is not a valid AWS SSO PermissionSet Name"));
        }
        if !sso.partition.is_empty() && !PARTITIONS.contains(&sso.partition.as_str()) {
            return Err(format!("partition '{}' is not a valid AWS partition", sso.partition));
        }
    }
    Ok(())
}

/// `RoleMapping.Key`: the lower-cased ARN, or the SSO ARN pattern.
fn role_key(role: &RoleMapping) -> String {
    match &role.sso {
        Some(sso) if role.rolearn.is_empty() => {
            let partition = if sso.partition.is_empty() { "aws" } else { "" };
            format!("arn:{partition}:iam::{}:role/AWSReservedSSO_{}_*", sso.account_id, sso.permission_set_name)
                .to_lowercase()
        }
        _ => role.rolearn.to_lowercase(),
    }
}

impl AwsAuth {
    /// Parses a ConfigMap's `data`. Never fails: errors are kept (see
    /// [`AwsAuth::errors`]) and the good entries of every key still apply.
    pub fn parse(data: &BTreeMap<String, String>) -> AwsAuth {
        let mut me = AwsAuth::default();
        if let Some(text) = data.get("mapUsers").filter(|t| !skippable(t)) {
            match yaml::parse(text) {
                Err(e) => me.errors.push(format!("error converting YAML to JSON: yaml: {e}")),
                Ok(node) => {
                    let (users, error) = decode_list(&node, "UserMapping", decode_user);
                    me.errors.extend(error);
                    for user in users {
                        if user.userarn.is_empty() {
                            me.errors.push("value for userarn must be supplied".to_owned());
                        } else if let Some(same) = me.users.iter_mut().find(|u| u.userarn == user.userarn) {
                            // Keyed by the exact ARN: the last item wins, in place.
                            *same = user;
                        } else {
                            me.users.push(user);
                        }
                    }
                }
            }
        }
        if let Some(text) = data.get("mapRoles").filter(|t| !skippable(t)) {
            match yaml::parse(text) {
                Err(e) => me.errors.push(format!("error converting YAML to JSON: yaml: {e}")),
                Ok(node) => {
                    let (roles, error) = decode_list(&node, "RoleMapping", decode_role);
                    me.errors.extend(error);
                    for role in roles {
                        if let Err(e) = validate_role(&role) {
                            me.errors.push(e);
                            continue;
                        }
                        let key = role_key(&role);
                        match me.role_keys.get(&key) {
                            Some(&i) => me.roles[i] = role,
                            None => {
                                me.role_keys.insert(key, me.roles.len());
                                me.roles.push(role);
                            }
                        }
                    }
                }
            }
        }
        if let Some(text) = data.get("mapAccounts").filter(|t| !skippable(t)) {
            me.accounts = me.parse_accounts(text);
        }
        me
    }

    /// yaml.v2 into `[]string`: scalars keep their text, other items are dropped, and each
    /// type error names the node's line (`decoder.terror`).
    fn parse_accounts(&mut self, text: &str) -> Vec<String> {
        if let Some(list) = yaml::parse_string_list(text) {
            return list.into_iter().map(Option::unwrap_or_default).collect();
        }
        let (root, items) = match yaml::parse_located(text) {
            Err(e) => {
                self.errors.push(format!("yaml: {e}"));
                return Vec::new();
            }
            Ok(parsed) => parsed,
        };
        match root.node {
            Node::Seq(_) => {
                let mut accounts = Vec::new();
                let mut problems = Vec::new();
                for item in items {
                    match item.node {
                        Node::String(s) | Node::Number(s) => accounts.push(s),
                        Node::Bool(b) => accounts.push(b.to_string()),
                        Node::Null => accounts.push(String::new()),
                        other => problems.push(format!(
                            "line {}: cannot unmarshal {}{} into string",
                            item.line,
                            other.yaml_tag(),
                            scalar_value(&other, None)
                        )),
                    }
                }
                if !problems.is_empty() {
                    self.errors.push(format!("yaml: unmarshal errors:\n  {}", problems.join("\n  ")));
                }
                accounts
            }
            Node::Null => Vec::new(),
            other => {
                let value = scalar_value(&other, yaml::scalar_text(text));
                self.errors.push(format!(
                    "yaml: unmarshal errors:\n  line {}: cannot unmarshal {}{value} into []string",
                    root.line,
                    other.yaml_tag()
                ));
                Vec::new()
            }
        }
    }

    /// Reads a stored ConfigMap object (its `data`; a missing object or
    /// `data` maps nobody).
    pub fn from_config_map(object: &serde_json::Value) -> AwsAuth {
        let data: BTreeMap<String, String> = object
            .get("data")
            .and_then(|d| d.as_object())
            .map(|d| d.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect())
            .unwrap_or_default();
        AwsAuth::parse(&data)
    }

    /// The same mappings with username prefixes the mapper may not produce.
    pub fn with_reserved_prefixes(mut self, prefixes: Vec<String>) -> Self {
        self.reserved = prefixes;
        self
    }

    /// The valid `mapRoles` items, one per key, in order of first appearance.
    pub fn roles(&self) -> &[RoleMapping] {
        &self.roles
    }

    /// The valid `mapUsers` items.
    pub fn users(&self) -> &[UserMapping] {
        &self.users
    }

    /// `mapAccounts`.
    pub fn accounts(&self) -> &[String] {
        &self.accounts
    }

    /// Every parse and validation error, in the authenticator's order
    /// (mapUsers, mapRoles, mapAccounts).
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// The two lines the authenticator logs for a ConfigMap with errors:
    /// `Errors parsing configmap: [...]` (warning) and `There was an error
    /// parsing the config maps.  Only saving data that was good, error parsing
    /// config map: [...]` (error).
    pub fn error_log_messages(&self) -> Option<(String, String)> {
        if self.errors.is_empty() {
            return None;
        }
        let list = sprint_list(&self.errors);
        Some((
            format!("Errors parsing configmap: {list}"),
            format!("There was an error parsing the config maps.  Only saving data that was good, error parsing config map: {list}"),
        ))
    }

    /// The lines the authenticator logs when it loads a ConfigMap with errors
    /// (`pkg/mapper/configmap`): `ParseMap` warns `Errors parsing configmap: [...]`, then
    /// the watch loop logs `There was an error parsing the config maps.  Only saving data
    /// that was good, error parsing config map: [...]` and the error itself, `error parsing
    /// config map: [...]` (both at error level). [`AwsAuth::error_log_messages`] has the
    /// first two texts only.
    pub fn parse_error_log(&self) -> Vec<(LogLevel, String)> {
        if self.errors.is_empty() {
            return Vec::new();
        }
        let error = format!("error parsing config map: {}", sprint_list(&self.errors));
        vec![
            (LogLevel::Warning, format!("Errors parsing configmap: {}", sprint_list(&self.errors))),
            (
                LogLevel::Error,
                format!("There was an error parsing the config maps.  Only saving data that was good, {error}"),
            ),
            (LogLevel::Error, error),
        ]
    }

    /// A hint for an unmapped role: an item naming the same role with a path
    /// (or the full SSO ARN), which aws-auth never matches.
    fn path_hint(&self, canonical: &str) -> Option<String> {
        let (_, name) = canonical.rsplit_once("role/")?;
        let prefix = canonical.split("role/").next().unwrap_or_default();
        self.roles
            .iter()
            .find(|r| {
                let arn = r.rolearn.to_lowercase();
                arn.starts_with(prefix) && arn.ends_with(&format!("/{name}")) && arn != canonical
            })
            .map(|r| format!("; mapRoles item {} has a path, and aws-auth role ARNs must not include one", r.rolearn))
    }
}

impl Mapper for AwsAuth {
    fn name(&self) -> &'static str {
        "EKSConfigMap"
    }

    fn map(&self, identity: &Identity) -> MapResult {
        let canonical = identity.canonical_arn.to_lowercase();
        if let Some(role) = self.role_keys.get(&canonical).map(|&i| &self.roles[i]).filter(|r| !r.rolearn.is_empty()) {
            return MapResult::Mapped {
                username: role.username.clone(),
                groups: role.groups.clone(),
                reason: format!("aws-auth mapRoles item {}", role.rolearn),
                notes: Vec::new(),
            };
        }
        if let Some(user) = self.users.iter().find(|u| u.userarn.to_lowercase() == canonical) {
            return MapResult::Mapped {
                username: user.username.clone(),
                groups: user.groups.clone(),
                reason: format!("aws-auth mapUsers item {}", user.userarn),
                notes: Vec::new(),
            };
        }
        let hint = self.path_hint(&canonical).unwrap_or_default();
        MapResult::NotMapped {
            reason: format!("no aws-auth mapRoles or mapUsers item for {}{hint}", identity.canonical_arn),
        }
    }

    fn account_allowed(&self, account: &str) -> bool {
        self.accounts.iter().any(|a| a == account)
    }

    fn reserved_prefixes(&self) -> &[String] {
        &self.reserved
    }
}
