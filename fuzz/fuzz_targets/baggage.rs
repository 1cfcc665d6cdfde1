//! `BaggagePropagator` extract from (repeated) `baggage` lines, with the
//! `extract(inject(extract(x)))` round trip over every member, value and property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::baggage::run(data));
