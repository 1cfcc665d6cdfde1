//! A carrier that hides a header hides it from every propagator: through a user's `Extractor`
//! wrapper (opentelemetry's path), through a `Carrier` wrapper (the typed path), and through a
//! composite built by `from_list`. This is how a "drop inbound baggage from untrusted callers"
//! policy is written, so nothing may reach around it.
//!
//! Each case extracts through the filter and compares with an extract from the same map with
//! the hidden headers removed (span context, baggage, and what inject writes back, which shows
//! any state kept in the context); it also checks that the hidden headers do change the result
//! when they are not hidden, so that a filter that leaks fails the test.

#![cfg(feature = "http")]

mod support;

use baton_propagation::{
    B3Encoding, B3Propagator, BaggagePropagator, Carrier, CompositePropagator, DatadogPropagator,
    ForeignPropagator, HeaderExtractor, JaegerPropagator, Lines, OtTracePropagator,
    PassThroughPropagator, Propagator, TraceContextPropagator, XRayPropagator, from_list,
};
use http::HeaderMap;
use opentelemetry::Context;
use opentelemetry::propagation::Extractor;
use support::{Seen, header_map, seen};

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Which header names (lowercase) a filter hides.
type Hidden<'h> = &'h dyn Fn(&str) -> bool;

/// A user's filter over Baton's `HeaderExtractor`, written against the opentelemetry trait
/// alone: it forwards every key it does not hide, whatever the key looks like.
struct HidingExtractor<'a> {
    inner: HeaderExtractor<'a>,
    hidden: Hidden<'a>,
}

impl Extractor for HidingExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match (self.hidden)(&key.to_ascii_lowercase()) {
            true => None,
            false => self.inner.get(key),
        }
    }

    fn keys(&self) -> Vec<&str> {
        let mut keys = self.inner.keys();
        keys.retain(|key| !(self.hidden)(&key.to_ascii_lowercase()));
        keys
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        match (self.hidden)(&key.to_ascii_lowercase()) {
            true => None,
            false => self.inner.get_all(key),
        }
    }
}

/// The same filter as a `Carrier` over the map, as a trust policy on the typed path writes it:
/// only the two required methods, so the provided ones answer through them.
struct HidingCarrier<'a> {
    inner: &'a HeaderMap,
    hidden: Hidden<'a>,
}

impl Carrier for HidingCarrier<'_> {
    fn lines(&self, name: &str) -> Lines<'_> {
        match (self.hidden)(&name.to_ascii_lowercase()) {
            true => Lines::None,
            false => self.inner.lines(name),
        }
    }

    fn keys(&self) -> Vec<&str> {
        let mut keys = Carrier::keys(self.inner);
        keys.retain(|key| !(self.hidden)(key));
        keys
    }
}

/// Extracting `map` through each filter that hides `hidden` gives what extracting the map
/// without those headers gives, and not what extracting the whole map gives.
fn check(p: &dyn Propagator, map: &HeaderMap, hidden: Hidden<'_>) -> Seen {
    let mut stripped = map.clone();
    for name in map.keys() {
        if hidden(name.as_str()) {
            stripped.remove(name);
        }
    }
    assert_ne!(stripped.len(), map.len(), "the case hides some header");
    let root = Context::new();
    let want = seen(p, &p.extract_from(&root, &stripped));
    let whole = seen(p, &p.extract_from(&root, map));
    assert_ne!(whole, want, "{p:?}: the hidden headers change the result");
    let extractor = HidingExtractor {
        inner: HeaderExtractor(map),
        hidden,
    };
    let through_extractor = p.extract_with_context(&root, &extractor);
    assert_eq!(
        seen(p, &through_extractor),
        want,
        "{p:?} through an Extractor"
    );
    let carrier = HidingCarrier { inner: map, hidden };
    let through_carrier = p.extract_from(&root, &carrier);
    assert_eq!(seen(p, &through_carrier), want, "{p:?} through a Carrier");
    want
}

/// [`check`] for `p` alone and inside the composite `from_list(list)`.
fn check_alone_and_composite(p: &dyn Propagator, list: &str, map: &HeaderMap, hidden: Hidden<'_>) {
    check(p, map, hidden);
    check(&from_list(list).unwrap(), map, hidden);
}

#[test]
fn hidden_baggage_is_not_extracted() {
    let map = header_map(&[("traceparent", TP), ("baggage", "tenant=acme,user=ann")]);
    let (sc, baggage, _) = check(&BaggagePropagator::default(), &map, &|n: &str| {
        n == "baggage"
    });
    assert!(baggage.is_empty() && !sc.is_valid());
    let composite = from_list("tracecontext,baggage").unwrap();
    let (sc, baggage, _) = check(&composite, &map, &|n: &str| n == "baggage");
    assert!(
        baggage.is_empty() && sc.is_valid(),
        "traceparent still seen"
    );
}

#[test]
fn hidden_traceparent_is_not_extracted() {
    let map = header_map(&[("traceparent", TP), ("tracestate", "a=1")]);
    let (sc, _, _) = check(&TraceContextPropagator::new(), &map, &|n: &str| {
        n == "traceparent"
    });
    assert!(!sc.is_valid());
    check(
        &from_list("tracecontext,baggage").unwrap(),
        &map,
        &|n: &str| n == "traceparent",
    );
}

#[test]
fn hidden_tracestate_is_not_extracted() {
    let map = header_map(&[
        ("traceparent", TP),
        ("tracestate", "a=1"),
        ("tracestate", "b=2"),
    ]);
    let (sc, _, _) = check(&TraceContextPropagator::new(), &map, &|n: &str| {
        n == "tracestate"
    });
    assert!(sc.is_valid() && sc.trace_state().header().is_empty());
    check(&from_list("tracecontext").unwrap(), &map, &|n: &str| {
        n == "tracestate"
    });
}

#[test]
fn hidden_b3_single_header_is_not_extracted() {
    // The multi headers carry another span id: with `b3` hidden, they are what is read.
    let map = header_map(&[
        ("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d"),
        ("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"),
        ("x-b3-spanid", "05e3ac9a4f6e3b90"),
        ("x-b3-sampled", "0"),
    ]);
    let p = B3Propagator::with_encoding(B3Encoding::SingleAndMultiHeader);
    let (sc, _, _) = check(&p, &map, &|n: &str| n == "b3");
    assert_eq!(sc.span_id().to_string(), "05e3ac9a4f6e3b90");
    check(&from_list("b3").unwrap(), &map, &|n: &str| n == "b3");
}

#[test]
fn hidden_b3_multi_headers_are_not_extracted() {
    let map = header_map(&[
        ("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"),
        ("x-b3-spanid", "05e3ac9a4f6e3b90"),
        ("x-b3-flags", "1"),
    ]);
    let p = B3Propagator::with_encoding(B3Encoding::MultipleHeader);
    let (sc, _, _) = check(&p, &map, &|n: &str| n.starts_with("x-b3-"));
    assert!(!sc.is_valid());
    // Only the debug flag hidden: the ids are still read, the debug decision is not.
    check_alone_and_composite(&p, "b3multi", &map, &|n: &str| n == "x-b3-flags");
}

#[test]
fn hidden_uber_trace_id_is_not_extracted() {
    let map = header_map(&[
        ("uber-trace-id", "6e0c63257de34c92:6e0c63257de34c92:0:3"),
        ("uberctx-user", "ann"),
    ]);
    let (sc, baggage, _) = check(&JaegerPropagator::default(), &map, &|n: &str| {
        n == "uber-trace-id"
    });
    assert!(!sc.is_valid());
    assert_eq!(baggage, [("user".to_owned(), "ann".to_owned())]);
    check(&from_list("jaeger").unwrap(), &map, &|n: &str| {
        n == "uber-trace-id"
    });
}

#[test]
fn hidden_prefixed_uberctx_keys_are_not_extracted() {
    let map = header_map(&[
        ("uber-trace-id", "6e0c63257de34c92:6e0c63257de34c92:0:1"),
        ("uberctx-user", "ann"),
        ("Uberctx-Tenant", "acme"),
        ("jaeger-baggage", "region=eu"),
    ]);
    let hidden: Hidden<'_> = &|n: &str| n.starts_with("uberctx-");
    let (sc, baggage, _) = check(&JaegerPropagator::default(), &map, hidden);
    assert!(sc.is_valid());
    assert_eq!(baggage, [("region".to_owned(), "eu".to_owned())]);
    check(&from_list("jaeger,baggage").unwrap(), &map, hidden);
    // `jaeger-debug-id` and `jaeger-baggage` are headers like any other.
    let debug = header_map(&[("jaeger-debug-id", "dbg-1"), ("jaeger-baggage", "a=1")]);
    check_alone_and_composite(
        &JaegerPropagator::default(),
        "jaeger",
        &debug,
        &|n: &str| n.starts_with("jaeger-"),
    );
}

#[test]
fn hidden_ot_headers_are_not_extracted() {
    let map = header_map(&[
        ("ot-tracer-traceid", "80f198ee56343ba8"),
        ("ot-tracer-spanid", "e457b5a2e4d86bd1"),
        ("ot-tracer-sampled", "true"),
        ("ot-baggage-user", "ann"),
    ]);
    let p = OtTracePropagator::default();
    let (sc, baggage, _) = check(&p, &map, &|n: &str| n.starts_with("ot-baggage-"));
    assert!(sc.is_valid() && baggage.is_empty());
    check(&from_list("ottrace").unwrap(), &map, &|n: &str| {
        n.starts_with("ot-baggage-")
    });
    check_alone_and_composite(&p, "ottrace", &map, &|n: &str| n.starts_with("ot-tracer-"));
    check_alone_and_composite(&p, "ottrace", &map, &|n: &str| n == "ot-tracer-sampled");
}

#[test]
fn hidden_datadog_headers_are_not_extracted() {
    let map = header_map(&[
        ("x-datadog-trace-id", "11803532876627986230"),
        ("x-datadog-parent-id", "67667974448284343"),
        ("x-datadog-sampling-priority", "2"),
        ("x-datadog-origin", "synthetics"),
        ("x-datadog-tags", "_dd.p.dm=-4,_dd.p.tid=4bf92f3577b34da6"),
    ]);
    let p = DatadogPropagator::default();
    let (sc, _, _) = check(&p, &map, &|n: &str| n.starts_with("x-datadog-"));
    assert!(!sc.is_valid());
    for name in [
        "x-datadog-parent-id",
        "x-datadog-sampling-priority",
        "x-datadog-origin",
        "x-datadog-tags",
    ] {
        check_alone_and_composite(&p, "datadog", &map, &|n: &str| n == name);
    }
}

#[test]
fn hidden_x_amzn_trace_id_is_not_extracted() {
    let map = header_map(&[(
        "x-amzn-trace-id",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    )]);
    let (sc, _, _) = check(&XRayPropagator::default(), &map, &|n: &str| {
        n == "x-amzn-trace-id"
    });
    assert!(!sc.is_valid());
    check(&from_list("xray").unwrap(), &map, &|n: &str| {
        n == "x-amzn-trace-id"
    });
}

#[test]
fn hidden_pass_through_headers_are_not_forwarded() {
    let map = header_map(&[("x-request-id", "r-1"), ("x-correlation-id", "c-1")]);
    let p = PassThroughPropagator::new(["x-request-id", "x-correlation-id"]);
    let (_, _, injected) = check(&p, &map, &|n: &str| n == "x-request-id");
    assert_eq!(
        injected,
        [("x-correlation-id".to_owned(), "c-1".to_owned())]
    );
    let composite =
        CompositePropagator::new(vec![Box::new(TraceContextPropagator::new()), Box::new(p)]);
    check(&composite, &map, &|n: &str| n == "x-request-id");
}

/// A propagator that is not Baton's, inside a composite, reads the carrier through an
/// `Extractor` view of it: it sees nothing the carrier hides either.
#[test]
fn a_foreign_propagator_in_a_composite_sees_only_what_the_carrier_shows() {
    let foreign = || ForeignPropagator(opentelemetry_sdk::propagation::BaggagePropagator::new());
    support::assert_send_sync_debug::<
        ForeignPropagator<opentelemetry_sdk::propagation::BaggagePropagator>,
    >();
    support::assert_cached_fields(foreign());
    let composite = CompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(foreign()),
    ]);
    let map = header_map(&[("traceparent", TP), ("baggage", "tenant=acme")]);
    let (sc, baggage, _) = check(&composite, &map, &|n: &str| n == "baggage");
    assert!(sc.is_valid() && baggage.is_empty());
}
