//! Signing and sending reports, as every front end does it (`vrs submit`, `vrs amend`,
//! `vrs retract`, the web workspace): the signer of a profile, the fields it fills in,
//! validation by the node's rules and signing, the amendment and retraction of a logged
//! version, and the receipt saved and verified.

use std::path::{Path, PathBuf};

use prost::Message as _;
use serde_json::{Value, json};
use vrs_core::envelope::{Envelope, SigningKey};
use vrs_proto::v1 as pb;

use crate::client::{Client, ClientError};
use crate::credentials::{CredentialError, Need};
use crate::profile::{Profile, ProfileError};
use crate::reportjson;

/// Why a profile cannot sign.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// The certificate or key is not usable, or is not a focal point's.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// The profile names no signing key (or no certificate).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The signing key file cannot be read.
    #[error(transparent)]
    Key(#[from] crate::keyfile::KeyFileError),
    /// The certificate or key file cannot be read.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Who signs: the signing key of the profile and the identity of its certificate.
pub struct Signer {
    /// The signing key.
    pub key: SigningKey,
    /// The certificate's State, if it names one.
    pub state: Option<String>,
    /// The certificate's focal-point id, if it is a focal point's.
    pub focal_point_id: Option<String>,
}

impl Signer {
    /// The signer of the profile: its certificate must be a focal point's.
    pub fn load(p: &Profile) -> Result<Self, SignerError> {
        let credentials = crate::client::check_credentials(p)?;
        credentials.require(Need::FocalPoint, "signing reports")?;
        let key = crate::keyfile::read(p.require_signing_key()?)?;
        let (state, focal_point_id) = match credentials.role {
            vrs_core::identity::Role::FocalPoint { state, id } => (Some(state), Some(id)),
            other => (other.state().map(str::to_owned), None),
        };
        Ok(Self {
            key,
            state,
            focal_point_id,
        })
    }

    /// Signs a report message (its bytes as encoded once, here).
    pub fn sign(&self, report: &pb::Report) -> pb::Envelope {
        let env = Envelope::sign(
            vrs_proto::REPORT_PAYLOAD_TYPE,
            prost::Message::encode_to_vec(report),
            &self.key,
        );
        vrs_core::wire::envelope_to_pb(&env)
    }

    /// Sets what the signer determines (State, focal point, key, time), whatever the
    /// record says: an amendment or retraction is this signer's.
    pub fn stamp(&self, v: &mut Value) {
        if let Some(s) = &self.state {
            set(v, "reporting_state", json!(s));
        }
        if let Some(id) = &self.focal_point_id {
            set(v, "focal_point_id", json!(id));
        }
        set(v, "key_id", json!(self.key.keyid));
        set(v, "submitted_at", json!(now()));
    }
}

/// Now, as an RFC 3339 UTC timestamp.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    vrs_core::codes::Timestamp::from_unix_seconds(secs)
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
}

/// A random (version 4) report id.
pub fn new_report_id() -> Result<String, ring::error::Unspecified> {
    let bytes: [u8; 16] = ring::rand::generate(&ring::rand::SystemRandom::new())?.expose();
    Ok(vrs_core::report::ReportId::new_v4(bytes).to_string())
}

/// Sets `key` of a JSON object if it is absent or null.
pub fn default(v: &mut Value, key: &str, value: Value) {
    if let Value::Object(m) = v
        && m.get(key).is_none_or(Value::is_null)
    {
        m.insert(key.to_owned(), value);
    }
}

/// Sets `key` of a JSON object.
pub fn set(v: &mut Value, key: &str, value: Value) {
    if let Value::Object(m) = v {
        m.insert(key.to_owned(), value);
    }
}

/// Fills in what the signer determines, where the record leaves it out.
pub fn fill_defaults(v: &mut Value, signer: &Signer) -> Result<(), ring::error::Unspecified> {
    if !v.is_object() {
        return Ok(());
    }
    if v.get("report_id").is_none_or(Value::is_null) {
        set(v, "report_id", json!(new_report_id()?));
    }
    default(v, "version", json!(1));
    if let Some(s) = &signer.state {
        default(v, "reporting_state", json!(s));
    }
    if let Some(id) = &signer.focal_point_id {
        default(v, "focal_point_id", json!(id));
    }
    default(v, "key_id", json!(signer.key.keyid));
    default(v, "submitted_at", json!(now()));
    default(v, "status", json!("ACTIVE"));
    Ok(())
}

fn id_and_version(v: &Value) -> (String, u32) {
    let id = v
        .get("report_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let version = match v.get("version") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    (id, version.and_then(|n| u32::try_from(n).ok()).unwrap_or(0))
}

/// A record validated and signed, ready to send.
pub struct Prepared {
    /// Report id.
    pub report_id: String,
    /// Version.
    pub version: u32,
    /// The signed envelope.
    pub envelope: pb::Envelope,
}

/// What [`prepare`] refused: the report id and version as far as they could be read,
/// and the violations (each with its field path).
pub struct Refused {
    /// Report id (empty if unknown).
    pub report_id: String,
    /// Version (0 if unknown).
    pub version: u32,
    /// The violations.
    pub violations: Vec<vrs_core::validate::Violation>,
}

impl Refused {
    /// One line per violation.
    pub fn lines(&self) -> Vec<String> {
        self.violations.iter().map(ToString::to_string).collect()
    }
}

/// Validates the JSON form of a report with every rule the node applies and signs it.
pub fn prepare(v: &Value, lenient: bool, signer: &Signer) -> Result<Prepared, Refused> {
    match reportjson::check(v, lenient, crate::today()) {
        Ok(msg) => Ok(Prepared {
            envelope: signer.sign(&msg),
            report_id: msg.report_id,
            version: msg.version,
        }),
        Err(violations) => {
            let (report_id, version) = id_and_version(v);
            Err(Refused {
                report_id,
                version,
                violations,
            })
        }
    }
}

/// A logged version of a report, as the node returned it.
pub struct Logged {
    /// The report.
    pub report: pb::Report,
    /// Its version.
    pub version: u32,
    /// The latest version of the report.
    pub latest: u32,
    /// SHA-256 of its entry bytes (what an amendment supersedes).
    pub digest: vrs_core::Hash,
    /// Its entry bytes.
    pub entry: Vec<u8>,
    /// The node's receipt for it.
    pub receipt: Option<pb::Receipt>,
}

/// Why a logged version could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The call failed or was refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The node's answer is not usable.
    #[error("{0}")]
    Answer(&'static str),
}

/// Version `version` (0: the latest) of a report.
pub async fn fetch(client: &Client, report_id: &str, version: u32) -> Result<Logged, FetchError> {
    let r = client.get_report(report_id, version).await?;
    let env = r
        .envelope
        .ok_or(FetchError::Answer("the node answered without the envelope"))?;
    let report = pb::Report::decode(env.payload.as_slice())
        .map_err(|_| FetchError::Answer("the stored payload is not a vrs.v1.Report"))?;
    let entry = entry_bytes(&env);
    Ok(Logged {
        report,
        version: r.version,
        latest: r.latest_version,
        digest: vrs_core::sha256(&entry),
        entry,
        receipt: r.receipt,
    })
}

/// The next version of a report whose latest logged version is `latest`: `v` (the
/// new content) numbered after it, superseding it, stamped by `signer`.
pub fn amendment(mut v: Value, latest: &Logged, signer: &Signer) -> Value {
    set(&mut v, "report_id", json!(latest.report.report_id));
    set(&mut v, "version", json!(latest.latest + 1));
    set(&mut v, "supersedes", json!(vrs_core::hex(&latest.digest)));
    default(&mut v, "status", json!("ACTIVE"));
    signer.stamp(&mut v);
    v
}

/// The retraction of a report whose latest logged version is `latest`: its header, no
/// body, status RETRACTED, stamped by `signer`.
pub fn retraction(latest: &Logged, signer: &Signer) -> Value {
    let mut v = reportjson::to_json(&latest.report);
    if let Value::Object(m) = &mut v {
        m.remove("body");
    }
    set(&mut v, "version", json!(latest.version + 1));
    set(&mut v, "supersedes", json!(vrs_core::hex(&latest.digest)));
    set(&mut v, "status", json!("RETRACTED"));
    signer.stamp(&mut v);
    v
}

/// The files a receipt is saved as: `<dir>/<first two characters of the report
/// id>/<report_id>.v<version>.tlog-proof` and the entry bytes next to it (`.entry`).
/// Fanned out as git stores objects, so that a file of 50,000 reports leaves a few
/// hundred files per directory, not 100,000 in one.
pub fn receipt_paths(dir: &Path, report_id: &str, version: u32) -> (PathBuf, PathBuf) {
    let dir = dir.join(report_id.get(..2).unwrap_or("__"));
    (
        dir.join(format!("{report_id}.v{version}.tlog-proof")),
        dir.join(format!("{report_id}.v{version}.entry")),
    )
}

/// The entry file saved next to a receipt (`X.tlog-proof` → `X.entry`).
pub fn entry_beside(receipt: &Path) -> PathBuf {
    receipt.with_extension("entry")
}

/// Writes a receipt and its entry bytes; verifies the receipt when `vkey` is known.
/// Returns the receipt's path, or why the receipt is not good.
pub fn save_receipt(
    dir: &Path,
    report_id: &str,
    version: u32,
    entry: &[u8],
    receipt: &pb::Receipt,
    vkey: Option<&str>,
) -> Result<PathBuf, String> {
    let (proof, entry_path) = receipt_paths(dir, report_id, version);
    if let Some(parent) = proof.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&proof, &receipt.tlog_proof)
        .map_err(|e| format!("cannot write {}: {e}", proof.display()))?;
    std::fs::write(&entry_path, entry)
        .map_err(|e| format!("cannot write {}: {e}", entry_path.display()))?;
    if let Some(vkey) = vkey {
        verify_receipt_text(&receipt.tlog_proof, entry, vkey)
            .map_err(|e| format!("the node's receipt does not verify: {e}"))?;
    }
    Ok(proof)
}

/// A receipt verified: the entry's index and the checkpoint it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The entry's log index.
    pub index: u64,
    /// The log (the checkpoint's origin, the key's name).
    pub origin: String,
    /// The checkpoint's tree size.
    pub size: u64,
    /// The checkpoint's root hash.
    pub root: vrs_core::Hash,
}

/// Verifies a receipt against entry bytes and a verifier key, and that the checkpoint's
/// origin is the key's log: the entry's index and the checkpoint. The one check of
/// `vrs receipt verify`, `vrs submit`, the receipt page and `/verify`.
pub fn verify_receipt(
    text: &str,
    entry: &[u8],
    vkey: &str,
) -> Result<VerifiedReceipt, ReceiptError> {
    let verifiers = vrs_core::note::Verifiers::from_vkeys([vkey])
        .map_err(|e| ReceiptError(format!("verifier key: {e}")))?;
    let v = vrs_core::receipt::Receipt::parse(text)
        .map_err(|e| ReceiptError(e.to_string()))?
        .verify(entry, &verifiers)
        .map_err(|e| ReceiptError(e.to_string()))?;
    let name = vrs_core::note::NoteVerifier::parse(vkey)
        .map(|k| k.name().to_owned())
        .unwrap_or_default();
    let cp = v.checkpoint.checkpoint;
    if cp.origin != name {
        return Err(ReceiptError(format!(
            "the checkpoint is of log {}, not {name}",
            cp.origin
        )));
    }
    Ok(VerifiedReceipt {
        index: v.index,
        origin: cp.origin,
        size: cp.size,
        root: cp.root,
    })
}

/// [`verify_receipt`], the entry's log index only.
pub fn verify_receipt_text(text: &str, entry: &[u8], vkey: &str) -> Result<u64, ReceiptError> {
    verify_receipt(text, entry, vkey).map(|v| v.index)
}

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReceiptError(pub String);

/// Entry bytes (what the log holds) of an envelope.
pub fn entry_bytes(env: &pb::Envelope) -> Vec<u8> {
    vrs_core::wire::envelope_from_pb(env.clone()).to_entry_bytes()
}

/// Sends one signed report and saves its receipt: the log index, whether it had been
/// logged before, and the receipt's path; or why the receipt is not good.
pub async fn send(
    client: &Client,
    p: &Prepared,
    receipts: &Path,
    vkey: Option<&str>,
) -> Result<Result<Sent, String>, ClientError> {
    let resp = client.submit(p.envelope.clone()).await?;
    let Some(receipt) = resp.receipt else {
        return Ok(Err("the node answered without a receipt".into()));
    };
    let entry = entry_bytes(&p.envelope);
    Ok(
        save_receipt(receipts, &p.report_id, p.version, &entry, &receipt, vkey).map(|path| Sent {
            index: receipt.index,
            duplicate: resp.duplicate,
            receipt: path,
        }),
    )
}

/// A report logged by the node, its receipt saved (and verified, with a key).
pub struct Sent {
    /// Log index.
    pub index: u64,
    /// Whether the same bytes had been logged before.
    pub duplicate: bool,
    /// The receipt file.
    pub receipt: PathBuf,
}

/// What the outbox makes of a record to send.
pub enum Journalled {
    /// To send: its outbox key and envelope (signed now, or in an earlier run).
    Send(String, Prepared),
    /// Acknowledged in an earlier run, at this log index.
    Logged(crate::outbox::Queued, u64),
}

/// Why a record could not be journalled.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The outbox cannot be written.
    #[error(transparent)]
    Outbox(#[from] crate::outbox::OutboxError),
    /// No report id could be drawn.
    #[error("the system random number generator failed")]
    Random,
}

/// The record `v` known to the outbox by `key`: acknowledged in an earlier run,
/// journalled by one (sent again as it was signed), or filled in, validated, signed and
/// staged now (the caller syncs the outbox before sending); or why it is refused.
pub fn journal(
    outbox: &mut crate::outbox::Outbox,
    key: String,
    source: &str,
    mut v: Value,
    lenient: bool,
    signer: &Signer,
) -> Result<Result<Journalled, Refused>, JournalError> {
    if let (Some(q), Some(index)) = (outbox.get(&key), outbox.sent(&key)) {
        return Ok(Ok(Journalled::Logged(q.clone(), index)));
    }
    if let Some(q) = outbox.get(&key)
        && let Some(envelope) = q.envelope()
    {
        let p = Prepared {
            report_id: q.report_id.clone(),
            version: q.version,
            envelope,
        };
        return Ok(Ok(Journalled::Send(key, p)));
    }
    fill_defaults(&mut v, signer).map_err(|_| JournalError::Random)?;
    Ok(match prepare(&v, lenient, signer) {
        Ok(p) => {
            outbox.stage(crate::outbox::Queued::new(
                key.clone(),
                source.to_owned(),
                p.report_id.clone(),
                p.version,
                &p.envelope,
            ))?;
            Ok(Journalled::Send(key, p))
        }
        Err(e) => Err(e),
    })
}
