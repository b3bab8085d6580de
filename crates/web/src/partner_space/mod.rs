//! The partner space (`/partenaires`): where a town hall, a département
//! or a software vendor connects a service without anyone editing a file.
//!
//! A partner signs in with an e-mail magic link ([`session`], [`signin`])
//! or, for public agents, with the operator's OpenID provider ([`agent`]),
//! names their organisation once, then creates services ([`services`]): a
//! declaration checked field by field (`relais_core::onboarding`), a
//! sandbox client registered at once with a secret shown once
//! ([`publish`]), the values to give any OpenID Connect library, and a
//! trace of the test logins ([`trace`]). Asking for production submits the
//! draft with its diff; an operator approves or refuses it through the
//! admin API, which registers the production client. Every version is kept
//! ([`records`]); every change is an `ADMIN_ACTION` event naming the partner.

pub mod agent;
pub mod members;
pub mod pages;
pub mod partner;
pub mod publish;
pub mod records;
pub mod service_form;
pub mod service_page;
pub mod services;
pub mod session;
pub mod signin;
pub mod trace;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use relais_core::event::EventKind;

/// Records a partner's change (durably, before answering).
pub async fn audit(app: &AppState, actor: &str, action: &str, sp_id: Option<&str>) {
    let mut e = app.event(EventKind::AdminAction);
    e.actor = Some(format!("partner:{actor}"));
    e.reason = Some(action.to_owned());
    e.sp_id = sp_id.map(str::to_owned);
    app.events.record(vec![e]).await;
}

/// The partner space's routes; mounted when the node serves it.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/partenaires", get(signin::home))
        .route("/partenaires/connexion", post(signin::send_link))
        .route("/partenaires/agent", get(agent::start))
        .route("/partenaires/agent/retour", get(agent::callback))
        .route(
            "/partenaires/lien/{token}",
            get(signin::confirm).post(signin::sign_in),
        )
        .route("/partenaires/deconnexion", post(signin::sign_out))
        .route(
            "/partenaires/organisation",
            get(signin::org_form).post(signin::create_org),
        )
        .route("/partenaires/services", get(services::list))
        .route("/partenaires/membres", post(members::add))
        .route(
            "/partenaires/services/nouveau",
            get(service_form::new_form).post(service_form::create),
        )
        .route("/partenaires/services/{id}", get(service_page::show))
        .route(
            "/partenaires/services/{id}/modifier",
            get(service_form::edit_form).post(service_form::update),
        )
        .route(
            "/partenaires/services/{id}/production",
            post(service_page::request_production),
        )
        .route(
            "/partenaires/services/{id}/secret/{env}",
            post(service_page::rotate_secret),
        )
}
