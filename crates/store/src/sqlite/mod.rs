//! SQLite backend: the embedded default, one file, WAL mode. Implements every
//! trait, so a single-node deployment needs nothing else: the schema in
//! [`migrate`], the ephemeral tier in [`ephemeral`], the durable tier in
//! [`durable`]; the login's account statements on the calling thread in
//! [`inline`].

mod durable;
mod ephemeral;
mod event_batch;
mod inline;
mod migrate;
mod own_connection;

use crate::hot_pool::HotPool;
use crate::{StoreError, StoreResult};
use inline::InlineAccounts;
use relais_core::Clock;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Sqlite;
use sqlx::SqlitePool;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

fn unavailable(e: sqlx::Error) -> StoreError {
    crate::sql::unavailable("sqlite", e)
}

/// One SQLite file holding both tiers (or only the durable one).
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The login's statements ([`crate::hot_pool`]).
    hot: Arc<HotPool<Sqlite>>,
    /// The login's account statements without a thread hand-off, when the
    /// database is a file ([`inline`]).
    inline: Option<Arc<InlineAccounts>>,
    /// The event writer's batches, on a connection of their own, when the
    /// database is a file ([`event_batch`]).
    events: Option<Arc<event_batch::EventConnection>>,
    clock: Arc<dyn Clock>,
}

/// Connections for the login's statements: SQLite writes one at a time,
/// so a few suffice for reads beside the writer.
const HOT_CONNECTIONS: usize = 2;

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and migrates it.
    pub async fn open(path: &str, clock: Arc<dyn Clock>) -> StoreResult<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            // After a checkpoint the write-ahead log's file is cut back to
            // 64 MiB, so a burst (an import) does not leave it large. What
            // kept it from restarting at all was statements left open
            // (sql_accounts.rs: RETURNING stepped to the end).
            .pragma("journal_size_limit", "67108864")
            // A batch of events is written inside a transaction, so each of
            // its statements keeps a statement journal of the pages it
            // changes; past 64 KiB SQLite spilled it into a temporary file
            // it created and unlinked in /var/tmp, about once per batch.
            // In memory a journal is a few hundred KiB at most, freed at
            // the statement's end; so are the sorts' temporary b-trees,
            // whose largest is the services' list read at start-up, which
            // the node then holds in memory anyway (docs/benchmarks-log.md,
            // twentieth pass).
            .pragma("temp_store", "MEMORY");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A file does not drop connections: sqlx's ping before every
            // acquire was a round trip to the connection's worker thread
            // (two thread wake-ups) in front of every statement.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(unavailable)?;
        let hot = Arc::new(HotPool::new(pool.clone(), HOT_CONNECTIONS));
        let mut store = SqliteStore {
            pool,
            hot,
            inline: None,
            events: None,
            clock,
        };
        store.migrate().await?;
        store.inline = InlineAccounts::open(path)?.map(Arc::new);
        if own_connection::shares_sqlx_database(path) {
            store.events = Some(Arc::new(event_batch::EventConnection::open(path)?));
        }
        Ok(store)
    }

    /// Runs an account upsert on the calling thread when it can do so
    /// without waiting ([`inline`]); `None` sends it through sqlx.
    fn upsert_here(
        &self,
        sql: &str,
        id: &str,
        idp_id: &str,
        now_millis: i64,
    ) -> crate::sql_accounts::RanHere {
        self.inline.as_ref()?.upsert(sql, id, idp_id, now_millis)
    }

    /// Reads an account on the calling thread when it can do so without
    /// waiting ([`inline`]); `None` sends the read through sqlx.
    fn get_here(&self, sql: &str, id: &str) -> crate::sql_accounts::RanHere {
        self.inline.as_ref()?.get(sql, id)
    }

    /// SQLite stores a login's events with the group commit, apart from
    /// its connection, which runs on the calling thread.
    async fn connect_storing(
        &self,
        _id: &str,
        _idp_id: &str,
        _now_millis: i64,
        _events: &[relais_core::event::BusinessEvent],
    ) -> crate::sql_accounts::RanHere {
        None
    }

    /// And the account read at consent: its events go to the event writer.
    async fn standing_storing(
        &self,
        _id: &str,
        _events: &[relais_core::event::BusinessEvent],
    ) -> crate::sql_accounts::RanHere {
        None
    }

    pub async fn close(&self) {
        if let Some(inline) = &self.inline {
            inline.close();
        }
        if let Some(events) = self.events.clone() {
            // It may be writing a batch: wait for it off the async worker.
            let _ = tokio::task::spawn_blocking(move || events.close()).await;
        }
        self.hot.close().await;
        self.pool.close().await;
    }
}

#[cfg(test)]
mod store_tests;
