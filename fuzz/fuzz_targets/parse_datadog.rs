//! The typed `DatadogHeaders::parse` API over five `\n`-separated values (the last three
//! optional, an empty one meaning absent): never panics, and the span context it builds is
//! valid and keeps the parsed ids.
#![no_main]

use baton_propagation::DatadogHeaders;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\n');
    let (Some(trace_id), Some(parent_id)) = (parts.next(), parts.next()) else {
        return;
    };
    let mut optional = || parts.next().filter(|p| !p.is_empty());
    let (priority, origin, tags) = (optional(), optional(), optional());
    let Ok(parsed) = DatadogHeaders::parse(trace_id, parent_id, priority, origin, tags) else {
        return;
    };
    let sc = parsed.span_context();
    assert!(sc.is_valid(), "{parsed:?} gave an invalid span context");
    assert_eq!(
        (sc.trace_id(), sc.span_id()),
        (parsed.trace_id(), parsed.parent_id())
    );
    assert_eq!(sc.is_sampled(), parsed.is_sampled());
    let _ = parsed.tags().count();
});
