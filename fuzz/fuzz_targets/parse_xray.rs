//! The typed `XRayTraceHeader::parse` API: never panics, and `parse(encode(parse(x)))` keeps the
//! trace id, the parent and the sampling decision.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::parse_xray::run(data));
