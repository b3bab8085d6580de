//! The retention job: business events are kept for a configurable period
//! (the citizen space shows six months of them; statistics need a year
//! and a month by default), and citizens' accounts unused for three years
//! are deleted. Runs under the node's supervisor; cut-offs come from the
//! injected clock, so tests move time instead of waiting.

use crate::state::AppState;
use relais_store::StoreError;

/// The periods, from `[retention]` (whose defaults are 400 days and 3 years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Events older than this many days are deleted.
    pub events_days: u32,
    /// Accounts without a connection for this many days are deleted.
    pub accounts_days: u32,
}

/// What one run deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub events: u64,
    pub accounts: u64,
}

const DAY_MILLIS: i64 = 86_400_000;

/// One pass of the job.
pub async fn purge(app: &AppState, policy: RetentionPolicy) -> Result<Purged, StoreError> {
    let now = app.clock.now_millis();
    let events = app
        .stores
        .events
        .purge_events_before(now - i64::from(policy.events_days) * DAY_MILLIS)
        .await?;
    let accounts = app
        .stores
        .accounts
        .delete_accounts_unused_since(now - i64::from(policy.accounts_days) * DAY_MILLIS)
        .await?;
    if events > 0 || accounts > 0 {
        tracing::info!(
            events,
            accounts,
            "retention: deleted what outlived its period"
        );
    }
    Ok(Purged { events, accounts })
}
