//! Code lists, as data, in one place, and the calendar types of the schema.
//!
//! * ISO 3166-1 countries ([`COUNTRIES`], every officially assigned code, territories
//!   included) and ISO 4217 currencies ([`CURRENCIES`], active codes), sorted by
//!   alphabetic code and searched by binary search ([`find_country`], [`is_country`],
//!   [`find_currency`], [`is_currency`]). Both lookups are `const`, so a code written in
//!   the source can be checked at compile time.
//! * The SDMX codes used to label published cells: sex ([`SEX_CODES`]), age bands
//!   ([`AGE_BAND_CODES`]), totals ([`TOTAL`]), other ([`OTHER`]), unknown ([`UNKNOWN`]) and
//!   the observation and confidentiality status flags.
//! * [`Date`], a proleptic Gregorian calendar day parsed from strict `YYYY-MM-DD`, and
//!   [`Timestamp`], an RFC 3339 date-time parsed and range-checked by hand.
//!
//! The version of these lists is [`CODE_LIST_VERSION`]. Country and currency data come
//! from the Debian `iso-codes` 4.15 tables, brought up to date: the ISO 4217 list drops
//! `HRK` (withdrawn 2023), `ZWL` (2024) and `ANG` (2025) and adds `ZWG` (2024) and `XCG`
//! (2025). `BGN` is kept while its withdrawal (euro adopted on 2026-01-01) is pending,
//! so that observations made before the changeover stay valid.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Version of the code lists in this module; published alongside aggregates so that a
/// reader knows which lists labelled them.
pub const CODE_LIST_VERSION: &str = "2026.1";

/// A value that does not parse as the code or calendar type it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {what}: {value:?}")]
pub struct ParseError {
    /// What was expected, e.g. `"date (YYYY-MM-DD)"`.
    pub what: &'static str,
    /// The offending text (shortened if very long).
    pub value: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, value: &str) -> Self {
        ParseError {
            what,
            value: crate::validate::shown(value),
        }
    }
}

// ---------------------------------------------------------------------------------------
// SDMX codes used for labels
// ---------------------------------------------------------------------------------------

/// SDMX code of the total over a dimension.
pub const TOTAL: &str = "_T";
/// SDMX code of "other" (a value outside the listed ones).
pub const OTHER: &str = "_O";
/// SDMX code of "unknown".
pub const UNKNOWN: &str = "_U";

/// SDMX sex code: female.
pub const SEX_FEMALE: &str = "F";
/// SDMX sex code: male.
pub const SEX_MALE: &str = "M";
/// The SDMX sex codes of a report, in schema order (totals use [`TOTAL`]).
pub const SEX_CODES: &[&str] = &[SEX_FEMALE, SEX_MALE, UNKNOWN];

/// SDMX age band: under 18 (a child).
pub const AGE_UNDER_18: &str = "Y_LT18";
/// SDMX age band: 18 to 29.
pub const AGE_18_29: &str = "Y18T29";
/// SDMX age band: 30 to 44.
pub const AGE_30_44: &str = "Y30T44";
/// SDMX age band: 45 to 59.
pub const AGE_45_59: &str = "Y45T59";
/// SDMX age band: 60 and over.
pub const AGE_60_PLUS: &str = "Y_GE60";
/// The SDMX age-band codes of a report, in schema order (totals use [`TOTAL`]).
pub const AGE_BAND_CODES: &[&str] = &[
    AGE_UNDER_18,
    AGE_18_29,
    AGE_30_44,
    AGE_45_59,
    AGE_60_PLUS,
    UNKNOWN,
];

/// SDMX `OBS_STATUS`: normal value.
pub const OBS_STATUS_NORMAL: &str = "A";
/// SDMX `OBS_STATUS`: value suppressed (not published).
pub const OBS_STATUS_SUPPRESSED: &str = "Q";
/// SDMX `CONF_STATUS`: free (not confidential).
pub const CONF_STATUS_FREE: &str = "F";
/// SDMX `CONF_STATUS`: primary confidentiality (small count).
pub const CONF_STATUS_PRIMARY: &str = "A";
/// SDMX `CONF_STATUS`: secondary confidentiality (suppressed to protect another cell).
pub const CONF_STATUS_SECONDARY: &str = "D";

mod iso;
pub use iso::*;

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

/// Whether `year` is a leap year of the (proleptic) Gregorian calendar.
// `u16::is_multiple_of` is newer than the workspace's rust-version (1.85).
#[allow(clippy::manual_is_multiple_of)]
pub const fn is_leap_year(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1 to 12) of `year`; `None` for another month number.
pub const fn days_in_month(year: u16, month: u8) -> Option<u8> {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if is_leap_year(year) => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// A calendar day of the proleptic Gregorian calendar, years 0000 to 9999.
///
/// Ordered chronologically. Parsed from, and displayed as, strict ISO 8601 extended
/// `YYYY-MM-DD`. Serialised (serde) as that string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    // Field order matters: the derived `Ord` is chronological.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The first representable day, 0000-01-01.
    pub const MIN: Date = Date {
        year: 0,
        month: 1,
        day: 1,
    };
    /// The last representable day, 9999-12-31.
    pub const MAX: Date = Date {
        year: 9999,
        month: 12,
        day: 31,
    };
    /// 1970-01-01, day 0 of [`Date::to_days`].
    pub const EPOCH: Date = Date {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// The day `year-month-day`, if it exists (year at most 9999).
    pub const fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if year > 9999 {
            return None;
        }
        match days_in_month(year, month) {
            Some(n) if day >= 1 && day <= n => Some(Date { year, month, day }),
            _ => None,
        }
    }

    /// Parses strict `YYYY-MM-DD` (exactly ten characters, ASCII digits, a real day).
    pub fn parse(s: &str) -> Result<Date, ParseError> {
        let err = || ParseError::new("date (YYYY-MM-DD)", s);
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let year = digits(&b[0..4]).ok_or_else(err)?;
        let month = digits(&b[5..7]).ok_or_else(err)?;
        let day = digits(&b[8..10]).ok_or_else(err)?;
        let (Ok(year), Ok(month), Ok(day)) =
            (u16::try_from(year), u8::try_from(month), u8::try_from(day))
        else {
            return Err(err());
        };
        Date::new(year, month, day).ok_or_else(err)
    }

    /// Year (0 to 9999).
    pub const fn year(self) -> u16 {
        self.year
    }

    /// Month (1 to 12).
    pub const fn month(self) -> u8 {
        self.month
    }

    /// Day of the month (1 to 31).
    pub const fn day(self) -> u8 {
        self.day
    }

    /// Number of days since 1970-01-01 (negative before it).
    pub const fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let m = self.month as i64;
        let y = self.year as i64 - if m <= 2 { 1 } else { 0 };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` days after 1970-01-01, if it is between [`Date::MIN`] and
    /// [`Date::MAX`].
    pub const fn from_days(days: i64) -> Option<Date> {
        if days < Date::MIN.to_days() || days > Date::MAX.to_days() {
            return None;
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
        // In range by the check above.
        Some(Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The day `n` days later (earlier if negative), if representable.
    pub const fn add_days(self, n: i64) -> Option<Date> {
        match self.to_days().checked_add(n) {
            Some(d) => Date::from_days(d),
            None => None,
        }
    }

    /// ISO 8601 day of the week: 1 = Monday ... 7 = Sunday.
    pub const fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        (self.to_days() + 3).rem_euclid(7) as u8 + 1
    }

    /// Day of the year, 1 to 366.
    pub const fn ordinal(self) -> u16 {
        let jan1 = Date {
            year: self.year,
            month: 1,
            day: 1,
        };
        (self.to_days() - jan1.to_days() + 1) as u16
    }

    /// ISO 8601 week date: `(week-based year, week 1 to 53)`, as used by SDMX weekly
    /// periods (`2026-W11`). The week-based year may differ from [`Date::year`] in the
    /// first and last days of a year; for days whose week-based year would fall outside
    /// 0000..=9999 the calendar year is returned.
    pub const fn iso_week(self) -> (u16, u8) {
        // The Thursday of this day's week decides the week-based year.
        let thursday = self.to_days() - self.weekday() as i64 + 4;
        match Date::from_days(thursday) {
            Some(t) => (t.year, ((t.ordinal() - 1) / 7 + 1) as u8),
            None => (self.year, ((self.ordinal() - 1) / 7 + 1) as u8),
        }
    }
}

/// Value of a run of ASCII digits (at most 9 of them).
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Date {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

impl TryFrom<String> for Date {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Date::parse(&s)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

// ---------------------------------------------------------------------------------------
// RFC 3339 timestamps
// ---------------------------------------------------------------------------------------

/// An RFC 3339 `date-time`, e.g. `2026-03-02T09:15:00+02:00`, keeping the exact text it
/// was parsed from (so that a report converts back to the same bytes).
///
/// Syntax and ranges are checked by hand: a real calendar day, hour 00-23, minute 00-59,
/// second 00-59 (60 only as a leap second, at minute 59), an optional fraction of 1 to 9
/// digits, and `Z` or a numeric offset of at most 23:59. `T` and `Z` may be lower case
/// (RFC 3339 section 5.6); a space instead of `T` is not accepted.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp {
    text: String,
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
    offset_minutes: i16,
}

impl Timestamp {
    /// Longest accepted text: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+HH:MM` (35 characters).
    pub const MAX_LEN: usize = 35;

    /// Parses an RFC 3339 `date-time`.
    pub fn parse(s: &str) -> Result<Timestamp, ParseError> {
        let err = || ParseError::new("RFC 3339 timestamp", s);
        let b = s.as_bytes();
        if b.len() < 20 || b.len() > Self::MAX_LEN || !s.is_ascii() {
            return Err(err());
        }
        let date = Date::parse(&s[..10]).map_err(|_| err())?;
        if !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
            return Err(err());
        }
        let two = |i: usize| digits(&b[i..i + 2]).ok_or_else(err);
        let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
        if hour > 23 || minute > 59 || second > 60 || (second == 60 && minute != 59) {
            return Err(err());
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            let start = i + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            let n = end - start;
            if n == 0 || n > 9 {
                return Err(err());
            }
            let frac = digits(&b[start..end]).ok_or_else(err)?;
            nanos = frac * 10u32.pow(9 - n as u32);
            i = end;
        }
        let offset_minutes: i16 = match &b[i..] {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let oh = digits(&[*h1, *h2]).ok_or_else(err)?;
                let om = digits(&[*m1, *m2]).ok_or_else(err)?;
                if oh > 23 || om > 59 {
                    return Err(err());
                }
                // At most 23 * 60 + 59, fits.
                let total = (oh * 60 + om) as i16;
                if *sign == b'-' { -total } else { total }
            }
            _ => return Err(err()),
        };
        Ok(Timestamp {
            text: s.to_owned(),
            date,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            nanos,
            offset_minutes,
        })
    }

    /// The UTC instant `secs` seconds after 1970-01-01T00:00:00Z, written
    /// `YYYY-MM-DDTHH:MM:SSZ` (e.g. for `submitted_at` from a clock reading); `None`
    /// outside years 0000 to 9999.
    pub fn from_unix_seconds(secs: i64) -> Option<Timestamp> {
        let date = Date::from_days(secs.div_euclid(86_400))?;
        let s = secs.rem_euclid(86_400);
        // Each part is below 24, 60 and 60 respectively.
        Some(Timestamp::utc(
            date,
            (s / 3600) as u8,
            (s / 60 % 60) as u8,
            (s % 60) as u8,
        ))
    }

    /// `date` at `hour:minute:second` UTC. Crate-internal: the caller keeps the parts in
    /// range (hour < 24, minute < 60, second < 60).
    pub(crate) fn utc(date: Date, hour: u8, minute: u8, second: u8) -> Timestamp {
        Timestamp {
            text: format!("{date}T{hour:02}:{minute:02}:{second:02}Z"),
            date,
            hour,
            minute,
            second,
            nanos: 0,
            offset_minutes: 0,
        }
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The calendar day as written (in the timestamp's own offset).
    pub fn date(&self) -> Date {
        self.date
    }

    /// The UTC calendar day of this instant.
    pub fn utc_date(&self) -> Date {
        let days = self.unix_seconds().div_euclid(86_400);
        // Within one day of `self.date`, which is representable except at the extremes.
        Date::from_days(days).unwrap_or(self.date)
    }

    /// Hour (0 to 23).
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// Minute (0 to 59).
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// Second (0 to 60, 60 being a leap second).
    pub fn second(&self) -> u8 {
        self.second
    }

    /// Fraction of the second in nanoseconds.
    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// Offset from UTC in minutes (`Z` and `-00:00` are 0).
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// Seconds since 1970-01-01T00:00:00Z (a leap second counts as the next second).
    pub fn unix_seconds(&self) -> i64 {
        self.date.to_days() * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_minutes) * 60
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

impl FromStr for Timestamp {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Timestamp::parse(&s)
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_unique() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(COUNTRIES.windows(2).all(|w| w[0].alpha3 < w[1].alpha3));
        assert!(CURRENCIES.windows(2).all(|w| w[0].code < w[1].code));
        assert!(
            COUNTRIES
                .iter()
                .all(|c| c.alpha3.len() == 3 && c.alpha3.bytes().all(|b| b.is_ascii_uppercase()))
        );
        assert!(
            CURRENCIES
                .iter()
                .all(|c| c.code.len() == 3 && c.code.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn every_entry_is_found() {
        assert!(COUNTRIES.iter().all(|c| is_country(c.alpha3)));
        assert!(CURRENCIES.iter().all(|c| is_currency(c.code)));
        assert!(!is_country("grc") && !is_country("XXX") && !is_country(""));
        assert!(!is_currency("eur") && !is_currency("HRK"));
    }
}
