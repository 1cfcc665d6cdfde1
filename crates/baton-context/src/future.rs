//! The wrappers that run futures and streams in a context: [`InContext`] (made by
//! [`Carry`](crate::Carry) and [`Snapshot::run`](crate::Snapshot::run)) and [`Scope`] (made by
//! [`Local::scope`]).
//!
//! [`InContext`] attaches its [`Context`] around every poll of the wrapped future or stream,
//! like OpenTelemetry's `WithContext`, so the value of every [`Local`], the active span and
//! the baggage are those captured when the wrapper was made, whichever thread or task polls
//! it. Unlike `WithContext` (and like `tracing`'s `Instrumented`), it also attaches the
//! context while the wrapped future is dropped, so drop-time logs and spans see it too.
//!
//! ```
//! use baton_context::{Carry, Local};
//! use futures_util::FutureExt as _; // now_or_never
//!
//! static ID: Local<u32> = Local::new("id");
//!
//! let fut = ID.sync_scope(5, || async { ID.get() }.in_current_context());
//! // Polled outside the scope, it still sees the value captured inside.
//! assert_eq!(fut.now_or_never(), Some(Some(5)));
//! ```

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures_core::Stream;
use opentelemetry::Context;
use pin_project_lite::pin_project;

use crate::attach::enter;
use crate::local::Local;

pin_project! {
    /// A future or stream that runs in a captured [`Context`].
    ///
    /// Made by the [`Carry`](crate::Carry) methods and [`Snapshot::run`](crate::Snapshot::run).
    /// It is a [`Future`] when `F` is one and a [`Stream`] when `F` is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Carry, InContext, Local, Snapshot};
    /// use futures_util::FutureExt as _; // now_or_never
    ///
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(1, Snapshot::capture);
    /// let fut: InContext<_> = async { ID.get() }.in_context(snapshot);
    /// assert_eq!(fut.now_or_never(), Some(Some(1)));
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
    /// use baton_context::{Carry, Local};
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
    /// use baton_context::Carry;
    /// use futures_util::FutureExt as _; // now_or_never
    ///
    /// let fut = std::future::ready(3).in_current_context();
    /// assert_eq!(fut.into_inner().now_or_never(), Some(3));
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
    /// [`baton_context::spawn`] to carry the spawner's span and locals as well.
    /// [`Snapshot::run`](crate::Snapshot::run) and the [`Carry`](crate::Carry) methods, by
    /// contrast, capture at creation.
    ///
    /// Once polled, the scope also drops the wrapped future inside its context, so what the
    /// future's destructors log or record still sees the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Scope};
    /// use futures_util::FutureExt as _; // now_or_never
    ///
    /// static A: Local<u32> = Local::new("a");
    /// static B: Local<u32> = Local::new("b");
    ///
    /// let fut: Scope<u32, _> = A.scope(1, B.scope(2, async { (A.get(), B.get()) }));
    /// assert_eq!(fut.now_or_never(), Some((Some(1), Some(2))));
    /// ```
    #[must_use = "futures do nothing unless polled"]
    #[cfg_attr(feature = "tokio", doc = "[`baton_context::spawn`]: crate::spawn")]
    #[cfg_attr(not(feature = "tokio"), doc = "[`baton_context::spawn`]: crate#feature-flags")]
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

impl<T: Send + Sync + 'static> Local<T> {
    /// Runs `future` with this local bound to `value` at every poll.
    ///
    /// The value is visible through every `.await` of `future`, shadows any outer value, and
    /// is gone once the future returns. It is bound on top of the context the future is first
    /// polled in (span, baggage, other locals), so nested scopes compose in any order; see
    /// [`Scope`].
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Local;
    /// use futures_util::FutureExt as _; // now_or_never
    ///
    /// static REQUEST_ID: Local<&'static str> = Local::new("request_id");
    ///
    /// let id = REQUEST_ID.scope("r-1", async { REQUEST_ID.get() }).now_or_never();
    /// assert_eq!(id, Some(Some("r-1")));
    /// ```
    #[track_caller]
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> Scope<T, F> {
        Scope::new(self, value, future, Location::caller())
    }
}

impl<T: Send + Sync + 'static, F> Scope<T, F> {
    fn new(
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
