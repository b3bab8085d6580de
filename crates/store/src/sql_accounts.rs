//! Citizens' accounts on the SQL backends: the same queries for SQLite and
//! PostgreSQL, expanded into each backend's `durable.rs` (like
//! [`crate::sql`]'s other tiers). A login records its account in one
//! statement ([`crate::AccountStore::connect`]); statements with
//! `RETURNING` are read to the end, or SQLite's write-ahead log stops
//! restarting.

/// Implements [`crate::AccountStore`] for a store with a `pool` field.
macro_rules! sql_accounts {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::AccountStore for $store {
            async fn get_account(&self, id: &str) -> $crate::StoreResult<Option<$crate::Account>> {
                let row: Option<$crate::rows::AccountRow> =
                    sqlx::query_as("SELECT * FROM accounts WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(unavailable)?;
                row.map($crate::rows::AccountRow::into_account).transpose()
            }

            async fn record_connection(
                &self,
                id: &str,
                idp_id: &str,
                now_millis: i64,
            ) -> $crate::StoreResult<$crate::Account> {
                let fresh = $crate::Account::new(id, idp_id, now_millis);
                let row: $crate::rows::AccountRow = sqlx::query_as(
                    "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES ($1, TRUE, $2, $2, $3, $4)
                     ON CONFLICT (id) DO UPDATE SET last_connection = excluded.last_connection, last_idp = excluded.last_idp
                     RETURNING *",
                )
                .bind(id)
                .bind(now_millis)
                .bind(idp_id)
                .bind(fresh.prefs_json())
                // Stepped to the end: an INSERT … RETURNING read only up to
                // its row leaves its statement open, and with it a read mark
                // that keeps SQLite's write-ahead log from ever restarting.
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?
                .into_iter()
                .next()
                .ok_or_else(|| $crate::StoreError::Corrupt("upsert returned no row".into()))?;
                row.into_account()
            }

            async fn connect(
                &self,
                id: &str,
                idp_id: &str,
                now_millis: i64,
            ) -> $crate::StoreResult<$crate::Connection> {
                // A new account, or an active one whose preferences are the
                // defaults (nothing blocked, no sub override: it refuses no
                // IdP), is recorded in this one statement; any other makes
                // the update's WHERE false, returns no row, and goes through
                // the checked path, which leaves a refusing account untouched.
                let fresh = $crate::Account::new(id, idp_id, now_millis);
                let row: Option<$crate::rows::AccountRow> = sqlx::query_as(
                    "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES ($1, TRUE, $2, $2, $3, $4)
                     ON CONFLICT (id) DO UPDATE SET last_connection = excluded.last_connection, last_idp = excluded.last_idp
                     WHERE accounts.active AND accounts.prefs = excluded.prefs
                     RETURNING *",
                )
                .bind(id)
                .bind(now_millis)
                .bind(idp_id)
                .bind(fresh.prefs_json())
                .fetch_all(&self.pool) // to the end, as in record_connection
                .await
                .map_err(unavailable)?
                .into_iter()
                .next();
                match row {
                    Some(row) => Ok($crate::Connection::Recorded(row.into_account()?)),
                    None => $crate::connect_checked(self, id, idp_id, now_millis).await,
                }
            }

            async fn save_account(&self, a: &$crate::Account) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (id) DO UPDATE SET active = excluded.active, prefs = excluded.prefs",
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

            async fn delete_accounts_unused_since(&self, before_millis: i64) -> $crate::StoreResult<u64> {
                let r = sqlx::query("DELETE FROM accounts WHERE last_connection < $1")
                    .bind(before_millis)
                    .execute(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(r.rows_affected())
            }
        }
    };
}

pub(crate) use sql_accounts;
