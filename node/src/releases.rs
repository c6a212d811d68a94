//! Releases: what a node may show the world. For a closed period, each table's cells
//! go through the table's disclosure-control policy, are tied to the node's latest
//! signed checkpoint, signed by the node key (DSSE) and stored once; every later
//! request gets those stored bytes.

use std::collections::BTreeSet;

use vrs_core::aggregate::{Caps, Granularity, Period, TableId, Tables};
use vrs_core::codes::{CODE_LIST_VERSION, Timestamp};
use vrs_core::disclosure::{Epsilon, NoiseParams, Policy, Spend, SystemRng, can_spend};
use vrs_core::envelope::{Envelope, Signature, pae};
use vrs_core::note::NoteSigner;
use vrs_core::release::{Release, ReleaseCheckpoint, ReleaseMeta, build_release};
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
            Policy::Noise(NoiseParams {
                epsilon: self.epsilon,
                delta: self.caps.delta(table).unwrap_or(1).max(1),
                k: self.k,
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

/// Stores what a release request made: all of it, or (on any refusal) none of it.
pub fn store_made(batch: &mut Batch<'_>, made: Vec<Made>) -> Result<(), ReleaseRefusal> {
    for (rec, bytes, spend) in made {
        let seq = batch
            .put_release(&rec, &bytes)
            .map_err(|e| ReleaseRefusal::Build(e.to_string()))?;
        if let Some(s) = spend {
            batch.put_spend(&rec.period, seq, &s);
        }
    }
    Ok(())
}

/// Releases `table` for `period` (version 1, or the revision when `revise`) into
/// `made`, or returns the stored release when version 1 exists and no revision is
/// asked: release-once. Budget checks count what `made` already spends.
pub fn release_table(
    job: &ReleaseJob<'_>,
    store: &Store,
    made: &mut Vec<Made>,
    tables: &Tables,
    table: TableId,
    period: Period,
    revise: bool,
) -> Result<ReleaseRecord, ReleaseRefusal> {
    let storage = |e: crate::storage::StorageError| ReleaseRefusal::Build(e.to_string());
    let p = period.to_string();
    let held = store
        .latest_release(job.state, table.code(), &p)
        .map_err(storage)?;
    let previous = match (&held, revise) {
        (Some((version, bytes)), false) => {
            return Ok(ReleaseRecord {
                origin: job.state.into(),
                table: table.code().into(),
                period: p,
                version: *version,
                digest: vrs_core::sha256(bytes),
                size: bytes.len() as u64,
            });
        }
        (None, true) => {
            return Err(ReleaseRefusal::NothingToRevise {
                table: table.code().into(),
                period: p,
            });
        }
        (Some((v, _)), true) if *v >= 2 => {
            return Err(ReleaseRefusal::RevisedAlready {
                table: table.code().into(),
                period: p,
                version: *v,
            });
        }
        (Some((_, bytes)), true) => {
            let env = Envelope::from_entry_bytes(bytes)
                .map_err(|e| ReleaseRefusal::Build(e.to_string()))?;
            Some(
                vrs_core::release::open_release(&env, job.signer.public_key())
                    .map_err(|e| ReleaseRefusal::Build(e.to_string()))?,
            )
        }
        (None, false) => None,
    };
    let version = if revise { 2 } else { 1 };
    let origin = Iso3::new(job.state).ok_or_else(|| ReleaseRefusal::Build("bad State".into()))?;
    let meta = ReleaseMeta {
        origin,
        table,
        period,
        version,
        code_list_version: CODE_LIST_VERSION.into(),
        checkpoint: ReleaseCheckpoint::from_note(job.checkpoint)
            .map_err(|e| ReleaseRefusal::Build(e.to_string()))?,
        computed_at: job.now.clone(),
    };
    let policy = job.settings.policy(table);
    if let Policy::Noise(params) = policy {
        let spent = store
            .spends(&p)
            .map_err(storage)?
            .into_iter()
            .filter_map(|s| {
                Some(Spend {
                    table: TableId::parse(&s.table).ok()?,
                    period,
                    epsilon: Epsilon::new(s.epsilon_num, s.epsilon_den)?,
                })
            })
            .chain(made.iter().filter_map(|(_, _, s)| {
                let s = s.as_ref()?;
                Some(Spend {
                    table: TableId::parse(&s.table).ok()?,
                    period,
                    epsilon: Epsilon::new(s.epsilon_num, s.epsilon_den)?,
                })
            }))
            .collect::<Vec<_>>();
        can_spend(
            &spent,
            job.settings.budget_cap,
            &Spend {
                table,
                period,
                epsilon: params.epsilon,
            },
        )
        .map_err(|e| ReleaseRefusal::Budget(e.to_string()))?;
    }
    let release: Release = build_release(
        meta,
        policy,
        tables,
        previous.as_ref(),
        &mut SystemRng::new(),
    )
    .map_err(|e| ReleaseRefusal::Build(e.to_string()))?;
    let env = dsse_sign(
        job.signer,
        vrs_proto::RELEASE_PAYLOAD_TYPE,
        vrs_core::wire::encode_release(&release),
    );
    let bytes = env.to_entry_bytes();
    let rec = ReleaseRecord {
        origin: job.state.into(),
        table: table.code().into(),
        period: p.clone(),
        version,
        digest: vrs_core::sha256(&bytes),
        size: bytes.len() as u64,
    };
    let spend = match policy {
        Policy::Noise(params) => Some(SpendRecord {
            table: table.code().into(),
            mechanism: "discrete-laplace".into(),
            epsilon_num: params.epsilon.num(),
            epsilon_den: params.epsilon.den(),
            digest: rec.digest,
        }),
        Policy::Threshold { .. } => None,
    };
    made.push((rec.clone(), bytes, spend));
    Ok(rec)
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
