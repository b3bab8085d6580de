//! Services, identity providers and data providers through the admin API:
//! list, show, create or replace (`PUT`, the same document the
//! configuration file describes, checked by the same registration rules),
//! activate, deactivate. Secrets are write-only: never returned, kept when
//! a `PUT` leaves them out. A field the document does not have is refused,
//! as the configuration file refuses it, so that a misspelt field does
//! not pass for set (`client_secret_set`, which `GET` returns, may come
//! back: it is dropped with the secret's handling). Every change is written through the registry (sealed, announced
//! to the other nodes) and audited.

use super::audit::audit;
use super::auth::Operator;
use super::kind::Kind;
use crate::error::AdminError;
use crate::extract::AdminPath;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use relais_core::partner::{DataProvider, IdentityProvider, ServiceProvider};
use serde_json::Value;

/// The stored document without its secret.
fn redacted(mut doc: Value) -> Value {
    if let Some(o) = doc.as_object_mut() {
        o.remove("retiring_client_secret");
        if let Some(secret) = o.get_mut("client_secret") {
            *secret = Value::Bool(!secret.as_str().unwrap_or("").is_empty());
            o.insert("client_secret_set".into(), o["client_secret"].clone());
            o.remove("client_secret");
        }
    }
    doc
}

fn to_doc<T: serde::Serialize>(v: &T) -> Result<Value, AdminError> {
    serde_json::to_value(v)
        .map(redacted)
        .map_err(|e| AdminError::invalid(e.to_string()))
}

/// Every partner of a kind, as stored and valid (the snapshot).
fn all(app: &AppState, kind: Kind) -> Result<Vec<Value>, AdminError> {
    let snap = app.registry.snapshot();
    let mut docs = match kind {
        Kind::Service => snap
            .sps
            .values()
            .map(|v| to_doc(v.as_ref()))
            .collect::<Result<Vec<_>, _>>()?,
        Kind::IdentityProvider => snap
            .idps
            .iter()
            .map(|v| to_doc(v.as_ref()))
            .collect::<Result<Vec<_>, _>>()?,
        Kind::DataProvider => snap
            .dps
            .values()
            .map(|v| to_doc(v.as_ref()))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let key = |d: &Value| {
        d.get("client_id")
            .or_else(|| d.get("id"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    docs.sort_by_key(key);
    Ok(docs)
}

fn one(app: &AppState, kind: Kind, id: &str) -> Result<Value, AdminError> {
    let found = match kind {
        Kind::Service => app.registry.sp(id).map(|v| to_doc(v.as_ref())),
        Kind::IdentityProvider => app.registry.idp(id).map(|v| to_doc(v.as_ref())),
        Kind::DataProvider => app.registry.dp(id).map(|v| to_doc(v.as_ref())),
    };
    found.unwrap_or_else(|| Err(AdminError::not_found(format!("{} {id}", kind.noun()))))
}

/// The document as `T`, refused when it has a field `T` does not: the
/// parsed value, written back, holds every field `T` knows.
fn parse<T: serde::de::DeserializeOwned + serde::Serialize>(doc: Value) -> Result<T, AdminError> {
    let parsed = T::deserialize(&doc).map_err(|e| AdminError::invalid(e.to_string()))?;
    let known = serde_json::to_value(&parsed).map_err(|e| AdminError::invalid(e.to_string()))?;
    match unknown_field(&doc, &known, "") {
        Some(path) => Err(AdminError::invalid(format!(
            "{path}: unknown field (the fields are those GET returns)"
        ))),
        None => Ok(parsed),
    }
}

/// The first field of `doc` that `known` does not have, as a path
/// (`idp_filter.mod`), looking into objects but not into lists: a list's
/// items (a JWK set's keys) may carry members the document keeps as they
/// are.
fn unknown_field(doc: &Value, known: &Value, at: &str) -> Option<String> {
    let (Value::Object(doc), Value::Object(known)) = (doc, known) else {
        return None;
    };
    doc.iter().find_map(|(name, value)| {
        let path = || match at {
            "" => name.clone(),
            _ => format!("{at}.{name}"),
        };
        match known.get(name) {
            None => Some(path()),
            Some(k) if value.is_object() => unknown_field(value, k, &path()),
            Some(_) => None,
        }
    })
}

/// Fills a left-out secret from the stored partner (and drops the
/// `client_secret_set` a `GET` gave), then checks the id in the path is
/// the document's.
fn with_secret(
    mut doc: Value,
    id_field: &str,
    id: &str,
    stored: Option<String>,
) -> Result<Value, AdminError> {
    let o = doc
        .as_object_mut()
        .ok_or_else(|| AdminError::invalid("the body must be a JSON object"))?;
    match o.get(id_field).and_then(Value::as_str) {
        None => {
            o.insert(id_field.into(), Value::String(id.to_owned()));
        }
        Some(given) if given != id => {
            return Err(AdminError::invalid(format!(
                "{id_field}: {given} differs from the path's {id}"
            )))
        }
        Some(_) => {}
    }
    // What GET returns, not a field of the document.
    o.remove("client_secret_set");
    if o.get("client_secret")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        o.insert(
            "client_secret".into(),
            Value::String(stored.unwrap_or_default()),
        );
    }
    Ok(doc)
}

/// Writes a partner (checked, sealed, announced) and reloads this node.
async fn save(app: &AppState, kind: Kind, id: &str, doc: Value) -> Result<(), AdminError> {
    match kind {
        Kind::Service => {
            let stored = app.registry.sp(id).map(|s| s.client_secret.clone());
            let sp: ServiceProvider = parse(with_secret(doc, "client_id", id, stored)?)?;
            app.registry.upsert_sp(&sp).await?;
        }
        Kind::IdentityProvider => {
            let stored = app.registry.idp(id).map(|s| s.client_secret.clone());
            let idp: IdentityProvider = parse(with_secret(doc, "id", id, stored)?)?;
            app.registry.upsert_idp(&idp).await?;
        }
        Kind::DataProvider => {
            let stored = app.registry.dp(id).map(|s| s.client_secret.clone());
            let dp: DataProvider = parse(with_secret(doc, "client_id", id, stored)?)?;
            app.registry.upsert_dp(&dp).await?;
        }
    }
    app.registry.reload().await?;
    Ok(())
}

pub async fn list(
    State(app): State<AppState>,
    _op: Operator,
    kind: Kind,
) -> Result<Json<Value>, AdminError> {
    Ok(Json(Value::Array(all(&app, kind)?)))
}

pub async fn show(
    State(app): State<AppState>,
    _op: Operator,
    AdminPath(id): AdminPath<String>,
    kind: Kind,
) -> Result<Json<Value>, AdminError> {
    one(&app, kind, &id).map(Json)
}

pub async fn put(
    State(app): State<AppState>,
    Operator(actor): Operator,
    AdminPath(id): AdminPath<String>,
    kind: Kind,
    doc: Value,
) -> Result<Json<Value>, AdminError> {
    let existed = one(&app, kind, &id).is_ok();
    save(&app, kind, &id, doc).await?;
    let action = if existed { "update" } else { "create" };
    audit(
        &app,
        &actor,
        &format!("{}.{action}", kind.noun()),
        kind,
        &id,
    )
    .await;
    one(&app, kind, &id).map(Json)
}

pub async fn set_active(
    State(app): State<AppState>,
    Operator(actor): Operator,
    AdminPath(id): AdminPath<String>,
    kind: Kind,
    active: bool,
) -> Result<Json<Value>, AdminError> {
    let mut doc = one(&app, kind, &id)?;
    if let Some(o) = doc.as_object_mut() {
        o.insert("active".into(), Value::Bool(active));
    }
    save(&app, kind, &id, doc).await?;
    let action = if active { "activate" } else { "deactivate" };
    audit(
        &app,
        &actor,
        &format!("{}.{action}", kind.noun()),
        kind,
        &id,
    )
    .await;
    one(&app, kind, &id).map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_returned() {
        let doc = redacted(serde_json::json!({"client_id": "a", "client_secret": "s3cret-value"}));
        assert!(!doc.to_string().contains("s3cret"));
        assert_eq!(doc["client_secret_set"], true);
    }

    #[test]
    fn a_left_out_secret_is_kept_and_ids_must_agree() {
        let doc = with_secret(serde_json::json!({}), "client_id", "a", Some("old".into())).unwrap();
        assert_eq!(doc["client_secret"], "old");
        assert_eq!(doc["client_id"], "a");
        let e = with_secret(
            serde_json::json!({"client_id": "b"}),
            "client_id",
            "a",
            None,
        )
        .unwrap_err();
        assert!(e.message.contains("client_id: b differs"));
    }

    #[test]
    fn unknown_fields_are_named_at_any_depth_but_not_in_lists() {
        let known = serde_json::json!({"name": "x", "client_secret": "", "idp_filter": {"mode": "deny", "idps": []},
            "jwks": {"keys": [{"kty": "EC"}]}});
        let doc = serde_json::json!({"name": "x", "post_logout_redirect_uri": []});
        assert_eq!(
            unknown_field(&doc, &known, "").as_deref(),
            Some("post_logout_redirect_uri")
        );
        let doc = serde_json::json!({"idp_filter": {"mod": "deny"}});
        assert_eq!(
            unknown_field(&doc, &known, "").as_deref(),
            Some("idp_filter.mod")
        );
        let doc = serde_json::json!({"client_secret_set": true, "name": "y",
            "jwks": {"keys": [{"kty": "EC", "x5c": []}]}});
        let doc = with_secret(doc, "name", "y", None).unwrap();
        assert_eq!(unknown_field(&doc, &known, ""), None);
    }
}
