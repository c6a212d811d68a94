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
    AgeBand, Aggravation, Body, CodeEnum, CountsBySex, DocumentType, FeeBasis, FraudType, Iso3,
    Method, Offence, Outcome, RecordType, Report, Sex, SmugglerRole, Stage,
};

mod contributions;

pub use contributions::*;

mod period;
pub use period::*;

mod codelist;
pub use codelist::*;

// ---------------------------------------------------------------------------------------
// Code lists, dimensions, measures, tables
// ---------------------------------------------------------------------------------------

/// One dimension of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimension {
    /// SDMX dimension id, e.g. `ORIGIN`.
    pub id: &'static str,
    /// What it is, in English (the SDMX concept's name), e.g. `Origin (first leg)`.
    pub name: &'static str,
    /// Its codes (plus `_T`).
    pub codes: CodeList,
}

const fn dim(id: &'static str, name: &'static str, codes: CodeList) -> Dimension {
    Dimension { id, name, codes }
}

const METHOD: Dimension = dim("METHOD", "Main method", CodeList::Enum(Method::SPEC));
const ORIGIN: Dimension = dim(
    "ORIGIN",
    "Origin (where the first leg starts)",
    CodeList::CountriesOrUnknown,
);
const DESTINATION: Dimension = dim(
    "DESTINATION",
    "Destination (where the last leg ends)",
    CodeList::CountriesOrUnknown,
);
const CITIZENSHIP: Dimension = dim("CITIZENSHIP", "Citizenship", CodeList::Countries);
const SEX: Dimension = dim("SEX", "Sex", CodeList::Enum(Sex::SPEC));

const MOVEMENTS_DIMS: [Dimension; 3] = [METHOD, ORIGIN, DESTINATION];
const PERSONS_DIMS: [Dimension; 3] = [
    CITIZENSHIP,
    SEX,
    dim("AGE", "Age band", CodeList::Enum(AgeBand::SPEC)),
];
const SMUGGLERS_DIMS: [Dimension; 3] = [
    CITIZENSHIP,
    SEX,
    dim("ROLE", "Principal role", CodeList::Enum(SmugglerRole::SPEC)),
];
const FEES_DIMS: [Dimension; 4] = [
    ORIGIN,
    DESTINATION,
    dim(
        "FEE_BASIS",
        "What the fee pays for",
        CodeList::Enum(FeeBasis::SPEC),
    ),
    dim("CURRENCY", "Currency", CodeList::Currencies),
];
const DOCUMENTS_DIMS: [Dimension; 3] = [
    dim(
        "DOCUMENT_TYPE",
        "Document type",
        CodeList::Enum(DocumentType::SPEC),
    ),
    dim(
        "FRAUD_TYPE",
        "Kind of fraud",
        CodeList::Enum(FraudType::SPEC),
    ),
    dim("ISSUING_COUNTRY", "Issuing country", CodeList::Countries),
];
const CASES_DIMS: [Dimension; 3] = [
    dim(
        "OFFENCE",
        "Principal offence",
        CodeList::Enum(Offence::SPEC),
    ),
    dim(
        "STAGE",
        "Stage of the last proceeding",
        CodeList::EnumOrUnknown(Stage::SPEC),
    ),
    dim(
        "OUTCOME",
        "Outcome of the last proceeding",
        CodeList::EnumOrUnknown(Outcome::SPEC),
    ),
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

    /// English label, e.g. `Movement events detected`.
    pub const fn label(self) -> &'static str {
        match self {
            Measure::Events => "Movement events detected",
            Measure::Persons => "Persons detected",
            Measure::Smugglers => "Suspected smugglers",
            Measure::Observations => "Fee observations",
            Measure::MedianAmount => "Median fee amount, in minor units of the currency",
            Measure::Documents => "Fraudulent documents",
            Measure::Cases => "Criminal justice cases",
            Measure::PersonsF => "Women at the stage reached",
            Measure::PersonsM => "Men at the stage reached",
            Measure::PersonsU => "Persons of unknown sex at the stage reached",
            Measure::Deaths => "Deaths during the movements",
            Measure::Injuries => "Injuries during the movements",
            Measure::UnaccompaniedMinors => "Unaccompanied minors among the persons",
            Measure::EndangeringLife => "Movements endangering the lives or safety of the migrants",
            Measure::InhumanTreatment => {
                "Movements with inhuman or degrading treatment of the migrants"
            }
            Measure::Contributors => "Reports contributing to the cell (never published)",
        }
    }

    /// Whether some table publishes the measure (all but [`Measure::Contributors`]).
    pub fn is_published(self) -> bool {
        TableId::ALL.iter().any(|t| t.measures().contains(&self))
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

    /// English name, e.g. `Movements: events and persons by method, origin and destination`.
    pub const fn name(self) -> &'static str {
        match self {
            TableId::Movements => "Movements: events and persons by method, origin and destination",
            TableId::Persons => "Persons detected by citizenship, sex and age band",
            TableId::Smugglers => "Suspected smugglers by citizenship, sex and principal role",
            TableId::Fees => {
                "Fees: observations and median amount by origin, destination, basis and currency"
            }
            TableId::Documents => "Fraudulent documents by type, fraud type and issuing country",
            TableId::Cases => "Cases and persons by sex, by principal offence, stage and outcome",
            TableId::Protection => {
                "Protection: deaths, injuries, unaccompanied minors and aggravated movements \
                 by method, origin and destination"
            }
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

mod tables;
pub use tables::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_code_lists_follow_the_report_enums() {
        let codes = |d: &Dimension| d.codes.iter().collect::<Vec<_>>();
        assert_eq!(codes(&METHOD), ["AIR", "LAND", "SEA"]);
        assert_eq!(codes(&SEX), ["F", "M", "_U"]);
        assert_eq!(SMUGGLERS_DIMS[2].codes.get(11), Some("_O"));
        assert_eq!(CASES_DIMS[1].codes.get(4), Some("_U"));
        assert_eq!(CASES_DIMS[1].codes.position("_U"), Some(4));
        assert_eq!(CASES_DIMS[1].codes.get(5), None);
        assert_eq!(CASES_DIMS[1].codes.label("_U"), Some(UNKNOWN_LABEL));
        assert_eq!(CASES_DIMS[1].codes.label("APPEAL"), Some("Appeal"));
        assert_eq!(SEX.codes.label("_U"), Some("Unknown"));
        assert_eq!(SEX.codes.label(TOTAL), Some(TOTAL_LABEL));
        assert_eq!(METHOD.codes.label("_U"), None);
        assert_eq!(ORIGIN.codes.label("_U"), Some(UNKNOWN_LABEL));
        assert_eq!(CITIZENSHIP.codes.label("_U"), None);
        assert_eq!(CITIZENSHIP.codes.label("IDN"), Some("Indonesia"));
        assert_eq!(FEES_DIMS[3].codes.label("EUR"), Some("Euro"));
    }

    #[test]
    fn every_code_of_every_dimension_has_a_label() {
        for t in TableId::ALL {
            for d in t.dimensions() {
                for code in d.codes.iter().chain([TOTAL]) {
                    let label = d.codes.label(code);
                    assert!(label.is_some_and(|l| !l.is_empty()), "{t} {} {code}", d.id);
                }
            }
        }
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
