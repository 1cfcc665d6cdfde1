//! `TraceContextPropagator` extract from `traceparent` and (repeated) `tracestate` lines, with
//! the `extract(inject(extract(x)))` round trip, trace state included.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::tracestate::run(data));
