//! With the `internal-logs` feature, each strict-mode violation is also a warning event
//! through OpenTelemetry's internal logging, which any `tracing` subscriber receives.

#![cfg(feature = "internal-logs")]

use std::fmt;
use std::sync::{Arc, Mutex};

use baton_context::{Local, strict};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber, span};

static ID: Local<u8> = Local::new("id");

/// Keeps `(name, level, violation field)` of every event.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<(String, Level, String)>>>);

struct ViolationField(String);

impl Visit for ViolationField {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "violation" {
            self.0 = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "violation" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Events {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut violation = ViolationField(String::new());
        event.record(&mut violation);
        let metadata = event.metadata();
        self.0
            .lock()
            .unwrap()
            .push((metadata.name().to_owned(), *metadata.level(), violation.0));
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

#[test]
fn a_violation_is_logged_as_a_warning() {
    strict::enable();
    let events = Events::default();
    tracing::subscriber::with_default(events.clone(), || {
        let older = ID.set(1);
        let newer = ID.set(2);
        drop(older);
        drop(newer);
    });
    let events = events.0.lock().unwrap();
    let logged: Vec<_> = events
        .iter()
        .filter(|(name, _, _)| name == "BatonContext.StrictModeViolation")
        .collect();
    assert_eq!(logged.len(), 1, "{events:?}");
    assert_eq!(logged[0].1, Level::WARN);
    assert!(
        logged[0].2.contains("dropped out of order"),
        "{}",
        logged[0].2
    );
}
