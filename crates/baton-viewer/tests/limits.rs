//! Memory stays bounded: past the trace cap the oldest trace goes (counted), past the span cap
//! a trace refuses spans (counted, and reported to the sender as a partial success).

use std::time::Duration;

use baton_viewer::proto::collector::trace::v1::ExportTraceServiceResponse;
use baton_viewer::{Receiver, ReceiverConfig};
use prost::Message as _;

mod support;
use support::{Kind, request, service, span};

async fn export_three_traces_of_two_spans(receiver: &Receiver) {
    for trace in 1..=3u8 {
        let body = request(vec![service(
            "svc",
            vec![
                span(trace, 1, None, "root", Kind::Server, 0, 5),
                span(trace, 2, Some(1), "child", Kind::Internal, 1, 4),
            ],
        )]);
        support::export(receiver, &body).await;
    }
}

#[tokio::test]
async fn the_oldest_trace_is_evicted_past_the_trace_cap() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral().max_traces(2))
        .await
        .unwrap();
    export_three_traces_of_two_spans(&receiver).await;
    let held: Vec<String> = receiver.traces().iter().map(|t| t.trace_id()).collect();
    assert_eq!(held, ["02".repeat(16), "03".repeat(16)]);
    let stats = receiver.stats();
    assert_eq!((stats.traces_evicted, stats.spans_evicted), (1, 2));
    assert_eq!((stats.traces_retained, stats.spans_retained), (2, 4));
    assert_eq!(stats.spans_received, 6);
    receiver.shutdown().await;
}

#[tokio::test]
async fn a_trace_refuses_spans_past_its_cap_and_says_so() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral().max_spans_per_trace(2))
        .await
        .unwrap();
    let body = request(vec![service(
        "svc",
        vec![
            span(7, 1, None, "root", Kind::Server, 0, 5),
            span(7, 2, Some(1), "a", Kind::Internal, 1, 2),
            span(7, 3, Some(1), "b", Kind::Internal, 2, 3),
            // An all-zero span id is invalid whatever the cap.
            {
                let mut bad = span(8, 1, None, "bad", Kind::Server, 0, 1);
                bad.span_id = vec![0; 8];
                bad
            },
        ],
    )]);
    let answer = support::export(&receiver, &body).await;
    let partial = ExportTraceServiceResponse::decode(&answer[..])
        .unwrap()
        .partial_success
        .expect("a partial success");
    assert_eq!(partial.rejected_spans, 2);
    let trace = receiver
        .wait_for_trace(|t| t.len() == 2, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(trace.dropped_spans(), 1);
    assert!(trace.span_named("b").is_none());
    assert_eq!(receiver.stats().spans_rejected, 2);
    receiver.shutdown().await;
}

#[tokio::test]
async fn the_oldest_traces_are_evicted_past_the_total_span_cap() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral().max_spans(5))
        .await
        .unwrap();
    export_three_traces_of_two_spans(&receiver).await;
    // Six spans against a cap of five: the first trace goes, whole.
    let held: Vec<String> = receiver.traces().iter().map(|t| t.trace_id()).collect();
    assert_eq!(held, ["02".repeat(16), "03".repeat(16)]);
    let stats = receiver.stats();
    assert_eq!((stats.traces_evicted, stats.spans_evicted), (1, 2));
    assert_eq!((stats.traces_retained, stats.spans_retained), (2, 4));
    receiver.shutdown().await;
}

#[tokio::test]
async fn a_quiet_period_past_what_a_clock_holds_keeps_the_receiver_serving() {
    // `--quiet-period 18446744073709551615s`, as the command line would pass it.
    let forever = Duration::from_secs(u64::MAX);
    let receiver = Receiver::start(
        ReceiverConfig::ephemeral()
            .quiet_period(forever)
            .rootless_wait(forever),
    )
    .await
    .unwrap();
    for trace in 1..=2u8 {
        let root = (trace == 1).then_some(1);
        let body = request(vec![service(
            "svc",
            vec![span(trace, 2, root, "s", Kind::Server, 0, 5)],
        )]);
        support::export(&receiver, &body).await;
    }
    assert_eq!(receiver.stats().spans_received, 2);
    receiver.shutdown().await;
}
