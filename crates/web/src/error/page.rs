//! Errors of the pages a browser visits: an error page, or an OAuth error
//! sent back to the service by redirect.
//!
//! The page is rendered in the locale the step knew (the citizen's choice,
//! the service's `ui_locales`) or, when it knew none, in the browser's:
//! [`render_error_pages`], a middleware, reads the request on the way in and
//! renders the page described by the response's [`ErrorPageSpec`] on the
//! way out, with the request's own address behind the language switch.

use crate::pages;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::form_encoding::FormQuery;
use relais_core::{ErrorCode, Randomness};
use relais_i18n::{Locale, Tr};
use relais_store::StoreError;

#[derive(Debug)]
pub enum PageError {
    /// An error page for the citizen.
    Page {
        code: ErrorCode,
        /// For the log only; never shown.
        detail: String,
        /// "Back to the service" link, when that is a safe next step.
        back: Option<String>,
        /// The page's locale when the step knew it.
        locale: Option<Locale>,
    },
    /// An OAuth error redirect to the service's registered redirect URI.
    ToSp {
        code: ErrorCode,
        detail: String,
        redirect_uri: String,
        state: Option<String>,
        fragment: bool,
        iss: String,
    },
}

impl PageError {
    pub fn page(code: ErrorCode, detail: impl Into<String>) -> PageError {
        PageError::Page {
            code,
            detail: detail.into(),
            back: None,
            locale: None,
        }
    }

    /// Adds a "back to the service" link to a page error.
    pub fn with_back(mut self, url: Option<String>) -> PageError {
        if let PageError::Page { back, .. } = &mut self {
            *back = url;
        }
        self
    }

    /// Renders the page in this locale rather than the browser's.
    pub fn in_locale(mut self, l: Locale) -> PageError {
        if let PageError::Page { locale, .. } = &mut self {
            *locale = Some(l);
        }
        self
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        PageError::page(ErrorCode::StorageUnavailable, e.to_string())
    }
}

/// What an error page shows, carried on the response so that
/// [`render_error_pages`] can render it in the browser's language.
#[derive(Debug, Clone)]
pub struct ErrorPageSpec {
    code: ErrorCode,
    occurrence: String,
    back: Option<String>,
    locale: Option<Locale>,
}

impl ErrorPageSpec {
    fn response(&self, status: StatusCode, t: Tr) -> Response {
        let mut resp = (
            status,
            pages::error_page(self.code, t, &self.occurrence, self.back.as_deref()),
        )
            .into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Page {
                code,
                detail,
                back,
                locale,
            } => {
                let occurrence = relais_core::SystemRandomness.hex(8);
                tracing::warn!(code = code.code(), occurrence = %occurrence, detail = %detail, "error page");
                let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
                // A redirect status means "goes back to the service"; as a
                // page it is a bad request.
                let status = if status.is_redirection() {
                    StatusCode::BAD_REQUEST
                } else {
                    status
                };
                let spec = ErrorPageSpec {
                    code,
                    occurrence,
                    back,
                    locale,
                };
                // The page itself is rendered once, by `render_error_pages`
                // (every router has it), which knows the request's address
                // and language.
                let mut resp = status.into_response();
                resp.extensions_mut().insert(spec);
                resp.extensions_mut().insert(super::ErrorCodeTag(code));
                resp
            }
            PageError::ToSp {
                code,
                detail,
                redirect_uri,
                state,
                fragment,
                iss,
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
                let mut resp =
                    Redirect::to(&with_params(&redirect_uri, &params, fragment)).into_response();
                resp.extensions_mut().insert(super::ErrorCodeTag(code));
                resp
            }
        }
    }
}

/// What rendering a request's error page needs from the request: the
/// browser's language and the address (for the language switch).
pub struct ErrorPageFrame {
    browser: Locale,
    uri: Uri,
}

impl ErrorPageFrame {
    /// Cheap on every request: a scan of two headers, a reference-counted URI.
    pub fn of(req: &Request) -> ErrorPageFrame {
        ErrorPageFrame {
            browser: Locale::negotiate(None, req.headers()),
            uri: req.uri().clone(),
        }
    }

    /// Renders the error page a response asks for, in the browser's
    /// language when the step that failed did not choose one.
    pub fn render(self, resp: Response) -> Response {
        match resp.extensions().get::<ErrorPageSpec>() {
            Some(spec) => {
                let locale = spec.locale.unwrap_or(self.browser);
                let here = self.uri.path_and_query().map_or("/", |p| p.as_str());
                let page = spec.response(resp.status(), Tr::new(locale, here));
                // The status and headers of the step (Retry-After, cookies…),
                // the page's body and its own headers.
                let (mut parts, _) = resp.into_parts();
                let (page_parts, body) = page.into_parts();
                parts.headers.remove(header::CONTENT_LENGTH);
                parts.headers.extend(page_parts.headers);
                Response::from_parts(parts, body)
            }
            None => resp,
        }
    }
}

/// `base?k=v&…` (or `#…`), preserving an existing query.
pub fn with_params(base: &str, params: &[(&str, &str)], fragment: bool) -> String {
    // An empty value is a parameter the service did not send (`state` on
    // the `oidc` profile): it is left out, not sent back empty.
    let mut url = String::with_capacity(base.len() + 160);
    url.push_str(base);
    url.push(if fragment {
        '#'
    } else if base.contains('?') {
        '&'
    } else {
        '?'
    });
    params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .fold(FormQuery::after(url), |q, (k, v)| q.pair(k, v))
        .finish()
}
