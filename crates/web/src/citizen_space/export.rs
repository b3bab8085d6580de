//! The right of access: the citizen downloads their history (the six
//! months the space shows) and, for each organisation they logged in to,
//! the pseudonymous identifier (`sub`) it received — as JSON, or the
//! history as CSV for a spreadsheet.

use super::entries::Entry;
use super::history::read_entries;
use super::session::SpaceSession;
use crate::error::PageError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::subject::{IdentityHash, PairwiseSub};
use serde::Serialize;

/// Enough for six months of a very busy citizen.
const MAX_ENTRIES: u32 = 5_000;

#[derive(Serialize)]
struct Identifier {
    organisation: String,
    services: Vec<String>,
    sub: String,
}

#[derive(Serialize)]
struct Export<'a> {
    generated_at: String,
    history: &'a [Entry],
    pseudonymous_identifiers: Vec<Identifier>,
}

async fn gather(
    app: &AppState,
    session: &SpaceSession,
) -> Result<(Vec<Entry>, Vec<Identifier>), PageError> {
    let entries = read_entries(app, session, None, 0, MAX_ENTRIES).await?;
    let account = app.stores.accounts.get_account(&session.account_id).await?;
    let hash = IdentityHash::from_stored(session.account_id.clone());
    let mut ids: Vec<Identifier> = Vec::new();
    for e in &entries {
        let Some(sp) = app.registry.sp(&e.service_id) else {
            continue;
        };
        match ids.iter_mut().find(|i| i.organisation == sp.entity_id) {
            Some(i) if i.services.contains(&sp.name) => {}
            Some(i) => i.services.push(sp.name.clone()),
            None => {
                let sub = match account
                    .as_ref()
                    .and_then(|a| a.sub_overrides.get(&sp.entity_id))
                {
                    Some(o) => o.clone(),
                    None => PairwiseSub::derive(
                        &sp.entity_id,
                        &hash,
                        app.settings.sub_secret.as_bytes(),
                    )
                    .as_str()
                    .to_owned(),
                };
                ids.push(Identifier {
                    organisation: sp.entity_id.clone(),
                    services: vec![sp.name.clone()],
                    sub,
                });
            }
        }
    }
    Ok((entries, ids))
}

fn download(body: String, content_type: &'static str, name: &str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

pub async fn json(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let Some(session) = app.space_session(&headers).await? else {
        return Ok(Redirect::to("/espace").into_response());
    };
    let (entries, ids) = gather(&app, &session).await?;
    let doc = Export {
        generated_at: relais_core::timefmt::rfc3339_millis(app.clock.now_millis()),
        history: &entries,
        pseudonymous_identifiers: ids,
    };
    let body = serde_json::to_string_pretty(&doc)
        .map_err(|e| PageError::page(relais_core::ErrorCode::Internal, e.to_string()))?;
    Ok(download(
        body,
        "application/json",
        "relais-mes-donnees.json",
    ))
}

/// One CSV field: quoted, quotes doubled, and a leading formula character
/// neutralised so a spreadsheet never evaluates it.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn csv(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let Some(session) = app.space_session(&headers).await? else {
        return Ok(Redirect::to("/espace").into_response());
    };
    let (entries, ids) = gather(&app, &session).await?;
    let mut out =
        String::from("time,kind,service,identity_provider,level,data_provider,shared,sub\r\n");
    for e in &entries {
        let kind = match e.kind {
            super::entries::EntryKind::Connection => "connection",
            super::entries::EntryKind::DataExchange => "data_exchange",
        };
        let sub = app
            .registry
            .sp(&e.service_id)
            .and_then(|sp| ids.iter().find(|i| i.organisation == sp.entity_id))
            .map(|i| i.sub.as_str())
            .unwrap_or("");
        let row = [
            relais_core::timefmt::rfc3339_millis(e.time),
            kind.to_owned(),
            e.service.clone(),
            e.identity_provider.clone().unwrap_or_default(),
            e.level.clone().unwrap_or_default(),
            e.data_provider.clone().unwrap_or_default(),
            e.shared.join(" "),
            sub.to_owned(),
        ];
        out.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    Ok(download(
        out,
        "text/csv; charset=utf-8",
        "relais-mes-donnees.csv",
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(super::field("a\"b"), "\"a\"\"b\"");
        assert_eq!(super::field("=HYPERLINK()"), "\"'=HYPERLINK()\"");
    }
}
