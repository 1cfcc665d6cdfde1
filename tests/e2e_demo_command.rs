//! The README's main command: `demo` with no role runs the whole demo (a receiver, the three
//! services, a handful of requests) and reports on it. This runs the built binary as a user
//! would, over each export protocol, and checks what it printed.

#[path = "support/e2e.rs"]
mod support;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use support::HANG;

/// Runs `demo ARGS` to its end; its stdout, after checking it exited 0.
fn run_demo(args: &[&str]) -> String {
    let child = Command::new(support::demo_binary())
        .args(args)
        // Nothing of the developer's `OTEL_*` (or a `NO_COLOR` missing): what CI sees.
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(output) = finished.recv_timeout(HANG) else {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("demo {args:?} did not finish within {HANG:?}");
    };
    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "demo {args:?}: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    stdout
}

/// The report: a numbered request each with its trace's waterfall and verdict, no failed
/// check, one request's log lines from all three services, and the summary.
fn assert_report(stdout: &str) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        !lines.iter().any(|l| l.trim_start().starts_with("WRONG")),
        "{stdout}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("  ok ")),
        "no check printed:\n{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "colour on a pipe:\n{stdout}");

    // `[k/N] what it shows`, one per request.
    let requests: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with('[') && l.contains('/') && l.contains("] "))
        .collect();
    let total: usize = requests
        .first()
        .and_then(|l| l[1..l.find(']')?].split('/').nth(1)?.parse().ok())
        .unwrap_or_else(|| panic!("no `[1/N]` request line:\n{stdout}"));
    assert!(
        total >= 5,
        "the issue lists five kinds of request:\n{stdout}"
    );
    assert_eq!(requests.len(), total, "{stdout}");

    // A waterfall per request: `trace ID`, its spans, then its verdict line.
    let mut trace_ids = HashSet::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(id) = line.strip_prefix("trace ") else {
            continue;
        };
        let id = &id[..32.min(id.len())];
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
        assert!(
            trace_ids.insert(id.to_owned()),
            "trace {id} shown twice:\n{stdout}"
        );
        let verdict = lines[i + 1..]
            .iter()
            .find(|l| l.contains(" spans, ") && l.contains(" services ("))
            .unwrap_or_else(|| panic!("no verdict after trace {id}:\n{stdout}"));
        assert!(
            verdict.ends_with("no propagation problem seen"),
            "{verdict}"
        );
        for service in ["gateway", "orders", "inventory"] {
            assert!(verdict.contains(service), "{verdict}");
        }
    }
    assert_eq!(
        trace_ids.len(),
        total,
        "one waterfall per request:\n{stdout}"
    );

    // The refused order answered 409 and is drawn with its error.
    assert!(stdout.contains("-> 409"), "{stdout}");
    assert!(stdout.contains("FAILED_PRECONDITION"), "{stdout}");

    // One request's log lines, from the three services, each with the trace id and request id.
    let heading = lines
        .iter()
        .position(|l| l.starts_with("log lines of request "))
        .unwrap_or_else(|| panic!("no log lines section:\n{stdout}"));
    let log_lines: Vec<&str> = lines[heading + 1..]
        .iter()
        .copied()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.contains("trace_id="))
        .collect();
    for service in ["gateway", "orders", "inventory"] {
        assert!(
            log_lines
                .iter()
                .any(|l| l.trim_start().starts_with(service)),
            "no {service} line:\n{stdout}"
        );
    }
    for line in &log_lines {
        let trace = line.split("trace_id=").nth(1).unwrap();
        assert!(trace_ids.contains(&trace[..32]), "{line}");
        assert!(!line.contains("request_id=-"), "{line}");
    }

    let summary = lines
        .iter()
        .position(|l| *l == "summary")
        .unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    let summary = lines[summary + 1..].join("\n");
    assert!(
        summary.contains(&format!("{total} requests, {total} traces")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("{total} with no propagation problem")),
        "{summary}"
    );
}

#[test]
fn the_demo_command_over_otlp_http_reports_and_exits_0() {
    assert_report(&run_demo(&[]));
}

#[test]
fn the_demo_command_over_otlp_grpc_reports_and_exits_0() {
    let stdout = run_demo(&["--protocol", "grpc"]);
    assert!(stdout.contains("(grpc)"), "{stdout}");
    assert_report(&stdout);
}
