//! Statistics the press releases quote, as pure rules: which events count,
//! and what one batch of events adds to the daily rollup.
//!
//! A connection is an `FC_VERIFIED` event (the IdP's identity verified).
//! Days and months are Paris calendar days, as the figures are read in
//! France. The durable store keeps the rollup next to the events and
//! updates both in one transaction ([`StatsDelta`] is what a batch adds),
//! so queries over a year read a few thousand rows per month instead of
//! hundreds of millions of events.

use crate::acr::{AcrLevel, Platform};
use crate::event::{BusinessEvent, EventKind};
use crate::timefmt::paris_time;
use std::collections::{BTreeMap, BTreeSet};

/// One row of the daily rollup.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayKey {
    /// `2026-11-30`, Paris time.
    pub day: String,
    pub platform: Platform,
    pub sp_id: String,
    pub idp_id: String,
}

/// What a batch of events adds to the rollup.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StatsDelta {
    /// Connections per day, platform, service and IdP.
    pub daily: BTreeMap<DayKey, u64>,
    /// (month, account) pairs seen in the batch: distinct users per month
    /// and, on first sight ever, new users.
    pub month_users: BTreeSet<(String, String)>,
}

impl StatsDelta {
    pub fn is_empty(&self) -> bool {
        self.daily.is_empty()
    }
}

/// `2026-11-30` in Paris.
pub fn paris_day(millis: i64) -> String {
    let t = paris_time(millis);
    // Every login's statistics name its day: written digit by digit, not
    // through `format!`'s padding.
    let year = match u32::try_from(t.year) {
        Ok(y) if y <= 9999 => y,
        _ => return format!("{:04}-{:02}-{:02}", t.year, t.month, t.day),
    };
    let mut day = String::with_capacity(10);
    for (n, width) in [(year, 4), (t.month, 2), (t.day, 2)] {
        if width == 2 {
            day.push('-');
        }
        for p in (0..width).rev() {
            day.push(char::from(b'0' + (n / 10u32.pow(p) % 10) as u8));
        }
    }
    day
}

/// The platform that served a login at this level.
pub fn platform_of(acr: Option<&str>) -> Platform {
    match acr.and_then(AcrLevel::parse) {
        Some(level) if level >= AcrLevel::Eidas2 => Platform::Plus,
        _ => Platform::Standard,
    }
}

/// What `events` add to the statistics (only connections count).
pub fn delta(events: &[BusinessEvent]) -> StatsDelta {
    let verified = EventKind::FcVerified.as_str();
    let mut out = StatsDelta::default();
    for e in events.iter().filter(|e| e.event == verified) {
        let day = paris_day(e.time);
        if let Some(account) = &e.account_id {
            out.month_users
                .insert((day[..7].to_owned(), account.clone()));
        }
        let key = DayKey {
            platform: platform_of(e.sp_acr.as_deref()),
            sp_id: e.sp_id.clone().unwrap_or_default(),
            idp_id: e.idp_id.clone().unwrap_or_default(),
            day,
        };
        *out.daily.entry(key).or_insert(0) += 1;
    }
    out
}

/// One month of figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonthFigures {
    /// `2026-11`
    pub month: String,
    pub connections: u64,
    /// Distinct accounts that connected in the month.
    pub users: u64,
    /// Accounts seen for the first time in the month.
    pub new_users: u64,
    /// Services with at least one connection in the month.
    pub active_services: u64,
}

/// How a month's connections are broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Service,
    IdentityProvider,
    Platform,
    Day,
}

impl Breakdown {
    pub fn parse(s: &str) -> Option<Breakdown> {
        match s {
            "service" => Some(Breakdown::Service),
            "idp" => Some(Breakdown::IdentityProvider),
            "platform" => Some(Breakdown::Platform),
            "day" => Some(Breakdown::Day),
            _ => None,
        }
    }

    /// The rollup column this breakdown groups by (never user input).
    pub fn column(self) -> &'static str {
        match self {
            Breakdown::Service => "sp_id",
            Breakdown::IdentityProvider => "idp_id",
            Breakdown::Platform => "platform",
            Breakdown::Day => "day",
        }
    }
}

/// `2026-11` → (`2026-11-01`, `2026-12-01`): the month's days as a
/// half-open range of rollup keys; `None` if not a month.
pub fn month_days(month: &str) -> Option<(String, String)> {
    let (y, m) = month.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: u32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if !(1..=12).contains(&m) || !(1970..=9999).contains(&y) {
        return None;
    }
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Some((format!("{y:04}-{m:02}-01"), format!("{ny:04}-{nm:02}-01")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(time: i64, account: &str, sp: &str, idp: &str, acr: &str) -> BusinessEvent {
        let mut e = BusinessEvent::new(EventKind::FcVerified, time);
        e.account_id = Some(account.into());
        e.sp_id = Some(sp.into());
        e.idp_id = Some(idp.into());
        e.sp_acr = Some(acr.to_owned().into());
        e
    }

    #[test]
    fn a_paris_day_is_written_with_its_zeros() {
        let at = |y, m, d| crate::timefmt::days_from_civil(y, m, d) * 86_400_000 + 12 * 3_600_000;
        assert_eq!(paris_day(at(2026, 3, 9)), "2026-03-09");
        assert_eq!(paris_day(at(2026, 12, 31)), "2026-12-31");
        assert_eq!(paris_day(at(987, 1, 1)), "0987-01-01");
        assert_eq!(paris_day(at(12345, 6, 7)), "12345-06-07");
    }

    #[test]
    fn only_connections_count_by_paris_day() {
        // 2026-11-30 23:30 UTC is already 1 December in Paris.
        let late = 1_796_081_400_000;
        assert_eq!(paris_day(late), "2026-12-01");
        let events = vec![
            verified(late, "a", "sp1", "ameli", "eidas1"),
            verified(late + 1, "a", "sp1", "ameli", "eidas1"),
            verified(late + 2, "b", "sp2", "laposte", "eidas2"),
            BusinessEvent::new(EventKind::FcAuthorizeInitiated, late),
        ];
        let d = delta(&events);
        assert_eq!(d.daily.values().sum::<u64>(), 3);
        let key = DayKey {
            day: "2026-12-01".into(),
            platform: Platform::Standard,
            sp_id: "sp1".into(),
            idp_id: "ameli".into(),
        };
        assert_eq!(d.daily.get(&key), Some(&2));
        assert!(d.daily.keys().any(|k| k.platform == Platform::Plus));
        assert_eq!(d.month_users.len(), 2);
    }

    #[test]
    fn months_are_parsed_strictly() {
        assert_eq!(
            month_days("2026-12"),
            Some(("2026-12-01".into(), "2027-01-01".into()))
        );
        for bad in ["2026-13", "26-01", "2026-1", "x", "2026-01'--"] {
            assert_eq!(month_days(bad), None, "{bad}");
        }
        assert_eq!(Breakdown::parse("idp"), Some(Breakdown::IdentityProvider));
        assert_eq!(Breakdown::parse("sp_id; drop"), None);
    }
}
