//! The statistics rollup in SQL, shared by SQLite and PostgreSQL like
//! [`crate::sql`]: [`apply_stats_delta`] runs inside the transaction that
//! appends a batch of events, so the rollup never disagrees with the
//! events; [`sql_stats`] answers the queries from the rollup alone.
//!
//! Rows are written in key order (a `BTreeMap`), so two nodes committing
//! batches at once lock the same rows in the same order and cannot
//! deadlock.
//!
//! On PostgreSQL every connection's row (a day's and a month's, per
//! service and IdP) and the month's totals are spread over
//! [`STATS_SLOTS`] rows, the slot chosen from the login's account
//! ([`stats_slot`]): a statement that adds to a row holds its lock until
//! its commit, and with commits that take milliseconds (a synchronous
//! standby) logins of one service and IdP would otherwise queue behind
//! each other, one commit at a time (docs/benchmarks-log.md, twenty-third
//! pass). The queries sum the slots. SQLite has one writer and no slots.

/// Appends the upsert of a delta's daily connections to `$qb` (the delta
/// has some).
/// With `$slot` (PostgreSQL), the rows are that slot's.
macro_rules! push_daily_upsert {
    ($qb:expr, $delta:expr) => {
        $crate::sql_stats::push_daily_upsert!($qb, $delta, None, None)
    };
    ($qb:expr, $delta:expr, $guard:expr, $slot:expr) => {
        let slot: Option<i16> = $slot;
        $qb.push("INSERT INTO stats_daily (day, platform, sp_id, idp_id, connections");
        $qb.push(if slot.is_some() { ", slot) " } else { ") " });
        $crate::sql::open_guard(&mut $qb, $guard);
        $qb.push_values($delta.daily.iter(), |mut b, (k, n)| {
            b.push_bind(&k.day)
                .push_bind(k.platform.as_str())
                .push_bind(&k.sp_id)
                .push_bind(&k.idp_id)
                .push_bind(i64::try_from(*n).unwrap_or(i64::MAX));
            if let Some(slot) = slot {
                b.push_bind(slot);
            }
        });
        $crate::sql::close_guard(&mut $qb, $guard);
        $qb.push(if slot.is_some() {
            $crate::sql_stats::DAILY_UPSERT_SLOT
        } else {
            $crate::sql_stats::DAILY_UPSERT
        });
    };
}
pub(crate) use push_daily_upsert;

/// Appends the upsert of [`monthly_connections`] to `$qb` (not empty).
/// With `$slot` (PostgreSQL), the rows are that slot's.
macro_rules! push_monthly_upsert {
    ($qb:expr, $monthly:expr) => {
        $crate::sql_stats::push_monthly_upsert!($qb, $monthly, None, None)
    };
    ($qb:expr, $monthly:expr, $guard:expr, $slot:expr) => {
        let slot: Option<i16> = $slot;
        $qb.push("INSERT INTO stats_monthly_keys (month, platform, sp_id, idp_id, connections");
        $qb.push(if slot.is_some() { ", slot) " } else { ") " });
        $crate::sql::open_guard(&mut $qb, $guard);
        $qb.push_values($monthly.iter(), |mut b, ((m, p, sp, idp), n)| {
            b.push_bind(*m)
                .push_bind(*p)
                .push_bind(*sp)
                .push_bind(*idp)
                .push_bind(*n);
            if let Some(slot) = slot {
                b.push_bind(slot);
            }
        });
        $crate::sql::close_guard(&mut $qb, $guard);
        $qb.push(if slot.is_some() {
            $crate::sql_stats::MONTHLY_KEYS_UPSERT_SLOT
        } else {
            $crate::sql_stats::MONTHLY_KEYS_UPSERT
        });
    };
}
pub(crate) use push_monthly_upsert;

/// Appends the insert of a month's accounts into `stats_month_users`
/// (seen that month) to `$qb`; an account already there is left alone, so
/// the rows written are the month's new users.
macro_rules! push_month_users_insert {
    ($qb:expr, $month:expr, $accounts:expr) => {
        $crate::sql_stats::push_month_users_insert!($qb, $month, $accounts, None)
    };
    ($qb:expr, $month:expr, $accounts:expr, $guard:expr) => {
        $qb.push("INSERT INTO stats_month_users (month, account_id) ");
        $crate::sql::open_guard(&mut $qb, $guard);
        $qb.push_values($accounts.iter(), |mut b, a| {
            b.push_bind($month).push_bind(*a);
        });
        $crate::sql::close_guard(&mut $qb, $guard);
        $qb.push(" ON CONFLICT DO NOTHING");
    };
}
pub(crate) use push_month_users_insert;

/// Appends the insert of a month's accounts into `stats_users` (first seen
/// that month) to `$qb`; the rows written are the first-time users.
macro_rules! push_first_users_insert {
    ($qb:expr, $month:expr, $accounts:expr) => {
        $crate::sql_stats::push_first_users_insert!($qb, $month, $accounts, None)
    };
    ($qb:expr, $month:expr, $accounts:expr, $guard:expr) => {
        $qb.push("INSERT INTO stats_users (account_id, first_month) ");
        $crate::sql::open_guard(&mut $qb, $guard);
        $qb.push_values($accounts.iter(), |mut b, a| {
            b.push_bind(*a).push_bind($month);
        });
        $crate::sql::close_guard(&mut $qb, $guard);
        $qb.push(" ON CONFLICT DO NOTHING");
    };
}
pub(crate) use push_first_users_insert;

/// Defines a statistics table's upsert twice, from one key and one `SET`:
/// `$plain` with the table's key (SQLite), `$slotted` with the slot added
/// to it (PostgreSQL, where the rows are per slot).
macro_rules! stats_upsert {
    ($(#[$doc:meta])* $plain:ident, $slotted:ident, $key:literal, $set:literal) => {
        $(#[$doc])*
        pub(crate) const $plain: &str =
            concat!(" ON CONFLICT (", $key, ") DO UPDATE SET ", $set);
        $(#[$doc])*
        /// Per slot.
        pub(crate) const $slotted: &str =
            concat!(" ON CONFLICT (", $key, ", slot) DO UPDATE SET ", $set);
    };
}

stats_upsert!(
    /// How a day's connections absorb a batch's.
    DAILY_UPSERT,
    DAILY_UPSERT_SLOT,
    "day, platform, sp_id, idp_id",
    "connections = stats_daily.connections + excluded.connections"
);

stats_upsert!(
    /// How a month's connections per key absorb a batch's.
    MONTHLY_KEYS_UPSERT,
    MONTHLY_KEYS_UPSERT_SLOT,
    "month, platform, sp_id, idp_id",
    "connections = stats_monthly_keys.connections + excluded.connections"
);

stats_upsert!(
    /// How a month's totals absorb a batch's users and new users.
    MONTHLY_TOTALS_UPSERT,
    MONTHLY_TOTALS_UPSERT_SLOT,
    "month",
    "users = stats_monthly.users + excluded.users, new_users = stats_monthly.new_users + excluded.new_users"
);

/// How many rows each of PostgreSQL's shared statistics rows is spread
/// over. With commits of a few milliseconds, one row takes a few hundred
/// logins a second; eight take one service and IdP to a few thousand,
/// while a month's statistics read at most eight times the rows.
pub(crate) const STATS_SLOTS: u32 = 8;

/// The slot a login of `account_id` adds to: the same account always the
/// same slot, accounts spread evenly (FNV-1a of the id).
pub(crate) fn stats_slot(account_id: &str) -> i16 {
    let hash = account_id.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    i16::try_from(hash % STATS_SLOTS).unwrap_or(0)
}

/// The slot of a batch: its first account's, or 0 when it names none.
pub(crate) fn batch_slot(delta: &relais_core::stats::StatsDelta) -> i16 {
    delta
        .month_users
        .iter()
        .next()
        .map_or(0, |(_, account)| stats_slot(account))
}

/// Adds a [`relais_core::stats::StatsDelta`] to the rollup, in `$tx`.
macro_rules! apply_stats_delta {
    ($tx:expr, $delta:expr) => {{
        let delta: &relais_core::stats::StatsDelta = $delta;
        if !delta.daily.is_empty() {
            let mut qb = sqlx::QueryBuilder::new("");
            $crate::sql_stats::push_daily_upsert!(qb, delta);
            $crate::sql::sized_batch(&mut qb)
                .execute(&mut *$tx)
                .await
                .map_err(unavailable)?;
        }
        let monthly = $crate::sql_stats::monthly_connections(delta);
        if !monthly.is_empty() {
            let mut qb = sqlx::QueryBuilder::new("");
            $crate::sql_stats::push_monthly_upsert!(qb, monthly);
            $crate::sql::sized_batch(&mut qb)
                .execute(&mut *$tx)
                .await
                .map_err(unavailable)?;
        }
        for (month, accounts) in $crate::sql_stats::users_by_month(delta) {
            let mut qb = sqlx::QueryBuilder::new("");
            $crate::sql_stats::push_month_users_insert!(qb, month, accounts);
            let users = $crate::sql::sized_batch(&mut qb)
                .execute(&mut *$tx)
                .await
                .map_err(unavailable)?
                .rows_affected();
            let mut qb = sqlx::QueryBuilder::new("");
            $crate::sql_stats::push_first_users_insert!(qb, month, accounts);
            let new_users = $crate::sql::sized_batch(&mut qb)
                .execute(&mut *$tx)
                .await
                .map_err(unavailable)?
                .rows_affected();
            // Returning users add nothing: the month's row is left alone.
            if users == 0 && new_users == 0 {
                continue;
            }
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO stats_monthly (month, users, new_users) VALUES (",
            );
            qb.push_bind(month)
                .push(", ")
                .push_bind(i64::try_from(users).unwrap_or(i64::MAX))
                .push(", ")
                .push_bind(i64::try_from(new_users).unwrap_or(i64::MAX))
                .push(")")
                .push($crate::sql_stats::MONTHLY_TOTALS_UPSERT);
            // One row, the same text every time: kept prepared.
            qb.build().execute(&mut *$tx).await.map_err(unavailable)?;
        }
    }};
}
pub(crate) use apply_stats_delta;

/// A delta's connections per month, platform, service and IdP, in key order.
pub(crate) fn monthly_connections(
    delta: &relais_core::stats::StatsDelta,
) -> std::collections::BTreeMap<(&str, &str, &str, &str), i64> {
    let mut monthly = std::collections::BTreeMap::new();
    for (k, n) in &delta.daily {
        *monthly
            .entry((
                &k.day[..7],
                k.platform.as_str(),
                k.sp_id.as_str(),
                k.idp_id.as_str(),
            ))
            .or_insert(0) += i64::try_from(*n).unwrap_or(i64::MAX);
    }
    monthly
}

/// A delta's accounts seen, by month, in key order.
pub(crate) fn users_by_month(
    delta: &relais_core::stats::StatsDelta,
) -> std::collections::BTreeMap<&str, Vec<&str>> {
    let mut months: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (m, a) in &delta.month_users {
        months.entry(m.as_str()).or_default().push(a.as_str());
    }
    months
}

/// `StatsStore` on the rollup tables.
macro_rules! sql_stats {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::StatsStore for $store {
            async fn stats_months(
                &self,
                from_month: &str,
                to_month: &str,
            ) -> $crate::StoreResult<Vec<relais_core::stats::MonthFigures>> {
                let bad = || $crate::StoreError::Rejected("a month is YYYY-MM".into());
                relais_core::stats::month_days(from_month).ok_or_else(bad)?;
                relais_core::stats::month_days(to_month).ok_or_else(bad)?;
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT month, CAST(SUM(connections) AS BIGINT), COUNT(DISTINCT sp_id)
                     FROM stats_monthly_keys WHERE month >= $1 AND month <= $2 GROUP BY month ORDER BY month",
                )
                .bind(from_month)
                .bind(to_month)
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                let users: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT month, CAST(SUM(users) AS BIGINT), CAST(SUM(new_users) AS BIGINT)
                     FROM stats_monthly WHERE month >= $1 AND month <= $2 GROUP BY month",
                )
                .bind(from_month)
                .bind(to_month)
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                let n = |v: i64| u64::try_from(v).unwrap_or(0);
                Ok(rows
                    .into_iter()
                    .map(|(month, connections, services)| {
                        let (u, nu) = users
                            .iter()
                            .find(|(m, _, _)| *m == month)
                            .map(|(_, u, nu)| (n(*u), n(*nu)))
                            .unwrap_or((0, 0));
                        relais_core::stats::MonthFigures {
                            month,
                            connections: n(connections),
                            users: u,
                            new_users: nu,
                            active_services: n(services),
                        }
                    })
                    .collect())
            }

            async fn stats_breakdown(
                &self,
                month: &str,
                by: relais_core::stats::Breakdown,
            ) -> $crate::StoreResult<Vec<(String, u64)>> {
                let (from, to) = relais_core::stats::month_days(month)
                    .ok_or_else(|| $crate::StoreError::Rejected("a month is YYYY-MM".into()))?;
                // The column comes from the enum, never from the request;
                // days come from the daily rollup, the rest from the monthly one.
                let col = by.column();
                let by_key = format!("SELECT {col}, CAST(SUM(connections) AS BIGINT) FROM stats_monthly_keys WHERE month = $1 GROUP BY {col} ORDER BY 2 DESC, 1");
                let query = if by == relais_core::stats::Breakdown::Day {
                    sqlx::query_as("SELECT day, CAST(SUM(connections) AS BIGINT) FROM stats_daily WHERE day >= $1 AND day < $2 GROUP BY day ORDER BY 1")
                        .bind(from)
                        .bind(to)
                } else {
                    sqlx::query_as(&by_key).bind(month.to_owned())
                };
                let rows: Vec<(String, i64)> = query
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(rows
                    .into_iter()
                    .map(|(k, v)| (k, u64::try_from(v).unwrap_or(0)))
                    .collect())
            }
        }
    };
}
pub(crate) use sql_stats;

#[cfg(test)]
mod tests {
    use super::{batch_slot, stats_slot, STATS_SLOTS};
    use super::{DAILY_UPSERT, DAILY_UPSERT_SLOT, MONTHLY_TOTALS_UPSERT_SLOT};

    #[test]
    fn the_slotted_upserts_add_the_slot_to_the_key_and_nothing_else() {
        assert_eq!(DAILY_UPSERT, " ON CONFLICT (day, platform, sp_id, idp_id) DO UPDATE SET connections = stats_daily.connections + excluded.connections");
        assert_eq!(
            DAILY_UPSERT_SLOT,
            DAILY_UPSERT.replace("idp_id)", "idp_id, slot)")
        );
        assert_eq!(MONTHLY_TOTALS_UPSERT_SLOT, " ON CONFLICT (month, slot) DO UPDATE SET users = stats_monthly.users + excluded.users, new_users = stats_monthly.new_users + excluded.new_users");
    }
    use relais_core::stats::StatsDelta;

    #[test]
    fn an_account_keeps_its_slot_and_accounts_spread_over_all_of_them() {
        assert_eq!(stats_slot("a7f3"), stats_slot("a7f3"));
        let mut used = [0u32; STATS_SLOTS as usize];
        for i in 0..800 {
            let slot = stats_slot(&format!("{i:064x}"));
            used[usize::try_from(slot).unwrap()] += 1;
        }
        assert!(used.iter().all(|n| (50..150).contains(n)), "{used:?}");
    }

    #[test]
    fn a_batch_takes_its_first_accounts_slot() {
        let mut delta = StatsDelta::default();
        assert_eq!(batch_slot(&delta), 0);
        delta.month_users.insert(("2027-04".into(), "b".into()));
        delta.month_users.insert(("2027-04".into(), "a".into()));
        assert_eq!(batch_slot(&delta), stats_slot("a"));
    }
}
