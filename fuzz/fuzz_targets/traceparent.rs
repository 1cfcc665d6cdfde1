//! `TraceContextPropagator` extract from `traceparent` lines alone (duplicates included), with
//! the `extract(inject(extract(x)))` round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::traceparent::run(data));
