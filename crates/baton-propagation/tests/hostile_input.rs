//! Hostile input and allocation leanness, measured with a counting allocator.
//!
//! Every test here holds `LOCK` from its first line, so no other test allocates while one
//! measures, and each figure is the most frequent of nine runs, so an allocation or a free by
//! the test harness's own thread cannot skew it.

#![cfg(feature = "http")]

use std::alloc::System;
use std::sync::{LazyLock, Mutex, MutexGuard};

use baton_propagation::{
    BaggagePropagator, HeaderExtractor, HeaderInjector, Propagator, TraceContextPropagator,
    TraceParent,
};
use http::{HeaderMap, HeaderValue};
use opentelemetry::Context;
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const MIB: usize = 1 << 20;

/// What running `f` allocated: (allocations, bytes allocated, bytes still held while the
/// result of `f` is alive). The smallest of five runs.
fn measure<T>(mut f: impl FnMut() -> T) -> (usize, usize, isize) {
    LazyLock::force(&TC);
    LazyLock::force(&BAG);
    let runs: Vec<(usize, usize, isize)> = (0..9)
        .map(|_| {
            let region = Region::new(GLOBAL);
            let kept = f();
            let s = region.change();
            drop(kept);
            // Reallocations are already counted in bytes allocated and deallocated.
            let held = (s.bytes_allocated as isize) - (s.bytes_deallocated as isize);
            (s.allocations + s.reallocations, s.bytes_allocated, held)
        })
        .collect();
    (
        most_frequent(runs.iter().map(|r| r.0)),
        most_frequent(runs.iter().map(|r| r.1)),
        most_frequent(runs.iter().map(|r| r.2)),
    )
}

/// The value seen most often (the smallest on a tie): the code under test is deterministic,
/// so an odd run is another thread's allocation or free, not ours.
fn most_frequent<V: Copy + Ord>(values: impl Iterator<Item = V>) -> V {
    let mut values: Vec<V> = values.collect();
    values.sort_unstable();
    let mut best = (values[0], 0usize);
    let mut i = 0;
    while i < values.len() {
        let run = values[i..].iter().take_while(|v| **v == values[i]).count();
        if run > best.1 {
            best = (values[i], run);
        }
        i += run;
    }
    best.0
}

fn map(list: &[(&str, &[u8])]) -> HeaderMap {
    let mut m = HeaderMap::new();
    for (name, value) in list {
        m.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    m
}

// Built once: building a propagator allocates its cached `fields`, which is not per request.
static TC: LazyLock<TraceContextPropagator> = LazyLock::new(TraceContextPropagator::default);
static BAG: LazyLock<BaggagePropagator> = LazyLock::new(BaggagePropagator::default);

/// The typed path, which the interceptors take: the map itself as the carrier.
fn tc_extract(m: &HeaderMap) -> Context {
    TC.extract_from(&Context::new(), m)
}

fn bag_extract(m: &HeaderMap) -> Context {
    BAG.extract_from(&Context::new(), m)
}

/// opentelemetry's path, through an `Extractor`.
fn tc_extract_via_extractor(m: &HeaderMap) -> Context {
    TC.extract_with_context(&Context::new(), &HeaderExtractor(m))
}

fn bag_extract_via_extractor(m: &HeaderMap) -> Context {
    BAG.extract_with_context(&Context::new(), &HeaderExtractor(m))
}

fn remote(ts: TraceState) -> SpanContext {
    SpanContext::new(
        TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
        SpanId::from(0x00f0_67aa_0ba9_02b7),
        TraceFlags::SAMPLED,
        true,
        ts,
    )
}

// ---- allocation leanness on the hot path ----

#[test]
fn parse_and_format_allocate_nothing() {
    let _lock = lock();
    let (allocs, bytes, _) = measure(|| {
        let tp = TraceParent::parse(TP).unwrap();
        let mut buf = [0u8; TraceParent::LENGTH];
        assert_eq!(tp.encode(&mut buf).len(), 55);
        tp
    });
    assert_eq!((allocs, bytes), (0, 0));
}

#[test]
fn header_extractor_get_allocates_nothing() {
    let _lock = lock();
    let m = map(&[("traceparent", TP.as_bytes()), ("baggage", b"a=1")]);
    let ex = HeaderExtractor(&m);
    let (allocs, bytes, _) = measure(|| ex.get("TraceParent").map(str::len));
    assert_eq!((allocs, bytes), (0, 0));
}

/// Injecting a valid span context allocates the `traceparent` value `String` the `Injector`
/// trait asks for, and nothing else: the header name is a prebuilt `static`, and the value's
/// buffer becomes the `HeaderValue` without a copy.
#[test]
fn inject_allocates_only_the_value() {
    let _lock = lock();
    let cx = Context::new().with_remote_span_context(remote(TraceState::NONE));
    let mut m = HeaderMap::with_capacity(8);
    TC.inject_context(&cx, &mut HeaderInjector(&mut m));
    let (allocs, bytes, _) = measure(|| {
        TC.inject_context(&cx, &mut HeaderInjector(&mut m));
    });
    assert_eq!((allocs, bytes), (1, TraceParent::LENGTH));
    assert_eq!(m["traceparent"], TP);
}

#[test]
fn no_header_no_allocation() {
    let _lock = lock();
    let m = map(&[("content-type", b"text/plain")]);
    // Through an `Extractor` too: `get` answers "no header" before any `get_all`.
    for extract in [
        tc_extract,
        bag_extract,
        tc_extract_via_extractor,
        bag_extract_via_extractor,
    ] {
        let (allocs, _, _) = measure(|| extract(&m));
        assert_eq!(allocs, 0);
    }
}

/// Extracting a bare `traceparent` from the map allocates exactly what the context itself
/// needs. Through an `Extractor`, the only other allocation is the short-lived `Vec` of
/// `Extractor::get_all` (one 16-byte slot), which the trait's signature makes unavoidable
/// when duplicates must be seen.
#[test]
fn bare_traceparent_holds_only_what_the_context_needs() {
    let _lock = lock();
    let baseline = measure(|| Context::new().with_remote_span_context(remote(TraceState::NONE)));
    let m = map(&[("traceparent", TP.as_bytes())]);
    let baton = measure(|| tc_extract(&m));
    println!("bare traceparent: baseline {baseline:?}, baton {baton:?}");
    assert_eq!(baton, baseline);
    let via_extractor = measure(|| tc_extract_via_extractor(&m));
    assert_eq!(
        via_extractor,
        (baseline.0 + 1, baseline.1 + 16, baseline.2),
        "through an Extractor: {via_extractor:?} vs {baseline:?}"
    );
}

/// With a `tracestate`, Baton holds what `TraceState` itself needs and nothing more.
#[test]
fn tracestate_holds_only_what_trace_state_needs() {
    let _lock = lock();
    let pairs = [
        ("rojo", "00f067aa0ba902b7"),
        ("congo", "t61rcWkgMzE"),
        ("a@b", "x y"),
    ];
    let baseline = measure(|| {
        let ts = TraceState::from_key_value(pairs).unwrap();
        Context::new().with_remote_span_context(remote(ts))
    });
    let m = map(&[
        ("traceparent", TP.as_bytes()),
        ("tracestate", b"rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"),
        ("tracestate", b"a@b=x y"),
    ]);
    let baton = measure(|| tc_extract(&m));
    println!("traceparent + tracestate: baseline {baseline:?}, baton {baton:?}");
    assert_eq!(baton.2, baseline.2, "bytes held");
    // The two `tracestate` lines, in one `Vec` freed before returning.
    assert!(
        baton.0 <= baseline.0 + 1,
        "allocations: {baton:?} vs {baseline:?}"
    );
    // Two `get_all` vectors (traceparent, tracestate), freed before returning.
    let via_extractor = measure(|| tc_extract_via_extractor(&m));
    assert_eq!(via_extractor.2, baseline.2, "bytes held");
    assert!(
        via_extractor.0 <= baseline.0 + 2,
        "allocations: {via_extractor:?} vs {baseline:?}"
    );
}

/// One baggage member: exactly what `Baggage` needs (and its context entry).
#[test]
fn single_baggage_member_holds_only_what_baggage_needs() {
    let _lock = lock();
    let baseline = measure(|| {
        let mut b = Baggage::new();
        b.insert_with_metadata("user".to_owned(), "ann lee".to_owned(), "p=1");
        Context::new().with_baggage(b)
    });
    let m = map(&[("baggage", b"user = ann%20lee;p=1")]);
    let baton = measure(|| bag_extract(&m));
    println!("one baggage member: baseline {baseline:?}, baton {baton:?}");
    assert_eq!(baton.2, baseline.2, "bytes held");
    assert!(
        baton.0 <= baseline.0 + 2,
        "allocations: {baton:?} vs {baseline:?}"
    );
}

/// What keeping the order of up to 16 members holds: one context entry's `Arc` (two
/// counters) around a hash of each key, held inline (16 × 4 bytes), and the (empty) vector
/// used past 16 members.
const ORDER_ENTRY_BYTES: isize = 16 + 8 + 16 * 4 + 24;

/// Several members: `Baggage` is a `HashMap`, so keeping the member order costs one more
/// context entry (its `Arc`, and the map of entries copied once more), holding a hash of
/// each key inline: nothing that grows with the keys' length, and no string of its own.
#[test]
fn baggage_order_costs_one_context_entry() {
    let _lock = lock();
    for key_len in [4, 100] {
        order_cost(key_len);
    }
}

fn order_cost(key_len: usize) {
    let members: Vec<(String, String)> = (0..8)
        .map(|i| {
            (
                format!("{i}{}", "k".repeat(key_len - 1)),
                format!("value{i}"),
            )
        })
        .collect();
    let baseline = measure(|| {
        let mut b = Baggage::new();
        for (k, v) in &members {
            b.insert(k.clone(), v.clone());
        }
        Context::new().with_baggage(b)
    });
    let header: Vec<String> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let m = map(&[("baggage", header.join(",").as_bytes())]);
    let baton = measure(|| bag_extract(&m));
    println!("eight baggage members: baseline {baseline:?}, baton {baton:?}");
    assert_eq!(
        baton.2 - baseline.2,
        ORDER_ENTRY_BYTES,
        "{baton:?} vs {baseline:?}"
    );
    // The entry's value and `Arc`, the copied map of entries and its `Arc`; reading the
    // carrier costs nothing.
    assert_eq!(baton.0 - baseline.0, 3, "{baton:?} vs {baseline:?}");
    // Through an `Extractor`, the one `Vec` of `get_all` more.
    let via_extractor = measure(|| bag_extract_via_extractor(&m));
    assert_eq!(
        (via_extractor.0 - baton.0, via_extractor.2),
        (1, baton.2),
        "{via_extractor:?} vs {baton:?}"
    );
}

// ---- hostile input: rejected or trimmed within the limits, bounded allocation ----

/// A 1 MiB `traceparent` is rejected before it is parsed; nothing but the `get_all` vector
/// is allocated.
#[test]
fn one_mib_traceparent() {
    let _lock = lock();
    let mut v = TP.as_bytes().to_vec();
    v.extend(std::iter::repeat_n(b'-', MIB));
    let m = map(&[("traceparent", &v)]);
    let (allocs, bytes, _) = measure(|| tc_extract(&m));
    let cx = tc_extract(&m);
    assert!(!cx.span().span_context().is_valid());
    assert!(
        allocs <= 1 && bytes <= 64,
        "{allocs} allocations, {bytes} bytes"
    );
    let future = format!("cc-{}", &TP[3..]) + &"-x".repeat(MIB / 2);
    assert!(TraceParent::parse(&future).is_err());
}

/// A 1 MiB `tracestate` is discarded unread; the `traceparent` is kept and the context holds
/// no more than for a bare `traceparent`.
#[test]
fn one_mib_tracestate() {
    let _lock = lock();
    let huge = "a=b,".repeat(MIB / 4);
    let m = map(&[
        ("traceparent", TP.as_bytes()),
        ("tracestate", huge.as_bytes()),
    ]);
    let bare = map(&[("traceparent", TP.as_bytes())]);
    let baseline = measure(|| tc_extract(&bare));
    let baton = measure(|| tc_extract(&m));
    let cx = tc_extract(&m);
    assert!(cx.span().span_context().is_valid());
    assert_eq!(cx.span().span_context().trace_state().header(), "");
    assert_eq!(baton.2, baseline.2);
    assert!(baton.1 <= baseline.1 + 64, "{baton:?} vs {baseline:?}");
}

/// 10,000 members (in one line, and in 10,000 lines): more than 32, so discarded whole.
#[test]
fn ten_thousand_tracestate_members() {
    let _lock = lock();
    let one_line: Vec<String> = (0..10_000).map(|i| format!("k{i}=v")).collect();
    let m = map(&[
        ("traceparent", TP.as_bytes()),
        ("tracestate", one_line.join(",").as_bytes()),
    ]);
    let cx = tc_extract(&m);
    assert!(cx.span().span_context().is_valid());
    assert_eq!(cx.span().span_context().trace_state().header(), "");
    let (_, bytes, _) = measure(|| tc_extract(&m));
    assert!(bytes <= 2048, "{bytes} bytes");

    let mut many = HeaderMap::new();
    many.append("traceparent", HeaderValue::from_static(TP));
    for member in &one_line {
        many.append("tracestate", HeaderValue::from_str(member).unwrap());
    }
    let cx = tc_extract(&many);
    assert_eq!(cx.span().span_context().trace_state().header(), "");
    // The carrier's `get_all` vector holds one `&str` per line (16 bytes); Baton adds none.
    let (_, bytes, _) = measure(|| tc_extract(&many));
    assert!(bytes <= 16 * 10_000 + 2048, "{bytes} bytes");
}

/// 100,000 baggage members: the first 64 are kept in `Baggage`, the next 116 beside it (180,
/// the grammar's most), and only the first 8192 bytes are read.
#[test]
fn hundred_thousand_baggage_members() {
    let _lock = lock();
    let members: Vec<String> = (0..100_000).map(|i| format!("k{i}={i}")).collect();
    let m = map(&[("baggage", members.join(",").as_bytes())]);
    let cx = bag_extract(&m);
    assert_eq!(cx.baggage().len(), 64);
    assert_eq!(cx.baggage().get("k0").map(|v| v.as_str()), Some("0"));
    assert_eq!(cx.baggage().get("k63").map(|v| v.as_str()), Some("63"));
    let mut out = HeaderMap::new();
    BaggagePropagator::default().inject_context(&cx, &mut HeaderInjector(&mut out));
    assert_eq!(out["baggage"].to_str().unwrap(), members[..180].join(","));
    let (_, bytes, _) = measure(|| bag_extract(&m));
    // What 180 small members cost, with room to spare; nothing proportional to 100,000.
    assert!(bytes <= 32 * 1024, "{bytes} bytes");
}

/// A 1 MiB `baggage` value of one member: it ends past byte 8192, so it is dropped unread.
#[test]
fn one_mib_baggage() {
    let _lock = lock();
    let v = format!("k={}", "x".repeat(MIB));
    let m = map(&[("baggage", v.as_bytes()), ("baggage", b"after=1")]);
    let cx = bag_extract(&m);
    assert!(cx.baggage().is_empty());
    let (allocs, bytes, _) = measure(|| bag_extract(&m));
    assert!(
        allocs <= 1 && bytes <= 64,
        "{allocs} allocations, {bytes} bytes"
    );
}

/// Bytes that are not visible ASCII (invalid UTF-8, obs-text, tabs inside) and control
/// bytes: never a panic, never accepted where the grammar forbids them.
#[test]
fn invalid_utf8_and_control_bytes() {
    let _lock = lock();
    let bad: &[&[u8]] = &[
        b"\xff\xfe\xfd",
        b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\xc3",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-é".as_bytes(),
        b"00-4bf92f3577b34da6a3ce929d0e0e4736\t00f067aa0ba902b7-01",
    ];
    for v in bad {
        let m = map(&[("traceparent", v)]);
        assert!(!tc_extract(&m).span().span_context().is_valid(), "{v:?}");
        assert!(TraceParent::parse_bytes(v).is_err(), "{v:?}");
    }
    for v in [&b"a=\xff\xfe"[..], b"a=b\tc", b"a=\xe9", "a=é".as_bytes()] {
        let m = map(&[("traceparent", TP.as_bytes()), ("tracestate", v)]);
        let cx = tc_extract(&m);
        assert!(cx.span().span_context().is_valid());
        assert_eq!(cx.span().span_context().trace_state().header(), "", "{v:?}");
        let m = map(&[("baggage", v), ("baggage", b"ok=1")]);
        let cx = bag_extract(&m);
        assert_eq!(cx.baggage().len(), 1, "{v:?}");
        assert!(cx.baggage().get("ok").is_some());
    }
    // Control bytes that HTTP itself refuses cannot reach a HeaderMap; through a plain map
    // carrier they are rejected by the grammar.
    let mut carrier = std::collections::HashMap::new();
    carrier.insert("traceparent".to_owned(), format!("{TP}\u{7f}"));
    carrier.insert("tracestate".to_owned(), "a=\u{7f}".to_owned());
    carrier.insert("baggage".to_owned(), "a=\u{1},b=\n,c=3".to_owned());
    let cx = TraceContextPropagator::default().extract_with_context(&Context::new(), &carrier);
    assert!(!cx.span().span_context().is_valid());
    carrier.insert("traceparent".to_owned(), TP.to_owned());
    let cx = TraceContextPropagator::default().extract_with_context(&Context::new(), &carrier);
    assert!(cx.span().span_context().is_valid());
    assert_eq!(cx.span().span_context().trace_state().header(), "");
    assert!(TraceParent::parse(&format!("{TP}\0")).is_err());
    let cx = BaggagePropagator::default().extract_with_context(&Context::new(), &carrier);
    assert_eq!(cx.baggage().len(), 1);
    assert!(cx.baggage().get("c").is_some());
}

// ---- against the anchor: opentelemetry_sdk's propagators over opentelemetry-http ----

/// The same inputs through `opentelemetry_sdk`'s propagators and `opentelemetry-http`'s
/// carrier: Baton never allocates more, and holds no more.
#[test]
fn never_more_than_opentelemetry_sdk() {
    let _lock = lock();
    let sdk_tc = opentelemetry_sdk::propagation::TraceContextPropagator::new();
    let sdk_bag = opentelemetry_sdk::propagation::BaggagePropagator::new();
    type Headers<'a> = &'a [(&'a str, &'a [u8])];
    let cases: [(&str, Headers<'_>); 3] = [
        ("traceparent", &[("traceparent", TP.as_bytes())]),
        (
            "traceparent + tracestate",
            &[
                ("traceparent", TP.as_bytes()),
                ("tracestate", b"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            ],
        ),
        (
            "baggage",
            &[(
                "baggage",
                b"userId=alice,serverNode=DF%2028,isProduction=false",
            )],
        ),
    ];
    // Only for baggage, Baton also keeps the member order (see
    // `baggage_order_costs_one_context_entry`): the hashes of its keys, inline, in an `Arc`.
    let order_cost = |name: &str| {
        if name == "baggage" {
            ORDER_ENTRY_BYTES
        } else {
            0
        }
    };
    for (name, list) in cases {
        let m = map(list);
        let (sdk, baton) = if name == "baggage" {
            (
                measure(|| {
                    sdk_bag.extract_with_context(
                        &Context::new(),
                        &opentelemetry_http::HeaderExtractor(&m),
                    )
                }),
                measure(|| bag_extract_via_extractor(&m)),
            )
        } else {
            (
                measure(|| {
                    sdk_tc.extract_with_context(
                        &Context::new(),
                        &opentelemetry_http::HeaderExtractor(&m),
                    )
                }),
                measure(|| tc_extract_via_extractor(&m)),
            )
        };
        println!("{name}: opentelemetry_sdk {sdk:?}, baton {baton:?} (allocations, bytes, held)");
        assert!(baton.0 <= sdk.0, "{name}: allocations {baton:?} vs {sdk:?}");
        assert!(
            baton.2 <= sdk.2 + order_cost(name),
            "{name}: held {baton:?} vs {sdk:?}"
        );
        if name != "baggage" {
            assert!(baton.1 <= sdk.1, "{name}: bytes {baton:?} vs {sdk:?}");
        }
    }
}

// ---- work bounded by the limit, not by the input ----

/// A carrier that hands out its lines as they are (no copy, no check, so that only the
/// propagator's own work is counted), counts the questions it is asked, and the allocations
/// of the `Vec`s that `get_all` must return.
struct Counting {
    lines: Vec<(&'static str, Vec<String>)>,
    calls: std::cell::Cell<usize>,
    vecs: std::cell::Cell<(usize, usize)>,
}

impl Counting {
    fn new(name: &'static str, lines: Vec<String>) -> Self {
        let traceparent = ("traceparent", vec![TP.to_owned()]);
        Self {
            lines: vec![traceparent, (name, lines)],
            calls: std::cell::Cell::new(0),
            vecs: std::cell::Cell::new((0, 0)),
        }
    }

    fn find(&self, key: &str) -> Option<&Vec<String>> {
        self.calls.set(self.calls.get() + 1);
        let found = self
            .lines
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key));
        found.map(|(_, lines)| lines)
    }
}

impl Extractor for Counting {
    fn get(&self, key: &str) -> Option<&str> {
        self.find(key)
            .and_then(|lines| lines.first())
            .map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.calls.set(self.calls.get() + 1);
        self.lines.iter().map(|(name, _)| *name).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let lines: Vec<&str> = self.find(key)?.iter().map(String::as_str).collect();
        let (allocations, bytes) = self.vecs.get();
        let size = lines.capacity() * std::mem::size_of::<&str>();
        self.vecs.set((allocations + 1, bytes + size));
        Some(lines)
    }
}

/// What one extract costs the propagator, counted rather than timed (a count does not depend
/// on the machine's load): carrier calls, then allocations, bytes allocated and bytes held,
/// less the carrier's own `get_all` vectors.
fn cost(p: &dyn TextMapPropagator, carrier: &Counting) -> (usize, usize, usize, isize) {
    carrier.calls.set(0);
    carrier.vecs.set((0, 0));
    drop(p.extract_with_context(&Context::new(), carrier));
    let (calls, (vec_allocations, vec_bytes)) = (carrier.calls.get(), carrier.vecs.get());
    let (allocations, bytes, held) = measure(|| p.extract_with_context(&Context::new(), carrier));
    (
        calls,
        allocations - vec_allocations,
        bytes - vec_bytes,
        held,
    )
}

/// `count` members of about `size` bytes each, every key distinct (repeated keys would be
/// folded together and hide the work done per member).
fn members(count: usize, size: usize, sep: &str) -> String {
    let member = |i: usize| format!("k{i}={}", "v".repeat(size.saturating_sub(8)));
    (0..count).map(member).collect::<Vec<_>>().join(sep)
}

/// A value past a header's limit and a value of 1 MiB, in one line and in many, cost the
/// same counted work: the same calls to the carrier, the same number of allocations and the
/// same bytes. A propagator that copied the input, collected its members, or kept members
/// past the byte limit (the baggage members here are 100 bytes, so the 180-member cap does
/// not hide the 8192-byte one) would cost more for 1 MiB. Work that only reads bytes without
/// allocating is out of a count's sight: the limits are compared with the value's length
/// before it is parsed, which the parsers' unit tests check.
#[test]
fn work_is_bounded_by_the_limit_not_the_input() {
    let _lock = lock();
    // (header, propagator, the limit in bytes over all lines, the length of one member)
    let cases: [(&'static str, &dyn TextMapPropagator, usize, usize); 2] = [
        ("tracestate", &*TC, 32 * 1024, 64),
        ("baggage", &*BAG, 8192, 100),
    ];
    for (name, p, limit, size) in cases {
        // Twice the limit: past it, and still 1/64 of 1 MiB or less.
        let just_past = 2 * limit / size;
        let in_1_mib = MIB / size;
        let one_line = |count| Counting::new(name, vec![members(count, size, ",")]);
        let many_lines = |count| {
            let lines = (0..count).map(|i| members(1, size, "") + &i.to_string());
            Counting::new(name, lines.collect())
        };
        let small = cost(p, &one_line(just_past));
        assert_eq!(cost(p, &one_line(in_1_mib)), small, "{name} in one line");
        let small = cost(p, &many_lines(just_past));
        assert_eq!(
            cost(p, &many_lines(in_1_mib)),
            small,
            "{name} in many lines"
        );
    }
}
