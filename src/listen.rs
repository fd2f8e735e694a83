//! The accept loop: HTTP/1.1 and HTTP/2 (hyper-util), a cap on connections, a header
//! timeout, the client address for each request, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

use crate::http::Limits;

/// Serves `app` on `listener` until `shutdown` completes; then lets open requests finish
/// (at most the request timeout).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let header_timeout = limits.header_timeout;
    tokio::pin!(shutdown);
    loop {
        // A free slot first: connections beyond the cap wait in the listen backlog.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let seen_request = Arc::new(AtomicBool::new(false));
        let app = app.clone();
        let seen = seen_request.clone();
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            seen.store(true, Ordering::Relaxed);
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().call(req)
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _permit = permit;
            tokio::pin!(conn);
            // hyper's header timeout starts once HTTP/1 is chosen; this one also bounds a
            // connection that sends nothing, or a trickled HTTP/2 preface.
            tokio::select! {
                r = conn.as_mut() => return log_end(r, peer),
                () = tokio::time::sleep(header_timeout) => {}
            }
            if !seen_request.load(Ordering::Relaxed) {
                tracing::debug!(%peer, "no request within the header timeout: closed");
                return;
            }
            log_end(conn.await, peer);
        });
    }
    drop(listener);
    tracing::info!("shutting down: letting open requests finish");
    let wait = limits.request_timeout;
    if tokio::time::timeout(wait, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {wait:?}: closing them");
    }
    Ok(())
}

fn log_end(r: Result<(), Box<dyn std::error::Error + Send + Sync>>, peer: SocketAddr) {
    if let Err(e) = r {
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}
