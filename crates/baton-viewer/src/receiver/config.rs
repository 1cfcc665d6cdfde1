//! How a receiver listens and how much it keeps.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::store::Limits;

/// Where a [`Receiver`](crate::Receiver) listens and how much it keeps.
///
/// The default is the OTLP ports on 127.0.0.1 (gRPC 4317, HTTP 4318); [`ephemeral`](Self::ephemeral)
/// lets the system pick free ports, for tests.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use baton_viewer::ReceiverConfig;
///
/// let config = ReceiverConfig::default()
///     .grpc_port(14317)
///     .quiet_period(Duration::from_millis(500))
///     .max_traces(1_000);
/// assert_eq!(config.grpc_addr().port(), 14317);
/// assert_eq!(config.http_addr().port(), 4318);
/// ```
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub(crate) grpc_addr: SocketAddr,
    pub(crate) http_addr: SocketAddr,
    pub(crate) max_traces: usize,
    pub(crate) max_spans_per_trace: usize,
    pub(crate) max_spans: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) quiet_period: Duration,
    pub(crate) rootless_wait: Duration,
}

/// The longest quiet period or rootless wait: a year, which in a viewer means "never", and
/// keeps every deadline computed from it representable.
const MAX_WAIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// OTLP's default gRPC port.
pub const DEFAULT_GRPC_PORT: u16 = 4317;
/// OTLP's default HTTP port.
pub const DEFAULT_HTTP_PORT: u16 = 4318;

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            grpc_addr: (Ipv4Addr::LOCALHOST, DEFAULT_GRPC_PORT).into(),
            http_addr: (Ipv4Addr::LOCALHOST, DEFAULT_HTTP_PORT).into(),
            max_traces: 10_000,
            max_spans_per_trace: 10_000,
            // The two caps above alone would allow 10^8 spans; this is what bounds memory.
            max_spans: 1_000_000,
            // tonic's default decode limit, so both protocols refuse the same sizes.
            max_body_bytes: 4 * 1024 * 1024,
            quiet_period: Duration::from_secs(1),
            rootless_wait: Duration::from_secs(10),
        }
    }
}

impl ReceiverConfig {
    /// 127.0.0.1 with ports the system picks (read them back from the receiver): for tests.
    pub fn ephemeral() -> Self {
        ReceiverConfig::default().grpc_port(0).http_port(0)
    }

    /// The gRPC port on 127.0.0.1 (0: any free port).
    pub fn grpc_port(mut self, port: u16) -> Self {
        self.grpc_addr.set_port(port);
        self
    }

    /// The HTTP port on 127.0.0.1 (0: any free port).
    pub fn http_port(mut self, port: u16) -> Self {
        self.http_addr.set_port(port);
        self
    }

    /// The gRPC address, for listening beyond 127.0.0.1 (in a container, say).
    pub fn grpc_listen(mut self, addr: SocketAddr) -> Self {
        self.grpc_addr = addr;
        self
    }

    /// The HTTP address, for listening beyond 127.0.0.1.
    pub fn http_listen(mut self, addr: SocketAddr) -> Self {
        self.http_addr = addr;
        self
    }

    /// How many traces are kept; past it, the oldest (by first span) is evicted and counted in
    /// [`Stats::traces_evicted`](crate::Stats::traces_evicted). Default 10,000. At least 1.
    pub fn max_traces(mut self, max: usize) -> Self {
        self.max_traces = max.max(1);
        self
    }

    /// How many spans one trace keeps; past it, spans are refused (counted on the trace and in
    /// [`Stats::spans_rejected`](crate::Stats::spans_rejected), and reported to the sender as a
    /// partial success). Default 10,000. At least 1.
    pub fn max_spans_per_trace(mut self, max: usize) -> Self {
        self.max_spans_per_trace = max.max(1);
        self
    }

    /// How many spans are kept in all; past it, the oldest traces are evicted (counted in
    /// [`Stats::traces_evicted`](crate::Stats::traces_evicted) and
    /// [`Stats::spans_evicted`](crate::Stats::spans_evicted)) until the rest fit. Default
    /// 1,000,000. At least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// let config = baton_viewer::ReceiverConfig::default().max_spans(50_000);
    /// assert_eq!(config.get_max_spans(), 50_000);
    /// ```
    pub fn max_spans(mut self, max: usize) -> Self {
        self.max_spans = max.max(1);
        self
    }

    /// The cap on spans kept in all.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baton_viewer::ReceiverConfig::default().get_max_spans(), 1_000_000);
    /// ```
    pub fn get_max_spans(&self) -> usize {
        self.max_spans
    }

    /// The largest request accepted, checked before decoding, after decompression too.
    /// Default 4 MiB.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// How long a trace with a root must go without a new span before it counts as complete.
    /// Default 1 s; at most a year (longer is taken as a year).
    pub fn quiet_period(mut self, quiet: Duration) -> Self {
        self.quiet_period = quiet.min(MAX_WAIT);
        self
    }

    /// How long a trace with no root yet waits for one before it is completed anyway (its
    /// orphans then show in its verdict). Default 10 s; at most a year.
    pub fn rootless_wait(mut self, wait: Duration) -> Self {
        self.rootless_wait = wait.min(MAX_WAIT);
        self
    }

    /// The gRPC address.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// The HTTP address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub(crate) fn limits(&self) -> Limits {
        Limits {
            max_traces: self.max_traces,
            max_spans_per_trace: self.max_spans_per_trace,
            max_spans: self.max_spans,
            quiet_period: self.quiet_period,
            rootless_wait: self.rootless_wait,
        }
    }
}
