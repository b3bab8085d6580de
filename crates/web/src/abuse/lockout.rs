//! Failed client authentications: slow down, then lock out.
//!
//! Counted per (client_id, IP) so that an attacker guessing a service's
//! secret from one address locks out only that address for that client,
//! never the service itself. Failures are counted in fixed windows through
//! the shared counters when the node has them (every node sees the same
//! count), else in a bounded in-process counter; the lock itself is an
//! ephemeral entry, so it holds across nodes sharing the ephemeral store.

use super::client_ip::ClientIp;
use super::policy::LockoutPolicy;
use relais_core::token_digest::stored_key;
use relais_core::Clock;
use relais_store::{EphemeralOp, EphemeralStore, HitCounter, StoreResult};
use std::sync::Arc;
use std::time::Duration;

/// The longest a failed answer is held back.
const MAX_DELAY: Duration = Duration::from_secs(5);

/// What a failure costs the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// How long to hold back the failed answer.
    pub delay: Duration,
    /// Set when this failure locked the client out, for this many seconds.
    pub locked_for: Option<u64>,
}

pub struct Lockout {
    policy: LockoutPolicy,
    counters: Arc<dyn HitCounter>,
    locks: Arc<dyn EphemeralStore>,
    clock: Arc<dyn Clock>,
}

fn who(client_id: &str, ip: ClientIp) -> String {
    // The client_id is whatever the caller sent: digest it so an odd or
    // huge value cannot shape the key.
    stored_key("authfail", &[client_id, "\n", &ip.rate_key()].concat())
}

impl Lockout {
    pub fn new(
        policy: LockoutPolicy,
        counters: Arc<dyn HitCounter>,
        locks: Arc<dyn EphemeralStore>,
        clock: Arc<dyn Clock>,
    ) -> Lockout {
        Lockout {
            policy,
            counters,
            locks,
            clock,
        }
    }

    /// The ephemeral entry that locks out the client and IP that `who`
    /// names.
    fn lock_key(who: &str) -> String {
        ["lock:", who].concat()
    }

    /// The ephemeral entry that locks out this client from this IP, for a
    /// step that checks it in a trip of its own records (the token step's
    /// `Absent` guard); [`Lockout::seconds_left`] reads its value.
    pub fn lock_entry(client_id: &str, ip: ClientIp) -> String {
        Lockout::lock_key(&who(client_id, ip))
    }

    /// Seconds left on a lock of this client from this IP, if any.
    pub async fn locked(&self, client_id: &str, ip: ClientIp) -> StoreResult<Option<u64>> {
        Ok(self.locked_reading(client_id, ip, None).await?.0)
    }

    /// [`Lockout::locked`], and the entry `also` of the same store (the
    /// node's ephemeral store, where the steps keep their records) read in
    /// the same trip: one round trip to Redis instead of two for a step
    /// that needs that entry once the client is authenticated.
    pub async fn locked_reading(
        &self,
        client_id: &str,
        ip: ClientIp,
        also: Option<&str>,
    ) -> StoreResult<(Option<u64>, Option<Vec<u8>>)> {
        let lock = Lockout::lock_entry(client_id, ip);
        let (entry, also) = match also {
            None => (self.locks.get(&lock).await?, None),
            Some(key) => {
                let mut answers = self
                    .locks
                    .batch(&[EphemeralOp::Get(&lock), EphemeralOp::Get(key)])
                    .await?
                    .into_iter();
                (answers.next().flatten(), answers.next().flatten())
            }
        };
        Ok((self.seconds_left(entry.as_deref()), also))
    }

    /// Seconds left on the lock whose entry reads `entry`, if any: the
    /// entry holds the second the lock ends.
    pub fn seconds_left(&self, entry: Option<&[u8]>) -> Option<u64> {
        let until = std::str::from_utf8(entry?)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0);
        let left = until.saturating_sub(self.clock.now_secs());
        (left > 0).then(|| u64::try_from(left).unwrap_or(1))
    }

    /// Counts a failure and says what it costs.
    pub async fn failed(&self, client_id: &str, ip: ClientIp) -> StoreResult<Failure> {
        let p = self.policy;
        let now = self.clock.now_secs();
        let window = u64::try_from(now).unwrap_or(0) / p.window_secs.max(1);
        let key = who(client_id, ip);
        let n = self
            .counters
            .hit(&format!("{key}:{window}"), 1, p.window_secs.max(1) + 1)
            .await?;
        let mut failure = Failure {
            delay: Duration::ZERO,
            locked_for: None,
        };
        if n >= u64::from(p.lock_after.max(1)) {
            let until = now.saturating_add(i64::try_from(p.lock_secs).unwrap_or(i64::MAX / 2));
            self.locks
                .put(
                    &Lockout::lock_key(&key),
                    until.to_string().as_bytes(),
                    p.lock_secs.max(1),
                )
                .await?;
            failure.locked_for = Some(p.lock_secs.max(1));
        }
        if n > u64::from(p.slow_after) {
            let extra = n - u64::from(p.slow_after);
            failure.delay = Duration::from_millis(p.delay_ms.saturating_mul(extra)).min(MAX_DELAY);
        }
        Ok(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_core::ManualClock;
    use relais_store::memory::MemoryEphemeral;

    #[tokio::test]
    async fn failures_slow_down_then_lock_out_one_client_from_one_ip_for_a_while() {
        let clock = ManualClock::starting_now();
        let store = Arc::new(MemoryEphemeral::new(Arc::new(clock.clone())));
        let policy = LockoutPolicy {
            slow_after: 2,
            lock_after: 4,
            window_secs: 60,
            lock_secs: 120,
            delay_ms: 100,
        };
        let l = Lockout::new(policy, store.clone(), store, Arc::new(clock.clone()));
        let ip = ClientIp("192.0.2.9".parse().unwrap());
        let other = ClientIp("192.0.2.10".parse().unwrap());
        let delays: Vec<u64> = {
            let mut d = Vec::new();
            for _ in 0..3 {
                d.push(l.failed("sp", ip).await.unwrap().delay.as_millis() as u64);
            }
            d
        };
        assert_eq!(delays, vec![0, 0, 100]);
        assert_eq!(l.locked("sp", ip).await.unwrap(), None);
        let fourth = l.failed("sp", ip).await.unwrap();
        assert_eq!(fourth.locked_for, Some(120));
        assert_eq!(l.locked("sp", ip).await.unwrap(), Some(120));
        // Neither the same client from elsewhere nor another client is locked.
        assert_eq!(l.locked("sp", other).await.unwrap(), None);
        assert_eq!(l.locked("other-sp", ip).await.unwrap(), None);
        clock.advance_secs(121);
        assert_eq!(l.locked("sp", ip).await.unwrap(), None);
    }
}
