//! A birth date as the pivot identity carries it: `YYYY-MM-DD`, or a
//! presumed date whose day, or month and day, are unknown (`YYYY-MM-00`,
//! `YYYY-00-00`), as the civil register writes them.
//!
//! The date travels in every record of a login that holds the identity
//! (the interaction, the session: read at four steps, written at two) and
//! in the claims a service receives. So its text is written into ten bytes
//! on the stack ([`BirthDate::text`]), and read from the record's borrowed
//! text, instead of a heap string each way.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// `YYYY-MM-DD`, or a presumed date `YYYY-MM-00` / `YYYY-00-00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    year: u16,
    month: u8,
    day: u8,
}

/// A date's ten characters, `YYYY-MM-DD`.
#[derive(Clone, Copy)]
pub struct BirthDateText([u8; 10]);

impl BirthDateText {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and dashes are written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for BirthDateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl BirthDate {
    pub fn parse(s: &str) -> Option<BirthDate> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        if !(1800..=9999).contains(&year) || month > 12 {
            return None;
        }
        if month == 0 && day != 0 {
            return None;
        }
        if month > 0 && day > days_in_month(year, month) {
            return None;
        }
        Some(BirthDate {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        })
    }

    pub fn is_presumed(&self) -> bool {
        self.month == 0 || self.day == 0
    }

    /// The date's text, on the stack.
    pub fn text(&self) -> BirthDateText {
        let digit = |n: u16| b'0' + (n % 10) as u8;
        let (y, m, d) = (self.year, u16::from(self.month), u16::from(self.day));
        BirthDateText([
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ])
    }

    /// The date as a service sees it in `birthdate`. Presumed dates are kept as
    /// given until a national-register check corrects them.
    pub fn as_claim(&self) -> String {
        self.text().as_str().to_owned()
    }

    /// The civil register's form of a presumed date: unknown day and
    /// month become the 1st (`1962-00-00` → `1962-01-01`).
    pub fn completed(self) -> BirthDate {
        BirthDate {
            year: self.year,
            month: self.month.max(1),
            day: self.day.max(1),
        }
    }

    /// Whether a full date is compatible with this (possibly presumed) one.
    pub fn admits(self, full: BirthDate) -> bool {
        self.year == full.year
            && (self.month == 0 || self.month == full.month)
            && (self.day == 0 || self.day == full.day)
    }

    /// (year, month, day); month and day are 0 when unknown (presumed dates).
    pub fn parts(&self) -> (u16, u8, u8) {
        (self.year, self.month, self.day)
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

impl Serialize for BirthDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text().as_str())
    }
}

impl<'de> Deserialize<'de> for BirthDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BirthDate, D::Error> {
        struct DateVisitor;
        impl Visitor<'_> for DateVisitor {
            type Value = BirthDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a birthdate YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BirthDate, E> {
                BirthDate::parse(v).ok_or_else(|| E::custom("invalid birthdate"))
            }
        }
        d.deserialize_str(DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_presumed_dates() {
        assert_eq!(
            BirthDate::parse("1962-08-24").map(|d| d.parts()),
            Some((1962, 8, 24))
        );
        assert_eq!(
            BirthDate::parse("1962-00-00").map(|d| d.parts()),
            Some((1962, 0, 0))
        );
    }

    #[test]
    fn the_text_is_the_date_given() {
        for given in [
            "1962-08-24",
            "1962-08-00",
            "1962-00-00",
            "1800-01-01",
            "9999-12-31",
            "2000-02-29",
        ] {
            let d = BirthDate::parse(given).unwrap();
            assert_eq!(d.text().as_str(), given);
            assert_eq!(d.as_claim(), given);
            assert_eq!(d.text().to_string(), given);
        }
    }

    #[test]
    fn records_hold_the_text_and_refuse_what_is_not_a_date() {
        let d = BirthDate::parse("1962-08-24").unwrap();
        // The text, as before (the compact records' round trip is
        // checked with the login's records, crates/web/src/flow_records_tests.rs).
        assert_eq!(serde_json::to_string(&d).unwrap(), r#""1962-08-24""#);
        assert_eq!(
            serde_json::from_str::<BirthDate>(r#""1962-08-24""#).unwrap(),
            d
        );
        for bad in [
            r#""1962-02-30""#,
            r#""24/08/1962""#,
            r#""""#,
            "19620824",
            "null",
        ] {
            assert!(serde_json::from_str::<BirthDate>(bad).is_err(), "{bad}");
        }
    }
}
