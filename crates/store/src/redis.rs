//! Redis / Valkey backend for ephemeral state (fred): sessions, interactions,
//! codes, tokens and CSRF tokens, each key with a TTL (`SET … PX`), the
//! single-use take with `GETDEL`, never a `KEYS` scan. Redis expires keys
//! itself, on its own clock. URLs: `redis://`, `rediss://`,
//! `redis-sentinel://…?sentinelServiceName=…`, or a cluster URL.

use crate::{EphemeralOp, EphemeralStore, Health, HitCounter, StoreError, StoreResult};
use async_trait::async_trait;
use fred::prelude::*;
use std::time::Duration;

fn unavailable(e: fred::error::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "redis: {}",
        e.details().chars().take(200).collect::<String>()
    ))
}

#[derive(Clone)]
pub struct RedisEphemeral {
    pool: Pool,
    prefix: String,
}

impl RedisEphemeral {
    /// Connects (with automatic reconnection) to `url`; keys are prefixed by `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> StoreResult<RedisEphemeral> {
        let config = Config::from_url(url)
            .map_err(|e| StoreError::Unavailable(format!("redis URL: {}", e.details())))?;
        let pool = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(2);
                c.internal_command_timeout = Duration::from_secs(2);
                c.max_command_attempts = 2;
            })
            .with_performance_config(|p| {
                p.default_command_timeout = Duration::from_secs(2);
            })
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
            .build_pool(4)
            .map_err(unavailable)?;
        pool.init().await.map_err(unavailable)?;
        Ok(RedisEphemeral {
            pool,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl EphemeralStore for RedisEphemeral {
    async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<()> {
        let ms = ttl_millis(ttl_secs);
        self.pool
            .set::<(), _, _>(
                self.key(key),
                value.to_vec(),
                Some(Expiration::PX(ms)),
                None,
                false,
            )
            .await
            .map_err(unavailable)
    }

    async fn put_new(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<bool> {
        let ms = ttl_millis(ttl_secs);
        // SET NX answers OK when it wrote, nil when the key existed.
        let written: Option<String> = self
            .pool
            .set(
                self.key(key),
                value.to_vec(),
                Some(Expiration::PX(ms)),
                Some(SetOptions::NX),
                false,
            )
            .await
            .map_err(unavailable)?;
        Ok(written.is_some())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.pool
            .get::<Option<Vec<u8>>, _>(self.key(key))
            .await
            .map_err(unavailable)
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.pool
            .getdel::<Option<Vec<u8>>, _>(self.key(key))
            .await
            .map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.pool
            .del::<i64, _>(self.key(key))
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Redis expires keys itself.
    async fn purge_expired(&self) -> StoreResult<u64> {
        Ok(0)
    }

    /// One pipeline on one connection: the commands are written together
    /// and their answers read together, in order.
    async fn batch(&self, ops: &[EphemeralOp<'_>]) -> StoreResult<Vec<Option<Vec<u8>>>> {
        let pipeline = self.pool.next().pipeline();
        for op in ops {
            // Queuing only buffers the command: nothing is sent yet.
            let queued: Result<(), _> = match *op {
                EphemeralOp::Get(key) => pipeline.get(self.key(key)).await,
                EphemeralOp::Take(key) => pipeline.getdel(self.key(key)).await,
                EphemeralOp::Put {
                    key,
                    value,
                    ttl_secs,
                } => {
                    pipeline
                        .set(
                            self.key(key),
                            value,
                            Some(Expiration::PX(ttl_millis(ttl_secs))),
                            None,
                            false,
                        )
                        .await
                }
                EphemeralOp::Delete(key) => pipeline.del(self.key(key)).await,
            };
            queued.map_err(unavailable)?;
        }
        let answers = pipeline.try_all::<Value>().await;
        ops.iter()
            .zip(answers)
            .map(|(op, answer)| {
                let value = answer.map_err(unavailable)?;
                Ok(match op {
                    EphemeralOp::Get(_) | EphemeralOp::Take(_) => entry(value)?,
                    EphemeralOp::Put { .. } | EphemeralOp::Delete(_) => None,
                })
            })
            .collect()
    }
}

/// Redis refuses a zero lifetime: at least a second, in milliseconds.
fn ttl_millis(ttl_secs: u64) -> i64 {
    crate::ttl_millis(ttl_secs.max(1))
}

/// A `GET`'s or `GETDEL`'s answer as an entry.
fn entry(value: Value) -> StoreResult<Option<Vec<u8>>> {
    match value {
        Value::Null => Ok(None),
        Value::Bytes(b) => Ok(Some(b.to_vec())),
        Value::String(s) => Ok(Some(s.as_bytes().to_vec())),
        other => Err(StoreError::Corrupt(format!(
            "redis: an entry answered as {:?}",
            other.kind()
        ))),
    }
}

#[async_trait]
impl HitCounter for RedisEphemeral {
    /// `INCR`, then `EXPIRE … NX` so the first hit fixes the window's end:
    /// two round trips at most, atomic per command, no script to load.
    async fn hit(&self, key: &str, ttl_secs: u64) -> StoreResult<u64> {
        let key = self.key(key);
        let client = self.pool.next();
        let count: i64 = client.incr(&key).await.map_err(unavailable)?;
        if count == 1 {
            let secs = i64::try_from(ttl_secs.max(1)).unwrap_or(i64::MAX);
            client
                .expire::<i64, _>(&key, secs, Some(fred::types::ExpireOptions::NX))
                .await
                .map_err(unavailable)?;
        }
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

#[async_trait]
impl Health for RedisEphemeral {
    async fn ping(&self) -> StoreResult<()> {
        self.pool
            .next()
            .ping::<String>(None)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use relais_core::Randomness;
    use std::sync::Arc;

    use crate::test_backends::{available, redis_url as url, Backend};

    #[tokio::test]
    async fn redis_passes_the_ephemeral_conformance_suite() {
        if !available(
            "redis_passes_the_ephemeral_conformance_suite",
            &[Backend::Redis],
        )
        .await
        {
            return;
        }
        let prefix = format!("relais-test-{}:", relais_core::SystemRandomness.hex(6));
        let s = RedisEphemeral::connect(&url(), &prefix).await.unwrap();
        s.ping().await.unwrap();
        conformance::ephemeral(&s, &conformance::Advance::RealTime).await;
        let s = Arc::new(s);
        conformance::hit_counter(s.clone(), &conformance::Advance::RealTime).await;
        conformance::ephemeral_concurrent_take(s).await;
    }
}
