//! In-process ephemeral store: fastest, lost on restart. Sharded so that
//! concurrent logins do not contend on one lock.
//!
//! Compact: at the national peak a node in memory mode holds every session
//! of the last half hour, so what an entry costs beyond its key and value
//! is paid hundreds of thousands of times. An entry is one allocation (its
//! value, then its key) in a 32-byte slot of its shard's table, where a
//! map of `String` to a value `Vec` took two allocations and 56 bytes. The
//! key is hashed once: the hash picks the shard and finds the slot.
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
use hashbrown::hash_table::Entry as Slot;
use hashbrown::HashTable;
use relais_core::Clock;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

const SHARDS: usize = 32;
/// Which bits of a key's hash pick its shard: neither the low ones, which
/// place it in its shard's table, nor the top seven, which the table keeps
/// as the slot's tag (both would then be the same for a whole shard).
const SHARD_BITS_AT: u32 = 40;
/// Default bound: about 1 KB per entry, so ~2 GB at most.
pub const DEFAULT_MAX_ENTRIES: usize = 2_000_000;

/// One entry: its value then its key in one allocation, so that `take`
/// hands the value back without a copy.
struct Entry {
    held: Box<[u8]>,
    value_len: usize,
    expires_at: i64,
}

impl Entry {
    fn new(key: &str, value: &[u8], expires_at: i64) -> Entry {
        let mut held = Vec::with_capacity(value.len() + key.len());
        held.extend_from_slice(value);
        held.extend_from_slice(key.as_bytes());
        Entry {
            held: held.into_boxed_slice(),
            value_len: value.len(),
            expires_at,
        }
    }

    fn key(&self) -> &[u8] {
        self.held.get(self.value_len..).unwrap_or_default()
    }

    fn value(&self) -> &[u8] {
        self.held.get(..self.value_len).unwrap_or_default()
    }

    /// The value, in the entry's own allocation (the key's bytes stay
    /// behind as spare capacity until the caller drops it).
    fn into_value(self) -> Vec<u8> {
        let mut held = self.held.into_vec();
        held.truncate(self.value_len);
        held
    }

    /// What an entry holds, as counted in [`MemoryFigures::bytes`]: its
    /// key and its value.
    fn bytes(&self) -> u64 {
        self.held.len() as u64
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

/// One shard's entries, found by their key's hash.
type Shard = HashTable<Entry>;

/// A key and its hash, computed once per operation.
#[derive(Clone, Copy)]
struct Key<'a> {
    text: &'a [u8],
    hash: u64,
}

impl Key<'_> {
    fn is(self, e: &Entry) -> bool {
        e.key() == self.text
    }
}

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
            shards: (0..SHARDS).map(|_| Mutex::new(HashTable::new())).collect(),
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

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Inserts into a shard, replacing the key's entry if it has one,
    /// making room first when the shard is full.
    fn insert_bounded(&self, m: &mut Shard, key: Key<'_>, entry: Entry, now: i64) {
        if m.len() >= self.per_shard && m.find(key.hash, |e| key.is(e)).is_none() {
            let (evicted, removed, bytes) = make_room(m, now, self.per_shard);
            if evicted > 0 {
                self.figures.evicted.fetch_add(evicted, Ordering::Relaxed);
            }
            self.figures.removed(removed, bytes);
        }
        self.figures.added(entry.bytes());
        match m.entry(key.hash, |e| key.is(e), |e| self.hash(e.key())) {
            Slot::Occupied(mut o) => {
                let old = std::mem::replace(o.get_mut(), entry);
                self.figures.removed(1, old.bytes());
            }
            Slot::Vacant(v) => {
                v.insert(entry);
            }
        }
    }

    /// Removes the key's entry from its shard, keeping the figures right.
    fn remove(&self, m: &mut Shard, key: Key<'_>) -> Option<Entry> {
        let (e, _) = m.find_entry(key.hash, |e| key.is(e)).ok()?.remove();
        self.figures.removed(1, e.bytes());
        Some(e)
    }

    fn with_shard<T>(&self, key: &str, f: impl FnOnce(&mut Shard, Key<'_>) -> T) -> T {
        let key = Key {
            text: key.as_bytes(),
            hash: self.hash(key.as_bytes()),
        };
        let shard = &self.shards[((key.hash >> SHARD_BITS_AT) as usize) % SHARDS];
        // A poisoned shard only means another thread panicked mid-operation
        // on its table, which leaves it structurally valid: keep serving.
        let mut guard = match shard.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut guard, key)
    }
}

#[async_trait]
impl EphemeralStore for MemoryEphemeral {
    async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<()> {
        let now = self.clock.now_millis();
        let entry = Entry::new(key, value, now.saturating_add(ttl_millis(ttl_secs)));
        self.with_shard(key, |m, k| self.insert_bounded(m, k, entry, now));
        Ok(())
    }

    async fn put_new(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<bool> {
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m, k| {
            if m.find(k.hash, |e| k.is(e))
                .is_some_and(|e| e.expires_at > now)
            {
                return false;
            }
            let entry = Entry::new(key, value, now.saturating_add(ttl_millis(ttl_secs)));
            self.insert_bounded(m, k, entry, now);
            true
        }))
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m, k| {
            m.find(k.hash, |e| k.is(e))
                .filter(|e| e.expires_at > now)
                .map(|e| e.value().to_vec())
        }))
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m, k| {
            self.remove(m, k)
                .filter(|e| e.expires_at > now)
                .map(Entry::into_value)
        }))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.with_shard(key, |m, k| self.remove(m, k));
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
    /// incremented in place under the shard's lock.
    async fn hit(&self, key: &str, hits: u64, ttl_secs: u64) -> StoreResult<u64> {
        let hits = hits.max(1);
        let now = self.clock.now_millis();
        Ok(self.with_shard(key, |m, k| {
            let mut expires_at = now.saturating_add(ttl_millis(ttl_secs.max(1)));
            if let Some(e) = m
                .find_mut(k.hash, |e| k.is(e))
                .filter(|e| e.expires_at > now)
            {
                if let Some(counter) = e.held.get_mut(..8).filter(|_| e.value_len == 8) {
                    let mut n = [0u8; 8];
                    n.copy_from_slice(counter);
                    let count = u64::from_le_bytes(n).saturating_add(hits);
                    counter.copy_from_slice(&count.to_le_bytes());
                    return count;
                }
                // Not a counter's value: counted afresh from this hit,
                // within the entry's lifetime.
                expires_at = e.expires_at;
            }
            self.insert_bounded(m, k, Entry::new(key, &hits.to_le_bytes(), expires_at), now);
            hits
        }))
    }
}

/// Removes a shard's expired entries; returns how many, and their bytes.
fn drop_expired(m: &mut Shard, now: i64) -> (u64, u64) {
    let (mut gone, mut bytes) = (0u64, 0u64);
    m.retain(|e| {
        let keep = e.expires_at > now;
        if !keep {
            gone += 1;
            bytes += e.bytes();
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
    let mut expiries: Vec<i64> = m.iter().map(|e| e.expires_at).collect();
    let (_, threshold, _) = expiries.select_nth_unstable(batch - 1);
    let threshold = *threshold;
    let mut evicted = 0u64;
    m.retain(|e| {
        if evicted < batch as u64 && e.expires_at <= threshold {
            evicted += 1;
            bytes += e.bytes();
            false
        } else {
            true
        }
    });
    (evicted, removed + evicted, bytes)
}

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
