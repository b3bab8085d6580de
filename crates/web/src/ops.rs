//! Operability endpoints: liveness and readiness.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// Ready when every backend answers.
pub async fn readyz(State(app): State<AppState>) -> impl IntoResponse {
    for h in &app.stores.health {
        if let Err(e) = h.ping().await {
            tracing::warn!(error = %e, "not ready");
            return (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable");
        }
    }
    (StatusCode::OK, "ready")
}
