//! Typed request-scoped values: the `AsyncLocalStorage` of Baton.
//!
//! A [`Local<T>`] is a key declared as a `static`. [`Local::scope`] runs a future with a
//! value bound to the key, [`Local::sync_scope`] does the same for a closure, and
//! [`Local::get`] / [`Local::with`] read the value bound by the innermost enclosing scope.
//! Values live in the current [`opentelemetry::Context`], so they travel with the span and
//! baggage through every `.await`, and through every Baton spawn.
//!
//! ```
//! use baton_context::Local;
//!
//! static REQUEST_ID: Local<u64> = Local::new("request_id");
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let seen = REQUEST_ID
//!     .scope(7, async {
//!         let before = REQUEST_ID.get();
//!         tokio::task::yield_now().await;
//!         (before, REQUEST_ID.get())
//!     })
//!     .await;
//! assert_eq!(seen, (Some(7), Some(7)));
//! assert_eq!(REQUEST_ID.get(), None);
//! # });
//! ```
//!
//! Two locals of the same Rust type never collide: a local's identity is the address of its
//! `static`, not its type (unlike [`Context::with_value`], which keys by type).

use std::fmt;
use std::panic::Location;
use std::sync::OnceLock;

use opentelemetry::Context;

use crate::attach;
use crate::bindings::Locals;
use crate::strict::Tracked;

/// A typed, request-scoped value carried in the current [`Context`].
///
/// Declare it as a `static` (its address is its identity, so the methods take
/// `&'static self`), bind a value with [`scope`](Local::scope) or
/// [`sync_scope`](Local::sync_scope), and read it anywhere below with
/// [`get`](Local::get) or [`with`](Local::with). Nested scopes shadow the outer value and
/// restore it when they end.
///
/// By default a local is inherited by work spawned through Baton ([`spawn`],
/// [`thread::spawn`](crate::thread::spawn), ...). [`Local::not_inherited`] makes a local that
/// stays with the task that bound it, such as a per-request transaction handle that must never
/// leak into a background job.
///
/// # Examples
///
/// ```
/// use baton_context::Local;
///
/// static USER: Local<String> = Local::new("user");
/// static TENANT: Local<String> = Local::new("tenant").with_default(|| "public".to_owned());
///
/// USER.sync_scope("ada".to_owned(), || {
///     assert_eq!(USER.get().as_deref(), Some("ada"));
///     // Same Rust type, different key: no collision.
///     assert_eq!(TENANT.get().as_deref(), Some("public"));
///     USER.sync_scope("grace".to_owned(), || {
///         assert_eq!(USER.get().as_deref(), Some("grace"));
///     });
///     assert_eq!(USER.get().as_deref(), Some("ada"));
/// });
/// assert_eq!(USER.get(), None);
/// ```
#[cfg_attr(feature = "tokio", doc = "[`spawn`]: crate::spawn")]
#[cfg_attr(not(feature = "tokio"), doc = "[`spawn`]: crate#feature-flags")]
pub struct Local<T: Send + Sync + 'static> {
    name: &'static str,
    inherit: bool,
    default: Option<fn() -> T>,
    default_value: OnceLock<T>,
}

impl<T: Send + Sync + 'static> Local<T> {
    /// Creates a local named `name` (the name is for diagnostics and log fields only).
    ///
    /// # Examples
    ///
    /// ```
    /// static REQUEST_ID: baton_context::Local<u64> = baton_context::Local::new("request_id");
    /// assert_eq!(REQUEST_ID.name(), "request_id");
    /// assert!(REQUEST_ID.is_inherited());
    /// ```
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            inherit: true,
            default: None,
            default_value: OnceLock::new(),
        }
    }

    /// Makes this local invisible to work spawned through Baton.
    ///
    /// A spawned task, blocking task or thread starts without a value for this local (or with
    /// its default), while everything else in the context is carried over.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    ///
    /// static TRANSACTION: Local<u32> = Local::new("transaction").not_inherited();
    ///
    /// TRANSACTION.sync_scope(1, || {
    ///     assert_eq!(TRANSACTION.get(), Some(1));
    ///     let child = baton_context::thread::spawn(|| TRANSACTION.get());
    ///     assert_eq!(child.join().unwrap(), None);
    /// });
    /// ```
    #[must_use]
    pub const fn not_inherited(mut self) -> Self {
        self.inherit = false;
        self
    }

    /// Gives this local a default, seen wherever no scope has bound a value.
    ///
    /// `default` runs at most once per process, on first use.
    ///
    /// # Examples
    ///
    /// ```
    /// static LEVEL: baton_context::Local<u8> = baton_context::Local::new("level").with_default(|| 3);
    /// assert_eq!(LEVEL.get(), Some(3));
    /// assert_eq!(LEVEL.sync_scope(5, || LEVEL.get()), Some(5));
    /// ```
    #[must_use]
    pub const fn with_default(mut self, default: fn() -> T) -> Self {
        self.default = Some(default);
        self
    }

    /// The name given to [`Local::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// static TENANT: baton_context::Local<String> = baton_context::Local::new("tenant");
    /// assert_eq!(TENANT.name(), "tenant");
    /// ```
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Whether work spawned through Baton sees this local (see [`Local::not_inherited`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Local;
    /// static A: Local<u8> = Local::new("a");
    /// static B: Local<u8> = Local::new("b").not_inherited();
    /// assert!(A.is_inherited());
    /// assert!(!B.is_inherited());
    /// ```
    #[must_use]
    pub const fn is_inherited(&self) -> bool {
        self.inherit
    }

    pub(crate) fn key(&'static self) -> usize {
        // Statics have distinct addresses, so the address is a collision-free key; `Local`
        // holds a `&str`, so it is never zero-sized.
        self as *const Self as usize
    }

    fn default_value(&'static self) -> Option<&'static T> {
        let default = self.default?;
        Some(self.default_value.get_or_init(default))
    }

    /// Returns `cx` with this local bound to `value`.
    ///
    /// This is the building block of the scope APIs; use it to prepare a context for
    /// [`Carry::in_context`](crate::Carry::in_context) or a [`Snapshot`](crate::Snapshot).
    /// It does not change the current context.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{Local, Snapshot};
    /// use opentelemetry::Context;
    ///
    /// static ID: Local<u32> = Local::new("id");
    /// let cx = ID.bind(&Context::new(), 9);
    /// assert_eq!(ID.get_in(&cx), Some(9));
    /// assert_eq!(Snapshot::from(cx).run_sync(|| ID.get()), Some(9));
    /// ```
    pub fn bind(&'static self, cx: &Context, value: T) -> Context {
        Locals::bind(cx, self.key(), self.inherit, value)
    }

    /// Runs `f` with this local bound to `value`, and returns its result.
    ///
    /// # Examples
    ///
    /// ```
    /// static DEPTH: baton_context::Local<u32> = baton_context::Local::new("depth");
    /// let inner = DEPTH.sync_scope(1, || DEPTH.sync_scope(2, || DEPTH.get()));
    /// assert_eq!(inner, Some(2));
    /// ```
    #[track_caller]
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let cx = Context::map_current(|cx| self.bind(cx, value));
        attach::run_in(cx, Location::caller(), f)
    }

    /// Returns a clone of the value bound by the innermost scope, or the default, or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// static NAME: baton_context::Local<String> = baton_context::Local::new("name");
    /// assert_eq!(NAME.get(), None);
    /// NAME.sync_scope("ada".into(), || assert_eq!(NAME.get().as_deref(), Some("ada")));
    /// ```
    #[must_use]
    pub fn get(&'static self) -> Option<T>
    where
        T: Clone,
    {
        let key = self.key();
        let found = Context::map_current(|cx| Locals::get::<T>(cx, key).cloned());
        match found {
            Some(value) => Some(value),
            None => self.default_value().cloned(),
        }
    }

    /// Returns a clone of the value this local has in `cx`, or the default, or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry::Context;
    /// static ID: baton_context::Local<u8> = baton_context::Local::new("id");
    /// let cx = ID.bind(&Context::new(), 4);
    /// assert_eq!(ID.get_in(&cx), Some(4));
    /// assert_eq!(ID.get_in(&Context::new()), None);
    /// ```
    #[must_use]
    pub fn get_in(&'static self, cx: &Context) -> Option<T>
    where
        T: Clone,
    {
        match Locals::get::<T>(cx, self.key()) {
            Some(value) => Some(value.clone()),
            None => self.default_value().cloned(),
        }
    }

    /// Calls `f` with a reference to the current value (or the default), or `None`.
    ///
    /// Works for values that are not `Clone`. `f` runs after the context's internal borrow is
    /// released, so it may itself enter scopes or attach contexts.
    ///
    /// # Examples
    ///
    /// ```
    /// static BODY: baton_context::Local<Vec<u8>> = baton_context::Local::new("body");
    /// let len = BODY.sync_scope(vec![1, 2, 3], || BODY.with(|body| body.map_or(0, Vec::len)));
    /// assert_eq!(len, 3);
    /// assert_eq!(BODY.with(|body| body.is_none()), true);
    /// ```
    pub fn with<R>(&'static self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let key = self.key();
        let found = Context::map_current(|cx| Locals::binding(cx, key));
        match found.as_ref().and_then(|binding| binding.value::<T>()) {
            Some(value) => f(Some(value)),
            None => f(self.default_value()),
        }
    }

    /// Binds `value` on this thread until the returned guard is dropped.
    ///
    /// This is the imperative escape hatch for code that cannot be written as a scope (a
    /// callback registered in one place and completed in another, a test fixture). Prefer
    /// [`Local::scope`] and [`Local::sync_scope`]: a guard must be dropped on the thread that
    /// created it, in reverse order of creation, and never held across an `.await`.
    /// [Strict mode](crate::strict) reports guards that break these rules.
    ///
    /// # Examples
    ///
    /// ```
    /// static ID: baton_context::Local<u32> = baton_context::Local::new("id");
    /// {
    ///     let _guard = ID.set(3);
    ///     assert_eq!(ID.get(), Some(3));
    /// }
    /// assert_eq!(ID.get(), None);
    /// ```
    ///
    /// The guard is `!Send`, so dropping it on another thread does not compile:
    ///
    /// ```compile_fail,E0277
    /// static ID: baton_context::Local<u32> = baton_context::Local::new("id");
    /// let guard = ID.set(3);
    /// std::thread::spawn(move || drop(guard));
    /// ```
    #[track_caller]
    #[must_use = "the value is unbound as soon as the guard is dropped"]
    pub fn set(&'static self, value: T) -> LocalGuard {
        let cx = Context::map_current(|cx| self.bind(cx, value));
        LocalGuard {
            _inner: Tracked::attach(cx, Location::caller()),
        }
    }
}

impl<T: Send + Sync + 'static> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local")
            .field("name", &self.name)
            .field("inherited", &self.inherit)
            .field("has_default", &self.default.is_some())
            .finish()
    }
}

/// Keeps a value set by [`Local::set`] bound until dropped.
///
/// `!Send` and `!Sync`: it restores the context of the thread that created it.
///
/// # Examples
///
/// ```
/// static ID: baton_context::Local<u32> = baton_context::Local::new("id");
/// let guard = ID.set(1);
/// assert_eq!(ID.get(), Some(1));
/// drop(guard);
/// assert_eq!(ID.get(), None);
/// ```
#[derive(Debug)]
pub struct LocalGuard {
    _inner: Tracked,
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: Local<u32> = Local::new("a");
    static B: Local<u32> = Local::new("b");

    #[test]
    fn same_type_locals_do_not_collide() {
        let cx = B.bind(&A.bind(&Context::new(), 1), 2);
        assert_eq!(A.get_in(&cx), Some(1));
        assert_eq!(B.get_in(&cx), Some(2));
    }

    #[test]
    fn with_runs_outside_the_context_borrow() {
        let nested = A.sync_scope(1, || {
            A.with(|outer| A.sync_scope(2, || (outer.copied(), A.get())))
        });
        assert_eq!(nested, (Some(1), Some(2)));
    }
}
