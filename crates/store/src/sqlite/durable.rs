//! The durable tier in SQLite: configuration documents, accounts, business
//! events and signing keys, with the queries PostgreSQL runs too
//! ([`crate::sql`]). A single node has no one to announce changes to.

use super::{unavailable, SqliteStore};

crate::sql::sql_durable!(SqliteStore);
crate::sql_stats::sql_stats!(SqliteStore);
crate::sql_accounts::sql_accounts!(SqliteStore);

impl SqliteStore {
    /// A batch of events and their rollup on the event connection, from
    /// the blocking pool ([`super::event_batch`]); through sqlx for a
    /// database in memory, which a second connection would not share.
    async fn append_here<'b>(
        &self,
        events: &[relais_core::event::BusinessEvent],
        bodies: std::borrow::Cow<'b, [String]>,
        delta: relais_core::stats::StatsDelta,
    ) -> crate::sql_events::AppendHere<'b> {
        let Some(conn) = self.events.clone() else {
            return Err((bodies, delta));
        };
        let batch = super::event_batch::EventBatch::new(events, bodies.into_owned(), delta);
        Ok(tokio::task::spawn_blocking(move || conn.write(&batch))
            .await
            // Only when the runtime is shutting down (nothing in the
            // task panics): the writer keeps the events and says so.
            .unwrap_or_else(|e| Err(crate::StoreError::Unavailable(format!("event batch: {e}")))))
    }

    /// Events and their rollup in one transaction: SQLite has no
    /// statement that writes several tables.
    async fn write_events(
        conn: &mut sqlx::SqliteConnection,
        events: &[relais_core::event::BusinessEvent],
        bodies: &[String],
        delta: &relais_core::stats::StatsDelta,
    ) -> crate::StoreResult<()> {
        let mut qb = sqlx::QueryBuilder::new("");
        crate::sql_events::push_events_insert!(qb, events, bodies);
        if delta.is_empty() {
            crate::sql::sized_batch(&mut qb)
                .execute(&mut *conn)
                .await
                .map_err(unavailable)?;
            return Ok(());
        }
        let mut tx = sqlx::Connection::begin(conn).await.map_err(unavailable)?;
        crate::sql::sized_batch(&mut qb)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        crate::sql_stats::apply_stats_delta!(tx, delta);
        tx.commit().await.map_err(unavailable)
    }
}
