//! Shared harness of the baton-propagation fuzz targets.
//!
//! Every target turns the fuzzer's bytes into an `http::HeaderMap` with [`header_map`]
//! (arbitrary values, arbitrary duplicate lines, and now and then an arbitrary header name),
//! extracts both from the map itself (`Propagator::extract_from`) and through Baton's own
//! `HeaderExtractor`, asserting that the two agree, and, where the format defines a round
//! trip, asserts `extract(inject(extract(x))) == extract(x)` with [`check_round_trip`].

pub mod targets;

use std::fmt::Debug;

use baton_propagation::{HeaderExtractor, HeaderInjector, Propagator};
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceId};

/// Selector bytes at or above this value make a line carry its own `name:value`.
const OWN_NAME: u8 = 0xf0;

/// Builds a header map from fuzzer bytes.
///
/// The input is split into lines at `\n`. The first byte of a line picks one of `names`
/// (modulo their count) and the rest of the line is that header's value, so the fuzzer can
/// repeat a header any number of times. A first byte of `0xf0` or more makes the line carry
/// its own `name:value` instead. Names or values that `http` refuses are skipped, as a
/// server would never hand them over.
pub fn header_map(data: &[u8], names: &[&'static str]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let Some((&selector, rest)) = line.split_first() else {
            continue;
        };
        let (name, value) = if selector >= OWN_NAME || names.is_empty() {
            let Some(colon) = rest.iter().position(|&b| b == b':') else {
                continue;
            };
            let Ok(name) = HeaderName::from_bytes(&rest[..colon]) else {
                continue;
            };
            (name, &rest[colon + 1..])
        } else {
            let name = names[usize::from(selector) % names.len()];
            (HeaderName::from_static(name), rest)
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.append(name, value);
        }
    }
    map
}

/// Extracts from `map` into an empty parent context, from the map itself and through Baton's
/// `HeaderExtractor`, and asserts that both paths find the same span context and baggage.
pub fn extract<P: Propagator>(propagator: &P, map: &HeaderMap) -> Context {
    let typed = propagator.extract_from(&Context::new(), map);
    let text_map = propagator.extract_with_context(&Context::new(), &HeaderExtractor(map));
    let span = |cx: &Context| cx.span().span_context().clone();
    assert!(
        span(&typed) == span(&text_map) && baggage(&typed) == baggage(&text_map),
        "extract_from and extract_with_context disagree:\n  input: {map:?}\n  \
         extract_from: {:?} {:?}\n  HeaderExtractor: {:?} {:?}",
        span(&typed),
        baggage(&typed),
        span(&text_map),
        baggage(&text_map),
    );
    typed
}

/// Injects `cx` into a fresh header map through Baton's `HeaderInjector`.
pub fn inject<P: TextMapPropagator>(propagator: &P, cx: &Context) -> HeaderMap {
    let mut map = HeaderMap::new();
    propagator.inject_context(cx, &mut HeaderInjector(&mut map));
    map
}

/// What a round trip must preserve.
#[derive(Clone, Copy, Debug)]
pub enum Preserve {
    /// The span context: trace id, span id, flags, remoteness and trace state.
    SpanContext,
    /// The baggage: every name, value and metadata.
    Baggage,
    /// Both.
    Both,
    /// Both, for a format that sends only the low 64 bits of the trace id (OT trace): the
    /// re-extracted trace id is the first one's low half, and a trace id whose low half is
    /// zero cannot be sent at all.
    BothLow64TraceId,
}

/// Extracts `map`, and asserts that injecting the result and extracting again yields the same
/// context, as far as `preserve` says the format carries it.
pub fn check_round_trip<P: Propagator>(propagator: &P, map: &HeaderMap, preserve: Preserve) {
    let first = extract(propagator, map);
    let injected = inject(propagator, &first);
    let second = extract(propagator, &injected);
    let span = |cx: &Context| cx.span().span_context().clone();
    match preserve {
        Preserve::Baggage => {}
        Preserve::BothLow64TraceId => {
            let expected = low_64_trace_id(span(&first));
            assert_same("span context", &expected, &span(&second), map, &injected);
        }
        Preserve::SpanContext | Preserve::Both => {
            assert_same(
                "span context",
                &span(&first),
                &span(&second),
                map,
                &injected,
            );
        }
    }
    if !matches!(preserve, Preserve::SpanContext) {
        assert_same(
            "baggage",
            &baggage(&first),
            &baggage(&second),
            map,
            &injected,
        );
    }
}

/// The span context with its trace id cut to the low 64 bits (the empty one when they are 0).
pub fn low_64_trace_id(sc: SpanContext) -> SpanContext {
    if !sc.is_valid() {
        return sc;
    }
    let low = u128::from_be_bytes(sc.trace_id().to_bytes()) & u128::from(u64::MAX);
    if low == 0 {
        return SpanContext::empty_context();
    }
    SpanContext::new(
        TraceId::from(low),
        sc.span_id(),
        sc.trace_flags(),
        sc.is_remote(),
        sc.trace_state().clone(),
    )
}

/// Every baggage member as plain strings, sorted by name.
fn baggage(cx: &Context) -> Vec<(String, String, String)> {
    let mut members: Vec<_> = cx
        .baggage()
        .iter()
        .map(|(k, (v, meta))| {
            (
                k.as_str().to_owned(),
                v.as_str().to_owned(),
                meta.as_str().to_owned(),
            )
        })
        .collect();
    members.sort();
    members
}

fn assert_same<T: PartialEq + Debug + ?Sized>(
    what: &str,
    first: &T,
    second: &T,
    input: &HeaderMap,
    injected: &HeaderMap,
) {
    assert!(
        first == second,
        "{what} changed in extract(inject(extract(x))):\n  input:    {input:?}\n  \
         extract:  {first:?}\n  injected: {injected:?}\n  re-extract: {second:?}"
    );
}
