//! Reading the federation through the admin API: the durable event stream
//! (by cursor), the statistics (from the rollup), and key rotation.

use super::auth::Operator;
use crate::error::AdminError;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::Json;
use relais_core::event::EventKind;
use relais_core::stats::{month_days, Breakdown};
use serde_json::{json, Value};
use std::collections::HashMap;

fn params(q: Option<&str>) -> HashMap<String, String> {
    relais_core::form_encoding::parse(q.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn month_param(
    p: &HashMap<String, String>,
    name: &str,
    default: &str,
) -> Result<String, AdminError> {
    let m = p.get(name).map_or(default, String::as_str);
    month_days(m)
        .map(|_| m.to_owned())
        .ok_or_else(|| AdminError::invalid(format!("{name}: {m} is not a month (YYYY-MM)")))
}

/// `GET /events?after=SEQ&limit=N`: events in order, with the next cursor.
pub async fn events(
    State(app): State<AppState>,
    _op: Operator,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, AdminError> {
    let p = params(q.as_deref());
    let after: i64 = match p.get("after") {
        None => 0,
        Some(v) => v
            .parse()
            .map_err(|_| AdminError::invalid("after: a sequence number"))?,
    };
    let limit: u32 = match p.get("limit") {
        None => 100,
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| AdminError::invalid("limit: 1 to 1000"))?,
    };
    let rows = app.stores.events.events_after(after, limit).await?;
    let next = rows.last().map_or(after, |(seq, _)| *seq);
    let events: Vec<Value> = rows
        .into_iter()
        .map(|(seq, e)| {
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("seq".into(), json!(seq));
            }
            v
        })
        .collect();
    Ok(Json(json!({ "events": events, "next": next })))
}

fn this_month(app: &AppState) -> String {
    relais_core::timefmt::year_month(app.clock.now_millis())
}

/// `GET /stats/months?from=YYYY-MM&to=YYYY-MM`.
pub async fn months(
    State(app): State<AppState>,
    _op: Operator,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, AdminError> {
    let p = params(q.as_deref());
    let now = this_month(&app);
    let to = month_param(&p, "to", &now)?;
    let from = month_param(&p, "from", &to)?;
    let months = app.stores.stats.stats_months(&from, &to).await?;
    Ok(Json(json!({ "from": from, "to": to, "months": months })))
}

/// `GET /stats/breakdown?month=YYYY-MM&by=service|idp|platform|day`.
pub async fn breakdown(
    State(app): State<AppState>,
    _op: Operator,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, AdminError> {
    let p = params(q.as_deref());
    let month = month_param(&p, "month", &this_month(&app))?;
    let by_name = p.get("by").map_or("service", String::as_str);
    let by = Breakdown::parse(by_name).ok_or_else(|| {
        AdminError::invalid(format!(
            "by: {by_name} is not service, idp, platform or day"
        ))
    })?;
    let rows = app.stores.stats.stats_breakdown(&month, by).await?;
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(key, n)| json!({ "key": key, "connections": n }))
        .collect();
    Ok(Json(json!({ "month": month, "by": by_name, "rows": rows })))
}

/// `POST /keys/rotate?delay=SECONDS`: new keys published now, signing
/// after the delay (default 60 s) when the current ones retire.
pub async fn rotate_keys(
    State(app): State<AppState>,
    crate::admin::auth::Operator(actor): Operator,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, AdminError> {
    let p = params(q.as_deref());
    let delay: u32 = match p.get("delay") {
        None => 60,
        Some(v) => v
            .parse()
            .ok()
            .filter(|d| *d <= 86_400)
            .ok_or_else(|| AdminError::invalid("delay: 0 to 86400 seconds"))?,
    };
    let now = app.clock.now_millis();
    let kids = crate::keyring::KeyRing::rotate(
        app.stores.keys.as_ref(),
        app.registry.sealer(),
        now,
        i64::from(delay) * 1000,
    )
    .await?;
    app.keys
        .refresh(app.stores.keys.as_ref(), app.registry.sealer(), now)
        .await?;
    let mut e = app.event(EventKind::AdminAction);
    e.actor = Some(actor);
    e.reason = Some("keys.rotate".into());
    app.events.record(vec![e]).await;
    Ok(Json(
        json!({ "kids": kids, "signing_from": relais_core::timefmt::rfc3339_millis(now + i64::from(delay) * 1000) }),
    ))
}
