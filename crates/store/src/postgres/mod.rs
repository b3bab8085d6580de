//! PostgreSQL backend (sqlx): the durable tier of a scale-out deployment —
//! configuration, accounts, business events (partitioned by month, so
//! retention is a partition drop) and signing keys — and, for setups
//! without Redis, the ephemeral tier too. Numbered migrations run in one
//! transaction each under an advisory lock, so several nodes starting at
//! once migrate exactly once. Configuration writes `NOTIFY relais_config`,
//! which [`PgStore::listen_config`] turns into a reload on every node. The
//! schema is in [`migrate`], the tiers in [`ephemeral`] and [`durable`].

mod durable;
mod ephemeral;
mod events_write;
pub mod footprint;
mod migrate;
mod stats_slots;

use crate::hot_pool::{HotPool, IDLE_BEFORE_PING};
use crate::{StoreError, StoreResult};
use relais_core::Clock;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::PgPool;
use sqlx::Postgres;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

fn unavailable(e: sqlx::Error) -> StoreError {
    crate::sql::unavailable("postgres", e)
}

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The login's statements ([`crate::hot_pool`]).
    hot: Arc<HotPool<Postgres>>,
    clock: Arc<dyn Clock>,
}

/// Connections for the login's statements, besides the pool's 16.
const HOT_CONNECTIONS: usize = 8;

impl PgStore {
    /// Connects to `url` (`postgres://…`) and migrates.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> StoreResult<PgStore> {
        let opts = PgConnectOptions::from_str(url).map_err(unavailable)?;
        PgStore::connect_with(opts, clock).await
    }

    pub async fn connect_with(
        opts: PgConnectOptions,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            // sqlx pings every connection before handing it out: one more
            // network round trip in front of every statement. A connection
            // used within the last half minute is trusted (a broken one
            // fails its statement and is dropped by sqlx); one idle longer
            // (the server, a proxy or a firewall may have closed it) is
            // pinged first.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts)
            .await
            .map_err(unavailable)?;
        let hot = Arc::new(HotPool::new(pool.clone(), HOT_CONNECTIONS));
        let store = PgStore { pool, hot, clock };
        store.migrate().await?;
        Ok(store)
    }

    /// Calls `on_change` whenever any node changes the configuration
    /// (LISTEN/NOTIFY), and once when listening starts (whatever changed
    /// while nobody listened). Returns when the connection is lost; the
    /// node's supervisor starts it again.
    pub async fn listen_config(&self, on_change: &(dyn Fn() + Send + Sync)) -> StoreResult<()> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(unavailable)?;
        listener
            .listen("relais_config")
            .await
            .map_err(unavailable)?;
        on_change();
        loop {
            listener.recv().await.map_err(unavailable)?;
            on_change();
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The test machine's PostgreSQL.
#[cfg(any(test, feature = "conformance"))]
pub fn test_url() -> String {
    crate::test_backends::postgres_url()
}

/// Creates a fresh schema for one test; returns its name.
#[cfg(any(test, feature = "conformance"))]
pub async fn create_test_schema(url: &str) -> StoreResult<String> {
    let schema = format!(
        "relais_test_{}",
        relais_core::Randomness::hex(&relais_core::SystemRandomness, 6)
    );
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(unavailable)?;
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .map_err(unavailable)?;
    admin.close().await;
    Ok(schema)
}

/// A fresh schema on the test machine's PostgreSQL, for one test.
#[cfg(any(test, feature = "conformance"))]
pub async fn test_store(clock: Arc<dyn Clock>) -> StoreResult<PgStore> {
    let url = test_url();
    let schema = create_test_schema(&url).await?;
    let opts = PgConnectOptions::from_str(&url)
        .map_err(unavailable)?
        .options([("search_path", schema.as_str())]);
    PgStore::connect_with(opts, clock).await
}

/// For a PostgreSQL test: a store in a fresh schema, or `None` (the test
/// reported as not run) when no server is reachable.
#[cfg(test)]
pub(crate) async fn store_for_test(test: &str, clock: Arc<dyn Clock>) -> Option<PgStore> {
    use crate::test_backends::{available, Backend};
    if !available(test, &[Backend::Postgres]).await {
        return None;
    }
    Some(test_store(clock).await.unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    #[allow(unused_imports)]
    use crate::*;
    use relais_core::ManualClock;

    #[tokio::test]
    async fn postgres_passes_the_conformance_suite() {
        let clock = ManualClock::starting_now();
        let Some(s) = store_for_test(
            "postgres_passes_the_conformance_suite",
            Arc::new(clock.clone()),
        )
        .await
        else {
            return;
        };
        conformance::ephemeral(&s, &conformance::Advance::Clock(&clock)).await;
        assert_eq!(
            conformance::durable(&s).await,
            conformance::StoredWithAccount {
                connection: true,
                standing: true
            },
            "PostgreSQL stores a login's events in its account's statements: \
             the connection at the callback, the read at consent"
        );
        conformance::ephemeral_concurrent_take(Arc::new(s)).await;
    }

    #[tokio::test]
    async fn a_returning_users_login_leaves_the_months_totals_row_alone() {
        let Some(s) = store_for_test(
            "a_returning_users_login_leaves_the_months_totals_row_alone",
            Arc::new(ManualClock::starting_now()),
        )
        .await
        else {
            return;
        };
        // Noon in Paris, 6 March 2027.
        let t = conformance::paris_noon(125);
        let verified = |account: &str| conformance::accounts::verified_at(account, t);
        // The rows' versions (one row per slot): a new one at each write,
        // even one adding 0.
        let version = || async {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT string_agg(xmin::text, ',' ORDER BY slot) FROM stats_monthly WHERE month = '2027-03'",
            )
            .fetch_one(s.pool())
            .await
            .unwrap()
        };
        let first = s
            .connect_with_events("r1", "ameli", t, &[verified("e-r1")])
            .await
            .unwrap();
        assert!(first.events_stored, "{first:?}");
        let written = version().await.expect("a new user writes the month's row");
        // The same user again: a connection, not a user; in its login's
        // statement and in an event batch alike, the row is not written.
        s.connect_with_events("r1", "laposte", t + 1, &[verified("e-r1")])
            .await
            .unwrap();
        s.append_events(&[verified("e-r1")]).await.unwrap();
        assert_eq!(version().await.as_ref(), Some(&written));
        // A second user: it is.
        s.connect_with_events("r2", "ameli", t + 2, &[verified("e-r2")])
            .await
            .unwrap();
        assert_ne!(version().await.as_ref(), Some(&written));
        let march = s.stats_months("2027-03", "2027-03").await.unwrap();
        let figures: Vec<_> = march
            .iter()
            .map(|m| (m.connections, m.users, m.new_users))
            .collect();
        assert_eq!(figures, vec![(4, 2, 2)]);
    }

    #[tokio::test]
    async fn logins_of_one_service_in_other_slots_do_not_wait_on_each_other() {
        let Some(s) = store_for_test(
            "logins_of_one_service_in_other_slots_do_not_wait_on_each_other",
            Arc::new(ManualClock::starting_now()),
        )
        .await
        else {
            return;
        };
        // Noon in Paris, 6 April 2027.
        let t = conformance::paris_noon(156);
        let verified = |account: &str| conformance::accounts::verified_at(account, t);
        // Three accounts of one service and IdP: two in one slot, one in another.
        let ids: Vec<String> = (0..64).map(|i| format!("slot-{i}")).collect();
        let held = &ids[0];
        let slot = crate::sql_stats::stats_slot(held);
        let same = ids[1..]
            .iter()
            .find(|i| crate::sql_stats::stats_slot(i) == slot)
            .unwrap();
        let other = ids[1..]
            .iter()
            .find(|i| crate::sql_stats::stats_slot(i) != slot)
            .unwrap();
        for id in [held, same, other] {
            s.connect_with_events(id, "ameli", t, &[verified(&format!("e-{id}"))])
                .await
                .unwrap();
        }
        // A login in flight on `held`'s slot: its rows locked until it commits.
        let mut tx = s.pool().begin().await.unwrap();
        let holder: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let locked = sqlx::query(
            "UPDATE stats_daily SET connections = connections WHERE day = '2027-04-06' AND slot = $1",
        )
        .bind(slot)
        .execute(&mut *tx)
        .await
        .unwrap();
        assert_eq!(locked.rows_affected(), 1);
        let s = Arc::new(s);
        let login = |id: &str| {
            let events = [verified(&format!("e-{id}"))];
            let (id, s) = (id.to_owned(), s.clone());
            tokio::spawn(async move { s.connect_with_events(&id, "ameli", t + 1, &events).await })
        };
        // Another slot's login goes through while that one is in flight.
        let through = tokio::time::timeout(Duration::from_secs(5), login(other))
            .await
            .expect("a login of another slot does not wait")
            .unwrap()
            .unwrap();
        assert!(through.events_stored);
        // The same slot's login waits for it (what the slots spare the others).
        let waiting = login(same);
        let blocked = || async {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
            )
            .bind(holder)
            .fetch_one(s.pool())
            .await
            .unwrap()
        };
        let mut waited = false;
        for _ in 0..100 {
            if blocked().await == 1 {
                waited = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(waited, "a login of the held slot waits for its commit");
        assert!(!waiting.is_finished());
        tx.rollback().await.unwrap();
        assert!(waiting.await.unwrap().unwrap().events_stored);
        // The figures add the slots up: five connections, three users.
        let april = s.stats_months("2027-04", "2027-04").await.unwrap();
        let figures: Vec<_> = april
            .iter()
            .map(|m| (m.connections, m.users, m.new_users))
            .collect();
        assert_eq!(figures, vec![(5, 3, 3)]);
        let by_day = s
            .stats_breakdown("2027-04", relais_core::stats::Breakdown::Day)
            .await
            .unwrap();
        assert_eq!(by_day, vec![("2027-04-06".to_owned(), 5)]);
        let rows: i64 =
            sqlx::query_scalar("SELECT count(*) FROM stats_daily WHERE day = '2027-04-06'")
                .fetch_one(s.pool())
                .await
                .unwrap();
        assert_eq!(rows, 2, "one row per slot used");
    }

    #[tokio::test]
    async fn event_batches_are_not_kept_prepared() {
        let Some(s) = store_for_test(
            "event_batches_are_not_kept_prepared",
            Arc::new(ManualClock::starting_now()),
        )
        .await
        else {
            return;
        };
        crate::hot_pool::event_batches_are_not_kept_prepared(&s, &s.hot).await;
    }

    #[tokio::test]
    async fn migrations_are_idempotent_and_events_are_partitioned_by_month() {
        let clock = ManualClock::starting_now();
        let Some(s) = store_for_test(
            "migrations_are_idempotent_and_events_are_partitioned_by_month",
            Arc::new(clock.clone()),
        )
        .await
        else {
            return;
        };
        s.migrate().await.unwrap();
        let name = migrate::partition_name(clock.now_millis());
        let parts: Vec<String> = sqlx::query_scalar("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' AND c.relnamespace = p.relnamespace")
            .fetch_all(s.pool())
            .await
            .unwrap_or_default();
        assert!(parts.contains(&name), "{parts:?}");
        assert!(parts.len() >= 4, "default + three months: {parts:?}");
    }
}
