//! EKS access entries and access policies through the real aws CLI against a real
//! `eksim serve` (eks-api.md §2.2, §3.2–3.7, §4.1).

#![allow(clippy::unwrap_used)]

mod common;

use common::{cli_error, Creds, Server};
use serde_json::Value;

const ACCT: &str = "000000000000";
const ROOT: &str = "arn:aws:iam::000000000000:root";
const TRUST_ROOT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;
const GATE: &str =
    "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.";
const NO_ENTRY: &str =
    "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.";

fn policy(name: &str) -> String {
    format!("arn:aws:eks::aws:cluster-access-policy/{name}")
}

fn user_arn(path_name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:user/{path_name}")
}

fn role_arn(path_name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{path_name}")
}

/// Creates cluster `name` with `extra` create-cluster arguments.
fn create_cluster_as(s: &Server, creds: &Creds, name: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "eks",
        "create-cluster",
        "--name",
        name,
        "--role-arn",
        "arn:aws:iam::000000000000:role/eks",
        "--resources-vpc-config",
        "subnetIds=subnet-1",
    ];
    args.extend_from_slice(extra);
    s.aws_ok_as(creds, &args)
}

/// A server with cluster `demo` in API mode, created by root.
fn api_cluster() -> Server {
    let s = Server::start(&[]);
    create_cluster_as(&s, &Creds::root(), "demo", &["--access-config", "authenticationMode=API"]);
    s
}

fn create_user(s: &Server, name: &str, path: &str) -> String {
    let u = s.aws_ok(&["iam", "create-user", "--user-name", name, "--path", path]);
    u["User"]["Arn"].as_str().unwrap().to_owned()
}

fn create_role(s: &Server, name: &str, path: &str) -> String {
    let r = s.aws_ok(&[
        "iam",
        "create-role",
        "--role-name",
        name,
        "--path",
        path,
        "--assume-role-policy-document",
        TRUST_ROOT,
    ]);
    r["Role"]["Arn"].as_str().unwrap().to_owned()
}

/// `aws eks create-access-entry --cluster-name demo --principal-arn P EXTRA…`.
fn create_entry(s: &Server, principal: &str, extra: &[&str]) -> Value {
    let mut args = vec!["eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", principal];
    args.extend_from_slice(extra);
    s.aws_ok(&args)["accessEntry"].clone()
}

fn create_entry_err(s: &Server, principal: &str, extra: &[&str]) -> String {
    let mut args = vec!["eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", principal];
    args.extend_from_slice(extra);
    s.aws_err(&args)
}

fn describe(s: &Server, principal: &str) -> Value {
    s.aws_ok(&["eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", principal])["accessEntry"]
        .clone()
}

fn list_entries(s: &Server, extra: &[&str]) -> Value {
    let mut args = vec!["eks", "list-access-entries", "--cluster-name", "demo"];
    args.extend_from_slice(extra);
    s.aws_ok(&args)
}

fn associate(s: &Server, principal: &str, policy_name: &str, scope: &str) -> Value {
    s.aws_ok(&[
        "eks",
        "associate-access-policy",
        "--cluster-name",
        "demo",
        "--principal-arn",
        principal,
        "--policy-arn",
        &policy(policy_name),
        "--access-scope",
        scope,
    ])
}

fn associate_err(s: &Server, principal: &str, policy_arn: &str, scope: &str) -> String {
    s.aws_err(&[
        "eks",
        "associate-access-policy",
        "--cluster-name",
        "demo",
        "--principal-arn",
        principal,
        "--policy-arn",
        policy_arn,
        "--access-scope",
        scope,
    ])
}

fn associated(s: &Server, principal: &str) -> Value {
    s.aws_ok(&["eks", "list-associated-access-policies", "--cluster-name", "demo", "--principal-arn", principal])
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect()
}

fn err(code: &str, op: &str, message: &str) -> String {
    cli_error(code, op, message)
}

fn invalid(op: &str, message: &str) -> String {
    cli_error("InvalidParameterException", op, message)
}

/// The entry ARN is `access-entry/CLUSTER/TYPE/ACCT/NAME/UUID`.
fn assert_entry_arn(arn: &Value, identity: &str) {
    let arn = arn.as_str().unwrap();
    let prefix = format!("arn:aws:eks:us-east-1:{ACCT}:access-entry/demo/{identity}/");
    let id = arn.strip_prefix(&prefix).unwrap_or_else(|| panic!("{arn} does not start with {prefix}"));
    assert_eq!(id.len(), 36, "{arn}");
    assert_eq!(id.matches('-').count(), 4, "{arn}");
}

#[test]
fn root_creator_gets_a_cluster_admin_entry() {
    let s = api_cluster();
    assert_eq!(strings(&list_entries(&s, &[])["accessEntries"]), [ROOT]);
    let e = describe(&s, ROOT);
    assert_eq!(e["type"], "STANDARD");
    assert_eq!(e["username"], ROOT);
    assert_eq!(e["kubernetesGroups"], serde_json::json!([]));
    assert_eq!(e["tags"], serde_json::json!({}));
    assert_eq!(e["clusterName"], "demo");
    assert_entry_arn(&e["accessEntryArn"], &format!("root/{ACCT}/root"));
    let a = associated(&s, ROOT);
    assert_eq!(a["clusterName"], "demo");
    assert_eq!(a["principalArn"], ROOT);
    let list = a["associatedAccessPolicies"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["policyArn"], policy("AmazonEKSClusterAdminPolicy"));
    assert_eq!(list[0]["accessScope"], serde_json::json!({"type": "cluster", "namespaces": []}));
    // Creating it again is the IaC tools' classic 409.
    assert_eq!(
        create_entry_err(&s, ROOT, &[]),
        err(
            "ResourceInUseException",
            "CreateAccessEntry",
            "The specified access entry resource is already in use on this cluster."
        )
    );
}

#[test]
fn user_and_role_creators_get_entries_for_the_iam_principal() {
    let s = Server::start(&[]);
    create_user(&s, "builder", "/ci/");
    s.aws_ok(&[
        "iam",
        "attach-user-policy",
        "--user-name",
        "builder",
        "--policy-arn",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ]);
    let key = Creds::from_json(&s.aws_ok(&["iam", "create-access-key", "--user-name", "builder"]));
    create_cluster_as(&s, &key, "demo", &["--access-config", "authenticationMode=API_AND_CONFIG_MAP"]);
    let builder = user_arn("ci/builder");
    assert_eq!(strings(&list_entries(&s, &[])["accessEntries"]), [builder.as_str()]);
    let e = describe(&s, &builder);
    assert_eq!(e["username"], builder);
    assert_entry_arn(&e["accessEntryArn"], &format!("user/{ACCT}/builder"));
    assert_eq!(
        associated(&s, &builder)["associatedAccessPolicies"][0]["policyArn"],
        policy("AmazonEKSClusterAdminPolicy")
    );

    // A role session's entry names the role (with its path), not the session.
    let admin = create_role(&s, "admin", "/ops/");
    s.aws_ok(&[
        "iam",
        "attach-role-policy",
        "--role-name",
        "admin",
        "--policy-arn",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ]);
    let session =
        Creds::from_json(&s.aws_ok(&["sts", "assume-role", "--role-arn", &admin, "--role-session-name", "alice"]));
    create_cluster_as(&s, &session, "second", &["--access-config", "authenticationMode=API"]);
    let entries = s.aws_ok(&["eks", "list-access-entries", "--cluster-name", "second"]);
    assert_eq!(strings(&entries["accessEntries"]), [admin.as_str()]);
    let e = s.aws_ok(&["eks", "describe-access-entry", "--cluster-name", "second", "--principal-arn", &admin]);
    assert_eq!(e["accessEntry"]["username"], format!("arn:aws:sts::{ACCT}:assumed-role/admin/{{{{SessionName}}}}"));

    // No bootstrap: no entry.
    create_cluster_as(
        &s,
        &Creds::root(),
        "bare",
        &["--access-config", "authenticationMode=API,bootstrapClusterCreatorAdminPermissions=false"],
    );
    let entries = s.aws_ok(&["eks", "list-access-entries", "--cluster-name", "bare"]);
    assert_eq!(entries["accessEntries"], serde_json::json!([]));
}

#[test]
fn entries_are_created_described_updated_and_deleted() {
    let s = api_cluster();
    let dev = create_role(&s, "dev", "/team/");
    let e = create_entry(&s, &dev, &["--kubernetes-groups", "viewers", "editors", "--tags", "team=a"]);
    assert_eq!(e["principalArn"], dev);
    assert_eq!(e["type"], "STANDARD");
    // A role's default username drops the role path.
    assert_eq!(e["username"], format!("arn:aws:sts::{ACCT}:assumed-role/dev/{{{{SessionName}}}}"));
    assert_eq!(e["kubernetesGroups"], serde_json::json!(["viewers", "editors"]));
    assert_eq!(e["tags"], serde_json::json!({"team": "a"}));
    assert_eq!(e["createdAt"], e["modifiedAt"]);
    assert_entry_arn(&e["accessEntryArn"], &format!("role/{ACCT}/dev"));
    assert_eq!(describe(&s, &dev), e);

    // Omitted members are unchanged.
    let u = s.aws_ok(&[
        "eks",
        "update-access-entry",
        "--cluster-name",
        "demo",
        "--principal-arn",
        &dev,
        "--username",
        "dev:{{SessionName}}",
    ])["accessEntry"]
        .clone();
    assert_eq!(u["username"], "dev:{{SessionName}}");
    assert_eq!(u["kubernetesGroups"], e["kubernetesGroups"]);
    assert_eq!(u["accessEntryArn"], e["accessEntryArn"]);
    assert_eq!(u["createdAt"], e["createdAt"]);
    assert_ne!(u["modifiedAt"], e["modifiedAt"]);
    // An empty list clears the groups.
    let u2 = s.aws_ok(&[
        "eks",
        "update-access-entry",
        "--cluster-name",
        "demo",
        "--principal-arn",
        &dev,
        "--kubernetes-groups",
        "[]",
    ])["accessEntry"]
        .clone();
    assert_eq!(u2["kubernetesGroups"], serde_json::json!([]));
    assert_eq!(u2["username"], "dev:{{SessionName}}");
    assert_eq!(describe(&s, &dev), u2);

    // A user's default username is its ARN, path kept.
    let alice = create_user(&s, "alice", "/people/");
    let e = create_entry(&s, &alice, &[]);
    assert_eq!(e["username"], alice);
    assert_entry_arn(&e["accessEntryArn"], &format!("user/{ACCT}/alice"));

    // `{}` on the wire; the CLI prints nothing for an empty answer.
    assert_eq!(
        s.aws_ok(&["eks", "delete-access-entry", "--cluster-name", "demo", "--principal-arn", &dev]),
        Value::Null
    );
    assert_eq!(
        s.aws_err(&["eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", &dev]),
        err("ResourceNotFoundException", "DescribeAccessEntry", NO_ENTRY)
    );
    for op in ["delete-access-entry", "update-access-entry", "list-associated-access-policies"] {
        let out = s.aws_err(&["eks", op, "--cluster-name", "demo", "--principal-arn", &dev]);
        assert!(out.ends_with(&format!("operation: {NO_ENTRY}")), "{op}: {out}");
        assert!(out.starts_with("An error occurred (ResourceNotFoundException)"), "{op}: {out}");
    }
    assert_eq!(strings(&list_entries(&s, &[])["accessEntries"]), [ROOT.to_owned(), alice]);
}

#[test]
fn principals_are_validated() {
    let s = api_cluster();
    let op = "CreateAccessEntry";
    for bad in [
        "arn:aws:sts::000000000000:assumed-role/dev/alice",
        "arn:aws:iam::000000000000:group/admins",
        "arn:aws:iam::000000000000:policy/p",
        "not-an-arn",
    ] {
        assert_eq!(
            create_entry_err(&s, bad, &[]),
            invalid(op, "The principalArn parameter format is not valid"),
            "{bad}"
        );
    }
    let invalid_principal = invalid(op, "The specified principalArn is invalid: invalid principal.");
    assert_eq!(create_entry_err(&s, &user_arn("ghost"), &[]), invalid_principal);
    assert_eq!(create_entry_err(&s, &role_arn("ghost"), &[]), invalid_principal);
    // The role exists, but not under that path.
    create_role(&s, "dev", "/team/");
    assert_eq!(create_entry_err(&s, &role_arn("other/dev"), &[]), invalid_principal);
    assert_eq!(create_entry_err(&s, &role_arn("dev"), &[]), invalid_principal);
    assert_eq!(
        create_entry_err(&s, &role_arn("aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"), &[]),
        invalid(
            op,
            "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role"
        )
    );
    // A STANDARD principal of an account eksim does not hold cannot be checked: accepted.
    let foreign = "arn:aws:iam::111122223333:role/partner";
    let e = create_entry(&s, foreign, &[]);
    assert_eq!(e["username"], "arn:aws:sts::111122223333:assumed-role/partner/{{SessionName}}");
    assert_entry_arn(&e["accessEntryArn"], "role/111122223333/partner");
    // Parameter validation comes before the cluster lookup; a valid request then finds no cluster.
    assert_eq!(
        s.aws_err(&[
            "eks",
            "create-access-entry",
            "--cluster-name",
            "nope",
            "--principal-arn",
            "arn:aws:sts::000000000000:assumed-role/dev/alice"
        ]),
        invalid(op, "The principalArn parameter format is not valid")
    );
    assert_eq!(
        s.aws_err(&["eks", "create-access-entry", "--cluster-name", "nope", "--principal-arn", &role_arn("team/dev")]),
        err("ResourceNotFoundException", op, "No cluster found for name: nope.")
    );
}

#[test]
fn node_types_get_managed_usernames_and_groups() {
    let s = api_cluster();
    let op = "CreateAccessEntry";
    let node = create_role(&s, "node", "/");
    let e = create_entry(&s, &node, &["--type", "EC2_LINUX"]);
    assert_eq!(e["type"], "EC2_LINUX");
    assert_eq!(e["username"], "system:node:{{EC2PrivateDNSName}}");
    assert_eq!(e["kubernetesGroups"], serde_json::json!(["system:nodes"]));
    let pod = create_role(&s, "pod", "/");
    let e = create_entry(&s, &pod, &["--type", "FARGATE_LINUX"]);
    assert_eq!(e["username"], "system:node:{{SessionName}}");
    assert_eq!(e["kubernetesGroups"], serde_json::json!(["system:nodes"]));

    let other = create_role(&s, "other", "/");
    assert_eq!(
        create_entry_err(&s, &other, &["--type", "Standard"]),
        invalid(
            op,
            "AccessEntry type must be one of [EC2, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, HYPERPOD_LINUX, STANDARD]"
        )
    );
    let alice = create_user(&s, "alice", "/");
    assert_eq!(
        create_entry_err(&s, &alice, &["--type", "EC2_LINUX"]),
        invalid(
            op,
            "AccessEntry principalArn must be IAM role when using types [EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, EC2]"
        )
    );
    assert_eq!(
        create_entry_err(&s, "arn:aws:iam::111122223333:role/node", &["--type", "EC2_LINUX"]),
        invalid(
            op,
            "AccessEntry principalArn must be from the same account as the cluster when using types [EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, EC2]"
        )
    );
    assert_eq!(
        create_entry_err(&s, &other, &["--type", "EC2_LINUX", "--username", "node"]),
        invalid(
            op,
            "The specified username is invalid: setting username is not allowed when the type is \"EC2_LINUX\""
        )
    );
    assert_eq!(
        create_entry_err(&s, &other, &["--type", "EC2_WINDOWS", "--kubernetes-groups", "g"]),
        invalid(
            op,
            "The specified kubernetesGroups is invalid: setting kubernetesGroups is not allowed when the type is \"EC2_WINDOWS\""
        )
    );

    // Re-sending the default node username is refused (users hit this), and groups are STANDARD-only.
    let update = |extra: &[&str]| {
        let mut args = vec!["eks", "update-access-entry", "--cluster-name", "demo", "--principal-arn", node.as_str()];
        args.extend_from_slice(extra);
        s.aws_err(&args)
    };
    assert_eq!(
        update(&["--username", "system:node:{{EC2PrivateDNSName}}"]),
        invalid("UpdateAccessEntry", "The username must not begin with system:")
    );
    let standard_only = "This operation can only be performed on Access Entries with a type of \"STANDARD\".";
    assert_eq!(update(&["--kubernetes-groups", "extra"]), invalid("UpdateAccessEntry", standard_only));
    assert_eq!(
        associate_err(&s, &node, &policy("AmazonEKSViewPolicy"), "type=cluster"),
        invalid("AssociateAccessPolicy", standard_only)
    );
}

#[test]
fn usernames_and_groups_refuse_reserved_prefixes() {
    let s = api_cluster();
    let alice = create_user(&s, "alice", "/");
    let op = "CreateAccessEntry";
    for prefix in ["system:", "eks:", "aws:", "amazon:", "iam:"] {
        assert_eq!(
            create_entry_err(&s, &alice, &["--username", &format!("{prefix}alice")]),
            invalid(op, &format!("The username must not begin with {prefix}"))
        );
    }
    assert_eq!(
        create_entry_err(&s, &alice, &["--username", "alice{{SessionName}}"]),
        invalid(
            op,
            "The specified username is invalid: {{SessionName}} must be preceded by a ':' somewhere in the username"
        )
    );
    assert_eq!(
        create_entry_err(&s, &alice, &["--kubernetes-groups", "dev", "system:masters"]),
        invalid(op, "The kubernetes group name system:masters is invalid, it cannot start with system:")
    );
    assert_eq!(
        create_entry_err(&s, &alice, &["--tags", "aws:team=a"]),
        invalid(op, "Tag keys starting with aws: are reserved for AWS use.")
    );
    let e = create_entry(&s, &alice, &["--username", "jo:hn{{SessionName}}", "--kubernetes-groups", "dev"]);
    assert_eq!(e["username"], "jo:hn{{SessionName}}");
    assert_eq!(
        s.aws_err(&[
            "eks",
            "update-access-entry",
            "--cluster-name",
            "demo",
            "--principal-arn",
            &alice,
            "--kubernetes-groups",
            "system:masters"
        ]),
        invalid(
            "UpdateAccessEntry",
            "The kubernetes group name system:masters is invalid, it cannot start with system:"
        )
    );
    assert_eq!(describe(&s, &alice)["kubernetesGroups"], serde_json::json!(["dev"]));
}

#[test]
fn policies_are_associated_replaced_and_disassociated() {
    let s = api_cluster();
    let alice = create_user(&s, "alice", "/");
    create_entry(&s, &alice, &[]);
    let op = "AssociateAccessPolicy";
    let first = associate(&s, &alice, "AmazonEKSViewPolicy", r#"{"type":"namespace","namespaces":["dev-*","prod"]}"#);
    assert_eq!(first["clusterName"], "demo");
    assert_eq!(first["principalArn"], alice);
    let a = &first["associatedAccessPolicy"];
    assert_eq!(a["policyArn"], policy("AmazonEKSViewPolicy"));
    assert_eq!(a["accessScope"], serde_json::json!({"type": "namespace", "namespaces": ["dev-*", "prod"]}));
    assert_eq!(a["associatedAt"], a["modifiedAt"]);

    // Associating the same policy again replaces its scope and keeps associatedAt.
    let again = associate(&s, &alice, "AmazonEKSViewPolicy", "type=cluster");
    let b = &again["associatedAccessPolicy"];
    assert_eq!(b["accessScope"], serde_json::json!({"type": "cluster", "namespaces": []}));
    assert_eq!(b["associatedAt"], a["associatedAt"]);
    assert_ne!(b["modifiedAt"], a["modifiedAt"]);
    associate(&s, &alice, "AmazonEKSEditPolicy", r#"{"type":"namespace","namespaces":["dev"]}"#);
    let list = associated(&s, &alice)["associatedAccessPolicies"].clone();
    let arns: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["policyArn"].as_str().unwrap()).collect();
    assert_eq!(arns, [policy("AmazonEKSEditPolicy"), policy("AmazonEKSViewPolicy")]);
    assert_eq!(list[1], *b);

    assert_eq!(
        associate_err(&s, &alice, &policy("AmazonEKSViewPolicy"), r#"{"type":"cluster","namespaces":["dev"]}"#),
        invalid(op, "accessScope should not include namespaces if the type is not set as namespace")
    );
    assert_eq!(
        associate_err(&s, &alice, &policy("AmazonEKSViewPolicy"), "type=namespace"),
        invalid(op, "At least 1 namespace must be provided if the type is set as namespace")
    );
    let not_found = err("ResourceNotFoundException", op, "The specified policyArn could not be found.");
    assert_eq!(associate_err(&s, &alice, &policy("AmazonEKSNoSuchPolicy"), "type=cluster"), not_found);
    assert_eq!(
        associate_err(&s, &alice, "arn:aws:eks:aws:cluster-access-policy/AmazonEKSViewPolicy", "type=cluster"),
        not_found
    );
    assert_eq!(
        associate_err(&s, &alice, "arn:aws:iam::aws:policy/AdministratorAccess", "type=cluster"),
        invalid(op, "The policyArn parameter format is not valid")
    );
    for slr in ["AmazonEKSHybridPolicy", "AmazonEKSClusterInsightsPolicy", "AmazonEKSComputePolicy"] {
        assert_eq!(
            associate_err(&s, &alice, &policy(slr), "type=cluster"),
            invalid(
                op,
                &format!("The specified policyArn is invalid: {slr} can only be associated with an Amazon EKS service-linked role")
            )
        );
    }
    assert_eq!(
        associate_err(&s, &user_arn("nobody"), &policy("AmazonEKSViewPolicy"), "type=cluster"),
        err("ResourceNotFoundException", op, NO_ENTRY)
    );

    let disassociate = |policy_arn: &str| {
        let args = [
            "eks",
            "disassociate-access-policy",
            "--cluster-name",
            "demo",
            "--principal-arn",
            &alice,
            "--policy-arn",
            policy_arn,
        ];
        s.aws_as(&Creds::root(), &args)
    };
    assert!(disassociate(&policy("AmazonEKSViewPolicy")).status.success());
    let out = disassociate(&policy("AmazonEKSViewPolicy"));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        err("ResourceNotFoundException", "DisassociateAccessPolicy", "The specified policyArn could not be found.")
    );
    assert_eq!(associated(&s, &alice)["associatedAccessPolicies"].as_array().unwrap().len(), 1);

    // Deleting the entry deletes its associations.
    s.aws_ok(&["eks", "delete-access-entry", "--cluster-name", "demo", "--principal-arn", &alice]);
    create_entry(&s, &alice, &[]);
    assert_eq!(associated(&s, &alice)["associatedAccessPolicies"], serde_json::json!([]));
}

#[test]
fn entries_list_sorted_paginated_and_filtered_by_policy() {
    let s = api_cluster();
    let mut expected = vec![ROOT.to_owned()];
    for name in ["u3", "u1", "u5", "u2", "u4"] {
        let arn = create_user(&s, name, "/");
        create_entry(&s, &arn, &[]);
        expected.push(arn);
    }
    let admin = create_role(&s, "admin", "/");
    create_entry(&s, &admin, &[]);
    expected.push(admin.clone());
    expected.sort();
    // ASCII order: `role/…` < `root` < `user/…`.
    assert_eq!(expected[1], ROOT);
    assert!(expected.last().unwrap().ends_with(":user/u5"));
    assert_eq!(strings(&list_entries(&s, &[])["accessEntries"]), expected);

    // --page-size sends maxResults and the CLI follows nextToken.
    assert_eq!(strings(&list_entries(&s, &["--page-size", "2"])["accessEntries"]), expected);
    let first = list_entries(&s, &["--max-items", "3"]);
    assert_eq!(strings(&first["accessEntries"]), expected[..3]);
    let token = first["NextToken"].as_str().unwrap();
    let rest = list_entries(&s, &["--max-items", "3", "--starting-token", token]);
    assert_eq!(strings(&rest["accessEntries"]), expected[3..6]);
    let token = rest["NextToken"].as_str().unwrap();
    let last = list_entries(&s, &["--max-items", "3", "--starting-token", token]);
    assert_eq!(strings(&last["accessEntries"]), expected[6..]);
    assert!(last.get("NextToken").is_none());

    associate(&s, &user_arn("u2"), "AmazonEKSViewPolicy", "type=cluster");
    associate(&s, &admin, "AmazonEKSViewPolicy", r#"{"type":"namespace","namespaces":["a"]}"#);
    associate(&s, &admin, "AmazonEKSAdminPolicy", "type=cluster");
    let view = list_entries(&s, &["--associated-policy-arn", &policy("AmazonEKSViewPolicy")]);
    assert_eq!(strings(&view["accessEntries"]), [admin.clone(), user_arn("u2")]);
    let admins = list_entries(&s, &["--associated-policy-arn", &policy("AmazonEKSClusterAdminPolicy")]);
    assert_eq!(strings(&admins["accessEntries"]), [ROOT]);
    let paged = list_entries(&s, &["--associated-policy-arn", &policy("AmazonEKSViewPolicy"), "--page-size", "1"]);
    assert_eq!(strings(&paged["accessEntries"]), [admin.clone(), user_arn("u2")]);

    // Associated policies page too.
    let all = s.aws_ok(&[
        "eks",
        "list-associated-access-policies",
        "--cluster-name",
        "demo",
        "--principal-arn",
        &admin,
        "--max-items",
        "1",
    ]);
    assert_eq!(all["associatedAccessPolicies"].as_array().unwrap().len(), 1);
    assert_eq!(all["associatedAccessPolicies"][0]["policyArn"], policy("AmazonEKSAdminPolicy"));
    assert!(all["NextToken"].is_string());
}

#[test]
fn access_policies_list_the_catalogue() {
    let s = Server::start(&[]);
    let all = s.aws_ok(&["eks", "list-access-policies"]);
    let list = all["accessPolicies"].as_array().unwrap();
    assert_eq!(list.len(), 33);
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert_eq!(names[0], "AIDevOpsAgentAccessPolicy");
    assert_eq!(list[0]["arn"], policy("AIDevOpsAgentAccessPolicy"));
    assert!(names.contains(&"AmazonEKSClusterAdminPolicy"));
    assert!(!names.contains(&"AmazonEKSClusterInsightsPolicy"));
    let paged = s.aws_ok(&["eks", "list-access-policies", "--page-size", "5"]);
    assert_eq!(paged["accessPolicies"], all["accessPolicies"]);
    let first = s.aws_ok(&["eks", "list-access-policies", "--max-items", "10"]);
    assert_eq!(first["accessPolicies"].as_array().unwrap().len(), 10);
    assert!(first["NextToken"].is_string());
}

#[test]
fn config_map_clusters_refuse_access_entries_until_the_mode_allows_them() {
    let s = Server::start(&[]);
    create_cluster_as(&s, &Creds::root(), "demo", &[]);
    let alice = create_user(&s, "alice", "/");
    let view = policy("AmazonEKSViewPolicy");
    let calls: Vec<(&str, Vec<&str>)> = vec![
        ("CreateAccessEntry", vec!["create-access-entry", "--principal-arn", &alice]),
        ("DescribeAccessEntry", vec!["describe-access-entry", "--principal-arn", &alice]),
        ("ListAccessEntries", vec!["list-access-entries"]),
        ("UpdateAccessEntry", vec!["update-access-entry", "--principal-arn", &alice]),
        ("DeleteAccessEntry", vec!["delete-access-entry", "--principal-arn", &alice]),
        (
            "AssociateAccessPolicy",
            vec![
                "associate-access-policy",
                "--principal-arn",
                &alice,
                "--policy-arn",
                &view,
                "--access-scope",
                "type=cluster",
            ],
        ),
        (
            "DisassociateAccessPolicy",
            vec!["disassociate-access-policy", "--principal-arn", &alice, "--policy-arn", &view],
        ),
        ("ListAssociatedAccessPolicies", vec!["list-associated-access-policies", "--principal-arn", &alice]),
    ];
    for (op, rest) in &calls {
        let mut args = vec!["eks", rest[0], "--cluster-name", "demo"];
        args.extend_from_slice(&rest[1..]);
        assert_eq!(s.aws_err(&args), err("InvalidRequestException", op, GATE), "{op}");
    }
    // The catalogue is not a cluster's: always listable.
    assert_eq!(s.aws_ok(&["eks", "list-access-policies"])["accessPolicies"].as_array().unwrap().len(), 33);

    // Switching to API_AND_CONFIG_MAP materialises the creator's entry and opens the API.
    s.aws_ok(&[
        "eks",
        "update-cluster-config",
        "--name",
        "demo",
        "--access-config",
        "authenticationMode=API_AND_CONFIG_MAP",
    ]);
    assert_eq!(strings(&list_entries(&s, &[])["accessEntries"]), [ROOT]);
    assert_eq!(associated(&s, ROOT)["associatedAccessPolicies"][0]["policyArn"], policy("AmazonEKSClusterAdminPolicy"));
    create_entry(&s, &alice, &[]);
    assert_eq!(strings(&list_entries(&s, &[])["accessEntries"]), [ROOT.to_owned(), alice]);
}

#[test]
fn node_groups_and_fargate_profiles_map_their_roles() {
    let s = api_cluster();
    let node = create_role(&s, "node", "/");
    s.aws_ok(&[
        "eks",
        "create-nodegroup",
        "--cluster-name",
        "demo",
        "--nodegroup-name",
        "ng",
        "--node-role",
        &node,
        "--subnets",
        "subnet-1",
    ]);
    let e = describe(&s, &node);
    assert_eq!(e["type"], "EC2_LINUX");
    assert_eq!(e["username"], "system:node:{{EC2PrivateDNSName}}");
    assert_eq!(e["kubernetesGroups"], serde_json::json!(["system:nodes"]));
    // A role IAM does not have still gets its entry (EKS does not check node roles here).
    let pods = role_arn("pods");
    s.aws_ok(&[
        "eks",
        "create-fargate-profile",
        "--cluster-name",
        "demo",
        "--fargate-profile-name",
        "fp",
        "--pod-execution-role-arn",
        &pods,
    ]);
    let e = describe(&s, &pods);
    assert_eq!(e["type"], "FARGATE_LINUX");
    assert_eq!(e["username"], "system:node:{{SessionName}}");
    // A second node group with the same role reuses the entry.
    s.aws_ok(&[
        "eks",
        "create-nodegroup",
        "--cluster-name",
        "demo",
        "--nodegroup-name",
        "ng2",
        "--node-role",
        &node,
        "--subnets",
        "subnet-1",
    ]);
    assert_eq!(strings(&list_entries(&s, &[])["accessEntries"]), [node, pods, ROOT.to_owned()]);
}

#[test]
fn recreated_user_keeps_the_old_entry() {
    let s = api_cluster();
    let bob = create_user(&s, "bob", "/");
    let before = create_entry(&s, &bob, &[]);
    s.aws_ok(&["iam", "delete-user", "--user-name", "bob"]);
    // Deleting the IAM principal does not delete the entry.
    assert_eq!(describe(&s, &bob), before);
    // Nor can a new entry be made for a principal IAM no longer has.
    let carol = create_user(&s, "carol", "/");
    s.aws_ok(&["iam", "delete-user", "--user-name", "carol"]);
    assert_eq!(
        create_entry_err(&s, &carol, &[]),
        invalid("CreateAccessEntry", "The specified principalArn is invalid: invalid principal.")
    );
    // The recreated user finds the old entry (with the old unique id) in place.
    create_user(&s, "bob", "/");
    assert_eq!(describe(&s, &bob), before);
    assert_eq!(
        create_entry_err(&s, &bob, &[]),
        err(
            "ResourceInUseException",
            "CreateAccessEntry",
            "The specified access entry resource is already in use on this cluster."
        )
    );
}

#[test]
fn client_request_tokens_make_retries_idempotent() {
    let s = api_cluster();
    let alice = create_user(&s, "alice", "/");
    let first = create_entry(&s, &alice, &["--client-request-token", "retry-1"]);
    let again = create_entry(&s, &alice, &["--client-request-token", "retry-1"]);
    assert_eq!(first, again);
    assert_eq!(
        create_entry_err(&s, &alice, &["--client-request-token", "retry-2"]),
        err(
            "ResourceInUseException",
            "CreateAccessEntry",
            "The specified access entry resource is already in use on this cluster."
        )
    );
    let update = |token: &str| {
        s.aws_ok(&[
            "eks",
            "update-access-entry",
            "--cluster-name",
            "demo",
            "--principal-arn",
            &alice,
            "--kubernetes-groups",
            "dev",
            "--client-request-token",
            token,
        ])["accessEntry"]
            .clone()
    };
    let u1 = update("upd-1");
    assert_eq!(update("upd-1"), u1);
    assert_ne!(update("upd-2")["modifiedAt"], u1["modifiedAt"]);
}

#[test]
fn entries_take_tags() {
    let s = api_cluster();
    let alice = create_user(&s, "alice", "/");
    let e = create_entry(&s, &alice, &["--tags", "team=a"]);
    let arn = e["accessEntryArn"].as_str().unwrap();
    s.aws_ok(&["eks", "tag-resource", "--resource-arn", arn, "--tags", "env=dev"]);
    let tags = s.aws_ok(&["eks", "list-tags-for-resource", "--resource-arn", arn]);
    assert_eq!(tags["tags"], serde_json::json!({"team": "a", "env": "dev"}));
    assert_eq!(describe(&s, &alice)["tags"], serde_json::json!({"team": "a", "env": "dev"}));
}

#[test]
fn iam_policies_name_entries_by_their_arn() {
    let s = api_cluster();
    let alice = create_user(&s, "alice", "/");
    create_entry(&s, &alice, &[]);
    create_user(&s, "ops", "/");
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["eks:DescribeAccessEntry", "eks:ListAccessEntries"],
        "Resource": [
            "arn:aws:eks:us-east-1:000000000000:access-entry/demo/*",
            "arn:aws:eks:us-east-1:000000000000:cluster/demo"
        ]
    }]})
    .to_string();
    s.aws_ok(&["iam", "put-user-policy", "--user-name", "ops", "--policy-name", "eks", "--policy-document", &doc]);
    let ops = Creds::from_json(&s.aws_ok(&["iam", "create-access-key", "--user-name", "ops"]));
    let e = s.aws_ok_as(&ops, &["eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", &alice]);
    assert_eq!(e["accessEntry"]["principalArn"], alice);
    assert_eq!(
        s.aws_ok_as(&ops, &["eks", "list-access-entries", "--cluster-name", "demo"])["accessEntries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A missing entry is still inside `access-entry/demo/*`: the caller learns it is missing.
    assert_eq!(
        s.aws_err_as(
            &ops,
            &["eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", &user_arn("nobody")]
        ),
        err("ResourceNotFoundException", "DescribeAccessEntry", NO_ENTRY)
    );
    let denied =
        s.aws_err_as(&ops, &["eks", "delete-access-entry", "--cluster-name", "demo", "--principal-arn", &alice]);
    let entry_arn = describe(&s, &alice)["accessEntryArn"].as_str().unwrap().to_owned();
    assert_eq!(
        denied,
        err(
            "AccessDeniedException",
            "DeleteAccessEntry",
            &format!("User: arn:aws:iam::000000000000:user/ops is not authorized to perform: eks:DeleteAccessEntry on resource: {entry_arn} because no identity-based policy allows the eks:DeleteAccessEntry action")
        )
    );
}
