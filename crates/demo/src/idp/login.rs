//! The demo IdP's front channel: the authorization request, the login form,
//! and RP-initiated logout.

use super::DemoIdp;
use crate::citizens::{self, CITIZENS, PASSWORD};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use relais_core::acr::AcrLevel;
use relais_i18n::{Locale, Tr};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "idp_login.html")]
struct LoginPage<'a> {
    t: Tr,
    title: &'a str,
    action: String,
    rid: &'a str,
    csrf: &'a str,
    login: &'a str,
    error: Option<&'a str>,
    citizens: Vec<(&'static str, String)>,
}

/// A validated authorization request waiting for the citizen to log in.
#[derive(Serialize, Deserialize)]
pub(super) struct PendingRequest {
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: Option<String>,
    pub acr: AcrLevel,
    pub csrf: String,
    /// The authorize address, to show the page again in another language.
    #[serde(default)]
    pub here: String,
}

/// What a code stands for.
#[derive(Serialize, Deserialize)]
pub(super) struct IssuedCode {
    pub login: String,
    pub redirect_uri: String,
    pub nonce: String,
    pub code_challenge: Option<String>,
    pub acr: AcrLevel,
    pub auth_time: i64,
}

fn bad(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, Html(format!("<!DOCTYPE html><html lang=\"fr\"><title>Erreur</title><h1>Requête invalide</h1><p>{msg}</p></html>")))
        .into_response()
}

fn page(
    locale: Locale,
    here: &str,
    idp: &DemoIdp,
    rid: &str,
    csrf: &str,
    login: &str,
    error: Option<&str>,
) -> Response {
    let p = LoginPage {
        t: Tr::new(locale, here),
        title: idp.spec.title,
        action: format!("{}/login", idp.issuer),
        rid,
        csrf,
        login,
        error,
        citizens: CITIZENS
            .iter()
            .map(|c| {
                (
                    c.login,
                    locale.text(&format!("citizen-{}", c.login)).into_owned(),
                )
            })
            .collect(),
    };
    match p.render() {
        Ok(s) => Html(s).into_response(),
        Err(_) => bad("page indisponible"),
    }
}

pub(super) async fn authorize(
    State(idp): State<Arc<DemoIdp>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("client_id") != Some(idp.client_id.as_str()) {
        return bad("client_id inconnu");
    }
    let Some(redirect_uri) =
        get("redirect_uri").filter(|r| idp.redirect_uris.iter().any(|u| u == r))
    else {
        return bad("redirect_uri non enregistrée");
    };
    let (Some("code"), Some(state), Some(nonce)) =
        (get("response_type"), get("state"), get("nonce"))
    else {
        return bad("paramètres manquants");
    };
    if !get("scope").is_some_and(|s| s.split(' ').any(|x| x == "openid")) {
        return bad("scope openid manquant");
    }
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (Some(c), Some("S256")) => Some(c.to_owned()),
        (None, None) => None,
        _ => return bad("PKCE invalide"),
    };
    // The lowest allowed level at least as high as the one asked for.
    let asked = get("acr_values").and_then(|v| v.split(' ').filter_map(AcrLevel::parse).min());
    let acr = idp
        .spec
        .allowed_acr
        .iter()
        .copied()
        .filter(|l| asked.is_none_or(|a| *l >= a))
        .min()
        .or_else(|| idp.spec.allowed_acr.iter().copied().max())
        .unwrap_or(AcrLevel::Eidas1);
    let pending = PendingRequest {
        redirect_uri: redirect_uri.to_owned(),
        state: state.to_owned(),
        nonce: nonce.to_owned(),
        code_challenge,
        acr,
        csrf: idp.random.token(24),
        here: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    };
    if let Some(login) = idp.auto_login.clone() {
        return issue_code(&idp, &pending, &login).await;
    }
    let rid = idp.random.token(18);
    if !idp.put_json(&format!("req:{rid}"), &pending, 1800).await {
        return bad("stockage indisponible");
    }
    page(
        Locale::negotiate(None, &headers),
        &pending.here,
        &idp,
        &rid,
        &pending.csrf,
        "",
        None,
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    rid: Option<String>,
    csrf: Option<String>,
    login: Option<String>,
    password: Option<String>,
    cancel: Option<String>,
}

async fn issue_code(idp: &DemoIdp, req: &PendingRequest, login: &str) -> Response {
    let code = idp.random.token(32);
    let issued = IssuedCode {
        login: login.to_owned(),
        redirect_uri: req.redirect_uri.clone(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        acr: req.acr,
        auth_time: idp.clock.now_secs(),
    };
    if !idp.put_json(&format!("code:{code}"), &issued, 60).await {
        return bad("stockage indisponible");
    }
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("state", &req.state)
        .append_pair("iss", &idp.issuer)
        .finish();
    Redirect::to(&format!("{}?{q}", req.redirect_uri)).into_response()
}

pub(super) async fn submit(
    State(idp): State<Arc<DemoIdp>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let rid = f.rid.unwrap_or_default();
    let key = format!("req:{rid}");
    let Some(pending) = idp.get_json::<PendingRequest>(&key).await else {
        return bad("demande expirée : recommencez depuis le service");
    };
    let csrf_ok = f
        .csrf
        .as_deref()
        .is_some_and(|c| relais_oidc::provider::secret_matches(c, &pending.csrf));
    if !csrf_ok {
        return bad("jeton de formulaire invalide");
    }
    if f.cancel.is_some() {
        let _ = idp.take_json::<PendingRequest>(&key).await;
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("error", "access_denied")
            .append_pair("error_description", "user cancelled")
            .append_pair("state", &pending.state)
            .finish();
        return Redirect::to(&format!("{}?{q}", pending.redirect_uri)).into_response();
    }
    let login = f.login.unwrap_or_default();
    let password = f.password.unwrap_or_default();
    let known = citizens::find(&login).is_some();
    if !known || !relais_oidc::provider::secret_matches(&password, PASSWORD) {
        let locale = Locale::negotiate(None, &headers);
        let error = locale.text("idp-login-wrong");
        return page(
            locale,
            &pending.here,
            &idp,
            &rid,
            &pending.csrf,
            &login,
            Some(&error),
        );
    }
    match idp.take_json::<PendingRequest>(&key).await {
        Some(p) => issue_code(&idp, &p, &login).await,
        None => bad("demande déjà traitée"),
    }
}

pub(super) async fn end_session(
    State(idp): State<Arc<DemoIdp>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !idp.spec.end_session {
        return (StatusCode::NOT_FOUND, "no end_session").into_response();
    }
    let Some(uri) = q
        .get("post_logout_redirect_uri")
        .filter(|u| idp.post_logout_redirect_uris.contains(u))
    else {
        return bad("post_logout_redirect_uri non enregistrée");
    };
    let target = match q.get("state") {
        Some(s) => format!(
            "{uri}?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("state", s)
                .finish()
        ),
        None => uri.clone(),
    };
    Redirect::to(&target).into_response()
}
