//! The outbox of `vrs submit`: a local journal of every record signed for sending, kept
//! per profile under the client's state directory (`<state>/outbox/<profile>.jsonl`).
//!
//! A record is journalled, with the exact envelope it will send, **before** it is sent,
//! and the journal is synced to disk first (a bulk file's records are staged and synced
//! once, before the first of them is sent: [`Outbox::stage`], [`Outbox::sync`]). A record is known by its key: the file it
//! came from, its line and its content ([`key`]). A rerun of the same file (after Ctrl-C,
//! a crash, a network failure or with the node down) therefore sends the same bytes
//! again for every record already journalled: the node answers bytes it has logged with
//! the original receipt (a duplicate), and logs the others once. So a report is never
//! logged twice because a file was submitted twice, even when the file gives no
//! `report_id`.
//!
//! The journal is append-only JSON lines: `{"queued": {...}}` when a record is signed,
//! `{"sent": {"key": …, "index": …}}` when the node acknowledged it. A torn last line
//! (a crash while writing) is cut off on opening; any other unreadable line is an error.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use prost::Message as _;
use serde::{Deserialize, Serialize};
use vrs_proto::v1 as pb;

/// An outbox that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The file system failed.
    #[error("outbox {}: {source}", path.display())]
    Io {
        /// The journal.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A line other than the last does not parse.
    #[error("outbox {}: line {line} is not a journal entry", path.display())]
    Corrupt {
        /// The journal.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
}

/// One record signed for sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    /// Its key ([`key`]).
    pub key: String,
    /// `file:line` it came from.
    pub source: String,
    /// Its report id.
    pub report_id: String,
    /// Its version.
    pub version: u32,
    /// The signed `vrs.v1.Envelope`, protobuf, base64.
    pub envelope: String,
}

impl Queued {
    /// A journal entry for `envelope`.
    pub fn new(
        key: String,
        source: String,
        report_id: String,
        version: u32,
        envelope: &pb::Envelope,
    ) -> Self {
        Queued {
            key,
            source,
            report_id,
            version,
            envelope: B64.encode(envelope.encode_to_vec()),
        }
    }

    /// The envelope to send (`None` if the entry's bytes do not decode).
    pub fn envelope(&self) -> Option<pb::Envelope> {
        let bytes = B64.decode(&self.envelope).ok()?;
        pb::Envelope::decode(bytes.as_slice()).ok()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Queued(Queued),
    Sent { key: String, index: u64 },
}

/// The key of a record: SHA-256 over its file's absolute path, its line and its JSON
/// form as read (keys sorted), hexadecimal.
pub fn key(file: &Path, line: usize, record: &serde_json::Value) -> String {
    let path = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let text = format!("{}\0{line}\0{record}", path.display());
    vrs_core::hex(&vrs_core::sha256(text.as_bytes()))
}

/// The journal of one profile.
pub struct Outbox {
    path: PathBuf,
    file: File,
    queued: HashMap<String, Queued>,
    order: Vec<String>,
    sent: HashMap<String, u64>,
}

impl Outbox {
    /// The journal of `profile` under `state_dir`.
    pub fn path_for(state_dir: &Path, profile: &str) -> PathBuf {
        state_dir.join("outbox").join(format!("{profile}.jsonl"))
    }

    /// Opens (creating if need be) the journal at `path`.
    pub fn open(path: &Path) -> Result<Outbox, OutboxError> {
        let io = |source| OutboxError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(e)),
        };
        let mut ob = Outbox {
            path: path.to_path_buf(),
            file: OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(io)?,
            queued: HashMap::new(),
            order: Vec::new(),
            sent: HashMap::new(),
        };
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            match serde_json::from_str::<Line>(l) {
                Ok(Line::Queued(q)) => ob.insert(q),
                Ok(Line::Sent { key, index }) => {
                    ob.sent.insert(key, index);
                }
                // A torn last line: the write that a crash cut short.
                Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
                Err(_) => {
                    return Err(OutboxError::Corrupt {
                        path: path.to_path_buf(),
                        line: i + 1,
                    });
                }
            }
        }
        if !text.is_empty() && !text.ends_with('\n') {
            // Cut the torn line off, so that later entries follow whole lines.
            let keep = text.rfind('\n').map_or(0, |i| i + 1);
            ob.file.set_len(keep as u64).map_err(io)?;
        }
        Ok(ob)
    }

    fn insert(&mut self, q: Queued) {
        if !self.queued.contains_key(&q.key) {
            self.order.push(q.key.clone());
        }
        self.queued.insert(q.key.clone(), q);
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The record journalled under `key`.
    pub fn get(&self, key: &str) -> Option<&Queued> {
        self.queued.get(key)
    }

    /// The log index the node acknowledged the record under `key` at.
    pub fn sent(&self, key: &str) -> Option<u64> {
        self.sent.get(key).copied()
    }

    fn append(&mut self, line: &Line, sync: bool) -> Result<(), OutboxError> {
        let io = |source| OutboxError::Io {
            path: self.path.clone(),
            source,
        };
        let mut text = serde_json::to_string(line).unwrap_or_default();
        text.push('\n');
        self.file.write_all(text.as_bytes()).map_err(io)?;
        if sync {
            self.file.sync_data().map_err(io)?;
        }
        Ok(())
    }

    /// Journals a record before it is sent; on disk when this returns.
    pub fn queue(&mut self, q: Queued) -> Result<(), OutboxError> {
        self.append(&Line::Queued(q.clone()), true)?;
        self.insert(q);
        Ok(())
    }

    /// Journals a record, not yet on disk: a bulk file stages every record and then
    /// calls [`Outbox::sync`] once, before the first is sent (one fdatasync, not one per
    /// record). A record staged and not synced must not be sent.
    pub fn stage(&mut self, q: Queued) -> Result<(), OutboxError> {
        self.append(&Line::Queued(q.clone()), false)?;
        self.insert(q);
        Ok(())
    }

    /// Makes everything staged durable (fdatasync of the journal).
    pub fn sync(&mut self) -> Result<(), OutboxError> {
        self.file.sync_data().map_err(|source| OutboxError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Notes that the node acknowledged the record under `key` at `index`. Not synced:
    /// losing it only means the record is sent again, and answered as a duplicate.
    pub fn mark_sent(&mut self, key: &str, index: u64) -> Result<(), OutboxError> {
        self.append(
            &Line::Sent {
                key: key.to_owned(),
                index,
            },
            false,
        )?;
        self.sent.insert(key.to_owned(), index);
        Ok(())
    }

    /// Records journalled and not acknowledged, in the order they were journalled.
    pub fn pending(&self) -> Vec<&Queued> {
        self.order
            .iter()
            .filter(|k| !self.sent.contains_key(*k))
            .filter_map(|k| self.queued.get(k))
            .collect()
    }

    /// How many records were acknowledged.
    pub fn sent_count(&self) -> usize {
        self.order
            .iter()
            .filter(|k| self.sent.contains_key(*k))
            .count()
    }

    /// Deletes the journal.
    pub fn clear(self) -> Result<(), OutboxError> {
        std::fs::remove_file(&self.path).map_err(|source| OutboxError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(n: u8) -> pb::Envelope {
        pb::Envelope {
            payload: vec![n; 3],
            payload_type: "t".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_reopened_journal_knows_what_was_queued_and_sent_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = Outbox::path_for(dir.path(), "fp");
        let v = serde_json::json!({"a": 1});
        let (k1, k2) = (
            key(Path::new("f.json"), 1, &v),
            key(Path::new("f.json"), 2, &v),
        );
        assert_ne!(k1, k2, "the line is part of the key");
        assert_eq!(k1, key(Path::new("f.json"), 1, &v));
        let mut ob = Outbox::open(&path).unwrap();
        ob.queue(Queued::new(
            k1.clone(),
            "f.json:1".into(),
            "r1".into(),
            1,
            &env(1),
        ))
        .unwrap();
        ob.queue(Queued::new(
            k2.clone(),
            "f.json:2".into(),
            "r2".into(),
            1,
            &env(2),
        ))
        .unwrap();
        ob.mark_sent(&k1, 7).unwrap();
        drop(ob);
        // A crash while writing the next entry.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"queued\": {\"key\": \"x").unwrap();
        drop(f);

        let mut ob = Outbox::open(&path).unwrap();
        assert_eq!(ob.sent(&k1), Some(7));
        assert_eq!(ob.get(&k2).unwrap().envelope(), Some(env(2)));
        let pending: Vec<&str> = ob.pending().iter().map(|q| q.source.as_str()).collect();
        assert_eq!(pending, ["f.json:2"]);
        ob.mark_sent(&k2, 8).unwrap();
        drop(ob);
        let ob = Outbox::open(&path).unwrap();
        assert!(ob.pending().is_empty());
        assert_eq!(ob.sent_count(), 2);

        std::fs::write(&path, "garbage\n{}\n").unwrap();
        assert!(matches!(
            Outbox::open(&path),
            Err(OutboxError::Corrupt { line: 1, .. })
        ));
    }
}
