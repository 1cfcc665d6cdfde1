//! `TraceContextPropagator` extract from `traceparent` lines alone (duplicates included), with
//! the `extract(inject(extract(x)))` round trip.
#![no_main]

use baton_propagation::{TRACEPARENT, TraceContextPropagator};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(data, &[TRACEPARENT]);
    check_round_trip(
        &TraceContextPropagator::default(),
        &map,
        Preserve::SpanContext,
    );
});
