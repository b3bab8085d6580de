//! Public agents sign in to the partner space with the OpenID provider the
//! operator names (`[partners] agent_idp`, an identity provider of the
//! registry, e.g. the State's agent federation): Relais is its client with
//! its own state, nonce and PKCE bound to the browser by a cookie; the
//! verified e-mail address opens the partner session, as a magic link does.

use crate::error::PageError;
use crate::extract::PageQuery;
use crate::rp_login::{finish, ReturnRefused, RpLogin};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::onboarding::org::normalise_email;
use relais_core::partner::IdentityProvider;
use relais_core::{AcrLevel, ErrorCode};
use relais_oidc::idp_client::AuthorizationRequest;
use serde::Deserialize;
use std::sync::Arc;

const CALLBACK: &str = "/partenaires/agent/retour";
const LOGIN: RpLogin = RpLogin {
    prefix: "agent-login",
    cookie: "relais_partner_agent",
};

fn agent_idp(app: &AppState) -> Result<Arc<IdentityProvider>, PageError> {
    app.settings
        .partner_agent_idp
        .as_deref()
        .and_then(|id| app.registry.idp(id))
        .filter(|i| i.active)
        .ok_or_else(|| {
            PageError::page(ErrorCode::NotFound, "no agent identity provider configured")
        })
}

fn refused(why: impl Into<String>) -> PageError {
    PageError::page(ErrorCode::PartnerLinkInvalid, why)
}

/// `GET /partenaires/agent`: to the agents' OpenID provider.
pub async fn start(State(app): State<AppState>) -> Result<Response, PageError> {
    let idp = agent_idp(&app)?;
    let (state, pending, cookie) = LOGIN.begin(&app).await?;
    let url = relais_oidc::idp_client::authorization_url(
        &idp,
        &AuthorizationRequest {
            redirect_uri: &app.settings.url(CALLBACK),
            state: &state,
            nonce: &pending.nonce,
            code_challenge: &relais_oidc::pkce::s256_challenge(&pending.code_verifier),
            acr: idp.allowed_acr.first().copied().unwrap_or(AcrLevel::Eidas1),
        },
    );
    let mut resp = Redirect::to(&url).into_response();
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
}

/// `GET /partenaires/agent/retour`: the verified e-mail opens the session.
pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<Callback>,
) -> Result<Response, PageError> {
    let idp = agent_idp(&app)?;
    let pending = LOGIN
        .resume(&app, &headers, q.state.as_deref())
        .await
        .map_err(|r| match r {
            ReturnRefused::State(why) => refused(why),
            ReturnRefused::Store(e) => e.into(),
        })?;
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| refused("agent callback without code"))?;
    let (_, claims) = finish(
        &app,
        &idp,
        &pending,
        &code,
        &app.settings.url(CALLBACK),
        true,
    )
    .await
    .map_err(|e| refused(e.to_string()))?;
    let email = claims
        .get("email")
        .and_then(|e| e.as_str())
        .and_then(normalise_email)
        .ok_or_else(|| refused("the agents' provider gave no e-mail address"))?;
    let cookie = app.open_partner_session(&email).await?;
    let next = if super::records::user(&app, &email).await?.is_some() {
        "/partenaires/services"
    } else {
        "/partenaires/organisation"
    };
    let mut resp = Redirect::to(next).into_response();
    for c in [cookie, LOGIN.clear_cookie(&app)].into_iter().flatten() {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
