//! `JaegerPropagator` extract from `uber-trace-id`, `jaeger-debug-id` and `uberctx-*` lines,
//! with the `extract(inject(extract(x)))` round trip (span context and baggage).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::jaeger::run(data));
