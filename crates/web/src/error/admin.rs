//! Errors of the admin API: `{"error", "code", "message"}` where the
//! message names the field or object at fault.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use relais_core::ErrorCode;
use relais_store::StoreError;

#[derive(Debug)]
pub struct AdminError {
    pub code: ErrorCode,
    /// Sent to the operator: names the field; never a secret.
    pub message: String,
}

impl AdminError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AdminError {
        AdminError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> AdminError {
        AdminError {
            code: ErrorCode::AdminInvalidRequest,
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> AdminError {
        AdminError {
            code: ErrorCode::AdminNotFound,
            message: format!("{} not found", what.into()),
        }
    }

    pub fn conflict(message: impl Into<String>) -> AdminError {
        AdminError {
            code: ErrorCode::AdminConflict,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> AdminError {
        AdminError {
            code: ErrorCode::AdminUnauthorized,
            message: "an operator token is required: Authorization: Bearer <token>".into(),
        }
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> AdminError {
        match e {
            // A registration rule: the message names the field.
            StoreError::Rejected(why) => AdminError::invalid(why),
            other => {
                tracing::warn!(error = %other, "admin API: storage");
                AdminError {
                    code: ErrorCode::StorageUnavailable,
                    message: "storage unavailable; retry".into(),
                }
            }
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let code = self.code;
        tracing::info!(code = code.code(), message = %self.message, "admin API error");
        let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let body = serde_json::json!({
            "error": code.oauth_error().0,
            "code": code.code(),
            "message": self.message,
        });
        let mut resp = (status, axum::Json(body)).into_response();
        resp.extensions_mut().insert(super::ErrorCodeTag(code));
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if code == ErrorCode::AdminUnauthorized {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"relais-admin\""),
            );
        }
        resp
    }
}
