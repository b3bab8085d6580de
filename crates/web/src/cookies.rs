//! The browser-session cookie. Prefixed so it cannot collide with another
//! application on the same host; `__Host-` outside the plain-http sandbox.

use axum::http::{header, HeaderMap, HeaderValue};
use relais_core::cookie_header::cookie_value;

pub fn session_cookie_name(sandbox: bool) -> &'static str {
    if sandbox {
        "relais_sid"
    } else {
        "__Host-relais_sid"
    }
}

/// Reads one cookie value from the request headers: not empty, at most
/// 128 bytes (ours are shorter; a longer one is not ours).
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookie_value(headers.get_all(header::COOKIE), name).filter(|v| !v.is_empty() && v.len() <= 128)
}

pub fn set_cookie(name: &str, value: &str, max_age: u64, sandbox: bool) -> Option<HeaderValue> {
    let secure = if sandbox { "" } else { "; Secure" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

pub fn clear_cookie(name: &str, sandbox: bool) -> Option<HeaderValue> {
    set_cookie(name, "", 0, sandbox)
}
