//! The EKS control plane through the real aws CLI: clusters, modes, updates, tags,
//! node groups, update-kubeconfig, and IAM authorization of EKS calls.

mod common;

use common::{cli_error, Creds, Server};
use serde_json::json;

const ROLE: &str = "arn:aws:iam::000000000000:role/eks-cluster";

fn create(s: &Server, name: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "eks",
        "create-cluster",
        "--name",
        name,
        "--role-arn",
        ROLE,
        "--resources-vpc-config",
        "subnetIds=subnet-1,subnet-2",
    ];
    args.extend_from_slice(extra);
    s.aws_ok(&args)
}

#[test]
fn a_cluster_is_created_waited_for_described_listed_and_deleted() {
    let s = Server::start(&[]);
    let created = create(&s, "demo", &[]);
    let c = &created["cluster"];
    assert_eq!(c["status"], "CREATING");
    assert_eq!(c["arn"], "arn:aws:eks:us-east-1:000000000000:cluster/demo");
    assert_eq!(c["certificateAuthority"], json!({}));
    assert!(c.get("endpoint").is_none());
    assert_eq!(c["accessConfig"], json!({"authenticationMode": "CONFIG_MAP"}));
    assert!(c["createdAt"].is_f64(), "timestamps are epoch seconds on the wire (awscli v1 prints them as sent)");
    s.aws_ok(&["eks", "wait", "cluster-active", "--name", "demo"]);
    let d = s.aws_ok(&["eks", "describe-cluster", "--name", "demo"]);
    let c = &d["cluster"];
    assert_eq!(c["status"], "ACTIVE");
    assert_eq!(c["version"], "1.32");
    assert_eq!(c["kubernetesNetworkConfig"]["serviceIpv4Cidr"], "10.100.0.0/16");
    let endpoint = c["endpoint"].as_str().unwrap();
    assert!(endpoint.starts_with(&format!("{}/clusters/", s.kube_url)), "{endpoint}");
    let ca = c["certificateAuthority"]["data"].as_str().unwrap();
    use base64::Engine;
    let pem = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(ca).unwrap()).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(c["identity"]["oidc"]["issuer"]
        .as_str()
        .unwrap()
        .starts_with("https://oidc.eks.us-east-1.amazonaws.com/id/"));
    assert_eq!(s.aws_ok(&["eks", "list-clusters"])["clusters"], json!(["demo"]));
    assert_eq!(
        s.aws_err(&[
            "eks",
            "create-cluster",
            "--name",
            "demo",
            "--role-arn",
            ROLE,
            "--resources-vpc-config",
            "subnetIds=s"
        ]),
        cli_error("ResourceInUseException", "CreateCluster", "Cluster already exists with name: demo")
    );
    assert_eq!(s.aws_ok(&["eks", "delete-cluster", "--name", "demo"])["cluster"]["status"], "DELETING");
    s.aws_ok(&["eks", "wait", "cluster-deleted", "--name", "demo"]);
    assert_eq!(
        s.aws_err(&["eks", "describe-cluster", "--name", "demo"]),
        cli_error("ResourceNotFoundException", "DescribeCluster", "No cluster found for name: demo.")
    );
}

#[test]
fn clusters_are_regional() {
    let s = Server::start(&[]);
    create(&s, "demo", &["--region", "eu-west-1"]);
    assert_eq!(s.aws_ok(&["eks", "list-clusters", "--region", "eu-west-1"])["clusters"], json!(["demo"]));
    assert_eq!(s.aws_ok(&["eks", "list-clusters"])["clusters"], json!([]));
    let d = s.aws_ok(&["eks", "describe-cluster", "--name", "demo", "--region", "eu-west-1"]);
    assert_eq!(d["cluster"]["arn"], "arn:aws:eks:eu-west-1:000000000000:cluster/demo");
}

#[test]
fn create_cluster_refusals_use_eks_words() {
    let s = Server::start(&[]);
    assert_eq!(
        s.aws_err(&["eks", "create-cluster", "--name", "bad name", "--role-arn", ROLE, "--resources-vpc-config", "subnetIds=s"]),
        cli_error("InvalidParameterException", "CreateCluster", "The parameter name contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.")
    );
    assert_eq!(
        s.aws_err(&[
            "eks",
            "create-cluster",
            "--name",
            "c1",
            "--role-arn",
            ROLE,
            "--resources-vpc-config",
            "subnetIds=s",
            "--access-config",
            "authenticationMode=CONFIG_MAP,bootstrapClusterCreatorAdminPermissions=false"
        ]),
        cli_error(
            "InvalidParameterException",
            "CreateCluster",
            "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP"
        )
    );
}

#[test]
fn authentication_modes_only_move_one_step_forward() {
    let s = Server::start(&[]);
    create(&s, "demo", &[]);
    let bad = |to: &str, from: &str| {
        cli_error(
            "InvalidParameterException",
            "UpdateClusterConfig",
            &format!("Unsupported authentication mode update from {from} to {to}"),
        )
    };
    assert_eq!(
        s.aws_err(&["eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API"]),
        bad("API", "CONFIG_MAP")
    );
    assert_eq!(
        s.aws_err(&[
            "eks",
            "update-cluster-config",
            "--name",
            "demo",
            "--access-config",
            "authenticationMode=CONFIG_MAP"
        ]),
        bad("CONFIG_MAP", "CONFIG_MAP")
    );
    let u = s.aws_ok(&[
        "eks",
        "update-cluster-config",
        "--name",
        "demo",
        "--access-config",
        "authenticationMode=API_AND_CONFIG_MAP",
    ]);
    assert_eq!(u["update"]["type"], "AccessConfigUpdate");
    assert_eq!(u["update"]["status"], "InProgress");
    assert_eq!(u["update"]["params"], json!([{"type": "AuthenticationMode", "value": "\"API_AND_CONFIG_MAP\""}]));
    let id = u["update"]["id"].as_str().unwrap();
    s.aws_ok(&["eks", "wait", "cluster-active", "--name", "demo"]);
    assert_eq!(
        s.aws_ok(&["eks", "describe-update", "--name", "demo", "--update-id", id])["update"]["status"],
        "Successful"
    );
    assert_eq!(s.aws_ok(&["eks", "list-updates", "--name", "demo"])["updateIds"], json!([id]));
    assert_eq!(
        s.aws_ok(&["eks", "describe-cluster", "--name", "demo"])["cluster"]["accessConfig"]["authenticationMode"],
        "API_AND_CONFIG_MAP"
    );
    assert_eq!(
        s.aws_err(&[
            "eks",
            "update-cluster-config",
            "--name",
            "demo",
            "--access-config",
            "authenticationMode=CONFIG_MAP"
        ]),
        bad("CONFIG_MAP", "API_AND_CONFIG_MAP")
    );
    s.aws_ok(&["eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API"]);
    assert_eq!(
        s.aws_err(&["eks", "describe-update", "--name", "demo", "--update-id", "nope"]),
        cli_error("ResourceNotFoundException", "DescribeUpdate", "No update found for ID: nope")
    );
}

#[test]
fn logging_updates_are_stored_and_reported() {
    let s = Server::start(&[]);
    create(&s, "demo", &[]);
    let u = s.aws_ok(&[
        "eks",
        "update-cluster-config",
        "--name",
        "demo",
        "--logging",
        r#"{"clusterLogging":[{"types":["api","authenticator"],"enabled":true}]}"#,
    ]);
    assert_eq!(u["update"]["type"], "LoggingUpdate");
    let logging = &s.aws_ok(&["eks", "describe-cluster", "--name", "demo"])["cluster"]["logging"]["clusterLogging"];
    assert_eq!(logging[0], json!({"types": ["api", "authenticator"], "enabled": true}));
    assert_eq!(logging[1], json!({"types": ["audit", "controllerManager", "scheduler"], "enabled": false}));
}

#[test]
fn tags_on_clusters() {
    let s = Server::start(&[]);
    create(&s, "demo", &["--tags", "team=platform"]);
    let arn = "arn:aws:eks:us-east-1:000000000000:cluster/demo";
    s.aws_ok(&["eks", "tag-resource", "--resource-arn", arn, "--tags", "env=ci"]);
    assert_eq!(
        s.aws_ok(&["eks", "list-tags-for-resource", "--resource-arn", arn])["tags"],
        json!({"team": "platform", "env": "ci"})
    );
    s.aws_ok(&["eks", "untag-resource", "--resource-arn", arn, "--tag-keys", "team"]);
    assert_eq!(s.aws_ok(&["eks", "list-tags-for-resource", "--resource-arn", arn])["tags"], json!({"env": "ci"}));
    assert_eq!(
        s.aws_err(&[
            "eks",
            "list-tags-for-resource",
            "--resource-arn",
            "arn:aws:eks:us-east-1:000000000000:cluster/nope"
        ]),
        cli_error(
            "NotFoundException",
            "ListTagsForResource",
            "Resource arn:aws:eks:us-east-1:000000000000:cluster/nope not found"
        )
    );
}

#[test]
fn list_clusters_pages() {
    let s = Server::start(&[]);
    for n in ["a1", "b2", "c3"] {
        create(&s, n, &[]);
    }
    let page = s.aws_ok(&["eks", "list-clusters", "--max-items", "2"]);
    assert_eq!(page["clusters"], json!(["a1", "b2"]));
    let rest = s.aws_ok(&["eks", "list-clusters", "--starting-token", page["NextToken"].as_str().unwrap()]);
    assert_eq!(rest["clusters"], json!(["c3"]));
    assert_eq!(s.aws_ok(&["eks", "list-clusters", "--page-size", "1"])["clusters"], json!(["a1", "b2", "c3"]));
}

#[test]
fn node_groups_are_stored_with_aws_shapes() {
    let s = Server::start(&[]);
    create(&s, "demo", &[]);
    let ng = s.aws_ok(&[
        "eks",
        "create-nodegroup",
        "--cluster-name",
        "demo",
        "--nodegroup-name",
        "ng-1",
        "--node-role",
        "arn:aws:iam::000000000000:role/node",
        "--subnets",
        "subnet-1",
    ]);
    assert_eq!(ng["nodegroup"]["status"], "CREATING");
    s.aws_ok(&["eks", "wait", "nodegroup-active", "--cluster-name", "demo", "--nodegroup-name", "ng-1"]);
    assert_eq!(s.aws_ok(&["eks", "list-nodegroups", "--cluster-name", "demo"])["nodegroups"], json!(["ng-1"]));
    assert_eq!(
        s.aws_err(&["eks", "delete-cluster", "--name", "demo"]),
        cli_error("ResourceInUseException", "DeleteCluster", "Cluster has nodegroups attached")
    );
    s.aws_ok(&["eks", "delete-nodegroup", "--cluster-name", "demo", "--nodegroup-name", "ng-1"]);
    s.aws_ok(&["eks", "delete-cluster", "--name", "demo"]);
}

#[test]
fn update_kubeconfig_writes_the_cluster_endpoint_and_ca() {
    let s = Server::start(&[]);
    create(&s, "demo", &[]);
    let kubeconfig = s.path("kubeconfig");
    let out = s.aws_as(
        &Creds::root(),
        &["eks", "update-kubeconfig", "--name", "demo", "--kubeconfig", kubeconfig.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("Added new context arn:aws:eks:us-east-1:000000000000:cluster/demo to {}", kubeconfig.display())
    );
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    let d = s.aws_ok(&["eks", "describe-cluster", "--name", "demo"]);
    assert!(text.contains(&format!("server: {}", d["cluster"]["endpoint"].as_str().unwrap())), "{text}");
    assert!(text.contains(&format!(
        "certificate-authority-data: {}",
        d["cluster"]["certificateAuthority"]["data"].as_str().unwrap()
    )));
    assert!(text.contains("- get-token\n      - --cluster-name\n      - demo"), "{text}");
}

#[test]
fn eks_calls_are_authorized_by_iam_with_eks_error_codes() {
    let s = Server::start(&[]);
    create(&s, "demo", &[]);
    s.aws_ok(&["iam", "create-user", "--user-name", "alice"]);
    let creds = Creds::from_json(&s.aws_ok(&["iam", "create-access-key", "--user-name", "alice"]));
    assert_eq!(
        s.aws_err_as(&creds, &["eks", "describe-cluster", "--name", "demo"]),
        cli_error("AccessDeniedException", "DescribeCluster", "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-east-1:000000000000:cluster/demo because no identity-based policy allows the eks:DescribeCluster action")
    );
    assert_eq!(
        s.aws_err_as(&creds, &["eks", "list-clusters"]),
        cli_error("AccessDeniedException", "ListClusters", "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: eks:ListClusters on resource: arn:aws:eks:us-east-1:000000000000:cluster/* because no identity-based policy allows the eks:ListClusters action")
    );
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": "arn:aws:eks:*:000000000000:cluster/*"}]}).to_string();
    s.aws_ok(&["iam", "put-user-policy", "--user-name", "alice", "--policy-name", "eks", "--policy-document", &doc]);
    assert_eq!(s.aws_ok_as(&creds, &["eks", "describe-cluster", "--name", "demo"])["cluster"]["name"], "demo");
    // update-kubeconfig needs only eks:DescribeCluster.
    let kubeconfig = s.path("kc");
    let out =
        s.aws_as(&creds, &["eks", "update-kubeconfig", "--name", "demo", "--kubeconfig", kubeconfig.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // CreateCluster passes the cluster role: iam:PassRole is needed too.
    let create_only = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "eks:CreateCluster", "Resource": "*"}]}).to_string();
    s.aws_ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "alice",
        "--policy-name",
        "create",
        "--policy-document",
        &create_only,
    ]);
    assert_eq!(
        s.aws_err_as(&creds, &["eks", "create-cluster", "--name", "c2", "--role-arn", ROLE, "--resources-vpc-config", "subnetIds=s"]),
        cli_error("AccessDeniedException", "CreateCluster", &format!("User: arn:aws:iam::000000000000:user/alice is not authorized to perform: iam:PassRole on resource: {ROLE} because no identity-based policy allows the iam:PassRole action"))
    );
    let bogus = Creds { key: "AKIANOTAREALKEY00000".into(), secret: "x".repeat(40), token: None };
    assert_eq!(
        s.aws_err_as(&bogus, &["eks", "list-clusters"]),
        cli_error(
            "UnrecognizedClientException",
            "ListClusters",
            "The security token included in the request is invalid."
        )
    );
}

#[test]
fn clusters_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut s = Server::start_raw(&["--data-dir", data.to_str().unwrap()]);
    create(&s, "demo", &[]);
    let before = s.aws_ok(&["eks", "describe-cluster", "--name", "demo"]);
    s.stop();
    let s = Server::start_raw(&["--data-dir", data.to_str().unwrap()]);
    let after = s.aws_ok(&["eks", "describe-cluster", "--name", "demo"]);
    assert_eq!(
        before["cluster"]["certificateAuthority"], after["cluster"]["certificateAuthority"],
        "the CA is kept in the data dir"
    );
    assert_eq!(before["cluster"]["createdAt"], after["cluster"]["createdAt"]);
}

#[test]
fn boto3_parses_eks_answers() {
    let s = Server::start(&[]);
    let out = s.python(&Creds::root(), r#"
import boto3, datetime
eks = boto3.client('eks')
c = eks.create_cluster(name='demo', roleArn='arn:aws:iam::000000000000:role/eks', resourcesVpcConfig={'subnetIds': ['s1']}, accessConfig={'authenticationMode': 'API_AND_CONFIG_MAP'})['cluster']
assert isinstance(c['createdAt'], datetime.datetime), c['createdAt']
eks.get_waiter('cluster_active').wait(name='demo', WaiterConfig={'Delay': 1, 'MaxAttempts': 5})
d = eks.describe_cluster(name='demo')['cluster']
assert d['status'] == 'ACTIVE' and d['endpoint'].startswith('https://')
u = eks.update_cluster_config(name='demo', accessConfig={'authenticationMode': 'API'})['update']
assert isinstance(u['createdAt'], datetime.datetime)
try:
    eks.describe_cluster(name='nope')
except eks.exceptions.ResourceNotFoundException as e:
    assert e.response['Error']['Message'] == 'No cluster found for name: nope.'
print('ok')
"#);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok", "{}", String::from_utf8_lossy(&out.stderr));
}
