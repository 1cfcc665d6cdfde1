//! The composite `from_env()` builds when `OTEL_PROPAGATORS` is unset (`tracecontext,baggage`),
//! with the `extract(inject(extract(x)))` round trip (span context and baggage).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::from_env::run(data));
