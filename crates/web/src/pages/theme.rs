//! The look of the pages: the State's (the official DSFR — Marianne block,
//! "République française", its CSS, fonts and icons, served by Relais from
//! the operator's copy of the npm package `@gouvfr/dsfr`, never a CDN) or a
//! neutral one for operators who are not the State (the DSFR's terms of use
//! reserve it to the State's services).
//!
//! The look is one setting of the process, fixed when the node starts
//! (`[ui] theme`), which templates read through [`is_state`].

use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    Neutral,
    State,
}

static STATE: AtomicBool = AtomicBool::new(false);

/// Sets the look of every page this process renders.
pub fn set(theme: Theme) {
    STATE.store(theme == Theme::State, Ordering::Relaxed);
}

/// Whether pages wear the State's look.
pub fn is_state() -> bool {
    STATE.load(Ordering::Relaxed)
}
