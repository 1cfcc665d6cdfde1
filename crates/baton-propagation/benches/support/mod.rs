//! The cases both benchmarks run: every Baton propagator and its OpenTelemetry anchor on the
//! same `http::HeaderMap` inputs (see `propagation.rs` for timing, `allocations.rs` for
//! allocations per operation).

use std::hint::black_box;
use std::str::FromStr;

use baton_propagation::Propagator;
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::baggage::{Baggage, BaggageExt, BaggageMetadata};
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACESTATE_8: &str = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7,fw529a3039@dt=00f067aa0ba902b7,\
     dd=s:1;o:rum;t.dm:-0,sentry=8d6d1a1f,ot=th:8;rv:0a1b2c3d4e5f60,vendor7=opaque-value_7,\
     tenant8@vendor=abcdefghijklmnop";
const BAGGAGE_10: &str = "userId=alice,serverNode=DF%2028,isProduction=false,\
     region=eu-west-1;az=b,tenant=acme%20corp,session=9a8b7c6d5e4f,plan=enterprise,\
     feature.flags=new-checkout%2Cdark-mode,request.source=mobile;version=4.2,locale=fr-CH";
const B3_SINGLE: &str = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1-05e3ac9a4f6e3b90";
const UBER_TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1";
const XRAY: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_str(name).expect("bench header name"),
            HeaderValue::from_str(value).expect("bench header value"),
        );
    }
    map
}

fn sampled_span() -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").expect("trace id"),
        SpanId::from_hex("00f067aa0ba902b7").expect("span id"),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    ))
}

/// A sampled span context whose ids fit X-Ray's shape (the epoch second is the id's top 32 bits).
fn sampled_xray_span() -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from_hex("5759e988bd862e3fe1be46a994272793").expect("trace id"),
        SpanId::from_hex("53995c3f42cd8ad8").expect("span id"),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    ))
}

fn ten_member_baggage() -> Context {
    let baggage = Baggage::from_iter((0..10).map(|i| {
        opentelemetry::KeyValue::new(format!("key{i}"), format!("value-{i}-with%20space"))
    }));
    Context::new().with_baggage(baggage)
}

/// A traceparent extract written against `HeaderMap` directly (see the reference case).
fn hand_written_traceparent(map: &HeaderMap) -> Context {
    static NAME: HeaderName = HeaderName::from_static("traceparent");
    let mut lines = map.get_all(&NAME).iter();
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return Context::new();
    };
    match baton_propagation::TraceParent::parse_bytes(line.as_bytes()) {
        Ok(tp) => Context::new().with_remote_span_context(SpanContext::new(
            tp.trace_id(),
            tp.parent_id(),
            tp.flags() & baton_propagation::TraceParent::DEFINED_FLAGS,
            true,
            TraceState::NONE,
        )),
        Err(_) => Context::new(),
    }
}

/// A comma-separated list of `key<i>=value<i>` members just over 1 MiB long.
fn huge_list(key: &str, value: &str) -> String {
    let mut out = String::with_capacity(1 << 20);
    let mut i = 0;
    while out.len() < 1 << 20 {
        out.push_str(&format!("{key}{i}={value}{i},"));
        i += 1;
    }
    out.pop();
    out
}

/// The members of `BAGGAGE_10`, split and percent-decoded: (key, value, metadata).
fn baggage_members() -> Vec<(String, String, String)> {
    let decode = |v: &str| v.replace("%20", " ").replace("%2C", ",");
    BAGGAGE_10
        .split(',')
        .map(|member| {
            let (head, metadata) = member.split_once(';').unwrap_or((member, ""));
            let (key, value) = head.split_once('=').expect("key=value");
            (key.to_owned(), decode(value), metadata.to_owned())
        })
        .collect()
}

/// What an extract case must find, so a fast rejection is never what gets measured.
#[derive(Clone, Copy)]
pub(crate) enum Expect {
    SpanContext,
    SpanContextWithState(usize),
    Baggage(usize),
    SpanContextAndBaggage(usize, usize),
    /// Hostile input: whatever each side makes of it (the time and allocations are the point).
    Anything,
}

impl Expect {
    fn check(self, side: &str, cx: &Context) {
        assert!(
            self.holds(cx),
            "{side}: the bench input was not extracted as expected"
        );
    }

    fn holds(self, cx: &Context) -> bool {
        match self {
            Self::SpanContext => cx.span().span_context().is_valid(),
            Self::SpanContextWithState(members) => {
                let sc = cx.span().span_context().clone();
                sc.is_valid() && sc.trace_state().header().split(',').count() == members
            }
            Self::Baggage(members) => cx.baggage().len() == members,
            Self::SpanContextAndBaggage(state, members) => {
                Self::SpanContextWithState(state).holds(cx) && cx.baggage().len() == members
            }
            Self::Anything => true,
        }
    }
}

pub(crate) type ExtractFn = Box<dyn Fn(&HeaderMap) -> Context>;
pub(crate) type InjectFn = Box<dyn Fn(&Context, &mut HeaderMap)>;

pub(crate) enum Op {
    Extract {
        input: HeaderMap,
        expect: Expect,
        sides: Vec<(&'static str, ExtractFn)>,
    },
    Inject {
        input: Context,
        header: &'static str,
        sides: Vec<(&'static str, InjectFn)>,
    },
}

pub(crate) struct Case {
    pub(crate) group: &'static str,
    pub(crate) op: Op,
}

fn otel_extract<P: TextMapPropagator + 'static>(propagator: P) -> ExtractFn {
    Box::new(move |map| {
        propagator.extract_with_context(&Context::new(), &opentelemetry_http::HeaderExtractor(map))
    })
}

fn otel_inject<P: TextMapPropagator + 'static>(propagator: P) -> InjectFn {
    Box::new(move |cx, map| {
        propagator.inject_context(cx, &mut opentelemetry_http::HeaderInjector(map));
    })
}

fn baton_extract<P: TextMapPropagator + 'static>(propagator: P) -> ExtractFn {
    Box::new(move |map| {
        propagator.extract_with_context(&Context::new(), &baton_propagation::HeaderExtractor(map))
    })
}

/// The typed path the interceptors take: the map itself as the carrier.
fn baton_extract_from<P: Propagator + 'static>(propagator: P) -> ExtractFn {
    Box::new(move |map| propagator.extract_from(&Context::new(), map))
}

fn baton_inject<P: TextMapPropagator + 'static>(propagator: P) -> InjectFn {
    Box::new(move |cx, map| {
        propagator.inject_context(cx, &mut baton_propagation::HeaderInjector(map));
    })
}

fn extract(group: &'static str, input: HeaderMap, expect: Expect) -> Case {
    Case {
        group,
        op: Op::Extract {
            input,
            expect,
            sides: Vec::new(),
        },
    }
}

fn inject(group: &'static str, input: Context, header: &'static str) -> Case {
    Case {
        group,
        op: Op::Inject {
            input,
            header,
            sides: Vec::new(),
        },
    }
}

impl Case {
    fn extractor(mut self, side: &'static str, f: ExtractFn) -> Self {
        if let Op::Extract { sides, .. } = &mut self.op {
            sides.push((side, f));
        }
        self
    }

    /// Baton's two extract sides: from the map itself (`baton extract_from`, the typed path the
    /// interceptors take), and through its `HeaderExtractor` as any opentelemetry caller does
    /// (`baton HeaderExtractor`: one `Vec` more for each header read in full).
    fn baton<P: Propagator + 'static>(self, make: impl Fn() -> P) -> Self {
        self.extractor("baton extract_from", baton_extract_from(make()))
            .extractor("baton HeaderExtractor", baton_extract(make()))
    }

    fn injector(mut self, side: &'static str, f: InjectFn) -> Self {
        if let Op::Inject { sides, .. } = &mut self.op {
            sides.push((side, f));
        }
        self
    }
}

/// opentelemetry-zipkin's B3 propagator: deprecated together with the Zipkin exporter in 0.33,
/// but still the released OpenTelemetry Rust implementation of B3.
#[allow(deprecated)]
fn zipkin_b3(single: bool) -> opentelemetry_zipkin::Propagator {
    opentelemetry_zipkin::Propagator::with_encoding(if single {
        opentelemetry_zipkin::B3Encoding::SingleHeader
    } else {
        opentelemetry_zipkin::B3Encoding::MultipleHeader
    })
}

pub(crate) fn cases() -> Vec<Case> {
    use baton_propagation::{
        B3Encoding, B3Propagator, BaggagePropagator, DatadogPropagator, JaegerPropagator,
        OtTracePropagator, TraceContextPropagator, XRayPropagator,
    };
    use opentelemetry_sdk::propagation::{
        BaggagePropagator as SdkBaggage, TraceContextPropagator as SdkTraceContext,
    };
    let baton = "baton";
    let sdk = "opentelemetry_sdk";
    let zipkin = "opentelemetry-zipkin";
    let aws = "opentelemetry-aws";
    let b3_single = || B3Propagator::with_encoding(B3Encoding::SingleHeader);
    let b3_multi = || B3Propagator::with_encoding(B3Encoding::MultipleHeader);
    let b3_multi_headers = headers(&[
        ("x-b3-traceid", "4bf92f3577b34da6a3ce929d0e0e4736"),
        ("x-b3-spanid", "00f067aa0ba902b7"),
        ("x-b3-parentspanid", "05e3ac9a4f6e3b90"),
        ("x-b3-sampled", "1"),
    ]);
    vec![
        extract(
            "extract traceparent",
            headers(&[("traceparent", TRACEPARENT)]),
            Expect::SpanContext,
        )
        .baton(TraceContextPropagator::default)
        .extractor(sdk, otel_extract(SdkTraceContext::new())),
        // The same, inside a typical browser request's 14 headers: Baton's carrier searches maps
        // of at most 8 names by name, so this row shows the cost on a larger map (hashed lookups).
        extract(
            "extract traceparent from a 14-header request",
            headers(&[
                ("host", "orders.internal:8080"),
                (
                    "user-agent",
                    "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
                ),
                ("accept", "application/json"),
                ("accept-encoding", "gzip, deflate, br"),
                ("accept-language", "en-GB,en;q=0.9"),
                ("content-type", "application/json"),
                ("content-length", "42"),
                (
                    "authorization",
                    "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo",
                ),
                ("cookie", "session=4f2a9c; theme=dark"),
                ("x-request-id", "5f1c2a9e-7d3b-4c1e-9f0a-2b8d6e4c1a37"),
                ("x-forwarded-for", "203.0.113.7"),
                ("x-forwarded-proto", "https"),
                ("connection", "keep-alive"),
                ("traceparent", TRACEPARENT),
            ]),
            Expect::SpanContext,
        )
        .baton(TraceContextPropagator::default)
        .extractor(sdk, otel_extract(SdkTraceContext::new())),
        // What every traceparent extract pays whatever the parser: the remote span context
        // put into a new `Context` (one `Arc`) and dropped again.
        extract(
            "floor: Context with a remote span context, no header work",
            HeaderMap::new(),
            Expect::SpanContext,
        )
        .extractor("opentelemetry (floor)", {
            let sc = sampled_span().span().span_context().clone();
            let (trace_id, span_id) = (sc.trace_id(), sc.span_id());
            Box::new(move |_| {
                Context::new().with_remote_span_context(SpanContext::new(
                    black_box(trace_id),
                    black_box(span_id),
                    TraceFlags::SAMPLED,
                    true,
                    TraceState::NONE,
                ))
            })
        }),
        // The best a carrier plus parser can do here: one lookup by a pre-built `HeaderName`
        // (which also sees a duplicate line), Baton's own parser, and the floor above.
        extract(
            "reference: hand-written traceparent extract (one lookup by HeaderName)",
            headers(&[("traceparent", TRACEPARENT)]),
            Expect::SpanContext,
        )
        .extractor(
            "hand-written (reference)",
            Box::new(hand_written_traceparent),
        ),
        extract(
            "extract traceparent + 8-member tracestate",
            headers(&[("traceparent", TRACEPARENT), ("tracestate", TRACESTATE_8)]),
            Expect::SpanContextWithState(8),
        )
        .baton(TraceContextPropagator::default)
        .extractor(sdk, otel_extract(SdkTraceContext::new())),
        // What any tracestate extract pays: opentelemetry's `TraceState` built (and validated)
        // from the 8 already-split members, in a new `Context`, and dropped again.
        extract(
            "floor: TraceState of 8 members in a Context, no header work",
            HeaderMap::new(),
            Expect::SpanContextWithState(8),
        )
        .extractor("opentelemetry (floor)", {
            let sc = sampled_span().span().span_context().clone();
            let members: Vec<(&str, &str)> = TRACESTATE_8
                .split(',')
                .filter_map(|m| m.split_once('='))
                .collect();
            Box::new(move |_| {
                let state = TraceState::from_key_value(members.iter().copied())
                    .expect("valid tracestate members");
                Context::new().with_remote_span_context(SpanContext::new(
                    sc.trace_id(),
                    sc.span_id(),
                    sc.trace_flags(),
                    true,
                    state,
                ))
            })
        }),
        extract(
            "extract 10-member baggage",
            headers(&[("baggage", BAGGAGE_10)]),
            Expect::Baggage(10),
        )
        .baton(BaggagePropagator::default)
        .extractor(sdk, otel_extract(SdkBaggage::new())),
        // What any baggage extract pays: opentelemetry's `Baggage` built (and validated) from
        // the 10 already-split and decoded members, owned, in a new `Context`, and dropped.
        extract(
            "floor: Baggage of 10 members in a Context, no header work",
            HeaderMap::new(),
            Expect::Baggage(10),
        )
        .extractor("opentelemetry (floor)", {
            let members = baggage_members();
            Box::new(move |_| {
                let mut baggage = Baggage::new();
                for (key, value, metadata) in &members {
                    baggage.insert_with_metadata(
                        key.to_string(),
                        value.to_string(),
                        BaggageMetadata::from(metadata.as_str()),
                    );
                }
                Context::new().with_baggage(baggage)
            })
        }),
        inject("inject traceparent", sampled_span(), "traceparent")
            .injector(baton, baton_inject(TraceContextPropagator::default()))
            .injector(sdk, otel_inject(SdkTraceContext::new())),
        inject("inject 10-member baggage", ten_member_baggage(), "baggage")
            .injector(baton, baton_inject(BaggagePropagator::default()))
            .injector(sdk, otel_inject(SdkBaggage::new())),
        extract(
            "extract composite tracecontext,baggage (all three headers)",
            headers(&[
                ("traceparent", TRACEPARENT),
                ("tracestate", TRACESTATE_8),
                ("baggage", BAGGAGE_10),
            ]),
            Expect::SpanContextAndBaggage(8, 10),
        )
        .baton(|| baton_propagation::from_list("tracecontext,baggage").expect("known propagators"))
        .extractor(
            sdk,
            otel_extract(TextMapCompositePropagator::new(vec![
                Box::new(SdkTraceContext::new()),
                Box::new(SdkBaggage::new()),
            ])),
        ),
        // Hostile input: a 1 MiB header must cost time bounded by the spec's limit, not by
        // the input (the limit checked before any parsing).
        extract(
            "hostile: traceparent + 1 MiB tracestate",
            headers(&[
                ("traceparent", TRACEPARENT),
                ("tracestate", &huge_list("k", "v")),
            ]),
            Expect::Anything,
        )
        .baton(TraceContextPropagator::default)
        .extractor(sdk, otel_extract(SdkTraceContext::new())),
        extract(
            "hostile: 1 MiB baggage",
            headers(&[("baggage", &huge_list("k", "v"))]),
            Expect::Anything,
        )
        .baton(BaggagePropagator::default)
        .extractor(sdk, otel_extract(SdkBaggage::new())),
        extract(
            "extract b3 single",
            headers(&[("b3", B3_SINGLE)]),
            Expect::SpanContext,
        )
        .baton(b3_single)
        .extractor(zipkin, otel_extract(zipkin_b3(true))),
        extract("extract b3 multi", b3_multi_headers, Expect::SpanContext)
            .baton(b3_multi)
            .extractor(zipkin, otel_extract(zipkin_b3(false))),
        inject("inject b3 single", sampled_span(), "b3")
            .injector(baton, baton_inject(b3_single()))
            .injector(zipkin, otel_inject(zipkin_b3(true))),
        inject("inject b3 multi", sampled_span(), "x-b3-traceid")
            .injector(baton, baton_inject(b3_multi()))
            .injector(zipkin, otel_inject(zipkin_b3(false))),
        extract(
            "extract x-ray",
            headers(&[("x-amzn-trace-id", XRAY)]),
            Expect::SpanContext,
        )
        .baton(XRayPropagator::default)
        .extractor(
            aws,
            otel_extract(opentelemetry_aws::trace::XrayPropagator::new()),
        ),
        inject("inject x-ray", sampled_xray_span(), "x-amzn-trace-id")
            .injector(baton, baton_inject(XRayPropagator::default()))
            .injector(
                aws,
                otel_inject(opentelemetry_aws::trace::XrayPropagator::new()),
            ),
        extract(
            "extract jaeger",
            headers(&[("uber-trace-id", UBER_TRACE_ID)]),
            Expect::SpanContext,
        )
        .baton(JaegerPropagator::default),
        inject("inject jaeger", sampled_span(), "uber-trace-id")
            .injector(baton, baton_inject(JaegerPropagator::default())),
        extract(
            "extract ot trace",
            headers(&[
                ("ot-tracer-traceid", "a3ce929d0e0e4736"),
                ("ot-tracer-spanid", "00f067aa0ba902b7"),
                ("ot-tracer-sampled", "true"),
            ]),
            Expect::SpanContext,
        )
        .baton(OtTracePropagator::default),
        inject("inject ot trace", sampled_span(), "ot-tracer-traceid")
            .injector(baton, baton_inject(OtTracePropagator::default())),
        extract(
            "extract datadog",
            headers(&[
                ("x-datadog-trace-id", "11803532876627986230"),
                ("x-datadog-parent-id", "67667974448284343"),
                ("x-datadog-sampling-priority", "1"),
                ("x-datadog-tags", "_dd.p.tid=4bf92f3577b34da6,_dd.p.dm=-1"),
            ]),
            Expect::SpanContext,
        )
        .baton(DatadogPropagator::default),
        inject("inject datadog", sampled_span(), "x-datadog-trace-id")
            .injector(baton, baton_inject(DatadogPropagator::default())),
    ]
}

/// Runs every side of every case once: each extract must really extract its input (so a fast
/// rejection is never what gets measured), and each inject must write its header.
pub(crate) fn check(cases: &[Case]) {
    for case in cases {
        match &case.op {
            Op::Extract {
                input,
                expect,
                sides,
            } => {
                for (side, f) in sides {
                    expect.check(side, &f(input));
                }
            }
            Op::Inject {
                input,
                header,
                sides,
            } => {
                for (side, f) in sides {
                    let mut map = HeaderMap::with_capacity(8);
                    f(input, &mut map);
                    assert!(
                        map.contains_key(*header),
                        "{side}: inject wrote no `{header}` header"
                    );
                }
            }
        }
    }
}
