//! With the `internal-logs` feature, `from_env` reports an unknown `OTEL_PROPAGATORS` name as a
//! warning through OpenTelemetry's internal logging, which any `tracing` subscriber receives.
//!
//! The variable is set for a child process (this test binary run again), never in this one.

#![cfg(feature = "internal-logs")]

use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex};

use opentelemetry::propagation::TextMapPropagator;

/// Set in the child so that it knows to run the check instead of starting another child.
const CHILD: &str = "BATON_FROM_ENV_WARNINGS_CHILD";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_unknown_name_is_a_warning_naming_it_and_the_valid_ones() {
    if std::env::var_os(CHILD).is_some() {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .finish();
        let propagator = tracing::subscriber::with_default(subscriber, baton_propagation::from_env);
        // The unknown name is skipped; the known one is used.
        assert_eq!(propagator.fields().collect::<Vec<_>>(), ["b3"]);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("WARN"), "{text}");
        assert!(
            text.contains("BatonPropagation.UnknownPropagator"),
            "{text}"
        );
        assert!(text.contains(r#"unknown propagator "bogus""#), "{text}");
        assert!(
            text.contains("tracecontext"),
            "the valid names are listed: {text}"
        );
        return;
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "an_unknown_name_is_a_warning_naming_it_and_the_valid_ones",
        ])
        .env(CHILD, "1")
        .env("OTEL_PROPAGATORS", "bogus,b3")
        .status()
        .unwrap();
    assert!(status.success(), "the child's checks failed: {status}");
}
