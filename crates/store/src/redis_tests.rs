//! The Redis backend's tests, on a live server: both links (direct and
//! fred's) through the conformance suite, what a restart does to the
//! direct link, and `rediss://` against a TLS-only server of the test's
//! own.

use crate::redis::{Link, RedisEphemeral};
use crate::redis_wire::Reply;
use crate::{EphemeralOp, EphemeralStore, Health, HitCounter, StoreError};
use fred::interfaces::LuaInterface;
use std::time::Duration;

mod link_tests {
    use super::*;
    use crate::conformance;
    use relais_core::Randomness;
    use std::sync::Arc;

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

    /// A batch is one script call, and so are the rate counters' hits; the
    /// server may forget its scripts (a restart, `SCRIPT FLUSH`, a
    /// failover): the next call loads its script again.
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
            // The rate counters' script too (redis_hits.rs).
            assert_eq!(s.hit("flushed-hits", 2, 60).await.unwrap(), 2);
            if let Link::Direct(d) = &s.link {
                let flushed = d.call(&[b"SCRIPT", b"FLUSH"]).await.unwrap();
                assert_eq!(flushed, Reply::Status("OK".into()));
            }
            assert_eq!(s.hit("flushed-hits", 1, 60).await.unwrap(), 3);
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
        // Two commands at once (the first one waits 0.2 s in Redis, so the
        // second surely needs a connection of its own): the link then
        // holds two idle connections.
        let (waited, got) = tokio::join!(
            d.call(&[b"BLPOP", b"relais-test-nothing", b"0.2"]),
            s.get("k")
        );
        assert_eq!(waited.unwrap(), Reply::Nil);
        assert_eq!(got.unwrap(), Some(b"v".to_vec()));
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
mod tls_tests {
    use super::*;
    use crate::conformance;
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
        // rather than a hang, on the direct link and on fred's (Sentinel
        // and cluster deployments) alike.
        for routed in [false, true] {
            let started = std::time::Instant::now();
            let untrusted = if routed {
                RedisEphemeral::connect_routed(&url, "t:").await
            } else {
                RedisEphemeral::connect(&url, "t:").await
            };
            let message = untrusted.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                message.contains("redis: TLS: the server's certificate is not trusted here"),
                "refused (through fred: {routed}): {message}"
            );
            assert!(started.elapsed() < Duration::from_secs(5));
        }

        // SSL_CERT_FILE adds the authority (each test runs in a process of
        // its own under nextest; no other test here reads it).
        std::env::set_var("SSL_CERT_FILE", server.dir.join("cert.pem"));
        let s = RedisEphemeral::connect(&url, "t:").await.unwrap();
        assert!(matches!(s.link, Link::Direct(_)), "one server: direct");
        s.ping().await.unwrap();
        conformance::ephemeral(&s, &conformance::Advance::RealTime).await;
        let s = std::sync::Arc::new(s);
        conformance::hit_counter(s.clone(), &conformance::Advance::RealTime).await;
        conformance::ephemeral_concurrent_take(s).await;

        // Sentinel and cluster URLs go through fred, with the same trust.
        let routed = RedisEphemeral::connect_routed(&url, "t:").await.unwrap();
        assert!(matches!(routed.link, Link::Routed(_)));
        routed.ping().await.unwrap();
        conformance::ephemeral(&routed, &conformance::Advance::RealTime).await;
    }
}
