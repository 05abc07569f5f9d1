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
    /// Start the AWS endpoint (IAM, STS) and the Kubernetes endpoint.
    Serve(ServeArgs),
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
    /// Log format of the request log on stderr.
    #[arg(long, env = "EKSIM_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args),
    }
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
        },
        seed: args.seed,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(eksim::run(settings))
}
