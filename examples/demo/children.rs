//! The orchestrator's child processes: one service each, its `listening on` line read for the
//! port, its JSON log lines collected from stdout.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

use crate::service::BoxError;

/// A service running as a child process of this binary; killed when dropped.
pub(crate) struct Service {
    pub(crate) addr: SocketAddr,
    child: Child,
}

impl Service {
    /// Starts `demo ROLE` with `env` on top of the orchestrator's environment, waits for its
    /// `listening on ADDR` line, and sends every later line of its stdout to `logs`.
    pub(crate) async fn start(
        role: &'static str,
        env: &[(&str, String)],
        logs: &Logs,
    ) -> Result<Service, BoxError> {
        let mut command = Command::new(std::env::current_exe()?);
        command
            .arg(role)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .map_err(|_| format!("{role} did not start listening within 30 s"))??
            .ok_or_else(|| format!("{role} exited before listening (its error is above)"))?;
        let addr = first
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("{role} printed {first:?} instead of `listening on ADDR`"))?;
        let logs = logs.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                logs.push(LogLine::parse(role, &line));
            }
        });
        Ok(Service { addr, child })
    }

    /// Stops the service and waits for it to exit: every span and log line the demo shows has
    /// already arrived, so nothing is lost by not waiting for a graceful flush.
    pub(crate) async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// One log line of a service, read from its JSON output.
#[derive(Clone, Debug)]
pub(crate) struct LogLine {
    pub(crate) service: &'static str,
    pub(crate) level: String,
    pub(crate) message: String,
    /// The event's own fields, `key=value`, in the order written.
    pub(crate) fields: Vec<String>,
    pub(crate) trace_id: Option<String>,
    pub(crate) request_id: Option<String>,
}

impl LogLine {
    fn parse(service: &'static str, line: &str) -> LogLine {
        let Ok(serde_json::Value::Object(object)) = serde_json::from_str(line) else {
            // Not JSON (a panic message, say): kept as it is, with no ids.
            return LogLine {
                service,
                level: String::new(),
                message: line.to_owned(),
                fields: Vec::new(),
                trace_id: None,
                request_id: None,
            };
        };
        let text = |key: &str| object.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let mut message = String::new();
        let mut fields = Vec::new();
        if let Some(serde_json::Value::Object(event)) = object.get("fields") {
            for (key, value) in event {
                let value = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                if key == "message" {
                    message = value;
                } else {
                    fields.push(format!("{key}={value}"));
                }
            }
        }
        LogLine {
            service,
            level: text("level").unwrap_or_default(),
            message,
            fields,
            trace_id: text("trace_id"),
            request_id: text("request_id"),
        }
    }
}

/// Every log line the services wrote, in arrival order, and a way to wait for one.
#[derive(Clone, Default)]
pub(crate) struct Logs {
    lines: Arc<Mutex<Vec<LogLine>>>,
    arrived: Arc<Notify>,
}

impl Logs {
    fn push(&self, line: LogLine) {
        self.lines
            .lock()
            .expect("no panic holding the log")
            .push(line);
        self.arrived.notify_waiters();
    }

    /// A copy of every line so far.
    pub(crate) fn all(&self) -> Vec<LogLine> {
        self.lines.lock().expect("no panic holding the log").clone()
    }

    /// The first line matching `predicate`, waiting up to `timeout` for it.
    pub(crate) async fn wait_for(
        &self,
        predicate: impl Fn(&LogLine) -> bool,
        timeout: Duration,
    ) -> Option<LogLine> {
        tokio::time::timeout(timeout, async {
            loop {
                // Registered before looking, so a line pushed in between still wakes us.
                let arrived = self.arrived.notified();
                if let Some(line) = self.all().into_iter().find(&predicate) {
                    return line;
                }
                arrived.await;
            }
        })
        .await
        .ok()
    }

    /// How many lines carry each trace id.
    pub(crate) fn by_trace(&self) -> HashMap<String, Vec<LogLine>> {
        let mut by_trace: HashMap<String, Vec<LogLine>> = HashMap::new();
        for line in self.all() {
            if let Some(trace_id) = &line.trace_id {
                by_trace.entry(trace_id.clone()).or_default().push(line);
            }
        }
        by_trace
    }
}
