//! Extractors whose rejection is the error type of the handler using them,
//! so a malformed request gets a catalogue error in the right shape (page
//! or JSON) without any status sniffing after the fact.
//!
//! Pages use [`PageForm`], [`PageQuery`], [`PagePath`] and [`PageBody`]
//! (rejection: [`PageError`]); back-channel endpoints use [`OAuthForm`]
//! (rejection: [`JsonError`]). Bodies over the router's limit are refused
//! with `Y000413` in both shapes.

use crate::error::{JsonError, PageError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use relais_core::ErrorCode;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// The largest request body any route reads.
pub const MAX_BODY: usize = 64 * 1024;
/// How long a request body may take to arrive when the guard set no
/// [`BodyDeadline`] (a slow-body client holds a connection and an in-flight
/// slot; our bodies are a few KB).
pub const BODY_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// The body timeout of this request (`limits.body_timeout_secs`), set by
/// the abuse guard.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub std::time::Duration);

fn body_deadline(req: &Request) -> std::time::Duration {
    req.extensions()
        .get::<BodyDeadline>()
        .map_or(BODY_WITHIN, |d| d.0)
}

/// The body, read within its deadline: `Err(None)` when too slow.
async fn body_in_time<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<Bytes, Option<BytesRejection>> {
    let within = body_deadline(&req);
    match tokio::time::timeout(within, Bytes::from_request(req, state)).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(r)) => Err(Some(r)),
        Err(_) => Err(None),
    }
}

fn page_body_error(r: Option<BytesRejection>) -> PageError {
    match r {
        Some(r) => page_rejection(r.status(), r.body_text()),
        None => PageError::page(ErrorCode::RequestTimeout, "request body too slow"),
    }
}

fn too_large(status: StatusCode) -> bool {
    status == StatusCode::PAYLOAD_TOO_LARGE
}

fn page_rejection(status: StatusCode, detail: String) -> PageError {
    if too_large(status) {
        PageError::page(ErrorCode::PayloadTooLarge, detail)
    } else {
        PageError::page(ErrorCode::AuthorizeInvalid, detail)
    }
}

/// A form body (`application/x-www-form-urlencoded`) of a page.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let within = body_deadline(&req);
        match tokio::time::timeout(within, axum::Form::<T>::from_request(req, state)).await {
            Ok(Ok(axum::Form(v))) => Ok(PageForm(v)),
            Ok(Err(r)) => Err(page_rejection(r.status(), r.body_text())),
            Err(_) => Err(page_body_error(None)),
        }
    }
}

/// The raw body of a page request.
pub struct PageBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for PageBody {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        body_in_time(req, state)
            .await
            .map(PageBody)
            .map_err(page_body_error)
    }
}

/// The query string of a page, deserialised.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(PageQuery(v)),
            Err(r) => Err(page_rejection(r.status(), r.body_text())),
        }
    }
}

/// Path parameters of a page.
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PagePath(v)),
            Err(r) => Err(PageError::page(ErrorCode::NotFound, r.body_text())),
        }
    }
}

/// A back-channel form body, each parameter at most once (RFC 6749 §3.2).
pub struct OAuthForm(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequest<S> for OAuthForm {
    type Rejection = JsonError;

    async fn from_request(req: Request, state: &S) -> Result<Self, JsonError> {
        let body = body_in_time(req, state).await.map_err(|r| match r {
            Some(r) if too_large(r.status()) => {
                JsonError::new(ErrorCode::PayloadTooLarge, r.body_text())
            }
            Some(r) => JsonError::new(ErrorCode::TokenInvalidRequest, r.body_text()),
            None => JsonError::new(ErrorCode::RequestTimeout, "request body too slow"),
        })?;
        parse_form(&body).map(OAuthForm)
    }
}

/// Parses a form body, refusing repeated parameters.
pub fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, JsonError> {
    let mut map = HashMap::new();
    for (k, v) in relais_core::form_encoding::parse(body) {
        if map.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err(JsonError::new(
                ErrorCode::TokenInvalidRequest,
                "repeated parameter",
            ));
        }
    }
    Ok(map)
}
