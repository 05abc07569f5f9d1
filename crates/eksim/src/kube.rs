//! The Kubernetes front's transport: HTTPS on `--kube-addr` (rustls, a serving
//! certificate from eksim's CA), one path prefix per cluster (`/clusters/{endpoint-id}`, the
//! `endpoint` DescribeCluster returns), HTTP/1.1. Request work runs on the blocking pool;
//! [`crate::kube_front`] decides what each request gets.

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Largest Kubernetes request body accepted (kube-apiserver's limit is 3 MiB).
const BODY_LIMIT: usize = 3 << 20;

/// A Kubernetes HTTP request as the front sees it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: String,
    /// Full path, cluster prefix included.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Lower-case header names and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// TCP peer.
    pub peer: SocketAddr,
}

/// Its answer.
pub struct HttpResponse {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// For the log line: the Kubernetes user, or why there is none.
    pub user: String,
    /// A watch to keep streaming after `body`, with the store it reads.
    pub watch: Option<(Box<eksim_kubeapi::Watch>, eksim_store::Store)>,
}

/// How long a watch without `timeoutSeconds` stays open (kube-apiserver picks 30–60 min).
const DEFAULT_WATCH: Duration = Duration::from_secs(1800);
/// How often an open watch looks for new events.
const WATCH_POLL: Duration = Duration::from_millis(200);

type Body = BoxBody<Bytes, Infallible>;

/// A response body fed by a channel: the watch stream.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(b)) => Poll::Ready(Some(Ok(Frame::data(b)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Streams a watch: the first events, then whatever new events the store records, until
/// the watch ends, its timeout passes or the client goes away.
fn stream_watch(first: Vec<u8>, mut watch: Box<eksim_kubeapi::Watch>, store: eksim_store::Store) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let deadline = Instant::now() + watch.timeout().unwrap_or(DEFAULT_WATCH);
    tokio::spawn(async move {
        if !first.is_empty() && tx.send(Bytes::from(first)).await.is_err() {
            return;
        }
        while !watch.is_done() && Instant::now() < deadline {
            tokio::time::sleep(WATCH_POLL).await;
            if tx.is_closed() {
                return;
            }
            let store = store.clone();
            let polled = tokio::task::spawn_blocking(move || {
                let chunk = watch.poll(&store, time::OffsetDateTime::now_utc());
                (watch, chunk)
            })
            .await;
            let Ok((w, chunk)) = polled else { return };
            watch = w;
            if !chunk.body.is_empty() && tx.send(Bytes::from(chunk.body)).await.is_err() {
                return;
            }
            if chunk.done {
                return;
            }
        }
    });
    ChannelBody { rx }.boxed()
}

/// Something that answers Kubernetes requests (blocking; runs on the blocking pool).
pub trait Front: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, req: HttpRequest) -> HttpResponse;
}

/// Serves `front` over TLS on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    front: Arc<dyn Front>,
    mut shutdown: tokio::sync::broadcast::Receiver<()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let connections = Arc::new(tokio::sync::Semaphore::new(1024));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "kube accept failed");
                    continue;
                }
            },
            _ = shutdown.recv() => return,
        };
        let Ok(permit) = connections.clone().acquire_owned().await else { return };
        let acceptor = acceptor.clone();
        let front = front.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let tls = match acceptor.accept(stream).await {
                Ok(t) => t,
                Err(e) => {
                    tracing::debug!(error = %e, %peer, "TLS handshake failed");
                    return;
                }
            };
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let front = front.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(front, req, peer).await) }
            });
            if let Err(e) =
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await
            {
                tracing::debug!(error = %e, %peer, "kube connection ended");
            }
        });
    }
}

async fn answer(front: Arc<dyn Front>, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => {
            return plain(
                413,
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}"#,
            );
        }
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body,
        peer,
    };
    let (method, path) = (request.method.clone(), request.path.clone());
    let resp = match tokio::task::spawn_blocking(move || front.handle(request)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "kube handler panicked");
            return plain(
                500,
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: the server panicked","reason":"InternalError","code":500}"#,
            );
        }
    };
    tracing::info!(
        target: "eksim::request",
        method = %method,
        path = %path,
        status = resp.status,
        latency_us = started.elapsed().as_micros() as u64,
        service = "kubernetes",
        principal = %resp.user,
        "kube request"
    );
    let body = match resp.watch {
        Some((watch, store)) => stream_watch(resp.body, watch, store),
        None => Full::new(Bytes::from(resp.body)).boxed(),
    };
    let mut out = Response::new(body);
    *out.status_mut() = hyper::StatusCode::from_u16(resp.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in resp.headers {
        if let (Ok(k), Ok(v)) =
            (hyper::header::HeaderName::from_bytes(k.as_bytes()), hyper::header::HeaderValue::from_str(&v))
        {
            out.headers_mut().append(k, v);
        }
    }
    out
}

fn plain(status: u16, body: &'static str) -> Response<Body> {
    let mut out = Response::new(Full::new(Bytes::from_static(body.as_bytes())).boxed());
    *out.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    out.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    out
}
