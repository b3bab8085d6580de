//! The durable tier on PostgreSQL: configuration documents, accounts,
//! business events (partitioned by month, see [`super::migrate`]) and
//! signing keys, with the queries SQLite runs too ([`crate::sql`]). Every
//! configuration or key change is announced with `pg_notify` in its own
//! transaction, which [`PgStore::listen_config`] turns into a reload on
//! every node.

use super::{unavailable, PgStore};

crate::sql::sql_durable!(PgStore, notify = "SELECT pg_notify('relais_config', $1)");
crate::sql_stats::sql_stats!(PgStore);
crate::sql_accounts::sql_accounts!(PgStore);

impl PgStore {
    /// Every statement goes over the network: nothing runs on the calling
    /// thread ([`crate::sql_accounts`]).
    fn upsert_here(
        &self,
        _sql: &str,
        _id: &str,
        _idp_id: &str,
        _now_millis: i64,
    ) -> crate::sql_accounts::RanHere {
        None
    }

    /// Every read goes over the network too.
    fn get_here(&self, _sql: &str, _id: &str) -> crate::sql_accounts::RanHere {
        None
    }

    /// And every batch of events: one statement, through the hot pool.
    async fn append_here<'b>(
        &self,
        _events: &[relais_core::event::BusinessEvent],
        bodies: std::borrow::Cow<'b, [String]>,
        delta: relais_core::stats::StatsDelta,
    ) -> crate::sql_events::AppendHere<'b> {
        Err((bodies, delta))
    }

    /// A connection of [`AccountStore::connect`](crate::AccountStore::connect)'s
    /// one-statement case, with its events and their rollup, in that
    /// statement ([`super::events_write::connection_with_events`]).
    async fn connect_storing(
        &self,
        id: &str,
        idp_id: &str,
        now_millis: i64,
        events: &[relais_core::event::BusinessEvent],
    ) -> crate::sql_accounts::RanHere {
        let stored = async {
            let bodies = crate::sql_events::event_bodies(events)?;
            let delta = relais_core::stats::delta(events);
            let mut qb = super::events_write::connection_with_events(
                id, idp_id, now_millis, events, &bodies, &delta,
            )?;
            self.fetch_account(&mut qb).await
        };
        Some(stored.await)
    }

    /// The account read at consent with the login's events and their
    /// rollup, in one statement
    /// ([`super::events_write::standing_with_events`]): the account if it
    /// refuses no IdP, its events written; else nothing written.
    async fn standing_storing(
        &self,
        id: &str,
        events: &[relais_core::event::BusinessEvent],
    ) -> crate::sql_accounts::RanHere {
        let stored = async {
            let bodies = crate::sql_events::event_bodies(events)?;
            let delta = relais_core::stats::delta(events);
            let mut qb = super::events_write::standing_with_events(id, events, &bodies, &delta)?;
            self.fetch_account(&mut qb).await
        };
        Some(stored.await)
    }

    /// Runs a login's statement that answers an account row, through the
    /// hot pool (its text is the same every time: kept prepared).
    async fn fetch_account(
        &self,
        qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>,
    ) -> crate::StoreResult<Option<crate::Account>> {
        let mut conn = self.hot.acquire().await.map_err(unavailable)?;
        let rows: Result<Vec<crate::rows::AccountRow>, _> = qb
            .build_query_as()
            .fetch_all(conn.get().map_err(unavailable)?)
            .await;
        let rows = conn.finish(rows).map_err(unavailable)?;
        rows.into_iter()
            .next()
            .map(crate::rows::AccountRow::into_account)
            .transpose()
    }

    /// Events and their rollup in one statement
    /// ([`super::events_write`]).
    async fn write_events(
        conn: &mut sqlx::PgConnection,
        events: &[relais_core::event::BusinessEvent],
        bodies: &[String],
        delta: &relais_core::stats::StatsDelta,
    ) -> crate::StoreResult<()> {
        crate::sql::sized_batch(&mut super::events_write::events_with_rollup(
            events, bodies, delta,
        ))
        .execute(conn)
        .await
        .map_err(unavailable)?;
        Ok(())
    }
}
