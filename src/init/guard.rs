//! [`InitGuard`]: flushes and shuts the tracer provider down, within a bound, when dropped.

use std::sync::{Arc, mpsc};
use std::time::Duration;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::losses::Losses;

/// Keeps what [`init`](super::init) installed running; dropping it exports the spans still
/// queued and shuts the tracer provider down, taking at most
/// [`export_timeout`](Self::export_timeout) (`OTEL_BSP_EXPORT_TIMEOUT`) whatever the
/// collector does.
///
/// Keep it in `main` for the life of the service (`let _guard = baton::init()?;`, not `let _ =`,
/// which drops it at once).
///
/// Two traps of opentelemetry-rust are designed around here:
///
/// - The shutdown runs on a plain thread of its own, and the thread dropping the guard waits for
///   it with a timeout. A blocking flush called from inside a tokio worker deadlocks on a
///   current-thread runtime when the exporter needs that runtime to make progress; the gRPC
///   exporter's channel runs on a small runtime owned by the guard instead, so nothing the
///   shutdown waits for needs the caller's runtime.
/// - Export retries are off (each batch is tried once, bounded by the exporter's
///   `OTEL_EXPORTER_OTLP_TIMEOUT`), so a collector that is down cannot stretch the shutdown
///   into retries with backoff; the next batch is the retry.
///
/// Spans that cannot be exported before the bound are lost, as they would be in a crash; the
/// batch processor logs how many it dropped.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton::init::InitError> {
/// use std::time::Duration;
///
/// use baton::init::{Exporter, LogFormat};
///
/// let guard = baton::Init::from_lookup(|_| None)?
///     .exporter(Exporter::Off)
///     .log_format(LogFormat::Off)
///     .export_timeout(Duration::from_secs(2))
///     .install()?;
/// assert_eq!(guard.export_timeout(), Duration::from_secs(2));
/// guard.shutdown().expect("nothing to export, nothing to wait for");
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "dropping the guard shuts tracing down at once"]
pub struct InitGuard {
    provider: Option<SdkTracerProvider>,
    runtime: Option<tokio::runtime::Runtime>,
    bound: Duration,
    losses: Arc<Losses>,
}

impl InitGuard {
    pub(super) fn new(
        provider: Option<SdkTracerProvider>,
        runtime: Option<tokio::runtime::Runtime>,
        bound: Duration,
        losses: Arc<Losses>,
    ) -> Self {
        Self {
            provider,
            runtime,
            bound,
            losses,
        }
    }

    /// Exports what is queued now and waits for it, at most the bound (for a process about to
    /// be frozen, or a test that needs an export to have been tried).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), baton::init::InitError> {
    /// use baton::init::{Exporter, LogFormat};
    ///
    /// let guard = baton::Init::from_lookup(|_| None)?
    ///     .exporter(Exporter::Off)
    ///     .log_format(LogFormat::Off)
    ///     .install()?;
    /// assert!(guard.flush().is_ok());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`OTelSdkError::Timeout`] with the bound, or the export's own error (the collector is
    /// down: the spans are lost, and counted).
    pub fn flush(&self) -> OTelSdkResult {
        match &self.provider {
            None => Ok(()),
            Some(provider) => {
                let provider = provider.clone();
                bounded(self.bound, "baton-flush", move |_| provider.force_flush())
            }
        }
    }

    /// The bound on each export, on [`flush`](Self::flush) and on the shutdown (and so the
    /// guard's drop): `OTEL_BSP_EXPORT_TIMEOUT`, or
    /// [`Init::export_timeout`](super::Init::export_timeout) (one name for one value).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), baton::init::InitError> {
    /// use baton::init::{Exporter, LogFormat};
    ///
    /// let guard = baton::Init::from_lookup(|name| {
    ///     (name == "OTEL_BSP_EXPORT_TIMEOUT").then(|| "1500".to_owned())
    /// })?
    /// .exporter(Exporter::Off)
    /// .log_format(LogFormat::Off)
    /// .install()?;
    /// assert_eq!(guard.export_timeout().as_millis(), 1500);
    /// # Ok(()) }
    /// ```
    pub fn export_timeout(&self) -> Duration {
        self.bound
    }

    /// Exports what is queued and shuts the tracer provider down, like dropping the guard, and
    /// says how that went.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), baton::init::InitError> {
    /// use baton::init::{Exporter, LogFormat};
    ///
    /// let guard = baton::Init::from_lookup(|_| None)?
    ///     .exporter(Exporter::Off)
    ///     .log_format(LogFormat::Off)
    ///     .install()?;
    /// assert!(guard.shutdown().is_ok());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`OTelSdkError::Timeout`] with the bound when the export did not finish in time (the
    /// collector is down or slow: what was queued is lost), or the provider's own error.
    pub fn shutdown(mut self) -> OTelSdkResult {
        self.close()
    }

    fn close(&mut self) -> OTelSdkResult {
        // Said before waiting: a shutdown abandoned at its bound must not take the count along.
        self.losses.report_total();
        let result = match self.provider.take() {
            None => Ok(()),
            Some(provider) => bounded(self.bound, "baton-shutdown", move |linger| {
                provider.shutdown_with_timeout(linger)
            }),
        };
        if let Some(runtime) = self.runtime.take() {
            // Dropping a runtime blocks, which panics inside an async context; the exporter
            // that used it is shut down (or abandoned after the bound) by now.
            runtime.shutdown_background();
        }
        result
    }
}

impl Drop for InitGuard {
    fn drop(&mut self) {
        // Nowhere to report a failure from a drop: the batch processor has logged it.
        let _ = self.close();
    }
}

/// How much longer than the bound an abandoned shutdown thread may keep trying.
const LINGER: Duration = Duration::from_secs(5);

/// Runs `work` on a thread of its own and waits at most `bound` for it; `work` is given the
/// longer timeout to pass on to the SDK.
fn bounded(
    bound: Duration,
    name: &str,
    work: impl FnOnce(Duration) -> OTelSdkResult + Send + 'static,
) -> OTelSdkResult {
    // The bound is this wait's: the provider's own timeout is longer, so that a slow export is
    // always reported as `Timeout(bound)` rather than, in a race, as the provider's summary of
    // its processors' timeouts. The thread is abandoned after the bound.
    let provider_timeout = bound.saturating_add(LINGER);
    let (done, finished) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = done.send(work(provider_timeout));
        });
    if let Err(err) = spawned {
        return Err(OTelSdkError::InternalFailure(format!(
            "the {name} thread could not be started: {err}"
        )));
    }
    finished
        .recv_timeout(bound)
        .unwrap_or(Err(OTelSdkError::Timeout(bound)))
}
