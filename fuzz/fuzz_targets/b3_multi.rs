//! `B3Propagator` (multiple headers) extract, with the `extract(inject(extract(x)))` round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::b3_multi::run(data));
