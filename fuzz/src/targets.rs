//! One module per fuzz target, so that `cargo test` can replay saved inputs through the very
//! code the fuzzer runs (see `tests/regressions.rs`).

pub mod b3_multi {
    //! `B3Propagator` (multiple headers) extract, with the `extract(inject(extract(x)))` round trip.

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{
        B3Encoding, B3Propagator, X_B3_FLAGS, X_B3_PARENTSPANID, X_B3_SAMPLED, X_B3_SPANID,
        X_B3_TRACEID,
    };

    /// Runs the `b3_multi` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(
            data,
            &[
                X_B3_TRACEID,
                X_B3_SPANID,
                X_B3_PARENTSPANID,
                X_B3_SAMPLED,
                X_B3_FLAGS,
            ],
        );
        check_round_trip(
            &B3Propagator::with_encoding(B3Encoding::MultipleHeader),
            &map,
            Preserve::SpanContext,
        );
    }
}

pub mod b3_single {
    //! `B3Propagator` (single header) extract, with the `extract(inject(extract(x)))` round trip.

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{B3, B3Encoding, B3Propagator};

    /// Runs the `b3_single` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(data, &[B3]);
        check_round_trip(
            &B3Propagator::with_encoding(B3Encoding::SingleHeader),
            &map,
            Preserve::SpanContext,
        );
    }
}

pub mod baggage {
    //! `BaggagePropagator` extract from (repeated) `baggage` lines, with the
    //! `extract(inject(extract(x)))` round trip over every member, value and property.

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{BAGGAGE, BaggagePropagator};

    /// Runs the `baggage` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(data, &[BAGGAGE]);
        check_round_trip(&BaggagePropagator::default(), &map, Preserve::Baggage);
    }
}

pub mod datadog {
    //! `DatadogPropagator` extract from the `x-datadog-*` lines, with the
    //! `extract(inject(extract(x)))` round trip.

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{
        DatadogPropagator, X_DATADOG_ORIGIN, X_DATADOG_PARENT_ID, X_DATADOG_SAMPLING_PRIORITY,
        X_DATADOG_TAGS, X_DATADOG_TRACE_ID,
    };

    /// Runs the `datadog` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(
            data,
            &[
                X_DATADOG_TRACE_ID,
                X_DATADOG_PARENT_ID,
                X_DATADOG_SAMPLING_PRIORITY,
                X_DATADOG_ORIGIN,
                X_DATADOG_TAGS,
            ],
        );
        check_round_trip(&DatadogPropagator::default(), &map, Preserve::SpanContext);
    }
}

pub mod from_env {
    //! The composite `from_env()` builds when `OTEL_PROPAGATORS` is unset (`tracecontext,baggage`),
    //! with the `extract(inject(extract(x)))` round trip (span context and baggage).

    use std::sync::OnceLock;

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{BAGGAGE, CompositePropagator, TRACEPARENT, TRACESTATE, from_env};

    static PROPAGATOR: OnceLock<CompositePropagator> = OnceLock::new();

    /// Runs the `from_env` target on one input.
    pub fn run(data: &[u8]) {
        let propagator = PROPAGATOR.get_or_init(|| {
            assert!(
                std::env::var_os("OTEL_PROPAGATORS").is_none(),
                "run with OTEL_PROPAGATORS unset, to fuzz the default composite"
            );
            from_env()
        });
        let map = header_map(data, &[TRACEPARENT, TRACESTATE, BAGGAGE]);
        check_round_trip(propagator, &map, Preserve::Both);
    }
}

pub mod jaeger {
    //! `JaegerPropagator` extract from `uber-trace-id`, `jaeger-debug-id` and `uberctx-*` lines,
    //! with the `extract(inject(extract(x)))` round trip (span context and baggage).

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{JAEGER_DEBUG_ID, JaegerPropagator, UBER_TRACE_ID};

    /// Runs the `jaeger` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(
            data,
            &[
                UBER_TRACE_ID,
                JAEGER_DEBUG_ID,
                "uberctx-user-id",
                "uberctx-a",
            ],
        );
        check_round_trip(&JaegerPropagator::default(), &map, Preserve::Both);
    }
}

pub mod ottrace {
    //! `OtTracePropagator` extract from `ot-tracer-*` and `ot-baggage-*` lines, with the
    //! `extract(inject(extract(x)))` round trip (span context and baggage).

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{
        OT_TRACER_SAMPLED, OT_TRACER_SPANID, OT_TRACER_TRACEID, OtTracePropagator,
    };

    /// Runs the `ottrace` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(
            data,
            &[
                OT_TRACER_TRACEID,
                OT_TRACER_SPANID,
                OT_TRACER_SAMPLED,
                "ot-baggage-user-id",
                "ot-baggage-a",
            ],
        );
        check_round_trip(
            &OtTracePropagator::default(),
            &map,
            Preserve::BothLow64TraceId,
        );
    }
}

pub mod parse_b3 {
    //! The typed `B3Headers::parse` API: never panics, and `parse(encode(parse(x))) == parse(x)`.

    use baton_propagation::B3Headers;

    /// Runs the `parse_b3` target on one input.
    pub fn run(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let Ok(parsed) = B3Headers::parse(text) else {
            return;
        };
        let mut buf = [0u8; B3Headers::LENGTH];
        let encoded = parsed.encode(&mut buf);
        assert_eq!(
            B3Headers::parse(encoded),
            Ok(parsed),
            "encoded as {encoded:?}"
        );
    }
}

pub mod parse_datadog {
    //! The typed `DatadogHeaders::parse` API over five `\n`-separated values (the last three
    //! optional, an empty one meaning absent): never panics, and the span context it builds is
    //! valid and keeps the parsed ids.

    use baton_propagation::DatadogHeaders;

    /// Runs the `parse_datadog` target on one input.
    pub fn run(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let mut parts = text.split('\n');
        let (Some(trace_id), Some(parent_id)) = (parts.next(), parts.next()) else {
            return;
        };
        let mut optional = || parts.next().filter(|p| !p.is_empty());
        let (priority, origin, tags) = (optional(), optional(), optional());
        let Ok(parsed) = DatadogHeaders::parse(trace_id, parent_id, priority, origin, tags) else {
            return;
        };
        let sc = parsed.span_context();
        assert!(sc.is_valid(), "{parsed:?} gave an invalid span context");
        assert_eq!(
            (sc.trace_id(), sc.span_id()),
            (parsed.trace_id(), parsed.parent_id())
        );
        assert_eq!(sc.is_sampled(), parsed.is_sampled());
        let _ = parsed.tags().count();
    }
}

pub mod parse_jaeger {
    //! The typed `UberTraceId::parse` API: never panics, and `parse(encode(parse(x))) == parse(x)`.

    use baton_propagation::UberTraceId;

    /// Runs the `parse_jaeger` target on one input.
    pub fn run(data: &[u8]) {
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
    }
}

pub mod parse_ottrace {
    //! The typed `OtTraceHeaders::parse` API over three `\n`-separated values (the third optional):
    //! never panics, and parsing the encoded headers again keeps the span id, the sampling
    //! decision and the low 64 bits of the trace id (all the OT format sends).

    use baton_propagation::OtTraceHeaders;

    fn low_64(h: &OtTraceHeaders) -> u64 {
        u128::from_be_bytes(h.trace_id().to_bytes()) as u64
    }

    /// Runs the `parse_ottrace` target on one input.
    pub fn run(data: &[u8]) {
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
    }
}

pub mod parse_traceparent {
    //! The typed `TraceParent::parse_bytes` API: never panics, agrees with `parse` on UTF-8, and
    //! `parse(encode(parse(x)))` keeps the ids and the flags.

    use baton_propagation::TraceParent;

    /// Runs the `parse_traceparent` target on one input.
    pub fn run(data: &[u8]) {
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
    }
}

pub mod parse_xray {
    //! The typed `XRayTraceHeader::parse` API: never panics, and `parse(encode(parse(x)))` keeps the
    //! trace id, the parent and the sampling decision.

    use baton_propagation::XRayTraceHeader;

    /// Runs the `parse_xray` target on one input.
    pub fn run(data: &[u8]) {
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
    }
}

pub mod traceparent {
    //! `TraceContextPropagator` extract from `traceparent` lines alone (duplicates included), with
    //! the `extract(inject(extract(x)))` round trip.

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{TRACEPARENT, TraceContextPropagator};

    /// Runs the `traceparent` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(data, &[TRACEPARENT]);
        check_round_trip(
            &TraceContextPropagator::default(),
            &map,
            Preserve::SpanContext,
        );
    }
}

pub mod tracestate {
    //! `TraceContextPropagator` extract from `traceparent` and (repeated) `tracestate` lines, with
    //! the `extract(inject(extract(x)))` round trip, trace state included.

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{TRACEPARENT, TRACESTATE, TraceContextPropagator};

    /// Runs the `tracestate` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(data, &[TRACEPARENT, TRACESTATE]);
        check_round_trip(
            &TraceContextPropagator::default(),
            &map,
            Preserve::SpanContext,
        );
    }
}

pub mod xray {
    //! `XRayPropagator` extract from (repeated) `x-amzn-trace-id` lines, with the
    //! `extract(inject(extract(x)))` round trip.

    use crate::{Preserve, check_round_trip, header_map};
    use baton_propagation::{X_AMZN_TRACE_ID, XRayPropagator};

    /// Runs the `xray` target on one input.
    pub fn run(data: &[u8]) {
        let map = header_map(data, &[X_AMZN_TRACE_ID]);
        check_round_trip(&XRayPropagator::default(), &map, Preserve::SpanContext);
    }
}

/// Runs the target called `name` on `data`; `false` when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "b3_multi" => b3_multi::run(data),
        "b3_single" => b3_single::run(data),
        "baggage" => baggage::run(data),
        "datadog" => datadog::run(data),
        "from_env" => from_env::run(data),
        "jaeger" => jaeger::run(data),
        "ottrace" => ottrace::run(data),
        "parse_b3" => parse_b3::run(data),
        "parse_datadog" => parse_datadog::run(data),
        "parse_jaeger" => parse_jaeger::run(data),
        "parse_ottrace" => parse_ottrace::run(data),
        "parse_traceparent" => parse_traceparent::run(data),
        "parse_xray" => parse_xray::run(data),
        "traceparent" => traceparent::run(data),
        "tracestate" => tracestate::run(data),
        "xray" => xray::run(data),
        _ => return false,
    }
    true
}

/// Every target's name.
pub const NAMES: &[&str] = &[
    "b3_multi",
    "b3_single",
    "baggage",
    "datadog",
    "from_env",
    "jaeger",
    "ottrace",
    "parse_b3",
    "parse_datadog",
    "parse_jaeger",
    "parse_ottrace",
    "parse_traceparent",
    "parse_xray",
    "traceparent",
    "tracestate",
    "xray",
];
