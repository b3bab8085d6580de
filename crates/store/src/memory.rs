//! In-process ephemeral store: fastest, lost on restart. Sharded so that
//! concurrent logins do not contend on one lock.

use crate::{ttl_millis, EphemeralStore, StoreResult};
use async_trait::async_trait;
use relais_core::Clock;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};

const SHARDS: usize = 32;

struct Entry {
    value: Vec<u8>,
    expires_at: i64,
}

pub struct MemoryEphemeral {
    shards: Vec<Mutex<HashMap<String, Entry>>>,
    hasher: RandomState,
    clock: Arc<dyn Clock>,
}

impl MemoryEphemeral {
    pub fn new(clock: Arc<dyn Clock>) -> MemoryEphemeral {
        MemoryEphemeral {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            clock,
        }
    }

    fn shard(&self, key: &str) -> &Mutex<HashMap<String, Entry>> {
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        &self.shards[i]
    }

    fn with_shard<T>(&self, key: &str, f: impl FnOnce(&mut HashMap<String, Entry>) -> T) -> T {
        // A poisoned shard only means another thread panicked mid-operation on
        // a HashMap, which leaves it structurally valid: keep serving.
        let mut guard = match self.shard(key).lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut guard)
    }
}

#[async_trait]
impl EphemeralStore for MemoryEphemeral {
    async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<()> {
        let expires_at = self.clock.now_millis().saturating_add(ttl_millis(ttl_secs));
        self.with_shard(key, |m| {
            m.insert(
                key.to_owned(),
                Entry {
                    value: value.to_vec(),
                    expires_at,
                },
            )
        });
        Ok(())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m| {
            m.get(key)
                .filter(|e| e.expires_at > now)
                .map(|e| e.value.clone())
        }))
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m| {
            m.remove(key)
                .filter(|e| e.expires_at > now)
                .map(|e| e.value)
        }))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.with_shard(key, |m| m.remove(key));
        Ok(())
    }

    async fn purge_expired(&self) -> StoreResult<u64> {
        let now = self.clock.now_millis();
        let mut removed = 0u64;
        for shard in &self.shards {
            let mut guard = match shard.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            let before = guard.len();
            guard.retain(|_, e| e.expires_at > now);
            removed += (before - guard.len()) as u64;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use relais_core::ManualClock;

    #[tokio::test]
    async fn memory_passes_the_ephemeral_conformance_suite() {
        let clock = ManualClock::starting_now();
        let s = MemoryEphemeral::new(Arc::new(clock.clone()));
        conformance::ephemeral(&s, &conformance::Advance::Clock(&clock)).await;
        conformance::ephemeral_concurrent_take(Arc::new(s)).await;
    }
}
