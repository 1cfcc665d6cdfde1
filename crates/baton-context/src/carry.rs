//! [`Carry`]: run a future or stream in a context captured now, `fut.in_current_context()`.

use std::panic::Location;

use opentelemetry::Context;
use opentelemetry::trace::Span;

use crate::future::InContext;
use crate::snapshot::Snapshot;

/// Carries a context into a future or stream: `fut.in_current_context()`.
///
/// Implemented for every type, like `tracing`'s `Instrument`, so it never clashes with
/// `futures`' or OpenTelemetry's `FutureExt`/`StreamExt`; the returned [`InContext`] is a
/// [`Future`](std::future::Future) or a [`Stream`](futures_core::Stream) when the wrapped value
/// is one.
///
/// Two ways to capture the current context, for two kinds of work:
///
/// | Method | Carries | For |
/// |--------|---------|-----|
/// | [`in_current_context`](Carry::in_current_context) | span, baggage, inherited locals | work that may outlive this one: a spawned task, a queue, another executor |
/// | [`continue_current_context`](Carry::continue_current_context) | everything, [non-inherited](crate::Local::not_inherited) locals too | the same unit of work, awaited or joined right here |
///
/// A [non-inherited](crate::Local::not_inherited) local, such as a request's database
/// transaction, stays out of spawned work:
///
/// ```
/// use baton_context::{Carry, Local};
///
/// static TRANSACTION: Local<u32> = Local::new("transaction").not_inherited();
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// TRANSACTION
///     .scope(1, async {
///         // A background job never sees the request's transaction.
///         let job = tokio::spawn(async { TRANSACTION.get() }.in_current_context());
///         assert_eq!(job.await.unwrap(), None);
///     })
///     .await;
/// # });
/// ```
///
/// while a future that continues the request's work keeps it:
///
/// ```
/// use baton_context::{Carry, Local};
/// use futures_util::FutureExt as _; // now_or_never
///
/// static TRANSACTION: Local<u32> = Local::new("transaction").not_inherited();
///
/// // Made inside the request, awaited by the request itself after the scope returned.
/// let step = TRANSACTION.sync_scope(1, || async { TRANSACTION.get() }.continue_current_context());
/// assert_eq!(step.now_or_never(), Some(Some(1)));
/// ```
pub trait Carry: Sized {
    /// Captures the current context for work that may outlive the current task, and attaches
    /// it around every poll of `self`.
    ///
    /// The capture is [`Snapshot::for_spawn`]: span, baggage and inherited locals, without the
    /// [non-inherited](crate::Local::not_inherited) ones. Safe to hand to `tokio::spawn` or any
    /// executor; Baton's own `spawn` (feature `tokio`) does exactly this.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Carry, Local};
    ///
    /// static REQUEST_ID: Local<u32> = Local::new("request_id");
    /// static TRANSACTION: Local<u32> = Local::new("transaction").not_inherited();
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let job = REQUEST_ID.sync_scope(7, || {
    ///     TRANSACTION.sync_scope(1, || {
    ///         tokio::spawn(async { (REQUEST_ID.get(), TRANSACTION.get()) }.in_current_context())
    ///     })
    /// });
    /// assert_eq!(job.await.unwrap(), (Some(7), None));
    /// # });
    /// ```
    #[track_caller]
    fn in_current_context(self) -> InContext<Self> {
        InContext::new(
            self,
            Snapshot::for_spawn().into_context(),
            Location::caller(),
        )
    }

    /// Captures the whole current context, [non-inherited](crate::Local::not_inherited) locals
    /// included, and attaches it around every poll of `self`.
    ///
    /// For the same unit of work continued elsewhere: a future built inside a scope and
    /// awaited or joined by the same request after the scope returned, or driven by a
    /// combinator that polls outside the scope. Never spawn it: the spawned task would hold
    /// the request's non-inherited values (its transaction) for as long as it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Carry, Local};
    /// use futures_util::FutureExt as _; // now_or_never
    ///
    /// static TRANSACTION: Local<u32> = Local::new("transaction").not_inherited();
    ///
    /// let (kept, stripped) = TRANSACTION.sync_scope(3, || {
    ///     (
    ///         async { TRANSACTION.get() }.continue_current_context(),
    ///         async { TRANSACTION.get() }.in_current_context(),
    ///     )
    /// });
    /// assert_eq!(kept.now_or_never(), Some(Some(3)));
    /// assert_eq!(stripped.now_or_never(), Some(None));
    /// ```
    #[track_caller]
    fn continue_current_context(self) -> InContext<Self> {
        InContext::new(self, Context::current(), Location::caller())
    }

    /// Attaches `snapshot` around every poll of `self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Carry, Local, Snapshot};
    /// use futures_util::{FutureExt as _, StreamExt as _}; // now_or_never, map, collect
    ///
    /// static ID: Local<u32> = Local::new("id");
    ///
    /// let snapshot = ID.sync_scope(4, Snapshot::capture);
    /// let stream = futures_util::stream::iter(0..2).map(|i| ID.get().unwrap() + i);
    /// let items: Option<Vec<u32>> = stream.in_context(snapshot).collect().now_or_never();
    /// assert_eq!(items, Some(vec![4, 5]));
    /// ```
    #[track_caller]
    fn in_context(self, snapshot: impl Into<Snapshot>) -> InContext<Self> {
        InContext::new(self, snapshot.into().into_context(), Location::caller())
    }

    /// Runs `self` with `span` as the current span, on top of what
    /// [`in_current_context`](Carry::in_current_context) captures.
    ///
    /// Spans started inside through any OpenTelemetry API are children of `span`. The span
    /// ends when the last context holding it is dropped (with the returned wrapper, unless the
    /// work captured it elsewhere). For synchronous work, see [`Snapshot::with_span`].
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Carry;
    /// use futures_util::FutureExt as _; // now_or_never
    /// use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    ///
    /// let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("docs");
    /// let parent = tracer.start("checkout");
    /// let parent_id = parent.span_context().span_id();
    ///
    /// let child = async { tracer.start("charge") }.in_span(parent).now_or_never().unwrap();
    /// assert_eq!(child.exported_data().unwrap().parent_span_id, parent_id);
    /// ```
    #[track_caller]
    fn in_span<S>(self, span: S) -> InContext<Self>
    where
        S: Span + Send + Sync + 'static,
    {
        let snapshot = Snapshot::for_spawn().with_span(span);
        InContext::new(self, snapshot.into_context(), Location::caller())
    }
}

impl<T> Carry for T {}
