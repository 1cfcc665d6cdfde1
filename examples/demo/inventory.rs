//! `inventory` (tonic, `demo.inventory.v1.Inventory`): stock levels in memory, `Reserve`
//! (unary) and `StockLevels` (server-streaming). It records the baggage it receives on its
//! server span (`baggage.KEY` attributes) and in its log, so baggage arriving is visible.

use std::collections::BTreeMap;
use std::sync::Mutex;

use baton::interceptors::server::GrpcServerLayer;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue};
use tokio::net::TcpListener;
use tonic::{Request, Response, Status};

use crate::inventory_proto::inventory_server::{Inventory, InventoryServer};
use crate::inventory_proto::{ReserveReply, ReserveRequest, StockLevel, StockRequest};
use crate::service::{BoxError, shutdown_signal};

/// The seed stock: plenty of widgets (200 concurrent orders never run out), no gadgets (always
/// out of stock), a few gizmos.
const SEED: [(&str, u64); 3] = [("gadget", 0), ("gizmo", 5), ("widget", 1_000_000)];

struct Stock(Mutex<BTreeMap<String, u64>>);

/// Serves `inventory` on `listener`.
pub(crate) async fn serve(listener: TcpListener) -> Result<(), BoxError> {
    let stock = Stock(Mutex::new(
        SEED.iter().map(|&(item, n)| (item.to_owned(), n)).collect(),
    ));
    tonic::transport::Server::builder()
        .layer(GrpcServerLayer::new())
        .add_service(InventoryServer::new(stock))
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener),
            shutdown_signal(),
        )
        .await?;
    Ok(())
}

#[tonic::async_trait]
impl Inventory for Stock {
    async fn reserve(
        &self,
        request: Request<ReserveRequest>,
    ) -> Result<Response<ReserveReply>, Status> {
        record_baggage();
        let ReserveRequest { item, quantity } = request.into_inner();
        if quantity == 0 {
            return Err(Status::invalid_argument(
                "invalid quantity 0: expected at least 1",
            ));
        }
        let remaining = {
            let mut stock = self.0.lock().expect("no panic while the stock is locked");
            let Some(left) = stock.get_mut(&item) else {
                tracing::warn!(%item, "unknown item");
                return Err(Status::not_found(format!(
                    "unknown item {item:?}: expected one of gadget, gizmo, widget"
                )));
            };
            if *left < u64::from(quantity) {
                tracing::warn!(%item, quantity, left = *left, "out of stock");
                return Err(Status::failed_precondition(format!(
                    "out of stock: {left} {item} left, {quantity} asked"
                )));
            }
            *left -= u64::from(quantity);
            *left
        };
        tracing::info!(%item, quantity, remaining, "reserved");
        Ok(Response::new(ReserveReply { remaining }))
    }

    type StockLevelsStream =
        futures_util::stream::Iter<std::vec::IntoIter<Result<StockLevel, Status>>>;

    async fn stock_levels(
        &self,
        _: Request<StockRequest>,
    ) -> Result<Response<Self::StockLevelsStream>, Status> {
        record_baggage();
        let levels: Vec<_> = {
            let stock = self.0.lock().expect("no panic while the stock is locked");
            stock
                .iter()
                .map(|(item, &quantity)| {
                    Ok(StockLevel {
                        item: item.clone(),
                        quantity,
                    })
                })
                .collect()
        };
        tracing::info!(items = levels.len(), "streaming stock levels");
        Ok(Response::new(futures_util::stream::iter(levels)))
    }
}

/// Puts the request's baggage on the server span (`baggage.customer.tier = "gold"`) and in the
/// log.
fn record_baggage() {
    let cx = Context::current();
    let baggage = cx.baggage();
    if baggage.is_empty() {
        return;
    }
    let mut seen = Vec::with_capacity(baggage.len());
    for (key, (value, _)) in baggage {
        cx.span().set_attribute(KeyValue::new(
            format!("baggage.{}", key.as_str()),
            value.to_string(),
        ));
        seen.push(format!("{}={value}", key.as_str()));
    }
    seen.sort();
    tracing::info!(baggage = %seen.join(","), "baggage received");
}
