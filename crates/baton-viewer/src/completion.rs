//! Completion: a trace is done once its root arrived and it has been quiet for a while.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::store::Store;
use crate::trace::Trace;

/// A trace the receiver considers complete: a root arrived and no span did for the quiet
/// period (or, with no root, for the rootless wait).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use baton_viewer::{Receiver, ReceiverConfig};
///
/// let receiver = Receiver::start(ReceiverConfig::ephemeral().quiet_period(Duration::from_millis(20))).await?;
/// let mut completed = receiver.completed();
/// // ... a service exports a trace to receiver.http_endpoint() ...
/// # let body = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736",
/// #   "spanId":"00f067aa0ba902b7","name":"GET /","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#;
/// # let mut stream = tokio::net::TcpStream::connect(receiver.http_addr()).await?;
/// # use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// # stream.write_all(format!("POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes()).await?;
/// # let mut answer = String::new();
/// # stream.read_to_string(&mut answer).await?;
/// let done = tokio::time::timeout(Duration::from_secs(10), completed.next()).await?.unwrap();
/// assert_eq!(done.trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert!(!done.updated);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Completed {
    /// The trace as it stands.
    pub trace: Trace,
    /// Whether it was completed before and a late span reopened it.
    pub updated: bool,
}

/// The traces a receiver completes, from [`Receiver::completed`](crate::Receiver::completed) on.
#[derive(Debug)]
pub struct Completions {
    rx: broadcast::Receiver<Completed>,
    missed: u64,
}

impl Completions {
    pub(crate) fn new(rx: broadcast::Receiver<Completed>) -> Completions {
        Completions { rx, missed: 0 }
    }

    /// The next completed trace; `None` once the receiver has stopped.
    ///
    /// A subscriber that falls more than 1,024 traces behind skips the oldest; they are
    /// counted in [`missed`](Self::missed).
    pub async fn next(&mut self) -> Option<Completed> {
        loop {
            match self.rx.recv().await {
                Ok(completed) => return Some(completed),
                Err(broadcast::error::RecvError::Lagged(n)) => self.missed += n,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Completed traces skipped because this subscriber fell behind.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}

/// Hands out traces as they fall due, until `stop`.
pub(crate) async fn run(
    store: Arc<Store>,
    completed: broadcast::Sender<Completed>,
    stop: impl Future<Output = ()>,
) {
    let mut arrivals = store.subscribe();
    tokio::pin!(stop);
    loop {
        arrivals.borrow_and_update();
        let next = store.next_due();
        tokio::select! {
            () = &mut stop => return,
            // An arrival may move the earliest deadline: look again.
            changed = arrivals.changed() => if changed.is_err() { return },
            () = sleep_until(next) => {
                for due in store.take_due(Instant::now()) {
                    // No subscriber is fine: nobody is printing.
                    let _ = completed.send(Completed { trace: due.trace, updated: due.updated });
                }
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
