//! W3C Baggage: the `baggage` header, member order kept, values percent-decoded and encoded.

use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::{Context, Key, StringValue};

use crate::carrier::{self, Carrier, FromExtractor};
use crate::chars::is_token;
use crate::header::BAGGAGE;
use crate::propagator::Propagator;

mod limits;
mod order;
mod overflow;
mod percent;
mod scan;
#[cfg(test)]
mod tests;

use limits::MAX_LIST_MEMBERS;
pub(crate) use limits::{MAX_BYTES, MAX_MEMBERS};
use order::{MemberOrder, ordered};
use overflow::{Overflow, fingerprint};
use percent::{decode_escapes, encode_into, encoded_len};
use scan::{Member, for_each_valid_member, is_property_list, metadata};

/// Propagates baggage in the W3C Baggage format (`baggage` header).
///
/// Extract reads every `baggage` header line, combined in order. A member whose key is not a
/// token, whose value has a byte outside `baggage-octet` or a broken `%` escape, or whose
/// properties do not follow the grammar is dropped alone; the others are kept. Values are
/// percent-decoded (bytes that are not UTF-8 become U+FFFD); properties are kept as the
/// member's [`BaggageMetadata`], `;`-separated, with the optional whitespace around each
/// property key and value removed (`k=v; p = x ;q` gives `p=x;q`). When a key repeats, the
/// last value wins, in the place of the first.
///
/// Limits: the spec requires every member of a `baggage-string` of 8192 bytes or less to be
/// propagated (at most 180 members, per its grammar). opentelemetry's `Baggage` holds 64: the
/// members past those are kept beside it and written back after them for as long as the
/// context carries the same baggage. On extract, members that end past byte 8192 of the
/// combined header are dropped (without being read) and reading stops at 180 members; on
/// inject, a member that would take the header past 8192 bytes or 180 members is skipped and
/// later, smaller ones still go.
///
/// Inject writes members in the order they were extracted (then any added since), values
/// percent-encoded so that the round trip is lossless, and no header when the baggage is
/// empty. A key that is not a token cannot be written and is skipped; so are properties that
/// do not follow the grammar.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::{BaggagePropagator, HeaderExtractor, HeaderInjector};
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::Context;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("baggage", "userId=alice,serverNode=DF%2028;region=eu,isProduction=false".parse().unwrap());
///
/// let propagator = BaggagePropagator::default();
/// let cx = propagator.extract_with_context(&Context::new(), &HeaderExtractor(&headers));
/// assert_eq!(cx.baggage().get("serverNode").map(|v| v.as_str()), Some("DF 28"));
/// let (_, metadata) = cx.baggage().get_with_metadata("serverNode").unwrap();
/// assert_eq!(metadata.as_str(), "region=eu");
///
/// let mut out = http::HeaderMap::new();
/// propagator.inject_context(&cx, &mut HeaderInjector(&mut out));
/// assert_eq!(out["baggage"], "userId=alice,serverNode=DF%2028;region=eu,isProduction=false");
/// # }
/// ```
///
/// [`BaggageMetadata`]: opentelemetry::baggage::BaggageMetadata
#[derive(Debug)]
pub struct BaggagePropagator {
    fields: [String; 1],
}

impl Default for BaggagePropagator {
    fn default() -> Self {
        Self::new()
    }
}

impl BaggagePropagator {
    /// A new propagator (the same as [`Default::default`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::BaggagePropagator;
    /// use opentelemetry::propagation::TextMapPropagator;
    ///
    /// assert_eq!(BaggagePropagator::new().fields().collect::<Vec<_>>(), ["baggage"]);
    /// ```
    pub fn new() -> Self {
        Self {
            fields: [BAGGAGE.to_owned()],
        }
    }
}

/// What extract found: the baggage, the member order when it has several members, and the
/// members past opentelemetry's 64.
type Extracted = (Baggage, Option<MemberOrder>, Option<Overflow>);

// A line cut by Baton's own carriers is cut past everything extract reads.
const _: () = assert!(carrier::MAX_LINE > MAX_BYTES + 1);

fn extract_baggage(carrier: &dyn Carrier) -> Option<Extracted> {
    match carrier.lines(BAGGAGE).as_slice() {
        [] => None,
        lines => extract_lines(lines),
    }
}

/// Builds the baggage of the combined header `lines`.
fn extract_lines(lines: &[&str]) -> Option<Extracted> {
    let mut out = Builder {
        order: MemberOrder::EMPTY,
        baggage: Baggage::new(),
        seen: 0,
        overflow: Vec::new(),
    };
    for_each_valid_member(lines, |member| out.add(member));
    out.finish()
}

/// The baggage being built from the members of a header, in order.
struct Builder<'a> {
    baggage: Baggage,
    /// The members in arrival order (only kept when there are several).
    order: MemberOrder,
    /// Valid members seen so far.
    seen: usize,
    /// Members past the 64 `Baggage` holds: (key, `key=value;properties`). Only allocated
    /// when a header has more than 64 distinct keys.
    overflow: Vec<(&'a str, String)>,
}

impl<'a> Builder<'a> {
    /// Adds a valid member; `false` once no more members are read.
    fn add(&mut self, member: Member<'a>) -> bool {
        self.seen += 1;
        if self.seen > MAX_LIST_MEMBERS {
            return false;
        }
        if self.baggage.len() == MAX_MEMBERS && self.baggage.get(member.key).is_none() {
            let metadata = metadata(member.properties, member.props_ows);
            let mut text = String::with_capacity(
                member.key.len() + 2 + member.value.len() + metadata.as_str().len(),
            );
            text.push_str(member.key);
            text.push('=');
            text.push_str(member.value);
            if !metadata.as_str().is_empty() {
                text.push(';');
                text.push_str(metadata.as_str());
            }
            // A repeated key: the last value wins, in the place of the first.
            match self.overflow.iter_mut().find(|(key, _)| *key == member.key) {
                Some(slot) => slot.1 = text,
                None => self.overflow.push((member.key, text)),
            }
            return true;
        }
        let metadata = metadata(member.properties, member.props_ows);
        let value = StringValue::from(if member.escapes > 0 {
            decode_escapes(member.value, member.escapes, member.first_escape)
        } else {
            member.value.to_owned()
        });
        let before = self.baggage.len();
        // A repeated key replaces the value in place; only a new key extends the order.
        self.baggage
            .insert_with_metadata(Key::from(member.key.to_owned()), value, metadata);
        if self.baggage.len() > before {
            self.order.push(member.key);
        }
        true
    }

    fn finish(self) -> Option<Extracted> {
        let Self {
            baggage,
            mut order,
            overflow,
            ..
        } = self;
        if baggage.is_empty() {
            return None;
        }
        order.spill.shrink_to_fit();
        let order = (baggage.len() > 1).then_some(order);
        let overflow = (!overflow.is_empty()).then(|| {
            let len = overflow.iter().map(|(_, m)| m.len() + 1).sum::<usize>() - 1;
            let mut members = String::with_capacity(len);
            for (_, member) in &overflow {
                if !members.is_empty() {
                    members.push(',');
                }
                members.push_str(member);
            }
            Overflow {
                fingerprint: fingerprint(&baggage),
                members: members.into_boxed_str(),
            }
        });
        Some((baggage, order, overflow))
    }
}

impl TextMapPropagator for BaggagePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let baggage = cx.baggage();
        if baggage.is_empty() {
            return;
        }
        let order = cx.get::<MemberOrder>().map_or(&[][..], MemberOrder::hashes);
        let overflow = cx
            .get::<Overflow>()
            .filter(|o| !o.members.is_empty() && o.fingerprint == fingerprint(baggage))
            .map_or("", |o| &o.members);
        let header = write_header(baggage, order, overflow);
        if !header.is_empty() {
            injector.set(BAGGAGE, header);
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for BaggagePropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let Some((baggage, order, overflow)) = extract_baggage(carrier) else {
            return cx.clone();
        };
        let mut out = cx.with_baggage(baggage);
        // An order or overflow kept from an earlier extract must not outlive its baggage.
        match order {
            Some(order) => out = out.with_value(order),
            None if out.get::<MemberOrder>().is_some() => {
                out = out.with_value(MemberOrder::EMPTY);
            }
            None => {}
        }
        match overflow {
            Some(overflow) => out = out.with_value(overflow),
            None if out.get::<Overflow>().is_some() => {
                out = out.with_value(Overflow {
                    fingerprint: 0,
                    members: Box::default(),
                });
            }
            None => {}
        }
        out
    }
}

/// Writes the header: an exactly-sized `String`, members that do not fit the limits skipped;
/// `overflow` (already encoded members) after the others.
fn write_header(baggage: &Baggage, order: &[u32], overflow: &str) -> String {
    let plan = |mut emit: Option<&mut String>| -> usize {
        let (mut len, mut count) = (0usize, 0usize);
        for (key, value, metadata) in ordered(baggage, order) {
            if count == MAX_MEMBERS {
                break;
            }
            if !is_token(key.as_bytes()) {
                continue;
            }
            let meta = metadata.as_str();
            let meta = if !meta.is_empty() && is_property_list(meta) {
                meta
            } else {
                ""
            };
            let member_len = key.len()
                + 1
                + encoded_len(value.as_str())
                + if meta.is_empty() { 0 } else { meta.len() + 1 };
            let sep = usize::from(count > 0);
            if len + sep + member_len > MAX_BYTES {
                continue;
            }
            if let Some(out) = emit.as_deref_mut() {
                if sep == 1 {
                    out.push(',');
                }
                out.push_str(key);
                out.push('=');
                encode_into(value.as_str(), out);
                if !meta.is_empty() {
                    out.push(';');
                    out.push_str(meta);
                }
            }
            len += sep + member_len;
            count += 1;
        }
        if !overflow.is_empty() {
            for member in overflow.split(',') {
                if count == MAX_LIST_MEMBERS {
                    break;
                }
                let sep = usize::from(count > 0);
                if len + sep + member.len() > MAX_BYTES {
                    continue;
                }
                if let Some(out) = emit.as_deref_mut() {
                    if sep == 1 {
                        out.push(',');
                    }
                    out.push_str(member);
                }
                len += sep + member.len();
                count += 1;
            }
        }
        len
    };
    let mut out = String::with_capacity(plan(None));
    plan(Some(&mut out));
    out
}
