//! `OtTracePropagator` extract from `ot-tracer-*` and `ot-baggage-*` lines, with the
//! `extract(inject(extract(x)))` round trip (span context and baggage).
#![no_main]

use baton_propagation::{
    OT_TRACER_SAMPLED, OT_TRACER_SPANID, OT_TRACER_TRACEID, OtTracePropagator,
};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(
        data,
        &[
            OT_TRACER_TRACEID,
            OT_TRACER_SPANID,
            OT_TRACER_SAMPLED,
            "ot-baggage-user-id",
            "ot-baggage-a",
        ],
    );
    check_round_trip(
        &OtTracePropagator::default(),
        &map,
        Preserve::BothLow64TraceId,
    );
});
