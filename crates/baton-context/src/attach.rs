//! Attaching a context around one poll or one call, with strict mode's checks.

use std::panic::Location;

use opentelemetry::Context;

use crate::strict;

/// Attaches `cx` around `f`; in strict mode, reports guards `f` left attached.
#[inline]
pub(crate) fn run_in<R>(
    cx: Context,
    location: &'static Location<'static>,
    f: impl FnOnce() -> R,
) -> R {
    if strict::is_enabled() {
        return run_in_strict(cx, location, f);
    }
    let _guard = cx.attach();
    f()
}

/// [`run_in`] for a context the caller keeps: every poll of a wrapped future.
#[inline]
pub(crate) fn enter<R>(
    cx: &Context,
    location: &'static Location<'static>,
    f: impl FnOnce() -> R,
) -> R {
    run_in(cx.clone(), location, f)
}

#[cold]
#[inline(never)]
fn run_in_strict<R>(cx: Context, location: &'static Location<'static>, f: impl FnOnce() -> R) -> R {
    let _guard = cx.attach();
    // Dropped before `_guard`, and also when `f` panics.
    let _check = strict::ScopeCheck::new(location);
    f()
}
