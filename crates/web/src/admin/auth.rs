//! Who may call the admin API: an operator token (`Authorization: Bearer`),
//! stored only as its SHA-256 (a dump of the store yields no usable
//! token), or a client certificate the TLS proxy verified and names in a
//! header the operator configured (`[admin] client_cert_header`).

use crate::error::AdminError;
use crate::sole_header::{sole_header, SoleHeader};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use relais_core::authorization_header::credentials;
use relais_core::token_digest::stored_key;
use relais_store::{ConfigKind, ConfigStore, StoreResult};
use serde::{Deserialize, Serialize};

/// An authenticated operator: the token's name or the certificate subject.
pub struct Operator(pub String);

/// What the store keeps of a token (under its digest).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub name: String,
    pub created_at: i64,
}

/// Token values start with this, so they are recognisable in a leak scan.
pub const TOKEN_PREFIX: &str = "rop_";

fn token_id(token: &str) -> String {
    // `operator:<sha256>`: the digest is the stored id.
    stored_key("operator", token)
}

/// Creates a token named `name`; returns its value (shown once).
pub async fn create_token(
    store: &dyn ConfigStore,
    random: &dyn relais_core::Randomness,
    now_millis: i64,
    name: &str,
) -> StoreResult<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(relais_store::StoreError::Rejected(
            "name: 1 to 64 printable characters".into(),
        ));
    }
    if list_tokens(store)
        .await?
        .iter()
        .any(|(_, t)| t.name == name)
    {
        return Err(relais_store::StoreError::Rejected(format!(
            "name: a token named {name} exists; revoke it first"
        )));
    }
    let token = format!("{TOKEN_PREFIX}{}", random.token(32));
    let record = TokenRecord {
        name: name.to_owned(),
        created_at: now_millis,
    };
    let doc = serde_json::to_value(&record)
        .map_err(|e| relais_store::StoreError::Corrupt(e.to_string()))?;
    store
        .put_config(ConfigKind::OperatorToken, &token_id(&token), &doc)
        .await?;
    Ok(token)
}

pub async fn list_tokens(store: &dyn ConfigStore) -> StoreResult<Vec<(String, TokenRecord)>> {
    let mut out = Vec::new();
    for (id, doc) in store.list_config(ConfigKind::OperatorToken).await? {
        let rec: TokenRecord = serde_json::from_value(doc)
            .map_err(|e| relais_store::StoreError::Corrupt(format!("operator token: {e}")))?;
        out.push((id, rec));
    }
    out.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    Ok(out)
}

/// Revokes the token named `name`; whether there was one.
pub async fn revoke_token(store: &dyn ConfigStore, name: &str) -> StoreResult<bool> {
    for (id, rec) in list_tokens(store).await? {
        if rec.name == name {
            return store.delete_config(ConfigKind::OperatorToken, &id).await;
        }
    }
    Ok(false)
}

/// The name of the operator a token belongs to, if it is one.
pub async fn operator_for_token(app: &AppState, token: &str) -> StoreResult<Option<String>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    // Looked up by digest: nothing to compare in variable time.
    let Some(doc) = app
        .stores
        .config
        .get_config(ConfigKind::OperatorToken, &token_id(token))
        .await?
    else {
        return Ok(None);
    };
    Ok(serde_json::from_value::<TokenRecord>(doc)
        .ok()
        .map(|r| r.name))
}

/// The certificate subject the TLS proxy vouches for, if let in.
pub fn operator_by_certificate(app: &AppState, headers: &axum::http::HeaderMap) -> Option<String> {
    let header = app.settings.admin_cert_header.as_ref()?;
    // Twice: a proxy that adds its header instead of replacing the
    // client's has let a client's own through beside it. Neither is
    // believed.
    let SoleHeader::Once(value) = sole_header(headers, header) else {
        return None;
    };
    let subject = value.to_str().ok()?;
    app.settings
        .admin_cert_subjects
        .iter()
        .any(|s| s == subject)
        .then(|| format!("cert:{subject}"))
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AdminError> {
        if let Some(name) = operator_by_certificate(app, &parts.headers) {
            return Ok(Operator(name));
        }
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| credentials(v, "bearer"))
            .ok_or_else(AdminError::unauthorized)?;
        operator_for_token(app, token)
            .await?
            .map(Operator)
            .ok_or_else(AdminError::unauthorized)
    }
}
