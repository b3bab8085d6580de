//! The browser sessions of a demo service site (the canteen, the
//! registered-letter service): a cookie naming an entry of a bounded
//! in-memory table, as a small real service would keep them.

use axum::http::{header, HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::Mutex;

/// Past this many sessions the table is emptied (a demo, not a store).
const MAX_SESSIONS: usize = 10_000;

pub struct SiteSessions<T> {
    cookie: &'static str,
    table: Mutex<HashMap<String, T>>,
}

impl<T: Clone> SiteSessions<T> {
    pub fn new(cookie: &'static str) -> SiteSessions<T> {
        SiteSessions {
            cookie,
            table: Mutex::new(HashMap::new()),
        }
    }

    /// The session the request's cookie names, with its id.
    pub fn of(&self, headers: &HeaderMap) -> Option<(String, T)> {
        let id = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == self.cookie)
            .map(|(_, v)| v.to_owned())?;
        let s = self.table.lock().ok()?.get(&id).cloned()?;
        Some((id, s))
    }

    pub fn store(&self, id: &str, s: T) {
        if let Ok(mut m) = self.table.lock() {
            if m.len() >= MAX_SESSIONS {
                m.clear();
            }
            m.insert(id.to_owned(), s);
        }
    }

    pub fn forget(&self, id: &str) {
        if let Ok(mut m) = self.table.lock() {
            m.remove(id);
        }
    }

    /// The `Set-Cookie` value that gives the browser session `id`.
    pub fn cookie_for(&self, id: &str) -> Option<HeaderValue> {
        HeaderValue::from_str(&format!(
            "{}={id}; Path=/; HttpOnly; SameSite=Lax",
            self.cookie
        ))
        .ok()
    }
}
