//! The receiver: OTLP over gRPC and HTTP into the store, and the waits and snapshots on it.

mod config;
mod grpc;
mod http;

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

pub use self::config::{DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT, ReceiverConfig};
use crate::completion::{self, Completed, Completions};
use crate::id;
use crate::store::{Stats, Store};
use crate::trace::Trace;

/// An OTLP trace receiver on 127.0.0.1: gRPC (`TraceService/Export`) and HTTP
/// (`POST /v1/traces`, protobuf or JSON), gzip accepted on both, assembling spans into
/// [`Trace`]s that tests await and inspect.
///
/// Dropping the receiver stops it; [`shutdown`](Self::shutdown) also waits for the servers to
/// finish their requests.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use baton_viewer::{Receiver, ReceiverConfig};
///
/// let receiver = Receiver::start(ReceiverConfig::ephemeral()).await?;
/// assert!(receiver.grpc_endpoint().starts_with("http://127.0.0.1:"));
/// // Nothing was sent, so the wait ends with an error once its timeout passes.
/// let waited = receiver.wait_for_trace(|_| true, Duration::from_millis(10)).await;
/// assert!(waited.is_err());
/// receiver.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Receiver {
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    store: Arc<Store>,
    completed: broadcast::Sender<Completed>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Completed traces waiting for a slow subscriber before the oldest are skipped.
const COMPLETED_BACKLOG: usize = 1024;

impl Receiver {
    /// Binds both ports and starts serving.
    ///
    /// # Errors
    ///
    /// [`Error::Bind`] when a port cannot be bound (in use, or not permitted).
    pub async fn start(config: ReceiverConfig) -> Result<Receiver, Error> {
        let grpc = bind(config.grpc_addr).await?;
        let http = bind(config.http_addr).await?;
        let grpc_addr = local_addr(&grpc, config.grpc_addr)?;
        let http_addr = local_addr(&http, config.http_addr)?;
        let store = Arc::new(Store::new(config.limits()));
        let (stop, _) = watch::channel(false);
        let (completed, _) = broadcast::channel(COMPLETED_BACKLOG);
        let tasks = vec![
            tokio::spawn(grpc::serve(
                grpc,
                Arc::clone(&store),
                config.max_body_bytes,
                stopped(&stop),
            )),
            tokio::spawn(http::serve(
                http,
                Arc::clone(&store),
                config.max_body_bytes,
                stopped(&stop),
            )),
            tokio::spawn(completion::run(
                Arc::clone(&store),
                completed.clone(),
                stopped(&stop),
            )),
        ];
        Ok(Receiver {
            grpc_addr,
            http_addr,
            store,
            completed,
            stop,
            tasks,
        })
    }

    /// The gRPC endpoint for an OTLP exporter: `http://127.0.0.1:PORT`.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    /// The HTTP endpoint for an OTLP exporter: `http://127.0.0.1:PORT` (the exporter appends
    /// `/v1/traces` when given it as `OTEL_EXPORTER_OTLP_ENDPOINT`; `with_endpoint` takes the
    /// full URL).
    pub fn http_endpoint(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// The address the gRPC server listens on.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// The address the HTTP server listens on.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// Waits until a trace satisfies `predicate`, and returns a snapshot of it.
    ///
    /// The predicate sees each trace again whenever a span of it arrives (never a trace that did
    /// not change), outside the receiver's lock; the wait is woken by arrivals, not by polling.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] when no trace satisfied it within `timeout`.
    pub async fn wait_for_trace<P>(&self, predicate: P, timeout: Duration) -> Result<Trace, Error>
    where
        P: Fn(&Trace) -> bool,
    {
        let mut arrivals = self.store.subscribe();
        let mut seen = 0;
        let found = tokio::time::timeout(timeout, async {
            loop {
                // Mark the current arrival as seen before looking, so that one landing while we
                // look wakes the next `changed()`.
                arrivals.borrow_and_update();
                let (changed, upto) = self.store.changed_since(seen);
                seen = upto;
                if let Some(trace) = changed.into_iter().find(|t| predicate(t)) {
                    return trace;
                }
                if arrivals.changed().await.is_err() {
                    // The sender lives in the store `self` holds, so this cannot happen while
                    // we wait; were it to, the timeout answers.
                    std::future::pending::<()>().await;
                }
            }
        })
        .await;
        match found {
            Ok(trace) => Ok(trace),
            Err(_) => Err(Error::Timeout {
                after: timeout,
                traces: self.store.stats().traces_retained,
            }),
        }
    }

    /// A snapshot of every trace held, in order of first arrival.
    pub fn traces(&self) -> Vec<Trace> {
        self.store.traces()
    }

    /// A snapshot of the trace with this id (32 hex digits, either case), if held.
    pub fn trace(&self, trace_id: &str) -> Option<Trace> {
        self.store.trace(&id::parse_hex::<16>(trace_id)?)
    }

    /// What the receiver took in, kept and let go so far.
    pub fn stats(&self) -> Stats {
        self.store.stats()
    }

    /// Traces from now on as they complete: once a root has arrived and no span has for the
    /// quiet period ([`ReceiverConfig::quiet_period`]); again, marked updated, when a late span
    /// arrives.
    pub fn completed(&self) -> Completions {
        Completions::new(self.completed.subscribe())
    }

    /// Stops serving and waits for the servers to finish the requests in flight.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        for task in self.tasks.drain(..) {
            // A task that panicked has nothing left to finish.
            let _ = task.await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// A future that ends when the receiver stops (or is dropped).
fn stopped(stop: &watch::Sender<bool>) -> impl Future<Output = ()> + Send + 'static {
    let mut stop = stop.subscribe();
    async move {
        // An error means the sender is gone, which means stop too.
        let _ = stop.wait_for(|stopped| *stopped).await;
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })
}

fn local_addr(listener: &TcpListener, addr: SocketAddr) -> Result<SocketAddr, Error> {
    listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })
}

/// What can go wrong starting a receiver or waiting on it.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), baton_viewer::Error> {
/// use baton_viewer::{Error, Receiver, ReceiverConfig};
///
/// let first = Receiver::start(ReceiverConfig::ephemeral()).await?;
/// let taken = ReceiverConfig::ephemeral().grpc_port(first.grpc_addr().port());
/// let err = Receiver::start(taken).await.unwrap_err();
/// assert!(matches!(err, Error::Bind { .. }));
/// assert!(err.to_string().starts_with("cannot listen on 127.0.0.1:"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A port could not be bound.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// No trace matched within the timeout.
    Timeout {
        /// The timeout that passed.
        after: Duration,
        /// How many traces the receiver held when it passed.
        traces: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Error::Timeout { after, traces } => {
                write!(
                    f,
                    "no trace matched within {after:?} ({traces} traces held)"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } => Some(source),
            _ => None,
        }
    }
}
