//! `vrs outbox`: what `vrs submit` journalled and the node has not acknowledged yet
//! ([`vrs_client::outbox`]), sending it again, and clearing the journal.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use vrs_client::client::Client;
use vrs_client::outbox::Outbox;
use vrs_client::profile::{self, Profile, Selector};

use super::submit::{self, Options, Prepared, Ready};
use super::{OutputArg, Table, UsageError};

#[derive(Subcommand)]
pub enum OutboxCmd {
    /// List the records signed and not acknowledged yet (queued while the node was
    /// unreachable, or cut off by Ctrl-C).
    ///
    /// Example: vrs outbox status
    Status {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Send the records not acknowledged yet, exactly as they were signed.
    ///
    /// Example: vrs outbox retry --receipts receipts/
    Retry {
        /// Directory for receipts.
        #[arg(long, default_value = "receipts", value_name = "DIR")]
        receipts: PathBuf,
        /// Submissions in flight at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: u16,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Delete the journal (refused while records are pending, unless --force).
    ///
    /// Example: vrs outbox clear
    Clear {
        /// Delete it even with records pending (they are then never sent).
        #[arg(long)]
        force: bool,
    },
}

fn open(p: &Profile) -> anyhow::Result<Outbox> {
    let dir = profile::default_state_dir(&profile::process_env);
    Ok(Outbox::open(&Outbox::path_for(&dir, &p.name))?)
}

impl OutboxCmd {
    /// Runs the command.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        let p = super::load_profile(sel)?;
        let mut outbox = open(&p)?;
        match self {
            OutboxCmd::Status { output } => {
                let mut t = Table::new(&["source", "report_id", "version", "state"]);
                for q in outbox.pending() {
                    t.push(vec![
                        json!(q.source),
                        json!(q.report_id),
                        json!(q.version),
                        json!("pending"),
                    ]);
                }
                t.print(output.output);
                eprintln!(
                    "vrs: {} pending, {} acknowledged ({})",
                    outbox.pending().len(),
                    outbox.sent_count(),
                    outbox.path().display()
                );
                Ok(())
            }
            OutboxCmd::Retry {
                receipts,
                jobs,
                output,
            } => super::block_on(async move {
                let ready: Vec<Ready> = outbox
                    .pending()
                    .into_iter()
                    .enumerate()
                    .filter_map(|(n, q)| {
                        let envelope = q.envelope()?;
                        Some(Ready {
                            n,
                            source: q.source.clone(),
                            key: q.key.clone(),
                            p: Prepared {
                                report_id: q.report_id.clone(),
                                version: q.version,
                                envelope,
                            },
                        })
                    })
                    .collect();
                let opts = Options {
                    files: Vec::new(),
                    record_type: None,
                    receipts,
                    jobs: usize::from(jobs),
                    output: output.output,
                    dry_run: false,
                    rejects: None,
                    retries: 4,
                    no_outbox: false,
                };
                let rows = if ready.is_empty() {
                    Vec::new()
                } else {
                    let client = Client::connect(&p).await?;
                    submit::send_all(&client, ready, &opts, p.vkey.clone(), &mut outbox).await?
                };
                let rows: Vec<submit::Row> = rows.into_iter().map(|(_, r)| r).collect();
                submit::print_rows(&rows, opts.output);
                submit::finish(&rows, &opts.receipts, false)
            }),
            OutboxCmd::Clear { force } => {
                let pending = outbox.pending().len();
                if pending > 0 && !force {
                    return Err(UsageError(format!(
                        "{pending} record(s) are pending: `vrs outbox retry` sends them; \
                         --force deletes them unsent"
                    ))
                    .into());
                }
                let path = outbox.path().to_path_buf();
                outbox.clear()?;
                eprintln!("vrs: outbox {} cleared", path.display());
                Ok(())
            }
        }
    }
}
