//! The one OpenTelemetry SDK set-up every row of a bench shares.

use opentelemetry::Context;
use opentelemetry::trace::SpanKind;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider, Span, SpanData, SpanExporter,
    SpanProcessor,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counts of the spans that reached the processor or exporter, so that a bench can check that
/// each row really made the spans it is credited with (a server span continuing the inbound
/// trace, a client span) before its figures are believed.
#[derive(Debug, Default)]
pub struct Tally {
    continued_servers: AtomicU64,
    clients: AtomicU64,
    others: AtomicU64,
}

/// A snapshot of a [`Tally`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Server spans whose parent came from the request's headers.
    pub continued_servers: u64,
    /// Client spans.
    pub clients: u64,
    /// Every other span (a server span that lost its remote parent lands here).
    pub others: u64,
}

impl Tally {
    fn count(&self, span: &SpanData) {
        let counter = match span.span_kind {
            SpanKind::Server if span.parent_span_is_remote => &self.continued_servers,
            SpanKind::Client => &self.clients,
            _ => &self.others,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        Counts {
            continued_servers: self.continued_servers.load(Ordering::Relaxed),
            clients: self.clients.load(Ordering::Relaxed),
            others: self.others.load(Ordering::Relaxed),
        }
    }
}

impl std::ops::Sub for Counts {
    type Output = Counts;

    fn sub(self, earlier: Counts) -> Counts {
        Counts {
            continued_servers: self.continued_servers - earlier.continued_servers,
            clients: self.clients - earlier.clients,
            others: self.others - earlier.others,
        }
    }
}

/// A span exporter that counts and drops every batch: the benches measure making spans, not
/// shipping them.
#[derive(Debug, Default, Clone)]
pub struct NoopExporter(pub Arc<Tally>);

impl SpanExporter for NoopExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        batch.iter().for_each(|span| self.0.count(span));
        Ok(())
    }
}

/// A span processor that counts and drops each ended span at once.
///
/// The direct-call bench runs a million spans a second on one thread; a batch processor there
/// would fill its queue and drop spans on the cheap path, so the rows would measure the queue.
/// Dropping in `on_end` keeps every row's cost to making, recording and ending its span.
#[derive(Debug, Default, Clone)]
pub struct DropProcessor(pub Arc<Tally>);

impl SpanProcessor for DropProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        self.0.count(&span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// The provider of the direct-call bench: parent-based always-on sampling, [`DropProcessor`].
pub fn direct_provider(tally: Arc<Tally>) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
        .with_span_processor(DropProcessor(tally))
        .build()
}

/// The provider of the loopback bench: what a service runs (`with_batch_exporter`, default
/// batch settings, parent-based always-on sampling), exporting to [`NoopExporter`]. Its worker
/// thread's CPU counts in the process CPU the bench reports.
pub fn loopback_provider(tally: Arc<Tally>) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
        .with_span_processor(BatchSpanProcessor::builder(NoopExporter(tally)).build())
        .build()
}

/// Installs `provider` as the global tracer provider and a global `tracing` subscriber that
/// sends `tracing` spans to it through tracing-opentelemetry.
///
/// `axum-tracing-opentelemetry` records its spans through `tracing` (target `otel::tracing`,
/// level TRACE) and reads the global propagator; the filter enables that target and INFO
/// elsewhere, as `init-tracing-opentelemetry` sets it up, so that hyper's and reqwest's
/// TRACE/DEBUG call sites stay disabled in every row.
///
/// # Panics
///
/// If a global `tracing` subscriber is already set.
pub fn install_globals(provider: &SdkTracerProvider) -> SdkTracer {
    use tracing_subscriber::layer::SubscriberExt as _;

    opentelemetry::global::set_tracer_provider(provider.clone());
    let tracer = provider.tracer("baton-bench");
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("otel::tracing", tracing::Level::TRACE)
        .with_default(tracing::Level::INFO);
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer.clone()))
        .with(filter);
    tracing::subscriber::set_global_default(subscriber).expect("no global subscriber yet");
    tracer
}
