//! The dashboard: twelve months of figures, one month in detail (by day,
//! service, IdP, platform), the production requests waiting.

use super::charts::bars;
use crate::admin::auth::{operator_by_certificate, operator_for_token};
use crate::cookies;
use crate::error::PageError;
use crate::extract::{PageForm, PageQuery};
use crate::pages;
use crate::partner_space::records;
use crate::partner_space::session::pre_session;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::stats::{month_days, Breakdown};
use relais_core::token_digest::stored_key;
use relais_i18n::{Locale, Tr};
use serde::Deserialize;

const SESSION_TTL_SECS: u64 = 3600;

fn cookie_name(sandbox: bool) -> &'static str {
    if sandbox {
        "relais_operator"
    } else {
        "__Host-relais_operator"
    }
}

/// A chart with its numbers.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    pub rows: Vec<(String, u64)>,
}

#[derive(Template)]
#[template(path = "operator_signin.html")]
struct SignInPage {
    t: Tr,
    csrf: String,
    refused: bool,
}

#[derive(Template)]
#[template(path = "operator.html")]
struct DashboardPage {
    t: Tr,
    operator: String,
    month: String,
    /// (month, connections, users, new users, services)
    months: Vec<(String, u64, u64, u64, u64)>,
    charts: Vec<Chart>,
    /// (service, organisation, version, submitted at)
    requests: Vec<(String, String, u32, String)>,
    csrf: String,
}

async fn operator(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, String)>, PageError> {
    if let Some(name) = operator_by_certificate(app, headers) {
        return Ok(Some((name, "cert".into())));
    }
    let Some(id) = cookies::read_cookie(headers, cookie_name(app.settings.sandbox)) else {
        return Ok(None);
    };
    let name: Option<String> = app.load(&stored_key("osess", id)).await?;
    Ok(name.map(|n| (n, id.to_owned())))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

fn months_back(month: &str, n: i64) -> String {
    let y: i64 = month[..4].parse().unwrap_or(1970);
    let m: i64 = month[5..7].parse().unwrap_or(1);
    let total = y * 12 + m - 1 - n;
    format!(
        "{:04}-{:02}",
        total.div_euclid(12),
        total.rem_euclid(12) + 1
    )
}

pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<MonthQuery>,
) -> Result<Response, PageError> {
    let locale = Locale::negotiate(None, &headers);
    let Some((name, session)) = operator(&app, &headers).await? else {
        let (pre, cookie) = pre_session(&app, &headers);
        let page = SignInPage {
            t: Tr::new(locale, "/operateur"),
            csrf: app.issue_csrf(&pre, "operator-signin").await?,
            refused: false,
        };
        let mut resp = pages::render(&page).into_response();
        if let Some(c) = cookie {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
        return Ok(resp);
    };
    let now = relais_core::timefmt::year_month(app.clock.now_millis());
    let month = q
        .month
        .filter(|m| month_days(m).is_some())
        .unwrap_or_else(|| now.clone());
    let figures = app
        .stores
        .stats
        .stats_months(&months_back(&now, 11), &now)
        .await?;
    let months: Vec<(String, u64, u64, u64, u64)> = figures
        .iter()
        .map(|m| {
            (
                m.month.clone(),
                m.connections,
                m.users,
                m.new_users,
                m.active_services,
            )
        })
        .collect();
    let mut charts = Vec::new();
    let per_month: Vec<(String, u64)> = figures
        .iter()
        .map(|m| (m.month.clone(), m.connections))
        .collect();
    charts.push(Chart {
        id: "months",
        title: locale.text("operator-chart-months").into_owned(),
        svg: bars(&locale.text("operator-chart-months"), &per_month),
        rows: per_month,
    });
    let users: Vec<(String, u64)> = figures.iter().map(|m| (m.month.clone(), m.users)).collect();
    charts.push(Chart {
        id: "users",
        title: locale.text("operator-chart-users").into_owned(),
        svg: bars(&locale.text("operator-chart-users"), &users),
        rows: users,
    });
    for (id, by, title) in [
        ("days", Breakdown::Day, "operator-chart-days"),
        ("services", Breakdown::Service, "operator-chart-services"),
        ("idps", Breakdown::IdentityProvider, "operator-chart-idps"),
        ("platforms", Breakdown::Platform, "operator-chart-platforms"),
    ] {
        let mut rows = app.stores.stats.stats_breakdown(&month, by).await?;
        if by == Breakdown::Service {
            rows.truncate(15);
        }
        let title = locale.text_with(title, &[("month", month.as_str())]);
        charts.push(Chart {
            id,
            svg: bars(&title, &rows),
            title,
            rows,
        });
    }
    let mut requests = Vec::new();
    for svc in records::services(&app).await? {
        if let Some(v) = svc.submitted() {
            let org = records::org(&app, &svc.org_id)
                .await?
                .map_or(svc.org_id.clone(), |o| o.name);
            requests.push((svc.id.clone(), org, v.n, locale.date_time(v.at)));
        }
    }
    let page = DashboardPage {
        t: Tr::new(locale, "/operateur"),
        operator: name,
        month,
        months,
        charts,
        requests,
        csrf: app.issue_csrf(&session, "operator").await?,
    };
    Ok(pages::render(&page).into_response())
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: Option<String>,
    token: Option<String>,
}

pub async fn sign_in(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<SignInForm>,
) -> Result<Response, PageError> {
    let (pre, _) = pre_session(&app, &headers);
    app.check_csrf(form.csrf.as_deref(), &pre, "operator-signin")
        .await?;
    let token = form.token.unwrap_or_default();
    let Some(name) = operator_for_token(&app, token.trim()).await? else {
        let locale = Locale::negotiate(None, &headers);
        let page = SignInPage {
            t: Tr::new(locale, "/operateur"),
            csrf: app.issue_csrf(&pre, "operator-signin").await?,
            refused: true,
        };
        let mut resp = pages::render(&page).into_response();
        *resp.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(resp);
    };
    let id = app.random.token(32);
    app.save(&stored_key("osess", &id), &name, SESSION_TTL_SECS)
        .await?;
    let mut resp = Redirect::to("/operateur").into_response();
    if let Some(c) = cookies::set_cookie(
        cookie_name(app.settings.sandbox),
        &id,
        SESSION_TTL_SECS,
        app.settings.sandbox,
    ) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    if let Some((_, session)) = operator(&app, &headers).await? {
        app.check_csrf(form.csrf.as_deref(), &session, "operator")
            .await?;
        app.stores
            .ephemeral
            .delete(&stored_key("osess", &session))
            .await?;
    }
    let mut resp = Redirect::to("/operateur").into_response();
    if let Some(c) = cookies::clear_cookie(cookie_name(app.settings.sandbox), app.settings.sandbox)
    {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
