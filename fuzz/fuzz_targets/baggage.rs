//! `BaggagePropagator` extract from (repeated) `baggage` lines, with the
//! `extract(inject(extract(x)))` round trip over every member, value and property.
#![no_main]

use baton_propagation::{BAGGAGE, BaggagePropagator};
use baton_propagation_fuzz::{Preserve, check_round_trip, header_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = header_map(data, &[BAGGAGE]);
    check_round_trip(&BaggagePropagator::default(), &map, Preserve::Baggage);
});
