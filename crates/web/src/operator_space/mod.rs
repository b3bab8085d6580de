//! The operator's page (`/operateur`): the statistics the press releases
//! quote, as charts (server-drawn SVG, [`charts`]) with their tables, and
//! the production requests waiting. Operators sign in with their operator
//! token (kept in an 1-hour session, never in the page) or a client
//! certificate the TLS proxy vouches for; decisions go through the admin
//! API or `relais admin`, which audit them.

pub mod charts;
pub mod dashboard;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/operateur", get(dashboard::show))
        .route("/operateur/connexion", post(dashboard::sign_in))
        .route("/operateur/deconnexion", post(dashboard::sign_out))
}
