//! For tests that need a real PostgreSQL or Redis: where they are, and
//! whether they answer. A contributor without them gets a clear line per
//! test that did not run (written straight to the terminal, past the test
//! harness's capture); `scripts/test.sh` and CI set
//! `RELAIS_REQUIRE_BACKENDS=1`, so there a missing server fails the test.

use std::io::Write;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Postgres,
    Redis,
}

/// PostgreSQL of the test machine (`RELAIS_TEST_POSTGRES` overrides).
pub fn postgres_url() -> String {
    std::env::var("RELAIS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Redis of the test machine (`RELAIS_TEST_REDIS` overrides).
pub fn redis_url() -> String {
    std::env::var("RELAIS_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// The same Redis, database `db`: for a test that counts keys, which must
/// be its own (the others share database 0).
pub fn redis_url_in_db(db: u8) -> String {
    let url = redis_url();
    let server = url.split('/').take(3).collect::<Vec<_>>().join("/");
    format!("{server}/{db}")
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::Redis => "Redis",
        }
    }

    fn variable(self) -> &'static str {
        match self {
            Backend::Postgres => "RELAIS_TEST_POSTGRES",
            Backend::Redis => "RELAIS_TEST_REDIS",
        }
    }

    fn url(self) -> String {
        match self {
            Backend::Postgres => postgres_url(),
            Backend::Redis => redis_url(),
        }
    }

    /// `host:port` of the URL (credentials and path left out).
    fn address(self) -> String {
        let url = self.url();
        let rest = url.split("://").nth(1).unwrap_or("");
        let host = rest.split('/').next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or(host);
        let host = host.split('?').next().unwrap_or(host);
        if host.contains(':') {
            host.to_owned()
        } else {
            let port = match self {
                Backend::Postgres => 5432,
                Backend::Redis => 6379,
            };
            format!("{host}:{port}")
        }
    }
}

async fn reachable(addr: &str) -> Result<(), String> {
    match tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 2 s".into()),
    }
}

/// Whether `test` can run: every backend it needs answers. Otherwise says
/// which test is not run and why — or fails when backends are required.
pub async fn available(test: &str, needs: &[Backend]) -> bool {
    for b in needs {
        let addr = b.address();
        if let Err(why) = reachable(&addr).await {
            let line = format!(
                "NOT RUN: {test} — {} not reachable at {addr} ({why}). Start it (scripts/install-test-deps.sh does) or point {} at one; scripts/test.sh runs everything.",
                b.name(),
                b.variable()
            );
            assert!(
                std::env::var_os("RELAIS_REQUIRE_BACKENDS").is_none(),
                "{line}"
            );
            let _ = writeln!(std::io::stderr().lock(), "{line}");
            return false;
        }
    }
    true
}

/// A SQLite file for one test under the system's temporary directory,
/// removed with its `-wal` and `-shm` when dropped: a run of the suite
/// leaves no database behind.
pub struct TempDb(String);

impl TempDb {
    /// A new, not yet created, file whose name starts with `relais-{name}-`.
    pub fn new(name: &str) -> TempDb {
        let file = format!(
            "relais-{name}-{}-{}.db",
            std::process::id(),
            relais_core::Randomness::hex(&relais_core::SystemRandomness, 8)
        );
        TempDb(
            std::env::temp_dir()
                .join(file)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

impl std::ops::Deref for TempDb {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDb {
    fn as_ref(&self) -> &std::path::Path {
        self.0.as_ref()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0));
        }
    }
}
