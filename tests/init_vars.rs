//! The variables `init` reads, read through `Init::from_lookup`: every bad value is an error
//! naming the variable, the value and the valid ones; every good value is taken. No process
//! state is touched, so these run in parallel in one binary.

use std::time::Duration;

use baton::Init;
use baton::init::{Exporter, InitError, LogFormat, Protocol};

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn read(vars: &[(&str, &str)]) -> Result<Init, InitError> {
    Init::from_lookup(lookup(vars))
}

#[track_caller]
fn error(vars: &[(&str, &str)]) -> InitError {
    read(vars).expect_err("a bad value must be an error")
}

#[track_caller]
fn assert_error(vars: &[(&str, &str)], variable: &str, value: &str, message: &str) {
    let err = error(vars);
    assert_eq!(err.variable(), Some(variable), "{err}");
    assert_eq!(err.value(), Some(value), "{err}");
    assert_eq!(err.to_string(), message);
}

#[test]
fn nothing_set_means_the_specification_defaults() {
    let init = read(&[]).unwrap();
    assert!(!init.is_disabled());
    assert_eq!(init.get_exporters(), [Exporter::Otlp]);
    assert_eq!(init.get_protocol(), Protocol::HttpProtobuf);
    assert_eq!(init.get_log_format(), LogFormat::Text);
    // Set explicitly, so the SDK and the exporter never read the process's own variables.
    assert_eq!(format!("{:?}", init.get_sampler()), "ParentBased(AlwaysOn)");
    assert_eq!(init.get_endpoint(), "http://localhost:4318/v1/traces");
    assert_eq!(init.get_export_timeout(), Duration::from_secs(30));
    let debug = format!("{init:?}");
    assert!(
        debug.contains("[\"traceparent\", \"tracestate\", \"baggage\"]"),
        "{debug}"
    );
    assert!(
        debug.contains("log_filter: \"info,opentelemetry=warn\""),
        "{debug}"
    );
}

#[test]
fn empty_values_count_as_unset() {
    let init = read(&[
        ("OTEL_TRACES_EXPORTER", ""),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", " "),
        ("OTEL_TRACES_SAMPLER", ""),
        ("OTEL_SDK_DISABLED", ""),
    ])
    .unwrap();
    assert_eq!(init.get_exporters(), [Exporter::Otlp]);
    assert_eq!(init.get_protocol(), Protocol::HttpProtobuf);
    assert!(!init.is_disabled());
}

#[test]
fn sdk_disabled() {
    assert!(
        read(&[("OTEL_SDK_DISABLED", "true")])
            .unwrap()
            .is_disabled()
    );
    assert!(
        read(&[("OTEL_SDK_DISABLED", "TRUE")])
            .unwrap()
            .is_disabled()
    );
    assert!(
        !read(&[("OTEL_SDK_DISABLED", "false")])
            .unwrap()
            .is_disabled()
    );
    // The specification: anything but a case-insensitive `true` is false (with a warning).
    for other in ["yes", "1", "on", "False"] {
        assert!(
            !read(&[("OTEL_SDK_DISABLED", other)]).unwrap().is_disabled(),
            "{other}"
        );
    }
}

#[test]
fn traces_exporter() {
    let exporters = |v| {
        read(&[("OTEL_TRACES_EXPORTER", v)])
            .unwrap()
            .get_exporters()
            .to_vec()
    };
    assert_eq!(exporters("otlp"), [Exporter::Otlp]);
    assert_eq!(exporters("console"), [Exporter::Console]);
    assert_eq!(exporters("none"), [Exporter::Off]);
    assert_eq!(
        exporters(" OTLP , console,otlp"),
        [Exporter::Otlp, Exporter::Console]
    );
    assert_error(
        &[("OTEL_TRACES_EXPORTER", "otlp,jaeger")],
        "OTEL_TRACES_EXPORTER",
        "jaeger",
        "invalid OTEL_TRACES_EXPORTER \"jaeger\": expected one of otlp, console, none",
    );
    assert_error(
        &[("OTEL_TRACES_EXPORTER", "none,otlp")],
        "OTEL_TRACES_EXPORTER",
        "none,otlp",
        "invalid OTEL_TRACES_EXPORTER \"none,otlp\": expected none alone, or a list of otlp and console",
    );
    assert_error(
        &[("OTEL_TRACES_EXPORTER", ",")],
        "OTEL_TRACES_EXPORTER",
        ",",
        "invalid OTEL_TRACES_EXPORTER \",\": expected one of otlp, console, none",
    );
}

#[test]
fn protocol_per_signal_first_then_generic() {
    let protocol = |vars: &[(&str, &str)]| read(vars).unwrap().get_protocol();
    assert_eq!(
        protocol(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]),
        Protocol::Grpc
    );
    assert_eq!(
        protocol(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]),
        Protocol::HttpProtobuf
    );
    assert_eq!(
        protocol(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ]),
        Protocol::Grpc
    );
    assert_error(
        &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")],
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "http/json",
        "invalid OTEL_EXPORTER_OTLP_PROTOCOL \"http/json\": expected one of grpc, http/protobuf",
    );
    // A bad per-signal value is not hidden by a good generic one.
    assert_error(
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "udp"),
        ],
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "udp",
        "invalid OTEL_EXPORTER_OTLP_TRACES_PROTOCOL \"udp\": expected one of grpc, http/protobuf",
    );
}

#[test]
fn endpoints() {
    let endpoint = |vars: &[(&str, &str)]| read(vars).unwrap().get_endpoint().to_owned();
    // The generic endpoint gets the signal path only at install, for OTLP/HTTP; here it is kept
    // as given.
    assert_eq!(
        endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")]),
        "http://collector:4318"
    );
    // The per-signal endpoint wins over the generic one.
    assert_eq!(
        endpoint(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://traces:4318/v1/traces"
            ),
        ]),
        "http://traces:4318/v1/traces"
    );
    assert_eq!(
        endpoint(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]),
        "http://localhost:4317"
    );
    // A gRPC endpoint without a scheme is accepted (taken as http://).
    read(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
    ])
    .unwrap();
}

#[test]
fn malformed_endpoints() {
    assert_error(
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")],
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "collector:4318",
        "invalid OTEL_EXPORTER_OTLP_ENDPOINT \"collector:4318\": expected an http:// URL such as http://localhost:4318",
    );
    assert_error(
        &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://")],
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "http://",
        "invalid OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \"http://\": expected an http:// URL such as http://localhost:4318",
    );
    assert_error(
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4318")],
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "ftp://collector:4318",
        "invalid OTEL_EXPORTER_OTLP_ENDPOINT \"ftp://collector:4318\": expected an http:// URL such as http://localhost:4318",
    );
    assert_error(
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://col lector:4317"),
        ],
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "http://col lector:4317",
        "invalid OTEL_EXPORTER_OTLP_ENDPOINT \"http://col lector:4317\": expected an http:// URL such as http://localhost:4317",
    );
    assert_error(
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://collector:4317",
            ),
        ],
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "https://collector:4317",
        "invalid OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \"https://collector:4317\": expected an http:// URL such as http://localhost:4317 (https needs TLS, which baton does not build in)",
    );
}

#[test]
fn an_endpoint_set_in_code_is_checked_at_install() {
    let err = read(&[])
        .unwrap()
        .exporter(Exporter::Otlp)
        .log_format(LogFormat::Off)
        .endpoint("localhost:4318")
        .install()
        .expect_err("a scheme-less OTLP/HTTP endpoint");
    assert_eq!(
        err.to_string(),
        "invalid OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \"localhost:4318\": expected an http:// URL such as http://localhost:4318"
    );
}

#[test]
fn samplers() {
    let sampler = |vars: &[(&str, &str)]| format!("{:?}", read(vars).unwrap().get_sampler());
    let named = |name| sampler(&[("OTEL_TRACES_SAMPLER", name)]);
    assert_eq!(named("always_on"), "AlwaysOn");
    assert_eq!(named("always_off"), "AlwaysOff");
    assert_eq!(named("traceidratio"), "TraceIdRatioBased(1.0)");
    assert_eq!(named("parentbased_always_on"), "ParentBased(AlwaysOn)");
    assert_eq!(named("parentbased_always_off"), "ParentBased(AlwaysOff)");
    assert_eq!(
        named("parentbased_traceidratio"),
        "ParentBased(TraceIdRatioBased(1.0))"
    );
    assert_eq!(
        sampler(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25")
        ]),
        "TraceIdRatioBased(0.25)"
    );
    assert_eq!(
        sampler(&[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0")
        ]),
        "ParentBased(TraceIdRatioBased(0.0))"
    );
    // The argument means nothing to the other samplers (the specification ignores it there).
    assert_eq!(
        sampler(&[
            ("OTEL_TRACES_SAMPLER", "always_on"),
            ("OTEL_TRACES_SAMPLER_ARG", "7")
        ]),
        "AlwaysOn"
    );
}

#[test]
fn bad_samplers() {
    let expected = "always_on, always_off, traceidratio, parentbased_always_on, \
                    parentbased_always_off, parentbased_traceidratio";
    for name in ["jaeger_remote", "xray", "AlwaysOn"] {
        assert_error(
            &[("OTEL_TRACES_SAMPLER", name)],
            "OTEL_TRACES_SAMPLER",
            name,
            &format!("invalid OTEL_TRACES_SAMPLER \"{name}\": expected one of {expected}"),
        );
    }
    for (sampler, arg) in [
        ("traceidratio", "1.5"),
        ("traceidratio", "-0.1"),
        ("parentbased_traceidratio", "half"),
        ("traceidratio", "NaN"),
    ] {
        assert_error(
            &[
                ("OTEL_TRACES_SAMPLER", sampler),
                ("OTEL_TRACES_SAMPLER_ARG", arg),
            ],
            "OTEL_TRACES_SAMPLER_ARG",
            arg,
            &format!(
                "invalid OTEL_TRACES_SAMPLER_ARG \"{arg}\": expected a ratio from 0 to 1, such as 0.25"
            ),
        );
    }
}

#[test]
fn propagators() {
    let fields = |v| {
        let debug = format!("{:?}", read(&[("OTEL_PROPAGATORS", v)]).unwrap());
        let start = debug.find("propagator: ").unwrap();
        let end = debug[start..].find(", export_timeout").unwrap();
        debug[start + "propagator: ".len()..start + end].to_owned()
    };
    assert_eq!(fields("b3,jaeger"), "[\"b3\", \"uber-trace-id\"]");
    assert_eq!(fields("none"), "[]");
    assert_error(
        &[("OTEL_PROPAGATORS", "tracecontext,zipkin")],
        "OTEL_PROPAGATORS",
        "zipkin",
        "invalid OTEL_PROPAGATORS \"zipkin\": expected a list of tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, datadog, none",
    );
}

#[test]
fn export_timeout() {
    let init = read(&[("OTEL_BSP_EXPORT_TIMEOUT", "1500")]).unwrap();
    assert_eq!(init.get_export_timeout(), Duration::from_millis(1500));
    for var in [
        "OTEL_BSP_EXPORT_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    ] {
        for bad in ["1.5s", "-1", "soon"] {
            assert_error(
                &[(var, bad)],
                var,
                bad,
                &format!(
                    "invalid {var} \"{bad}\": expected a whole number of milliseconds, such as 30000"
                ),
            );
        }
    }
    // A bad per-signal value is not hidden by a good generic one.
    assert_error(
        &[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "x"),
        ],
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "x",
        "invalid OTEL_EXPORTER_OTLP_TRACES_TIMEOUT \"x\": expected a whole number of milliseconds, such as 30000",
    );
}

#[test]
fn log_format() {
    let format = |v| read(&[("BATON_LOG_FORMAT", v)]).unwrap().get_log_format();
    assert_eq!(format("text"), LogFormat::Text);
    assert_eq!(format("JSON"), LogFormat::Json);
    assert_eq!(format("none"), LogFormat::Off);
    assert_error(
        &[("BATON_LOG_FORMAT", "logfmt")],
        "BATON_LOG_FORMAT",
        "logfmt",
        "invalid BATON_LOG_FORMAT \"logfmt\": expected one of text, json, none",
    );
}

#[test]
fn log_filter() {
    let debug = format!("{:?}", read(&[("RUST_LOG", "warn,orders=debug")]).unwrap());
    assert!(
        debug.contains("log_filter: \"warn,orders=debug\""),
        "{debug}"
    );
    let err = error(&[("RUST_LOG", "orders=loud")]);
    assert_eq!(err.variable(), Some("RUST_LOG"));
    assert_eq!(err.value(), Some("orders=loud"));
    assert!(
        err.to_string()
            .starts_with("invalid RUST_LOG \"orders=loud\": expected filter directives such as info,my_crate=debug ("),
        "{err}"
    );
}

#[test]
fn variables_the_exporter_and_processor_read_are_checked_too() {
    read(&[
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=s3cr%2Ct, tenant=a%20b",
        ),
        ("OTEL_BSP_SCHEDULE_DELAY", "0"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "4096"),
    ])
    .unwrap();
    for var in [
        "OTEL_EXPORTER_OTLP_COMPRESSION",
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    ] {
        assert_error(
            &[(var, "zstd")],
            var,
            "zstd",
            &format!(
                "invalid {var} \"zstd\": expected gzip (the one compression built in; unset for none)"
            ),
        );
    }
    let headers = "a comma-separated list of key=value, the key a header name and the value \
                   percent-encoded UTF-8, such as api-key=secret,tenant=a%20b";
    for (value, item) in [
        ("api-key", "api-key"),
        ("ok=1,bad key=2", "bad key=2"),
        ("k=%zz", "k=%zz"),
        ("k=%ff", "k=%ff"),
    ] {
        for var in [
            "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        ] {
            assert_error(
                &[(var, value)],
                var,
                item,
                &format!("invalid {var} \"{item}\": expected {headers}"),
            );
        }
    }
    assert_error(
        &[("OTEL_BSP_SCHEDULE_DELAY", "5s")],
        "OTEL_BSP_SCHEDULE_DELAY",
        "5s",
        "invalid OTEL_BSP_SCHEDULE_DELAY \"5s\": expected a whole number of milliseconds, such as 5000",
    );
    for var in ["OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] {
        for bad in ["0", "-1", "lots"] {
            assert_error(
                &[(var, bad)],
                var,
                bad,
                &format!("invalid {var} \"{bad}\": expected a whole number above 0, such as 512"),
            );
        }
    }
}
