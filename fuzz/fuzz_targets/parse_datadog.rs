//! The typed `DatadogHeaders::parse` API over five `\n`-separated values (the last three
//! optional, an empty one meaning absent): never panics, and the span context it builds is
//! valid and keeps the parsed ids.
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| baton_propagation_fuzz::targets::parse_datadog::run(data)
);
