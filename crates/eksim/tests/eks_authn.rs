//! Who reaches an EKS cluster, through the real clients: `aws eks update-kubeconfig` writes
//! the kubeconfig, kubectl runs `aws eks get-token` with the credentials of the IAM identity
//! under test, and eksim maps that identity by the cluster's authentication mode
//! (authenticator.md §3–§6, eks-api.md §3–§5, kubectl-wire.md §6.1). Every case also pins
//! the authenticator's log lines (authenticator.md §5), compared in full but for the `time`
//! and `client` fields.

#![allow(clippy::unwrap_used)]

mod common;

use common::{cli_error, Creds, Server};
use serde_json::Value;
use std::cell::Cell;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const ACCT: &str = "000000000000";
const TRUST_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;
const NOT_MAPPED: &str = "identity is not mapped";

/// kubectl when a resource request gets the 401 (warm discovery cache; kubectl-wire.md §6.1 "U").
const UNAUTHORIZED: &str = "error: You must be logged in to the server (Unauthorized)\n";

/// kubectl when discovery gets the 401 (cold cache): five klog lines, then "P".
fn provide_credentials() -> String {
    let klog = "E memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list: the server \
                has asked for the client to provide credentials\"\n";
    format!(
        "{}error: You must be logged in to the server (the server has asked for the client to provide credentials)\n",
        klog.repeat(5)
    )
}

fn policy(name: &str) -> String {
    format!("arn:aws:eks::aws:cluster-access-policy/{name}")
}

/// An IAM identity under test and what the authenticator will log about it.
#[derive(Clone, Debug)]
struct Who {
    creds: Creds,
    /// GetCallerIdentity's ARN (`…:assumed-role/R/s` for a session).
    arn: String,
    /// The canonical ARN (a session's role, without its path).
    canonical: String,
    /// `AIDA…`, `AROA…`, or the account for root.
    id: String,
    /// The role session name (empty for users).
    session: String,
}

/// Which discovery cache kubectl gets: a fresh one, or the test's shared one. kubectl keys
/// its cache by server URL, so each cluster is warmed by [`Kube::warm`] before use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cache {
    Cold,
    Warm,
}

/// One test's world: a server and its admin, an IAM user with AdministratorAccess who
/// creates the clusters (so it is the CONFIG_MAP creator, or owns the bootstrap entry).
struct World {
    s: Server,
    admin: Who,
    log_seen: Cell<usize>,
    cold_caches: Cell<usize>,
}

impl World {
    fn new(extra: &[&str]) -> World {
        let s = Server::start(extra);
        let admin = user_in(&s, "admin");
        s.aws_ok(&[
            "iam",
            "attach-user-policy",
            "--user-name",
            "admin",
            "--policy-arn",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        ]);
        World { s, admin, log_seen: Cell::new(0), cold_caches: Cell::new(0) }
    }

    fn user(&self, name: &str) -> Who {
        user_in(&self.s, name)
    }

    /// Creates role `name` at `path`, assumable by the account's principals; returns its ARN and id.
    fn role(&self, name: &str, path: &str) -> (String, String) {
        let r = self.s.aws_ok(&[
            "iam",
            "create-role",
            "--role-name",
            name,
            "--path",
            path,
            "--assume-role-policy-document",
            TRUST_ACCOUNT,
        ]);
        (r["Role"]["Arn"].as_str().unwrap().to_owned(), r["Role"]["RoleId"].as_str().unwrap().to_owned())
    }

    /// A session of `role` named `session`, from `aws sts assume-role` as the admin.
    fn assume(&self, role: &(String, String), session: &str) -> Who {
        let out = self.s.aws_ok_as(
            &self.admin.creds,
            &["sts", "assume-role", "--role-arn", &role.0, "--role-session-name", session],
        );
        let name = role.0.rsplit('/').next().unwrap();
        Who {
            creds: Creds::from_json(&out),
            arn: format!("arn:aws:sts::{ACCT}:assumed-role/{name}/{session}"),
            canonical: format!("arn:aws:iam::{ACCT}:role/{name}"),
            id: role.1.clone(),
            session: session.to_owned(),
        }
    }

    /// Creates cluster `name` as the admin in `mode`, and writes its kubeconfig with
    /// `aws eks update-kubeconfig --kubeconfig`.
    fn cluster(&self, name: &str, mode: &str, extra: &[&str]) -> Kube<'_> {
        let access = format!("authenticationMode={mode}");
        let mut args = vec![
            "eks",
            "create-cluster",
            "--name",
            name,
            "--role-arn",
            "arn:aws:iam::000000000000:role/eks",
            "--resources-vpc-config",
            "subnetIds=subnet-1",
            "--access-config",
            &access,
        ];
        args.extend_from_slice(extra);
        self.s.aws_ok_as(&self.admin.creds, &args);
        let kubeconfig = self.s.path(&format!("kubeconfig-{name}"));
        let out = self.s.aws_as(
            &self.admin.creds,
            &["eks", "update-kubeconfig", "--name", name, "--kubeconfig", kubeconfig.to_str().unwrap()],
        );
        assert!(out.status.success(), "update-kubeconfig: {}", String::from_utf8_lossy(&out.stderr));
        Kube { w: self, name: name.to_owned(), kubeconfig }
    }

    /// The host:port of eksim's STS, as `stsendpoint` logs it (authenticator.md §6 #46).
    fn sts_host(&self) -> &str {
        self.s.aws_url.strip_prefix("http://").unwrap()
    }

    /// The authenticator lines logged since the last call, without `time` and `client`.
    fn log(&self) -> Vec<String> {
        let all = authenticator_lines(&self.s.stderr());
        let new = all[self.log_seen.get().min(all.len())..].to_vec();
        self.log_seen.set(all.len());
        new
    }

    /// `msg="STS response"`: the raw ARN, the session, the key that signed.
    fn sts(&self, w: &Who) -> String {
        format!(
            "level=info msg=\"STS response\" accesskeyid={} accountid={ACCT} arn={} method=POST path=/authenticate \
             session={} stsendpoint={} userid={}",
            w.creds.key,
            lf(&w.arn),
            lf(&w.session),
            lf(self.sts_host()),
            w.id
        )
    }

    /// `msg="access granted"`: the canonical ARN, the groups as returned (without
    /// `system:authenticated`), uid and username.
    fn granted(&self, w: &Who, username: &str, groups: &[&str]) -> String {
        format!(
            "level=info msg=\"access granted\" arn={} groups={} method=POST path=/authenticate stsendpoint={} \
             uid={} username={}",
            lf(&w.canonical),
            lf(&format!("[{}]", groups.join(" "))),
            lf(self.sts_host()),
            lf(&format!("aws-iam-authenticator:{ACCT}:{}", w.id)),
            lf(username)
        )
    }
}

/// A user with an access key.
fn user_in(s: &Server, name: &str) -> Who {
    let u = s.aws_ok(&["iam", "create-user", "--user-name", name]);
    let key = s.aws_ok(&["iam", "create-access-key", "--user-name", name]);
    let arn = u["User"]["Arn"].as_str().unwrap().to_owned();
    Who {
        creds: Creds::from_json(&key),
        canonical: arn.clone(),
        arn,
        id: u["User"]["UserId"].as_str().unwrap().to_owned(),
        session: String::new(),
    }
}

/// `msg="access denied"` after STS answered: the canonical ARN and the mapping error.
fn denied(w: &Who, error: &str) -> String {
    format!(
        "level=warning msg=\"access denied\" arn={} error={} method=POST path=/authenticate",
        lf(&w.canonical),
        lf(error)
    )
}

/// The DynamicFile mapper's comparison line: no request fields, both ARNs lowercased.
fn arn_comparison(w: &Who, entry_arn: &str) -> String {
    format!(
        "level=info msg={}",
        lf(&format!(
            "additional arn comparison for IAM arn. arn from STS response is {}, arn in mapper is {}",
            w.canonical.to_lowercase(),
            entry_arn.to_lowercase()
        ))
    )
}

/// A logfmt value as logrus writes it: bare when made of `[A-Za-z0-9-._/@^+]` (or empty),
/// quoted otherwise (the values here hold no `"` or `\`).
fn lf(v: &str) -> String {
    if v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._/@^+".contains(&b)) {
        v.to_owned()
    } else {
        format!("\"{v}\"")
    }
}

/// The logfmt part of the server's `eksim::authenticator` stderr lines, without the `time`
/// and `client` fields and the tracing `cluster` field.
fn authenticator_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.split_once(" eksim::authenticator: ").map(|(_, rest)| rest))
        .map(|rest| {
            let logfmt = rest.rsplit_once(" cluster=").map_or(rest, |(l, _)| l);
            logfmt
                .split(' ')
                .filter(|f| !f.starts_with("time=") && !f.starts_with("client="))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// kubectl's stderr with each klog prefix (`E1124 19:33:33.633058   25363 `) cut to `E `.
fn normalize_klog(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| {
            let b = l.as_bytes();
            let klog = b.len() > 5 && b[0] == b'E' && b[1..5].iter().all(u8::is_ascii_digit);
            match l.find(" memcache.go:") {
                Some(i) if klog => format!("E {}\n", &l[i + 1..]),
                _ => format!("{l}\n"),
            }
        })
        .collect()
}

/// A cluster and its kubeconfig.
struct Kube<'a> {
    w: &'a World,
    name: String,
    kubeconfig: PathBuf,
}

impl Kube<'_> {
    /// Runs `kubectl ARGS` with `who`'s AWS credentials in the environment, so the
    /// kubeconfig's `aws eks get-token` signs as `who`.
    fn kubectl(&self, who: &Who, cache: Cache, args: &[&str]) -> Output {
        self.kubectl_env(who, cache, &[], args)
    }

    fn kubectl_env(&self, who: &Who, cache: Cache, env: &[(&str, &str)], args: &[&str]) -> Output {
        let cache_dir = match cache {
            Cache::Warm => self.w.s.path("kube-cache-warm"),
            Cache::Cold => {
                let n = self.w.cold_caches.get() + 1;
                self.w.cold_caches.set(n);
                self.w.s.path(&format!("kube-cache-cold-{n}"))
            }
        };
        let home = self.w.s.home.path();
        let mut c = Command::new("kubectl");
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", home.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
            .env("AWS_ENDPOINT_URL", &self.w.s.aws_url)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_PAGER", "")
            .env("AWS_ACCESS_KEY_ID", &who.creds.key)
            .env("AWS_SECRET_ACCESS_KEY", &who.creds.secret);
        for var in ["PYENV_ROOT", "PYENV_VERSION", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                c.env(var, v);
            }
        }
        if let Some(t) = &who.creds.token {
            c.env("AWS_SESSION_TOKEN", t);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.arg("--kubeconfig").arg(&self.kubeconfig).arg("--cache-dir").arg(cache_dir).args(args);
        c.output().expect("kubectl runs")
    }

    /// `kubectl ARGS` as `who`, expected to succeed; returns stdout.
    fn ok(&self, who: &Who, args: &[&str]) -> String {
        let out = self.kubectl(who, Cache::Warm, args);
        assert!(
            out.status.success(),
            "kubectl {args:?} as {} failed ({:?}): {}",
            who.arn,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `kubectl ARGS` as `who`, expected to exit 1; returns stderr, klog prefixes normalized.
    fn fails(&self, who: &Who, cache: Cache, args: &[&str]) -> String {
        let out = self.kubectl(who, cache, args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "kubectl {args:?} as {} should exit 1; stdout: {}; stderr: {}",
            who.arn,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        normalize_klog(&String::from_utf8_lossy(&out.stderr))
    }

    /// Fills the shared discovery cache as the admin.
    fn warm(&self) {
        self.ok(&self.w.admin, &["get", "namespaces"]);
    }

    /// `kubectl auth whoami -o json` as `who`: the SelfSubjectReview's `userInfo`.
    fn whoami(&self, who: &Who) -> Value {
        let out = self.ok(who, &["auth", "whoami", "-o", "json"]);
        serde_json::from_str::<Value>(&out).unwrap()["status"]["userInfo"].clone()
    }

    /// Username and groups of `who`.
    fn user_of(&self, who: &Who) -> (String, Vec<String>) {
        let u = self.whoami(who);
        let groups = u["groups"].as_array().map(|g| g.iter().map(|x| x.as_str().unwrap().to_owned()).collect());
        (u["username"].as_str().unwrap().to_owned(), groups.unwrap_or_default())
    }

    /// Writes `kube-system/aws-auth` with `data` (YAML block values) through `kubectl apply`.
    fn apply_aws_auth(&self, data: &[(&str, &str)]) {
        let mut yaml = String::from(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n",
        );
        for (key, value) in data {
            yaml.push_str(&format!("  {key}: |\n"));
            for line in value.lines() {
                yaml.push_str(&format!("    {line}\n"));
            }
        }
        let file = self.w.s.path(&format!("aws-auth-{}.yaml", self.name));
        std::fs::write(&file, yaml).unwrap();
        let out = self.ok(&self.w.admin, &["apply", "-f", file.to_str().unwrap()]);
        assert!(out.starts_with("configmap/aws-auth "), "{out}");
    }

    fn entry(&self, principal: &str, extra: &[&str]) {
        let mut args = vec!["eks", "create-access-entry", "--cluster-name", &self.name, "--principal-arn", principal];
        args.extend_from_slice(extra);
        self.w.s.aws_ok(&args);
    }

    fn associate(&self, principal: &str, policy_name: &str, scope: &str) {
        self.w.s.aws_ok(&[
            "eks",
            "associate-access-policy",
            "--cluster-name",
            &self.name,
            "--principal-arn",
            principal,
            "--policy-arn",
            &policy(policy_name),
            "--access-scope",
            scope,
        ]);
    }
}

fn forbidden(who: &Who, verb: &str, resource: &str, group: &str, namespace: Option<&str>) -> String {
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_owned(),
    };
    format!(
        "{resource} is forbidden: User \"{}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}",
        who.arn
    )
}

#[test]
fn an_unmapped_user_gets_the_provide_credentials_text_cold_and_unauthorized_warm() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    let carol = w.user("carol");
    w.log();
    // Cold discovery cache: /api answers 401, five retries, then the "provide credentials" text.
    assert_eq!(k.fails(&carol, Cache::Cold, &["get", "nodes"]), provide_credentials());
    let lines = w.log();
    let pair = [w.sts(&carol), denied(&carol, NOT_MAPPED)];
    assert!(lines.len() >= 10 && lines.len().is_multiple_of(2), "{lines:#?}");
    for chunk in lines.chunks(2) {
        assert_eq!(chunk, pair, "{lines:#?}");
    }
    // Warm cache: the resource request itself gets the 401.
    k.warm();
    w.log();
    assert_eq!(k.fails(&carol, Cache::Warm, &["get", "nodes"]), UNAUTHORIZED);
    assert_eq!(w.log(), pair);
    // whoami needs no discovery, but with a cold cache it asks /version first: two 401s, one text.
    assert_eq!(k.fails(&carol, Cache::Cold, &["auth", "whoami"]), UNAUTHORIZED);
    assert_eq!(w.log(), [pair.clone(), pair].concat());
}

#[test]
fn an_entry_with_the_cluster_admin_policy_lists_nodes() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let alice = w.user("alice");
    k.entry(&alice.arn, &[]);
    // An entry alone authenticates; it authorizes nothing.
    w.log();
    assert_eq!(
        k.fails(&alice, Cache::Warm, &["get", "nodes"]),
        format!("Error from server (Forbidden): {}\n", forbidden(&alice, "list", "nodes", "", None))
    );
    assert_eq!(w.log(), [w.sts(&alice), arn_comparison(&alice, &alice.arn), w.granted(&alice, &alice.arn, &[])]);
    // The policy applies on the next request.
    k.associate(&alice.arn, "AmazonEKSClusterAdminPolicy", "type=cluster");
    let out = k.kubectl(&alice, Cache::Warm, &["get", "nodes"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "No resources found\n");
    assert_eq!(w.log(), [w.sts(&alice), arn_comparison(&alice, &alice.arn), w.granted(&alice, &alice.arn, &[])]);
}

#[test]
fn the_view_policy_reads_and_cannot_create_configmaps() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let viewer = w.user("viewer");
    k.entry(&viewer.arn, &[]);
    k.associate(&viewer.arn, "AmazonEKSViewPolicy", "type=cluster");
    assert_eq!(k.ok(&viewer, &["auth", "can-i", "list", "pods"]), "yes\n");
    let out = k.kubectl(&viewer, Cache::Warm, &["auth", "can-i", "create", "configmaps"]);
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).as_ref()), (Some(1), "no\n"));
    assert_eq!(
        k.fails(&viewer, Cache::Warm, &["create", "configmap", "app"]),
        format!(
            "error: failed to create configmap: {}\n",
            forbidden(&viewer, "create", "configmaps", "", Some("default"))
        )
    );
    w.log();
    assert_eq!(
        k.ok(&viewer, &["get", "configmaps", "-n", "kube-system", "-o", "name"]),
        "configmap/kube-root-ca.crt\n"
    );
    assert_eq!(w.log(), [w.sts(&viewer), arn_comparison(&viewer, &viewer.arn), w.granted(&viewer, &viewer.arn, &[])]);
}

#[test]
fn a_namespace_scoped_edit_policy_reaches_only_its_namespace() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    k.ok(&w.admin, &["create", "namespace", "dev"]);
    k.ok(&w.admin, &["create", "namespace", "prod"]);
    let editor = w.user("editor");
    k.entry(&editor.arn, &[]);
    k.associate(&editor.arn, "AmazonEKSEditPolicy", "type=namespace,namespaces=dev");
    assert_eq!(k.ok(&editor, &["create", "configmap", "app", "-n", "dev"]), "configmap/app created\n");
    assert_eq!(
        k.fails(&editor, Cache::Warm, &["create", "configmap", "app", "-n", "prod"]),
        format!(
            "error: failed to create configmap: {}\n",
            forbidden(&editor, "create", "configmaps", "", Some("prod"))
        )
    );
    assert_eq!(
        k.fails(&editor, Cache::Warm, &["get", "configmaps", "--all-namespaces"]),
        format!("Error from server (Forbidden): {}\n", forbidden(&editor, "list", "configmaps", "", None))
    );
}

#[test]
fn kubernetes_groups_get_what_a_role_binding_grants() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let dev = w.user("dev");
    k.entry(&dev.arn, &["--kubernetes-groups", "devs"]);
    // The creator (admin through its bootstrap entry) grants the group pod reading in default.
    k.ok(&w.admin, &["create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods"]);
    k.ok(&w.admin, &["create", "rolebinding", "devs-read", "--role=pod-reader", "--group=devs"]);
    w.log();
    let out = k.kubectl(&dev, Cache::Warm, &["get", "pods"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "No resources found in default namespace.\n");
    assert_eq!(w.log(), [w.sts(&dev), arn_comparison(&dev, &dev.arn), w.granted(&dev, &dev.arn, &["devs"])]);
    assert_eq!(
        k.fails(&dev, Cache::Warm, &["get", "pods", "-n", "kube-system"]),
        format!("Error from server (Forbidden): {}\n", forbidden(&dev, "list", "pods", "", Some("kube-system")))
    );
    assert_eq!(k.user_of(&dev), (dev.arn.clone(), vec!["devs".to_owned(), "system:authenticated".to_owned()]));
}

/// `kubectl auth whoami`'s table: tabwriter columns, three spaces of padding.
fn whoami_table(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0).max("ATTRIBUTE".len()) + 3;
    let mut out = format!("{:<width$}VALUE\n", "ATTRIBUTE");
    for (k, v) in rows {
        out.push_str(&format!("{k:<width$}{v}\n"));
    }
    out
}

#[test]
fn the_config_map_creator_is_kubernetes_admin_in_system_masters() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "CONFIG_MAP", &[]);
    k.warm();
    w.log();
    let a = &w.admin;
    assert_eq!(
        k.ok(a, &["auth", "whoami"]),
        whoami_table(&[
            ("Username", "kubernetes-admin".into()),
            ("UID", format!("aws-iam-authenticator:{ACCT}:{}", a.id)),
            ("Groups", "[system:masters system:authenticated]".into()),
            ("Extra: accessKeyId", format!("[{}]", a.creds.key)),
            ("Extra: arn", format!("[{}]", a.arn)),
            ("Extra: canonicalArn", format!("[{}]", a.arn)),
            ("Extra: principalId", format!("[{}]", a.id)),
            ("Extra: sessionName", "[]".into()),
            ("Extra: sigs.k8s.io/aws-iam-authenticator/principalId", format!("[{}]", a.id)),
        ])
    );
    // The hidden mapping: no access entry, so no ARN comparison line.
    assert_eq!(w.log(), [w.sts(a), w.granted(a, "kubernetes-admin", &["system:masters"])]);
    let out = k.kubectl(a, Cache::Warm, &["get", "nodes"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // CONFIG_MAP clusters have no access entries to list.
    assert_eq!(
        w.s.aws_err(&["eks", "list-access-entries", "--cluster-name", "demo"]),
        cli_error(
            "InvalidRequestException",
            "ListAccessEntries",
            "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this \
             operation."
        )
    );
}

#[test]
fn a_map_users_item_written_with_kubectl_applies_on_the_next_request() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "CONFIG_MAP", &[]);
    k.warm();
    let carol = w.user("carol");
    w.log();
    assert_eq!(k.fails(&carol, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    assert_eq!(w.log(), [w.sts(&carol), denied(&carol, NOT_MAPPED)]);
    k.apply_aws_auth(&[("mapUsers", &format!("- userarn: {}\n  username: carol\n  groups:\n  - devs\n", carol.arn))]);
    w.log();
    assert_eq!(k.user_of(&carol), ("carol".to_owned(), vec!["devs".to_owned(), "system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&carol), w.granted(&carol, "carol", &["devs"])]);
    // kubectl edit (a patch of the live object) changes the mapping for the next request.
    let editor = "sed -i 's/username: carol$/username: caroline/'";
    let out = k.kubectl_env(
        &w.admin,
        Cache::Warm,
        &[("KUBE_EDITOR", editor)],
        &["edit", "configmap", "aws-auth", "-n", "kube-system"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "configmap/aws-auth edited\n");
    w.log();
    assert_eq!(k.user_of(&carol).0, "caroline");
    assert_eq!(w.log(), [w.sts(&carol), w.granted(&carol, "caroline", &["devs"])]);
    // Deleting aws-auth drops every mapping; the creator stays.
    k.ok(&w.admin, &["delete", "configmap", "aws-auth", "-n", "kube-system"]);
    w.log();
    assert_eq!(k.fails(&carol, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    assert_eq!(w.log(), [w.sts(&carol), denied(&carol, NOT_MAPPED)]);
    assert_eq!(k.user_of(&w.admin).0, "kubernetes-admin");
}

#[test]
fn an_aws_auth_role_with_its_path_never_matches_and_without_it_does() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "CONFIG_MAP", &[]);
    k.warm();
    let role = w.role("Dev", "/team/dev/");
    assert_eq!(role.0, format!("arn:aws:iam::{ACCT}:role/team/dev/Dev"));
    let dev = w.assume(&role, "s1");
    let map_roles = |arn: &str| format!("- rolearn: {arn}\n  username: dev:{{{{SessionName}}}}\n  groups:\n  - devs\n");
    k.apply_aws_auth(&[("mapRoles", &map_roles(&role.0))]);
    w.log();
    assert_eq!(k.fails(&dev, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    // The canonical ARN of a session has no path, so the item never matches.
    assert_eq!(w.log(), [w.sts(&dev), denied(&dev, NOT_MAPPED)]);
    k.apply_aws_auth(&[("mapRoles", &map_roles(&format!("arn:aws:iam::{ACCT}:role/Dev")))]);
    w.log();
    assert_eq!(k.user_of(&dev), ("dev:s1".to_owned(), vec!["devs".to_owned(), "system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&dev), w.granted(&dev, "dev:s1", &["devs"])]);
}

#[test]
fn session_name_templates_expand_with_at_signs_replaced() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "CONFIG_MAP", &[]);
    k.warm();
    let role = w.role("Admin", "/");
    let bob = w.assume(&role, "bob@example.com");
    k.apply_aws_auth(&[(
        "mapRoles",
        &format!(
            "- rolearn: {}\n  username: admin:{{{{SessionName}}}}\n  groups:\n  - raw:{{{{SessionNameRaw}}}}\n  - \
             acct:{{{{AccountID}}}}\n",
            role.0
        ),
    )]);
    w.log();
    let u = k.whoami(&bob);
    assert_eq!(u["username"], "admin:bob-example.com");
    assert_eq!(u["groups"], serde_json::json!(["raw:bob@example.com", "acct:000000000000", "system:authenticated"]));
    assert_eq!(u["extra"]["sessionName"], serde_json::json!(["bob@example.com"]));
    assert_eq!(
        u["extra"]["arn"],
        serde_json::json!([format!("arn:aws:sts::{ACCT}:assumed-role/Admin/bob@example.com")])
    );
    assert_eq!(
        w.log(),
        [w.sts(&bob), w.granted(&bob, "admin:bob-example.com", &["raw:bob@example.com", "acct:000000000000"])]
    );
}

#[test]
fn sso_roles_match_aws_auth_without_their_path_and_access_entries_with_it() {
    let w = World::new(&[]);
    let role = w.role("AWSReservedSSO_Admin_0123456789abcdef", "/aws-reserved/sso.amazonaws.com/us-east-1/");
    let full = format!(
        "arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_Admin_0123456789abcdef"
    );
    let short = format!("arn:aws:iam::{ACCT}:role/AWSReservedSSO_Admin_0123456789abcdef");
    assert_eq!(role.0, full);
    let sso = w.assume(&role, "a@ex.com");

    // aws-auth: the full ARN never matches; the path-less one does.
    let cm = w.cluster("cm", "CONFIG_MAP", &[]);
    cm.warm();
    let item = |arn: &str| format!("- rolearn: {arn}\n  username: sso:{{{{SessionName}}}}\n");
    cm.apply_aws_auth(&[("mapRoles", &item(&full))]);
    w.log();
    assert_eq!(cm.fails(&sso, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    assert_eq!(w.log(), [w.sts(&sso), denied(&sso, NOT_MAPPED)]);
    cm.apply_aws_auth(&[("mapRoles", &item(&short))]);
    w.log();
    assert_eq!(cm.user_of(&sso).0, "sso:a-ex.com");
    assert_eq!(w.log(), [w.sts(&sso), w.granted(&sso, "sso:a-ex.com", &[])]);

    // Access entries: the full ARN is the principal; the path-less one is no IAM role.
    let api = w.cluster("api", "API", &[]);
    api.warm();
    assert_eq!(
        w.s.aws_err(&["eks", "create-access-entry", "--cluster-name", "api", "--principal-arn", &short]),
        cli_error(
            "InvalidParameterException",
            "CreateAccessEntry",
            "The specified principalArn is invalid: invalid principal."
        )
    );
    api.entry(&full, &[]);
    w.log();
    let username = format!("arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/a-ex.com");
    assert_eq!(api.user_of(&sso), (username.clone(), vec!["system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&sso), arn_comparison(&sso, &short), w.granted(&sso, &username, &[])]);
}

#[test]
fn a_malformed_aws_auth_maps_nobody_and_breaks_nothing() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "CONFIG_MAP", &[]);
    k.warm();
    let carol = w.user("carol");
    let role = w.role("Admin", "/");
    let bob = w.assume(&role, "bob");
    // Every key broken: a type error, items without their ARN, a bad account list.
    k.apply_aws_auth(&[
        ("mapUsers", "just a string\n"),
        ("mapRoles", "- username: admin\n  groups:\n  - system:masters\n"),
        ("mapAccounts", "- {a: b}\n"),
    ]);
    w.log();
    assert_eq!(k.fails(&carol, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    let lines = w.log();
    let denial = [w.sts(&carol), denied(&carol, NOT_MAPPED)];
    assert_eq!(lines.iter().filter(|l| !l.contains("pars")).collect::<Vec<_>>(), denial.iter().collect::<Vec<_>>());
    assert_eq!(k.fails(&bob, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    // The hidden creator mapping still answers, and so does the AWS endpoint.
    assert_eq!(k.user_of(&w.admin).0, "kubernetes-admin");
    w.s.aws_ok(&["sts", "get-caller-identity"]);

    // A YAML syntax error drops only its own key: mapUsers still maps carol (authenticator.md §6 #12).
    k.apply_aws_auth(&[
        ("mapRoles", &format!("- rolearn: [{}\n  username: admin\n", role.0)),
        ("mapUsers", &format!("- userarn: {}\n  username: carol\n", carol.arn)),
    ]);
    assert_eq!(k.user_of(&carol), ("carol".to_owned(), vec!["system:authenticated".to_owned()]));
    assert_eq!(k.fails(&bob, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
}

#[test]
fn malformed_aws_auth_logs_the_authenticators_three_parse_error_lines() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "CONFIG_MAP", &[]);
    k.warm();
    let carol = w.user("carol");
    k.apply_aws_auth(&[
        ("mapUsers", "just a string\n"),
        ("mapRoles", "- username: admin\n  groups:\n  - system:masters\n"),
        ("mapAccounts", "- {a: b}\n"),
    ]);
    let errors = "[json: cannot unmarshal string into Go value of type []config.UserMapping one of rolearn or SSO \
                  must be supplied yaml: unmarshal errors:\\n  line 1: cannot unmarshal !!map into string]";
    w.log();
    assert_eq!(k.fails(&carol, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    // pkg/mapper/configmap: Warnf in ParseMap, then Errorf and Error(err) in the watch loop.
    let parse_errors = [
        format!("level=warning msg=\"Errors parsing configmap: {errors}\""),
        format!(
            "level=error msg=\"There was an error parsing the config maps.  Only saving data that was good, error \
             parsing config map: {errors}\""
        ),
        format!("level=error msg=\"error parsing config map: {errors}\""),
    ];
    let lines = w.log();
    for expected in &parse_errors {
        assert!(lines.contains(expected), "{expected}\nnot in {lines:#?}");
    }
}

#[test]
fn api_and_config_map_tries_access_entries_before_aws_auth() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API_AND_CONFIG_MAP", &[]);
    k.warm();
    let role = w.role("Admin", "/");
    let bob = w.assume(&role, "bob");
    let carol = w.user("carol");
    k.entry(&role.0, &["--username", "ops:{{SessionName}}", "--kubernetes-groups", "ops"]);
    k.apply_aws_auth(&[
        ("mapRoles", &format!("- rolearn: {}\n  username: admin\n  groups:\n  - system:masters\n", role.0)),
        ("mapUsers", &format!("- userarn: {}\n  username: carol\n  groups:\n  - devs\n", carol.arn)),
    ]);
    w.log();
    // Both sources map Admin: the entry wins (authenticator.md §6 #25).
    assert_eq!(k.user_of(&bob), ("ops:bob".to_owned(), vec!["ops".to_owned(), "system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&bob), arn_comparison(&bob, &role.0), w.granted(&bob, "ops:bob", &["ops"])]);
    // Only aws-auth maps carol (#26): DynamicFile finds no entry for her id and says nothing.
    assert_eq!(k.user_of(&carol), ("carol".to_owned(), vec!["devs".to_owned(), "system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&carol), w.granted(&carol, "carol", &["devs"])]);
    // Without the entry, aws-auth maps Admin.
    w.s.aws_ok(&["eks", "delete-access-entry", "--cluster-name", "demo", "--principal-arn", &role.0]);
    w.log();
    assert_eq!(
        k.user_of(&bob),
        ("admin".to_owned(), vec!["system:masters".to_owned(), "system:authenticated".to_owned()])
    );
    assert_eq!(w.log(), [w.sts(&bob), w.granted(&bob, "admin", &["system:masters"])]);
}

#[test]
fn a_renamed_user_fails_its_entrys_arn_check_and_falls_back_to_aws_auth() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API_AND_CONFIG_MAP", &[]);
    k.warm();
    let alice = w.user("alice");
    k.entry(&alice.arn, &[]);
    w.s.aws_ok(&["iam", "update-user", "--user-name", "alice", "--new-user-name", "ally"]);
    // Same unique id and key, new ARN (authenticator.md §6 #23).
    let ally = Who {
        arn: format!("arn:aws:iam::{ACCT}:user/ally"),
        canonical: format!("arn:aws:iam::{ACCT}:user/ally"),
        ..alice.clone()
    };
    w.log();
    assert_eq!(k.fails(&ally, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    assert_eq!(
        w.log(),
        [
            w.sts(&ally),
            arn_comparison(&ally, &alice.arn),
            denied(&ally, "mapper DynamicFile Map error: ARN does not match User ID"),
        ]
    );
    // With both sources, aws-auth still maps the new ARN; the recorded mismatch is dropped (#24).
    k.apply_aws_auth(&[("mapUsers", &format!("- userarn: {}\n  username: ally\n", ally.arn))]);
    w.log();
    assert_eq!(k.user_of(&ally), ("ally".to_owned(), vec!["system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&ally), arn_comparison(&ally, &alice.arn), w.granted(&ally, "ally", &[])]);
}

#[test]
fn a_node_entry_fails_to_render_without_an_instance_id() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let role = w.role("Node", "/");
    k.entry(&role.0, &["--type", "EC2_LINUX"]);
    let node = w.assume(&role, "s1");
    w.log();
    assert_eq!(k.fails(&node, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    // authenticator.md §6 #29: a render error is fatal, logged with the template quoted.
    assert_eq!(
        w.log(),
        [
            w.sts(&node),
            arn_comparison(&node, &role.0),
            "level=warning msg=\"access denied\" arn=\"arn:aws:iam::000000000000:role/Node\" error=\"mapper \
             DynamicFile renderTemplates error: error rendering username template \\\"system:node:{{EC2PrivateDNSName}}\\\": \
             SessionName did not contain an instance id\" method=POST path=/authenticate"
                .to_owned(),
        ]
    );
}

#[test]
fn map_accounts_maps_every_identity_of_the_account_to_its_arn() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "CONFIG_MAP", &[]);
    k.warm();
    let carol = w.user("carol");
    let role = w.role("Dev", "/team/dev/");
    let dev = w.assume(&role, "s1");
    k.apply_aws_auth(&[("mapAccounts", "- \"000000000000\"\n")]);
    w.log();
    // authenticator.md §6 #10, #11: the canonical ARN, no groups.
    assert_eq!(k.user_of(&carol), (carol.arn.clone(), vec!["system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&carol), w.granted(&carol, &carol.arn, &[])]);
    assert_eq!(k.user_of(&dev), (dev.canonical.clone(), vec!["system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(&dev), w.granted(&dev, &dev.canonical, &[])]);
    // aws-auth comes before the hidden creator mapping (inferred, authenticator.md §3.2): the
    // creator's account is listed, so the creator is its ARN now, not kubernetes-admin.
    assert_eq!(k.user_of(&w.admin), (w.admin.arn.clone(), vec!["system:authenticated".to_owned()]));
}

#[test]
fn an_api_cluster_never_reads_aws_auth() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let carol = w.user("carol");
    k.apply_aws_auth(&[
        ("mapUsers", &format!("- userarn: {}\n  username: carol\n", carol.arn)),
        ("mapRoles", "- username: broken\n"),
        ("mapAccounts", "- \"000000000000\"\n"),
    ]);
    w.log();
    assert_eq!(k.fails(&carol, Cache::Warm, &["auth", "whoami"]), UNAUTHORIZED);
    assert_eq!(w.log(), [w.sts(&carol), denied(&carol, NOT_MAPPED)]);
}

#[test]
fn a_deleted_and_recreated_user_is_refused_by_its_old_entry() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let dave = w.user("dave");
    k.entry(&dave.arn, &[]);
    k.associate(&dave.arn, "AmazonEKSClusterAdminPolicy", "type=cluster");
    assert_eq!(k.user_of(&dave).0, dave.arn);
    w.s.aws_ok(&["iam", "delete-access-key", "--user-name", "dave", "--access-key-id", &dave.creds.key]);
    w.s.aws_ok(&["iam", "delete-user", "--user-name", "dave"]);
    let again = w.user("dave");
    assert_eq!(again.arn, dave.arn);
    assert_ne!(again.id, dave.id);
    w.log();
    assert_eq!(k.fails(&again, Cache::Warm, &["get", "nodes"]), UNAUTHORIZED);
    // Looked up by unique id: no entry, so no ARN comparison either.
    assert_eq!(w.log(), [w.sts(&again), denied(&again, NOT_MAPPED)]);
}

#[test]
fn the_creator_reaches_an_api_cluster_only_through_its_bootstrap_entry() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let a = &w.admin;
    w.log();
    // Not kubernetes-admin: the entry's default username, no groups, admin from the policy.
    assert_eq!(k.user_of(a), (a.arn.clone(), vec!["system:authenticated".to_owned()]));
    assert_eq!(w.log(), [w.sts(a), arn_comparison(a, &a.arn), w.granted(a, &a.arn, &[])]);
    w.s.aws_ok(&["eks", "delete-access-entry", "--cluster-name", "demo", "--principal-arn", &a.arn]);
    assert_eq!(k.fails(a, Cache::Warm, &["get", "nodes"]), UNAUTHORIZED);
    assert_eq!(w.log(), [w.sts(a), denied(a, NOT_MAPPED)]);

    // Without the bootstrap entry nobody gets in (authenticator.md §6 #28).
    let bare = w.cluster(
        "bare",
        "API",
        &["--access-config", "authenticationMode=API,bootstrapClusterCreatorAdminPermissions=false"],
    );
    assert_eq!(
        w.s.aws_ok(&["eks", "list-access-entries", "--cluster-name", "bare"])["accessEntries"],
        serde_json::json!([])
    );
    assert_eq!(bare.fails(a, Cache::Cold, &["auth", "whoami"]), UNAUTHORIZED);
    // A cold cache: /version, then the review, each refused.
    let pair = [w.sts(a), denied(a, NOT_MAPPED)];
    assert_eq!(w.log(), [pair.clone(), pair].concat());
}

#[test]
fn whoami_yaml_shows_the_authenticators_extra_fields() {
    let w = World::new(&[]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let role = w.role("Admin", "/");
    k.entry(&role.0, &[]);
    let bob = w.assume(&role, "bob");
    let expected = format!(
        "apiVersion: authentication.k8s.io/v1
kind: SelfSubjectReview
metadata:
  creationTimestamp: null
status:
  userInfo:
    extra:
      accessKeyId:
      - {key}
      arn:
      - arn:aws:sts::{ACCT}:assumed-role/Admin/bob
      canonicalArn:
      - arn:aws:iam::{ACCT}:role/Admin
      principalId:
      - {id}
      sessionName:
      - bob
      sigs.k8s.io/aws-iam-authenticator/principalId:
      - {id}
    groups:
    - system:authenticated
    uid: aws-iam-authenticator:{ACCT}:{id}
    username: arn:aws:sts::{ACCT}:assumed-role/Admin/bob
",
        key = bob.creds.key,
        id = bob.id
    );
    w.log();
    assert_eq!(k.ok(&bob, &["auth", "whoami", "-o", "yaml"]), expected);
    let username = format!("arn:aws:sts::{ACCT}:assumed-role/Admin/bob");
    assert_eq!(w.log(), [w.sts(&bob), arn_comparison(&bob, &role.0), w.granted(&bob, &username, &[])]);
}

#[test]
fn a_new_entry_takes_the_propagation_delay_to_work() {
    let w = World::new(&["--propagation-delay", "2s"]);
    let k = w.cluster("demo", "API", &[]);
    k.warm();
    let alice = w.user("alice");
    // The token is minted first, so the request right after the create is as early as can be.
    let token = w.s.aws_ok_as(&alice.creds, &["eks", "get-token", "--cluster-name", "demo"])["status"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    k.entry(&alice.arn, &[]);
    let created = Instant::now();
    w.log();
    assert_eq!(k.fails(&alice, Cache::Warm, &["--token", &token, "auth", "whoami"]), UNAUTHORIZED);
    assert!(created.elapsed() < Duration::from_secs(2), "too slow to observe the delay: {:?}", created.elapsed());
    assert_eq!(w.log(), [w.sts(&alice), denied(&alice, NOT_MAPPED)]);
    std::thread::sleep(Duration::from_millis(2200).saturating_sub(created.elapsed()));
    assert_eq!(k.user_of(&alice).0, alice.arn);
    assert_eq!(w.log(), [w.sts(&alice), arn_comparison(&alice, &alice.arn), w.granted(&alice, &alice.arn, &[])]);
}

#[test]
fn an_older_authenticator_version_uses_its_wording() {
    // AWS's older troubleshooting articles show `ARN is not mapped` (authenticator ≤ v0.6.13).
    let w = World::new(&["--authenticator-version", "0.6.13"]);
    let k = w.cluster("demo", "API", &[]);
    let carol = w.user("carol");
    k.warm();
    w.log();
    assert_eq!(k.fails(&carol, Cache::Warm, &["get", "nodes"]), UNAUTHORIZED);
    let lines = w.log();
    assert!(
        lines.iter().any(|l| l.contains("msg=\"access denied\"") && l.contains("error=\"ARN is not mapped\"")),
        "{lines:#?}"
    );
}
