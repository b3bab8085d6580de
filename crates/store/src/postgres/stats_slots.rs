//! Folding the statistics slots of days and months that have ended.
//!
//! Logins add to one of [`STATS_SLOTS`](crate::sql_stats::STATS_SLOTS)
//! rows per day (and month), service and IdP, so that they do not queue on
//! one row's lock ([`crate::sql_stats`]). Once the day is over nobody adds
//! to it any more, and its slots are only rows for the queries to sum: up
//! to eight times the rows a month's statistics read. The node's
//! supervisor folds them into slot 0 every hour, for the last week's days
//! and last month (a node down longer leaves older slots as they are:
//! still counted right, only less compact). Each table is folded in one
//! statement — the slots' rows deleted and their sum added to slot 0 — so
//! a query never sees a row both moved and kept, and two nodes folding at
//! once cannot count a row twice: a row is added by whoever deleted it.

use super::{unavailable, PgStore};
use crate::sql_stats::{DAILY_UPSERT_SLOT, MONTHLY_KEYS_UPSERT_SLOT, MONTHLY_TOTALS_UPSERT_SLOT};
use crate::StoreResult;
use relais_core::stats::paris_day;
use relais_core::timefmt::{day_start_millis, paris_time};

/// How far back each fold looks.
const FOLD_DAYS_BACK: i64 = 7;

/// A table whose slots fold: its period column (folded from `$1` to `$2`,
/// `$2` excluded), the rest of its key, what its rows add up, and how
/// slot 0 absorbs a sum (the upsert the logins' statements use).
struct Slotted {
    table: &'static str,
    period: &'static str,
    keys: &'static str,
    sums: &'static [&'static str],
    upsert: &'static str,
}

const SLOTTED: [Slotted; 3] = [
    Slotted {
        table: "stats_daily",
        period: "day",
        keys: ", platform, sp_id, idp_id",
        sums: &["connections"],
        upsert: DAILY_UPSERT_SLOT,
    },
    Slotted {
        table: "stats_monthly_keys",
        period: "month",
        keys: ", platform, sp_id, idp_id",
        sums: &["connections"],
        upsert: MONTHLY_KEYS_UPSERT_SLOT,
    },
    Slotted {
        table: "stats_monthly",
        period: "month",
        keys: "",
        sums: &["users", "new_users"],
        upsert: MONTHLY_TOTALS_UPSERT_SLOT,
    },
];

/// `WITH moved AS (DELETE … slot <> 0 RETURNING …) INSERT … slot 0 … SUM …
/// GROUP BY` the key, then the table's upsert.
fn fold_sql(t: &Slotted) -> String {
    let Slotted {
        table,
        period,
        keys,
        sums,
        upsert,
    } = t;
    let values = sums.join(", ");
    let summed: Vec<String> = sums.iter().map(|c| format!("SUM({c})")).collect();
    let summed = summed.join(", ");
    format!(
        "WITH moved AS (DELETE FROM {table} WHERE {period} >= $1 AND {period} < $2 AND slot <> 0 \
         RETURNING {period}{keys}, {values}) \
         INSERT INTO {table} ({period}{keys}, {values}, slot) \
         SELECT {period}{keys}, {summed}, 0 FROM moved \
         GROUP BY {period}{keys} ORDER BY {period}{keys}{upsert}"
    )
}

impl PgStore {
    /// Folds the slots of the last week's ended days, and of last month,
    /// into slot 0. Answers the slot-0 rows written.
    pub async fn fold_stats_slots(&self) -> StoreResult<u64> {
        let now = self.clock.now_millis();
        let today = paris_day(now);
        let days = (paris_day(now - FOLD_DAYS_BACK * 86_400_000), today.clone());
        let months = (last_month(now), today[..7].to_owned());
        let mut folded = 0;
        for table in &SLOTTED {
            let (from, to) = if table.period == "day" {
                &days
            } else {
                &months
            };
            folded += sqlx::query(&fold_sql(table))
                .bind(from)
                .bind(to)
                .execute(&self.pool)
                .await
                .map_err(unavailable)?
                .rows_affected();
        }
        Ok(folded)
    }
}

/// The Paris month before the one of `millis`: `2027-02` in March 2027.
fn last_month(millis: i64) -> String {
    let t = paris_time(millis);
    // Noon (UTC) of the day before the 1st: in last month in Paris too.
    let mut day = paris_day(day_start_millis(t.year, t.month, 1) - 12 * 3_600_000);
    day.truncate(7);
    day
}

#[cfg(test)]
mod tests {
    use super::{fold_sql, last_month, SLOTTED};
    use crate::conformance::accounts::verified_at;
    use crate::conformance::paris_noon;
    use crate::{AccountStore, StatsStore};
    use relais_core::stats::Breakdown;
    use relais_core::ManualClock;
    use std::sync::Arc;

    #[tokio::test]
    async fn ended_days_and_last_month_fold_into_slot_zero_and_the_figures_stay() {
        // Noon in Paris: 20 April, 5 May (yesterday) and 6 May 2027 (today).
        let (april, yesterday, today) = (paris_noon(170), paris_noon(185), paris_noon(186));
        let Some(s) = super::super::store_for_test(
            "ended_days_and_last_month_fold_into_slot_zero_and_the_figures_stay",
            Arc::new(ManualClock::at_millis(today)),
        )
        .await
        else {
            return;
        };
        let ids: Vec<String> = (0..16).map(|i| format!("fold-{i}")).collect();
        let slots: std::collections::BTreeSet<i16> = ids
            .iter()
            .map(|i| crate::sql_stats::stats_slot(i))
            .collect();
        assert!(slots.len() > 1, "the accounts spread over slots");
        for t in [april, yesterday, today] {
            for id in &ids {
                s.connect_with_events(id, "ameli", t, &[verified_at(&format!("e-{id}"), t)])
                    .await
                    .unwrap();
            }
        }
        let figures = || async {
            (
                s.stats_months("2027-04", "2027-05").await.unwrap(),
                s.stats_breakdown("2027-05", Breakdown::Day).await.unwrap(),
                s.stats_breakdown("2027-04", Breakdown::Service)
                    .await
                    .unwrap(),
            )
        };
        let rows = |table: &'static str, column: &'static str, key: &'static str| {
            let s = &s;
            async move {
                sqlx::query_scalar::<_, i64>(&format!(
                    "SELECT count(*) FROM {table} WHERE {column} = $1"
                ))
                .bind(key)
                .fetch_one(s.pool())
                .await
                .unwrap()
            }
        };
        let before = figures().await;
        assert_eq!(
            before.1,
            vec![("2027-05-05".into(), 16), ("2027-05-06".into(), 16)]
        );
        let n = i64::try_from(slots.len()).unwrap();
        assert_eq!(rows("stats_daily", "day", "2027-05-05").await, n);
        assert!(s.fold_stats_slots().await.unwrap() > 0);
        assert_eq!(figures().await, before, "folding changes no figure");
        // Yesterday and last month: one row each; today and this month, and
        // days older than a week, as they were.
        assert_eq!(rows("stats_daily", "day", "2027-05-05").await, 1);
        assert_eq!(rows("stats_monthly_keys", "month", "2027-04").await, 1);
        assert_eq!(rows("stats_monthly", "month", "2027-04").await, 1);
        assert_eq!(rows("stats_daily", "day", "2027-05-06").await, n);
        assert_eq!(rows("stats_monthly_keys", "month", "2027-05").await, n);
        assert_eq!(rows("stats_daily", "day", "2027-04-20").await, n);
        // Nothing left to fold.
        assert_eq!(s.fold_stats_slots().await.unwrap(), 0);
    }

    #[test]
    fn the_month_before() {
        // Noon in Paris: 6 March 2027, 5 January 2027, 1 December 2026
        // (the first day, and Paris already in December at 00:30 UTC+1).
        assert_eq!(last_month(paris_noon(125)), "2027-02");
        assert_eq!(last_month(paris_noon(65)), "2026-12");
        assert_eq!(last_month(paris_noon(30)), "2026-11");
        assert_eq!(last_month(1_796_081_400_000), "2026-11");
    }

    #[test]
    fn a_fold_is_the_logins_upsert_over_the_slots_sums() {
        let sql = fold_sql(&SLOTTED[2]);
        assert!(sql.starts_with("WITH moved AS (DELETE FROM stats_monthly WHERE month >= $1 AND month < $2 AND slot <> 0 RETURNING month, users, new_users)"), "{sql}");
        assert!(sql.contains("INSERT INTO stats_monthly (month, users, new_users, slot) SELECT month, SUM(users), SUM(new_users), 0 FROM moved GROUP BY month ORDER BY month ON CONFLICT (month, slot)"), "{sql}");
    }
}
