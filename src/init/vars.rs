//! The variables `init` reads itself: their names, their values and how each is checked.

use std::time::Duration;

use opentelemetry_sdk::trace::Sampler;

use super::error::InitError;

pub(super) const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
pub(super) const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
pub(super) const OTEL_PROPAGATORS: &str = "OTEL_PROPAGATORS";
pub(super) const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
pub(super) const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
pub(super) const OTEL_BSP_EXPORT_TIMEOUT: &str = "OTEL_BSP_EXPORT_TIMEOUT";
pub(super) const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
pub(super) const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
pub(super) const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
pub(super) const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
pub(super) const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
pub(super) const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
pub(super) const BATON_LOG_FORMAT: &str = "BATON_LOG_FORMAT";
pub(super) const RUST_LOG: &str = "RUST_LOG";

/// The specification's default for `OTEL_BSP_EXPORT_TIMEOUT`.
pub(super) const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_millis(30_000);
/// The specification's default for `OTEL_EXPORTER_OTLP_TIMEOUT`.
pub(super) const DEFAULT_OTLP_TIMEOUT: Duration = Duration::from_millis(10_000);
/// What is logged when `RUST_LOG` is unset: OpenTelemetry's own notices ("global tracer
/// provider is set") are not news to a service, its warnings (spans dropped, exports failed)
/// are. A target directive is a prefix: this covers `opentelemetry_sdk` and
/// `opentelemetry-otlp` too.
pub(super) const DEFAULT_LOG_FILTER: &str = "info,opentelemetry=warn";

const SAMPLERS: &str = "always_on, always_off, traceidratio, parentbased_always_on, \
                        parentbased_always_off, parentbased_traceidratio";

/// Where finished spans go (`OTEL_TRACES_EXPORTER`).
///
/// # Examples
///
/// ```
/// use baton::init::Exporter;
///
/// let init = baton::Init::from_lookup(|name| {
///     (name == "OTEL_TRACES_EXPORTER").then(|| "none".to_owned())
/// })
/// .unwrap();
/// assert_eq!(init.get_exporters(), [Exporter::Off]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exporter {
    /// OTLP over [`Protocol`], to the endpoint of the `OTEL_EXPORTER_OTLP_*` variables (the
    /// default).
    Otlp,
    /// Each span printed to stdout by `opentelemetry-stdout`.
    Console,
    /// `none`: nothing is exported; spans are still recorded, so their ids reach logs and
    /// headers. (Not `None`, which would shadow `Option::None` under a glob import.)
    Off,
}

/// The OTLP transport (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, then
/// `OTEL_EXPORTER_OTLP_PROTOCOL`).
///
/// # Examples
///
/// ```
/// use baton::init::Protocol;
///
/// let init = baton::Init::from_lookup(|_| None).unwrap();
/// assert_eq!(init.get_protocol(), Protocol::HttpProtobuf, "the specification's default");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// `grpc`: OTLP/gRPC through tonic, port 4317 by convention.
    Grpc,
    /// `http/protobuf`: OTLP/HTTP with protobuf bodies, port 4318 by convention (the default).
    HttpProtobuf,
}

/// How log lines are written (`BATON_LOG_FORMAT`).
///
/// # Examples
///
/// ```
/// use baton::init::LogFormat;
///
/// let init = baton::Init::from_lookup(|name| {
///     (name == "BATON_LOG_FORMAT").then(|| "json".to_owned())
/// })
/// .unwrap();
/// assert_eq!(init.get_log_format(), LogFormat::Json);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogFormat {
    /// `text`: one correlated line per event (the default), through [`baton_log::fmt_layer`].
    Text,
    /// `json`: one correlated JSON object per event, through [`baton_log::json_layer`].
    Json,
    /// `none`: no subscriber is installed, for a service that installs its own.
    Off,
}

/// The endpoint as configured: which variable, and whether the HTTP signal path still has to
/// be appended.
#[derive(Clone, Debug)]
pub(super) struct Endpoint {
    pub(super) value: String,
    /// `None` when set in code.
    pub(super) var: Option<&'static str>,
    /// The generic `OTEL_EXPORTER_OTLP_ENDPOINT`: OTLP/HTTP appends `/v1/traces` to it.
    pub(super) generic: bool,
}

/// A value read through the lookup: trimmed, and empty means unset, as the specification
/// says of every variable.
pub(super) fn read(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// `OTEL_SDK_DISABLED`: the specification makes any value but a case-insensitive `true` mean
/// false, and asks for a warning on values other than true and false, which is returned here
/// to be logged once a subscriber is installed.
pub(super) fn disabled(value: Option<&str>) -> (bool, Option<String>) {
    match value {
        None => (false, None),
        Some(v) if v.eq_ignore_ascii_case("true") => (true, None),
        Some(v) if v.eq_ignore_ascii_case("false") => (false, None),
        Some(v) => (
            false,
            Some(format!(
                "{OTEL_SDK_DISABLED} is {v:?}, neither true nor false: taken as false, the SDK \
                 stays on"
            )),
        ),
    }
}

/// `OTEL_TRACES_EXPORTER` is a comma-separated list; `none` means no exporter and may not be
/// combined with another.
pub(super) fn exporters(value: Option<&str>) -> Result<Vec<Exporter>, InitError> {
    let Some(value) = value else {
        return Ok(vec![Exporter::Otlp]);
    };
    let bad =
        |v: &str| InitError::variable_value(OTEL_TRACES_EXPORTER, v, "one of otlp, console, none");
    let mut found = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let exporter = match name.to_ascii_lowercase().as_str() {
            "otlp" => Exporter::Otlp,
            "console" => Exporter::Console,
            "none" => Exporter::Off,
            _ => return Err(bad(name)),
        };
        if !found.contains(&exporter) {
            found.push(exporter);
        }
    }
    if found.len() > 1 && found.contains(&Exporter::Off) {
        return Err(InitError::variable_value(
            OTEL_TRACES_EXPORTER,
            value,
            "none alone, or a list of otlp and console",
        ));
    }
    if found.is_empty() {
        return Err(bad(value));
    }
    Ok(found)
}

pub(super) fn protocol(value: Option<&str>, var: &'static str) -> Result<Protocol, InitError> {
    match value {
        None => Ok(Protocol::HttpProtobuf),
        Some(v) if v.eq_ignore_ascii_case("grpc") => Ok(Protocol::Grpc),
        Some(v) if v.eq_ignore_ascii_case("http/protobuf") => Ok(Protocol::HttpProtobuf),
        Some(v) => Err(InitError::variable_value(
            var,
            v,
            "one of grpc, http/protobuf",
        )),
    }
}

/// The sampler named by `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, or `None` for the
/// SDK's default (`parentbased_always_on`).
///
/// The SDK reads these too, but falls back to sampling everything on a name or ratio it does
/// not understand; here that is an error. The argument is read only by the ratio samplers
/// (the specification ignores it for the others) and defaults to 1.0.
pub(super) fn sampler(name: Option<&str>, arg: Option<&str>) -> Result<Option<Sampler>, InitError> {
    let Some(name) = name else {
        return Ok(None);
    };
    let ratio = || -> Result<f64, InitError> {
        let Some(arg) = arg else {
            return Ok(1.0);
        };
        match arg.parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
            _ => Err(InitError::variable_value(
                OTEL_TRACES_SAMPLER_ARG,
                arg,
                "a ratio from 0 to 1, such as 0.25",
            )),
        }
    };
    let parent_based = |root: Sampler| Sampler::ParentBased(Box::new(root));
    Ok(Some(match name.to_ascii_lowercase().as_str() {
        "always_on" => Sampler::AlwaysOn,
        "always_off" => Sampler::AlwaysOff,
        "traceidratio" => Sampler::TraceIdRatioBased(ratio()?),
        "parentbased_always_on" => parent_based(Sampler::AlwaysOn),
        "parentbased_always_off" => parent_based(Sampler::AlwaysOff),
        "parentbased_traceidratio" => parent_based(Sampler::TraceIdRatioBased(ratio()?)),
        _ => {
            return Err(InitError::variable_value(
                OTEL_TRACES_SAMPLER,
                name,
                format!("one of {SAMPLERS}"),
            ));
        }
    }))
}

pub(super) fn export_timeout(value: Option<&str>) -> Result<Duration, InitError> {
    millis(value, OTEL_BSP_EXPORT_TIMEOUT, DEFAULT_EXPORT_TIMEOUT)
}

/// A duration in whole milliseconds, `default` when unset.
pub(super) fn millis(
    value: Option<&str>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, InitError> {
    match value {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            InitError::variable_value(var, v, "a whole number of milliseconds, such as 30000")
        }),
    }
}

pub(super) fn log_format(value: Option<&str>) -> Result<LogFormat, InitError> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some("none") => Ok(LogFormat::Off),
        Some(_) => Err(InitError::variable_value(
            BATON_LOG_FORMAT,
            value.unwrap_or_default(),
            "one of text, json, none",
        )),
    }
}

pub(super) fn log_filter(value: &str) -> Result<tracing_subscriber::EnvFilter, InitError> {
    tracing_subscriber::EnvFilter::builder()
        .parse(value)
        .map_err(|err| {
            InitError::variable_value(
                RUST_LOG,
                value,
                format!("filter directives such as info,my_crate=debug ({err})"),
            )
        })
}

/// The URL the exporter is given: explicit, plain `http://`, and for OTLP/HTTP with the signal
/// path when the generic variable named only the collector.
///
/// A gRPC endpoint without a scheme (`collector:4317`) is taken as `http://collector:4317`:
/// opentelemetry-otlp 0.33 would take it as `https://`, and Baton builds no TLS, so that reading
/// could only fail at the first export; the plaintext reading is what such a value meant up to
/// 0.32, and what a local collector or a sidecar speaks. `https://` is refused for the same
/// reason: no TLS is built in.
/// The variables the exporter and the batch processor read themselves, checked here so that a
/// bad value is an error rather than their silent default (or, for the compression, a failure
/// only at install). Their use stays theirs.
pub(super) fn check_read_by_others(
    read: &dyn Fn(&'static str) -> Option<String>,
) -> Result<(), InitError> {
    for var in [
        "OTEL_EXPORTER_OTLP_COMPRESSION",
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    ] {
        if let Some(v) = read(var).filter(|v| v != "gzip") {
            return Err(InitError::variable_value(
                var,
                v,
                "gzip (the one compression built in; unset for none)",
            ));
        }
    }
    for var in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ] {
        if let Some(v) = read(var) {
            headers(&v).map_err(|item| {
                InitError::variable_value(
                    var,
                    item,
                    "a comma-separated list of key=value, the key a header name and the value \
                     percent-encoded UTF-8, such as api-key=secret,tenant=a%20b",
                )
            })?;
        }
    }
    for var in [
        "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    ] {
        if let Some(v) = read(var) {
            let valid = match v.parse::<u64>() {
                Ok(n) => var == "OTEL_BSP_SCHEDULE_DELAY" || n > 0,
                Err(_) => false,
            };
            if !valid {
                let expected = if var == "OTEL_BSP_SCHEDULE_DELAY" {
                    "a whole number of milliseconds, such as 5000"
                } else {
                    "a whole number above 0, such as 512"
                };
                return Err(InitError::variable_value(var, v, expected));
            }
        }
    }
    Ok(())
}

/// Checks a `key=value,...` header list; the bad item on failure.
fn headers(list: &str) -> Result<(), &str> {
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(item);
        };
        if http::HeaderName::from_bytes(key.trim().as_bytes()).is_err() {
            return Err(item);
        }
        let decoded = percent_decode(value.trim()).ok_or(item)?;
        if http::HeaderValue::from_str(&decoded).is_err() {
            return Err(item);
        }
    }
    Ok(())
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The endpoint when no variable and no code names one: the specification's, per protocol.
pub(super) fn default_endpoint(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Grpc => "http://localhost:4317",
        Protocol::HttpProtobuf => "http://localhost:4318/v1/traces",
    }
}

pub(super) fn endpoint_url(endpoint: &Endpoint, protocol: Protocol) -> Result<String, InitError> {
    let var = endpoint.var.unwrap_or(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
    let example = match protocol {
        Protocol::Grpc => "http://localhost:4317",
        Protocol::HttpProtobuf => "http://localhost:4318",
    };
    let bad = |why: &str| {
        InitError::variable_value(
            var,
            endpoint.value.as_str(),
            format!("an http:// URL such as {example}{why}"),
        )
    };
    let has_scheme = endpoint
        .value
        .split_once("://")
        .is_some_and(|(scheme, _)| !scheme.contains(['/', '?', '#']));
    let url = match (has_scheme, protocol) {
        (true, _) => endpoint.value.clone(),
        (false, Protocol::Grpc) => format!("http://{}", endpoint.value),
        (false, Protocol::HttpProtobuf) => return Err(bad("")),
    };
    let uri: http::Uri = url.parse().map_err(|_| bad(""))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => return Err(bad(" (https needs TLS, which baton does not build in)")),
        _ => return Err(bad("")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad(""));
    }
    if endpoint.generic && protocol == Protocol::HttpProtobuf {
        let base = url.trim_end_matches('/');
        return Ok(format!("{base}/v1/traces"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(value: &str, var: &'static str, generic: bool, protocol: Protocol) -> String {
        let endpoint = Endpoint {
            value: value.to_owned(),
            var: Some(var),
            generic,
        };
        endpoint_url(&endpoint, protocol).unwrap()
    }

    #[test]
    fn the_per_signal_endpoint_is_used_verbatim_and_the_generic_one_gets_the_signal_path() {
        let http = Protocol::HttpProtobuf;
        let traces = OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
        assert_eq!(url("http://c:4318", traces, false, http), "http://c:4318");
        assert_eq!(
            url("http://c:4318/x/", traces, false, http),
            "http://c:4318/x/"
        );
        let generic = OTEL_EXPORTER_OTLP_ENDPOINT;
        assert_eq!(
            url("http://c:4318", generic, true, http),
            "http://c:4318/v1/traces"
        );
        assert_eq!(
            url("http://c:4318/base/", generic, true, http),
            "http://c:4318/base/v1/traces"
        );
        // gRPC has no signal path, and a scheme-less endpoint is plaintext.
        assert_eq!(
            url("c:4317", generic, true, Protocol::Grpc),
            "http://c:4317"
        );
    }

    #[test]
    fn sdk_disabled_is_true_only_for_true_and_warns_on_other_values() {
        assert_eq!(disabled(Some("TRUE")), (true, None));
        assert_eq!(disabled(Some("false")), (false, None));
        assert_eq!(disabled(None), (false, None));
        let (off, warning) = disabled(Some("yes"));
        assert!(!off);
        assert_eq!(
            warning.as_deref(),
            Some(
                "OTEL_SDK_DISABLED is \"yes\", neither true nor false: taken as false, the SDK stays on"
            )
        );
    }
}
