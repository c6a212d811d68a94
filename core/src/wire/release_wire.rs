//! Conversions of [`crate::release::Release`] from and to `vrs.v1.Release`.

use prost::Message;
use vrs_proto::v1 as pb;

use crate::aggregate::{CellKey, Measure, Period, TableId};
use crate::codes::CODE_LIST_VERSION;
use crate::disclosure::{ConfStatus, Epsilon, NoiseParams, ObsStatus, Policy};
use crate::release::{
    AuditInfo, MAX_RELEASE_VERSION, Observation, Reciprocity, Release, ReleaseCell,
    ReleaseCheckpoint, ReleaseError,
};
use crate::report::{Iso3, Timestamp};

/// Largest accepted release payload, in bytes (a noise release of MOVEMENTS with
/// k = 0 lists 252,004 cells, about 12 MiB).
pub const MAX_RELEASE_BYTES: usize = 32 * 1024 * 1024;

/// Serialises `release` (the bytes its origin signs).
pub fn encode_release(release: &Release) -> Vec<u8> {
    pb::Release::from(release).encode_to_vec()
}

/// Decodes a release payload and checks every rule of [`TryFrom<pb::Release>`]. Like
/// reports, payloads carrying fields outside the schema are refused.
pub fn decode_release(payload: &[u8]) -> Result<Release, ReleaseError> {
    if payload.len() > MAX_RELEASE_BYTES {
        return Err(ReleaseError::Decode(format!(
            "payload of {} bytes exceeds the limit of {MAX_RELEASE_BYTES}",
            payload.len()
        )));
    }
    let msg = pb::Release::decode(payload).map_err(|e| ReleaseError::Decode(e.to_string()))?;
    if msg.encoded_len() < payload.len() {
        return Err(ReleaseError::Decode(format!(
            "{} bytes of fields that vrs.v1.Release does not define (or a non-canonical encoding)",
            payload.len() - msg.encoded_len()
        )));
    }
    Release::try_from(msg)
}

/// Only the fields of a `vrs.v1.Release` that say who may be served it (every other
/// field is skipped), so that a node can decide without decoding a release's cells.
#[derive(Clone, PartialEq, prost::Message)]
struct ScopeOnly {
    #[prost(string, tag = "1")]
    origin: String,
    #[prost(string, tag = "3")]
    period: String,
    #[prost(message, optional, tag = "12")]
    reciprocity: Option<pb::ReciprocityPolicy>,
}

/// Who may be served a release: its origin, period and signed reciprocity policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseScope {
    /// The origin State, as the payload says.
    pub origin: String,
    /// The SDMX period, as the payload says.
    pub period: String,
    /// The policy.
    pub reciprocity: Reciprocity,
}

/// The [`ReleaseScope`] of a release payload whose signature has been verified (or that
/// this node stored after verifying it), without decoding its cells.
pub fn release_scope(payload: &[u8]) -> Result<ReleaseScope, ReleaseError> {
    let m = ScopeOnly::decode(payload).map_err(|e| ReleaseError::Decode(e.to_string()))?;
    Ok(ReleaseScope {
        reciprocity: reciprocity(m.reciprocity.as_ref())?,
        origin: m.origin,
        period: m.period,
    })
}

impl From<&Release> for pb::Release {
    fn from(r: &Release) -> pb::Release {
        let policy = match r.policy {
            Policy::Threshold { k } => pb::PolicyParameters {
                policy: pb::Policy::Threshold as i32,
                k,
                ..Default::default()
            },
            Policy::Noise(p) => pb::PolicyParameters {
                policy: pb::Policy::Noise as i32,
                k: p.k,
                epsilon_num: p.epsilon.num(),
                epsilon_den: p.epsilon.den(),
                delta: p.delta,
            },
        };
        pb::Release {
            origin: r.origin.as_str().to_owned(),
            table: r.table.code().to_owned(),
            period: r.period.to_string(),
            version: r.version,
            policy: Some(policy),
            code_list_version: r.code_list_version.clone(),
            dimensions: r.dimension_ids().into_iter().map(str::to_owned).collect(),
            cells: r
                .cells
                .iter()
                .map(|c| pb::Cell {
                    key: c.key.codes().iter().map(|s| (*s).to_owned()).collect(),
                    observations: c
                        .observations
                        .iter()
                        .map(|o| pb::Observation {
                            measure: o.measure.code().to_owned(),
                            value: o.value,
                            obs_status: o.obs_status.code().to_owned(),
                            conf_status: o.conf_status.code().to_owned(),
                        })
                        .collect(),
                })
                .collect(),
            checkpoint: Some(pb::SignedCheckpoint {
                note: r.checkpoint.note.clone(),
                size: r.checkpoint.size,
                root_hash: r.checkpoint.root_hash.to_vec(),
                origin: r.checkpoint.origin.clone(),
            }),
            computed_at: r.computed_at.as_str().to_owned(),
            audit: r.audit.as_ref().map(|a| pb::AuditParameters {
                model: a.model.clone(),
                method: a.method.clone(),
                measure_margin: a.measure_margin,
                linked_tables: a
                    .linked_tables
                    .iter()
                    .map(|t| t.code().to_owned())
                    .collect(),
                with_version: a.with_version,
                witnesses: a.witnesses,
                requirements: a.requirements,
                median_rule: a.median_rule.clone(),
            }),
            // NONE is the absent field, so releases built before it keep their bytes.
            reciprocity: match r.reciprocity {
                Reciprocity::None => None,
                Reciprocity::Period {
                    include_secretariats,
                } => Some(pb::ReciprocityPolicy {
                    mode: pb::ReciprocityMode::Period as i32,
                    include_secretariats,
                }),
            },
        }
    }
}

/// The release's reciprocity policy: absent is [`Reciprocity::None`]; present, its mode
/// must be one this node knows (a present but unspecified one is refused, so that every
/// policy has one encoding).
fn reciprocity(r: Option<&pb::ReciprocityPolicy>) -> Result<Reciprocity, ReleaseError> {
    let Some(r) = r else {
        return Ok(Reciprocity::None);
    };
    match pb::ReciprocityMode::try_from(r.mode) {
        Ok(pb::ReciprocityMode::Period) => Ok(Reciprocity::Period {
            include_secretariats: r.include_secretariats,
        }),
        Ok(pb::ReciprocityMode::Unspecified) => Err(invalid(
            "reciprocity.mode",
            "unspecified (a release served to everyone omits the field)",
        )),
        Err(_) => Err(invalid(
            "reciprocity.mode",
            format!("{} is not a mode this node knows", r.mode),
        )),
    }
}

fn audit(
    policy: &Policy,
    version: u32,
    a: Option<pb::AuditParameters>,
) -> Result<Option<AuditInfo>, ReleaseError> {
    let a = match (policy, a) {
        (Policy::Noise(_), None) => return Ok(None),
        (Policy::Noise(_), Some(_)) => {
            return Err(invalid("audit", "a noise release has no audit"));
        }
        (Policy::Threshold { .. }, None) => {
            return Err(invalid("audit", "a threshold release records its audit"));
        }
        (Policy::Threshold { .. }, Some(a)) => a,
    };
    let text = |f: &str, v: &str| {
        if v.is_empty() || v.len() > 200 || v.chars().any(char::is_control) {
            Err(invalid(
                format!("audit.{f}"),
                "1 to 200 printable characters",
            ))
        } else {
            Ok(())
        }
    };
    text("model", &a.model)?;
    text("method", &a.method)?;
    if !a.median_rule.is_empty() {
        text("median_rule", &a.median_rule)?;
    }
    if a.with_version >= version {
        return Err(invalid("audit.with_version", "must be an earlier version"));
    }
    let mut linked = Vec::with_capacity(a.linked_tables.len());
    for (i, t) in a.linked_tables.iter().enumerate() {
        let t = TableId::parse(t)
            .map_err(|e| invalid(format!("audit.linked_tables[{i}]"), e.to_string()))?;
        if linked.last().is_some_and(|p| *p >= t) {
            return Err(invalid(
                format!("audit.linked_tables[{i}]"),
                "tables not in strictly increasing order",
            ));
        }
        linked.push(t);
    }
    Ok(Some(AuditInfo {
        model: a.model,
        method: a.method,
        measure_margin: a.measure_margin,
        linked_tables: linked,
        with_version: a.with_version,
        witnesses: a.witnesses,
        requirements: a.requirements,
        median_rule: a.median_rule,
    }))
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ReleaseError {
    ReleaseError::invalid(field, message)
}

fn policy(p: Option<&pb::PolicyParameters>) -> Result<Policy, ReleaseError> {
    let p = p.ok_or_else(|| invalid("policy", "required"))?;
    match pb::Policy::try_from(p.policy) {
        Ok(pb::Policy::Threshold) => {
            if p.k == 0 {
                return Err(invalid("policy.k", "must be at least 1"));
            }
            if p.epsilon_num != 0 || p.epsilon_den != 0 || p.delta != 0 {
                return Err(invalid("policy", "threshold takes no epsilon or delta"));
            }
            Ok(Policy::Threshold { k: p.k })
        }
        Ok(pb::Policy::Noise) => {
            let epsilon = Epsilon::new(p.epsilon_num, p.epsilon_den)
                .ok_or_else(|| invalid("policy.epsilon_num", "epsilon must be positive"))?;
            if p.delta == 0 {
                return Err(invalid("policy.delta", "must be at least 1"));
            }
            Ok(Policy::Noise(NoiseParams {
                epsilon,
                delta: p.delta,
                k: p.k,
            }))
        }
        _ => Err(invalid("policy.policy", "unknown or unspecified policy")),
    }
}

fn observation(
    f: &str,
    policy: &Policy,
    expected: Measure,
    o: &pb::Observation,
) -> Result<Observation, ReleaseError> {
    if o.measure != expected.code() {
        return Err(invalid(
            format!("{f}.measure"),
            format!(
                "expected {expected}, got {:?}",
                crate::validate::shown(&o.measure)
            ),
        ));
    }
    let obs_status = ObsStatus::from_code(&o.obs_status)
        .ok_or_else(|| invalid(format!("{f}.obs_status"), "unknown OBS_STATUS"))?;
    let conf_status = ConfStatus::from_code(&o.conf_status)
        .ok_or_else(|| invalid(format!("{f}.conf_status"), "unknown CONF_STATUS"))?;
    let consistent = match (o.value, obs_status, conf_status) {
        (Some(_), ObsStatus::Normal, ConfStatus::Free) => true,
        (None, ObsStatus::Suppressed, s) => s != ConfStatus::Free,
        (None, ObsStatus::Missing, ConfStatus::Free) => !expected.is_count(),
        _ => false,
    };
    if !consistent {
        return Err(invalid(
            f,
            "value and flags disagree (a value is A/F; a withheld one Q with A, D or C; M only for a median)",
        ));
    }
    // The receiver's own check that nothing below k left the origin.
    if let (Policy::Threshold { k }, Some(v)) = (policy, o.value)
        && expected.is_count()
        && (v < 0 || (v > 0 && v < i64::from(*k)))
    {
        return Err(invalid(
            format!("{f}.value"),
            format!("{v} is published under threshold k = {k}"),
        ));
    }
    Ok(Observation {
        measure: expected,
        value: o.value,
        obs_status,
        conf_status,
    })
}

impl TryFrom<pb::Release> for Release {
    type Error = ReleaseError;

    /// Checks a release message: known origin, table, period and policy; version 1
    /// or 2; this node's code lists (another version is refused, not guessed); the
    /// table's dimension ids; cell keys from the code lists, strictly increasing;
    /// one observation per measure in table order with consistent flags; no count
    /// between 1 and k−1 published under threshold; a checkpoint whose fields agree
    /// with its note; an RFC 3339 `computed_at`.
    fn try_from(m: pb::Release) -> Result<Release, ReleaseError> {
        let origin = Iso3::parse(&m.origin).map_err(|e| invalid("origin", e.to_string()))?;
        let table = TableId::parse(&m.table).map_err(|e| invalid("table", e.to_string()))?;
        let period = Period::parse(&m.period).map_err(|e| invalid("period", e.to_string()))?;
        if m.version == 0 || m.version > MAX_RELEASE_VERSION {
            return Err(invalid(
                "version",
                format!("must be 1 to {MAX_RELEASE_VERSION}"),
            ));
        }
        let policy = policy(m.policy.as_ref())?;
        if m.code_list_version != CODE_LIST_VERSION {
            return Err(ReleaseError::CodeListVersion {
                found: crate::validate::shown(&m.code_list_version),
                expected: CODE_LIST_VERSION,
            });
        }
        let ids: Vec<&str> = table.dimensions().iter().map(|d| d.id).collect();
        if m.dimensions != ids {
            return Err(invalid(
                "dimensions",
                format!("{table} has dimensions {ids:?}"),
            ));
        }
        let measures = table.measures();
        let mut cells: Vec<ReleaseCell> = Vec::with_capacity(m.cells.len());
        for (i, c) in m.cells.iter().enumerate() {
            let f = format!("cells[{i}]");
            let key = CellKey::parse(table, &c.key)
                .map_err(|e| invalid(format!("{f}.key"), e.to_string()))?;
            if cells.last().is_some_and(|prev| prev.key >= key) {
                return Err(invalid(
                    format!("{f}.key"),
                    "cells not in strictly increasing key order",
                ));
            }
            if c.observations.len() != measures.len() {
                return Err(invalid(
                    format!("{f}.observations"),
                    format!("{table} cells have {} observations", measures.len()),
                ));
            }
            let observations = c
                .observations
                .iter()
                .zip(measures)
                .enumerate()
                .map(|(j, (o, &mm))| observation(&format!("{f}.observations[{j}]"), &policy, mm, o))
                .collect::<Result<Vec<_>, _>>()?;
            cells.push(ReleaseCell { key, observations });
        }
        let cp = m
            .checkpoint
            .ok_or_else(|| invalid("checkpoint", "required"))?;
        let checkpoint = ReleaseCheckpoint::from_note(cp.note)
            .map_err(|e| invalid("checkpoint.note", e.to_string()))?;
        if checkpoint.size != cp.size
            || checkpoint.root_hash.as_slice() != cp.root_hash.as_slice()
            || checkpoint.origin != cp.origin
        {
            return Err(invalid(
                "checkpoint",
                "size, root hash or origin differ from the note",
            ));
        }
        let computed_at =
            Timestamp::parse(&m.computed_at).map_err(|e| invalid("computed_at", e.to_string()))?;
        let audit = audit(&policy, m.version, m.audit)?;
        let reciprocity = reciprocity(m.reciprocity.as_ref())?;
        Ok(Release {
            audit,
            reciprocity,
            origin,
            table,
            period,
            version: m.version,
            policy,
            code_list_version: m.code_list_version,
            checkpoint,
            computed_at,
            cells,
        })
    }
}
