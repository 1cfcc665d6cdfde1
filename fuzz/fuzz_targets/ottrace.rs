//! `OtTracePropagator` extract from `ot-tracer-*` and `ot-baggage-*` lines, with the
//! `extract(inject(extract(x)))` round trip (span context and baggage).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::ottrace::run(data));
