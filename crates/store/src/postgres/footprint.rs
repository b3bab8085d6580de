//! What a PostgreSQL database has written, read beside the login path:
//! the server's write-ahead log position, the database's size on disk and
//! its committed transactions. Read before and after a `relais bench` run,
//! their differences per login are what a login costs PostgreSQL in disk
//! and commits — the figures an operator sizes the server with
//! (docs/deployment.md), measured by the bench instead of by hand.

use super::unavailable;
use crate::StoreResult;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

/// One reading of a PostgreSQL database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgFootprint {
    /// Bytes of write-ahead log the server has written since its start
    /// (`pg_current_wal_lsn()`): every database of the server.
    pub wal_bytes: u64,
    /// The database's size on disk (`pg_database_size`), tables, indexes
    /// and free space within their files.
    pub database_bytes: u64,
    /// Transactions committed in the database (`pg_stat_database`), which
    /// each backend publishes about once a second (up to ten when idle):
    /// a figure for runs of ten seconds and more.
    pub commits: u64,
}

impl PgFootprint {
    /// Reads the database `url` points at, on a connection of its own.
    pub async fn read(url: &str) -> StoreResult<PgFootprint> {
        let mut conn = PgConnectOptions::from_str(url)
            .map_err(unavailable)?
            .connect()
            .await
            .map_err(unavailable)?;
        let (wal, size, commits): (i64, i64, i64) = sqlx::query_as(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, \
                    pg_database_size(current_database()), \
                    COALESCE((SELECT xact_commit FROM pg_stat_database \
                              WHERE datname = current_database()), 0)",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(unavailable)?;
        let _ = conn.close().await;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(PgFootprint {
            wal_bytes: count(wal),
            database_bytes: count(size),
            commits: count(commits),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backends::{available, postgres_url, Backend};

    #[tokio::test]
    async fn a_write_moves_the_log_and_a_commit_is_counted() {
        if !available(
            "a_write_moves_the_log_and_a_commit_is_counted",
            &[Backend::Postgres],
        )
        .await
        {
            return;
        }
        let url = postgres_url();
        let before = PgFootprint::read(&url).await.unwrap();
        assert!(before.wal_bytes > 0 && before.database_bytes > 0);
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let table = format!("footprint_{}", std::process::id());
        sqlx::query(&format!(
            "CREATE TABLE {table} AS SELECT repeat('x', 1000) AS v FROM generate_series(1, 100)"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query(&format!("DROP TABLE {table}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let after = PgFootprint::read(&url).await.unwrap();
        // 100 rows of 1,000 bytes went through the log.
        assert!(
            after.wal_bytes >= before.wal_bytes + 100_000,
            "{before:?} → {after:?}"
        );
        assert!(after.commits >= before.commits, "{before:?} → {after:?}");
    }
}
