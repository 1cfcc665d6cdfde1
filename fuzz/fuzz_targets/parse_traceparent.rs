//! The typed `TraceParent::parse_bytes` API: never panics, agrees with `parse` on UTF-8, and
//! `parse(encode(parse(x)))` keeps the ids and the flags.
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| baton_propagation_fuzz::targets::parse_traceparent::run(data)
);
