//! Releases: one table of one period from one origin, after disclosure control, signed.
//!
//! * [`build_threshold`], [`build_noise`] or, for a whole period, [`build_period`] turn
//!   the [`Tables`] of a closed period into a [`Release`]: every listed cell carries,
//!   for every measure of its table, OBS_VALUE, OBS_STATUS and CONF_STATUS.
//! * [`sign_release`] serialises it ([`crate::wire::encode_release`]) and signs the bytes
//!   as a DSSE envelope of payload type [`vrs_proto::RELEASE_PAYLOAD_TYPE`];
//!   [`open_release`] verifies an envelope with the origin's public key before it parses
//!   the payload.
//! * Exports: SDMX-CSV 2.0 ([`export_sdmx_csv`]), plain CSV ([`export_csv`]) and JSON
//!   ([`export_json`]); the SDMX structure of the SDMX-CSV exports (code lists,
//!   concepts, data structure definitions, dataflows) in [`structure`].
//! * [`regional_sum`]: a secretariat's cell-wise sum of national releases.
//!
//! # Which cells a release lists
//!
//! The grid of a table is fixed ([`TableId::dimensions`]), so a release lists only the
//! cells that carry information and says what the others are:
//! * under `threshold`, every non-zero cell, margins included (withheld ones too, with
//!   their flags); **a cell not listed is an exact, published zero** (zeros are safe);
//! * under `noise`, every cell with at least one noisy value of at least k; **a cell not
//!   listed shows `<k` for every measure** (with k = 0, every cell of the grid is listed).
//!
//! Cells are sorted by key, so the same release always serialises to the same bytes.
//!
//! Observations: a published value has OBS_STATUS `A`, CONF_STATUS `F`; a withheld one
//! has no value, OBS_STATUS `Q` and CONF_STATUS `A` (primary: small count, differencing
//! guard, or noisy value below k), `D` (secondary) or `C` (a median under noise, which
//! has no differentially private form). `MEDIAN_AMOUNT` of a `FEES` cell whose basis or
//! currency is `_T` cannot exist: no value, OBS_STATUS `M`, CONF_STATUS `F`. Under
//! `threshold` a median is published only where the cell's observations are published
//! and at least k; otherwise it is withheld with its count's CONF_STATUS.
//!
//! # Versions
//!
//! Version 1 is the release made when the period closes; a node may publish one
//! revision, version 2, which under `threshold` is built against version 1 so that the
//! differencing guard applies ([`crate::disclosure::audit`]).
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Hash;
use crate::aggregate::{CellKey, Measure, Period, TableId, Tables};
use crate::disclosure::audit::Cells;
use crate::disclosure::{
    self, ConfStatus, DisclosureError, NoiseParams, ObsStatus, Policy, Rng, Suppression,
};
use crate::envelope::{Envelope, EnvelopeError, SigningKey};
use crate::note::{self, Checkpoint, NoteError};
use crate::report::{Iso3, Timestamp};

mod export;
pub mod structure;

use export::{CRLF, key_json, sdmx_csv, structure_id};
pub use export::{export_csv, export_csv_of, export_json, export_sdmx_csv, export_sdmx_csv_of};

/// Highest release version: the first release of a period and its one revision.
pub const MAX_RELEASE_VERSION: u32 = 2;
/// SDMX agency of the dataflows.
pub const SDMX_AGENCY: &str = "VRS";
/// Version of the dataflows (and of the table definitions in [`crate::aggregate`]).
pub const DATAFLOW_VERSION: &str = "1.0";
/// Media type of SDMX-CSV 2.0 exports.
pub const SDMX_CSV_MEDIA_TYPE: &str = "application/vnd.sdmx.data+csv; version=2.0.0";
/// Media type of plain CSV exports.
pub const CSV_MEDIA_TYPE: &str = "text/csv; charset=utf-8; header=present";
/// Media type of JSON exports.
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// Why a release could not be built, opened, exported or summed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    /// A version other than 1 or 2.
    #[error("release version must be 1 to {MAX_RELEASE_VERSION}, not {0}")]
    Version(u32),
    /// A revision without its previous release, or with one that does not precede it.
    #[error("{0}")]
    Previous(&'static str),
    /// Disclosure control refused the table.
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
    /// The bytes are not a `vrs.v1.Release`.
    #[error("not a vrs.v1.Release: {0}")]
    Decode(String),
    /// The release message breaks a rule.
    #[error("invalid release: {field}: {message}")]
    Invalid {
        /// Field path, e.g. `cells[3].observations[0].value`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The release uses code lists this node does not know: refused, not guessed.
    #[error("release uses code lists {found:?}; this node knows {expected:?}")]
    CodeListVersion {
        /// The release's version.
        found: String,
        /// This node's [`crate::codes::CODE_LIST_VERSION`].
        expected: &'static str,
    },
    /// The envelope does not verify.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The releases cannot be combined (regional sum, or one CSV export).
    #[error("releases cannot be combined: {0}")]
    Combine(&'static str),
}

impl ReleaseError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ReleaseError {
        ReleaseError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The origin's signed log checkpoint when the release was computed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseCheckpoint {
    /// The full signed note (body, blank line, signature lines).
    pub note: String,
    /// Origin line of the checkpoint.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root_hash: Hash,
}

impl ReleaseCheckpoint {
    /// The checkpoint of a signed note, its fields read from the note body. Only the
    /// syntax is checked: signatures are verified by whoever holds the origin's key.
    pub fn from_note(note: impl Into<String>) -> Result<ReleaseCheckpoint, NoteError> {
        let note = note.into();
        let parsed = note::parse_note(&note)?;
        let c = Checkpoint::parse_body(&parsed.text)?;
        Ok(ReleaseCheckpoint {
            origin: c.origin,
            size: c.size,
            root_hash: c.root,
            note,
        })
    }
}

/// One value of a release, with its SDMX flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Observation {
    /// The measure.
    pub measure: Measure,
    /// The value; `None` when withheld or missing.
    pub value: Option<i64>,
    /// OBS_STATUS.
    pub obs_status: ObsStatus,
    /// CONF_STATUS.
    pub conf_status: ConfStatus,
}

impl Observation {
    /// A published value.
    pub fn published(measure: Measure, value: i64) -> Observation {
        Observation {
            measure,
            value: Some(value),
            obs_status: ObsStatus::Normal,
            conf_status: ConfStatus::Free,
        }
    }

    /// A withheld value.
    pub fn withheld(measure: Measure, conf_status: ConfStatus) -> Observation {
        Observation {
            measure,
            value: None,
            obs_status: ObsStatus::Suppressed,
            conf_status,
        }
    }

    /// A value that cannot exist (a median across currencies or bases).
    pub fn missing(measure: Measure) -> Observation {
        Observation {
            measure,
            value: None,
            obs_status: ObsStatus::Missing,
            conf_status: ConfStatus::Free,
        }
    }

    /// How the value is shown to people: the number; `<k` for a noisy value below k;
    /// `x` for another withheld value; empty when missing.
    pub fn display(&self, policy: &Policy) -> String {
        match (self.value, self.obs_status, self.conf_status, policy) {
            (Some(v), ..) => v.to_string(),
            (None, ObsStatus::Missing, ..) => String::new(),
            (None, _, ConfStatus::Primary, Policy::Noise(p)) => format!("<{}", p.k),
            (None, ..) => "x".to_owned(),
        }
    }
}

/// One listed cell of a release.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseCell {
    /// The cell.
    pub key: CellKey,
    /// One observation per measure, in [`TableId::measures`] order.
    pub observations: Vec<Observation>,
}

impl ReleaseCell {
    /// The observation of `measure`.
    pub fn observation(&self, measure: Measure) -> Option<&Observation> {
        self.observations.iter().find(|o| o.measure == measure)
    }
}

/// Who publishes what, when: everything of a release but its cells and policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseMeta {
    /// The origin State.
    pub origin: Iso3,
    /// The table.
    pub table: TableId,
    /// The period.
    pub period: Period,
    /// 1, or 2 for the revision.
    pub version: u32,
    /// Version of the code lists ([`crate::codes::CODE_LIST_VERSION`]).
    pub code_list_version: String,
    /// The origin's signed checkpoint at computation time.
    pub checkpoint: ReleaseCheckpoint,
    /// When the release was computed (the caller's clock).
    pub computed_at: Timestamp,
    /// Who may be served it ([`Reciprocity`]).
    pub reciprocity: Reciprocity,
}

/// The origin's reciprocity policy, signed with the release (design 08-directory.md):
/// which callers an honest node serves the release to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reciprocity {
    /// Every peer and secretariat of a node that holds it (a release without the field).
    #[default]
    None,
    /// A peer State is served it only by a node that holds that State's own release of
    /// the same period (any table, any version).
    Period {
        /// Whether secretariats, which release nothing of their own, are held to it
        /// too (then they are never served it).
        include_secretariats: bool,
    },
}

impl Reciprocity {
    /// Whether this is [`Reciprocity::None`] (served to everyone).
    pub fn is_none(&self) -> bool {
        *self == Reciprocity::None
    }

    /// The configuration word: `none` or `period`.
    pub fn word(&self) -> &'static str {
        match self {
            Reciprocity::None => "none",
            Reciprocity::Period { .. } => "period",
        }
    }
}

/// How a threshold release was protected, so that a receiver can interpret it (see
/// [`crate::disclosure::audit`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditInfo {
    /// The attacker model ([`crate::disclosure::audit::MODEL`]).
    pub model: String,
    /// How protection was shown ([`crate::disclosure::audit::METHOD`]).
    pub method: String,
    /// Protection level of a withheld value that is not a small count: the reader's
    /// interval reaches at least this far on either side of it (k).
    pub measure_margin: u32,
    /// The tables of the same origin and period audited as one system with this one
    /// (empty when it was audited alone).
    pub linked_tables: Vec<TableId>,
    /// The earlier version audited together with this one (0: none).
    pub with_version: u32,
    /// Verified witness tables found by the audit of the period.
    pub witnesses: u32,
    /// Withheld values whose protection the audit checked.
    pub requirements: u32,
    /// The median rule ([`MEDIAN_RULE`]) for tables with medians, else empty.
    pub median_rule: String,
}

/// A release: one table of one period from one origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Release {
    /// The origin State.
    pub origin: Iso3,
    /// The table.
    pub table: TableId,
    /// The period.
    pub period: Period,
    /// 1 for the first release of the period, 2 for its revision.
    pub version: u32,
    /// The policy and its parameters.
    pub policy: Policy,
    /// Version of the code lists the cells use.
    pub code_list_version: String,
    /// The origin's signed checkpoint at computation time.
    pub checkpoint: ReleaseCheckpoint,
    /// When it was computed.
    pub computed_at: Timestamp,
    /// The audit, for a threshold release (`None` under noise).
    pub audit: Option<AuditInfo>,
    /// Who may be served it.
    pub reciprocity: Reciprocity,
    /// The listed cells, sorted by key (see the module documentation).
    pub cells: Vec<ReleaseCell>,
}

fn check_version(meta: &ReleaseMeta, previous: Option<&Release>) -> Result<(), ReleaseError> {
    if meta.version == 0 || meta.version > MAX_RELEASE_VERSION {
        return Err(ReleaseError::Version(meta.version));
    }
    match previous {
        None if meta.version == 1 => Ok(()),
        None => Err(ReleaseError::Previous(
            "a revision under the threshold policy is built against the previous release",
        )),
        Some(p) if meta.version == 1 || p.version + 1 != meta.version => Err(
            ReleaseError::Previous("the previous release must be the version before this one"),
        ),
        Some(p) if p.origin != meta.origin || p.table != meta.table || p.period != meta.period => {
            Err(ReleaseError::Previous(
                "the previous release is of another origin, table or period",
            ))
        }
        Some(_) => Ok(()),
    }
}

fn release(
    meta: ReleaseMeta,
    policy: Policy,
    audit: Option<AuditInfo>,
    cells: Vec<ReleaseCell>,
) -> Release {
    Release {
        origin: meta.origin,
        table: meta.table,
        period: meta.period,
        version: meta.version,
        policy,
        code_list_version: meta.code_list_version,
        checkpoint: meta.checkpoint,
        computed_at: meta.computed_at,
        audit,
        reciprocity: meta.reciprocity,
        cells,
    }
}

/// The rule for `FEES` medians, recorded in every threshold release.
pub const MEDIAN_RULE: &str =
    "median of at least k published observations, rounded half up to 2 significant figures";

/// `v` rounded half up to 2 significant figures (4,537 → 4,500; 4,550 → 4,600; 87 → 87).
pub fn round_2sf(v: u64) -> u64 {
    let mut scale = 1u64;
    while v / scale >= 100 {
        scale = scale.saturating_mul(10);
    }
    if scale == 1 {
        return v;
    }
    let q = v / scale;
    let r = v % scale;
    let q = if r.saturating_mul(2) >= scale {
        q + 1
    } else {
        q
    };
    q.saturating_mul(scale)
}

mod withheld;
pub use withheld::*;

fn threshold_cells(tables: &Tables, table: TableId, sup: &Suppression, k: u32) -> Vec<ReleaseCell> {
    let counts = table.count_measures();
    tables
        .cells(table)
        .iter()
        .map(|(key, vals)| {
            let observations = table
                .measures()
                .iter()
                .map(|&m| match counts.iter().position(|c| *c == m) {
                    Some(i) => {
                        let v = vals.get(i).copied().unwrap_or(0);
                        match sup.status(key, m) {
                            ConfStatus::Free => Observation::published(m, v),
                            s => Observation::withheld(m, s),
                        }
                    }
                    None => threshold_median(tables, table, key, m, vals, sup, k),
                })
                .collect();
            ReleaseCell {
                key: key.clone(),
                observations,
            }
        })
        .collect()
}

/// Builds the releases of one period, every table of [`TableId::ALL`] under its policy
/// in `policies` (threshold when missing): the threshold tables are protected together
/// by one audit ([`disclosure::audit::protect`]: primary suppression, the tables linked
/// as one system, the earlier version for a revision, secondary suppression until every
/// requirement has a verified witness); noise tables are drawn from `rng`. `meta` gives
/// everything but the table. Version 2 needs `earlier` (the version-1 releases and the
/// values they withheld) when any table is under threshold.
pub fn build_period<R: Rng + ?Sized>(
    meta: &ReleaseMeta,
    policies: &BTreeMap<TableId, Policy>,
    tables: &Tables,
    earlier: Option<EarlierVersion<'_>>,
    rng: &mut R,
) -> Result<PeriodReleases, ReleaseError> {
    if meta.version == 0 || meta.version > MAX_RELEASE_VERSION {
        return Err(ReleaseError::Version(meta.version));
    }
    let policy = |t: TableId| {
        policies.get(&t).copied().unwrap_or(Policy::Threshold {
            k: disclosure::DEFAULT_K,
        })
    };
    let audited: BTreeSet<TableId> = TableId::ALL
        .into_iter()
        .filter(|t| matches!(policy(*t), Policy::Threshold { .. }))
        .collect();
    let ks: BTreeSet<u32> = audited.iter().map(|t| policy(*t).k()).collect();
    if ks.len() > 1 {
        return Err(ReleaseError::Previous(
            "the threshold tables of a period share one k",
        ));
    }
    let k = ks.first().copied().unwrap_or(disclosure::DEFAULT_K);
    if let Some(e) = &earlier {
        for r in e.releases {
            if r.version + 1 != meta.version {
                return Err(ReleaseError::Previous(
                    "the previous release must be the version before this one",
                ));
            }
            if r.origin != meta.origin || r.period != meta.period {
                return Err(ReleaseError::Previous(
                    "the previous release is of another origin, table or period",
                ));
            }
        }
    }
    let (audit, earlier_cells) = if audited.is_empty() {
        (None, None)
    } else {
        if meta.version > 1 && earlier.is_none() {
            return Err(ReleaseError::Previous(
                "a revision under the threshold policy is built against the previous release",
            ));
        }
        if meta.version == 1 && earlier.is_some() {
            return Err(ReleaseError::Previous(
                "the previous release must be the version before this one",
            ));
        }
        let all: BTreeMap<TableId, Cells> = TableId::ALL
            .into_iter()
            .map(|t| (t, tables.cells(t).clone()))
            .collect();
        let e = earlier.as_ref().map(earlier_tables).transpose()?;
        let period = disclosure::audit::PeriodTables {
            k,
            cells: &all,
            audited: &audited,
        };
        let view = e
            .as_ref()
            .map(|(cells, suppression)| disclosure::audit::Earlier { cells, suppression });
        let protected = disclosure::audit::protect(&period, view.as_ref())?;
        (Some(protected), e)
    };
    let _ = earlier_cells;
    // The cells of the threshold tables, each table on its own thread (the largest take
    // a few hundred milliseconds at 1,000,000 reports).
    let empty = Suppression::default();
    let mut built: BTreeMap<TableId, Vec<ReleaseCell>> = match &audit {
        None => BTreeMap::new(),
        Some(p) => std::thread::scope(|scope| {
            let handles: Vec<_> = audited
                .iter()
                .map(|&table| {
                    let sup = p.suppression.get(&table).unwrap_or(&empty);
                    (
                        table,
                        scope.spawn(move || threshold_cells(tables, table, sup, k)),
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|(t, h)| (t, h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))))
                .collect()
        }),
    };
    let mut releases = Vec::with_capacity(TableId::ALL.len());
    let mut withheld = Withheld::default();
    for table in TableId::ALL {
        let mut m = meta.clone();
        m.table = table;
        let r = match policy(table) {
            Policy::Noise(params) => build_noise(m, tables, params, rng)?,
            Policy::Threshold { k } => {
                let p = audit.as_ref().ok_or(ReleaseError::Previous("no audit"))?;
                let sup = p.suppression.get(&table).unwrap_or(&empty);
                let counts = table.count_measures();
                for (key, measure, _) in sup.iter() {
                    if let Some(i) = counts.iter().position(|c| *c == measure) {
                        let v = tables
                            .cells(table)
                            .get(key)
                            .and_then(|v| v.get(i))
                            .copied()
                            .unwrap_or(0);
                        withheld
                            .values
                            .entry(table)
                            .or_default()
                            .entry(key.clone())
                            .or_default()
                            .insert(measure, v);
                    }
                }
                let linked = if p.linked.contains(&table) {
                    p.linked.clone()
                } else {
                    Vec::new()
                };
                let with_version = if p.with_earlier { meta.version - 1 } else { 0 };
                let info = audit_info(table, k, linked, with_version, p);
                let cells = built.remove(&table).unwrap_or_default();
                release(m, Policy::Threshold { k }, Some(info), cells)
            }
        };
        releases.push(r);
    }
    Ok(PeriodReleases {
        releases,
        withheld,
        audit,
    })
}

/// Builds the first release of one table under the threshold policy with threshold
/// `k`, audited alone (the node audits every table of a period together:
/// [`build_period`]).
pub fn build_threshold(
    meta: ReleaseMeta,
    tables: &Tables,
    k: u32,
) -> Result<Release, ReleaseError> {
    check_version(&meta, None)?;
    let table = meta.table;
    let audited: BTreeSet<TableId> = [table].into_iter().collect();
    let all: BTreeMap<TableId, Cells> = TableId::ALL
        .into_iter()
        .map(|t| (t, tables.cells(t).clone()))
        .collect();
    let p = disclosure::audit::protect(
        &disclosure::audit::PeriodTables {
            k,
            cells: &all,
            audited: &audited,
        },
        None,
    )?;
    let empty = Suppression::default();
    let sup = p.suppression.get(&table).unwrap_or(&empty);
    let info = audit_info(table, k, Vec::new(), 0, &p);
    let cells = threshold_cells(tables, table, sup, k);
    Ok(release(meta, Policy::Threshold { k }, Some(info), cells))
}

/// What a threshold release says of the audit that protected it.
fn audit_info(
    table: TableId,
    k: u32,
    linked_tables: Vec<TableId>,
    with_version: u32,
    p: &disclosure::audit::Protected,
) -> AuditInfo {
    AuditInfo {
        model: disclosure::audit::MODEL.to_owned(),
        method: disclosure::audit::METHOD.to_owned(),
        measure_margin: k,
        linked_tables,
        with_version,
        witnesses: p.witnesses,
        requirements: p.requirements,
        median_rule: if table.median_measure().is_some() {
            MEDIAN_RULE.to_owned()
        } else {
            String::new()
        },
    }
}

fn threshold_median(
    tables: &Tables,
    table: TableId,
    key: &CellKey,
    measure: Measure,
    vals: &[i64],
    sup: &disclosure::Suppression,
    k: u32,
) -> Observation {
    if !table.has_median(key) {
        return Observation::missing(measure);
    }
    let n = vals.first().copied().unwrap_or(0);
    match sup.status(key, table.frequency()) {
        ConfStatus::Free if n >= i64::from(k) => {
            match tables
                .median(table, key)
                .map(|m| i64::try_from(round_2sf(m)))
            {
                Some(Ok(m)) => Observation::published(measure, m),
                _ => Observation::missing(measure),
            }
        }
        ConfStatus::Free => Observation::withheld(measure, ConfStatus::Primary),
        s => Observation::withheld(measure, s),
    }
}

/// Builds a release under the noise policy, drawing from `rng` (in production
/// [`disclosure::SystemRng`]). The caller checks the budget first
/// ([`disclosure::can_spend`]) and records the spend with the stored release.
pub fn build_noise<R: Rng + ?Sized>(
    meta: ReleaseMeta,
    tables: &Tables,
    params: NoiseParams,
    rng: &mut R,
) -> Result<Release, ReleaseError> {
    if meta.version == 0 || meta.version > MAX_RELEASE_VERSION {
        return Err(ReleaseError::Version(meta.version));
    }
    let table = meta.table;
    let noisy = disclosure::noise(table, tables.cells(table), &params, rng)?;
    let counts = table.count_measures();
    let k = i64::from(params.k);
    let out = noisy
        .into_iter()
        .map(|(key, vals)| {
            let observations = table
                .measures()
                .iter()
                .map(|&m| match counts.iter().position(|c| *c == m) {
                    Some(i) => match vals.get(i).copied() {
                        Some(v) if params.k == 0 || v >= k => Observation::published(m, v),
                        _ => Observation::withheld(m, ConfStatus::Primary),
                    },
                    None if table.has_median(&key) => {
                        Observation::withheld(m, ConfStatus::Confidential)
                    }
                    None => Observation::missing(m),
                })
                .collect();
            ReleaseCell { key, observations }
        })
        .collect();
    Ok(release(meta, Policy::Noise(params), None, out))
}

impl Release {
    /// Dimension ids of the cell keys.
    pub fn dimension_ids(&self) -> Vec<&'static str> {
        self.table.dimensions().iter().map(|d| d.id).collect()
    }

    /// SDMX structure id of the dataflow, e.g. `VRS:DF_MOVEMENTS(1.0)`.
    pub fn structure_id(&self) -> String {
        structure_id(self.table)
    }

    /// The listed cell `key`.
    pub fn cell(&self, key: &CellKey) -> Option<&ReleaseCell> {
        self.cells
            .binary_search_by(|c| c.key.cmp(key))
            .ok()
            .and_then(|i| self.cells.get(i))
    }

    /// The value the release publishes for `measure` of `key`, the unlisted cells
    /// included: `Some` for a published value, `None` when withheld or missing.
    pub fn published(&self, key: &CellKey, measure: Measure) -> Option<i64> {
        match self.cell(key) {
            Some(c) => c.observation(measure).and_then(|o| o.value),
            None => self.unlisted_value(),
        }
    }

    /// What an unlisted cell publishes: 0 under threshold, `<k` (withheld) under noise
    /// unless k = 0.
    fn unlisted_value(&self) -> Option<i64> {
        match self.policy {
            Policy::Threshold { .. } => Some(0),
            Policy::Noise(_) => None,
        }
    }

    /// This release as SDMX-CSV 2.0 ([`export_sdmx_csv`]).
    pub fn to_sdmx_csv(&self) -> String {
        sdmx_csv(Some(self.table), std::slice::from_ref(self))
    }
}

/// Signs `release`: its serialisation ([`crate::wire::encode_release`]) as the payload
/// of a DSSE envelope of type [`vrs_proto::RELEASE_PAYLOAD_TYPE`]. Store the envelope
/// bytes: every later sync sends them as they are.
pub fn sign_release(release: &Release, key: &SigningKey) -> Envelope {
    Envelope::sign(
        vrs_proto::RELEASE_PAYLOAD_TYPE,
        crate::wire::encode_release(release),
        key,
    )
}

/// Verifies `envelope` under the origin's `public_key` (payload type
/// [`vrs_proto::RELEASE_PAYLOAD_TYPE`]), then decodes and checks the payload. The
/// caller checks that the key is the one of the release's origin.
pub fn open_release(envelope: &Envelope, public_key: &[u8]) -> Result<Release, ReleaseError> {
    envelope.verify(vrs_proto::RELEASE_PAYLOAD_TYPE, public_key)?;
    crate::wire::decode_release(&envelope.payload)
}

mod regional;
pub use regional::*;
