//! The mapping cases of `authenticator.md` §6 (#1–29), real-world aws-auth
//! ConfigMaps (the authenticator's own fixtures with their odd key casings,
//! eksctl and Terraform output), the log lines of §5, and no-panic properties
//! of the aws-auth parser.

use std::collections::BTreeMap;

use proptest::prelude::*;
use time::macros::datetime;

use super::*;

const A: &str = "111122223333";
const ADMIN_ID: &str = "AROAEXAMPLEADMIN00001";
const DEV_ID: &str = "AROAEXAMPLEDEV0000001";
const SSO_ID: &str = "AROAEXAMPLESSO0000001";
const ALICE_ID: &str = "AIDAEXAMPLEALICE00001";
const CAROL_ID: &str = "AIDAEXAMPLECAROL00001";
const SSO_ROLE: &str = "AWSReservedSSO_Admin_0123456789abcdef";

fn session(role: &str, id: &str, name: &str) -> Identity {
    Identity::from_caller_identity(
        &format!("arn:aws:sts::{A}:assumed-role/{role}/{name}"),
        A,
        &format!("{id}:{name}"),
        "ASIAEXAMPLEKEY000001",
        "sts.us-east-1.amazonaws.com",
    )
    .unwrap_or_default()
}

fn user(name: &str, id: &str) -> Identity {
    Identity::from_caller_identity(
        &format!("arn:aws:iam::{A}:user/{name}"),
        A,
        id,
        "AKIAEXAMPLEKEY000001",
        "sts.us-east-1.amazonaws.com",
    )
    .unwrap_or_default()
}

fn admin(name: &str) -> Identity {
    session("Admin", ADMIN_ID, name)
}

fn dev() -> Identity {
    session("Dev", DEV_ID, "s1")
}

fn sso() -> Identity {
    session(SSO_ROLE, SSO_ID, "a@ex.com")
}

fn alice() -> Identity {
    user("alice", ALICE_ID)
}

fn carol() -> Identity {
    user("carol", CAROL_ID)
}

fn aws_auth(pairs: &[(&str, &str)]) -> AwsAuth {
    let data: BTreeMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    AwsAuth::parse(&data)
}

fn entry(arn: &str, id: &str, kind: &str, username: Option<&str>, groups: &[&str]) -> AccessEntry {
    AccessEntry {
        principal_arn: arn.to_owned(),
        principal_id: id.to_owned(),
        kind: kind.to_owned(),
        username: username.map(str::to_owned),
        kubernetes_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        effective: true,
    }
}

fn role_arn(path_and_name: &str) -> String {
    format!("arn:aws:iam::{A}:role/{path_and_name}")
}

/// A cluster's mapping state.
#[derive(Default)]
struct State {
    mode: &'static str,
    entries: Vec<AccessEntry>,
    aws_auth: Option<AwsAuth>,
    creator: Option<Creator>,
}

fn state(mode: &'static str) -> State {
    State { mode, ..State::default() }
}

impl State {
    fn aws_auth(mut self, pairs: &[(&str, &str)]) -> Self {
        self.aws_auth = Some(aws_auth(pairs));
        self
    }

    fn entry(mut self, e: AccessEntry) -> Self {
        self.entries.push(e);
        self
    }

    fn creator(mut self, arn: &str, id: &str) -> Self {
        self.creator = Some(Creator { principal_arn: arn.to_owned(), principal_id: id.to_owned() });
        self
    }

    fn map(&self, identity: &Identity) -> Mapping {
        let entries = AccessEntries::new(self.entries.clone());
        let sources = Sources {
            access_entries: Some(&entries),
            aws_auth: self.aws_auth.as_ref(),
            creator: self.creator.as_ref(),
            creator_before_aws_auth: false,
        };
        match chain_for_mode(self.mode, &sources) {
            Ok(chain) => chain.map(identity, &NoInstances),
            Err(e) => Mapping { result: Err(Denied { error: e.to_string(), reasons: vec![] }), notes: vec![] },
        }
    }
}

/// The one check: `expected` is `Ok((username, groups))` or `Err(log error)`.
fn check(state: &State, identity: &Identity, expected: Result<(&str, &[&str]), &str>) {
    let got = state.map(identity).result.map(|m| (m.username, m.groups)).map_err(|d| d.error);
    let expected = expected
        .map(|(u, g)| (u.to_owned(), g.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>()))
        .map_err(str::to_owned);
    assert_eq!(got, expected, "{} for {}", state.mode, identity.arn);
}

const NOT_MAPPED: &str = "identity is not mapped";

#[test]
fn config_map_clusters_map_the_hidden_creator_as_kubernetes_admin() {
    // #1
    let s = state("CONFIG_MAP").aws_auth(&[]).creator(&format!("arn:aws:iam::{A}:user/alice"), ALICE_ID);
    check(&s, &alice(), Ok(("kubernetes-admin", &["system:masters"])));
    let user = s.map(&alice()).result.map(|m| m.user);
    assert_eq!(user.as_ref().map(|u| u.uid.as_str()), Ok("aws-iam-authenticator:111122223333:AIDAEXAMPLEALICE00001"));
    assert_eq!(user.as_ref().map(|u| u.extra.get("sessionName").cloned()), Ok(Some(vec![String::new()])));
    // #2: every session of the creator role.
    let s = state("CONFIG_MAP").aws_auth(&[]).creator(&role_arn("Admin"), ADMIN_ID);
    check(&s, &admin("bob"), Ok(("kubernetes-admin", &["system:masters"])));
    let extra = s.map(&admin("bob")).result.map(|m| m.user.extra);
    assert_eq!(
        extra.as_ref().map(|e| (e.get("arn").cloned(), e.get("canonicalArn").cloned())),
        Ok((Some(vec![format!("arn:aws:sts::{A}:assumed-role/Admin/bob")]), Some(vec![role_arn("Admin")])))
    );
    // A creator role with a path still matches its sessions.
    let s = state("CONFIG_MAP").creator(&role_arn("team/dev/Dev"), DEV_ID);
    check(&s, &dev(), Ok(("kubernetes-admin", &["system:masters"])));
    // #3
    let s = state("CONFIG_MAP").aws_auth(&[]).creator(&format!("arn:aws:iam::{A}:user/alice"), ALICE_ID);
    check(&s, &carol(), Err(NOT_MAPPED));
    // aws-auth runs first: an item for the creator overrides kubernetes-admin.
    let mine = format!("- userarn: arn:aws:iam::{A}:user/alice\n  username: mine\n");
    let s =
        state("CONFIG_MAP").aws_auth(&[("mapUsers", &mine)]).creator(&format!("arn:aws:iam::{A}:user/alice"), ALICE_ID);
    check(&s, &alice(), Ok(("mine", &[])));
}

#[test]
fn aws_auth_maps_roles_users_and_accounts() {
    let admin_role = |username: &str| {
        format!("- rolearn: arn:aws:iam::{A}:role/Admin\n  username: {username}\n  groups:\n    - system:masters\n")
    };
    // #4, #5
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &admin_role("admin:{{SessionName}}"))]);
    check(&s, &admin("bob@example.com"), Ok(("admin:bob-example.com", &["system:masters"])));
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &admin_role("admin:{{SessionNameRaw}}"))]);
    check(&s, &admin("bob@example.com"), Ok(("admin:bob@example.com", &["system:masters"])));
    // #6, #7: a role path never matches; the path-less ARN does.
    let dev_role = |arn: &str| format!("- rolearn: {arn}\n  username: dev\n");
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &dev_role(&role_arn("team/dev/Dev")))]);
    check(&s, &dev(), Err(NOT_MAPPED));
    let reasons = s.map(&dev()).result.err().map(|d| d.reasons.join("\n")).unwrap_or_default();
    assert!(reasons.contains("has a path"), "{reasons}");
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &dev_role(&role_arn("Dev")))]);
    check(&s, &dev(), Ok(("dev", &[])));
    // #8: case-insensitive.
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &dev_role(&role_arn("admin")))]);
    check(&s, &admin("bob"), Ok(("dev", &[])));
    // #9
    let users = format!("- userarn: arn:aws:iam::{A}:user/alice\n  username: alice\n  groups: [devs]\n");
    let s = state("CONFIG_MAP").aws_auth(&[("mapUsers", &users)]);
    check(&s, &alice(), Ok(("alice", &["devs"])));
    // #10, #11: mapAccounts maps to the canonical ARN, no groups.
    let s = state("CONFIG_MAP").aws_auth(&[("mapAccounts", "- \"111122223333\"\n")]);
    check(&s, &carol(), Ok((&format!("arn:aws:iam::{A}:user/carol"), &[])));
    check(&s, &dev(), Ok((&role_arn("Dev"), &[])));
    let s = state("CONFIG_MAP").aws_auth(&[("mapAccounts", "- 111122223333\n")]);
    check(&s, &carol(), Ok((&format!("arn:aws:iam::{A}:user/carol"), &[])));
}

#[test]
fn map_accounts_type_errors_name_the_line_and_value_as_yaml_v2_does() {
    // gopkg.in/yaml.v2 v2.4.0 `decoder.terror`: `line N: cannot unmarshal <tag>[ `value`] into <type>`.
    let check = |text: &str, accounts: &[&str], error: &str| {
        let auth = aws_auth(&[("mapAccounts", text)]);
        assert_eq!(auth.accounts(), accounts, "{text:?}");
        assert_eq!(auth.errors(), [error], "{text:?}");
    };
    let errors = "yaml: unmarshal errors:\n  ";
    check("- {a: b}\n- \"1\"", &["1"], &format!("{errors}line 1: cannot unmarshal !!map into string"));
    check(
        "- \"1\"\n- [x]\n- a: b\n- \"2\"\n",
        &["1", "2"],
        &format!("{errors}line 2: cannot unmarshal !!seq into string\n  line 3: cannot unmarshal !!map into string"),
    );
    check("123456789012", &[], &format!("{errors}line 1: cannot unmarshal !!int `1234567...` into []string"));
    check("abc", &[], &format!("{errors}line 1: cannot unmarshal !!str `abc` into []string"));
    check("\n\na: b\n", &[], &format!("{errors}line 3: cannot unmarshal !!map into []string"));
}

#[test]
fn aws_auth_parse_errors_are_logged_as_the_authenticator_does() {
    let auth = aws_auth(&[("mapUsers", "just a string"), ("mapRoles", "- username: x\n")]);
    let errors = "[json: cannot unmarshal string into Go value of type []config.UserMapping one of rolearn or SSO \
                  must be supplied]";
    assert_eq!(
        auth.parse_error_log(),
        [
            (LogLevel::Warning, format!("Errors parsing configmap: {errors}")),
            (
                LogLevel::Error,
                format!(
                    "There was an error parsing the config maps.  Only saving data that was good, error parsing \
                     config map: {errors}"
                )
            ),
            (LogLevel::Error, format!("error parsing config map: {errors}")),
        ]
    );
    assert_eq!(aws_auth(&[("mapUsers", "")]).parse_error_log(), []);
}

#[test]
fn malformed_aws_auth_maps_nobody_but_keeps_the_good_keys() {
    // #12
    let users = format!("- userarn: arn:aws:iam::{A}:user/alice\n  username: alice\n");
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", "- rolearn: [unclosed\n"), ("mapUsers", &users)]);
    check(&s, &alice(), Ok(("alice", &[])));
    check(&s, &admin("bob"), Err(NOT_MAPPED));
    let errors = s.aws_auth.as_ref().map(|a| a.errors().to_vec()).unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("error converting YAML to JSON: yaml: "), "{errors:?}");
    // #13
    let roles = format!("- username: x\n- rolearn: arn:aws:iam::{A}:role/Admin\n  username: a\n");
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &roles)]);
    check(&s, &admin("bob"), Ok(("a", &[])));
    assert_eq!(
        s.aws_auth.as_ref().map(|a| a.errors().to_vec()),
        Some(vec!["one of rolearn or SSO must be supplied".to_owned()])
    );
    // #14: the last item for a role wins, groups not merged.
    let roles = format!(
        "- rolearn: arn:aws:iam::{A}:role/Admin\n  username: u1\n  groups: [g1]\n\
         - rolearn: arn:aws:iam::{A}:role/ADMIN\n  username: u2\n  groups: [g2]\n"
    );
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &roles)]);
    check(&s, &admin("bob"), Ok(("u2", &["g2"])));
    // #15: data keys are case-sensitive.
    let roles = format!("- rolearn: arn:aws:iam::{A}:role/Admin\n  username: a\n");
    let s = state("CONFIG_MAP").aws_auth(&[("maproles", &roles)]);
    check(&s, &admin("bob"), Err(NOT_MAPPED));
    // #16: a mis-indented group folds into the previous one.
    let roles = format!(
        "- rolearn: arn:aws:iam::{A}:role/Admin\n  username: system:node:{{{{SessionName}}}}\n  groups:\n    - system:bootstrappers\n     - system:nodes\n"
    );
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &roles)]);
    check(&s, &admin("bob"), Ok(("system:node:bob", &["system:bootstrappers - system:nodes"])));
    // #17: SSO roles must be written without their path.
    let full = role_arn(&format!("aws-reserved/sso.amazonaws.com/eu-west-2/{SSO_ROLE}"));
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", &format!("- rolearn: {full}\n  username: sso\n"))]);
    check(&s, &sso(), Err(NOT_MAPPED));
    let s =
        state("CONFIG_MAP").aws_auth(&[("mapRoles", &format!("- rolearn: {}\n  username: sso\n", role_arn(SSO_ROLE)))]);
    check(&s, &sso(), Ok(("sso", &[])));
}

#[test]
fn api_mode_maps_access_entries_only() {
    let admin_entry = || entry(&role_arn("Admin"), ADMIN_ID, "STANDARD", None, &[]);
    let admin_auth = format!("- rolearn: {}\n  username: admin\n  groups: [system:masters]\n", role_arn("Admin"));
    // #18
    let s = state("API").aws_auth(&[("mapRoles", &admin_auth), ("mapAccounts", "- \"111122223333\"")]);
    check(&s, &admin("bob"), Err(NOT_MAPPED));
    // #19, #27
    let s = state("API").entry(admin_entry());
    check(&s, &admin("bob"), Ok((&format!("arn:aws:sts::{A}:assumed-role/Admin/bob"), &[])));
    let notes = s.map(&admin("bob")).notes;
    assert_eq!(
        notes,
        vec![format!(
            "additional arn comparison for IAM arn. arn from STS response is arn:aws:iam::{A}:role/admin, arn in mapper is arn:aws:iam::{A}:role/admin"
        )]
    );
    // #20: a role path works for entries.
    let s = state("API").entry(entry(&role_arn("team/dev/Dev"), DEV_ID, "STANDARD", None, &[]));
    check(
        &s,
        &dev(),
        Ok((&format!("arn:aws:sts::{A}:assumed-role/Dev/{{{{SessionName}}}}").replace("{{SessionName}}", "s1"), &[])),
    );
    // #21
    let full = role_arn(&format!("aws-reserved/sso.amazonaws.com/eu-west-2/{SSO_ROLE}"));
    let s = state("API").entry(entry(&full, SSO_ID, "STANDARD", None, &[]));
    check(&s, &sso(), Ok((&format!("arn:aws:sts::{A}:assumed-role/{SSO_ROLE}/a-ex.com"), &[])));
    // #22: recreated with a new id.
    let s = state("API").entry(entry(&role_arn("Admin"), "AROAOLDADMINID000001", "STANDARD", None, &[]));
    check(&s, &admin("bob"), Err(NOT_MAPPED));
    let reasons = s.map(&admin("bob")).result.err().map(|d| d.reasons.join("\n")).unwrap_or_default();
    assert!(reasons.contains("recreated"), "{reasons}");
    // #23: renamed (same id, new ARN).
    let s = state("API").entry(entry(&format!("arn:aws:iam::{A}:user/alice"), ALICE_ID, "STANDARD", None, &[]));
    check(&s, &user("ally", ALICE_ID), Err("mapper DynamicFile Map error: ARN does not match User ID"));
    // #24: the mismatch is only recorded; aws-auth still maps.
    let ally = format!("- userarn: arn:aws:iam::{A}:user/ally\n  username: ally\n");
    let s = state("API_AND_CONFIG_MAP")
        .entry(entry(&format!("arn:aws:iam::{A}:user/alice"), ALICE_ID, "STANDARD", None, &[]))
        .aws_auth(&[("mapUsers", &ally)]);
    check(&s, &user("ally", ALICE_ID), Ok(("ally", &[])));
    // #25: the entry wins over aws-auth.
    let s = state("API_AND_CONFIG_MAP")
        .entry(entry(&role_arn("Admin"), ADMIN_ID, "STANDARD", Some("ops:{{SessionName}}"), &["ops"]))
        .aws_auth(&[("mapRoles", &admin_auth)]);
    check(&s, &admin("bob"), Ok(("ops:bob", &["ops"])));
    // #26
    let s = state("API_AND_CONFIG_MAP").aws_auth(&[("mapRoles", &admin_auth)]);
    check(&s, &admin("bob"), Ok(("admin", &["system:masters"])));
    // #28
    check(&state("API"), &admin("bob"), Err(NOT_MAPPED));
    // #29: node entries need an instance id as session name; no fallback to aws-auth.
    let s = state("API_AND_CONFIG_MAP")
        .entry(entry(&role_arn("Admin"), ADMIN_ID, "EC2_LINUX", None, &[]))
        .aws_auth(&[("mapRoles", &admin_auth)]);
    check(
        &s,
        &admin("bob"),
        Err("mapper DynamicFile renderTemplates error: error rendering username template \"system:node:{{EC2PrivateDNSName}}\": SessionName did not contain an instance id"),
    );
    check(
        &s,
        &admin("i-0123456789abcdef0"),
        Err("mapper DynamicFile renderTemplates error: error rendering username template \"system:node:{{EC2PrivateDNSName}}\": failed to find node i-0123456789abcdef0 "),
    );
    // Fargate and hybrid nodes use the session name; node types get system:nodes.
    let s = state("API").entry(entry(&role_arn("Admin"), ADMIN_ID, "HYBRID_LINUX", None, &[]));
    check(&s, &admin("mi-0123"), Ok(("system:node:mi-0123", &["system:nodes"])));
}

struct OneInstance;

impl PrivateDns for OneInstance {
    fn private_dns_name(&self, instance_id: &str) -> Result<String, Ec2Error> {
        match instance_id {
            "i-0123456789abcdef0" => Ok("ip-10-0-0-1.ec2.internal".to_owned()),
            "i-01234567" => Err(Ec2Error::Failed("throttled".to_owned())),
            _ => Err(Ec2Error::NotFound),
        }
    }
}

#[test]
fn templates_render_in_the_authenticators_order() {
    let id = admin("i-0123456789abcdef0");
    let render = |t: &str| render_template(t, &id, &OneInstance, &mut Vec::new());
    assert_eq!(render("system:node:{{EC2PrivateDNSName}}"), Ok("system:node:ip-10-0-0-1.ec2.internal".to_owned()));
    assert_eq!(
        render("{{AccountID}}/{{AccessKeyID}}/{{Unknown}}"),
        Ok(format!("{A}/ASIAEXAMPLEKEY000001/{{{{Unknown}}}}"))
    );
    let other = admin("i-01234567");
    assert_eq!(
        render_template("{{EC2PrivateDNSName}}", &other, &OneInstance, &mut Vec::new()),
        Err("failed querying private DNS from EC2 API for node i-01234567: throttled ".to_owned())
    );
    assert_eq!(render_template("u:{{SessionName}}", &alice(), &NoInstances, &mut Vec::new()), Ok("u:".to_owned()));
}

#[test]
fn reserved_prefixes_refuse_a_username() {
    let entries = AccessEntries::new([entry(&role_arn("Admin"), ADMIN_ID, "STANDARD", Some("eks:x"), &[])])
        .with_reserved_prefixes(vec!["eks:".to_owned(), "system:".to_owned()]);
    let got =
        Chain::new(vec![&entries]).map(&admin("bob"), &NoInstances).result.map(|m| m.username).map_err(|d| d.error);
    assert_eq!(
        got,
        Err("invalid username 'eks:x' for mapper DynamicFile: username must not begin with with the following prefixes: [eks: system:]".to_owned())
    );
}

#[test]
fn several_mapper_errors_aggregate() {
    let a = AccessEntries::new([entry(&format!("arn:aws:iam::{A}:user/alice"), ALICE_ID, "STANDARD", None, &[])]);
    let b = AccessEntries::new([entry(&format!("arn:aws:iam::{A}:user/al"), ALICE_ID, "STANDARD", None, &[])]);
    let got = Chain::new(vec![&a, &b]).map(&user("ally", ALICE_ID), &NoInstances).result.map_err(|d| d.error);
    assert_eq!(got, Err("mapper DynamicFile Map error: ARN does not match User ID".to_owned()));
    let c = aws_auth(&[]);
    let old = Chain::new(vec![&c]).with_version(AuthenticatorVersion::V0_6_13).map(&carol(), &NoInstances);
    assert_eq!(old.result.map_err(|d| d.error), Err("ARN is not mapped".to_owned()));
}

#[test]
fn unknown_modes_are_refused() {
    assert_eq!(chain_for_mode("BOTH", &Sources::default()).err(), Some(UnknownMode("BOTH".to_owned())));
    let entries = AccessEntries::default();
    let auth = aws_auth(&[]);
    let creator = Creator { principal_arn: role_arn("Admin"), principal_id: ADMIN_ID.to_owned() };
    let sources = Sources {
        access_entries: Some(&entries),
        aws_auth: Some(&auth),
        creator: Some(&creator),
        creator_before_aws_auth: false,
    };
    let names = |mode| chain_for_mode(mode, &sources).map(|c| c.names());
    assert_eq!(names("CONFIG_MAP"), Ok(vec!["EKSConfigMap", "MountedFile"]));
    assert_eq!(names("API_AND_CONFIG_MAP"), Ok(vec!["DynamicFile", "EKSConfigMap"]));
    assert_eq!(names("API"), Ok(vec!["DynamicFile"]));
    let first = Sources { creator_before_aws_auth: true, ..sources };
    assert_eq!(chain_for_mode("CONFIG_MAP", &first).map(|c| c.names()), Ok(vec!["MountedFile", "EKSConfigMap"]));
}

#[test]
fn default_usernames_follow_the_entry_type() {
    assert_eq!(
        default_username(&role_arn("team/Dev"), "STANDARD"),
        format!("arn:aws:sts::{A}:assumed-role/Dev/{{{{SessionName}}}}")
    );
    assert_eq!(
        default_username(&format!("arn:aws:iam::{A}:user/p/alice"), "STANDARD"),
        format!("arn:aws:iam::{A}:user/p/alice")
    );
    assert_eq!(default_username(&role_arn("Node"), "EC2_LINUX"), "system:node:{{EC2PrivateDNSName}}");
    assert_eq!(default_username(&role_arn("Node"), "FARGATE_LINUX"), "system:node:{{SessionName}}");
    assert_eq!(default_groups("EC2_WINDOWS", &[]), vec!["system:nodes".to_owned()]);
    assert_eq!(default_groups("STANDARD", &["a".to_owned()]), vec!["a".to_owned()]);
}

// ---- real-world aws-auth ConfigMaps ----

const NODE_ROLE: &str = "arn:aws:iam::555555555555:role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6";

/// The authenticator's fixtures (`pkg/mapper/configmap/yaml/`): the `data` of each.
fn upstream_fixture(
    map_roles_key: &str,
    role_keys: [&str; 3],
    user_keys: [&str; 3],
    indent_error: bool,
) -> Vec<(String, String)> {
    let [r, u, g] = role_keys;
    let [ua, uu, ug] = user_keys;
    let second = if indent_error { "         - system:nodes" } else { "        - system:nodes" };
    vec![
        (
            map_roles_key.to_owned(),
            format!("    - {r}: {NODE_ROLE}\n      {u}: system:node:{{{{EC2PrivateDNSName}}}}\n      {g}:\n        - system:bootstrappers\n{second}\n"),
        ),
        ("mapUsers".to_owned(), format!("    - {ua}: arn:aws:iam::555555555555:user/admin\n      {uu}: admin\n      {ug}:\n        - system:masters\n")),
        ("mapAccounts".to_owned(), "    - 555555555555\n".to_owned()),
    ]
}

fn parsed(data: Vec<(String, String)>) -> AwsAuth {
    AwsAuth::parse(&data.into_iter().collect())
}

/// An item as `(arn, username, groups)`.
type Item = (String, String, Vec<String>);

fn summary(auth: &AwsAuth) -> (Vec<Item>, Vec<Item>, Vec<String>) {
    (
        auth.roles().iter().map(|r| (r.rolearn.clone(), r.username.clone(), r.groups.clone())).collect(),
        auth.users().iter().map(|u| (u.userarn.clone(), u.username.clone(), u.groups.clone())).collect(),
        auth.accounts().to_vec(),
    )
}

#[test]
fn upstream_fixtures_parse_as_the_authenticator_parses_them() {
    let role = |groups: &[&str]| {
        vec![(
            NODE_ROLE.to_owned(),
            "system:node:{{EC2PrivateDNSName}}".to_owned(),
            groups.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>(),
        )]
    };
    let user = vec![(
        "arn:aws:iam::555555555555:user/admin".to_owned(),
        "admin".to_owned(),
        vec!["system:masters".to_owned()],
    )];
    let valid = (role(&["system:bootstrappers", "system:nodes"]), user.clone(), vec!["555555555555".to_owned()]);
    let lower = ["rolearn", "username", "groups"];
    let lower_user = ["userarn", "username", "groups"];
    // aws-auth.yaml
    let auth = parsed(upstream_fixture("mapRoles", lower, lower_user, false));
    assert_eq!(summary(&auth), valid);
    assert!(auth.errors().is_empty());
    // aws-auth-crazy-case-keys.yaml
    let auth = parsed(upstream_fixture(
        "mapRoles",
        ["rOlEaRn", "UsErNaMe", "gRoUpS"],
        ["uSeRaRn", "UsErNaMe", "gRoUpS"],
        false,
    ));
    assert_eq!(summary(&auth), valid);
    // aws-auth-open-source-case-keys.yaml
    let auth = parsed(upstream_fixture(
        "mapRoles",
        ["roleARN", "username", "groups"],
        ["userARN", "username", "groups"],
        false,
    ));
    assert_eq!(summary(&auth), valid);
    // aws-auth-lower-case-top-keys.yaml and aws-auth-crazy-case-top-keys.yaml: top-level keys are case-sensitive.
    for keys in [["maproles", "mapusers", "mapaccounts"], ["MaPrOlEs", "mApUsErS", "MaPrCcOuNtS"]] {
        let data = upstream_fixture("mapRoles", lower, lower_user, false)
            .into_iter()
            .zip(keys)
            .map(|((_, v), k)| (k.to_owned(), v))
            .collect();
        assert_eq!(summary(&parsed(data)), (vec![], vec![], vec![]));
    }
    // aws-auth-space-out-of-place.yaml
    let auth = parsed(upstream_fixture("mapRoles", lower, lower_user, true));
    assert_eq!(summary(&auth), (role(&["system:bootstrappers - system:nodes"]), user, vec!["555555555555".to_owned()]));
}

/// An eksctl cluster after `eksctl create iamidentitymapping` runs.
const EKSCTL: &str = r#"- groups:
  - system:bootstrappers
  - system:nodes
  rolearn: arn:aws:iam::111122223333:role/eksctl-demo-nodegroup-ng-1-NodeInstanceRole-1GEPRXHA1PFT
  username: system:node:{{EC2PrivateDNSName}}
- groups:
  - system:bootstrappers
  - system:nodes
  - system:node-proxier
  rolearn: arn:aws:iam::111122223333:role/eksctl-demo-cluster-FargatePodExecutionRole-1RBXIRVNRLNBA
  username: system:node:{{SessionName}}
- rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef
  username: sso-admin:{{SessionName}}
  groups:
    - system:masters
"#;

/// Terraform's `jsonencode` output: JSON is YAML too.
const TERRAFORM_JSON: &str = r#"[{"rolearn":"arn:aws:iam::111122223333:role/Admin","username":"admin","groups":["system:masters"]},{"rolearn":"arn:aws:iam::111122223333:role/Dev","username":"dev:{{SessionName}}","groups":["dev"]}]"#;

#[test]
fn eksctl_and_terraform_aws_auth_map_their_roles() {
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", EKSCTL)]);
    check(&s, &sso(), Ok(("sso-admin:a-ex.com", &["system:masters"])));
    let fargate = session("eksctl-demo-cluster-FargatePodExecutionRole-1RBXIRVNRLNBA", DEV_ID, "fargate-ip-10-0-0-1");
    check(
        &s,
        &fargate,
        Ok(("system:node:fargate-ip-10-0-0-1", &["system:bootstrappers", "system:nodes", "system:node-proxier"])),
    );
    let s = state("CONFIG_MAP").aws_auth(&[("mapRoles", TERRAFORM_JSON), ("mapUsers", "[]"), ("mapAccounts", "''")]);
    check(&s, &dev(), Ok(("dev:s1", &["dev"])));
    assert!(s.aws_auth.as_ref().is_some_and(|a| a.errors().is_empty()));
}

#[test]
fn type_errors_keep_what_could_be_decoded() {
    let roles = format!(
        "- rolearn: {}\n  username: 42\n  groups: [a, 7, b]\n- rolearn: {}\n  username: dev\n  groups: ops\n",
        role_arn("Admin"),
        role_arn("Dev")
    );
    let auth = aws_auth(&[("mapRoles", &roles)]);
    assert_eq!(
        summary(&auth).0,
        vec![
            (role_arn("Admin"), String::new(), vec!["a".to_owned(), String::new(), "b".to_owned()]),
            (role_arn("Dev"), "dev".to_owned(), vec![]),
        ]
    );
    assert_eq!(
        auth.errors(),
        ["json: cannot unmarshal number into Go struct field RoleMapping.username of type string"]
    );
    let auth =
        aws_auth(&[("mapUsers", "rolearn: x"), ("mapRoles", "- just-a-string"), ("mapAccounts", "- {a: b}\n- \"1\"")]);
    assert_eq!(
        auth.errors(),
        [
            "json: cannot unmarshal object into Go value of type []config.UserMapping",
            "json: cannot unmarshal string into Go value of type config.RoleMapping",
            "one of rolearn or SSO must be supplied",
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into string",
        ]
    );
    assert_eq!(auth.accounts(), ["1"]);
    let (warning, error) = auth.error_log_messages().unwrap_or_default();
    assert!(warning.starts_with("Errors parsing configmap: [json: cannot unmarshal object"), "{warning}");
    assert!(
        error.starts_with(
            "There was an error parsing the config maps.  Only saving data that was good, error parsing config map: ["
        ),
        "{error}"
    );
    // An sso item: validated, never matched.
    let sso_item = "- sso:\n    permissionSetName: Admin\n    accountID: \"111122223333\"\n  username: x\n";
    let auth = aws_auth(&[("mapRoles", sso_item)]);
    assert!(auth.errors().is_empty() && auth.roles().len() == 1, "{:?}", auth.errors());
    check(&state("CONFIG_MAP").aws_auth(&[("mapRoles", sso_item)]), &sso(), Err(NOT_MAPPED));
    let auth = aws_auth(&[("mapRoles", "- sso: {accountID: \"1\"}\n")]);
    assert_eq!(auth.errors(), ["AccountID '1' is not a valid AWS Account ID"]);
}

#[test]
fn a_config_map_object_is_read_from_its_data() {
    let object = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapUsers": format!("- userarn: arn:aws:iam::{A}:user/alice\n  username: alice\n")},
    });
    let auth = AwsAuth::from_config_map(&object);
    assert_eq!(auth.users().len(), 1);
    assert_eq!(AwsAuth::from_config_map(&serde_json::json!({})), AwsAuth::default());
}

// ---- log lines (§5) ----

fn ctx(time: time::OffsetDateTime, client: &str) -> LogContext<'_> {
    LogContext { time, client, version: AuthenticatorVersion::Current }
}

#[test]
fn log_lines_match_the_authenticators() {
    let bob = admin("bob");
    let c = ctx(datetime!(2026-06-01 12:00:01 UTC), "127.0.0.1:51326");
    assert_eq!(
        log_line(&c, &LogEvent::StsResponse(&bob)),
        r#"time="2026-06-01T12:00:01Z" level=info msg="STS response" accesskeyid=ASIAEXAMPLEKEY000001 accountid=111122223333 arn="arn:aws:sts::111122223333:assumed-role/Admin/bob" client="127.0.0.1:51326" method=POST path=/authenticate session=bob stsendpoint=sts.us-east-1.amazonaws.com userid=AROAEXAMPLEADMIN00001"#
    );
    let groups = vec!["system:masters".to_owned()];
    assert_eq!(
        log_line(&c, &LogEvent::Granted { identity: &bob, username: "kubernetes-admin", groups: &groups }),
        r#"time="2026-06-01T12:00:01Z" level=info msg="access granted" arn="arn:aws:iam::111122223333:role/Admin" client="127.0.0.1:51326" groups="[system:masters]" method=POST path=/authenticate stsendpoint=sts.us-east-1.amazonaws.com uid="aws-iam-authenticator:111122223333:AROAEXAMPLEADMIN00001" username=kubernetes-admin"#
    );
    assert_eq!(
        log_line(
            &ctx(datetime!(2026-06-01 12:00:02 UTC), "127.0.0.1:51330"),
            &LogEvent::Denied { identity: Some(&carol()), error: NOT_MAPPED }
        ),
        r#"time="2026-06-01T12:00:02Z" level=warning msg="access denied" arn="arn:aws:iam::111122223333:user/carol" client="127.0.0.1:51330" error="identity is not mapped" method=POST path=/authenticate"#
    );
    let expired = "input token was not properly formatted: X-Amz-Date parameter is expired (15 minute expiration) 2026-06-01 11:44:00 +0000 UTC";
    assert_eq!(
        log_line(
            &ctx(datetime!(2026-06-01 12:00:03 UTC), "127.0.0.1:51332"),
            &LogEvent::Denied { identity: None, error: expired }
        ),
        r#"time="2026-06-01T12:00:03Z" level=warning msg="access denied" client="127.0.0.1:51332" error="input token was not properly formatted: X-Amz-Date parameter is expired (15 minute expiration) 2026-06-01 11:44:00 +0000 UTC" method=POST path=/authenticate"#
    );
    let sts = crate::token::TokenError::Sts {
        failure: crate::token::StsFailure::InvalidClientTokenId,
        region: "us-east-1".to_owned(),
    }
    .log_text(AuthenticatorVersion::Current, "6e0e3f0a-0b9c-4c1f-9d2a-3f5e1c2b7a10");
    assert_eq!(
        log_line(
            &ctx(datetime!(2026-06-01 12:00:04 UTC), "127.0.0.1:51334"),
            &LogEvent::Denied { identity: None, error: &sts }
        ),
        r#"time="2026-06-01T12:00:04Z" level=warning msg="access denied" client="127.0.0.1:51334" error="sts getCallerIdentity failed: error from AWS (expected 200, got 403) on us-east-1 endpoint. Body: {\"Error\":{\"Code\":\"InvalidClientTokenId\",\"Message\":\"The security token included in the request is invalid.\",\"Type\":\"Sender\"},\"RequestId\":\"6e0e3f0a-0b9c-4c1f-9d2a-3f5e1c2b7a10\"}" method=POST path=/authenticate"#
    );
    let note = format!("additional arn comparison for IAM arn. arn from STS response is arn:aws:iam::{A}:role/admin, arn in mapper is arn:aws:iam::{A}:role/admin");
    assert_eq!(
        log_line(&c, &LogEvent::Message { level: LogLevel::Info, msg: &note }),
        format!(r#"time="2026-06-01T12:00:01Z" level=info msg="{note}""#)
    );
}

#[test]
fn legacy_log_lines_have_no_sts_endpoint() {
    let legacy = Identity {
        arn: "arn:aws:iam::123456789000:user/testuser".to_owned(),
        canonical_arn: "arn:aws:iam::123456789000:user/testuser".to_owned(),
        account: "123456789000".to_owned(),
        user_id: "AROAFFXXXXXXXXXX".to_owned(),
        principal_id: "AROAFFXXXXXXXXXX".to_owned(),
        sts_endpoint: "sts.amazonaws.com".to_owned(),
        ..Identity::default()
    };
    let c = LogContext {
        time: datetime!(2022-05-26 18:55:30 UTC),
        client: "127.0.0.1:57586",
        version: AuthenticatorVersion::V0_6_27,
    };
    let groups = vec!["system:masters".to_owned()];
    assert_eq!(
        log_line(&c, &LogEvent::Granted { identity: &legacy, username: "kubernetes-admin", groups: &groups }),
        r#"time="2022-05-26T18:55:30Z" level=info msg="access granted" arn="arn:aws:iam::123456789000:user/testuser" client="127.0.0.1:57586" groups="[system:masters]" method=POST path=/authenticate uid="aws-iam-authenticator:123456789000:AROAFFXXXXXXXXXX" username=kubernetes-admin"#
    );
    assert_eq!(AuthenticatorVersion::V0_6_13.not_mapped(), "ARN is not mapped");
    assert_eq!(AuthenticatorVersion::V0_7_6.not_mapped(), "Identity is not mapped");
}

// ---- properties ----

/// Lines built from aws-auth's vocabulary, so the parser's deeper paths run.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("- ".to_owned()),
        Just("  ".to_owned()),
        Just("\n".to_owned()),
        Just("rolearn: ".to_owned()),
        Just("RoleArn: ".to_owned()),
        Just("userarn: ".to_owned()),
        Just("username: ".to_owned()),
        Just("groups:".to_owned()),
        Just("sso: ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(", ".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("<<: ".to_owned()),
        Just("|\n".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("~".to_owned()),
        Just("42".to_owned()),
        Just("\t".to_owned()),
        Just("arn:aws:iam::111122223333:role/Admin".to_owned()),
        "[a-z:{}@ -]{0,6}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn aws_auth_parsing_never_panics_on_arbitrary_text(roles in ".{0,300}", users in ".{0,100}", accounts in ".{0,100}") {
        let auth = aws_auth(&[("mapRoles", &roles), ("mapUsers", &users), ("mapAccounts", &accounts)]);
        let _ = auth.map(&admin("bob"));
    }

    #[test]
    fn aws_auth_parsing_never_panics_on_yamlish_text(roles in yamlish(), users in yamlish(), accounts in yamlish()) {
        let auth = aws_auth(&[("mapRoles", &roles), ("mapUsers", &users), ("mapAccounts", &accounts)]);
        let _ = Chain::new(vec![&auth]).map(&admin("bob"), &NoInstances);
    }
}
