//! Step 7 — logout (`GET /session/end`, or `POST` sent on to it), chained
//! to the IdP.
//!
//! The `id_token_hint` must be one Relais signed for a service of this live
//! session. The federation session is destroyed at once; when the
//! session's IdP has an end_session endpoint the browser goes there and
//! comes back to `/idp/logout-callback`; then the citizen lands on the
//! service's registered `post_logout_redirect_uri` (with `state`) or on a
//! "you are logged out" page. Ending the session before the IdP's leg
//! rather than after it means a leg that never comes back (the IdP down,
//! the tab closed on a shared computer) leaves no session that the next
//! person at the keyboard would be logged in with.
//!
//! The parameters are read as FranceConnect's engine reads them: a
//! `client_id` sent with the hint must be its audience, and `ui_locales`
//! picks the language of the pages this logout shows (the logged-out page,
//! its refusals), carried across the IdP's leg in the pending record.

use crate::cookies;
use crate::error::{with_params, PageError};
use crate::extract::{PageForm, PageQuery};
use crate::flow::BrowserSession;
use crate::pages;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::authorize::MAX_VALUE;
use relais_core::event::EventKind;
use relais_core::form_encoding::FormQuery;
use relais_core::ErrorCode;
use relais_i18n::Locale;
use relais_oidc::jose::{self, Verifier};
use relais_oidc::{idp_client, JwsAlg};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Deserialize)]
pub struct EndSessionQuery {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    /// RP-Initiated Logout 1.0 §2: when sent, the hint's audience.
    client_id: Option<String>,
    ui_locales: Option<String>,
}

impl EndSessionQuery {
    /// The first language of `ui_locales` that Relais speaks.
    fn ui_locale(&self) -> Option<Locale> {
        self.ui_locales
            .as_deref()
            .and_then(Locale::first_of_ui_locales)
    }
}

#[derive(Serialize, Deserialize)]
struct PendingLogout {
    /// The session, already ended unless a node of an earlier version
    /// sent this logout to the IdP.
    session_id: String,
    client_id: String,
    redirect: Option<String>,
    state: Option<String>,
    /// The language `ui_locales` asked for (a record written before it
    /// existed has none).
    #[serde(default)]
    ui_locale: Option<String>,
}

fn bad_hint(detail: &str) -> PageError {
    PageError::page(ErrorCode::LogoutInvalid, detail)
}

/// Verifies a hint Relais signed (expired hints are fine: only the signature,
/// issuer and audience matter here).
fn verify_hint(app: &AppState, hint: &str) -> Result<Map<String, Value>, PageError> {
    if hint.len() > 8192 {
        return Err(bad_hint("id_token_hint too long"));
    }
    // A service of Plus receives its ID tokens encrypted; the hint is the
    // signed token inside (OpenID Connect Core §3.1.2.1).
    if hint.split('.').count() == 5 {
        return Err(bad_hint(
            "id_token_hint encrypted: send the signed ID token inside it",
        ));
    }
    let header =
        jose::decode_unverified_header(hint).map_err(|_| bad_hint("id_token_hint malformed"))?;
    let claims = match JwsAlg::parse(&header.alg) {
        Some(JwsAlg::HS256) => {
            // Legacy services: the hint is signed with their own secret; find
            // the service from the (not yet trusted) audience, then verify.
            let payload = hint.split('.').nth(1).unwrap_or("");
            let raw =
                base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                    .map_err(|_| bad_hint("id_token_hint malformed"))?;
            let unverified: Map<String, Value> =
                serde_json::from_slice(&raw).map_err(|_| bad_hint("id_token_hint malformed"))?;
            let aud = unverified.get("aud").and_then(Value::as_str).unwrap_or("");
            let sp = app
                .registry
                .sp(aud)
                .ok_or_else(|| bad_hint("unknown audience"))?;
            if sp.id_token_signed_response_alg != relais_core::JwsAlg::HS256 {
                return Err(bad_hint("unexpected algorithm"));
            }
            jose::verify(
                hint,
                JwsAlg::HS256,
                Verifier::Secret(sp.client_secret.as_bytes()),
            )
        }
        Some(alg) => jose::verify(hint, alg, Verifier::Keys(&app.keys.current().jwks)),
        None => return Err(bad_hint("unexpected algorithm")),
    }
    .map_err(|e| bad_hint(&format!("id_token_hint: {e}")))?;
    if claims.get("iss").and_then(Value::as_str) != Some(app.settings.issuer().as_str()) {
        return Err(bad_hint("id_token_hint from another issuer"));
    }
    Ok(claims)
}

pub async fn end_session(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<EndSessionQuery>,
) -> Result<Response, PageError> {
    let ui_locale = q.ui_locale();
    end_session_asked(&app, &headers, q, ui_locale)
        .await
        .map_err(|e| e.in_locale(Locale::negotiate(ui_locale.map(Locale::code), &headers)))
}

/// Where the logout lives (the router's route, the `POST`'s redirect).
pub const END_SESSION_PATH: &str = "/api/v2/session/end";

/// `POST /session/end` (RP-Initiated Logout 1.0 §2: both methods): the
/// same parameters, sent on to `GET` by a 303. A service's logout form
/// posts from its own site, and the session cookie (`SameSite=Lax`)
/// travels only on a top-level `GET`: the redirect brings it.
pub async fn end_session_posted(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(q): PageForm<EndSessionQuery>,
) -> Result<Response, PageError> {
    let params = [
        ("id_token_hint", &q.id_token_hint),
        ("post_logout_redirect_uri", &q.post_logout_redirect_uri),
        ("state", &q.state),
        ("client_id", &q.client_id),
        ("ui_locales", &q.ui_locales),
    ];
    let mut url = FormQuery::on(END_SESSION_PATH.to_owned());
    for (name, value) in params {
        if let Some(v) = value {
            url = url.pair(name, v);
        }
    }
    let url = url.finish();
    // What the `GET` would refuse as a URI over the limit, refused here.
    if url.len() > app.abuse.policy.max_uri_bytes {
        let locale = Locale::negotiate(q.ui_locale().map(Locale::code), &headers);
        return Err(bad_hint("parameters too long to be sent on to GET").in_locale(locale));
    }
    Ok(Redirect::to(&app.settings.url(&url)).into_response())
}

async fn end_session_asked(
    app: &AppState,
    headers: &HeaderMap,
    q: EndSessionQuery,
    ui_locale: Option<Locale>,
) -> Result<Response, PageError> {
    let hint = q
        .id_token_hint
        .as_deref()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad_hint("id_token_hint missing"))?;
    // Refused, not dropped: the service would wait for a `state` that
    // never comes back.
    if q.state.as_ref().is_some_and(|s| s.len() > MAX_VALUE) {
        return Err(bad_hint("state too long"));
    }
    let claims = verify_hint(app, hint)?;
    let client_id = claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if q.client_id.as_ref().is_some_and(|c| *c != client_id) {
        return Err(bad_hint("client_id is not the id_token_hint's audience"));
    }
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let sp = app
        .registry
        .sp(&client_id)
        .ok_or_else(|| bad_hint("unknown audience"))?;
    if let Some(uri) = &q.post_logout_redirect_uri {
        if !sp.post_logout_redirect_uris.iter().any(|u| u == uri) {
            return Err(PageError::page(
                ErrorCode::LogoutRedirectNotRegistered,
                "post_logout_redirect_uri not registered",
            ));
        }
    }
    let session = app
        .current_session(headers)
        .await?
        .filter(|s| s.issued.iter().any(|(c, s2)| *c == client_id && s2 == sub))
        .ok_or_else(|| {
            PageError::page(
                ErrorCode::LogoutSessionNotFound,
                "no live session for this id_token_hint",
            )
        })?;
    let mut e = app.login_event(EventKind::SpRequestedLogout, headers, Some(&session), None);
    e.sp_id = Some(client_id.clone());
    e.sp_name = Some(sp.name.clone());
    app.events.emit(e);
    let ending = Ending {
        redirect: q.post_logout_redirect_uri,
        state: q.state,
        ui_locale,
    };

    if let Some(login) = &session.login {
        if let Some(idp) = app
            .registry
            .idp(&login.idp_id)
            .filter(|i| i.has_end_session())
        {
            let relay = app.random.hex(32);
            let pending = PendingLogout {
                session_id: session.id.clone(),
                client_id: client_id.clone(),
                redirect: ending.redirect.clone(),
                state: ending.state.clone(),
                ui_locale: ending.ui_locale.map(|l| l.code().to_owned()),
            };
            app.save(&format!("logout:{relay}"), &pending, 600).await?;
            let callback = app.settings.url("/api/v2/idp/logout-callback");
            if let Some(url) =
                idp_client::end_session_url(&idp, &login.idp_id_token.text(), &callback, &relay)
            {
                let mut e = app.login_event(
                    EventKind::FcRequestedLogoutFromIdp,
                    headers,
                    Some(&session),
                    None,
                );
                e.idp_id = Some(idp.id.clone());
                app.events.emit(e);
                let to_idp = Redirect::to(&url).into_response();
                return finish(app, headers, &session, &client_id, to_idp).await;
            }
        }
    }
    finish(app, headers, &session, &client_id, landing(headers, ending)).await
}

/// Where a logout ends: the service's address with its `state`, or the
/// logged-out page in the language the service asked for.
struct Ending {
    redirect: Option<String>,
    state: Option<String>,
    ui_locale: Option<Locale>,
}

#[derive(Deserialize)]
pub struct LogoutCallbackQuery {
    state: Option<String>,
}

pub async fn idp_logout_callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<LogoutCallbackQuery>,
) -> Result<Response, PageError> {
    let relay = q
        .state
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| bad_hint("logout callback without state"))?;
    let pending: PendingLogout = app
        .take(&format!("logout:{relay}"))
        .await?
        .ok_or_else(|| bad_hint("unknown logout state"))?;
    let session: Option<BrowserSession> = app
        .load_record(&crate::flow::session_record_key(&pending.session_id))
        .await?;
    let ending = Ending {
        redirect: pending.redirect,
        state: pending.state,
        ui_locale: pending.ui_locale.as_deref().and_then(Locale::from_tag),
    };
    match session {
        // A logout a node of an earlier version sent to the IdP with the
        // session still alive.
        Some(s) => {
            finish(
                &app,
                &headers,
                &s,
                &pending.client_id,
                landing(&headers, ending),
            )
            .await
        }
        None => Ok(landing(&headers, ending)),
    }
}

/// Ends the federation session (its record, the event, the browser's
/// cookie) on the way to `resp`.
async fn finish(
    app: &AppState,
    headers: &HeaderMap,
    session: &BrowserSession,
    client_id: &str,
    mut resp: Response,
) -> Result<Response, PageError> {
    app.stores
        .ephemeral
        .delete(&crate::flow::session_record_key(&session.id))
        .await?;
    let mut e = app.login_event(EventKind::FcSessionTerminated, headers, Some(session), None);
    e.sp_id = Some(client_id.to_owned());
    app.events.emit(e);
    if let Some(c) = cookies::clear_cookie(
        cookies::session_cookie_name(app.settings.sandbox),
        app.settings.sandbox,
    ) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

fn landing(headers: &HeaderMap, ending: Ending) -> Response {
    match ending.redirect {
        Some(uri) => {
            let url = match ending.state.as_deref() {
                Some(s) => with_params(&uri, &[("state", s)], false),
                None => uri,
            };
            Redirect::to(&url).into_response()
        }
        None => pages::logged_out_page(Locale::negotiate(
            ending.ui_locale.map(Locale::code),
            headers,
        ))
        .into_response(),
    }
}

/// The logged-out page on its own address (the language switch shows it again).
pub async fn logged_out(headers: HeaderMap) -> Response {
    pages::logged_out_page(Locale::negotiate(None, &headers)).into_response()
}
