//! Demo service "Inscription à la cantine scolaire — Commune de
//! Belleville-sur-Loire (fictive)": a separate web application on its own
//! port that integrates Relais exactly as a town hall would. Login through
//! Relais ([`crate::service_client`]), then a registration form pre-filled with the
//! parent's identity and the family quotient fetched from the CAF's API
//! with the Relais access token ([`caf`]), and the price bracket ([`pricing`]).

pub mod caf;
pub mod pricing;

use caf::Quotient;

use crate::service_client::{OidcClient, PendingLogin};
use crate::service_login::{self, CallbackQuery, Returned};
use crate::site_sessions::SiteSessions;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use relais_core::{Clock, Randomness};
use relais_i18n::{Locale, Tr};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

const COOKIE: &str = "cantine_sid";
const SCOPE: &str = "openid identite_pivot email preferred_username cnaf_quotient_familial";

#[derive(Clone)]
struct LoggedIn {
    identity: Map<String, Value>,
    id_token: String,
    quotient: Result<Quotient, &'static str>,
    csrf: String,
}

#[derive(Clone)]
enum CanteenSession {
    Pending(PendingLogin),
    LoggedIn(Box<LoggedIn>),
}

pub struct Canteen {
    pub base_url: String,
    client: OidcClient,
    caf_url: String,
    http: reqwest::Client,
    sessions: SiteSessions<CanteenSession>,
    random: Arc<dyn Randomness>,
    clock: Arc<dyn Clock>,
}

impl Canteen {
    pub fn new(
        base_url: &str,
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        caf_url: &str,
        random: Arc<dyn Randomness>,
        clock: Arc<dyn Clock>,
    ) -> Result<Canteen, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(8))
            .build()
            .map_err(|e| e.to_string())?;
        let base = base_url.trim_end_matches('/').to_owned();
        Ok(Canteen {
            client: OidcClient::new(
                issuer,
                client_id,
                client_secret,
                &format!("{base}/callback"),
                http.clone(),
            ),
            base_url: base,
            caf_url: caf_url.to_owned(),
            http,
            sessions: SiteSessions::new(COOKIE),
            random,
            clock,
        })
    }

    fn session(&self, headers: &HeaderMap) -> Option<(String, CanteenSession)> {
        self.sessions.of(headers)
    }

    fn store(&self, id: &str, s: CanteenSession) {
        self.sessions.store(id, s)
    }

    fn forget(&self, id: &str) {
        self.sessions.forget(id)
    }

    async fn fetch_quotient(&self, access_token: &str) -> Result<Quotient, &'static str> {
        caf::fetch_quotient(&self.http, &self.caf_url, access_token).await
    }
}

#[derive(Template)]
#[template(path = "canteen_home.html")]
struct HomePage<'a> {
    t: Tr,
    logged_in: bool,
    /// Fluent id of a notice.
    message: Option<&'a str>,
    about: &'a str,
}

#[derive(Template)]
#[template(path = "canteen_404.html")]
struct NotFoundPage {
    t: Tr,
    logged_in: bool,
}

#[derive(Template)]
#[template(path = "canteen_form.html")]
struct FormPage<'a> {
    t: Tr,
    logged_in: bool,
    csrf: &'a str,
    family_name: &'a str,
    usage_name: Option<&'a str>,
    given_name: &'a str,
    birthdate: String,
    email: &'a str,
    quotient: Option<u32>,
    qf_source: String,
    qf_missing: String,
    bracket: &'static str,
    price: String,
    /// (value, label) of each canteen day.
    days: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "canteen_done.html")]
struct DonePage {
    t: Tr,
    logged_in: bool,
    done: String,
    price_line: String,
}

fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(_) => Html(
            "<!DOCTYPE html><html lang=\"fr\"><title>Erreur</title><h1>Erreur</h1></html>"
                .to_owned(),
        )
        .into_response(),
    }
}

fn home_with(headers: &HeaderMap, message: Option<&str>, canteen: &Canteen) -> Response {
    let about = format!("{}/.well-known/openid-configuration", canteen.client.issuer);
    render(&HomePage {
        t: Tr::new(Locale::negotiate(None, headers), "/"),
        logged_in: false,
        message,
        about: &about,
    })
}

async fn home(State(c): State<Arc<Canteen>>, headers: HeaderMap) -> Response {
    match c.session(&headers) {
        Some((_, CanteenSession::LoggedIn(_))) => Redirect::to("/inscription").into_response(),
        _ => home_with(&headers, None, &c),
    }
}

async fn login(State(c): State<Arc<Canteen>>) -> Response {
    service_login::start(
        &c.sessions,
        &c.client,
        c.random.as_ref(),
        SCOPE,
        CanteenSession::Pending,
    )
}

async fn callback(
    State(c): State<Arc<Canteen>>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let pending_of = |s| match s {
        CanteenSession::Pending(p) => Some(p),
        CanteenSession::LoggedIn(_) => None,
    };
    let Returned { sid, pending, code } =
        match service_login::returned(&c.sessions, &headers, q, pending_of) {
            Ok(r) => r,
            Err(msg) => return home_with(&headers, Some(msg), &c),
        };
    let tokens = match c.client.finish(&code, &pending, c.clock.now_secs()).await {
        Ok(t) => t,
        Err(e) => {
            c.forget(&sid);
            tracing::warn!(error = %e, "canteen login failed");
            return home_with(&headers, Some("site-login-unverified"), &c);
        }
    };
    let quotient = c.fetch_quotient(&tokens.access_token).await;
    let _ = &tokens.id_claims;
    c.store(
        &sid,
        CanteenSession::LoggedIn(Box::new(LoggedIn {
            identity: tokens.userinfo,
            id_token: tokens.id_token,
            quotient,
            csrf: c.random.token(24),
        })),
    );
    Redirect::to("/inscription").into_response()
}

fn date_in_words(locale: Locale, iso: &str) -> String {
    relais_core::pivot::BirthDate::parse(iso)
        .map(|d| locale.birth_date(&d))
        .unwrap_or_else(|| iso.to_owned())
}

/// The canteen days (form values stay French; labels follow the page).
const DAYS: [&str; 4] = ["lundi", "mardi", "jeudi", "vendredi"];

async fn form(State(c): State<Arc<Canteen>>, headers: HeaderMap) -> Response {
    let Some((_, CanteenSession::LoggedIn(s))) = c.session(&headers) else {
        return Redirect::to("/").into_response();
    };
    let locale = Locale::negotiate(None, &headers);
    let get = |k: &str| s.identity.get(k).and_then(Value::as_str).unwrap_or("");
    let (quotient, month, problem, bracket) = match &s.quotient {
        Ok(q) => (
            Some(q.value),
            q.month.as_str(),
            "",
            pricing::bracket_for(q.value),
        ),
        Err(e) => (None, "", *e, pricing::Bracket::full_price()),
    };
    let price = bracket.price_text();
    render(&FormPage {
        t: Tr::new(locale, "/inscription"),
        logged_in: true,
        csrf: &s.csrf,
        family_name: get("family_name"),
        usage_name: s.identity.get("preferred_username").and_then(Value::as_str),
        given_name: get("given_name"),
        birthdate: date_in_words(locale, get("birthdate")),
        email: get("email"),
        quotient,
        qf_source: locale.text_with("canteen-qf-source", &[("month", month)]),
        qf_missing: locale.text_with(
            "canteen-qf-missing",
            &[("problem", &locale.text(problem)), ("price", &price)],
        ),
        bracket: bracket.letter,
        price,
        days: DAYS
            .iter()
            .map(|d| (*d, locale.text(&format!("canteen-day-{d}")).into_owned()))
            .collect(),
    })
}

async fn submit(
    State(c): State<Arc<Canteen>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some((_, CanteenSession::LoggedIn(s))) = c.session(&headers) else {
        return Redirect::to("/").into_response();
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    if !relais_oidc::provider::secret_matches(&field("csrf"), &s.csrf) {
        return home_with(&headers, Some("canteen-form-expired"), &c);
    }
    let child = format!("{} {}", field("enfant_prenom"), field("enfant_nom"));
    let school = field("ecole");
    if child.trim().is_empty() || school.is_empty() || child.len() > 200 || school.len() > 200 {
        return Redirect::to("/inscription").into_response();
    }
    let locale = Locale::negotiate(None, &headers);
    let days: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "jours")
        .map(|(_, v)| v.clone())
        .filter(|v| DAYS.contains(&v.as_str()))
        .map(|v| locale.text(&format!("canteen-day-{v}")).into_owned())
        .take(5)
        .collect();
    let bracket = match &s.quotient {
        Ok(q) => pricing::bracket_for(q.value),
        Err(_) => pricing::Bracket::full_price(),
    };
    let price = bracket.price_text();
    let done = if days.is_empty() {
        locale.text_with(
            "canteen-done-text",
            &[("child", child.trim()), ("school", &school)],
        )
    } else {
        locale.text_with(
            "canteen-done-text-days",
            &[
                ("child", child.trim()),
                ("school", &school),
                ("days", &days.join(", ")),
            ],
        )
    };
    render(&DonePage {
        t: Tr::new(locale, "/inscription"),
        logged_in: true,
        done,
        price_line: locale.text_with(
            "canteen-done-price",
            &[("bracket", bracket.letter), ("price", &price)],
        ),
    })
}

async fn logout(State(c): State<Arc<Canteen>>, headers: HeaderMap) -> Response {
    match c.session(&headers) {
        Some((sid, CanteenSession::LoggedIn(s))) => {
            c.forget(&sid);
            let url = c.client.logout_url(
                &s.id_token,
                &format!("{}/", c.base_url),
                &c.random.token(12),
            );
            Redirect::to(&url).into_response()
        }
        _ => Redirect::to("/").into_response(),
    }
}

/// The canteen's own 404, in the canteen's look.
async fn not_found(headers: HeaderMap) -> Response {
    let page = NotFoundPage {
        t: Tr::new(Locale::negotiate(None, &headers), "/"),
        logged_in: false,
    };
    let mut r = render(&page);
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

const CSS: &str = include_str!("canteen.css");

/// The canteen application (serve it on its own port).
pub fn router(canteen: Arc<Canteen>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/inscription", get(form).post(submit))
        .route("/logout", get(logout))
        .route("/style.css", get(style))
        .fallback(not_found)
        .with_state(canteen)
}
