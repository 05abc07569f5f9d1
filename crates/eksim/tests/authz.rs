//! IAM policy evaluation through the real aws CLI: every call authorized as AWS would,
//! with AWS's exact AccessDenied words.

mod common;

use common::{cli_error, totp_code, Creds, Server};
use serde_json::{json, Value};

const ACCT: &str = "000000000000";

/// The seed's MFA-enforcing statement, verbatim (iam-sts.md §10.4), beside an allow-all IAM grant.
fn mfa_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowIam", "Effect": "Allow", "Action": ["iam:*", "eks:DescribeCluster"], "Resource": "*"},
            {"Sid": "BlockMostAccessUnlessSignedInWithMFA", "Effect": "Deny",
             "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:ListUsers", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice"],
             "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
        ]
    })
    .to_string()
}

fn user_with_key(s: &Server, name: &str) -> Creds {
    s.aws_ok(&["iam", "create-user", "--user-name", name]);
    Creds::from_json(&s.aws_ok(&["iam", "create-access-key", "--user-name", name]))
}

fn denied(op: &str, arn: &str, action: &str, resource: &str, reason: &str) -> String {
    cli_error(
        "AccessDenied",
        op,
        &format!("User: {arn} is not authorized to perform: {action} on resource: {resource} {reason}"),
    )
}

#[test]
fn a_user_without_policies_is_denied_with_aws_words_but_may_always_ask_who_it_is() {
    let s = Server::start(&[]);
    let creds = user_with_key(&s, "alice");
    let arn = format!("arn:aws:iam::{ACCT}:user/alice");
    assert_eq!(
        s.aws_err_as(&creds, &["iam", "list-users"]),
        denied(
            "ListUsers",
            &arn,
            "iam:ListUsers",
            &format!("arn:aws:iam::{ACCT}:user/"),
            "because no identity-based policy allows the iam:ListUsers action"
        )
    );
    // GetCallerIdentity needs no permission, and an explicit Deny cannot block it.
    let deny_all =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}).to_string();
    s.aws_ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "alice",
        "--policy-name",
        "deny",
        "--policy-document",
        &deny_all,
    ]);
    assert_eq!(s.aws_ok_as(&creds, &["sts", "get-caller-identity"])["Arn"], arn.as_str());
}

#[test]
fn mfa_enforcing_deny_blocks_until_the_user_has_an_mfa_session() {
    let s = Server::start(&[]);
    let creds = user_with_key(&s, "alice");
    let arn = format!("arn:aws:iam::{ACCT}:user/alice");
    let p = s.aws_ok(&["iam", "create-policy", "--policy-name", "RequireMFA", "--policy-document", &mfa_policy()]);
    let policy_arn = p["Policy"]["Arn"].as_str().unwrap().to_owned();
    s.aws_ok(&["iam", "attach-user-policy", "--user-name", "alice", "--policy-arn", &policy_arn]);

    // Long-term key: aws:MultiFactorAuthPresent is absent, BoolIfExists makes the Deny bite.
    assert_eq!(
        s.aws_err_as(&creds, &["iam", "get-user"]),
        denied(
            "GetUser",
            &arn,
            "iam:GetUser",
            &arn,
            &format!("with an explicit deny in an identity-based policy: {policy_arn}")
        )
    );
    // Actions the NotAction list exempts still work, so the user can set up MFA.
    s.aws_ok_as(&creds, &["iam", "list-users"]);
    let seed = s.path("seed.txt");
    s.aws_ok_as(
        &creds,
        &[
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            "alice",
            "--outfile",
            seed.to_str().unwrap(),
            "--bootstrap-method",
            "Base32StringSeed",
        ],
    );
    let serial = format!("arn:aws:iam::{ACCT}:mfa/alice");
    s.aws_ok_as(
        &creds,
        &[
            "iam",
            "enable-mfa-device",
            "--user-name",
            "alice",
            "--serial-number",
            &serial,
            "--authentication-code1",
            &totp_code(&seed, -1),
            "--authentication-code2",
            &totp_code(&seed, 0),
        ],
    );

    // A session without MFA: the key is present and false, so the Deny still applies.
    let sim = s.aws_ok(&[
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        &arn,
        "--action-names",
        "eks:DescribeCluster",
        "--context-entries",
        "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=false,ContextKeyType=boolean",
    ]);
    assert_eq!(sim["EvaluationResults"][0]["EvalDecision"], "explicitDeny");

    // With MFA the Deny no longer applies and the Allow decides.
    let mfa = Creds::from_json(&s.aws_ok_as(
        &creds,
        &["sts", "get-session-token", "--serial-number", &serial, "--token-code", &totp_code(&seed, 1)],
    ));
    assert_eq!(s.aws_ok_as(&mfa, &["iam", "get-user"])["User"]["UserName"], "alice");
}

#[test]
fn inline_explicit_deny_names_no_policy_arn() {
    let s = Server::start(&[]);
    let creds = user_with_key(&s, "bob");
    let arn = format!("arn:aws:iam::{ACCT}:user/bob");
    s.aws_ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "bob",
        "--policy-name",
        "mfa",
        "--policy-document",
        &mfa_policy(),
    ]);
    assert_eq!(
        s.aws_err_as(&creds, &["iam", "get-user"]),
        denied("GetUser", &arn, "iam:GetUser", &arn, "with an explicit deny in an identity-based policy")
    );
}

#[test]
fn group_policies_grant_and_boundaries_limit() {
    let s = Server::start(&[]);
    let creds = user_with_key(&s, "carol");
    let arn = format!("arn:aws:iam::{ACCT}:user/carol");
    s.aws_ok(&["iam", "create-group", "--group-name", "admins"]);
    s.aws_ok(&[
        "iam",
        "attach-group-policy",
        "--group-name",
        "admins",
        "--policy-arn",
        "arn:aws:iam::aws:policy/IAMFullAccess",
    ]);
    s.aws_ok(&["iam", "add-user-to-group", "--group-name", "admins", "--user-name", "carol"]);
    s.aws_ok_as(&creds, &["iam", "list-users"]);
    s.aws_ok(&[
        "iam",
        "put-user-permissions-boundary",
        "--user-name",
        "carol",
        "--permissions-boundary",
        "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
    ]);
    s.aws_ok_as(&creds, &["iam", "list-users"]);
    assert_eq!(
        s.aws_err_as(&creds, &["iam", "create-user", "--user-name", "mallory"]),
        denied(
            "CreateUser",
            &arn,
            "iam:CreateUser",
            &format!("arn:aws:iam::{ACCT}:user/mallory"),
            "because no permissions boundary allows the iam:CreateUser action"
        )
    );
}

fn trust(principal: Value, condition: Option<Value>) -> String {
    let mut st = json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"});
    if let Some(c) = condition {
        st["Condition"] = c;
    }
    json!({"Version": "2012-10-17", "Statement": [st]}).to_string()
}

#[test]
fn assume_role_needs_the_trust_policy_and_for_account_trust_an_identity_allow() {
    let s = Server::start(&[]);
    let creds = user_with_key(&s, "dave");
    let user_arn = format!("arn:aws:iam::{ACCT}:user/dave");
    let role_arn = format!("arn:aws:iam::{ACCT}:role/direct");
    let account_role = format!("arn:aws:iam::{ACCT}:role/account");
    s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "direct",
        "--assume-role-policy-document",
        &trust(json!(user_arn), None),
    ]);
    s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "account",
        "--assume-role-policy-document",
        &trust(json!(format!("arn:aws:iam::{ACCT}:root")), None),
    ]);
    let not_authorized = |role: &str| {
        cli_error(
            "AccessDenied",
            "AssumeRole",
            &format!("User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {role}"),
        )
    };

    // A trust policy naming the user directly suffices in the same account.
    s.aws_ok_as(&creds, &["sts", "assume-role", "--role-arn", &role_arn, "--role-session-name", "s1"]);
    // Trusting the account delegates to the caller's identity policies.
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "assume-role", "--role-arn", &account_role, "--role-session-name", "s1"]),
        not_authorized(&account_role)
    );
    let allow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": account_role}]}).to_string();
    s.aws_ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "dave",
        "--policy-name",
        "assume",
        "--policy-document",
        &allow,
    ]);
    s.aws_ok_as(&creds, &["sts", "assume-role", "--role-arn", &account_role, "--role-session-name", "s1"]);
    // A role that does not exist reads the same as one that does not trust the caller.
    let missing = format!("arn:aws:iam::{ACCT}:role/missing");
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "assume-role", "--role-arn", &missing, "--role-session-name", "s1"]),
        not_authorized(&missing)
    );
}

#[test]
fn trust_conditions_see_external_id_and_mfa() {
    let s = Server::start(&[]);
    let creds = user_with_key(&s, "erin");
    let user_arn = format!("arn:aws:iam::{ACCT}:user/erin");
    let ext_role = format!("arn:aws:iam::{ACCT}:role/ext");
    let mfa_role = format!("arn:aws:iam::{ACCT}:role/mfa");
    s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "ext",
        "--assume-role-policy-document",
        &trust(json!(user_arn), Some(json!({"StringEquals": {"sts:ExternalId": "k8s-123"}}))),
    ]);
    s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "mfa",
        "--assume-role-policy-document",
        &trust(json!(user_arn), Some(json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}))),
    ]);
    let refused = |role: &str| {
        cli_error(
            "AccessDenied",
            "AssumeRole",
            &format!("User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {role}"),
        )
    };
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "assume-role", "--role-arn", &ext_role, "--role-session-name", "s1"]),
        refused(&ext_role)
    );
    assert_eq!(
        s.aws_err_as(
            &creds,
            &["sts", "assume-role", "--role-arn", &ext_role, "--role-session-name", "s1", "--external-id", "nope"]
        ),
        refused(&ext_role)
    );
    s.aws_ok_as(
        &creds,
        &["sts", "assume-role", "--role-arn", &ext_role, "--role-session-name", "s1", "--external-id", "k8s-123"],
    );

    assert_eq!(
        s.aws_err_as(&creds, &["sts", "assume-role", "--role-arn", &mfa_role, "--role-session-name", "s1"]),
        refused(&mfa_role)
    );
    let seed = s.path("seed.txt");
    s.aws_ok(&[
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "erin",
        "--outfile",
        seed.to_str().unwrap(),
        "--bootstrap-method",
        "Base32StringSeed",
    ]);
    let serial = format!("arn:aws:iam::{ACCT}:mfa/erin");
    s.aws_ok(&[
        "iam",
        "enable-mfa-device",
        "--user-name",
        "erin",
        "--serial-number",
        &serial,
        "--authentication-code1",
        &totp_code(&seed, -1),
        "--authentication-code2",
        &totp_code(&seed, 0),
    ]);
    let out = s.aws_ok_as(
        &creds,
        &[
            "sts",
            "assume-role",
            "--role-arn",
            &mfa_role,
            "--role-session-name",
            "s1",
            "--serial-number",
            &serial,
            "--token-code",
            &totp_code(&seed, 1),
        ],
    );
    assert_eq!(out["AssumedRoleUser"]["Arn"], format!("arn:aws:sts::{ACCT}:assumed-role/mfa/s1"));
}

#[test]
fn trust_policies_name_principals_by_id() {
    let s = Server::start(&[]);
    let user_arn = format!("arn:aws:iam::{ACCT}:user/frank");
    assert_eq!(
        s.aws_err(&[
            "iam",
            "create-role",
            "--role-name",
            "r",
            "--assume-role-policy-document",
            &trust(json!(user_arn), None)
        ]),
        cli_error(
            "MalformedPolicyDocument",
            "CreateRole",
            &format!("Invalid principal in policy: \"AWS\":\"{user_arn}\"")
        )
    );
    let creds = user_with_key(&s, "frank");
    s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "r",
        "--assume-role-policy-document",
        &trust(json!(user_arn), None),
    ]);
    let role_arn = format!("arn:aws:iam::{ACCT}:role/r");
    s.aws_ok_as(&creds, &["sts", "assume-role", "--role-arn", &role_arn, "--role-session-name", "s1"]);
    // Delete and recreate the user: same ARN, new id; the trust still names the old one.
    s.aws_ok(&["iam", "delete-access-key", "--user-name", "frank", "--access-key-id", &creds.key]);
    s.aws_ok(&["iam", "delete-user", "--user-name", "frank"]);
    let creds = user_with_key(&s, "frank");
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "assume-role", "--role-arn", &role_arn, "--role-session-name", "s1"]),
        cli_error(
            "AccessDenied",
            "AssumeRole",
            &format!("User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        )
    );
}

#[test]
fn session_policies_narrow_a_role_session() {
    let s = Server::start(&[]);
    let role_arn = format!("arn:aws:iam::{ACCT}:role/admin");
    s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "admin",
        "--assume-role-policy-document",
        &trust(json!(format!("arn:aws:iam::{ACCT}:root")), None),
    ]);
    s.aws_ok(&[
        "iam",
        "attach-role-policy",
        "--role-name",
        "admin",
        "--policy-arn",
        "arn:aws:iam::aws:policy/IAMFullAccess",
    ]);
    let narrow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}).to_string();
    let out = s.aws_ok(&[
        "sts",
        "assume-role",
        "--role-arn",
        &role_arn,
        "--role-session-name",
        "narrow",
        "--policy",
        &narrow,
    ]);
    assert!(out["PackedPolicySize"].as_u64().unwrap() > 0);
    let session = Creds::from_json(&out);
    s.aws_ok_as(&session, &["iam", "list-roles"]);
    assert_eq!(
        s.aws_err_as(&session, &["iam", "list-users"]),
        cli_error("AccessDenied", "ListUsers", &format!("User: arn:aws:sts::{ACCT}:assumed-role/admin/narrow is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{ACCT}:user/ because no session policy allows the iam:ListUsers action"))
    );
}

#[test]
fn simulate_principal_policy_answers_from_the_same_engine() {
    let s = Server::start(&[]);
    user_with_key(&s, "gina");
    s.aws_ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "gina",
        "--policy-name",
        "mfa",
        "--policy-document",
        &mfa_policy(),
    ]);
    let user_arn = format!("arn:aws:iam::{ACCT}:user/gina");
    let cluster = format!("arn:aws:eks:us-east-1:{ACCT}:cluster/demo");
    let sim = |extra: &[&str]| {
        let mut args = vec![
            "iam",
            "simulate-principal-policy",
            "--policy-source-arn",
            user_arn.as_str(),
            "--action-names",
            "eks:DescribeCluster",
            "eks:ListClusters",
            "--resource-arns",
            cluster.as_str(),
        ];
        args.extend_from_slice(extra);
        s.aws_ok(&args)
    };
    let r = sim(&[]);
    let results = r["EvaluationResults"].as_array().unwrap();
    assert_eq!(results[0]["EvalActionName"], "eks:DescribeCluster");
    assert_eq!(results[0]["EvalDecision"], "explicitDeny");
    assert_eq!(results[0]["MatchedStatements"][0]["SourcePolicyId"], "mfa");
    assert_eq!(results[0]["MatchedStatements"][0]["SourcePolicyType"], "user");
    assert_eq!(results[1]["EvalDecision"], "explicitDeny");
    let with_mfa = sim(&[
        "--context-entries",
        "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,ContextKeyType=boolean",
    ]);
    assert_eq!(with_mfa["EvaluationResults"][0]["EvalDecision"], "allowed");
    assert_eq!(with_mfa["EvaluationResults"][1]["EvalDecision"], "implicitDeny");
    let custom = s.aws_ok(&[
        "iam",
        "simulate-custom-policy",
        "--policy-input-list",
        &mfa_policy(),
        "--action-names",
        "iam:ListUsers",
    ]);
    assert_eq!(custom["EvaluationResults"][0]["EvalDecision"], "allowed");
    assert_eq!(
        s.aws_err(&[
            "iam",
            "simulate-principal-policy",
            "--policy-source-arn",
            &format!("arn:aws:iam::{ACCT}:user/nobody"),
            "--action-names",
            "iam:GetUser"
        ]),
        cli_error(
            "NoSuchEntity",
            "SimulatePrincipalPolicy",
            &format!("The entity arn:aws:iam::{ACCT}:user/nobody cannot be found.")
        )
    );
}

const CROSS_SEED: &str = r#"
accounts:
  - id: "222233334444"
    roles:
      - name: deploy
        assume_role_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: { AWS: "arn:aws:iam::000000000000:root" }
              Action: sts:AssumeRole
"#;

#[test]
fn cross_account_assume_role_needs_both_the_trust_and_the_callers_identity_policy() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, CROSS_SEED).unwrap();
    let s = Server::start(&["--seed", seed.to_str().unwrap()]);
    let creds = user_with_key(&s, "henry");
    let role = "arn:aws:iam::222233334444:role/deploy";
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "assume-role", "--role-arn", role, "--role-session-name", "x1"]),
        cli_error(
            "AccessDenied",
            "AssumeRole",
            &format!(
                "User: arn:aws:iam::{ACCT}:user/henry is not authorized to perform: sts:AssumeRole on resource: {role}"
            )
        )
    );
    let allow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}]}).to_string();
    s.aws_ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "henry",
        "--policy-name",
        "cross",
        "--policy-document",
        &allow,
    ]);
    let out = s.aws_ok_as(&creds, &["sts", "assume-role", "--role-arn", role, "--role-session-name", "x1"]);
    assert_eq!(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::222233334444:assumed-role/deploy/x1");
    let session = Creds::from_json(&out);
    assert_eq!(s.aws_ok_as(&session, &["sts", "get-caller-identity"])["Account"], "222233334444");
}
