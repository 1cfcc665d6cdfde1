//! The typed `OtTraceHeaders::parse` API over three `\n`-separated values (the third optional):
//! never panics, and parsing the encoded headers again keeps the span id, the sampling
//! decision and the low 64 bits of the trace id (all the OT format sends).
#![no_main]

use baton_propagation::OtTraceHeaders;
use libfuzzer_sys::fuzz_target;

fn low_64(h: &OtTraceHeaders) -> u64 {
    u128::from_be_bytes(h.trace_id().to_bytes()) as u64
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\n');
    let (Some(trace_id), Some(span_id)) = (parts.next(), parts.next()) else {
        return;
    };
    let Ok(parsed) = OtTraceHeaders::parse(trace_id, span_id, parts.next()) else {
        return;
    };
    let (t, s) = (parsed.encode_trace_id(), parsed.encode_span_id());
    let (t, s) = (
        std::str::from_utf8(&t).unwrap(),
        std::str::from_utf8(&s).unwrap(),
    );
    let sampled = if parsed.is_sampled() { "true" } else { "false" };
    match OtTraceHeaders::parse(t, s, Some(sampled)) {
        Ok(again) => assert_eq!(
            (low_64(&again), again.span_id(), again.is_sampled()),
            (low_64(&parsed), parsed.span_id(), parsed.is_sampled()),
            "encoded as {t:?} {s:?}"
        ),
        // Only a 128-bit trace id whose low half is zero cannot be sent.
        Err(e) => assert_eq!(low_64(&parsed), 0, "encoded as {t:?} {s:?}: {e}"),
    }
});
