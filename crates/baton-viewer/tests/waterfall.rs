//! The plain-text waterfall of a trace with most of what it can show (nesting, a failed call,
//! events, links, an orphan, a client whose callee never reported), against a golden file.
//!
//! After an intended change of the drawing: `BATON_BLESS=1 cargo test -p baton-viewer --test
//! waterfall`, then review the diff of `tests/golden/waterfall.txt`.

use baton_viewer::proto::trace::v1::span::{Event, Link};
use baton_viewer::{Trace, Waterfall};

mod support;
use support::{Kind, error, int, kv, request, service, span, string};

fn trace() -> Trace {
    let mut root = span(5, 1, None, "GET /checkout/{cart}", Kind::Server, 0, 240);
    root.attributes = vec![
        kv("http.request.method", string("GET")),
        kv("http.route", string("/checkout/{cart}")),
        kv("http.response.status_code", int(502)),
        kv("error.type", string("502")),
    ];
    root.status = error("");
    root.links = vec![Link {
        trace_id: vec![7; 16],
        span_id: vec![7; 8],
        ..Link::default()
    }];
    let mut cart = span(5, 2, Some(1), "cart.v1.Carts/Get", Kind::Client, 5, 60);
    cart.attributes = vec![
        kv("rpc.method", string("cart.v1.Carts/Get")),
        kv("rpc.response.status_code", string("OK")),
    ];
    let mut cart_server = span(5, 3, Some(2), "cart.v1.Carts/Get", Kind::Server, 10, 55);
    cart_server.attributes = vec![kv("rpc.method", string("cart.v1.Carts/Get"))];
    let mut query = span(5, 4, Some(3), "SELECT carts", Kind::Client, 15, 50);
    query.attributes = vec![kv("db.system.name", string("postgresql"))];
    query.events = vec![
        Event {
            name: "retry".into(),
            time_unix_nano: support::ms(30),
            ..Event::default()
        },
        Event {
            name: "retry".into(),
            time_unix_nano: support::ms(40),
            ..Event::default()
        },
    ];
    let mut pay = span(5, 5, Some(1), "POST", Kind::Client, 70, 235);
    pay.attributes = vec![
        kv("url.template", string("/payments")),
        kv("http.response.status_code", int(503)),
        kv("error.type", string("503")),
    ];
    pay.status = error("service unavailable");
    let render = span(5, 6, Some(1), "render", Kind::Internal, 236, 239);
    // A span whose parent (id 9) was never sent.
    let lost = span(5, 7, Some(9), "charge card", Kind::Server, 100, 200);
    Trace::from_request(request(vec![
        service("gateway", vec![root, cart, pay, render]),
        service("carts", vec![cart_server, query]),
        service("payments", vec![lost]),
    ]))
    .remove(0)
}

#[test]
fn the_plain_waterfall_matches_the_golden_file() {
    let text = Waterfall::new(&trace()).to_string();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/waterfall.txt");
    if std::env::var_os("BATON_BLESS").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text, golden,
        "\n--- got ---\n{text}\n--- golden ---\n{golden}"
    );
    assert!(!text.contains('\x1b'));
}

#[test]
fn the_coloured_waterfall_is_the_plain_one_with_ansi_codes() {
    let trace = trace();
    let coloured = Waterfall::new(&trace).color(true).to_string();
    assert!(coloured.contains("\x1b[31merror"));
    let mut stripped = String::new();
    let mut in_escape = false;
    for c in coloured.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => stripped.push(c),
        }
    }
    assert_eq!(stripped, Waterfall::new(&trace).to_string());
}

#[test]
fn an_updated_trace_says_so() {
    let text = Waterfall::new(&trace()).updated(true).to_string();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with("(updated: a late span arrived)")
    );
}

#[test]
fn spans_in_a_parent_cycle_still_get_a_line() {
    // A broken sender: 1 names 2 as parent and 2 names 1.
    let trace = Trace::from_request(request(vec![service(
        "broken",
        vec![
            span(6, 1, Some(2), "a", Kind::Server, 0, 10),
            span(6, 2, Some(1), "b", Kind::Internal, 2, 8),
        ],
    )]))
    .remove(0);
    let text = Waterfall::new(&trace).to_string();
    assert!(text.contains("broken  a  "), "{text}");
    assert!(text.contains("└─ b"), "{text}");
}

#[test]
fn a_deep_chain_is_drawn_in_bounded_lines() {
    const DEPTH: u64 = 10_000;
    let id = |n: u64| (n + 1).to_be_bytes().to_vec();
    let chain = (0..DEPTH)
        .map(|n| {
            let kind = if n == 0 { Kind::Server } else { Kind::Internal };
            let mut s = span(9, 1, None, "hop", kind, n, 2 * DEPTH - n);
            s.span_id = id(n);
            s.parent_span_id = if n == 0 { Vec::new() } else { id(n - 1) };
            s
        })
        .collect();
    let trace = Trace::from_request(request(vec![service("deep", chain)])).remove(0);
    let text = Waterfall::new(&trace).to_string();
    let lines: Vec<&str> = text.lines().collect();
    // The title, a line per span, the verdict (a clean chain: no flags).
    assert_eq!(
        lines.len(),
        DEPTH as usize + 2,
        "{}",
        lines[lines.len() - 1]
    );
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap();
    assert!(widest < 250, "{widest} columns");
    let deepest = lines[DEPTH as usize];
    assert!(
        deepest.contains(&format!("…+{} └─ hop", DEPTH - 1 - 32)),
        "{deepest}"
    );
}
