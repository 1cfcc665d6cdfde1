//! The text layout: `trace_id=… span_id=… name=value ` in front of the inner line.

use std::fmt;

use opentelemetry::trace::{SpanId, TraceId};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::Correlated;
use crate::fields::Fields;

/// The text layout: the ids and locals go in front of the inner formatter's line, as
/// `trace_id=… span_id=… name=value `, values written with their `Display` implementation.
///
/// The prefix is written straight into the subscriber's writer, so the inner line keeps its
/// ANSI colours; the prefix itself is never coloured, so it reads the same in a terminal
/// and in a file.
///
/// # Examples
///
/// ```
/// use std::sync::Mutex;
///
/// use baton_context::Local;
/// use baton_log::{Correlated, Text};
/// use tracing_subscriber::fmt::MakeWriter;
///
/// static ORDER: Local<u32> = Local::new("order");
/// static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
///
/// let format = tracing_subscriber::fmt::format().without_time().with_target(false);
/// let correlated = Correlated::new(format).with_local(&ORDER);
/// assert_eq!(correlated.layout(), &Text);
///
/// let subscriber = tracing_subscriber::fmt()
///     .with_ansi(false)
///     .event_format(correlated)
///     .with_writer(|| OUT.make_writer())
///     .finish();
/// tracing::subscriber::with_default(subscriber, || {
///     ORDER.sync_scope(31, || tracing::info!("packed"));
/// });
///
/// // No span here, so no ids: the local only.
/// assert_eq!(String::from_utf8(OUT.lock().unwrap().clone()).unwrap(), "order=31  INFO packed\n");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Text;

impl<S, N, E> FormatEvent<S, N> for Correlated<E, Text>
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
        write_prefix(&mut writer, self.subscribed.event_ids(ctx), &self.fields)?;
        self.inner.format_event(ctx, writer, event)
    }
}

fn write_prefix(
    out: &mut dyn fmt::Write,
    ids: Option<(TraceId, SpanId)>,
    fields: &Fields,
) -> fmt::Result {
    if let Some((trace_id, span_id)) = ids {
        write!(out, "trace_id={trace_id} span_id={span_id} ")?;
    }
    fields.for_each_present(|name, value| write!(out, "{name}={value} "))
}

#[cfg(test)]
mod tests {
    use baton_context::Local;

    use super::*;

    static ID: Local<&'static str> = Local::new("id");
    static ABSENT: Local<&'static str> = Local::new("absent");

    fn prefix(ids: Option<(TraceId, SpanId)>) -> String {
        let mut fields = Fields::default();
        fields.push(&ABSENT);
        fields.push(&ID);
        let mut out = String::new();
        ID.sync_scope("x y", || write_prefix(&mut out, ids, &fields))
            .unwrap();
        out
    }

    #[test]
    fn ids_then_present_locals_each_followed_by_a_space() {
        assert_eq!(
            prefix(Some((TraceId::from(1), SpanId::from(2)))),
            "trace_id=00000000000000000000000000000001 span_id=0000000000000002 id=x y "
        );
        assert_eq!(prefix(None), "id=x y ");
    }
}
