//! The request and body deadlines (`--request-timeout`, `--body-timeout`), armed only when
//! they are needed.
//!
//! tower-http's `TimeoutLayer` and `RequestBodyDeadlineLayer` register a timer with the
//! runtime for every request and poll it before the work they guard, even when the work is
//! done in its first poll, as a verification with its body already in hand is. That
//! registration (and cancelling it) was measurable on the verify path (issue 10's
//! benchmark). These do the same job but start the timer the first time the guarded future
//! or body is not ready: a request answered at once never touches the timer wheel. The
//! deadline still counts from when the request came in.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::Frame;
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep, sleep_until};
use tower_layer::Layer;
use tower_service::Service;

/// The error a request body gives once its deadline has passed (mapped to 408 by
/// `extract::body_problem`).
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the body timeout")]
pub struct BodyDeadlinePassed;

/// Answers `status` when the inner service has not answered within `timeout`.
#[derive(Clone, Copy, Debug)]
pub struct RequestDeadlineLayer {
    pub timeout: Duration,
    pub status: StatusCode,
}

impl<S> Layer<S> for RequestDeadlineLayer {
    type Service = RequestDeadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestDeadline { inner, cfg: *self }
    }
}

#[derive(Clone, Debug)]
pub struct RequestDeadline<S> {
    inner: S,
    cfg: RequestDeadlineLayer,
}

impl<S> Service<Request> for RequestDeadline<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        DeadlineFuture {
            inner: self.inner.call(req),
            timer: Timer::new(self.cfg.timeout),
            status: self.cfg.status,
        }
    }
}

pin_project! {
    pub struct DeadlineFuture<F> {
        #[pin]
        inner: F,
        #[pin]
        timer: Timer,
        status: StatusCode,
    }
}

impl<F, E> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.timer.as_mut().passed(cx) {
            return Poll::Ready(Ok(this.status.into_response()));
        }
        match this.inner.poll(cx) {
            Poll::Ready(r) => Poll::Ready(r),
            Poll::Pending if this.timer.arm(cx) => Poll::Ready(Ok(this.status.into_response())),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Gives the request body a deadline: the whole body must have arrived within `timeout` of
/// the request coming in.
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadlineLayer {
    pub timeout: Duration,
}

impl<S> Layer<S> for BodyDeadlineLayer {
    type Service = BodyDeadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        BodyDeadline {
            inner,
            timeout: self.timeout,
        }
    }
}

#[derive(Clone, Debug)]
pub struct BodyDeadline<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Service<Request> for BodyDeadline<S>
where
    S: Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let timeout = self.timeout;
        self.inner.call(req.map(|body| {
            Body::new(DeadlineBody {
                body,
                timer: Timer::new(timeout),
            })
        }))
    }
}

pin_project! {
    struct DeadlineBody {
        #[pin]
        body: Body,
        #[pin]
        timer: Timer,
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        let passed = || Poll::Ready(Some(Err(axum::Error::new(BodyDeadlinePassed))));
        if this.timer.as_mut().passed(cx) {
            return passed();
        }
        match this.body.poll_frame(cx) {
            Poll::Pending if this.timer.arm(cx) => passed(),
            other => {
                let frame = ready!(other);
                Poll::Ready(frame)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

pin_project! {
    /// A deadline fixed when the request came in, whose timer is made only when asked.
    struct Timer {
        deadline: Instant,
        #[pin]
        sleep: Option<Sleep>,
    }
}

impl Timer {
    fn new(timeout: Duration) -> Self {
        Timer {
            deadline: Instant::now() + timeout,
            sleep: None,
        }
    }

    /// Whether an armed timer has gone off (an unarmed one has not been waited on yet).
    fn passed(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        match self.project().sleep.as_pin_mut() {
            Some(sleep) => sleep.poll(cx).is_ready(),
            None => false,
        }
    }

    /// Arms the timer, if it is not yet, so that `cx` is woken at the deadline; true when
    /// the deadline has already passed.
    fn arm(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let mut this = self.project();
        if this.sleep.is_none() {
            this.sleep.set(Some(sleep_until(*this.deadline)));
        }
        match this.sleep.as_pin_mut() {
            Some(sleep) => sleep.poll(cx).is_ready(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn read_all(req: Request) -> Result<String, String> {
        match req.into_body().collect().await {
            Ok(b) => Ok(String::from_utf8_lossy(&b.to_bytes()).into_owned()),
            Err(e) => Err(format!("{e}")),
        }
    }

    fn app(request: Duration, body: Duration) -> Router {
        Router::new()
            .route(
                "/",
                post(|req: Request| async move {
                    match read_all(req).await {
                        Ok(s) => (StatusCode::OK, s),
                        Err(e) => (StatusCode::REQUEST_TIMEOUT, e),
                    }
                }),
            )
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    "late"
                }),
            )
            .layer(BodyDeadlineLayer { timeout: body })
            .layer(RequestDeadlineLayer {
                timeout: request,
                status: StatusCode::SERVICE_UNAVAILABLE,
            })
    }

    #[tokio::test(start_paused = true)]
    async fn a_ready_request_is_answered() {
        let resp = app(Duration::from_secs(2), Duration::from_secs(1))
            .oneshot(Request::post("/").body(Body::from("hello")).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"hello");
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_handler_gets_the_status_at_the_deadline() {
        let started = Instant::now();
        let resp = app(Duration::from_secs(2), Duration::from_secs(1))
            .oneshot(Request::post("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_coming_fails_at_its_deadline() {
        // One frame at once, then nothing: the deadline counts from the request.
        struct Stalls(bool);
        impl http_body::Body for Stalls {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                mut self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
                if std::mem::replace(&mut self.0, true) {
                    Poll::Pending
                } else {
                    Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"par")))))
                }
            }
        }
        let body = Body::new(Stalls(false));
        let started = Instant::now();
        let resp = app(Duration::from_secs(10), Duration::from_secs(1))
            .oneshot(Request::post("/").body(body).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        let text = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(
            String::from_utf8_lossy(&text).contains("body timeout"),
            "{text:?}"
        );
    }
}
