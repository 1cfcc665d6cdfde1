//! The response future and body of the server layers.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use baton_context::{InContext, Snapshot};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use super::core::Ending;
use crate::body::{ObservedBody, short_type_name};
use crate::request_id::X_REQUEST_ID;

#[cfg(feature = "tracing")]
pub(crate) type Handler<F> = InContext<tracing::instrument::Instrumented<F>>;
#[cfg(not(feature = "tracing"))]
pub(crate) type Handler<F> = InContext<F>;

pin_project! {
    /// The future of a [`Server`](super::Server): the handler's, run in the request's context;
    /// its response carries the request id and a [`ResponseBody`] that ends the span.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Handler<F>,
        ending: Option<Ending>,
        echo: Option<http::HeaderValue>,
    }

    impl<F> PinnedDrop for ResponseFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(ending) = this.project().ending.take() {
                ending.abandoned();
            }
        }
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: Handler<F>, ending: Ending, echo: http::HeaderValue) -> Self {
        Self {
            inner,
            ending: Some(ending),
            echo: Some(echo),
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: Body,
    B::Error: fmt::Display,
{
    type Output = Result<http::Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let Some(mut ending) = this.ending.take() else {
            panic!("`ResponseFuture` polled after completion");
        };
        Poll::Ready(match result {
            Ok(response) => {
                let (mut parts, body) = response.into_parts();
                ending.head(parts.status, &parts.headers);
                if let Some(echo) = this.echo.take() {
                    parts.headers.insert(X_REQUEST_ID, echo);
                }
                let snapshot = Snapshot::from(ending.cx.clone());
                #[cfg(feature = "tracing")]
                let span = ending.tracing_span();
                #[cfg(not(feature = "tracing"))]
                let span = ();
                let body = ObservedBody::new(body, ending).end_if_empty();
                Ok(http::Response::from_parts(
                    parts,
                    ResponseBody {
                        inner: body,
                        snapshot,
                        span,
                    },
                ))
            }
            Err(error) => {
                ending.failed(short_type_name::<E>());
                Err(error)
            }
        })
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("done", &self.ending.is_none())
            .finish_non_exhaustive()
    }
}

/// The `tracing` span a response body is polled in (nothing without the `tracing` feature).
#[cfg(feature = "tracing")]
type BodySpan = tracing::Span;
#[cfg(not(feature = "tracing"))]
type BodySpan = ();

pin_project! {
    /// A response body that ends the request's span when it ends (or is dropped), seeing
    /// gRPC trailers on the way. It is polled in the request's context (and, with the
    /// `tracing` feature, inside the request's `tracing` span): a streaming handler's stream
    /// runs as the body is read, after the handler's future returned.
    pub struct ResponseBody<B> {
        #[pin]
        inner: ObservedBody<B, Ending>,
        snapshot: Snapshot,
        span: BodySpan,
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body,
    B::Error: fmt::Display,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let inner = this.inner;
        #[cfg(feature = "tracing")]
        let poll = || this.span.in_scope(|| inner.poll_frame(cx));
        #[cfg(not(feature = "tracing"))]
        let poll = || {
            let () = this.span;
            inner.poll_frame(cx)
        };
        this.snapshot.run_sync(poll)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}
