//! Opens the storage tiers the configuration names: durable in SQLite (one
//! file, the embedded default) or PostgreSQL; ephemeral in process memory,
//! the SQLite file, PostgreSQL, or Redis/Valkey (standalone, Sentinel or
//! cluster URL). The upkeep those stores need (expiry purges, event
//! partitions, the configuration listener) is handed to the node's
//! supervisor by [`Opened::supervise`].

use super::error::NodeError;
use crate::config::StorageConfig;
use relais_core::Clock;
use relais_store::memory::{MemoryEphemeral, MemoryFigures};
use relais_store::postgres::PgStore;
use relais_store::redis::RedisEphemeral;
use relais_store::sqlite::SqliteStore;
use relais_store::{EphemeralStore, Health, HitCounter, Stores};
use relais_web::supervisor::Supervisor;
use std::sync::Arc;
use std::time::Duration;

/// How often expired ephemeral entries are deleted (where TTLs are not the
/// backend's own).
const PURGE_EVERY: Duration = Duration::from_secs(30);
/// How often the event partitions ahead are checked.
const PARTITIONS_EVERY: Duration = Duration::from_secs(24 * 3600);
/// The statistics slots of ended days folded (relais_store's
/// postgres::stats_slots): within an hour of midnight.
const STATS_FOLD_EVERY: Duration = Duration::from_secs(3600);

/// What was opened; `postgres` is kept to listen for configuration changes.
pub struct Opened {
    pub stores: Stores,
    pub postgres: Option<PgStore>,
    /// The ephemeral store to purge, unless it expires entries itself.
    purge: Option<Arc<dyn EphemeralStore>>,
    pub description: String,
}

impl Opened {
    /// Starts the stores' upkeep under `tasks`; `on_config_change` is called
    /// when another node or tool changes the configuration.
    pub fn supervise(&self, tasks: &mut Supervisor, on_config_change: Arc<dyn Fn() + Send + Sync>) {
        if let Some(store) = self.purge.clone() {
            tasks.every("ephemeral purge", PURGE_EVERY, move || {
                let store = store.clone();
                async move {
                    store
                        .purge_expired()
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            });
        }
        if let Some(pg) = self.postgres.clone() {
            let parts = pg.clone();
            tasks.every("event partitions", PARTITIONS_EVERY, move || {
                let pg = parts.clone();
                async move { pg.ensure_partitions().await.map_err(|e| e.to_string()) }
            });
            let stats = pg.clone();
            tasks.every("statistics slots folded", STATS_FOLD_EVERY, move || {
                let pg = stats.clone();
                async move {
                    pg.fold_stats_slots()
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            });
            tasks.spawn("configuration listener", move |cancel| {
                let (pg, on_change) = (pg.clone(), on_config_change.clone());
                async move {
                    tokio::select! {
                        r = pg.listen_config(on_change.as_ref()) => {
                            r.map_err(|e| e.to_string())?;
                            Err("configuration listener ended".into())
                        }
                        () = cancel.cancelled() => Ok(()),
                    }
                }
            });
        }
    }
}

/// A `storage.durable` URL naming PostgreSQL (the bench reads the same).
pub(crate) fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A `storage.ephemeral` URL naming Redis: one server, Sentinel or a
/// cluster, with or without TLS (the bench reads the same).
pub(crate) fn is_redis(url: &str) -> bool {
    [
        "redis://",
        "rediss://",
        "redis-sentinel://",
        "rediss-sentinel://",
        "redis-cluster://",
        "rediss-cluster://",
    ]
    .iter()
    .any(|p| url.starts_with(p))
}

/// `figures` counts what the in-memory ephemeral store holds and the live
/// entries it had to drop to stay under `storage.memory_max_entries`.
pub async fn open(
    cfg: &StorageConfig,
    clock: Arc<dyn Clock>,
    figures: Arc<MemoryFigures>,
) -> Result<Opened, NodeError> {
    let mut health: Vec<Arc<dyn Health>> = Vec::new();
    let durable = cfg.durable.as_deref().filter(|d| !d.is_empty());
    let (sqlite, postgres) = match durable {
        Some(url) if is_postgres(url) => {
            let pg = PgStore::connect(url, clock.clone())
                .await
                .map_err(|e| NodeError(format!("storage.durable: {e}")))?;
            health.push(Arc::new(pg.clone()));
            (None, Some(pg))
        }
        Some(other) => {
            return Err(NodeError(format!(
                "storage.durable: {} is not a postgres:// URL (leave it unset for SQLite)",
                other.split('@').next_back().unwrap_or("")
            )))
        }
        None => {
            let s = SqliteStore::open(&cfg.sqlite_path, clock.clone())
                .await
                .map_err(|e| {
                    NodeError(format!("storage.sqlite_path ({}): {e}", cfg.sqlite_path))
                })?;
            health.push(Arc::new(s.clone()));
            (Some(s), None)
        }
    };
    let eph = cfg.ephemeral.as_str();
    let mut counters: Option<Arc<dyn HitCounter>> = None;
    let (ephemeral, purge): (Arc<dyn EphemeralStore>, bool) = match (eph, &sqlite, &postgres) {
        ("memory" | "", _, _) => (
            Arc::new(MemoryEphemeral::bounded(
                clock.clone(),
                cfg.memory_max_entries,
                figures,
            )),
            true,
        ),
        ("sqlite", Some(s), _) => (Arc::new(s.clone()), true),
        ("postgres", _, Some(pg)) => (Arc::new(pg.clone()), true),
        (url, _, _) if is_redis(url) => {
            let r = RedisEphemeral::connect(url, &cfg.redis_prefix).await.map_err(|e| NodeError(format!("storage.ephemeral: {e}")))?;
            // One set of connections for the records, the counters and
            // the health check.
            let r = Arc::new(r);
            health.push(r.clone());
            counters = Some(r.clone());
            // Redis expires keys by itself.
            (r, false)
        }
        (other, _, _) => {
            return Err(NodeError(format!(
                "storage.ephemeral: {other:?} must be memory, sqlite (with SQLite durable), postgres (with PostgreSQL durable) or a redis:// URL"
            )))
        }
    };
    let description = format!(
        "durable {}, ephemeral {}",
        if postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        if is_redis(eph) {
            "redis"
        } else if eph.is_empty() {
            "memory"
        } else {
            eph
        }
    );
    let purge = purge.then(|| ephemeral.clone());
    let stores = match (&sqlite, &postgres) {
        (_, Some(pg)) => {
            let pg = Arc::new(pg.clone());
            Stores {
                ephemeral,
                config: pg.clone(),
                accounts: pg.clone(),
                events: pg.clone(),
                stats: pg.clone(),
                keys: pg,
                health,
                counters,
            }
        }
        (Some(s), None) => {
            let s = Arc::new(s.clone());
            Stores {
                ephemeral,
                config: s.clone(),
                accounts: s.clone(),
                events: s.clone(),
                stats: s.clone(),
                keys: s,
                health,
                counters,
            }
        }
        (None, None) => return Err(NodeError("no durable store".into())),
    };
    Ok(Opened {
        stores,
        postgres,
        purge,
        description,
    })
}
