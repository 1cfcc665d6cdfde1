//! Carriers: what a propagator reads ([`Carrier`]), and the maps it reads and writes.
//!
//! A propagator reads headers through [`Carrier`], Baton's own trait: every line of one header
//! (so duplicates are seen: two `traceparent` lines are invalid, several `tracestate` or
//! `baggage` lines are combined) and the list of keys, each header asked for by its own name.
//! There is no other channel: a wrapper that hides a header from [`Carrier::lines`] and
//! [`Carrier::keys`] hides it from every propagator.
//!
//! `http::HeaderMap` (feature `http`) and tonic's `MetadataMap` (feature `tonic`) implement
//! [`Carrier`] directly, with one map lookup and no allocation for a header of at most one
//! line; any opentelemetry [`Extractor`](opentelemetry::propagation::Extractor) is read as a
//! [`Carrier`] through [`FromExtractor`], with `get`, `get_all` and `keys` only. A line that is
//! not visible ASCII cannot be read as a `&str`; rather than vanish (which would hide a
//! duplicate), it reads as U+FFFD, a value no header grammar accepts.

mod extractor;
#[cfg(feature = "http")]
mod http;
mod line;
#[cfg(feature = "tonic")]
mod tonic;

pub use self::extractor::{CarrierExtractor, FromExtractor};
#[cfg(feature = "http")]
pub use self::http::{HeaderExtractor, HeaderInjector};
#[cfg(feature = "tonic")]
pub use self::tonic::{MetadataExtractor, MetadataInjector};
pub(crate) use line::MAX_LINE;

/// What a propagator reads: the lines of a header, asked for by its name, and the keys.
///
/// Implemented for `http::HeaderMap` (feature `http`) and tonic's `MetadataMap` (feature
/// `tonic`), which answer without allocating for a header of at most one line, and, through
/// [`FromExtractor`], for any opentelemetry `Extractor`. Every Baton propagator reads a carrier
/// through these methods only, so a carrier that wraps another and hides a header from
/// [`lines`](Carrier::lines) and [`keys`](Carrier::keys) hides it from every propagator: this
/// is how a trust policy drops what an untrusted caller sent.
///
/// The provided methods are written in terms of the two required ones, so a wrapper that
/// implements only those is consistent; a carrier overrides them only to answer faster.
///
/// A line that is not visible ASCII reads as U+FFFD, which no format accepts (Baton's own
/// carriers read any ASCII line as itself, which differs only for control bytes that no safely
/// built header value holds and no format accepts), and Baton's own carriers hand out at most
/// the first 64 KiB of a line, far past the longest line any propagator here accepts.
///
/// # Examples
///
/// A wrapper that hides `baggage` from untrusted callers:
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::{BaggagePropagator, Carrier, Lines, Propagator};
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::Context;
///
/// struct WithoutBaggage<'a>(&'a http::HeaderMap);
///
/// impl Carrier for WithoutBaggage<'_> {
///     fn lines(&self, name: &str) -> Lines<'_> {
///         match name.eq_ignore_ascii_case("baggage") {
///             true => Lines::None,
///             false => self.0.lines(name),
///         }
///     }
///
///     fn keys(&self) -> Vec<&str> {
///         // `HeaderMap` has a `keys` method of its own: name the trait's.
///         let mut keys = Carrier::keys(self.0);
///         keys.retain(|key| !key.eq_ignore_ascii_case("baggage"));
///         keys
///     }
/// }
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("baggage", "tenant=acme".parse().unwrap());
/// let propagator = BaggagePropagator::default();
/// let trusted = propagator.extract_from(&Context::new(), &headers);
/// assert_eq!(trusted.baggage().len(), 1);
/// let untrusted = propagator.extract_from(&Context::new(), &WithoutBaggage(&headers));
/// assert_eq!(untrusted.baggage().len(), 0);
/// # }
/// ```
pub trait Carrier {
    /// Every line of header `name`, in order.
    ///
    /// `name` is a header name in lowercase ASCII (every propagator here asks that way), or a
    /// key as [`keys`](Carrier::keys) returned it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "http")] {
    /// use baton_propagation::{Carrier, Lines};
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("tracestate", "a=1".parse().unwrap());
    /// assert_eq!(headers.lines("tracestate"), Lines::One("a=1"));
    /// headers.append("tracestate", "b=2".parse().unwrap());
    /// assert_eq!(headers.lines("tracestate"), Lines::Several(vec!["a=1", "b=2"]));
    /// assert_eq!(headers.lines("baggage"), Lines::None);
    /// # }
    /// ```
    fn lines(&self, name: &str) -> Lines<'_>;

    /// Every key in the carrier, each once.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "http")] {
    /// use baton_propagation::Carrier;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("uberctx-user", "ann".parse().unwrap());
    /// headers.append("uberctx-user", "bob".parse().unwrap());
    /// assert_eq!(Carrier::keys(&headers), ["uberctx-user"]);
    /// # }
    /// ```
    fn keys(&self) -> Vec<&str>;

    /// The first line of header `name` (what `Extractor::get` returns: the OpenTelemetry
    /// `Getter.Get` "MUST return the first value"), for formats that read one line and ignore
    /// the others.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "http")] {
    /// use baton_propagation::Carrier;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("b3", "1".parse().unwrap());
    /// headers.append("b3", "0".parse().unwrap());
    /// assert_eq!(headers.first("b3"), Some("1"));
    /// assert_eq!(headers.first("x-b3-flags"), None);
    /// # }
    /// ```
    fn first(&self, name: &str) -> Option<&str> {
        self.lines(name).first()
    }

    /// Whether some key starts with `prefix` (ASCII case ignored), so that a propagator reading
    /// prefixed keys (`uberctx-`, `ot-baggage-`) lists the keys only when one may be there.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "http")] {
    /// use baton_propagation::Carrier;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("uberctx-user", "ann".parse().unwrap());
    /// assert!(headers.has_key_with_prefix("uberctx-"));
    /// assert!(!headers.has_key_with_prefix("ot-baggage-"));
    /// # }
    /// ```
    fn has_key_with_prefix(&self, prefix: &str) -> bool {
        self.keys()
            .into_iter()
            .any(|key| strip_prefix_ignore_ascii_case(key, prefix).is_some())
    }
}

/// The lines of one header in a [`Carrier`].
///
/// # Examples
///
/// ```
/// use baton_propagation::Lines;
///
/// let lines: Lines<'_> = ["a=1", "b=2"].into_iter().collect();
/// assert_eq!(lines, Lines::Several(vec!["a=1", "b=2"]));
/// assert_eq!(lines.first(), Some("a=1"));
/// assert_eq!(Lines::One("a=1").as_slice(), ["a=1"]);
/// assert_eq!(Lines::from(None::<Vec<&str>>), Lines::None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lines<'a> {
    /// The header is absent.
    None,
    /// Exactly one line (the common case: no allocation).
    One(&'a str),
    /// Two lines or more, in order.
    Several(Vec<&'a str>),
}

impl<'a> Lines<'a> {
    /// The first line, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::Lines;
    ///
    /// assert_eq!(Lines::One("a").first(), Some("a"));
    /// assert_eq!(Lines::None.first(), None);
    /// ```
    pub fn first(&self) -> Option<&'a str> {
        match self {
            Self::None => None,
            Self::One(line) => Some(line),
            Self::Several(lines) => lines.first().copied(),
        }
    }

    /// Every line, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::Lines;
    ///
    /// assert!(Lines::None.as_slice().is_empty());
    /// assert_eq!(Lines::Several(vec!["a", "b"]).as_slice(), ["a", "b"]);
    /// ```
    pub fn as_slice(&self) -> &[&'a str] {
        match self {
            Self::None => &[],
            Self::One(line) => std::slice::from_ref(line),
            Self::Several(lines) => lines,
        }
    }
}

impl<'a> From<Option<Vec<&'a str>>> for Lines<'a> {
    /// The lines `Extractor::get_all` returned.
    fn from(lines: Option<Vec<&'a str>>) -> Self {
        match lines {
            None => Self::None,
            Some(lines) => match lines.as_slice() {
                [] => Self::None,
                [line] => Self::One(line),
                _ => Self::Several(lines),
            },
        }
    }
}

impl<'a> FromIterator<&'a str> for Lines<'a> {
    /// The lines in iteration order: a single line allocates nothing.
    fn from_iter<I: IntoIterator<Item = &'a str>>(lines: I) -> Self {
        let mut lines = lines.into_iter();
        let Some(first) = lines.next() else {
            return Self::None;
        };
        let Some(second) = lines.next() else {
            return Self::One(first);
        };
        let mut all = Vec::with_capacity(2 + lines.size_hint().0);
        all.extend([first, second]);
        all.extend(lines);
        Self::Several(all)
    }
}

/// `key` without `prefix`, when it starts with it (ASCII case ignored).
pub(crate) fn strip_prefix_ignore_ascii_case<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    // Every key of a request is looked at, and most differ from the prefix in their first
    // byte: that is checked before anything else.
    let (Some(first), Some(want)) = (key.as_bytes().first(), prefix.as_bytes().first()) else {
        return prefix.is_empty().then_some(key);
    };
    if !first.eq_ignore_ascii_case(want) {
        return None;
    }
    let head = key.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &key[prefix.len()..])
}

#[cfg(test)]
mod tests;
