//! Citizens' accounts through the admin API, by their pseudonymous id (the
//! identity hash the store keys them by: base64, so percent-encoded in the
//! path): show, disable, enable. A disabled account is refused at its next
//! login and on SSO (`Y180001`).

use super::auth::Operator;
use crate::error::AdminError;
use crate::extract::AdminPath;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use relais_core::event::EventKind;
use serde_json::{json, Value};

fn view(a: &relais_store::Account) -> Value {
    json!({
        "id": a.id,
        "active": a.active,
        "created_at": relais_core::timefmt::rfc3339_millis(a.created_at),
        "last_connection": relais_core::timefmt::rfc3339_millis(a.last_connection),
        "last_idp": a.last_idp,
        "blocked_idps": a.blocked_idps,
    })
}

fn checked_id(id: &str) -> Result<&str, AdminError> {
    let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_');
    if id.is_empty() || id.len() > 128 || !id.bytes().all(base64) {
        return Err(AdminError::invalid(
            "id: an account id is base64 (letters, digits, + / =)",
        ));
    }
    Ok(id)
}

pub async fn show(
    State(app): State<AppState>,
    _op: Operator,
    AdminPath(id): AdminPath<String>,
) -> Result<Json<Value>, AdminError> {
    let id = checked_id(&id)?;
    let a = app
        .stores
        .accounts
        .get_account(id)
        .await?
        .ok_or_else(|| AdminError::not_found(format!("account {id}")))?;
    Ok(Json(view(&a)))
}

async fn set_active(
    app: &AppState,
    actor: &str,
    id: &str,
    active: bool,
) -> Result<Json<Value>, AdminError> {
    let id = checked_id(id)?;
    let mut a = app
        .stores
        .accounts
        .get_account(id)
        .await?
        .ok_or_else(|| AdminError::not_found(format!("account {id}")))?;
    a.active = active;
    app.stores.accounts.save_account(&a).await?;
    let mut e = app.event(EventKind::AdminAction);
    e.actor = Some(actor.to_owned());
    e.reason = Some(
        if active {
            "account.enable"
        } else {
            "account.disable"
        }
        .into(),
    );
    e.account_id = Some(app.event_account_id(id));
    app.events.record(vec![e]).await;
    Ok(Json(view(&a)))
}

pub async fn disable(
    State(app): State<AppState>,
    Operator(actor): Operator,
    AdminPath(id): AdminPath<String>,
) -> Result<Json<Value>, AdminError> {
    set_active(&app, &actor, &id, false).await
}

pub async fn enable(
    State(app): State<AppState>,
    Operator(actor): Operator,
    AdminPath(id): AdminPath<String>,
) -> Result<Json<Value>, AdminError> {
    set_active(&app, &actor, &id, true).await
}
