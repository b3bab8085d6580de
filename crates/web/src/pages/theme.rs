//! The look of the pages: the State's (the official DSFR — Marianne block,
//! "République française", its CSS, fonts and icons, served by Relais from
//! the operator's copy of the npm package `@gouvfr/dsfr`, never a CDN) or a
//! neutral one for operators who are not the State (the DSFR's terms of use
//! reserve it to the State's services).
//!
//! The look is a setting of the node (`[ui] theme`): the federation's
//! outermost layer runs each request within its node's look ([`within`]),
//! which templates read through [`is_state`]; other sites of the process
//! (the demo's services) follow the process-wide look [`set`] at start. Two
//! nodes of one process (the test suite's, side by side) keep their own.

use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    Neutral,
    State,
}

static STATE: AtomicBool = AtomicBool::new(false);

tokio::task_local! {
    static NODE_THEME: Theme;
}

/// Sets the look of the pages rendered outside any node's requests.
pub fn set(theme: Theme) {
    STATE.store(theme == Theme::State, Ordering::Relaxed);
}

/// Runs `f` (a request of a node) with that node's look.
pub async fn within<F: std::future::Future>(theme: Theme, f: F) -> F::Output {
    NODE_THEME.scope(theme, f).await
}

/// Whether pages wear the State's look.
pub fn is_state() -> bool {
    NODE_THEME
        .try_with(|t| *t == Theme::State)
        .unwrap_or_else(|_| STATE.load(Ordering::Relaxed))
}
