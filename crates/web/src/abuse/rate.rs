//! Rate budgets per route class and key.
//!
//! In one process the budgets are governor's GCRA limiters (smooth, no
//! window edge to game), keyed by IP or client, on the node's injected
//! clock. When the node has shared counters (Redis), budgets are fixed
//! windows counted there, so every node of the federation charges the same
//! budget, reserved a lease at a time ([`super::shared_budget`]). A counter
//! store that fails lets the request through (and logs): refusing every
//! citizen because Redis hiccups would be the worse outage.

use super::policy::{Budget, Decision};
use super::shared_budget::{lease_size, Charge, SharedBudgets};
use governor::clock::{Clock as GovernorClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter as Gcra};
use relais_core::Clock;
use relais_store::HitCounter;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitClass {
    Pages,
    Flows,
    BackchannelIp,
    BackchannelClient,
}

impl LimitClass {
    const ALL: [LimitClass; 4] = [
        LimitClass::Pages,
        LimitClass::Flows,
        LimitClass::BackchannelIp,
        LimitClass::BackchannelClient,
    ];

    fn index(self) -> usize {
        self as usize
    }

    fn name(self) -> &'static str {
        match self {
            LimitClass::Pages => "pages",
            LimitClass::Flows => "flows",
            LimitClass::BackchannelIp => "bcip",
            LimitClass::BackchannelClient => "bcclient",
        }
    }
}

/// governor's view of the node's clock.
#[derive(Clone)]
struct NodeClock(Arc<dyn Clock>);

impl GovernorClock for NodeClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        let ms = u64::try_from(self.0.now_millis()).unwrap_or(0);
        Nanos::from(ms.saturating_mul(1_000_000))
    }
}

type Keyed = Gcra<String, DashMapStateStore<String>, NodeClock, NoOpMiddleware<Nanos>>;

pub struct RateLimiter {
    budgets: [Budget; 4],
    local: Vec<Keyed>,
    shared: Option<SharedBudgets>,
    clock: Arc<dyn Clock>,
}

fn quota(b: Budget) -> Quota {
    let hits = NonZeroU32::new(b.hits.max(1)).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs(b.per_secs.max(1)) / hits.get();
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(hits))
        .allow_burst(hits)
}

impl RateLimiter {
    /// `budgets` in [`LimitClass`] order: pages, flows, back channel per
    /// IP, back channel per client.
    pub fn new(
        budgets: [Budget; 4],
        shared: Option<Arc<dyn HitCounter>>,
        clock: Arc<dyn Clock>,
    ) -> RateLimiter {
        let local = LimitClass::ALL
            .iter()
            .map(|c| {
                Gcra::new(
                    quota(budgets[c.index()]),
                    DashMapStateStore::default(),
                    NodeClock(clock.clone()),
                )
            })
            .collect();
        RateLimiter {
            budgets,
            local,
            shared: shared.map(SharedBudgets::new),
            clock,
        }
    }

    /// Charges one hit to `key`'s budget of `class`.
    pub async fn check(&self, class: LimitClass, key: &str) -> Decision {
        match self.check_all(&[class], key).await {
            Some((_, retry_after_secs)) => Decision::Limited { retry_after_secs },
            None => Decision::Allowed,
        }
    }

    /// Charges one hit to `key`'s budget of each class, in order, and
    /// answers the first class refused, with its `Retry-After` (none:
    /// allowed). With shared counters, the budgets the node's leases do
    /// not cover are charged together, in one round trip, so each is
    /// charged even when another refuses; in process, a refusal stops
    /// there.
    pub async fn check_all(&self, classes: &[LimitClass], key: &str) -> Option<(LimitClass, u64)> {
        let Some(shared) = &self.shared else {
            return classes
                .iter()
                .find_map(|c| match self.check_local(*c, key) {
                    Decision::Limited { retry_after_secs } => Some((*c, retry_after_secs)),
                    Decision::Allowed => None,
                });
        };
        let now = u64::try_from(self.clock.now_secs()).unwrap_or(0);
        let charges: Vec<Charge> = classes
            .iter()
            .map(|c| {
                let budget = self.budgets[c.index()];
                Charge {
                    name: format!("{}:{key}", c.name()),
                    budget,
                    // A citizen starts one login at a time: a lease of its
                    // flows budget would strand it, and be kept for the
                    // window's 30 minutes, for no trip saved.
                    lease: match c {
                        LimitClass::Flows => 1,
                        _ => lease_size(budget),
                    },
                }
            })
            .collect();
        let decisions = shared.check_each(&charges, now).await;
        classes.iter().zip(decisions).find_map(|(c, d)| match d {
            Decision::Limited { retry_after_secs } => Some((*c, retry_after_secs)),
            Decision::Allowed => None,
        })
    }

    /// A budget in process (governor).
    fn check_local(&self, class: LimitClass, key: &str) -> Decision {
        let Some(limiter) = self.local.get(class.index()) else {
            return Decision::Allowed;
        };
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => Decision::Allowed,
            Err(not_until) => {
                let now = NodeClock(self.clock.clone()).now();
                let wait = not_until.earliest_possible().duration_since(now);
                let wait: Duration = wait.into();
                Decision::Limited {
                    retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
                }
            }
        }
    }

    /// Forgets keys whose budget is full again, so the in-process maps only
    /// hold recently active clients (called every minute).
    pub fn forget_idle(&self) {
        for l in &self.local {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(shared) = &self.shared {
            shared.forget_ended(u64::try_from(self.clock.now_secs()).unwrap_or(0));
        }
    }

    /// Keys held in process now, all classes together.
    #[cfg(test)]
    fn tracked_keys(&self) -> usize {
        self.local.iter().map(|l| l.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_core::ManualClock;

    fn budgets(hits: u32, per: u64) -> [Budget; 4] {
        [Budget {
            hits,
            per_secs: per,
        }; 4]
    }

    #[tokio::test]
    async fn a_burst_is_allowed_then_refused_until_the_budget_refills() {
        let clock = ManualClock::starting_now();
        let r = RateLimiter::new(budgets(3, 60), None, Arc::new(clock.clone()));
        for _ in 0..3 {
            assert_eq!(r.check(LimitClass::Pages, "a").await, Decision::Allowed);
        }
        let Decision::Limited { retry_after_secs } = r.check(LimitClass::Pages, "a").await else {
            panic!("fourth hit allowed");
        };
        assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}");
        // Other keys and other classes have their own budget.
        assert_eq!(r.check(LimitClass::Pages, "b").await, Decision::Allowed);
        assert_eq!(r.check(LimitClass::Flows, "a").await, Decision::Allowed);
        clock.advance_secs(20);
        assert_eq!(r.check(LimitClass::Pages, "a").await, Decision::Allowed);
        clock.advance_secs(3600);
        r.forget_idle();
        assert_eq!(r.tracked_keys(), 0);
    }

    #[tokio::test]
    async fn shared_counters_give_one_budget_to_every_node() {
        let clock = ManualClock::starting_now();
        let counters: Arc<dyn HitCounter> = Arc::new(relais_store::memory::MemoryEphemeral::new(
            Arc::new(clock.clone()),
        ));
        let a = RateLimiter::new(
            budgets(4, 60),
            Some(counters.clone()),
            Arc::new(clock.clone()),
        );
        let b = RateLimiter::new(budgets(4, 60), Some(counters), Arc::new(clock.clone()));
        for node in [&a, &b, &a, &b] {
            assert_eq!(node.check(LimitClass::Pages, "ip").await, Decision::Allowed);
        }
        assert!(matches!(
            b.check(LimitClass::Pages, "ip").await,
            Decision::Limited { retry_after_secs } if (1..=60).contains(&retry_after_secs)
        ));
        clock.advance_secs(61);
        assert_eq!(a.check(LimitClass::Pages, "ip").await, Decision::Allowed);
    }
}
