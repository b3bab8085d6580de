//! The SQL the SQLite and PostgreSQL backends share, written once.
//!
//! Both backends hold the same tables (see `migrations/`) and both accept
//! numbered placeholders (`$1`), `ON CONFLICT … DO UPDATE`, `RETURNING` and
//! multi-row `VALUES`, so every query is the same text on both. What
//! differs is the concrete sqlx pool type, which sqlx's generic executor
//! traits make painful to abstract over; these macros instead expand the
//! one implementation for each backend's store type. Each backend module
//! provides `self.pool`, `self.clock` and an `unavailable(sqlx::Error)`
//! mapping (resolved where the macro is invoked). PostgreSQL also names a
//! statement that announces configuration changes to the other nodes.

use crate::StoreError;

/// A failed statement as the web layer sees it: retryable, with a short
/// reason naming the backend (never the query or its values).
pub(crate) fn unavailable(backend: &str, e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(match e {
        sqlx::Error::PoolTimedOut => format!("{backend}: pool timed out"),
        sqlx::Error::Io(_) => format!("{backend}: connection failed"),
        other => format!(
            "{backend}: {}",
            other.to_string().chars().take(200).collect::<String>()
        ),
    })
}

/// `EphemeralStore` on the `ephemeral` table.
macro_rules! sql_ephemeral {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::EphemeralStore for $store {
            async fn put(&self, key: &str, value: &[u8], ttl_secs: u64) -> $crate::StoreResult<()> {
                sqlx::query("INSERT INTO ephemeral (key, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at")
                    .bind(key)
                    .bind(value)
                    .bind(self.clock.now_millis().saturating_add($crate::ttl_millis(ttl_secs)))
                    .execute(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }

            async fn put_new(&self, key: &str, value: &[u8], ttl_secs: u64) -> $crate::StoreResult<bool> {
                // An expired entry counts as absent: it is replaced.
                let now = self.clock.now_millis();
                let r = sqlx::query("INSERT INTO ephemeral (key, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE ephemeral.expires_at <= $4")
                    .bind(key)
                    .bind(value)
                    .bind(now.saturating_add($crate::ttl_millis(ttl_secs)))
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(r.rows_affected() == 1)
            }

            async fn get(&self, key: &str) -> $crate::StoreResult<Option<Vec<u8>>> {
                sqlx::query_scalar("SELECT value FROM ephemeral WHERE key = $1 AND expires_at > $2")
                    .bind(key)
                    .bind(self.clock.now_millis())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)
            }

            async fn take(&self, key: &str) -> $crate::StoreResult<Option<Vec<u8>>> {
                sqlx::query_scalar(
                    "DELETE FROM ephemeral WHERE key = $1 AND expires_at > $2 RETURNING value",
                )
                .bind(key)
                .bind(self.clock.now_millis())
                .fetch_all(&self.pool) // to the end: sql_accounts.rs says why
                .await
                .map_err(unavailable)
                .map(|rows| rows.into_iter().next())
            }

            async fn delete(&self, key: &str) -> $crate::StoreResult<()> {
                sqlx::query("DELETE FROM ephemeral WHERE key = $1")
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }

            async fn purge_expired(&self) -> $crate::StoreResult<u64> {
                let r = sqlx::query("DELETE FROM ephemeral WHERE expires_at <= $1")
                    .bind(self.clock.now_millis())
                    .execute(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(r.rows_affected())
            }
        }
    };
}

/// A statement with a `VALUES` row per item of a batch, built to run
/// unprepared: its text changes with the batch's size, and sqlx would keep
/// one prepared statement per size, up to 100 per connection (16.5 MiB of
/// a node after a 12,000-login `relais bench`; docs/benchmarks-log.md, eighth
/// pass). One compilation per batch is the price, a few per second.
pub(crate) fn sized_batch<'q, 'args, DB: sqlx::Database + sqlx::database::HasStatementCache>(
    qb: &'q mut sqlx::QueryBuilder<'args, DB>,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'args>> {
    qb.build().persistent(false)
}

/// Opens the rows of an `INSERT` written only if the statement's CTE
/// `guard` returned a row (`guard` `None`: written unconditionally): the
/// `VALUES` list that follows becomes `SELECT * FROM (VALUES …) AS v WHERE
/// EXISTS (SELECT 1 FROM guard)`, closed by [`close_guard`].
pub(crate) fn open_guard<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'_, DB>,
    guard: Option<&str>,
) {
    if guard.is_some() {
        qb.push("SELECT * FROM (");
    }
}

/// Closes what [`open_guard`] opened.
pub(crate) fn close_guard<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'_, DB>,
    guard: Option<&str>,
) {
    if let Some(guard) = guard {
        qb.push(") AS v");
        push_guard_condition(qb, guard);
    }
}

/// ` WHERE EXISTS (SELECT 1 FROM guard)`: the condition of a row written
/// only if the statement's CTE `guard` returned one.
pub(crate) fn push_guard_condition<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'_, DB>,
    guard: &str,
) {
    qb.push(" WHERE EXISTS (SELECT 1 FROM ")
        .push(guard)
        .push(")");
}

/// `ConfigStore`, `AccountStore`, `EventStore` and `KeyStore` on the
/// durable tables. With `notify = "…"`, that statement (one text
/// parameter: what changed) runs in the same transaction as every
/// configuration or key change.
macro_rules! sql_durable {
    ($store:ty) => {
        $crate::sql::sql_durable!(@impl $store, None);
    };
    ($store:ty, notify = $notify:literal) => {
        $crate::sql::sql_durable!(@impl $store, Some($notify));
    };
    // Announces a change inside the transaction `$tx`, where the backend
    // has a statement for it.
    (@notify $tx:ident, $what:expr) => {
        if let Some(notify) = Self::NOTIFY {
            sqlx::query(notify)
                .bind($what)
                .execute(&mut *$tx)
                .await
                .map_err(unavailable)?;
        }
    };
    (@impl $store:ty, $notify:expr) => {
        impl $store {
            /// The statement announcing a configuration change, if any.
            const NOTIFY: Option<&'static str> = $notify;
        }

        #[async_trait::async_trait]
        impl $crate::ConfigStore for $store {
            async fn put_config(
                &self,
                kind: $crate::ConfigKind,
                id: &str,
                doc: &serde_json::Value,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(unavailable)?;
                sqlx::query("INSERT INTO config (kind, id, doc, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at")
                    .bind(kind.as_str())
                    .bind(id)
                    .bind(doc.to_string())
                    .bind(self.clock.now_millis())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                $crate::sql::sql_durable!(@notify tx, format!("{}:{id}", kind.as_str()));
                tx.commit().await.map_err(unavailable)
            }

            async fn get_config(
                &self,
                kind: $crate::ConfigKind,
                id: &str,
            ) -> $crate::StoreResult<Option<serde_json::Value>> {
                let doc: Option<String> =
                    sqlx::query_scalar("SELECT doc FROM config WHERE kind = $1 AND id = $2")
                        .bind(kind.as_str())
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(unavailable)?;
                doc.as_deref().map($crate::rows::parse_doc).transpose()
            }

            async fn list_config(
                &self,
                kind: $crate::ConfigKind,
            ) -> $crate::StoreResult<Vec<(String, serde_json::Value)>> {
                $crate::ConfigStore::list_config_text(self, kind)
                    .await?
                    .into_iter()
                    .map(|(id, doc)| Ok((id, $crate::rows::parse_doc(&doc)?)))
                    .collect()
            }

            async fn config_fingerprint(&self, kind: $crate::ConfigKind) -> $crate::StoreResult<(i64, i64, i64)> {
                sqlx::query_as(
                    "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(MAX(updated_at), 0) AS BIGINT),
                            CAST(COALESCE(SUM(updated_at % 1000003), 0) AS BIGINT) FROM config WHERE kind = $1",
                )
                .bind(kind.as_str())
                .fetch_one(&self.pool)
                .await
                .map_err(unavailable)
            }

            async fn list_config_text(
                &self,
                kind: $crate::ConfigKind,
            ) -> $crate::StoreResult<Vec<(String, String)>> {
                sqlx::query_as("SELECT id, doc FROM config WHERE kind = $1 ORDER BY id")
                    .bind(kind.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)
            }

            async fn delete_config(&self, kind: $crate::ConfigKind, id: &str) -> $crate::StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(unavailable)?;
                let r = sqlx::query("DELETE FROM config WHERE kind = $1 AND id = $2")
                    .bind(kind.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                $crate::sql::sql_durable!(@notify tx, format!("{}:{id}", kind.as_str()));
                tx.commit().await.map_err(unavailable)?;
                Ok(r.rows_affected() > 0)
            }
        }

        impl $store {
            /// Stores `events` (`bodies` their JSON, in order) and their
            /// rollup.
            async fn append_with_bodies(
                &self,
                events: &[relais_core::event::BusinessEvent],
                bodies: std::borrow::Cow<'_, [String]>,
            ) -> $crate::StoreResult<()> {
                let delta = relais_core::stats::delta(events);
                let (bodies, delta) = match self.append_here(events, bodies, delta).await {
                    Ok(stored) => return stored,
                    Err(back) => back,
                };
                let mut conn = self.hot.acquire().await.map_err(unavailable)?;
                // The rollup moves with the events, atomically (see each
                // backend's `write_events`). An error drops the connection,
                // and with it any transaction left open.
                Self::write_events(conn.get().map_err(unavailable)?, events, &bodies, &delta)
                    .await?;
                conn.done();
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::EventStore for $store {
            async fn append_events(
                &self,
                events: &[relais_core::event::BusinessEvent],
            ) -> $crate::StoreResult<()> {
                if events.is_empty() {
                    return Ok(());
                }
                let bodies = $crate::sql_events::event_bodies(events)?;
                self.append_with_bodies(events, std::borrow::Cow::Owned(bodies))
                    .await
            }

            async fn append_serialised(
                &self,
                events: &$crate::SerialisedEvents,
            ) -> $crate::StoreResult<()> {
                if events.is_empty() {
                    return Ok(());
                }
                self.append_with_bodies(
                    events.events(),
                    std::borrow::Cow::Borrowed(events.bodies()),
                )
                .await
            }


            async fn events_for_account(
                &self,
                q: &$crate::AccountEvents<'_>,
            ) -> $crate::StoreResult<Vec<relais_core::event::BusinessEvent>> {
                let mut qb = sqlx::QueryBuilder::new("SELECT body FROM events WHERE account_id = ");
                qb.push_bind(q.account_id).push(" AND time >= ").push_bind(q.since_millis);
                if !q.kinds.is_empty() {
                    qb.push(" AND event IN (");
                    let mut list = qb.separated(", ");
                    for k in q.kinds {
                        list.push_bind(*k);
                    }
                    qb.push(")");
                }
                if let Some(sp) = q.sp_id {
                    qb.push(" AND sp_id = ").push_bind(sp);
                }
                qb.push(" ORDER BY time DESC, seq DESC LIMIT ")
                    .push_bind(i64::from(q.limit))
                    .push(" OFFSET ")
                    .push_bind(i64::from(q.offset));
                let rows: Vec<String> = qb
                    .build_query_scalar()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                rows.iter().map(|b| $crate::records::stored_event(b)).collect()
            }

            async fn purge_events_before(&self, before_millis: i64) -> $crate::StoreResult<u64> {
                let r = sqlx::query("DELETE FROM events WHERE time < $1")
                    .bind(before_millis)
                    .execute(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(r.rows_affected())
            }

            async fn events_after(
                &self,
                after: i64,
                limit: u32,
            ) -> $crate::StoreResult<Vec<(i64, relais_core::event::BusinessEvent)>> {
                let rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT seq, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                rows.iter()
                    .map(|(seq, b)| Ok((*seq, $crate::records::stored_event(b)?)))
                    .collect()
            }

            async fn count_events(&self, event: &str) -> $crate::StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE event = $1")
                    .bind(event)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }

        #[async_trait::async_trait]
        impl $crate::KeyStore for $store {
            async fn put_key(&self, k: &$crate::StoredKey) -> $crate::StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(unavailable)?;
                sqlx::query(
                    "INSERT INTO signing_keys (kid, alg, public_jwk, sealed_private, created_at, active_from, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (kid) DO UPDATE SET active_from = excluded.active_from, retired_at = excluded.retired_at",
                )
                .bind(&k.kid)
                .bind(k.alg.as_str())
                .bind(&k.public_jwk)
                .bind(&k.sealed_private)
                .bind(k.created_at)
                .bind(k.active_from)
                .bind(k.retired_at)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                $crate::sql::sql_durable!(@notify tx, "keys");
                tx.commit().await.map_err(unavailable)
            }

            async fn list_keys(&self) -> $crate::StoreResult<Vec<$crate::StoredKey>> {
                sqlx::query_as("SELECT * FROM signing_keys ORDER BY created_at, kid")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)
            }
        }

        #[async_trait::async_trait]
        impl $crate::Health for $store {
            async fn ping(&self) -> $crate::StoreResult<()> {
                sqlx::query("SELECT 1")
                    .execute(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_durable;
pub(crate) use sql_ephemeral;
