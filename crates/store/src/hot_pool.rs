//! Connections for the statements every login runs, held outside sqlx's
//! pool.
//!
//! sqlx's pool hands a connection back by spawning a task that pings it
//! first: for each statement, one more task and one more round trip — two
//! thread wake-ups to SQLite's worker thread, or a network round trip to
//! PostgreSQL. A login's account statements (and the event writer's
//! inserts) run here instead: a connection taken from a lock-free queue,
//! bounded by a semaphore, and put back as it is once its statement has
//! run to the end ([`HotConn::done`]). A connection whose statement failed
//! or was abandoned half-way (a cancelled request) is closed instead of
//! reused, so the queue only ever holds idle, clean connections; the next
//! caller opens a fresh one through the sqlx pool (and detaches it).

use crossbeam_queue::ArrayQueue;
use sqlx::{Connection, Database, Pool};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// A connection idle longer than this is pinged before it is lent: the
/// server, a proxy or a firewall may have closed it meanwhile. Under load
/// none waits that long, and none is pinged.
pub(crate) const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

pub struct HotPool<DB: Database> {
    idle: ArrayQueue<(DB::Connection, Instant)>,
    permits: Semaphore,
    source: Pool<DB>,
}

/// A connection lent by [`HotPool::acquire`].
pub struct HotConn<'a, DB: Database> {
    conn: Option<DB::Connection>,
    pool: &'a HotPool<DB>,
    _permit: SemaphorePermit<'a>,
}

impl<DB: Database> HotPool<DB> {
    /// At most `size` connections, opened from `source` when needed.
    pub fn new(source: Pool<DB>, size: usize) -> HotPool<DB> {
        let size = size.max(1);
        HotPool {
            idle: ArrayQueue::new(size),
            permits: Semaphore::new(size),
            source,
        }
    }

    pub async fn acquire(&self) -> Result<HotConn<'_, DB>, sqlx::Error> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let conn = match self.idle.pop() {
            Some((mut c, since)) if since.elapsed() > IDLE_BEFORE_PING => match c.ping().await {
                Ok(()) => c,
                Err(_) => self.source.acquire().await?.detach(),
            },
            Some((c, _)) => c,
            None => self.source.acquire().await?.detach(),
        };
        Ok(HotConn {
            conn: Some(conn),
            pool: self,
            _permit: permit,
        })
    }

    /// Refuses further acquires and closes the idle connections (a lent
    /// one closes when its holder drops it: the closed semaphore takes no
    /// permit back, and the queue is not refilled).
    pub async fn close(&self) {
        self.permits.close();
        while let Some((conn, _)) = self.idle.pop() {
            let _ = conn.close().await;
        }
    }

    /// Connections waiting in the queue.
    #[cfg(test)]
    fn idle(&self) -> usize {
        self.idle.len()
    }

    /// Prepared statements the idle connections keep.
    #[cfg(test)]
    pub(crate) fn cached_statements(&self) -> usize
    where
        DB: sqlx::database::HasStatementCache,
    {
        let idle: Vec<_> = std::iter::from_fn(|| self.idle.pop()).collect();
        let n = idle.iter().map(|(c, _)| c.cached_statements_size()).sum();
        for c in idle {
            let _ = self.idle.push(c);
        }
        n
    }
}

impl<DB: Database> HotConn<'_, DB> {
    /// The connection, to run a statement on.
    pub fn get(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// The statement ran to its end: the connection goes back to the queue
    /// (unless the pool was closed meanwhile).
    pub fn done(mut self) {
        if self.pool.permits.is_closed() {
            return;
        }
        if let Some(c) = self.conn.take() {
            // The queue has a place per permit; a full one cannot happen,
            // and would only close this connection.
            let _ = self.pool.idle.push((c, Instant::now()));
        }
    }

    /// Puts the connection back after `result`'s statement, or closes it
    /// if the statement failed; hands `result` on.
    pub fn finish<T>(self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        if result.is_ok() {
            self.done();
        }
        result
    }
}

/// Event batches of forty different sizes (with their statistics) leave
/// no prepared statement per size behind on the login's connections
/// ([`crate::sql::sized_batch`]).
#[cfg(test)]
pub(crate) async fn event_batches_are_not_kept_prepared<
    DB: Database + sqlx::database::HasStatementCache,
>(
    store: &impl crate::EventStore,
    hot: &HotPool<DB>,
) {
    use relais_core::event::{BusinessEvent, EventKind};
    let before = hot.cached_statements();
    for size in 1..=40_i64 {
        let batch: Vec<BusinessEvent> = (0..size)
            .map(|i| {
                let mut e = BusinessEvent::new(EventKind::FcVerified, 1_000 * size + i);
                e.account_id = Some(format!("account-{size}-{i}"));
                e.sp_id = Some("sp".into());
                e.idp_id = Some("idp".into());
                e
            })
            .collect();
        store.append_events(&batch).await.unwrap();
    }
    assert_eq!(store.count_events("FC_VERIFIED").await.unwrap(), 820);
    // A few fixed statements may stay (PostgreSQL's connections bring the
    // migration's); one per batch size would be 40 or more.
    let kept = hot.cached_statements().saturating_sub(before);
    assert!(kept < 20, "{kept} prepared statements kept by 40 batches");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sqlx::sqlite::SqlitePoolOptions;
    use sqlx::Sqlite;
    use std::time::Duration;

    async fn pool(size: usize) -> HotPool<Sqlite> {
        let source = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        HotPool::new(source, size)
    }

    #[tokio::test]
    async fn a_connection_is_reused_only_after_a_statement_that_ran_to_its_end() {
        let hot = pool(2).await;
        let mut conn = hot.acquire().await.unwrap();
        let one: Result<i64, _> = sqlx::query_scalar("SELECT 1")
            .fetch_one(conn.get().unwrap())
            .await;
        assert_eq!(conn.finish(one).unwrap(), 1);
        assert_eq!(hot.idle(), 1, "back in the queue");

        let mut conn = hot.acquire().await.unwrap();
        assert_eq!(hot.idle(), 0, "lent out");
        let bad: Result<i64, _> = sqlx::query_scalar("SELECT nothing FROM nowhere")
            .fetch_one(conn.get().unwrap())
            .await;
        assert!(conn.finish(bad).is_err());
        assert_eq!(hot.idle(), 0, "a failed statement's connection is closed");

        // Abandoned (a cancelled request): not put back either.
        let conn = hot.acquire().await.unwrap();
        drop(conn);
        assert_eq!(hot.idle(), 0);

        // The next caller gets a fresh connection that works.
        let mut conn = hot.acquire().await.unwrap();
        let two: Result<i64, _> = sqlx::query_scalar("SELECT 2")
            .fetch_one(conn.get().unwrap())
            .await;
        assert_eq!(conn.finish(two).unwrap(), 2);
        assert_eq!(hot.idle(), 1);
    }

    #[tokio::test]
    async fn a_closed_pool_lends_nothing_and_keeps_nothing() {
        let hot = pool(2).await;
        let lent = hot.acquire().await.unwrap();
        hot.acquire().await.unwrap().done();
        assert_eq!(hot.idle(), 1);
        hot.close().await;
        assert_eq!(hot.idle(), 0, "idle connections closed");
        lent.done();
        assert_eq!(hot.idle(), 0, "a connection lent before is not put back");
        assert!(hot.acquire().await.is_err(), "no more acquires");
    }

    #[tokio::test]
    async fn at_most_size_connections_are_lent() {
        let hot = pool(1).await;
        let first = hot.acquire().await.unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(50), hot.acquire()).await;
        assert!(waiting.is_err(), "a second caller waits for the first");
        first.done();
        let second = tokio::time::timeout(Duration::from_secs(5), hot.acquire()).await;
        assert!(second.is_ok(), "and gets the connection once it is back");
    }
}
