//! `vrs log`, `vrs audit`, `vrs health`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use vrs_client::audit::{self, Outcome};
use vrs_client::client::Client;
use vrs_client::profile::{self, Selector};
use vrs_core::note::{Verifiers, open_checkpoint};
use vrs_core::receipt::Receipt;
use vrs_proto::v1 as pb;

use super::{Output, Table};

use clap::Subcommand;

use super::OutputArg;

fn verifiers(vkey: &str) -> anyhow::Result<Verifiers> {
    Verifiers::from_vkeys([vkey]).with_context(|| format!("verifier key {vkey:?}"))
}

/// `vrs log checkpoint`.
pub async fn checkpoint(sel: &Selector, note: bool, output: Output) -> anyhow::Result<()> {
    let (p, client) = super::connect(sel).await?;
    let cp = client.checkpoint().await?;
    let verified = match p.vkey.as_deref() {
        Some(k) => {
            audit::open_served(&cp, k)?;
            true
        }
        None => {
            super::warn(format!(
                "profile {:?} has no vkey: the checkpoint is not verified",
                p.name
            ));
            false
        }
    };
    if note {
        print!("{}", cp.note);
        return Ok(());
    }
    let mut t = Table::new(&["origin", "size", "root", "verified"]);
    t.push(vec![
        json!(cp.origin),
        json!(cp.size),
        json!(vrs_core::hex(&cp.root_hash)),
        json!(verified),
    ]);
    t.print(output);
    Ok(())
}

/// `vrs log prove`.
pub async fn prove(sel: &Selector, entry: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let bytes = std::fs::read(entry).with_context(|| format!("cannot read {}", entry.display()))?;
    let (p, client) = super::connect(sel).await?;
    let leaf = vrs_core::merkle::leaf_hash(&bytes);
    let r = client
        .inclusion_proof(pb::InclusionProofRequest {
            leaf: Some(pb::inclusion_proof_request::Leaf::LeafHash(leaf.to_vec())),
            tree_size: 0,
        })
        .await?;
    let cp = r
        .checkpoint
        .context("the node did not send the checkpoint the proof is for")?;
    let proof = r
        .hashes
        .iter()
        .map(|h| <[u8; 32]>::try_from(h.as_slice()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| anyhow::anyhow!("the proof has a hash that is not 32 bytes"))?;
    let receipt = Receipt {
        extra: None,
        index: r.index,
        proof,
        checkpoint_note: cp.note,
    };
    let text = receipt.to_text();
    let how = match p.vkey.as_deref() {
        Some(k) => {
            super::verify_receipt_text(&text, &bytes, k)
                .context("the inclusion proof does not verify")?;
            "verified"
        }
        None => "NOT verified: the profile has no vkey",
    };
    if let Some(o) = out {
        std::fs::write(o, &text).with_context(|| format!("cannot write {}", o.display()))?;
    }
    println!(
        "entry {} is in the log of {} at tree size {} ({how}){}",
        r.index,
        cp.origin,
        r.tree_size,
        out.map(|o| format!("; receipt written to {}", o.display()))
            .unwrap_or_default()
    );
    Ok(())
}

/// `vrs log consistency`.
pub async fn consistency(sel: &Selector, old: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(old).with_context(|| format!("cannot read {}", old.display()))?;
    let note = if text.starts_with(vrs_core::receipt::HEADER) {
        Receipt::parse(&text)
            .with_context(|| format!("{} is not a valid receipt", old.display()))?
            .checkpoint_note
    } else {
        text
    };
    let (p, client) = super::connect(sel).await?;
    let vs = verifiers(p.require_vkey()?)?;
    let before = open_checkpoint(&note, &vs)
        .with_context(|| format!("the checkpoint in {} does not verify", old.display()))?;
    let served = client.checkpoint().await?;
    let now = open_checkpoint(&served.note, &vs)
        .context("the node's checkpoint does not verify with the profile's vkey")?;
    match audit::check_consistency(&client, &before, &now).await? {
        Ok(()) => {
            println!(
                "consistent: tree {} of {} extends tree {}",
                now.checkpoint.size, now.checkpoint.origin, before.checkpoint.size
            );
            Ok(())
        }
        Err(reason) => bail!("INCONSISTENT: {reason}"),
    }
}

/// `vrs audit`.
pub async fn audit(
    sel: &Selector,
    nodes: &[String],
    state_dir: Option<PathBuf>,
    output: Output,
) -> anyhow::Result<()> {
    let state_dir = state_dir.unwrap_or_else(|| profile::default_state_dir(&profile::process_env));
    let names: Vec<Option<String>> = if nodes.is_empty() {
        vec![sel.profile.clone()]
    } else {
        nodes.iter().cloned().map(Some).collect()
    };
    let mut t = Table::new(&["node", "origin", "previous_size", "size", "result"]);
    let mut bad = 0;
    for name in names {
        let s = Selector {
            config: sel.config.clone(),
            profile: name.clone(),
        };
        let result = async {
            let p = super::load_profile(&s)?;
            let vkey = p.require_vkey()?.to_owned();
            let client = Client::connect(&p).await?;
            Ok::<_, anyhow::Error>((
                p.name.clone(),
                audit::audit(&client, &vkey, &state_dir).await?,
            ))
        }
        .await;
        match result {
            Ok((node, a)) => {
                let text = match &a.outcome {
                    Outcome::FirstSeen => "first seen: kept".to_owned(),
                    Outcome::Unchanged => "unchanged".to_owned(),
                    Outcome::Consistent => "consistent".to_owned(),
                    Outcome::Inconsistent(r) => {
                        bad += 1;
                        match &a.evidence {
                            Some(e) => format!("INCONSISTENT: {r} (evidence: {})", e.display()),
                            None => format!("INCONSISTENT: {r}"),
                        }
                    }
                };
                t.push(vec![
                    json!(node),
                    json!(a.origin),
                    a.previous_size.map_or(Value::Null, |n| json!(n)),
                    json!(a.size),
                    json!(text),
                ]);
            }
            Err(e) => {
                bad += 1;
                t.push(vec![
                    json!(name.unwrap_or_default()),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    json!(format!("ERROR: {}", super::describe(&e))),
                ]);
            }
        }
    }
    t.print(output);
    if bad > 0 {
        bail!("{bad} log(s) failed the audit (see above)");
    }
    Ok(())
}

/// `vrs health`.
pub async fn health(sel: &Selector, output: Output) -> anyhow::Result<()> {
    use tonic_health::pb::health_check_response::ServingStatus;
    let (p, client) = super::connect(sel).await?;
    let mut t = Table::new(&["endpoint", "service", "status", "latency_ms"]);
    let mut bad = 0;
    for service in ["", "vrs.v1.ReportService"] {
        let started = std::time::Instant::now();
        let status = match client.health(service).await {
            Ok(s) => s,
            Err(e) if e.is_rejection() => {
                // NotFound: the node does not report on this service.
                bad += 1;
                t.push(vec![
                    json!(p.endpoint),
                    json!(if service.is_empty() {
                        "(server)"
                    } else {
                        service
                    }),
                    json!(e.to_string()),
                    Value::Null,
                ]);
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if status != ServingStatus::Serving {
            bad += 1;
        }
        t.push(vec![
            json!(p.endpoint),
            json!(if service.is_empty() {
                "(server)"
            } else {
                service
            }),
            json!(status.as_str_name()),
            json!(started.elapsed().as_millis() as u64),
        ]);
    }
    t.print(output);
    if bad > 0 {
        bail!("the node is not serving");
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum LogCmd {
    /// The latest signed checkpoint, verified with the profile's vkey.
    ///
    /// Example: vrs log checkpoint --note > aus.checkpoint
    Checkpoint {
        /// Print the signed note itself (to keep it).
        #[arg(long)]
        note: bool,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Prove that an entry is in the log now: fetch its inclusion proof against the
    /// latest checkpoint, verify it, and optionally save it as a fresh receipt.
    ///
    /// Example: vrs log prove --entry receipts/ID.v1.entry --out fresh.tlog-proof
    Prove {
        /// The entry bytes (a .entry file written by `vrs submit`, or `vrs get --entry`).
        #[arg(long, value_name = "FILE")]
        entry: PathBuf,
        /// Write the receipt (tlog-proof) here.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check that the latest checkpoint extends an older one (a checkpoint note or a
    /// receipt file): fetch and verify the consistency proof.
    ///
    /// Example: vrs log consistency receipts/ID.v1.tlog-proof
    Consistency {
        /// A file holding the older signed checkpoint, or a receipt.
        old: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ReceiptCmd {
    /// Verify a receipt offline against the entry bytes and the node's verifier key.
    ///
    /// Example: vrs receipt verify receipts/6f/6f1c….v1.tlog-proof --key node.vkey
    Verify {
        /// The receipt (.tlog-proof file).
        receipt: PathBuf,
        /// The entry bytes the receipt is for (default: the .entry file beside the
        /// receipt, as `vrs submit` saves it).
        #[arg(long)]
        entry: Option<PathBuf>,
        /// The node's verifier key (name+keyid+base64), or a file holding it.
        #[arg(long, value_parser = super::verifier_key)]
        key: String,
    },
}

impl LogCmd {
    /// Runs the command.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        match self {
            LogCmd::Checkpoint { note, output } => {
                super::block_on(checkpoint(sel, note, output.output))
            }
            LogCmd::Prove { entry, out } => super::block_on(prove(sel, &entry, out.as_deref())),
            LogCmd::Consistency { old } => super::block_on(consistency(sel, &old)),
        }
    }
}

impl ReceiptCmd {
    /// Runs the command (offline: no profile).
    pub fn run(self) -> anyhow::Result<()> {
        let ReceiptCmd::Verify {
            receipt,
            entry,
            key,
        } = self;
        let entry = entry.unwrap_or_else(|| super::entry_beside(&receipt));
        verify_receipt(&receipt, &entry, &key)
    }
}

fn verify_receipt(receipt: &PathBuf, entry: &PathBuf, key: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(receipt)
        .with_context(|| format!("reading {}", receipt.display()))?;
    let entry = std::fs::read(entry).with_context(|| format!("reading {}", entry.display()))?;
    let v = vrs_client::submission::verify_receipt(&text, &entry, key)
        .context("receipt does not verify")?;
    println!(
        "ok: entry {} is in the log of {} (tree size {}, root {})",
        v.index,
        v.origin,
        v.size,
        vrs_core::hex(&v.root)
    );
    Ok(())
}
