//! Log correlation: every `tracing` event carries the request's trace id, span id and chosen
//! [`Local`]s, with no parameter passing.
//!
//! The ids and locals are read when the event is written, from the context the event is
//! emitted in, so `info!("charged card")` three awaits deep inside a task started with
//! [`spawn`](crate::spawn()) prints the ids of the request that spawned it. Text lines get
//! `trace_id=… span_id=… request_id=… ` in front; JSON objects get `"trace_id":"…",
//! "span_id":"…","request_id":"…"` as their first members.
//!
//! This module provides:
//!
//! - [`correlate`]: wraps any [`tracing_subscriber::fmt::Layer`] (text, compact, pretty or
//!   JSON, any writer) into a [`CorrelatedLayer`]; [`fmt_layer`] and [`json_layer`] are the
//!   usual two, writing to stdout.
//! - [`Correlated`]: the [`FormatEvent`] underneath, for code that builds its own layer.
//!
//! # Which ids
//!
//! Logs and spans agree on one trace whichever API started the span:
//!
//! 1. if the event's tracing span (or its nearest ancestor known to the
//!    `tracing-opentelemetry` layer) carries a valid OpenTelemetry span, that span's ids —
//!    unless it belongs to a different trace than the current context's span (a tracing span
//!    opened before the request's context was set, say by an outer middleware), in which
//!    case the current context wins, as it does for `tracing-opentelemetry`'s new spans;
//! 2. otherwise the span of [`opentelemetry::Context::current`], which is where Baton
//!    scopes, [`spawn`](crate::spawn()) and any OpenTelemetry API put it;
//! 3. an invalid span context (no span, or a no-op tracer's) prints no ids at all, never
//!    zeros.
//!
//! So within one trace the innermost *tracing* span is reported, even when
//! `tracing-opentelemetry`'s context activation is turned off. A span started directly
//! through the OpenTelemetry API inside an entered tracing span is in the same trace, and
//! the line shows the tracing span's id.
//!
//! A local with no value (and no default) is left out.
//!
//! # Examples
//!
//! ```
//! use std::sync::{Arc, Mutex};
//!
//! use baton_context::{Local, log};
//! use opentelemetry::Context;
//! use opentelemetry::trace::{Span, TraceContextExt, Tracer, TracerProvider};
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//! use tracing_subscriber::prelude::*;
//!
//! static REQUEST_ID: Local<String> = Local::new("request_id");
//!
//! // Collect the output in memory so the example can check it.
//! let out = Arc::new(Mutex::new(Vec::<u8>::new()));
//! let sink = out.clone();
//! let subscriber = tracing_subscriber::registry().with(
//!     log::fmt_layer()
//!         .with_writer(move || Writer(sink.clone()))
//!         .with_local(&REQUEST_ID),
//! );
//!
//! let tracer = SdkTracerProvider::builder().build().tracer("checkout");
//! let span = tracer.start("POST /checkout");
//! let trace_id = span.span_context().trace_id();
//! let cx = Context::current_with_span(span);
//!
//! tracing::subscriber::with_default(subscriber, || {
//!     let _cx = cx.attach();
//!     REQUEST_ID.sync_scope("req-7".to_owned(), || tracing::info!("charged card"));
//! });
//!
//! let line = String::from_utf8(out.lock().unwrap().clone()).unwrap();
//! assert!(line.starts_with(&format!("trace_id={trace_id} span_id=")));
//! assert!(line.contains(" request_id=req-7 "));
//! assert!(line.contains("charged card"));
//!
//! # struct Writer(Arc<Mutex<Vec<u8>>>);
//! # impl std::io::Write for Writer {
//! #     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
//! #         self.0.lock().unwrap().extend_from_slice(buf);
//! #         Ok(buf.len())
//! #     }
//! #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
//! # }
//! ```

use std::fmt::{self, Write as _};
use std::io;
use std::sync::{Arc, OnceLock};

use opentelemetry::Context;
use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use tracing_core::dispatcher::{self, Dispatch, WeakDispatch};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::subscriber::Interest;
use tracing_core::{Event, LevelFilter, Metadata, Subscriber};
use tracing_subscriber::fmt::format::{DefaultFields, Format, Full, Json, JsonFields, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::{self as tsfmt, FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context as LayerContext, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::Local;

/// The writer `tracing_subscriber::fmt::layer()` starts with.
type Stdout = fn() -> io::Stdout;

/// A [`FormatEvent`] that stamps the trace id, span id and chosen locals onto every event
/// formatted by `E`.
///
/// Text formats get `trace_id=… span_id=… name=value ` in front of the line. When the
/// writer has ANSI colours off (always the case for JSON), the inner output is streamed
/// through and, if it starts with `{`, the fields are spliced in as the object's first
/// members (values JSON-escaped) — nothing is buffered or allocated per event.
///
/// Prefer [`correlate`], which also lets this formatter find the OpenTelemetry span of the
/// current *tracing* span under any subscriber. Used alone (as in the example), it finds it
/// only when the subscriber is the global default; otherwise it uses
/// [`Context::current`], which `tracing-opentelemetry` keeps in step with entered spans
/// unless its context activation is turned off.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use baton_context::Local;
/// use baton_context::log::Correlated;
/// use opentelemetry::Context;
/// use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
/// use tracing_subscriber::fmt;
///
/// static TENANT: Local<&'static str> = Local::new("tenant");
///
/// let out = Arc::new(Mutex::new(Vec::<u8>::new()));
/// let sink = out.clone();
/// let subscriber = fmt()
///     .json()
///     .event_format(Correlated::new(fmt::format().json()).with_local(&TENANT))
///     .with_writer(move || Writer(sink.clone()))
///     .finish();
///
/// let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t");
/// let cx = Context::current_with_span(tracer.start("job"));
/// let span_id = cx.span().span_context().span_id();
///
/// tracing::subscriber::with_default(subscriber, || {
///     let _cx = cx.attach();
///     TENANT.sync_scope("acme \"eu\"", || tracing::warn!(queue = 3, "backlog"));
/// });
///
/// let line = String::from_utf8(out.lock().unwrap().clone()).unwrap();
/// assert!(line.starts_with("{\"trace_id\":\""));
/// assert!(line.contains(&format!("\"span_id\":\"{span_id}\",")));
/// assert!(line.contains(r#""tenant":"acme \"eu\"","#));
/// assert!(line.contains(r#""message":"backlog""#));
///
/// # struct Writer(Arc<Mutex<Vec<u8>>>);
/// # impl std::io::Write for Writer {
/// #     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
/// #         self.0.lock().unwrap().extend_from_slice(buf);
/// #         Ok(buf.len())
/// #     }
/// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// # }
/// ```
pub struct Correlated<E> {
    inner: E,
    locals: Vec<&'static dyn Field>,
    /// Filled by [`CorrelatedLayer`] when the subscriber is built; the formatter itself is
    /// never told which subscriber it runs in.
    dispatch: Arc<OnceLock<WeakDispatch>>,
}

impl<E> Correlated<E> {
    /// Wraps the event formatter `inner` (for example `tracing_subscriber::fmt::format()` or
    /// `format().json()`), stamping trace and span ids only.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::log::Correlated;
    ///
    /// let format = Correlated::new(tracing_subscriber::fmt::format().compact());
    /// assert!(format.locals().is_empty());
    /// ```
    #[must_use]
    pub fn new(inner: E) -> Self {
        Self::with_slot(inner, Arc::default())
    }

    fn with_slot(inner: E, dispatch: Arc<OnceLock<WeakDispatch>>) -> Self {
        Self {
            inner,
            locals: Vec::new(),
            dispatch,
        }
    }

    /// Also stamps `local` as a field named [`local.name()`](Local::name), formatted with
    /// its [`Display`](fmt::Display) implementation; events where it has no value omit it.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Local;
    /// use baton_context::log::Correlated;
    ///
    /// static REQUEST_ID: Local<u64> = Local::new("request_id");
    /// static USER: Local<String> = Local::new("user");
    ///
    /// let format = Correlated::new(tracing_subscriber::fmt::format())
    ///     .with_local(&REQUEST_ID)
    ///     .with_local(&USER);
    /// assert_eq!(format.locals(), ["request_id", "user"]);
    /// ```
    #[must_use]
    pub fn with_local<T>(mut self, local: &'static Local<T>) -> Self
    where
        T: fmt::Display + Send + Sync + 'static,
    {
        self.locals.push(local);
        self
    }

    /// The names of the locals stamped onto each event, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// static ID: baton_context::Local<u8> = baton_context::Local::new("id");
    /// let format = baton_context::log::Correlated::new(()).with_local(&ID);
    /// assert_eq!(format.locals(), ["id"]);
    /// ```
    #[must_use]
    pub fn locals(&self) -> Vec<&'static str> {
        self.locals.iter().map(|local| local.name()).collect()
    }

    /// The OpenTelemetry span the event belongs to (see the [module docs](self)).
    fn ids<S, N>(&self, ctx: &FmtContext<'_, S, N>) -> Option<(TraceId, SpanId)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'w> FormatFields<'w> + 'static,
    {
        let current = Context::map_current(valid_ids);
        match (self.tracing_span_ids(ctx), current) {
            (Some(span), None) => Some(span),
            (Some(span), Some(current)) if span.0 == current.0 => Some(span),
            // Two traces: the tracing span was opened outside the request's context (say by
            // an outer tracing middleware). The current context is the trace the request
            // continues in, and the one tracing-opentelemetry parents new spans to.
            (_, current) => current,
        }
    }

    fn tracing_span_ids<S, N>(&self, ctx: &FmtContext<'_, S, N>) -> Option<(TraceId, SpanId)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'w> FormatFields<'w> + 'static,
    {
        let parent = ctx.parent_span()?;
        let dispatch = self.dispatch()?;
        for span in parent.scope() {
            // `None`: this span is unknown to tracing-opentelemetry (or it is not installed);
            // an ancestor may still be known.
            if let Some(cx) = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch) {
                return valid_ids(&cx);
            }
        }
        None
    }

    fn dispatch(&self) -> Option<Dispatch> {
        match self.dispatch.get() {
            Some(weak) => weak.upgrade(),
            // Nested inside the event's own dispatch this sees the global default, or the
            // no-op dispatcher when a scoped default is active; either way never a
            // subscriber other than the one formatting this event.
            None => Some(dispatcher::get_default(Dispatch::clone)),
        }
    }
}

fn valid_ids(cx: &Context) -> Option<(TraceId, SpanId)> {
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid().then(|| (sc.trace_id(), sc.span_id()))
}

impl<E: Clone> Clone for Correlated<E> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            locals: self.locals.clone(),
            dispatch: self.dispatch.clone(),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Correlated<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Correlated")
            .field("inner", &self.inner)
            .field("locals", &self.locals())
            .finish_non_exhaustive()
    }
}

impl<S, N, E> FormatEvent<S, N> for Correlated<E>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    E: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let stamp = Stamp {
            ids: self.ids(ctx),
            locals: &self.locals,
        };
        if writer.has_ansi_escapes() {
            // A fresh `Writer` cannot carry the colour flag, so coloured (text) output is
            // stamped up front and formatted straight into the real writer.
            stamp.write_text(&mut writer)?;
            return self.inner.format_event(ctx, writer, event);
        }
        let mut splice = Splice {
            out: &mut writer,
            stamp,
            state: SpliceState::Start,
        };
        self.inner
            .format_event(ctx, Writer::new(&mut splice), event)
    }
}

/// What gets stamped onto one event.
struct Stamp<'a> {
    ids: Option<(TraceId, SpanId)>,
    locals: &'a [&'static dyn Field],
}

impl Stamp<'_> {
    fn write_text(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        if let Some((trace_id, span_id)) = self.ids {
            write!(out, "trace_id={trace_id} span_id={span_id} ")?;
        }
        for local in self.locals {
            local.write(&mut |value| write!(out, "{}={value} ", local.name()))?;
        }
        Ok(())
    }

    /// Writes the members (no braces), returning whether it wrote any.
    fn write_json(&self, out: &mut dyn fmt::Write) -> Result<bool, fmt::Error> {
        let mut any = false;
        if let Some((trace_id, span_id)) = self.ids {
            write!(out, "\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\"")?;
            any = true;
        }
        for local in self.locals {
            local.write(&mut |value| {
                if any {
                    out.write_char(',')?;
                }
                any = true;
                out.write_char('"')?;
                JsonEscape(&mut *out).write_str(local.name())?;
                out.write_str("\":\"")?;
                write!(JsonEscape(&mut *out), "{value}")?;
                out.write_char('"')
            })?;
        }
        Ok(any)
    }
}

/// Streams the inner formatter's output to the real writer, stamping the first write.
struct Splice<'a, 'w> {
    out: &'a mut Writer<'w>,
    stamp: Stamp<'a>,
    state: SpliceState,
}

#[derive(Clone, Copy)]
enum SpliceState {
    /// Nothing written yet: the first character decides between text and JSON.
    Start,
    /// Members were written after the opening `{`: the inner object's first member needs a
    /// comma, an empty inner object does not.
    Comma,
    Through,
}

impl fmt::Write for Splice<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.state {
            SpliceState::Start => {
                if s.is_empty() {
                    return Ok(());
                }
                match s.strip_prefix('{') {
                    Some(rest) => {
                        self.out.write_char('{')?;
                        self.state = if self.stamp.write_json(self.out)? {
                            SpliceState::Comma
                        } else {
                            SpliceState::Through
                        };
                        self.write_str(rest)
                    }
                    None => {
                        self.stamp.write_text(self.out)?;
                        self.state = SpliceState::Through;
                        self.out.write_str(s)
                    }
                }
            }
            SpliceState::Comma => {
                let body = s.trim_start();
                if !body.is_empty() {
                    if !body.starts_with('}') {
                        self.out.write_char(',')?;
                    }
                    self.state = SpliceState::Through;
                }
                self.out.write_str(s)
            }
            SpliceState::Through => self.out.write_str(s),
        }
    }
}

/// Escapes what is written through it as the inside of a JSON string.
struct JsonEscape<'a>(&'a mut dyn fmt::Write);

impl fmt::Write for JsonEscape<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let escaped = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if c < ' ' => {
                    self.0.write_str(&s[start..i])?;
                    write!(self.0, "\\u{:04x}", u32::from(c))?;
                    start = i + 1;
                    continue;
                }
                _ => continue,
            };
            self.0.write_str(&s[start..i])?;
            self.0.write_str(escaped)?;
            start = i + 1;
        }
        self.0.write_str(&s[start..])
    }
}

/// A named value read from the current context at log time: the object-safe face of
/// [`Local<T>`] for `T: Display`.
trait Field: Sync {
    fn name(&self) -> &'static str;

    /// Calls `f` with the current value, if there is one.
    fn write(&'static self, f: &mut dyn FnMut(&dyn fmt::Display) -> fmt::Result) -> fmt::Result;
}

impl<T: fmt::Display + Send + Sync + 'static> Field for Local<T> {
    fn name(&self) -> &'static str {
        Local::name(self)
    }

    fn write(&'static self, f: &mut dyn FnMut(&dyn fmt::Display) -> fmt::Result) -> fmt::Result {
        self.with(|value| value.map_or(Ok(()), |value| f(value)))
    }
}

/// A [`tracing_subscriber::fmt::Layer`] whose events carry trace ids and chosen locals.
///
/// Built by [`correlate`], [`fmt_layer`] or [`json_layer`]. It behaves exactly like the
/// wrapped layer, and also learns which subscriber it was installed in, so that it can ask
/// `tracing-opentelemetry` for the OpenTelemetry span of the current tracing span.
///
/// # Examples
///
/// With `tracing-opentelemetry` installed, an event inside a tracing span carries the ids of
/// that span's OpenTelemetry span:
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use baton_context::log;
/// use opentelemetry::trace::{TraceContextExt, TracerProvider};
/// use tracing_opentelemetry::OpenTelemetrySpanExt;
/// use tracing_subscriber::prelude::*;
///
/// let out = Arc::new(Mutex::new(Vec::<u8>::new()));
/// let sink = out.clone();
/// let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder().build().tracer("t");
/// let subscriber = tracing_subscriber::registry()
///     .with(tracing_opentelemetry::layer().with_tracer(tracer))
///     .with(log::json_layer().with_writer(move || Writer(sink.clone())));
///
/// let ids = tracing::subscriber::with_default(subscriber, || {
///     let span = tracing::info_span!("charge");
///     span.in_scope(|| tracing::info!("charged card"));
///     let cx = span.context();
///     (cx.span().span_context().trace_id(), cx.span().span_context().span_id())
/// });
///
/// let line = String::from_utf8(out.lock().unwrap().clone()).unwrap();
/// let (trace_id, span_id) = ids;
/// assert!(line.starts_with(&format!(r#"{{"trace_id":"{trace_id}","span_id":"{span_id}","#)));
///
/// # struct Writer(Arc<Mutex<Vec<u8>>>);
/// # impl std::io::Write for Writer {
/// #     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
/// #         self.0.lock().unwrap().extend_from_slice(buf);
/// #         Ok(buf.len())
/// #     }
/// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// # }
/// ```
pub struct CorrelatedLayer<S, N, E, W> {
    inner: tsfmt::Layer<S, N, Correlated<E>, W>,
    dispatch: Arc<OnceLock<WeakDispatch>>,
    locals: Vec<&'static str>,
}

/// Wraps a configured `tracing_subscriber::fmt` layer so its events carry trace ids and
/// chosen locals (add them with [`CorrelatedLayer::with_local`]).
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use baton_context::{Local, log};
/// use opentelemetry::Context;
/// use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
/// use tracing_subscriber::prelude::*;
///
/// static REQUEST_ID: Local<u32> = Local::new("request_id");
///
/// let out = Arc::new(Mutex::new(Vec::<u8>::new()));
/// let sink = out.clone();
/// let layer = log::correlate(
///     tracing_subscriber::fmt::layer()
///         .without_time()
///         .with_target(false)
///         .with_ansi(false)
///         .with_writer(move || Writer(sink.clone())),
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
/// let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines[0], " INFO outside");
/// assert_eq!(lines[1], format!("trace_id={trace_id} span_id={span_id} request_id=7  INFO inside"));
///
/// # struct Writer(Arc<Mutex<Vec<u8>>>);
/// # impl std::io::Write for Writer {
/// #     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
/// #         self.0.lock().unwrap().extend_from_slice(buf);
/// #         Ok(buf.len())
/// #     }
/// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// # }
/// ```
#[must_use]
pub fn correlate<S, N, E, W>(layer: tsfmt::Layer<S, N, E, W>) -> CorrelatedLayer<S, N, E, W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    E: FormatEvent<S, N> + 'static,
    W: for<'w> MakeWriter<'w> + 'static,
{
    let dispatch = Arc::<OnceLock<WeakDispatch>>::default();
    let slot = dispatch.clone();
    CorrelatedLayer {
        inner: layer.map_event_format(|inner| Correlated::with_slot(inner, slot)),
        dispatch,
        locals: Vec::new(),
    }
}

/// A correlated human-readable layer writing to stdout: `correlate(fmt::layer())`.
///
/// # Examples
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// static REQUEST_ID: baton_context::Local<u64> = baton_context::Local::new("request_id");
///
/// let layer = baton_context::log::fmt_layer().with_local(&REQUEST_ID);
/// assert_eq!(layer.locals(), ["request_id"]);
/// let _subscriber = tracing_subscriber::registry().with(layer);
/// ```
#[must_use]
pub fn fmt_layer<S>() -> CorrelatedLayer<S, DefaultFields, Format<Full, SystemTime>, Stdout>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    correlate(tsfmt::layer())
}

/// A correlated JSON layer writing to stdout, one object per line:
/// `correlate(fmt::layer().json())`.
///
/// # Examples
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let layer = baton_context::log::json_layer().with_writer(std::io::sink);
/// assert!(layer.locals().is_empty());
/// let _subscriber = tracing_subscriber::registry().with(layer);
/// ```
#[must_use]
pub fn json_layer<S>() -> CorrelatedLayer<S, JsonFields, Format<Json, SystemTime>, Stdout>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    correlate(tsfmt::layer().json())
}

impl<S, N, E, W> CorrelatedLayer<S, N, E, W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    E: FormatEvent<S, N> + 'static,
    W: for<'w> MakeWriter<'w> + 'static,
{
    /// Also stamps `local` onto every event (see [`Correlated::with_local`]).
    ///
    /// # Examples
    ///
    /// ```
    /// static TENANT: baton_context::Local<String> = baton_context::Local::new("tenant");
    ///
    /// let layer = baton_context::log::fmt_layer::<tracing_subscriber::Registry>()
    ///     .with_local(&TENANT);
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

impl<S, N, E, W> CorrelatedLayer<S, N, E, W> {
    /// Sends the output to `make_writer` instead (see
    /// [`tracing_subscriber::fmt::Layer::with_writer`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_context::log::fmt_layer::<tracing_subscriber::Registry>()
    ///     .with_writer(std::io::stderr);
    /// assert!(layer.locals().is_empty());
    /// ```
    #[must_use]
    pub fn with_writer<W2>(self, make_writer: W2) -> CorrelatedLayer<S, N, E, W2>
    where
        W2: for<'w> MakeWriter<'w> + 'static,
    {
        CorrelatedLayer {
            inner: self.inner.with_writer(make_writer),
            dispatch: self.dispatch,
            locals: self.locals,
        }
    }

    /// The names of the locals stamped onto each event, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// static ID: baton_context::Local<u8> = baton_context::Local::new("id");
    /// let layer = baton_context::log::json_layer::<tracing_subscriber::Registry>().with_local(&ID);
    /// assert_eq!(layer.locals(), ["id"]);
    /// ```
    #[must_use]
    pub fn locals(&self) -> Vec<&'static str> {
        self.locals.clone()
    }
}

impl<S, N, E, W> fmt::Debug for CorrelatedLayer<S, N, E, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelatedLayer")
            .field("locals", &self.locals)
            .field("registered", &self.dispatch.get().is_some())
            .finish_non_exhaustive()
    }
}

impl<S, N, E, W> Layer<S> for CorrelatedLayer<S, N, E, W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    tsfmt::Layer<S, N, Correlated<E>, W>: Layer<S>,
    N: 'static,
    E: 'static,
    W: 'static,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        // Weak: the subscriber owns this layer, so a strong handle would be a cycle.
        let _ = self.dispatch.set(subscriber.downgrade());
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
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        JsonEscape(&mut out).write_str(s).unwrap();
        out
    }

    #[test]
    fn public_types_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Correlated<Format<Json, SystemTime>>>();
        assert_send_sync::<
            CorrelatedLayer<tracing_subscriber::Registry, DefaultFields, Format, Stdout>,
        >();
    }

    #[test]
    fn json_escape_matches_the_json_grammar() {
        assert_eq!(escaped("plain"), "plain");
        assert_eq!(escaped(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escaped("l1\nl2\r\t"), r"l1\nl2\r\t");
        assert_eq!(escaped("\u{1}x\u{1f}"), r"\u0001x\u001f");
        assert_eq!(escaped("héllo ✓"), "héllo ✓");
    }

    static ID: Local<&'static str> = Local::new("id");

    fn spliced(chunks: &[&str], ids: Option<(TraceId, SpanId)>) -> String {
        let locals: [&'static dyn Field; 1] = [&ID];
        let mut buf = String::new();
        let mut out = Writer::new(&mut buf);
        let mut splice = Splice {
            out: &mut out,
            stamp: Stamp {
                ids,
                locals: &locals,
            },
            state: SpliceState::Start,
        };
        ID.sync_scope("x\"y", || {
            for chunk in chunks {
                splice.write_str(chunk).unwrap();
            }
        });
        buf
    }

    #[test]
    fn splice_puts_members_first_in_json_and_a_prefix_on_text() {
        let ids = Some((TraceId::from(1), SpanId::from(2)));
        assert_eq!(
            spliced(&["{", "\"a\":1", "}\n"], ids),
            r#"{"trace_id":"00000000000000000000000000000001","span_id":"0000000000000002","id":"x\"y","a":1}"#
                .to_owned()
                + "\n"
        );
        assert_eq!(spliced(&["", "{}"], None), r#"{"id":"x\"y"}"#);
        assert_eq!(
            spliced(&["{ ", " \"a\":1}"], None),
            r#"{"id":"x\"y" , "a":1}"#
        );
        assert_eq!(spliced(&[" INFO", " hi\n"], None), "id=x\"y  INFO hi\n");
        assert_eq!(spliced(&[], ids), "");
    }
}
