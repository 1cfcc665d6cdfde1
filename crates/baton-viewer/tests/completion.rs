//! A trace completes once its root has arrived and no span has for the quiet period; a late
//! span completes it again, marked updated; a trace whose root never comes completes after the
//! rootless wait.

use std::time::Duration;

use baton_viewer::{Receiver, ReceiverConfig};

mod support;
use support::{Kind, request, service, span};

const WAIT: Duration = Duration::from_secs(20);

async fn send(receiver: &Receiver, spans: Vec<baton_viewer::proto::trace::v1::Span>) {
    support::export(receiver, &request(vec![service("svc", spans)])).await;
}

#[tokio::test]
async fn a_trace_completes_after_its_quiet_period_and_again_when_a_late_span_arrives() {
    let config = ReceiverConfig::ephemeral()
        .quiet_period(Duration::from_millis(50))
        .rootless_wait(Duration::from_secs(3600));
    let receiver = Receiver::start(config).await.unwrap();
    let mut completed = receiver.completed();

    // The child first: without its root the trace waits (for an hour here).
    send(
        &receiver,
        vec![span(1, 2, Some(1), "child", Kind::Internal, 1, 2)],
    )
    .await;
    send(
        &receiver,
        vec![span(1, 1, None, "root", Kind::Server, 0, 5)],
    )
    .await;
    let first = tokio::time::timeout(WAIT, completed.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.trace.len(), 2);
    assert!(!first.updated);

    send(
        &receiver,
        vec![span(1, 3, Some(1), "late", Kind::Internal, 3, 4)],
    )
    .await;
    let again = tokio::time::timeout(WAIT, completed.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.trace.len(), 3);
    assert!(again.updated);
    assert!(again.trace.span_named("late").is_some());
    receiver.shutdown().await;
}

#[tokio::test]
async fn a_trace_without_root_completes_after_the_rootless_wait() {
    let config = ReceiverConfig::ephemeral()
        .quiet_period(Duration::from_secs(3600))
        .rootless_wait(Duration::from_millis(50));
    let receiver = Receiver::start(config).await.unwrap();
    let mut completed = receiver.completed();
    send(
        &receiver,
        vec![span(2, 2, Some(1), "orphan", Kind::Server, 1, 2)],
    )
    .await;
    let done = tokio::time::timeout(WAIT, completed.next())
        .await
        .unwrap()
        .unwrap();
    assert!(done.trace.root().is_none());
    assert_eq!(
        done.trace.span_named("orphan").unwrap().span_id(),
        support::hex_id(2)
    );
    receiver.shutdown().await;
}

#[tokio::test]
async fn completions_end_when_the_receiver_stops() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral()).await.unwrap();
    let mut completed = receiver.completed();
    receiver.shutdown().await;
    assert!(
        tokio::time::timeout(WAIT, completed.next())
            .await
            .unwrap()
            .is_none()
    );
}
