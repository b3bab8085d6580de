//! Operability endpoints: liveness and readiness.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

/// Counters of what the node refused, dropped or evicted (Prometheus text).
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
}

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// Ready when every backend answers. The body also names the identity
/// providers this node cannot use right now (the node still serves the
/// others, so it stays ready).
pub async fn readyz(State(app): State<AppState>) -> impl IntoResponse {
    for h in &app.stores.health {
        if let Err(e) = h.ping().await {
            tracing::warn!(error = %e, "not ready");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage unavailable".to_owned(),
            );
        }
    }
    let mut body = String::from("ready");
    for (id, why) in app.idp_health.down() {
        body.push_str(&format!("\nidentity provider unavailable: {id} ({why})"));
    }
    (StatusCode::OK, body)
}
