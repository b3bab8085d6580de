//! Citizens' accounts on the SQL backends: the same queries for SQLite and
//! PostgreSQL, expanded into each backend's `durable.rs` (like
//! [`crate::sql`]'s other tiers). A login records its account in one
//! statement ([`crate::AccountStore::connect`]); statements with
//! `RETURNING` are read to the end, or SQLite's write-ahead log stops
//! restarting.

/// A login's connection: the account created, or its last connection and
/// IdP updated ($1 id, $2 now, $3 IdP, $4 default preferences).
macro_rules! upsert_account {
    () => {
        "INSERT INTO accounts (id, active, created_at, last_connection, last_idp, prefs) VALUES ($1, TRUE, $2, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET last_connection = excluded.last_connection, last_idp = excluded.last_idp"
    };
}

/// [`crate::AccountStore::connect`]'s one statement: [`upsert_account!`]
/// only for a new account, or an active one whose preferences are the
/// defaults (nothing blocked, no sub override: it refuses no IdP); any
/// other makes the update's WHERE false and returns no row.
macro_rules! connect_upsert {
    () => {
        concat!(
            $crate::sql_accounts::upsert_account!(),
            " WHERE accounts.active AND accounts.prefs = excluded.prefs RETURNING *"
        )
    };
}
pub(crate) use connect_upsert;

/// What a backend's `upsert_here` or `get_here` hook gave: `Some` the
/// account as stored, if the statement wrote (or found) it; `None` when it
/// did not run on the calling thread, and the statement goes through sqlx.
pub(crate) type RanHere = Option<crate::StoreResult<Option<crate::Account>>>;

/// An account by its id ($1).
macro_rules! select_account {
    () => {
        "SELECT * FROM accounts WHERE id = $1"
    };
}

/// Implements [`crate::AccountStore`] for a store with a `pool` field, a
/// `hot` one ([`crate::hot_pool`]) for the statements of every login,
/// `upsert_here` and `get_here` methods that run a login's statements
/// without a round trip where the backend can (SQLite: [`crate::sqlite`]'s
/// `inline`), and an async `connect_storing` method for
/// [`crate::AccountStore::connect_with_events`]: `None` where the backend
/// stores events apart (SQLite); else the one-statement connection run
/// with its events (PostgreSQL: [`crate::postgres`]'s `events_write`),
/// answering the account as stored, or no account when it is not of the
/// one-statement case (nothing written); and an async `standing_storing`
/// method for [`crate::AccountStore::standing_with_events`], alike: `None`
/// on SQLite, else the account read with the events in one statement,
/// answering the account if it refuses no IdP (events written), or no
/// account (nothing written).
macro_rules! sql_accounts {
    ($store:ty) => {
        impl $store {
            /// Runs one form of [`upsert_account!`] with `RETURNING *`: the
            /// account as stored, if the statement wrote it.
            async fn upsert_account(
                &self,
                sql: &'static str,
                id: &str,
                idp_id: &str,
                now_millis: i64,
            ) -> $crate::StoreResult<Option<$crate::Account>> {
                if let Some(stored) = self.upsert_here(sql, id, idp_id, now_millis) {
                    return stored;
                }
                let mut conn = self.hot.acquire().await.map_err(unavailable)?;
                let rows: Result<Vec<$crate::rows::AccountRow>, _> = sqlx::query_as(sql)
                    .bind(id)
                    .bind(now_millis)
                    .bind(idp_id)
                    .bind($crate::records::DEFAULT_PREFS_JSON)
                    // Stepped to the end (fetch_all, never fetch_one): an
                    // INSERT … RETURNING read only up to its row leaves its
                    // statement open, and with it a read mark that keeps
                    // SQLite's write-ahead log from ever restarting.
                    .fetch_all(conn.get().map_err(unavailable)?)
                    .await;
                let rows = conn.finish(rows).map_err(unavailable)?;
                rows.into_iter().next().map($crate::rows::AccountRow::into_account).transpose()
            }
        }

        #[async_trait::async_trait]
        impl $crate::AccountStore for $store {
            async fn get_account(&self, id: &str) -> $crate::StoreResult<Option<$crate::Account>> {
                let sql = $crate::sql_accounts::select_account!();
                if let Some(stored) = self.get_here(sql, id) {
                    return stored;
                }
                let mut conn = self.hot.acquire().await.map_err(unavailable)?;
                let row: Result<Option<$crate::rows::AccountRow>, _> =
                    sqlx::query_as(sql)
                        .bind(id)
                        .fetch_optional(conn.get().map_err(unavailable)?)
                        .await;
                let row = conn.finish(row).map_err(unavailable)?;
                row.map($crate::rows::AccountRow::into_account).transpose()
            }

            async fn record_connection(
                &self,
                id: &str,
                idp_id: &str,
                now_millis: i64,
            ) -> $crate::StoreResult<$crate::Account> {
                let sql = concat!($crate::sql_accounts::upsert_account!(), " RETURNING *");
                self.upsert_account(sql, id, idp_id, now_millis)
                    .await?
                    .ok_or_else(|| $crate::StoreError::Corrupt("upsert returned no row".into()))
            }

            async fn connect(
                &self,
                id: &str,
                idp_id: &str,
                now_millis: i64,
            ) -> $crate::StoreResult<$crate::Connection> {
                // Most logins are recorded in this one statement; the others
                // go through the checked path, which leaves a refusing
                // account untouched.
                let sql = $crate::sql_accounts::connect_upsert!();
                match self.upsert_account(sql, id, idp_id, now_millis).await? {
                    Some(account) => Ok($crate::Connection::Recorded(account)),
                    None => $crate::connect_checked(self, id, idp_id, now_millis).await,
                }
            }

            async fn connect_with_events(
                &self,
                id: &str,
                idp_id: &str,
                now_millis: i64,
                events: &[relais_core::event::BusinessEvent],
            ) -> $crate::StoreResult<$crate::ConnectionWithEvents> {
                let (connection, events_stored) =
                    match self.connect_storing(id, idp_id, now_millis, events).await {
                        Some(stored) => match stored? {
                            Some(account) => ($crate::Connection::Recorded(account), true),
                            // Not the one-statement case: nothing written.
                            None => ($crate::connect_checked(self, id, idp_id, now_millis).await?, false),
                        },
                        None => (self.connect(id, idp_id, now_millis).await?, false),
                    };
                Ok($crate::ConnectionWithEvents { connection, events_stored })
            }

            async fn standing_with_events(
                &self,
                id: &str,
                idp_id: &str,
                events: &[relais_core::event::BusinessEvent],
            ) -> $crate::StoreResult<$crate::StandingWithEvents> {
                if let Some(stored) = self.standing_storing(id, events).await {
                    if stored?.is_some() {
                        return Ok($crate::StandingWithEvents {
                            refusal: None,
                            events_stored: true,
                        });
                    }
                }
                // Not the one-statement case (nothing written): the
                // account's own rules say.
                Ok($crate::StandingWithEvents {
                    refusal: $crate::refusal_of(self, id, idp_id).await?,
                    events_stored: false,
                })
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

pub(crate) use select_account;
pub(crate) use sql_accounts;
pub(crate) use upsert_account;
