//! The citizen space (`/espace`): what the federation did in the citizen's
//! name — every connection and data exchange of the last six months — and
//! the citizen's choices (IdPs allowed or blocked), with an export of it
//! all as the GDPR's right of access expects.
//!
//! The space is a service of the federation like any other: the citizen
//! logs in through `/api/v2/authorize` with any IdP (SSO applies), the
//! space exchanges the code and reads userinfo over HTTP with the same
//! hardened client Relais uses towards IdPs ([`provider`]), and derives the
//! account from the pivot identity it received. Its own session is a short
//! ephemeral record behind an `HttpOnly` cookie ([`session`]). Pages:
//! [`history`] (the list, filtered and paginated), [`choices`] (the IdP
//! switches), [`export`] (JSON and CSV).

pub mod choices;
pub mod entries;
pub mod export;
pub mod history;
pub mod login;
pub mod provider;
pub mod session;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

/// How long the space shows (and keeps showing) connections: six months.
pub const HISTORY_DAYS: i64 = 183;

/// The space's routes; mounted when the node serves it.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/espace", get(history::show))
        .route("/espace/connexion", get(login::start))
        .route("/espace/retour", get(login::callback))
        .route("/espace/deconnexion", post(login::logout))
        .route("/espace/choix", post(choices::save))
        .route("/espace/export.json", get(export::json))
        .route("/espace/export.csv", get(export::csv))
}
