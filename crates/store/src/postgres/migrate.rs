//! The PostgreSQL schema: the migrations in `migrations/postgres/`,
//! embedded in the binary by `sqlx::migrate!` and applied at start (and by
//! `relais migrate`) under sqlx's advisory lock, so nodes starting together
//! migrate once; then the event partitions of this month and the next two.

use super::{unavailable, PgStore};
use crate::{StoreError, StoreResult};
use relais_core::timefmt::month_bounds;
use sqlx::migrate::Migrator;

static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// The event partitions of the month of `at` and the next two: name and
/// bounds (ms).
fn partitions_ahead(mut at: i64) -> Vec<(String, i64, i64)> {
    let mut out = Vec::with_capacity(3);
    for _ in 0..3 {
        let m = month_bounds(at);
        out.push((
            format!("events_{:04}_{:02}", m.year, m.month),
            m.start,
            m.end,
        ));
        at = m.end;
    }
    out
}

/// The partition holding events of the month of `millis`.
#[cfg(test)]
pub(crate) fn partition_name(millis: i64) -> String {
    let m = month_bounds(millis);
    format!("events_{:04}_{:02}", m.year, m.month)
}

impl PgStore {
    /// Applies missing migrations and creates the event partitions of this
    /// month and the next two.
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => unavailable(e),
            other => StoreError::Corrupt(format!("schema migration: {other}")),
        })?;
        self.ensure_partitions().await
    }

    /// Creates the event partitions of this month and the next two, if
    /// missing (at start, then every day by the node's supervisor), with
    /// the function of migration 0002.
    pub async fn ensure_partitions(&self) -> StoreResult<()> {
        for (name, start, end) in partitions_ahead(self.clock.now_millis()) {
            sqlx::query("SELECT relais_ensure_partition($1, $2, $3)")
                .bind(name)
                .bind(start)
                .bind(end)
                .execute(&self.pool)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}
