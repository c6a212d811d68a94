//! `vrs sync`: the node's federation sync, for its admin.

use std::time::Duration;

use anyhow::bail;
use serde_json::{Value, json};
use vrs_client::client::Client;
use vrs_client::profile::Selector;
use vrs_client::sync;
use vrs_proto::v1 as pb;

use super::{Output, Table, UsageError};

use clap::Subcommand;

use super::OutputArg;

/// The least deadline of `vrs sync now`: a round waits for every peer (each has its own
/// deadline on the node, and the node's RPC deadline bounds the call).
const SYNC_NOW_DEADLINE: Duration = Duration::from_secs(600);

fn time(secs: i64) -> Value {
    sync::time(secs).map_or(Value::Null, |t| json!(t))
}

/// One peer's record as JSON.
fn peer_json(p: &pb::PeerStatus, finished: Value) -> Value {
    json!({
        "peer": p.peer,
        "endpoint": p.endpoint,
        "started": time(p.started),
        "finished": finished,
        "attempts": p.attempts,
        "fetched": p.fetched,
        "already_held": p.already_held,
        "rejected": p.rejected,
        "bytes": p.bytes,
        "last_success": time(p.last_success),
        "last_error": none_if_empty(&p.last_error),
        "witnessed_size": p.witnessed_size,
        "in_sync": p.in_sync,
        "checkpoint": none_if_empty(&p.checkpoint),
        "release_bytes": p.release_bytes,
        "wire_bytes": p.wire_bytes,
        "directories": p.directories,
        "pending": p.pending,
        "withholding": p.withholding.iter().map(|w| json!({
            "period": w.period,
            "releases": w.releases,
            "reason": w.reason,
        })).collect::<Vec<_>>(),
    })
}

/// Prints the records and alarms; fails (exit 1) when a peer's last run failed or an
/// alarm is raised.
fn report(st: &pb::SyncStatusResponse, output: Output) -> anyhow::Result<()> {
    let finished = |p: &pb::PeerStatus| match sync::run(p) {
        sync::Run::Finished(t) => json!(t),
        sync::Run::Running => json!("running"),
        sync::Run::Never => Value::Null,
    };
    match output {
        Output::Json => {
            let peers: Vec<Value> = st.peers.iter().map(|p| peer_json(p, finished(p))).collect();
            let doc = json!({ "peers": peers, "alarms": st.alarms });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into())
            );
        }
        Output::Table | Output::Csv => {
            let mut columns = vec![
                "peer",
                "endpoint",
                "started",
                "finished",
                "attempts",
                "fetched",
                "already_held",
                "rejected",
                "directories",
                "pending",
                "withheld",
                "bytes",
                "last_success",
                "last_error",
                "witnessed_size",
            ];
            if output == Output::Csv {
                columns.push("rejected_reasons");
            }
            let mut t = Table::new(&columns);
            for p in &st.peers {
                let mut row = vec![
                    json!(p.peer),
                    json!(p.endpoint),
                    time(p.started),
                    finished(p),
                    json!(p.attempts),
                    json!(p.fetched),
                    json!(p.already_held),
                    json!(p.rejected.len()),
                    json!(p.directories),
                    json!(p.pending),
                    json!(sync::withheld_from(p)),
                    json!(p.bytes),
                    time(p.last_success),
                    none_if_empty(&p.last_error),
                    json!(p.witnessed_size),
                ];
                if output == Output::Csv {
                    row.push(json!(p.rejected.join("; ")));
                }
                t.push(row);
            }
            t.print(output);
            let mut notes = Vec::new();
            if output == Output::Table {
                for p in &st.peers {
                    notes.extend(
                        p.rejected
                            .iter()
                            .map(|r| format!("rejected from {}: {r}", p.peer)),
                    );
                }
            }
            notes.extend(sync::reciprocity_lines(st));
            notes.extend(st.alarms.iter().map(|a| format!("ALARM: {a}")));
            for n in notes {
                if output == Output::Table {
                    println!("{n}");
                } else {
                    eprintln!("vrs: {n}");
                }
            }
        }
    }
    let failed = sync::failures(st);
    match (failed.is_empty(), st.alarms.is_empty()) {
        (true, true) => Ok(()),
        (false, true) => bail!("the last run failed for {}", failed.join(", ")),
        (true, false) => bail!("{} alarm(s) raised (above)", st.alarms.len()),
        (false, false) => bail!(
            "the last run failed for {}; {} alarm(s) raised (above)",
            failed.join(", "),
            st.alarms.len()
        ),
    }
}

/// `vrs sync now`.
pub async fn now(sel: &Selector, peer: Option<&str>, output: Output) -> anyhow::Result<()> {
    let peer = match peer {
        Some(s) if !sync::is_peer(s) => {
            return Err(UsageError(format!(
                "--peer {s:?} is not a State (ISO 3166-1 alpha-3, upper case, e.g. IDN)"
            ))
            .into());
        }
        Some(s) => s,
        None => "",
    };
    let mut p = super::load_profile(sel)?;
    p.timeout = p.timeout.max(SYNC_NOW_DEADLINE);
    let client = Client::connect(&p).await?;
    // The round's records, however long its peers' deadlines make it.
    let mut st = client.sync_run(peer, |_| {}).await?;
    // The node answers with every peer's record: show (and judge) the one asked for.
    if !peer.is_empty() {
        st.peers.retain(|p| p.peer == peer);
    }
    report(&st, output)
}

/// `vrs sync status`.
pub async fn status(sel: &Selector, output: Output) -> anyhow::Result<()> {
    let (_, client) =
        super::connect_as(sel, vrs_client::credentials::Need::Admin, "managing sync").await?;
    let st = client.sync_status().await?;
    report(&st, output)
}

#[derive(Subcommand)]
pub enum SyncCmd {
    /// Run a sync round now, with every peer or one, and print the records (admin): of
    /// every peer, or of the one asked for.
    ///
    /// Example: vrs sync now --peer IDN
    Now {
        /// Only this peer (its State).
        #[arg(long, value_name = "STATE")]
        peer: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// The per-peer records of the last runs (started, finished, fetched, already held,
    /// rejected with reasons, bytes, last success, last error, witnessed size) and the
    /// equivocation alarms (admin).
    ///
    /// Example: vrs sync status --output json
    Status {
        #[command(flatten)]
        output: OutputArg,
    },
}

impl SyncCmd {
    /// Runs the command.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        match self {
            SyncCmd::Now { peer, output } => {
                super::block_on(now(sel, peer.as_deref(), output.output))
            }
            SyncCmd::Status { output } => super::block_on(status(sel, output.output)),
        }
    }
}

/// A text, or null when it is empty (an absent value is null in JSON, not "").
fn none_if_empty(s: &str) -> Value {
    if s.is_empty() { Value::Null } else { json!(s) }
}
