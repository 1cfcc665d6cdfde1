//! OTLP over HTTP: `POST /v1/traces`, protobuf or JSON, gzip accepted, answered in kind.

use std::future::Future;
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body_util::{BodyExt, Limited};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use tokio::net::TcpListener;

use super::grpc::{REJECTED_MESSAGE, response};
use crate::store::Store;
use crate::trace::decode;

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

/// `google.rpc.Code.INVALID_ARGUMENT`, which OTLP/HTTP puts in the `Status` of a 400.
const INVALID_ARGUMENT: i32 = 3;
/// `google.rpc.Code.RESOURCE_EXHAUSTED`, for a body over the limit.
const RESOURCE_EXHAUSTED: i32 = 8;

#[derive(Clone)]
struct Http {
    store: Arc<Store>,
    max_body_bytes: usize,
}

pub(super) async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    max_body_bytes: usize,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let app = axum::Router::new()
        .route("/v1/traces", post(export))
        .with_state(Http {
            store,
            max_body_bytes,
        });
    if let Err(error) = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
    {
        eprintln!("baton-viewer: the HTTP receiver stopped: {error}");
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Protobuf,
    Json,
}

async fn export(State(http): State<Http>, headers: HeaderMap, body: Body) -> Response {
    let answer = read(&http, &headers, body).await;
    if answer.is_err() {
        http.store.count_refused_request();
    }
    match answer {
        Ok((format, request)) => {
            let (spans, invalid) = decode(request);
            let refused = http.store.insert(spans, invalid);
            success(format, invalid + refused)
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// Why a request was refused, answered in the request's format when it has one.
struct Refusal {
    status: StatusCode,
    code: i32,
    message: String,
    format: Format,
}

async fn read(
    http: &Http,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Format, ExportTraceServiceRequest), Refusal> {
    let format = match media_type(headers) {
        Some(t) if t.eq_ignore_ascii_case(PROTOBUF) => Format::Protobuf,
        Some(t) if t.eq_ignore_ascii_case(JSON) => Format::Json,
        other => {
            return Err(Refusal {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: INVALID_ARGUMENT,
                message: format!(
                    "unsupported content type {:?}: expected {PROTOBUF} or {JSON}",
                    other.unwrap_or("")
                ),
                format: Format::Protobuf,
            });
        }
    };
    let refuse = |status, code, message: String| Refusal {
        status,
        code,
        message,
        format,
    };
    let too_large = |what: &str| {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            RESOURCE_EXHAUSTED,
            format!(
                "{what} is larger than the limit of {} bytes",
                http.max_body_bytes
            ),
        )
    };
    let body = match Limited::new(body, http.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Err(too_large("the request body"));
        }
        Err(error) => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                INVALID_ARGUMENT,
                format!("cannot read the body: {error}"),
            ));
        }
    };
    let body = match headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes) {
        None => body,
        Some(e) if e.eq_ignore_ascii_case(b"identity") => body,
        Some(e) if e.eq_ignore_ascii_case(b"gzip") => {
            gunzip(&body, http.max_body_bytes).map_err(|e| match e {
                Gunzip::TooLarge => too_large("the decompressed body"),
                Gunzip::Malformed(e) => refuse(
                    StatusCode::BAD_REQUEST,
                    INVALID_ARGUMENT,
                    format!("malformed gzip body: {e}"),
                ),
            })?
        }
        Some(other) => {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                INVALID_ARGUMENT,
                format!(
                    "unsupported content encoding {:?}: expected gzip or identity",
                    String::from_utf8_lossy(other)
                ),
            ));
        }
    };
    let request = match format {
        Format::Protobuf => ExportTraceServiceRequest::decode(body).map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                INVALID_ARGUMENT,
                format!("malformed protobuf: {e}"),
            )
        })?,
        Format::Json => serde_json::from_slice(&body).map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                INVALID_ARGUMENT,
                format!("malformed OTLP JSON: {e}"),
            )
        })?,
    };
    Ok((format, request))
}

/// The media type of `Content-Type`, parameters (`; charset=utf-8`) left off.
fn media_type(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or("").trim())
}

enum Gunzip {
    TooLarge,
    Malformed(std::io::Error),
}

/// Decompresses at most `max` bytes, so a small bomb cannot grow into a large allocation.
fn gunzip(body: &[u8], max: usize) -> Result<Bytes, Gunzip> {
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(max));
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::GzDecoder::new(body)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(Gunzip::Malformed)?;
    if out.len() > max {
        return Err(Gunzip::TooLarge);
    }
    Ok(out.into())
}

fn success(format: Format, rejected: u64) -> Response {
    match format {
        Format::Protobuf => (
            [(CONTENT_TYPE, PROTOBUF)],
            response(rejected).encode_to_vec(),
        )
            .into_response(),
        Format::Json => {
            let body = if rejected > 0 {
                serde_json::json!({
                    "partialSuccess": { "rejectedSpans": rejected.to_string(), "errorMessage": REJECTED_MESSAGE }
                })
            } else {
                serde_json::json!({})
            };
            ([(CONTENT_TYPE, JSON)], body.to_string()).into_response()
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self.format {
            Format::Protobuf => {
                let mut body = Vec::with_capacity(self.message.len() + 8);
                prost::encoding::int32::encode(1, &self.code, &mut body);
                prost::encoding::string::encode(2, &self.message, &mut body);
                (self.status, [(CONTENT_TYPE, PROTOBUF)], body).into_response()
            }
            Format::Json => {
                let body = serde_json::json!({ "code": self.code, "message": self.message });
                (self.status, [(CONTENT_TYPE, JSON)], body.to_string()).into_response()
            }
        }
    }
}
