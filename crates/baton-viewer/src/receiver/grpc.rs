//! OTLP over gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`.
//!
//! Served by hand rather than through the generated `TraceServiceServer`, whose prost codec
//! answers a malformed message with `INTERNAL`; OTLP asks for `INVALID_ARGUMENT` (the client's
//! fault, not to be retried), so the codec here maps decode errors to it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tokio::net::TcpListener;
use tonic::body::Body;
use tonic::codec::{
    Codec, CompressionEncoding, DecodeBuf, Decoder, EnabledCompressionEncodings, EncodeBuf, Encoder,
};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::transport::server::TcpIncoming;

use crate::store::Store;
use crate::trace::decode;

const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

pub(super) async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    max_message_bytes: usize,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let service = TraceService {
        store,
        max_message_bytes,
    };
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let served = tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(incoming, stop)
        .await;
    if let Err(error) = served {
        eprintln!("baton-viewer: the gRPC receiver stopped: {error}");
    }
}

/// The trace service: decode, assemble, answer.
#[derive(Clone)]
struct TraceService {
    store: Arc<Store>,
    max_message_bytes: usize,
}

impl NamedService for TraceService {
    const NAME: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'static>>;

impl<B> tower_service::Service<http::Request<B>> for TraceService
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != EXPORT_PATH {
            self.store.count_refused_request();
            return Box::pin(async {
                Ok(tonic::Status::unimplemented("only TraceService/Export is served").into_http())
            });
        }
        let store = Arc::clone(&self.store);
        let export = Export(Arc::clone(&self.store));
        let mut accept = EnabledCompressionEncodings::default();
        accept.enable(CompressionEncoding::Gzip);
        let mut grpc = Grpc::new(OtlpCodec)
            .apply_compression_config(accept, EnabledCompressionEncodings::default())
            .apply_max_message_size_config(Some(self.max_message_bytes), None);
        Box::pin(async move {
            let response = grpc.unary(export, request).await;
            // A refusal (malformed, oversized) is a status in the headers: trailers-only. A
            // success carries its status in the trailers.
            if tonic::Status::from_header_map(response.headers())
                .is_some_and(|status| status.code() != tonic::Code::Ok)
            {
                store.count_refused_request();
            }
            Ok(response)
        })
    }
}

struct Export(Arc<Store>);

impl UnaryService<ExportTraceServiceRequest> for Export {
    type Response = ExportTraceServiceResponse;
    type Future =
        std::future::Ready<Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<ExportTraceServiceRequest>) -> Self::Future {
        let (spans, invalid) = decode(request.into_inner());
        let refused = self.0.insert(spans, invalid);
        std::future::ready(Ok(tonic::Response::new(response(invalid + refused))))
    }
}

/// The answer to an export: a partial success when spans were refused, as OTLP asks.
pub(super) fn response(rejected: u64) -> ExportTraceServiceResponse {
    ExportTraceServiceResponse {
        partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: i64::try_from(rejected).unwrap_or(i64::MAX),
            error_message: REJECTED_MESSAGE.to_owned(),
        }),
    }
}

pub(super) const REJECTED_MESSAGE: &str =
    "spans refused: an invalid trace or span id, or the trace reached the receiver's span cap";

/// Prost, with a malformed message answered `INVALID_ARGUMENT`.
struct OtlpCodec;

impl Codec for OtlpCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = ExportTraceServiceRequest;
    type Encoder = OtlpCodec;
    type Decoder = OtlpCodec;

    fn encoder(&mut self) -> OtlpCodec {
        OtlpCodec
    }

    fn decoder(&mut self) -> OtlpCodec {
        OtlpCodec
    }
}

impl Encoder for OtlpCodec {
    type Item = ExportTraceServiceResponse;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: ExportTraceServiceResponse,
        dst: &mut EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        item.encode(dst)
            .map_err(|e| tonic::Status::internal(format!("cannot encode the response: {e}")))
    }
}

impl Decoder for OtlpCodec {
    type Item = ExportTraceServiceRequest;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut DecodeBuf<'_>,
    ) -> Result<Option<ExportTraceServiceRequest>, tonic::Status> {
        ExportTraceServiceRequest::decode(src)
            .map(Some)
            .map_err(|e| {
                tonic::Status::invalid_argument(format!("malformed ExportTraceServiceRequest: {e}"))
            })
    }
}
