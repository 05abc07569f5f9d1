//! The peer of `bench/kube_rps.py`: a bare hyper + rustls server that answers every
//! request with `hello\n`, with the same TLS setup as eksim's Kubernetes front (a serving
//! certificate from an `eksim::ca` CA, ring, HTTP/1.1 only) and the same runtime, but no
//! blocking pool, store, authentication or authorization. What is left is the transport's
//! own cost.
//!
//! Run: `cargo run --release -p eksim --example tls_hello [ADDR]` (default `127.0.0.1:0`).
//! Prints `tls_hello listening https://<addr>`, then the CA certificate (PEM) to trust.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

fn main() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned()).parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(addr))
}

async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let store = eksim_store::Store::in_memory()?;
    let ca = eksim::ca::ensure(&store)?;
    let tls = eksim::ca::server_config(&ca, &["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    let listener = TcpListener::bind(addr).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "tls_hello listening https://{}", listener.local_addr()?)?;
    write!(out, "{}", ca.cert_pem)?;
    out.flush()?;
    drop(out);

    let acceptor = TlsAcceptor::from(tls);
    loop {
        let (stream, _) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else { return };
            let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello\n"))))
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
        });
    }
}
