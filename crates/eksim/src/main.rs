//! The `eksim` command line: `eksim serve` and its flags (each also `EKSIM_<FLAG>`).

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Amazon EKS cluster access, running locally: IAM, STS, EKS and a Kubernetes API.
#[derive(Parser)]
#[command(name = "eksim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the AWS endpoint (IAM, STS, EKS) and the Kubernetes endpoint.
    Serve(ServeArgs),
    /// Print a cluster's control-plane log (the authenticator's by default) from a data dir.
    Logs(LogsArgs),
}

#[derive(clap::Args)]
struct LogsArgs {
    /// The cluster name.
    cluster: String,
    /// The data directory of the eksim whose cluster it is.
    #[arg(long, env = "EKSIM_DATA_DIR", default_value = "./.eksim")]
    data_dir: PathBuf,
    /// The cluster's account.
    #[arg(long, env = "EKSIM_ACCOUNT_ID", default_value = "000000000000")]
    account_id: String,
    /// The cluster's region.
    #[arg(long, env = "EKSIM_REGION", default_value = "us-east-1")]
    region: String,
    /// The control-plane log type: authenticator, api, audit, controllerManager, scheduler.
    #[arg(long, default_value = "authenticator")]
    log_type: String,
    /// Keep printing new lines as they are written.
    #[arg(long, short)]
    follow: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Directory of the embedded SQLite store (created if absent).
    #[arg(long, env = "EKSIM_DATA_DIR", default_value = "./.eksim")]
    data_dir: PathBuf,
    /// Keep everything in memory; nothing is written to disk.
    #[arg(long, env = "EKSIM_IN_MEMORY")]
    in_memory: bool,
    /// Address of the AWS endpoint (plain HTTP; point AWS_ENDPOINT_URL here). Port 0 picks a free port.
    #[arg(long, env = "EKSIM_AWS_ADDR", default_value = "127.0.0.1:4599")]
    aws_addr: SocketAddr,
    /// Address of the Kubernetes API endpoint. Port 0 picks a free port.
    #[arg(long, env = "EKSIM_KUBE_ADDR", default_value = "127.0.0.1:6443")]
    kube_addr: SocketAddr,
    /// The default account's id (12 digits).
    #[arg(long, env = "EKSIM_ACCOUNT_ID", default_value = "000000000000")]
    account_id: String,
    /// The default region.
    #[arg(long, env = "EKSIM_REGION", default_value = "us-east-1")]
    region: String,
    /// The default account's root access key id.
    #[arg(long, env = "EKSIM_ROOT_ACCESS_KEY_ID", default_value = "AKIAIOSFODNN7EXAMPLE")]
    root_access_key_id: String,
    /// The default account's root secret access key.
    #[arg(long, env = "EKSIM_ROOT_SECRET_ACCESS_KEY", default_value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    root_secret_access_key: String,
    /// A seed file declaring accounts, users, roles, policies and keys (applied at start; idempotent).
    #[arg(long, env = "EKSIM_SEED")]
    seed: Option<PathBuf>,
    /// How long a new cluster stays CREATING (e.g. `0s`, `30s`, `2m`). The create answer
    /// always says CREATING, so `aws eks wait cluster-active` has something to observe.
    #[arg(long, env = "EKSIM_CLUSTER_CREATE_DELAY", default_value = "0s", value_parser = parse_duration)]
    cluster_create_delay: f64,
    /// How long access-entry changes take to reach authentication (EKS is eventually consistent).
    #[arg(long, env = "EKSIM_PROPAGATION_DELAY", default_value = "0s", value_parser = parse_duration)]
    propagation_delay: f64,
    /// Which aws-iam-authenticator build's log wording to imitate: `current` (`identity is not
    /// mapped`), `0.7.6`, `0.6.27`, or `0.6.13` (`ARN is not mapped`, as in AWS's older articles).
    #[arg(long, env = "EKSIM_AUTHENTICATOR_VERSION", default_value = "current", value_parser = ["current", "0.7.6", "0.6.27", "0.6.13"])]
    authenticator_version: String,
    /// Log format of the request log on stderr.
    #[arg(long, env = "EKSIM_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
}

/// Parses `500ms`, `10s`, `2m`, `1h` or a bare number of seconds into seconds.
fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: f64 = number.parse().map_err(|_| format!("invalid duration {text:?}: expected e.g. 500ms, 10s, 2m"))?;
    let factor = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("invalid duration unit in {text:?}: use ms, s, m or h")),
    };
    Ok(n * factor)
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Logs(args) => logs(args),
    }
}

fn logs(args: LogsArgs) -> anyhow::Result<()> {
    if !args.data_dir.join("eksim.db").exists() {
        anyhow::bail!("no eksim data in {} (an --in-memory server keeps its logs to itself)", args.data_dir.display());
    }
    let store = eksim_store::Store::open_dir(&args.data_dir)?;
    let account = eksim_model::AccountId::parse(&args.account_id).context("--account-id")?;
    eksim::control_plane_log::print(&store, &account, &args.region, &args.cluster, &args.log_type, args.follow)
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EKSIM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.with_ansi(false).init(),
    }
    let account_id = eksim_model::AccountId::parse(&args.account_id).context("--account-id")?;
    let settings = eksim::Settings {
        data_dir: if args.in_memory { None } else { Some(args.data_dir) },
        aws_addr: args.aws_addr,
        kube_addr: args.kube_addr,
        aws: eksim_aws::Config {
            account_id,
            region: args.region,
            root_access_key_id: args.root_access_key_id,
            root_secret_access_key: args.root_secret_access_key,
            skew_minutes: 15,
            kube_url: String::new(),
            aws_hosts: Vec::new(),
            cluster_create_delay: args.cluster_create_delay,
            propagation_delay: args.propagation_delay,
        },
        seed: args.seed,
        authenticator_version: match args.authenticator_version.as_str() {
            "0.7.6" => eksim_kube_auth::mapping::AuthenticatorVersion::V0_7_6,
            "0.6.27" => eksim_kube_auth::mapping::AuthenticatorVersion::V0_6_27,
            "0.6.13" => eksim_kube_auth::mapping::AuthenticatorVersion::V0_6_13,
            _ => eksim_kube_auth::mapping::AuthenticatorVersion::Current,
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(eksim::run(settings))
}
