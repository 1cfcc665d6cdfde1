use super::tracestate::{self, Key, check_key, check_value};
use super::*;
use crate::ErrorKind;

const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// W3C Trace Context §3.2.2 "traceparent Header Field Values", §3.2.4 "Versioning of
// traceparent", and the cases of the spec's test suite (test/test.py).
#[test]
fn traceparent_table_from_the_spec_and_its_test_suite() {
    let id = "12345678901234567890123456789012";
    let p = "1234567890123456";
    let cases: &[(String, Result<u8, ErrorKind>)] = &[
        (VALID.to_owned(), Ok(0)),
        (format!("00-{id}-{p}-00"), Ok(0)),
        // test_traceparent_ows_handling: leading/trailing spaces and tabs are OWS.
        (format!(" 00-{id}-{p}-01"), Ok(0)),
        (format!("\t00-{id}-{p}-01"), Ok(0)),
        (format!("00-{id}-{p}-01 "), Ok(0)),
        (format!("\t 00-{id}-{p}-01 \t"), Ok(0)),
        // test_traceparent_version_0x00: nothing may follow the flags in version 00.
        (format!("00-{id}-{p}-01."), Err(ErrorKind::Malformed)),
        (
            format!("00-{id}-{p}-01-what-the-future-will-be-like"),
            Err(ErrorKind::Malformed),
        ),
        // test_traceparent_version_0xcc: a higher version is parsed with the 00 layout.
        (format!("cc-{id}-{p}-01"), Ok(0xcc)),
        (
            format!("cc-{id}-{p}-01-what-the-future-will-be-like"),
            Ok(0xcc),
        ),
        (
            format!("cc-{id}-{p}-01.what-the-future-will-be-like"),
            Err(ErrorKind::Malformed),
        ),
        // §3.2.2.1: version ff is invalid.
        (
            format!("ff-{id}-{p}-01"),
            Err(ErrorKind::UnsupportedVersion),
        ),
        // test_traceparent_version_illegal_characters / too_long / too_short.
        (format!(".0-{id}-{p}-01"), Err(ErrorKind::Malformed)),
        (format!("0.-{id}-{p}-01"), Err(ErrorKind::Malformed)),
        (format!("000-{id}-{p}-01"), Err(ErrorKind::Malformed)),
        (format!("0000-{id}-{p}-01"), Err(ErrorKind::Malformed)),
        (format!("0-{id}-{p}-01"), Err(ErrorKind::Malformed)),
        // HEXDIGLC: uppercase is not allowed anywhere.
        (format!("0A-{id}-{p}-01"), Err(ErrorKind::Malformed)),
        (
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01".to_owned(),
            Err(ErrorKind::Malformed),
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01".to_owned(),
            Err(ErrorKind::Malformed),
        ),
        (format!("00-{id}-{p}-0A"), Err(ErrorKind::Malformed)),
        // trace-id: all zeros forbidden, illegal characters, wrong length.
        (
            format!("00-00000000000000000000000000000000-{p}-01"),
            Err(ErrorKind::InvalidId),
        ),
        (
            format!("00-.2345678901234567890123456789012-{p}-01"),
            Err(ErrorKind::Malformed),
        ),
        (
            format!("00-1234567890123456789012345678901.-{p}-01"),
            Err(ErrorKind::Malformed),
        ),
        (
            format!("00-123456789012345678901234567890123-{p}-01"),
            Err(ErrorKind::Malformed),
        ),
        (
            format!("00-1234567890123456789012345678901-{p}-01"),
            Err(ErrorKind::Malformed),
        ),
        // parent-id: all zeros forbidden, illegal characters, wrong length.
        (
            format!("00-{id}-0000000000000000-01"),
            Err(ErrorKind::InvalidId),
        ),
        (
            format!("00-{id}-.234567890123456-01"),
            Err(ErrorKind::Malformed),
        ),
        (
            format!("00-{id}-123456789012345.-01"),
            Err(ErrorKind::Malformed),
        ),
        (
            format!("00-{id}-12345678901234567-01"),
            Err(ErrorKind::Malformed),
        ),
        (
            format!("00-{id}-123456789012345-01"),
            Err(ErrorKind::Malformed),
        ),
        // trace-flags: illegal characters, wrong length.
        (format!("00-{id}-{p}-.0"), Err(ErrorKind::Malformed)),
        (format!("00-{id}-{p}-0."), Err(ErrorKind::Malformed)),
        (format!("00-{id}-{p}-001"), Err(ErrorKind::Malformed)),
        (format!("00-{id}-{p}-1"), Err(ErrorKind::Malformed)),
        // A higher version shorter than 55 characters is not parsed.
        (format!("01-{id}-{p}-1"), Err(ErrorKind::Malformed)),
        // Signs and separators in the wrong places.
        (format!("00+{id}-{p}-01"), Err(ErrorKind::Malformed)),
        (format!("00-{id}+{p}-01"), Err(ErrorKind::Malformed)),
        (format!("00-{id}-{p}+01"), Err(ErrorKind::Malformed)),
        ("".to_owned(), Err(ErrorKind::Empty)),
        (" \t ".to_owned(), Err(ErrorKind::Empty)),
        (
            format!("cc-{id}-{p}-01-{}", "x".repeat(600)),
            Err(ErrorKind::TooLong),
        ),
    ];
    for (value, expected) in cases {
        let got = TraceParent::parse(value)
            .map(|tp| tp.version())
            .map_err(|e| e.kind());
        assert_eq!(&got, expected, "traceparent {value:?}");
    }
}

// §3.2.2.5: trace-flags is a bit field; the parse keeps all 8 bits as received.
#[test]
fn traceparent_flags_are_a_bit_field() {
    let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09").unwrap();
    assert!(tp.flags().is_sampled());
    assert_eq!(tp.flags().to_u8(), 0x09);
    let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02").unwrap();
    assert!(!tp.flags().is_sampled());
    assert_eq!(tp.flags() & TraceParent::RANDOM, TraceParent::RANDOM);
}

#[test]
fn traceparent_errors_name_the_part() {
    let err =
        TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00000000000000000-01").unwrap_err();
    assert_eq!(err.header(), "traceparent");
    let err =
        TraceParent::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").unwrap_err();
    assert_eq!(err.part(), "trace id");
    assert_eq!(
        err.to_string(),
        "invalid trace id in traceparent: expected not all zeros"
    );
    let err =
        TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01").unwrap_err();
    assert_eq!(err.part(), "parent id");
    let err =
        TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g").unwrap_err();
    assert_eq!(err.part(), "flags");
}

#[test]
fn traceparent_formats_version_00_even_for_a_higher_version() {
    let tp = TraceParent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")
        .unwrap();
    assert_eq!(tp.to_string(), VALID);
    assert_eq!(VALID.parse::<TraceParent>().unwrap().to_string(), VALID);
}

/// Keys of W3C Trace Context §3.3.1.3.1 (`( lcalpha / DIGIT ) 0*255 ( keychar )`, `@` a
/// `keychar`), with what opentelemetry's `TraceState` makes of the valid ones.
fn key_table() -> Vec<(String, Option<Key>)> {
    use Key::{Valid, ValidUnrepresentable as Unrepresentable};
    let all = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    let cases: &[(&str, Option<Key>)] = &[
        ("foo", Some(Valid)),
        ("1vendor", Some(Valid)),
        ("0", Some(Valid)),
        (all, Some(Valid)),
        ("1tenant@sys", Some(Valid)),
        ("tenant@abcdefghijklm", Some(Valid)),
        ("foo@1bar", Some(Valid)),
        ("foo@", Some(Valid)),
        ("tenant@abcdefghijklmn", Some(Unrepresentable)),
        ("foo@@bar", Some(Unrepresentable)),
        ("foo@bar@baz", Some(Unrepresentable)),
        ("foo@-bar", Some(Unrepresentable)),
        ("a@b@", Some(Unrepresentable)),
        ("@foo", None),
        ("_a", None),
        ("-", None),
        ("FOO", None),
        ("foo ", None),
        ("foo.bar", None),
        ("foo@B", None),
        ("", None),
    ];
    let mut table: Vec<(String, Option<Key>)> =
        cases.iter().map(|(k, e)| ((*k).to_owned(), *e)).collect();
    table.extend([
        (format!("{all}@a-z0-9_-*/"), Some(Valid)),
        ("z".repeat(256), Some(Valid)),
        ("z".repeat(257), None),
        // 241 @ 14: valid in both grammars, but `TraceState` caps the part after `@` at 13.
        (
            format!("{}@{}", "t".repeat(241), "v".repeat(14)),
            Some(Unrepresentable),
        ),
        // Level 1 capped the tenant at 241 and the system id at 14 characters; no longer.
        (format!("{}@v", "t".repeat(242)), Some(Valid)),
        (format!("t@{}", "v".repeat(15)), Some(Unrepresentable)),
        (format!("a@{}", "b".repeat(254)), Some(Unrepresentable)),
        (format!("a@{}", "b".repeat(255)), None),
    ]);
    table
}

// §3.3.1.3.1 Key, including the cases of test/test.py's test_tracestate_key_length_limit,
// test_tracestate_key_illegal_characters and test_tracestate_key_illegal_vendor_format.
#[test]
fn tracestate_key_grammar() {
    for (key, expected) in key_table() {
        assert_eq!(check_key(key.as_bytes()), expected, "key {key:?}");
    }
}

// `Key::ValidUnrepresentable` is exactly what opentelemetry's `TraceState` refuses, so no
// member is lost (the full list is kept) or handed to `TraceState` to fail the whole list.
#[test]
fn representable_matches_trace_state() {
    for (key, _) in key_table() {
        let Some(kind) = check_key(key.as_bytes()) else {
            continue;
        };
        let accepted = TraceState::from_key_value([(key.as_str(), "v")]).is_ok();
        assert_eq!(accepted, kind == Key::Valid, "key {key:?}");
    }
}

proptest::proptest! {
    #[test]
    fn representable_matches_trace_state_for_any_valid_key(
        key in "[a0][a0@_-]{0,20}|[a0][a@]{0,3}[a]{8,14}"
    ) {
        let kind = check_key(key.as_bytes()).expect("a valid key");
        let accepted = TraceState::from_key_value([(key.as_str(), "v")]).is_ok();
        proptest::prop_assert_eq!(accepted, kind == Key::Valid, "key {:?}", key);
    }
}

// §3.3.1.3.2 Value: value = 0*255(chr) nblk-chr.
#[test]
fn tracestate_value_grammar() {
    let all: String = (0x20u8..=0x7e)
        .filter(|b| *b != b',' && *b != b'=')
        .map(char::from)
        .collect();
    assert!(check_value(all.as_bytes()));
    assert!(check_value(b" leading spaces are kept"));
    assert!(check_value("x".repeat(256).as_bytes()));
    assert!(!check_value("x".repeat(257).as_bytes()));
    assert!(!check_value(b""));
    assert!(!check_value(b"trailing "));
    assert!(!check_value(b"a=b"));
    assert!(!check_value(b"a,b"));
    assert!(!check_value(b"tab\tinside"));
    assert!(!check_value(b"\x7f"));
    assert!(!check_value("é".as_bytes()));
}

fn members(lines: &[&str]) -> Result<Vec<(String, String)>, ErrorKind> {
    let mut m = tracestate::Members::new();
    tracestate::parse(lines, &mut m)
        .map(|()| {
            m.iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .map_err(|e| e.kind())
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// §3.3.1 tracestate: list grammar, OWS, empty members, multiple lines, duplicates, 32 members.
#[test]
fn tracestate_list_table() {
    type Expected = Result<Vec<(String, String)>, ErrorKind>;
    let cases: &[(&[&str], Expected)] = &[
        (
            &["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"],
            Ok(pairs(&[
                ("rojo", "00f067aa0ba902b7"),
                ("congo", "t61rcWkgMzE"),
            ])),
        ),
        (
            &["foo=1 \t , \t bar=2, \t baz=3"],
            Ok(pairs(&[("foo", "1"), ("bar", "2"), ("baz", "3")])),
        ),
        (
            &["foo=1\t \t,\t \tbar=2,\t \tbaz=3"],
            Ok(pairs(&[("foo", "1"), ("bar", "2"), ("baz", "3")])),
        ),
        (&["\t foo=1 \t"], Ok(pairs(&[("foo", "1")]))),
        (&["foo= 1"], Ok(pairs(&[("foo", " 1")]))),
        (&[""], Ok(vec![])),
        (&["", "foo=1"], Ok(pairs(&[("foo", "1")]))),
        (&["foo=1", ""], Ok(pairs(&[("foo", "1")]))),
        (&[",, ,foo=1,,"], Ok(pairs(&[("foo", "1")]))),
        (
            &["foo=1,bar=2", "rojo=1,congo=2", "baz=3"],
            Ok(pairs(&[
                ("foo", "1"),
                ("bar", "2"),
                ("rojo", "1"),
                ("congo", "2"),
                ("baz", "3"),
            ])),
        ),
        // test_tracestate_duplicated_keys: the spec lets a vendor drop the duplicates; the
        // first member with the key is kept, in its place.
        (&["foo=1,foo=1"], Ok(pairs(&[("foo", "1")]))),
        (&["foo=1,foo=2"], Ok(pairs(&[("foo", "1")]))),
        (&["foo=1", "foo=1"], Ok(pairs(&[("foo", "1")]))),
        (&["foo=1", "foo=2"], Ok(pairs(&[("foo", "1")]))),
        (
            &["a=1,foo=1,b=2", "foo=2,c=3,a=4"],
            Ok(pairs(&[("a", "1"), ("foo", "1"), ("b", "2"), ("c", "3")])),
        ),
        // test_tracestate_value_illegal_characters.
        (&["foo=bar=baz"], Err(ErrorKind::Malformed)),
        (&["foo=,bar=3"], Err(ErrorKind::Malformed)),
        (&["foo"], Err(ErrorKind::Malformed)),
        (&["=1"], Err(ErrorKind::Malformed)),
        (&["foo =1"], Err(ErrorKind::Malformed)),
        (&["@foo=1,bar=2"], Err(ErrorKind::Malformed)),
        // test_tracestate_key_illegal_vendor_format's lists are valid under the current key
        // grammar, with `@` a key character after the first.
        (&["foo@=1,bar=2"], Ok(pairs(&[("foo@", "1"), ("bar", "2")]))),
        (
            &["foo@@bar=1,bar=2"],
            Ok(pairs(&[("foo@@bar", "1"), ("bar", "2")])),
        ),
        (&["1vendor=1"], Ok(pairs(&[("1vendor", "1")]))),
        (&["\u{fffd}"], Err(ErrorKind::Malformed)),
    ];
    for (lines, expected) in cases {
        assert_eq!(&members(lines), expected, "tracestate {lines:?}");
    }
}

// test_tracestate_member_count_limit: 32 members are kept, 33 discard the list.
#[test]
fn tracestate_member_count_limit() {
    let thirty_two: Vec<String> = (1..=32).map(|i| format!("bar{i:02}={i:02}")).collect();
    let lines = [thirty_two[..10].join(","), thirty_two[10..].join(",")];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(members(&lines).unwrap().len(), 32);
    let mut thirty_three = thirty_two.clone();
    thirty_three.push("bar33=33".to_owned());
    assert_eq!(
        members(&[&thirty_three.join(",")]),
        Err(ErrorKind::LimitExceeded)
    );
    // A duplicate is dropped, but it was one of the members received.
    let mut with_duplicate = thirty_two.clone();
    with_duplicate.insert(1, "bar01=again".to_owned());
    assert_eq!(
        members(&[&with_duplicate.join(",")]),
        Err(ErrorKind::LimitExceeded)
    );
    with_duplicate.remove(31);
    assert_eq!(members(&[&with_duplicate.join(",")]).unwrap().len(), 31);
}

#[test]
fn tracestate_longer_than_the_limit_is_discarded_unread() {
    let huge = "a".repeat(tracestate::MAX_COMBINED_LEN + 1);
    assert_eq!(members(&[&huge]), Err(ErrorKind::TooLong));
    let half = "a=b,".repeat(tracestate::MAX_COMBINED_LEN / 8);
    assert_eq!(members(&[&half, &half, "c=d"]), Err(ErrorKind::TooLong));
}

#[test]
fn tracestate_join_writes_an_exactly_sized_header() {
    let list = [("a", "1"), ("b", "2")];
    let s = tracestate::join(|| list.iter().copied());
    assert_eq!(s, "a=1,b=2");
    assert_eq!(s.capacity(), s.len());
    assert_eq!(tracestate::join(|| [].iter().copied()), "");
}

#[test]
fn propagator_fields_are_cached() {
    let p = TraceContextPropagator::default();
    let a: Vec<&str> = p.fields().collect();
    assert_eq!(a, [TRACEPARENT, TRACESTATE]);
    assert_eq!(
        p.fields().next().map(str::as_ptr),
        p.fields().next().map(str::as_ptr)
    );
}

/// The one-pass reader of `tracestate::parse` must read what the step-by-step `parse_checked`
/// reads, with the same members, and refuse only what `parse_checked` refuses or a list that
/// repeats a key (errors always come from `parse_checked`).
fn assert_parsers_agree(lines: &[&str]) {
    let mut m = tracestate::Members::new();
    let fast = tracestate::parse_valid(lines, &mut m)
        .then(|| (m.iter().collect::<Vec<_>>(), m.has_unrepresentable()));
    let checked = tracestate::parse_checked(lines)
        .ok()
        .map(|m| (m.iter().collect::<Vec<_>>(), m.has_unrepresentable()));
    if fast.is_none() && checked.is_some() {
        assert!(
            repeats_a_key(lines),
            "tracestate {lines:?}: refused a valid list"
        );
    } else {
        assert_eq!(fast, checked, "tracestate {lines:?}");
    }
}

/// Whether a (valid) list has two members with the same key, read naively.
fn repeats_a_key(lines: &[&str]) -> bool {
    let keys: Vec<&str> = lines
        .iter()
        .flat_map(|line| line.split(','))
        .map(|member| member.trim_matches([' ', '\t']))
        .filter(|member| !member.is_empty())
        .map(|member| member.split('=').next().unwrap_or_default())
        .collect();
    keys.iter()
        .enumerate()
        .any(|(i, key)| keys[..i].contains(key))
}

#[test]
fn fast_parse_agrees_with_checked_parse_on_edge_cases() {
    let cases: &[&[&str]] = &[
        &[""],
        &[" "],
        &[",", ""],
        &["a=1"],
        &["a=1,"],
        &["a=1 ,"],
        &["a=1\t"],
        &["a=1\t,b=2"],
        &["a=1\tx"],
        &["a=1 x"],
        &["a= 1 "],
        &["a=   ,b=2"],
        &["a=", "b=1"],
        &["a=1", "a=2"],
        &["a@b=1"],
        &["a@bcdefghijklm=1"],
        &["a@bcdefghijklmn=1"],
        &["a@bcdefghijklmno=1"],
        &["a@b=1", "a@b=2,c@@d=3", "c@@d=4"],
        &["c@@d=1,c@@d=2"],
        &["a=1,a=2,a=3"],
        &["a=1, a=2 ,a=3 "],
        &["a@=1"],
        &["@a=1"],
        &["a@b@c=1"],
        &["A=1"],
        &["a =1"],
        &["a=b=c"],
        &["a=\u{e9}"],
        &["a=1\u{7f}"],
        &["a=1,\u{1}"],
        &["\u{fffd}"],
        // Off the common path: whitespace and spaces around values, multi-tenant keys.
        &["a=1 \t ,b=2"],
        &["a=1 \t"],
        &["a= \t"],
        &["a=\t1"],
        &["a=1  x ,b=2"],
        &["a=1,b=2 ", " c=3"],
        &["1a@b=1"],
        &["a@b=1 ,c@d=2"],
        &["a@b", "=1"],
        &["a@b,c=1"],
        &["a@b =1"],
        &["a@B=1"],
        &["a@=1,b=2"],
        &["a@b@=1"],
    ];
    for lines in cases {
        assert_parsers_agree(lines);
    }
    let long_value = format!("a={}", "v".repeat(256));
    let long_value_spaces = format!("a={}   ,b=1", "v".repeat(256));
    let too_long_value_spaces = format!("a={} v  ,b=1", "v".repeat(255));
    assert_parsers_agree(&[&long_value_spaces]);
    assert_parsers_agree(&[&too_long_value_spaces]);
    let too_long_value = format!("a={}", "v".repeat(257));
    let thirty_three: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
    let huge = "a=b,".repeat(tracestate::MAX_COMBINED_LEN / 4 + 1);
    assert_parsers_agree(&[&long_value]);
    assert_parsers_agree(&[&too_long_value]);
    assert_parsers_agree(&[&thirty_three.join(",")]);
    assert_parsers_agree(&[&huge]);
    // Keys with an `@` at and past the key's length limit and `TraceState`'s 13 characters
    // after the `@`, and each first-character rule.
    for (tenant, system) in [
        (241, 14),
        (242, 13),
        (242, 14),
        (241, 15),
        (1, 254),
        (1, 255),
        (254, 1),
        (255, 0),
        (255, 1),
        (1, 1),
        (0, 1),
        (1, 0),
    ] {
        let key = format!("{}@{}", "t".repeat(tenant), "s".repeat(system));
        assert_parsers_agree(&[&format!("{key}=1,other=2")]);
    }
    for key in [
        "1@a",
        "a@1",
        "_@a",
        "a@_",
        "1a",
        "a",
        &"k".repeat(256),
        &"k".repeat(257),
    ] {
        assert_parsers_agree(&[&format!("{key}=1")]);
    }
    // Keys that collide in the duplicate mask without being equal, and real duplicates.
    assert_parsers_agree(&["ab=1,ac=2,ad=3,ab=4"]);
    assert_parsers_agree(&["ab=1,ac=2,ad=3"]);
    // 32 members and a 33rd that is a duplicate; 31 and a duplicate.
    let mut list: Vec<String> = (0..32).map(|i| format!("k{i}=v")).collect();
    list.push("k0=w".to_owned());
    assert_parsers_agree(&[&list.join(",")]);
    list.remove(31);
    assert_parsers_agree(&[&list.join(",")]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    // Lists built from the characters that matter to the grammar (and a few that must fail).
    #[test]
    fn fast_parse_agrees_with_checked_parse(
        lines in proptest::collection::vec("[a-c0-9@=, \t_*/A\u{7f}\u{e9}-]{0,40}", 0..4)
    ) {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_parsers_agree(&lines);
    }
}

// The eight-at-a-time key scan stops exactly where the byte-by-byte check does, whatever
// byte is at whatever position of a simple key, a tenant id or a system id.
#[test]
fn fast_parse_agrees_with_checked_parse_for_every_byte_in_a_long_key() {
    for key in [
        "abcdefghijklmnopqrst",
        "abcdefghijklmnop@qrst",
        "abcd@efghijklmnopq",
    ] {
        for at in 0..key.len() {
            for byte in 0..=255u8 {
                let mut k = key.as_bytes().to_vec();
                k[at] = byte;
                let Ok(k) = String::from_utf8(k) else {
                    continue;
                };
                assert_parsers_agree(&[&format!("{k}=1,x=2")]);
                assert_parsers_agree(&[&format!("x=2,{k}=1")]);
            }
        }
    }
}

// The eight-at-a-time value scan stops exactly where the byte-by-byte one does, whatever
// byte is at whatever position.
#[test]
fn fast_parse_agrees_with_checked_parse_for_every_byte_in_a_long_value() {
    for at in 0..20 {
        for byte in 0..=255u8 {
            let mut value = b"abcdefghijklmnopqrst".to_vec();
            value[at] = byte;
            let Ok(value) = String::from_utf8(value) else {
                continue;
            };
            let list = format!("k={value},x=1");
            assert_parsers_agree(&[&list]);
        }
    }
}
