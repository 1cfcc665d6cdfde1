//! `BaggagePropagator` through real `http::HeaderMap`s: the W3C Baggage examples and rules,
//! limits, order, round trips and arbitrary input.

#![cfg(feature = "http")]

use baton_propagation::{BaggagePropagator, HeaderExtractor, HeaderInjector};
use http::HeaderMap;
use opentelemetry::baggage::{Baggage, BaggageExt, BaggageMetadata};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::{Context, KeyValue, StringValue};
use proptest::prelude::*;

fn headers(lines: &[&str]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for line in lines {
        map.append("baggage", http::HeaderValue::from_str(line).unwrap());
    }
    map
}

fn extract_map(map: &HeaderMap) -> Context {
    BaggagePropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(map))
}

fn extract(lines: &[&str]) -> Context {
    extract_map(&headers(lines))
}

fn inject(cx: &Context) -> Option<String> {
    let mut map = HeaderMap::new();
    BaggagePropagator::default().inject_context(cx, &mut HeaderInjector(&mut map));
    assert!(map.get_all("baggage").iter().count() <= 1);
    map.get("baggage").map(|v| v.to_str().unwrap().to_owned())
}

fn value(cx: &Context, key: &str) -> Option<String> {
    cx.baggage().get(key).map(|v| v.as_str().to_owned())
}

// W3C Baggage "Examples of HTTP headers": single header, split headers, spaces.
#[test]
fn spec_examples() {
    for lines in [
        &["userId=alice,serverNode=DF%2028,isProduction=false"][..],
        &["userId=alice", "serverNode=DF%2028,isProduction=false"],
        &[
            "userId =   alice",
            "serverNode = DF%2028, isProduction = false",
        ],
    ] {
        let cx = extract(lines);
        assert_eq!(value(&cx, "userId").as_deref(), Some("alice"), "{lines:?}");
        assert_eq!(
            value(&cx, "serverNode").as_deref(),
            Some("DF 28"),
            "{lines:?}"
        );
        assert_eq!(
            value(&cx, "isProduction").as_deref(),
            Some("false"),
            "{lines:?}"
        );
        assert_eq!(
            inject(&cx).as_deref(),
            Some("userId=alice,serverNode=DF%2028,isProduction=false"),
            "{lines:?}"
        );
    }
}

// W3C Baggage "Example": properties are kept, OWS around them trimmed.
#[test]
fn properties_are_kept_as_metadata() {
    let cx = extract(&[
        "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
    ]);
    let b = cx.baggage();
    assert_eq!(
        b.get_with_metadata("key1").unwrap().1,
        BaggageMetadata::from("property1;property2")
    );
    assert_eq!(
        b.get_with_metadata("key2").unwrap().1,
        BaggageMetadata::default()
    );
    assert_eq!(
        b.get_with_metadata("key3").unwrap().1.as_str(),
        "propertyKey=propertyValue"
    );
    assert_eq!(
        inject(&cx).as_deref(),
        Some("key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue")
    );
}

// "value MAY contain any number of the equal sign (=) characters".
#[test]
fn equals_signs_in_values() {
    let cx = extract(&["token=a=b==,k=="]);
    assert_eq!(value(&cx, "token").as_deref(), Some("a=b=="));
    assert_eq!(value(&cx, "k").as_deref(), Some("="));
    assert_eq!(inject(&cx).as_deref(), Some("token=a=b==,k=="));
}

// A member with an invalid key, value or property is dropped alone.
#[test]
fn invalid_members_are_dropped_alone() {
    let cx = extract(&["a=1,b c=2,d=\"3\",e=4;p q,f=%zz,g(=5,=6,h,i=7"]);
    let mut keys: Vec<String> = cx.baggage().iter().map(|(k, _)| k.to_string()).collect();
    keys.sort();
    assert_eq!(keys, ["a", "i"]);
    assert_eq!(inject(&cx).as_deref(), Some("a=1,i=7"));
}

#[test]
fn nothing_valid_leaves_the_context_alone() {
    let cx = extract(&["not a member", ""]);
    assert!(cx.baggage().is_empty());
    assert_eq!(inject(&cx), None);
}

// Percent-decoding: invalid UTF-8 after decoding becomes U+FFFD (W3C Baggage "value").
#[test]
fn values_are_percent_decoded_invalid_utf8_replaced() {
    let cx = extract(&["euro=%E2%82%AC,bad=%FF%FE,pct=100%25,lower=%c3%a9"]);
    assert_eq!(value(&cx, "euro").as_deref(), Some("€"));
    assert_eq!(value(&cx, "bad").as_deref(), Some("\u{fffd}\u{fffd}"));
    assert_eq!(value(&cx, "pct").as_deref(), Some("100%"));
    assert_eq!(value(&cx, "lower").as_deref(), Some("é"));
}

// Duplicate keys: the last value wins, in the place of the first.
#[test]
fn duplicate_keys_last_value_first_place() {
    let cx = extract(&["a=1,b=2", "a=3"]);
    assert_eq!(value(&cx, "a").as_deref(), Some("3"));
    assert_eq!(inject(&cx).as_deref(), Some("a=3,b=2"));
}

#[test]
fn members_added_after_extract_follow_the_extracted_ones() {
    let cx = extract(&["z=1,y=2,x=3"]);
    let mut b: Baggage = cx
        .baggage()
        .iter()
        .map(|(k, (v, m))| (k.clone(), (v.clone(), m.clone())))
        .collect();
    b.insert("new", "4");
    b.remove("y");
    let cx = cx.with_baggage(b);
    assert_eq!(inject(&cx).as_deref(), Some("z=1,x=3,new=4"));
}

// Limits: "A platform MUST propagate all list-members ... if the resulting baggage-string
// would be 8192 bytes or less". opentelemetry's `Baggage` holds the first 64; the rest are
// forwarded beside it, in order. (This test used to assert that members past 64 were
// dropped, which the spec forbids for a header this small.)
#[test]
fn members_past_64_are_forwarded() {
    let line: Vec<String> = (0..100).map(|i| format!("k{i}={i}")).collect();
    let line = line.join(",");
    let cx = extract(&[&line]);
    assert_eq!(cx.baggage().len(), 64);
    assert_eq!(value(&cx, "k63").as_deref(), Some("63"));
    assert_eq!(value(&cx, "k64"), None);
    assert_eq!(inject(&cx).as_deref(), Some(line.as_str()));
}

// Limits: the grammar has at most 180 list members; past them members MAY be dropped.
#[test]
fn at_most_180_members_are_forwarded() {
    let members: Vec<String> = (0..200).map(|i| format!("k{i}={i}")).collect();
    let cx = extract(&[&members.join(",")]);
    assert_eq!(inject(&cx), Some(members[..180].join(",")));
}

// Past 64: a repeated key keeps its first place and last value, properties stay, keys that
// `Baggage` holds are updated in place.
#[test]
fn members_past_64_keep_the_duplicate_rule() {
    let mut members: Vec<String> = (0..70).map(|i| format!("k{i}={i}")).collect();
    members.push("k66=last;p = 1".to_owned());
    members.push("k0=zero".to_owned());
    let cx = extract(&[&members.join(",")]);
    assert_eq!(value(&cx, "k0").as_deref(), Some("zero"));
    let mut expected: Vec<String> = (0..70).map(|i| format!("k{i}={i}")).collect();
    expected[0] = "k0=zero".to_owned();
    expected[66] = "k66=last;p=1".to_owned();
    assert_eq!(inject(&cx), Some(expected.join(",")));
}

// The members past 64 belong to the baggage they arrived with: replaced, cleared or
// re-extracted baggage does not carry them.
#[test]
fn members_past_64_do_not_outlive_their_baggage() {
    let line: Vec<String> = (0..100).map(|i| format!("k{i}={i}")).collect();
    let cx = extract(&[&line.join(",")]);
    let replaced = cx.with_baggage([KeyValue::new("only", "1")]);
    assert_eq!(inject(&replaced).as_deref(), Some("only=1"));
    assert_eq!(inject(&cx.with_cleared_baggage()), None);
    let again = BaggagePropagator::default()
        .extract_with_context(&cx, &HeaderExtractor(&headers(&["a=1"])));
    assert_eq!(inject(&again).as_deref(), Some("a=1"));
    let again = BaggagePropagator::default()
        .extract_with_context(&cx, &HeaderExtractor(&headers(&["b=2,a=1"])));
    assert_eq!(inject(&again).as_deref(), Some("b=2,a=1"));
}

// Limits: 8192 bytes; members past it are dropped, those before kept.
#[test]
fn extract_keeps_members_within_8192_bytes() {
    // "a=1," is 4 bytes, the big member 8186: it ends at byte 8190, and "c=3" at 8194.
    let big = format!("big={}", "x".repeat(8182));
    let cx = extract(&["a=1", &big, "c=3"]);
    assert_eq!(value(&cx, "a").as_deref(), Some("1"));
    assert!(value(&cx, "big").is_some());
    assert_eq!(value(&cx, "c"), None, "c=3 ends past byte 8192");

    let cx = extract(&[&format!("huge={}", "x".repeat(9000)), "a=1"]);
    assert!(cx.baggage().is_empty());
}

#[test]
fn inject_skips_members_that_do_not_fit_and_keeps_smaller_later_ones() {
    let b = Baggage::from_iter([KeyValue::new("a", "x".repeat(5000))]);
    let cx = Context::new().with_baggage(b);
    let header = inject(&cx).unwrap();
    assert!(header.len() <= 8192);
    // 3000 spaces encode to 9000 bytes: too big once encoded, so skipped.
    let mut b = Baggage::new();
    b.insert("spaces", " ".repeat(3000));
    b.insert("small", "ok");
    let header = inject(&Context::new().with_baggage(b)).unwrap();
    assert_eq!(header, "small=ok");
}

#[test]
fn inject_encodes_what_the_grammar_forbids() {
    let mut b = Baggage::new();
    b.insert("k", "a b,c;d\\e\"f%g\u{7}h€=");
    let cx = Context::new().with_baggage(b);
    let header = inject(&cx).unwrap();
    assert_eq!(header, "k=a%20b%2Cc%3Bd%5Ce%22f%25g%07h%E2%82%AC=");
    let back = extract(&[&header]);
    assert_eq!(
        value(&back, "k").as_deref(),
        Some("a b,c;d\\e\"f%g\u{7}h€=")
    );
}

#[test]
fn inject_skips_invalid_metadata_but_keeps_the_member() {
    let mut b = Baggage::new();
    b.insert_with_metadata("k", "v", "not, valid");
    b.insert_with_metadata("m", "w", "ok=1;flag");
    let cx = Context::new().with_baggage(b);
    let header = inject(&cx).unwrap();
    let mut members: Vec<&str> = header.split(',').collect();
    members.sort();
    assert_eq!(members, ["k=v", "m=w;ok=1;flag"]);
}

#[test]
fn empty_baggage_injects_nothing() {
    assert_eq!(inject(&Context::new()), None);
}

#[test]
fn propagator_is_send_sync_debug_and_default() {
    fn check<T: Send + Sync + std::fmt::Debug + Default>() {}
    check::<BaggagePropagator>();
}

fn token() -> impl Strategy<Value = String> {
    "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}"
}

proptest! {
    // inject -> extract yields the same baggage, whatever the values hold.
    #[test]
    fn baggage_round_trips_through_headers(
        members in proptest::collection::btree_map(
            token(),
            (any::<String>(), proptest::option::of("[a-z]{1,5}(=[a-z0-9]{0,4})?")),
            0..20,
        )
    ) {
        let mut b = Baggage::new();
        for (k, (v, m)) in &members {
            b.insert_with_metadata(k.clone(), v.clone(), m.clone().unwrap_or_default());
        }
        let cx = Context::new().with_baggage(b);
        let header = inject(&cx);
        prop_assert_eq!(header.is_none(), members.is_empty());
        let back = extract(&[header.as_deref().unwrap_or("")]);
        prop_assert_eq!(back.baggage().len(), members.len());
        for (k, (v, m)) in &members {
            let (got_v, got_m) = back.baggage().get_with_metadata(k).unwrap();
            prop_assert_eq!(got_v, &StringValue::from(v.clone()));
            prop_assert_eq!(got_m.as_str(), m.as_deref().unwrap_or(""));
        }
        // And the order survives a second hop.
        prop_assert_eq!(inject(&back), header);
    }

    // Arbitrary bytes on arbitrary, repeated header lines never panic, and never yield more
    // than the limits.
    #[test]
    fn extract_never_panics(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..5)) {
        let mut map = HeaderMap::new();
        for bytes in &lines {
            if let Ok(v) = http::HeaderValue::from_bytes(bytes) {
                map.append("baggage", v);
            }
        }
        let cx = extract_map(&map);
        prop_assert!(cx.baggage().len() <= 64);
        if let Some(h) = inject(&cx) {
            prop_assert!(h.len() <= 8192);
            prop_assert!(h.split(',').count() <= 180);
        }
    }

    // A header of up to 180 distinct members within 8192 bytes is forwarded exactly (values in
    // the canonical encoding inject writes), though `Baggage` holds only 64 of them.
    #[test]
    fn up_to_180_members_are_forwarded_exactly(
        members in proptest::collection::btree_map(
            token(),
            ("[!#$&'()*+./0-9:<=>?@A-Z\\[\\]^_`a-z{|}~-]{0,8}|%(20|22|25|2C|3B|5C|E2%82%AC)", proptest::option::of("[a-z]{1,5}(=[a-z0-9]{0,4})?")),
            0..=180,
        )
    ) {
        let header: Vec<String> = members
            .iter()
            .map(|(k, (v, m))| match m {
                Some(m) => format!("{k}={v};{m}"),
                None => format!("{k}={v}"),
            })
            .collect();
        let header = header.join(",");
        prop_assume!(!header.is_empty() && header.len() <= 8192);
        let cx = extract(&[&header]);
        prop_assert_eq!(cx.baggage().len(), members.len().min(64));
        prop_assert_eq!(inject(&cx), Some(header));
    }
}
