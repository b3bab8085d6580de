//! Extractors whose rejection is the error type of the handler using them,
//! so a malformed request gets a catalogue error in the right shape (page
//! or JSON) without any status sniffing after the fact.
//!
//! Pages use [`PageForm`], [`PageQuery`], [`PagePath`] and [`PageBody`]
//! (rejection: [`PageError`]); back-channel endpoints use [`OAuthForm`]
//! (rejection: [`JsonError`]); the admin API uses [`AdminPath`] and
//! [`AdminBody`] (rejection: [`AdminError`]). Bodies over the router's
//! limit are refused with `Y000413`, and bodies too slow with `Y000408`,
//! in every shape.

use crate::error::{AdminError, JsonError, PageError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use relais_core::form_fields::from_form;
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

/// Why a body was not read, before it takes its route's shape: the code
/// (`unreadable` for a body the framework could not take) and what the log
/// (or an operator) is told.
fn body_refusal(r: Option<BytesRejection>, unreadable: ErrorCode) -> (ErrorCode, String) {
    match r {
        Some(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::PayloadTooLarge,
            format!("over the {} KiB limit", MAX_BODY / 1024),
        ),
        Some(r) => (unreadable, r.body_text()),
        None => (ErrorCode::RequestTimeout, "not received in time".into()),
    }
}

fn page_body_error(r: Option<BytesRejection>) -> PageError {
    let (code, why) = body_refusal(r, ErrorCode::AuthorizeInvalid);
    PageError::page(code, format!("body: {why}"))
}

/// A form body (`application/x-www-form-urlencoded`) of a page, read into
/// `T` by [`relais_core::form_fields`].
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        if !is_form(req.headers()) {
            return Err(PageError::page(
                ErrorCode::AuthorizeInvalid,
                "the body is not a form (application/x-www-form-urlencoded)",
            ));
        }
        let body = body_in_time(req, state).await.map_err(page_body_error)?;
        page_fields(&body).map(PageForm)
    }
}

/// Whether the body is declared a form. A media type is not case-sensitive
/// (RFC 9110 §8.3.1); parameters after it (`; charset=UTF-8`) are allowed.
fn is_form(headers: &HeaderMap) -> bool {
    const FORM: &[u8] = b"application/x-www-form-urlencoded";
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.as_bytes().split_at_checked(FORM.len()))
        .is_some_and(|(head, rest)| {
            head.eq_ignore_ascii_case(FORM)
                && rest.trim_ascii_start().first().is_none_or(|b| *b == b';')
        })
}

/// Whether the request declares a body of another type than a form. As in
/// FranceConnect's engine (oidc-provider's `selective_body`), such a body
/// is refused rather than read as a form; a body with no type is read.
fn declared_not_form(headers: &HeaderMap) -> bool {
    headers.contains_key(CONTENT_TYPE) && !is_form(headers)
}

/// What a refusal of such a body says (to the log; the answer has its code).
const ONLY_FORMS: &str = "only application/x-www-form-urlencoded bodies are read here";

fn page_fields<T: DeserializeOwned>(form: &[u8]) -> Result<T, PageError> {
    from_form(form).map_err(|e| PageError::page(ErrorCode::AuthorizeInvalid, e.to_string()))
}

/// The raw body of a page's form, for a step that reads its pairs itself
/// (repeated names, `POST /authorize`). A body declared another type than
/// a form is refused.
pub struct PageBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for PageBody {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        if declared_not_form(req.headers()) {
            return Err(PageError::page(ErrorCode::AuthorizeInvalid, ONLY_FORMS));
        }
        body_in_time(req, state)
            .await
            .map(PageBody)
            .map_err(page_body_error)
    }
}

/// The query string of a page, read into `T` by [`relais_core::form_fields`].
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PageError> {
        page_fields(parts.uri.query().unwrap_or_default().as_bytes()).map(PageQuery)
    }
}

/// A route's path parameters, or what is wrong with them (for the log, or
/// for an operator).
async fn path_params<S: Send + Sync, T: DeserializeOwned + Send>(
    parts: &mut Parts,
    state: &S,
) -> Result<T, String> {
    axum::extract::Path::<T>::from_request_parts(parts, state)
        .await
        .map(|axum::extract::Path(v)| v)
        .map_err(|r| r.body_text())
}

/// Path parameters of a page.
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        path_params(parts, state)
            .await
            .map(PagePath)
            .map_err(|why| PageError::page(ErrorCode::NotFound, why))
    }
}

/// The body of an admin API call, read within its deadline and limit.
pub struct AdminBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for AdminBody {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AdminError> {
        body_in_time(req, state).await.map(AdminBody).map_err(|r| {
            let (code, why) = body_refusal(r, ErrorCode::AdminInvalidRequest);
            AdminError::new(code, format!("body: {why}"))
        })
    }
}

/// The path parameter of an admin API call (an object's id).
pub struct AdminPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AdminPath<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AdminError> {
        path_params(parts, state)
            .await
            .map(AdminPath)
            .map_err(|why| AdminError::invalid(format!("path: {why}")))
    }
}

/// The `access_token` of a userinfo request's form body (RFC 6750 §2.2),
/// read only from a `POST` declared a form, so a `GET` (the usual call)
/// reads no body at all; a `POST` declaring another type is refused, as
/// FranceConnect's engine refuses it. The caller keeps the headers (taken
/// out of `parts` rather than cloned, so the form reader cannot see them);
/// `parts` keeps the body's limit and deadline.
pub async fn body_access_token(
    parts: Parts,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Option<String>, JsonError> {
    if parts.method != axum::http::Method::POST || !headers.contains_key(CONTENT_TYPE) {
        return Ok(None);
    }
    if !is_form(headers) {
        return Err(JsonError::new(
            ErrorCode::UserinfoInvalidRequest,
            ONLY_FORMS,
        ));
    }
    let req = Request::from_parts(parts, body);
    let OAuthForm(mut form) = OAuthForm::from_request(req, &()).await.map_err(|mut e| {
        // A malformed form is this endpoint's invalid request.
        if e.code == ErrorCode::TokenInvalidRequest {
            e.code = ErrorCode::UserinfoInvalidRequest;
        }
        e
    })?;
    Ok(form.remove("access_token"))
}

/// A back-channel form body, each parameter at most once (RFC 6749 §3.2).
pub struct OAuthForm(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequest<S> for OAuthForm {
    type Rejection = JsonError;

    async fn from_request(req: Request, state: &S) -> Result<Self, JsonError> {
        if declared_not_form(req.headers()) {
            return Err(JsonError::new(ErrorCode::TokenInvalidRequest, ONLY_FORMS));
        }
        let body = body_in_time(req, state).await.map_err(|r| {
            let (code, why) = body_refusal(r, ErrorCode::TokenInvalidRequest);
            JsonError::new(code, format!("body: {why}"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_type(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_form_is_known_by_its_media_type_in_any_case_with_or_without_parameters() {
        for value in [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-URLEncoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded ;charset=utf-8",
        ] {
            assert!(is_form(&with_type(value)), "{value}");
        }
        for value in [
            "",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencodedx",
            "application/x-www-form",
            "application/json",
        ] {
            assert!(!is_form(&with_type(value)), "{value}");
        }
        assert!(!is_form(&HeaderMap::new()));
    }

    #[test]
    fn a_body_typed_otherwise_is_not_read_as_a_form_but_an_untyped_one_is() {
        assert!(!declared_not_form(&HeaderMap::new()));
        assert!(!declared_not_form(&with_type(
            "application/x-www-form-urlencoded; charset=UTF-8"
        )));
        for other in [
            "application/json",
            "text/plain",
            "",
            "multipart/form-data; boundary=x",
        ] {
            assert!(declared_not_form(&with_type(other)), "{other}");
        }
    }
}
