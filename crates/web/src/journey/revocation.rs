//! Token revocation (RFC 7009, `POST /token/revocation`): the service
//! revokes one of its access tokens. Unknown tokens are not an error
//! (§2.2: the token may have expired already); another service's token is
//! refused and left alone (§2.1), as FranceConnect's engine refuses it, so
//! a service that authenticated as the wrong client hears of it.

use crate::error::JsonError;
use crate::extract::OAuthForm;
use crate::flow::AccessGrant;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;

pub async fn revoke(
    State(app): State<AppState>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Result<Response, JsonError> {
    let sp = super::service_auth::authenticate(
        &app,
        &headers,
        &form,
        &app.settings.url("/api/v2/token/revocation"),
    )
    .await?;
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| JsonError::new(ErrorCode::TokenInvalidRequest, "token missing"))?;
    if token.len() <= 128 {
        let key = stored_key("at", token);
        let grant: Option<AccessGrant> = app.load_access_grant(&key).await?;
        match grant {
            Some(g) if g.client_id == sp.client_id => app.stores.ephemeral.delete(&key).await?,
            Some(_) => {
                return Err(JsonError::new(
                    ErrorCode::RevocationNotOwner,
                    "token of another client",
                ))
            }
            None => {}
        }
    }
    Ok(StatusCode::OK.into_response())
}
