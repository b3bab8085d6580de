//! Step 5 — the service exchanges its code (`POST /token`).
//!
//! Client authentication ([`super::service_auth`]: a secret, or a
//! `private_key_jwt` assertion), then the code is taken
//! atomically (single use, 30 s, bound to client, redirect URI and PKCE).
//! A reused code is refused and revokes the access token its first use
//! produced. The answer has exactly the five keys FranceConnect sends.
//!
//! Two trips to the ephemeral store (two round trips to Redis): the code
//! is read with the client's lock, before the client is authenticated but
//! used only after; then it is taken, as a required marker, in the trip
//! that stores the access token, so of two requests with one code exactly
//! one gets a token. A code that fails a check is taken all the same: the
//! first authenticated attempt spends it, whatever its outcome.

use super::answer;
use super::service_auth::authenticate_reading;
use crate::compact;
use crate::dpop::DpopRefusal;
use crate::error::JsonError;
use crate::extract::OAuthForm;
use crate::flow::{AccessGrant, CodeGrant};
use crate::flow_batch::RecordWrites;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use relais_core::event::EventKind;
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use relais_oidc::provider::TokenResponse;
use serde_json::{json, Map, Value};

fn invalid_request(detail: &str) -> JsonError {
    JsonError::new(ErrorCode::TokenInvalidRequest, detail)
}

pub async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Result<Response, JsonError> {
    let token_url = app.settings.url("/api/v2/token");
    let code = form.get("code").filter(|c| !c.is_empty() && c.len() <= 128);
    let code_key = code.map(|c| stored_key("code", c));
    let (sp, code_entry) =
        authenticate_reading(&app, &headers, &form, &token_url, code_key.as_deref()).await?;
    // A bad proof must not spend the code: checked first.
    let dpop = crate::dpop::proof(&app, &headers, "POST", &token_url, None)
        .await
        .map_err(|r| match r {
            DpopRefusal::Invalid(why) => JsonError::new(ErrorCode::DpopProofInvalid, why),
            DpopRefusal::Store(e) => e.into(),
        })?;
    if sp.dpop_bound_access_tokens && dpop.is_none() {
        return Err(JsonError::new(
            ErrorCode::DpopProofInvalid,
            "this client's access tokens are DPoP-bound: a DPoP proof is required",
        ));
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {}
        None => return Err(invalid_request("grant_type missing")),
        Some(_) => {
            return Err(JsonError::new(
                ErrorCode::TokenUnsupportedGrantType,
                "unsupported grant_type",
            ))
        }
    }
    let (Some(code), Some(code_key)) = (code, code_key) else {
        return Err(invalid_request("code missing"));
    };
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| invalid_request("redirect_uri missing"))?;
    let grant: Option<CodeGrant> = code_entry.map(|b| compact::decode(&b)).transpose()?;
    let Some(grant) = grant else {
        return Err(code_reused(&app, &sp.client_id, code).await);
    };
    let refusal = if grant.client_id != sp.client_id || grant.redirect_uri != *redirect_uri {
        Some("code issued to another client or redirect_uri")
    } else {
        match (&grant.code_challenge, form.get("code_verifier")) {
            (Some(challenge), Some(v)) if relais_oidc::pkce::verify_s256(v, challenge) => None,
            (None, None) => None,
            _ => Some("PKCE verification failed"),
        }
    };
    if let Some(refusal) = refusal {
        app.stores.ephemeral.delete(&code_key).await?;
        return Err(JsonError::new(ErrorCode::TokenInvalidGrant, refusal));
    }

    let access_token = app.random.token(32);
    let mut grant = grant;
    grant.issued_at = app.clock.now_secs();
    grant.dpop_jkt = dpop.map(|p| p.jkt);
    let token_type = if grant.dpop_jkt.is_some() {
        "DPoP"
    } else {
        "Bearer"
    };
    // Reuse of the code revokes this token: remember its key, not its value.
    let at_key = stored_key("at", &access_token);
    let mut writes = RecordWrites::new();
    writes
        .require(code_key)
        .put(at_key.clone(), &grant, grant.token_ttl)?
        .put(stored_key("used", code), &at_key, grant.token_ttl)?;
    if !app.write_records(&writes).await? {
        // Taken since it was read: another request used it (or it expired).
        return Err(code_reused(&app, &sp.client_id, code).await);
    }
    let id_token = answer::sign_for(
        &app,
        &sp,
        sp.id_token_signed_response_alg,
        &id_token_claims(&app, &grant),
    )?;
    let id_token = answer::encrypt_for(&app, &sp, sp.id_token_encryption, id_token).await?;
    let mut e = app.event(EventKind::SpRequestedFcToken);
    e.sp_id = Some(sp.client_id.clone());
    e.sp_name = Some(sp.name.clone());
    e.sp_sub = Some(grant.sub.clone());
    e.account_id = Some(app.event_account_id(&grant.account_id));
    e.idp_id = Some(grant.idp_id.clone());
    e.browsing_session = Some(grant.browsing_session.clone());
    app.events.emit(e);
    crate::partner_space::trace::record(&app, &sp, "token", || {
        format!(
            "id_token {}, expires_in {}",
            sp.id_token_signed_response_alg.as_str(),
            grant.token_ttl
        )
    })
    .await;
    let body = TokenResponse {
        access_token,
        token_type: token_type.into(),
        expires_in: grant.token_ttl,
        id_token,
        scope: grant.scopes.to_oauth_string(),
    };
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(resp)
}

/// The answer to a code that is gone: unknown, expired, or already used,
/// in which case the access token its first use produced is revoked.
async fn code_reused(app: &AppState, client_id: &str, code: &str) -> JsonError {
    match app.take_record::<String>(&stored_key("used", code)).await {
        Ok(Some(at_key)) => {
            if let Err(e) = app.stores.ephemeral.delete(&at_key).await {
                return e.into();
            }
            tracing::warn!(client = %client_id, "authorization code reused; its access token is revoked");
        }
        Ok(None) => {}
        Err(e) => return e.into(),
    }
    JsonError::new(
        ErrorCode::TokenInvalidGrant,
        "code unknown, expired or already used",
    )
}

fn id_token_claims(app: &AppState, g: &AccessGrant) -> Value {
    let now = app.clock.now_secs();
    let mut c = Map::new();
    c.insert("iss".into(), json!(app.settings.issuer()));
    c.insert("sub".into(), json!(g.sub));
    c.insert("aud".into(), json!(g.client_id));
    c.insert("exp".into(), json!(now + 60));
    c.insert("iat".into(), json!(now));
    // Left out when the service sent none (`oidc` profile with PKCE).
    if !g.nonce.is_empty() {
        c.insert("nonce".into(), json!(g.nonce));
    }
    c.insert("acr".into(), json!(g.acr.as_str()));
    c.insert("auth_time".into(), json!(g.auth_time));
    if let Some(amr) = &g.amr {
        c.insert("amr".into(), json!(amr));
    }
    Value::Object(c)
}
