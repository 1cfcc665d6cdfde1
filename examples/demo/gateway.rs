//! `gateway`: the public HTTP entry (axum). `POST /orders` and `GET /stock` are forwarded to
//! `orders` through a traced reqwest client; `GET /health` answers `ok`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use baton::interceptors::reqwest::{TraceMiddleware, UrlTemplate};
use reqwest_middleware::ClientWithMiddleware;
use tokio::net::TcpListener;

use crate::orders::{OrderRequest, error_json};
use crate::service::{BoxError, env_or, serve_http};

#[derive(Clone)]
struct Gateway {
    orders: Arc<str>,
    client: ClientWithMiddleware,
}

/// Serves the gateway on `listener`, forwarding to `DEMO_ORDERS_URL`.
pub(crate) async fn serve(listener: TcpListener) -> Result<(), BoxError> {
    let orders = env_or("DEMO_ORDERS_URL", "http://127.0.0.1:8080");
    let state = Gateway {
        orders: orders.trim_end_matches('/').into(),
        client: reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(TraceMiddleware::new())
            .build(),
    };
    let routes = Router::new()
        .route("/orders", post(create_order))
        .route("/stock", get(stock))
        .with_state(state);
    serve_http(listener, routes).await
}

async fn create_order(State(gateway): State<Gateway>, Json(order): Json<OrderRequest>) -> Response {
    tracing::info!(item = %order.item, quantity = order.quantity, "order received");
    let body = serde_json::to_vec(&order).expect("an order serializes");
    let sent = gateway
        .client
        .post(format!("{}/orders", gateway.orders))
        .with_extension(UrlTemplate::new("/orders"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    forward(sent, "order").await
}

async fn stock(State(gateway): State<Gateway>) -> Response {
    let sent = gateway
        .client
        .get(format!("{}/stock", gateway.orders))
        .with_extension(UrlTemplate::new("/stock"))
        .send()
        .await;
    forward(sent, "stock").await
}

/// Passes `orders`' answer on when it is a success or the caller's mistake (409 out of stock,
/// 404 unknown item), and turns anything else into 502.
async fn forward(sent: reqwest_middleware::Result<reqwest::Response>, what: &str) -> Response {
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(%error, "orders unreachable");
            return error_json(
                StatusCode::BAD_GATEWAY,
                &format!("orders unreachable: {error}"),
            );
        }
    };
    let status = response.status();
    if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), "orders failed");
        return error_json(
            StatusCode::BAD_GATEWAY,
            &format!("orders answered {status}"),
        );
    }
    match response.bytes().await {
        Ok(body) => {
            tracing::info!(status = status.as_u16(), "{what} answered");
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "orders' answer cut short");
            error_json(
                StatusCode::BAD_GATEWAY,
                &format!("orders' answer cut short: {error}"),
            )
        }
    }
}
