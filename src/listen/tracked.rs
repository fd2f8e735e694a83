//! The socket and the answers of one connection, watched for what [`super::slots`] needs:
//! when bytes come in, and when an answer has been sent. The socket also enforces the send
//! deadline: hyper stops polling an answer's body while the reader is slow (the socket is
//! not writable), so the deadline is checked where hyper waits, at the write.

use std::io::IoSlice;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use http_body::Frame;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::budget::{self, Budget};
use super::slots::{Conn, InFlight};

pin_project! {
    /// A socket that tells its connection when bytes arrive.
    pub struct TrackedIo<S> {
        #[pin]
        inner: S,
        conn: Arc<Conn>,
        // Made the first time a write waits while an answer has a deadline.
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<S> TrackedIo<S> {
    pub fn new(inner: S, conn: Arc<Conn>) -> Self {
        TrackedIo {
            inner,
            conn,
            timer: None,
        }
    }
}

/// Whether the answer being sent is past its deadline; when the write `waits`, the task is
/// also woken at the deadline (so that hyper tries again and gets the error).
fn overdue(
    conn: &Conn,
    timer: &mut Option<Pin<Box<Sleep>>>,
    cx: &mut Context<'_>,
    waits: bool,
) -> bool {
    let Some(at) = conn.send_deadline() else {
        return false;
    };
    let at = tokio::time::Instant::from_std(at);
    if tokio::time::Instant::now() >= at {
        return true;
    }
    if !waits {
        return false;
    }
    let sleep = match timer {
        Some(s) => {
            if s.deadline() != at {
                s.as_mut().reset(at);
            }
            s
        }
        None => timer.insert(Box::pin(tokio::time::sleep_until(at))),
    };
    sleep.as_mut().poll(cx).is_ready()
}

fn too_slow() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the answer was not taken within the send timeout",
    )
}

/// Checks a write's outcome against the send deadline.
fn checked<T>(
    r: Poll<std::io::Result<T>>,
    conn: &Conn,
    timer: &mut Option<Pin<Box<Sleep>>>,
    cx: &mut Context<'_>,
) -> Poll<std::io::Result<T>> {
    if overdue(conn, timer, cx, r.is_pending()) {
        return Poll::Ready(Err(too_slow()));
    }
    r
}

impl<S: AsyncRead> AsyncRead for TrackedIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let r = this.inner.poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.conn.saw_bytes();
        }
        r
    }
}

impl<S: AsyncWrite> AsyncWrite for TrackedIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.project();
        let r = this.inner.poll_write(cx, buf);
        checked(r, this.conn, this.timer, cx)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.project();
        let r = this.inner.poll_flush(cx);
        checked(r, this.conn, this.timer, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.project();
        let r = this.inner.poll_write_vectored(cx, bufs);
        checked(r, this.conn, this.timer, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The largest piece of an answer handed to hyper at once.
const PIECE: usize = 64 * 1024;

pin_project! {
    /// An answer's body, holding its request "in flight" (and a large one its share of
    /// the memory budget) until hyper has sent it, or dropped it. Handed to hyper in
    /// pieces of at most [`PIECE`] bytes: given a whole 20 MiB frame, hyper would queue it,
    /// drop the body and go on writing long after the answer looked sent.
    pub struct Answer {
        #[pin]
        body: Body,
        rest: Bytes,
        _in_flight: InFlight,
        _memory: Option<budget::Held>,
    }
}

impl Answer {
    /// Starts the answer's send deadline; counts a large one against `budget`.
    pub fn wrap(body: Body, in_flight: InFlight, budget: &Arc<Budget>) -> Body {
        let conn = in_flight.conn();
        conn.answer_ready();
        let size = http_body::Body::size_hint(&body);
        let memory = match size.upper() {
            Some(n) if size.lower() == n && n >= budget::LARGE => Some(budget.hold(n, conn)),
            _ => None,
        };
        Body::new(Answer {
            body,
            rest: Bytes::new(),
            _in_flight: in_flight,
            _memory: memory,
        })
    }
}

impl http_body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        if this.rest.is_empty() {
            match std::task::ready!(this.body.poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => *this.rest = data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                other => return Poll::Ready(other),
            }
        }
        let n = this.rest.len().min(PIECE);
        Poll::Ready(Some(Ok(Frame::data(this.rest.split_to(n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let inner = self.body.size_hint();
        let rest = self.rest.len() as u64;
        let mut hint = http_body::SizeHint::new();
        hint.set_lower(inner.lower() + rest);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + rest);
        }
        hint
    }
}
