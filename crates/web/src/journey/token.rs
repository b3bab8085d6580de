//! Step 5 — the service exchanges its code (`POST /token`).
//!
//! Client authentication ([`super::service_auth`]: a secret, or a
//! `private_key_jwt` assertion), then the code is taken
//! atomically (single use, 30 s, bound to client, redirect URI and PKCE).
//! A reused code is refused and revokes the access token its first use
//! produced. The answer has exactly the five keys FranceConnect sends.
//!
//! One trip to the ephemeral store (one round trip to Redis): the client
//! is authenticated first, locally (its secret, or its assertion's
//! signature), and every check that needs no record is made; then one
//! batch checks that the client is not locked out from this IP (an
//! `Absent` guard: a locked-out client takes nothing), spends an
//! assertion's `jti` (a `PutNew` guard: a replayed assertion takes
//! nothing), takes the code (a required marker: of two
//! requests with one code exactly one gets a token), and stores the access
//! token made from it ([`crate::access_record`]: the code's record as it
//! was, after a head the step sends) with the code's `used:` marker. The
//! code's own checks (its client, its redirect URI, PKCE) follow: a code
//! that fails one is spent all the same (the first authenticated attempt
//! spends it, whatever its outcome), and the token written for it is
//! deleted before the refusal is sent. Writing it ahead of those checks is
//! harmless: nobody can present it before the step answers, since only
//! the answer carries it. A refusal before the batch checks the guards
//! first ([`ServiceCaller::refusing`]), so a locked-out client is only
//! ever told that it is locked out, and an assertion is spent all the same.

use super::answer;
use super::service_auth::{authenticate_service, ServiceCaller};
use crate::access_record;
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
use std::collections::HashMap;

fn invalid_request(detail: &str) -> JsonError {
    JsonError::new(ErrorCode::TokenInvalidRequest, detail)
}

/// What the request says, once checked without the store.
struct Exchange<'a> {
    code: &'a str,
    redirect_uri: &'a str,
    dpop_jkt: Option<String>,
}

pub async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Result<Response, JsonError> {
    let token_url = app.settings.url("/api/v2/token");
    let caller = authenticate_service(&app, &headers, &form, &token_url).await?;
    let exchange = match checked_request(&app, &headers, &form, &token_url, &caller).await {
        Ok(exchange) => exchange,
        Err(refusal) => return Err(caller.refusing(&app, refusal).await),
    };
    let sp = &caller.sp;
    let access_token = app.random.token(32);
    let issued_at = app.clock.now_secs();
    let token_ttl = sp.access_token_ttl();
    let code_key = stored_key("code", exchange.code);
    // Reuse of the code revokes this token: remember its key, not its value.
    let at_key = stored_key("at", &access_token);
    let mut writes = RecordWrites::new();
    caller.guard(&mut writes);
    writes
        .require(code_key)
        .put_taken(
            at_key.clone(),
            access_record::head(issued_at, token_ttl, exchange.dpop_jkt.as_deref())?,
            token_ttl,
        )
        .put(stored_key("used", exchange.code), &at_key, token_ttl)?;
    let mut answers = app.ephemeral_batch(&writes.ops()).await?.into_iter();
    caller.guarded(&app, &mut answers).await?;
    let Some(code_record) = answers.next().flatten() else {
        // Gone: expired, unknown, or used (by an earlier request, or by
        // another since this one was sent).
        return Err(code_reused(&app, &sp.client_id, exchange.code).await);
    };
    let code: CodeGrant = match compact::decode(&code_record) {
        Ok(grant) => grant,
        Err(e) => {
            app.undo_writes(&writes).await;
            return Err(e.into());
        }
    };
    if let Some(refusal) = code_refusal(&code, sp.client_id.as_str(), &exchange, &form) {
        app.undo_writes(&writes).await;
        return Err(JsonError::new(ErrorCode::TokenInvalidGrant, refusal));
    }
    // As the access token's record reads it (its stamp over the code's).
    let grant = access_record::stamped(code, issued_at, token_ttl, exchange.dpop_jkt);
    let token_type = if grant.dpop_jkt.is_some() {
        "DPoP"
    } else {
        "Bearer"
    };
    let id_token = answer::sign_for(
        &app,
        sp,
        sp.id_token_signed_response_alg,
        &id_token_claims(&app, &grant),
    )?;
    let id_token = answer::encrypt_for(&app, sp, sp.id_token_encryption, id_token).await?;
    let mut e = app.event(EventKind::SpRequestedFcToken);
    e.sp_id = Some(sp.client_id.clone());
    e.sp_name = Some(sp.name.clone());
    e.sp_sub = Some(grant.sub.clone());
    e.account_id = Some(app.event_account_id(&grant.account_id));
    e.idp_id = Some(grant.idp_id.clone());
    e.browsing_session = Some(grant.browsing_session.clone());
    app.events.emit(e);
    crate::partner_space::trace::record(&app, sp, "token", || {
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

/// The checks that need no record, in the order a client sees their
/// answers: the DPoP proof (a bad one must not spend the code), then the
/// form.
async fn checked_request<'a>(
    app: &AppState,
    headers: &HeaderMap,
    form: &'a HashMap<String, String>,
    token_url: &str,
    caller: &ServiceCaller,
) -> Result<Exchange<'a>, JsonError> {
    let dpop = crate::dpop::proof(app, headers, "POST", token_url, None)
        .await
        .map_err(|r| match r {
            DpopRefusal::Invalid(why) => JsonError::new(ErrorCode::DpopProofInvalid, why),
            DpopRefusal::Store(e) => e.into(),
        })?;
    if caller.sp.dpop_bound_access_tokens && dpop.is_none() {
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
    let code = form
        .get("code")
        .filter(|c| !c.is_empty() && c.len() <= 128)
        .ok_or_else(|| invalid_request("code missing"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| invalid_request("redirect_uri missing"))?;
    // A verifier that cannot be one is the request's fault, not the
    // code's: refused as FranceConnect's engine refuses it, before the code
    // is taken, so the service can send its real verifier.
    if form
        .get("code_verifier")
        .is_some_and(|v| !relais_oidc::pkce::well_formed(v))
    {
        return Err(invalid_request(
            "code_verifier: 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    Ok(Exchange {
        code,
        redirect_uri,
        dpop_jkt: dpop.map(|p| p.jkt),
    })
}

/// Why the code cannot be exchanged by this request, if it cannot.
fn code_refusal(
    grant: &CodeGrant,
    client_id: &str,
    exchange: &Exchange<'_>,
    form: &HashMap<String, String>,
) -> Option<&'static str> {
    if grant.client_id != client_id || grant.redirect_uri != exchange.redirect_uri {
        return Some("code issued to another client or redirect_uri");
    }
    match (&grant.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(v)) if relais_oidc::pkce::verify_s256(v, challenge) => None,
        (None, None) => None,
        _ => Some("PKCE verification failed"),
    }
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
