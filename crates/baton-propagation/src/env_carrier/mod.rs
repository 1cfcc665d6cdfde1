//! Environment variables as a propagation carrier, per the OpenTelemetry specification
//! `context/env-carriers.md`.
//!
//! A propagation key maps to an environment variable name by uppercasing it and replacing
//! every character other than a letter, digit or `_` (so `-` and `.`) by `_`, with a `_` in
//! front of a leading digit (as opentelemetry-go-contrib `envcar` does): `traceparent` →
//! `TRACEPARENT`, `tracestate` → `TRACESTATE`, `baggage` → `BAGGAGE`, `x-b3-traceid` →
//! `X_B3_TRACEID`. Values must be valid HTTP field values (the spec's "Value Restrictions"),
//! and a `NAME=value` pair may not exceed 32,767 characters (the Windows limit the spec cites);
//! an entry breaking either rule is dropped whole, never cut (the spec's "truncate whole
//! entries"). The process's own environment is only read ("Environment Variable
//! Immutability"); context goes to children through [`EnvInjector`] and a
//! [`Command`](std::process::Command) ("Process Spawning").

use std::collections::{BTreeMap, HashMap};
use std::process::Command;

use opentelemetry::propagation::{Extractor, Injector};

#[cfg(test)]
mod tests;

/// The Windows limit on a `NAME=value` pair, which the spec cites as the maximum.
const MAX_PAIR_LEN: usize = 32_767;

/// The environment variable name for a propagation key, as opentelemetry-go-contrib
/// `envcar.normalize` builds it: ASCII letters uppercased, digits and `_` kept, every other
/// character (one per `char`, not per byte) replaced by `_`, and a `_` prepended when the name
/// would start with a digit (POSIX names cannot). An empty key gives an empty name, which
/// [`EnvInjector`] never sets (Go's `normalize` answers `_`; no propagator uses an empty key).
fn var_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len() + 1);
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        name.push('_');
    }
    name.extend(key.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    name
}

fn key_name(name: &str) -> Option<String> {
    let canonical = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    canonical.then(|| {
        name.bytes()
            .map(|b| {
                if b == b'_' {
                    '-'
                } else {
                    b.to_ascii_lowercase() as char
                }
            })
            .collect()
    })
}

/// Whether `name=value` may be propagated: an HTTP field value (visible ASCII, space, tab),
/// within the size limit.
fn admissible(name: &str, value: &str) -> bool {
    name.len() + 1 + value.len() <= MAX_PAIR_LEN
        && value
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// Reads propagation fields from environment variables, for a child process extracting the
/// context its parent injected.
///
/// # Examples
///
/// ```
/// use baton_propagation::{EnvExtractor, TraceContextPropagator};
/// use opentelemetry::propagation::{Extractor, TextMapPropagator};
/// use opentelemetry::trace::TraceContextExt;
///
/// // A child would call `EnvExtractor::from_env()`; tests pass the pairs.
/// let env = EnvExtractor::from_pairs([
///     ("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
///     ("X_B3_SAMPLED", "1"),
/// ]);
/// assert_eq!(env.get("x-b3-sampled"), Some("1"));
/// let cx = TraceContextPropagator::default().extract(&env);
/// assert_eq!(cx.span().span_context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// ```
#[derive(Clone, Debug, Default)]
pub struct EnvExtractor {
    vars: HashMap<String, String>,
    keys: Vec<String>,
}

impl EnvExtractor {
    /// Snapshots the current process's environment (variables whose name or value is not
    /// UTF-8 are skipped). The spec asks to read these "during initialization".
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::EnvExtractor;
    /// use opentelemetry::propagation::Extractor;
    ///
    /// let env = EnvExtractor::from_env();
    /// assert_eq!(env.get("path").is_some(), std::env::var("PATH").is_ok());
    /// ```
    pub fn from_env() -> Self {
        Self::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// An extractor over the given `(NAME, value)` pairs, as the environment of a process.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::EnvExtractor;
    /// use opentelemetry::propagation::Extractor;
    ///
    /// let env = EnvExtractor::from_pairs([("BAGGAGE", "user=ann")]);
    /// assert_eq!(env.get("baggage"), Some("user=ann"));
    /// assert_eq!(env.keys(), ["baggage"]);
    /// ```
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut vars = HashMap::new();
        let mut keys = Vec::new();
        for (k, v) in pairs {
            let (k, v) = (k.into(), v.into());
            if !vars.contains_key(&k)
                && let Some(key) = key_name(&k)
            {
                keys.push(key);
            }
            vars.insert(k, v);
        }
        EnvExtractor { vars, keys }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for EnvExtractor {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self::from_pairs(iter)
    }
}

impl Extractor for EnvExtractor {
    /// The value of the variable `key` maps to, if it is admissible.
    fn get(&self, key: &str) -> Option<&str> {
        let name = var_name(key);
        let value = self.vars.get(&name)?;
        admissible(&name, value).then_some(value.as_str())
    }

    /// The propagation keys of the canonically named variables (`X_B3_TRACEID` →
    /// `x-b3-traceid`), so prefix-based propagators (`uberctx-`, `ot-baggage-`) find theirs.
    fn keys(&self) -> Vec<&str> {
        self.keys.iter().map(String::as_str).collect()
    }
}

/// Writes propagation fields as environment variables for a child process: into a map the
/// caller passes on, and, when built with [`EnvInjector::for_command`], straight into a
/// [`Command`] with [`Command::env`]. It never touches the current process's environment.
///
/// # Examples
///
/// ```
/// use baton_propagation::{EnvInjector, TraceContextPropagator};
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
///
/// let sc = SpanContext::new(TraceId::from(1), SpanId::from(2), TraceFlags::SAMPLED, true, TraceState::NONE);
/// let cx = opentelemetry::Context::new().with_remote_span_context(sc);
///
/// let mut child = std::process::Command::new("sh");
/// let mut env = EnvInjector::for_command(&mut child);
/// TraceContextPropagator::default().inject_context(&cx, &mut env);
/// assert_eq!(env.get("TRACEPARENT"), Some("00-00000000000000000000000000000001-0000000000000002-01"));
/// # #[cfg(unix)] {
/// let out = child.args(["-c", "printf %s \"$TRACEPARENT\""]).output().unwrap();
/// assert_eq!(out.stdout, b"00-00000000000000000000000000000001-0000000000000002-01");
/// # }
/// ```
#[derive(Debug, Default)]
pub struct EnvInjector<'a> {
    vars: BTreeMap<String, String>,
    command: Option<&'a mut Command>,
}

impl EnvInjector<'static> {
    /// An injector collecting the variables in a map (see [`vars`](EnvInjector::vars)).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::EnvInjector;
    /// use opentelemetry::propagation::Injector;
    ///
    /// let mut env = EnvInjector::new();
    /// env.set("x-b3-traceid", "abc".to_string());
    /// assert_eq!(env.into_vars().get("X_B3_TRACEID").map(String::as_str), Some("abc"));
    /// ```
    pub fn new() -> Self {
        EnvInjector::default()
    }
}

impl<'a> EnvInjector<'a> {
    /// An injector that also sets each variable on `command`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::EnvInjector;
    /// use opentelemetry::propagation::Injector;
    ///
    /// let mut cmd = std::process::Command::new("env");
    /// EnvInjector::for_command(&mut cmd).set("baggage", "k=v".to_string());
    /// assert!(cmd.get_envs().any(|(k, v)| k == "BAGGAGE" && v == Some("k=v".as_ref())));
    /// ```
    pub fn for_command(command: &'a mut Command) -> Self {
        EnvInjector {
            vars: BTreeMap::new(),
            command: Some(command),
        }
    }

    /// The value set for the variable `name` (a variable name such as `TRACEPARENT`).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::EnvInjector;
    /// use opentelemetry::propagation::Injector;
    ///
    /// let mut env = EnvInjector::new();
    /// env.set("tracestate", "a=1".to_string());
    /// assert_eq!(env.get("TRACESTATE"), Some("a=1"));
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The variables set so far, by name.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::EnvInjector;
    /// use opentelemetry::propagation::Injector;
    ///
    /// let mut env = EnvInjector::new();
    /// env.set("b3", "0".to_string());
    /// assert_eq!(env.vars().len(), 1);
    /// ```
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// The variables set, to pass to a child (for example with [`Command::envs`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::EnvInjector;
    /// use opentelemetry::propagation::Injector;
    ///
    /// let mut env = EnvInjector::new();
    /// env.set("b3", "1".to_string());
    /// let mut cmd = std::process::Command::new("env");
    /// cmd.envs(env.into_vars());
    /// assert_eq!(cmd.get_envs().count(), 1);
    /// ```
    pub fn into_vars(self) -> BTreeMap<String, String> {
        self.vars
    }
}

impl Injector for EnvInjector<'_> {
    /// Sets the variable `key` maps to, unless the value is not admissible (then nothing is
    /// set: entries are dropped whole).
    fn set(&mut self, key: &str, value: String) {
        let name = var_name(key);
        if name.is_empty() || !admissible(&name, &value) {
            return;
        }
        if let Some(cmd) = self.command.as_deref_mut() {
            cmd.env(&name, &value);
        }
        self.vars.insert(name, value);
    }
}
