//! The typed `B3Single::parse` API: never panics, and `parse(encode(parse(x))) == parse(x)`.
#![no_main]

use baton_propagation::B3Single;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = B3Single::parse(text) else {
        return;
    };
    let mut buf = [0u8; B3Single::LENGTH];
    let encoded = parsed.encode(&mut buf);
    assert_eq!(
        B3Single::parse(encoded),
        Ok(parsed),
        "encoded as {encoded:?}"
    );
});
