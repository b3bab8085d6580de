//! PostgreSQL backend (sqlx): the durable tier of a scale-out deployment —
//! configuration, accounts, business events (partitioned by month, so
//! retention is a partition drop) and signing keys — and, for setups
//! without Redis, the ephemeral tier too. Numbered migrations run in one
//! transaction each under an advisory lock, so several nodes starting at
//! once migrate exactly once. Configuration writes `NOTIFY relais_config`,
//! which [`PgStore::listen_config`] turns into a reload on every node.

use crate::records::{Account, ConfigKind, StoredKey};
use crate::{
    ttl_millis, AccountStore, ConfigStore, EphemeralStore, EventStore, Health, KeyStore,
    StoreError, StoreResult,
};
use async_trait::async_trait;
use relais_core::event::BusinessEvent;
use relais_core::Clock;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE IF NOT EXISTS ephemeral (key TEXT PRIMARY KEY, value BYTEA NOT NULL, expires_at BIGINT NOT NULL);
     CREATE INDEX IF NOT EXISTS ephemeral_expiry ON ephemeral (expires_at);
     CREATE TABLE IF NOT EXISTS config (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (kind, id));
     CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, active BOOLEAN NOT NULL, created_at BIGINT NOT NULL,
        last_connection BIGINT NOT NULL, last_idp TEXT NOT NULL, prefs TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS events (seq BIGSERIAL, time BIGINT NOT NULL, event TEXT NOT NULL,
        account_id TEXT, sp_id TEXT, idp_id TEXT, body TEXT NOT NULL) PARTITION BY RANGE (time);
     CREATE TABLE IF NOT EXISTS events_default PARTITION OF events DEFAULT;
     CREATE INDEX IF NOT EXISTS events_account ON events (account_id, time);
     CREATE INDEX IF NOT EXISTS events_kind ON events (event, time);
     CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
        sealed_private BYTEA NOT NULL, created_at BIGINT NOT NULL, active_from BIGINT NOT NULL, retired_at BIGINT);",
)];

fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(match e {
        sqlx::Error::PoolTimedOut => "postgres: pool timed out".into(),
        sqlx::Error::Io(_) => "postgres: connection failed".into(),
        other => format!(
            "postgres: {}",
            other.to_string().chars().take(200).collect::<String>()
        ),
    })
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    clock: Arc<dyn Clock>,
}

/// Start of the month containing `millis`, and of the next one (UTC, ms).
fn month_bounds(millis: i64) -> (i64, i64, String) {
    let ym = relais_core::timefmt::year_month(millis);
    let (y, m) = ym
        .split_once('-')
        .map(|(y, m)| {
            (
                y.parse::<i64>().unwrap_or(1970),
                m.parse::<i64>().unwrap_or(1),
            )
        })
        .unwrap_or((1970, 1));
    let start = days_from_civil(y, m, 1) * 86_400_000;
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (
        start,
        days_from_civil(ny, nm, 1) * 86_400_000,
        format!("events_{y:04}_{m:02}"),
    )
}

/// The statements that create the event partitions of the month of `at`
/// and the next two (idempotent).
fn partitions_ahead(mut at: i64) -> Vec<String> {
    let mut out = Vec::with_capacity(3);
    for _ in 0..3 {
        let (start, end, name) = month_bounds(at);
        out.push(format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF events FOR VALUES FROM ({start}) TO ({end})"
        ));
        at = end;
    }
    out
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and migrates.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> StoreResult<PgStore> {
        let opts = PgConnectOptions::from_str(url).map_err(unavailable)?;
        PgStore::connect_with(opts, clock).await
    }

    pub async fn connect_with(
        opts: PgConnectOptions,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(opts)
            .await
            .map_err(unavailable)?;
        let store = PgStore { pool, clock };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies missing migrations and creates the event partitions of this
    /// month and the next two.
    pub async fn migrate(&self) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query("SELECT pg_advisory_xact_lock(4242001)")
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(unavailable)?;
            if done.is_none() {
                sqlx::raw_sql(sql)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(version)
                    .bind(self.clock.now_millis())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
            }
        }
        for sql in partitions_ahead(self.clock.now_millis()) {
            sqlx::raw_sql(&sql)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    /// Creates the event partitions of this month and the next two, if
    /// missing (at start, then every day by the node's supervisor).
    pub async fn ensure_partitions(&self) -> StoreResult<()> {
        for sql in partitions_ahead(self.clock.now_millis()) {
            sqlx::raw_sql(&sql)
                .execute(&self.pool)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Calls `on_change` whenever any node changes the configuration
    /// (LISTEN/NOTIFY), and once when listening starts (whatever changed
    /// while nobody listened). Returns when the connection is lost; the
    /// node's supervisor starts it again.
    pub async fn listen_config(&self, on_change: &(dyn Fn() + Send + Sync)) -> StoreResult<()> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(unavailable)?;
        listener
            .listen("relais_config")
            .await
            .map_err(unavailable)?;
        on_change();
        loop {
            listener.recv().await.map_err(unavailable)?;
            on_change();
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl EphemeralStore for PgStore {
    async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<()> {
        sqlx::query("INSERT INTO ephemeral (key, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at")
            .bind(key)
            .bind(value)
            .bind(self.clock.now_millis().saturating_add(ttl_millis(ttl_secs)))
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT value FROM ephemeral WHERE key = $1 AND expires_at > $2")
            .bind(key)
            .bind(self.clock.now_millis())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar(
            "DELETE FROM ephemeral WHERE key = $1 AND expires_at > $2 RETURNING value",
        )
        .bind(key)
        .bind(self.clock.now_millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM ephemeral WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn purge_expired(&self) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM ephemeral WHERE expires_at <= $1")
            .bind(self.clock.now_millis())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(r.rows_affected())
    }
}

#[async_trait]
impl ConfigStore for PgStore {
    async fn put_config(
        &self,
        kind: ConfigKind,
        id: &str,
        doc: &serde_json::Value,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query("INSERT INTO config (kind, id, doc, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at")
            .bind(kind.as_str())
            .bind(id)
            .bind(doc.to_string())
            .bind(self.clock.now_millis())
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query("SELECT pg_notify('relais_config', $1)")
            .bind(format!("{}:{id}", kind.as_str()))
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn get_config(
        &self,
        kind: ConfigKind,
        id: &str,
    ) -> StoreResult<Option<serde_json::Value>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM config WHERE kind = $1 AND id = $2")
                .bind(kind.as_str())
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
        doc.map(|d| serde_json::from_str(&d).map_err(|e| corrupt("config document", e)))
            .transpose()
    }

    async fn list_config(&self, kind: ConfigKind) -> StoreResult<Vec<(String, serde_json::Value)>> {
        let rows = sqlx::query("SELECT id, doc FROM config WHERE kind = $1 ORDER BY id")
            .bind(kind.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id").map_err(unavailable)?;
                let doc: String = r.try_get("doc").map_err(unavailable)?;
                Ok((
                    id,
                    serde_json::from_str(&doc).map_err(|e| corrupt("config document", e))?,
                ))
            })
            .collect()
    }

    async fn delete_config(&self, kind: ConfigKind, id: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let r = sqlx::query("DELETE FROM config WHERE kind = $1 AND id = $2")
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query("SELECT pg_notify('relais_config', $1)")
            .bind(format!("{}:{id}", kind.as_str()))
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(r.rows_affected() > 0)
    }
}

fn account_from_row(r: &sqlx::postgres::PgRow) -> StoreResult<Account> {
    let prefs: String = r.try_get("prefs").map_err(unavailable)?;
    Account::from_columns(
        r.try_get("id").map_err(unavailable)?,
        r.try_get("active").map_err(unavailable)?,
        r.try_get("created_at").map_err(unavailable)?,
        r.try_get("last_connection").map_err(unavailable)?,
        r.try_get("last_idp").map_err(unavailable)?,
        &prefs,
    )
    .map_err(|e| StoreError::Corrupt(format!("account prefs: {e}")))
}

#[async_trait]
impl AccountStore for PgStore {
    async fn get_account(&self, id: &str) -> StoreResult<Option<Account>> {
        let row = sqlx::query("SELECT * FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn record_connection(
        &self,
        id: &str,
        idp_id: &str,
        now_millis: i64,
    ) -> StoreResult<Account> {
        let fresh = Account::new(id, idp_id, now_millis);
        let row = sqlx::query(
            "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES ($1, TRUE, $2, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET last_connection = EXCLUDED.last_connection, last_idp = EXCLUDED.last_idp
             RETURNING *",
        )
        .bind(id)
        .bind(now_millis)
        .bind(idp_id)
        .bind(fresh.prefs_json())
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)?;
        account_from_row(&row)
    }

    async fn save_account(&self, a: &Account) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET active = EXCLUDED.active, prefs = EXCLUDED.prefs",
        )
        .bind(&a.id)
        .bind(a.active)
        .bind(a.created_at)
        .bind(a.last_connection)
        .bind(&a.last_idp)
        .bind(a.prefs_json())
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }
}

#[async_trait]
impl EventStore for PgStore {
    async fn append_events(&self, events: &[BusinessEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO events (time, event, account_id, sp_id, idp_id, body) ",
        );
        let mut bodies = Vec::with_capacity(events.len());
        for e in events {
            bodies.push(serde_json::to_string(e).map_err(|err| corrupt("event", err))?);
        }
        qb.push_values(events.iter().zip(bodies), |mut b, (e, body)| {
            b.push_bind(e.time)
                .push_bind(&e.event)
                .push_bind(&e.account_id)
                .push_bind(&e.sp_id)
                .push_bind(&e.idp_id)
                .push_bind(body);
        });
        qb.build().execute(&self.pool).await.map_err(unavailable)?;
        Ok(())
    }

    async fn events_for_account(
        &self,
        account_id: &str,
        since_millis: i64,
        limit: u32,
    ) -> StoreResult<Vec<BusinessEvent>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT body FROM events WHERE account_id = $1 AND time >= $2 ORDER BY time DESC, seq DESC LIMIT $3")
                .bind(account_id)
                .bind(since_millis)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
        rows.iter()
            .map(|b| crate::records::stored_event(b))
            .collect()
    }

    async fn count_events(&self, event: &str) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE event = $1")
            .bind(event)
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl KeyStore for PgStore {
    async fn put_key(&self, k: &StoredKey) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, public_jwk, sealed_private, created_at, active_from, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (kid) DO UPDATE SET active_from = EXCLUDED.active_from, retired_at = EXCLUDED.retired_at",
        )
        .bind(&k.kid)
        .bind(&k.alg)
        .bind(&k.public_jwk)
        .bind(&k.sealed_private)
        .bind(k.created_at)
        .bind(k.active_from)
        .bind(k.retired_at)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        sqlx::query("SELECT pg_notify('relais_config', 'keys')")
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn list_keys(&self) -> StoreResult<Vec<StoredKey>> {
        let rows = sqlx::query("SELECT * FROM signing_keys ORDER BY created_at, kid")
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter()
            .map(|r| {
                Ok(StoredKey {
                    kid: r.try_get("kid").map_err(unavailable)?,
                    alg: r.try_get("alg").map_err(unavailable)?,
                    public_jwk: r.try_get("public_jwk").map_err(unavailable)?,
                    sealed_private: r.try_get("sealed_private").map_err(unavailable)?,
                    created_at: r.try_get("created_at").map_err(unavailable)?,
                    active_from: r.try_get("active_from").map_err(unavailable)?,
                    retired_at: r.try_get("retired_at").map_err(unavailable)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl Health for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// The test machine's PostgreSQL.
#[cfg(any(test, feature = "conformance"))]
pub fn test_url() -> String {
    crate::test_backends::postgres_url()
}

/// Creates a fresh schema for one test; returns its name.
#[cfg(any(test, feature = "conformance"))]
pub async fn create_test_schema(url: &str) -> StoreResult<String> {
    let schema = format!(
        "relais_test_{}",
        relais_core::Randomness::hex(&relais_core::SystemRandomness, 6)
    );
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(unavailable)?;
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .map_err(unavailable)?;
    admin.close().await;
    Ok(schema)
}

/// A fresh schema on the test machine's PostgreSQL, for one test.
#[cfg(any(test, feature = "conformance"))]
pub async fn test_store(clock: Arc<dyn Clock>) -> StoreResult<PgStore> {
    let url = test_url();
    let schema = create_test_schema(&url).await?;
    let opts = PgConnectOptions::from_str(&url)
        .map_err(unavailable)?
        .options([("search_path", schema.as_str())]);
    PgStore::connect_with(opts, clock).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use crate::test_backends::{available, Backend};
    use relais_core::ManualClock;

    #[tokio::test]
    async fn postgres_passes_the_conformance_suite() {
        if !available(
            "postgres_passes_the_conformance_suite",
            &[Backend::Postgres],
        )
        .await
        {
            return;
        }
        let clock = ManualClock::starting_now();
        let s = test_store(Arc::new(clock.clone())).await.unwrap();
        conformance::ephemeral(&s, &conformance::Advance::Clock(&clock)).await;
        conformance::config(&s).await;
        conformance::accounts(&s).await;
        conformance::events(&s).await;
        conformance::keys(&s).await;
        conformance::ephemeral_concurrent_take(Arc::new(s)).await;
    }

    #[tokio::test]
    async fn migrations_are_idempotent_and_events_are_partitioned_by_month() {
        if !available(
            "migrations_are_idempotent_and_events_are_partitioned_by_month",
            &[Backend::Postgres],
        )
        .await
        {
            return;
        }
        let clock = ManualClock::starting_now();
        let s = test_store(Arc::new(clock.clone())).await.unwrap();
        s.migrate().await.unwrap();
        let (_, _, name) = month_bounds(clock.now_millis());
        let parts: Vec<String> = sqlx::query_scalar("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' AND c.relnamespace = p.relnamespace")
            .fetch_all(s.pool())
            .await
            .unwrap_or_default();
        assert!(parts.contains(&name), "{parts:?}");
        assert!(parts.len() >= 4, "default + three months: {parts:?}");
    }

    #[test]
    fn month_bounds_are_calendar_months() {
        let (start, end, name) = month_bounds(1_795_000_000_123);
        assert_eq!(name, "events_2026_11");
        assert_eq!(
            relais_core::timefmt::rfc3339_millis(start),
            "2026-11-01T00:00:00.000Z"
        );
        assert_eq!(
            relais_core::timefmt::rfc3339_millis(end),
            "2026-12-01T00:00:00.000Z"
        );
        let (_, end, name) = month_bounds(days_from_civil(2026, 12, 15) * 86_400_000);
        assert_eq!(name, "events_2026_12");
        assert_eq!(
            relais_core::timefmt::rfc3339_millis(end),
            "2027-01-01T00:00:00.000Z"
        );
    }
}
