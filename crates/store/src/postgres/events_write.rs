//! A batch of business events and its statistics rollup as one statement.
//!
//! SQLite writes them in one transaction: `BEGIN`, the events, up to five
//! rollup statements, `COMMIT` — each a round trip to PostgreSQL, eight
//! for a batch of a few logins, paid while the logins that wait for their
//! events to be stored (the group commit) hold their answer. PostgreSQL
//! runs `INSERT`s inside `WITH` in one statement, which is atomic by
//! itself: one round trip. The counts of new monthly and first-time users
//! come from the `RETURNING` of their own `INSERT … ON CONFLICT DO
//! NOTHING`, as `rows_affected` does on the transaction's path. The rows
//! are written in key order, and every node runs the same statement shape,
//! so two nodes committing at once take their row locks in the same order.

use crate::sql_stats::{monthly_connections, users_by_month};
use relais_core::event::BusinessEvent;
use relais_core::stats::StatsDelta;
use sqlx::{Postgres, QueryBuilder};

/// `WITH ev AS (INSERT INTO events …), … SELECT 1`.
pub(super) fn events_with_rollup<'a>(
    events: &'a [BusinessEvent],
    bodies: &'a [String],
    delta: &'a StatsDelta,
) -> QueryBuilder<'a, Postgres> {
    let mut qb = QueryBuilder::new("WITH ev AS (");
    crate::sql::push_events_insert!(qb, events, bodies);
    qb.push(")");
    if !delta.daily.is_empty() {
        qb.push(", daily AS (INSERT INTO stats_daily (day, platform, sp_id, idp_id, connections) ");
        qb.push_values(delta.daily.iter(), |mut b, (k, n)| {
            b.push_bind(&k.day)
                .push_bind(k.platform.as_str())
                .push_bind(&k.sp_id)
                .push_bind(&k.idp_id)
                .push_bind(i64::try_from(*n).unwrap_or(i64::MAX));
        });
        qb.push(" ON CONFLICT (day, platform, sp_id, idp_id) DO UPDATE SET connections = stats_daily.connections + excluded.connections)");
    }
    let monthly = monthly_connections(delta);
    if !monthly.is_empty() {
        qb.push(", monthly AS (INSERT INTO stats_monthly_keys (month, platform, sp_id, idp_id, connections) ");
        qb.push_values(monthly, |mut b, ((m, p, sp, idp), n)| {
            b.push_bind(m)
                .push_bind(p)
                .push_bind(sp)
                .push_bind(idp)
                .push_bind(n);
        });
        qb.push(" ON CONFLICT (month, platform, sp_id, idp_id) DO UPDATE SET connections = stats_monthly_keys.connections + excluded.connections)");
    }
    for (i, (month, accounts)) in users_by_month(delta).into_iter().enumerate() {
        qb.push(format!(
            ", users{i} AS (INSERT INTO stats_month_users (month, account_id) "
        ));
        qb.push_values(accounts.iter(), |mut b, a| {
            b.push_bind(month).push_bind(*a);
        });
        qb.push(" ON CONFLICT DO NOTHING RETURNING 1)");
        qb.push(format!(
            ", new{i} AS (INSERT INTO stats_users (account_id, first_month) "
        ));
        qb.push_values(accounts.iter(), |mut b, a| {
            b.push_bind(*a).push_bind(month);
        });
        qb.push(" ON CONFLICT DO NOTHING RETURNING 1)");
        qb.push(format!(
            ", month{i} AS (INSERT INTO stats_monthly (month, users, new_users) SELECT "
        ));
        qb.push_bind(month);
        qb.push(format!(", (SELECT count(*) FROM users{i}), (SELECT count(*) FROM new{i}) ON CONFLICT (month) DO UPDATE SET users = stats_monthly.users + excluded.users, new_users = stats_monthly.new_users + excluded.new_users)"));
    }
    qb.push(" SELECT 1");
    qb
}
