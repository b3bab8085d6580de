//! In-process ephemeral store: fastest, lost on restart. Sharded so that
//! concurrent logins do not contend on one lock.
//!
//! Bounded: a flood of unauthenticated requests must not grow the process
//! without limit, so each shard holds at most its share of `max_entries`.
//! When a shard is full, expired entries go first, then the entries closest
//! to expiry (the oldest of a kind, since one kind shares one TTL) in one
//! batch of 1/16 of the shard, so eviction costs little per insert. Every
//! evicted live entry, and what the store holds (entries and bytes), is
//! counted in the [`MemoryFigures`] given at construction (exported as
//! metrics: what a live session costs the node is read there).

use crate::{ttl_millis, EphemeralStore, HitCounter, StoreResult};
use async_trait::async_trait;
use foldhash::quality::RandomState;
use relais_core::Clock;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

const SHARDS: usize = 32;
/// Default bound: about 1 KB per entry, so ~2 GB at most.
pub const DEFAULT_MAX_ENTRIES: usize = 2_000_000;

struct Entry {
    value: Vec<u8>,
    expires_at: i64,
}

impl Entry {
    /// What an entry holds, as counted in [`MemoryFigures::bytes`].
    fn bytes(&self, key: &str) -> u64 {
        (key.len() + self.value.len()) as u64
    }
}

/// What the store holds and has dropped, shared with whoever exports it
/// (the node's `/metrics`): entries held now (live or not yet purged), the
/// bytes of their keys and values, and the live entries evicted.
#[derive(Debug, Default)]
pub struct MemoryFigures {
    pub entries: AtomicU64,
    pub bytes: AtomicU64,
    pub evicted: AtomicU64,
}

impl MemoryFigures {
    fn added(&self, bytes: u64) {
        self.entries.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    fn removed(&self, entries: u64, bytes: u64) {
        self.entries.fetch_sub(entries, Ordering::Relaxed);
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// One shard's entries by key.
type Shard = HashMap<String, Entry, RandomState>;

pub struct MemoryEphemeral {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    clock: Arc<dyn Clock>,
    per_shard: usize,
    figures: Arc<MemoryFigures>,
}

impl MemoryEphemeral {
    pub fn new(clock: Arc<dyn Clock>) -> MemoryEphemeral {
        MemoryEphemeral::bounded(clock, DEFAULT_MAX_ENTRIES, Arc::default())
    }

    /// A store holding at most about `max_entries` entries; what it holds
    /// and the live entries evicted to make room are counted in `figures`.
    pub fn bounded(
        clock: Arc<dyn Clock>,
        max_entries: usize,
        figures: Arc<MemoryFigures>,
    ) -> MemoryEphemeral {
        MemoryEphemeral {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::with_hasher(RandomState::default())))
                .collect(),
            hasher: RandomState::default(),
            clock,
            per_shard: max_entries.div_ceil(SHARDS).max(1),
            figures,
        }
    }

    /// Entries held now, live or not yet purged.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| match s.lock() {
                Ok(g) => g.len(),
                Err(p) => p.into_inner().len(),
            })
            .sum()
    }

    /// Inserts into a shard, making room first when it is full.
    fn insert_bounded(&self, m: &mut Shard, key: &str, entry: Entry, now: i64) {
        if m.len() >= self.per_shard && !m.contains_key(key) {
            let (evicted, removed, bytes) = make_room(m, now, self.per_shard);
            if evicted > 0 {
                self.figures.evicted.fetch_add(evicted, Ordering::Relaxed);
            }
            self.figures.removed(removed, bytes);
        }
        self.figures.added(entry.bytes(key));
        if let Some(old) = m.insert(key.to_owned(), entry) {
            self.figures.removed(1, old.bytes(key));
        }
    }

    /// Removes `key` from its shard, keeping the figures right.
    fn remove(&self, m: &mut Shard, key: &str) -> Option<Entry> {
        let e = m.remove(key)?;
        self.figures.removed(1, e.bytes(key));
        Some(e)
    }

    fn shard(&self, key: &str) -> &Mutex<Shard> {
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        &self.shards[i]
    }

    fn with_shard<T>(&self, key: &str, f: impl FnOnce(&mut Shard) -> T) -> T {
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
        let now = self.clock.now_millis();
        let entry = Entry {
            value: value.to_vec(),
            expires_at: now.saturating_add(ttl_millis(ttl_secs)),
        };
        self.with_shard(key, |m| self.insert_bounded(m, key, entry, now));
        Ok(())
    }

    async fn put_new(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<bool> {
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m| {
            if m.get(key).is_some_and(|e| e.expires_at > now) {
                return false;
            }
            let entry = Entry {
                value: value.to_vec(),
                expires_at: now.saturating_add(ttl_millis(ttl_secs)),
            };
            self.insert_bounded(m, key, entry, now);
            true
        }))
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
            self.remove(m, key)
                .filter(|e| e.expires_at > now)
                .map(|e| e.value)
        }))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.with_shard(key, |m| self.remove(m, key));
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
            let (gone, bytes) = drop_expired(&mut guard, now);
            self.figures.removed(gone, bytes);
            removed += gone;
        }
        Ok(removed)
    }
}

#[async_trait]
impl HitCounter for MemoryEphemeral {
    /// The count lives in the entry's value (8 bytes, little endian),
    /// incremented under the shard's lock.
    async fn hit(&self, key: &str, hits: u64, ttl_secs: u64) -> StoreResult<u64> {
        let hits = hits.max(1);
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m| {
            if let Some(e) = m.get_mut(key).filter(|e| e.expires_at > now) {
                let mut n = [0u8; 8];
                if e.value.len() == 8 {
                    n.copy_from_slice(&e.value);
                }
                let count = u64::from_le_bytes(n).saturating_add(hits);
                let old = e.value.len() as u64;
                e.value = count.to_le_bytes().to_vec();
                self.figures.removed(0, old);
                self.figures.bytes.fetch_add(8, Ordering::Relaxed);
                return count;
            }
            let entry = Entry {
                value: hits.to_le_bytes().to_vec(),
                expires_at: now.saturating_add(ttl_millis(ttl_secs.max(1))),
            };
            self.insert_bounded(m, key, entry, now);
            hits
        }))
    }
}

/// Removes a shard's expired entries; returns how many, and their bytes.
fn drop_expired(m: &mut Shard, now: i64) -> (u64, u64) {
    let (mut gone, mut bytes) = (0u64, 0u64);
    m.retain(|k, e| {
        let keep = e.expires_at > now;
        if !keep {
            gone += 1;
            bytes += e.bytes(k);
        }
        keep
    });
    (gone, bytes)
}

/// Frees room in a full shard: expired entries, then the batch closest to
/// expiry. Returns how many *live* entries were evicted, and how many
/// entries and bytes left the shard in all.
fn make_room(m: &mut Shard, now: i64, cap: usize) -> (u64, u64, u64) {
    let (removed, mut bytes) = drop_expired(m, now);
    if m.len() < cap {
        return (0, removed, bytes);
    }
    let batch = (cap / 16).max(1);
    let mut expiries: Vec<i64> = m.values().map(|e| e.expires_at).collect();
    let (_, threshold, _) = expiries.select_nth_unstable(batch - 1);
    let threshold = *threshold;
    let mut evicted = 0u64;
    m.retain(|k, e| {
        if evicted < batch as u64 && e.expires_at <= threshold {
            evicted += 1;
            bytes += e.bytes(k);
            false
        } else {
            true
        }
    });
    (evicted, removed + evicted, bytes)
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
        let s = Arc::new(s);
        conformance::hit_counter(s.clone(), &conformance::Advance::Clock(&clock)).await;
        conformance::ephemeral_concurrent_take(s).await;
    }

    #[tokio::test]
    async fn a_full_store_evicts_the_entries_closest_to_expiry_and_counts_them() {
        let clock = ManualClock::starting_now();
        let figures = Arc::new(MemoryFigures::default());
        let s = MemoryEphemeral::bounded(Arc::new(clock.clone()), 64 * SHARDS, figures.clone());
        let evicted = &figures.evicted;
        s.put("keep", b"v", 3600).await.unwrap();
        for i in 0..20_000 {
            s.put(&format!("flood-{i}"), b"x", 60).await.unwrap();
        }
        assert!(s.len() <= 64 * SHARDS, "{} entries", s.len());
        assert!(evicted.load(Ordering::Relaxed) >= 20_000 - 64 * SHARDS as u64);
        // The long-lived entry outlives the short-lived flood.
        assert_eq!(s.get("keep").await.unwrap().as_deref(), Some(&b"v"[..]));
        // Expired entries make room before any live one is evicted.
        let before = evicted.load(Ordering::Relaxed);
        clock.advance_secs(61);
        for i in 0..64 {
            s.put(&format!("after-{i}"), b"y", 60).await.unwrap();
        }
        assert_eq!(evicted.load(Ordering::Relaxed), before);
        assert_eq!(
            figures.entries.load(Ordering::Relaxed),
            s.len() as u64,
            "entries counted as held"
        );
    }

    #[tokio::test]
    async fn figures_follow_what_the_store_holds() {
        let clock = ManualClock::starting_now();
        let figures = Arc::new(MemoryFigures::default());
        let s = MemoryEphemeral::bounded(Arc::new(clock.clone()), 1000, figures.clone());
        let held = || {
            (
                figures.entries.load(Ordering::Relaxed),
                figures.bytes.load(Ordering::Relaxed),
            )
        };
        s.put("sess:a", b"12345", 60).await.unwrap();
        s.put("sess:b", b"123", 10).await.unwrap();
        assert_eq!(held(), (2, 6 + 5 + 6 + 3));
        s.put("sess:a", b"1", 60).await.unwrap();
        assert_eq!(
            held(),
            (2, 6 + 1 + 6 + 3),
            "a replaced value is counted once"
        );
        assert!(!s.put_new("sess:a", b"zz", 60).await.unwrap());
        s.take("sess:a").await.unwrap();
        assert_eq!(held(), (1, 9));
        s.hit("hits", 1, 60).await.unwrap();
        s.hit("hits", 1, 60).await.unwrap();
        assert_eq!(held(), (2, 9 + 4 + 8));
        clock.advance_secs(11);
        assert_eq!(s.purge_expired().await.unwrap(), 1);
        assert_eq!(held(), (1, 12));
        s.delete("hits").await.unwrap();
        s.delete("hits").await.unwrap();
        assert_eq!(held(), (0, 0));
    }
}
