//! The loopback HTTP hop: an axum server and a reqwest client in one 2-worker tokio runtime,
//! with a fixed number of requests in flight.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;

use crate::{BODY, ROUTE, cpu, hand_written};

/// One way of instrumenting both ends of the hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// No instrumentation at all.
    Uninstrumented,
    /// The hand-written stack of [`hand_written`]: client span and server span.
    HandWritten,
    /// axum-tracing-opentelemetry's `OtelAxumLayer` on the server, the hand-written client span.
    Popular,
    /// Baton: `HttpServerLayer::new()` on the server, `TraceMiddleware::new()` on the client,
    /// both with their defaults (the global tracer, `baton_propagation::from_env()`).
    Baton,
}

impl Stack {
    /// Every stack, in the order the bench prints them.
    pub const ALL: [Stack; 4] = [
        Stack::Uninstrumented,
        Stack::Baton,
        Stack::HandWritten,
        Stack::Popular,
    ];

    /// The name a row is printed and selected by.
    pub fn name(self) -> &'static str {
        match self {
            Stack::Uninstrumented => "uninstrumented",
            Stack::HandWritten => "hand-written",
            Stack::Popular => "popular",
            Stack::Baton => "baton",
        }
    }

    /// The stack named `name`, as [`Stack::name`] spells it.
    pub fn from_name(name: &str) -> Option<Stack> {
        Stack::ALL.into_iter().find(|stack| stack.name() == name)
    }

    /// The server's router with this stack's server instrumentation.
    pub fn router(self) -> Router {
        let router = Router::new().route(ROUTE, get(|| async { BODY }));
        match self {
            Stack::Uninstrumented => router,
            Stack::HandWritten => {
                router.route_layer(axum::middleware::from_fn(hand_written::server_span))
            }
            Stack::Popular => {
                router.layer(axum_tracing_opentelemetry::middleware::OtelAxumLayer::default())
            }
            Stack::Baton => router.layer(baton_interceptors::server::HttpServerLayer::new()),
        }
    }

    /// Sends one GET and reads the body, with this stack's client instrumentation.
    ///
    /// # Errors
    ///
    /// What reqwest returns for the request or its body.
    pub async fn send(self, client: &Client, url: &reqwest::Url) -> reqwest::Result<usize> {
        match (self, client) {
            (Stack::Baton, Client::Baton(client)) => {
                let response =
                    client
                        .get(url.clone())
                        .send()
                        .await
                        .map_err(|error| match error {
                            reqwest_middleware::Error::Reqwest(error) => error,
                            reqwest_middleware::Error::Middleware(error) => {
                                panic!("middleware: {error}")
                            }
                        })?;
                Ok(response.bytes().await?.len())
            }
            (Stack::HandWritten | Stack::Popular, Client::Plain(client)) => {
                hand_written::get(client, url).await
            }
            (_, Client::Plain(client)) => {
                let response = client.get(url.clone()).send().await?;
                Ok(response.bytes().await?.len())
            }
            (_, Client::Baton(_)) => unreachable!("only the Baton stack has a Baton client"),
        }
    }

    /// The stack's client: reqwest alone, or behind Baton's middleware.
    ///
    /// # Panics
    ///
    /// If reqwest cannot build a client.
    pub fn client(self) -> Client {
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        match self {
            Stack::Baton => Client::Baton(
                reqwest_middleware::ClientBuilder::new(client)
                    .with(baton_interceptors::reqwest::TraceMiddleware::new())
                    .build(),
            ),
            _ => Client::Plain(client),
        }
    }
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stack's HTTP client.
#[derive(Debug, Clone)]
pub enum Client {
    /// reqwest alone (the hand-written client span, if any, is made around it).
    Plain(reqwest::Client),
    /// reqwest behind reqwest-middleware with Baton's `TraceMiddleware`.
    Baton(reqwest_middleware::ClientWithMiddleware),
}

/// What one run of a stack measured.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Requests completed.
    pub requests: u64,
    /// Wall time from the first request sent to the last body read.
    pub wall: Duration,
    /// Process CPU time (user + system, every thread) over the same interval.
    pub cpu: Duration,
}

impl Run {
    /// Requests per second of wall time.
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }

    /// Process CPU time per request, in microseconds.
    pub fn cpu_micros(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests as f64
    }
}

/// A server of one stack listening on 127.0.0.1, and a client of the same stack.
#[derive(Debug)]
pub struct Hop {
    stack: Stack,
    client: Client,
    url: reqwest::Url,
    server: tokio::task::JoinHandle<()>,
}

impl Hop {
    /// Starts the stack's server on an ephemeral port of 127.0.0.1 and builds its client.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound or the client cannot be built.
    pub async fn start(stack: Stack) -> Hop {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let router = stack.router();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve");
        });
        let client = stack.client();
        let url = format!("http://{addr}/users/123").parse().expect("url");
        Hop {
            stack,
            client,
            url,
            server,
        }
    }

    /// Sends `requests` GETs with `in_flight` of them outstanding at any time, and measures.
    ///
    /// # Panics
    ///
    /// If a request fails or a body is not the route's.
    pub async fn drive(&self, requests: u64, in_flight: usize) -> Run {
        let tickets = Arc::new(AtomicU64::new(requests));
        let start_cpu = cpu::process_time();
        let start = Instant::now();
        let workers: Vec<_> = (0..in_flight)
            .map(|_| {
                let tickets = Arc::clone(&tickets);
                let (stack, client, url) = (self.stack, self.client.clone(), self.url.clone());
                tokio::spawn(async move {
                    while tickets
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                        .is_ok()
                    {
                        let len = stack.send(&client, &url).await.expect("request");
                        assert_eq!(len, BODY.len(), "the route's body");
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.expect("worker");
        }
        let wall = start.elapsed();
        let cpu = cpu::process_time().saturating_sub(start_cpu);
        Run {
            requests,
            wall,
            cpu,
        }
    }
}

impl Drop for Hop {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The runtime every row runs in: 2 worker threads, I/O and timers on.
///
/// # Panics
///
/// If the runtime cannot be built.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
