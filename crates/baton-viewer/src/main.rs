//! `baton-viewer`: an OTLP receiver on 127.0.0.1 that prints each completed trace as a
//! waterfall with a verdict on its propagation. `baton-viewer --help` lists the flags.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::time::Duration;

use baton_viewer::{
    DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT, JsonTrace, Receiver, ReceiverConfig, Stats, Trace,
    Waterfall,
};

const HELP: &str = "\
baton-viewer: receive OTLP traces on 127.0.0.1 and print each one once it is complete

USAGE:
    baton-viewer [FLAGS]

FLAGS:
    --grpc-port PORT            OTLP/gRPC port (default 4317; 0: any free port)
    --http-port PORT            OTLP/HTTP port, POST /v1/traces (default 4318; 0: any free port)
    --quiet-period DURATION     print a trace once its root arrived and no span did for this long
                                (default 1s)
    --rootless-wait DURATION    print a trace whose root never arrives after this long (default 10s)
    --json                      one JSON object per line instead of the waterfall
    --service NAME              only traces with a span of this service (repeatable)
    --trace-id HEX              only this trace (a prefix of its id is enough)
    --max-traces N              traces kept in memory; the oldest go first (default 10000)
    --max-spans-per-trace N     spans kept per trace (default 10000)
    --max-spans N               spans kept in all; the oldest traces go first (default 1000000)
    --max-body-bytes N          largest export request accepted (default 4194304)
    --color WHEN                auto, always or never (default auto: on a terminal unless NO_COLOR)
    -h, --help                  this help
    -V, --version               the version

DURATION is a number with a unit: 500ms, 2s, 1m.
Point a service at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 (HTTP) or
OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317.
";

const FLAGS: &str = "--grpc-port, --http-port, --quiet-period, --rootless-wait, --json, --service, \
--trace-id, --max-traces, --max-spans-per-trace, --max-spans, --max-body-bytes, --color, --help, --version";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug)]
struct Options {
    config: ReceiverConfig,
    json: bool,
    services: Vec<String>,
    trace_id: Option<String>,
    color: Color,
}

#[derive(Debug, PartialEq)]
enum Command {
    Run,
    Help,
    Version,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<(Command, Options), String> {
    let mut options = Options {
        config: ReceiverConfig::default(),
        json: false,
        services: Vec::new(),
        trace_id: None,
        color: Color::Auto,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value: {what}"))
        };
        let config = std::mem::take(&mut options.config);
        options.config = match flag.as_str() {
            "-h" | "--help" => return Ok((Command::Help, options)),
            "-V" | "--version" => return Ok((Command::Version, options)),
            "--grpc-port" => config.grpc_port(port(&flag, &value("a port number")?)?),
            "--http-port" => config.http_port(port(&flag, &value("a port number")?)?),
            "--quiet-period" => config.quiet_period(duration(&flag, &value("a duration")?)?),
            "--rootless-wait" => config.rootless_wait(duration(&flag, &value("a duration")?)?),
            "--max-traces" => config.max_traces(count(&flag, &value("a number")?)?),
            "--max-spans-per-trace" => {
                config.max_spans_per_trace(count(&flag, &value("a number")?)?)
            }
            "--max-spans" => config.max_spans(count(&flag, &value("a number")?)?),
            "--max-body-bytes" => {
                config.max_body_bytes(count(&flag, &value("a number of bytes")?)?)
            }
            "--json" => {
                options.json = true;
                config
            }
            "--service" => {
                options.services.push(value("a service name")?);
                config
            }
            "--trace-id" => {
                let id = value("hex digits")?;
                if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!(
                        "invalid value {id:?} for --trace-id: expected up to 32 hex digits"
                    ));
                }
                options.trace_id = Some(id.to_ascii_lowercase());
                config
            }
            "--color" => {
                options.color = match value("auto, always or never")?.as_str() {
                    "auto" => Color::Auto,
                    "always" => Color::Always,
                    "never" => Color::Never,
                    other => {
                        return Err(format!(
                            "invalid value {other:?} for --color: expected auto, always or never"
                        ));
                    }
                };
                config
            }
            other => return Err(format!("unknown flag {other:?}; valid flags: {FLAGS}")),
        };
    }
    Ok((Command::Run, options))
}

fn port(flag: &str, text: &str) -> Result<u16, String> {
    text.parse().map_err(|_| {
        format!("invalid value {text:?} for {flag}: expected a port number from 0 to 65535")
    })
}

fn count(flag: &str, text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "invalid value {text:?} for {flag}: expected a whole number above 0"
        )),
    }
}

fn duration(flag: &str, text: &str) -> Result<Duration, String> {
    let bad =
        || format!("invalid value {text:?} for {flag}: expected a duration like 500ms, 2s or 1m");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "m" => number
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

impl Options {
    fn wants(&self, trace: &Trace) -> bool {
        let service_ok = self.services.is_empty()
            || trace
                .spans()
                .any(|s| self.services.iter().any(|w| w == s.service_name()));
        let id_ok = self
            .trace_id
            .as_ref()
            .is_none_or(|id| trace.trace_id().starts_with(id.as_str()));
        service_ok && id_ok
    }

    fn colored(&self) -> bool {
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// A line on stderr when the receiver lost something since the last report: once per change,
/// not once per span.
fn report_losses(before: &mut (Stats, u64), now: Stats, missed: u64) {
    let (last, last_missed) = *before;
    let mut parts = Vec::new();
    if now.traces_evicted > last.traces_evicted {
        parts.push(format!(
            "{} traces evicted at the trace or span cap",
            now.traces_evicted
        ));
    }
    if now.spans_rejected > last.spans_rejected {
        parts.push(format!(
            "{} spans refused (invalid ids or the span cap)",
            now.spans_rejected
        ));
    }
    if now.requests_refused > last.requests_refused {
        parts.push(format!("{} export requests refused", now.requests_refused));
    }
    if missed > last_missed {
        parts.push(format!(
            "{missed} traces not printed (printing fell behind)"
        ));
    }
    if !parts.is_empty() {
        eprintln!("baton-viewer: so far {}", parts.join(", "));
    }
    *before = (now, missed);
}

#[tokio::main]
async fn main() -> ExitCode {
    let (command, options) = match parse(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("baton-viewer: {message}\n(see baton-viewer --help)");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("baton-viewer {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Run => {}
    }
    let receiver = match Receiver::start(options.config.clone()).await {
        Ok(receiver) => receiver,
        Err(error) => {
            eprintln!(
                "baton-viewer: {error}\n(is another collector, Jaeger say, on the OTLP ports? pick others with \
                 --grpc-port and --http-port; defaults {DEFAULT_GRPC_PORT} and {DEFAULT_HTTP_PORT})"
            );
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "baton-viewer: receiving OTLP on {} (gRPC) and {}/v1/traces (HTTP); Ctrl-C to stop",
        receiver.grpc_endpoint(),
        receiver.http_endpoint()
    );
    let color = options.colored();
    let mut completed = receiver.completed();
    let mut reported = (Stats::default(), 0);
    // Losses are reported on a tick too: an eviction with nothing completing after it would
    // otherwise go unreported.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let done = tokio::select! {
            next = completed.next() => match next {
                Some(done) => done,
                None => break,
            },
            _ = tick.tick() => {
                report_losses(&mut reported, receiver.stats(), completed.missed());
                continue;
            }
            _ = tokio::signal::ctrl_c() => break,
        };
        if options.wants(&done.trace) {
            let text = if options.json {
                format!("{}\n", JsonTrace::new(&done.trace).updated(done.updated))
            } else {
                format!(
                    "{}\n",
                    Waterfall::new(&done.trace)
                        .updated(done.updated)
                        .color(color)
                )
            };
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) ends the viewer quietly.
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                break;
            }
        }
        report_losses(&mut reported, receiver.stats(), completed.missed());
    }
    receiver.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<(Command, Options), String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags_set_the_receiver_and_the_printing() {
        let (command, options) =
            args("--grpc-port 14317 --http-port=0 --quiet-period 250ms --rootless-wait 1m --json --service a --service b --trace-id ABC --color never")
                .unwrap();
        assert_eq!(command, Command::Run);
        assert_eq!(options.config.grpc_addr().port(), 14317);
        assert_eq!(options.config.http_addr().port(), 0);
        assert!(options.json);
        assert_eq!(options.services, ["a", "b"]);
        assert_eq!(options.trace_id.as_deref(), Some("abc"));
        assert_eq!(options.color, Color::Never);
        assert_eq!(args("").unwrap().1.config.grpc_addr().port(), 4317);
        assert_eq!(args("--json -h").unwrap().0, Command::Help);
        assert_eq!(duration("--x", "250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("--x", "1m"), Ok(Duration::from_secs(60)));
        let (_, options) = args("--max-spans 20 --quiet-period 18446744073709551615s").unwrap();
        assert_eq!(options.config.get_max_spans(), 20);
    }

    #[test]
    fn filters_pick_traces_by_service_and_trace_id_prefix() {
        let trace = Trace::example();
        let wants = |line: &str| args(line).unwrap().1.wants(&trace);
        assert!(wants(""));
        assert!(wants("--service nope --service orders"));
        assert!(!wants("--service nope"));
        assert!(wants("--trace-id 4BF92F"));
        assert!(!wants("--trace-id 4bf93"));
        assert!(!wants("--service gateway --trace-id 0af7"));
    }

    #[test]
    fn bad_flags_name_the_value_and_the_valid_ones() {
        let err = |line: &str| args(line).unwrap_err();
        assert_eq!(
            err("--grpc-port 99999"),
            "invalid value \"99999\" for --grpc-port: expected a port number from 0 to 65535"
        );
        assert_eq!(
            err("--quiet-period 5"),
            "invalid value \"5\" for --quiet-period: expected a duration like 500ms, 2s or 1m"
        );
        assert_eq!(
            err("--quiet-period 2h"),
            "invalid value \"2h\" for --quiet-period: expected a duration like 500ms, 2s or 1m"
        );
        assert_eq!(
            err("--max-traces 0"),
            "invalid value \"0\" for --max-traces: expected a whole number above 0"
        );
        assert_eq!(
            err("--color sometimes"),
            "invalid value \"sometimes\" for --color: expected auto, always or never"
        );
        assert_eq!(
            err("--trace-id xyz"),
            "invalid value \"xyz\" for --trace-id: expected up to 32 hex digits"
        );
        assert_eq!(err("--service"), "--service needs a value: a service name");
        assert!(
            err("--port 1")
                .starts_with("unknown flag \"--port\"; valid flags: --grpc-port, --http-port,")
        );
    }
}
