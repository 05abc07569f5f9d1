//! The integration harness: a real `eksim serve` on loopback port 0, driven by the
//! real `aws` CLI as a subprocess. Each test has its own server, HOME and config.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The default root credentials (README's documented defaults).
pub const ROOT_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
/// The default root secret.
pub const ROOT_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A running eksim.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub aws_url: String,
    /// `https://127.0.0.1:PORT`.
    pub kube_url: String,
    /// Scratch HOME for the clients.
    pub home: tempfile::TempDir,
    /// Stderr of the server, collected on stop.
    stderr_path: PathBuf,
}

/// Access key credentials for one CLI call.
#[derive(Clone, Debug)]
pub struct Creds {
    pub key: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Creds {
    pub fn root() -> Self {
        Self { key: ROOT_KEY.into(), secret: ROOT_SECRET.into(), token: None }
    }

    /// From the `Credentials` or `AccessKey` object of an aws CLI answer.
    pub fn from_json(v: &Value) -> Self {
        let c = if v.get("Credentials").is_some() { &v["Credentials"] } else { &v["AccessKey"] };
        Self {
            key: c["AccessKeyId"].as_str().unwrap().into(),
            secret: c["SecretAccessKey"].as_str().unwrap().into(),
            token: c["SessionToken"].as_str().map(str::to_owned),
        }
    }
}

impl Server {
    /// Starts `eksim serve --in-memory` with extra arguments.
    pub fn start(extra: &[&str]) -> Self {
        let mut args = vec!["--in-memory"];
        args.extend_from_slice(extra);
        Self::start_raw(&args)
    }

    /// Starts `eksim serve` with exactly these storage arguments plus loopback port 0.
    pub fn start_raw(extra: &[&str]) -> Self {
        let home = tempfile::tempdir().unwrap();
        let stderr_path = home.path().join("eksim.stderr");
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_eksim"))
            .args(["serve", "--aws-addr", "127.0.0.1:0", "--kube-addr", "127.0.0.1:0"])
            .args(extra)
            .env_remove("EKSIM_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("eksim starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert!(line.starts_with("eksim listening "), "unexpected start line: {line:?}");
        let field = |name: &str| {
            line.split_whitespace().find_map(|f| f.strip_prefix(&format!("{name}="))).unwrap_or_default().to_owned()
        };
        Self { aws_url: field("aws"), kube_url: field("kube"), child: Some(child), home, stderr_path }
    }

    /// The server's stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends SIGTERM and waits; returns the exit status code.
    pub fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        child.wait().ok().and_then(|s| s.code())
    }

    fn base_command(&self, program: &str, creds: &Creds) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("AWS_CONFIG_FILE", self.home.path().join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.path().join("aws-credentials"))
            .env("AWS_ENDPOINT_URL", &self.aws_url)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_PAGER", "")
            .env("AWS_ACCESS_KEY_ID", &creds.key)
            .env("AWS_SECRET_ACCESS_KEY", &creds.secret);
        for var in ["PYENV_ROOT", "PYENV_VERSION", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                c.env(var, v);
            }
        }
        if let Some(t) = &creds.token {
            c.env("AWS_SESSION_TOKEN", t);
        }
        c
    }

    /// Runs `aws ARGS` with `creds`.
    pub fn aws_as(&self, creds: &Creds, args: &[&str]) -> Output {
        self.base_command("aws", creds).args(args).output().expect("the aws CLI runs")
    }

    /// Runs `aws ARGS` as the root user and expects success; returns parsed JSON (or Null for no output).
    pub fn aws_ok(&self, args: &[&str]) -> Value {
        ok_json(&self.aws_as(&Creds::root(), args), args)
    }

    /// Runs `aws ARGS` as `creds` and expects success.
    pub fn aws_ok_as(&self, creds: &Creds, args: &[&str]) -> Value {
        ok_json(&self.aws_as(creds, args), args)
    }

    /// Runs `aws ARGS` as `creds` and expects failure; returns the trimmed stderr.
    pub fn aws_err_as(&self, creds: &Creds, args: &[&str]) -> String {
        let out = self.aws_as(creds, args);
        assert_eq!(
            out.status.code(),
            Some(255),
            "aws {args:?} should fail with 255; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).trim().to_owned()
    }

    /// Runs `aws ARGS` as root and expects failure.
    pub fn aws_err(&self, args: &[&str]) -> String {
        self.aws_err_as(&Creds::root(), args)
    }

    /// Runs python3 with a script, with the same environment as the aws CLI.
    pub fn python(&self, creds: &Creds, script: &str) -> Output {
        self.base_command("python3", creds).args(["-c", script]).output().expect("python3 runs")
    }

    /// A path inside this test's HOME.
    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Writes a kubeconfig for cluster `name` with the real `aws eks update-kubeconfig --kubeconfig`
    /// (as root) and returns its path, `HOME/kubeconfig-NAME`.
    pub fn kubeconfig(&self, name: &str) -> PathBuf {
        let path = self.path(&format!("kubeconfig-{name}"));
        let out = self.aws_as(
            &Creds::root(),
            &["eks", "update-kubeconfig", "--name", name, "--kubeconfig", path.to_str().unwrap()],
        );
        assert!(out.status.success(), "update-kubeconfig failed: {}", String::from_utf8_lossy(&out.stderr));
        path
    }

    /// Runs the real `kubectl ARGS` with `home` as HOME (so `home/.kube/cache` is its discovery
    /// cache: a fresh directory pins a cold cache), `KUBECONFIG=kubeconfig`, `creds` in the
    /// environment of the `aws eks get-token` exec plugin, and `env` on top.
    pub fn kubectl_in(
        &self,
        home: &Path,
        creds: &Creds,
        kubeconfig: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        let mut c = self.base_command("kubectl", creds);
        c.env("HOME", home).env("KUBECONFIG", kubeconfig).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("kubectl runs")
    }

    /// Runs `kubectl ARGS` as root (the cluster creator) with this server's HOME.
    pub fn kubectl(&self, kubeconfig: &Path, args: &[&str]) -> Output {
        self.kubectl_in(self.home.path(), &Creds::root(), kubeconfig, args, &[])
    }

    /// Runs `kubectl ARGS` with `creds` for the exec plugin and this server's HOME.
    pub fn kubectl_as(&self, creds: &Creds, kubeconfig: &Path, args: &[&str]) -> Output {
        self.kubectl_in(self.home.path(), creds, kubeconfig, args, &[])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn ok_json(out: &Output, args: &[&str]) -> Value {
    assert!(
        out.status.success(),
        "aws {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("aws {args:?} printed non-JSON ({e}): {text}"))
    }
}

/// The CLI's error line for an operation.
pub fn cli_error(code: &str, op: &str, message: &str) -> String {
    format!("An error occurred ({code}) when calling the {op} operation: {message}")
}

/// The current TOTP code of a base32 seed file, `offset` windows away.
pub fn totp_code(seed_file: &Path, offset: i64) -> String {
    let seed = std::fs::read_to_string(seed_file).unwrap();
    let key = eksim_mfa::base32_decode(seed.trim()).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    eksim_mfa::totp(&key, (now + offset * 30) as u64, 6)
}
