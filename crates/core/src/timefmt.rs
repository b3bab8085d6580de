//! The one calendar of the workspace, without a calendar dependency:
//! RFC 3339 rendering of Unix times, and calendar months (monthly
//! statistics, monthly event partitions).

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (the inverse of `civil_from_days`).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar month (UTC) containing an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i64,
    pub month: u32,
    /// First millisecond of the month.
    pub start: i64,
    /// First millisecond of the next month.
    pub end: i64,
}

/// The month containing `millis` (Unix time, UTC).
pub fn month_bounds(millis: i64) -> Month {
    let (year, month, _) = civil_from_days(millis.div_euclid(86_400_000));
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    Month {
        year,
        month,
        start: days_from_civil(year, month, 1) * 86_400_000,
        end: days_from_civil(ny, nm, 1) * 86_400_000,
    }
}

/// `2026-11-22T10:00:00.123Z`
pub fn rfc3339_millis(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// A wall-clock time in France (metropolitan): what a citizen reads in
/// their history and e-mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParisTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

/// The last Sunday of a month at 01:00 UTC, when European summer time
/// starts (March) or ends (October).
fn eu_switch(year: i64, month: u32) -> i64 {
    let first_next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    let last = first_next - 1;
    // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
    let sunday = last - (last + 4).rem_euclid(7);
    sunday * 86_400_000 + 3_600_000
}

/// Paris time of an instant: UTC+1, UTC+2 in European summer time.
pub fn paris_time(millis: i64) -> ParisTime {
    let (year, _, _) = civil_from_days(millis.div_euclid(86_400_000));
    let summer = millis >= eu_switch(year, 3) && millis < eu_switch(year, 10);
    let local = millis + if summer { 7_200_000 } else { 3_600_000 };
    let days = local.div_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let minutes = local.rem_euclid(86_400_000) / 60_000;
    ParisTime {
        year,
        month,
        day,
        hour: (minutes / 60) as u32,
        minute: (minutes % 60) as u32,
    }
}

/// The first millisecond (UTC) of a civil date.
pub fn day_start_millis(year: i64, month: u32, day: u32) -> i64 {
    days_from_civil(year, month, day) * 86_400_000
}

/// `2026-11` for monthly statistics.
pub fn year_month(millis: i64) -> String {
    let (y, m, _) = civil_from_days(millis.div_euclid(1000).div_euclid(86_400));
    format!("{y:04}-{m:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_time_follows_european_summer_time() {
        // 2026-03-29 00:59 UTC is 01:59 in Paris; a minute later, 03:00.
        let before = days_from_civil(2026, 3, 29) * 86_400_000 + 59 * 60_000;
        assert_eq!(
            (paris_time(before).hour, paris_time(before).minute),
            (1, 59)
        );
        assert_eq!(paris_time(before + 60_000).hour, 3);
        // 2026-10-25 00:59 UTC is 02:59 summer time; at 01:00 UTC, 02:00.
        let autumn = days_from_civil(2026, 10, 25) * 86_400_000 + 59 * 60_000;
        assert_eq!(paris_time(autumn).hour, 2);
        assert_eq!(
            (
                paris_time(autumn + 60_000).hour,
                paris_time(autumn + 60_000).minute
            ),
            (2, 0)
        );
        // New Year's Eve 23:30 UTC is already next year in Paris.
        let nye = days_from_civil(2026, 12, 31) * 86_400_000 + 23 * 3_600_000 + 30 * 60_000;
        let t = paris_time(nye);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute),
            (2027, 1, 1, 0, 30)
        );
    }

    #[test]
    fn month_bounds_are_calendar_months() {
        // 2026-02-15T12:00:00Z
        let m = month_bounds(1_771_156_800_000);
        assert_eq!((m.year, m.month), (2026, 2));
        assert_eq!(rfc3339_millis(m.start), "2026-02-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(m.end), "2026-03-01T00:00:00.000Z");
        let dec = month_bounds(1_797_000_000_000); // 2026-12-10
        assert_eq!(dec.month, 12);
        assert_eq!(rfc3339_millis(dec.end), "2027-01-01T00:00:00.000Z");
        for days in [-800_000_i64, -1, 0, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_795_000_000_123),
            "2026-11-18T11:06:40.123Z"
        );
        assert_eq!(year_month(951_782_400_000), "2000-02");
    }
}
