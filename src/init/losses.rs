//! [`Counted`]: an exporter that counts the spans lost in failed exports and says so once per
//! outage, rather than the batch processor's error at every scheduled export.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// The name of the batch processor's event for each failed export, which `init` keeps out of
/// the log: [`Counted`] reports an outage once, when it starts and when it ends.
pub(super) const SDK_EXPORT_ERROR: &str = "BatchSpanProcessor.ExportError";

/// The spans lost in failed exports, shared by the exporters and the guard.
#[derive(Debug, Default)]
pub(super) struct Losses {
    failing: AtomicBool,
    /// Lost since the current outage began.
    outage: AtomicU64,
    /// Lost since start.
    total: AtomicU64,
}

impl Losses {
    fn failed(&self, spans: u64, error: &dyn std::fmt::Display) {
        self.total.fetch_add(spans, Ordering::Relaxed);
        self.outage.fetch_add(spans, Ordering::Relaxed);
        if !self.failing.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                "exporting spans failed ({error}): spans are lost until the collector answers \
                 again (requests are not affected; export resumes by itself)"
            );
        }
    }

    fn succeeded(&self) {
        if self.failing.swap(false, Ordering::AcqRel) {
            let lost = self.outage.swap(0, Ordering::AcqRel);
            tracing::warn!("exporting spans resumed: {lost} spans were lost while it failed");
        }
    }

    /// Logs the total lost, if any: at shutdown, before the guard starts waiting.
    pub(super) fn report_total(&self) {
        let total = self.total.load(Ordering::Relaxed);
        if total > 0 {
            tracing::warn!("{total} spans were lost in failed exports since start");
        }
    }
}

/// An exporter that tells [`Losses`] how each export went.
#[derive(Debug)]
pub(super) struct Counted<E> {
    inner: E,
    losses: Arc<Losses>,
}

impl<E> Counted<E> {
    pub(super) fn new(inner: E, losses: Arc<Losses>) -> Self {
        Self { inner, losses }
    }
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => self.losses.succeeded(),
            Err(error) => self.losses.failed(spans, error),
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
