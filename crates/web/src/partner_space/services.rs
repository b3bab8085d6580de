//! A partner's services: the list, with the organisation's people.

use super::partner::signed_in;

use super::pages::ServicesPage;
use super::records;
use crate::error::PageError;
use crate::pages;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use relais_core::onboarding::OnboardedService;
use relais_i18n::{Locale, Tr};

fn state_label(locale: Locale, s: &OnboardedService) -> String {
    let state = s.latest().map_or("draft", |v| v.state.as_str());
    locale.text(&format!("partner-state-{state}")).into_owned()
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    membre: Option<String>,
}

/// `GET /partenaires/services`.
pub async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    crate::extract::PageQuery(q): crate::extract::PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let p = signed_in!(app, headers);
    let locale = Locale::negotiate(None, &headers);
    let mut rows = Vec::new();
    for s in records::services(&app)
        .await?
        .into_iter()
        .filter(|s| p.sees(s))
    {
        let org_name = match records::org(&app, &s.org_id).await? {
            Some(o) => o.name,
            None => s.org_id.clone(),
        };
        let name = s.sandbox_spec().map(|x| x.name.clone()).unwrap_or_default();
        rows.push((s.id.clone(), name, org_name, state_label(locale, &s)));
    }
    let page = ServicesPage {
        t: Tr::new(locale, "/partenaires/services"),
        org_name: p.org.name.clone(),
        email: p.user.email.clone(),
        services: rows,
        csrf: app.issue_csrf(&p.session_id, "partner").await?,
        admin: p.user.role == relais_core::onboarding::org::Role::Admin,
        members: records::members(&app, &p.org.id)
            .await?
            .into_iter()
            .map(|u| {
                let role = match u.role {
                    relais_core::onboarding::org::Role::Admin => "admin",
                    relais_core::onboarding::org::Role::Developer => "developer",
                };
                (
                    u.email,
                    locale.text(&format!("partner-role-{role}")).into_owned(),
                )
            })
            .collect(),
        member_notice: q
            .membre
            .filter(|m| matches!(m.as_str(), "ajoute" | "existant" | "invalide"))
            .map(|m| locale.text(&format!("partner-member-{m}")).into_owned()),
    };
    Ok(pages::render(&page).into_response())
}
