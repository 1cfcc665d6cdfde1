//! [`InitError`]: why [`Init`](super::Init) could not set the service up.

use std::fmt;

/// Why [`init`](super::init) or [`Init`](super::Init) could not set the service up.
///
/// A bad value in a variable is reported with the variable, the value and what was expected,
/// rather than replaced by a silent default: a typo in `OTEL_TRACES_SAMPLER` would otherwise
/// sample everything in production without a word.
///
/// # Examples
///
/// ```
/// let err = baton::Init::from_lookup(|name| {
///     (name == "OTEL_TRACES_SAMPLER").then(|| "always".to_owned())
/// })
/// .unwrap_err();
/// assert_eq!(err.variable(), Some("OTEL_TRACES_SAMPLER"));
/// assert_eq!(err.value(), Some("always"));
/// assert_eq!(
///     err.to_string(),
///     "invalid OTEL_TRACES_SAMPLER \"always\": expected one of always_on, always_off, \
///      traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
/// );
/// ```
#[derive(Debug)]
pub struct InitError {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Variable {
        name: &'static str,
        value: String,
        expected: String,
    },
    Exporter(opentelemetry_otlp::ExporterBuildError),
    Runtime(std::io::Error),
    SubscriberTaken,
}

impl InitError {
    pub(super) fn variable_value(
        name: &'static str,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Self {
            kind: Kind::Variable {
                name,
                value: value.into(),
                expected: expected.into(),
            },
        }
    }

    pub(super) fn exporter(err: opentelemetry_otlp::ExporterBuildError) -> Self {
        Self {
            kind: Kind::Exporter(err),
        }
    }

    pub(super) fn runtime(err: std::io::Error) -> Self {
        Self {
            kind: Kind::Runtime(err),
        }
    }

    pub(super) fn subscriber_taken() -> Self {
        Self {
            kind: Kind::SubscriberTaken,
        }
    }

    /// The variable holding the bad value, when a variable is the cause (a value set in code
    /// through the builder is reported under the variable it overrides).
    ///
    /// # Examples
    ///
    /// ```
    /// let err = baton::Init::from_lookup(|name| {
    ///     (name == "OTEL_TRACES_EXPORTER").then(|| "jaeger".to_owned())
    /// })
    /// .unwrap_err();
    /// assert_eq!(err.variable(), Some("OTEL_TRACES_EXPORTER"));
    /// ```
    pub fn variable(&self) -> Option<&'static str> {
        match &self.kind {
            Kind::Variable { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The bad value, when a variable is the cause.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = baton::Init::from_lookup(|name| {
    ///     (name == "OTEL_TRACES_EXPORTER").then(|| "jaeger".to_owned())
    /// })
    /// .unwrap_err();
    /// assert_eq!(err.value(), Some("jaeger"));
    /// ```
    pub fn value(&self) -> Option<&str> {
        match &self.kind {
            Kind::Variable { value, .. } => Some(value),
            _ => None,
        }
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Variable {
                name,
                value,
                expected,
            } => write!(f, "invalid {name} {value:?}: expected {expected}"),
            Kind::Exporter(err) => write!(f, "the otlp exporter could not be built: {err}"),
            Kind::Runtime(err) => {
                write!(
                    f,
                    "the runtime of the grpc exporter could not be started: {err}"
                )
            }
            Kind::SubscriberTaken => f.write_str(
                "a global tracing subscriber is already set: install yours without init's \
                 (BATON_LOG_FORMAT=none or Init::log_format(LogFormat::Off))",
            ),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Exporter(err) => Some(err),
            Kind::Runtime(err) => Some(err),
            _ => None,
        }
    }
}
