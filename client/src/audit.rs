//! Auditing a node's log from the outside: keep the last checkpoint seen of each log,
//! and check that every newer checkpoint extends it (RFC 9162 consistency proof).
//!
//! The last checkpoint seen is a file per log under the state directory:
//! `<state_dir>/checkpoints/<origin with / as _>+<key id>.checkpoint`, holding the signed
//! note as the node served it. Two checkpoints of one log signed by its key that are
//! not consistent are proof that the log was rewritten or forked; when that is found
//! the new note is kept next to the old one (`….inconsistent-<size>`) as evidence,
//! and the old one is not replaced.

use std::path::{Path, PathBuf};

use vrs_core::note::{NoteVerifier, SignedCheckpoint, Verifiers, open_checkpoint};

use crate::client::{Client, ClientError};

/// Why an audit could not be carried out (as opposed to finding an inconsistency).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The call failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The verifier key is not valid.
    #[error("verifier key {vkey:?}: {message}")]
    Key {
        /// The key.
        vkey: String,
        /// Why.
        message: String,
    },
    /// The local state could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The kept checkpoint does not open with the key (corrupt or for another key).
    #[error("{} does not hold a checkpoint signed by this key: {message}", .path.display())]
    Stored {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// What an audit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No checkpoint of this log had been seen; this one is kept.
    FirstSeen,
    /// Same checkpoint as last time.
    Unchanged,
    /// The log grew, consistently with the last checkpoint seen.
    Consistent,
    /// The log is not consistent with the last checkpoint seen (or its checkpoint is not
    /// signed by its key): the reason.
    Inconsistent(String),
}

/// The result of auditing one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// The log's origin.
    pub origin: String,
    /// Size of the last checkpoint seen before (none the first time).
    pub previous_size: Option<u64>,
    /// Size of the checkpoint served now.
    pub size: u64,
    /// What was found.
    pub outcome: Outcome,
    /// The file that keeps the last checkpoint seen.
    pub kept: PathBuf,
    /// Where the conflicting checkpoint was saved, for an inconsistency.
    pub evidence: Option<PathBuf>,
}

/// Why a checkpoint a node served is not good.
#[derive(Debug, thiserror::Error)]
pub enum ServedError {
    /// The verifier key is not valid.
    #[error("verifier key {vkey:?}: {message}")]
    Key {
        /// The key.
        vkey: String,
        /// Why.
        message: String,
    },
    /// The note does not verify with the key.
    #[error("the node's checkpoint does not verify with the profile's vkey: {0}")]
    Signature(String),
    /// The fields of the answer are not those of the signed note.
    #[error("the node's checkpoint fields disagree with its signed note")]
    Fields,
}

/// Opens the checkpoint a node served with its verifier key `vkey`, and checks that
/// the answer's size and root are the signed note's.
pub fn open_served(
    cp: &vrs_proto::v1::SignedCheckpoint,
    vkey: &str,
) -> Result<SignedCheckpoint, ServedError> {
    let vs = Verifiers::from_vkeys([vkey]).map_err(|e| ServedError::Key {
        vkey: vkey.to_owned(),
        message: e.to_string(),
    })?;
    let c = open_checkpoint(&cp.note, &vs).map_err(|e| ServedError::Signature(e.to_string()))?;
    if c.checkpoint.size != cp.size || c.checkpoint.root.as_slice() != cp.root_hash {
        return Err(ServedError::Fields);
    }
    Ok(c)
}

/// A witness's cosignature on a checkpoint note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's key name (a peer node's log name).
    pub name: String,
    /// When it cosigned (Unix seconds), as its signature line says.
    pub timestamp: u64,
}

/// The cosignature lines of a checkpoint note (the lines shaped as tlog-cosignatures:
/// a timestamp and a signature), in note order. Read, not verified: verifying one needs
/// its witness's key.
pub fn cosignatures(note: &str) -> Vec<Cosigned> {
    vrs_core::note::parse_note(note)
        .map(|n| {
            n.signatures
                .iter()
                .filter_map(|s| {
                    s.cosignature_timestamp().map(|timestamp| Cosigned {
                        name: s.name.clone(),
                        timestamp,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The file keeping the last checkpoint seen of the log signed by `v`.
pub fn kept_path(state_dir: &Path, v: &NoteVerifier) -> PathBuf {
    let name: String = v
        .name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    state_dir
        .join("checkpoints")
        .join(format!("{name}+{:08x}.checkpoint", v.key_id()))
}

/// Checks that `new` extends `old` with a consistency proof fetched from `client`.
/// `Ok(Err(reason))` is an inconsistency; `Err` a failed call.
pub async fn check_consistency(
    client: &Client,
    old: &SignedCheckpoint,
    new: &SignedCheckpoint,
) -> Result<Result<(), String>, ClientError> {
    let (o, n) = (&old.checkpoint, &new.checkpoint);
    if o.origin != n.origin {
        return Ok(Err(format!(
            "origin changed from {} to {}",
            o.origin, n.origin
        )));
    }
    if n.size < o.size {
        return Ok(Err(format!(
            "the log shrank: {} entries now, {} seen before",
            n.size, o.size
        )));
    }
    if n.size == o.size {
        return Ok(if n.root == o.root {
            Ok(())
        } else {
            Err(format!(
                "two different roots for tree size {} (a fork)",
                n.size
            ))
        });
    }
    let hashes = if o.size == 0 {
        Vec::new()
    } else {
        let proof = client.consistency_proof(o.size, n.size).await?;
        match proof
            .hashes
            .iter()
            .map(|h| <[u8; 32]>::try_from(h.as_slice()))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(h) => h,
            Err(_) => {
                return Ok(Err(
                    "the consistency proof has a hash that is not 32 bytes".into()
                ));
            }
        }
    };
    Ok(
        vrs_core::merkle::verify_consistency(o.size, n.size, &o.root, &n.root, &hashes)
            .map_err(|e| format!("tree {} does not extend tree {}: {e}", n.size, o.size)),
    )
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AuditError + '_ {
    move |source| AuditError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes `text` to `path` through a temporary file and a rename.
fn replace(path: &Path, text: &str) -> Result<(), AuditError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Audits the log of the node behind `client`, whose checkpoints are signed by `vkey`,
/// against the last checkpoint seen, kept under `state_dir`.
pub async fn audit(client: &Client, vkey: &str, state_dir: &Path) -> Result<Audit, AuditError> {
    let key_err = |message: String| AuditError::Key {
        vkey: vkey.to_owned(),
        message,
    };
    let verifier = NoteVerifier::parse(vkey).map_err(|e| key_err(e.to_string()))?;
    let verifiers = Verifiers::from_vkeys([vkey]).map_err(|e| key_err(e.to_string()))?;
    let kept = kept_path(state_dir, &verifier);

    let previous = match std::fs::read_to_string(&kept) {
        Ok(text) => Some(
            open_checkpoint(&text, &verifiers).map_err(|e| AuditError::Stored {
                path: kept.clone(),
                message: e.to_string(),
            })?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&kept)(e)),
    };
    let served = client.checkpoint().await?;
    let mut result = Audit {
        origin: verifier.name().to_owned(),
        previous_size: previous.as_ref().map(|p| p.checkpoint.size),
        size: served.size,
        outcome: Outcome::FirstSeen,
        kept: kept.clone(),
        evidence: None,
    };
    let current = match open_checkpoint(&served.note, &verifiers) {
        Ok(c) if c.checkpoint.origin == verifier.name() => c,
        Ok(c) => {
            result.outcome = Outcome::Inconsistent(format!(
                "the checkpoint's origin {} is not the log of key {}",
                c.checkpoint.origin,
                verifier.name()
            ));
            return Ok(result);
        }
        Err(e) => {
            result.outcome = Outcome::Inconsistent(format!(
                "the checkpoint served is not signed by {}: {e}",
                verifier.name()
            ));
            return Ok(result);
        }
    };
    result.size = current.checkpoint.size;
    let Some(previous) = previous else {
        replace(&kept, &served.note)?;
        return Ok(result);
    };
    match check_consistency(client, &previous, &current).await? {
        Ok(()) if current.checkpoint.size == previous.checkpoint.size => {
            result.outcome = Outcome::Unchanged;
        }
        Ok(()) => {
            replace(&kept, &served.note)?;
            result.outcome = Outcome::Consistent;
        }
        Err(reason) => {
            let mut name = kept.as_os_str().to_owned();
            name.push(format!(".inconsistent-{}", current.checkpoint.size));
            let evidence = PathBuf::from(name);
            replace(&evidence, &served.note)?;
            result.evidence = Some(evidence);
            result.outcome = Outcome::Inconsistent(reason);
        }
    }
    Ok(result)
}
