//! Demo sensitive service "Envoi de lettre recommandée électronique
//! (démo)": a separate web application on its own port that integrates the
//! Plus platform exactly as a bank or a hospital would — it publishes its
//! keys at `/jwks`, authenticates with `private_key_jwt`, asks for
//! `eidas2`/`eidas3`, opens the ID token and userinfo Relais encrypted to
//! it, verifies their ES256 signatures, and shows the level reached.
//!
//! Its logout is a form that posts to Relais+'s `session/end` from the
//! service's own page (the canteen shows the other way, a redirect): the
//! service forgets its session when Relais+ sends the citizen back with
//! the logout's `state`.

use crate::service_client::{ClientAuth, OidcClient, PendingLogin, ServiceKeys};
use crate::service_login::{self, CallbackQuery, Returned};
use crate::site_sessions::SiteSessions;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use relais_core::{AcrLevel, Clock, Randomness};
use relais_i18n::{Locale, Tr};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

const COOKIE: &str = "lettre_sid";
const SCOPE: &str = "openid identite_pivot email";

#[derive(Clone)]
enum LettreSession {
    Pending(PendingLogin),
    LoggedIn {
        /// (claim name, value).
        claims: Vec<(String, String)>,
        level: AcrLevel,
        id_token: String,
        /// The `state` of this session's logout, by which the service
        /// knows the citizen it gets back from Relais+.
        logout_state: String,
    },
}

/// The hidden fields of the logout form (RP-Initiated Logout 1.0 by
/// `POST`).
struct LogoutForm<'a> {
    action: &'a str,
    id_token_hint: &'a str,
    post_logout_redirect_uri: &'a str,
    state: &'a str,
}

pub struct Lettre {
    pub base_url: String,
    client: OidcClient,
    keys: Arc<ServiceKeys>,
    sessions: SiteSessions<LettreSession>,
    random: Arc<dyn Randomness>,
    clock: Arc<dyn Clock>,
}

#[derive(Template)]
#[template(path = "lettre_page.html")]
struct Page<'a> {
    t: Tr,
    title: std::borrow::Cow<'static, str>,
    /// Fluent id of a notice.
    message: Option<&'a str>,
    logged_in: bool,
    level: &'a str,
    level_name: std::borrow::Cow<'static, str>,
    /// (label, value).
    claims: Vec<(String, &'a str)>,
    about: &'a str,
    logout: Option<LogoutForm<'a>>,
}

impl Lettre {
    pub fn new(
        base_url: &str,
        issuer: &str,
        client_id: &str,
        keys: Arc<ServiceKeys>,
        random: Arc<dyn Randomness>,
        clock: Arc<dyn Clock>,
    ) -> Result<Lettre, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(8))
            .build()
            .map_err(|e| e.to_string())?;
        let base = base_url.trim_end_matches('/').to_owned();
        let mut client = OidcClient::new(issuer, client_id, "", &format!("{base}/callback"), http);
        client.auth = ClientAuth::Keys(keys.clone());
        client.acr_values = "eidas2 eidas3".into();
        Ok(Lettre {
            base_url: base,
            client,
            keys,
            sessions: SiteSessions::new(COOKIE),
            random,
            clock,
        })
    }

    fn session(&self, headers: &HeaderMap) -> Option<(String, LettreSession)> {
        self.sessions.of(headers)
    }

    fn store(&self, id: &str, s: LettreSession) {
        self.sessions.store(id, s)
    }

    fn forget(&self, id: &str) {
        self.sessions.forget(id)
    }

    fn page(
        &self,
        headers: &HeaderMap,
        message: Option<&str>,
        session: Option<&LettreSession>,
    ) -> Response {
        let locale = Locale::negotiate(None, headers);
        let about = format!("{}/.well-known/openid-configuration", self.client.issuer);
        let end_session = format!("{}/session/end", self.client.issuer);
        let home = format!("{}/", self.base_url);
        let (claims, level, logout) = match session {
            Some(LettreSession::LoggedIn {
                claims,
                level,
                id_token,
                logout_state,
            }) => (
                claims.as_slice(),
                Some(*level),
                Some(LogoutForm {
                    action: &end_session,
                    id_token_hint: id_token,
                    post_logout_redirect_uri: &home,
                    state: logout_state,
                }),
            ),
            _ => (&[][..], None, None),
        };
        let page = Page {
            t: Tr::new(locale, "/"),
            title: locale.text(if level.is_some() {
                "letter-verified-title"
            } else {
                "letter-title"
            }),
            message,
            logged_in: level.is_some(),
            level: level.map(AcrLevel::as_str).unwrap_or(""),
            level_name: match level {
                Some(AcrLevel::Eidas3) => locale.text("letter-level-high"),
                Some(AcrLevel::Eidas2) => locale.text("letter-level-substantial"),
                _ => std::borrow::Cow::Borrowed(""),
            },
            claims: claims
                .iter()
                .map(|(k, v)| (locale.text(&format!("claim-{k}")).into_owned(), v.as_str()))
                .collect(),
            about: &about,
            logout,
        };
        let html = page.render().unwrap_or_else(|_| {
            "<!DOCTYPE html><html lang=\"fr\"><title>Erreur</title><h1>Erreur</h1></html>".into()
        });
        let mut r = Html(html).into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

#[derive(serde::Deserialize)]
struct HomeQuery {
    state: Option<String>,
}

/// The home page; with the `state` of this session's logout, the citizen
/// back from Relais+'s `session/end`, logged out there: the service
/// forgets its session too.
async fn home(
    State(l): State<Arc<Lettre>>,
    headers: HeaderMap,
    Query(q): Query<HomeQuery>,
) -> Response {
    let session = l.session(&headers);
    if let (Some((sid, LettreSession::LoggedIn { logout_state, .. })), Some(state)) =
        (&session, &q.state)
    {
        if logout_state == state {
            l.forget(sid);
            return l.page(&headers, Some("letter-logged-out"), None);
        }
    }
    l.page(&headers, None, session.map(|(_, s)| s).as_ref())
}

async fn login(State(l): State<Arc<Lettre>>) -> Response {
    service_login::start(
        &l.sessions,
        &l.client,
        l.random.as_ref(),
        SCOPE,
        LettreSession::Pending,
    )
}

async fn callback(
    State(l): State<Arc<Lettre>>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let pending_of = |s| match s {
        LettreSession::Pending(p) => Some(p),
        LettreSession::LoggedIn { .. } => None,
    };
    let Returned { sid, pending, code } =
        match service_login::returned(&l.sessions, &headers, q, pending_of) {
            Ok(r) => r,
            Err(msg) => return l.page(&headers, Some(msg), None),
        };
    let tokens = match l.client.finish(&code, &pending, l.clock.now_secs()).await {
        Ok(t) => t,
        Err(e) => {
            l.forget(&sid);
            tracing::warn!(error = %e, "registered-letter login failed");
            return l.page(&headers, Some("site-login-unverified"), None);
        }
    };
    let level = tokens
        .id_claims
        .get("acr")
        .and_then(Value::as_str)
        .and_then(AcrLevel::parse)
        .filter(|a| *a >= AcrLevel::Eidas2);
    let Some(level) = level else {
        l.forget(&sid);
        return l.page(&headers, Some("letter-level-too-low"), None);
    };
    let claims = ["given_name", "family_name", "birthdate", "email"]
        .iter()
        .filter_map(|k| {
            tokens
                .userinfo
                .get(*k)
                .and_then(Value::as_str)
                .map(|v| ((*k).to_owned(), v.to_owned()))
        })
        .collect();
    l.store(
        &sid,
        LettreSession::LoggedIn {
            claims,
            level,
            id_token: tokens.id_token,
            logout_state: l.random.token(12),
        },
    );
    Redirect::to("/").into_response()
}

async fn jwks(State(l): State<Arc<Lettre>>) -> Response {
    let mut r = axum::Json(l.keys.jwks()).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    r
}

/// The service's own 404: its home page with a notice.
async fn not_found(State(l): State<Arc<Lettre>>, headers: HeaderMap) -> Response {
    let mut r = l.page(&headers, Some("letter-not-found"), None);
    *r.status_mut() = axum::http::StatusCode::NOT_FOUND;
    r
}

async fn style() -> Response {
    let mut r = CSS.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r
}

const CSS: &str = include_str!("../canteen/canteen.css");

/// The registered-letter application (serve it on its own port).
pub fn router(lettre: Arc<Lettre>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/jwks", get(jwks))
        .route("/style.css", get(style))
        .fallback(not_found)
        .with_state(lettre)
}
