//! Which identity providers this node cannot use right now, and why (for
//! `/readyz` and the logs). An IdP whose discovery document could not be
//! read at start is listed here, shown unavailable in the chooser, and
//! retried in the background until it answers.

use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct IdpHealth {
    down: Mutex<BTreeMap<String, String>>,
}

impl IdpHealth {
    pub fn mark_down(&self, idp_id: &str, reason: &str) {
        if let Ok(mut m) = self.down.lock() {
            m.insert(idp_id.to_owned(), reason.chars().take(200).collect());
        }
    }

    pub fn mark_up(&self, idp_id: &str) {
        if let Ok(mut m) = self.down.lock() {
            m.remove(idp_id);
        }
    }

    /// `(idp id, reason)` of every IdP down, by id.
    pub fn down(&self) -> Vec<(String, String)> {
        self.down
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
}
