//! Redis / Valkey backend for ephemeral state: sessions, interactions,
//! codes, tokens and CSRF tokens, each key with a TTL (`SET … PX`), the
//! single-use take with `GETDEL`, never a `KEYS` scan. Redis expires keys
//! itself, on its own clock. URLs: `redis://`, `rediss://`,
//! `redis-sentinel://…?sentinelServiceName=…`, or a cluster URL. A single
//! server (`redis://`, `rediss://`) is reached through direct connections
//! ([`crate::redis_direct`]); Sentinel and cluster through fred's pool,
//! which follows failovers and cluster slots.

use crate::redis_direct::{DirectLink, Target};
use crate::redis_wire::Reply;
use crate::{EphemeralOp, EphemeralStore, Health, HitCounter, Hits, StoreError, StoreResult};
use async_trait::async_trait;
use fred::prelude::*;
use fred::types::config::ServerConfig;
use fred::types::scripts::Script;
use std::time::Duration;

pub(crate) fn unavailable(e: fred::error::Error) -> StoreError {
    // fred hands a failed handshake on as text (rustls' error, formatted
    // with `Debug`): an untrusted certificate is recognised by its name.
    if matches!(e.kind(), ErrorKind::Tls | ErrorKind::IO)
        && e.details().contains("InvalidCertificate")
    {
        return tls_refused(true, e.details());
    }
    StoreError::Unavailable(format!(
        "redis: {}",
        e.details().chars().take(200).collect::<String>()
    ))
}

/// A failed TLS handshake on either link: an untrusted certificate says
/// where the authority must be, then the library's own detail.
pub(crate) fn tls_refused(untrusted: bool, detail: &str) -> StoreError {
    let detail: String = detail.chars().take(200).collect();
    StoreError::Unavailable(if untrusted {
        format!(
            "redis: TLS: the server's certificate is not trusted here (its authority must be in the system's store, or in SSL_CERT_FILE / SSL_CERT_DIR): {detail}"
        )
    } else {
        format!("redis: TLS: {detail}")
    })
}

pub struct RedisEphemeral {
    pub(crate) link: Link,
    prefix: String,
}

/// How commands reach Redis.
pub(crate) enum Link {
    /// A single server, over plain TCP or TLS: each command on a
    /// connection of its own ([`crate::redis_direct`]).
    Direct(Box<DirectLink>),
    /// Sentinel or cluster: fred's pool and router, which follow failovers
    /// and slots.
    Routed(RoutedLink),
}

pub(crate) struct RoutedLink {
    pub(crate) pool: Pool,
    /// A cluster spreads keys over nodes: a batch's keys may not share one,
    /// so a batch there is a pipeline rather than one script.
    pub(crate) clustered: bool,
    pub(crate) batch_script: Script,
}

impl RedisEphemeral {
    /// Connects to `url`; keys are prefixed by `prefix`. A single server
    /// (`redis://`, `rediss://`) gets direct connections, Sentinel and
    /// cluster fred's pool (with automatic reconnection).
    pub async fn connect(url: &str, prefix: &str) -> StoreResult<RedisEphemeral> {
        // A single server's address and credentials are read from the URL
        // without TLS: fred would otherwise load the trust store for
        // settings only its own pool uses.
        let single = match url.strip_prefix("rediss://") {
            Some(rest) => Some((format!("redis://{rest}"), true)),
            None => url.starts_with("redis://").then(|| (url.to_owned(), false)),
        };
        if let Some((plain, tls)) = single {
            let config = Config::from_url(&plain).map_err(url_refused)?;
            if let ServerConfig::Centralized { server } = &config.server {
                let direct = DirectLink::connect(Target {
                    host: &server.host,
                    port: server.port,
                    tls,
                    username: config.username.as_deref(),
                    password: config.password.as_deref(),
                    database: config.database,
                })
                .await?;
                return Ok(RedisEphemeral {
                    link: Link::Direct(Box::new(direct)),
                    prefix: prefix.to_owned(),
                });
            }
        }
        Ok(RedisEphemeral {
            link: Link::Routed(RoutedLink::connect(routed_config(url)?).await?),
            prefix: prefix.to_owned(),
        })
    }

    /// Connects to `url` through fred's pool whatever the URL, as a
    /// Sentinel or cluster deployment does (tests).
    #[cfg(test)]
    pub(crate) async fn connect_routed(url: &str, prefix: &str) -> StoreResult<RedisEphemeral> {
        let config = routed_config(url)?;
        Ok(RedisEphemeral {
            link: Link::Routed(RoutedLink::connect(config).await?),
            prefix: prefix.to_owned(),
        })
    }

    pub(crate) fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// fred's configuration for a Sentinel or cluster `url`. A TLS URL builds
/// fred's TLS settings here (the system's trust store, which
/// `SSL_CERT_FILE` and `SSL_CERT_DIR` extend with a private authority) with
/// rustls' process-wide provider: aws-lc, installed first if nothing else
/// has been.
fn routed_config(url: &str) -> StoreResult<Config> {
    // Already installed (by an earlier connection, or by the binary) is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Config::from_url(url).map_err(url_refused)
}

fn url_refused(e: fred::error::Error) -> StoreError {
    StoreError::Unavailable(format!("redis URL: {}", e.details()))
}

impl RoutedLink {
    async fn connect(config: Config) -> StoreResult<RoutedLink> {
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
        Ok(RoutedLink {
            pool,
            clustered,
            batch_script: crate::redis_batch::script(),
        })
    }
}

/// A reply that is not the kind a command gives.
pub(crate) fn unexpected(reply: &Reply) -> StoreError {
    match reply {
        Reply::Error(e) => StoreError::Unavailable(format!(
            "redis: {}",
            e.chars().take(200).collect::<String>()
        )),
        other => StoreError::Corrupt(format!("redis: unexpected reply {}", kind(other))),
    }
}

fn kind(reply: &Reply) -> &'static str {
    match reply {
        Reply::Status(_) => "status",
        Reply::Error(_) => "error",
        Reply::Integer(_) => "integer",
        Reply::Bulk(_) => "bulk string",
        Reply::Nil => "nil",
        Reply::Array(_) => "array",
    }
}

/// A `GET`'s or `GETDEL`'s reply on a direct link, as an entry.
pub(crate) fn direct_entry(reply: Reply) -> StoreResult<Option<Vec<u8>>> {
    match reply {
        Reply::Nil => Ok(None),
        Reply::Bulk(b) => Ok(Some(b)),
        other => Err(unexpected(&other)),
    }
}

#[async_trait]
impl EphemeralStore for RedisEphemeral {
    async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<()> {
        let ms = ttl_millis(ttl_secs);
        match &self.link {
            Link::Direct(d) => {
                let key = self.key(key);
                let ms = ms.to_string();
                match d
                    .call(&[b"SET", key.as_bytes(), value, b"PX", ms.as_bytes()])
                    .await?
                {
                    Reply::Status(_) => Ok(()),
                    other => Err(unexpected(&other)),
                }
            }
            Link::Routed(r) => r
                .pool
                .set::<(), _, _>(
                    self.key(key),
                    value.to_vec(),
                    Some(Expiration::PX(ms)),
                    None,
                    false,
                )
                .await
                .map_err(unavailable),
        }
    }

    async fn put_new(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<bool> {
        let ms = ttl_millis(ttl_secs);
        // SET NX answers OK when it wrote, nil when the key existed.
        match &self.link {
            Link::Direct(d) => {
                let key = self.key(key);
                let ms = ms.to_string();
                match d
                    .call(&[b"SET", key.as_bytes(), value, b"PX", ms.as_bytes(), b"NX"])
                    .await?
                {
                    Reply::Status(_) => Ok(true),
                    Reply::Nil => Ok(false),
                    other => Err(unexpected(&other)),
                }
            }
            Link::Routed(r) => {
                let written: Option<String> = r
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
        }
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        match &self.link {
            Link::Direct(d) => direct_entry(d.call(&[b"GET", self.key(key).as_bytes()]).await?),
            Link::Routed(r) => r
                .pool
                .get::<Option<Vec<u8>>, _>(self.key(key))
                .await
                .map_err(unavailable),
        }
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        match &self.link {
            Link::Direct(d) => direct_entry(d.call(&[b"GETDEL", self.key(key).as_bytes()]).await?),
            Link::Routed(r) => r
                .pool
                .getdel::<Option<Vec<u8>>, _>(self.key(key))
                .await
                .map_err(unavailable),
        }
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        match &self.link {
            Link::Direct(d) => match d.call(&[b"DEL", self.key(key).as_bytes()]).await? {
                Reply::Integer(_) => Ok(()),
                other => Err(unexpected(&other)),
            },
            Link::Routed(r) => {
                r.pool
                    .del::<i64, _>(self.key(key))
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }
        }
    }

    /// Redis expires keys itself.
    async fn purge_expired(&self) -> StoreResult<u64> {
        Ok(0)
    }

    /// One script call (see [`crate::redis_batch`]); on a cluster one
    /// pipeline, or separate calls when an operation depends on another.
    async fn batch(&self, ops: &[EphemeralOp<'_>]) -> StoreResult<Vec<Option<Vec<u8>>>> {
        match &self.link {
            Link::Direct(d) => self.batch_direct(d, ops).await,
            Link::Routed(r) if r.clustered && ops.iter().any(EphemeralOp::is_conditional) => {
                crate::one_by_one(self, ops).await
            }
            Link::Routed(r) if r.clustered => self.batch_pipelined(r, ops).await,
            Link::Routed(r) => self.batch_scripted(r, ops).await,
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
    /// One server: `INCRBY`, and `EXPIRE` when these hits opened the
    /// window, in one script call ([`crate::redis_hits`]). Sentinel or
    /// cluster: `INCRBY`, then `EXPIRE … NX` when these hits opened the
    /// window, so its first hit fixes its end.
    async fn hit(&self, key: &str, hits: u64, ttl_secs: u64) -> StoreResult<u64> {
        let r = match &self.link {
            Link::Direct(d) => {
                let one = Hits {
                    key,
                    hits,
                    ttl_secs,
                };
                let counts = self.hits_direct(d, &[one]).await?;
                return counts
                    .first()
                    .copied()
                    .ok_or_else(|| StoreError::Corrupt("redis: no count".into()));
            }
            Link::Routed(r) => r,
        };
        let key = self.key(key);
        let hits = i64::try_from(hits.max(1)).unwrap_or(i64::MAX);
        let secs = i64::try_from(ttl_secs.max(1)).unwrap_or(i64::MAX);
        let client = r.pool.next();
        let count: i64 = client.incr_by(&key, hits).await.map_err(unavailable)?;
        if count == hits {
            client
                .expire::<i64, _>(&key, secs, Some(fred::types::ExpireOptions::NX))
                .await
                .map_err(unavailable)?;
        }
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn hit_each(&self, each: &[Hits<'_>]) -> StoreResult<Vec<u64>> {
        match &self.link {
            Link::Direct(d) if !each.is_empty() => self.hits_direct(d, each).await,
            _ => crate::hits_one_by_one(self, each).await,
        }
    }
}

#[async_trait]
impl Health for RedisEphemeral {
    async fn ping(&self) -> StoreResult<()> {
        match &self.link {
            Link::Direct(d) => match d.call(&[b"PING"]).await? {
                Reply::Status(_) => Ok(()),
                other => Err(unexpected(&other)),
            },
            Link::Routed(r) => {
                r.pool
                    .next()
                    .ping::<String>(None)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }
        }
    }
}
