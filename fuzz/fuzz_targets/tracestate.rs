//! `TraceContextPropagator` extract from `traceparent` and (repeated) `tracestate` lines, with
//! the `extract(inject(extract(x)))` round trip, trace state included.
#![no_main]

use baton_propagation::{TRACEPARENT, TRACESTATE, TraceContextPropagator};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(data, &[TRACEPARENT, TRACESTATE]);
    check_round_trip(
        &TraceContextPropagator::default(),
        &map,
        Preserve::SpanContext,
    );
});
