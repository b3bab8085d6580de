//! `GET /espace`: the front door when the citizen is not logged in to the
//! space, else their history (newest first, 20 a page, filtered by
//! service), their IdP choices and the export links.

use super::entries::Entry;
use super::session::SpaceSession;
use super::HISTORY_DAYS;
use crate::error::PageError;
use crate::extract::PageQuery;
use crate::pages;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use relais_core::event::EventKind;
use relais_core::form_encoding::FormQuery;
use relais_i18n::{Locale, Tr};
use relais_store::{Account, AccountEvents};
use serde::Deserialize;

const PAGE_SIZE: u32 = 20;
/// At most this many pages back (500 entries): the history is six months.
const MAX_PAGE: u32 = 25;

#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    service: Option<String>,
    page: Option<u32>,
    saved: Option<String>,
}

pub struct EntryView {
    pub sentence: String,
    pub iso_time: String,
}

pub struct IdpChoice {
    pub id: String,
    pub title: String,
    pub allowed: bool,
    pub in_use: bool,
}

#[derive(Template)]
#[template(path = "space_welcome.html")]
struct WelcomePage {
    t: Tr,
}

#[derive(Template)]
#[template(path = "space.html")]
struct SpacePage {
    t: Tr,
    entries: Vec<EntryView>,
    services: Vec<(String, String, bool)>,
    newer: Option<String>,
    older: Option<String>,
    idps: Vec<IdpChoice>,
    block_future: bool,
    saved: bool,
    choices_csrf: String,
    logout_csrf: String,
}

/// The kinds a citizen's history shows, as stored.
pub fn history_kinds() -> Vec<String> {
    EventKind::CITIZEN_HISTORY
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect()
}

/// Reads a page of the citizen's history as entries.
pub async fn read_entries(
    app: &AppState,
    session: &SpaceSession,
    sp_id: Option<&str>,
    offset: u32,
    limit: u32,
) -> Result<Vec<Entry>, PageError> {
    let kinds = history_kinds();
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    let since = app.clock.now_millis() - HISTORY_DAYS * 86_400_000;
    let events = app
        .stores
        .events
        .events_for_account(&AccountEvents {
            account_id: &session.event_account,
            since_millis: since,
            kinds: &kinds,
            sp_id,
            offset,
            limit,
        })
        .await?;
    let names = app.registry.snapshot();
    Ok(events
        .iter()
        .filter_map(|e| Entry::from_event(e, &names))
        .collect())
}

pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<HistoryQuery>,
) -> Result<Response, PageError> {
    let locale = Locale::negotiate(None, &headers);
    let Some(session) = app.space_session(&headers).await? else {
        return Ok(pages::render(&WelcomePage {
            t: Tr::new(locale, "/espace"),
        })
        .into_response());
    };
    let filter = q
        .service
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .unwrap_or_default();
    let page = q.page.unwrap_or(0).min(MAX_PAGE);
    let mut entries = read_entries(
        &app,
        &session,
        (!filter.is_empty()).then_some(filter.as_str()),
        page * PAGE_SIZE,
        PAGE_SIZE + 1,
    )
    .await?;
    let more = entries.len() > PAGE_SIZE as usize;
    entries.truncate(PAGE_SIZE as usize);
    // The services the citizen used, for the filter.
    let mut services: Vec<(String, String, bool)> = Vec::new();
    for e in read_entries(&app, &session, None, 0, 500).await? {
        if !services.iter().any(|(id, _, _)| *id == e.service_id) {
            let selected = e.service_id == filter;
            services.push((e.service_id, e.service, selected));
        }
    }
    services.sort_by(|a, b| a.1.cmp(&b.1));
    let here = |p: u32| {
        let mut q = FormQuery::on("/espace".to_owned());
        if !filter.is_empty() {
            q = q.pair("service", &filter);
        }
        if p > 0 {
            q = q.pair("page", &p.to_string());
        }
        q.finish()
    };
    let account = app
        .stores
        .accounts
        .get_account(&session.account_id)
        .await?
        .unwrap_or_else(|| Account::new(&session.account_id, &session.idp_id, 0));
    let idps = app
        .registry
        .snapshot()
        .idps
        .iter()
        .filter(|i| i.display)
        .map(|i| IdpChoice {
            id: i.id.clone(),
            title: i.title.clone(),
            allowed: account.refusal(&i.id).is_none(),
            in_use: i.id == session.idp_id,
        })
        .collect();
    let page_view = SpacePage {
        t: Tr::new(locale, &here(page)),
        entries: entries
            .iter()
            .map(|e| EntryView {
                sentence: e.sentence(locale),
                iso_time: relais_core::timefmt::rfc3339_millis(e.time),
            })
            .collect(),
        services,
        newer: (page > 0).then(|| here(page - 1)),
        older: (more && page < MAX_PAGE).then(|| here(page + 1)),
        idps,
        block_future: account.block_future_idps,
        saved: q.saved.is_some(),
        choices_csrf: app.issue_csrf(&session.id, "space-choices").await?,
        logout_csrf: app.issue_csrf(&session.id, "space-logout").await?,
    };
    Ok(pages::render(&page_view).into_response())
}
