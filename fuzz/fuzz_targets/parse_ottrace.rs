//! The typed `OtTraceHeaders::parse` API over three `\n`-separated values (the third optional):
//! never panics, and parsing the encoded headers again keeps the span id, the sampling
//! decision and the low 64 bits of the trace id (all the OT format sends).
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| baton_propagation_fuzz::targets::parse_ottrace::run(data)
);
