//! Security headers on every response (docs/design.md §4), and
//! `Cache-Control: no-store` on every HTML page that does not say otherwise:
//! pages show personal data (consent, a login's error pages, the demo
//! services' results and forms), and after logout the browser's Back
//! button must show none of it.

use axum::http::{header, HeaderValue};
use axum::response::Response;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to a response of the node.
pub fn add_security_headers(sandbox: bool, resp: &mut Response) {
    let h = resp.headers_mut();
    // Room for them all at once: one allocation, not a growth per header.
    h.reserve(7);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let html = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes().starts_with(b"text/html"));
    if html && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !sandbox {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}
