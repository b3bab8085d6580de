//! Redis / Valkey backend for ephemeral state: sessions, interactions,
//! codes, tokens and CSRF tokens, each key with a TTL (`SET … PX`), the
//! single-use take with `GETDEL`, never a `KEYS` scan. Redis expires keys
//! itself, on its own clock. URLs: `redis://`, `rediss://`,
//! `redis-sentinel://…?sentinelServiceName=…`, or a cluster URL. A single
//! server over plain TCP is reached through direct connections
//! ([`crate::redis_direct`]); the others through fred's pool, which follows
//! failovers and cluster slots.

use crate::redis_direct::DirectLink;
use crate::redis_wire::Reply;
use crate::{EphemeralOp, EphemeralStore, Health, HitCounter, StoreError, StoreResult};
use async_trait::async_trait;
use fred::prelude::*;
use fred::types::config::ServerConfig;
use fred::types::scripts::Script;
use std::time::Duration;

pub(crate) fn unavailable(e: fred::error::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "redis: {}",
        e.details().chars().take(200).collect::<String>()
    ))
}

pub struct RedisEphemeral {
    pub(crate) link: Link,
    prefix: String,
}

/// How commands reach Redis.
pub(crate) enum Link {
    /// A single server over plain TCP: each command on a connection of its
    /// own ([`crate::redis_direct`]).
    Direct(Box<DirectLink>),
    /// Sentinel, cluster or TLS: fred's pool and router, which follow
    /// failovers and slots.
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
    /// (`redis://`) gets direct connections, anything else fred's pool
    /// (with automatic reconnection).
    pub async fn connect(url: &str, prefix: &str) -> StoreResult<RedisEphemeral> {
        let config = parse_url(url)?;
        let link = match (&config.server, url.starts_with("redis://")) {
            (ServerConfig::Centralized { server }, true) => Link::Direct(Box::new(
                DirectLink::connect(
                    &server.host,
                    server.port,
                    config.username.as_deref(),
                    config.password.as_deref(),
                    config.database,
                )
                .await?,
            )),
            _ => Link::Routed(RoutedLink::connect(config).await?),
        };
        Ok(RedisEphemeral {
            link,
            prefix: prefix.to_owned(),
        })
    }

    /// Connects to `url` through fred's pool whatever the URL, as a
    /// Sentinel or cluster deployment does (tests).
    #[cfg(test)]
    pub(crate) async fn connect_routed(url: &str, prefix: &str) -> StoreResult<RedisEphemeral> {
        let config = parse_url(url)?;
        Ok(RedisEphemeral {
            link: Link::Routed(RoutedLink::connect(config).await?),
            prefix: prefix.to_owned(),
        })
    }

    pub(crate) fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// fred's configuration for `url`. A `rediss://` URL builds its TLS
/// settings here (the system's trust store, which `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` extend with a private authority), with rustls' process-wide
/// provider: aws-lc, installed first if nothing else has been.
fn parse_url(url: &str) -> StoreResult<Config> {
    // Already installed (by an earlier connection, or by the binary) is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Config::from_url(url)
        .map_err(|e| StoreError::Unavailable(format!("redis URL: {}", e.details())))
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
        let conditional = |op: &EphemeralOp<'_>| {
            matches!(
                op,
                EphemeralOp::PutIfPresent { .. } | EphemeralOp::Require(_)
            )
        };
        match &self.link {
            Link::Direct(d) => self.batch_direct(d, ops).await,
            Link::Routed(r) if r.clustered && ops.iter().any(conditional) => {
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
    /// `INCR`, then `EXPIRE … NX` so the first hit fixes the window's end:
    /// two round trips at most, atomic per command, no script to load.
    async fn hit(&self, key: &str, ttl_secs: u64) -> StoreResult<u64> {
        let key = self.key(key);
        let secs = i64::try_from(ttl_secs.max(1)).unwrap_or(i64::MAX);
        let count = match &self.link {
            Link::Direct(d) => {
                let count = match d.call(&[b"INCR", key.as_bytes()]).await? {
                    Reply::Integer(n) => n,
                    other => return Err(unexpected(&other)),
                };
                if count == 1 {
                    let secs = secs.to_string();
                    match d
                        .call(&[b"EXPIRE", key.as_bytes(), secs.as_bytes(), b"NX"])
                        .await?
                    {
                        Reply::Integer(_) => {}
                        other => return Err(unexpected(&other)),
                    }
                }
                count
            }
            Link::Routed(r) => {
                let client = r.pool.next();
                let count: i64 = client.incr(&key).await.map_err(unavailable)?;
                if count == 1 {
                    client
                        .expire::<i64, _>(&key, secs, Some(fred::types::ExpireOptions::NX))
                        .await
                        .map_err(unavailable)?;
                }
                count
            }
        };
        Ok(u64::try_from(count).unwrap_or(0))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use relais_core::Randomness;
    use std::sync::Arc;

    use crate::redis_wire::Reply;
    use crate::test_backends::{available, redis_url as url, Backend};

    fn prefix() -> String {
        format!("relais-test-{}:", relais_core::SystemRandomness.hex(6))
    }

    /// Both links, on the same server: direct connections (a plain
    /// `redis://` URL) and fred's pool (as Sentinel and cluster run).
    async fn both_links() -> [RedisEphemeral; 2] {
        let direct = RedisEphemeral::connect(&url(), &prefix()).await.unwrap();
        assert!(matches!(direct.link, Link::Direct(_)), "redis:// is direct");
        let routed = RedisEphemeral::connect_routed(&url(), &prefix())
            .await
            .unwrap();
        [direct, routed]
    }

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
        for s in both_links().await {
            s.ping().await.unwrap();
            conformance::ephemeral(&s, &conformance::Advance::RealTime).await;
            let s = Arc::new(s);
            conformance::hit_counter(s.clone(), &conformance::Advance::RealTime).await;
            conformance::ephemeral_concurrent_take(s).await;
        }
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
        for mut s in both_links().await {
            let put = EphemeralOp::Put {
                key: "flushed",
                value: b"\x00v",
                ttl_secs: 60,
            };
            s.batch(&[put]).await.unwrap();
            match &s.link {
                Link::Direct(d) => {
                    let flushed = d.call(&[b"SCRIPT", b"FLUSH"]).await.unwrap();
                    assert_eq!(flushed, Reply::Status("OK".into()));
                }
                Link::Routed(r) => r.pool.next().script_flush(false).await.unwrap(),
            }
            let answers = s
                .batch(&[EphemeralOp::Get("flushed"), EphemeralOp::Take("flushed")])
                .await
                .unwrap();
            assert_eq!(
                answers,
                vec![Some(b"\x00v".to_vec()), Some(b"\x00v".to_vec())]
            );
            assert_eq!(s.get("flushed").await.unwrap(), None, "taken in the batch");
            if let Link::Routed(r) = &mut s.link {
                r.clustered = true;
                crate::conformance::ephemeral_batch::batch(&s, &conformance::Advance::RealTime)
                    .await;
            }
        }
    }

    /// What a login sees when Redis restarts: one command fails with a
    /// plain error (never a hang, never a panic), not one per idle
    /// connection, and the next one runs on a fresh connection.
    #[tokio::test]
    async fn a_direct_link_recovers_from_a_dropped_connection() {
        if !available(
            "a_direct_link_recovers_from_a_dropped_connection",
            &[Backend::Redis],
        )
        .await
        {
            return;
        }
        let s = RedisEphemeral::connect(&url(), &prefix()).await.unwrap();
        let Link::Direct(d) = &s.link else {
            panic!("redis:// is direct")
        };
        s.put("k", b"v", 60).await.unwrap();
        // Two commands at once: the link now holds two idle connections.
        let (one, two) = tokio::join!(s.get("k"), s.get("k"));
        assert_eq!(
            (one.unwrap(), two.unwrap()),
            (Some(b"v".to_vec()), Some(b"v".to_vec()))
        );
        let idle = d.idle_addresses();
        assert_eq!(idle.len(), 2, "{idle:?}");
        // Another client closes both, as a restart or a proxy would.
        let killer = RedisEphemeral::connect(&url(), &prefix()).await.unwrap();
        let Link::Direct(k) = &killer.link else {
            panic!("redis:// is direct")
        };
        for address in &idle {
            let killed = k
                .call(&[b"CLIENT", b"KILL", b"ADDR", address.as_bytes()])
                .await
                .unwrap();
            assert_eq!(killed, Reply::Integer(1), "{address}");
        }
        let failed = s.get("k").await;
        assert!(
            matches!(&failed, Err(StoreError::Unavailable(m)) if m.starts_with("redis: ")),
            "{failed:?}"
        );
        assert_eq!(
            s.get("k").await.unwrap(),
            Some(b"v".to_vec()),
            "reconnected"
        );
    }

    #[tokio::test]
    async fn a_wrong_address_or_password_fails_at_start_up_without_the_password() {
        let refused = RedisEphemeral::connect("redis://127.0.0.1:1", "p:").await;
        assert!(
            matches!(&refused, Err(StoreError::Unavailable(m)) if m.starts_with("redis: cannot connect")),
            "{}",
            refused.err().map(|e| e.to_string()).unwrap_or_default()
        );
        if !available(
            "a_wrong_address_or_password_fails_at_start_up_without_the_password",
            &[Backend::Redis],
        )
        .await
        {
            return;
        }
        let base = url();
        let with_password = base.replacen("redis://", "redis://nobody:s3cret-word@", 1);
        let refused = RedisEphemeral::connect(&with_password, "p:").await;
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("AUTH refused"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
    }
}

/// `rediss://`: TLS through fred, against a Redis server of the test's own
/// that speaks TLS only.
#[cfg(test)]
mod tls_tests {
    use super::*;
    use relais_core::Randomness;
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};

    /// A TLS-only `redis-server` on a free port, its certificate made for
    /// `localhost` by `openssl`; stopped and removed on drop.
    struct TlsRedis {
        child: Child,
        dir: PathBuf,
        port: u16,
    }

    impl Drop for TlsRedis {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn command_exists(name: &str) -> bool {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    }

    async fn tls_redis(test: &str) -> Option<TlsRedis> {
        if !(command_exists("redis-server") && command_exists("openssl")) {
            let line = format!(
                "NOT RUN: {test} — needs the redis-server and openssl commands (scripts/install-test-deps.sh installs them)"
            );
            assert!(
                std::env::var_os("RELAIS_REQUIRE_BACKENDS").is_none(),
                "{line}"
            );
            eprintln!("{line}");
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "relais-tls-redis-{}",
            relais_core::SystemRandomness.hex(6)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
            .args([
                "-keyout",
                "key.pem",
                "-out",
                "cert.pem",
                "-subj",
                "/CN=localhost",
            ])
            .args(["-addext", "subjectAltName=DNS:localhost"])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(made.success(), "openssl made no certificate");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--tls-auth-clients", "no"])
            .args(["--tls-cert-file", "cert.pem", "--tls-key-file", "key.pem"])
            .args(["--tls-ca-cert-file", "cert.pem"])
            .args(["--save", "", "--appendonly", "no", "--dir", "."])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = TlsRedis { child, dir, port };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the TLS redis-server did not start");
    }

    #[tokio::test]
    async fn a_rediss_url_connects_over_tls_and_refuses_an_unknown_certificate() {
        let Some(server) =
            tls_redis("a_rediss_url_connects_over_tls_and_refuses_an_unknown_certificate").await
        else {
            return;
        };
        let url = format!("rediss://localhost:{}", server.port);

        // The server's certificate is not in the system's trust store: no
        // connection, and a plain error within the connection timeout
        // rather than a hang.
        let started = std::time::Instant::now();
        let untrusted = RedisEphemeral::connect(&url, "t:").await;
        assert!(
            matches!(&untrusted, Err(StoreError::Unavailable(_))),
            "an unknown certificate is refused"
        );
        assert!(started.elapsed() < Duration::from_secs(15));

        // SSL_CERT_FILE adds the authority (each test runs in a process of
        // its own under nextest; no other test here reads it).
        std::env::set_var("SSL_CERT_FILE", server.dir.join("cert.pem"));
        let s = RedisEphemeral::connect(&url, "t:").await.unwrap();
        assert!(matches!(s.link, Link::Routed(_)), "TLS goes through fred");
        s.ping().await.unwrap();
        conformance::ephemeral(&s, &conformance::Advance::RealTime).await;
    }

    use crate::conformance;
}
