//! Disclosure control: what of a table may leave the node.
//!
//! Two policies, chosen per table by the node operator ([`Policy`]):
//!
//! # `threshold` ([`audit::protect`]), the default
//!
//! Works on the non-zero cells of the tables of one State and period, `_T` margins
//! included, and decides which (cell, measure) values are withheld. Deterministic: the
//! same tables always give the same result.
//!
//! ## The attacker model
//!
//! The reader is a statistician of a partner State (or a secretariat) with a
//! mixed-integer solver. It holds everything a peer or a secretariat receives and knows:
//! * the grid and code lists of every table, every published value, and that an unlisted
//!   cell of a threshold release is zero;
//! * the line equations of every count measure (a `_T` margin is the sum of its line);
//! * k and every rule of the policy, hence the bounds the statuses imply: `A` on a small
//!   count is 1 ..= k−1, `A` on a value withheld with its small cell is ≥ 1, `D` is ≥ k
//!   (secondaries are chosen only among non-zero values that are not primary, and the
//!   model says so); the audit grants the reader *why* each `A` is withheld, which is
//!   more than it sees;
//! * integrality and non-negativity, and the validation rules that tie tables together;
//! * every other table of the same State and period, as one system: `MOVEMENTS` persons
//!   in total equal `PERSONS` in total; in every cell `PROTECTION` movements with an
//!   aggravation are at most `MOVEMENTS` events, unaccompanied minors at most `MOVEMENTS`
//!   persons, deaths and injuries at most 100,000 per movement; unaccompanied minors in
//!   total are at most `PERSONS` under 18 in total (`SMUGGLERS`, `FEES`, `DOCUMENTS` and
//!   `CASES` come from other reports and share no total);
//! * the earlier version of a revision, together with which values did not change
//!   between the versions (in the reader's favour);
//! * the regional sums built from the releases (they add nothing: a secretariat sums
//!   published values only).
//!
//! ## Primary suppression (CONF_STATUS `A`)
//!
//! * a count between 1 and k−1;
//! * every non-zero value of a cell whose **contributors** (the reports its values come
//!   from) are fewer than k: events, smugglers, observations and cases count themselves;
//!   `PERSONS` and `DOCUMENTS` count the movements and document events they come from (a
//!   hidden measure, [`crate::aggregate::Measure::Contributors`]: 31 persons of one boat
//!   have one contributor); `PROTECTION` cells count the movements of the same
//!   `MOVEMENTS` cell;
//! * in a revision, the **differencing guard**: a value that differs by 1 to k−1 from
//!   what the earlier version published (with its cell's other values when it is the
//!   frequency). A value the earlier version withheld stays withheld (`D` unless it is
//!   primary now or zero), and a value it published that did not change is published
//!   again (the reader has it).
//! * **Zero is published**: a zero value is never withheld.
//!
//! ## Protection by audit, and secondary suppression (CONF_STATUS `D`)
//!
//! Rules of the form "no line holds exactly one suppressed value" are necessary and far
//! from sufficient (a primary and its only partner pin each other, because the partner is
//! known to be ≥ k; linked tables and versions pin what each alone would not). So
//! protection is **checked**: [`audit::protect`] holds every withheld value to its
//! requirement and shows, for each, whole integer tables consistent with everything the
//! reader knows (witnesses, verified line by line, bound by bound and link by link):
//! * a primary small count: witnesses at both ends of what its status allows
//!   (1 and k−1 for a first version), i.e. the reader learns nothing beyond `A`;
//! * a primary that is not a small count (31 persons of a one-event cell): witnesses at
//!   or below `max(1, v − k)` and at or above `v + k`;
//! * a secondary: never exact.
//!
//! Where the statuses alone already imply more (three `A` cells, one the sum of the
//! other two: each is at most k−2; four single movements from four origins in a period
//! of four), the requirement is that published values narrow nothing further, computed
//! as the same programme with every published value unknown (≥ k); values pinned that way
//! are counted in [`audit::Protected::pinned_by_statuses`].
//!
//! Secondaries are chosen, cheapest first (value + k per value: small cells, few of
//! them; margins are expensive), as the corners of the hypercube that gives the
//! requirement its witness; the audit is repeated until every requirement holds, and a
//! release that cannot be protected is refused rather than made.
//!
//! Medians (`FEES`) are published only where the cell's observations are published and
//! at least k, and rounded to 2 significant figures, never as a submitted amount (see
//! [`crate::release::MEDIAN_RULE`]).
//!
//! # `noise` ([`noise`]), differential privacy, opt-in
//!
//! Every finest cell of the full grid (zeros included) gets discrete Laplace noise of
//! scale Δ/ε on every count measure, drawn by the exact sampler of Canonne, Kamath and
//! Steinke 2020 ([`discrete_laplace`]: integer and rational arithmetic only) from the
//! operating system's CSPRNG ([`SystemRng`]). Margins are sums of the noisy finest cells
//! (post-processing, no fresh noise). A noisy value below the display bound
//! ([`noise_display_bound`]: k, or twice the noise scale when larger) is shown as
//! `<bound` — decided on the noisy value only — and a cell whose values are all below it
//! is left out of the encoding, so that a large grid stays small. Δ is the table's contribution bound
//! ([`crate::aggregate::Caps::delta`]). Grids larger than [`MAX_NOISE_CELLS`] are refused
//! (`FEES`, with its currency × route grid, is one: its medians are not
//! differentially private anyway; publish it under `threshold`).
//!
//! Randomness: production code has one source, [`SystemRng`], which cannot be seeded.
//! The seedable generator in [`testing`] is for tests only and says so in its name.
//!
//! # Budget
//!
//! [`can_spend`] is the pure check behind the node's append-only ledger: the ε of every
//! noisy release of a period, all tables together (the same reports feed several
//! tables, so their losses compose), may not exceed the configured cap.
use std::collections::BTreeMap;
use std::fmt;

use ring::rand::SecureRandom as _;
use serde::{Deserialize, Serialize};

use crate::aggregate::{CellKey, Measure, Period, TableId};
use crate::codes::{self, TOTAL};

pub mod audit;
mod sampler;

pub use sampler::*;

// ---------------------------------------------------------------------------------------
// Status flags and policies
// ---------------------------------------------------------------------------------------

/// SDMX `OBS_STATUS` of a published value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObsStatus {
    /// `A`: normal value.
    Normal,
    /// `Q`: value withheld (suppressed, or shown as `<k` under noise).
    Suppressed,
    /// `M`: missing, the value cannot exist (a median of a cell that mixes currencies or
    /// fee bases).
    Missing,
}

impl ObsStatus {
    /// The SDMX code.
    pub const fn code(self) -> &'static str {
        match self {
            ObsStatus::Normal => codes::OBS_STATUS_NORMAL,
            ObsStatus::Suppressed => codes::OBS_STATUS_SUPPRESSED,
            ObsStatus::Missing => "M",
        }
    }

    /// Every status, in SDMX code list order.
    pub const ALL: [ObsStatus; 3] = [ObsStatus::Normal, ObsStatus::Suppressed, ObsStatus::Missing];

    /// The label of the SDMX cross-domain code list `CL_OBS_STATUS`.
    pub const fn label(self) -> &'static str {
        match self {
            ObsStatus::Normal => "Normal value",
            ObsStatus::Suppressed => "Missing value; suppressed",
            ObsStatus::Missing => "Missing value; data cannot exist",
        }
    }

    /// The status with SDMX code `code`.
    pub fn from_code(code: &str) -> Option<ObsStatus> {
        ObsStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// SDMX `CONF_STATUS` of a published value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfStatus {
    /// `F`: free.
    Free,
    /// `A`: primary confidentiality (a small count, a small difference from the previous
    /// release, or a noisy value below k).
    Primary,
    /// `D`: secondary confidentiality (withheld to protect another value).
    Secondary,
    /// `C`: confidential for another reason (a median under the noise policy, which
    /// has no differentially private median).
    Confidential,
}

impl ConfStatus {
    /// The SDMX code.
    pub const fn code(self) -> &'static str {
        match self {
            ConfStatus::Free => codes::CONF_STATUS_FREE,
            ConfStatus::Primary => codes::CONF_STATUS_PRIMARY,
            ConfStatus::Secondary => codes::CONF_STATUS_SECONDARY,
            ConfStatus::Confidential => "C",
        }
    }

    /// Every status, in SDMX code list order.
    pub const ALL: [ConfStatus; 4] = [
        ConfStatus::Free,
        ConfStatus::Primary,
        ConfStatus::Secondary,
        ConfStatus::Confidential,
    ];

    /// The label of the SDMX cross-domain code list `CL_CONF_STATUS`.
    pub const fn label(self) -> &'static str {
        match self {
            ConfStatus::Free => "Free",
            ConfStatus::Primary => "Primary confidentiality due to small counts",
            ConfStatus::Secondary => {
                "Secondary confidentiality set by the sender, not for publication"
            }
            ConfStatus::Confidential => "Confidential statistical information",
        }
    }

    /// The status with SDMX code `code`.
    pub fn from_code(code: &str) -> Option<ConfStatus> {
        ConfStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A privacy budget ε as a positive rational `num/den`, kept as written (1/2 and 2/4
/// are equal in value, not in representation).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Epsilon {
    num: u32,
    den: u32,
}

impl Epsilon {
    /// ε = `num/den`; `None` unless both are positive.
    pub const fn new(num: u32, den: u32) -> Option<Epsilon> {
        if num == 0 || den == 0 {
            None
        } else {
            Some(Epsilon { num, den })
        }
    }

    /// Numerator.
    pub const fn num(&self) -> u32 {
        self.num
    }

    /// Denominator.
    pub const fn den(&self) -> u32 {
        self.den
    }
}

impl fmt::Display for Epsilon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl fmt::Debug for Epsilon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Epsilon({self})")
    }
}

/// Parameters of the noise policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoiseParams {
    /// Privacy budget of the release.
    pub epsilon: Epsilon,
    /// Δ, the table's contribution bound ([`crate::aggregate::Caps::delta`]); at least 1.
    pub delta: u32,
    /// Display bound: a noisy value below k is shown as `<k` (0 shows every value).
    pub k: u32,
}

/// The disclosure-control policy of a table, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Cell suppression below `k` (at least 1).
    Threshold {
        /// The threshold.
        k: u32,
    },
    /// Discrete Laplace noise.
    Noise(NoiseParams),
}

impl Policy {
    /// The threshold k, or the `<k` display bound under noise.
    pub fn k(&self) -> u32 {
        match self {
            Policy::Threshold { k } => *k,
            Policy::Noise(p) => p.k,
        }
    }

    /// `"threshold"` or `"noise"`.
    pub fn name(&self) -> &'static str {
        match self {
            Policy::Threshold { .. } => "threshold",
            Policy::Noise(_) => "noise",
        }
    }
}

/// The default threshold k.
pub const DEFAULT_K: u32 = 5;

/// The display bound of a noisy release: k, or twice the noise scale Δ/ε when that is
/// larger. A noisy value below it is shown as `<bound` and a cell whose values are all
/// below it is left out of the encoding (post-processing: the guarantee holds). Below
/// twice the scale a noisy value is mostly noise, and listing it only made large grids
/// huge: MOVEMENTS with Δ = 51 and ε = 1 listed most of its 252,004 cells.
pub fn noise_display_bound(k: u32, epsilon: Epsilon, delta: u32) -> u32 {
    let scale2 =
        (2 * u64::from(delta) * u64::from(epsilon.den())).div_ceil(u64::from(epsilon.num()));
    k.max(u32::try_from(scale2).unwrap_or(u32::MAX))
}

/// A policy parameter the node must refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// k below the federation's floor (or 0).
    #[error("k = {k} is below the federation floor of {floor}")]
    BelowFloor {
        /// The configured k.
        k: u32,
        /// The floor.
        floor: u32,
    },
}

/// Checks a configured k against the federation's floor: a node may raise k, never lower
/// it below the floor, and k is at least 1.
pub fn check_k(k: u32, floor: u32) -> Result<(), PolicyError> {
    if k < floor.max(1) {
        return Err(PolicyError::BelowFloor { k, floor });
    }
    Ok(())
}

/// Why disclosure control could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    /// k = 0 under the threshold policy.
    #[error("the threshold k must be at least 1")]
    InvalidK,
    /// Δ = 0 under the noise policy.
    #[error("the contribution bound delta must be at least 1")]
    InvalidDelta,
    /// A cell whose key or values do not fit the table.
    #[error("cell {key} does not fit table {table}")]
    BadCell {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
    },
    /// No set of secondary suppressions the audit could find protects this value: the
    /// release is refused rather than made.
    #[error("{table} cell {key} {measure} cannot be protected; the release is refused")]
    Unprotectable {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// The measure.
        measure: Measure,
    },
    /// The full grid is too large to noise every cell.
    #[error(
        "table {table} has {cells} cells, more than the {max} the noise policy can draw; use the threshold policy"
    )]
    GridTooLarge {
        /// The table.
        table: TableId,
        /// Its grid size (saturating).
        cells: usize,
        /// [`MAX_NOISE_CELLS`].
        max: usize,
    },
}

// ---------------------------------------------------------------------------------------
// Threshold
// ---------------------------------------------------------------------------------------

/// The values the threshold policy withholds, with their CONF_STATUS; every other value
/// of the table is free.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppression {
    withheld: BTreeMap<CellKey, BTreeMap<Measure, ConfStatus>>,
}

impl Suppression {
    /// The suppression that withholds exactly these values.
    pub fn from_statuses(
        withheld: BTreeMap<CellKey, BTreeMap<Measure, ConfStatus>>,
    ) -> Suppression {
        Suppression {
            withheld: withheld
                .into_iter()
                .filter(|(_, m)| !m.is_empty())
                .collect(),
        }
    }

    /// CONF_STATUS of `measure` in `key` ([`ConfStatus::Free`] unless withheld).
    pub fn status(&self, key: &CellKey, measure: Measure) -> ConfStatus {
        self.withheld
            .get(key)
            .and_then(|m| m.get(&measure))
            .copied()
            .unwrap_or(ConfStatus::Free)
    }

    /// Whether `measure` of `key` is withheld.
    pub fn is_withheld(&self, key: &CellKey, measure: Measure) -> bool {
        self.status(key, measure) != ConfStatus::Free
    }

    /// Number of withheld values.
    pub fn len(&self) -> usize {
        self.withheld.values().map(BTreeMap::len).sum()
    }

    /// Whether nothing is withheld.
    pub fn is_empty(&self) -> bool {
        self.withheld.is_empty()
    }

    /// The withheld values, by cell then measure.
    pub fn iter(&self) -> impl Iterator<Item = (&CellKey, Measure, ConfStatus)> {
        self.withheld
            .iter()
            .flat_map(|(k, m)| m.iter().map(move |(m, s)| (k, *m, *s)))
    }
}

// ---------------------------------------------------------------------------------------
// Noise
// ---------------------------------------------------------------------------------------

/// Largest grid (cells, margins included) the noise policy draws noise for. MOVEMENTS
/// (252,004 cells) fits; FEES (about 45 million) does not.
pub const MAX_NOISE_CELLS: usize = 1_000_000;

/// The noise policy on `table`: discrete Laplace noise of scale Δ/ε added to every
/// finest cell of the full grid (for every count measure, in grid order), margins summed
/// from the noisy cells. `cells` are the table's non-zero cells (its margins are ignored
/// and recomputed). Returns the noisy values of the cells that show at least one value
/// (a value ≥ `k`, or every cell when `k` is 0); a cell not returned shows `<k` for
/// every measure.
pub fn noise<R: Rng + ?Sized>(
    table: TableId,
    cells: &BTreeMap<CellKey, Vec<i64>>,
    params: &NoiseParams,
    rng: &mut R,
) -> Result<BTreeMap<CellKey, Vec<i64>>, DisclosureError> {
    if params.delta == 0 {
        return Err(DisclosureError::InvalidDelta);
    }
    let dims = table.dimensions();
    let measures = table.count_measures().len();
    let total = table.grid_cells();
    if total > MAX_NOISE_CELLS {
        return Err(DisclosureError::GridTooLarge {
            table,
            cells: total,
            max: MAX_NOISE_CELLS,
        });
    }
    // Mixed radix: coordinate d runs over 0..=len(d), len(d) being `_T`.
    let lens: Vec<usize> = dims.iter().map(|d| d.codes.len()).collect();
    let mut strides = vec![1usize; dims.len()];
    for d in (0..dims.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * (lens[d + 1] + 1);
    }
    let coord = |idx: usize, d: usize| (idx / strides[d]) % (lens[d] + 1);

    let mut grid = vec![vec![0i64; total]; measures];
    for (key, vals) in cells {
        if !key.is_finest() {
            continue;
        }
        let bad = || DisclosureError::BadCell {
            table,
            key: key.clone(),
        };
        // The published count measures come first ([`TableId::stored_measures`]).
        if key.codes().len() != dims.len() || vals.len() < measures {
            return Err(bad());
        }
        let mut idx = 0;
        for (d, code) in key.codes().iter().enumerate() {
            idx += dims[d].codes.position(code).ok_or_else(bad)? * strides[d];
        }
        for (g, &v) in grid.iter_mut().zip(vals) {
            g[idx] = v;
        }
    }
    for idx in 0..total {
        if (0..dims.len()).all(|d| coord(idx, d) < lens[d]) {
            for g in grid.iter_mut() {
                let z = discrete_laplace(rng, params.epsilon, params.delta);
                g[idx] = g[idx].saturating_add(z);
            }
        }
    }
    // Margins: for each dimension in turn, a `_T` coordinate is the sum along it. A cell
    // with several `_T` codes is final after the pass of its last `_T` dimension, whose
    // summands were all final before it.
    for d in 0..dims.len() {
        for idx in 0..total {
            if coord(idx, d) != lens[d] {
                continue;
            }
            let base = idx - lens[d] * strides[d];
            for g in grid.iter_mut() {
                g[idx] =
                    (0..lens[d]).fold(0i64, |acc, c| acc.saturating_add(g[base + c * strides[d]]));
            }
        }
    }
    let k = i64::from(params.k);
    let mut out = BTreeMap::new();
    for idx in 0..total {
        let vals: Vec<i64> = grid.iter().map(|g| g[idx]).collect();
        if params.k != 0 && vals.iter().all(|v| *v < k) {
            continue;
        }
        let codes: Vec<&'static str> = (0..dims.len())
            .map(|d| {
                let c = coord(idx, d);
                if c == lens[d] {
                    TOTAL
                } else {
                    dims[d].codes.get(c).unwrap_or(TOTAL)
                }
            })
            .collect();
        out.insert(CellKey::from_static(codes), vals);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Budget
// ---------------------------------------------------------------------------------------

/// One noisy release in the budget ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spend {
    /// The table.
    pub table: TableId,
    /// The period.
    pub period: Period,
    /// ε spent.
    pub epsilon: Epsilon,
}

/// A sum of ε values, as a reduced fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EpsilonSum {
    /// Numerator.
    pub num: u128,
    /// Denominator (positive).
    pub den: u128,
}

impl fmt::Display for EpsilonSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl EpsilonSum {
    const ZERO: EpsilonSum = EpsilonSum { num: 0, den: 1 };

    fn add(self, e: Epsilon) -> Option<EpsilonSum> {
        let (n, d) = (u128::from(e.num()), u128::from(e.den()));
        let g = gcd(self.den, d);
        let den = (self.den / g).checked_mul(d)?;
        let num = self
            .num
            .checked_mul(d / g)?
            .checked_add(n.checked_mul(self.den / g)?)?;
        let r = gcd(num, den).max(1);
        Some(EpsilonSum {
            num: num / r,
            den: den / r,
        })
    }

    fn exceeds(self, cap: Epsilon) -> Option<bool> {
        let lhs = self.num.checked_mul(u128::from(cap.den()))?;
        let rhs = u128::from(cap.num()).checked_mul(self.den)?;
        Some(lhs > rhs)
    }
}

/// A noisy release the budget does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// The period's cap would be exceeded.
    #[error(
        "privacy budget exceeded for period {period}: {spent} already spent + {requested} requested for {table} > cap {cap}"
    )]
    Exceeded {
        /// The table of the refused release.
        table: TableId,
        /// The period.
        period: Period,
        /// ε already spent in the period, all tables.
        spent: EpsilonSum,
        /// ε of the refused release.
        requested: Epsilon,
        /// The configured cap per period.
        cap: Epsilon,
    },
    /// The ledger's sum does not fit exact arithmetic (denominators too diverse).
    #[error("privacy budget sum overflows exact arithmetic")]
    Overflow,
}

/// Whether a noisy release `new` fits the budget: the ε already `spent` in its period
/// (every table; the ledger rows of other periods do not count) plus `new.epsilon` must
/// not exceed `cap`. Exact rational arithmetic. A stored release sent again is not a new
/// spend and is not checked.
pub fn can_spend(spent: &[Spend], cap: Epsilon, new: &Spend) -> Result<(), BudgetError> {
    let sum = spent
        .iter()
        .filter(|s| s.period == new.period)
        .try_fold(EpsilonSum::ZERO, |acc, s| acc.add(s.epsilon))
        .ok_or(BudgetError::Overflow)?;
    let after = sum.add(new.epsilon).ok_or(BudgetError::Overflow)?;
    if after.exceeds(cap).ok_or(BudgetError::Overflow)? {
        return Err(BudgetError::Exceeded {
            table: new.table,
            period: new.period,
            spent: sum,
            requested: new.epsilon,
            cap,
        });
    }
    Ok(())
}

/// Test support. **Not for production**: the generator here is seedable and
/// predictable, so noise drawn from it protects nothing. Production code draws from
/// [`SystemRng`], which cannot be seeded.
#[doc(hidden)]
pub mod testing {
    use super::Rng;

    /// SplitMix64: a fast, seedable, statistically good and **cryptographically
    /// worthless** generator, for reproducible tests only.
    #[derive(Debug, Clone)]
    pub struct InsecureSeededRng {
        state: u64,
    }

    impl InsecureSeededRng {
        /// A generator from `seed`.
        pub fn new(seed: u64) -> InsecureSeededRng {
            InsecureSeededRng { state: seed }
        }
    }

    impl Rng for InsecureSeededRng {
        fn next_u64(&mut self) -> u64 {
            self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::InsecureSeededRng;
    use super::*;

    #[test]
    fn uniform_below_is_in_range() {
        let mut rng = InsecureSeededRng::new(1);
        for n in [1u128, 2, 3, 7, 1 << 63, (1 << 64) + 3] {
            for _ in 0..100 {
                assert!(uniform_below(&mut rng, n) < n);
            }
        }
    }

    #[test]
    fn bernoulli_exp_neg_edges() {
        let mut rng = InsecureSeededRng::new(2);
        assert!(bernoulli_exp_neg(&mut rng, 0, 5));
        assert!(!bernoulli_exp_neg(&mut rng, 1, 0));
        // exp(-3) ≈ 0.0498
        let hits = (0..20_000)
            .filter(|_| bernoulli_exp_neg(&mut rng, 3, 1))
            .count();
        assert!((800..1200).contains(&hits), "{hits}");
    }

    #[test]
    fn epsilon_sums_are_exact() {
        let e = |n, d| Epsilon::new(n, d).unwrap_or(Epsilon { num: 1, den: 1 });
        let s = EpsilonSum::ZERO.add(e(1, 3)).and_then(|s| s.add(e(1, 6)));
        assert_eq!(s, Some(EpsilonSum { num: 1, den: 2 }));
        assert_eq!(s.and_then(|s| s.exceeds(e(1, 2))), Some(false));
        assert_eq!(s.and_then(|s| s.exceeds(e(49, 100))), Some(true));
    }
}
