//! The node's plain-HTTP port: `/healthz` (the process answers), `/readyz` (the database
//! answers and the node is not in maintenance), `/metrics` (Prometheus text format, see
//! [`crate::metrics`]). Nothing here carries personal data or needs a certificate; bind
//! it to an address only monitoring can reach.

use crate::exchange::Core;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;

/// The content type of `/metrics` (Prometheus' OpenMetrics text format).
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The routes.
pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .with_state(core)
}

async fn ready(State(core): State<Arc<Core>>) -> impl IntoResponse {
    if core.config.service.maintenance {
        (StatusCode::SERVICE_UNAVAILABLE, "maintenance\n")
    } else if core.store.ping().await {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}

async fn metrics(State(core): State<Arc<Core>>) -> impl IntoResponse {
    let mut text = core.metrics.encode();
    // Transfers per state and counterparty, and the outbox, read from the database at
    // scrape time (so they are right after a restart).
    let counts = core.store.counts_by_peer().await;
    let outbox = core.store.outbox_depth().await;
    if counts.is_ok() || outbox.is_ok() {
        text = text.trim_end_matches("# EOF\n").to_string();
        if let Ok(counts) = counts {
            text.push_str(
                "# HELP zktr_transfers Transfers stored, by state and counterparty.\n# TYPE zktr_transfers gauge\n",
            );
            for (state, peer, n) in counts {
                text.push_str(&format!(
                    "zktr_transfers{{state=\"{}\",peer=\"{}\"}} {n}\n",
                    state.as_str(),
                    label_value(&peer)
                ));
            }
        }
        if let Ok(n) = outbox {
            text.push_str(
                "# HELP zktr_outbox_depth Envelopes of ours waiting to be delivered.\n# TYPE zktr_outbox_depth gauge\nzktr_outbox_depth ",
            );
            text.push_str(&format!("{n}\n"));
        }
        text.push_str("# EOF\n");
    }
    ([(header::CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)], text)
}

/// A label value in the exposition format: backslash, double quote and newline escaped.
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
