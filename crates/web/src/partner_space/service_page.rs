//! The page of one service — sandbox credentials, the values for any
//! OpenID Connect library, the test trace, the diff against production, the
//! versions — and its buttons: request production, new secrets.

use super::partner::{owned, signed_in, Partner};

use super::pages::ServicePage;
use super::publish::{new_secret, sync_production, sync_sandbox};
use super::{records, trace};
use crate::error::PageError;
use crate::extract::PagePath;
use crate::pages;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::onboarding::OnboardedService;
use relais_core::ErrorCode;
use relais_i18n::{Locale, Tr};

use super::signin::CsrfForm;
use crate::extract::PageForm;
use relais_core::form_encoding::FormQuery;

/// `GET /partenaires/services/{id}`.
pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<String>,
) -> Result<Response, PageError> {
    let p = signed_in!(app, headers);
    let svc = owned(&app, &p, &id).await?;
    show_page(&app, &headers, &p, &svc, None).await
}

pub async fn show_page(
    app: &AppState,
    headers: &HeaderMap,
    p: &Partner,
    svc: &OnboardedService,
    new_secret: Option<(String, String)>,
) -> Result<Response, PageError> {
    let locale = Locale::negotiate(None, headers);
    let Some(spec) = svc.sandbox_spec() else {
        return Err(PageError::page(
            ErrorCode::NotFound,
            "service without versions",
        ));
    };
    let scope = std::iter::once("openid")
        .chain(spec.scopes.iter().map(|s| s.scope.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let redirect_uri = spec.redirect_uris.first().cloned().unwrap_or_default();
    let test_url = {
        FormQuery::on(app.settings.url("/api/v2/authorize"))
            .pair("client_id", &svc.sandbox_client_id)
            .pair("redirect_uri", &redirect_uri)
            .pair("response_type", "code")
            .pair("scope", &scope)
            .pair("state", &app.random.token(16))
            .pair("nonce", &app.random.token(24))
            .pair("acr_values", "eidas1")
            .finish()
    };
    let trace = trace::steps(app, &svc.sandbox_client_id)
        .await
        .into_iter()
        .map(|s| {
            let t = relais_core::timefmt::paris_time(s.at);
            format!(
                "{:02}:{:02} — {} — {}",
                t.hour,
                t.minute,
                locale.text(&format!("partner-trace-{}", s.step)),
                s.detail
            )
        })
        .collect();
    let latest = svc.latest();
    let pending = svc.submitted().map(|v| {
        let date = locale.date_time(v.at);
        locale.text_with("partner-production-pending", &[("date", date.as_str())])
    });
    let diff = match latest {
        Some(v) if v.state == relais_core::onboarding::VersionState::Draft => {
            v.spec.diff(svc.published().map(|p| &p.spec))
        }
        _ => Vec::new(),
    };
    let versions = svc
        .versions
        .iter()
        .rev()
        .map(|v| {
            (
                v.n,
                locale
                    .text(&format!("partner-state-{}", v.state.as_str()))
                    .into_owned(),
                locale.date_time(v.at),
                v.decision
                    .as_ref()
                    .map(|m| locale.text_with("partner-decision", &[("message", m.as_str())])),
            )
        })
        .collect();
    let page = ServicePage {
        t: Tr::new(locale, &format!("/partenaires/services/{}", svc.id)),
        id: svc.id.clone(),
        name: spec.name.clone(),
        new_secret,
        issuer: app.settings.issuer(),
        sandbox_client_id: svc.sandbox_client_id.clone(),
        redirect_uri,
        scope,
        auth_method: if spec.jwks_uri.is_some() {
            "private_key_jwt"
        } else if spec.profile.is_oidc() {
            "client_secret_basic"
        } else {
            "client_secret_post"
        }
        .into(),
        csrf: app.issue_csrf(&p.session_id, "partner").await?,
        test_url,
        trace,
        production_client_id: svc.production_client_id.clone(),
        pending,
        diff,
        versions,
    };
    Ok(pages::render(&page).into_response())
}

/// `POST /partenaires/services/{id}/production`: the draft goes to the
/// operator.
pub async fn request_production(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    let p = signed_in!(app, headers);
    app.check_csrf(form.csrf.as_deref(), &p.session_id, "partner")
        .await?;
    let mut svc = owned(&app, &p, &id).await?;
    if svc.submit(&p.user.email, app.clock.now_millis()).is_ok() {
        records::save_service(&app, &svc).await?;
        super::audit(
            &app,
            &p.user.email,
            "service.request_production",
            Some(&svc.id),
        )
        .await;
    }
    Ok(Redirect::to(&format!("/partenaires/services/{id}")).into_response())
}

/// `POST /partenaires/services/{id}/secret/{env}`: a new secret for the
/// sandbox or production client, shown once. (The previous one stops
/// working at once.)
pub async fn rotate_secret(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath((id, env)): PagePath<(String, String)>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    let p = signed_in!(app, headers);
    app.check_csrf(form.csrf.as_deref(), &p.session_id, "partner")
        .await?;
    let svc = owned(&app, &p, &id).await?;
    let secret = new_secret(&app);
    match env.as_str() {
        "sandbox" => sync_sandbox(&app, &svc, Some(&secret)).await?,
        "production" if svc.production_client_id.is_some() => {
            sync_production(&app, &svc, Some(&secret)).await?
        }
        _ => return Err(PageError::page(ErrorCode::NotFound, "no such environment")),
    }
    super::audit(
        &app,
        &p.user.email,
        &format!("service.secret.{env}"),
        Some(&svc.id),
    )
    .await;
    show_page(&app, &headers, &p, &svc, Some((env, secret))).await
}
