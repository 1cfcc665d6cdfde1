//! `OTEL_PROPAGATORS`: a composite propagator from the environment, as the OpenTelemetry
//! specification describes it.

use std::fmt;

use crate::b3::{B3Encoding, B3Propagator};
use crate::baggage::BaggagePropagator;
use crate::composite::CompositePropagator;
use crate::datadog::DatadogPropagator;
use crate::jaeger::JaegerPropagator;
use crate::ot_trace::OtTracePropagator;
use crate::propagator::Propagator;
use crate::trace_context::TraceContextPropagator;
use crate::xray::XRayPropagator;

/// The environment variable [`from_env`] reads.
const VAR: &str = "OTEL_PROPAGATORS";

/// The list used when `OTEL_PROPAGATORS` is unset or empty.
const DEFAULT: &str = "tracecontext,baggage";

/// Every value `OTEL_PROPAGATORS` may hold.
const KNOWN: [&str; 9] = [
    "tracecontext",
    "baggage",
    "b3",
    "b3multi",
    "jaeger",
    "xray",
    "ottrace",
    "datadog",
    "none",
];

/// Builds the propagators named by the `OTEL_PROPAGATORS` environment variable, in order,
/// as one [`CompositePropagator`].
///
/// Per the OpenTelemetry specification (SDK environment variables, `OTEL_PROPAGATORS`):
/// the value is a comma-separated list of `tracecontext`, `baggage`, `b3` (single header),
/// `b3multi`, `jaeger`, `xray`, `ottrace`, `datadog` and `none`; names are trimmed and
/// matched without regard to ASCII case (the specification lets an implementation accept
/// more spellings than the listed ones); a name listed twice is used once ("values MUST be
/// deduplicated"); unset or empty means `tracecontext,baggage` ("an empty value ... the same
/// way as when the variable is unset"). `none` means "no automatically configured
/// propagator": wherever it appears, the result is an empty composite that does nothing (as
/// opentelemetry-go reads it; opentelemetry-java refuses the combination). An unknown name
/// is reported as a warning through OpenTelemetry's internal logging (`otel_warn!`, seen with
/// the `internal-logs` feature and a `tracing` subscriber) and skipped ("MUST generate a warning and gracefully ignore
/// the setting"); when no name is recognised at all, the setting is ignored and the default
/// applies; so does a value that is not valid Unicode (with a warning). [`from_list`] reports
/// an unknown name as an error instead.
///
/// # Examples
///
/// ```standalone_crate
/// use opentelemetry::propagation::TextMapPropagator;
///
/// # fn main() {
/// # // Setting a variable in this process needs `unsafe`: the example runs again as a child
/// # // process started with the variable set, and passes only if the child's asserts do.
/// # if std::env::var("OTEL_PROPAGATORS").as_deref() != Ok("b3,tracecontext") {
/// #     let child = std::process::Command::new(std::env::current_exe().unwrap())
/// #         .env("OTEL_PROPAGATORS", "b3,tracecontext")
/// #         .status()
/// #         .unwrap();
/// #     assert!(child.success(), "the example failed with OTEL_PROPAGATORS set: {child}");
/// #     return;
/// # }
/// // The service was started as `OTEL_PROPAGATORS=b3,tracecontext my-service`.
/// let propagator = baton_propagation::from_env();
/// assert_eq!(propagator.fields().collect::<Vec<_>>(), ["b3", "traceparent", "tracestate"]);
/// # }
/// ```
pub fn from_env() -> CompositePropagator {
    let value = match std::env::var(VAR) {
        Ok(value) => value,
        Err(std::env::VarError::NotPresent) => String::new(),
        // No name can be read from it: a value the implementation does not recognise, so
        // "generate a warning and gracefully ignore the setting".
        Err(std::env::VarError::NotUnicode(_)) => {
            opentelemetry::otel_warn!(
                name: "BatonPropagation.OtelPropagatorsNotUnicode",
                message = "OTEL_PROPAGATORS is not valid unicode; ignored"
            );
            String::new()
        }
    };
    build(&value, |unknown| {
        opentelemetry::otel_warn!(
            name: "BatonPropagation.UnknownPropagator",
            message = format!(
                "{}; skipped",
                UnknownPropagator {
                    value: unknown.to_owned()
                }
            )
        );
    })
}

/// Builds the propagators named in `list` (the syntax of `OTEL_PROPAGATORS`) as one
/// [`CompositePropagator`], failing on an unknown name.
///
/// The rules are those of [`from_env`]: trimmed, ASCII case-insensitive, duplicates used
/// once, empty means `tracecontext,baggage`, `none` anywhere means an empty composite.
///
/// # Examples
///
/// ```
/// use opentelemetry::propagation::TextMapPropagator;
///
/// let propagator = baton_propagation::from_list(" tracecontext , b3 ,tracecontext").unwrap();
/// assert_eq!(propagator.len(), 2);
/// assert_eq!(propagator.fields().collect::<Vec<_>>(), ["traceparent", "tracestate", "b3"]);
///
/// let err = baton_propagation::from_list("tracecontext,zipkin").unwrap_err();
/// assert_eq!(err.value(), "zipkin");
/// assert_eq!(
///     err.to_string(),
///     "unknown propagator \"zipkin\" in OTEL_PROPAGATORS: expected one of tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, datadog, none"
/// );
/// ```
///
/// # Errors
///
/// [`UnknownPropagator`] naming the first value that is not one of the known names.
pub fn from_list(list: &str) -> Result<CompositePropagator, UnknownPropagator> {
    let mut unknown = None;
    let composite = build(list, |value| {
        unknown.get_or_insert_with(|| UnknownPropagator {
            value: value.to_owned(),
        });
    });
    match unknown {
        Some(err) => Err(err),
        None => Ok(composite),
    }
}

fn build(list: &str, mut on_unknown: impl FnMut(&str)) -> CompositePropagator {
    let names = || list.split(',').map(str::trim).filter(|n| !n.is_empty());
    let index = |name: &str| KNOWN.iter().position(|k| k.eq_ignore_ascii_case(name));
    let mut any_known = false;
    let mut none = false;
    for name in names() {
        match index(name) {
            None => on_unknown(name),
            Some(i) => {
                any_known = true;
                none |= KNOWN[i] == "none";
            }
        }
    }
    if none {
        return CompositePropagator::default();
    }
    // Unset, empty, or nothing recognised: the setting is ignored, the default applies.
    let list = if any_known { list } else { DEFAULT };
    let mut seen = [false; KNOWN.len()];
    let mut propagators: Vec<Box<dyn Propagator + Send + Sync>> = Vec::new();
    for name in list.split(',').map(str::trim) {
        let Some(i) = index(name) else {
            continue;
        };
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        propagators.push(match KNOWN[i] {
            "tracecontext" => Box::new(TraceContextPropagator::default()),
            "baggage" => Box::new(BaggagePropagator::default()),
            "b3" => Box::new(B3Propagator::with_encoding(B3Encoding::SingleHeader)),
            "b3multi" => Box::new(B3Propagator::with_encoding(B3Encoding::MultipleHeader)),
            "jaeger" => Box::new(JaegerPropagator::default()),
            "xray" => Box::new(XRayPropagator::default()),
            "ottrace" => Box::new(OtTracePropagator::default()),
            _ => Box::new(DatadogPropagator::default()),
        });
    }
    CompositePropagator::new(propagators)
}

/// An `OTEL_PROPAGATORS` value that names no known propagator.
///
/// # Examples
///
/// ```
/// let err = baton_propagation::from_list("b3,w3c").unwrap_err();
/// assert_eq!(err.value(), "w3c");
/// assert!(err.to_string().starts_with("unknown propagator \"w3c\" in OTEL_PROPAGATORS"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownPropagator {
    value: String,
}

impl UnknownPropagator {
    /// The value that was not recognised, trimmed.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = baton_propagation::from_list(" zipkin ").unwrap_err();
    /// assert_eq!(err.value(), "zipkin");
    /// ```
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for UnknownPropagator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown propagator {:?} in {VAR}: expected one of ",
            self.value
        )?;
        for (i, name) in KNOWN.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownPropagator {}
