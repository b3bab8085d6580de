//! SQLite backend: the embedded default, one file, WAL mode. Implements every
//! trait, so a single-node deployment needs nothing else. Schema changes are
//! numbered migrations applied in order at open and recorded in
//! `schema_migrations`, so older files upgrade forward safely.

use crate::records::{Account, ConfigKind, StoredKey};
use crate::{
    ttl_millis, AccountStore, ConfigStore, EphemeralStore, EventStore, Health, KeyStore,
    StoreError, StoreResult,
};
use async_trait::async_trait;
use relais_core::event::BusinessEvent;
use relais_core::Clock;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE IF NOT EXISTS ephemeral (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER NOT NULL);
     CREATE INDEX IF NOT EXISTS ephemeral_expiry ON ephemeral (expires_at);
     CREATE TABLE IF NOT EXISTS config (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (kind, id));
     CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, active INTEGER NOT NULL, created_at INTEGER NOT NULL,
        last_connection INTEGER NOT NULL, last_idp TEXT NOT NULL, prefs TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, event TEXT NOT NULL,
        account_id TEXT, sp_id TEXT, idp_id TEXT, body TEXT NOT NULL);
     CREATE INDEX IF NOT EXISTS events_account ON events (account_id, time);
     CREATE INDEX IF NOT EXISTS events_kind ON events (event, time);
     CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
        sealed_private BLOB NOT NULL, created_at INTEGER NOT NULL, active_from INTEGER NOT NULL, retired_at INTEGER);",
)];

fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(match e {
        sqlx::Error::PoolTimedOut => "database pool timed out".into(),
        sqlx::Error::Io(_) => "database I/O error".into(),
        other => format!(
            "database error: {}",
            other.to_string().chars().take(200).collect::<String>()
        ),
    })
}

/// One SQLite file holding both tiers (or only the durable one).
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and migrates it.
    pub async fn open(path: &str, clock: Arc<dyn Clock>) -> StoreResult<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(unavailable)?;
        let store = SqliteStore { pool, clock };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = ?")
                    .bind(version)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await.map_err(unavailable)?;
            sqlx::raw_sql(sql)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
                .bind(version)
                .bind(self.clock.now_millis())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl EphemeralStore for SqliteStore {
    async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> StoreResult<()> {
        let expires = self.clock.now_millis().saturating_add(ttl_millis(ttl_secs));
        sqlx::query("INSERT INTO ephemeral (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at")
            .bind(key)
            .bind(value)
            .bind(expires)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT value FROM ephemeral WHERE key = ? AND expires_at > ?")
            .bind(key)
            .bind(self.clock.now_millis())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("DELETE FROM ephemeral WHERE key = ? AND expires_at > ? RETURNING value")
            .bind(key)
            .bind(self.clock.now_millis())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM ephemeral WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn purge_expired(&self) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM ephemeral WHERE expires_at <= ?")
            .bind(self.clock.now_millis())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(r.rows_affected())
    }
}

fn parse_doc(s: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("config document: {e}")))
}

#[async_trait]
impl ConfigStore for SqliteStore {
    async fn put_config(
        &self,
        kind: ConfigKind,
        id: &str,
        doc: &serde_json::Value,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO config (kind, id, doc, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at")
            .bind(kind.as_str())
            .bind(id)
            .bind(doc.to_string())
            .bind(self.clock.now_millis())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get_config(
        &self,
        kind: ConfigKind,
        id: &str,
    ) -> StoreResult<Option<serde_json::Value>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM config WHERE kind = ? AND id = ?")
                .bind(kind.as_str())
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
        doc.as_deref().map(parse_doc).transpose()
    }

    async fn list_config(&self, kind: ConfigKind) -> StoreResult<Vec<(String, serde_json::Value)>> {
        let rows = sqlx::query("SELECT id, doc FROM config WHERE kind = ? ORDER BY id")
            .bind(kind.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("id").map_err(unavailable)?,
                    parse_doc(&r.try_get::<String, _>("doc").map_err(unavailable)?)?,
                ))
            })
            .collect()
    }

    async fn delete_config(&self, kind: ConfigKind, id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM config WHERE kind = ? AND id = ?")
            .bind(kind.as_str())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(r.rows_affected() > 0)
    }
}

fn account_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<Account> {
    let prefs: String = r.try_get("prefs").map_err(unavailable)?;
    Account::from_columns(
        r.try_get("id").map_err(unavailable)?,
        r.try_get::<i64, _>("active").map_err(unavailable)? != 0,
        r.try_get("created_at").map_err(unavailable)?,
        r.try_get("last_connection").map_err(unavailable)?,
        r.try_get("last_idp").map_err(unavailable)?,
        &prefs,
    )
    .map_err(|e| StoreError::Corrupt(format!("account prefs: {e}")))
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn get_account(&self, id: &str) -> StoreResult<Option<Account>> {
        let row = sqlx::query("SELECT * FROM accounts WHERE id = ?")
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
            "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES (?, 1, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET last_connection = excluded.last_connection, last_idp = excluded.last_idp
             RETURNING *",
        )
        .bind(id)
        .bind(now_millis)
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
            "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET active = excluded.active, prefs = excluded.prefs",
        )
        .bind(&a.id)
        .bind(i64::from(a.active))
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
impl EventStore for SqliteStore {
    async fn append_events(&self, events: &[BusinessEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        for e in events {
            let body =
                serde_json::to_string(e).map_err(|err| StoreError::Corrupt(err.to_string()))?;
            sqlx::query("INSERT INTO events (time, event, account_id, sp_id, idp_id, body) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(e.time)
                .bind(&e.event)
                .bind(&e.account_id)
                .bind(&e.sp_id)
                .bind(&e.idp_id)
                .bind(body)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn events_for_account(
        &self,
        account_id: &str,
        since_millis: i64,
        limit: u32,
    ) -> StoreResult<Vec<BusinessEvent>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM events WHERE account_id = ? AND time >= ? ORDER BY time DESC, seq DESC LIMIT ?",
        )
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
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE event = ?")
            .bind(event)
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn put_key(&self, k: &StoredKey) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, public_jwk, sealed_private, created_at, active_from, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(kid) DO UPDATE SET active_from = excluded.active_from, retired_at = excluded.retired_at",
        )
        .bind(&k.kid)
        .bind(&k.alg)
        .bind(&k.public_jwk)
        .bind(&k.sealed_private)
        .bind(k.created_at)
        .bind(k.active_from)
        .bind(k.retired_at)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
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
impl Health for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use relais_core::ManualClock;

    async fn fresh(clock: &ManualClock) -> SqliteStore {
        let path = std::env::temp_dir().join(format!(
            "relais-conformance-{}-{}.db",
            std::process::id(),
            relais_core::Randomness::hex(&relais_core::SystemRandomness, 8)
        ));
        match SqliteStore::open(&path.to_string_lossy(), Arc::new(clock.clone())).await {
            Ok(s) => s,
            Err(e) => panic!("cannot open {path:?}: {e}"),
        }
    }

    #[tokio::test]
    async fn sqlite_passes_the_conformance_suite() {
        let clock = ManualClock::starting_now();
        let s = fresh(&clock).await;
        conformance::ephemeral(&s, &conformance::Advance::Clock(&clock)).await;
        conformance::config(&s).await;
        conformance::accounts(&s).await;
        conformance::events(&s).await;
        conformance::keys(&s).await;
        conformance::ephemeral_concurrent_take(Arc::new(s)).await;
    }

    #[tokio::test]
    async fn reopening_a_file_keeps_data_and_migrations_are_idempotent() {
        let clock = ManualClock::starting_now();
        let path = std::env::temp_dir().join(format!(
            "relais-reopen-{}.db",
            relais_core::Randomness::hex(&relais_core::SystemRandomness, 8)
        ));
        let p = path.to_string_lossy().to_string();
        let s = SqliteStore::open(&p, Arc::new(clock.clone()))
            .await
            .unwrap();
        s.put_config(
            ConfigKind::ServiceProvider,
            "a",
            &serde_json::json!({"x": 1}),
        )
        .await
        .unwrap();
        s.close().await;
        let s = SqliteStore::open(&p, Arc::new(clock)).await.unwrap();
        assert!(s
            .get_config(ConfigKind::ServiceProvider, "a")
            .await
            .ok()
            .flatten()
            .is_some());
    }
}
