//! Pushed authorization requests (RFC 9126, `POST /par`): the service
//! authenticates (secret or `private_key_jwt`) and sends the parameters of
//! its authorization request on the back channel; they are checked by the
//! very rules of `/authorize` and kept for a minute under a one-time
//! `request_uri`, which the browser then brings to `/authorize` with the
//! `client_id` alone. Nothing of the request travels through the browser,
//! so it cannot be read or altered there.

use super::service_auth::authenticate;
use crate::error::JsonError;
use crate::extract::OAuthForm;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use relais_core::authorize::{self, AuthorizeRejection, RawParams};
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How long a pushed request waits for the browser.
pub const PAR_TTL: u64 = 60;
/// The prefix RFC 9126 gives request URIs.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// What is kept under a `request_uri`.
#[derive(Serialize, Deserialize)]
pub struct PushedRequest {
    pub client_id: String,
    pub params: Vec<(String, String)>,
}

/// Client-authentication fields: the service's, not the request's.
const AUTH_FIELDS: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

fn refused(detail: impl Into<String>) -> JsonError {
    JsonError::new(ErrorCode::ParInvalidRequest, detail)
}

pub async fn push(
    State(app): State<AppState>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Result<Response, JsonError> {
    let sp = authenticate(&app, &headers, &form, &app.settings.url("/api/v2/par")).await?;
    if form.contains_key("request_uri") || form.contains_key("request") {
        return Err(refused(
            "request_uri and request are not accepted in a pushed request",
        ));
    }
    let mut params: Vec<(String, String)> = form
        .into_iter()
        .filter(|(k, _)| !AUTH_FIELDS.contains(&k.as_str()))
        .collect();
    params.sort();
    match params.iter().find(|(k, _)| k == "client_id") {
        Some((_, c)) if *c != sp.client_id => {
            return Err(refused("client_id differs from the authenticated client"))
        }
        Some(_) => {}
        None => params.push(("client_id".into(), sp.client_id.clone())),
    }
    let why = |r: AuthorizeRejection| match r {
        AuthorizeRejection::Page { code, detail }
        | AuthorizeRejection::Redirect { code, detail, .. } => {
            refused(format!("{}: {detail}", code.code()))
        }
    };
    let raw = RawParams::parse(&params).map_err(why)?;
    let (_, redirect_uri) = authorize::client_and_redirect(&raw).map_err(why)?;
    authorize::check_client(Some(&sp), redirect_uri).map_err(why)?;
    let is_data_scope = |s: &str| app.registry.is_data_scope(s);
    authorize::validate(&raw, &sp, app.settings.platform, &is_data_scope).map_err(why)?;

    let request_uri = format!("{REQUEST_URI_PREFIX}{}", app.random.token(32));
    let pushed = PushedRequest {
        client_id: sp.client_id.clone(),
        params,
    };
    app.save(&stored_key("par", &request_uri), &pushed, PAR_TTL)
        .await?;
    let mut resp = (
        StatusCode::CREATED,
        axum::Json(json!({"request_uri": request_uri, "expires_in": PAR_TTL})),
    )
        .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
