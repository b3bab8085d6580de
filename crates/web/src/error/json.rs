//! Errors of the back-channel endpoints, answered as OAuth JSON.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use relais_core::ErrorCode;
use relais_store::StoreError;

/// An OAuth error answered as JSON (`error`, `error_description`, `code`).
#[derive(Debug)]
pub struct JsonError {
    pub code: ErrorCode,
    /// For the log only; never sent.
    pub detail: String,
    /// `Retry-After` seconds, for a refusal that ends by itself (429, 503).
    pub retry_after: Option<u64>,
    /// `WWW-Authenticate` challenge, when the client must authenticate.
    pub www_authenticate: Option<String>,
}

impl JsonError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> JsonError {
        JsonError {
            code,
            detail: detail.into(),
            retry_after: None,
            www_authenticate: None,
        }
    }
}

impl JsonError {
    /// Says when the client may try again.
    pub fn retry_after(mut self, secs: u64) -> JsonError {
        self.retry_after = Some(secs.max(1));
        self
    }
}

impl From<StoreError> for JsonError {
    fn from(e: StoreError) -> JsonError {
        JsonError::new(ErrorCode::StorageUnavailable, e.to_string())
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let code = self.code;
        tracing::info!(code = code.code(), detail = %self.detail, "back-channel error");
        let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let body = serde_json::json!({
            "error": code.oauth_error().0,
            "error_description": code.description(),
            "code": code.code(),
        });
        let mut resp = (status, axum::Json(body)).into_response();
        resp.extensions_mut().insert(super::ErrorCodeTag(code));
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(w) = self
            .www_authenticate
            .and_then(|w| HeaderValue::from_str(&w).ok())
        {
            h.insert(header::WWW_AUTHENTICATE, w);
        }
        resp
    }
}
