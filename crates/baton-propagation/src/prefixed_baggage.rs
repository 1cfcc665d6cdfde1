//! Baggage as one header per entry, `{prefix}{key}: {value}`: Jaeger's `uberctx-` and
//! OpenTracing's `ot-baggage-`, which differ only in the prefix and how a value is encoded.

use std::borrow::Cow;

use opentelemetry::Context;
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::Injector;

use crate::baggage::{MAX_BYTES, MAX_MEMBERS};
use crate::carrier::{Carrier, strip_prefix_ignore_ascii_case};
use crate::chars::is_token;

/// The context's baggage plus every `{prefix}{key}` header whose key is a token and whose
/// value `decode` accepts; `None` when there is none.
///
/// Bounded by the W3C baggage limits before any value is decoded or copied: 64 entries, and
/// 8192 bytes for the added `key=value` members joined by `,` (an entry that would pass the
/// budget is skipped, as opentelemetry-go-contrib's OT propagator drops a
/// `strings.Repeat("s", 8188)` value). A key that is not a token (opentelemetry-go-contrib OT
/// "invalid baggage key": `ot-baggage-d–76`) is skipped.
pub(crate) fn extract_prefixed_baggage(
    cx: &Context,
    carrier: &dyn Carrier,
    prefix: &str,
    decode: fn(&str) -> Option<String>,
) -> Option<Baggage> {
    let mut out = BaggageBuilder::new(cx);
    collect_prefixed(&mut out, carrier, prefix, decode);
    out.baggage
}

/// Adds every `{prefix}{key}` header of `carrier` to `out`, as [`extract_prefixed_baggage`]
/// describes.
pub(crate) fn collect_prefixed(
    out: &mut BaggageBuilder<'_>,
    carrier: &dyn Carrier,
    prefix: &str,
    decode: fn(&str) -> Option<String>,
) {
    // Baton's own carriers say, without the `Vec` of `keys`, when no key has the prefix (the
    // usual request).
    if !carrier.has_key_with_prefix(prefix) {
        return;
    }
    for key in carrier.keys() {
        let Some(name) = strip_prefix_ignore_ascii_case(key, prefix) else {
            continue;
        };
        if !is_token(name.as_bytes()) {
            continue;
        }
        let Some(raw) = carrier.first(key) else {
            continue;
        };
        if raw.len() > MAX_BYTES {
            continue;
        }
        let Some(value) = decode(raw) else { continue };
        // HTTP does not keep a header name's case: the key is lower-cased.
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if !out.add(name, value) {
            break;
        }
    }
}

/// Collects extracted baggage over the context's own, within the W3C limits.
pub(crate) struct BaggageBuilder<'c> {
    cx: &'c Context,
    /// The baggage built so far, `None` until an entry is added.
    pub(crate) baggage: Option<Baggage>,
    bytes: usize,
}

impl<'c> BaggageBuilder<'c> {
    pub(crate) fn new(cx: &'c Context) -> Self {
        BaggageBuilder {
            cx,
            baggage: None,
            bytes: 0,
        }
    }

    /// Adds `name` unless it would pass the byte budget; `false` once the entry limit is
    /// reached and nothing more can be added.
    pub(crate) fn add(&mut self, name: Cow<'_, str>, value: String) -> bool {
        let size = name.len() + 1 + value.len() + usize::from(self.bytes > 0);
        if self.bytes + size > MAX_BYTES {
            return true;
        }
        let cx = self.cx;
        let b = self.baggage.get_or_insert_with(|| {
            cx.baggage()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        });
        if b.len() >= MAX_MEMBERS && b.get(name.as_ref()).is_none() {
            return false;
        }
        b.insert(name.into_owned(), value);
        self.bytes += size;
        true
    }
}

/// Writes every entry of the context's baggage as a `{prefix}{key}` header, its value as
/// `encode` gives it; an entry `encode` refuses (`None`) is not written.
#[inline]
pub(crate) fn inject_prefixed_baggage(
    cx: &Context,
    injector: &mut dyn Injector,
    prefix: &str,
    encode: impl Fn(&str) -> Option<String>,
) {
    let mut key = String::new();
    for (k, (v, _)) in cx.baggage() {
        let Some(value) = encode(v.as_str()) else {
            continue;
        };
        key.clear();
        key.push_str(prefix);
        key.push_str(k.as_str());
        injector.set(&key, value);
    }
}
