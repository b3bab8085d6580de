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
//!
//! A login's `FC_VERIFIED` goes in the statement that records its
//! connection ([`connection_with_events`]): the account's upsert first, then
//! the same CTEs, each writing its rows only if the upsert returned one. It
//! touches the statistics' tables in the same order as a batch, one row
//! each, so it and a batch cannot wait on each other's locks in a cycle.
//! Its data transfer and `FC_REDIRECTED_TO_SP` go in the statement that
//! reads the account at consent ([`standing_with_events`]), alike.

use crate::sql_stats::{
    batch_slot, monthly_connections, stats_slot, users_by_month, MONTHLY_TOTALS_UPSERT_SLOT,
};
use crate::{StoreError, StoreResult};
use relais_core::event::BusinessEvent;
use relais_core::stats::StatsDelta;
use sqlx::postgres::PgArguments;
use sqlx::{Arguments, Postgres, QueryBuilder};

/// `WITH ev AS (INSERT INTO events …), … SELECT 1`.
pub(super) fn events_with_rollup<'a>(
    events: &'a [BusinessEvent],
    bodies: &'a [String],
    delta: &'a StatsDelta,
) -> QueryBuilder<'a, Postgres> {
    let mut qb = QueryBuilder::new("WITH ");
    push_events_and_rollup(&mut qb, events, bodies, delta, None, batch_slot(delta));
    qb.push(" SELECT 1");
    qb
}

/// A login's connection and its `FC_VERIFIED` event in one statement:
/// `WITH acc AS (upsert … RETURNING *), ev AS (…), … SELECT * FROM acc`.
/// The upsert is [`AccountStore::connect`](crate::AccountStore::connect)'s
/// one-statement case (a new account, or an active one with default
/// preferences); every other `INSERT` writes its rows only if `acc`
/// returned one, so an account that took the checked path gets neither
/// its event nor its statistics here.
pub(super) fn connection_with_events<'a>(
    id: &'a str,
    idp_id: &'a str,
    now_millis: i64,
    events: &'a [BusinessEvent],
    bodies: &'a [String],
    delta: &'a StatsDelta,
) -> StoreResult<QueryBuilder<'a, Postgres>> {
    // The upsert's text is the one `connect` sends, with its arguments
    // $1 to $4; the builder numbers the rest from $5.
    let mut upsert = PgArguments::default();
    upsert.add(id).map_err(bind_error)?;
    upsert.add(now_millis).map_err(bind_error)?;
    upsert.add(idp_id).map_err(bind_error)?;
    upsert
        .add(crate::records::DEFAULT_PREFS_JSON)
        .map_err(bind_error)?;
    Ok(guarded_by_account(
        concat!(
            "WITH acc AS (",
            crate::sql_accounts::connect_upsert!(),
            "), "
        ),
        upsert,
        events,
        bodies,
        delta,
        stats_slot(id),
    ))
}

/// The account read at consent with the login's events, in one statement:
/// `WITH acc AS (SELECT … WHERE id = $1 AND active AND prefs = $2), ev AS
/// (…), … SELECT * FROM acc`. `acc` is the account only when it is active
/// with default preferences (it refuses no IdP: [`connection_with_events`]'s
/// case); every other `INSERT` writes its rows only if `acc` returned one.
/// Any other account, or none, answers no row and writes nothing: the
/// caller reads it and applies its rules.
pub(super) fn standing_with_events<'a>(
    id: &'a str,
    events: &'a [BusinessEvent],
    bodies: &'a [String],
    delta: &'a StatsDelta,
) -> StoreResult<QueryBuilder<'a, Postgres>> {
    let mut read = PgArguments::default();
    read.add(id).map_err(bind_error)?;
    read.add(crate::records::DEFAULT_PREFS_JSON)
        .map_err(bind_error)?;
    Ok(guarded_by_account(
        "WITH acc AS (SELECT * FROM accounts WHERE id = $1 AND active AND prefs = $2), ",
        read,
        events,
        bodies,
        delta,
        stats_slot(id),
    ))
}

/// `with_acc` (`WITH acc AS (…), `, its arguments `acc_args`), then the
/// events and their rollup, each written only if `acc` returned a row,
/// then `SELECT * FROM acc`: the account, or no row and nothing written.
fn guarded_by_account<'a>(
    with_acc: &'static str,
    acc_args: PgArguments,
    events: &'a [BusinessEvent],
    bodies: &'a [String],
    delta: &'a StatsDelta,
    slot: i16,
) -> QueryBuilder<'a, Postgres> {
    let mut qb = QueryBuilder::with_arguments(with_acc, acc_args);
    push_events_and_rollup(&mut qb, events, bodies, delta, Some("acc"), slot);
    qb.push(" SELECT * FROM acc");
    qb
}

fn bind_error(e: sqlx::error::BoxDynError) -> StoreError {
    StoreError::Corrupt(format!("binding a login's account statement: {e}"))
}

/// `ev AS (INSERT INTO events …), daily AS (…), …`: the events and the
/// statistics they count, as a statement's CTEs, the statistics in `slot`'s
/// rows ([`crate::sql_stats`]); with `guard`, each writes its rows only if
/// that CTE returned a row ([`crate::sql::open_guard`]).
fn push_events_and_rollup<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    events: &'a [BusinessEvent],
    bodies: &'a [String],
    delta: &'a StatsDelta,
    guard: Option<&'a str>,
    slot: i16,
) {
    qb.push("ev AS (");
    crate::sql_events::push_events_insert!(*qb, events, bodies, guard);
    qb.push(")");
    if !delta.daily.is_empty() {
        qb.push(", daily AS (");
        crate::sql_stats::push_daily_upsert!(*qb, delta, guard, Some(slot));
        qb.push(")");
    }
    let monthly = monthly_connections(delta);
    if !monthly.is_empty() {
        qb.push(", monthly AS (");
        crate::sql_stats::push_monthly_upsert!(*qb, monthly, guard, Some(slot));
        qb.push(")");
    }
    for (i, (month, accounts)) in users_by_month(delta).into_iter().enumerate() {
        qb.push(format!(", users{i} AS ("));
        crate::sql_stats::push_month_users_insert!(*qb, month, accounts, guard);
        qb.push(format!(" RETURNING 1), new{i} AS ("));
        crate::sql_stats::push_first_users_insert!(*qb, month, accounts, guard);
        qb.push(format!(" RETURNING 1), month{i} AS (INSERT INTO stats_monthly (month, users, new_users, slot) SELECT "));
        qb.push_bind(month);
        // Only a month that gained users: the month's row is one for every
        // login of every service, so a returning user's login (most of
        // them) leaves it alone, neither writing a row version nor queuing
        // on its lock. `users`/`new` wrote rows only under the guard, so
        // this condition holds only where the guard's does.
        qb.push(format!(
            ", (SELECT count(*) FROM users{i}), (SELECT count(*) FROM new{i}), "
        ));
        qb.push_bind(slot);
        qb.push(format!(
            " WHERE EXISTS (SELECT 1 FROM users{i}) OR EXISTS (SELECT 1 FROM new{i})"
        ));
        qb.push(MONTHLY_TOTALS_UPSERT_SLOT);
        qb.push(")");
    }
}
