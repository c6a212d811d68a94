//! `vrs`: the command line of focal points, operators, secretariats and auditors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes: 0 ok, 1 failure, 2 usage (clap), 3 rejected by the server.
const EXIT_FAILURE: u8 = 1;

#[derive(Parser)]
#[command(
    name = "vrs",
    version,
    about = "The vrs command line: submit, verify, audit, demo"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a whole federation on this machine: throw-away PKI, three State nodes,
    /// synthetic reports, receipts verified offline, logs audited.
    ///
    /// Example: vrs demo --reports 300
    Demo {
        /// States to run nodes for (ISO 3166-1 alpha-3, comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "AUS,IDN,THA")]
        states: Vec<String>,
        /// Synthetic reports per State.
        #[arg(long, default_value_t = 200)]
        reports: usize,
        /// Directory for the PKI and data (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Keep the federation running until Ctrl-C.
        #[arg(long)]
        keep: bool,
    },
    /// Receipts (C2SP tlog-proof).
    Receipt {
        #[command(subcommand)]
        cmd: ReceiptCmd,
    },
}

#[derive(Subcommand)]
enum ReceiptCmd {
    /// Verify a receipt offline against the entry bytes and the node's verifier key.
    ///
    /// Example: vrs receipt verify r.tlog-proof --entry r.entry --key 'vrs.example/state/AUS+1a2b3c4d+AX…'
    Verify {
        /// The receipt (.tlog-proof file).
        receipt: PathBuf,
        /// The entry bytes the receipt is for.
        #[arg(long)]
        entry: PathBuf,
        /// The node's verifier key (name+keyid+base64).
        #[arg(long)]
        key: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Demo {
            states,
            reports,
            dir,
            keep,
        } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| {
                rt.block_on(vrs_client::demo::run(vrs_client::demo::DemoOptions {
                    states,
                    reports,
                    dir,
                    keep,
                }))
                .map(|_| ())
            }),
        Cmd::Receipt {
            cmd:
                ReceiptCmd::Verify {
                    receipt,
                    entry,
                    key,
                },
        } => verify_receipt(&receipt, &entry, &key),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrs: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn verify_receipt(receipt: &PathBuf, entry: &PathBuf, key: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(receipt)
        .with_context(|| format!("reading {}", receipt.display()))?;
    let entry = std::fs::read(entry).with_context(|| format!("reading {}", entry.display()))?;
    let verifiers = vrs_core::note::Verifiers::from_vkeys([key]).context("verifier key")?;
    let v = vrs_core::receipt::Receipt::parse(&text)
        .and_then(|r| r.verify(&entry, &verifiers))
        .context("receipt does not verify")?;
    println!(
        "ok: entry {} is in the log of {} (tree size {}, root {})",
        v.index,
        v.checkpoint.checkpoint.origin,
        v.checkpoint.checkpoint.size,
        vrs_core::hex(&v.checkpoint.checkpoint.root)
    );
    Ok(())
}
