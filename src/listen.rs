//! The accept loop: HTTP/1.1 and HTTP/2 (hyper-util), a cap on connections and one per
//! client address, idle connections closed early when the slots run short, a header
//! timeout, a send timeout and a memory budget for answers to slow readers, the client
//! address for each request, graceful shutdown.

mod budget;
mod slots;
mod tracked;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower_service::Service;

use crate::http::Limits;
use slots::Slots;
use tracked::{Answer, TrackedIo};

/// While every slot is taken, how often another idle connection is asked to close.
const RECHECK: Duration = Duration::from_millis(100);

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
    let max = limits.max_connections.max(1);
    let free = Arc::new(Semaphore::new(max));
    // Behind a proxy every connection comes from the proxy: no cap per address then.
    let per_address = (!limits.trust_forwarded_for).then_some(limits.max_connections_per_address);
    // An answer must be out within the request timeout of being ready.
    let slots = Slots::new(per_address.map(|n| n.max(1)), limits.request_timeout);
    let memory = budget::Budget::new(limits.answer_memory_mb as u64 * 1024 * 1024);
    let (stop, stopped) = watch::channel(false);
    let header_timeout = limits.header_timeout;
    let drain = limits.request_timeout;
    tokio::pin!(shutdown);
    loop {
        // Accept first, so that a client over its cap is turned away at once instead of
        // waiting in the listen backlog ahead of everyone else.
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(held) = slots.admit(&peer) else {
            tracing::debug!(%peer, "connections per address at their cap: closed");
            continue;
        };
        let Some(permit) = slot(&free, &slots, &mut shutdown).await else {
            break;
        };
        let _ = stream.set_nodelay(true);
        held.conn.serving();
        let conn = held.conn.clone();
        let app = app.clone();
        let memory = memory.clone();
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let in_flight = conn.begin_request();
            req.extensions_mut().insert(ConnectInfo(peer));
            let answer = app.clone().call(req);
            let memory = memory.clone();
            async move {
                let resp = answer.await?;
                Ok::<_, std::convert::Infallible>(resp.map(|b| Answer::wrap(b, in_flight, &memory)))
            }
        });
        let conn = builder
            .serve_connection_with_upgrades(
                TokioIo::new(TrackedIo::new(stream, held.conn.clone())),
                svc,
            )
            .into_owned();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let track = held.conn.clone();
            tokio::pin!(conn);
            // hyper's header timeout starts once HTTP/1 is chosen; this one also bounds a
            // connection that sends nothing, or a trickled HTTP/2 preface.
            let silent = tokio::time::sleep(header_timeout);
            tokio::pin!(silent);
            let mut silent_armed = true;
            loop {
                tokio::select! {
                    r = conn.as_mut() => return log_end(r, peer),
                    () = &mut silent, if silent_armed => {
                        if !track.seen_request() {
                            tracing::debug!(%peer, "no request within the header timeout: closed");
                            return;
                        }
                        silent_armed = false;
                    }
                    () = track.close.notified() => {
                        tracing::debug!(%peer, "idle while the slots run short: closed");
                        break;
                    }
                    _ = stopped.wait_for(|s| *s) => break,
                    () = track.cut.notified() => return cut(peer),
                }
            }
            // An idle connection closes at once; one answering finishes first.
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                r = tokio::time::timeout(drain, conn) => if let Ok(r) = r { log_end(r, peer) },
                () = track.cut.notified() => cut(peer),
            }
            drop(held);
        });
    }
    drop(listener);
    tracing::info!("shutting down: letting open requests finish");
    let _ = stop.send(true);
    if tokio::time::timeout(drain, free.acquire_many(max as u32))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {drain:?}: closing them");
    }
    Ok(())
}

/// A free slot; while there is none, idle connections are asked to close one at a time.
/// None when the server is shutting down.
async fn slot<F: std::future::Future<Output = ()>>(
    free: &Arc<Semaphore>,
    slots: &Slots,
    shutdown: &mut Pin<&mut F>,
) -> Option<OwnedSemaphorePermit> {
    loop {
        if let Ok(p) = free.clone().try_acquire_owned() {
            return Some(p);
        }
        slots.close_idle();
        tokio::select! {
            p = free.clone().acquire_owned() => return Some(p.expect("the semaphore is never closed")),
            () = tokio::time::sleep(RECHECK) => {}
            () = shutdown.as_mut() => return None,
        }
    }
}

fn cut(peer: SocketAddr) {
    tracing::debug!(%peer, "answer ended: large answers over their memory budget");
}

fn log_end(r: Result<(), Box<dyn std::error::Error + Send + Sync>>, peer: SocketAddr) {
    if let Err(e) = r {
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}
