//! `POST /espace/choix`: which IdPs may log the citizen in. An unticked IdP
//! is blocked (refused at login and on SSO with `Y100011`); "block IdPs
//! added in the future" remembers the IdPs that exist now and refuses any
//! other. The IdP of the current session is never blocked from here (its
//! box is disabled, so it is not sent, and it is kept allowed).

use crate::error::PageError;
use crate::extract::PageBody;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use relais_store::Account;

pub async fn save(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    let Some(session) = app.space_session(&headers).await? else {
        return Ok(Redirect::to("/espace").into_response());
    };
    let mut csrf = None;
    let mut allowed: Vec<String> = Vec::new();
    let mut block_future = false;
    for (k, v) in relais_core::form_encoding::parse(&body) {
        match &*k {
            "csrf" => csrf = Some(v.into_owned()),
            "allowed" if v.len() <= 128 => allowed.push(v.into_owned()),
            "block_future" => block_future = v == "yes",
            _ => {}
        }
    }
    app.check_csrf(csrf.as_deref(), &session.id, "space-choices")
        .await?;
    let snapshot = app.registry.snapshot();
    let mut account = app
        .stores
        .accounts
        .get_account(&session.account_id)
        .await?
        .unwrap_or_else(|| {
            Account::new(&session.account_id, &session.idp_id, app.clock.now_millis())
        });
    account.blocked_idps = snapshot
        .idps
        .iter()
        .filter(|i| i.display && i.id != session.idp_id && !allowed.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    account.block_future_idps = block_future;
    account.known_idps = if block_future {
        snapshot.idps.iter().map(|i| i.id.clone()).collect()
    } else {
        Vec::new()
    };
    app.stores.accounts.save_account(&account).await?;
    Ok(Redirect::to("/espace?saved=1").into_response())
}
