//! Malformed, oversized and unsupported requests get the protocol's error status, and the
//! receiver keeps serving good ones afterwards.

use std::time::Duration;

use baton_viewer::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
use baton_viewer::proto::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use baton_viewer::{Receiver, ReceiverConfig, Trace};
use prost::Message as _;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};

mod support;
use support::{Kind, request, service, span};

const LIMIT: usize = 64 * 1024;

async fn receiver() -> Receiver {
    Receiver::start(ReceiverConfig::ephemeral().max_body_bytes(LIMIT))
        .await
        .unwrap()
}

fn good(trace: u8) -> ExportTraceServiceRequest {
    request(vec![service(
        "svc",
        vec![span(trace, 1, None, "GET /", Kind::Server, 0, 5)],
    )])
}

/// A valid request larger than the limit: one span with a long attribute.
fn oversized() -> ExportTraceServiceRequest {
    let mut big = span(9, 1, None, "big", Kind::Server, 0, 5);
    big.attributes = vec![support::kv("blob", support::string(&"x".repeat(2 * LIMIT)))];
    request(vec![service("svc", vec![big])])
}

async fn wait(receiver: &Receiver, trace: u8) -> Trace {
    let id = format!("{trace:02x}").repeat(16);
    receiver
        .wait_for_trace(move |t| t.trace_id() == id, Duration::from_secs(10))
        .await
        .unwrap()
}

/// google.rpc.Status, enough of it to read the answer of a refusal.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

#[tokio::test]
async fn http_refusals_answer_with_a_status_and_serving_goes_on() {
    let receiver = receiver().await;
    let endpoint = receiver.http_endpoint();

    let (status, content_type, body) = support::post(
        &endpoint,
        "application/x-protobuf",
        None,
        vec![0xff, 0xff, 0xff, 0xff],
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (400, "application/x-protobuf")
    );
    let rpc = RpcStatus::decode(&body[..]).unwrap();
    assert_eq!(rpc.code, 3);
    assert!(
        rpc.message.starts_with("malformed protobuf"),
        "{}",
        rpc.message
    );

    let (status, content_type, body) = support::post(
        &endpoint,
        "application/json",
        None,
        b"{\"resourceSpans\": 7".to_vec(),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (400, "application/json"));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["code"], 3);
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .starts_with("malformed OTLP JSON"),
        "{json}"
    );

    let (status, _, _) = support::post(
        &endpoint,
        "application/x-protobuf",
        Some("gzip"),
        b"not gzip".to_vec(),
    )
    .await;
    assert_eq!(status, 400);

    let (status, _, body) =
        support::post(&endpoint, "text/plain", None, good(1).encode_to_vec()).await;
    assert_eq!(status, 415);
    assert!(
        RpcStatus::decode(&body[..])
            .unwrap()
            .message
            .contains("expected application/x-protobuf or application/json")
    );

    let (status, _, body) = support::post(
        &endpoint,
        "application/x-protobuf",
        None,
        oversized().encode_to_vec(),
    )
    .await;
    assert_eq!(status, 413);
    assert!(
        RpcStatus::decode(&body[..])
            .unwrap()
            .message
            .contains("larger than the limit of 65536 bytes")
    );

    // Small on the wire, large once inflated: refused without inflating it all.
    let bomb = support::gzip(&oversized().encode_to_vec());
    assert!(bomb.len() < LIMIT);
    let (status, _, _) =
        support::post(&endpoint, "application/x-protobuf", Some("gzip"), bomb).await;
    assert_eq!(status, 413);

    let (status, content_type, body) = support::post(
        &endpoint,
        "application/x-protobuf",
        Some("gzip"),
        support::gzip(&good(2).encode_to_vec()),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/x-protobuf")
    );
    assert_eq!(
        ExportTraceServiceResponse::decode(&body[..]).unwrap(),
        ExportTraceServiceResponse::default()
    );
    assert_eq!(wait(&receiver, 2).await.len(), 1);
    assert_eq!(receiver.stats().requests_refused, 6);
    assert!(receiver.trace(&"09".repeat(16)).is_none());
    receiver.shutdown().await;
}

/// Sends raw bytes as the request message, the way a broken client would.
#[derive(Clone, Copy)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = ExportTraceServiceResponse;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }
    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = ExportTraceServiceResponse;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        src: &mut DecodeBuf<'_>,
    ) -> Result<Option<ExportTraceServiceResponse>, tonic::Status> {
        Ok(Some(
            ExportTraceServiceResponse::decode(src)
                .map_err(|e| tonic::Status::internal(e.to_string()))?,
        ))
    }
}

#[tokio::test]
async fn grpc_refusals_answer_with_a_status_and_serving_goes_on() {
    let receiver = receiver().await;
    let channel = tonic::transport::Channel::from_shared(receiver.grpc_endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();

    let mut raw = tonic::client::Grpc::new(channel.clone());
    raw.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    );
    let refused = raw
        .unary(tonic::Request::new(vec![0xff, 0xff, 0xff]), path, RawCodec)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
    assert!(
        refused
            .message()
            .starts_with("malformed ExportTraceServiceRequest")
    );

    let mut client = TraceServiceClient::new(channel).send_compressed(CompressionEncoding::Gzip);
    let refused = client.export(oversized()).await.unwrap_err();
    // Compressed, the oversized request is small on the wire; tonic checks the inflated size.
    assert_eq!(
        refused.code(),
        tonic::Code::ResourceExhausted,
        "{refused:?}"
    );

    let answer = client.export(good(3)).await.unwrap().into_inner();
    assert_eq!(answer, ExportTraceServiceResponse::default());
    assert_eq!(wait(&receiver, 3).await.root().unwrap().name(), "GET /");
    // The two refusals, and not the good export.
    assert_eq!(receiver.stats().requests_refused, 2);
    receiver.shutdown().await;
}
