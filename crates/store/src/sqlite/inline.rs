//! The login's account statements, run on the calling thread.
//!
//! Every login records its account in one statement
//! ([`crate::AccountStore::connect`]) when the IdP answers, and reads it
//! back once at consent ([`crate::AccountStore::get_account`]: disabled in
//! between, the login stops there). Through sqlx, a statement goes to the
//! connection's worker thread and its row comes back: two thread
//! wake-ups, ≈ 0.1 ms of CPU per login on a two-core machine, where SQLite
//! itself runs the upsert and its commit in ≈ 6 µs (docs/benchmarks-log.md,
//! eighth pass). So both run here, on the async worker, on a connection
//! of its own, under three rules that keep it from ever waiting:
//!
//! - `busy_timeout` is 0: when another connection holds SQLite's write lock
//!   (the event writer's batch, a citizen's preferences), SQLite answers
//!   `SQLITE_BUSY` at once, and the caller takes sqlx's path, which waits
//!   on its own thread;
//! - `synchronous = NORMAL` in write-ahead-log mode: a commit appends to
//!   the log in the page cache, with no `fsync`;
//! - `wal_autocheckpoint = 0`: these connections never checkpoint (the copy
//!   back into the database and its `fsync`s). sqlx's connections keep
//!   SQLite's default (a checkpoint at the commit that finds 1,000 pages
//!   in the log), and one login in [`HAND_OVER_EVERY`] takes sqlx's path,
//!   so the log is checkpointed even when logins are the only writers.
//!
//! There is one such connection, taken from a lock-free slot and put back
//! after its statement; a login that finds it taken goes through sqlx. One,
//! because SQLite writes one at a time anyway, and because a connection
//! discards its whole page cache when it finds that another connection
//! committed since its last statement: two connections taking turns read
//! the account's pages again at every login (with two, the node made 8
//! `pread`s per login; with one, 5.6, nearly all of them the event
//! writer's). The one wait left is a read of an account's page that the
//! operating system no longer caches.

use crate::records::DEFAULT_PREFS_JSON;
use crate::rows::AccountRow;
// A statement does not run here (the hooks answer `None`) when there is no
// idle connection, SQLite is busy, or it is the log's turn to be
// checkpointed.
use super::own_connection::unavailable;
use crate::sql_accounts::RanHere as Ran;
use crate::{Account, StoreResult};
use crossbeam_queue::ArrayQueue;
use rusqlite::ErrorCode;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

/// One login in this many runs its statement through sqlx, whose
/// connection checkpoints the write-ahead log once it is long enough (a
/// login adds two to three pages to it).
pub(crate) const HAND_OVER_EVERY: u32 = 128;

pub(crate) struct InlineAccounts {
    /// The one connection, when no statement is running on it.
    idle: ArrayQueue<rusqlite::Connection>,
    runs: AtomicU32,
    /// Set by [`InlineAccounts::close`]: the connection is not put back.
    closed: AtomicBool,
}

impl InlineAccounts {
    /// A connection to the database file at `path`, which exists and is
    /// migrated. `None` for a database that a second connection would not
    /// share (in memory, or a URI with options).
    pub(crate) fn open(path: &str) -> StoreResult<Option<InlineAccounts>> {
        if !super::own_connection::shares_sqlx_database(path) {
            return Ok(None);
        }
        let idle = ArrayQueue::new(1);
        // The slot is empty: the push cannot fail.
        let _ = idle.push(open_one(path).map_err(|e| unavailable(&e))?);
        Ok(Some(InlineAccounts {
            idle,
            runs: AtomicU32::new(0),
            closed: AtomicBool::new(false),
        }))
    }

    /// Closes the connection (now, or when its running statement ends):
    /// later logins go through sqlx, whose pool closes with the store.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        drop(self.idle.pop());
    }

    fn put_back(&self, conn: rusqlite::Connection) {
        if !self.closed.load(Ordering::Acquire) {
            let _ = self.idle.push(conn);
        }
    }

    /// Runs `sql` (an account upsert with `RETURNING *`, parameters $1 id,
    /// $2 now, $3 IdP, $4 a new account's preferences) for a login, if it
    /// can without waiting.
    pub(crate) fn upsert(&self, sql: &str, id: &str, idp_id: &str, now_millis: i64) -> Ran {
        if self.runs.fetch_add(1, Ordering::Relaxed) % HAND_OVER_EVERY == HAND_OVER_EVERY - 1 {
            return None;
        }
        self.run(|conn| query_account(conn, sql, (id, now_millis, idp_id, DEFAULT_PREFS_JSON)))
    }

    /// Runs `sql` (an account's read, parameter $1 its id), if it can
    /// without waiting. A read takes no lock in write-ahead-log mode;
    /// SQLite answers busy only while another connection recovers or
    /// restarts the log, and then sqlx reads it.
    pub(crate) fn get(&self, sql: &str, id: &str) -> Ran {
        self.run(|conn| query_account(conn, sql, [id]))
    }

    /// Runs `statement` on the idle connection, if there is one.
    fn run(
        &self,
        statement: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<StoreResult<Option<Account>>>,
    ) -> Ran {
        let conn = self.idle.pop()?;
        match statement(&conn) {
            Ok(row) => {
                self.put_back(conn);
                Some(row)
            }
            Err(e) if is_busy(&e) => {
                self.put_back(conn);
                None
            }
            // Anything else: the connection is dropped (every later
            // statement goes through sqlx) and sqlx's path runs this one,
            // and reports its error if it fails there too.
            Err(_) => None,
        }
    }
}

fn open_one(path: &str) -> rusqlite::Result<rusqlite::Connection> {
    let conn = super::own_connection::open(path, Duration::ZERO)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

/// Runs `sql`, whose rows are `accounts`' columns, and reads its first row
/// as an account.
fn query_account(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<StoreResult<Option<Account>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut stored = None;
    // Read to the end: a statement left open keeps a read mark, and the
    // write-ahead log could not restart (crate::sql_accounts).
    while let Some(row) = rows.next()? {
        if stored.is_none() {
            stored = Some(AccountRow {
                id: row.get("id")?,
                active: row.get("active")?,
                created_at: row.get("created_at")?,
                last_connection: row.get("last_connection")?,
                last_idp: row.get("last_idp")?,
                prefs: row.get("prefs")?,
            });
        }
    }
    Ok(stored.map(AccountRow::into_account).transpose())
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;
    use crate::test_backends::TempDb;
    use relais_core::ManualClock;
    use std::sync::Arc;

    const UPSERT: &str = concat!(crate::sql_accounts::upsert_account!(), " RETURNING *");
    const SELECT: &str = crate::sql_accounts::select_account!();

    async fn database() -> (SqliteStore, TempDb) {
        let path = TempDb::new("inline");
        let store = SqliteStore::open(&path, Arc::new(ManualClock::starting_now()))
            .await
            .unwrap();
        (store, path)
    }

    fn ran(r: Ran) -> Option<Account> {
        r.expect("the statement did not run on the calling thread")
            .unwrap()
    }

    #[tokio::test]
    async fn runs_the_upsert_and_returns_the_account_as_stored() {
        let (_store, path) = database().await;
        let inline = InlineAccounts::open(&path).unwrap().unwrap();
        let created = ran(inline.upsert(UPSERT, "a", "idp1", 1_000)).unwrap();
        assert_eq!(created, Account::new("a", "idp1", 1_000));
        let again = ran(inline.upsert(UPSERT, "a", "idp2", 2_000)).unwrap();
        assert_eq!(
            (
                again.created_at,
                again.last_connection,
                again.last_idp.as_str()
            ),
            (1_000, 2_000, "idp2")
        );
    }

    #[tokio::test]
    async fn a_write_lock_held_elsewhere_sends_the_statement_back_at_once() {
        let (_store, path) = database().await;
        let inline = InlineAccounts::open(&path).unwrap().unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let started = std::time::Instant::now();
        assert!(inline.upsert(UPSERT, "a", "idp1", 1_000).is_none());
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "it waited for the lock"
        );
        other.execute_batch("COMMIT").unwrap();
        // The connection went back to the queue, and works.
        assert!(ran(inline.upsert(UPSERT, "a", "idp1", 1_000)).is_some());
    }

    #[tokio::test]
    async fn one_login_in_so_many_goes_through_sqlx_so_the_log_is_checkpointed() {
        let (_store, path) = database().await;
        let inline = InlineAccounts::open(&path).unwrap().unwrap();
        let handed_over = (0..HAND_OVER_EVERY * 3)
            .filter(|i| {
                let id = format!("a{i}");
                inline.upsert(UPSERT, &id, "idp1", 1_000).is_none()
            })
            .count();
        assert_eq!(handed_over, 3);
    }

    #[tokio::test]
    async fn a_closed_store_runs_nothing_here() {
        let (_store, path) = database().await;
        let inline = InlineAccounts::open(&path).unwrap().unwrap();
        inline.close();
        assert!(inline.upsert(UPSERT, "a", "idp1", 1_000).is_none());
    }

    #[tokio::test]
    async fn reads_an_account_as_it_was_saved_and_none_that_is_not_there() {
        use crate::AccountStore;
        let (store, path) = database().await;
        let inline = InlineAccounts::open(&path).unwrap().unwrap();
        assert_eq!(ran(inline.get(SELECT, "a")), None);
        let mut blocked = Account::new("a", "idp1", 1_000);
        blocked.active = false;
        blocked.blocked_idps = vec!["idp2".into()];
        blocked.block_future_idps = true;
        blocked.sub_overrides.insert("org".into(), "sub-1".into());
        blocked.known_idps = vec!["idp1".into()];
        store.save_account(&blocked).await.unwrap();
        assert_eq!(ran(inline.get(SELECT, "a")), Some(blocked));
        assert_eq!(ran(inline.get(SELECT, "b")), None);
    }

    #[tokio::test]
    async fn a_read_while_another_connection_writes_sees_the_last_commit() {
        let (_store, path) = database().await;
        let inline = InlineAccounts::open(&path).unwrap().unwrap();
        ran(inline.upsert(UPSERT, "a", "idp1", 1_000));
        let other = rusqlite::Connection::open(&path).unwrap();
        other
            .execute_batch("BEGIN IMMEDIATE; UPDATE accounts SET active = FALSE WHERE id = 'a'")
            .unwrap();
        assert!(
            ran(inline.get(SELECT, "a")).unwrap().active,
            "an uncommitted write was read"
        );
        other.execute_batch("COMMIT").unwrap();
        assert!(
            !ran(inline.get(SELECT, "a")).unwrap().active,
            "a committed write was not read"
        );
    }

    #[tokio::test]
    async fn a_closed_store_reads_nothing_here() {
        let (_store, path) = database().await;
        let inline = InlineAccounts::open(&path).unwrap().unwrap();
        inline.close();
        assert!(inline.get(SELECT, "a").is_none());
    }

    #[test]
    fn a_database_in_memory_has_no_second_connection() {
        for path in [":memory:", "", "file:x?mode=memory", "db.sqlite?mode=rwc"] {
            assert!(InlineAccounts::open(path).unwrap().is_none(), "{path}");
        }
    }
}
