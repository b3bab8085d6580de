//! Wiring of the node's defences: the rate limiter (governor in process, or
//! the shared Redis counters), the client lockout (its counters and locks in
//! the stores), and the loop that forgets idle rate-limit keys.

use super::error::NodeError;
use crate::config::Config;
use relais_core::Clock;
use relais_store::memory::MemoryEphemeral;
use relais_store::{HitCounter, Stores};
use relais_web::abuse::{Abuse, RateLimiter};
use relais_web::metrics::Metrics;
use relais_web::server::ServerLimits;
use relais_web::supervisor::Supervisor;
use std::sync::Arc;
use std::time::Duration;

/// Bound of the in-process failure counters when no shared ones exist.
const LOCAL_COUNTERS: usize = 200_000;
const FORGET_EVERY: Duration = Duration::from_secs(60);

pub fn build(
    cfg: &Config,
    stores: &Stores,
    clock: Arc<dyn Clock>,
    metrics: &Metrics,
) -> Result<(Abuse, ServerLimits), NodeError> {
    let policy = cfg
        .limits
        .abuse_policy()
        .map_err(|e| NodeError(e.to_string()))?;
    let server = cfg
        .limits
        .server_limits()
        .map_err(|e| NodeError(e.to_string()))?;
    let rate = RateLimiter::new(
        [
            policy.pages_per_ip,
            policy.flows_per_ip,
            policy.backchannel_per_ip,
            policy.backchannel_per_client,
        ],
        stores.counters.clone(),
        clock.clone(),
    );
    let counters: Arc<dyn HitCounter> = match &stores.counters {
        Some(shared) => shared.clone(),
        None => Arc::new(MemoryEphemeral::bounded(
            clock.clone(),
            LOCAL_COUNTERS,
            metrics.counters_memory.clone(),
        )),
    };
    let lockout =
        relais_web::abuse::Lockout::new(policy.lockout, counters, stores.ephemeral.clone(), clock);
    Ok((Abuse::new(policy, rate, lockout), server))
}

/// Keeps the in-process rate-limit maps, and the shared budgets' leases,
/// to recently active clients.
pub fn supervise(tasks: &mut Supervisor, app: relais_web::AppState) {
    tasks.every("rate-limit upkeep", FORGET_EVERY, move || {
        let app = app.clone();
        async move {
            app.abuse.rate.forget_idle();
            Ok(())
        }
    });
}
