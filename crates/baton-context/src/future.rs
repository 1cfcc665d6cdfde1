//! Futures and streams that run in a captured context: [`FutureExt`], [`StreamExt`],
//! [`InContext`] and [`Scope`].
//!
//! [`InContext`] attaches its [`Context`] around every poll of the wrapped future or stream,
//! like OpenTelemetry's `WithContext`, so the value of every [`Local`], the active span and
//! the baggage are those captured when the wrapper was made, whichever thread or task polls
//! it. Unlike `WithContext` (and like `tracing`'s `Instrumented`), it also attaches the
//! context while the wrapped future is dropped, so drop-time logs and spans see it too.
//!
//! ```
//! use baton_context::{FutureExt, Local};
//!
//! static ID: Local<u32> = Local::new("id");
//!
//! let fut = ID.sync_scope(5, || async { ID.get() }.in_current_context());
//! // Polled outside the scope, it still sees the value captured inside.
//! assert_eq!(futures_util::FutureExt::now_or_never(fut), Some(Some(5)));
//! ```

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures_core::Stream;
use opentelemetry::Context;
use pin_project_lite::pin_project;

use crate::local::Local;
use crate::snapshot::Snapshot;
use crate::strict;

pin_project! {
    /// A future or stream that runs in a captured [`Context`].
    ///
    /// Made by [`Snapshot::run`],
    /// [`FutureExt::in_current_context`], [`FutureExt::in_context`] and their [`StreamExt`]
    /// counterparts.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{FutureExt, Local, Snapshot};
    ///
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(1, Snapshot::capture);
    /// let fut: baton_context::InContext<_> = async { ID.get() }.in_context(snapshot);
    /// assert_eq!(futures_util::FutureExt::now_or_never(fut), Some(Some(1)));
    /// ```
    ///
    /// The wrapped future or stream is also dropped inside the context, like `tracing`'s
    /// `Instrumented`, so what its destructors log or record belongs to the request.
    #[derive(Debug, Clone)]
    #[must_use = "futures and streams do nothing unless polled"]
    pub struct InContext<F> {
        // `None` only once dropped or taken by `into_inner`, so never seen by a poll.
        #[pin]
        inner: Option<F>,
        cx: Context,
        location: &'static Location<'static>,
    }

    impl<F> PinnedDrop for InContext<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_some() {
                let inner = &mut this.inner;
                enter(this.cx, this.location, || inner.set(None));
            }
        }
    }
}

impl<F> InContext<F> {
    pub(crate) fn new(inner: F, cx: Context, location: &'static Location<'static>) -> Self {
        Self {
            inner: Some(inner),
            cx,
            location,
        }
    }

    /// The context attached around each poll.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{FutureExt, Local};
    /// static ID: Local<u32> = Local::new("id");
    /// let fut = ID.sync_scope(2, || async {}.in_current_context());
    /// assert_eq!(ID.get_in(fut.context()), Some(2));
    /// ```
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// The wrapped future or stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::FutureExt;
    /// let fut = std::future::ready(3).in_current_context();
    /// assert_eq!(futures_util::FutureExt::now_or_never(fut.into_inner()), Some(3));
    /// ```
    pub fn into_inner(mut self) -> F {
        match self.inner.take() {
            Some(inner) => inner,
            None => gone(),
        }
    }
}

impl<F: Future> Future for InContext<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, task_cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(inner) = this.inner.as_pin_mut() else {
            gone()
        };
        enter(this.cx, this.location, || inner.poll(task_cx))
    }
}

impl<S: Stream> Stream for InContext<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, task_cx: &mut TaskContext<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let Some(inner) = this.inner.as_pin_mut() else {
            gone()
        };
        enter(this.cx, this.location, || inner.poll_next(task_cx))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.as_ref().map_or((0, Some(0)), Stream::size_hint)
    }
}

/// The inner future of an [`InContext`] or [`Scope`] is only taken out by their destructor or
/// `into_inner`, both of which consume the wrapper, so no poll can see it gone.
#[cold]
#[inline(never)]
fn gone() -> ! {
    unreachable!("a Baton context wrapper was used after its future was dropped")
}

/// Attaches `cx` around `f`; in strict mode, reports guards `f` left attached.
#[inline]
fn enter<R>(cx: &Context, location: &'static Location<'static>, f: impl FnOnce() -> R) -> R {
    if strict::is_enabled() {
        return enter_strict(cx, location, f);
    }
    let _guard = cx.clone().attach();
    f()
}

#[cold]
#[inline(never)]
fn enter_strict<R>(cx: &Context, location: &'static Location<'static>, f: impl FnOnce() -> R) -> R {
    let _guard = cx.clone().attach();
    // Dropped before `_guard`, and also when `f` panics.
    let _check = strict::ScopeCheck::new(location);
    f()
}

pin_project! {
    /// A future that runs with a [`Local`] bound; made by [`Local::scope`].
    ///
    /// The value is bound on top of the context in which the future is first polled (as with
    /// `tokio::task_local!`), so scopes nest however they are composed:
    /// `A.scope(a, B.scope(b, fut))` sees both values even though the inner scope is built
    /// before the outer one is entered. From the first poll on, the same context is attached
    /// around every poll.
    ///
    /// Because the binding is made at the first poll, a scope handed to a plain `tokio::spawn`
    /// starts from the worker's empty context (only this local is set); spawn it with
    /// [`baton_context::spawn`](crate::spawn) to carry the spawner's span and locals as well.
    /// [`Snapshot::run`] and [`FutureExt::in_current_context`], by contrast, capture at
    /// creation.
    ///
    /// Once polled, the scope also drops the wrapped future inside its context, so what the
    /// future's destructors log or record still sees the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Local;
    ///
    /// static A: Local<u32> = Local::new("a");
    /// static B: Local<u32> = Local::new("b");
    ///
    /// let fut: baton_context::future::Scope<u32, _> =
    ///     A.scope(1, B.scope(2, async { (A.get(), B.get()) }));
    /// assert_eq!(futures_util::FutureExt::now_or_never(fut), Some((Some(1), Some(2))));
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct Scope<T, F>
    where
        T: Send,
        T: Sync,
        T: 'static,
    {
        // `None` only once dropped, so never seen by a poll.
        #[pin]
        inner: Option<F>,
        local: &'static Local<T>,
        value: Option<T>,
        cx: Option<Context>,
        location: &'static Location<'static>,
    }

    impl<T, F> PinnedDrop for Scope<T, F>
    where
        T: Send,
        T: Sync,
        T: 'static,
    {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            // Never polled: the value was never bound, so there is no context to drop in.
            if let (Some(cx), true) = (this.cx.as_ref(), this.inner.is_some()) {
                let inner = &mut this.inner;
                enter(cx, this.location, || inner.set(None));
            }
        }
    }
}

impl<T: Send + Sync + 'static, F> Scope<T, F> {
    pub(crate) fn new(
        local: &'static Local<T>,
        value: T,
        inner: F,
        location: &'static Location<'static>,
    ) -> Self {
        Self {
            inner: Some(inner),
            local,
            value: Some(value),
            cx: None,
            location,
        }
    }
}

impl<T: Send + Sync + 'static, F: Future> Future for Scope<T, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, task_cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(inner) = this.inner.as_pin_mut() else {
            gone()
        };
        if this.cx.is_none() {
            *this.cx = bind_on_first_poll(this.local, this.value);
        }
        match this.cx {
            Some(cx) => enter(cx, this.location, || inner.poll(task_cx)),
            None => inner.poll(task_cx),
        }
    }
}

/// Binds the scope's value on top of the current context (once per scope, off the hot path).
#[cold]
#[inline(never)]
fn bind_on_first_poll<T: Send + Sync + 'static>(
    local: &'static Local<T>,
    value: &mut Option<T>,
) -> Option<Context> {
    let value = value.take()?;
    Some(Context::map_current(|cx| local.bind(cx, value)))
}

impl<T: Send + Sync + 'static, F: fmt::Debug> fmt::Debug for Scope<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("inner", &self.inner)
            .field("local", &self.local.name())
            .field("entered", &self.cx.is_some())
            .finish()
    }
}

/// Runs futures in the current or a given context: `fut.in_current_context()`.
///
/// # Examples
///
/// ```
/// use baton_context::{FutureExt, Local};
///
/// static ID: Local<u32> = Local::new("id");
/// let fut = ID.sync_scope(8, || async { ID.get() }.in_current_context());
/// assert_eq!(futures_util::FutureExt::now_or_never(fut), Some(Some(8)));
/// ```
pub trait FutureExt: Future + Sized {
    /// Captures the whole current context (including non-inherited locals) and attaches it
    /// around every poll of this future.
    ///
    /// To hand a future to an executor Baton does not wrap, use
    /// `fut.in_context(Snapshot::for_spawn())` so non-inherited locals stay behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{FutureExt, Local};
    /// static ID: Local<u32> = Local::new("id");
    /// let fut = ID.sync_scope(1, || async { ID.get() }.in_current_context());
    /// assert_eq!(futures_util::FutureExt::now_or_never(fut), Some(Some(1)));
    /// ```
    #[track_caller]
    fn in_current_context(self) -> InContext<Self> {
        InContext::new(self, Context::current(), Location::caller())
    }

    /// Attaches `snapshot` around every poll of this future.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{FutureExt, Local, Snapshot};
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(4, Snapshot::capture);
    /// let fut = async { ID.get() }.in_context(snapshot);
    /// assert_eq!(futures_util::FutureExt::now_or_never(fut), Some(Some(4)));
    /// ```
    #[track_caller]
    fn in_context(self, snapshot: impl Into<Snapshot>) -> InContext<Self> {
        InContext::new(self, snapshot.into().into_context(), Location::caller())
    }
}

impl<F: Future> FutureExt for F {}

/// Runs streams in the current or a given context: `stream.in_current_context()`.
///
/// # Examples
///
/// ```
/// use baton_context::{Local, StreamExt};
/// use futures_util::StreamExt as _;
///
/// static ID: Local<u32> = Local::new("id");
/// let stream = ID.sync_scope(3, || {
///     futures_util::stream::iter(0..2).map(|i| ID.get().unwrap() + i).in_current_context()
/// });
/// let items: Vec<u32> = futures_util::FutureExt::now_or_never(stream.collect()).unwrap();
/// assert_eq!(items, [3, 4]);
/// ```
pub trait StreamExt: Stream + Sized {
    /// Captures the whole current context and attaches it around every poll of this stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, StreamExt};
    /// use futures_util::StreamExt as _;
    /// static ID: Local<u32> = Local::new("id");
    /// let mut stream = ID.sync_scope(6, || {
    ///     futures_util::stream::repeat_with(|| ID.get()).in_current_context()
    /// });
    /// assert_eq!(futures_util::FutureExt::now_or_never(stream.next()), Some(Some(Some(6))));
    /// ```
    #[track_caller]
    fn in_current_context(self) -> InContext<Self> {
        InContext::new(self, Context::current(), Location::caller())
    }

    /// Attaches `snapshot` around every poll of this stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot, StreamExt};
    /// use futures_util::StreamExt as _;
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(2, Snapshot::capture);
    /// let mut stream = futures_util::stream::repeat_with(|| ID.get()).in_context(snapshot);
    /// assert_eq!(futures_util::FutureExt::now_or_never(stream.next()), Some(Some(Some(2))));
    /// ```
    #[track_caller]
    fn in_context(self, snapshot: impl Into<Snapshot>) -> InContext<Self> {
        InContext::new(self, snapshot.into().into_context(), Location::caller())
    }
}

impl<S: Stream> StreamExt for S {}
