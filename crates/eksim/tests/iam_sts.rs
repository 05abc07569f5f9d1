//! IAM and STS through the real aws CLI against a real `eksim serve`.

mod common;

use common::{cli_error, totp_code, Creds, Server};
use serde_json::Value;

/// An inline policy allowing `actions` on every resource.
fn allow(actions: &[&str]) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
        .to_string()
}

fn grant_user(s: &Server, user: &str, actions: &[&str]) {
    s.aws_ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        user,
        "--policy-name",
        "grant",
        "--policy-document",
        &allow(actions),
    ]);
}

fn new_user_with_key(s: &Server, name: &str, path: &str) -> (Value, Creds) {
    let user = s.aws_ok(&["iam", "create-user", "--user-name", name, "--path", path]);
    let key = s.aws_ok(&["iam", "create-access-key", "--user-name", name]);
    (user, Creds::from_json(&key))
}

#[test]
fn root_caller_identity_is_the_account() {
    let s = Server::start(&[]);
    let id = s.aws_ok(&["sts", "get-caller-identity"]);
    assert_eq!(id["Account"], "000000000000");
    assert_eq!(id["UserId"], "000000000000");
    assert_eq!(id["Arn"], "arn:aws:iam::000000000000:root");
}

#[test]
fn account_and_root_keys_come_from_flags() {
    let s = Server::start(&[
        "--account-id",
        "111122223333",
        "--root-access-key-id",
        "AKIAROOT111122223333",
        "--root-secret-access-key",
        "s3cr3t-s3cr3t-s3cr3t",
    ]);
    let root = Creds { key: "AKIAROOT111122223333".into(), secret: "s3cr3t-s3cr3t-s3cr3t".into(), token: None };
    let id = s.aws_ok_as(&root, &["sts", "get-caller-identity"]);
    assert_eq!(id["Arn"], "arn:aws:iam::111122223333:root");
    assert_eq!(
        s.aws_err(&["sts", "get-caller-identity"]),
        cli_error(
            "InvalidClientTokenId",
            "GetCallerIdentity",
            "The security token included in the request is invalid."
        )
    );
}

#[test]
fn a_new_user_calls_sts_with_its_own_key() {
    let s = Server::start(&[]);
    let (user, creds) = new_user_with_key(&s, "alice", "/dev/");
    let user_id = user["User"]["UserId"].as_str().unwrap();
    assert!(user_id.starts_with("AIDA") && user_id.len() == 21, "{user_id}");
    assert_eq!(user["User"]["Arn"], "arn:aws:iam::000000000000:user/dev/alice");
    assert!(creds.key.starts_with("AKIA") && creds.key.len() == 20);
    assert_eq!(creds.secret.len(), 40);
    let id = s.aws_ok_as(&creds, &["sts", "get-caller-identity"]);
    assert_eq!(id["UserId"], user_id);
    assert_eq!(id["Arn"], "arn:aws:iam::000000000000:user/dev/alice");
    grant_user(&s, "alice", &["iam:GetUser"]);
    let me = s.aws_ok_as(&creds, &["iam", "get-user"]);
    assert_eq!(me["User"]["UserName"], "alice");
}

#[test]
fn iam_refusals_use_aws_codes_and_words() {
    let s = Server::start(&[]);
    s.aws_ok(&["iam", "create-user", "--user-name", "alice"]);
    assert_eq!(
        s.aws_err(&["iam", "create-user", "--user-name", "ALICE"]),
        cli_error("EntityAlreadyExists", "CreateUser", "User with name ALICE already exists.")
    );
    assert_eq!(
        s.aws_err(&["iam", "get-user", "--user-name", "nobody"]),
        cli_error("NoSuchEntity", "GetUser", "The user with name nobody cannot be found.")
    );
    assert_eq!(
        s.aws_err(&["iam", "create-user", "--user-name", "bad name!"]),
        cli_error("ValidationError", "CreateUser", "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    );
    s.aws_ok(&["iam", "create-access-key", "--user-name", "alice"]);
    assert_eq!(
        s.aws_err(&["iam", "delete-user", "--user-name", "alice"]),
        cli_error("DeleteConflict", "DeleteUser", "Cannot delete entity, must delete access keys first.")
    );
    s.aws_ok(&["iam", "create-access-key", "--user-name", "alice"]);
    assert_eq!(
        s.aws_err(&["iam", "create-access-key", "--user-name", "alice"]),
        cli_error("LimitExceeded", "CreateAccessKey", "Cannot exceed quota for AccessKeysPerUser: 2")
    );
    assert_eq!(
        s.aws_err(&[
            "iam",
            "put-user-policy",
            "--user-name",
            "alice",
            "--policy-name",
            "p",
            "--policy-document",
            "{not json"
        ]),
        cli_error("MalformedPolicyDocument", "PutUserPolicy", "Syntax errors in policy.")
    );
}

#[test]
fn deleting_a_user_follows_the_conflict_rules_and_then_succeeds() {
    let s = Server::start(&[]);
    let (_, creds) = new_user_with_key(&s, "bob", "/");
    let doc =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:DescribeCluster","Resource":"*"}]}"#;
    s.aws_ok(&["iam", "put-user-policy", "--user-name", "bob", "--policy-name", "eks", "--policy-document", doc]);
    s.aws_ok(&["iam", "delete-access-key", "--user-name", "bob", "--access-key-id", &creds.key]);
    assert_eq!(
        s.aws_err(&["iam", "delete-user", "--user-name", "bob"]),
        cli_error("DeleteConflict", "DeleteUser", "Cannot delete entity, must delete policies first.")
    );
    let got = s.aws_ok(&["iam", "get-user-policy", "--user-name", "bob", "--policy-name", "eks"]);
    assert_eq!(got["PolicyDocument"]["Statement"][0]["Action"], "eks:DescribeCluster");
    s.aws_ok(&["iam", "delete-user-policy", "--user-name", "bob", "--policy-name", "eks"]);
    s.aws_ok(&["iam", "delete-user", "--user-name", "bob"]);
    // The deleted key no longer authenticates.
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "get-caller-identity"]),
        cli_error(
            "InvalidClientTokenId",
            "GetCallerIdentity",
            "The security token included in the request is invalid."
        )
    );
}

#[test]
fn a_recreated_user_gets_a_new_unique_id() {
    let s = Server::start(&[]);
    let first = s.aws_ok(&["iam", "create-user", "--user-name", "carol"]);
    s.aws_ok(&["iam", "delete-user", "--user-name", "carol"]);
    let second = s.aws_ok(&["iam", "create-user", "--user-name", "carol"]);
    assert_ne!(first["User"]["UserId"], second["User"]["UserId"]);
    assert_eq!(first["User"]["Arn"], second["User"]["Arn"]);
}

#[test]
fn inactive_keys_and_bad_signatures_are_refused() {
    let s = Server::start(&[]);
    let (_, creds) = new_user_with_key(&s, "dave", "/");
    let wrong = Creds { secret: "x".repeat(40), ..creds.clone() };
    assert_eq!(
        s.aws_err_as(&wrong, &["sts", "get-caller-identity"]),
        cli_error("SignatureDoesNotMatch", "GetCallerIdentity", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    );
    s.aws_ok(&[
        "iam",
        "update-access-key",
        "--user-name",
        "dave",
        "--access-key-id",
        &creds.key,
        "--status",
        "Inactive",
    ]);
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "get-caller-identity"]),
        cli_error(
            "InvalidClientTokenId",
            "GetCallerIdentity",
            "The security token included in the request is invalid."
        )
    );
    let keys = s.aws_ok(&["iam", "list-access-keys", "--user-name", "dave"]);
    assert_eq!(keys["AccessKeyMetadata"][0]["Status"], "Inactive");
}

#[test]
fn mfa_device_enables_with_two_codes_and_gates_session_tokens() {
    let s = Server::start(&[]);
    let (_, creds) = new_user_with_key(&s, "erin", "/");
    let seed = s.path("seed.txt");
    let dev = s.aws_ok(&[
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "erin",
        "--outfile",
        seed.to_str().unwrap(),
        "--bootstrap-method",
        "Base32StringSeed",
    ]);
    let serial = dev["VirtualMFADevice"]["SerialNumber"].as_str().unwrap().to_owned();
    assert_eq!(serial, "arn:aws:iam::000000000000:mfa/erin");
    assert_eq!(std::fs::read_to_string(&seed).unwrap().trim().len(), 64);
    let png = s.path("qr.png");
    s.aws_ok(&[
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "erin-qr",
        "--outfile",
        png.to_str().unwrap(),
        "--bootstrap-method",
        "QRCodePNG",
    ]);
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));

    assert_eq!(
        s.aws_err(&[
            "iam",
            "enable-mfa-device",
            "--user-name",
            "erin",
            "--serial-number",
            &serial,
            "--authentication-code1",
            "000000",
            "--authentication-code2",
            "000001"
        ]),
        cli_error("InvalidAuthenticationCode", "EnableMFADevice", "Authentication code for device is not valid.")
    );
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
    let listed = s.aws_ok(&["iam", "list-mfa-devices", "--user-name", "erin"]);
    assert_eq!(listed["MFADevices"][0]["SerialNumber"], serial.as_str());

    // A wrong code is refused with AWS's text.
    let bad = if totp_code(&seed, 1) == "123456" { "654321" } else { "123456" };
    assert_eq!(
        s.aws_err_as(&creds, &["sts", "get-session-token", "--serial-number", &serial, "--token-code", bad]),
        cli_error(
            "AccessDenied",
            "GetSessionToken",
            "MultiFactorAuthentication failed with invalid MFA one time pass code."
        )
    );
    // The next window's code is within the accepted drift and was never used.
    let session = s.aws_ok_as(
        &creds,
        &[
            "sts",
            "get-session-token",
            "--serial-number",
            &serial,
            "--token-code",
            &totp_code(&seed, 1),
            "--duration-seconds",
            "900",
        ],
    );
    let mfa = Creds::from_json(&session);
    assert!(mfa.key.starts_with("ASIA"));
    let id = s.aws_ok_as(&mfa, &["sts", "get-caller-identity"]);
    assert_eq!(id["Arn"], "arn:aws:iam::000000000000:user/erin");
    // MFA sessions may call IAM; sessions cannot mint more sessions.
    grant_user(&s, "erin", &["iam:GetUser"]);
    s.aws_ok_as(&mfa, &["iam", "get-user"]);
    assert_eq!(
        s.aws_err_as(&mfa, &["sts", "get-session-token"]),
        cli_error("AccessDenied", "GetSessionToken", "Cannot call GetSessionToken with session credentials")
    );
    // A session without MFA cannot call IAM at all.
    let plain = Creds::from_json(&s.aws_ok_as(&creds, &["sts", "get-session-token"]));
    assert_eq!(
        s.aws_err_as(&plain, &["iam", "get-user"]),
        cli_error("InvalidClientTokenId", "GetUser", "The security token included in the request is invalid")
    );
    // An assigned device cannot be deleted.
    assert_eq!(
        s.aws_err(&["iam", "delete-virtual-mfa-device", "--serial-number", &serial]),
        cli_error("DeleteConflict", "DeleteVirtualMFADevice", "MFA Device is still in use.")
    );
    s.aws_ok(&["iam", "deactivate-mfa-device", "--user-name", "erin", "--serial-number", &serial]);
    s.aws_ok(&["iam", "delete-virtual-mfa-device", "--serial-number", &serial]);
}

#[test]
fn assume_role_returns_a_session_of_the_role_without_its_path() {
    let s = Server::start(&[]);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;
    let role = s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "eks-admin",
        "--path",
        "/team/",
        "--assume-role-policy-document",
        trust,
    ]);
    let role_id = role["Role"]["RoleId"].as_str().unwrap();
    assert!(role_id.starts_with("AROA"));
    assert_eq!(role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"], "sts:AssumeRole");
    let out = s.aws_ok(&[
        "sts",
        "assume-role",
        "--role-arn",
        "arn:aws:iam::000000000000:role/team/eks-admin",
        "--role-session-name",
        "alice@example.com",
    ]);
    assert_eq!(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::000000000000:assumed-role/eks-admin/alice@example.com");
    assert_eq!(out["AssumedRoleUser"]["AssumedRoleId"], format!("{role_id}:alice@example.com"));
    assert!(out.get("PackedPolicySize").is_none());
    let session = Creds::from_json(&out);
    let id = s.aws_ok_as(&session, &["sts", "get-caller-identity"]);
    assert_eq!(id["UserId"], format!("{role_id}:alice@example.com"));
    assert_eq!(id["Arn"], "arn:aws:sts::000000000000:assumed-role/eks-admin/alice@example.com");
    assert_eq!(
        s.aws_err_as(&session, &["iam", "get-user"]),
        cli_error("ValidationError", "GetUser", "Must specify userName when calling with non-User credentials")
    );
    // Role chaining is capped at one hour (the role may assume itself once allowed to).
    s.aws_ok(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "eks-admin",
        "--policy-name",
        "chain",
        "--policy-document",
        &allow(&["sts:AssumeRole"]),
    ]);
    assert_eq!(
        s.aws_err_as(
            &session,
            &[
                "sts",
                "assume-role",
                "--role-arn",
                "arn:aws:iam::000000000000:role/team/eks-admin",
                "--role-session-name",
                "again",
                "--duration-seconds",
                "3601"
            ]
        ),
        cli_error(
            "ValidationError",
            "AssumeRole",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    );
    assert_eq!(
        s.aws_err(&["sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/team/eks-admin", "--role-session-name", "bad name!"]),
        cli_error("ValidationError", "AssumeRole", "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    );
    assert_eq!(
        s.aws_err(&["sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/missing", "--role-session-name", "x1"]),
        cli_error("AccessDenied", "AssumeRole", "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/missing")
    );
    // Deleting the role kills its sessions, even once a role of the same name exists again.
    s.aws_ok(&["iam", "delete-role-policy", "--role-name", "eks-admin", "--policy-name", "chain"]);
    s.aws_ok(&["iam", "delete-role", "--role-name", "eks-admin"]);
    s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        "eks-admin",
        "--path",
        "/team/",
        "--assume-role-policy-document",
        trust,
    ]);
    assert_eq!(
        s.aws_err_as(&session, &["sts", "get-caller-identity"]),
        cli_error(
            "InvalidClientTokenId",
            "GetCallerIdentity",
            "The security token included in the request is invalid."
        )
    );
}

#[test]
fn altered_session_tokens_are_refused() {
    let s = Server::start(&[]);
    let (_, creds) = new_user_with_key(&s, "frank", "/");
    let session = Creds::from_json(&s.aws_ok_as(&creds, &["sts", "get-session-token"]));
    let mut token = session.token.clone().unwrap();
    let last = token.pop().unwrap();
    token.push(if last == 'A' { 'B' } else { 'A' });
    let forged = Creds { token: Some(token), ..session.clone() };
    assert_eq!(
        s.aws_err_as(&forged, &["sts", "get-caller-identity"]),
        cli_error(
            "InvalidClientTokenId",
            "GetCallerIdentity",
            "The security token included in the request is invalid."
        )
    );
    let missing = Creds { token: None, ..session };
    assert_eq!(
        s.aws_err_as(&missing, &["sts", "get-caller-identity"]),
        cli_error(
            "InvalidClientTokenId",
            "GetCallerIdentity",
            "The security token included in the request is invalid."
        )
    );
}

#[test]
fn aws_managed_policies_are_all_there_and_attachable() {
    let s = Server::start(&[]);
    let p = s.aws_ok(&["iam", "get-policy", "--policy-arn", "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
    assert_eq!(p["Policy"]["PolicyName"], "AmazonEKSClusterPolicy");
    assert!(p["Policy"]["PolicyId"].as_str().unwrap().starts_with("ANPA"));
    let v = s.aws_ok(&[
        "iam",
        "get-policy-version",
        "--policy-arn",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "--version-id",
        "v1",
    ]);
    assert_eq!(v["PolicyVersion"]["Document"]["Statement"][0]["Action"], "*");
    let all = s.aws_ok(&["iam", "list-policies", "--scope", "AWS"]);
    assert!(all["Policies"].as_array().unwrap().len() > 1000, "the CLI pages through every managed policy");
    s.aws_ok(&["iam", "create-role", "--role-name", "cluster", "--assume-role-policy-document", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#]);
    s.aws_ok(&[
        "iam",
        "attach-role-policy",
        "--role-name",
        "cluster",
        "--policy-arn",
        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    ]);
    let attached = s.aws_ok(&["iam", "list-attached-role-policies", "--role-name", "cluster"]);
    assert_eq!(attached["AttachedPolicies"][0]["PolicyName"], "AmazonEKSClusterPolicy");
    let local = s.aws_ok(&["iam", "list-policies", "--scope", "AWS", "--only-attached"]);
    assert_eq!(local["Policies"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.aws_err(&[
            "iam",
            "attach-role-policy",
            "--role-name",
            "cluster",
            "--policy-arn",
            "arn:aws:iam::aws:policy/NoSuchPolicy"
        ]),
        cli_error(
            "NoSuchEntity",
            "AttachRolePolicy",
            "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."
        )
    );
}

#[test]
fn customer_managed_policies_have_versions() {
    let s = Server::start(&[]);
    let doc =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:DescribeCluster","Resource":"*"}]}"#;
    let p = s.aws_ok(&[
        "iam",
        "create-policy",
        "--policy-name",
        "eks-describe",
        "--path",
        "/eks/",
        "--policy-document",
        doc,
    ]);
    let arn = p["Policy"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(arn, "arn:aws:iam::000000000000:policy/eks/eks-describe");
    assert_eq!(p["Policy"]["DefaultVersionId"], "v1");
    let v2 =
        s.aws_ok(&["iam", "create-policy-version", "--policy-arn", &arn, "--policy-document", doc, "--set-as-default"]);
    assert_eq!(v2["PolicyVersion"]["VersionId"], "v2");
    assert_eq!(v2["PolicyVersion"]["IsDefaultVersion"], true);
    let local = s.aws_ok(&["iam", "list-policies", "--scope", "Local"]);
    assert_eq!(local["Policies"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.aws_err(&["iam", "delete-policy-version", "--policy-arn", &arn, "--version-id", "v2"]),
        cli_error("DeleteConflict", "DeletePolicyVersion", "Cannot delete the default version of a policy.")
    );
    s.aws_ok(&["iam", "create-group", "--group-name", "devs"]);
    s.aws_ok(&["iam", "attach-group-policy", "--group-name", "devs", "--policy-arn", &arn]);
    assert_eq!(
        s.aws_err(&["iam", "delete-policy", "--policy-arn", &arn]),
        cli_error("DeleteConflict", "DeletePolicy", "Cannot delete a policy attached to entities.")
    );
    s.aws_ok(&["iam", "detach-group-policy", "--group-name", "devs", "--policy-arn", &arn]);
    s.aws_ok(&["iam", "delete-policy-version", "--policy-arn", &arn, "--version-id", "v1"]);
    s.aws_ok(&["iam", "delete-policy", "--policy-arn", &arn]);
}

#[test]
fn groups_list_their_members() {
    let s = Server::start(&[]);
    s.aws_ok(&["iam", "create-group", "--group-name", "devs"]);
    s.aws_ok(&["iam", "create-user", "--user-name", "gina"]);
    s.aws_ok(&["iam", "add-user-to-group", "--group-name", "devs", "--user-name", "gina"]);
    let g = s.aws_ok(&["iam", "get-group", "--group-name", "devs"]);
    assert_eq!(g["Users"][0]["UserName"], "gina");
    assert!(g["Group"]["GroupId"].as_str().unwrap().starts_with("AGPA"));
    let groups = s.aws_ok(&["iam", "list-groups-for-user", "--user-name", "gina"]);
    assert_eq!(groups["Groups"][0]["GroupName"], "devs");
    assert_eq!(
        s.aws_err(&["iam", "delete-user", "--user-name", "gina"]),
        cli_error("DeleteConflict", "DeleteUser", "Cannot delete entity, must remove users from group first.")
    );
}

#[test]
fn list_users_pages_with_marker() {
    let s = Server::start(&[]);
    for n in ["u1", "u2", "u3"] {
        s.aws_ok(&["iam", "create-user", "--user-name", n]);
    }
    let page = s.aws_ok(&["iam", "list-users", "--max-items", "2"]);
    assert_eq!(page["Users"].as_array().unwrap().len(), 2);
    let token = page["NextToken"].as_str().unwrap();
    let rest = s.aws_ok(&["iam", "list-users", "--max-items", "2", "--starting-token", token]);
    assert_eq!(rest["Users"][0]["UserName"], "u3");
    // The server pages too (MaxItems on the wire).
    let one = s.aws_ok(&["iam", "list-users", "--page-size", "1"]);
    assert_eq!(one["Users"].as_array().unwrap().len(), 3);
}

#[test]
fn unknown_and_unserved_actions_answer_in_the_query_error_shape() {
    let s = Server::start(&[]);
    let out = s.python(
        &Creds::root(),
        r#"
import boto3, botocore
c = boto3.client('iam')
try:
    c.list_open_id_connect_providers()
except botocore.exceptions.ClientError as e:
    print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])
"#,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "NotImplemented 501",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn boto3_parses_every_answer() {
    let s = Server::start(&[]);
    let out = s.python(
        &Creds::root(),
        r#"
import boto3, json
iam = boto3.client('iam')
iam.create_user(UserName='hank', Tags=[{'Key': 'team', 'Value': 'platform'}])
u = iam.get_user(UserName='hank')['User']
assert u['Tags'] == [{'Key': 'team', 'Value': 'platform'}], u
doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "eks:*", "Resource": "*"}]}
iam.put_user_policy(UserName='hank', PolicyName='eks', PolicyDocument=json.dumps(doc))
got = iam.get_user_policy(UserName='hank', PolicyName='eks')['PolicyDocument']
assert got == doc, got
key = iam.create_access_key(UserName='hank')['AccessKey']
sts = boto3.client('sts', aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'])
ident = sts.get_caller_identity()
assert ident['Arn'] == 'arn:aws:iam::000000000000:user/hank', ident
creds = sts.get_session_token(DurationSeconds=900)['Credentials']
assert creds['Expiration'].tzinfo is not None
dev = iam.create_virtual_mfa_device(VirtualMFADeviceName='hank')['VirtualMFADevice']
assert len(dev['Base32StringSeed']) == 64 and dev['QRCodePNG'].startswith(b'\x89PNG'), dev.keys()
print('ok')
"#,
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok", "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn get_token_urls_are_answered_as_presigned_get_caller_identity() {
    let s = Server::start(&[]);
    let tok = s.aws_ok(&["eks", "get-token", "--cluster-name", "demo"]);
    let token = tok["status"]["token"].as_str().unwrap();
    use base64::Engine;
    let url = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.strip_prefix("k8s-aws-v1.").unwrap()).unwrap(),
    )
    .unwrap();
    assert!(url.starts_with(&format!("{}/?Action=GetCallerIdentity", s.aws_url)), "{url}");
    let curl = |cluster: &str| {
        let out = std::process::Command::new("curl")
            .args(["-s", "-H", &format!("x-k8s-aws-id: {cluster}"), "-H", "Accept: application/json", &url])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ok: Value = serde_json::from_str(&curl("demo")).unwrap();
    assert_eq!(ok["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Arn"], "arn:aws:iam::000000000000:root");
    let other: Value = serde_json::from_str(&curl("other")).unwrap();
    assert_eq!(other["Error"]["Code"], "SignatureDoesNotMatch");
}

#[test]
fn requests_without_signature_are_missing_authentication_token() {
    let s = Server::start(&[]);
    let out = std::process::Command::new("curl")
        .args(["-s", "-i", &format!("{}/?Action=GetCallerIdentity&Version=2011-06-15", s.aws_url)])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(
        text.contains(
            "<Code>MissingAuthenticationToken</Code>\n    <Message>Request is missing Authentication Token</Message>"
        ),
        "{text}"
    );
}

#[test]
fn federated_users_act_for_their_parent_user() {
    let s = Server::start(&[]);
    let (_, creds) = new_user_with_key(&s, "ivan", "/");
    grant_user(&s, "ivan", &["sts:GetFederationToken"]);
    let out = s.aws_ok_as(&creds, &["sts", "get-federation-token", "--name", "bob", "--duration-seconds", "900"]);
    assert_eq!(out["FederatedUser"]["Arn"], "arn:aws:sts::000000000000:federated-user/bob");
    assert_eq!(out["FederatedUser"]["FederatedUserId"], "000000000000:bob");
    let fed = Creds::from_json(&out);
    let id = s.aws_ok_as(&fed, &["sts", "get-caller-identity"]);
    assert_eq!(id["UserId"], "000000000000:bob");
    assert_eq!(id["Arn"], "arn:aws:sts::000000000000:federated-user/bob");
    assert_eq!(
        s.aws_err_as(&fed, &["sts", "get-federation-token", "--name", "eve"]),
        cli_error("AccessDenied", "GetFederationToken", "Cannot call GetFederationToken with session credentials")
    );
}
