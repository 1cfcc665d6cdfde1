//! The typed `UberTraceId::parse` API: never panics, and `parse(encode(parse(x))) == parse(x)`.
#![no_main]

use baton_propagation::UberTraceId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = UberTraceId::parse(text) else {
        return;
    };
    let mut buf = [0u8; UberTraceId::LENGTH];
    let encoded = parsed.encode(&mut buf);
    assert_eq!(
        UberTraceId::parse(encoded),
        Ok(parsed),
        "encoded as {encoded:?}"
    );
});
