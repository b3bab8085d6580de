//! Storage behind a few narrow traits, one implementation per backend.
//!
//! Two tiers (docs/design.md §1): *ephemeral* state with a TTL (browser sessions,
//! interactions, codes, access tokens, CSRF tokens) and *durable* state
//! (configuration documents, accounts, business events, signing keys).
//! The web layer only sees the traits in this file; [`memory`] and
//! [`sqlite`] implement them today, PostgreSQL and Redis plug in the same
//! way, and [`conformance`] is the one test suite every backend must pass.
//!
//! Expiry always uses the injected [`Clock`], so tests move time forward
//! instead of sleeping.

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod ephemeral_batch;
mod hot_pool;
pub mod memory;
pub mod postgres;
pub mod records;
pub mod redis;
mod redis_batch;
mod redis_direct;
pub mod redis_footprint;
mod redis_hits;
#[cfg(test)]
mod redis_tests;
mod redis_wire;
mod rows;
mod sql;
mod sql_accounts;
mod sql_events;
mod sql_stats;
pub mod sqlite;
#[cfg(any(test, feature = "conformance"))]
pub mod test_backends;

use async_trait::async_trait;
pub use ephemeral_batch::EphemeralOp;
pub use records::{Account, AccountEvents, ConfigKind, SerialisedEvents, StoredKey};
use relais_core::event::BusinessEvent;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or failed; the request may be retried.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The document breaks a rule of the domain; nothing was written.
    #[error("refused: {0}")]
    Rejected(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Key/value entries that expire, with an atomic single-use take.
#[async_trait]
pub trait EphemeralStore: Send + Sync + 'static {
    /// Stores `value` under `key` for `ttl_secs`, replacing any previous value.
    async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<()>;
    /// Stores `value` under `key` only if no live entry has it; returns
    /// whether it was stored. Of concurrent writers of one key, exactly one
    /// succeeds (single-use identifiers: assertion `jti`s, DPoP proofs).
    async fn put_new(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<bool>;
    /// Reads a live entry.
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Reads and deletes a live entry atomically: of concurrent takers, exactly
    /// one gets the value.
    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn delete(&self, key: &str) -> StoreResult<()>;
    /// Removes expired entries; returns how many.
    async fn purge_expired(&self) -> StoreResult<u64>;
    /// Runs `ops` in order and answers one value per operation (a get's or
    /// a take's entry; `None` for a put or a delete). A backend behind a
    /// network sends them in one round trip ([`ephemeral_batch`]).
    async fn batch(&self, ops: &[EphemeralOp<'_>]) -> StoreResult<Vec<Option<Vec<u8>>>> {
        one_by_one(self, ops).await
    }
}

/// [`EphemeralStore::batch`] as separate calls, in order.
pub async fn one_by_one<S: EphemeralStore + ?Sized>(
    s: &S,
    ops: &[EphemeralOp<'_>],
) -> StoreResult<Vec<Option<Vec<u8>>>> {
    let mut answers = Vec::with_capacity(ops.len());
    // The latest take's value, kept only for a batch that writes from it.
    let keeps_taken = ops
        .iter()
        .any(|op| matches!(op, EphemeralOp::PutTaken { .. }));
    let mut taken: Option<Vec<u8>> = None;
    for op in ops {
        let answer = match *op {
            EphemeralOp::Get(key) | EphemeralOp::Absent(key) => s.get(key).await?,
            EphemeralOp::Take(key) | EphemeralOp::Require(key) => {
                let value = s.take(key).await?;
                if keeps_taken {
                    taken.clone_from(&value);
                }
                value
            }
            EphemeralOp::Put {
                key,
                value,
                ttl_secs,
            } => {
                s.put(key, value, ttl_secs).await?;
                None
            }
            EphemeralOp::PutIfPresent {
                key,
                value,
                ttl_secs,
                if_present,
            } => {
                if s.get(if_present).await?.is_some() {
                    s.put(key, value, ttl_secs).await?;
                }
                None
            }
            EphemeralOp::PutNew {
                key,
                value,
                ttl_secs,
            } => (!s.put_new(key, value, ttl_secs).await?).then(Vec::new),
            EphemeralOp::PutTaken {
                key,
                head,
                ttl_secs,
            } => {
                if let Some(taken) = &taken {
                    s.put(key, &[head, taken].concat(), ttl_secs).await?;
                }
                None
            }
            EphemeralOp::Delete(key) => {
                s.delete(key).await?;
                None
            }
        };
        // A required marker that is gone, a lock that lives, or a
        // single-use identifier already used stops the batch.
        let stop = op.stops_with(answer.as_deref());
        answers.push(answer);
        if stop {
            answers.resize(ops.len(), None);
            break;
        }
    }
    Ok(answers)
}

/// Counters shared by every node of a federation, for rate limits: each
/// key counts hits and disappears `ttl_secs` after its first hit (the
/// caller puts the window's number in the key: fixed windows).
#[async_trait]
pub trait HitCounter: Send + Sync + 'static {
    /// Adds `hits` hits (at least one) to `key` and returns the count,
    /// these included. More than one reserves part of a budget at once
    /// (`relais_web::abuse::shared_budget`: a node's lease).
    async fn hit(&self, key: &str, hits: u64, ttl_secs: u64) -> StoreResult<u64>;

    /// [`HitCounter::hit`] on several counters, answering each count in
    /// order: in one round trip where the backend can (a request charging
    /// two budgets), one after the other here.
    async fn hit_each(&self, each: &[Hits<'_>]) -> StoreResult<Vec<u64>> {
        hits_one_by_one(self, each).await
    }
}

/// [`HitCounter::hit_each`] as single hits, one after the other: the
/// trait's default, and a backend's where it cannot do better.
pub async fn hits_one_by_one<C: HitCounter + ?Sized>(
    counter: &C,
    each: &[Hits<'_>],
) -> StoreResult<Vec<u64>> {
    let mut counts = Vec::with_capacity(each.len());
    for h in each {
        counts.push(counter.hit(h.key, h.hits, h.ttl_secs).await?);
    }
    Ok(counts)
}

/// One counter's hits, for [`HitCounter::hit_each`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits<'a> {
    pub key: &'a str,
    pub hits: u64,
    pub ttl_secs: u64,
}

/// Configuration documents (services, identity providers, data providers).
#[async_trait]
pub trait ConfigStore: Send + Sync + 'static {
    async fn put_config(
        &self,
        kind: ConfigKind,
        id: &str,
        doc: &serde_json::Value,
    ) -> StoreResult<()>;
    async fn get_config(
        &self,
        kind: ConfigKind,
        id: &str,
    ) -> StoreResult<Option<serde_json::Value>>;
    async fn list_config(&self, kind: ConfigKind) -> StoreResult<Vec<(String, serde_json::Value)>>;
    /// The documents of a kind as stored (JSON text), for a reader that
    /// parses them straight into its own types (the registry at start).
    async fn list_config_text(&self, kind: ConfigKind) -> StoreResult<Vec<(String, String)>>;
    async fn delete_config(&self, kind: ConfigKind, id: &str) -> StoreResult<bool>;
    /// A value that changes whenever a document of `kind` is written or deleted
    /// (count, latest and a checksum of the write times): a node polls it
    /// and reloads its registry only when it moved, instead of re-reading
    /// every document of a federation of 100,000 services every few seconds.
    async fn config_fingerprint(&self, kind: ConfigKind) -> StoreResult<(i64, i64, i64)>;
}

/// Citizens' accounts, keyed by identity hash.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    async fn get_account(&self, id: &str) -> StoreResult<Option<Account>>;
    /// Records a connection: creates the account if new, updates
    /// `last_connection`. Returns the account as stored.
    async fn record_connection(
        &self,
        id: &str,
        idp_id: &str,
        now_millis: i64,
    ) -> StoreResult<Account>;
    /// A login with `idp_id`: records the connection of an account in good
    /// standing (created if new) and returns it, or returns why the
    /// account refuses this IdP without touching it. Backends answer the
    /// common case — a new account, or one with default preferences — in
    /// one statement.
    async fn connect(&self, id: &str, idp_id: &str, now_millis: i64) -> StoreResult<Connection> {
        connect_checked(self, id, idp_id, now_millis).await
    }
    /// [`AccountStore::connect`] for a login, with the `events` its
    /// connection makes (its `FC_VERIFIED`), which a backend that holds the
    /// events too may store with the connection, atomically — PostgreSQL
    /// in the same statement: one round trip instead of two, the events and
    /// the statistics they count written only if the connection is. Says
    /// whether it stored them; when it did not, the caller records them as
    /// it records any other.
    async fn connect_with_events(
        &self,
        id: &str,
        idp_id: &str,
        now_millis: i64,
        events: &[BusinessEvent],
    ) -> StoreResult<ConnectionWithEvents> {
        let _ = events;
        Ok(ConnectionWithEvents {
            connection: self.connect(id, idp_id, now_millis).await?,
            events_stored: false,
        })
    }
    /// A login reaching its service (consent, once its code is written):
    /// whether the account `id` refuses `idp_id` now, with the `events`
    /// that reaching the service makes, which a backend that holds the
    /// events too may store in the statement that reads the account, only
    /// if the account refuses no IdP — PostgreSQL: one round trip instead
    /// of two. Says whether it stored them; when it did not, the caller
    /// records them as it records any other. An account not known (deleted
    /// since its login began) refuses nothing.
    async fn standing_with_events(
        &self,
        id: &str,
        idp_id: &str,
        events: &[BusinessEvent],
    ) -> StoreResult<StandingWithEvents> {
        let _ = events;
        Ok(StandingWithEvents {
            refusal: refusal_of(self, id, idp_id).await?,
            events_stored: false,
        })
    }
    /// Replaces preferences and the active flag.
    async fn save_account(&self, account: &Account) -> StoreResult<()>;
    /// Deletes the accounts whose last connection is older than
    /// `before_millis` (the retention job); returns how many.
    async fn delete_accounts_unused_since(&self, before_millis: i64) -> StoreResult<u64>;
}

/// What [`AccountStore::connect`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// The connection is recorded; the account as stored.
    Recorded(Account),
    /// The account refuses this login (disabled, or the IdP blocked).
    Refused(relais_core::ErrorCode),
}

/// What [`AccountStore::connect_with_events`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionWithEvents {
    pub connection: Connection,
    /// The events are stored, with the connection.
    pub events_stored: bool,
}

/// What [`AccountStore::standing_with_events`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingWithEvents {
    /// Why the account refuses the login now, if it does.
    pub refusal: Option<relais_core::ErrorCode>,
    /// The events are stored (never when the account refuses).
    pub events_stored: bool,
}

/// Why the account `id` refuses a login with `idp_id` now, by its own
/// rules; an account not known refuses nothing.
pub async fn refusal_of<S: AccountStore + ?Sized>(
    store: &S,
    id: &str,
    idp_id: &str,
) -> StoreResult<Option<relais_core::ErrorCode>> {
    Ok(store.get_account(id).await?.and_then(|a| a.refusal(idp_id)))
}

/// [`AccountStore::connect`] in two steps: read the account, then record
/// the connection unless it refuses the IdP.
pub async fn connect_checked<S: AccountStore + ?Sized>(
    store: &S,
    id: &str,
    idp_id: &str,
    now_millis: i64,
) -> StoreResult<Connection> {
    if let Some(code) = refusal_of(store, id, idp_id).await? {
        return Ok(Connection::Refused(code));
    }
    Ok(Connection::Recorded(
        store.record_connection(id, idp_id, now_millis).await?,
    ))
}

/// Business events kept for the dashboard and statistics.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    async fn append_events(&self, events: &[BusinessEvent]) -> StoreResult<()>;
    /// [`EventStore::append_events`] for events already serialised (the
    /// event writer's, whose stream lines are the same text).
    async fn append_serialised(&self, events: &SerialisedEvents) -> StoreResult<()>;
    /// One page of an account's events, newest first.
    async fn events_for_account(
        &self,
        query: &AccountEvents<'_>,
    ) -> StoreResult<Vec<BusinessEvent>>;
    async fn count_events(&self, event: &str) -> StoreResult<u64>;
    /// The durable event stream in order: up to `limit` events whose
    /// sequence number is above `after`, with their sequence numbers
    /// (the cursor of the next call).
    async fn events_after(&self, after: i64, limit: u32) -> StoreResult<Vec<(i64, BusinessEvent)>>;
    /// Deletes the events older than `before_millis` (the retention job);
    /// returns how many.
    async fn purge_events_before(&self, before_millis: i64) -> StoreResult<u64>;
}

/// The statistics rollup (maintained by [`EventStore::append_events`]).
#[async_trait]
pub trait StatsStore: Send + Sync + 'static {
    /// Figures of each month from `from_month` to `to_month` (`YYYY-MM`,
    /// inclusive) that had connections.
    async fn stats_months(
        &self,
        from_month: &str,
        to_month: &str,
    ) -> StoreResult<Vec<relais_core::stats::MonthFigures>>;
    /// A month's connections by service, IdP, platform or day, largest first
    /// (by day: in calendar order).
    async fn stats_breakdown(
        &self,
        month: &str,
        by: relais_core::stats::Breakdown,
    ) -> StoreResult<Vec<(String, u64)>>;
}

/// Signing keys (private parts sealed by the caller).
#[async_trait]
pub trait KeyStore: Send + Sync + 'static {
    async fn put_key(&self, key: &StoredKey) -> StoreResult<()>;
    async fn list_keys(&self) -> StoreResult<Vec<StoredKey>>;
}

/// Health of the backends, for `/readyz`.
#[async_trait]
pub trait Health: Send + Sync + 'static {
    async fn ping(&self) -> StoreResult<()>;
}

/// The set of stores one node uses.
#[derive(Clone)]
pub struct Stores {
    pub ephemeral: Arc<dyn EphemeralStore>,
    pub config: Arc<dyn ConfigStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub events: Arc<dyn EventStore>,
    pub stats: Arc<dyn StatsStore>,
    pub keys: Arc<dyn KeyStore>,
    pub health: Vec<Arc<dyn Health>>,
    /// Rate-limit counters every node shares (Redis); `None`: each node
    /// counts in its own memory.
    pub counters: Option<Arc<dyn HitCounter>>,
}

/// A TTL in seconds as milliseconds, saturating instead of overflowing.
pub(crate) fn ttl_millis(ttl_secs: u64) -> i64 {
    i64::try_from(ttl_secs)
        .unwrap_or(i64::MAX / 2000)
        .saturating_mul(1000)
}
