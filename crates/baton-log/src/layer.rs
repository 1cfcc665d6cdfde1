//! [`CorrelatedLayer`]: a `tracing_subscriber::fmt` layer whose events carry ids and locals.

use std::fmt;
use std::io;

use baton_context::Local;
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::subscriber::Interest;
use tracing_core::{Dispatch, Event, LevelFilter, Metadata, Subscriber};
use tracing_subscriber::fmt::format::{DefaultFields, Format, Full, JsonFields};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::{self as tsfmt, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context as LayerContext, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::format::{Correlated, Json, KnownLayout, Text};
use crate::ids::Subscribed;

/// The writer `tracing_subscriber::fmt::layer()` starts with.
type Stdout = fn() -> io::Stdout;

/// A [`tracing_subscriber::fmt::Layer`] whose events carry trace ids and chosen locals,
/// laid out as `L` ([`Text`] or [`Json`]).
///
/// Built by [`correlate`], [`correlate_as`], [`fmt_layer`] or [`json_layer`]. It behaves
/// exactly like the wrapped layer, and also learns which subscriber it was installed in, so
/// that it can ask `tracing-opentelemetry` for the OpenTelemetry span of the current tracing
/// span.
///
/// # Examples
///
/// With `tracing-opentelemetry` installed, an event inside a tracing span carries the ids of
/// that span's OpenTelemetry span:
///
/// ```
/// use std::sync::Mutex;
///
/// use opentelemetry::trace::{TraceContextExt, TracerProvider};
/// use tracing_opentelemetry::OpenTelemetrySpanExt;
/// use tracing_subscriber::fmt::MakeWriter;
/// use tracing_subscriber::prelude::*;
///
/// static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
///
/// let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t");
/// let subscriber = tracing_subscriber::registry()
///     .with(tracing_opentelemetry::layer().with_tracer(tracer))
///     .with(baton_log::json_layer().with_writer(|| OUT.make_writer()));
///
/// let (trace_id, span_id) = tracing::subscriber::with_default(subscriber, || {
///     let span = tracing::info_span!("charge");
///     span.in_scope(|| tracing::info!("charged card"));
///     let cx = span.context();
///     (cx.span().span_context().trace_id(), cx.span().span_context().span_id())
/// });
///
/// let line = String::from_utf8(OUT.lock().unwrap().clone()).unwrap();
/// assert!(line.starts_with(&format!(r#"{{"trace_id":"{trace_id}","span_id":"{span_id}","#)));
/// ```
pub struct CorrelatedLayer<S, N, E, W, L> {
    inner: tsfmt::Layer<S, N, Correlated<E, L>, W>,
    subscribed: Subscribed,
    locals: Vec<&'static str>,
    /// A copy of the formatter's, which the fmt layer does not give back.
    layout: L,
}

/// Wraps a configured `tracing_subscriber::fmt` layer so its events carry trace ids and
/// chosen locals (add them with [`CorrelatedLayer::with_local`]), in the layout its event
/// format writes ([`KnownLayout`]).
///
/// # Examples
///
/// ```
/// use std::sync::Mutex;
///
/// use baton_context::Local;
/// use opentelemetry::Context;
/// use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
/// use tracing_subscriber::fmt::MakeWriter;
/// use tracing_subscriber::prelude::*;
///
/// static REQUEST_ID: Local<u32> = Local::new("request_id");
/// static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
///
/// let layer = baton_log::correlate(
///     tracing_subscriber::fmt::layer()
///         .without_time()
///         .with_target(false)
///         .with_ansi(false)
///         .with_writer(|| OUT.make_writer()),
/// )
/// .with_local(&REQUEST_ID);
///
/// let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t");
/// let cx = Context::current_with_span(tracer.start("handler"));
/// let (trace_id, span_id) = (cx.span().span_context().trace_id(), cx.span().span_context().span_id());
///
/// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
///     tracing::info!("outside");
///     let _cx = cx.attach();
///     REQUEST_ID.sync_scope(7, || tracing::info!("inside"));
/// });
///
/// let text = String::from_utf8(OUT.lock().unwrap().clone()).unwrap();
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines[0], " INFO outside");
/// assert_eq!(lines[1], format!("trace_id={trace_id} span_id={span_id} request_id=7  INFO inside"));
/// ```
#[must_use]
pub fn correlate<S, N, E, W>(
    layer: tsfmt::Layer<S, N, E, W>,
) -> CorrelatedLayer<S, N, E, W, E::Layout>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    E: FormatEvent<S, N> + KnownLayout + 'static,
    W: for<'w> MakeWriter<'w> + 'static,
    Correlated<E, E::Layout>: FormatEvent<S, N>,
{
    correlate_as(layer, E::Layout::default())
}

/// [`correlate`] for a layer whose event format does not tell its layout by its type (a
/// formatter of your own, or `Pretty`): `layout` says how its lines are stamped.
///
/// # Examples
///
/// ```
/// use baton_log::{Json, Text};
/// use tracing_subscriber::prelude::*;
///
/// // The compact format is known to be text; saying so changes nothing.
/// let layer = baton_log::correlate_as(tracing_subscriber::fmt::layer().compact(), Text);
/// assert_eq!(layer.layout(), &Text);
/// let _subscriber = tracing_subscriber::registry().with(layer);
///
/// let layer = baton_log::correlate_as(tracing_subscriber::fmt::layer().json(), Json);
/// assert_eq!(layer.layout(), &Json);
/// let _subscriber = tracing_subscriber::registry().with(layer);
/// ```
#[must_use]
pub fn correlate_as<S, N, E, W, L>(
    layer: tsfmt::Layer<S, N, E, W>,
    layout: L,
) -> CorrelatedLayer<S, N, E, W, L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    E: FormatEvent<S, N> + 'static,
    W: for<'w> MakeWriter<'w> + 'static,
    Correlated<E, L>: FormatEvent<S, N>,
    L: Clone + 'static,
{
    let subscribed = Subscribed::default();
    let slot = subscribed.clone();
    CorrelatedLayer {
        inner: layer
            .map_event_format(|inner| Correlated::in_subscriber(inner, layout.clone(), slot)),
        subscribed,
        locals: Vec::new(),
        layout,
    }
}

/// A correlated human-readable layer writing to stdout: `correlate(fmt::layer())`, coloured
/// only when stdout is a terminal and `NO_COLOR` is unset (tracing-subscriber colours whenever
/// its `ansi` feature is on, which any crate in the build can turn on: escape codes would then
/// reach files and log collectors).
///
/// # Examples
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// static REQUEST_ID: baton_context::Local<u64> = baton_context::Local::new("request_id");
///
/// let layer = baton_log::fmt_layer().with_local(&REQUEST_ID);
/// assert_eq!(layer.locals(), ["request_id"]);
/// assert_eq!(layer.layout(), &baton_log::Text);
/// let _subscriber = tracing_subscriber::registry().with(layer);
/// ```
#[must_use]
pub fn fmt_layer<S>() -> CorrelatedLayer<S, DefaultFields, Format<Full, SystemTime>, Stdout, Text>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    correlate(tsfmt::layer().with_ansi(colour_stdout()))
}

/// Whether text written to stdout may carry colour: a terminal, and no `NO_COLOR`
/// (<https://no-color.org>: set and non-empty).
fn colour_stdout() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A correlated JSON layer writing to stdout, one object per line:
/// `correlate(fmt::layer().json())`.
///
/// # Examples
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let layer = baton_log::json_layer().with_writer(std::io::sink);
/// assert!(layer.locals().is_empty());
/// assert_eq!(layer.layout(), &baton_log::Json);
/// let _subscriber = tracing_subscriber::registry().with(layer);
/// ```
#[must_use]
pub fn json_layer<S>() -> CorrelatedLayer<
    S,
    JsonFields,
    Format<tracing_subscriber::fmt::format::Json, SystemTime>,
    Stdout,
    Json,
>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    correlate(tsfmt::layer().json())
}

impl<S, N, E, W, L> CorrelatedLayer<S, N, E, W, L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    E: 'static,
    W: for<'w> MakeWriter<'w> + 'static,
    L: 'static,
    Correlated<E, L>: FormatEvent<S, N>,
{
    /// Also stamps `local` onto every event (see [`Correlated::with_local`]).
    ///
    /// # Examples
    ///
    /// ```
    /// static TENANT: baton_context::Local<String> = baton_context::Local::new("tenant");
    ///
    /// let layer = baton_log::fmt_layer::<tracing_subscriber::Registry>().with_local(&TENANT);
    /// assert_eq!(layer.locals(), ["tenant"]);
    /// ```
    #[must_use]
    pub fn with_local<T>(mut self, local: &'static Local<T>) -> Self
    where
        T: fmt::Display + Send + Sync + 'static,
    {
        self.locals.push(local.name());
        Self {
            inner: self
                .inner
                .map_event_format(|format| format.with_local(local)),
            ..self
        }
    }
}

impl<S, N, E, W, L> CorrelatedLayer<S, N, E, W, L> {
    /// Sends the output to `make_writer` instead (see
    /// [`tracing_subscriber::fmt::Layer::with_writer`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_log::fmt_layer::<tracing_subscriber::Registry>()
    ///     .with_writer(std::io::stderr);
    /// assert!(layer.locals().is_empty());
    /// ```
    #[must_use]
    pub fn with_writer<W2>(self, make_writer: W2) -> CorrelatedLayer<S, N, E, W2, L>
    where
        W2: for<'w> MakeWriter<'w> + 'static,
    {
        CorrelatedLayer {
            inner: self.inner.with_writer(make_writer),
            subscribed: self.subscribed,
            locals: self.locals,
            layout: self.layout,
        }
    }

    /// The names of the locals stamped onto each event, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// static ID: baton_context::Local<u8> = baton_context::Local::new("id");
    /// let layer = baton_log::json_layer::<tracing_subscriber::Registry>().with_local(&ID);
    /// assert_eq!(layer.locals(), ["id"]);
    /// ```
    #[must_use]
    pub fn locals(&self) -> Vec<&'static str> {
        self.locals.clone()
    }

    /// The layout the stamp takes: [`Text`] or [`Json`].
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_log::json_layer::<tracing_subscriber::Registry>();
    /// assert_eq!(layer.layout(), &baton_log::Json);
    /// ```
    #[must_use]
    pub fn layout(&self) -> &L {
        &self.layout
    }
}

impl<S, N, E, W, L: fmt::Debug> fmt::Debug for CorrelatedLayer<S, N, E, W, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelatedLayer")
            .field("layout", &self.layout)
            .field("locals", &self.locals)
            .field("registered", &self.subscribed.is_set())
            .finish_non_exhaustive()
    }
}

impl<S, N, E, W, L> Layer<S> for CorrelatedLayer<S, N, E, W, L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    tsfmt::Layer<S, N, Correlated<E, L>, W>: Layer<S>,
    N: 'static,
    E: 'static,
    W: 'static,
    L: 'static,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        self.subscribed.set(subscriber);
        self.inner.on_register_dispatch(subscriber);
    }

    fn on_layer(&mut self, subscriber: &mut S) {
        self.inner.on_layer(subscriber);
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.inner.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: LayerContext<'_, S>) -> bool {
        self.inner.enabled(metadata, ctx)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        self.inner.on_new_span(attrs, id, ctx);
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.inner.max_level_hint()
    }

    fn on_record(&self, span: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        self.inner.on_record(span, values, ctx);
    }

    fn on_follows_from(&self, span: &Id, follows: &Id, ctx: LayerContext<'_, S>) {
        self.inner.on_follows_from(span, follows, ctx);
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) -> bool {
        self.inner.event_enabled(event, ctx)
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        self.inner.on_event(event, ctx);
    }

    fn on_enter(&self, id: &Id, ctx: LayerContext<'_, S>) {
        self.inner.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &Id, ctx: LayerContext<'_, S>) {
        self.inner.on_exit(id, ctx);
    }

    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        self.inner.on_close(id, ctx);
    }

    fn on_id_change(&self, old: &Id, new: &Id, ctx: LayerContext<'_, S>) {
        self.inner.on_id_change(old, new, ctx);
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::Registry;
    use tracing_subscriber::fmt::format::Compact;

    use super::*;

    #[test]
    fn public_types_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Correlated<Format<Compact, SystemTime>, Text>>();
        assert_send_sync::<Correlated<Format<tracing_subscriber::fmt::format::Json>, Json>>();
        assert_send_sync::<CorrelatedLayer<Registry, DefaultFields, Format, Stdout, Text>>();
        assert_send_sync::<
            CorrelatedLayer<
                Registry,
                JsonFields,
                Format<tracing_subscriber::fmt::format::Json>,
                Stdout,
                Json,
            >,
        >();
    }
}
