//! Production requests from the partner space, decided by operators: the
//! list (with each request's diff against what production serves), approve
//! (the production client is registered from that version) or refuse with
//! a message, and rollback to an earlier published version.

use super::audit::audit;
use super::auth::Operator;
use super::kind::Kind;
use crate::error::AdminError;
use crate::extract::{AdminBody, AdminPath};
use crate::partner_space::{publish, records};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use relais_core::onboarding::OnboardedService;
use serde_json::{json, Value};

/// The onboarded service `id`, or 404.
async fn load(app: &AppState, id: &str) -> Result<OnboardedService, AdminError> {
    records::service(app, id)
        .await?
        .ok_or_else(|| AdminError::not_found(format!("onboarded service {id}")))
}

fn body_field(body: &Bytes, field: &str) -> Result<Value, AdminError> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|e| AdminError::invalid(format!("body: {e}")))?;
    Ok(v.get(field).cloned().unwrap_or(Value::Null))
}

/// `GET /production-requests`.
pub async fn requests(
    State(app): State<AppState>,
    _op: Operator,
) -> Result<Json<Value>, AdminError> {
    let mut out = Vec::new();
    for svc in records::services(&app).await? {
        let Some(v) = svc.submitted() else { continue };
        let org = records::org(&app, &svc.org_id).await?.map(|o| o.name);
        let diff: Vec<Value> = v
            .spec
            .diff(svc.published().map(|p| &p.spec))
            .into_iter()
            .map(|(field, before, after)| json!({ "field": field, "before": before, "after": after }))
            .collect();
        out.push(json!({
            "service": svc.id,
            "organisation": org,
            "managed_by": svc.managed_by,
            "version": v.n,
            "submitted_by": v.author,
            "submitted_at": relais_core::timefmt::rfc3339_millis(v.at),
            "spec": v.spec,
            "diff": diff,
        }));
    }
    Ok(Json(Value::Array(out)))
}

/// `GET /onboarded-services/{id}`: the service with every version.
pub async fn show(
    State(app): State<AppState>,
    _op: Operator,
    AdminPath(id): AdminPath<String>,
) -> Result<Json<Value>, AdminError> {
    let svc = load(&app, &id).await?;
    serde_json::to_value(svc)
        .map(Json)
        .map_err(|e| AdminError::invalid(e.to_string()))
}

/// `POST /production-requests/{id}/approve` `{"message": "…"}`.
pub async fn approve(
    State(app): State<AppState>,
    Operator(actor): Operator,
    AdminPath(id): AdminPath<String>,
    AdminBody(body): AdminBody,
) -> Result<Json<Value>, AdminError> {
    let message = body_field(&body, "message")?
        .as_str()
        .unwrap_or("")
        .to_owned();
    let mut svc = load(&app, &id).await?;
    let n = svc
        .approve(&actor, app.clock.now_millis(), &message)
        .map_err(|t| AdminError::conflict(t.to_string()))?;
    // The client first (its rules checked), then the record: a refused
    // client leaves the request waiting.
    publish::sync_production(&app, &svc, None).await?;
    records::save_service(&app, &svc).await?;
    audit(&app, &actor, "service.approve", Kind::Service, &id).await;
    Ok(Json(
        json!({ "service": id, "published_version": n, "client_id": svc.production_client_id }),
    ))
}

/// `POST /production-requests/{id}/refuse` `{"message": "…"}` (required).
pub async fn refuse(
    State(app): State<AppState>,
    Operator(actor): Operator,
    AdminPath(id): AdminPath<String>,
    AdminBody(body): AdminBody,
) -> Result<Json<Value>, AdminError> {
    let message = body_field(&body, "message")?
        .as_str()
        .unwrap_or("")
        .trim()
        .to_owned();
    if message.is_empty() || message.chars().count() > 1000 {
        return Err(AdminError::invalid(
            "message: say why, in 1 to 1000 characters",
        ));
    }
    let mut svc = load(&app, &id).await?;
    let n = svc
        .refuse(&actor, app.clock.now_millis(), &message)
        .map_err(|t| AdminError::conflict(t.to_string()))?;
    records::save_service(&app, &svc).await?;
    audit(&app, &actor, "service.refuse", Kind::Service, &id).await;
    Ok(Json(json!({ "service": id, "refused_version": n })))
}

/// `POST /onboarded-services/{id}/rollback` `{"version": N}`.
pub async fn rollback(
    State(app): State<AppState>,
    Operator(actor): Operator,
    AdminPath(id): AdminPath<String>,
    AdminBody(body): AdminBody,
) -> Result<Json<Value>, AdminError> {
    let n = body_field(&body, "version")?
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| AdminError::invalid("version: the number of a published version"))?;
    let mut svc = load(&app, &id).await?;
    let new = svc
        .rollback(n, &actor, app.clock.now_millis())
        .map_err(|t| AdminError::conflict(t.to_string()))?;
    publish::sync_production(&app, &svc, None).await?;
    records::save_service(&app, &svc).await?;
    audit(&app, &actor, "service.rollback", Kind::Service, &id).await;
    Ok(Json(json!({ "service": id, "published_version": new })))
}
