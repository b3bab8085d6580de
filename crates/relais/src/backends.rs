//! Opens the storage tiers the configuration names: durable in SQLite (one
//! file, the embedded default) or PostgreSQL; ephemeral in process memory,
//! the SQLite file, PostgreSQL, or Redis/Valkey (standalone, Sentinel or
//! cluster URL).

use crate::config::StorageConfig;
use crate::node::NodeError;
use relais_core::Clock;
use relais_store::memory::MemoryEphemeral;
use relais_store::postgres::PgStore;
use relais_store::redis::RedisEphemeral;
use relais_store::sqlite::SqliteStore;
use relais_store::{EphemeralStore, Health, Stores};
use std::sync::Arc;
use std::time::Duration;

/// What was opened; `postgres` is kept to listen for configuration changes.
pub struct Opened {
    pub stores: Stores,
    pub postgres: Option<PgStore>,
    pub description: String,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn is_redis(url: &str) -> bool {
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

pub async fn open(cfg: &StorageConfig, clock: Arc<dyn Clock>) -> Result<Opened, NodeError> {
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
            s.spawn_expiry(Duration::from_secs(30));
            health.push(Arc::new(s.clone()));
            (Some(s), None)
        }
    };
    let eph = cfg.ephemeral.as_str();
    let ephemeral: Arc<dyn EphemeralStore> = match (eph, &sqlite, &postgres) {
        ("memory" | "", _, _) => {
            let m = Arc::new(MemoryEphemeral::new(clock.clone()));
            let purge = m.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(30));
                loop {
                    tick.tick().await;
                    let _ = purge.purge_expired().await;
                }
            });
            m
        }
        ("sqlite", Some(s), _) => Arc::new(s.clone()),
        ("postgres", _, Some(pg)) => {
            pg.spawn_expiry(Duration::from_secs(30));
            Arc::new(pg.clone())
        }
        (url, _, _) if is_redis(url) => {
            let r = RedisEphemeral::connect(url, &cfg.redis_prefix).await.map_err(|e| NodeError(format!("storage.ephemeral: {e}")))?;
            health.push(Arc::new(r.clone()));
            Arc::new(r)
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
    let stores = match (&sqlite, &postgres) {
        (_, Some(pg)) => {
            let pg = Arc::new(pg.clone());
            Stores {
                ephemeral,
                config: pg.clone(),
                accounts: pg.clone(),
                events: pg.clone(),
                keys: pg,
                health,
            }
        }
        (Some(s), None) => {
            let s = Arc::new(s.clone());
            Stores {
                ephemeral,
                config: s.clone(),
                accounts: s.clone(),
                events: s.clone(),
                keys: s,
                health,
            }
        }
        (None, None) => return Err(NodeError("no durable store".into())),
    };
    Ok(Opened {
        stores,
        postgres,
        description,
    })
}
