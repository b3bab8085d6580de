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
use crate::StoreResult;
use relais_core::stats::paris_day;

/// How far back each fold looks.
const FOLD_DAYS_BACK: i64 = 7;

/// One table's fold: `$1` and `$2` bound the days (or months) folded,
/// `$2` excluded (today, or this month).
const FOLD_DAILY: &str = "WITH moved AS (
    DELETE FROM stats_daily WHERE day >= $1 AND day < $2 AND slot <> 0
    RETURNING day, platform, sp_id, idp_id, connections)
INSERT INTO stats_daily (day, platform, sp_id, idp_id, connections, slot)
SELECT day, platform, sp_id, idp_id, SUM(connections), 0 FROM moved
GROUP BY day, platform, sp_id, idp_id ORDER BY day, platform, sp_id, idp_id
ON CONFLICT (day, platform, sp_id, idp_id, slot)
DO UPDATE SET connections = stats_daily.connections + excluded.connections";

const FOLD_MONTHLY_KEYS: &str = "WITH moved AS (
    DELETE FROM stats_monthly_keys WHERE month >= $1 AND month < $2 AND slot <> 0
    RETURNING month, platform, sp_id, idp_id, connections)
INSERT INTO stats_monthly_keys (month, platform, sp_id, idp_id, connections, slot)
SELECT month, platform, sp_id, idp_id, SUM(connections), 0 FROM moved
GROUP BY month, platform, sp_id, idp_id ORDER BY month, platform, sp_id, idp_id
ON CONFLICT (month, platform, sp_id, idp_id, slot)
DO UPDATE SET connections = stats_monthly_keys.connections + excluded.connections";

const FOLD_MONTHLY: &str = "WITH moved AS (
    DELETE FROM stats_monthly WHERE month >= $1 AND month < $2 AND slot <> 0
    RETURNING month, users, new_users)
INSERT INTO stats_monthly (month, users, new_users, slot)
SELECT month, SUM(users), SUM(new_users), 0 FROM moved GROUP BY month ORDER BY month
ON CONFLICT (month, slot)
DO UPDATE SET users = stats_monthly.users + excluded.users, new_users = stats_monthly.new_users + excluded.new_users";

impl PgStore {
    /// Folds the slots of the last week's ended days, and of last month,
    /// into slot 0. Answers the slot-0 rows written.
    pub async fn fold_stats_slots(&self) -> StoreResult<u64> {
        let now = self.clock.now_millis();
        let today = paris_day(now);
        let week_ago = paris_day(now - FOLD_DAYS_BACK * 86_400_000);
        let this_month = &today[..7];
        let last_month = month_before(this_month);
        let mut folded = 0;
        for (sql, from, to) in [
            (FOLD_DAILY, week_ago.as_str(), today.as_str()),
            (FOLD_MONTHLY_KEYS, last_month.as_str(), this_month),
            (FOLD_MONTHLY, last_month.as_str(), this_month),
        ] {
            folded += sqlx::query(sql)
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

/// `2027-03` → `2027-02`, `2027-01` → `2026-12`; anything else as it is
/// (an empty range then: nothing folded).
fn month_before(month: &str) -> String {
    let parsed = month
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<u32>().ok()?, m.parse::<u32>().ok()?)));
    match parsed {
        Some((y, 1)) if y > 0 => format!("{:04}-12", y - 1),
        Some((y, m)) if (2..=12).contains(&m) => format!("{y:04}-{:02}", m - 1),
        _ => month.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::month_before;
    use crate::conformance::accounts::verified_at;
    use crate::test_backends::{available, Backend};
    use crate::{AccountStore, StatsStore};
    use relais_core::stats::Breakdown;
    use relais_core::ManualClock;
    use std::sync::Arc;

    #[tokio::test]
    async fn ended_days_and_last_month_fold_into_slot_zero_and_the_figures_stay() {
        if !available(
            "ended_days_and_last_month_fold_into_slot_zero_and_the_figures_stay",
            &[Backend::Postgres],
        )
        .await
        {
            return;
        }
        // Noon in Paris: 20 April, 5 May (yesterday) and 6 May 2027 (today).
        let day = |n: i64| 1_793_530_800_000 + n * 86_400_000;
        let (april, yesterday, today) = (day(170), day(185), day(186));
        let s = super::super::test_store(Arc::new(ManualClock::at_millis(today)))
            .await
            .unwrap();
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
        assert_eq!(month_before("2027-03"), "2027-02");
        assert_eq!(month_before("2027-01"), "2026-12");
        assert_eq!(month_before("2027-12"), "2027-11");
        assert_eq!(month_before("junk"), "junk");
    }
}
