//! Step 6 — the service reads the claims (`GET|POST /userinfo`), as a JWT
//! signed with the service's algorithm (`application/jwt`). The access token
//! carries the identity it was issued for, whatever the browser did since.

use crate::dpop::DpopRefusal;
use crate::error::JsonError;
use crate::extract::body_access_token;
use crate::flow::AccessGrant;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use relais_core::authorization_header::credentials;
use relais_core::event::EventKind;
use relais_core::form_encoding;
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use serde_json::{json, Map, Value};

fn invalid_token(detail: &str) -> JsonError {
    JsonError {
        code: ErrorCode::UserinfoInvalidToken,
        detail: detail.into(),
        retry_after: None,
        www_authenticate: Some(format!(
            "Bearer error=\"invalid_token\", error_description=\"{detail}\""
        )),
    }
}

/// RFC 6750 §3: a request the resource refuses as malformed says so in its
/// challenge too (`error="invalid_request"`), as FranceConnect's engine
/// challenges every refusal of userinfo.
fn with_request_challenge(mut e: JsonError) -> JsonError {
    if e.code == ErrorCode::UserinfoInvalidRequest && e.www_authenticate.is_none() {
        e.www_authenticate = Some("Bearer error=\"invalid_request\"".into());
    }
    e
}

fn invalid_dpop(detail: &str) -> JsonError {
    JsonError {
        code: ErrorCode::UserinfoInvalidDpop,
        detail: detail.into(),
        retry_after: None,
        www_authenticate: Some("DPoP error=\"invalid_dpop_proof\", algs=\"ES256 RS256\"".into()),
    }
}

/// The access token of the `Authorization` header and whether it came
/// with the `DPoP` scheme.
fn header_token(headers: &HeaderMap) -> Option<(&str, bool)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    match credentials(v, "bearer") {
        Some(t) => Some((t, false)),
        None => Some((credentials(v, "dpop")?, true)),
    }
}

/// The token the request presents (RFC 6750 §2): the `Authorization`
/// header, or a `POST` form's `access_token` (as Bearer), by one means
/// only and never in the URL, where logs and `Referer`s would keep it.
fn presented_token<'a>(
    uri: &Uri,
    headers: &'a HeaderMap,
    body: Option<&'a str>,
) -> Result<(&'a str, bool), JsonError> {
    let in_query = uri
        .query()
        .is_some_and(|q| form_encoding::parse(q.as_bytes()).any(|(k, _)| k == "access_token"));
    let has_header = headers.contains_key(header::AUTHORIZATION);
    if in_query || (has_header && body.is_some()) {
        return Err(JsonError::new(
            ErrorCode::UserinfoInvalidRequest,
            if in_query {
                "access tokens are not taken in the URL"
            } else {
                "the access token came both in the Authorization header and in the body"
            },
        ));
    }
    let (token, dpop) = match body {
        Some(t) => (t, false),
        None => header_token(headers).ok_or_else(|| JsonError {
            code: ErrorCode::UserinfoInvalidToken,
            detail: "no bearer token".into(),
            retry_after: None,
            www_authenticate: Some("Bearer realm=\"relais\"".into()),
        })?,
    };
    if token.is_empty() || token.len() > 128 {
        return Err(invalid_token("access token unknown, expired or revoked"));
    }
    Ok((token, dpop))
}

pub async fn userinfo(State(app): State<AppState>, req: Request) -> Result<Response, JsonError> {
    // The request taken apart, not its pieces extracted: the headers are
    // moved out instead of cloned, on a call every login makes.
    let (mut parts, body) = req.into_parts();
    let headers = std::mem::take(&mut parts.headers);
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let body_token = body_access_token(parts, &headers, body)
        .await
        .map_err(with_request_challenge)?;
    let (token, dpop_scheme) =
        presented_token(&uri, &headers, body_token.as_deref()).map_err(with_request_challenge)?;
    let grant: AccessGrant = app
        .load_access_grant(&stored_key("at", token))
        .await?
        .ok_or_else(|| invalid_token("access token unknown, expired or revoked"))?;
    // A DPoP-bound token is only good with a proof by its key (RFC 9449).
    match (&grant.dpop_jkt, dpop_scheme) {
        (Some(jkt), true) => {
            let url = app.settings.url("/api/v2/userinfo");
            let proof = crate::dpop::proof(&app, &headers, method.as_str(), &url, Some(token))
                .await
                .map_err(|r| match r {
                    DpopRefusal::Invalid(why) => invalid_dpop(&why),
                    DpopRefusal::Store(e) => e.into(),
                })?
                .ok_or_else(|| invalid_dpop("DPoP proof missing"))?;
            if proof.jkt != *jkt {
                return Err(invalid_dpop("DPoP proof by another key than the token's"));
            }
        }
        (Some(_), false) => return Err(invalid_dpop("DPoP-bound token presented as Bearer")),
        (None, true) => return Err(invalid_token("token is not DPoP-bound")),
        (None, false) => {}
    }
    let sp = app
        .registry
        .sp(&grant.client_id)
        .filter(|sp| sp.active)
        .ok_or_else(|| invalid_token("client no longer active"))?;
    let now = app.clock.now_secs();
    let mut c = Map::new();
    c.insert("iss".into(), json!(app.settings.issuer()));
    c.insert("aud".into(), json!(grant.client_id));
    c.insert("iat".into(), json!(now));
    c.insert("exp".into(), json!(now + 60));
    c.insert("sub".into(), json!(grant.sub));
    let claims = grant.scopes.claims();
    for claim in &claims {
        if let Some(v) = grant.identity.claim_value(*claim) {
            c.insert(claim.name().into(), v);
        }
    }
    if let Some(amr) = &grant.amr {
        c.insert("amr".into(), json!(amr));
    }
    let claims_doc = Value::Object(c);
    let answer = match sp.userinfo_signed_response_alg {
        Some(alg) => {
            let jwt = super::answer::sign_for(&app, &sp, alg, &claims_doc)?;
            Some(super::answer::encrypt_for(&app, &sp, sp.userinfo_encryption, jwt).await?)
        }
        // The `oidc` profile without a registered algorithm: plain JSON.
        None => None,
    };
    let mut e = app.event(EventKind::SpRequestedFcUserinfo);
    e.sp_id = Some(sp.client_id.clone());
    e.sp_name = Some(sp.name.clone());
    e.sp_sub = Some(grant.sub.clone());
    e.account_id = Some(app.event_account_id(&grant.account_id));
    e.idp_id = Some(grant.idp_id.clone());
    e.scopes = Some(grant.scopes.to_oauth_string());
    e.claims = Some(
        claims
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(" "),
    );
    app.events.emit(e);
    crate::partner_space::trace::record(&app, &sp, "userinfo", || {
        format!(
            "{}: {}",
            if answer.is_some() { "JWT" } else { "JSON" },
            claims
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
    .await;
    let mut resp = match answer {
        Some(jwt) => {
            let mut resp = jwt.into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/jwt"),
            );
            resp
        }
        None => axum::Json(claims_doc).into_response(),
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
