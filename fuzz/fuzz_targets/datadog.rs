//! `DatadogPropagator` extract from the `x-datadog-*` lines, with the
//! `extract(inject(extract(x)))` round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::datadog::run(data));
