//! A body that reports how it ended, so a span ends with the body or stream it covers and not
//! at the response headers.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

/// How an [`ObservedBody`] ended.
pub(crate) enum BodyEnd<'a> {
    /// The last frame was read.
    Complete,
    /// Reading a frame failed; `kind` is the error's short type name (low cardinality, for
    /// `error.type`).
    Error {
        kind: &'static str,
        error: &'a dyn fmt::Display,
    },
    /// The body was dropped before its end: the peer went away or the caller stopped reading.
    Dropped,
}

/// What an [`ObservedBody`] tells about its body.
pub(crate) trait BodyObserver {
    /// A trailers frame went by (gRPC puts its status there).
    fn trailers(&mut self, _trailers: &http::HeaderMap) {}

    /// The body ended; called exactly once.
    fn end(self, end: BodyEnd<'_>);
}

pin_project! {
    /// A body that passes every frame through unchanged and calls its observer when it ends,
    /// fails, or is dropped early.
    pub(crate) struct ObservedBody<B, O: BodyObserver> {
        #[pin]
        inner: B,
        observer: Option<O>,
    }

    impl<B, O: BodyObserver> PinnedDrop for ObservedBody<B, O> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(observer) = this.observer.take() {
                observer.end(BodyEnd::Dropped);
            }
        }
    }
}

impl<B, O: BodyObserver> ObservedBody<B, O> {
    pub(crate) fn new(inner: B, observer: O) -> Self {
        Self {
            inner,
            observer: Some(observer),
        }
    }
}

impl<B, O> Body for ObservedBody<B, O>
where
    B: Body,
    B::Error: fmt::Display,
    O: BodyObserver,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let frame = ready!(this.inner.as_mut().poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let (Some(trailers), Some(observer)) =
                    (frame.trailers_ref(), this.observer.as_mut())
                {
                    observer.trailers(trailers);
                }
                // A server may never poll again once the body says it is done.
                if this.inner.is_end_stream()
                    && let Some(observer) = this.observer.take()
                {
                    observer.end(BodyEnd::Complete);
                }
            }
            Some(Err(error)) => {
                if let Some(observer) = this.observer.take() {
                    observer.end(BodyEnd::Error {
                        kind: short_type_name::<B::Error>(),
                        error,
                    });
                }
            }
            None => {
                if let Some(observer) = this.observer.take() {
                    observer.end(BodyEnd::Complete);
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B, O: BodyObserver> ObservedBody<B, O>
where
    B: Body,
{
    /// Ends the observation now if the body is already empty: hyper does not poll a body whose
    /// `is_end_stream` is true, so without this an empty response would only end at drop.
    pub(crate) fn end_if_empty(mut self) -> Self {
        if self.inner.is_end_stream()
            && let Some(observer) = self.observer.take()
        {
            observer.end(BodyEnd::Complete);
        }
        self
    }
}

impl<B, O: BodyObserver> fmt::Debug for ObservedBody<B, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObservedBody")
            .field("ended", &self.observer.is_none())
            .finish_non_exhaustive()
    }
}

/// The last path segment of a type's name (`Status` for `tonic::Status`): a stable, low
/// cardinality `error.type` for a body error.
pub(crate) fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    let name = name.split('<').next().unwrap_or(name);
    name.rsplit("::").next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use http_body_util::{BodyExt, Full, StreamBody};

    use super::*;

    #[derive(Clone, Default)]
    struct Record(Arc<Mutex<Vec<String>>>);

    impl BodyObserver for Record {
        fn trailers(&mut self, trailers: &http::HeaderMap) {
            let status = trailers.get("grpc-status").and_then(|v| v.to_str().ok());
            self.0.lock().unwrap().push(format!("trailers {status:?}"));
        }

        fn end(self, end: BodyEnd<'_>) {
            let line = match end {
                BodyEnd::Complete => "complete".to_owned(),
                BodyEnd::Error { kind, error } => format!("error {kind}: {error}"),
                BodyEnd::Dropped => "dropped".to_owned(),
            };
            self.0.lock().unwrap().push(line);
        }
    }

    fn events(record: &Record) -> Vec<String> {
        record.0.lock().unwrap().clone()
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_body_read_to_its_end_ends_once_as_complete() {
        let record = Record::default();
        let body = ObservedBody::new(Full::new(bytes::Bytes::from_static(b"hi")), record.clone());
        let collected = block_on(body.collect()).unwrap().to_bytes();
        assert_eq!(&collected[..], b"hi");
        assert_eq!(events(&record), ["complete"]);
    }

    #[test]
    fn trailers_are_seen_before_the_end() {
        let record = Record::default();
        let mut trailers = http::HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("5"));
        let frames: Vec<Result<Frame<bytes::Bytes>, std::convert::Infallible>> = vec![
            Ok(Frame::data(bytes::Bytes::from_static(b"a"))),
            Ok(Frame::trailers(trailers)),
        ];
        let body = StreamBody::new(futures_util::stream::iter(frames));
        let observed = ObservedBody::new(body, record.clone());
        block_on(observed.collect()).unwrap();
        assert_eq!(events(&record), ["trailers Some(\"5\")", "complete"]);
    }

    #[test]
    fn an_error_frame_ends_with_the_error_and_its_type() {
        let record = Record::default();
        let frames: Vec<Result<Frame<bytes::Bytes>, std::io::Error>> =
            vec![Err(std::io::Error::other("reset"))];
        let body = StreamBody::new(futures_util::stream::iter(frames));
        let observed = ObservedBody::new(body, record.clone());
        assert!(block_on(observed.collect()).is_err());
        assert_eq!(events(&record), ["error Error: reset"]);
    }

    #[test]
    fn a_body_dropped_early_ends_as_dropped_and_an_empty_one_as_complete() {
        let record = Record::default();
        drop(ObservedBody::new(
            Full::new(bytes::Bytes::from_static(b"unread")),
            record.clone(),
        ));
        assert_eq!(events(&record), ["dropped"]);

        let empty = Record::default();
        let body = ObservedBody::new(Full::new(bytes::Bytes::new()), empty.clone()).end_if_empty();
        drop(body);
        assert_eq!(events(&empty), ["complete"]);
    }
}
