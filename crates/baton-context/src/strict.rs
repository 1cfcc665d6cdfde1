//! Strict mode: report context guards that are dropped out of order, leaked, or outlive the
//! poll or closure that created them.
//!
//! The scope APIs ([`Local::scope`](crate::Local::scope), [`Snapshot::run`](crate::Snapshot::run),
//! ...) cannot get these wrong. The imperative guards ([`Local::set`](crate::Local::set),
//! [`Snapshot::attach`](crate::Snapshot::attach)) can: a guard held across an `.await` stays
//! attached to the worker thread after the poll returns and leaks the request's context into
//! whatever task that thread runs next. With strict mode on (cargo feature `strict`, or
//! [`enable`] at run time) every guard records the `#[track_caller]` location that created it,
//! and Baton checks
//!
//! - on drop, that the guard is the most recent live guard of its thread
//!   ([`ViolationKind::OutOfOrder`]);
//! - when a scoped future's poll, a [`sync_scope`](crate::Local::sync_scope) or a
//!   [`run_sync`](crate::Snapshot::run_sync) returns or unwinds from a panic, that no guard
//!   created inside is still attached ([`ViolationKind::OutlivedScope`]);
//! - in [`assert_clean`], that no guard of the calling thread is still attached
//!   ([`ViolationKind::Leaked`]).
//!
//! Each [`Violation`] is collected in a process-wide list ([`take_violations`]) that keeps at
//! most [`CAPACITY`] of them: once it is full, newer violations are counted
//! ([`dropped_violations`]) rather than kept, because the first violations are usually the
//! cause and a flood after them the consequence. With the `internal-logs` feature, each is also
//! logged through OpenTelemetry's internal logging (`otel_warn!`, event name
//! `BatonContext.StrictModeViolation`), which a `tracing` subscriber prints. Dropping a guard on
//! another thread needs no run-time check: guards are `!Send`, so it does not compile.
//!
//! ```
//! use baton_context::{strict, Local};
//!
//! static USER: Local<&'static str> = Local::new("user");
//!
//! strict::enable();
//! let outer = USER.set("ada");
//! let inner = USER.set("grace");
//! drop(outer); // out of order: `inner` is still attached
//! drop(inner);
//!
//! let mine: Vec<_> = strict::take_violations()
//!     .into_iter()
//!     .filter(|v| v.thread() == std::thread::current().id())
//!     .collect();
//! assert_eq!(mine.len(), 1);
//! assert_eq!(mine[0].kind(), strict::ViolationKind::OutOfOrder);
//! assert!(mine[0].to_string().contains("dropped out of order"));
//! ```

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::ThreadId;

use opentelemetry::{Context, ContextGuard};

static ENABLED: AtomicBool = AtomicBool::new(cfg!(feature = "strict"));
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static VIOLATIONS: Mutex<Vec<Violation>> = Mutex::new(Vec::new());
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The most violations the process-wide list keeps until [`take_violations`] drains it.
pub const CAPACITY: usize = 256;

thread_local! {
    /// The live tracked guards of this thread, oldest first.
    static LIVE: RefCell<Vec<(u64, &'static Location<'static>)>> = const { RefCell::new(Vec::new()) };
}

/// Switches strict mode on for the whole process.
///
/// Guards created before the switch are not tracked.
///
/// # Examples
///
/// ```
/// baton_context::strict::enable();
/// assert!(baton_context::strict::is_enabled());
/// ```
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Switches strict mode off (guards already tracked are still checked when dropped).
///
/// # Examples
///
/// ```
/// baton_context::strict::disable();
/// assert!(!baton_context::strict::is_enabled());
/// ```
pub fn disable() {
    ENABLED.store(false, Ordering::Relaxed);
}

/// Whether strict mode is on (the `strict` feature turns it on from the start).
///
/// # Examples
///
/// ```
/// baton_context::strict::enable();
/// assert!(baton_context::strict::is_enabled());
/// ```
#[inline]
#[must_use]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Removes and returns every violation recorded so far in this process.
///
/// The list is process-wide: tests that share a process (plain `cargo test`) should filter
/// by [`Violation::thread`] or by location.
///
/// # Examples
///
/// ```
/// use baton_context::{strict, Local};
/// static ID: Local<u8> = Local::new("id");
///
/// strict::enable();
/// ID.sync_scope(1, || std::mem::forget(ID.set(2)));
/// let here = std::thread::current().id();
/// let mine: Vec<_> = strict::take_violations().into_iter().filter(|v| v.thread() == here).collect();
/// assert_eq!(mine.len(), 1);
/// assert_eq!(mine[0].kind(), strict::ViolationKind::OutlivedScope);
/// ```
#[must_use]
pub fn take_violations() -> Vec<Violation> {
    std::mem::take(&mut *lock_violations())
}

/// How many violations were not kept because the list already held [`CAPACITY`], since the
/// process started.
///
/// # Examples
///
/// ```
/// use baton_context::{strict, Local};
/// static ID: Local<u8> = Local::new("id");
///
/// strict::enable();
/// for _ in 0..strict::CAPACITY + 2 {
///     let (older, newer) = (ID.set(1), ID.set(2));
///     drop(older); // out of order
///     drop(newer);
/// }
/// assert_eq!(strict::take_violations().len(), strict::CAPACITY);
/// assert_eq!(strict::dropped_violations(), 2);
/// ```
#[must_use]
pub fn dropped_violations() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Panics if this thread still has an attached guard or any violation was recorded.
///
/// A test helper: call it at the end of a test (with strict mode on) to fail the test when it
/// leaked context. Guards still attached on the calling thread are reported as
/// [`ViolationKind::Leaked`]. The violation list is drained either way.
///
/// # Panics
///
/// When [`take_violations`] would be non-empty after the leak check; the message lists every
/// violation with its locations.
///
/// # Examples
///
/// ```
/// use baton_context::{strict, Local};
/// static ID: Local<u8> = Local::new("id");
///
/// strict::enable();
/// {
///     let _guard = ID.set(1);
/// }
/// strict::assert_clean();
/// ```
#[track_caller]
pub fn assert_clean() {
    let here = Location::caller();
    let leaked = LIVE
        .try_with(|live| std::mem::take(&mut *live.borrow_mut()))
        .unwrap_or_default();
    for (_, created) in leaked {
        record(Violation::new(ViolationKind::Leaked, created, Some(here)));
    }
    let violations = take_violations();
    if !violations.is_empty() {
        let mut message = format!("{} context violation(s):", violations.len());
        for violation in &violations {
            message.push_str("\n  - ");
            message.push_str(&violation.to_string());
        }
        let dropped = dropped_violations();
        if dropped > 0 {
            message.push_str(&format!(
                "\n  ({dropped} more not kept since the process started: the list keeps at most {CAPACITY})"
            ));
        }
        panic!("{message}");
    }
}

/// What a [`Violation`] is about.
///
/// # Examples
///
/// ```
/// use baton_context::strict::{self, ViolationKind};
/// use baton_context::Local;
/// static ID: Local<u8> = Local::new("id");
///
/// strict::enable();
/// let (older, newer) = (ID.set(1), ID.set(2));
/// drop(older); // while `newer` is still attached
/// drop(newer);
/// let here = std::thread::current().id();
/// let kinds: Vec<ViolationKind> = strict::take_violations()
///     .into_iter()
///     .filter(|v| v.thread() == here)
///     .map(|v| v.kind())
///     .collect();
/// assert_eq!(kinds, [ViolationKind::OutOfOrder]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A guard was dropped while a guard created after it on the same thread was still
    /// attached. [`Violation::other`] is where that newer guard was created.
    OutOfOrder,
    /// A guard created inside a scoped future's poll, a `sync_scope` or a `run_sync` was still
    /// attached when it returned. [`Violation::other`] is where the scope was created.
    OutlivedScope,
    /// A guard was still attached when [`assert_clean`] ran. [`Violation::other`] is where
    /// `assert_clean` was called.
    Leaked,
}

/// One misuse of a context guard found by strict mode.
///
/// # Examples
///
/// ```
/// use baton_context::{strict, Local};
/// static ID: Local<u8> = Local::new("id");
///
/// strict::enable();
/// let line = line!() + 1;
/// ID.sync_scope(1, || std::mem::forget(ID.set(2)));
/// let here = std::thread::current().id();
/// let violation = strict::take_violations()
///     .into_iter()
///     .find(|v| v.thread() == here)
///     .unwrap();
/// assert_eq!(violation.guard().line(), line);
/// assert_eq!(violation.other().unwrap().line(), line);
/// assert!(violation.to_string().starts_with("context guard created at "));
/// ```
#[derive(Debug, Clone)]
pub struct Violation {
    kind: ViolationKind,
    guard: &'static Location<'static>,
    other: Option<&'static Location<'static>>,
    thread: ThreadId,
}

impl Violation {
    fn new(
        kind: ViolationKind,
        guard: &'static Location<'static>,
        other: Option<&'static Location<'static>>,
    ) -> Self {
        Self {
            kind,
            guard,
            other,
            thread: std::thread::current().id(),
        }
    }

    /// What went wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{strict, Local};
    /// static ID: Local<u8> = Local::new("id");
    ///
    /// strict::enable();
    /// std::mem::forget(ID.set(1));
    /// let caught = std::panic::catch_unwind(|| strict::assert_clean());
    /// assert!(caught.is_err());
    /// ```
    ///
    /// ```
    /// use baton_context::{strict, Local};
    /// static ID: Local<u8> = Local::new("id");
    ///
    /// strict::enable();
    /// let (a, b) = (ID.set(1), ID.set(2));
    /// drop(a);
    /// drop(b);
    /// let violations = strict::take_violations();
    /// assert_eq!(violations[0].kind(), strict::ViolationKind::OutOfOrder);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ViolationKind {
        self.kind
    }

    /// Where the offending guard was created.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{strict, Local};
    /// static ID: Local<u8> = Local::new("id");
    ///
    /// strict::enable();
    /// let older = ID.set(1);
    /// let newer = ID.set(2);
    /// let older_line = line!() - 2;
    /// drop(older);
    /// drop(newer);
    /// let violation = &strict::take_violations()[0];
    /// assert_eq!(violation.guard().line(), older_line);
    /// assert_eq!(violation.other().unwrap().line(), older_line + 1);
    /// ```
    #[must_use]
    pub fn guard(&self) -> &'static Location<'static> {
        self.guard
    }

    /// The second location: see each [`ViolationKind`].
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{strict, Local};
    /// static ID: Local<u8> = Local::new("id");
    ///
    /// strict::enable();
    /// let scope_line = line!() + 1;
    /// ID.sync_scope(1, || std::mem::forget(ID.set(2)));
    /// let violation = &strict::take_violations()[0];
    /// assert_eq!(violation.other().unwrap().line(), scope_line);
    /// ```
    #[must_use]
    pub fn other(&self) -> Option<&'static Location<'static>> {
        self.other
    }

    /// The thread the violation was detected on.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::{strict, Local};
    /// static ID: Local<u8> = Local::new("id");
    ///
    /// strict::enable();
    /// let worker = std::thread::spawn(|| {
    ///     ID.sync_scope(1, || std::mem::forget(ID.set(2)));
    ///     std::thread::current().id()
    /// });
    /// let worker = worker.join().unwrap();
    /// let violations = strict::take_violations();
    /// assert_eq!(violations.len(), 1);
    /// assert_eq!(violations[0].thread(), worker);
    /// ```
    #[must_use]
    pub fn thread(&self) -> ThreadId {
        self.thread
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "context guard created at {} ", self.guard)?;
        match (self.kind, self.other) {
            (ViolationKind::OutOfOrder, Some(other)) => write!(
                f,
                "dropped out of order: the guard created at {other} is still attached above it"
            ),
            (ViolationKind::OutlivedScope, Some(other)) => write!(
                f,
                "still attached when the scope created at {other} returned from or unwound out of its poll or closure"
            ),
            (ViolationKind::Leaked, Some(other)) => {
                write!(f, "leaked: still attached at {other}")
            }
            (ViolationKind::OutOfOrder, None) => f.write_str("dropped out of order"),
            (ViolationKind::OutlivedScope, None) => f.write_str("outlived its scope"),
            (ViolationKind::Leaked, None) => f.write_str("leaked"),
        }
    }
}

fn lock_violations() -> std::sync::MutexGuard<'static, Vec<Violation>> {
    // A panic while the list is held cannot leave it inconsistent (only push and take).
    VIOLATIONS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn record(violation: Violation) {
    opentelemetry::otel_warn!(
        name: "BatonContext.StrictModeViolation",
        violation = violation.to_string()
    );
    let mut violations = lock_violations();
    if violations.len() < CAPACITY {
        violations.push(violation);
    } else {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Checks, when dropped at the end of a scoped poll or closure (also while unwinding from a
/// panic), that no guard created inside it is still attached.
///
/// Guards are told apart by id, not by counting, so a guard created before the scope and
/// dropped inside it does not hide one leaked by the scope.
pub(crate) struct ScopeCheck {
    /// Every guard created on this thread from now on has an id at least this large.
    first: u64,
    scope: &'static Location<'static>,
}

impl ScopeCheck {
    #[inline]
    pub(crate) fn new(scope: &'static Location<'static>) -> Self {
        Self {
            first: NEXT_ID.load(Ordering::Relaxed),
            scope,
        }
    }
}

impl Drop for ScopeCheck {
    fn drop(&mut self) {
        // `try_with`: during thread teardown the list may already be gone.
        let outlived = LIVE
            .try_with(|live| {
                let mut live = live.borrow_mut();
                // Ids grow in creation order, so the guards created inside form the tail.
                match live.iter().position(|(id, _)| *id >= self.first) {
                    Some(position) => live.split_off(position),
                    None => Vec::new(),
                }
            })
            .unwrap_or_default();
        for (_, created) in outlived {
            record(Violation::new(
                ViolationKind::OutlivedScope,
                created,
                Some(self.scope),
            ));
        }
    }
}

/// An attached context plus, in strict mode, its tracking record.
pub(crate) struct Tracked {
    /// `None` when strict mode was off at creation: such guards are never checked.
    id: Option<u64>,
    _guard: ContextGuard,
    // `ContextGuard` is already `!Send`; stated here so the guarantee does not depend on it.
    _not_send: PhantomData<*const ()>,
}

impl Tracked {
    pub(crate) fn attach(cx: Context, location: &'static Location<'static>) -> Self {
        let id = is_enabled().then(|| {
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            // During thread teardown the guard simply goes untracked.
            LIVE.try_with(|live| live.borrow_mut().push((id, location)))
                .ok()
                .map(|()| id)
        });
        Self {
            id: id.flatten(),
            _guard: cx.attach(),
            _not_send: PhantomData,
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let report = LIVE
            .try_with(|live| {
                let mut live = live.borrow_mut();
                let position = live.iter().rposition(|(live_id, _)| *live_id == id)?;
                let (_, created) = live.remove(position);
                // Anything left above `position` was created later and is still attached.
                live.get(position).map(|(_, newer)| (created, *newer))
            })
            .ok()
            .flatten();
        if let Some((created, newer)) = report {
            record(Violation::new(
                ViolationKind::OutOfOrder,
                created,
                Some(newer),
            ));
        }
    }
}

impl fmt::Debug for Tracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("tracked", &self.id.is_some())
            .finish()
    }
}
