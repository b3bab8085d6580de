//! Rate budgets that every node of a federation charges together, counted
//! in the shared counters (Redis), a few hits at a time.
//!
//! Counted one hit per request, a budget costs a round trip to Redis on
//! every request: a login's ten requests, ten more trips beside its steps'
//! own twelve. So a node reserves a lease of a budget at once (an
//! `INCRBY` of [`lease_size`] hits) and spends it locally, request by
//! request, until it is used up or its window ends; then it reserves
//! again. A citizen's whole login fits in one lease of the pages budget.
//! The caller chooses the lease per budget: one hit where a key is not
//! charged again soon (a citizen starts one login at a time, so a lease of
//! its flows budget would only strand it), and nothing is kept then.
//!
//! What this keeps and what it gives up:
//! - the federation never lets more than the budget through in a window:
//!   a reservation counts in Redis before any of it is spent, and one past
//!   the budget is granted only what was left;
//! - a node's unspent lease lapses with its window, so a client whose
//!   requests are spread over several nodes may be refused a little before
//!   its budget is spent: by at most a lease per node, which
//!   [`lease_size`] keeps to 1/64 of the budget and at most 32 hits; a
//!   budget of fewer than 128 hits is still counted hit by hit, exactly.
//!
//! A request that charges two budgets (a new login: its pages and its
//! flows) reserves what its leases do not cover in one round trip
//! ([`HitCounter::hit_each`]).
//!
//! The leases live in a sharded map (no lock shared by every request),
//! bounded: past [`MAX_LEASES`] keys (about 4 MiB; 200 logins a second
//! keep some 12,000 pages leases, a minute's worth) a node stops keeping
//! leftovers and charges hit by hit until [`SharedBudgets::forget_ended`]
//! (every minute) empties ended windows.

use super::policy::{Budget, Decision};
use dashmap::DashMap;
use relais_store::{HitCounter, Hits};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Keys with a lease held at once, at most.
pub(crate) const MAX_LEASES: usize = 32_768;

/// Hits reserved at once for a budget: 1/64 of it, between 1 and 32.
pub(crate) fn lease_size(budget: Budget) -> u32 {
    (budget.hits / 64).clamp(1, 32)
}

/// What is left of a lease: hits not spent yet, in the window that ends
/// at `ends` (seconds), which also names that window.
#[derive(Debug, Clone, Copy)]
struct Lease {
    ends: u64,
    left: u32,
}

/// A hit to charge: the budget named `name` (its class and key), reserved
/// `lease` hits at a time.
#[derive(Debug, Clone)]
pub(crate) struct Charge {
    pub name: String,
    pub budget: Budget,
    pub lease: u32,
}

/// The fixed window of a budget that a second falls in.
#[derive(Debug, Clone, Copy)]
struct Window {
    number: u64,
    per: u64,
    ends: u64,
}

impl Window {
    fn of(budget: Budget, now: u64) -> Window {
        let per = budget.per_secs.max(1);
        let number = now / per;
        Window {
            number,
            per,
            ends: (number + 1) * per,
        }
    }
}

pub(crate) struct SharedBudgets {
    counter: Arc<dyn HitCounter>,
    leases: DashMap<String, Lease>,
    /// About how many leases are held (counted as they are added, set
    /// exactly by [`SharedBudgets::forget_ended`]): `DashMap::len` would
    /// lock every shard in turn, on the request path.
    held: AtomicUsize,
}

impl SharedBudgets {
    pub(crate) fn new(counter: Arc<dyn HitCounter>) -> SharedBudgets {
        SharedBudgets {
            counter,
            leases: DashMap::new(),
            held: AtomicUsize::new(0),
        }
    }

    /// Charges one hit to the budget named `name` (class and key) at
    /// second `now`, reserving `lease` hits (at least one) when the node
    /// holds none.
    #[cfg(test)]
    pub(crate) async fn check(&self, name: &str, budget: Budget, lease: u32, now: u64) -> Decision {
        let charge = Charge {
            name: name.to_owned(),
            budget,
            lease,
        };
        self.check_each(&[charge], now)
            .await
            .first()
            .copied()
            .unwrap_or(Decision::Allowed)
    }

    /// Charges one hit to each budget at second `now`: from the node's
    /// leases where it holds some, the others reserved together, in one
    /// round trip. Answers each budget's decision, in order.
    pub(crate) async fn check_each(&self, charges: &[Charge], now: u64) -> Vec<Decision> {
        let mut decisions = vec![Decision::Allowed; charges.len()];
        // The charges the node's leases do not cover, and their counters.
        let mut reserve: Vec<(usize, Window, String)> = Vec::new();
        for (i, c) in charges.iter().enumerate() {
            let w = Window::of(c.budget, now);
            if let Some(mut lease) = self.leases.get_mut(&c.name) {
                if lease.ends == w.ends && lease.left > 0 {
                    lease.left -= 1;
                    continue;
                }
            }
            reserve.push((i, w, format!("rl:{}:{}", c.name, w.number)));
        }
        if reserve.is_empty() {
            return decisions;
        }
        let hits: Vec<Hits<'_>> = reserve
            .iter()
            .map(|(i, w, key)| Hits {
                key,
                hits: u64::from(charges[*i].lease.max(1)),
                ttl_secs: w.per + 1,
            })
            .collect();
        let counts = match self.counter.hit_each(&hits).await {
            Ok(counts) => counts,
            Err(e) => {
                tracing::warn!(error = %e, "rate-limit counters unavailable; request let through");
                return decisions;
            }
        };
        for ((i, w, _), count) in reserve.iter().zip(counts) {
            decisions[*i] = self.granted(&charges[*i], *w, count, now);
        }
        decisions
    }

    /// The decision on a reservation that brought the budget's count to
    /// `count`, its leftover kept as the node's lease.
    fn granted(&self, c: &Charge, w: Window, count: u64, now: u64) -> Decision {
        let size = u64::from(c.lease.max(1));
        // What the budget still held before this reservation, at most the
        // lease: the part granted.
        let before = count.saturating_sub(size);
        let granted = u64::from(c.budget.hits).saturating_sub(before).min(size);
        if granted == 0 {
            return Decision::Limited {
                retry_after_secs: w.ends.saturating_sub(now).max(1),
            };
        }
        let left = u32::try_from(granted - 1).unwrap_or(0);
        if left > 0 {
            self.keep(&c.name, Lease { ends: w.ends, left });
        }
        Decision::Allowed
    }

    /// Adds `fresh` to what is left of the same window's lease (two
    /// requests may have reserved at once), or replaces an ended one.
    fn keep(&self, name: &str, fresh: Lease) {
        if let Some(mut lease) = self.leases.get_mut(name) {
            if lease.ends == fresh.ends {
                lease.left = lease.left.saturating_add(fresh.left);
            } else {
                *lease = fresh;
            }
            return;
        }
        if self.held.load(Ordering::Relaxed) < MAX_LEASES {
            self.leases.insert(name.to_owned(), fresh);
            self.held.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets the leases whose window has ended by `now`.
    pub(crate) fn forget_ended(&self, now: u64) {
        self.leases.retain(|_, lease| lease.ends > now);
        self.leases.shrink_to_fit();
        self.held.store(self.leases.len(), Ordering::Relaxed);
    }

    /// Leases held now.
    #[cfg(test)]
    pub(crate) fn leases(&self) -> usize {
        self.leases.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_core::ManualClock;
    use relais_store::memory::MemoryEphemeral;
    use relais_store::StoreResult;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Shared counters that count their own calls (round trips).
    struct Trips {
        inner: MemoryEphemeral,
        calls: AtomicU64,
    }

    #[async_trait::async_trait]
    impl HitCounter for Trips {
        async fn hit(&self, key: &str, hits: u64, ttl_secs: u64) -> StoreResult<u64> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.inner.hit(key, hits, ttl_secs).await
        }

        async fn hit_each(&self, each: &[Hits<'_>]) -> StoreResult<Vec<u64>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.inner.hit_each(each).await
        }
    }

    fn trips(clock: &ManualClock) -> Arc<Trips> {
        Arc::new(Trips {
            inner: MemoryEphemeral::new(Arc::new(clock.clone())),
            calls: AtomicU64::new(0),
        })
    }

    fn budget(hits: u32, per_secs: u64) -> Budget {
        Budget { hits, per_secs }
    }

    #[test]
    fn a_lease_is_a_64th_of_the_budget_between_1_and_32() {
        assert_eq!(lease_size(budget(4, 3600)), 1);
        assert_eq!(lease_size(budget(127, 60)), 1);
        assert_eq!(lease_size(budget(600, 60)), 9);
        assert_eq!(lease_size(budget(12_000, 60)), 32);
    }

    #[tokio::test]
    async fn a_node_reserves_a_lease_and_spends_it_without_a_trip() {
        let clock = ManualClock::starting_now();
        let counter = trips(&clock);
        let node = SharedBudgets::new(counter.clone());
        let b = budget(640, 60);
        let now = u64::try_from(relais_core::Clock::now_secs(&clock)).unwrap();
        for _ in 0..25 {
            assert_eq!(
                node.check("pages:ip", b, lease_size(b), now).await,
                Decision::Allowed
            );
        }
        assert_eq!(counter.calls.load(Ordering::SeqCst), 3, "leases of 10");
        // Another key has its own lease.
        assert_eq!(
            node.check("pages:other", b, lease_size(b), now).await,
            Decision::Allowed
        );
        assert_eq!(counter.calls.load(Ordering::SeqCst), 4);
        // A new window: the lease left lapses, a new one is reserved.
        assert_eq!(
            node.check("pages:ip", b, lease_size(b), now + 60).await,
            Decision::Allowed
        );
        assert_eq!(counter.calls.load(Ordering::SeqCst), 5);
        node.forget_ended(now + 60);
        assert_eq!(node.leases(), 1, "only the new window's lease is kept");
    }

    #[tokio::test]
    async fn nodes_sharing_a_budget_never_let_more_than_it_through() {
        let clock = ManualClock::starting_now();
        let counter = trips(&clock);
        let nodes = [
            SharedBudgets::new(counter.clone()),
            SharedBudgets::new(counter.clone()),
            SharedBudgets::new(counter),
        ];
        let b = budget(1_000, 60);
        let now = u64::try_from(relais_core::Clock::now_secs(&clock)).unwrap();
        let mut allowed = 0u32;
        for i in 0..3_000 {
            if nodes[i % 3].check("pages:ip", b, lease_size(b), now).await == Decision::Allowed {
                allowed += 1;
            }
        }
        // Each node's last lease may lapse unspent: at most a lease each.
        let lease = lease_size(b);
        assert!(allowed <= 1_000, "{allowed} let through");
        assert!(allowed >= 1_000 - 3 * lease, "{allowed} let through");
        let Decision::Limited { retry_after_secs } =
            nodes[0].check("pages:ip", b, lease_size(b), now).await
        else {
            panic!("the budget is spent");
        };
        assert!((1..=60).contains(&retry_after_secs));
    }

    #[tokio::test]
    async fn the_last_reservation_gets_only_what_the_budget_had_left() {
        let clock = ManualClock::starting_now();
        let counter = trips(&clock);
        let (a, b) = (
            SharedBudgets::new(counter.clone()),
            SharedBudgets::new(counter),
        );
        // A lease of 2: 130 hits, 65 reservations, the last one split.
        let budget = budget(129, 60);
        let now = 7_200;
        let mut allowed = 0;
        for _ in 0..64 {
            for node in [&a, &b] {
                if node
                    .check("flows:ip", budget, lease_size(budget), now)
                    .await
                    == Decision::Allowed
                {
                    allowed += 1;
                }
            }
        }
        assert_eq!(allowed, 128);
        assert_eq!(
            a.check("flows:ip", budget, lease_size(budget), now).await,
            Decision::Allowed
        );
        assert!(matches!(
            b.check("flows:ip", budget, lease_size(budget), now).await,
            Decision::Limited { .. }
        ));
    }

    #[tokio::test]
    async fn budgets_charged_together_reserve_in_one_trip() {
        let clock = ManualClock::starting_now();
        let counter = trips(&clock);
        let node = SharedBudgets::new(counter.clone());
        let charges = [
            Charge {
                name: "pages:ip".into(),
                budget: budget(600, 60),
                lease: 9,
            },
            Charge {
                name: "flows:ip".into(),
                budget: budget(2, 1_800),
                lease: 1,
            },
        ];
        let allowed = [Decision::Allowed, Decision::Allowed];
        assert_eq!(node.check_each(&charges, 0).await, allowed);
        assert_eq!(counter.calls.load(Ordering::SeqCst), 1, "both in one trip");
        // The pages lease covers the next login; the flows budget, not leased, is
        // reserved alone.
        assert_eq!(node.check_each(&charges, 0).await, allowed);
        assert_eq!(counter.calls.load(Ordering::SeqCst), 2);
        let third = node.check_each(&charges, 0).await;
        assert_eq!(third[0], Decision::Allowed);
        assert!(
            matches!(third[1], Decision::Limited { retry_after_secs } if retry_after_secs == 1_800),
            "{third:?}"
        );
    }

    #[tokio::test]
    async fn a_lease_of_one_keeps_nothing_and_costs_a_trip_a_hit() {
        let clock = ManualClock::starting_now();
        let counter = trips(&clock);
        let node = SharedBudgets::new(counter.clone());
        for _ in 0..3 {
            assert_eq!(
                node.check("flows:ip", budget(3_000, 1_800), 1, 0).await,
                Decision::Allowed
            );
        }
        assert_eq!(counter.calls.load(Ordering::SeqCst), 3);
        assert_eq!(node.leases(), 0);
    }

    #[tokio::test]
    async fn unreachable_counters_let_the_request_through() {
        struct Down;
        #[async_trait::async_trait]
        impl HitCounter for Down {
            async fn hit(&self, _: &str, _: u64, _: u64) -> StoreResult<u64> {
                Err(relais_store::StoreError::Unavailable("down".into()))
            }
        }
        let node = SharedBudgets::new(Arc::new(Down));
        assert_eq!(
            node.check("pages:ip", budget(1, 60), 1, 0).await,
            Decision::Allowed
        );
        assert_eq!(node.leases(), 0);
    }
}
