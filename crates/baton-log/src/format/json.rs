//! The JSON layout: the ids and locals become the first members of the inner object.

use std::fmt::{self, Write as _};

use opentelemetry::trace::{SpanId, TraceId};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::Correlated;
use crate::fields::Fields;

/// The JSON layout: the ids and locals become the first members of the object the inner
/// formatter writes, as `"trace_id":"…","span_id":"…","name":"value"`, values JSON-escaped
/// strings.
///
/// The inner output is streamed through and the members are spliced in after its opening
/// `{`: nothing is buffered or allocated per event. An inner formatter that does not write a
/// JSON object is passed through unstamped rather than made invalid.
///
/// Name locals apart from the formatter's own members: a local called `level`, or one named
/// like an event field under `flatten_event(true)`, would make the key appear twice.
///
/// # Examples
///
/// ```
/// use std::sync::Mutex;
///
/// use baton_context::Local;
/// use baton_log::{Correlated, Json};
/// use tracing_subscriber::fmt::MakeWriter;
///
/// static ORDER: Local<String> = Local::new("order");
/// static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
///
/// let correlated = Correlated::new(tracing_subscriber::fmt::format().json()).with_local(&ORDER);
/// assert_eq!(correlated.layout(), &Json);
///
/// let subscriber = tracing_subscriber::fmt()
///     .json()
///     .event_format(correlated)
///     .with_writer(|| OUT.make_writer())
///     .finish();
/// tracing::subscriber::with_default(subscriber, || {
///     ORDER.sync_scope("31 \"rush\"".to_owned(), || tracing::info!("packed"));
/// });
///
/// let line = String::from_utf8(OUT.lock().unwrap().clone()).unwrap();
/// assert!(line.starts_with(r#"{"order":"31 \"rush\"","timestamp":"#), "{line}");
/// let object: serde_json::Value = serde_json::from_str(&line).unwrap();
/// assert_eq!(object["fields"]["message"], "packed");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Json;

impl<S, N, E> FormatEvent<S, N> for Correlated<E, Json>
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
        let mut splice = Splice {
            out: &mut writer,
            ids: self.subscribed.event_ids(ctx),
            fields: &self.fields,
            state: State::Start,
        };
        self.inner
            .format_event(ctx, Writer::new(&mut splice), event)
    }
}

/// Streams the inner formatter's object to the real writer, with the members spliced in
/// after its opening brace.
struct Splice<'a> {
    out: &'a mut dyn fmt::Write,
    ids: Option<(TraceId, SpanId)>,
    fields: &'a Fields,
    state: State,
}

#[derive(Clone, Copy)]
enum State {
    /// Nothing but whitespace written yet.
    Start,
    /// Members were written after the opening `{`: the inner object's first member needs a
    /// comma, an empty inner object does not.
    Comma,
    Through,
}

impl Splice<'_> {
    /// Writes the members (no braces), returning whether it wrote any.
    fn write_members(&mut self) -> Result<bool, fmt::Error> {
        let out = &mut *self.out;
        let mut any = false;
        if let Some((trace_id, span_id)) = self.ids {
            write!(out, "\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\"")?;
            any = true;
        }
        self.fields.for_each_present(|name, value| {
            if any {
                out.write_char(',')?;
            }
            any = true;
            out.write_char('"')?;
            Escape(&mut *out).write_str(name)?;
            out.write_str("\":\"")?;
            write!(Escape(&mut *out), "{value}")?;
            out.write_char('"')
        })?;
        Ok(any)
    }
}

impl fmt::Write for Splice<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.state {
            State::Start => {
                let body = s.trim_start();
                if body.is_empty() {
                    return self.out.write_str(s);
                }
                let Some(rest) = body.strip_prefix('{') else {
                    // Not an object after all: leave the line as the formatter wrote it.
                    self.state = State::Through;
                    return self.out.write_str(s);
                };
                self.out.write_str(&s[..s.len() - body.len() + 1])?;
                self.state = if self.write_members()? {
                    State::Comma
                } else {
                    State::Through
                };
                self.write_str(rest)
            }
            State::Comma => {
                let body = s.trim_start();
                if !body.is_empty() {
                    if !body.starts_with('}') {
                        self.out.write_char(',')?;
                    }
                    self.state = State::Through;
                }
                self.out.write_str(s)
            }
            State::Through => self.out.write_str(s),
        }
    }
}

/// Escapes what is written through it as the inside of a JSON string.
struct Escape<'a>(&'a mut dyn fmt::Write);

impl fmt::Write for Escape<'_> {
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

#[cfg(test)]
mod tests {
    use baton_context::Local;

    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        Escape(&mut out).write_str(s).unwrap();
        out
    }

    #[test]
    fn escape_follows_the_json_string_grammar() {
        assert_eq!(escaped("plain"), "plain");
        assert_eq!(escaped(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escaped("l1\nl2\r\t"), r"l1\nl2\r\t");
        assert_eq!(escaped("\u{1}x\u{1f}"), r"\u0001x\u001f");
        assert_eq!(escaped("héllo ✓"), "héllo ✓");
    }

    static ID: Local<&'static str> = Local::new("id");
    static NAMED: Local<u8> = Local::new("a \"quoted\" name");

    fn spliced(chunks: &[&str], ids: Option<(TraceId, SpanId)>) -> String {
        let mut fields = Fields::default();
        fields.push(&ID);
        fields.push(&NAMED);
        let mut out = String::new();
        let mut splice = Splice {
            out: &mut out,
            ids,
            fields: &fields,
            state: State::Start,
        };
        ID.sync_scope("x\"y", || {
            for chunk in chunks {
                splice.write_str(chunk).unwrap();
            }
        });
        out
    }

    #[test]
    fn members_go_first_and_the_object_stays_valid() {
        let ids = Some((TraceId::from(1), SpanId::from(2)));
        assert_eq!(
            spliced(&["{", "\"a\":1", "}\n"], ids),
            r#"{"trace_id":"00000000000000000000000000000001","span_id":"0000000000000002","id":"x\"y","a":1}"#
                .to_owned()
                + "\n"
        );
        assert_eq!(spliced(&["", "{}"], None), r#"{"id":"x\"y"}"#);
        assert_eq!(
            spliced(&[" ", "{ ", " \"a\":1}"], None),
            r#" {"id":"x\"y" , "a":1}"#
        );
        assert_eq!(spliced(&[], ids), "");
        let quoted_name = NAMED.sync_scope(4, || spliced(&["{}"], None));
        assert_eq!(quoted_name, r#"{"id":"x\"y","a \"quoted\" name":"4"}"#);
        for line in [
            spliced(&["{", "\"a\":[1,{}]", "}"], ids),
            spliced(&["{}"], ids),
        ] {
            serde_json::from_str::<serde_json::Value>(&line).unwrap();
        }
    }

    #[test]
    fn output_that_is_not_an_object_passes_through_unstamped() {
        let ids = Some((TraceId::from(1), SpanId::from(2)));
        assert_eq!(spliced(&[" INFO", " hi\n"], ids), " INFO hi\n");
        assert_eq!(spliced(&["[1]"], ids), "[1]");
    }
}
