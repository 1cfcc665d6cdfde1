//! `XRayPropagator` extract from (repeated) `x-amzn-trace-id` lines, with the
//! `extract(inject(extract(x)))` round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::xray::run(data));
