//! The eksim server: listeners, layers, shutdown. The only crate that touches
//! sockets, flags and the environment.
//!
//! **Architecture Invariant:** request work that touches the store runs on the
//! blocking pool (`spawn_blocking`), never on the async workers.

#![forbid(unsafe_code)]

pub mod ca;
pub mod control_plane_log;
pub mod kube;
pub mod kube_authn;
pub mod kube_front;
pub mod sa_token;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use eksim_aws::{Aws, AwsRequest};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// Everything `eksim serve` needs.
pub struct Settings {
    /// The data directory; `None` for `--in-memory`.
    pub data_dir: Option<PathBuf>,
    /// AWS listener.
    pub aws_addr: SocketAddr,
    /// Kubernetes listener.
    pub kube_addr: SocketAddr,
    /// AWS settings.
    pub aws: eksim_aws::Config,
    /// Seed file.
    pub seed: Option<PathBuf>,
    /// Which authenticator build's log wording to imitate.
    pub authenticator_version: eksim_kube_auth::mapping::AuthenticatorVersion,
}

/// The URL clients reach a listener at: an unspecified bind address becomes loopback.
fn public_url(scheme: &str, addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        if addr.is_ipv4() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            std::net::IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])
        }
    } else {
        addr.ip()
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

/// Largest AWS request body accepted (IAM policy documents are at most 128 KiB).
const BODY_LIMIT: usize = 1 << 20;

/// Runs eksim until SIGTERM or Ctrl-C.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let store = match &settings.data_dir {
        Some(dir) => {
            eksim_store::Store::open_dir(dir).with_context(|| format!("opening the store in {}", dir.display()))?
        }
        None => eksim_store::Store::in_memory()?,
    };
    let aws_listener = TcpListener::bind(settings.aws_addr)
        .await
        .with_context(|| format!("binding --aws-addr {}", settings.aws_addr))?;
    let kube_listener = TcpListener::bind(settings.kube_addr)
        .await
        .with_context(|| format!("binding --kube-addr {}", settings.kube_addr))?;
    let aws_local = aws_listener.local_addr()?;
    let kube_local = kube_listener.local_addr()?;
    let ca = ca::ensure(&store)?;
    let mut config = settings.aws.clone();
    config.kube_url = public_url("https", kube_local);
    let port = aws_local.port();
    config.aws_hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
    if !aws_local.ip().is_unspecified() && !aws_local.ip().is_loopback() {
        config.aws_hosts.push(aws_local.to_string());
    }
    let aws = Aws::new(store.clone(), config).context("initialising the AWS services")?;
    if let Some(path) = &settings.seed {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading seed file {}", path.display()))?;
        let seed = eksim_aws::seed::parse(&text).with_context(|| format!("seed file {}", path.display()))?;
        eksim_aws::seed::apply(&store, &seed, &eksim_aws::iso8601(time::OffsetDateTime::now_utc()))
            .with_context(|| format!("applying seed file {}", path.display()))?;
    }
    let aws = Arc::new(aws);
    let data = settings.data_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| ":memory:".into());
    // One line with the bound addresses: scripts and tests read it.
    println!(
        "eksim listening aws={} kube={} data={data}",
        public_url("http", aws_local),
        public_url("https", kube_local)
    );
    tracing::info!(aws = %aws_local, kube = %kube_local, data = %data, "eksim started");

    let (shutdown_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let aws_app = Router::new()
        .fallback(aws_handler)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(aws.clone());
    let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    if !kube_local.ip().is_unspecified() {
        hosts.push(kube_local.ip().to_string());
    }
    let tls = ca::server_config(&ca, &hosts)?;
    let front: Arc<dyn kube::Front> = Arc::new(kube_front::KubeFront::new(aws.clone(), settings.authenticator_version));

    let mut rx1 = shutdown_tx.subscribe();
    let rx2 = shutdown_tx.subscribe();
    let aws_server = axum::serve(aws_listener, aws_app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = rx1.recv().await;
        });
    let kube_server = kube::serve(kube_listener, tls, front, rx2);
    let signals = async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        let _ = shutdown_tx.send(());
    };
    let (a, (), ()) = tokio::join!(aws_server, kube_server, signals);
    a?;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn aws_handler(
    State(aws): State<Arc<Aws>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let req = AwsRequest {
        method: method.as_str().to_owned(),
        raw_path: uri.path().to_owned(),
        raw_query: uri.query().unwrap_or_default().to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
        peer: peer.ip(),
        secure: false,
    };
    let path = req.raw_path.clone();
    let result = tokio::task::spawn_blocking(move || aws.handle(&req, time::OffsetDateTime::now_utc())).await;
    let (wire, outcome) = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "request handler panicked");
            return (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure").into_response();
        }
    };
    let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    tracing::info!(
        target: "eksim::request",
        method = %method,
        path = %path,
        status = wire.status,
        latency_us = started.elapsed().as_micros() as u64,
        service = %outcome.service,
        operation = %outcome.operation,
        principal = %outcome.principal,
        error = %outcome.error_code,
        decision = %outcome.decision,
        "aws request"
    );
    let mut resp = (status, wire.body).into_response();
    for (k, v) in wire.headers {
        if let Ok(v) = v.parse() {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}
