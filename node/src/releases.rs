//! Releases: what a node may show the world. For a closed period, each table's cells
//! go through the table's disclosure-control policy, are tied to the node's latest
//! signed checkpoint, signed by the node key (DSSE) and stored once; every later
//! request gets those stored bytes.

use std::collections::{BTreeMap, BTreeSet};

use vrs_core::aggregate::{Caps, Granularity, Period, TableId, Tables};
use vrs_core::codes::{CODE_LIST_VERSION, Timestamp};
use vrs_core::disclosure::{Epsilon, NoiseParams, Policy, Spend, SystemRng, can_spend};
use vrs_core::envelope::{Envelope, Signature, pae};
use vrs_core::note::NoteSigner;
use vrs_core::release::{
    EarlierVersion, Reciprocity, Release, ReleaseCheckpoint, ReleaseMeta, Withheld, build_period,
};
use vrs_core::report::Iso3;

use crate::config::{ReleaseConfig, parse_rational};
use crate::storage::releases::{ReleaseRecord, SpendRecord};
use crate::storage::{Batch, Store};

/// The release policy of a node, from its configuration.
#[derive(Debug, Clone)]
pub struct ReleaseSettings {
    /// Period length.
    pub granularity: Granularity,
    /// Days after a period's end before it closes.
    pub embargo_days: u32,
    /// Threshold k.
    pub k: u32,
    /// Tables under the noise policy.
    pub noise_tables: BTreeSet<TableId>,
    /// ε per noisy release.
    pub epsilon: Epsilon,
    /// ε cap per period.
    pub budget_cap: Epsilon,
    /// Contribution bounds (applied to every table, so that a table can move to the
    /// noise policy without recomputing anything).
    pub caps: Caps,
    /// Reciprocity, signed into every release made.
    pub reciprocity: Reciprocity,
}

impl ReleaseSettings {
    /// Settings from a checked configuration.
    pub fn from_config(c: &ReleaseConfig) -> Result<Self, String> {
        let rational = |v: &str| {
            parse_rational(v)
                .and_then(|(n, d)| Epsilon::new(n, d))
                .ok_or_else(|| format!("{v:?} is not a positive rational"))
        };
        let noise_tables = c
            .noise_tables
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| TableId::parse(t).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        let cap = u32::try_from(c.contribution_cap).map_err(|e| e.to_string())?;
        Ok(Self {
            granularity: if c.period == "week" {
                Granularity::Week
            } else {
                Granularity::Month
            },
            embargo_days: u32::try_from(c.embargo_days).map_err(|e| e.to_string())?,
            k: u32::try_from(c.k).map_err(|e| e.to_string())?,
            noise_tables,
            epsilon: rational(&c.epsilon)?,
            budget_cap: rational(&c.budget_cap)?,
            reciprocity: match c.reciprocity.as_str() {
                "none" => Reciprocity::None,
                "period" => Reciprocity::Period {
                    include_secretariats: c.reciprocity_secretariats,
                },
                other => return Err(format!("reciprocity {other:?} is not none or period")),
            },
            caps: if c.noise_tables.trim().is_empty() {
                Caps::EXACT
            } else {
                Caps {
                    persons_per_event: Some(cap),
                    documents_per_event: Some(cap),
                    persons_per_case: Some(cap),
                }
            },
        })
    }

    /// The policy of `table`.
    pub fn policy(&self, table: TableId) -> Policy {
        if self.noise_tables.contains(&table) {
            let delta = self.caps.delta(table).unwrap_or(1).max(1);
            Policy::Noise(NoiseParams {
                epsilon: self.epsilon,
                delta,
                k: vrs_core::disclosure::noise_display_bound(self.k, self.epsilon, delta),
            })
        } else {
            Policy::Threshold { k: self.k }
        }
    }
}

/// Why a release cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseRefusal {
    /// The period is still open or under embargo.
    #[error("period {period} closes on {closes}; it cannot be released before")]
    NotClosed {
        /// The period.
        period: String,
        /// When it closes.
        closes: String,
    },
    /// A revision was asked twice.
    #[error("{table} {period} already has its one revision (version {version})")]
    RevisedAlready {
        /// Table.
        table: String,
        /// Period.
        period: String,
        /// Held version.
        version: u32,
    },
    /// A revision of a period that was never released.
    #[error("{table} {period} has no release to revise")]
    NothingToRevise {
        /// Table.
        table: String,
        /// Period.
        period: String,
    },
    /// The privacy budget does not allow it.
    #[error("{0}")]
    Budget(String),
    /// Building failed.
    #[error("{0}")]
    Build(String),
    /// The store could not be read (or holds what does not read back): the node's
    /// fault, not the caller's.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// Signs `payload` as a DSSE envelope with the node key.
pub fn dsse_sign(signer: &NoteSigner, payload_type: &str, payload: Vec<u8>) -> Envelope {
    let sig = signer.sign(&pae(payload_type, &payload));
    Envelope {
        payload,
        payload_type: payload_type.into(),
        signatures: vec![Signature {
            keyid: signer.name().into(),
            sig: sig.to_vec(),
        }],
    }
}

/// Context of one release computation.
pub struct ReleaseJob<'a> {
    /// The node's State.
    pub state: &'a str,
    /// The node key.
    pub signer: &'a NoteSigner,
    /// Policy.
    pub settings: &'a ReleaseSettings,
    /// The latest signed checkpoint note.
    pub checkpoint: &'a str,
    /// Now.
    pub now: Timestamp,
}

/// A release made and not yet stored, with the budget it spends.
pub type Made = (ReleaseRecord, Vec<u8>, Option<SpendRecord>);

/// What one release request made: the releases, and what their threshold tables
/// withheld (kept privately for the audit of a revision).
#[derive(Debug, Default)]
pub struct PeriodMade {
    /// The releases made.
    pub made: Vec<Made>,
    /// The period, version and withheld values, when anything was made.
    pub withheld: Option<(String, u32, Withheld)>,
    /// For the metrics, per release made: its table, the cells it withheld a value of,
    /// and the ε it spent.
    pub counts: Vec<(String, u64, f64)>,
}

/// Stores what a release request made: all of it, or (on any refusal) none of it.
pub fn store_made(batch: &mut Batch<'_>, made: PeriodMade) -> Result<(), ReleaseRefusal> {
    for (rec, bytes, spend) in made.made {
        let seq = batch
            .put_release(&rec, &bytes)
            .map_err(|e| ReleaseRefusal::Build(e.to_string()))?;
        if let Some(s) = spend {
            batch.put_spend(&rec.period, seq, &s);
        }
    }
    if let Some((period, version, withheld)) = made.withheld {
        batch.put_withheld(&period, version, &withheld);
    }
    Ok(())
}

fn record_of(
    state: &str,
    table: TableId,
    period: &str,
    version: u32,
    bytes: &[u8],
    reciprocity: Reciprocity,
) -> ReleaseRecord {
    ReleaseRecord {
        origin: state.into(),
        table: table.code().into(),
        period: period.into(),
        version,
        digest: vrs_core::sha256(bytes),
        size: bytes.len() as u64,
        reciprocity,
    }
}

/// The latest held release of each table of `state` for `period`: (table, version,
/// envelope bytes).
fn held_of(
    state: &str,
    store: &Store,
    period: &str,
) -> Result<Vec<(TableId, u32, Vec<u8>)>, ReleaseRefusal> {
    let mut held = Vec::new();
    for table in TableId::ALL {
        if let Some((version, bytes)) = store
            .latest_release(state, table.code(), period)
            .map_err(ReleaseRefusal::Storage)?
        {
            held.push((table, version, bytes));
        }
    }
    Ok(held)
}

/// The manifest records of what [`held_of`] found, each with its signed policy.
fn held_records(
    state: &str,
    period: &str,
    held: &[(TableId, u32, Vec<u8>)],
) -> Result<Vec<ReleaseRecord>, ReleaseRefusal> {
    held.iter()
        .map(|(t, v, bytes)| {
            let reciprocity =
                crate::reciprocity::policy_of(bytes).map_err(ReleaseRefusal::Storage)?;
            Ok(record_of(state, *t, period, *v, bytes, reciprocity))
        })
        .collect()
}

/// Releases every table of `period` together (version 1, or the revision when
/// `revise`), or returns the stored releases when version 1 exists and no revision is
/// asked: release-once. The threshold tables are audited as one system
/// ([`vrs_core::release::build_period`]); a revision is audited with version 1 and the
/// values it withheld. Noise tables spend the budget, checked first.
pub fn release_period(
    job: &ReleaseJob<'_>,
    store: &Store,
    tables: &Tables,
    period: Period,
    revise: bool,
) -> Result<(Vec<ReleaseRecord>, PeriodMade), ReleaseRefusal> {
    let storage = ReleaseRefusal::Storage;
    let build = |e: vrs_core::release::ReleaseError| ReleaseRefusal::Build(e.to_string());
    let p = period.to_string();
    let held = held_of(job.state, store, &p)?;
    let code = |t: TableId| t.code().to_owned();
    match (held.first(), revise) {
        (Some(_), false) => {
            let records = held_records(job.state, &p, &held)?;
            return Ok((records, PeriodMade::default()));
        }
        (None, true) => {
            return Err(ReleaseRefusal::NothingToRevise {
                table: code(TableId::ALL[0]),
                period: p,
            });
        }
        _ => {}
    }
    if let Some((t, v, _)) = held.iter().find(|(_, v, _)| *v >= 2) {
        return Err(ReleaseRefusal::RevisedAlready {
            table: code(*t),
            period: p,
            version: *v,
        });
    }
    let earlier: Vec<Release> = held
        .iter()
        .map(|(_, _, bytes)| {
            let env = Envelope::from_entry_bytes(bytes)
                .map_err(|e| ReleaseRefusal::Build(e.to_string()))?;
            vrs_core::release::open_release(&env, job.signer.public_key()).map_err(build)
        })
        .collect::<Result<_, _>>()?;
    let earlier_withheld = match revise {
        true => store.withheld(&p, 1).map_err(storage)?.unwrap_or_default(),
        false => Withheld::default(),
    };
    let version = if revise { 2 } else { 1 };
    let origin = Iso3::new(job.state).ok_or_else(|| ReleaseRefusal::Build("bad State".into()))?;
    let meta = ReleaseMeta {
        origin,
        table: TableId::ALL[0],
        period,
        version,
        code_list_version: CODE_LIST_VERSION.into(),
        checkpoint: ReleaseCheckpoint::from_note(job.checkpoint)
            .map_err(|e| ReleaseRefusal::Build(e.to_string()))?,
        computed_at: job.now.clone(),
        reciprocity: job.settings.reciprocity,
    };
    let policies: BTreeMap<TableId, Policy> = TableId::ALL
        .into_iter()
        .map(|t| (t, job.settings.policy(t)))
        .collect();
    // The budget: every noisy table of this request together with the ledger.
    let mut spent: Vec<Spend> = store
        .spends(&p)
        .map_err(storage)?
        .into_iter()
        .map(|s| {
            // A spend that does not read back is an error, never dropped: dropping it
            // would let the next release spend that budget again.
            let unreadable = || {
                storage(crate::storage::StorageError::Corrupt {
                    key: "B".into(),
                    reason: format!(
                        "budget entry of {} with ε {}/{} does not read back",
                        s.table, s.epsilon_num, s.epsilon_den
                    ),
                })
            };
            Ok(Spend {
                table: TableId::parse(&s.table).map_err(|_| unreadable())?,
                period,
                epsilon: Epsilon::new(s.epsilon_num, s.epsilon_den).ok_or_else(unreadable)?,
            })
        })
        .collect::<Result<_, ReleaseRefusal>>()?;
    for (&table, policy) in &policies {
        if let Policy::Noise(params) = policy {
            let new = Spend {
                table,
                period,
                epsilon: params.epsilon,
            };
            can_spend(&spent, job.settings.budget_cap, &new)
                .map_err(|e| ReleaseRefusal::Budget(e.to_string()))?;
            spent.push(new);
        }
    }
    let out = build_period(
        &meta,
        &policies,
        tables,
        revise.then_some(EarlierVersion {
            releases: &earlier,
            withheld: &earlier_withheld,
        }),
        &mut SystemRng::new(),
    )
    .map_err(build)?;
    if let Some(a) = &out.audit {
        tracing::info!(
            period = %p,
            version,
            requirements = a.requirements,
            witnesses = a.witnesses,
            pinned_by_statuses = a.pinned_by_statuses,
            "disclosure audit passed"
        );
        if a.fallbacks > 0 {
            tracing::warn!(
                period = %p,
                version,
                fallbacks = a.fallbacks,
                "disclosure audit: values withheld as a last resort (whole linked measures); \
                 on data this sparse consider longer periods or the noise policy"
            );
        }
    }
    let mut records = Vec::with_capacity(out.releases.len());
    let mut made = Vec::with_capacity(out.releases.len());
    for release in &out.releases {
        let env = dsse_sign(
            job.signer,
            vrs_proto::RELEASE_PAYLOAD_TYPE,
            vrs_core::wire::encode_release(release),
        );
        let bytes = env.to_entry_bytes();
        let rec = record_of(
            job.state,
            release.table,
            &p,
            version,
            &bytes,
            release.reciprocity,
        );
        let spend = match release.policy {
            Policy::Noise(params) => Some(SpendRecord {
                table: release.table.code().into(),
                mechanism: "discrete-laplace".into(),
                epsilon_num: params.epsilon.num(),
                epsilon_den: params.epsilon.den(),
                digest: rec.digest,
            }),
            Policy::Threshold { .. } => None,
        };
        records.push(rec.clone());
        made.push((rec, bytes, spend));
    }
    Ok((
        records,
        PeriodMade {
            made,
            withheld: Some((p, version, out.withheld)),
            counts: out.releases.iter().map(count).collect(),
        },
    ))
}

/// What the metrics count of a release: its table, its cells with a value withheld
/// (suppressed or confidential), the ε it spent.
fn count(release: &vrs_core::release::Release) -> (String, u64, f64) {
    let withheld = release
        .cells
        .iter()
        .filter(|c| {
            c.observations.iter().any(|o| {
                o.value.is_none() && o.conf_status != vrs_core::disclosure::ConfStatus::Free
            })
        })
        .count() as u64;
    let epsilon = match release.policy {
        Policy::Noise(params) => f64::from(params.epsilon.num()) / f64::from(params.epsilon.den()),
        Policy::Threshold { .. } => 0.0,
    };
    (release.table.code().to_owned(), withheld, epsilon)
}

/// Whether `period` may be released on `today`.
pub fn check_closed(
    period: &Period,
    today: vrs_core::codes::Date,
    embargo_days: u32,
) -> Result<(), ReleaseRefusal> {
    if period.is_closed(today, embargo_days) {
        Ok(())
    } else {
        Err(ReleaseRefusal::NotClosed {
            period: period.to_string(),
            closes: period
                .closes_at(embargo_days)
                .map_or_else(|| "never".into(), |d| d.to_string()),
        })
    }
}
