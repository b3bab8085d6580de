//! `AppError`: the one place where failures become HTTP responses.
//!
//! Three shapes, chosen by the step that failed: an HTML error page for the
//! citizen (code, plain message, occurrence id, back link when safe); an
//! OAuth error redirect to a *trusted* redirect URI (RFC 9207 `iss`
//! included); or a JSON OAuth error for back-channel endpoints.

use crate::pages;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::ErrorCode;
use relais_core::Randomness;
use relais_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    Page {
        code: ErrorCode,
        detail: String,
        back: Option<String>,
    },
    ToSp {
        code: ErrorCode,
        detail: String,
        redirect_uri: String,
        state: Option<String>,
        fragment: bool,
        iss: String,
    },
    Json {
        code: ErrorCode,
        detail: String,
        www_authenticate: Option<String>,
    },
}

impl AppError {
    pub fn page(code: ErrorCode, detail: impl Into<String>) -> AppError {
        AppError::Page {
            code,
            detail: detail.into(),
            back: None,
        }
    }

    pub fn json(code: ErrorCode, detail: impl Into<String>) -> AppError {
        AppError::Json {
            code,
            detail: detail.into(),
            www_authenticate: None,
        }
    }

    /// Adds a "back to the service" link to a page error.
    pub fn with_back(self, url: Option<String>) -> AppError {
        match self {
            AppError::Page { code, detail, .. } => AppError::Page {
                code,
                detail,
                back: url,
            },
            other => other,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Page { code, .. }
            | AppError::ToSp { code, .. }
            | AppError::Json { code, .. } => *code,
        }
    }

    /// Store failures as a JSON error (back-channel endpoints).
    pub fn store_json(e: StoreError) -> AppError {
        AppError::json(ErrorCode::StorageUnavailable, e.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::page(ErrorCode::StorageUnavailable, e.to_string())
    }
}

/// `base?k=v&…` (or `#…`), preserving an existing query.
pub fn with_params(base: &str, params: &[(&str, &str)], fragment: bool) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    if fragment {
        format!("{base}#{q}")
    } else if base.contains('?') {
        format!("{base}&{q}")
    } else {
        format!("{base}?{q}")
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code();
        match self {
            AppError::Page { code, detail, back } => {
                let occurrence = relais_core::SystemRandomness.hex(8);
                tracing::warn!(code = code.code(), occurrence = %occurrence, detail = %detail, "error page");
                let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
                let status = if status.is_redirection() {
                    StatusCode::BAD_REQUEST
                } else {
                    status
                };
                let mut resp = (
                    status,
                    pages::error_page(code, &occurrence, back.as_deref()),
                )
                    .into_response();
                resp.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                resp
            }
            AppError::ToSp {
                detail,
                redirect_uri,
                state,
                fragment,
                iss,
                ..
            } => {
                tracing::info!(code = code.code(), detail = %detail, "error returned to the service");
                let mut params = vec![
                    ("error", code.oauth_error().0),
                    ("error_description", code.description()),
                ];
                if let Some(s) = state.as_deref() {
                    params.push(("state", s));
                }
                params.push(("iss", iss.as_str()));
                Redirect::to(&with_params(&redirect_uri, &params, fragment)).into_response()
            }
            AppError::Json {
                detail,
                www_authenticate,
                ..
            } => {
                tracing::info!(code = code.code(), detail = %detail, "back-channel error");
                let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
                let body = serde_json::json!({
                    "error": code.oauth_error().0,
                    "error_description": code.description(),
                    "code": code.code(),
                });
                let mut resp = (status, axum::Json(body)).into_response();
                let h = resp.headers_mut();
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                if let Some(w) = www_authenticate.and_then(|w| HeaderValue::from_str(&w).ok()) {
                    h.insert(header::WWW_AUTHENTICATE, w);
                }
                resp
            }
        }
    }
}
