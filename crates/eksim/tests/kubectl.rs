//! The real kubectl 1.32 against an eksim cluster, end to end: `aws eks create-cluster`, then
//! `aws eks update-kubeconfig --kubeconfig PATH`, then kubectl with its `aws eks get-token` exec
//! plugin. The root user created the CONFIG_MAP cluster, so it is `kubernetes-admin` in
//! `system:masters`. Texts are kubectl-wire.md's (§4 sequences, §6 errors); AGE cells vary and are
//! checked by shape only. kubectl's discovery cache lives under HOME, so each test pins it: the
//! server's HOME is warmed by the creator's first call, a fresh directory is cold.

mod common;

use base64::Engine;
use common::{Creds, Server};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A server with cluster `demo` (created by root) and a kubeconfig for it.
fn cluster() -> (Server, PathBuf) {
    let s = Server::start(&[]);
    create_cluster(&s, "demo");
    let kc = s.kubeconfig("demo");
    (s, kc)
}

fn create_cluster(s: &Server, name: &str) {
    s.aws_ok(&[
        "eks",
        "create-cluster",
        "--name",
        name,
        "--role-arn",
        "arn:aws:iam::000000000000:role/eks",
        "--resources-vpc-config",
        "subnetIds=subnet-1",
    ]);
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Expects exit 0 and an empty stderr; returns stdout.
#[track_caller]
fn ok(out: Output) -> String {
    assert!(out.status.success(), "kubectl failed ({:?}): {}{}", out.status.code(), stdout(&out), stderr(&out));
    assert_eq!(stderr(&out), "", "unexpected stderr; stdout: {}", stdout(&out));
    stdout(&out)
}

/// Expects exit 1 and an empty stdout; returns stderr.
#[track_caller]
fn fails(out: Output) -> String {
    assert_eq!(out.status.code(), Some(1), "kubectl should fail; stdout: {} stderr: {}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "", "unexpected stdout; stderr: {}", stderr(&out));
    stderr(&out)
}

/// The server never panicked (its catch-panic path logs "panicked").
#[track_caller]
fn no_panics(s: &Server) {
    let log = s.stderr();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
}

/// A server-computed AGE cell (`0s`, `12s`, `2m3s`, …).
fn is_age(cell: &str) -> bool {
    !cell.is_empty()
        && cell.chars().next().is_some_and(|c| c.is_ascii_digit())
        && cell.chars().all(|c| c.is_ascii_digit() || "smhdy".contains(c))
}

/// Splits a printed table row `prefix` + AGE: the row must be `prefix` followed by an age.
#[track_caller]
fn assert_row(line: &str, prefix: &str) {
    let age = line.strip_prefix(prefix).unwrap_or_else(|| panic!("row {line:?} does not start with {prefix:?}"));
    assert!(is_age(age.trim_end()), "row {line:?}: {age:?} is not an AGE");
}

/// The klog lines kubectl prints for a refused `/api` with a cold discovery cache (kubectl-wire.md §6.1).
#[track_caller]
fn assert_cold_cache_401(err: &str) {
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 6, "{err}");
    for line in &lines[..5] {
        assert!(line.starts_with('E'), "{line}");
        let (_, msg) = line.split_once(" memcache.go:265] ").unwrap_or_else(|| panic!("not a klog line: {line}"));
        assert_eq!(
            msg,
            r#""Unhandled Error" err="couldn't get current server API group list: the server has asked for the client to provide credentials""#
        );
    }
    assert_eq!(
        lines[5],
        "error: You must be logged in to the server (the server has asked for the client to provide credentials)"
    );
}

const UNAUTHORIZED: &str = "error: You must be logged in to the server (Unauthorized)\n";

fn write(s: &Server, name: &str, text: &str) -> PathBuf {
    let p = s.path(name);
    std::fs::write(&p, text).expect("the test HOME is writable");
    p
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[test]
fn get_svc_prints_the_kubernetes_service_row() {
    let (s, kc) = cluster();
    let out = ok(s.kubectl(&kc, &["get", "svc"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE");
    assert_row(lines[1], "kubernetes   ClusterIP   10.100.0.1   <none>        443/TCP   ");
    let version = ok(s.kubectl(&kc, &["version"]));
    assert!(version.ends_with("\nServer Version: v1.32.5-eks-5d4a308\n"), "{version}");
    let wide = ok(s.kubectl(&kc, &["get", "svc", "-o", "wide"]));
    let lines: Vec<&str> = wide.lines().collect();
    assert_eq!(lines[0], "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE   SELECTOR");
    assert!(lines[1].starts_with("kubernetes   ClusterIP   10.100.0.1   <none>        443/TCP   "), "{wide}");
    assert!(lines[1].ends_with("   <none>"), "{wide}");
    no_panics(&s);
}

#[test]
fn get_nodes_says_no_resources_found() {
    let (s, kc) = cluster();
    let out = s.kubectl(&kc, &["get", "nodes"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "No resources found\n");
    let out = s.kubectl(&kc, &["get", "pods"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "No resources found in default namespace.\n");
    no_panics(&s);
}

#[test]
fn get_ns_lists_the_eks_namespaces() {
    let (s, kc) = cluster();
    let out = ok(s.kubectl(&kc, &["get", "ns"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "NAME              STATUS   AGE");
    assert_eq!(lines.len(), 5, "{out}");
    for (line, name) in lines[1..].iter().zip(["default", "kube-node-lease", "kube-public", "kube-system"]) {
        assert_row(line, &format!("{name:<16}  Active   "));
    }
    no_panics(&s);
}

#[test]
fn configmap_create_get_describe_delete() {
    let (s, kc) = cluster();
    assert_eq!(ok(s.kubectl(&kc, &["create", "configmap", "x", "--from-literal=a=b"])), "configmap/x created\n");
    assert_eq!(
        fails(s.kubectl(&kc, &["create", "configmap", "x", "--from-literal=a=b"])),
        "error: failed to create configmap: configmaps \"x\" already exists\n"
    );
    let out = ok(s.kubectl(&kc, &["get", "cm", "x"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], "NAME   DATA   AGE");
    assert_row(lines[1], "x      1      ");
    assert_eq!(
        ok(s.kubectl(&kc, &["describe", "configmap", "x"])),
        "Name:         x\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\na:\n----\nb\n\n\
         \nBinaryData\n====\n\nEvents:  <none>\n"
    );
    assert_eq!(ok(s.kubectl(&kc, &["get", "cm", "x", "-o", "jsonpath={.data.a}"])), "b");
    assert_eq!(
        ok(s.kubectl(&kc, &["delete", "configmap", "x", "--dry-run=server"])),
        "configmap \"x\" deleted (server dry run)\n"
    );
    assert_eq!(ok(s.kubectl(&kc, &["get", "cm", "x", "-o", "name"])), "configmap/x\n");
    assert_eq!(ok(s.kubectl(&kc, &["delete", "configmap", "x"])), "configmap \"x\" deleted\n");
    let not_found = "Error from server (NotFound): configmaps \"x\" not found\n";
    assert_eq!(fails(s.kubectl(&kc, &["get", "cm", "x"])), not_found);
    assert_eq!(fails(s.kubectl(&kc, &["describe", "cm", "x"])), not_found);
    assert_eq!(fails(s.kubectl(&kc, &["delete", "cm", "x"])), not_found);
    assert_eq!(ok(s.kubectl(&kc, &["delete", "cm", "x", "--ignore-not-found"])), "");
    no_panics(&s);
}

#[test]
fn typed_create_commands_send_protobuf_the_server_decodes() {
    let (s, kc) = cluster();
    let cases: [(&[&str], &str); 12] = [
        (&["create", "secret", "generic", "s1", "--from-literal=a=b"], "secret/s1"),
        (&["create", "serviceaccount", "bot"], "serviceaccount/bot"),
        (
            &["create", "clusterrole", "pod-reader", "--verb=get,list", "--resource=pods"],
            "clusterrole.rbac.authorization.k8s.io/pod-reader",
        ),
        (
            &["create", "clusterrolebinding", "bot-pods", "--clusterrole=pod-reader", "--serviceaccount=default:bot"],
            "clusterrolebinding.rbac.authorization.k8s.io/bot-pods",
        ),
        (&["create", "deployment", "web", "--image=nginx", "--port=80", "--replicas=2"], "deployment.apps/web"),
        (&["create", "service", "clusterip", "web", "--tcp=80:8080"], "service/web"),
        (&["create", "job", "once", "--image=busybox", "--", "date"], "job.batch/once"),
        (&["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *"], "cronjob.batch/tick"),
        (&["create", "job", "tick-now", "--from=cronjob/tick"], "job.batch/tick-now"),
        (&["create", "quota", "pods", "--hard=pods=10"], "resourcequota/pods"),
        (&["create", "priorityclass", "high", "--value=1000"], "priorityclass.scheduling.k8s.io/high"),
        (
            &["create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1"],
            "poddisruptionbudget.policy/web",
        ),
    ];
    for (args, created) in cases {
        assert_eq!(ok(s.kubectl(&kc, args)), format!("{created} created\n"), "{args:?}");
    }
    let d: Value = serde_json::from_str(&ok(s.kubectl(&kc, &["get", "deploy", "web", "-o", "json"]))).unwrap();
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], "web");
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        (&c["name"], &c["image"], &c["ports"][0]["containerPort"]),
        (&"nginx".into(), &"nginx".into(), &80.into())
    );
    // The server defaults what the generators leave out (apps/v1 and core/v1 `SetDefaults_*`).
    assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(c["imagePullPolicy"], "Always");
    assert_eq!(c["ports"][0]["protocol"], "TCP");
    let out = ok(s.kubectl(&kc, &["describe", "deploy", "web"]));
    assert!(out.contains("\nStrategyType:           RollingUpdate\n"), "{out}");
    assert!(out.contains("\nRollingUpdateStrategy:  25% max unavailable, 25% max surge\n"), "{out}");
    assert!(out.contains("\n    Port:          80/TCP\n"), "{out}");
    let out = ok(s.kubectl(&kc, &["get", "svc", "web"]));
    assert_row(out.lines().nth(1).unwrap(), "web    ClusterIP   10.100.0.2   <none>        80/TCP    ");
    let cr: Value =
        serde_json::from_str(&ok(s.kubectl(&kc, &["get", "clusterrole", "pod-reader", "-o", "json"]))).unwrap();
    assert_eq!(cr["rules"], serde_json::json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]));
    let job: Value = serde_json::from_str(&ok(s.kubectl(&kc, &["get", "job", "tick-now", "-o", "json"]))).unwrap();
    assert_eq!(job["spec"]["template"]["spec"]["containers"][0]["image"], "busybox");
    assert_eq!(
        ok(s.kubectl(&kc, &["--as=system:serviceaccount:default:bot", "auth", "can-i", "list", "pods"])),
        "yes\n"
    );
    no_panics(&s);
}

const DEMO: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  k1: v1\n";

#[test]
fn apply_creates_configures_and_leaves_unchanged() {
    let (s, kc) = cluster();
    let f = write(&s, "demo.yaml", DEMO);
    assert_eq!(ok(s.kubectl(&kc, &["apply", "-f", arg(&f)])), "configmap/demo created\n");
    assert_eq!(ok(s.kubectl(&kc, &["apply", "-f", arg(&f)])), "configmap/demo unchanged\n");
    std::fs::write(&f, DEMO.replace("k1: v1", "k1: v1changed\n  k2: v2")).unwrap();
    assert_eq!(ok(s.kubectl(&kc, &["apply", "-f", arg(&f)])), "configmap/demo configured\n");
    let cm: Value = serde_json::from_str(&ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "json"]))).unwrap();
    assert_eq!(cm["data"], serde_json::json!({"k1": "v1changed", "k2": "v2"}));
    assert_eq!(
        cm["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
        "{\"apiVersion\":\"v1\",\"data\":{\"k1\":\"v1changed\",\"k2\":\"v2\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"demo\",\"namespace\":\"default\"}}\n"
    );
    no_panics(&s);
}

#[test]
fn server_side_apply_applies_and_reports_conflicts() {
    let (s, kc) = cluster();
    let f = write(&s, "ssa.yaml", &DEMO.replace("name: demo", "name: ssa-demo"));
    let ssa = ["apply", "--server-side", "-f", arg(&f)];
    assert_eq!(ok(s.kubectl(&kc, &ssa)), "configmap/ssa-demo serverside-applied\n");
    assert_eq!(ok(s.kubectl(&kc, &ssa)), "configmap/ssa-demo serverside-applied\n");

    // A field set by client-side apply and changed by a server-side apply conflicts (kubectl-wire.md §6.2).
    let f = write(&s, "demo.yaml", DEMO);
    assert_eq!(ok(s.kubectl(&kc, &["apply", "-f", arg(&f)])), "configmap/demo created\n");
    std::fs::write(&f, DEMO.replace("k1: v1", "k1: v2")).unwrap();
    let err = fails(s.kubectl(&kc, &["apply", "--server-side", "-f", arg(&f)]));
    assert!(
        err.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.k1\n\
             Please review the fields above--they currently have other managers. Here\n"
        ),
        "{err}"
    );
    let out = ok(s.kubectl(&kc, &["apply", "--server-side", "--force-conflicts", "-f", arg(&f)]));
    assert_eq!(out, "configmap/demo serverside-applied\n");
    // The apiserver syncs the client-side annotation on kubectl's server-side apply.
    let cm: Value = serde_json::from_str(&ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "json"]))).unwrap();
    assert_eq!(cm["data"]["k1"], "v2");
    assert_eq!(
        cm["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
        "{\"apiVersion\":\"v1\",\"data\":{\"k1\":\"v2\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"demo\",\"namespace\":\"default\"}}\n"
    );
    no_panics(&s);
}

#[test]
fn edit_with_a_scripted_editor() {
    let (s, kc) = cluster();
    let f = write(&s, "demo.yaml", DEMO);
    ok(s.kubectl(&kc, &["apply", "-f", arg(&f)]));
    let editor = write(&s, "editor.sh", "#!/bin/sh\nsed -i 's/k1: v1/k1: edited/' \"$1\"\n");
    std::process::Command::new("chmod").args(["+x", arg(&editor)]).status().unwrap();
    let edit = |editor: &str| {
        s.kubectl_in(s.home.path(), &Creds::root(), &kc, &["edit", "cm", "demo"], &[("KUBE_EDITOR", editor)])
    };
    assert_eq!(ok(edit(arg(&editor))), "configmap/demo edited\n");
    assert_eq!(ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "jsonpath={.data.k1}"])), "edited");
    // An editor that changes nothing.
    let out = edit("true");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "Edit cancelled, no changes made.\n");
    no_panics(&s);
}

#[test]
fn auth_whoami_and_can_i_for_the_cluster_creator() {
    let (s, kc) = cluster();
    let out = ok(s.kubectl(&kc, &["auth", "whoami"]));
    let rows: Vec<Vec<&str>> =
        out.lines().map(|l| l.split("   ").map(str::trim).filter(|c| !c.is_empty()).collect()).collect();
    assert_eq!(rows[0], ["ATTRIBUTE", "VALUE"]);
    assert_eq!(rows[1], ["Username", "kubernetes-admin"]);
    assert_eq!(rows[2], ["UID", "aws-iam-authenticator:000000000000:000000000000"]);
    assert_eq!(rows[3], ["Groups", "[system:masters system:authenticated]"]);
    assert!(rows.contains(&vec!["Extra: arn", "[arn:aws:iam::000000000000:root]"]), "{out}");
    assert!(rows.contains(&vec!["Extra: accessKeyId", "[AKIAIOSFODNN7EXAMPLE]"]), "{out}");

    assert_eq!(ok(s.kubectl(&kc, &["auth", "can-i", "*", "*", "--all-namespaces"])), "yes\n");
    assert_eq!(ok(s.kubectl(&kc, &["auth", "can-i", "delete", "secrets", "-n", "kube-system"])), "yes\n");
    // Discovery says nodes are cluster-scoped, and kubectl warns about its default namespace.
    let out = s.kubectl(&kc, &["auth", "can-i", "delete", "nodes"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), "yes\n".to_owned()));
    assert_eq!(stderr(&out), "Warning: resource 'nodes' is not namespace scoped\n\n");

    let out = s.kubectl(&kc, &["auth", "can-i", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    // EKS's chain ends in a webhook authorizer, which cannot list rules.
    assert_eq!(
        stderr(&out),
        "Warning: the list may be incomplete: webhook authorizer does not support user rule resolution\n"
    );
    let list = stdout(&out);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines[0], "Resources                                       Non-Resource URLs   Resource Names   Verbs");
    assert_eq!(lines[1], "*.*                                             []                  []               [*]");
    assert_eq!(lines[2], "                                                [*]                 []               [*]");
    assert!(
        lines
            .contains(&"selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]"),
        "{list}"
    );
    assert!(
        lines.contains(&"                                                [/api]              []               [get]"),
        "{list}"
    );
    no_panics(&s);
}

#[test]
fn rbac_applies_to_impersonated_users_and_groups() {
    let (s, kc) = cluster();
    for ns in ["dev", "prod"] {
        assert_eq!(ok(s.kubectl(&kc, &["create", "namespace", ns])), format!("namespace/{ns} created\n"));
        ok(s.kubectl(&kc, &["create", "configmap", "app", "-n", ns, "--from-literal=k=v"]));
    }
    assert_eq!(
        ok(s.kubectl(&kc, &["create", "role", "cm-reader", "-n", "dev", "--verb=get,list", "--resource=configmaps"])),
        "role.rbac.authorization.k8s.io/cm-reader created\n"
    );
    assert_eq!(
        ok(s.kubectl(&kc, &["create", "rolebinding", "devs-cm", "-n", "dev", "--role=cm-reader", "--group=devs"])),
        "rolebinding.rbac.authorization.k8s.io/devs-cm created\n"
    );
    let role: Value =
        serde_json::from_str(&ok(s.kubectl(&kc, &["get", "role", "cm-reader", "-n", "dev", "-o", "json"]))).unwrap();
    assert_eq!(
        role["rules"],
        serde_json::json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}])
    );

    let jane = ["--as=jane", "--as-group=devs"];
    let with = |extra: &[&str]| -> Vec<String> { jane.iter().chain(extra).map(|a| (*a).to_owned()).collect() };
    let run = |args: Vec<String>| s.kubectl(&kc, &args.iter().map(String::as_str).collect::<Vec<_>>());

    let out = ok(run(with(&["get", "cm", "-n", "dev"])));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "NAME   DATA   AGE", "{out}");
    assert!(lines.iter().any(|l| l.starts_with("app    1      ")), "{out}");
    assert_eq!(
        fails(run(with(&["get", "cm", "-n", "prod"]))),
        "Error from server (Forbidden): configmaps is forbidden: User \"jane\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"prod\"\n"
    );
    assert_eq!(
        fails(run(with(&["delete", "cm", "app", "-n", "dev"]))),
        "Error from server (Forbidden): configmaps \"app\" is forbidden: User \"jane\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"dev\"\n"
    );
    // Without the group, jane has nothing.
    assert_eq!(
        fails(s.kubectl(&kc, &["--as=jane", "get", "cm", "-n", "dev"])),
        "Error from server (Forbidden): configmaps is forbidden: User \"jane\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"dev\"\n"
    );
    assert_eq!(ok(run(with(&["auth", "can-i", "list", "configmaps", "-n", "dev"]))), "yes\n");
    let out = run(with(&["auth", "can-i", "list", "configmaps", "-n", "prod"]));
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), "no\n".to_owned()));
    let who = ok(run(with(&["auth", "whoami"])));
    assert_eq!(who, "ATTRIBUTE   VALUE\nUsername    jane\nGroups      [devs system:authenticated]\n");
    no_panics(&s);
}

#[test]
fn replace_with_a_stale_resource_version_conflicts() {
    let (s, kc) = cluster();
    let f = write(&s, "demo.yaml", DEMO);
    ok(s.kubectl(&kc, &["apply", "-f", arg(&f)]));
    let stale = write(&s, "stale.yaml", &ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "yaml"])));
    assert_eq!(ok(s.kubectl(&kc, &["label", "cm", "demo", "team=a"])), "configmap/demo labeled\n");
    assert_eq!(
        fails(s.kubectl(&kc, &["replace", "-f", arg(&stale)])),
        format!(
            "Error from server (Conflict): error when replacing \"{}\": Operation cannot be fulfilled on configmaps \"demo\": the object has been modified; please apply your changes to the latest version and try again\n",
            arg(&stale)
        )
    );
    no_panics(&s);
}

#[test]
fn yaml_and_json_round_trip() {
    let (s, kc) = cluster();
    let f = write(&s, "demo.yaml", DEMO);
    ok(s.kubectl(&kc, &["apply", "-f", arg(&f)]));
    let json_text = ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "json"]));
    let cm: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(cm["apiVersion"], "v1");
    assert_eq!(cm["kind"], "ConfigMap");
    assert_eq!(cm["metadata"]["name"], "demo");
    assert_eq!(cm["metadata"]["namespace"], "default");
    assert_eq!(cm["metadata"]["uid"].as_str().unwrap().len(), 36);
    assert!(cm["metadata"]["resourceVersion"].as_str().unwrap().parse::<u64>().is_ok());
    let created = cm["metadata"]["creationTimestamp"].as_str().unwrap();
    assert!(created.len() == 20 && created.ends_with('Z'), "{created}");
    assert!(cm["metadata"].get("managedFields").is_none(), "kubectl hides managedFields");

    // JSON in, the same object out.
    let as_json = write(&s, "demo.json", &json_text);
    assert_eq!(ok(s.kubectl(&kc, &["replace", "-f", arg(&as_json)])), "configmap/demo replaced\n");
    let yaml_text = ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "yaml"]));
    assert!(yaml_text.starts_with("apiVersion: v1\ndata:\n  k1: v1\nkind: ConfigMap\nmetadata:\n"), "{yaml_text}");
    let as_yaml = write(&s, "dump.yaml", &yaml_text);
    assert_eq!(ok(s.kubectl(&kc, &["replace", "-f", arg(&as_yaml)])), "configmap/demo replaced\n");
    let again: Value = serde_json::from_str(&ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "json"]))).unwrap();
    assert_eq!(again["data"], cm["data"]);
    assert_eq!(again["metadata"]["uid"], cm["metadata"]["uid"]);

    // A dump carries uid and resourceVersion; `create -f` clears the version, the server makes a new uid.
    assert_eq!(ok(s.kubectl(&kc, &["delete", "-f", arg(&as_yaml)])), "configmap \"demo\" deleted\n");
    assert_eq!(ok(s.kubectl(&kc, &["create", "-f", arg(&as_yaml)])), "configmap/demo created\n");
    let recreated: Value = serde_json::from_str(&ok(s.kubectl(&kc, &["get", "cm", "demo", "-o", "json"]))).unwrap();
    assert_eq!(recreated["data"], cm["data"]);
    assert_ne!(recreated["metadata"]["uid"], cm["metadata"]["uid"]);
    no_panics(&s);
}

#[test]
fn objects_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("eksim");
    let mut s = Server::start_raw(&["--data-dir", arg(&dir)]);
    create_cluster(&s, "demo");
    let kc = s.kubeconfig("demo");
    ok(s.kubectl(&kc, &["create", "namespace", "dev"]));
    ok(s.kubectl(&kc, &["create", "configmap", "kept", "-n", "dev", "--from-literal=k=v"]));
    let before: Value =
        serde_json::from_str(&ok(s.kubectl(&kc, &["get", "cm", "kept", "-n", "dev", "-o", "json"]))).unwrap();
    assert_eq!(s.stop(), Some(0));
    no_panics(&s);

    // The listeners move (port 0), so the kubeconfig is written again.
    let s = Server::start_raw(&["--data-dir", arg(&dir)]);
    let kc = s.kubeconfig("demo");
    let after: Value =
        serde_json::from_str(&ok(s.kubectl(&kc, &["get", "cm", "kept", "-n", "dev", "-o", "json"]))).unwrap();
    assert_eq!(after, before);
    let out = ok(s.kubectl(&kc, &["get", "ns", "dev"]));
    assert_row(out.lines().nth(1).unwrap(), "dev    Active   ");
    assert_eq!(ok(s.kubectl(&kc, &["auth", "can-i", "*", "*", "--all-namespaces"])), "yes\n");
    no_panics(&s);
}

#[test]
fn an_unmapped_iam_user_is_unauthorized() {
    let (s, kc) = cluster();
    s.aws_ok(&["iam", "create-user", "--user-name", "bob"]);
    let bob = Creds::from_json(&s.aws_ok(&["iam", "create-access-key", "--user-name", "bob"]));
    // The token is valid (the log says why bob is refused); the client only sees 401 (a).
    let warm = s.home.path();
    ok(s.kubectl(&kc, &["get", "nodes", "-o", "name"]));
    assert_eq!(fails(s.kubectl_in(warm, &bob, &kc, &["get", "nodes"], &[])), UNAUTHORIZED);
    assert_eq!(fails(s.kubectl_in(warm, &bob, &kc, &["get", "svc"], &[])), UNAUTHORIZED);
    // No discovery for these commands, whatever the cache.
    let cold = tempfile::tempdir().unwrap();
    assert_eq!(fails(s.kubectl_in(cold.path(), &bob, &kc, &["auth", "whoami"], &[])), UNAUTHORIZED);
    assert_eq!(
        fails(s.kubectl_in(cold.path(), &bob, &kc, &["auth", "can-i", "*", "*", "--all-namespaces"], &[])),
        UNAUTHORIZED
    );
    assert_eq!(
        fails(s.kubectl_in(cold.path(), &bob, &kc, &["create", "configmap", "x", "--from-literal=a=b"], &[])),
        "error: failed to create configmap: Unauthorized\n"
    );
    // A cold cache: discovery is refused five times.
    let cold = tempfile::tempdir().unwrap();
    assert_cold_cache_401(&fails(s.kubectl_in(cold.path(), &bob, &kc, &["get", "nodes"], &[])));
    let log = s.stderr();
    assert!(log.contains("arn:aws:iam::000000000000:user/bob"), "the authenticator logs the caller:\n{log}");
    no_panics(&s);
}

#[test]
fn aws_auth_maps_another_iam_user_into_rbac() {
    let (s, kc) = cluster();
    s.aws_ok(&["iam", "create-user", "--user-name", "bob"]);
    let bob = Creds::from_json(&s.aws_ok(&["iam", "create-access-key", "--user-name", "bob"]));
    ok(s.kubectl(&kc, &["get", "ns", "-o", "name"]));
    assert_eq!(fails(s.kubectl_as(&bob, &kc, &["get", "cm", "-n", "kube-system"])), UNAUTHORIZED, "warm cache");
    let aws_auth = write(
        &s,
        "aws-auth.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapUsers: |\n    \
         - userarn: arn:aws:iam::000000000000:user/bob\n      username: bob\n      groups:\n      - devs\n",
    );
    assert_eq!(ok(s.kubectl(&kc, &["apply", "-f", arg(&aws_auth)])), "configmap/aws-auth created\n");
    ok(s.kubectl(&kc, &["create", "namespace", "dev"]));
    ok(s.kubectl(&kc, &["create", "role", "cm-reader", "-n", "dev", "--verb=get,list", "--resource=configmaps"]));
    ok(s.kubectl(&kc, &["create", "rolebinding", "devs", "-n", "dev", "--role=cm-reader", "--group=devs"]));

    let out = s.kubectl_as(&bob, &kc, &["get", "cm", "-n", "dev"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()));
    assert_eq!(stderr(&out), "No resources found in dev namespace.\n");
    assert_eq!(
        fails(s.kubectl_as(&bob, &kc, &["get", "cm"])),
        "Error from server (Forbidden): configmaps is forbidden: User \"bob\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"\n"
    );
    assert_eq!(
        fails(s.kubectl_as(&bob, &kc, &["get", "nodes"])),
        "Error from server (Forbidden): nodes is forbidden: User \"bob\" cannot list resource \"nodes\" in API group \"\" at the cluster scope\n"
    );
    let who = ok(s.kubectl_as(&bob, &kc, &["auth", "whoami"]));
    let rows: Vec<Vec<&str>> =
        who.lines().map(|l| l.split("   ").map(str::trim).filter(|c| !c.is_empty()).collect()).collect();
    assert_eq!(rows[1], ["Username", "bob"]);
    assert_eq!(rows[3], ["Groups", "[devs system:authenticated]"]);
    assert!(rows[2][1].starts_with("aws-iam-authenticator:000000000000:AIDA"), "{who}");
    assert_eq!(ok(s.kubectl_as(&bob, &kc, &["auth", "can-i", "list", "configmaps", "-n", "dev"])), "yes\n");

    // Unmapping bob takes effect on his next request.
    assert_eq!(
        ok(s.kubectl(&kc, &["delete", "cm", "aws-auth", "-n", "kube-system"])),
        "configmap \"aws-auth\" deleted\n"
    );
    assert_eq!(fails(s.kubectl_as(&bob, &kc, &["get", "cm", "-n", "dev"])), UNAUTHORIZED);
    no_panics(&s);
}

/// A `k8s-aws-v1.` token as `aws eks get-token` mints it, for `cluster`, signed at `at`.
fn token(s: &Server, cluster: &str, at: time::OffsetDateTime) -> String {
    let host = s.aws_url.trim_start_matches("http://");
    let headers = [("host", host), ("x-k8s-aws-id", cluster)];
    let req = eksim_sigv4::Request {
        method: "GET",
        raw_path: "/",
        raw_query: "Action=GetCallerIdentity&Version=2011-06-15",
        headers: &headers,
        body: b"",
    };
    let params = eksim_sigv4::SigningParams {
        access_key_id: common::ROOT_KEY,
        secret_access_key: common::ROOT_SECRET,
        session_token: None,
        region: "us-east-1",
        service: "sts",
        time: at,
    };
    let url = format!("{}/?{}", s.aws_url, eksim_sigv4::presign(&req, &params, 60));
    format!("k8s-aws-v1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url))
}

#[test]
fn bad_tokens_are_unauthorized() {
    let (s, kc) = cluster();
    create_cluster(&s, "other");
    let now = time::OffsetDateTime::now_utc();
    let good = token(&s, "demo", now);
    // The minted token works, so the variants below fail for their one difference.
    ok(s.kubectl(&kc, &["--token", &good, "get", "nodes", "-o", "name"]));
    let tampered = {
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&good["k8s-aws-v1.".len()..]).unwrap();
        let mut url = String::from_utf8(url).unwrap();
        let last = url.pop().unwrap();
        url.push(if last == '0' { '1' } else { '0' });
        format!("k8s-aws-v1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url))
    };
    let cases = [
        // The authenticator signs its own cluster id into the STS request, so STS finds the signature wrong.
        ("another cluster", token(&s, "other", now), "SignatureDoesNotMatch"),
        ("expired", token(&s, "demo", now - time::Duration::minutes(20)), "expired"),
        ("tampered", tampered, "SignatureDoesNotMatch"),
        ("malformed", "k8s-aws-v1.!!!".to_owned(), "input token was not properly formatted"),
        ("not a token", "hello".to_owned(), "missing expected \\\"k8s-aws-v1.\\\" prefix"),
    ];
    for (what, token, logged) in &cases {
        let before = s.stderr().len();
        for args in [&["get", "nodes"][..], &["get", "svc"], &["auth", "whoami"]] {
            let mut full = vec!["--token", token.as_str()];
            full.extend_from_slice(args);
            assert_eq!(fails(s.kubectl(&kc, &full)), UNAUTHORIZED, "{what}: {args:?}");
        }
        let log = s.stderr()[before..].to_owned();
        assert!(log.contains(logged), "{what}: the authenticator log should say {logged:?}:\n{log}");
    }
    // Cold cache: the five refused discovery attempts.
    let cold = tempfile::tempdir().unwrap();
    let (_, expired, _) = &cases[1];
    let out = s.kubectl_in(cold.path(), &Creds::root(), &kc, &["--token", expired, "get", "nodes"], &[]);
    assert_cold_cache_401(&fails(out));
    no_panics(&s);
}

#[test]
fn get_raw_reaches_the_tokens_cluster_without_the_path_prefix() {
    // client-go drops the kubeconfig server's path for --raw: the token's signature names the cluster.
    let (s, kc) = cluster();
    create_cluster(&s, "other");
    let version = ok(s.kubectl(&kc, &["get", "--raw", "/version"]));
    assert!(version.contains("\"minor\":\"32\""), "{version}");
    let services = ok(s.kubectl(&kc, &["get", "--raw", "/api/v1/namespaces/default/services"]));
    assert!(services.contains("\"clusterIP\":\"10.100.0.1\""), "{services}");
    no_panics(&s);
}

#[test]
fn explain_renders_kinds_and_fields_from_openapi_v3() {
    let (s, kc) = cluster();
    let out = ok(s.kubectl(&kc, &["explain", "configmap"]));
    assert!(out.starts_with("KIND:       ConfigMap\nVERSION:    v1\n\nDESCRIPTION:\n"), "{out}");
    let fields = out.split_once("FIELDS:\n").map(|(_, f)| f).unwrap_or_default();
    for f in [
        "apiVersion\t<string>",
        "binaryData\t<map[string]string>",
        "data\t<map[string]string>",
        "metadata\t<ObjectMeta>",
    ] {
        assert!(fields.contains(&format!("  {f}\n")), "{f} missing: {out}");
    }
    let data = ok(s.kubectl(&kc, &["explain", "configmap.data"]));
    assert!(data.starts_with("KIND:       ConfigMap\nVERSION:    v1\n\nFIELD: data <map[string]string>\n"), "{data}");
    let spec = ok(s.kubectl(&kc, &["explain", "deployment.spec"]));
    assert!(
        spec.starts_with("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: spec <DeploymentSpec>"),
        "{spec}"
    );
    assert!(spec.contains("  template\t<PodTemplateSpec> -required-\n"), "{spec}");
    let ports = ok(s.kubectl(&kc, &["explain", "svc.spec.ports"]));
    assert!(ports.starts_with("KIND:       Service\nVERSION:    v1\n\nFIELD: ports <[]ServicePort>"), "{ports}");
    assert!(
        ports.contains("  port\t<integer> -required-\n") && ports.contains("  targetPort\t<IntOrString>\n"),
        "{ports}"
    );
    for kind in ["secret", "ns", "sa", "pod", "node", "role", "clusterrole", "rolebinding", "clusterrolebinding"] {
        let out = ok(s.kubectl(&kc, &["explain", kind]));
        assert!(out.contains("DESCRIPTION:\n") && out.contains("  metadata\t<ObjectMeta>\n"), "{kind}: {out}");
    }
    assert!(ok(s.kubectl(&kc, &["explain", "pod.spec.containers.ports"]))
        .contains("  containerPort\t<integer> -required-\n"));
    let err = stderr(&s.kubectl(&kc, &["explain", "configmap.nope"]));
    assert_eq!(err, "error: field \"nope\" does not exist\n");
    no_panics(&s);
}

#[test]
fn create_token_issues_a_service_account_token_rbac_then_governs() {
    let (s, kc) = cluster();
    ok(s.kubectl(&kc, &["create", "serviceaccount", "bot"]));
    let token = ok(s.kubectl(&kc, &["create", "token", "bot"])).trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let tok = format!("--token={token}");
    let who = ok(s.kubectl(&kc, &[&tok, "auth", "whoami"]));
    assert!(who.contains("system:serviceaccount:default:bot"), "{who}");
    assert!(who.contains("[system:serviceaccounts system:serviceaccounts:default system:authenticated]"), "{who}");
    assert_eq!(
        fails(s.kubectl(&kc, &[&tok, "get", "cm"])),
        "Error from server (Forbidden): configmaps is forbidden: User \"system:serviceaccount:default:bot\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"\n"
    );
    ok(s.kubectl(&kc, &["create", "rolebinding", "botview", "--clusterrole=view", "--serviceaccount=default:bot"]));
    assert!(ok(s.kubectl(&kc, &[&tok, "get", "cm"])).contains("kube-root-ca.crt"));
    // The token dies with its account.
    ok(s.kubectl(&kc, &["delete", "serviceaccount", "bot"]));
    assert_eq!(
        fails(s.kubectl(&kc, &[&tok, "get", "cm"])),
        "error: You must be logged in to the server (Unauthorized)\n"
    );
    no_panics(&s);
}

#[test]
fn create_ingress_sends_protobuf_the_server_decodes() {
    let (s, kc) = cluster();
    assert_eq!(
        ok(s.kubectl(&kc, &["create", "ingress", "simple", "--rule=foo.com/bar=svc1:8080,tls=my-cert", "--class=alb"])),
        "ingress.networking.k8s.io/simple created\n"
    );
    let spec: Value =
        serde_json::from_str(&ok(s.kubectl(&kc, &["get", "ingress", "simple", "-o", "jsonpath={.spec}"]))).unwrap();
    assert_eq!(spec["ingressClassName"], "alb");
    assert_eq!(spec["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"], 8080);
    assert_eq!(spec["tls"][0]["secretName"], "my-cert");
    no_panics(&s);
}
