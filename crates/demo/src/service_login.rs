//! The service side of a login, as both demo sites (the canteen, the
//! registered-letter service) run it: start — a pending login in the
//! browser's session and a redirect to Relais — and the callback's checks —
//! the session's pending login, `state`, an `error` from Relais, a `code`.

use crate::service_client::{OidcClient, PendingLogin};
use crate::site_sessions::SiteSessions;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::Randomness;
use serde::Deserialize;

/// What Relais sends the browser back with.
#[derive(Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// A callback that may be finished: the browser session, what it was
/// waiting for, and the code.
pub struct Returned {
    pub sid: String,
    pub pending: PendingLogin,
    pub code: String,
}

/// Sends the browser to Relais, remembering the login as `wrap(pending)`.
pub fn start<T: Clone>(
    sessions: &SiteSessions<T>,
    client: &OidcClient,
    random: &dyn Randomness,
    scope: &str,
    wrap: impl FnOnce(PendingLogin) -> T,
) -> Response {
    let (url, pending) = client.start(random, scope);
    let sid = random.token(24);
    sessions.store(&sid, wrap(pending));
    let mut r = Redirect::to(&url).into_response();
    if let Some(v) = sessions.cookie_for(&sid) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// Checks a callback against the browser's pending login (`pending_of`
/// reads it from the session); `Err` is the Fluent id of the message for
/// the citizen. A
/// refused or forged callback ends the pending login.
pub fn returned<T: Clone>(
    sessions: &SiteSessions<T>,
    headers: &HeaderMap,
    q: CallbackQuery,
    pending_of: impl Fn(T) -> Option<PendingLogin>,
) -> Result<Returned, &'static str> {
    let Some((sid, pending)) = sessions
        .of(headers)
        .and_then(|(sid, s)| pending_of(s).map(|p| (sid, p)))
    else {
        return Err("site-login-expired");
    };
    if q.state.as_deref() != Some(pending.state.as_str()) {
        sessions.forget(&sid);
        return Err("site-login-wrong-state");
    }
    if let Some(e) = q.error {
        sessions.forget(&sid);
        return Err(if e == "access_denied" {
            "site-login-cancelled"
        } else {
            "site-login-failed"
        });
    }
    let code = q.code.ok_or("site-login-no-code")?;
    Ok(Returned { sid, pending, code })
}
