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

/// Whether connections the node opens itself ([`inline`], [`event_batch`])
/// reach the database sqlx's pool holds: a file, not a database in memory
/// nor a URI with options.
fn own_connections_share(path: &str) -> bool {
    !(path.is_empty() || path.starts_with(':') || path.contains('?') || path.starts_with("file:"))
}

/// A connection of the node's own to the database file at `path`, which
/// exists and is migrated, set as sqlx's are (write-ahead log flushed at
/// checkpoints only, foreign keys, temporary data in memory), waiting at
/// most `busy_timeout` for SQLite's write lock.
fn open_own_connection(
    path: &str,
    busy_timeout: Duration,
) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// A failed statement on one of those connections, as sqlx's are reported.
fn own_unavailable(e: &rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "sqlite: {}",
        e.to_string().chars().take(200).collect::<String>()
    ))
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
            // the node then holds in memory anyway (docs/benchmarks.md,
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
        if own_connections_share(path) {
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
mod tests {
    use super::*;
    use crate::conformance;
    use crate::test_backends::TempDb;
    #[allow(unused_imports)]
    use crate::*;
    use relais_core::ManualClock;

    /// A store on a new file, and the file (removed when dropped).
    async fn fresh(clock: &ManualClock) -> (SqliteStore, TempDb) {
        let path = TempDb::new("conformance");
        match SqliteStore::open(&path, Arc::new(clock.clone())).await {
            Ok(s) => (s, path),
            Err(e) => panic!("cannot open {}: {e}", &*path),
        }
    }

    #[tokio::test]
    async fn sqlite_passes_the_conformance_suite() {
        let clock = ManualClock::starting_now();
        let (s, _file) = fresh(&clock).await;
        conformance::ephemeral(&s, &conformance::Advance::Clock(&clock)).await;
        conformance::config(&s).await;
        conformance::accounts::accounts(&s).await;
        conformance::events(&s).await;
        conformance::stats(&s).await;
        assert!(
            !conformance::accounts::connect_with_events(&s).await,
            "SQLite stores a login's events with the group commit"
        );
        conformance::keys(&s).await;
        conformance::ephemeral_concurrent_take(Arc::new(s)).await;
    }

    #[tokio::test]
    async fn reopening_a_file_keeps_data_and_migrations_are_idempotent() {
        let clock = ManualClock::starting_now();
        let p = TempDb::new("reopen");
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

    #[tokio::test]
    async fn event_batches_are_not_kept_prepared() {
        let (s, _file) = fresh(&ManualClock::starting_now()).await;
        crate::hot_pool::event_batches_are_not_kept_prepared(&s, &s.hot).await;
    }

    /// A batch of events spilled its statement journals into files
    /// created and unlinked in /var/tmp, about once per batch, with the
    /// default `temp_store`; every connection keeps them in memory.
    #[tokio::test]
    async fn statement_journals_stay_in_memory_on_every_connection() {
        let (s, _file) = fresh(&ManualClock::starting_now()).await;
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = s.pool.acquire().await.unwrap();
            let store: i64 = sqlx::query_scalar("PRAGMA temp_store")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!(store, 2, "temp_store MEMORY");
            held.push(conn);
        }
    }

    /// A batch of events like the event writer's: `n` logins' events.
    fn login_events(n: usize, start: i64) -> Vec<relais_core::event::BusinessEvent> {
        use relais_core::event::{BusinessEvent, EventKind};
        (0..n)
            .flat_map(|i| {
                let at = start + i64::try_from(i).unwrap();
                [EventKind::FcVerified, EventKind::FcRedirectedToSp].map(|kind| {
                    let mut e = BusinessEvent::new(kind, at);
                    e.account_id = Some(format!("account-{at:08}-{}", "x".repeat(40)));
                    e.sp_id = Some("sp".into());
                    e.idp_id = Some("idp".into());
                    e
                })
            })
            .collect()
    }

    /// The event writer's batches run on a connection of their own: one
    /// is stored, with its statistics, while every connection of sqlx's
    /// hot pool is taken (its path would wait for one).
    #[tokio::test]
    async fn an_event_batch_is_stored_without_sqlx() {
        let clock = ManualClock::starting_now();
        let (s, _file) = fresh(&clock).await;
        let taken: Vec<_> = vec![
            s.hot.acquire().await.unwrap(),
            s.hot.acquire().await.unwrap(),
        ];
        let batch = login_events(3, clock.now_millis());
        tokio::time::timeout(Duration::from_secs(5), s.append_events(&batch))
            .await
            .expect("stored without a connection from sqlx")
            .unwrap();
        drop(taken);
        assert_eq!(s.count_events("FC_VERIFIED").await.unwrap(), 3);
        let month = relais_core::stats::paris_day(clock.now_millis())[..7].to_owned();
        let figures = s.stats_months(&month, &month).await.unwrap();
        assert_eq!(
            figures
                .iter()
                .map(|f| (f.connections, f.users, f.new_users, f.active_services))
                .collect::<Vec<_>>(),
            vec![(3, 3, 3, 1)]
        );
    }

    /// A connection of the pool holding SQLite's write lock.
    async fn write_lock_held(s: &SqliteStore) -> sqlx::pool::PoolConnection<Sqlite> {
        let mut holder = s.pool.acquire().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *holder)
            .await
            .unwrap();
        holder
    }

    /// While another connection holds SQLite's write lock, a batch waits
    /// for it (on the blocking pool), neither failing nor skipping, and
    /// is stored once the other writer commits.
    #[tokio::test]
    async fn an_event_batch_waits_for_a_writer_holding_the_lock_then_is_stored() {
        let clock = ManualClock::starting_now();
        let (s, _file) = fresh(&clock).await;
        let mut holder = write_lock_held(&s).await;
        let batch = login_events(2, clock.now_millis());
        let mut stored = s.append_events(&batch);
        assert!(
            tokio::time::timeout(Duration::from_millis(200), &mut stored)
                .await
                .is_err(),
            "the batch waits while the lock is held"
        );
        sqlx::query("COMMIT").execute(&mut *holder).await.unwrap();
        stored.await.unwrap();
        assert_eq!(s.count_events("FC_REDIRECTED_TO_SP").await.unwrap(), 2);
    }

    /// While another connection holds SQLite's write lock, a login's
    /// account statement cannot run on the calling thread: it goes through
    /// sqlx, which waits for the lock, and the connection is recorded once
    /// the other writer commits.
    #[tokio::test]
    async fn a_login_waits_for_a_writer_holding_the_lock_then_is_recorded() {
        let clock = ManualClock::starting_now();
        let (s, _file) = fresh(&clock).await;
        let mut holder = write_lock_held(&s).await;
        let (connected, ()) = tokio::join!(s.connect("citizen", "idp1", 5_000), async {
            tokio::task::yield_now().await;
            sqlx::query("COMMIT").execute(&mut *holder).await.unwrap();
        });
        assert!(
            matches!(connected.unwrap(), Connection::Recorded(a) if a.last_connection == 5_000)
        );
        let stored = s.get_account("citizen").await.unwrap().unwrap();
        assert_eq!(
            (stored.last_connection, stored.last_idp.as_str()),
            (5_000, "idp1")
        );
    }

    /// Logins write through `INSERT … RETURNING` and takes through
    /// `DELETE … RETURNING`: left open after their row, those statements
    /// kept a read mark and the write-ahead log never restarted (9.5 GB for
    /// a million accounts). It must stay near SQLite's 1000-page checkpoint.
    #[tokio::test]
    async fn the_write_ahead_log_stays_bounded_under_logins() {
        let clock = ManualClock::starting_now();
        let path = std::env::temp_dir().join(format!(
            "relais-wal-{}-{}.db",
            std::process::id(),
            relais_core::Randomness::hex(&relais_core::SystemRandomness, 8)
        ));
        let s = SqliteStore::open(&path.to_string_lossy(), Arc::new(clock.clone()))
            .await
            .unwrap();
        let wal = || {
            std::fs::metadata(format!("{}-wal", path.to_string_lossy()))
                .map(|m| m.len())
                .unwrap_or(0)
        };
        for i in 0..4000 {
            let id = format!("account-{i:06}-{}", "x".repeat(30));
            s.record_connection(&id, "idp", i).await.unwrap();
        }
        assert!(
            wal() < 8 * 1024 * 1024,
            "after accounts: write-ahead log of {} bytes",
            wal()
        );
        for i in 0..4000 {
            s.put(&format!("code:{i}"), &[7u8; 300], 60).await.unwrap();
            s.take(&format!("code:{i}")).await.unwrap();
        }
        assert!(
            wal() < 8 * 1024 * 1024,
            "after takes: write-ahead log of {} bytes",
            wal()
        );
        // Event batches run on a connection of their own, which
        // checkpoints as sqlx's do (about 16 MiB of events and their
        // indexes are written here).
        for i in 0..1500 {
            s.append_events(&login_events(8, i * 8)).await.unwrap();
        }
        assert!(
            wal() < 8 * 1024 * 1024,
            "after event batches: write-ahead log of {} bytes",
            wal()
        );
        s.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.to_string_lossy()));
        }
    }
}
