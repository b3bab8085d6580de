//! What a login costs the stores of a scale-out deployment, beside what it
//! costs the node.
//!
//! The node's CPU and memory are read from `/proc`; PostgreSQL and Redis
//! may run elsewhere, so they are asked: Redis its `INFO` and `DBSIZE`
//! ([`relais_store::redis_footprint`]), PostgreSQL its log position,
//! database size and commits ([`relais_store::postgres::footprint`]). The
//! bench reads both just before and just after the measured window; the
//! differences per measured login are the report's `stores`. The soak
//! samples Redis the same way over time (`super::soak`).
//!
//! Only for a spawned deployment (the bench knows the URLs it gave the
//! node). The servers' figures are server-wide: run the bench against a
//! Redis and a PostgreSQL nothing else is using, or they count that too.

use relais_store::postgres::footprint::PgFootprint;
use relais_store::redis::RedisEphemeral;
use relais_store::redis_footprint::RedisFootprint;
use serde::Serialize;

use super::args::BenchArgs;
use crate::node::stores::{is_postgres, is_redis};

/// The connections the probe reads through.
pub struct StoreProbe {
    pub redis: Option<RedisEphemeral>,
    postgres: Option<String>,
}

/// Both servers' figures at one moment, each `None` when the store is not
/// probed, or the reason it could not be read.
pub struct StoreReading {
    redis: Option<Result<RedisFootprint, String>>,
    postgres: Option<Result<PgFootprint, String>>,
}

/// Redis per measured login.
#[derive(Debug, Clone, Serialize)]
pub struct RedisPerLogin {
    pub cpu_ms: f64,
    /// Commands run, a script's own included (not round trips: those are
    /// counted by the `redis_trips` test).
    pub commands: f64,
    /// Growth of `used_memory`: what the login's live records hold.
    pub memory_bytes: f64,
}

/// PostgreSQL per measured login.
#[derive(Debug, Clone, Serialize)]
pub struct PostgresPerLogin {
    pub commits: f64,
    pub wal_bytes: f64,
    pub database_bytes: f64,
}

/// The report's `stores`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoreFigures {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis: Option<RedisPerLogin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PostgresPerLogin>,
    /// A store that was probed but could not be read, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl StoreProbe {
    /// The stores a spawned deployment was given: a Redis URL as its
    /// ephemeral store, a PostgreSQL URL as its durable one.
    pub async fn connect(args: &BenchArgs) -> Result<StoreProbe, String> {
        if args.url.is_some() {
            return Ok(StoreProbe {
                redis: None,
                postgres: None,
            });
        }
        let redis = if is_redis(&args.ephemeral) {
            Some(
                RedisEphemeral::connect(&args.ephemeral, "")
                    .await
                    .map_err(|e| format!("the bench reads Redis's figures: {e}"))?,
            )
        } else {
            None
        };
        let postgres = args.durable.clone().filter(|d| is_postgres(d));
        Ok(StoreProbe { redis, postgres })
    }

    /// Both servers' figures now.
    pub async fn read(&self) -> StoreReading {
        let redis = match &self.redis {
            Some(r) => Some(r.footprint().await.map_err(|e| format!("Redis: {e}"))),
            None => None,
        };
        let postgres = match &self.postgres {
            Some(url) => Some(
                PgFootprint::read(url)
                    .await
                    .map_err(|e| format!("PostgreSQL: {e}")),
            ),
            None => None,
        };
        StoreReading { redis, postgres }
    }
}

impl StoreReading {
    /// What happened between `before` and this reading, per login.
    pub fn since(&self, before: &StoreReading, logins: u64) -> Option<StoreFigures> {
        if logins == 0 {
            return None;
        }
        let n = logins as f64;
        let grown = |a: u64, b: u64| (a as f64 - b as f64) / n;
        let mut unread = Vec::new();
        let redis = both(&before.redis, &self.redis, &mut unread).map(|(b, a)| RedisPerLogin {
            cpu_ms: (a.cpu_seconds - b.cpu_seconds) * 1000.0 / n,
            commands: grown(a.commands, b.commands),
            memory_bytes: grown(a.used_memory, b.used_memory),
        });
        let postgres =
            both(&before.postgres, &self.postgres, &mut unread).map(|(b, a)| PostgresPerLogin {
                commits: grown(a.commits, b.commits),
                wal_bytes: grown(a.wal_bytes, b.wal_bytes),
                database_bytes: grown(a.database_bytes, b.database_bytes),
            });
        (redis.is_some() || postgres.is_some() || !unread.is_empty()).then_some(StoreFigures {
            redis,
            postgres,
            unread,
        })
    }
}

/// Both readings of one store, or none; a failed one's reason goes to
/// `unread`.
fn both<'a, T>(
    before: &'a Option<Result<T, String>>,
    after: &'a Option<Result<T, String>>,
    unread: &mut Vec<String>,
) -> Option<(&'a T, &'a T)> {
    match (before.as_ref()?, after.as_ref()?) {
        (Ok(b), Ok(a)) => Some((b, a)),
        (Err(e), _) | (_, Err(e)) => {
            unread.push(e.clone());
            None
        }
    }
}

impl StoreFigures {
    pub fn print(&self) {
        say!();
        if let Some(r) = &self.redis {
            say!(
                "Redis, per login: {:.3} ms of CPU, {:.1} commands (scripts' included), {:+.0} bytes of memory (server-wide)",
                r.cpu_ms,
                r.commands,
                r.memory_bytes
            );
        }
        if let Some(p) = &self.postgres {
            say!(
                "PostgreSQL, per login: {:.2} commits, {:.0} bytes of write-ahead log (server-wide), {:+.0} bytes of database",
                p.commits,
                p.wal_bytes,
                p.database_bytes
            );
        }
        for why in &self.unread {
            say!("not read: {why}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_per_login_and_need_both_readings() {
        let reading = |cpu: f64, commands: u64, memory: u64, wal: u64| StoreReading {
            redis: Some(Ok(RedisFootprint {
                used_memory: memory,
                keys: 0,
                cpu_seconds: cpu,
                commands,
            })),
            postgres: Some(Ok(PgFootprint {
                wal_bytes: wal,
                database_bytes: 8192,
                commits: commands,
            })),
        };
        let before = reading(1.0, 100, 1_000_000, 50_000);
        let after = reading(1.5, 1_100, 3_000_000, 4_050_000);
        let f = after.since(&before, 1000).unwrap();
        let r = f.redis.unwrap();
        assert!((r.cpu_ms - 0.5).abs() < 1e-9);
        assert_eq!((r.commands, r.memory_bytes), (1.0, 2000.0));
        let p = f.postgres.unwrap();
        assert_eq!(
            (p.commits, p.wal_bytes, p.database_bytes),
            (1.0, 4000.0, 0.0)
        );
        assert!(after.since(&before, 0).is_none());
        let none = StoreReading {
            redis: None,
            postgres: None,
        };
        assert!(after.since(&none, 1000).is_none());
        // A store that did not answer says so, beside the one that did.
        let failed = StoreReading {
            redis: Some(Err("Redis: storage unavailable: timed out".into())),
            postgres: before.postgres.clone(),
        };
        let f = after.since(&failed, 1000).unwrap();
        assert!(f.redis.is_none() && f.postgres.is_some());
        assert_eq!(f.unread, ["Redis: storage unavailable: timed out"]);
    }
}
