//! `wait_for_trace` is woken by arrivals: a wait started before the spans are sent ends when
//! the matching span arrives (not at its timeout), ignores traces that do not match, and fails
//! with the timeout when nothing matches.

use std::time::Duration;

use baton_viewer::{Error, Receiver, ReceiverConfig};

mod support;
use support::{Kind, request, service, span};

#[tokio::test]
async fn a_wait_started_first_ends_when_the_matching_span_arrives() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral()).await.unwrap();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let waiting = async {
        let wait = receiver.wait_for_trace(
            |t| t.span_named("wanted").is_some(),
            Duration::from_secs(60),
        );
        let _ = started_tx.send(());
        wait.await
    };
    let sending = async {
        started_rx.await.unwrap();
        support::export(
            &receiver,
            &request(vec![service(
                "svc",
                vec![span(1, 1, None, "other", Kind::Server, 0, 1)],
            )]),
        )
        .await;
        support::export(
            &receiver,
            &request(vec![service(
                "svc",
                vec![span(2, 1, None, "wanted", Kind::Server, 0, 1)],
            )]),
        )
        .await;
    };
    let (found, ()) = tokio::join!(waiting, sending);
    assert_eq!(found.unwrap().trace_id(), "02".repeat(16));
    receiver.shutdown().await;
}

#[tokio::test]
async fn a_wait_with_no_match_fails_with_the_timeout() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral()).await.unwrap();
    support::export(
        &receiver,
        &request(vec![service(
            "svc",
            vec![span(3, 1, None, "other", Kind::Server, 0, 1)],
        )]),
    )
    .await;
    let err = receiver
        .wait_for_trace(
            |t| t.span_named("wanted").is_some(),
            Duration::from_millis(50),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { traces: 1, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "no trace matched within 50ms (1 traces held)"
    );
    receiver.shutdown().await;
}
