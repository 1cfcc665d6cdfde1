//! `B3Propagator` (single header) extract, with the `extract(inject(extract(x)))` round trip.
#![no_main]

use baton_propagation::{B3, B3Encoding, B3Propagator};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(data, &[B3]);
    check_round_trip(
        &B3Propagator::with_encoding(B3Encoding::SingleHeader),
        &map,
        Preserve::SpanContext,
    );
});
