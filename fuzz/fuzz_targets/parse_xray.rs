//! The typed `XRayTraceHeader::parse` API: never panics, and `parse(encode(parse(x)))` keeps the
//! trace id, the parent and the sampling decision.
#![no_main]

use baton_propagation::XRayTraceHeader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = XRayTraceHeader::parse(text) else {
        return;
    };
    let mut buf = [0u8; XRayTraceHeader::LENGTH];
    let encoded = parsed.encode(&mut buf);
    let again = XRayTraceHeader::parse(encoded).unwrap_or_else(|e| panic!("{encoded:?}: {e}"));
    assert_eq!(
        (again.trace_id(), again.parent(), again.sampling()),
        (parsed.trace_id(), parsed.parent(), parsed.sampling()),
        "encoded as {encoded:?}"
    );
});
