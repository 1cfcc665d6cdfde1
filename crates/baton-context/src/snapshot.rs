//! Capture the whole current context now, run work in it later: [`Snapshot`].
//!
//! The Rust counterpart of Node's `AsyncLocalStorage.snapshot()` and TC39
//! `AsyncContext.Snapshot`. A snapshot holds the [`Context`] itself (span, baggage and every
//! [`Local`](crate::Local)), so capturing is O(1) and later changes never show through.
//!
//! ```
//! use baton_context::{Local, Snapshot};
//!
//! static STEP: Local<&'static str> = Local::new("step");
//!
//! let snapshot = STEP.sync_scope("parse", Snapshot::capture);
//! STEP.sync_scope("render", || {
//!     assert_eq!(STEP.get(), Some("render"));
//!     assert_eq!(snapshot.run_sync(|| STEP.get()), Some("parse"));
//! });
//! ```
//!
//! # Which capture for which work
//!
//! A snapshot carries exactly what it captured; [`run`](Snapshot::run),
//! [`run_sync`](Snapshot::run_sync), [`wrap`](Snapshot::wrap) and
//! [`attach`](Snapshot::attach) add and remove nothing. So the choice is made at the capture:
//!
//! - [`Snapshot::capture`] keeps everything, [non-inherited](crate::Local::not_inherited)
//!   locals (a request's database transaction) included: for the same unit of work, resumed
//!   later by the request itself.
//! - [`Snapshot::for_spawn`] leaves the non-inherited locals behind: for work that may outlive
//!   the request, such as a wrapped callback handed to a thread pool or a future handed to an
//!   executor. Baton's spawns (`spawn`, `spawn_blocking` and `JoinSetExt` with the `tokio`
//!   feature, [`thread::spawn`](crate::thread::spawn)) and
//!   [`Carry::in_current_context`](crate::Carry::in_current_context) capture this way.

use std::future::Future;
use std::panic::Location;

use opentelemetry::Context;

use opentelemetry::trace::{Span, TraceContextExt};

use crate::attach;
use crate::bindings::Locals;
use crate::future::InContext;
use crate::local::Local;
use crate::strict::Tracked;

/// The whole context at one point in time, to run work in later.
///
/// # Examples
///
/// ```
/// use baton_context::{Local, Snapshot};
///
/// static ID: Local<u32> = Local::new("id");
/// let snapshot = ID.sync_scope(1, Snapshot::capture);
/// assert_eq!(ID.get(), None);
/// assert_eq!(snapshot.run_sync(|| ID.get()), Some(1));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    cx: Context,
}

impl Snapshot {
    /// Captures the current context: span, baggage and all locals, in O(1).
    ///
    /// Non-inherited locals included: use it to resume the same unit of work, and
    /// [`Snapshot::for_spawn`] for work that may outlive it.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(2, Snapshot::capture);
    /// assert_eq!(snapshot.get(&ID), Some(2));
    /// ```
    #[must_use]
    pub fn capture() -> Self {
        Self {
            cx: Context::current(),
        }
    }

    /// Captures the current context without the [non-inherited](crate::Local::not_inherited)
    /// locals: what Baton's spawns carry into new tasks and threads.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// static ID: Local<u32> = Local::new("id");
    /// static TX: Local<u32> = Local::new("tx").not_inherited();
    ///
    /// let snapshot = ID.sync_scope(1, || TX.sync_scope(2, Snapshot::for_spawn));
    /// assert_eq!(snapshot.get(&ID), Some(1));
    /// assert_eq!(snapshot.get(&TX), None);
    /// ```
    #[must_use]
    pub fn for_spawn() -> Self {
        let cx =
            Context::map_current(|cx| Locals::strip_for_spawn(cx).unwrap_or_else(|| cx.clone()));
        Self { cx }
    }

    /// The value `local` has in this snapshot (or its default).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// static ID: Local<u32> = Local::new("id");
    /// assert_eq!(Snapshot::capture().get(&ID), None);
    /// ```
    #[must_use]
    pub fn get<T: Clone + Send + Sync + 'static>(&self, local: &'static Local<T>) -> Option<T> {
        local.get_in(&self.cx)
    }

    /// The captured [`Context`].
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry::trace::TraceContextExt;
    /// let snapshot = baton_context::Snapshot::capture();
    /// assert!(!snapshot.context().has_active_span());
    /// ```
    #[must_use]
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// The captured [`Context`], by value.
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry::trace::TraceContextExt;
    /// let cx = baton_context::Snapshot::capture().into_context();
    /// assert!(!cx.has_active_span());
    /// ```
    #[must_use]
    pub fn into_context(self) -> Context {
        self.cx
    }

    /// Runs `future` in this snapshot: the snapshot is attached around each of its polls.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// use futures_util::FutureExt as _; // now_or_never
    ///
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(3, Snapshot::capture);
    /// let fut = snapshot.run(async { ID.get() });
    /// assert_eq!(fut.now_or_never(), Some(Some(3)));
    /// ```
    #[track_caller]
    pub fn run<F: Future>(self, future: F) -> InContext<F> {
        InContext::new(future, self.cx, Location::caller())
    }

    /// Runs `f` in this snapshot and returns its result.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(4, Snapshot::capture);
    /// assert_eq!(snapshot.run_sync(|| ID.get()), Some(4));
    /// ```
    #[track_caller]
    pub fn run_sync<R>(&self, f: impl FnOnce() -> R) -> R {
        attach::run_in(self.cx.clone(), Location::caller(), f)
    }

    /// Wraps `f` so that, whenever and wherever it is called, it runs in this snapshot.
    ///
    /// A wrapped closure that is never called is still dropped in the snapshot, as a scoped
    /// future is: what its captures' destructors see (a log line, a span ended on drop) is
    /// the snapshot's context.
    ///
    /// A callback handed to other threads may outlive the request: wrap a
    /// [`Snapshot::for_spawn`], so the request's non-inherited locals stay behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// static ID: Local<u32> = Local::new("id");
    /// static TX: Local<u32> = Local::new("tx").not_inherited();
    ///
    /// let callback = ID.sync_scope(5, || {
    ///     TX.sync_scope(1, || Snapshot::for_spawn().wrap(|| (ID.get(), TX.get())))
    /// });
    /// assert_eq!(std::thread::spawn(callback).join().unwrap(), (Some(5), None));
    /// ```
    #[track_caller]
    pub fn wrap<F: FnOnce() -> R, R>(self, f: F) -> impl FnOnce() -> R {
        let wrapped = Wrapped {
            cx: self.cx,
            location: Location::caller(),
            f: Some(f),
        };
        move || wrapped.call()
    }

    /// Attaches this snapshot to the current thread until the guard is dropped.
    ///
    /// The imperative form of [`Snapshot::run_sync`], for code that cannot use a closure;
    /// the same rules as [`Local::set`](crate::Local::set) apply, and
    /// [strict mode](crate::strict) checks them.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// static ID: Local<u32> = Local::new("id");
    /// let snapshot = ID.sync_scope(6, Snapshot::capture);
    /// {
    ///     let _guard = snapshot.attach();
    ///     assert_eq!(ID.get(), Some(6));
    /// }
    /// assert_eq!(ID.get(), None);
    /// ```
    ///
    /// The guard is `!Send`, so dropping it on another thread does not compile:
    ///
    /// ```compile_fail,E0277
    /// let guard = baton_context::Snapshot::capture().attach();
    /// std::thread::spawn(move || drop(guard));
    /// ```
    #[track_caller]
    #[must_use = "the snapshot is detached as soon as the guard is dropped"]
    pub fn attach(&self) -> SnapshotGuard {
        SnapshotGuard {
            _inner: Tracked::attach(self.cx.clone(), Location::caller()),
        }
    }

    /// This snapshot with `span` as its current span.
    ///
    /// With [`run_sync`](Snapshot::run_sync), the shorthand to run synchronous work in a
    /// span; for futures, see [`Carry::in_span`](crate::Carry::in_span). Spans started inside
    /// through any OpenTelemetry API are children of `span`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Snapshot;
    /// use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    ///
    /// let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("docs");
    /// let parent = tracer.start("render");
    /// let parent_id = parent.span_context().span_id();
    ///
    /// let child = Snapshot::capture().with_span(parent).run_sync(|| tracer.start("template"));
    /// assert_eq!(child.exported_data().unwrap().parent_span_id, parent_id);
    /// ```
    #[must_use]
    pub fn with_span<S>(self, span: S) -> Self
    where
        S: Span + Send + Sync + 'static,
    {
        Self {
            cx: self.cx.with_span(span),
        }
    }
}

impl From<Context> for Snapshot {
    fn from(cx: Context) -> Self {
        Self { cx }
    }
}

impl From<Snapshot> for Context {
    fn from(snapshot: Snapshot) -> Self {
        snapshot.cx
    }
}

/// Keeps a [`Snapshot`] attached until dropped; made by [`Snapshot::attach`].
///
/// `!Send` and `!Sync`: it restores the context of the thread that created it.
///
/// # Examples
///
/// ```
/// use baton_context::{Local, Snapshot};
/// static ID: Local<u32> = Local::new("id");
/// let guard = ID.sync_scope(1, Snapshot::capture).attach();
/// assert_eq!(ID.get(), Some(1));
/// drop(guard);
/// assert_eq!(ID.get(), None);
/// ```
#[derive(Debug)]
pub struct SnapshotGuard {
    _inner: Tracked,
}

/// A closure bound to a context by [`Snapshot::wrap`]: run in it when called, and dropped in
/// it when never called.
struct Wrapped<F> {
    cx: Context,
    location: &'static Location<'static>,
    /// `None` once called.
    f: Option<F>,
}

impl<F> Wrapped<F> {
    fn call<R>(mut self) -> R
    where
        F: FnOnce() -> R,
    {
        match self.f.take() {
            Some(f) => attach::run_in(self.cx.clone(), self.location, f),
            // `call` takes `self`, and `f` is only taken here or in `drop`.
            None => unreachable!("a wrapped closure is called at most once"),
        }
    }
}

impl<F> Drop for Wrapped<F> {
    fn drop(&mut self) {
        if let Some(f) = self.f.take() {
            let _guard = self.cx.clone().attach();
            drop(f);
        }
    }
}
