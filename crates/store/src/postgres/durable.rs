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
