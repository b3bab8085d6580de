//! Signing in (magic link), signing out, and the first sign-in's
//! organisation.

use super::pages::{HomePage, MessagePage, OrgPage};
use super::records;
use super::session::pre_session;
use crate::error::PageError;
use crate::extract::{PageForm, PagePath};
use crate::pages;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::onboarding::org::{
    normalise_email, slug, OrgKind, Organisation, PartnerUser, Role,
};
use relais_core::ErrorCode;
use relais_i18n::{Locale, Tr};
use relais_store::ConfigKind;
use serde::Deserialize;

fn with_cookie(mut resp: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

async fn home_page(
    app: &AppState,
    headers: &HeaderMap,
    email: &str,
    invalid: bool,
) -> Result<Response, PageError> {
    let locale = Locale::negotiate(None, headers);
    let (pre, cookie) = pre_session(app, headers);
    let csrf = app.issue_csrf(&pre, "partner-signin").await?;
    let page = HomePage {
        t: Tr::new(locale, "/partenaires"),
        lead: locale.text_with(
            "partner-lead",
            &[("operator", app.settings.operator_name.as_str())],
        ),
        csrf,
        email: email.to_owned(),
        invalid,
        agent_idp: app
            .settings
            .partner_agent_idp
            .as_deref()
            .and_then(|id| app.registry.idp(id))
            .map(|i| i.title.clone()),
    };
    Ok(with_cookie(pages::render(&page).into_response(), cookie))
}

/// `GET /partenaires`: the services when signed in, else the sign-in form.
pub async fn home(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if app.partner_session(&headers).await?.is_some() {
        return Ok(Redirect::to("/partenaires/services").into_response());
    }
    home_page(&app, &headers, "", false).await
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: Option<String>,
    email: Option<String>,
}

/// `POST /partenaires/connexion`: sends the link (the answer is the same
/// whether or not the address is known).
pub async fn send_link(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<SignInForm>,
) -> Result<Response, PageError> {
    let (pre, _) = pre_session(&app, &headers);
    app.check_csrf(form.csrf.as_deref(), &pre, "partner-signin")
        .await?;
    let given = form.email.unwrap_or_default();
    let Some(email) = normalise_email(&given) else {
        return home_page(&app, &headers, &given, true).await;
    };
    let locale = Locale::negotiate(None, &headers);
    app.send_magic_link(&email, locale).await?;
    let page = MessagePage {
        t: Tr::new(locale, "/partenaires"),
        title: locale.text("partner-sent-title").into_owned(),
        body: locale.text_with("partner-sent-body", &[("email", email.as_str())]),
        action: None,
        csrf: String::new(),
        button: String::new(),
    };
    Ok(pages::render(&page).into_response())
}

/// `GET /partenaires/lien/{token}`: one click to spend the link.
pub async fn confirm(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(token): PagePath<String>,
) -> Result<Response, PageError> {
    let locale = Locale::negotiate(None, &headers);
    let (pre, cookie) = pre_session(&app, &headers);
    let csrf = app.issue_csrf(&pre, "partner-link").await?;
    let here = format!("/partenaires/lien/{token}");
    let page = MessagePage {
        t: Tr::new(locale, &here),
        title: locale.text("partner-confirm-title").into_owned(),
        body: locale.text("partner-confirm-body").into_owned(),
        action: Some(here),
        csrf,
        button: locale.text("partner-confirm-button").into_owned(),
    };
    Ok(with_cookie(pages::render(&page).into_response(), cookie))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

/// `POST /partenaires/lien/{token}`: the session opens.
pub async fn sign_in(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(token): PagePath<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    let (pre, _) = pre_session(&app, &headers);
    app.check_csrf(form.csrf.as_deref(), &pre, "partner-link")
        .await?;
    let email = app.take_magic_link(&token).await?.ok_or_else(|| {
        PageError::page(ErrorCode::PartnerLinkInvalid, "magic link spent or unknown")
    })?;
    let cookie = app.open_partner_session(&email).await?;
    let next = if records::user(&app, &email).await?.is_some() {
        "/partenaires/services"
    } else {
        "/partenaires/organisation"
    };
    Ok(with_cookie(Redirect::to(next).into_response(), cookie))
}

/// `POST /partenaires/deconnexion`.
pub async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    let s = app.require_partner(&headers).await?;
    app.check_csrf(form.csrf.as_deref(), &s.id, "partner")
        .await?;
    let cookie = app.close_partner_session(&s).await?;
    Ok(with_cookie(
        Redirect::to("/partenaires").into_response(),
        cookie,
    ))
}

fn kinds(locale: Locale) -> Vec<(&'static str, String)> {
    OrgKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str(),
                locale
                    .text(&format!("partner-org-kind-{}", k.as_str()))
                    .into_owned(),
            )
        })
        .collect()
}

async fn org_page(
    app: &AppState,
    headers: &HeaderMap,
    session_id: &str,
    error: Option<String>,
) -> Result<Response, PageError> {
    let locale = Locale::negotiate(None, headers);
    let page = OrgPage {
        t: Tr::new(locale, "/partenaires/organisation"),
        csrf: app.issue_csrf(session_id, "partner").await?,
        error,
        kinds: kinds(locale),
    };
    Ok(pages::render(&page).into_response())
}

/// `GET /partenaires/organisation`.
pub async fn org_form(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let s = app.require_partner(&headers).await?;
    if records::user(&app, &s.email).await?.is_some() {
        return Ok(Redirect::to("/partenaires/services").into_response());
    }
    org_page(&app, &headers, &s.id, None).await
}

#[derive(Deserialize)]
pub struct OrgForm {
    csrf: Option<String>,
    name: Option<String>,
    kind: Option<String>,
}

/// `POST /partenaires/organisation`: the organisation, and its first admin.
pub async fn create_org(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<OrgForm>,
) -> Result<Response, PageError> {
    let s = app.require_partner(&headers).await?;
    app.check_csrf(form.csrf.as_deref(), &s.id, "partner")
        .await?;
    if records::user(&app, &s.email).await?.is_some() {
        return Ok(Redirect::to("/partenaires/services").into_response());
    }
    let name = form.name.unwrap_or_default().trim().to_owned();
    let kind = form.kind.as_deref().and_then(OrgKind::parse);
    let (Some(id_slug), Some(kind)) = (slug(&name).filter(|_| name.chars().count() <= 100), kind)
    else {
        return org_page(
            &app,
            &headers,
            &s.id,
            Some("name: 1 to 100 characters, with letters or digits".into()),
        )
        .await;
    };
    let now = app.clock.now_millis();
    let id = records::free_id(&app, ConfigKind::Organisation, &id_slug).await?;
    records::save_org(
        &app,
        &Organisation {
            id: id.clone(),
            name,
            kind,
            created_at: now,
            clients: Vec::new(),
        },
    )
    .await?;
    records::save_user(
        &app,
        &PartnerUser {
            email: s.email.clone(),
            org_id: id.clone(),
            role: Role::Admin,
            created_at: now,
        },
    )
    .await?;
    super::audit(&app, &s.email, "organisation.create", None).await;
    Ok(Redirect::to("/partenaires/services").into_response())
}
