use super::*;
use proptest::prelude::*;

// env-carriers.md "Environment Variable Names" table and "Name Restrictions".
#[test]
fn key_to_variable_name_table() {
    for (key, name) in [
        ("traceparent", "TRACEPARENT"),
        ("tracestate", "TRACESTATE"),
        ("baggage", "BAGGAGE"),
        ("x-b3-traceid", "X_B3_TRACEID"),
        ("uber-trace-id", "UBER_TRACE_ID"),
        ("ot.baggage.user", "OT_BAGGAGE_USER"),
        ("X-Amzn-Trace-Id", "X_AMZN_TRACE_ID"),
        ("a b=c\u{e9}", "A_B_C_"),
        // opentelemetry-go-contrib envcar `normalizeCases` (all but "" -> "_", see var_name).
        ("ABC", "ABC"),
        ("abc", "ABC"),
        ("01239", "_01239"),
        ("0abc", "_0ABC"),
        ("9", "_9"),
        ("a_b_c", "A_B_C"),
        ("hello-world", "HELLO_WORLD"),
        ("foo.bar", "FOO_BAR"),
        ("Content-Type", "CONTENT_TYPE"),
        ("key with spaces", "KEY_WITH_SPACES"),
        ("MiXeD_123!", "MIXED_123_"),
        ("\u{1f9f3}", "_"),
        ("M\u{f3}j Baga\u{17c}", "M_J_BAGA_"),
    ] {
        assert_eq!(var_name(key), name, "{key}");
    }
}

// "Value Restrictions": only characters valid in HTTP header fields; "Size Limitations": whole
// entries dropped, 32,767 characters for name=value.
#[test]
fn inadmissible_entries_are_dropped_whole() {
    let mut env = EnvInjector::new();
    env.set("a", "x\ny".into());
    env.set("b", "\u{e9}".into());
    env.set("c", "c".repeat(MAX_PAIR_LEN - 2));
    env.set("dd", "d".repeat(MAX_PAIR_LEN - 2));
    env.set("e", "tab\tand space ok".into());
    env.set("", "empty name".into());
    let vars = env.into_vars();
    assert_eq!(vars.keys().collect::<Vec<_>>(), ["C", "E"]);

    let ex = EnvExtractor::from_pairs([("A", "x\ny"), ("B", "ok"), ("C", &"c".repeat(1 << 20))]);
    assert_eq!(
        (ex.get("a"), ex.get("b"), ex.get("c")),
        (None, Some("ok"), None)
    );
}

#[test]
fn keys_report_only_canonical_names_once() {
    let ex = EnvExtractor::from_pairs([
        ("UBERCTX_USER", "1"),
        ("Path", "x"),
        ("UBERCTX_USER", "2"),
        ("9_A", "3"),
    ]);
    let mut keys = ex.keys();
    keys.sort();
    assert_eq!(keys, ["9-a", "uberctx-user"]);
    assert_eq!(ex.get("uberctx-user"), Some("2"));
}

proptest! {
    #[test]
    fn injected_pairs_extract_back(key in "[a-z][a-z0-9.-]{0,20}", value in "[ -~\t]{0,40}") {
        let mut env = EnvInjector::new();
        env.set(&key, value.clone());
        let ex: EnvExtractor = env.into_vars().into_iter().collect();
        prop_assert_eq!(ex.get(&key), Some(value.as_str()));
    }

    #[test]
    fn never_panics(pairs in proptest::collection::vec(("\\PC{0,10}", "\\PC{0,20}"), 0..8), key in "\\PC{0,10}") {
        let ex = EnvExtractor::from_pairs(pairs.clone());
        let _ = ex.get(&key);
        let mut env = EnvInjector::new();
        for (k, v) in pairs {
            env.set(&k, v);
        }
        prop_assert!(env.vars().keys().all(|k| k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')));
    }
}
