//! [`Correlated`]: the formatter type both layouts share, and what it is built from.

use std::fmt;

use baton_context::Local;

use crate::fields::Fields;
use crate::ids::Subscribed;

/// A [`FormatEvent`](tracing_subscriber::fmt::FormatEvent) that stamps the trace id, span id
/// and chosen locals onto every event formatted by `E`, laid out as `L`: [`Text`](crate::Text)
/// (`trace_id=… span_id=… name=value ` in front of the line) or [`Json`](crate::Json) (the
/// object's first members).
///
/// Build it with [`Correlated::new`], which picks the layout from the inner formatter's type,
/// or [`Correlated::with_layout`] for a formatter of your own.
///
/// Prefer [`correlate`](crate::correlate), which also lets this formatter find the
/// OpenTelemetry span of the current *tracing* span under any subscriber. Used alone (as in
/// the example), it finds it only when the subscriber is the global default; otherwise it
/// uses [`Context::current`](opentelemetry::Context::current), which `tracing-opentelemetry`
/// keeps in step with entered spans unless its context activation is turned off.
///
/// # Examples
///
/// ```
/// use std::sync::Mutex;
///
/// use baton_context::Local;
/// use baton_log::Correlated;
/// use opentelemetry::Context;
/// use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
/// use tracing_subscriber::fmt;
/// use tracing_subscriber::fmt::MakeWriter;
///
/// static TENANT: Local<&'static str> = Local::new("tenant");
/// static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
///
/// let subscriber = fmt()
///     .json()
///     .event_format(Correlated::new(fmt::format().json()).with_local(&TENANT))
///     .with_writer(|| OUT.make_writer())
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
/// let line = String::from_utf8(OUT.lock().unwrap().clone()).unwrap();
/// let object: serde_json::Value = serde_json::from_str(&line).unwrap();
/// assert_eq!(object["span_id"], span_id.to_string());
/// assert_eq!(object["tenant"], "acme \"eu\"");
/// assert_eq!(object["fields"]["message"], "backlog");
/// ```
#[derive(Clone)]
pub struct Correlated<E, L> {
    pub(super) inner: E,
    pub(super) layout: L,
    pub(super) fields: Fields,
    pub(super) subscribed: Subscribed,
}

impl<E, L> Correlated<E, L> {
    /// Wraps the event formatter `inner`, stamping its lines as `layout` says: for
    /// formatters whose type does not tell ([`KnownLayout`](crate::KnownLayout)), such as
    /// your own.
    ///
    /// `layout` must match what `inner` writes: [`Json`](crate::Json) expects one JSON object
    /// per event, and passes anything else through unstamped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::fmt;
    /// use std::sync::Mutex;
    ///
    /// use baton_context::Local;
    /// use baton_log::{Correlated, Text};
    /// use tracing::{Event, Subscriber};
    /// use tracing_subscriber::fmt::format::Writer;
    /// use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
    /// use tracing_subscriber::registry::LookupSpan;
    ///
    /// /// A formatter of one's own: the event's fields and nothing else.
    /// struct Bare;
    ///
    /// impl<S, N> FormatEvent<S, N> for Bare
    /// where
    ///     S: Subscriber + for<'a> LookupSpan<'a>,
    ///     N: for<'w> FormatFields<'w> + 'static,
    /// {
    ///     fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
    ///         ctx.field_format().format_fields(writer.by_ref(), event)?;
    ///         writeln!(writer)
    ///     }
    /// }
    ///
    /// static JOB: Local<u32> = Local::new("job");
    /// static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    ///
    /// let subscriber = tracing_subscriber::fmt()
    ///     .with_ansi(false)
    ///     .event_format(Correlated::with_layout(Bare, Text).with_local(&JOB))
    ///     .with_writer(|| OUT.make_writer())
    ///     .finish();
    /// tracing::subscriber::with_default(subscriber, || {
    ///     JOB.sync_scope(12, || tracing::info!(rows = 3, "imported"));
    /// });
    ///
    /// assert_eq!(String::from_utf8(OUT.lock().unwrap().clone()).unwrap(), "job=12 imported rows=3\n");
    /// ```
    #[must_use]
    pub fn with_layout(inner: E, layout: L) -> Self {
        Self::in_subscriber(inner, layout, Subscribed::default())
    }

    pub(crate) fn in_subscriber(inner: E, layout: L, subscribed: Subscribed) -> Self {
        Self {
            inner,
            layout,
            fields: Fields::default(),
            subscribed,
        }
    }

    /// Also stamps `local` as a field named [`local.name()`](Local::name), formatted with
    /// its [`Display`](fmt::Display) implementation; events where it has no value omit it.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_context::Local;
    /// use baton_log::Correlated;
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
        self.fields.push(local);
        self
    }

    /// The names of the locals stamped onto each event, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// static ID: baton_context::Local<u8> = baton_context::Local::new("id");
    /// let format = baton_log::Correlated::new(tracing_subscriber::fmt::format()).with_local(&ID);
    /// assert_eq!(format.locals(), ["id"]);
    /// ```
    #[must_use]
    pub fn locals(&self) -> Vec<&'static str> {
        self.fields.names()
    }

    /// The layout the stamp takes: [`Text`](crate::Text) or [`Json`](crate::Json).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_log::{Correlated, Json};
    ///
    /// let format = Correlated::new(tracing_subscriber::fmt::format().json());
    /// assert_eq!(format.layout(), &Json);
    /// ```
    #[must_use]
    pub fn layout(&self) -> &L {
        &self.layout
    }
}

impl<E: fmt::Debug, L: fmt::Debug> fmt::Debug for Correlated<E, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Correlated")
            .field("inner", &self.inner)
            .field("layout", &self.layout)
            .field("locals", &self.fields)
            .finish_non_exhaustive()
    }
}
