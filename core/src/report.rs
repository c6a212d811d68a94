//! The report domain: what a national focal point signs and submits, free of protobuf.
//!
//! These types mirror `vrs.v1.Report` (see `proto/vrs/v1/report.proto`), with proto enums
//! as Rust enums without their `UNSPECIFIED` value, validated newtypes for identifiers and
//! codes ([`ReportId`], [`Iso3`], [`Currency`]), and calendar values as [`Date`] and
//! [`Timestamp`]. Conversion from and to the wire lives in [`crate::wire`]; the rules a
//! report obeys are listed in [`crate::validate`].
//!
//! Fields are public: a `Report` obtained from [`crate::wire`] satisfies every rule of
//! [`crate::validate`]; one built by hand (as the client and the tests do) is checked with
//! [`Report::validate`] before it is signed.
//!
//! Every enum has a short `code()` used for labels and aggregate keys: SDMX codes where
//! SDMX has one ([`Sex`]: `F`, `M`, `_U`; [`AgeBand`]: `Y_LT18` ...; "other" is `_O` and
//! "unknown" is `_U`), an upper-case name otherwise.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::codes::{self, Country, CurrencyInfo};
pub use crate::codes::{Date, ParseError, Timestamp};

// ---------------------------------------------------------------------------------------
// Identifiers and codes
// ---------------------------------------------------------------------------------------

/// A report id: a UUID written lower-case and hyphenated (`8-4-4-4-12`, 36 characters),
/// chosen by the submitter and stable across versions. The nil UUID is not a report id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReportId([u8; 16]);

impl ReportId {
    /// Parses the lower-case hyphenated form.
    pub fn parse(s: &str) -> Result<ReportId, ParseError> {
        let err = || ParseError::new("UUID (lower-case, hyphenated)", s);
        let b = s.as_bytes();
        if b.len() != 36 {
            return Err(err());
        }
        let mut out = [0u8; 16];
        let mut nibbles = 0usize;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return Err(err());
                }
                continue;
            }
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => return Err(err()),
            };
            out[nibbles / 2] |= if nibbles & 1 == 0 { v << 4 } else { v };
            nibbles += 1;
        }
        if out == [0u8; 16] {
            return Err(err());
        }
        Ok(ReportId(out))
    }

    /// The id with these 16 bytes, as they are (`None` for the nil UUID).
    pub fn from_bytes(bytes: [u8; 16]) -> Option<ReportId> {
        (bytes != [0u8; 16]).then_some(ReportId(bytes))
    }

    /// A random (version 4) UUID made from 16 random bytes supplied by the caller: the
    /// version and variant bits are set, the other 122 bits are kept.
    pub fn new_v4(mut random: [u8; 16]) -> ReportId {
        random[6] = (random[6] & 0x0f) | 0x40;
        random[8] = (random[8] & 0x3f) | 0x80;
        ReportId(random)
    }

    /// The 16 bytes of the UUID.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = crate::hex(&self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

impl fmt::Debug for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReportId({self})")
    }
}

impl FromStr for ReportId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportId::parse(s)
    }
}

impl TryFrom<String> for ReportId {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReportId::parse(&s)
    }
}

impl From<ReportId> for String {
    fn from(id: ReportId) -> String {
        id.to_string()
    }
}

/// An ISO 3166-1 alpha-3 country code from [`codes::COUNTRIES`] (exact, upper case).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iso3(&'static str);

impl Iso3 {
    /// The code `code`, if it is in the list. `const`, so that a code written in the
    /// source is checked at compile time:
    /// `const GRC: Iso3 = match Iso3::new("GRC") { Some(c) => c, None => panic!() };`
    pub const fn new(code: &str) -> Option<Iso3> {
        match codes::find_country(code) {
            Some(c) => Some(Iso3(c.alpha3)),
            None => None,
        }
    }

    /// Parses a code, with an error naming the bad value.
    pub fn parse(code: &str) -> Result<Iso3, ParseError> {
        Iso3::new(code).ok_or_else(|| ParseError::new("ISO 3166-1 alpha-3 code", code))
    }

    /// The three letters.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }

    /// The full ISO 3166-1 entry (alpha-2, numeric, name).
    pub fn info(&self) -> Option<&'static Country> {
        codes::find_country(self.0)
    }
}

impl fmt::Display for Iso3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Iso3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for Iso3 {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iso3::parse(s)
    }
}

impl TryFrom<String> for Iso3 {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Iso3::parse(&s)
    }
}

impl From<Iso3> for String {
    fn from(c: Iso3) -> String {
        c.0.to_owned()
    }
}

/// An active ISO 4217 alphabetic currency code from [`codes::CURRENCIES`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(&'static str);

impl Currency {
    /// The code `code`, if it is in the list (`const`, like [`Iso3::new`]).
    pub const fn new(code: &str) -> Option<Currency> {
        match codes::find_currency(code) {
            Some(c) => Some(Currency(c.code)),
            None => None,
        }
    }

    /// Parses a code, with an error naming the bad value.
    pub fn parse(code: &str) -> Result<Currency, ParseError> {
        Currency::new(code).ok_or_else(|| ParseError::new("ISO 4217 currency code", code))
    }

    /// The three letters.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }

    /// The full ISO 4217 entry (numeric code, minor units, name).
    pub fn info(&self) -> Option<&'static CurrencyInfo> {
        codes::find_currency(self.0)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for Currency {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0.to_owned()
    }
}

mod enums;
pub use enums::*;

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

/// What a report is about: one day or an inclusive period of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Observed {
    /// One day (`observed_on`).
    Day(Date),
    /// An inclusive range of days (`observed_period`), `start <= end`.
    Period {
        /// First day.
        start: Date,
        /// Last day.
        end: Date,
    },
}

impl Observed {
    /// First day.
    pub fn start(&self) -> Date {
        match *self {
            Observed::Day(d) => d,
            Observed::Period { start, .. } => start,
        }
    }

    /// Last day.
    pub fn end(&self) -> Date {
        match *self {
            Observed::Day(d) => d,
            Observed::Period { end, .. } => end,
        }
    }

    /// Whether `day` falls in the observed day or period.
    pub fn contains(&self, day: Date) -> bool {
        self.start() <= day && day <= self.end()
    }
}

mod records;
pub use records::*;

/// The record a report holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Body {
    /// A detected irregular movement.
    Movement(MovementEvent),
    /// A suspected smuggler.
    Smuggler(SmugglerProfile),
    /// A price paid for smuggling.
    Fee(FeeObservation),
    /// Fraudulent documents.
    Document(DocumentFraudEvent),
    /// An investigation or prosecution.
    Case(CriminalJusticeCase),
}

impl Body {
    /// Which record type this is.
    pub fn record_type(&self) -> RecordType {
        match self {
            Body::Movement(_) => RecordType::Movement,
            Body::Smuggler(_) => RecordType::Smuggler,
            Body::Fee(_) => RecordType::Fee,
            Body::Document(_) => RecordType::Document,
            Body::Case(_) => RecordType::Case,
        }
    }
}

/// One version of a report.
///
/// The status is not stored: a report with a body is active, one without is a
/// retraction ([`Report::status`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Report {
    /// Stable id across versions.
    pub report_id: ReportId,
    /// 1 for the first version, then 2, 3, ...
    pub version: u32,
    /// SHA-256 of the envelope bytes of the version this one replaces: `None` for
    /// version 1, `Some` for every later version.
    pub supersedes: Option<Hash>,
    /// The reporting State.
    pub reporting_state: Iso3,
    /// The reporting agency.
    pub agency: Agency,
    /// Focal point that signed (1 to 64 characters of `[A-Za-z0-9._-]`).
    pub focal_point_id: String,
    /// Registered signing key used (1 to 64 characters of `[A-Za-z0-9._-]`).
    pub key_id: String,
    /// What the report is about (required for retractions too).
    pub observed: Observed,
    /// When the submitter made it (informative only).
    pub submitted_at: Timestamp,
    /// The record; `None` for a retraction.
    pub body: Option<Body>,
}

impl Report {
    /// Record type of the body; `None` for a retraction.
    pub fn record_type(&self) -> Option<RecordType> {
        self.body.as_ref().map(Body::record_type)
    }

    /// Active if the report has a body, retracted otherwise.
    pub fn status(&self) -> ReportStatus {
        if self.body.is_some() {
            ReportStatus::Active
        } else {
            ReportStatus::Retracted
        }
    }

    /// Whether this version is a retraction.
    pub fn is_retraction(&self) -> bool {
        self.body.is_none()
    }

    /// First observed day (the day, or the start of the period).
    pub fn observed_start(&self) -> Date {
        self.observed.start()
    }

    /// Last observed day (the day, or the end of the period).
    pub fn observed_end(&self) -> Date {
        self.observed.end()
    }

    /// First and last observed day.
    pub fn observed_range(&self) -> (Date, Date) {
        (self.observed.start(), self.observed.end())
    }
}
