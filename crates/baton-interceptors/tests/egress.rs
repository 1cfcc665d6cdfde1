//! The egress policy on real calls, reqwest and tonic alike: everything, trace headers only,
//! nothing, a baggage allowlist, a per-request opt-out, and rules by destination.
#![cfg(all(feature = "reqwest", feature = "tonic"))]

#[path = "support/client.rs"]
mod support;

use baton_interceptors::egress::{Egress, EgressPolicy, NoPropagation};
use baton_interceptors::reqwest::TraceMiddleware;
use baton_interceptors::tonic::{ClientLayer, InjectContext};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::context::FutureExt as _;
use opentelemetry::{Context, KeyValue};
use reqwest_middleware::ClientBuilder;
use support::echo::EchoRequest;
use support::echo::echo_client::EchoClient;
use support::{EchoService, HttpServer, Spans, propagator};

/// A context with two baggage members, `tenant` and `session`.
fn with_baggage() -> Context {
    Context::new().with_baggage([
        KeyValue::new("tenant", "acme"),
        KeyValue::new("session", "s1"),
    ])
}

/// What reached the server: the `traceparent` if any, and the baggage members, sorted.
fn seen(headers: &http::HeaderMap) -> (bool, Vec<String>) {
    let mut baggage: Vec<String> = headers
        .get_all("baggage")
        .iter()
        .flat_map(|value| value.to_str().unwrap().split(','))
        .map(|member| member.trim().to_owned())
        .collect();
    baggage.sort();
    (headers.contains_key("traceparent"), baggage)
}

fn all() -> (bool, Vec<String>) {
    (true, vec!["session=s1".into(), "tenant=acme".into()])
}

/// Sends one reqwest request under `policy` (with `NoPropagation` if `opt_out`) and returns what
/// the server saw.
async fn reqwest_call(policy: EgressPolicy, opt_out: bool) -> (bool, Vec<String>) {
    seen(&reqwest_headers(propagator(), policy, opt_out).await)
}

async fn reqwest_headers(
    propagator: baton_propagation::CompositePropagator,
    policy: EgressPolicy,
    opt_out: bool,
) -> http::HeaderMap {
    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(
            TraceMiddleware::new()
                .with_tracer(spans.tracer())
                .with_propagator(propagator)
                .with_egress(policy),
        )
        .build();
    let mut request = client.get(server.url("/status/200"));
    if opt_out {
        request = request.with_extension(NoPropagation);
    }
    request.send().with_context(with_baggage()).await.unwrap();
    let headers = server.next_headers().await;
    // The span is recorded whatever leaves the process.
    assert_eq!(spans.finished().len(), 1);
    headers
}

/// The same through a tonic channel with `ClientLayer`.
async fn tonic_call(
    policy: impl FnOnce(&http::Uri) -> EgressPolicy,
    opt_out: bool,
) -> (bool, Vec<String>) {
    let spans = Spans::new();
    let mut server = EchoService::start().await;
    let channel = tower::ServiceBuilder::new()
        .layer(
            ClientLayer::new()
                .with_tracer(spans.tracer())
                .with_propagator(propagator())
                .with_target(server.uri.clone())
                .with_egress(policy(&server.uri)),
        )
        .service(server.channel().await);
    let mut request = tonic::Request::new(EchoRequest::default());
    if opt_out {
        request.extensions_mut().insert(NoPropagation);
    }
    EchoClient::new(channel)
        .unary(request)
        .with_context(with_baggage())
        .await
        .unwrap();
    let metadata = server.next_metadata().await;
    assert_eq!(spans.finished().len(), 1);
    seen(&metadata)
}

/// The same through `InjectContext`.
async fn interceptor_call(inject: InjectContext, opt_out: bool) -> (bool, Vec<String>) {
    let mut server = EchoService::start().await;
    let mut request = tonic::Request::new(EchoRequest::default());
    if opt_out {
        request.extensions_mut().insert(NoPropagation);
    }
    EchoClient::with_interceptor(server.channel().await, inject)
        .unary(request)
        .with_context(with_baggage().with_remote_span_context(remote()))
        .await
        .unwrap();
    seen(&server.next_metadata().await)
}

fn remote() -> opentelemetry::trace::SpanContext {
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    SpanContext::new(
        TraceId::from(1),
        SpanId::from(2),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    )
}

use opentelemetry::trace::TraceContextExt as _;

fn nothing() -> (bool, Vec<String>) {
    (false, vec![])
}

fn trace_only() -> (bool, Vec<String>) {
    (true, vec![])
}

#[tokio::test]
async fn all_trace_only_and_nothing_over_reqwest() {
    assert_eq!(
        reqwest_call(EgressPolicy::new(Egress::All), false).await,
        all()
    );
    assert_eq!(
        reqwest_call(EgressPolicy::new(Egress::TraceOnly), false).await,
        trace_only()
    );
    assert_eq!(
        reqwest_call(EgressPolicy::new(Egress::Nothing), false).await,
        nothing()
    );
}

#[tokio::test]
async fn all_trace_only_and_nothing_over_tonic() {
    assert_eq!(
        tonic_call(|_| EgressPolicy::new(Egress::All), false).await,
        all()
    );
    assert_eq!(
        tonic_call(|_| EgressPolicy::new(Egress::TraceOnly), false).await,
        trace_only()
    );
    assert_eq!(
        tonic_call(|_| EgressPolicy::new(Egress::Nothing), false).await,
        nothing()
    );
    let inject = || InjectContext::new().with_propagator(propagator());
    assert_eq!(interceptor_call(inject(), false).await, all());
    assert_eq!(
        interceptor_call(
            inject().with_egress(EgressPolicy::new(Egress::TraceOnly)),
            false
        )
        .await,
        trace_only()
    );
    assert_eq!(
        interceptor_call(
            inject().with_egress(EgressPolicy::new(Egress::Nothing)),
            false
        )
        .await,
        nothing()
    );
}

#[tokio::test]
async fn the_allowlist_keeps_only_its_keys() {
    let allow = || EgressPolicy::new(Egress::All).allow_baggage(["tenant"]);
    let tenant_only = (true, vec!["tenant=acme".to_owned()]);
    assert_eq!(reqwest_call(allow(), false).await, tenant_only);
    assert_eq!(tonic_call(|_| allow(), false).await, tenant_only);
    let inject = InjectContext::new()
        .with_propagator(propagator())
        .with_egress(allow());
    assert_eq!(interceptor_call(inject, false).await, tenant_only);
}

#[tokio::test]
async fn a_request_opts_out_with_no_propagation() {
    assert_eq!(
        reqwest_call(EgressPolicy::new(Egress::All), true).await,
        nothing()
    );
    assert_eq!(
        tonic_call(|_| EgressPolicy::new(Egress::All), true).await,
        nothing()
    );
    let inject = InjectContext::new().with_propagator(propagator());
    assert_eq!(interceptor_call(inject, true).await, nothing());
}

#[tokio::test]
async fn destination_rules_decide_by_host_scheme_and_port() {
    // The servers listen on 127.0.0.1 over plain http; the default sends nothing.
    let rules = |port: u16, scheme: &str, egress| {
        EgressPolicy::new(Egress::Nothing)
            .destination("*.example.com", Egress::All)
            .destination(&format!("{scheme}://127.0.0.1:{port}"), egress)
    };

    // reqwest: the port is known only once the server is up, so the rule names any port.
    assert_eq!(
        reqwest_call(
            rules(0, "http", Egress::All).destination("http://127.0.0.1:*", Egress::TraceOnly),
            false
        )
        .await,
        trace_only()
    );
    assert_eq!(
        reqwest_call(
            EgressPolicy::new(Egress::Nothing).destination("https://127.0.0.1", Egress::All),
            false
        )
        .await,
        nothing()
    );
    assert_eq!(
        reqwest_call(
            EgressPolicy::new(Egress::Nothing).destination("127.0.0.1", Egress::All),
            false
        )
        .await,
        all()
    );

    // tonic: the exact port, the wrong port, the wrong scheme.
    let port = |uri: &http::Uri| uri.port_u16().unwrap();
    assert_eq!(
        tonic_call(|uri| rules(port(uri), "http", Egress::All), false).await,
        all()
    );
    assert_eq!(
        tonic_call(
            |uri| rules(port(uri).wrapping_add(1), "http", Egress::All),
            false
        )
        .await,
        nothing()
    );
    assert_eq!(
        tonic_call(|uri| rules(port(uri), "https", Egress::All), false).await,
        nothing()
    );
    assert_eq!(
        tonic_call(|uri| rules(port(uri), "http", Egress::TraceOnly), false).await,
        trace_only()
    );

    // The interceptor resolves the rule for the target it is given.
    let inject = InjectContext::new()
        .with_propagator(propagator())
        .with_egress(
            EgressPolicy::new(Egress::Nothing).destination("*.partner.com", Egress::TraceOnly),
        )
        .with_target(http::Uri::from_static("https://api.partner.com"));
    assert_eq!(interceptor_call(inject, false).await, trace_only());
}

#[tokio::test]
async fn trace_only_drops_the_baggage_fields_of_every_format() {
    let formats = || baton_propagation::from_list("tracecontext,baggage,jaeger,ottrace").unwrap();
    let names = |headers: http::HeaderMap| {
        let mut names: Vec<String> = headers
            .keys()
            .map(|name| name.as_str().to_owned())
            .filter(|name| {
                [
                    "traceparent",
                    "baggage",
                    "uber-trace-id",
                    "uberctx-",
                    "ot-tracer-traceid",
                    "ot-baggage-",
                ]
                .iter()
                .any(|field| name.starts_with(field))
            })
            .collect();
        names.sort();
        names
    };
    let everything = names(reqwest_headers(formats(), EgressPolicy::new(Egress::All), false).await);
    assert_eq!(
        everything,
        [
            "baggage",
            "ot-baggage-session",
            "ot-baggage-tenant",
            "ot-tracer-traceid",
            "traceparent",
            "uber-trace-id",
            "uberctx-session",
            "uberctx-tenant",
        ]
    );
    let trace_only =
        names(reqwest_headers(formats(), EgressPolicy::new(Egress::TraceOnly), false).await);
    assert_eq!(
        trace_only,
        ["ot-tracer-traceid", "traceparent", "uber-trace-id"]
    );
}
