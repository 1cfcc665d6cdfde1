//! `DatadogPropagator` extract from the `x-datadog-*` lines, with the
//! `extract(inject(extract(x)))` round trip.
#![no_main]

use baton_propagation::{
    DatadogPropagator, X_DATADOG_ORIGIN, X_DATADOG_PARENT_ID, X_DATADOG_SAMPLING_PRIORITY,
    X_DATADOG_TAGS, X_DATADOG_TRACE_ID,
};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(
        data,
        &[
            X_DATADOG_TRACE_ID,
            X_DATADOG_PARENT_ID,
            X_DATADOG_SAMPLING_PRIORITY,
            X_DATADOG_ORIGIN,
            X_DATADOG_TAGS,
        ],
    );
    check_round_trip(&DatadogPropagator::default(), &map, Preserve::SpanContext);
});
