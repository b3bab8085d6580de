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

use crate::sql_stats::{monthly_connections, users_by_month, MONTHLY_TOTALS_UPSERT};
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
        qb.push(", daily AS (");
        crate::sql_stats::push_daily_upsert!(qb, delta);
        qb.push(")");
    }
    let monthly = monthly_connections(delta);
    if !monthly.is_empty() {
        qb.push(", monthly AS (");
        crate::sql_stats::push_monthly_upsert!(qb, monthly);
        qb.push(")");
    }
    for (i, (month, accounts)) in users_by_month(delta).into_iter().enumerate() {
        qb.push(format!(", users{i} AS ("));
        crate::sql_stats::push_month_users_insert!(qb, month, accounts);
        qb.push(format!(" RETURNING 1), new{i} AS ("));
        crate::sql_stats::push_first_users_insert!(qb, month, accounts);
        qb.push(format!(" RETURNING 1), month{i} AS (INSERT INTO stats_monthly (month, users, new_users) SELECT "));
        qb.push_bind(month);
        qb.push(format!(
            ", (SELECT count(*) FROM users{i}), (SELECT count(*) FROM new{i})"
        ));
        qb.push(MONTHLY_TOTALS_UPSERT);
        qb.push(")");
    }
    qb.push(" SELECT 1");
    qb
}
