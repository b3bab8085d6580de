//! Redis / Valkey backend for ephemeral state (fred): sessions, interactions,
//! codes, tokens and CSRF tokens, each key with a TTL (`SET … PX`), the
//! single-use take with `GETDEL`, never a `KEYS` scan. Redis expires keys
//! itself, on its own clock. URLs: `redis://`, `rediss://`,
//! `redis-sentinel://…?sentinelServiceName=…`, or a cluster URL.

use crate::{EphemeralOp, EphemeralStore, Health, HitCounter, StoreError, StoreResult};
use async_trait::async_trait;
use fred::prelude::*;
use std::time::Duration;

pub(crate) fn unavailable(e: fred::error::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "redis: {}",
        e.details().chars().take(200).collect::<String>()
    ))
}

#[derive(Clone)]
pub struct RedisEphemeral {
    pub(crate) pool: Pool,
    prefix: String,
    /// A cluster spreads keys over nodes: a batch's keys may not share one,
    /// so a batch there is a pipeline rather than one script.
    pub(crate) clustered: bool,
    pub(crate) batch_script: fred::types::scripts::Script,
}

impl RedisEphemeral {
    /// Connects (with automatic reconnection) to `url`; keys are prefixed by `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> StoreResult<RedisEphemeral> {
        let config = Config::from_url(url)
            .map_err(|e| StoreError::Unavailable(format!("redis URL: {}", e.details())))?;
        let clustered = config.server.is_clustered();
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
            clustered,
            batch_script: crate::redis_batch::script(),
        })
    }

    pub(crate) fn key(&self, key: &str) -> String {
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

    /// One script call (see [`crate::redis_batch`]); on a cluster one
    /// pipeline, or separate calls when an operation depends on another.
    async fn batch(&self, ops: &[EphemeralOp<'_>]) -> StoreResult<Vec<Option<Vec<u8>>>> {
        let conditional = |op: &EphemeralOp<'_>| {
            matches!(
                op,
                EphemeralOp::PutIfPresent { .. } | EphemeralOp::Require(_)
            )
        };
        if self.clustered && ops.iter().any(conditional) {
            crate::one_by_one(self, ops).await
        } else if self.clustered {
            self.batch_pipelined(ops).await
        } else {
            self.batch_scripted(ops).await
        }
    }
}

/// Redis refuses a zero lifetime: at least a second, in milliseconds.
pub(crate) fn ttl_millis(ttl_secs: u64) -> i64 {
    crate::ttl_millis(ttl_secs.max(1))
}

/// A `GET`'s or `GETDEL`'s answer as an entry.
pub(crate) fn entry(value: Value) -> StoreResult<Option<Vec<u8>>> {
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

    /// A batch is one script call; the server may forget its scripts (a
    /// restart, `SCRIPT FLUSH`, a failover): the next batch loads it again.
    /// On a cluster a batch is a pipeline: the same answers.
    #[tokio::test]
    async fn redis_batches_survive_a_script_flush_and_pipeline_alike() {
        if !available(
            "redis_batches_survive_a_script_flush_and_pipeline_alike",
            &[Backend::Redis],
        )
        .await
        {
            return;
        }
        let prefix = format!("relais-test-{}:", relais_core::SystemRandomness.hex(6));
        let mut s = RedisEphemeral::connect(&url(), &prefix).await.unwrap();
        let put = EphemeralOp::Put {
            key: "flushed",
            value: b"\x00v",
            ttl_secs: 60,
        };
        s.batch(&[put]).await.unwrap();
        s.pool.next().script_flush(false).await.unwrap();
        let answers = s
            .batch(&[EphemeralOp::Get("flushed"), EphemeralOp::Take("flushed")])
            .await
            .unwrap();
        assert_eq!(
            answers,
            vec![Some(b"\x00v".to_vec()), Some(b"\x00v".to_vec())]
        );
        assert_eq!(s.get("flushed").await.unwrap(), None, "taken in the batch");
        s.clustered = true;
        crate::conformance::ephemeral_batch::batch(&s, &conformance::Advance::RealTime).await;
    }
}
