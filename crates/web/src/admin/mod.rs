//! The operators' admin API (`/api/admin/v1/…`), described by the OpenAPI
//! document at `/api/admin/openapi.json` ([`openapi`]).
//!
//! Every call is authenticated ([`auth::Operator`]: a token kept hashed,
//! or a client certificate verified by the TLS proxy); every change is an
//! `ADMIN_ACTION` business event naming who did what to which object, kept
//! in the durable store with the other events. `relais admin` drives the
//! same API from a terminal, so the CLI and HTTP are one set of operations.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod kind;
pub mod onboarding;
pub mod openapi;
pub mod partners;
pub mod stream;

use crate::error::AdminError;
use crate::extract::{AdminBody, AdminPath};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use kind::Kind;
use serde_json::Value;

/// A JSON body, refused with a message naming what is wrong.
fn json_body(body: &Bytes) -> Result<Value, AdminError> {
    serde_json::from_slice(body).map_err(|e| AdminError::invalid(format!("body: {e}")))
}

fn partner_routes(path: &str, kind: Kind) -> Router<AppState> {
    Router::new()
        .route(
            &format!("/api/admin/v1/{path}"),
            get(move |s: State<AppState>, op| partners::list(s, op, kind)),
        )
        .route(
            &format!("/api/admin/v1/{path}/{{id}}"),
            get(move |s: State<AppState>, op, p: AdminPath<String>| partners::show(s, op, p, kind))
                .put(
                    move |s: State<AppState>,
                          op,
                          p: AdminPath<String>,
                          AdminBody(body): AdminBody| async move {
                        let doc = json_body(&body)?;
                        partners::put(s, op, p, kind, doc).await
                    },
                ),
        )
        .route(
            &format!("/api/admin/v1/{path}/{{id}}/activate"),
            post(move |s: State<AppState>, op, p: AdminPath<String>| {
                partners::set_active(s, op, p, kind, true)
            }),
        )
        .route(
            &format!("/api/admin/v1/{path}/{{id}}/deactivate"),
            post(move |s: State<AppState>, op, p: AdminPath<String>| {
                partners::set_active(s, op, p, kind, false)
            }),
        )
}

/// The admin API's routes (the caller adds the federation's layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/openapi.json", get(openapi::document))
        .merge(partner_routes("services", Kind::Service))
        .merge(partner_routes("identity-providers", Kind::IdentityProvider))
        .merge(partner_routes("data-providers", Kind::DataProvider))
        .route("/api/admin/v1/accounts/{id}", get(accounts::show))
        .route(
            "/api/admin/v1/accounts/{id}/disable",
            post(accounts::disable),
        )
        .route("/api/admin/v1/accounts/{id}/enable", post(accounts::enable))
        .route("/api/admin/v1/keys/rotate", post(stream::rotate_keys))
        .route(
            "/api/admin/v1/production-requests",
            get(onboarding::requests),
        )
        .route(
            "/api/admin/v1/production-requests/{id}/approve",
            post(onboarding::approve),
        )
        .route(
            "/api/admin/v1/production-requests/{id}/refuse",
            post(onboarding::refuse),
        )
        .route(
            "/api/admin/v1/onboarded-services/{id}",
            get(onboarding::show),
        )
        .route(
            "/api/admin/v1/onboarded-services/{id}/rollback",
            post(onboarding::rollback),
        )
        .route("/api/admin/v1/events", get(stream::events))
        .route("/api/admin/v1/stats/months", get(stream::months))
        .route("/api/admin/v1/stats/breakdown", get(stream::breakdown))
}
