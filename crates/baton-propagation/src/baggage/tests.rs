use super::order::*;
use super::percent::*;
use super::scan::*;
use super::*;
use crate::chars::{OCTET, all, is, is_ows};

// The member order is only a hash per key: whatever the hashes say (repeated, unknown,
// or two keys alike), inject writes every member exactly once.
#[test]
fn property_list_scan_agrees_with_split_and_trim() {
    // The grammar read the obvious way: split on `;`, trim each part, split it at its
    // first `=` (W3C Baggage "property").
    fn reference(props: &str) -> bool {
        let trim = |s: &str| s.trim_matches([' ', '\t']).to_owned();
        props.split(';').all(|p| match p.split_once('=') {
            Some((k, v)) => is_token(trim(k).as_bytes()) && all(trim(v).as_bytes(), OCTET),
            None => is_token(trim(p).as_bytes()),
        })
    }
    let parts = [
        "", " ", "\t", "a", "k", "=", "v", "x=y", ";", "/", "%", "\u{e9}", "\"", ",",
    ];
    for a in parts {
        for b in parts {
            for c in parts {
                for d in parts {
                    let props = format!("{a}{b}{c}{d}");
                    assert_eq!(is_property_list(&props), reference(&props), "{props:?}");
                }
            }
        }
    }
}

#[test]
fn key_hash_sees_every_byte_of_keys_of_every_length() {
    // Each key differs from the others of its length in one byte (every position), and
    // from those of other lengths by its length: no two may hash alike.
    let mut seen = std::collections::HashMap::new();
    for len in 1..=40 {
        for at in 0..len {
            for c in [b'a', b'b', b'Z'] {
                let mut key = vec![b'k'; len];
                key[at] = c;
                let key = String::from_utf8(key).unwrap();
                let previous = seen.insert(key_hash(&key), key.clone());
                assert!(
                    previous.as_ref().is_none_or(|p| *p == key),
                    "{previous:?} and {key}"
                );
            }
        }
    }
}

#[test]
fn ordered_writes_every_member_once_whatever_the_hashes() {
    let baggage =
        Baggage::from_iter(["a", "b", "c", "d"].map(|k| opentelemetry::KeyValue::new(k, "v")));
    let keys =
        |order: &[u32]| -> Vec<&str> { ordered(&baggage, order).map(|(key, _, _)| key).collect() };
    let (a, c) = (key_hash("a"), key_hash("c"));
    let got = keys(&[c, a, a, key_hash("zz"), c]);
    assert_eq!(got[..2], ["c", "a"]);
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["a", "b", "c", "d"]);
    assert_eq!(keys(&[]).len(), 4);
    // Past the 16 held inline, the order is kept whole.
    let mut order = MemberOrder::EMPTY;
    let names: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
    for name in &names {
        order.push(name);
    }
    let hashes: Vec<u32> = names.iter().map(|k| key_hash(k)).collect();
    assert_eq!(order.hashes(), hashes);
}

// W3C Baggage "Definition": key = token, value = *baggage-octet, properties.
#[test]
fn member_grammar_table() {
    type Parts<'a> = Option<(&'a str, &'a str, &'a str)>;
    let cases: &[(&str, Parts<'_>)] = &[
        (
            "key1=value1;property1;property2",
            Some(("key1", "value1", "property1;property2")),
        ),
        ("key2 = value2", Some(("key2", "value2", ""))),
        (
            "key3=value3; propertyKey=propertyValue",
            Some(("key3", "value3", "propertyKey=propertyValue")),
        ),
        ("serverNode=DF%2028", Some(("serverNode", "DF%2028", ""))),
        ("k=a=b==", Some(("k", "a=b==", ""))),
        ("k=", Some(("k", "", ""))),
        ("k\t=\tv", Some(("k", "v", ""))),
        ("k=v;p = x ; q", Some(("k", "v", "p = x ; q"))),
        (
            "!#$%&'*+-.^_`|~09AZaz=v",
            Some(("!#$%&'*+-.^_`|~09AZaz", "v", "")),
        ),
        ("k", None),
        ("=v", None),
        ("k y=v", None),
        ("k(=v", None),
        ("k@=v", None),
        ("k=v w", None),
        ("k=\"v\"", None),
        ("k=a\\b", None),
        ("k=é", None),
        ("k=%", None),
        ("k=%2", None),
        ("k=%zz", None),
        ("k=v;", None),
        ("k=v;;p", None),
        ("k=v;p q", None),
        ("k=v;=x", None),
        ("k=v;p=\"x\"", None),
    ];
    for (raw, expected) in cases {
        let got = member(raw).map(|m| (m.key, m.value, m.properties));
        assert_eq!(got, *expected, "member {raw:?}");
    }
}

// W3C Baggage "property": OWS around a property key or value is not part of it.
#[test]
fn metadata_drops_optional_whitespace() {
    for (properties, expected) in [
        ("", ""),
        ("p", "p"),
        ("p1;p2=x", "p1;p2=x"),
        ("p = x ;\tq", "p=x;q"),
        (
            "SomeProp \t ; \t SecondProp \t = \t PropValue",
            "SomeProp;SecondProp=PropValue",
        ),
        ("k=a=b ; c", "k=a=b;c"),
    ] {
        let ows = properties.bytes().any(is_ows);
        assert_eq!(
            metadata(properties, ows).as_str(),
            expected,
            "{properties:?}"
        );
    }
}

#[test]
fn decode_table() {
    assert_eq!(decode("DF%2028"), "DF 28");
    assert_eq!(decode("%E2%82%AC"), "€");
    assert_eq!(decode("%e2%82%ac"), "€");
    assert_eq!(decode("a%25b"), "a%b");
    assert_eq!(decode("%FF"), "\u{fffd}");
    assert_eq!(decode("%E2%82"), "\u{fffd}");
    assert_eq!(decode("plain"), "plain");
    assert_eq!(decode("a%20b%20"), "a b ");
    assert_eq!(decode("%41%42%43"), "ABC");
    // Not reachable from extract (such a value is rejected), but kept as it is.
    assert_eq!(decode("a%4"), "a%4");
    assert_eq!(decode("a%"), "a%");
}

#[test]
fn encode_covers_every_byte_outside_baggage_octet_and_percent() {
    let mut out = String::new();
    encode_into("a b,c;d\\e\"f%g\u{1}h€=", &mut out);
    assert_eq!(out, "a%20b%2Cc%3Bd%5Ce%22f%25g%01h%E2%82%AC=");
    assert_eq!(encoded_len("a b,c;d\\e\"f%g\u{1}h€="), out.len());
    assert_eq!(decode(&out), "a b,c;d\\e\"f%g\u{1}h€=");
}

// The eight-at-a-time value scan accepts and rejects exactly what the byte-by-byte
// grammar does, whatever byte is at whatever position of a long value.
#[test]
fn value_scan_matches_the_octet_table_for_every_byte_at_every_position() {
    for at in 0..20 {
        // `;` ends the value and starts the properties: covered by `member_grammar_table`.
        for byte in (0..=255u8).filter(|&b| b != b';') {
            let mut value = b"abcdefghijklmnopqrst".to_vec();
            value[at] = byte;
            // The grammar, byte by byte: octets only, a `%` followed by two hex digits.
            let escape_ok = value
                .get(at + 1..at + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            let expected = (value.iter().all(|&b| is(b, OCTET)) && (byte != b'%' || escape_ok))
                .then_some(true);
            let Ok(value) = String::from_utf8(value) else {
                continue;
            };
            let member = format!("k={value}");
            let got = super::tests::member(&member).map(|m| m.value == value);
            // OWS around a value is not part of it: "k= abcd" and "k=abcd " are members
            // (without the space), "k=ab cd" is none.
            if matches!(byte, b' ' | b'\t') {
                assert_eq!(got.is_some(), at == 0 || at == 19, "{member:?}");
                continue;
            }
            assert_eq!(got, expected, "{member:?}");
        }
    }
    assert_eq!(
        member("k=abcdefgh%41ijklmnop%2c").map(|m| m.escapes > 0),
        Some(true)
    );
    assert_eq!(member("k=abcdefgh%4"), None);
    assert_eq!(
        member("k=abcdefghijklmnop").map(|m| m.escapes > 0),
        Some(false)
    );
}

#[test]
fn find_comma_finds_the_first_comma_at_every_position() {
    for len in 0..20 {
        for at in 0..=len {
            let mut line = vec![b'a'; len];
            if at < len {
                line[at] = b',';
                // A later comma and bytes around 0x2c must not confuse the scan.
                if at + 2 < len {
                    line[at + 2] = b',';
                }
                if at > 0 {
                    line[at - 1] = 0x2d;
                }
            }
            assert_eq!(find_comma(&line, 0), at, "{line:?}");
        }
    }
    assert_eq!(find_comma(b"a,b,c", 2), 3);
    assert_eq!(
        find_comma("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9},".as_bytes(), 0),
        10
    );
}

#[test]
fn members_past_the_byte_limit_are_not_read() {
    let line = "k=v,".repeat(5000);
    let mut seen = 0;
    for_each_member(&[&line], |_| {
        seen += 1;
        true
    });
    assert_eq!(seen, MAX_BYTES / 4);
    let mut valid = 0;
    for_each_valid_member(&[&line], |_| {
        valid += 1;
        true
    });
    assert_eq!(valid, MAX_BYTES / 4);
}

/// One member parsed both ways, which must agree: the one-pass scanner (on the member
/// alone, and followed by a `,` and more) and the reference [`parse_member`].
fn member(raw: &str) -> Option<Member<'_>> {
    let expected = parse_member(raw);
    // A `,` in `raw` ends the member the scanner reads (the rest is another member).
    let alone = scan_member(raw, raw.as_bytes(), 0)
        .filter(|&(_, end)| end == raw.len())
        .map(|(m, _)| m);
    assert_eq!(alone, expected, "{raw:?}");
    let line = format!("{raw},x=y");
    let followed = scan_member(&line, line.as_bytes(), 0)
        .filter(|&(_, end)| end == raw.len())
        .map(|(m, _)| {
            (
                [m.key, m.value, m.properties].map(str::to_owned),
                (m.props_ows, m.escapes, m.first_escape),
            )
        });
    let expected_owned = expected.map(|m| {
        (
            [m.key, m.value, m.properties].map(str::to_owned),
            (m.props_ows, m.escapes, m.first_escape),
        )
    });
    assert_eq!(followed, expected_owned, "{raw:?}");
    expected
}

/// The valid members the one-pass scan passes on (stopping once `limit` were taken),
/// checked against the reference: the header split on `,` (within the byte limit) by
/// [`for_each_member`], each member parsed by [`parse_member`].
fn scan_agrees_with_split_and_parse(lines: &[&str], limit: usize) {
    let mut expected = Vec::new();
    for_each_member(lines, |raw| match parse_member(raw) {
        None => true,
        Some(m) => {
            expected.push(m);
            expected.len() < limit
        }
    });
    let mut got = Vec::new();
    for_each_valid_member(lines, |m| {
        got.push(m);
        got.len() < limit
    });
    assert_eq!(got, expected, "{lines:?} (limit {limit})");
}

#[test]
fn scan_agrees_at_the_byte_limit() {
    // A last member ending just before, at, and just after byte 8192, in one line or
    // across two, valid or not, and followed or not by a `,` or more.
    for pad in MAX_BYTES - 12..MAX_BYTES + 4 {
        for tail in ["", ",", ",k=v", "=", ";p", " ", "%41", "%4"] {
            let long = format!("a=b,k={}{tail}", "v".repeat(pad - 6));
            let head = "h=1";
            let rest = long.get(4..).unwrap_or_default();
            let cases: [&[&str]; 5] = [
                &[&long],
                &[head, rest],
                &[&long, "x=y"],
                &[&long, ""],
                &["", &long],
            ];
            for lines in cases {
                for limit in [1, 2, 3, usize::MAX] {
                    scan_agrees_with_split_and_parse(lines, limit);
                }
            }
        }
    }
    // Exactly 8192 bytes of short members, then one more line.
    let full = format!(
        "{}k={}",
        "k=vv,".repeat(1637),
        "v".repeat(MAX_BYTES - 1637 * 5 - 2)
    );
    assert_eq!(full.len(), MAX_BYTES);
    scan_agrees_with_split_and_parse(&[&full], usize::MAX);
    scan_agrees_with_split_and_parse(&[&full, ""], usize::MAX);
    scan_agrees_with_split_and_parse(&[&full[..MAX_BYTES - 1], "x"], usize::MAX);
    scan_agrees_with_split_and_parse(&[&full[..MAX_BYTES - 2], "x"], usize::MAX);
}

use proptest::prelude::*;

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => proptest::sample::select(vec![
            "k", "a", "Z", "=", " ", "\t", ";", ",", "%", "%2", "%20", "%e2", "%zz", "2", "F",
            "v", "\"", "\u{e9}", "\u{1}", "\u{7f}", "\\", "p=x", "k=v", "k=v,", "(", "/",
            "!", "~", ":", "@", "{", "abcdefghij", "01234567",
        ])
        .prop_map(str::to_owned),
        1 => (0usize..9000).prop_map(|n| "y".repeat(n)),
    ]
}

proptest::proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The one-pass scan reads the same members as splitting on `,` and parsing each.
    #[test]
    fn scan_agrees_with_split_and_parse_on_any_header(
        lines in proptest::collection::vec(
            proptest::collection::vec(piece(), 0..40).prop_map(|p| p.concat()),
            0..4,
        ),
        limit in 1usize..200,
    ) {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        scan_agrees_with_split_and_parse(&lines, limit);
        scan_agrees_with_split_and_parse(&lines, usize::MAX);
    }

    /// Percent-decoding, ASCII escapes written straight into the `String`, gives what
    /// decoding byte by byte does, on any text.
    #[test]
    fn decode_agrees_with_byte_by_byte(raw in "[a-fA-F0-9%zé ]{0,16}") {
        prop_assert_eq!(decode(&raw), decode_bytes(raw.as_bytes(), Vec::new()));
    }

    /// Any single member, bytes of every kind: both parsers agree (see [`member`]).
    #[test]
    fn scan_member_agrees_with_parse_member(raw in "[ -~\t\u{1}\u{e9}]{0,24}") {
        member(&raw);
    }
}
