//! Process CPU time (user + system, every thread) from `getrusage(RUSAGE_SELF)`.

use std::time::Duration;

use nix::sys::resource::{UsageWho, getrusage};

/// User plus system CPU time consumed by every thread of this process so far.
///
/// # Panics
///
/// If `getrusage` fails, which it cannot for `RUSAGE_SELF`.
///
/// # Examples
///
/// ```
/// let before = baton_bench::cpu::process_time();
/// // Some milliseconds of work on this thread: the clock must see them.
/// let mut x = 0u64;
/// for i in 0..20_000_000u64 {
///     x = x.wrapping_add(std::hint::black_box(i));
/// }
/// std::hint::black_box(x);
/// assert!(baton_bench::cpu::process_time() > before);
/// ```
pub fn process_time() -> Duration {
    let usage = getrusage(UsageWho::RUSAGE_SELF).expect("getrusage(RUSAGE_SELF) cannot fail");
    let micros = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    micros(usage.user_time()) + micros(usage.system_time())
}
