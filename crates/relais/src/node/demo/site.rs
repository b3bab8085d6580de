//! The demo's own pages: the home page (what runs, test citizens, the demo
//! service's credentials) and a minimal demo service callback that does what
//! any service does — exchange the code at `/token`, read `/userinfo`,
//! verify both signatures against Relais' JWKS — and shows the result,
//! rendered with askama (`templates/demo_result.html`) like every page.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use relais_core::partner::ServiceProvider;
use relais_demo::home::{citizen_rows, idp_rows, HomePage};
use relais_i18n::{Locale, Tr};
use relais_oidc::jose::{self, Verifier};
use relais_oidc::JwsAlg;
use relais_web::extract::PageQuery;
use relais_web::AppState;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
struct Site {
    app: AppState,
    sp: Arc<ServiceProvider>,
    http: reqwest::Client,
    canteen_url: Option<String>,
    plus: Option<crate::node::PlusDemoLinks>,
    mail_inbox: Option<relais_demo::mail_catcher::Inbox>,
}

pub fn router(
    app: AppState,
    sp: ServiceProvider,
    canteen_url: Option<String>,
    plus: Option<crate::node::PlusDemoLinks>,
    mail_inbox: Option<relais_demo::mail_catcher::Inbox>,
) -> Router {
    let site = Site {
        app,
        sp: Arc::new(sp),
        http: reqwest::Client::new(),
        canteen_url,
        plus,
        mail_inbox,
    };
    Router::new()
        .route("/", get(home))
        .route("/demo/callback", get(callback))
        .route("/demo/logged-out", get(logged_out))
        .route("/demo/courriels", get(mailbox))
        .with_state(site)
}

/// The e-mails the demo's mail catcher received, newest first.
async fn mailbox(State(site): State<Site>, headers: HeaderMap) -> Response {
    let locale = relais_i18n::Locale::negotiate(None, &headers);
    let mails = site
        .mail_inbox
        .as_ref()
        .map(|i| i.messages())
        .unwrap_or_default();
    relais_demo::mailbox_page::render(locale, &mails)
}

async fn home(State(site): State<Site>, headers: HeaderMap) -> Response {
    let locale = relais_i18n::Locale::negotiate(None, &headers);
    let s = &site.app.settings;
    let state = site.app.random.token(16);
    let nonce = site.app.random.token(24);
    let redirect_uri = s.url("/demo/callback");
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &site.sp.client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid identite_pivot email preferred_username")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("acr_values", "eidas1")
        .finish();
    let try_url = format!("{}/authorize?{q}", s.issuer());
    let page = HomePage {
        t: relais_i18n::Tr::new(locale, "/"),
        federation: &s.issuer(),
        client_id: &site.sp.client_id,
        client_secret: &site.sp.client_secret,
        redirect_uri: &redirect_uri,
        try_url: &try_url,
        idps: idp_rows(&s.public_url),
        canteen: site.canteen_url.as_deref(),
        plus_issuer: site.plus.as_ref().map(|p| p.issuer.as_str()),
        plus_letter: site.plus.as_ref().and_then(|p| p.letter.as_deref()),
        citizens: citizen_rows(locale),
        dps: relais_demo::home::dp_rows(&s.public_url),
    };
    let mut r = page.render_page();
    if let Ok(v) = format!("relais_demo_sp={nonce}; Path=/demo; HttpOnly; SameSite=Lax").parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The demo service's result page (askama escapes every value).
#[derive(Template)]
#[template(path = "demo_result.html")]
struct ResultPage {
    t: Tr,
    title: String,
    /// `error` and `error_description` sent back by Relais.
    sp_error: Option<(String, String)>,
    paragraphs: Vec<String>,
    /// Titled blocks of JSON (ID token, userinfo).
    sections: Vec<(String, String)>,
    logout: Option<String>,
}

impl ResultPage {
    fn new(locale: Locale, here: &str, title_id: &str) -> ResultPage {
        ResultPage {
            t: Tr::new(locale, here),
            title: locale.text(title_id).into_owned(),
            sp_error: None,
            paragraphs: Vec::new(),
            sections: Vec::new(),
            logout: None,
        }
    }

    fn respond(&self) -> Response {
        relais_web::pages::render(self).into_response()
    }
}

async fn callback(
    State(site): State<Site>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<CallbackQuery>,
) -> Response {
    let locale = Locale::negotiate(None, &headers);
    // The callback cannot be shown again: the switch leads home.
    let page = |title_id: &str| ResultPage::new(locale, "/", title_id);
    if let Some(e) = q.error {
        let mut p = page("demo-result-failed");
        p.sp_error = Some((e, q.error_description.unwrap_or_default()));
        return p.respond();
    }
    let Some(code) = q.code else {
        let mut p = page("demo-result-failed");
        p.paragraphs
            .push(locale.text("demo-result-no-code").into_owned());
        return p.respond();
    };
    let s = &site.app.settings;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", &s.url("/demo/callback")),
        ("client_id", &site.sp.client_id),
        ("client_secret", &site.sp.client_secret),
    ];
    let token: Result<HashMap<String, serde_json::Value>, String> = async {
        let r = site
            .http
            .post(format!("{}/token", s.issuer()))
            .form(&form)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        r.json().await.map_err(|e| e.to_string())
    }
    .await;
    let token = match token {
        Ok(t) if t.contains_key("id_token") => t,
        Ok(t) => {
            let mut p = page("demo-result-token-refused");
            p.sections.push((
                locale.text("demo-result-token-answer").into_owned(),
                format!("{t:?}"),
            ));
            return p.respond();
        }
        Err(e) => {
            let mut p = page("demo-result-token-failed");
            p.paragraphs.push(e);
            return p.respond();
        }
    };
    let jwks = site.app.keys.current().jwks.clone();
    let id_token = token.get("id_token").and_then(|v| v.as_str()).unwrap_or("");
    let access = token
        .get("access_token")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let id_claims = jose::verify(id_token, JwsAlg::ES256, Verifier::Keys(&jwks));
    let nonce_cookie = relais_web::cookies::read_cookie(&headers, "relais_demo_sp").unwrap_or("");
    let userinfo = async {
        let r = site
            .http
            .get(format!("{}/userinfo", s.issuer()))
            .bearer_auth(access)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let text = r.text().await.map_err(|e| e.to_string())?;
        jose::verify(text.trim(), JwsAlg::ES256, Verifier::Keys(&jwks)).map_err(|e| e.to_string())
    }
    .await;
    let mut page = page("demo-result-ok");
    let pretty = |v: &serde_json::Map<String, serde_json::Value>| {
        serde_json::to_string_pretty(v).unwrap_or_default()
    };
    match &id_claims {
        Ok(c) => {
            let nonce_ok = c.get("nonce").and_then(|v| v.as_str()) == Some(nonce_cookie);
            page.paragraphs.push(
                locale
                    .text(if nonce_ok {
                        "demo-result-id-verified"
                    } else {
                        "demo-result-id-verified-elsewhere"
                    })
                    .into_owned(),
            );
            page.sections.push(("ID token".to_owned(), pretty(c)));
        }
        Err(e) => page
            .paragraphs
            .push(locale.text_with("demo-result-id-invalid", &[("error", &e.to_string())])),
    }
    match &userinfo {
        Ok(c) => page.sections.push(("Userinfo".to_owned(), pretty(c))),
        Err(e) => page
            .paragraphs
            .push(locale.text_with("demo-result-userinfo-invalid", &[("error", e)])),
    }
    page.logout = Some(format!(
        "{}/session/end?{}",
        s.issuer(),
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("id_token_hint", id_token)
            .append_pair("post_logout_redirect_uri", &s.url("/demo/logged-out"))
            .append_pair("state", &site.app.random.token(12))
            .finish()
    ));
    page.respond()
}

async fn logged_out(headers: HeaderMap) -> Response {
    let locale = Locale::negotiate(None, &headers);
    let mut p = ResultPage::new(locale, "/demo/logged-out", "demo-result-logged-out");
    p.paragraphs
        .push(locale.text("demo-result-logged-out-text").into_owned());
    p.respond()
}
