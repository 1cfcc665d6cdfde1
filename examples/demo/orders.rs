//! `orders` (axum): keeps orders in SQLite and reserves stock at `inventory` over gRPC.
//!
//! `POST /orders` opens a transaction, binds it to [`TRANSACTION`] for the rest of the request,
//! inserts the order, calls `Reserve`, then commits (201) or rolls back (409 out of stock), and
//! spawns the audit job, which writes on a connection of its own. `GET /stock` streams the
//! levels from `StockLevels`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use baton::interceptors::egress::{Egress, EgressPolicy};
use baton::interceptors::tonic::{ClientLayer, ClientService};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tonic::transport::Channel;

use crate::db::{self, Database, DbError, TRANSACTION};
use crate::inventory_proto::inventory_client::InventoryClient;
use crate::inventory_proto::{ReserveRequest, StockRequest};
use crate::service::{BoxError, env_or, serve_http};

/// The body of `POST /orders`, at the gateway and at `orders`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OrderRequest {
    pub(crate) item: String,
    pub(crate) quantity: u32,
}

#[derive(Serialize)]
struct Order {
    id: i64,
    item: String,
    quantity: u32,
}

#[derive(Serialize)]
struct Level {
    item: String,
    quantity: u64,
}

/// `{"error": message}` with `status`.
pub(crate) fn error_json(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

type Inventory = InventoryClient<ClientService<Channel>>;

#[derive(Clone)]
struct Orders {
    db: Database,
    inventory: Inventory,
}

/// Serves `orders` on `listener`: the database at `DEMO_DATABASE`, inventory at
/// `DEMO_INVENTORY_URL`.
pub(crate) async fn serve(listener: TcpListener) -> Result<(), BoxError> {
    let path = std::env::var_os("DEMO_DATABASE")
        .filter(|p| !p.is_empty())
        .map_or_else(
            || std::env::temp_dir().join("demo-orders.sqlite"),
            Into::into,
        );
    let db = Database::open(path).await?;
    let url = env_or("DEMO_INVENTORY_URL", "http://127.0.0.1:50051");
    let target: http::Uri = url
        .parse()
        .map_err(|e| format!("invalid DEMO_INVENTORY_URL {url:?}: {e}"))?;
    let channel = Channel::builder(target.clone()).connect_lazy();
    let channel = tower::ServiceBuilder::new()
        .layer(
            ClientLayer::new()
                .with_target(target)
                // Inventory needs the customer's tier and nothing else the caller put in baggage.
                .with_egress(EgressPolicy::new(Egress::All).allow_baggage(["customer.tier"])),
        )
        .service(channel);
    let state = Orders {
        db,
        inventory: InventoryClient::new(channel),
    };
    let routes = Router::new()
        .route("/orders", post(create_order))
        .route("/stock", get(stock))
        .with_state(state);
    serve_http(listener, routes).await
}

/// Why an order was not placed.
enum Refused {
    Db(DbError),
    Inventory(tonic::Status),
}

impl From<DbError> for Refused {
    fn from(error: DbError) -> Self {
        Refused::Db(error)
    }
}

async fn create_order(State(orders): State<Orders>, Json(order): Json<OrderRequest>) -> Response {
    tracing::info!(item = %order.item, quantity = order.quantity, "placing order");
    let transaction = match orders.db.begin().await {
        Ok(transaction) => transaction,
        Err(error) => {
            tracing::error!(%error, "cannot begin a transaction");
            return error_json(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string());
        }
    };
    let placed = TRANSACTION
        .scope(transaction.clone(), place(orders.inventory.clone(), &order))
        .await;
    let (response, outcome) = match placed {
        Ok(id) => match transaction.commit().await {
            Ok(()) => {
                tracing::info!(order_id = id, "order committed");
                let order = Order {
                    id,
                    item: order.item.clone(),
                    quantity: order.quantity,
                };
                (
                    (StatusCode::CREATED, Json(order)).into_response(),
                    "committed",
                )
            }
            Err(error) => {
                tracing::error!(%error, "commit failed");
                (
                    error_json(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
                    "failed",
                )
            }
        },
        Err(refused) => {
            if let Err(error) = transaction.rollback().await {
                tracing::error!(%error, "rollback failed");
            }
            let (status, message) = match refused {
                Refused::Inventory(status) => (http_status(&status), status.message().to_owned()),
                Refused::Db(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
            };
            tracing::warn!(status = status.as_u16(), reason = %message, "order rolled back");
            (error_json(status, &message), "rolled back")
        }
    };
    // The audit job runs in the background with the request's trace and request id (they are
    // inherited) but not its transaction (not inherited): it writes on its own connection.
    let db = orders.db.clone();
    let item = order.item;
    baton::context::spawn(async move {
        debug_assert!(TRANSACTION.get().is_none());
        match db.record_audit(item, outcome).await {
            Ok(()) => tracing::info!(outcome, "audit recorded"),
            Err(error) => tracing::warn!(%error, "audit failed"),
        }
    });
    response
}

/// Inserts the order and reserves the stock, inside the request's transaction (found in
/// [`TRANSACTION`] by the queries, never passed down).
async fn place(mut inventory: Inventory, order: &OrderRequest) -> Result<i64, Refused> {
    let id = db::insert_order(&order.item, order.quantity).await?;
    let request = tonic::Request::new(ReserveRequest {
        item: order.item.clone(),
        quantity: order.quantity,
    });
    let reply = inventory
        .reserve(request)
        .await
        .map_err(Refused::Inventory)?
        .into_inner();
    tracing::info!(remaining = reply.remaining, "stock reserved");
    Ok(id)
}

/// Out of stock is a conflict with the current state (409); an unknown item is 404; a bad
/// quantity 400; anything else is inventory failing (502).
fn http_status(status: &tonic::Status) -> StatusCode {
    match status.code() {
        tonic::Code::FailedPrecondition => StatusCode::CONFLICT,
        tonic::Code::NotFound => StatusCode::NOT_FOUND,
        tonic::Code::InvalidArgument => StatusCode::BAD_REQUEST,
        _ => StatusCode::BAD_GATEWAY,
    }
}

async fn stock(State(mut orders): State<Orders>) -> Response {
    let request = tonic::Request::new(StockRequest {});
    let levels = async {
        let mut stream = orders.inventory.stock_levels(request).await?.into_inner();
        let mut levels = Vec::new();
        while let Some(level) = stream.message().await? {
            levels.push(Level {
                item: level.item,
                quantity: level.quantity,
            });
        }
        Ok::<_, tonic::Status>(levels)
    };
    match levels.await {
        Ok(levels) => {
            tracing::info!(items = levels.len(), "stock levels read");
            Json(levels).into_response()
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "stock levels failed");
            error_json(StatusCode::BAD_GATEWAY, status.message())
        }
    }
}
