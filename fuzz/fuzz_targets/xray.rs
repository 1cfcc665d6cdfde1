//! `XRayPropagator` extract from (repeated) `x-amzn-trace-id` lines, with the
//! `extract(inject(extract(x)))` round trip.
#![no_main]

use baton_propagation::{X_AMZN_TRACE_ID, XRayPropagator};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(data, &[X_AMZN_TRACE_ID]);
    check_round_trip(&XRayPropagator::default(), &map, Preserve::SpanContext);
});
