//! Report validation: violations with field paths, limits, and the checks on single
//! values.
//!
//! Validation runs on the wire message, while it is converted to the domain type
//! ([`crate::wire`]), so that every [`Violation`] names the field by its protobuf path,
//! e.g. `body.movement.route[1].to_country`, `body.case.proceedings[0].decided_on`,
//! `reporting_state`, `observed_period.end`. Every violation is collected: a report is
//! rejected once, with the complete list ([`Violations`]).
//!
//! The rules:
//! * codes: countries are ISO 3166-1 alpha-3, currencies ISO 4217 alphabetic
//!   ([`crate::codes`]); enum fields hold a known value other than `UNSPECIFIED`; repeated
//!   enum lists and `countries_involved` hold no duplicates;
//! * dates are strict `YYYY-MM-DD` days that exist, not before [`MIN_DATE`] nor after
//!   `today`; `observed_period.start <= end`; the day a movement or a document was
//!   detected and the day a fee was observed fall in the observed day or period;
//!   `submitted_at` is an RFC 3339 timestamp, not before [`MIN_DATE`] and not more than a
//!   day after `today` (clock and time-zone slack);
//! * identifiers: `report_id` (and `linked_event`, if set) a lower-case hyphenated UUID,
//!   `linked_event` not the report itself; `focal_point_id`, `key_id` and `case_ref` 1 to
//!   [`MAX_ID_LEN`] characters of `[A-Za-z0-9._-]` ([`is_identifier`]);
//! * versions: `version >= 1`; version 1 has no `supersedes`, later versions a 32-byte
//!   one; an active report has exactly one body; a retraction (status `RETRACTED`) has
//!   none and is version 2 or later;
//! * counts: a person group 1 to [`MAX_GROUP_COUNT`]; at most [`MAX_PERSONS`] persons in
//!   a movement; deaths and injuries at most the persons detected (when groups are given,
//!   [`MAX_PERSONS`] otherwise); unaccompanied minors at most the persons in `Y_LT18`
//!   groups; documents 1 to [`MAX_DOCUMENT_COUNT`]; amounts 1 to [`MAX_AMOUNT`] minor
//!   units; case counts by sex at most [`MAX_CASE_PERSONS`] each, with no more persons
//!   convicted than prosecuted, nor prosecuted than suspected, when both are given;
//! * routes: a fee has at least one leg; each leg goes between two different countries
//!   and starts where the previous one ended; at most [`MAX_ROUTE_LEGS`] legs;
//! * movements: `sub_method` belongs to `method` (land: concealed in vehicle, on foot, in
//!   vehicle not concealed; sea: small boat, large vessel, concealed on vessel; air:
//!   inadequately documented, fraudulent documents; other: any);
//! * smugglers: at least one role; cases: at least one offence, `trafficking_charged`
//!   when `iccs` is 0204;
//! * proceedings: in stage order; `decided_on` required unless the outcome is pending,
//!   and empty while pending; convictions and acquittals only at first instance or
//!   appeal; a sentence (at most [`MAX_SENTENCE_MONTHS`]) or a fine only with a
//!   conviction;
//! * sizes: no string longer than its limit, no repeated field longer than its limit
//!   (see the `MAX_*` constants), and [`crate::wire::MAX_REPORT_BYTES`] for a payload.
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::Date;
use crate::report::{Currency, Iso3, ReportId, Timestamp};

/// No date in a report is earlier than this day (1990-01-01).
pub const MIN_DATE: Date = match Date::new(1990, 1, 1) {
    Some(d) => d,
    None => panic!("1990-01-01 exists"),
};
/// Largest count of one person group.
pub const MAX_GROUP_COUNT: u32 = 10_000;
/// Largest total of persons in one movement.
pub const MAX_PERSONS: u64 = 100_000;
/// Largest number of documents in one document fraud event.
pub const MAX_DOCUMENT_COUNT: u32 = 10_000;
/// Largest amount of a fee or fine, in minor units (10^12).
pub const MAX_AMOUNT: u64 = 1_000_000_000_000;
/// Longest custodial sentence, in months (50 years).
pub const MAX_SENTENCE_MONTHS: u32 = 600;
/// Largest number of persons of one sex suspected, prosecuted or convicted in a case.
pub const MAX_CASE_PERSONS: u32 = 10_000;
/// Longest focal point id, key id or case reference.
pub const MAX_ID_LEN: usize = 64;
/// Most legs in a route.
pub const MAX_ROUTE_LEGS: usize = 32;
/// Most person groups in a movement.
pub const MAX_PERSON_GROUPS: usize = 1_000;
/// Most stages of proceedings in a case.
pub const MAX_PROCEEDINGS: usize = 32;
/// Most countries involved in a case.
pub const MAX_COUNTRIES_INVOLVED: usize = 64;
/// Values longer than this many characters are shortened in violations.
pub const MAX_SHOWN_VALUE: usize = 64;
/// Most violations listed for one report; the rest are counted in one last violation
/// (field empty), so that an error answer stays small whatever the request holds.
pub const MAX_VIOLATIONS: usize = 100;

/// One broken rule: which field, what it held, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Violation {
    /// Path of the field in protobuf field names, e.g. `body.movement.persons[0].count`.
    pub field: String,
    /// The offending value as text (empty if missing; shortened past
    /// [`MAX_SHOWN_VALUE`] characters; enum values by their protobuf name, or the number
    /// if unknown; bytes in hex).
    pub value: String,
    /// What is wrong, e.g. `not an ISO 3166-1 alpha-3 country code`.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {:?}: {}", self.field, self.value, self.message)
    }
}

/// Every violation found in one report, in field order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize, thiserror::Error)]
#[error("{}", list(.0))]
pub struct Violations(pub Vec<Violation>);

fn list(v: &[Violation]) -> String {
    let items: Vec<String> = v.iter().map(ToString::to_string).collect();
    let noun = if v.len() == 1 {
        "violation"
    } else {
        "violations"
    };
    format!("{} {noun}: {}", v.len(), items.join("; "))
}

impl Violations {
    /// Number of violations.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The violations, in field order.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// The field paths, in order (a field may appear more than once).
    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|v| v.field.as_str()).collect()
    }

    /// The violations listed, without the last one that counts those past
    /// [`MAX_VIOLATIONS`] (see [`Violations::omitted`]).
    pub fn listed(&self) -> &[Violation] {
        match self.0.split_last() {
            Some((last, rest)) if is_count(last) => rest,
            _ => &self.0,
        }
    }

    /// How many violations were found past [`MAX_VIOLATIONS`] and not listed.
    pub fn omitted(&self) -> usize {
        match self.0.last() {
            Some(last) if is_count(last) => last.value.parse().unwrap_or(0),
            _ => 0,
        }
    }

    /// The first violation of `field`.
    pub fn get(&self, field: &str) -> Option<&Violation> {
        self.0.iter().find(|v| v.field == field)
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Message of the violation that counts those not listed.
const OMITTED: &str = "more violations not listed";

fn is_count(v: &Violation) -> bool {
    v.field.is_empty() && v.message.contains(OMITTED)
}

/// Whether `s` is 1 to [`MAX_ID_LEN`] characters of `[A-Za-z0-9._-]` (the form of focal
/// point ids, key ids and case references).
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `s`, shortened to [`MAX_SHOWN_VALUE`] characters plus `…` if longer, so that a huge
/// value is not echoed back whole.
pub fn shown(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_VALUE) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Collects violations while a message is walked, and checks single values.
///
/// Each check pushes its violations and returns the converted value, or `None` if the
/// value is unusable (so that rules that depend on it are skipped instead of piling up).
pub(crate) struct Checker {
    violations: Vec<Violation>,
    /// Violations found past [`MAX_VIOLATIONS`]: counted, not kept.
    omitted: usize,
    today: Option<Date>,
}

impl Checker {
    /// A checker for dates up to `today` (no upper bound if `None`).
    pub(crate) fn new(today: Option<Date>) -> Self {
        Checker {
            violations: Vec::new(),
            omitted: 0,
            today,
        }
    }

    /// Records a violation of `field`.
    pub(crate) fn push(
        &mut self,
        field: impl Into<String>,
        value: impl AsRef<str>,
        message: impl Into<String>,
    ) {
        if self.violations.len() >= MAX_VIOLATIONS {
            self.omitted += 1;
            return;
        }
        self.violations.push(Violation {
            field: field.into(),
            value: shown(value.as_ref()),
            message: message.into(),
        });
    }

    /// The converted value if no violation was recorded, all violations otherwise.
    pub(crate) fn finish<T>(mut self, value: Option<T>) -> Result<T, Violations> {
        if self.omitted > 0 {
            self.violations.push(Violation {
                field: String::new(),
                value: self.omitted.to_string(),
                message: format!(
                    "{} {OMITTED} (only the first {MAX_VIOLATIONS} are)",
                    self.omitted
                ),
            });
        }
        match value {
            Some(v) if self.violations.is_empty() => Ok(v),
            Some(_) => Err(Violations(self.violations)),
            None if !self.violations.is_empty() => Err(Violations(self.violations)),
            // A check returned nothing without saying why: refuse rather than guess.
            None => Err(Violations(vec![Violation {
                field: String::new(),
                value: String::new(),
                message: "invalid report".to_owned(),
            }])),
        }
    }

    /// A required ISO 3166-1 alpha-3 code.
    pub(crate) fn country(&mut self, field: String, s: &str) -> Option<Iso3> {
        if s.is_empty() {
            self.push(field, s, "required");
            return None;
        }
        let c = Iso3::new(s);
        if c.is_none() {
            self.push(field, s, "not an ISO 3166-1 alpha-3 country code");
        }
        c
    }

    /// A required ISO 4217 alphabetic code.
    pub(crate) fn currency(&mut self, field: String, s: &str) -> Option<Currency> {
        if s.is_empty() {
            self.push(field, s, "required");
            return None;
        }
        let c = Currency::new(s);
        if c.is_none() {
            self.push(field, s, "not an active ISO 4217 currency code");
        }
        c
    }

    /// A required date between [`MIN_DATE`] and today.
    pub(crate) fn date(&mut self, field: String, s: &str) -> Option<Date> {
        if s.is_empty() {
            self.push(field, s, "required");
            return None;
        }
        let Ok(d) = Date::parse(s) else {
            self.push(field, s, "not a valid date (YYYY-MM-DD)");
            return None;
        };
        if d < MIN_DATE {
            self.push(field, s, format!("before {MIN_DATE}"));
            return None;
        }
        match self.today {
            Some(today) if d > today => {
                self.push(field, s, format!("in the future (today is {today})"));
                None
            }
            _ => Some(d),
        }
    }

    /// A required RFC 3339 timestamp, not before [`MIN_DATE`] and at most one day
    /// after today.
    pub(crate) fn timestamp(&mut self, field: String, s: &str) -> Option<Timestamp> {
        if s.is_empty() {
            self.push(field, s, "required");
            return None;
        }
        let Ok(t) = Timestamp::parse(s) else {
            self.push(field, s, "not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SSZ)");
            return None;
        };
        if t.utc_date() < MIN_DATE {
            self.push(field, s, format!("before {MIN_DATE}"));
            return None;
        }
        match self.today {
            Some(today) if t.utc_date().to_days() > today.to_days() + 1 => {
                self.push(field, s, format!("in the future (today is {today})"));
                None
            }
            _ => Some(t),
        }
    }

    /// A required report id (lower-case hyphenated UUID).
    pub(crate) fn report_id(&mut self, field: String, s: &str) -> Option<ReportId> {
        if s.is_empty() {
            self.push(field, s, "required");
            return None;
        }
        let id = ReportId::parse(s).ok();
        if id.is_none() {
            self.push(
                field,
                s,
                "not a lower-case hyphenated UUID (8-4-4-4-12 hex digits, not nil)",
            );
        }
        id
    }

    /// A required identifier ([`is_identifier`]).
    pub(crate) fn identifier(&mut self, field: String, s: &str) -> Option<String> {
        if s.is_empty() {
            self.push(field, s, "required");
            None
        } else if s.len() > MAX_ID_LEN {
            self.push(field, s, format!("longer than {MAX_ID_LEN} characters"));
            None
        } else if !is_identifier(s) {
            self.push(
                field,
                s,
                "only letters, digits, '.', '_' and '-' are allowed",
            );
            None
        } else {
            Some(s.to_owned())
        }
    }

    /// A number in `min..=max`.
    pub(crate) fn within(&mut self, field: String, n: u64, min: u64, max: u64) -> Option<u64> {
        if n < min || n > max {
            self.push(
                field,
                n.to_string(),
                format!("must be between {min} and {max}"),
            );
            None
        } else {
            Some(n)
        }
    }

    /// A repeated field of at most `max` items.
    pub(crate) fn at_most(&mut self, field: String, len: usize, max: usize) -> bool {
        if len > max {
            self.push(field, len.to_string(), format!("more than {max} items"));
            false
        } else {
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("fp-01.k_2"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("a b"));
        assert!(!is_identifier(&"a".repeat(65)));
        assert!(is_identifier(&"a".repeat(64)));
    }

    #[test]
    fn long_values_are_shortened() {
        let s = "é".repeat(100);
        let out = shown(&s);
        assert_eq!(out.chars().count(), MAX_SHOWN_VALUE + 1);
        assert!(out.ends_with('…'));
        assert_eq!(shown("abc"), "abc");
    }
}
