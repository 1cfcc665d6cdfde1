//! Each verdict flag is raised by a trace built to show it, on the span that shows it, and a
//! clean trace raises none.

use baton_viewer::proto::trace::v1::ResourceSpans;
use baton_viewer::{FlagKind, Trace, Verdict};

mod support;
use support::{Kind, request, service, span};

fn verdict(services: Vec<ResourceSpans>) -> Verdict {
    let mut traces = Trace::from_request(request(services));
    assert_eq!(traces.len(), 1);
    traces.remove(0).verdict()
}

/// The flags raised, as (kind, span id).
fn flags(verdict: &Verdict) -> Vec<(FlagKind, String)> {
    verdict
        .flags()
        .iter()
        .map(|f| (f.kind(), f.span_id().to_owned()))
        .collect()
}

/// gateway: server 1 → client 2 → orders: server 3 → internal 4.
fn clean() -> Vec<ResourceSpans> {
    vec![
        service(
            "gateway",
            vec![
                span(1, 1, None, "GET /orders", Kind::Server, 0, 100),
                span(1, 2, Some(1), "GET", Kind::Client, 10, 90),
            ],
        ),
        service(
            "orders",
            vec![
                span(1, 3, Some(2), "GET /orders", Kind::Server, 20, 80),
                span(1, 4, Some(3), "load", Kind::Internal, 30, 70),
            ],
        ),
    ]
}

#[test]
fn a_clean_trace_raises_no_flag() {
    let verdict = verdict(clean());
    assert!(verdict.is_clean(), "{:?}", verdict.flags());
    assert_eq!(verdict.spans(), 4);
    assert_eq!(verdict.services(), ["gateway", "orders"]);
    assert_eq!(verdict.duration(), std::time::Duration::from_millis(100));
    assert_eq!(
        verdict.to_string(),
        "4 spans, 2 services (gateway, orders), 100.00ms: no propagation problem seen"
    );
}

#[test]
fn a_parent_that_never_arrived_makes_an_orphan() {
    let mut services = clean();
    // orders' "load" names a parent nobody sent.
    services[1].scope_spans[0].spans[1].parent_span_id = vec![0, 0, 0, 0, 0, 0, 0, 9];
    let verdict = verdict(services);
    assert_eq!(flags(&verdict), [(FlagKind::Orphan, support::hex_id(4))]);
    let flag = &verdict.flags()[0];
    assert_eq!(
        flag.detail(),
        "names parent 0000000000000009, which never arrived"
    );
    assert!(flag.meaning().contains("does not export here"));
    assert_eq!(
        flag.to_string(),
        format!(
            "orphan: orders \"load\" ({}) names parent 0000000000000009, which never arrived: {}",
            support::hex_id(4),
            flag.meaning()
        )
    );
}

#[test]
fn a_second_span_without_parent_is_a_second_root() {
    let mut services = clean();
    // orders started its own root in the same trace id: the server span lost its parent id.
    services[1].scope_spans[0].spans[0].parent_span_id.clear();
    let verdict = verdict(services);
    // Its client span now has no server child either.
    assert_eq!(
        flags(&verdict),
        [
            (FlagKind::ClientWithoutServer, support::hex_id(2)),
            (FlagKind::SecondRoot, support::hex_id(3))
        ]
    );
    assert!(verdict.has(FlagKind::SecondRoot));
    assert!(
        verdict.flags()[1]
            .meaning()
            .contains("did not forward the trace headers")
    );
}

#[test]
fn a_root_that_is_not_a_server_span_means_context_lost_before_it() {
    // What a task spawned without the request's context records: an internal root.
    let verdict = verdict(vec![service(
        "worker",
        vec![
            span(1, 1, None, "send email", Kind::Internal, 0, 10),
            span(1, 2, Some(1), "render", Kind::Internal, 1, 5),
        ],
    )]);
    assert_eq!(
        flags(&verdict),
        [(FlagKind::RootNotEntry, support::hex_id(1))]
    );
    assert_eq!(verdict.flags()[0].detail(), "is the root, of kind internal");
    // A consumer root is an entry point too.
    let verdict = self::verdict(vec![service(
        "worker",
        vec![span(1, 1, None, "orders process", Kind::Consumer, 0, 10)],
    )]);
    assert!(verdict.is_clean());
}

#[test]
fn a_client_span_with_no_server_under_it_means_the_callee_never_reported() {
    let mut services = clean();
    services.pop();
    let verdict = verdict(services);
    assert_eq!(
        flags(&verdict),
        [(FlagKind::ClientWithoutServer, support::hex_id(2))]
    );
    assert!(
        verdict.flags()[0]
            .meaning()
            .contains("headers were dropped")
    );
}

#[test]
fn a_database_call_needs_no_server_under_it() {
    let mut services = clean();
    let mut query = span(1, 5, Some(4), "SELECT orders", Kind::Client, 40, 60);
    query.attributes = vec![support::kv("db.system.name", support::string("postgresql"))];
    services[1].scope_spans[0].spans.push(query);
    assert!(verdict(services).is_clean());
}

#[test]
fn a_child_outside_its_parent_across_services_is_clock_skew() {
    let mut services = clean();
    // orders' clock runs 15 ms behind: its server span starts before the client span did.
    for span in &mut services[1].scope_spans[0].spans {
        span.start_time_unix_nano -= 15_000_000;
        span.end_time_unix_nano -= 15_000_000;
    }
    let verdict = verdict(services);
    assert_eq!(
        flags(&verdict),
        [(FlagKind::OutsideParent, support::hex_id(3))]
    );
    let flag = &verdict.flags()[0];
    assert_eq!(flag.detail(), "starts 5.00ms before its parent \"GET\"");
    assert!(flag.meaning().contains("clock skew"));
}

#[test]
fn a_child_outliving_its_parent_in_one_service_is_not_called_skew() {
    let mut services = clean();
    services[1].scope_spans[0].spans[1].end_time_unix_nano = support::ms(85);
    let verdict = verdict(services);
    assert_eq!(
        flags(&verdict),
        [(FlagKind::OutsideParent, support::hex_id(4))]
    );
    let flag = &verdict.flags()[0];
    assert_eq!(
        flag.detail(),
        "ends 5.00ms after its parent \"GET /orders\""
    );
    assert!(flag.meaning().contains("outlived its parent"));
}
