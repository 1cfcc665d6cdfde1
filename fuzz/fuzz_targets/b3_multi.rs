//! `B3Propagator` (multiple headers) extract, with the `extract(inject(extract(x)))` round trip.
#![no_main]

use baton_propagation::{
    B3Encoding, B3Propagator, X_B3_FLAGS, X_B3_PARENTSPANID, X_B3_SAMPLED, X_B3_SPANID,
    X_B3_TRACEID,
};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(
        data,
        &[
            X_B3_TRACEID,
            X_B3_SPANID,
            X_B3_PARENTSPANID,
            X_B3_SAMPLED,
            X_B3_FLAGS,
        ],
    );
    check_round_trip(
        &B3Propagator::with_encoding(B3Encoding::MultipleHeader),
        &map,
        Preserve::SpanContext,
    );
});
