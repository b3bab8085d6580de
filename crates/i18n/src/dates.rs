//! Dates as citizens read them: "1er janvier 1970", "1 January 1970", and
//! instants in Paris time ("2 décembre 2026 à 08:30").

use crate::catalog::{args, format, Arg};
use crate::locale::Locale;
use relais_core::timefmt::paris_time;

impl Locale {
    /// A calendar date (`month` 1–12).
    pub fn date(self, year: i64, month: u32, day: u32) -> String {
        let month_name = format(self, &format!("month-{month}"), None);
        format(
            self,
            "date-long",
            Some(&args(&[
                ("day", Arg::Number(i64::from(day))),
                ("month", Arg::Text(&month_name)),
                ("year", Arg::Number(year)),
            ])),
        )
        .into_owned()
    }

    /// A birth date that may be presumed: "14 juillet 1962", "juillet
    /// 1962" (day unknown), "1962" (month unknown).
    pub fn birth_date(self, date: &relais_core::pivot::BirthDate) -> String {
        match date.parts() {
            (y, 0, _) => y.to_string(),
            (y, m, 0) => format!("{} {y}", format(self, &format!("month-{m}"), None)),
            (y, m, d) => self.date(i64::from(y), u32::from(m), u32::from(d)),
        }
    }

    /// An ISO date (`1970-01-01`) in words; anything else is shown as is.
    pub fn iso_date(self, iso: &str) -> String {
        let mut parts = iso.splitn(3, '-');
        let parsed = (|| {
            let y = parts.next()?.parse::<i64>().ok()?;
            let m = parts.next()?.parse::<u32>().ok()?;
            let d = parts.next()?.parse::<u32>().ok()?;
            ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
        })();
        match parsed {
            Some((y, m, d)) => self.date(y, m, d),
            None => iso.to_owned(),
        }
    }

    /// An instant (Unix milliseconds) in Paris time, date and hour.
    pub fn date_time(self, millis: i64) -> String {
        let t = paris_time(millis);
        let date = self.date(t.year, t.month, t.day);
        let time = format!("{:02}:{:02}", t.hour, t.minute);
        format(
            self,
            "date-time",
            Some(&args(&[
                ("date", Arg::Text(&date)),
                ("time", Arg::Text(&time)),
            ])),
        )
        .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_words() {
        assert_eq!(Locale::En.date(1970, 1, 1), "1 January 1970");
        assert_eq!(Locale::Fr.date(1970, 1, 1), "1er janvier 1970");
        assert_eq!(Locale::Fr.iso_date("1962-08-24"), "24 août 1962");
        assert_eq!(Locale::En.iso_date("1962-08-24"), "24 August 1962");
        assert_eq!(Locale::En.iso_date("1962-13-01"), "1962-13-01");
        let presumed =
            |s| relais_core::pivot::BirthDate::parse(s).map(|d| Locale::Fr.birth_date(&d));
        assert_eq!(presumed("1962-08-00"), Some("août 1962".into()));
        assert_eq!(presumed("1962-00-00"), Some("1962".into()));
        // 2026-12-02 07:30 UTC is 08:30 in Paris (winter time).
        let millis = 1_796_196_600_000;
        assert_eq!(Locale::Fr.date_time(millis), "2 décembre 2026 à 08:30");
        assert_eq!(Locale::En.date_time(millis), "2 December 2026 at 08:30");
    }
}
