//! A batch of business events and the statistics they count, written on
//! a SQLite connection of their own from tokio's blocking pool.
//!
//! Through sqlx, each of a batch's statements (`BEGIN`, the events, the
//! daily and monthly connections, the month's users, its first-time users,
//! its totals, `COMMIT`) went to the connection's worker thread and came
//! back, two thread wake-ups each; and the multi-row statements, whose
//! text changes with the batch's size, were compiled again for every
//! batch. Here the batch is one call on one thread, and each statement is
//! a one-row statement that SQLite keeps compiled, run once per row: the
//! same rows as sqlx's path writes, in the same order, in one transaction
//! (so the rollup never disagrees with the events).
//!
//! The connection waits for SQLite's write lock as sqlx's does (5 s), and
//! keeps SQLite's automatic checkpoint: a batch may wait for the disk on
//! the blocking pool, where a login's statement ([`super::inline`]) may
//! not.
//!
//! Data flow: `EventStore::append_events` serialises the bodies and sums
//! the [`StatsDelta`], [`EventBatch::new`] takes them with the columns the
//! events table indexes, and [`EventConnection::write`] runs the batch.

use crate::{StoreError, StoreResult};
use relais_core::event::BusinessEvent;
use relais_core::stats::StatsDelta;
use std::borrow::Cow;
use std::sync::Mutex;
use std::time::Duration;

/// The event writer's connection (and the group commit's, when events are
/// stored before a step answers): one batch at a time.
pub(crate) struct EventConnection {
    /// `None` once the store is closed.
    conn: Mutex<Option<rusqlite::Connection>>,
}

impl EventConnection {
    /// A connection to the database file at `path`, which exists and is
    /// migrated.
    pub(crate) fn open(path: &str) -> StoreResult<EventConnection> {
        // It waits for SQLite's lock as sqlx's connections do, and keeps
        // SQLite's automatic checkpoint.
        let conn = super::own_connection::open(path, Duration::from_secs(5))
            .map_err(|e| super::own_connection::unavailable(&e))?;
        Ok(EventConnection {
            conn: Mutex::new(Some(conn)),
        })
    }

    /// Writes `batch`; blocks (the caller is on the blocking pool).
    pub(crate) fn write(&self, batch: &EventBatch) -> StoreResult<()> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Unavailable("event connection poisoned".into()))?;
        let conn = conn
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("store closed".into()))?;
        batch
            .write(conn)
            .map_err(|e| super::own_connection::unavailable(&e))
    }

    /// Closes the connection (once a running batch ends).
    pub(crate) fn close(&self) {
        if let Ok(mut conn) = self.conn.lock() {
            drop(conn.take());
        }
    }
}

/// The events table's columns of one event, and its body.
struct EventRow {
    time: i64,
    event: Cow<'static, str>,
    account_id: Option<String>,
    sp_id: Option<String>,
    idp_id: Option<String>,
    body: String,
}

/// What a batch writes, owned, so that it can cross to the blocking pool.
pub(crate) struct EventBatch {
    rows: Vec<EventRow>,
    delta: StatsDelta,
}

const INSERT_EVENT: &str = "INSERT INTO events (time, event, account_id, sp_id, idp_id, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const INSERT_DAILY: &str =
    "INSERT INTO stats_daily (day, platform, sp_id, idp_id, connections) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_MONTHLY_KEYS: &str = "INSERT INTO stats_monthly_keys (month, platform, sp_id, idp_id, connections) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_MONTH_USER: &str =
    "INSERT INTO stats_month_users (month, account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
const INSERT_FIRST_USER: &str =
    "INSERT INTO stats_users (account_id, first_month) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
const INSERT_MONTHLY: &str =
    "INSERT INTO stats_monthly (month, users, new_users) VALUES (?1, ?2, ?3)";

impl EventBatch {
    /// `bodies` are the events' bodies, in order; `delta` what they count.
    pub(crate) fn new(
        events: &[BusinessEvent],
        bodies: Vec<String>,
        delta: StatsDelta,
    ) -> EventBatch {
        let rows = events
            .iter()
            .zip(bodies)
            .map(|(e, body)| EventRow {
                time: e.time,
                event: e.event.clone(),
                account_id: e.account_id.clone(),
                sp_id: e.sp_id.clone(),
                idp_id: e.idp_id.clone(),
                body,
            })
            .collect();
        EventBatch { rows, delta }
    }

    /// Writes the batch in one transaction, taking SQLite's write lock
    /// first. On any error the transaction is rolled back.
    fn write(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let written = self
            .write_rows(conn)
            .and_then(|()| conn.execute_batch("COMMIT"));
        if written.is_err() && !conn.is_autocommit() {
            // The error that matters is the first one.
            let _ = conn.execute_batch("ROLLBACK");
        }
        written
    }

    fn write_rows(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        let mut insert = conn.prepare_cached(INSERT_EVENT)?;
        for r in &self.rows {
            insert.execute((
                r.time,
                r.event.as_ref(),
                r.account_id.as_deref(),
                r.sp_id.as_deref(),
                r.idp_id.as_deref(),
                r.body.as_str(),
            ))?;
        }
        if self.delta.is_empty() {
            return Ok(());
        }
        let daily = [INSERT_DAILY, crate::sql_stats::DAILY_UPSERT].concat();
        let mut daily = conn.prepare_cached(&daily)?;
        for (k, n) in &self.delta.daily {
            daily.execute((
                k.day.as_str(),
                k.platform.as_str(),
                k.sp_id.as_str(),
                k.idp_id.as_str(),
                i64::try_from(*n).unwrap_or(i64::MAX),
            ))?;
        }
        let monthly = [INSERT_MONTHLY_KEYS, crate::sql_stats::MONTHLY_KEYS_UPSERT].concat();
        let mut monthly = conn.prepare_cached(&monthly)?;
        for ((month, platform, sp, idp), n) in crate::sql_stats::monthly_connections(&self.delta) {
            monthly.execute((month, platform, sp, idp, n))?;
        }
        let mut month_user = conn.prepare_cached(INSERT_MONTH_USER)?;
        let mut first_user = conn.prepare_cached(INSERT_FIRST_USER)?;
        let totals = [INSERT_MONTHLY, crate::sql_stats::MONTHLY_TOTALS_UPSERT].concat();
        let mut totals = conn.prepare_cached(&totals)?;
        for (month, accounts) in crate::sql_stats::users_by_month(&self.delta) {
            let (mut users, mut new_users) = (0_i64, 0_i64);
            for a in &accounts {
                users += i64::from(month_user.execute((month, *a))? > 0);
            }
            for a in &accounts {
                new_users += i64::from(first_user.execute((*a, month))? > 0);
            }
            // Returning users add nothing: the month's row is left alone.
            if users > 0 || new_users > 0 {
                totals.execute((month, users, new_users))?;
            }
        }
        Ok(())
    }
}
