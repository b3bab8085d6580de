//! "Test my integration": what happened to the last logins of a sandbox
//! client — the authorization request, the code sent to the redirect URI,
//! the token and userinfo calls the service made, with the claim names it
//! received. Kept one hour in the ephemeral store, only for sandbox
//! clients (production logins are never traced).

use crate::state::AppState;
use relais_core::partner::ServiceProvider;
use serde::{Deserialize, Serialize};

const KEEP: usize = 20;
const TTL_SECS: u64 = 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    /// Unix ms.
    pub at: i64,
    /// `authorize`, `code`, `token`, `userinfo`.
    pub step: String,
    /// What (names and values that are not personal data).
    pub detail: String,
}

fn key(client_id: &str) -> String {
    format!("trace:{client_id}")
}

/// Adds a step to a sandbox client's trace; nothing for other clients,
/// whose logins do not even write the detail. A failure to trace never
/// fails the login.
pub async fn record(
    app: &AppState,
    sp: &ServiceProvider,
    step: &str,
    detail: impl FnOnce() -> String,
) {
    if !sp.sandbox {
        return;
    }
    let k = key(&sp.client_id);
    let mut steps: Vec<Step> = app.load(&k).await.ok().flatten().unwrap_or_default();
    steps.push(Step {
        at: app.clock.now_millis(),
        step: step.to_owned(),
        detail: detail(),
    });
    if steps.len() > KEEP {
        steps.drain(..steps.len() - KEEP);
    }
    if let Err(e) = app.save(&k, &steps, TTL_SECS).await {
        tracing::warn!(error = %e, "sandbox trace not saved");
    }
}

/// The trace, newest last.
pub async fn steps(app: &AppState, client_id: &str) -> Vec<Step> {
    app.load(&key(client_id))
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}
