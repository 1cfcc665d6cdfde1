//! Attribute values, typed as OTLP sends them.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};

/// An attribute value as it arrived over OTLP, with its type kept: an integer status code stays
/// an [`Value::Int`], so a test can tell it from the string `"200"`.
///
/// # Examples
///
/// ```
/// use baton_viewer::Value;
///
/// let code = Value::Int(200);
/// assert_eq!(code.as_i64(), Some(200));
/// assert_eq!(code.as_str(), None);
/// assert_eq!(code.to_string(), "200");
/// assert_eq!(Value::from("GET").as_str(), Some("GET"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float.
    Double(f64),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A list of values.
    Array(Vec<Value>),
    /// A list of key-value pairs.
    Map(Vec<(String, Value)>),
    /// No value (an OTLP `AnyValue` with nothing set, or a string-table index this receiver does
    /// not resolve).
    Empty,
}

impl Value {
    /// The string, if this is a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is a [`Value::Int`].
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The float, if this is a [`Value::Double`].
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The boolean, if this is a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn from_any(value: Option<AnyValue>) -> Value {
        match value.and_then(|v| v.value) {
            Some(any_value::Value::StringValue(s)) => Value::String(s),
            Some(any_value::Value::BoolValue(b)) => Value::Bool(b),
            Some(any_value::Value::IntValue(i)) => Value::Int(i),
            Some(any_value::Value::DoubleValue(d)) => Value::Double(d),
            Some(any_value::Value::BytesValue(b)) => Value::Bytes(b),
            Some(any_value::Value::ArrayValue(a)) => Value::Array(
                a.values
                    .into_iter()
                    .map(|v| Value::from_any(Some(v)))
                    .collect(),
            ),
            Some(any_value::Value::KvlistValue(kv)) => Value::Map(
                kv.values
                    .into_iter()
                    .map(|kv| (kv.key, Value::from_any(kv.value)))
                    .collect(),
            ),
            Some(any_value::Value::StringValueStrindex(_)) | None => Value::Empty,
        }
    }
}

/// The attribute keys of one export request, shared: the same few keys repeat on every span,
/// so a retained span holds a pointer per key instead of a copy.
#[derive(Default)]
pub(crate) struct Keys(HashMap<String, Arc<str>>);

impl Keys {
    pub(crate) fn intern(&mut self, key: String) -> Arc<str> {
        if let Some(shared) = self.0.get(key.as_str()) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(key.as_str());
        self.0.insert(key, Arc::clone(&shared));
        shared
    }
}

/// An attribute list as a span keeps it.
pub(crate) type Attributes = Vec<(Arc<str>, Value)>;

/// Moves OTLP key-values into pairs with shared keys (values are moved, not copied).
pub(crate) fn attributes(kvs: Vec<KeyValue>, keys: &mut Keys) -> Attributes {
    kvs.into_iter()
        .map(|kv| (keys.intern(kv.key), Value::from_any(kv.value)))
        .collect()
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Self {
        Value::Double(d)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(s),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Double(d) => write!(f, "{d}"),
            Value::Bytes(b) => {
                for byte in b {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Empty => Ok(()),
        }
    }
}
