//! The typed `B3Headers::parse` API: never panics, and `parse(encode(parse(x))) == parse(x)`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_propagation_fuzz::targets::parse_b3::run(data));
