//! The SQLite schema: the migrations in `migrations/sqlite/`, embedded in
//! the binary by `sqlx::migrate!` and applied in order at open (sqlx records
//! them in `_sqlx_migrations`), so older files upgrade forward safely.

use super::{unavailable, SqliteStore};
use crate::{StoreError, StoreResult};
use sqlx::migrate::Migrator;

static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

impl SqliteStore {
    pub(super) async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => unavailable(e),
            other => StoreError::Corrupt(format!("schema migration: {other}")),
        })
    }
}
