//! The typed `TraceParent::parse_bytes` API: never panics, agrees with `parse` on UTF-8, and
//! `parse(encode(parse(x)))` keeps the ids and the flags.
#![no_main]

use baton_propagation::TraceParent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = TraceParent::parse_bytes(data);
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(TraceParent::parse(text), parsed);
    }
    let Ok(parsed) = parsed else {
        return;
    };
    let mut buf = [0u8; TraceParent::LENGTH];
    let encoded = parsed.encode(&mut buf);
    let again = TraceParent::parse(encoded).unwrap_or_else(|e| panic!("{encoded:?}: {e}"));
    assert_eq!(
        (again.trace_id(), again.parent_id(), again.flags()),
        (parsed.trace_id(), parsed.parent_id(), parsed.flags()),
        "encoded as {encoded:?}"
    );
});
