//! Strict mode keeps a bounded list of violations: the oldest `CAPACITY` are kept, newer ones
//! are only counted, and draining the list makes room again.
//!
//! One test in this binary, because the list and the count are process-wide.

use std::panic::Location;

use baton_context::{Local, strict};

static ID: Local<u8> = Local::new("id");

/// Records one out-of-order violation whose guard is reported at the caller's line, and
/// returns that line.
#[track_caller]
fn out_of_order() -> u32 {
    let line = Location::caller().line();
    let older = ID.set(1);
    let newer = ID.set(2);
    drop(older);
    drop(newer);
    line
}

#[test]
fn the_violation_list_is_bounded_and_keeps_the_oldest() {
    strict::enable();
    let _ = strict::take_violations();
    let dropped_before = strict::dropped_violations();

    let first = out_of_order();
    for _ in 1..strict::CAPACITY {
        out_of_order();
    }
    let overflow = out_of_order();
    for _ in 0..4 {
        out_of_order();
    }

    let kept = strict::take_violations();
    assert_eq!(kept.len(), strict::CAPACITY);
    assert_eq!(kept[0].guard().line(), first);
    assert!(
        kept.iter().all(|v| v.guard().line() != overflow),
        "a newer one was kept"
    );
    assert_eq!(strict::dropped_violations() - dropped_before, 5);

    // Drained, the list keeps new violations again.
    let again = out_of_order();
    let kept = strict::take_violations();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].guard().line(), again);
    assert_eq!(strict::dropped_violations() - dropped_before, 5);
}
