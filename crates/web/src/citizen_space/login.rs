//! The space logs the citizen in through the federation, as a service does:
//! `start` sends the browser to `/api/v2/authorize` with the space's own
//! state, nonce and PKCE (bound to the browser by a cookie, [`crate::rp_login`]); `callback`
//! exchanges the code, verifies the ID token and reads userinfo over HTTP,
//! then finds the account from the pivot identity. `logout` closes the
//! space and ends the federation session.

use super::provider::{as_provider, CALLBACK_PATH, CLIENT_ID, SCOPES};
use super::session::SpaceSession;
use crate::error::PageError;
use crate::extract::{PageForm, PageQuery};
use crate::rp_login::{finish, ReturnRefused, RpLogin};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::form_encoding::FormQuery;
use relais_core::pivot::PivotIdentity;
use relais_core::subject::IdentityHash;
use relais_core::ErrorCode;
use serde::Deserialize;

const LOGIN: RpLogin = RpLogin {
    prefix: "space-login",
    cookie: "relais_space_login",
};

pub async fn start(State(app): State<AppState>) -> Result<Response, PageError> {
    let (state, pending, cookie) = LOGIN.begin(&app).await?;
    let authorize = FormQuery::on(format!("{}/authorize", app.settings.issuer()))
        .pair("response_type", "code")
        .pair("client_id", CLIENT_ID)
        .pair("redirect_uri", &app.settings.url(CALLBACK_PATH))
        .pair("scope", &SCOPES.join(" "))
        .pair("state", &state)
        .pair("nonce", &pending.nonce)
        .pair("acr_values", "eidas1")
        .pair(
            "code_challenge",
            &relais_oidc::pkce::s256_challenge(&pending.code_verifier),
        )
        .pair("code_challenge_method", "S256")
        .finish();
    let mut resp = Redirect::to(&authorize).into_response();
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<Callback>,
) -> Result<Response, PageError> {
    let pending = LOGIN
        .resume(&app, &headers, q.state.as_deref())
        .await
        .map_err(|r| match r {
            ReturnRefused::State(why) => PageError::page(ErrorCode::SpaceLoginFailed, why),
            ReturnRefused::Store(e) => e.into(),
        })?;
    if q.error.is_some() {
        // The citizen went back without logging in: the space's front door.
        return Ok(Redirect::to("/espace").into_response());
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| {
            PageError::page(ErrorCode::SpaceLoginFailed, "space callback without code")
        })?;
    let provider = as_provider(&app.settings);
    let (id_token, claims) = finish(
        &app,
        &provider,
        &pending,
        &code,
        &app.settings.url(CALLBACK_PATH),
        false,
    )
    .await
    .map_err(|e| PageError::page(ErrorCode::SpaceLoginFailed, e.to_string()))?;
    let identity = PivotIdentity::from_claims(&claims, app.settings.platform)
        .map_err(|e| PageError::page(ErrorCode::SpaceLoginFailed, format!("identity: {e:?}")))?;
    let hash = IdentityHash::of(&identity);
    let account = app
        .stores
        .accounts
        .get_account(hash.as_str())
        .await?
        .ok_or_else(|| {
            PageError::page(ErrorCode::SpaceLoginFailed, "no account for this identity")
        })?;
    let session = SpaceSession {
        id: app.random.token(32),
        event_account: app.event_account_id(hash.as_str()),
        account_id: account.id,
        idp_id: account.last_idp,
        id_token: id_token.raw,
    };
    let mut resp = Redirect::to("/espace").into_response();
    if let Some(c) = app.open_space_session(&session).await? {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    if let Some(c) = LOGIN.clear_cookie(&app) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: Option<String>,
}

/// Closes the space and ends the federation session (the citizen lands on
/// the space's front door).
pub async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<LogoutForm>,
) -> Result<Response, PageError> {
    let Some(session) = app.space_session(&headers).await? else {
        return Ok(Redirect::to("/espace").into_response());
    };
    app.check_csrf(form.csrf.as_deref(), &session.id, "space-logout")
        .await?;
    let end = FormQuery::on(format!("{}/session/end", app.settings.issuer()))
        .pair("id_token_hint", &session.id_token)
        .pair("post_logout_redirect_uri", &app.settings.url("/espace"))
        .pair("state", &app.random.hex(16))
        .finish();
    let mut resp = Redirect::to(&end).into_response();
    if let Some(c) = app.close_space_session(&session).await? {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
