//! The space logs the citizen in through the federation, as a service does:
//! `start` sends the browser to `/api/v2/authorize` with the space's own
//! state, nonce and PKCE (bound to the browser by a cookie); `callback`
//! exchanges the code, verifies the ID token and reads userinfo over HTTP,
//! then finds the account from the pivot identity. `logout` closes the
//! space and ends the federation session.

use super::provider::{as_provider, CALLBACK_PATH, CLIENT_ID, SCOPES};
use super::session::SpaceSession;
use crate::cookies;
use crate::error::PageError;
use crate::extract::{PageForm, PageQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::pivot::PivotIdentity;
use relais_core::subject::IdentityHash;
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use relais_oidc::idp_client::{CodeExchange, OwnKeys};
use serde::{Deserialize, Serialize};

const LOGIN_TTL_SECS: u64 = 10 * 60;
const BINDING_COOKIE: &str = "relais_space_login";

/// What the space keeps between the redirect and the callback.
#[derive(Serialize, Deserialize)]
struct PendingLogin {
    nonce: String,
    code_verifier: String,
    /// The browser that started: its binding cookie must come back.
    binding: String,
}

pub async fn start(State(app): State<AppState>) -> Result<Response, PageError> {
    let state = app.random.hex(32);
    let pending = PendingLogin {
        nonce: app.random.hex(32),
        code_verifier: app.random.token(48),
        binding: app.random.token(24),
    };
    app.save(&stored_key("space-login", &state), &pending, LOGIN_TTL_SECS)
        .await?;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", &app.settings.url(CALLBACK_PATH))
        .append_pair("scope", &SCOPES.join(" "))
        .append_pair("state", &state)
        .append_pair("nonce", &pending.nonce)
        .append_pair("acr_values", "eidas1")
        .append_pair(
            "code_challenge",
            &relais_oidc::pkce::s256_challenge(&pending.code_verifier),
        )
        .append_pair("code_challenge_method", "S256")
        .finish();
    let mut resp =
        Redirect::to(&format!("{}/authorize?{query}", app.settings.issuer())).into_response();
    if let Some(c) = cookies::set_cookie(
        BINDING_COOKIE,
        &pending.binding,
        LOGIN_TTL_SECS,
        app.settings.sandbox,
    ) {
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
    let state = q
        .state
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| {
            PageError::page(ErrorCode::SpaceLoginFailed, "space callback without state")
        })?;
    let pending: PendingLogin = app
        .take(&stored_key("space-login", &state))
        .await?
        .ok_or_else(|| {
            PageError::page(ErrorCode::SpaceLoginFailed, "unknown or used space state")
        })?;
    let bound = cookies::read_cookie(&headers, BINDING_COOKIE).is_some_and(|b| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            b.as_bytes(),
            pending.binding.as_bytes(),
        ))
    });
    if !bound {
        return Err(PageError::page(
            ErrorCode::SpaceLoginFailed,
            "space state from another browser",
        ));
    }
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
    let keys = app.keys.current();
    let own = OwnKeys {
        signing: None,
        decryption: &keys.decryption,
    };
    let now = app.clock.now_millis();
    let failed = |e: relais_oidc::idp_client::IdpError| {
        PageError::page(ErrorCode::SpaceLoginFailed, e.to_string())
    };
    let jti = app.random.token(16);
    let tokens = app
        .idp_client
        .exchange_code(
            &provider,
            CodeExchange {
                code: &code,
                redirect_uri: &app.settings.url(CALLBACK_PATH),
                code_verifier: &pending.code_verifier,
                assertion_jti: &jti,
                now_secs: app.clock.now_secs(),
            },
            own,
        )
        .await
        .map_err(failed)?;
    let id_token = app
        .idp_client
        .verify_id_token(&provider, &tokens.id_token, &pending.nonce, now, own)
        .await
        .map_err(failed)?;
    let claims = app
        .idp_client
        .userinfo(&provider, &tokens.access_token, now, own)
        .await
        .map_err(failed)?;
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
    if let Some(c) = cookies::clear_cookie(BINDING_COOKIE, app.settings.sandbox) {
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
    let end = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", &session.id_token)
        .append_pair("post_logout_redirect_uri", &app.settings.url("/espace"))
        .append_pair("state", &app.random.hex(16))
        .finish();
    let mut resp =
        Redirect::to(&format!("{}/session/end?{end}", app.settings.issuer())).into_response();
    if let Some(c) = app.close_space_session(&session).await? {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
