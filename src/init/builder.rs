//! [`Init`]: the settings read from the variables, each one overridable in code, and
//! [`Init::install`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{RetryPolicy, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchSpanProcessor, Sampler, SdkTracerProvider};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::error::InitError;
use super::guard::InitGuard;
use super::losses::{Counted, Losses, SDK_EXPORT_ERROR};
use super::vars::{self, Endpoint, Exporter, LogFormat, Protocol};

/// The settings [`init`](super::init) installs, read from the variables and each one
/// overridable in code before [`install`](Self::install).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton::init::InitError> {
/// use baton::init::{Exporter, LogFormat, Protocol};
///
/// // The service was started with OTEL_EXPORTER_OTLP_PROTOCOL=grpc.
/// let env = |name: &str| (name == "OTEL_EXPORTER_OTLP_PROTOCOL").then(|| "grpc".to_owned());
/// let init = baton::Init::from_lookup(env)?
///     .service_name("orders")
///     .exporter(Exporter::Off)
///     .log_format(LogFormat::Off);
/// assert_eq!(init.get_protocol(), Protocol::Grpc);
/// let _guard = init.install()?;
/// # Ok(()) }
/// ```
pub struct Init {
    disabled: bool,
    exporters: Vec<Exporter>,
    protocol: Protocol,
    endpoint: Option<Endpoint>,
    sampler: Sampler,
    propagator: Box<dyn TextMapPropagator + Send + Sync>,
    export_timeout: Duration,
    /// `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`: each export is bounded by the smaller of this and
    /// `export_timeout`.
    otlp_timeout: Duration,
    /// Said once a subscriber is installed to say it.
    warnings: Vec<String>,
    log_format: LogFormat,
    log_filter: String,
    service_name: Option<String>,
}

impl fmt::Debug for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Init")
            .field("disabled", &self.disabled)
            .field("exporters", &self.exporters)
            .field("protocol", &self.protocol)
            .field("endpoint", &self.endpoint.as_ref().map(|e| &e.value))
            .field("sampler", &self.sampler)
            .field("propagator", &self.propagator.fields().collect::<Vec<_>>())
            .field("export_timeout", &self.export_timeout)
            .field("otlp_timeout", &self.otlp_timeout)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .field("service_name", &self.service_name)
            .finish()
    }
}

impl Init {
    /// Reads the settings from the process environment: [`from_lookup`](Self::from_lookup)
    /// over [`std::env::var`].
    ///
    /// # Examples
    ///
    /// ```
    /// // With none of the variables set, the specification's defaults.
    /// # if std::env::var_os("OTEL_EXPORTER_OTLP_PROTOCOL").is_none()
    /// #     && std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").is_none() {
    /// let init = baton::Init::from_env().unwrap();
    /// assert_eq!(init.get_protocol(), baton::init::Protocol::HttpProtobuf);
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`from_lookup`](Self::from_lookup).
    pub fn from_env() -> Result<Self, InitError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (a variable's name to its value), so a test or a
    /// configuration file can stand in for the environment.
    ///
    /// Only the variables `init` reads itself come through `lookup` (the first column of the
    /// [table](super#which-variable-is-read-by-whom)); those the SDK and the exporter read
    /// (`OTEL_SERVICE_NAME`, `OTEL_BSP_MAX_QUEUE_SIZE`, ...) they still read from the process
    /// environment. An empty value counts as unset, as the specification says.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = baton::Init::from_lookup(|name| match name {
    ///     "OTEL_TRACES_SAMPLER" => Some("traceidratio".to_owned()),
    ///     "OTEL_TRACES_SAMPLER_ARG" => Some("1.5".to_owned()),
    ///     _ => None,
    /// })
    /// .unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid OTEL_TRACES_SAMPLER_ARG \"1.5\": expected a ratio from 0 to 1, such as 0.25"
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// [`InitError`] naming the variable, its value and the valid values, for the first bad
    /// value found.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, InitError> {
        let read = |name| vars::read(&lookup, name);
        let (disabled, warning) = vars::disabled(read(vars::OTEL_SDK_DISABLED).as_deref());
        let exporters = vars::exporters(read(vars::OTEL_TRACES_EXPORTER).as_deref())?;
        let protocol = match read(vars::OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) {
            Some(v) => vars::protocol(Some(&v), vars::OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)?,
            None => vars::protocol(
                read(vars::OTEL_EXPORTER_OTLP_PROTOCOL).as_deref(),
                vars::OTEL_EXPORTER_OTLP_PROTOCOL,
            )?,
        };
        let endpoint = match read(vars::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
            Some(value) => Some(Endpoint {
                value,
                var: Some(vars::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
                generic: false,
            }),
            None => read(vars::OTEL_EXPORTER_OTLP_ENDPOINT).map(|value| Endpoint {
                value,
                var: Some(vars::OTEL_EXPORTER_OTLP_ENDPOINT),
                generic: true,
            }),
        };
        if let Some(endpoint) = &endpoint {
            vars::endpoint_url(endpoint, protocol)?;
        }
        // Set even when unset, so that the SDK never reads the process's own variables behind a
        // lookup standing in for them.
        let sampler = vars::sampler(
            read(vars::OTEL_TRACES_SAMPLER).as_deref(),
            read(vars::OTEL_TRACES_SAMPLER_ARG).as_deref(),
        )?
        .unwrap_or_else(|| Sampler::ParentBased(Box::new(Sampler::AlwaysOn)));
        let propagators = read(vars::OTEL_PROPAGATORS).unwrap_or_default();
        let propagator = baton_propagation::from_list(&propagators).map_err(|err| {
            InitError::variable_value(
                vars::OTEL_PROPAGATORS,
                err.value(),
                "a list of tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, datadog, none",
            )
        })?;
        let export_timeout = vars::export_timeout(read(vars::OTEL_BSP_EXPORT_TIMEOUT).as_deref())?;
        let otlp_timeout = match read(vars::OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) {
            Some(v) => vars::millis(
                Some(&v),
                vars::OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
                vars::DEFAULT_OTLP_TIMEOUT,
            )?,
            None => vars::millis(
                read(vars::OTEL_EXPORTER_OTLP_TIMEOUT).as_deref(),
                vars::OTEL_EXPORTER_OTLP_TIMEOUT,
                vars::DEFAULT_OTLP_TIMEOUT,
            )?,
        };
        vars::check_read_by_others(&|name| read(name))?;
        let log_format = vars::log_format(read(vars::BATON_LOG_FORMAT).as_deref())?;
        let log_filter = read(vars::RUST_LOG).unwrap_or_else(|| vars::DEFAULT_LOG_FILTER.into());
        vars::log_filter(&log_filter)?;
        Ok(Self {
            disabled,
            exporters,
            protocol,
            endpoint,
            sampler,
            propagator: Box::new(propagator),
            export_timeout,
            otlp_timeout,
            warnings: warning.into_iter().collect(),
            log_format,
            log_filter,
            service_name: None,
        })
    }

    /// Sets `service.name`, over `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
    ///
    /// # Examples
    ///
    /// ```
    /// let init = baton::Init::from_lookup(|_| None).unwrap().service_name("orders");
    /// assert!(format!("{init:?}").contains("\"orders\""));
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Turns the SDK off (`OTEL_SDK_DISABLED`): no tracer provider is installed, so nothing is
    /// recorded or exported; the propagator and the log subscriber are still installed, so
    /// inbound context still flows to outbound calls and logs are still written.
    ///
    /// # Examples
    ///
    /// ```
    /// let init = baton::Init::from_lookup(|_| None).unwrap().disabled(true);
    /// assert!(init.is_disabled());
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Whether the SDK is off.
    ///
    /// # Examples
    ///
    /// ```
    /// let env = |name: &str| (name == "OTEL_SDK_DISABLED").then(|| "TRUE".to_owned());
    /// assert!(baton::Init::from_lookup(env).unwrap().is_disabled());
    /// ```
    pub fn is_disabled(&self) -> bool {
        self.disabled
    }

    /// Sets the one exporter (`OTEL_TRACES_EXPORTER`).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton::init::Exporter;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap().exporter(Exporter::Console);
    /// assert_eq!(init.get_exporters(), [Exporter::Console]);
    /// ```
    pub fn exporter(mut self, exporter: Exporter) -> Self {
        self.exporters = vec![exporter];
        self
    }

    /// Sets the exporters (`OTEL_TRACES_EXPORTER`), console and OTLP at once say; an empty list
    /// or [`Exporter::Off`] alone exports nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton::init::Exporter;
    ///
    /// let init = baton::Init::from_lookup(|_| None)
    ///     .unwrap()
    ///     .exporters(&[Exporter::Console, Exporter::Otlp, Exporter::Console]);
    /// assert_eq!(init.get_exporters(), [Exporter::Console, Exporter::Otlp]);
    /// ```
    pub fn exporters(mut self, exporters: &[Exporter]) -> Self {
        self.exporters.clear();
        for exporter in exporters {
            if !self.exporters.contains(exporter) {
                self.exporters.push(*exporter);
            }
        }
        self
    }

    /// The exporters spans go to, in the order named.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton::init::Exporter;
    ///
    /// let env = |name: &str| (name == "OTEL_TRACES_EXPORTER").then(|| "console,otlp".to_owned());
    /// let init = baton::Init::from_lookup(env).unwrap();
    /// assert_eq!(init.get_exporters(), [Exporter::Console, Exporter::Otlp]);
    /// ```
    pub fn get_exporters(&self) -> &[Exporter] {
        &self.exporters
    }

    /// Sets the OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton::init::Protocol;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap().protocol(Protocol::Grpc);
    /// assert_eq!(init.get_protocol(), Protocol::Grpc);
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Sets the OTLP endpoint, used as given (for OTLP/HTTP, with the `/v1/traces` path):
    /// over `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and `OTEL_EXPORTER_OTLP_ENDPOINT`.
    ///
    /// # Examples
    ///
    /// ```
    /// let init = baton::Init::from_lookup(|_| None)
    ///     .unwrap()
    ///     .endpoint("http://collector:4318/v1/traces");
    /// assert!(format!("{init:?}").contains("http://collector:4318/v1/traces"));
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(Endpoint {
            value: url.into(),
            var: None,
            generic: false,
        });
        self
    }

    /// The OTLP transport (the name follows `std::process::Command::get_program`: the setter
    /// has the plain name).
    ///
    /// # Examples
    ///
    /// ```
    /// let env = |name: &str| (name == "OTEL_EXPORTER_OTLP_PROTOCOL").then(|| "grpc".to_owned());
    /// let init = baton::Init::from_lookup(env).unwrap();
    /// assert_eq!(init.get_protocol(), baton::init::Protocol::Grpc);
    /// ```
    pub fn get_protocol(&self) -> Protocol {
        self.protocol
    }

    /// How log lines are written.
    ///
    /// # Examples
    ///
    /// ```
    /// let init = baton::Init::from_lookup(|_| None).unwrap();
    /// assert_eq!(init.get_log_format(), baton::init::LogFormat::Text);
    /// ```
    pub fn get_log_format(&self) -> LogFormat {
        self.log_format
    }

    /// Sets the sampler (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry_sdk::trace::Sampler;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap().sampler(Sampler::AlwaysOff);
    /// assert!(format!("{init:?}").contains("AlwaysOff"));
    /// ```
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = sampler;
        self
    }

    /// The sampler: `OTEL_TRACES_SAMPLER`'s, or `parentbased_always_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry_sdk::trace::Sampler;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap();
    /// assert!(matches!(init.get_sampler(), Sampler::ParentBased(_)));
    /// ```
    pub fn get_sampler(&self) -> &Sampler {
        &self.sampler
    }

    /// The OTLP endpoint as configured, or the specification's default for the protocol
    /// (`http://localhost:4318/v1/traces`, or `http://localhost:4317` for gRPC). The generic
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` is shown as given: OTLP/HTTP appends `/v1/traces` to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton::init::Protocol;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap();
    /// assert_eq!(init.get_endpoint(), "http://localhost:4318/v1/traces");
    /// assert_eq!(init.protocol(Protocol::Grpc).get_endpoint(), "http://localhost:4317");
    /// ```
    pub fn get_endpoint(&self) -> &str {
        self.endpoint
            .as_ref()
            .map_or(vars::default_endpoint(self.protocol), |e| e.value.as_str())
    }

    /// The bound on each export and on the shutdown (`OTEL_BSP_EXPORT_TIMEOUT`).
    ///
    /// # Examples
    ///
    /// ```
    /// let env = |name: &str| (name == "OTEL_BSP_EXPORT_TIMEOUT").then(|| "2500".to_owned());
    /// let init = baton::Init::from_lookup(env).unwrap();
    /// assert_eq!(init.get_export_timeout().as_millis(), 2500);
    /// ```
    pub fn get_export_timeout(&self) -> Duration {
        self.export_timeout
    }

    /// Sets the propagator installed as the global one (`OTEL_PROPAGATORS`).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton::propagation::B3Propagator;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap().propagator(B3Propagator::default());
    /// assert!(format!("{init:?}").contains("\"b3\""));
    /// ```
    pub fn propagator(
        mut self,
        propagator: impl TextMapPropagator + Send + Sync + 'static,
    ) -> Self {
        self.propagator = Box::new(propagator);
        self
    }

    /// Sets the bound on each export (with the exporter's own `OTEL_EXPORTER_OTLP_TIMEOUT`, the
    /// smaller wins) and on the shutdown, the longest the guard's drop may take
    /// (`OTEL_BSP_EXPORT_TIMEOUT`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap().export_timeout(Duration::from_secs(3));
    /// assert!(format!("{init:?}").contains("3s"));
    /// ```
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export_timeout = timeout;
        self
    }

    /// Sets how log lines are written (`BATON_LOG_FORMAT`).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton::init::LogFormat;
    ///
    /// let init = baton::Init::from_lookup(|_| None).unwrap().log_format(LogFormat::Json);
    /// assert_eq!(init.get_log_format(), LogFormat::Json);
    /// ```
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.log_format = format;
        self
    }

    /// Sets which events are logged, in `RUST_LOG` syntax (`RUST_LOG`; `info,opentelemetry=warn`
    /// when unset).
    ///
    /// # Examples
    ///
    /// ```
    /// let init = baton::Init::from_lookup(|_| None).unwrap().log_filter("warn,orders=debug");
    /// assert!(format!("{init:?}").contains("warn,orders=debug"));
    /// ```
    pub fn log_filter(mut self, directives: impl Into<String>) -> Self {
        self.log_filter = directives.into();
        self
    }

    /// Installs it all: the tracer provider with a batch processor and the exporters as the
    /// global one, the propagator as the global one, and a `tracing` subscriber with Baton's
    /// log correlation filtered by `RUST_LOG` and `tracing-opentelemetry`'s layer (so `tracing`
    /// spans are exported too).
    ///
    /// # Examples
    ///
    /// See the [module](super) documentation.
    ///
    /// # Errors
    ///
    /// [`InitError`] for a bad value set in code (an endpoint, a filter), an exporter that
    /// cannot be built, or a global `tracing` subscriber already set (nothing is installed
    /// then).
    pub fn install(self) -> Result<InitGuard, InitError> {
        let filter = vars::log_filter(&self.log_filter)?;
        let losses = Arc::new(Losses::default());
        let (provider, runtime) = if self.disabled {
            (None, None)
        } else {
            let (provider, runtime) = self.provider(&losses)?;
            (Some(provider), runtime)
        };
        // A guard from here on, so that a failure below still shuts the provider down.
        let guard = InitGuard::new(provider.clone(), runtime, self.export_timeout, losses);
        let warnings = self.warnings;
        if self.log_format != LogFormat::Off {
            let otel = provider.as_ref().map(|p| {
                tracing_opentelemetry::layer()
                    .with_tracer(p.tracer("baton"))
                    // The exporters' own transports log through `tracing`: their spans,
                    // exported, would be exported again, without end.
                    .with_filter(filter_fn(|meta| {
                        !is_exporter_target(meta.target())
                            && !is_server_layer_span(meta.is_span(), meta.target())
                    }))
            });
            let (text, json) = match self.log_format {
                LogFormat::Json => (None, Some(stamp_request_id(baton_log::json_layer()))),
                _ => (Some(stamp_request_id(baton_log::fmt_layer())), None),
            };
            tracing_subscriber::registry()
                .with(filter)
                .with(filter_fn(|meta| meta.name() != SDK_EXPORT_ERROR))
                .with(text)
                .with(json)
                .with(otel)
                .try_init()
                .map_err(|_| InitError::subscriber_taken())?;
        }
        for warning in warnings {
            tracing::warn!("{warning}");
        }
        baton_propagation::global::set(baton_propagation::ForeignPropagator(PropagatorBox(
            self.propagator,
        )));
        if let Some(provider) = provider {
            opentelemetry::global::set_tracer_provider(provider);
        }
        Ok(guard)
    }

    fn provider(
        &self,
        losses: &Arc<Losses>,
    ) -> Result<(SdkTracerProvider, Option<tokio::runtime::Runtime>), InitError> {
        let mut resource = Resource::builder();
        if let Some(name) = &self.service_name {
            resource = resource.with_service_name(name.clone());
        }
        let mut builder = SdkTracerProvider::builder().with_resource(resource.build());
        builder = builder.with_sampler(self.sampler.clone());
        let mut runtime = None;
        for exporter in &self.exporters {
            builder = match exporter {
                Exporter::Off => builder,
                Exporter::Console => builder.with_span_processor(
                    BatchSpanProcessor::builder(Counted::new(
                        opentelemetry_stdout::SpanExporter::default(),
                        losses.clone(),
                    ))
                    .build(),
                ),
                Exporter::Otlp => {
                    let (exporter, rt) = self.otlp_exporter()?;
                    runtime = rt;
                    let exporter = Counted::new(exporter, losses.clone());
                    builder.with_span_processor(BatchSpanProcessor::builder(exporter).build())
                }
            };
        }
        Ok((builder.build(), runtime))
    }

    fn otlp_exporter(
        &self,
    ) -> Result<
        (
            opentelemetry_otlp::SpanExporter,
            Option<tokio::runtime::Runtime>,
        ),
        InitError,
    > {
        // Always explicit, so the exporter never falls back to the process's variables behind
        // a lookup standing in for them.
        let endpoint = match &self.endpoint {
            Some(e) => vars::endpoint_url(e, self.protocol)?,
            None => vars::default_endpoint(self.protocol).to_owned(),
        };
        let timeout = self.export_timeout.min(self.otlp_timeout);
        let builder = opentelemetry_otlp::SpanExporter::builder();
        match self.protocol {
            Protocol::HttpProtobuf => {
                let http = builder
                    .with_http()
                    .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                    .with_retry_policy(RetryPolicy::disabled())
                    .with_timeout(timeout)
                    .with_endpoint(endpoint);
                let exporter = http.build().map_err(InitError::exporter)?;
                Ok((exporter, None))
            }
            Protocol::Grpc => {
                // The channel's tasks run on this runtime, not the caller's: a shutdown
                // waiting for them from a current-thread runtime's only thread would deadlock.
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("baton-otlp-grpc")
                    .enable_all()
                    .build()
                    .map_err(InitError::runtime)?;
                // The exporter's own channel bounds each request by the timeout but not its
                // connect: a collector that drops SYNs (a full accept queue, a host that is
                // gone) held the batch processor's thread for the kernel's SYN retries, about
                // two minutes, and export resumed only after. This channel bounds both.
                let channel = tonic::transport::Endpoint::from_shared(endpoint.clone())
                    .map_err(|err| {
                        InitError::exporter(
                            opentelemetry_otlp::ExporterBuildError::InvalidConfiguration(format!(
                                "invalid gRPC endpoint {endpoint:?}: {err}"
                            )),
                        )
                    })?
                    .timeout(timeout)
                    .connect_timeout(timeout);
                let exporter = {
                    let _entered = runtime.enter();
                    builder
                        .with_tonic()
                        .with_protocol(opentelemetry_otlp::Protocol::Grpc)
                        .with_retry_policy(RetryPolicy::disabled())
                        // The exporter's deadline; the channel above carries the same one.
                        .with_timeout(timeout)
                        .with_channel(channel.connect_lazy())
                        .build()
                        .map_err(InitError::exporter)?
                };
                Ok((exporter, Some(runtime)))
            }
        }
    }
}

/// Targets whose spans and events the OpenTelemetry layer leaves out: the exporters' transports.
///
/// The first path segment is matched exactly: a prefix would also take in the instrumentation
/// built on those crates (`tower_http::trace`, `reqwest_tracing`), whose spans are the
/// application's.
fn is_exporter_target(target: &str) -> bool {
    const TRANSPORTS: [&str; 13] = [
        "opentelemetry",
        "opentelemetry_sdk",
        "opentelemetry_otlp",
        "opentelemetry_http",
        "opentelemetry-otlp",
        "h2",
        "hyper",
        "hyper_util",
        "tonic",
        "tower",
        "reqwest",
        "rustls",
        "tokio_util",
    ];
    let crate_name = target.split_once("::").map_or(target, |(first, _)| first);
    TRANSPORTS.contains(&crate_name)
}

/// The `request` span Baton's server layers enter for the handler's `tracing` code: the layer
/// has already recorded the server span through OpenTelemetry, so exporting this one too would
/// add a copy under it that ends after it (which the viewer flags as outliving its parent).
/// Left out, the events and `#[instrument]` spans inside fall back to the current OpenTelemetry
/// context, which is the server span.
fn is_server_layer_span(is_span: bool, target: &str) -> bool {
    is_span && target == "baton_interceptors::server"
}

/// A boxed propagator, for `global::set_text_map_propagator`, which takes a sized one.
#[derive(Debug)]
struct PropagatorBox(Box<dyn TextMapPropagator + Send + Sync>);

impl TextMapPropagator for PropagatorBox {
    fn inject_context(
        &self,
        cx: &opentelemetry::Context,
        injector: &mut dyn opentelemetry::propagation::Injector,
    ) {
        self.0.inject_context(cx, injector);
    }

    fn extract_with_context(
        &self,
        cx: &opentelemetry::Context,
        extractor: &dyn opentelemetry::propagation::Extractor,
    ) -> opentelemetry::Context {
        self.0.extract_with_context(cx, extractor)
    }

    fn fields(&self) -> opentelemetry::propagation::text_map_propagator::FieldIter<'_> {
        self.0.fields()
    }
}

/// With the interceptors built in, every line also carries the request id their server layers
/// bind ([`REQUEST_ID`](baton_interceptors::request_id::REQUEST_ID)); a line outside a request
/// has none and shows none.
#[cfg(feature = "interceptors")]
fn stamp_request_id<S, N, E, W, L>(
    layer: baton_log::CorrelatedLayer<S, N, E, W, L>,
) -> baton_log::CorrelatedLayer<S, N, E, W, L>
where
    S: tracing_core::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static,
    E: 'static,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + 'static,
    L: 'static,
    baton_log::Correlated<E, L>: tracing_subscriber::fmt::FormatEvent<S, N>,
{
    layer.with_local(&baton_interceptors::request_id::REQUEST_ID)
}

#[cfg(not(feature = "interceptors"))]
fn stamp_request_id<T>(layer: T) -> T {
    layer
}

#[cfg(test)]
mod tests {
    use super::{is_exporter_target, is_server_layer_span};

    #[test]
    fn the_server_layers_request_span_is_left_out_of_the_opentelemetry_layer() {
        assert!(is_server_layer_span(true, "baton_interceptors::server"));
        // Events there, and spans anywhere else, are kept.
        assert!(!is_server_layer_span(false, "baton_interceptors::server"));
        assert!(!is_server_layer_span(
            true,
            "baton_interceptors::server_app"
        ));
        assert!(!is_server_layer_span(true, "orders"));
    }

    #[test]
    fn the_exporters_transports_are_left_out_of_the_opentelemetry_layer() {
        for target in [
            "h2",
            "h2::proto::connection",
            "hyper_util::client::legacy::pool",
            "tonic::transport",
            "tower::buffer::worker",
            "reqwest::blocking::wait",
            "opentelemetry",
            "opentelemetry_sdk",
            "opentelemetry-otlp",
            "opentelemetry_otlp::exporter::http",
            "opentelemetry_http",
            "tokio_util::codec",
        ] {
            assert!(is_exporter_target(target), "{target}");
        }
        for target in [
            "orders",
            "h2o",
            "towering::inferno",
            "hyperion",
            "my_app::tonic_client",
            "tower_http::trace::make_span",
            "tower_http",
            "reqwest_tracing::x",
            "tonic_web",
            "opentelemetry_appender_tracing",
        ] {
            assert!(!is_exporter_target(target), "{target}");
        }
    }
}
