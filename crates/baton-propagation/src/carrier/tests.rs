use std::cell::Cell;
use std::collections::HashMap;

use opentelemetry::propagation::Extractor;
use proptest::prelude::*;

#[cfg(any(feature = "http", feature = "tonic"))]
use super::line::*;
use super::*;

#[cfg(any(feature = "http", feature = "tonic"))]
#[test]
fn is_ascii_agrees_with_std_at_every_length_and_position() {
    for len in 0..40 {
        let line = vec![b'a'; len];
        assert!(is_ascii(&line), "len {len}");
        for at in 0..len {
            for bad in [0x80u8, 0xff, 0xc3] {
                let mut line = line.clone();
                line[at] = bad;
                assert_eq!(is_ascii(&line), line.is_ascii(), "len {len} at {at}");
                assert!(!is_ascii(&line), "len {len} at {at}");
            }
        }
    }
}

/// An extractor that is not Baton's: it only knows the trait, and counts `get_all` calls.
#[derive(Default)]
struct Foreign {
    map: HashMap<String, Vec<String>>,
    get_all_calls: Cell<usize>,
}

impl Extractor for Foreign {
    fn get(&self, key: &str) -> Option<&str> {
        self.map
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.map.keys().map(String::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        self.get_all_calls.set(self.get_all_calls.get() + 1);
        self.map
            .get(key)
            .map(|v| v.iter().map(String::as_str).collect())
    }
}

fn foreign(lines: &[&str]) -> Foreign {
    let mut out = Foreign::default();
    if !lines.is_empty() {
        out.map.insert(
            "traceparent".to_owned(),
            lines.iter().map(|l| (*l).to_owned()).collect(),
        );
    }
    out
}

#[test]
fn a_foreign_extractor_is_read_through_get_then_get_all() {
    let none = foreign(&[]);
    assert_eq!(FromExtractor(&none).lines("traceparent"), Lines::None);
    // "No header" costs no `Vec`: `get` answers it alone.
    assert_eq!(none.get_all_calls.get(), 0);
    assert_eq!(FromExtractor(&none).first("traceparent"), None);
    let one = foreign(&["a"]);
    assert_eq!(FromExtractor(&one).lines("traceparent"), Lines::One("a"));
    assert_eq!(one.get_all_calls.get(), 1);
    let two = foreign(&["a", "b"]);
    assert_eq!(
        FromExtractor(&two).lines("traceparent"),
        Lines::Several(vec!["a", "b"])
    );
    // The first line is what `get` returns, with no `get_all`.
    assert_eq!(FromExtractor(&two).first("traceparent"), Some("a"));
    assert_eq!(two.get_all_calls.get(), 1);
}

#[test]
fn keys_with_a_prefix_are_looked_for_in_keys_ignoring_case() {
    let mut carrier = Foreign::default();
    assert!(!FromExtractor(&carrier).has_key_with_prefix("uberctx-"));
    carrier
        .map
        .insert("Uberctx-User".into(), vec!["ann".into()]);
    assert!(FromExtractor(&carrier).has_key_with_prefix("uberctx-"));
    assert!(!FromExtractor(&carrier).has_key_with_prefix("ot-baggage-"));
}

#[test]
fn lines_collect_without_a_vec_for_one_line() {
    assert_eq!(std::iter::empty().collect::<Lines<'_>>(), Lines::None);
    assert_eq!(["a"].into_iter().collect::<Lines<'_>>(), Lines::One("a"));
    assert_eq!(
        ["a", "b", "c"].into_iter().collect::<Lines<'_>>(),
        Lines::Several(vec!["a", "b", "c"])
    );
    assert_eq!(Lines::from(Some(vec![])), Lines::None);
    assert_eq!(Lines::from(Some(vec!["a"])), Lines::One("a"));
}

#[test]
fn a_carrier_read_as_an_extractor_shows_what_the_carrier_shows() {
    let two = foreign(&["a", "b"]);
    let carrier = FromExtractor(&two);
    let extractor = CarrierExtractor(&carrier);
    assert_eq!(extractor.get("traceparent"), Some("a"));
    assert_eq!(extractor.get_all("traceparent"), Some(vec!["a", "b"]));
    assert_eq!(extractor.get_all("tracestate"), None);
    assert_eq!(extractor.keys(), ["traceparent"]);
}

proptest! {
    // Header names are case-insensitive (RFC 9110 §5.1): the first-byte check keeps the
    // result of a plain case-insensitive comparison of the whole prefix.
    #[test]
    fn prefix_check_matches_a_case_insensitive_comparison(key in "[uUbBeE\u{e9}-]{0,10}", prefix in "[ub-]{0,3}") {
        let want = key
            .get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(&prefix))
            .map(|_| &key[prefix.len()..]);
        prop_assert_eq!(strip_prefix_ignore_ascii_case(&key, &prefix), want);
    }
}

#[cfg(feature = "http")]
mod header_map {
    use ::http::{HeaderMap, HeaderName, HeaderValue};

    use super::*;
    use crate::HeaderExtractor;

    #[test]
    fn lines_are_what_get_all_returns() {
        let mut map = HeaderMap::new();
        assert_eq!(map.lines("traceparent"), Lines::None);
        map.append("traceparent", HeaderValue::from_static("a"));
        assert_eq!(map.lines("traceparent"), Lines::One("a"));
        map.append("traceparent", HeaderValue::from_static("b"));
        assert_eq!(map.lines("traceparent"), Lines::Several(vec!["a", "b"]));
        assert_eq!(
            map.lines("traceparent"),
            Lines::from(HeaderExtractor(&map).get_all("traceparent"))
        );
        // Unknown names go through the same lookup.
        let mut map = HeaderMap::new();
        map.append("x-custom", HeaderValue::from_static("v"));
        assert_eq!(map.lines("x-custom"), Lines::One("v"));
        assert_eq!(map.first("x-custom"), Some("v"));
        assert_eq!(map.lines("not a header name"), Lines::None);
    }

    #[test]
    fn lines_read_ascii_only_and_at_most_max_line_bytes() {
        let mut map = HeaderMap::new();
        map.insert(
            "traceparent",
            HeaderValue::from_bytes("00-é".as_bytes()).unwrap(),
        );
        assert_eq!(map.lines("traceparent"), Lines::One(UNREADABLE));
        assert_eq!(map.first("traceparent"), Some(UNREADABLE));
        map.insert("traceparent", HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(map.lines("traceparent"), Lines::One(UNREADABLE));
        let long = "x".repeat(MAX_LINE + 10);
        map.insert("traceparent", HeaderValue::from_str(&long).unwrap());
        assert_eq!(map.lines("traceparent"), Lines::One(&long[..MAX_LINE]));
        assert_eq!(map.first("traceparent"), Some(&long[..MAX_LINE]));
        // The `Extractor` cuts it too, so that a hostile line costs the limit on either path.
        assert_eq!(
            HeaderExtractor(&map).get("traceparent"),
            Some(&long[..MAX_LINE])
        );
        map.append("traceparent", HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(
            map.lines("traceparent"),
            Lines::Several(vec![&long[..MAX_LINE], UNREADABLE])
        );
    }

    #[test]
    fn lines_are_counted_alike_in_small_and_large_maps() {
        // Small maps are searched by comparing names, larger ones by hashing: same answers.
        for others in [0, 3, 20] {
            let mut map = HeaderMap::new();
            for i in 0..others {
                map.append(
                    HeaderName::try_from(format!("x-other-{i}")).unwrap(),
                    HeaderValue::from_static("o"),
                );
            }
            map.append("tracestate", HeaderValue::from_static("s"));
            assert_eq!(map.lines("traceparent"), Lines::None);
            assert_eq!(map.first("traceparent"), None);
            map.append("traceparent", HeaderValue::from_static("a"));
            map.append("x-after", HeaderValue::from_static("z"));
            assert_eq!(map.lines("traceparent"), Lines::One("a"));
            map.append("traceparent", HeaderValue::from_static("b"));
            assert_eq!(map.lines("traceparent"), Lines::Several(vec!["a", "b"]));
            assert_eq!(map.first("traceparent"), Some("a"));
            map.append("traceparent", HeaderValue::from_static("c"));
            assert_eq!(
                map.lines("traceparent"),
                Lines::Several(vec!["a", "b", "c"])
            );
        }
    }

    #[test]
    fn every_known_name_is_found_and_nothing_else() {
        let names = [
            crate::TRACEPARENT,
            crate::TRACESTATE,
            crate::BAGGAGE,
            crate::B3,
            crate::X_B3_TRACEID,
            crate::X_B3_SPANID,
            crate::X_B3_PARENTSPANID,
            crate::X_B3_SAMPLED,
            crate::X_B3_FLAGS,
            crate::UBER_TRACE_ID,
            crate::JAEGER_DEBUG_ID,
            crate::X_AMZN_TRACE_ID,
            crate::OT_TRACER_TRACEID,
            crate::OT_TRACER_SPANID,
            crate::OT_TRACER_SAMPLED,
            crate::X_DATADOG_TRACE_ID,
            crate::X_DATADOG_PARENT_ID,
            crate::X_DATADOG_SAMPLING_PRIORITY,
            crate::X_DATADOG_ORIGIN,
            crate::X_DATADOG_TAGS,
            crate::JAEGER_BAGGAGE,
        ];
        for name in names {
            assert_eq!(
                crate::carrier::http::known(name).map(HeaderName::as_str),
                Some(name)
            );
            // Same length and first byte, another name: not known, still found by hashing.
            let other: String = name.chars().rev().collect();
            assert_eq!(crate::carrier::http::known(&other), None, "{other}");
            let mut map = HeaderMap::new();
            map.insert(name, HeaderValue::from_static("v"));
            assert_eq!(map.lines(name), Lines::One("v"));
            assert_eq!(HeaderExtractor(&map).get(&name.to_uppercase()), Some("v"));
        }
        assert_eq!(crate::carrier::http::known(""), None);
        assert_eq!(crate::carrier::http::known("TRACEPARENT"), None);
    }

    // OTel Propagators API, `Getter.Get`: "MUST return the first value of the given
    // propagation key". `first` reads what `get` reads, whatever the carrier.
    #[test]
    fn first_reads_what_get_reads() {
        let lines: &[&[&[u8]]] = &[
            &[],
            &[b"1"],
            &[b""],
            &[b"\x80"],
            &[b"a\tb"],
            &[b"first", b"second"],
            &[b"\xff", b"second"],
        ];
        for values in lines {
            let mut map = HeaderMap::new();
            for v in *values {
                map.append("b3", HeaderValue::from_bytes(v).unwrap());
            }
            let extractor = HeaderExtractor(&map);
            let get = extractor.get("b3");
            assert_eq!(map.first("b3"), get, "{values:?}");
            assert_eq!(map.lines("b3").first(), get, "{values:?}");
            assert_eq!(FromExtractor(&HeaderExtractor(&map)).first("b3"), get);
        }
    }

    #[test]
    fn a_prefixed_key_is_found_in_small_and_large_maps() {
        let mut map = HeaderMap::new();
        assert!(!map.has_key_with_prefix("uberctx-"));
        map.insert("traceparent", HeaderValue::from_static("x"));
        // A key that only holds the prefix's first bytes, and one that holds it elsewhere.
        map.insert("uberctx", HeaderValue::from_static("x"));
        map.insert("x-uberctx-a", HeaderValue::from_static("x"));
        assert!(!map.has_key_with_prefix("uberctx-"));
        // Header names are kept in lowercase, whatever case they were sent in.
        map.insert("Uberctx-User", HeaderValue::from_static("ann"));
        assert!(map.has_key_with_prefix("uberctx-"));
        for i in 0..16 {
            map.insert(
                HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap(),
                HeaderValue::from_static("x"),
            );
        }
        assert!(map.has_key_with_prefix("uberctx-"));
        map.remove("uberctx-user");
        assert!(!map.has_key_with_prefix("uberctx-"));
        assert_eq!(
            map.has_key_with_prefix("x-filler-"),
            FromExtractor(&HeaderExtractor(&map)).has_key_with_prefix("x-filler-")
        );
    }
}

#[cfg(feature = "tonic")]
mod metadata_map {
    use ::tonic::metadata::{MetadataMap, MetadataValue};

    use super::*;
    use crate::MetadataExtractor;

    #[test]
    fn lines_are_what_get_all_returns() {
        let mut md = MetadataMap::new();
        assert_eq!(md.lines("traceparent"), Lines::None);
        md.append("traceparent", "a".parse().unwrap());
        assert_eq!(md.lines("traceparent"), Lines::One("a"));
        md.append("traceparent", "b".parse().unwrap());
        assert_eq!(md.lines("traceparent"), Lines::Several(vec!["a", "b"]));
        assert_eq!(
            md.lines("traceparent"),
            Lines::from(MetadataExtractor(&md).get_all("traceparent"))
        );
        assert_eq!(md.first("traceparent"), Some("a"));
        let long = "x".repeat(MAX_LINE + 10);
        md.insert("baggage", long.parse().unwrap());
        assert_eq!(md.first("baggage"), Some(&long[..MAX_LINE]));
        assert_eq!(
            MetadataExtractor(&md).get_all("baggage"),
            Some(vec![&long[..MAX_LINE]])
        );
    }

    #[test]
    fn binary_keys_are_keys_without_lines() {
        let mut md = MetadataMap::new();
        md.append("traceparent", "a".parse().unwrap());
        md.append_bin("uberctx-bin", MetadataValue::from_bytes(b"x"));
        assert!(md.has_key_with_prefix("uberctx-"));
        assert_eq!(md.lines("uberctx-bin"), Lines::None);
        let mut keys = Carrier::keys(&md);
        keys.sort_unstable();
        assert_eq!(keys, ["traceparent", "uberctx-bin"]);
        let mut md = MetadataMap::new();
        md.append("traceparent", "a".parse().unwrap());
        assert!(!md.has_key_with_prefix("uberctx-"));
        md.append("uberctx-user", "ann".parse().unwrap());
        assert!(md.has_key_with_prefix("uberctx-"));
    }
}
