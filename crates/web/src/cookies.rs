//! The browser-session cookie. Prefixed so it cannot collide with another
//! application on the same host; `__Host-` outside the plain-http sandbox.

use axum::http::{header, HeaderMap, HeaderValue};

pub fn session_cookie_name(sandbox: bool) -> &'static str {
    if sandbox {
        "relais_sid"
    } else {
        "__Host-relais_sid"
    }
}

/// Reads one cookie value from the request headers.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 128)
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
