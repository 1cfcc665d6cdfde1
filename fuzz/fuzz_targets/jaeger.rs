//! `JaegerPropagator` extract from `uber-trace-id`, `jaeger-debug-id` and `uberctx-*` lines,
//! with the `extract(inject(extract(x)))` round trip (span context and baggage).
#![no_main]

use baton_propagation::{JAEGER_DEBUG_ID, JaegerPropagator, UBER_TRACE_ID};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(
        data,
        &[
            UBER_TRACE_ID,
            JAEGER_DEBUG_ID,
            "uberctx-user-id",
            "uberctx-a",
        ],
    );
    check_round_trip(&JaegerPropagator::default(), &map, Preserve::Both);
});
