//! The `eksim serve` contract: durable data dir, SIGTERM, seed files, request logs.

mod common;

use common::{cli_error, Creds, Server};

#[test]
fn state_survives_a_restart_with_the_same_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let mut s = Server::start_raw(&["--data-dir", data]);
    let user = s.aws_ok(&["iam", "create-user", "--user-name", "alice"]);
    let key = Creds::from_json(&s.aws_ok(&["iam", "create-access-key", "--user-name", "alice"]));
    let session = Creds::from_json(&s.aws_ok_as(&key, &["sts", "get-session-token"]));
    assert_eq!(s.stop(), Some(0), "SIGTERM shuts down cleanly");

    let s = Server::start_raw(&["--data-dir", data]);
    let again = s.aws_ok(&["iam", "get-user", "--user-name", "alice"]);
    assert_eq!(again["User"]["UserId"], user["User"]["UserId"]);
    let id = s.aws_ok_as(&key, &["sts", "get-caller-identity"]);
    assert_eq!(id["Arn"], "arn:aws:iam::000000000000:user/alice");
    // Sessions are sealed with the install key kept in the data dir.
    let id = s.aws_ok_as(&session, &["sts", "get-caller-identity"]);
    assert_eq!(id["Arn"], "arn:aws:iam::000000000000:user/alice");
}

#[test]
fn in_memory_state_is_gone_after_a_restart() {
    let mut s = Server::start(&[]);
    s.aws_ok(&["iam", "create-user", "--user-name", "alice"]);
    s.stop();
    let s = Server::start(&[]);
    assert_eq!(
        s.aws_err(&["iam", "get-user", "--user-name", "alice"]),
        cli_error("NoSuchEntity", "GetUser", "The user with name alice cannot be found.")
    );
}

const SEED: &str = r#"
accounts:
  - id: "111122223333"
    root:
      access_key_id: AKIAROOT111122223333
      secret_access_key: root-secret-0000000000000000000000000000
    policies:
      - name: eks-describe
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: eks:DescribeCluster
              Resource: "*"
    users:
      - name: alice
        path: /dev/
        id: AIDAALICEEXAMPLE00001
        managed_policies: [arn:aws:iam::111122223333:policy/eks-describe]
        access_keys:
          - access_key_id: AKIAALICE00000000001
            secret_access_key: alice-secret-000000000000000000000000000
    roles:
      - name: eks-admin
        id: AROAEKSADMINEXAMPLE01
        assume_role_policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}'
"#;

#[test]
fn a_seed_file_declares_accounts_users_and_keys_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, SEED).unwrap();
    let data = dir.path().join("data");
    let args = ["--data-dir", data.to_str().unwrap(), "--seed", seed.to_str().unwrap()];
    let alice = Creds {
        key: "AKIAALICE00000000001".into(),
        secret: "alice-secret-000000000000000000000000000".into(),
        token: None,
    };
    let root = Creds {
        key: "AKIAROOT111122223333".into(),
        secret: "root-secret-0000000000000000000000000000".into(),
        token: None,
    };
    for _ in 0..2 {
        let mut s = Server::start_raw(&args);
        let id = s.aws_ok_as(&alice, &["sts", "get-caller-identity"]);
        assert_eq!(id["UserId"], "AIDAALICEEXAMPLE00001");
        assert_eq!(id["Arn"], "arn:aws:iam::111122223333:user/dev/alice");
        let attached = s.aws_ok_as(&root, &["iam", "list-attached-user-policies", "--user-name", "alice"]);
        assert_eq!(attached["AttachedPolicies"].as_array().unwrap().len(), 1);
        let role = s.aws_ok_as(&root, &["iam", "get-role", "--role-name", "eks-admin"]);
        assert_eq!(role["Role"]["RoleId"], "AROAEKSADMINEXAMPLE01");
        let keys = s.aws_ok_as(&root, &["iam", "list-access-keys", "--user-name", "alice"]);
        assert_eq!(keys["AccessKeyMetadata"].as_array().unwrap().len(), 1);
        // The default account is still there beside the seeded one.
        s.aws_ok(&["sts", "get-caller-identity"]);
        assert_eq!(s.stop(), Some(0));
    }
}

#[test]
fn a_broken_seed_file_stops_startup_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, "accounts:\n  - id: \"12\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eksim"))
        .args([
            "serve",
            "--in-memory",
            "--aws-addr",
            "127.0.0.1:0",
            "--kube-addr",
            "127.0.0.1:0",
            "--seed",
            seed.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("account id must be exactly 12 digits"), "{err}");
}

#[test]
fn json_logs_have_one_line_per_request() {
    let mut s = Server::start(&["--log-format", "json"]);
    s.aws_ok(&["sts", "get-caller-identity"]);
    s.stop();
    let line = s
        .stderr()
        .lines()
        .find(|l| l.contains("GetCallerIdentity"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no request line in {}", s.stderr()));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], "/");
    assert_eq!(v["status"], 200);
    assert_eq!(v["principal"], "arn:aws:iam::000000000000:root");
    assert!(v["latency_us"].is_u64());
}

#[test]
fn flags_come_from_the_environment_too() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eksim")).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--data-dir",
        "--in-memory",
        "--aws-addr",
        "--kube-addr",
        "--account-id",
        "--region",
        "--root-access-key-id",
        "--root-secret-access-key",
        "--seed",
        "--log-format",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(help.contains("EKSIM_ACCOUNT_ID"));
}
