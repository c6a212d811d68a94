//! Aggregate tables: the seven fixed grids a node publishes, what one report version adds
//! to them, and the SDMX periods they are released for.
//!
//! # Tables
//!
//! Each [`TableId`] is a fixed grid, like an SDMX dataflow: its [`Dimension`]s each have
//! a [`CodeList`] known in advance, plus the total `_T` ([`codes::TOTAL`]). The period
//! and the reporting State are carried by the release, not by cell keys.
//!
//! | table | dimensions (cell key order) | measures |
//! |---|---|---|
//! | `MOVEMENTS` | `METHOD`, `ORIGIN`, `DESTINATION` | `EVENTS`, `PERSONS` |
//! | `PERSONS` | `CITIZENSHIP`, `SEX`, `AGE` | `PERSONS` |
//! | `SMUGGLERS` | `CITIZENSHIP`, `SEX`, `ROLE` | `SMUGGLERS` |
//! | `FEES` | `ORIGIN`, `DESTINATION`, `FEE_BASIS`, `CURRENCY` | `OBSERVATIONS`, `MEDIAN_AMOUNT` |
//! | `DOCUMENTS` | `DOCUMENT_TYPE`, `FRAUD_TYPE`, `ISSUING_COUNTRY` | `DOCUMENTS` |
//! | `CASES` | `OFFENCE`, `STAGE`, `OUTCOME` | `CASES`, `PERSONS_F`, `PERSONS_M`, `PERSONS_U` |
//! | `PROTECTION` | `METHOD`, `ORIGIN`, `DESTINATION` | `DEATHS`, `INJURIES`, `UNACCOMPANIED_MINORS`, `ENDANGERING_LIFE`, `INHUMAN_TREATMENT` |
//!
//! Code lists, chosen as a statistician reading SDMX data would expect them:
//!
//! * Countries are the **full ISO 3166-1 list** ([`codes::COUNTRIES`], 249 codes), not a
//!   short list with `_O`: a federation-wide short list would be arbitrary, would hide the
//!   routes the tables exist to show, and would differ from SDMX `CL_AREA` practice.
//!   Route countries (origin = where the first leg starts, destination = where the last
//!   leg ends) add `_U` for a movement whose route is unknown. Currencies are the full
//!   ISO 4217 list ([`codes::CURRENCIES`]).
//! * Closed lists come from the report enums ([`Method`], [`Sex`], [`AgeBand`],
//!   [`SmugglerRole`], [`FeeBasis`], [`DocumentType`], [`FraudType`], [`Offence`],
//!   [`Stage`], [`Outcome`]); `_O` and `_U` appear where the report list has them.
//!   `STAGE` and `OUTCOME` add `_U` for a case without proceedings.
//! * Every dimension has the total `_T`; `_T` margins are ordinary cells of the grid.
//!
//! Multi-valued report fields are classified once, so that every line of a table adds
//! up to its `_T` margin (which disclosure control relies on): a smuggler counts under
//! the **first listed role** (the principal role), a case under its **first listed
//! offence**, and under the stage and outcome of its **last proceeding** (proceedings are
//! in stage order).
//!
//! `PROTECTION` holds what the Protocol puts first (art. 6(3), art. 16): the deaths,
//! injuries and unaccompanied minors of the movements of a cell, and the number of its
//! movements with each aggravating circumstance. Its cells have the keys of `MOVEMENTS`
//! and its contributors are the movements of the same `MOVEMENTS` cell (which is what
//! disclosure control counts: [`TableId::frequency_table`]).
//!
//! `CASES` persons by sex are the persons **at the stage reached**: convicted when the
//! last outcome is a conviction, suspected while the case has no proceedings or is at
//! investigation, prosecuted otherwise; a count the report does not give adds nothing.
//!
//! # Contributions and caps
//!
//! [`contributions`] lists the cells one report version adds to in one period,
//! margins included: each record adds to its cell and to every cell obtained by
//! replacing any subset of its codes with `_T`. The node adds the contributions of a new
//! version and subtracts those of the version it replaces ([`Tables::apply_change`]), in
//! the same durable write as the report; a retraction only subtracts.
//!
//! Contribution bounds ([`Caps`], the Δ of the noise policy): one report counts once
//! (one event, smuggler, fee, document event or case); the persons of one movement, the
//! documents of one document event and the persons of one case are clamped to a
//! configured cap. [`Caps::EXACT`] clamps nothing (the threshold policy publishes exact
//! counts). A table's caps must not change while its periods are open.
//!
//! # Medians
//!
//! A median cannot be maintained from sums, so `FEES` contributions also carry each fee
//! amount ([`Contribution::Amount`]) to the cells whose basis and currency are specific
//! codes (a median across currencies or across bases means nothing); [`Tables`] keeps a
//! multiset (value → multiplicity) per such cell, which adding and subtracting versions
//! maintain exactly, and [`Tables::median`] reads it in O(distinct values).
//!
//! # Periods
//!
//! A report belongs to the period of its reference day ([`reference_date`]): the day a
//! movement or document fraud was detected, the day a fee was observed, and the last
//! observed day of a smuggler profile or a case. Periods are SDMX monthly (`2026-M03`)
//! or ISO-week (`2026-W11`) periods ([`Period`]).
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::codes::{self, Date, ParseError, TOTAL, UNKNOWN};
use crate::report::{
    AgeBand, Aggravation, Body, CountsBySex, DocumentType, FeeBasis, FraudType, Iso3, Method,
    Offence, Outcome, RecordType, Report, Sex, SmugglerRole, Stage,
};

mod contributions;

pub use contributions::*;

// ---------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------

/// Length of a release period.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// Calendar month, SDMX `YYYY-Mmm` (the default).
    #[default]
    Month,
    /// ISO 8601 week (Monday to Sunday), SDMX `YYYY-Www`.
    Week,
}

/// An SDMX reporting period: a calendar month (`2026-M03`) or an ISO 8601 week
/// (`2026-W11`, weeks 01 to 52 or 53 of the ISO week-based year).
///
/// Always covers representable days ([`Period::start`] to [`Period::end`], inclusive).
/// Ordered by first day, then granularity. Serialised (serde) as its SDMX text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    // Field order matters: the derived `Ord` is chronological.
    start: Date,
    granularity: Granularity,
    year: u16,
    number: u8,
    end: Date,
}

/// Number of ISO 8601 weeks (52 or 53) of the week-based year `year`: 53 when 1 January
/// is a Thursday, or a Wednesday in a leap year.
pub fn weeks_in_year(year: u16) -> u8 {
    match Date::new(year, 1, 1).map(Date::weekday) {
        Some(4) => 53,
        Some(3) if codes::is_leap_year(year) => 53,
        _ => 52,
    }
}

impl Period {
    /// The month `month` (1 to 12) of `year` (0 to 9999).
    pub fn month(year: u16, month: u8) -> Option<Period> {
        let start = Date::new(year, month, 1)?;
        let end = Date::new(year, month, codes::days_in_month(year, month)?)?;
        Some(Period {
            start,
            granularity: Granularity::Month,
            year,
            number: month,
            end,
        })
    }

    /// ISO week `week` (1 to [`weeks_in_year`]) of the week-based year `year`, if all its
    /// days are representable.
    pub fn week(year: u16, week: u8) -> Option<Period> {
        if week == 0 || week > weeks_in_year(year) {
            return None;
        }
        // 4 January is always in week 1.
        let jan4 = Date::new(year, 1, 4)?;
        let monday = jan4.add_days(1 - i64::from(jan4.weekday()))?;
        let start = monday.add_days(7 * (i64::from(week) - 1))?;
        let end = start.add_days(6)?;
        Some(Period {
            start,
            granularity: Granularity::Week,
            year,
            number: week,
            end,
        })
    }

    /// The period of `granularity` that contains `date` (`None` only for a week partly
    /// outside years 0000 to 9999).
    pub fn of(date: Date, granularity: Granularity) -> Option<Period> {
        match granularity {
            Granularity::Month => Period::month(date.year(), date.month()),
            Granularity::Week => {
                let (year, week) = date.iso_week();
                Period::week(year, week)
            }
        }
    }

    /// Parses `YYYY-Mmm` (month 01 to 12) or `YYYY-Www` (a week that exists in that ISO
    /// year), upper-case letters only.
    pub fn parse(s: &str) -> Result<Period, ParseError> {
        let err = || ParseError::new("SDMX period (YYYY-Mmm or YYYY-Www)", s);
        let b = s.as_bytes();
        if b.len() != 8 || b[4] != b'-' {
            return Err(err());
        }
        let year = ascii_number(&b[0..4]).ok_or_else(err)?;
        let number = ascii_number(&b[6..8]).ok_or_else(err)?;
        let (Ok(year), Ok(number)) = (u16::try_from(year), u8::try_from(number)) else {
            return Err(err());
        };
        match b[5] {
            b'M' => Period::month(year, number),
            b'W' => Period::week(year, number),
            _ => None,
        }
        .ok_or_else(err)
    }

    /// Month or week.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// The calendar year (months) or ISO week-based year (weeks).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1 to 12) or week (1 to 53) number.
    pub fn number(&self) -> u8 {
        self.number
    }

    /// First day.
    pub fn start(&self) -> Date {
        self.start
    }

    /// Last day (inclusive).
    pub fn end(&self) -> Date {
        self.end
    }

    /// Whether `date` falls in the period.
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }

    /// The day the period closes: `embargo_days` whole days after its last day, i.e. the
    /// period is closed from 00:00 UTC of `end + 1 + embargo_days` (2026-M03 with the
    /// default 7 days closes on 2026-04-08). `None` past 9999-12-31.
    pub fn closes_at(&self, embargo_days: u32) -> Option<Date> {
        self.end.add_days(1 + i64::from(embargo_days))
    }

    /// Whether the period is closed on `today` (see [`Period::closes_at`]).
    pub fn is_closed(&self, today: Date, embargo_days: u32) -> bool {
        self.closes_at(embargo_days).is_some_and(|c| today >= c)
    }

    /// The next period of the same granularity.
    pub fn next(&self) -> Option<Period> {
        Period::of(self.end.add_days(1)?, self.granularity)
    }

    /// The previous period of the same granularity.
    pub fn previous(&self) -> Option<Period> {
        Period::of(self.start.add_days(-1)?, self.granularity)
    }
}

/// Value of 1 to 4 ASCII digits.
fn ascii_number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self.granularity {
            Granularity::Month => 'M',
            Granularity::Week => 'W',
        };
        write!(f, "{:04}-{letter}{:02}", self.year, self.number)
    }
}

impl fmt::Debug for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Period {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

// ---------------------------------------------------------------------------------------
// Code lists, dimensions, measures, tables
// ---------------------------------------------------------------------------------------

/// The codes of a closed report enum, in schema order, as a `const` array.
macro_rules! codes_of {
    ($t:ty, $n:expr) => {{
        const _: () = assert!(<$t>::ALL.len() == $n);
        let mut out = [""; $n];
        let mut i = 0;
        while i < $n {
            out[i] = <$t>::ALL[i].code();
            i += 1;
        }
        out
    }};
}

const METHODS: [&str; 3] = codes_of!(Method, 3);
const SEXES: [&str; 3] = codes_of!(Sex, 3);
const AGE_BANDS: [&str; 6] = codes_of!(AgeBand, 6);
const ROLES: [&str; 12] = codes_of!(SmugglerRole, 12);
const FEE_BASES: [&str; 3] = codes_of!(FeeBasis, 3);
const DOCUMENT_TYPES: [&str; 5] = codes_of!(DocumentType, 5);
const FRAUD_TYPES: [&str; 3] = codes_of!(FraudType, 3);
const OFFENCES: [&str; 4] = codes_of!(Offence, 4);
const STAGES: [&str; 4] = codes_of!(Stage, 4);
const OUTCOMES: [&str; 4] = codes_of!(Outcome, 4);

/// `STAGE` codes: the stages, then `_U` (no proceedings reported).
const STAGES_U: [&str; 5] = [STAGES[0], STAGES[1], STAGES[2], STAGES[3], UNKNOWN];
/// `OUTCOME` codes: the outcomes, then `_U` (no proceedings reported).
const OUTCOMES_U: [&str; 5] = [OUTCOMES[0], OUTCOMES[1], OUTCOMES[2], OUTCOMES[3], UNKNOWN];

/// The codes of one dimension (the total `_T` is not listed: every dimension has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeList {
    /// A closed list, in schema order.
    Fixed(&'static [&'static str]),
    /// Every ISO 3166-1 alpha-3 code ([`codes::COUNTRIES`]), alphabetical.
    Countries,
    /// Every ISO 3166-1 alpha-3 code, then `_U` (unknown).
    CountriesOrUnknown,
    /// Every ISO 4217 alphabetic code ([`codes::CURRENCIES`]), alphabetical.
    Currencies,
}

impl CodeList {
    /// Number of codes (without `_T`).
    pub fn len(&self) -> usize {
        match self {
            CodeList::Fixed(list) => list.len(),
            CodeList::Countries => codes::COUNTRIES.len(),
            CodeList::CountriesOrUnknown => codes::COUNTRIES.len() + 1,
            CodeList::Currencies => codes::CURRENCIES.len(),
        }
    }

    /// Whether the list is empty (never, for the tables' lists).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The code at `index`.
    pub fn get(&self, index: usize) -> Option<&'static str> {
        match self {
            CodeList::Fixed(list) => list.get(index).copied(),
            CodeList::Countries => codes::COUNTRIES.get(index).map(|c| c.alpha3),
            CodeList::CountriesOrUnknown => match codes::COUNTRIES.get(index) {
                Some(c) => Some(c.alpha3),
                None => (index == codes::COUNTRIES.len()).then_some(UNKNOWN),
            },
            CodeList::Currencies => codes::CURRENCIES.get(index).map(|c| c.code),
        }
    }

    /// Position of `code` in the list (`None` for `_T` and codes outside the list).
    pub fn position(&self, code: &str) -> Option<usize> {
        match self {
            CodeList::Fixed(list) => list.iter().position(|c| *c == code),
            CodeList::Countries => codes::COUNTRIES
                .binary_search_by(|c| c.alpha3.cmp(code))
                .ok(),
            CodeList::CountriesOrUnknown => {
                if code == UNKNOWN {
                    Some(codes::COUNTRIES.len())
                } else {
                    CodeList::Countries.position(code)
                }
            }
            CodeList::Currencies => codes::CURRENCIES
                .binary_search_by(|c| c.code.cmp(code))
                .ok(),
        }
    }

    /// The static code equal to `code`: one of the list, or `_T`.
    pub fn resolve(&self, code: &str) -> Option<&'static str> {
        if code == TOTAL {
            return Some(TOTAL);
        }
        self.position(code).and_then(|i| self.get(i))
    }

    /// The codes, in list order (without `_T`).
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

/// One dimension of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimension {
    /// SDMX dimension id, e.g. `ORIGIN`.
    pub id: &'static str,
    /// Its codes (plus `_T`).
    pub codes: CodeList,
}

const fn dim(id: &'static str, codes: CodeList) -> Dimension {
    Dimension { id, codes }
}

const MOVEMENTS_DIMS: [Dimension; 3] = [
    dim("METHOD", CodeList::Fixed(&METHODS)),
    dim("ORIGIN", CodeList::CountriesOrUnknown),
    dim("DESTINATION", CodeList::CountriesOrUnknown),
];
const PERSONS_DIMS: [Dimension; 3] = [
    dim("CITIZENSHIP", CodeList::Countries),
    dim("SEX", CodeList::Fixed(&SEXES)),
    dim("AGE", CodeList::Fixed(&AGE_BANDS)),
];
const SMUGGLERS_DIMS: [Dimension; 3] = [
    dim("CITIZENSHIP", CodeList::Countries),
    dim("SEX", CodeList::Fixed(&SEXES)),
    dim("ROLE", CodeList::Fixed(&ROLES)),
];
const FEES_DIMS: [Dimension; 4] = [
    dim("ORIGIN", CodeList::CountriesOrUnknown),
    dim("DESTINATION", CodeList::CountriesOrUnknown),
    dim("FEE_BASIS", CodeList::Fixed(&FEE_BASES)),
    dim("CURRENCY", CodeList::Currencies),
];
const DOCUMENTS_DIMS: [Dimension; 3] = [
    dim("DOCUMENT_TYPE", CodeList::Fixed(&DOCUMENT_TYPES)),
    dim("FRAUD_TYPE", CodeList::Fixed(&FRAUD_TYPES)),
    dim("ISSUING_COUNTRY", CodeList::Countries),
];
const CASES_DIMS: [Dimension; 3] = [
    dim("OFFENCE", CodeList::Fixed(&OFFENCES)),
    dim("STAGE", CodeList::Fixed(&STAGES_U)),
    dim("OUTCOME", CodeList::Fixed(&OUTCOMES_U)),
];

/// A measure of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Movement events detected.
    Events,
    /// Persons detected.
    Persons,
    /// Suspected smugglers.
    Smugglers,
    /// Fee observations.
    Observations,
    /// Median fee amount, in minor units of the cell's currency (not additive).
    MedianAmount,
    /// Fraudulent documents.
    Documents,
    /// Criminal justice cases.
    Cases,
    /// Women at the stage reached (cases).
    PersonsF,
    /// Men at the stage reached (cases).
    PersonsM,
    /// Persons of unknown sex at the stage reached (cases).
    PersonsU,
    /// Deaths during the movements (protection).
    Deaths,
    /// Injuries during the movements (protection).
    Injuries,
    /// Unaccompanied minors among the persons (protection).
    UnaccompaniedMinors,
    /// Movements endangering the lives or safety of the migrants (protection).
    EndangeringLife,
    /// Movements with inhuman or degrading treatment of the migrants (protection).
    InhumanTreatment,
    /// Reports contributing to a cell (never published: what the threshold rule counts
    /// where the published measure is not a count of reports, see
    /// [`TableId::frequency_table`]).
    Contributors,
}

impl Measure {
    /// Every measure.
    pub const ALL: [Measure; 16] = [
        Measure::Events,
        Measure::Persons,
        Measure::Smugglers,
        Measure::Observations,
        Measure::MedianAmount,
        Measure::Documents,
        Measure::Cases,
        Measure::PersonsF,
        Measure::PersonsM,
        Measure::PersonsU,
        Measure::Deaths,
        Measure::Injuries,
        Measure::UnaccompaniedMinors,
        Measure::EndangeringLife,
        Measure::InhumanTreatment,
        Measure::Contributors,
    ];

    /// Measure id, e.g. `EVENTS`.
    pub const fn code(self) -> &'static str {
        match self {
            Measure::Events => "EVENTS",
            Measure::Persons => "PERSONS",
            Measure::Smugglers => "SMUGGLERS",
            Measure::Observations => "OBSERVATIONS",
            Measure::MedianAmount => "MEDIAN_AMOUNT",
            Measure::Documents => "DOCUMENTS",
            Measure::Cases => "CASES",
            Measure::PersonsF => "PERSONS_F",
            Measure::PersonsM => "PERSONS_M",
            Measure::PersonsU => "PERSONS_U",
            Measure::Deaths => "DEATHS",
            Measure::Injuries => "INJURIES",
            Measure::UnaccompaniedMinors => "UNACCOMPANIED_MINORS",
            Measure::EndangeringLife => "ENDANGERING_LIFE",
            Measure::InhumanTreatment => "INHUMAN_TREATMENT",
            Measure::Contributors => "CONTRIBUTORS",
        }
    }

    /// The measure whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<Measure> {
        Measure::ALL.iter().copied().find(|m| m.code() == code)
    }

    /// Whether the measure is a count that adds up along every line (all but
    /// [`Measure::MedianAmount`]).
    pub const fn is_count(self) -> bool {
        !matches!(self, Measure::MedianAmount)
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The seven published tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableId {
    /// Movement events and persons by method, origin and destination.
    Movements,
    /// Persons detected by citizenship, sex and age band.
    Persons,
    /// Suspected smugglers by citizenship, sex and principal role.
    Smugglers,
    /// Fee observations (and median amount) by origin, destination, basis and currency.
    Fees,
    /// Fraudulent documents by type, fraud type and issuing country.
    Documents,
    /// Cases (and persons by sex) by principal offence, stage and outcome.
    Cases,
    /// Deaths, injuries, unaccompanied minors and aggravated movements by method,
    /// origin and destination.
    Protection,
}

impl TableId {
    /// Every table.
    pub const ALL: [TableId; 7] = [
        TableId::Movements,
        TableId::Persons,
        TableId::Smugglers,
        TableId::Fees,
        TableId::Documents,
        TableId::Cases,
        TableId::Protection,
    ];

    /// Table id, e.g. `MOVEMENTS`.
    pub const fn code(self) -> &'static str {
        match self {
            TableId::Movements => "MOVEMENTS",
            TableId::Persons => "PERSONS",
            TableId::Smugglers => "SMUGGLERS",
            TableId::Fees => "FEES",
            TableId::Documents => "DOCUMENTS",
            TableId::Cases => "CASES",
            TableId::Protection => "PROTECTION",
        }
    }

    /// The table whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<TableId> {
        TableId::ALL.iter().copied().find(|t| t.code() == code)
    }

    /// Parses a table id, with an error naming the bad value.
    pub fn parse(code: &str) -> Result<TableId, ParseError> {
        TableId::from_code(code).ok_or_else(|| ParseError::new("table id", code))
    }

    /// SDMX dataflow id, e.g. `DF_MOVEMENTS`.
    pub const fn dataflow(self) -> &'static str {
        match self {
            TableId::Movements => "DF_MOVEMENTS",
            TableId::Persons => "DF_PERSONS",
            TableId::Smugglers => "DF_SMUGGLERS",
            TableId::Fees => "DF_FEES",
            TableId::Documents => "DF_DOCUMENTS",
            TableId::Cases => "DF_CASES",
            TableId::Protection => "DF_PROTECTION",
        }
    }

    /// The record type whose reports feed the table.
    pub const fn record_type(self) -> RecordType {
        match self {
            TableId::Movements | TableId::Persons | TableId::Protection => RecordType::Movement,
            TableId::Smugglers => RecordType::Smuggler,
            TableId::Fees => RecordType::Fee,
            TableId::Documents => RecordType::Document,
            TableId::Cases => RecordType::Case,
        }
    }

    /// Dimensions, in cell key order.
    pub fn dimensions(self) -> &'static [Dimension] {
        match self {
            TableId::Movements => &MOVEMENTS_DIMS,
            TableId::Persons => &PERSONS_DIMS,
            TableId::Smugglers => &SMUGGLERS_DIMS,
            TableId::Fees => &FEES_DIMS,
            TableId::Documents => &DOCUMENTS_DIMS,
            TableId::Cases => &CASES_DIMS,
            TableId::Protection => &MOVEMENTS_DIMS,
        }
    }

    /// Measures, in release order.
    pub fn measures(self) -> &'static [Measure] {
        match self {
            TableId::Movements => &[Measure::Events, Measure::Persons],
            TableId::Persons => &[Measure::Persons],
            TableId::Smugglers => &[Measure::Smugglers],
            TableId::Fees => &[Measure::Observations, Measure::MedianAmount],
            TableId::Documents => &[Measure::Documents],
            TableId::Cases => &[
                Measure::Cases,
                Measure::PersonsF,
                Measure::PersonsM,
                Measure::PersonsU,
            ],
            TableId::Protection => &[
                Measure::Deaths,
                Measure::Injuries,
                Measure::UnaccompaniedMinors,
                Measure::EndangeringLife,
                Measure::InhumanTreatment,
            ],
        }
    }

    /// The additive (count) measures, in release order; except for `PROTECTION`, the
    /// first is the table's frequency (its unit of count, which disclosure control tests
    /// against k).
    pub fn count_measures(self) -> &'static [Measure] {
        match self {
            TableId::Fees => &[Measure::Observations],
            t => t.measures(),
        }
    }

    /// The count measures a table keeps: the published ones
    /// ([`TableId::count_measures`]), then, for `PERSONS` and `DOCUMENTS`, the hidden
    /// [`Measure::Contributors`] (the movements or document events that a cell's persons
    /// or documents come from).
    pub fn stored_measures(self) -> &'static [Measure] {
        match self {
            TableId::Persons => &[Measure::Persons, Measure::Contributors],
            TableId::Documents => &[Measure::Documents, Measure::Contributors],
            t => t.count_measures(),
        }
    }

    /// The table and measure that count a cell's contributors (the reports its values
    /// come from), which the threshold rule tests against k: the table's own first count
    /// measure where that counts reports (events, smugglers, observations, cases); the
    /// hidden [`Measure::Contributors`] for `PERSONS` and `DOCUMENTS` (31 persons of one
    /// boat have one contributor); the movements of the same `MOVEMENTS` cell for
    /// `PROTECTION`.
    pub fn frequency_table(self) -> (TableId, Measure) {
        match self {
            TableId::Protection => (TableId::Movements, Measure::Events),
            TableId::Persons | TableId::Documents => (self, Measure::Contributors),
            t => (t, t.count_measures()[0]),
        }
    }

    /// The measure of the table's own cells that counts its contributors (see
    /// [`TableId::frequency_table`]; `PROTECTION`'s are `MOVEMENTS` events).
    pub fn frequency(self) -> Measure {
        self.frequency_table().1
    }

    /// The median measure, if the table has one (`FEES`).
    pub fn median_measure(self) -> Option<Measure> {
        match self {
            TableId::Fees => Some(Measure::MedianAmount),
            _ => None,
        }
    }

    /// Number of cells of the full grid, `_T` margins included (product of code list
    /// lengths plus one), saturating.
    pub fn grid_cells(self) -> usize {
        self.dimensions()
            .iter()
            .fold(1usize, |acc, d| acc.saturating_mul(d.codes.len() + 1))
    }

    /// Whether the cell `key` has a median (`FEES` cells whose basis and currency are
    /// specific codes).
    pub fn has_median(self, key: &CellKey) -> bool {
        match self {
            TableId::Fees => key
                .0
                .get(2..4)
                .is_some_and(|c| c.iter().all(|c| *c != TOTAL)),
            _ => false,
        }
    }
}

impl fmt::Display for TableId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The coordinates of a cell: one code per dimension of its table, in dimension order
/// (`_T` for a margin). Ordered code by code; displayed as an SDMX key (`SEA.AFG.GRC`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey(Vec<&'static str>);

/// A cell key that does not fit its table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Wrong number of codes.
    #[error("{table} keys have {expected} codes, got {found}")]
    Length {
        /// The table.
        table: TableId,
        /// Its number of dimensions.
        expected: usize,
        /// Codes given.
        found: usize,
    },
    /// A code outside its dimension's list.
    #[error("{code:?} is not a code of {table} dimension {dimension}")]
    Code {
        /// The table.
        table: TableId,
        /// Dimension id.
        dimension: &'static str,
        /// The code (shortened if long).
        code: String,
    },
}

impl CellKey {
    /// The key of `table` with these codes, each checked against its dimension's list
    /// (or `_T`).
    pub fn parse<S: AsRef<str>>(table: TableId, codes: &[S]) -> Result<CellKey, KeyError> {
        let dims = table.dimensions();
        if codes.len() != dims.len() {
            return Err(KeyError::Length {
                table,
                expected: dims.len(),
                found: codes.len(),
            });
        }
        dims.iter()
            .zip(codes)
            .map(|(d, c)| {
                d.codes.resolve(c.as_ref()).ok_or_else(|| KeyError::Code {
                    table,
                    dimension: d.id,
                    code: crate::validate::shown(c.as_ref()),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(CellKey)
    }

    /// The grand-total key of `table` (`_T` in every dimension).
    pub fn total(table: TableId) -> CellKey {
        CellKey(vec![TOTAL; table.dimensions().len()])
    }

    /// The codes, in dimension order.
    pub fn codes(&self) -> &[&'static str] {
        &self.0
    }

    /// Number of `_T` codes (0 for a finest cell).
    pub fn totals(&self) -> usize {
        self.0.iter().filter(|c| **c == TOTAL).count()
    }

    /// Whether no code is `_T`.
    pub fn is_finest(&self) -> bool {
        self.totals() == 0
    }

    /// The same key with dimension `dim` set to `code` (no check: `code` must come from
    /// that dimension's list, or be `_T`).
    pub fn with(&self, dim: usize, code: &'static str) -> CellKey {
        let mut k = self.clone();
        if let Some(c) = k.0.get_mut(dim) {
            *c = code;
        }
        k
    }

    /// Crate-internal constructor from trusted static codes.
    pub(crate) fn from_static(codes: Vec<&'static str>) -> CellKey {
        CellKey(codes)
    }
}

impl fmt::Display for CellKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl fmt::Debug for CellKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CellKey({self})")
    }
}

// ---------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------

/// Whether contributions are added or taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    /// Add (a new or amending version).
    Add,
    /// Subtract (the version an amendment or a retraction replaces).
    Remove,
}

/// Why contributions could not be applied. Nothing is changed when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TablesError {
    /// A count would become negative (subtracting what was never added).
    #[error("{table} cell {key} {measure} would become negative")]
    Negative {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// The measure.
        measure: Measure,
    },
    /// An amount would be removed from a cell that does not hold it.
    #[error("{table} cell {key} holds no amount {value} to remove")]
    MissingAmount {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// The amount.
        value: u64,
    },
    /// A contribution names a measure its table does not have in that role, or a key
    /// of the wrong length.
    #[error("{table} has no {measure} measure for cell {key}")]
    Measure {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// The measure.
        measure: Measure,
    },
    /// A count overflowed.
    #[error("count overflow")]
    Overflow,
}

/// One table's cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TableData {
    /// Count measures per non-zero cell, in [`TableId::count_measures`] order.
    counts: BTreeMap<CellKey, Vec<i64>>,
    /// Amount multisets (value → multiplicity) per cell with a median.
    amounts: BTreeMap<CellKey, BTreeMap<u64, u64>>,
}

static NO_CELLS: BTreeMap<CellKey, Vec<i64>> = BTreeMap::new();

/// In-memory aggregate tables of one period: counts per cell (only non-zero cells are
/// held) and amount multisets per median cell. Adding then removing the same
/// contributions leaves it exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tables {
    tables: BTreeMap<TableId, TableData>,
}

impl Tables {
    /// Empty tables.
    pub fn new() -> Tables {
        Tables::default()
    }

    /// Whether every cell of every table is zero.
    pub fn is_empty(&self) -> bool {
        self.tables
            .values()
            .all(|t| t.counts.is_empty() && t.amounts.is_empty())
    }

    /// Adds (or subtracts) `contributions`, atomically.
    pub fn apply(&mut self, contributions: &[Contribution], sign: Sign) -> Result<(), TablesError> {
        match sign {
            Sign::Add => self.apply_change(&[], contributions),
            Sign::Remove => self.apply_change(contributions, &[]),
        }
    }

    /// Subtracts `remove` and adds `add` (an amendment), atomically: either all of it is
    /// applied or, on error, nothing.
    pub fn apply_change(
        &mut self,
        remove: &[Contribution],
        add: &[Contribution],
    ) -> Result<(), TablesError> {
        // Per cell: the change of each stored measure (one look-up per cell, not per
        // measure, and no allocation for a cell that exists).
        type CountDelta<'a> = BTreeMap<(TableId, &'a CellKey), Vec<i64>>;
        let mut counts: CountDelta = BTreeMap::new();
        let mut amounts: BTreeMap<(TableId, &CellKey, u64), i64> = BTreeMap::new();
        let signed = remove
            .iter()
            .map(|c| (-1i64, c))
            .chain(add.iter().map(|c| (1i64, c)));
        for (s, c) in signed {
            match c {
                Contribution::Count {
                    table,
                    key,
                    measure,
                    amount,
                } => {
                    let bad = || TablesError::Measure {
                        table: *table,
                        key: key.clone(),
                        measure: *measure,
                    };
                    if key.0.len() != table.dimensions().len() {
                        return Err(bad());
                    }
                    let i = table
                        .stored_measures()
                        .iter()
                        .position(|m| m == measure)
                        .ok_or_else(bad)?;
                    let d = amount.checked_mul(s).ok_or(TablesError::Overflow)?;
                    let e = counts
                        .entry((*table, key))
                        .or_insert_with(|| vec![0; table.stored_measures().len()]);
                    e[i] = e[i].checked_add(d).ok_or(TablesError::Overflow)?;
                }
                Contribution::Amount {
                    table,
                    key,
                    measure,
                    value,
                } => {
                    if table.median_measure() != Some(*measure) || !table.has_median(key) {
                        return Err(TablesError::Measure {
                            table: *table,
                            key: key.clone(),
                            measure: *measure,
                        });
                    }
                    *amounts.entry((*table, key, *value)).or_insert(0) += s;
                }
            }
        }
        // Check everything before changing anything.
        for (&(table, key), deltas) in &counts {
            let cell = self.tables.get(&table).and_then(|t| t.counts.get(key));
            for (i, &d) in deltas.iter().enumerate() {
                let cur = cell.and_then(|c| c.get(i)).copied().unwrap_or(0);
                match cur.checked_add(d) {
                    Some(v) if v >= 0 => {}
                    Some(_) => {
                        return Err(TablesError::Negative {
                            table,
                            key: key.clone(),
                            measure: table.stored_measures()[i],
                        });
                    }
                    None => return Err(TablesError::Overflow),
                }
            }
        }
        for (&(table, key, value), &d) in &amounts {
            let cur = self
                .tables
                .get(&table)
                .and_then(|t| t.amounts.get(key))
                .and_then(|m| m.get(&value))
                .copied()
                .unwrap_or(0);
            let ok = i128::from(cur) + i128::from(d);
            if ok < 0 {
                return Err(TablesError::MissingAmount {
                    table,
                    key: key.clone(),
                    value,
                });
            }
            if ok > i128::from(u64::MAX) {
                return Err(TablesError::Overflow);
            }
        }
        // Apply.
        for ((table, key), deltas) in counts {
            if deltas.iter().all(|d| *d == 0) {
                continue;
            }
            let data = self.tables.entry(table).or_default();
            if let Some(cell) = data.counts.get_mut(key) {
                for (v, d) in cell.iter_mut().zip(&deltas) {
                    *v += d;
                }
                if cell.iter().all(|v| *v == 0) {
                    data.counts.remove(key);
                }
            } else {
                // Checked above: a new cell's changes are all at least 0.
                data.counts.insert(key.clone(), deltas);
            }
        }
        for ((table, key, value), d) in amounts {
            if d == 0 {
                continue;
            }
            let data = self.tables.entry(table).or_default();
            let multiset = data.amounts.entry(key.clone()).or_default();
            let m = multiset.entry(value).or_insert(0);
            // Checked above: the result is within 0..=u64::MAX.
            *m = (i128::from(*m) + i128::from(d)) as u64;
            if *m == 0 {
                multiset.remove(&value);
            }
            if multiset.is_empty() {
                data.amounts.remove(key);
            }
        }
        self.tables
            .retain(|_, t| !(t.counts.is_empty() && t.amounts.is_empty()));
        Ok(())
    }

    fn count_at(&self, table: TableId, key: &CellKey, i: usize) -> i64 {
        self.tables
            .get(&table)
            .and_then(|t| t.counts.get(key))
            .and_then(|v| v.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// The non-zero cells of `table`, margins included, with their counts in
    /// [`TableId::stored_measures`] order (the published count measures first).
    pub fn cells(&self, table: TableId) -> &BTreeMap<CellKey, Vec<i64>> {
        self.tables.get(&table).map_or(&NO_CELLS, |t| &t.counts)
    }

    /// The count of `measure` in a cell (0 for an absent cell or a non-count measure).
    pub fn count(&self, table: TableId, key: &CellKey, measure: Measure) -> i64 {
        match table.stored_measures().iter().position(|m| *m == measure) {
            Some(i) => self.count_at(table, key, i),
            None => 0,
        }
    }

    /// The amount multiset of a median cell: amount → multiplicity.
    pub fn amounts(&self, table: TableId, key: &CellKey) -> Option<&BTreeMap<u64, u64>> {
        self.tables.get(&table).and_then(|t| t.amounts.get(key))
    }

    /// The median amount of a cell: the middle value, or for an even number of amounts
    /// the mean of the two middle values rounded half up; `None` without amounts.
    pub fn median(&self, table: TableId, key: &CellKey) -> Option<u64> {
        median(self.amounts(table, key)?)
    }
}

/// Median of a multiset (value → multiplicity); see [`Tables::median`].
pub fn median(multiset: &BTreeMap<u64, u64>) -> Option<u64> {
    let n: u128 = multiset.values().map(|&m| u128::from(m)).sum();
    if n == 0 {
        return None;
    }
    let (lo_i, hi_i) = ((n - 1) / 2, n / 2);
    let (mut lo, mut hi) = (None, None);
    let mut seen = 0u128;
    for (&v, &m) in multiset {
        let next = seen + u128::from(m);
        if lo.is_none() && lo_i < next {
            lo = Some(v);
        }
        if hi_i < next {
            hi = Some(v);
            break;
        }
        seen = next;
    }
    let (lo, hi) = (u128::from(lo?), u128::from(hi?));
    u64::try_from((lo + hi).div_ceil(2)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_code_lists_follow_the_report_enums() {
        assert_eq!(METHODS, ["AIR", "LAND", "SEA"]);
        assert_eq!(SEXES, ["F", "M", "_U"]);
        assert_eq!(ROLES[11], "_O");
        assert_eq!(STAGES_U[4], "_U");
    }

    #[test]
    fn clamp_keeps_the_cap_exactly() {
        assert_eq!(clamp(&[19, 6, 5, 8, 3], Some(10)).iter().sum::<u64>(), 10);
        assert_eq!(clamp(&[1, 1, 1], Some(2)), vec![1, 1, 0]);
        assert_eq!(clamp(&[7], None), vec![7]);
        assert_eq!(clamp(&[3, 4], Some(100)), vec![3, 4]);
        assert_eq!(clamp(&[5, 5], Some(0)), vec![0, 0]);
    }

    #[test]
    fn median_of_multisets() {
        let m: BTreeMap<u64, u64> = [(1, 1), (3, 1), (10, 1)].into_iter().collect();
        assert_eq!(median(&m), Some(3));
        let m: BTreeMap<u64, u64> = [(1, 1), (4, 1)].into_iter().collect();
        assert_eq!(median(&m), Some(3));
        let m: BTreeMap<u64, u64> = [(2, 3), (9, 1)].into_iter().collect();
        assert_eq!(median(&m), Some(2));
        assert_eq!(median(&BTreeMap::new()), None);
    }
}
