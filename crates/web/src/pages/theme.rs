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
    /// The look of the node whose request runs; `None` for a site that
    /// follows the process-wide look.
    static NODE_THEME: Option<Theme>;
}

/// Sets the look of the pages rendered outside any node's requests.
pub fn set(theme: Theme) {
    STATE.store(theme == Theme::State, Ordering::Relaxed);
}

/// Runs `f` (a request) with its node's look, or with the process-wide look
/// when it has none. A plain function, not an `async fn`: an `async fn`
/// would keep `f` twice in its future (once as its argument, once inside
/// the scope it awaits), and every request's future is moved whole into
/// the box the frame's layer allocates for it (`crate::router`).
pub fn within<F: std::future::Future>(
    theme: Option<Theme>,
    f: F,
) -> impl std::future::Future<Output = F::Output> {
    NODE_THEME.scope(theme, f)
}

/// Whether pages wear the State's look.
pub fn is_state() -> bool {
    match NODE_THEME.try_with(|t| *t) {
        Ok(Some(theme)) => theme == Theme::State,
        Ok(None) | Err(_) => STATE.load(Ordering::Relaxed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_wears_its_nodes_look_and_a_site_without_one_the_process_look() {
        assert!(within(Some(Theme::State), async { is_state() }).await);
        assert!(!within(Some(Theme::Neutral), async { is_state() }).await);
        // Without a node's look, the process-wide one (not set here, as
        // other tests of this binary render pages meanwhile).
        let process_wide = STATE.load(Ordering::Relaxed);
        assert_eq!(within(None, async { is_state() }).await, process_wide);
        assert_eq!(is_state(), process_wide);
    }
}
