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
use std::cmp::Ordering;
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

// ---------------------------------------------------------------------------------------
// ISO 3166-1 and ISO 4217
// ---------------------------------------------------------------------------------------

/// One ISO 3166-1 entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    /// Alpha-3 code, e.g. `"GRC"`.
    pub alpha3: &'static str,
    /// Alpha-2 code, e.g. `"GR"`.
    pub alpha2: &'static str,
    /// Numeric code (three digits, also the UN M49 code of the country or area).
    pub numeric: &'static str,
    /// English short name.
    pub name: &'static str,
}

/// One ISO 4217 entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrencyInfo {
    /// Alphabetic code, e.g. `"EUR"`.
    pub code: &'static str,
    /// Numeric code (three digits).
    pub numeric: &'static str,
    /// Number of decimal places of the minor unit (`None` where ISO 4217 says N.A.,
    /// e.g. gold or special drawing rights). Amounts in reports are in minor units.
    pub minor_units: Option<u8>,
    /// English name.
    pub name: &'static str,
}

const fn country(
    alpha3: &'static str,
    alpha2: &'static str,
    numeric: &'static str,
    name: &'static str,
) -> Country {
    Country {
        alpha3,
        alpha2,
        numeric,
        name,
    }
}

const fn currency(
    code: &'static str,
    numeric: &'static str,
    minor_units: Option<u8>,
    name: &'static str,
) -> CurrencyInfo {
    CurrencyInfo {
        code,
        numeric,
        minor_units,
        name,
    }
}

/// Byte-wise comparison usable in `const` context.
const fn cmp_bytes(a: &[u8], b: &[u8]) -> Ordering {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] < b[i] {
            return Ordering::Less;
        }
        if a[i] > b[i] {
            return Ordering::Greater;
        }
        i += 1;
    }
    if a.len() < b.len() {
        Ordering::Less
    } else if a.len() > b.len() {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// The ISO 3166-1 entry whose alpha-3 code is exactly `code` (upper case).
pub const fn find_country(code: &str) -> Option<&'static Country> {
    let (mut lo, mut hi) = (0, COUNTRIES.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match cmp_bytes(COUNTRIES[mid].alpha3.as_bytes(), code.as_bytes()) {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => return Some(&COUNTRIES[mid]),
        }
    }
    None
}

/// Whether `code` is an officially assigned ISO 3166-1 alpha-3 code (exact, upper case).
pub const fn is_country(code: &str) -> bool {
    find_country(code).is_some()
}

/// The ISO 4217 entry whose alphabetic code is exactly `code` (upper case).
pub const fn find_currency(code: &str) -> Option<&'static CurrencyInfo> {
    let (mut lo, mut hi) = (0, CURRENCIES.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match cmp_bytes(CURRENCIES[mid].code.as_bytes(), code.as_bytes()) {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => return Some(&CURRENCIES[mid]),
        }
    }
    None
}

/// Whether `code` is an active ISO 4217 alphabetic code (exact, upper case).
pub const fn is_currency(code: &str) -> bool {
    find_currency(code).is_some()
}

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

// ---------------------------------------------------------------------------------------
// The lists
// ---------------------------------------------------------------------------------------

/// Every officially assigned ISO 3166-1 code (249), sorted by alpha-3 code.
pub const COUNTRIES: &[Country] = &[
    country("ABW", "AW", "533", "Aruba"),
    country("AFG", "AF", "004", "Afghanistan"),
    country("AGO", "AO", "024", "Angola"),
    country("AIA", "AI", "660", "Anguilla"),
    country("ALA", "AX", "248", "Åland Islands"),
    country("ALB", "AL", "008", "Albania"),
    country("AND", "AD", "020", "Andorra"),
    country("ARE", "AE", "784", "United Arab Emirates"),
    country("ARG", "AR", "032", "Argentina"),
    country("ARM", "AM", "051", "Armenia"),
    country("ASM", "AS", "016", "American Samoa"),
    country("ATA", "AQ", "010", "Antarctica"),
    country("ATF", "TF", "260", "French Southern Territories"),
    country("ATG", "AG", "028", "Antigua and Barbuda"),
    country("AUS", "AU", "036", "Australia"),
    country("AUT", "AT", "040", "Austria"),
    country("AZE", "AZ", "031", "Azerbaijan"),
    country("BDI", "BI", "108", "Burundi"),
    country("BEL", "BE", "056", "Belgium"),
    country("BEN", "BJ", "204", "Benin"),
    country("BES", "BQ", "535", "Bonaire, Sint Eustatius and Saba"),
    country("BFA", "BF", "854", "Burkina Faso"),
    country("BGD", "BD", "050", "Bangladesh"),
    country("BGR", "BG", "100", "Bulgaria"),
    country("BHR", "BH", "048", "Bahrain"),
    country("BHS", "BS", "044", "Bahamas"),
    country("BIH", "BA", "070", "Bosnia and Herzegovina"),
    country("BLM", "BL", "652", "Saint Barthélemy"),
    country("BLR", "BY", "112", "Belarus"),
    country("BLZ", "BZ", "084", "Belize"),
    country("BMU", "BM", "060", "Bermuda"),
    country("BOL", "BO", "068", "Bolivia, Plurinational State of"),
    country("BRA", "BR", "076", "Brazil"),
    country("BRB", "BB", "052", "Barbados"),
    country("BRN", "BN", "096", "Brunei Darussalam"),
    country("BTN", "BT", "064", "Bhutan"),
    country("BVT", "BV", "074", "Bouvet Island"),
    country("BWA", "BW", "072", "Botswana"),
    country("CAF", "CF", "140", "Central African Republic"),
    country("CAN", "CA", "124", "Canada"),
    country("CCK", "CC", "166", "Cocos (Keeling) Islands"),
    country("CHE", "CH", "756", "Switzerland"),
    country("CHL", "CL", "152", "Chile"),
    country("CHN", "CN", "156", "China"),
    country("CIV", "CI", "384", "Côte d'Ivoire"),
    country("CMR", "CM", "120", "Cameroon"),
    country("COD", "CD", "180", "Congo, The Democratic Republic of the"),
    country("COG", "CG", "178", "Congo"),
    country("COK", "CK", "184", "Cook Islands"),
    country("COL", "CO", "170", "Colombia"),
    country("COM", "KM", "174", "Comoros"),
    country("CPV", "CV", "132", "Cabo Verde"),
    country("CRI", "CR", "188", "Costa Rica"),
    country("CUB", "CU", "192", "Cuba"),
    country("CUW", "CW", "531", "Curaçao"),
    country("CXR", "CX", "162", "Christmas Island"),
    country("CYM", "KY", "136", "Cayman Islands"),
    country("CYP", "CY", "196", "Cyprus"),
    country("CZE", "CZ", "203", "Czechia"),
    country("DEU", "DE", "276", "Germany"),
    country("DJI", "DJ", "262", "Djibouti"),
    country("DMA", "DM", "212", "Dominica"),
    country("DNK", "DK", "208", "Denmark"),
    country("DOM", "DO", "214", "Dominican Republic"),
    country("DZA", "DZ", "012", "Algeria"),
    country("ECU", "EC", "218", "Ecuador"),
    country("EGY", "EG", "818", "Egypt"),
    country("ERI", "ER", "232", "Eritrea"),
    country("ESH", "EH", "732", "Western Sahara"),
    country("ESP", "ES", "724", "Spain"),
    country("EST", "EE", "233", "Estonia"),
    country("ETH", "ET", "231", "Ethiopia"),
    country("FIN", "FI", "246", "Finland"),
    country("FJI", "FJ", "242", "Fiji"),
    country("FLK", "FK", "238", "Falkland Islands (Malvinas)"),
    country("FRA", "FR", "250", "France"),
    country("FRO", "FO", "234", "Faroe Islands"),
    country("FSM", "FM", "583", "Micronesia, Federated States of"),
    country("GAB", "GA", "266", "Gabon"),
    country("GBR", "GB", "826", "United Kingdom"),
    country("GEO", "GE", "268", "Georgia"),
    country("GGY", "GG", "831", "Guernsey"),
    country("GHA", "GH", "288", "Ghana"),
    country("GIB", "GI", "292", "Gibraltar"),
    country("GIN", "GN", "324", "Guinea"),
    country("GLP", "GP", "312", "Guadeloupe"),
    country("GMB", "GM", "270", "Gambia"),
    country("GNB", "GW", "624", "Guinea-Bissau"),
    country("GNQ", "GQ", "226", "Equatorial Guinea"),
    country("GRC", "GR", "300", "Greece"),
    country("GRD", "GD", "308", "Grenada"),
    country("GRL", "GL", "304", "Greenland"),
    country("GTM", "GT", "320", "Guatemala"),
    country("GUF", "GF", "254", "French Guiana"),
    country("GUM", "GU", "316", "Guam"),
    country("GUY", "GY", "328", "Guyana"),
    country("HKG", "HK", "344", "Hong Kong"),
    country("HMD", "HM", "334", "Heard Island and McDonald Islands"),
    country("HND", "HN", "340", "Honduras"),
    country("HRV", "HR", "191", "Croatia"),
    country("HTI", "HT", "332", "Haiti"),
    country("HUN", "HU", "348", "Hungary"),
    country("IDN", "ID", "360", "Indonesia"),
    country("IMN", "IM", "833", "Isle of Man"),
    country("IND", "IN", "356", "India"),
    country("IOT", "IO", "086", "British Indian Ocean Territory"),
    country("IRL", "IE", "372", "Ireland"),
    country("IRN", "IR", "364", "Iran, Islamic Republic of"),
    country("IRQ", "IQ", "368", "Iraq"),
    country("ISL", "IS", "352", "Iceland"),
    country("ISR", "IL", "376", "Israel"),
    country("ITA", "IT", "380", "Italy"),
    country("JAM", "JM", "388", "Jamaica"),
    country("JEY", "JE", "832", "Jersey"),
    country("JOR", "JO", "400", "Jordan"),
    country("JPN", "JP", "392", "Japan"),
    country("KAZ", "KZ", "398", "Kazakhstan"),
    country("KEN", "KE", "404", "Kenya"),
    country("KGZ", "KG", "417", "Kyrgyzstan"),
    country("KHM", "KH", "116", "Cambodia"),
    country("KIR", "KI", "296", "Kiribati"),
    country("KNA", "KN", "659", "Saint Kitts and Nevis"),
    country("KOR", "KR", "410", "Korea, Republic of"),
    country("KWT", "KW", "414", "Kuwait"),
    country("LAO", "LA", "418", "Lao People's Democratic Republic"),
    country("LBN", "LB", "422", "Lebanon"),
    country("LBR", "LR", "430", "Liberia"),
    country("LBY", "LY", "434", "Libya"),
    country("LCA", "LC", "662", "Saint Lucia"),
    country("LIE", "LI", "438", "Liechtenstein"),
    country("LKA", "LK", "144", "Sri Lanka"),
    country("LSO", "LS", "426", "Lesotho"),
    country("LTU", "LT", "440", "Lithuania"),
    country("LUX", "LU", "442", "Luxembourg"),
    country("LVA", "LV", "428", "Latvia"),
    country("MAC", "MO", "446", "Macao"),
    country("MAF", "MF", "663", "Saint Martin (French part)"),
    country("MAR", "MA", "504", "Morocco"),
    country("MCO", "MC", "492", "Monaco"),
    country("MDA", "MD", "498", "Moldova, Republic of"),
    country("MDG", "MG", "450", "Madagascar"),
    country("MDV", "MV", "462", "Maldives"),
    country("MEX", "MX", "484", "Mexico"),
    country("MHL", "MH", "584", "Marshall Islands"),
    country("MKD", "MK", "807", "North Macedonia"),
    country("MLI", "ML", "466", "Mali"),
    country("MLT", "MT", "470", "Malta"),
    country("MMR", "MM", "104", "Myanmar"),
    country("MNE", "ME", "499", "Montenegro"),
    country("MNG", "MN", "496", "Mongolia"),
    country("MNP", "MP", "580", "Northern Mariana Islands"),
    country("MOZ", "MZ", "508", "Mozambique"),
    country("MRT", "MR", "478", "Mauritania"),
    country("MSR", "MS", "500", "Montserrat"),
    country("MTQ", "MQ", "474", "Martinique"),
    country("MUS", "MU", "480", "Mauritius"),
    country("MWI", "MW", "454", "Malawi"),
    country("MYS", "MY", "458", "Malaysia"),
    country("MYT", "YT", "175", "Mayotte"),
    country("NAM", "NA", "516", "Namibia"),
    country("NCL", "NC", "540", "New Caledonia"),
    country("NER", "NE", "562", "Niger"),
    country("NFK", "NF", "574", "Norfolk Island"),
    country("NGA", "NG", "566", "Nigeria"),
    country("NIC", "NI", "558", "Nicaragua"),
    country("NIU", "NU", "570", "Niue"),
    country("NLD", "NL", "528", "Netherlands"),
    country("NOR", "NO", "578", "Norway"),
    country("NPL", "NP", "524", "Nepal"),
    country("NRU", "NR", "520", "Nauru"),
    country("NZL", "NZ", "554", "New Zealand"),
    country("OMN", "OM", "512", "Oman"),
    country("PAK", "PK", "586", "Pakistan"),
    country("PAN", "PA", "591", "Panama"),
    country("PCN", "PN", "612", "Pitcairn"),
    country("PER", "PE", "604", "Peru"),
    country("PHL", "PH", "608", "Philippines"),
    country("PLW", "PW", "585", "Palau"),
    country("PNG", "PG", "598", "Papua New Guinea"),
    country("POL", "PL", "616", "Poland"),
    country("PRI", "PR", "630", "Puerto Rico"),
    country("PRK", "KP", "408", "Korea, Democratic People's Republic of"),
    country("PRT", "PT", "620", "Portugal"),
    country("PRY", "PY", "600", "Paraguay"),
    country("PSE", "PS", "275", "Palestine, State of"),
    country("PYF", "PF", "258", "French Polynesia"),
    country("QAT", "QA", "634", "Qatar"),
    country("REU", "RE", "638", "Réunion"),
    country("ROU", "RO", "642", "Romania"),
    country("RUS", "RU", "643", "Russian Federation"),
    country("RWA", "RW", "646", "Rwanda"),
    country("SAU", "SA", "682", "Saudi Arabia"),
    country("SDN", "SD", "729", "Sudan"),
    country("SEN", "SN", "686", "Senegal"),
    country("SGP", "SG", "702", "Singapore"),
    country(
        "SGS",
        "GS",
        "239",
        "South Georgia and the South Sandwich Islands",
    ),
    country(
        "SHN",
        "SH",
        "654",
        "Saint Helena, Ascension and Tristan da Cunha",
    ),
    country("SJM", "SJ", "744", "Svalbard and Jan Mayen"),
    country("SLB", "SB", "090", "Solomon Islands"),
    country("SLE", "SL", "694", "Sierra Leone"),
    country("SLV", "SV", "222", "El Salvador"),
    country("SMR", "SM", "674", "San Marino"),
    country("SOM", "SO", "706", "Somalia"),
    country("SPM", "PM", "666", "Saint Pierre and Miquelon"),
    country("SRB", "RS", "688", "Serbia"),
    country("SSD", "SS", "728", "South Sudan"),
    country("STP", "ST", "678", "Sao Tome and Principe"),
    country("SUR", "SR", "740", "Suriname"),
    country("SVK", "SK", "703", "Slovakia"),
    country("SVN", "SI", "705", "Slovenia"),
    country("SWE", "SE", "752", "Sweden"),
    country("SWZ", "SZ", "748", "Eswatini"),
    country("SXM", "SX", "534", "Sint Maarten (Dutch part)"),
    country("SYC", "SC", "690", "Seychelles"),
    country("SYR", "SY", "760", "Syrian Arab Republic"),
    country("TCA", "TC", "796", "Turks and Caicos Islands"),
    country("TCD", "TD", "148", "Chad"),
    country("TGO", "TG", "768", "Togo"),
    country("THA", "TH", "764", "Thailand"),
    country("TJK", "TJ", "762", "Tajikistan"),
    country("TKL", "TK", "772", "Tokelau"),
    country("TKM", "TM", "795", "Turkmenistan"),
    country("TLS", "TL", "626", "Timor-Leste"),
    country("TON", "TO", "776", "Tonga"),
    country("TTO", "TT", "780", "Trinidad and Tobago"),
    country("TUN", "TN", "788", "Tunisia"),
    country("TUR", "TR", "792", "Türkiye"),
    country("TUV", "TV", "798", "Tuvalu"),
    country("TWN", "TW", "158", "Taiwan, Province of China"),
    country("TZA", "TZ", "834", "Tanzania, United Republic of"),
    country("UGA", "UG", "800", "Uganda"),
    country("UKR", "UA", "804", "Ukraine"),
    country("UMI", "UM", "581", "United States Minor Outlying Islands"),
    country("URY", "UY", "858", "Uruguay"),
    country("USA", "US", "840", "United States"),
    country("UZB", "UZ", "860", "Uzbekistan"),
    country("VAT", "VA", "336", "Holy See (Vatican City State)"),
    country("VCT", "VC", "670", "Saint Vincent and the Grenadines"),
    country("VEN", "VE", "862", "Venezuela, Bolivarian Republic of"),
    country("VGB", "VG", "092", "Virgin Islands, British"),
    country("VIR", "VI", "850", "Virgin Islands, U.S."),
    country("VNM", "VN", "704", "Viet Nam"),
    country("VUT", "VU", "548", "Vanuatu"),
    country("WLF", "WF", "876", "Wallis and Futuna"),
    country("WSM", "WS", "882", "Samoa"),
    country("YEM", "YE", "887", "Yemen"),
    country("ZAF", "ZA", "710", "South Africa"),
    country("ZMB", "ZM", "894", "Zambia"),
    country("ZWE", "ZW", "716", "Zimbabwe"),
];

/// ISO 4217 alphabetic codes of active currencies and funds (180), sorted by code.
pub const CURRENCIES: &[CurrencyInfo] = &[
    currency("AED", "784", Some(2), "UAE Dirham"),
    currency("AFN", "971", Some(2), "Afghani"),
    currency("ALL", "008", Some(2), "Lek"),
    currency("AMD", "051", Some(2), "Armenian Dram"),
    currency("AOA", "973", Some(2), "Kwanza"),
    currency("ARS", "032", Some(2), "Argentine Peso"),
    currency("AUD", "036", Some(2), "Australian Dollar"),
    currency("AWG", "533", Some(2), "Aruban Florin"),
    currency("AZN", "944", Some(2), "Azerbaijan Manat"),
    currency("BAM", "977", Some(2), "Convertible Mark"),
    currency("BBD", "052", Some(2), "Barbados Dollar"),
    currency("BDT", "050", Some(2), "Taka"),
    currency("BGN", "975", Some(2), "Bulgarian Lev"),
    currency("BHD", "048", Some(3), "Bahraini Dinar"),
    currency("BIF", "108", Some(0), "Burundi Franc"),
    currency("BMD", "060", Some(2), "Bermudian Dollar"),
    currency("BND", "096", Some(2), "Brunei Dollar"),
    currency("BOB", "068", Some(2), "Boliviano"),
    currency("BOV", "984", Some(2), "Mvdol"),
    currency("BRL", "986", Some(2), "Brazilian Real"),
    currency("BSD", "044", Some(2), "Bahamian Dollar"),
    currency("BTN", "064", Some(2), "Ngultrum"),
    currency("BWP", "072", Some(2), "Pula"),
    currency("BYN", "933", Some(2), "Belarusian Ruble"),
    currency("BZD", "084", Some(2), "Belize Dollar"),
    currency("CAD", "124", Some(2), "Canadian Dollar"),
    currency("CDF", "976", Some(2), "Congolese Franc"),
    currency("CHE", "947", Some(2), "WIR Euro"),
    currency("CHF", "756", Some(2), "Swiss Franc"),
    currency("CHW", "948", Some(2), "WIR Franc"),
    currency("CLF", "990", Some(4), "Unidad de Fomento"),
    currency("CLP", "152", Some(0), "Chilean Peso"),
    currency("CNY", "156", Some(2), "Yuan Renminbi"),
    currency("COP", "170", Some(2), "Colombian Peso"),
    currency("COU", "970", Some(2), "Unidad de Valor Real"),
    currency("CRC", "188", Some(2), "Costa Rican Colon"),
    currency("CUC", "931", Some(2), "Peso Convertible"),
    currency("CUP", "192", Some(2), "Cuban Peso"),
    currency("CVE", "132", Some(2), "Cabo Verde Escudo"),
    currency("CZK", "203", Some(2), "Czech Koruna"),
    currency("DJF", "262", Some(0), "Djibouti Franc"),
    currency("DKK", "208", Some(2), "Danish Krone"),
    currency("DOP", "214", Some(2), "Dominican Peso"),
    currency("DZD", "012", Some(2), "Algerian Dinar"),
    currency("EGP", "818", Some(2), "Egyptian Pound"),
    currency("ERN", "232", Some(2), "Nakfa"),
    currency("ETB", "230", Some(2), "Ethiopian Birr"),
    currency("EUR", "978", Some(2), "Euro"),
    currency("FJD", "242", Some(2), "Fiji Dollar"),
    currency("FKP", "238", Some(2), "Falkland Islands Pound"),
    currency("GBP", "826", Some(2), "Pound Sterling"),
    currency("GEL", "981", Some(2), "Lari"),
    currency("GHS", "936", Some(2), "Ghana Cedi"),
    currency("GIP", "292", Some(2), "Gibraltar Pound"),
    currency("GMD", "270", Some(2), "Dalasi"),
    currency("GNF", "324", Some(0), "Guinean Franc"),
    currency("GTQ", "320", Some(2), "Quetzal"),
    currency("GYD", "328", Some(2), "Guyana Dollar"),
    currency("HKD", "344", Some(2), "Hong Kong Dollar"),
    currency("HNL", "340", Some(2), "Lempira"),
    currency("HTG", "332", Some(2), "Gourde"),
    currency("HUF", "348", Some(2), "Forint"),
    currency("IDR", "360", Some(2), "Rupiah"),
    currency("ILS", "376", Some(2), "New Israeli Sheqel"),
    currency("INR", "356", Some(2), "Indian Rupee"),
    currency("IQD", "368", Some(3), "Iraqi Dinar"),
    currency("IRR", "364", Some(2), "Iranian Rial"),
    currency("ISK", "352", Some(0), "Iceland Krona"),
    currency("JMD", "388", Some(2), "Jamaican Dollar"),
    currency("JOD", "400", Some(3), "Jordanian Dinar"),
    currency("JPY", "392", Some(0), "Yen"),
    currency("KES", "404", Some(2), "Kenyan Shilling"),
    currency("KGS", "417", Some(2), "Som"),
    currency("KHR", "116", Some(2), "Riel"),
    currency("KMF", "174", Some(0), "Comorian Franc"),
    currency("KPW", "408", Some(2), "North Korean Won"),
    currency("KRW", "410", Some(0), "Won"),
    currency("KWD", "414", Some(3), "Kuwaiti Dinar"),
    currency("KYD", "136", Some(2), "Cayman Islands Dollar"),
    currency("KZT", "398", Some(2), "Tenge"),
    currency("LAK", "418", Some(2), "Lao Kip"),
    currency("LBP", "422", Some(2), "Lebanese Pound"),
    currency("LKR", "144", Some(2), "Sri Lanka Rupee"),
    currency("LRD", "430", Some(2), "Liberian Dollar"),
    currency("LSL", "426", Some(2), "Loti"),
    currency("LYD", "434", Some(3), "Libyan Dinar"),
    currency("MAD", "504", Some(2), "Moroccan Dirham"),
    currency("MDL", "498", Some(2), "Moldovan Leu"),
    currency("MGA", "969", Some(2), "Malagasy Ariary"),
    currency("MKD", "807", Some(2), "Denar"),
    currency("MMK", "104", Some(2), "Kyat"),
    currency("MNT", "496", Some(2), "Tugrik"),
    currency("MOP", "446", Some(2), "Pataca"),
    currency("MRU", "929", Some(2), "Ouguiya"),
    currency("MUR", "480", Some(2), "Mauritius Rupee"),
    currency("MVR", "462", Some(2), "Rufiyaa"),
    currency("MWK", "454", Some(2), "Malawi Kwacha"),
    currency("MXN", "484", Some(2), "Mexican Peso"),
    currency("MXV", "979", Some(2), "Mexican Unidad de Inversion (UDI)"),
    currency("MYR", "458", Some(2), "Malaysian Ringgit"),
    currency("MZN", "943", Some(2), "Mozambique Metical"),
    currency("NAD", "516", Some(2), "Namibia Dollar"),
    currency("NGN", "566", Some(2), "Naira"),
    currency("NIO", "558", Some(2), "Cordoba Oro"),
    currency("NOK", "578", Some(2), "Norwegian Krone"),
    currency("NPR", "524", Some(2), "Nepalese Rupee"),
    currency("NZD", "554", Some(2), "New Zealand Dollar"),
    currency("OMR", "512", Some(3), "Rial Omani"),
    currency("PAB", "590", Some(2), "Balboa"),
    currency("PEN", "604", Some(2), "Sol"),
    currency("PGK", "598", Some(2), "Kina"),
    currency("PHP", "608", Some(2), "Philippine Peso"),
    currency("PKR", "586", Some(2), "Pakistan Rupee"),
    currency("PLN", "985", Some(2), "Zloty"),
    currency("PYG", "600", Some(0), "Guarani"),
    currency("QAR", "634", Some(2), "Qatari Rial"),
    currency("RON", "946", Some(2), "Romanian Leu"),
    currency("RSD", "941", Some(2), "Serbian Dinar"),
    currency("RUB", "643", Some(2), "Russian Ruble"),
    currency("RWF", "646", Some(0), "Rwanda Franc"),
    currency("SAR", "682", Some(2), "Saudi Riyal"),
    currency("SBD", "090", Some(2), "Solomon Islands Dollar"),
    currency("SCR", "690", Some(2), "Seychelles Rupee"),
    currency("SDG", "938", Some(2), "Sudanese Pound"),
    currency("SEK", "752", Some(2), "Swedish Krona"),
    currency("SGD", "702", Some(2), "Singapore Dollar"),
    currency("SHP", "654", Some(2), "Saint Helena Pound"),
    currency("SLE", "925", Some(2), "Leone"),
    currency("SLL", "694", Some(2), "Leone"),
    currency("SOS", "706", Some(2), "Somali Shilling"),
    currency("SRD", "968", Some(2), "Surinam Dollar"),
    currency("SSP", "728", Some(2), "South Sudanese Pound"),
    currency("STN", "930", Some(2), "Dobra"),
    currency("SVC", "222", Some(2), "El Salvador Colon"),
    currency("SYP", "760", Some(2), "Syrian Pound"),
    currency("SZL", "748", Some(2), "Lilangeni"),
    currency("THB", "764", Some(2), "Baht"),
    currency("TJS", "972", Some(2), "Somoni"),
    currency("TMT", "934", Some(2), "Turkmenistan New Manat"),
    currency("TND", "788", Some(3), "Tunisian Dinar"),
    currency("TOP", "776", Some(2), "Pa’anga"),
    currency("TRY", "949", Some(2), "Turkish Lira"),
    currency("TTD", "780", Some(2), "Trinidad and Tobago Dollar"),
    currency("TWD", "901", Some(2), "New Taiwan Dollar"),
    currency("TZS", "834", Some(2), "Tanzanian Shilling"),
    currency("UAH", "980", Some(2), "Hryvnia"),
    currency("UGX", "800", Some(0), "Uganda Shilling"),
    currency("USD", "840", Some(2), "US Dollar"),
    currency("USN", "997", Some(2), "US Dollar (Next day)"),
    currency(
        "UYI",
        "940",
        Some(0),
        "Uruguay Peso en Unidades Indexadas (UI)",
    ),
    currency("UYU", "858", Some(2), "Peso Uruguayo"),
    currency("UYW", "927", Some(4), "Unidad Previsional"),
    currency("UZS", "860", Some(2), "Uzbekistan Sum"),
    currency("VED", "926", Some(2), "Bolívar Soberano"),
    currency("VES", "928", Some(2), "Bolívar Soberano"),
    currency("VND", "704", Some(0), "Dong"),
    currency("VUV", "548", Some(0), "Vatu"),
    currency("WST", "882", Some(2), "Tala"),
    currency("XAF", "950", Some(0), "CFA Franc BEAC"),
    currency("XAG", "961", None, "Silver"),
    currency("XAU", "959", None, "Gold"),
    currency(
        "XBA",
        "955",
        None,
        "Bond Markets Unit European Composite Unit (EURCO)",
    ),
    currency(
        "XBB",
        "956",
        None,
        "Bond Markets Unit European Monetary Unit (E.M.U.-6)",
    ),
    currency(
        "XBC",
        "957",
        None,
        "Bond Markets Unit European Unit of Account 9 (E.U.A.-9)",
    ),
    currency(
        "XBD",
        "958",
        None,
        "Bond Markets Unit European Unit of Account 17 (E.U.A.-17)",
    ),
    currency("XCD", "951", Some(2), "East Caribbean Dollar"),
    currency("XCG", "532", Some(2), "Caribbean Guilder"),
    currency("XDR", "960", None, "SDR (Special Drawing Right)"),
    currency("XOF", "952", Some(0), "CFA Franc BCEAO"),
    currency("XPD", "964", None, "Palladium"),
    currency("XPF", "953", Some(0), "CFP Franc"),
    currency("XPT", "962", None, "Platinum"),
    currency("XSU", "994", None, "Sucre"),
    currency(
        "XTS",
        "963",
        None,
        "Codes specifically reserved for testing purposes",
    ),
    currency("XUA", "965", None, "ADB Unit of Account"),
    currency(
        "XXX",
        "999",
        None,
        "The codes assigned for transactions where no currency is involved",
    ),
    currency("YER", "886", Some(2), "Yemeni Rial"),
    currency("ZAR", "710", Some(2), "Rand"),
    currency("ZMW", "967", Some(2), "Zambian Kwacha"),
    currency("ZWG", "924", Some(2), "Zimbabwe Gold"),
];

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
