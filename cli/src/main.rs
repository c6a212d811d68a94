//! `vrs`: the command line of focal points, operators, secretariats and auditors.
//!
//! Exit codes: 0 ok, 1 failure, 2 usage (clap, or an argument value refused before
//! anything is sent), 3 rejected (the node refused a request, or a record was refused by
//! the same validation run locally before sending it).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

use cli::keys::KeysCmd;
use cli::log::{LogCmd, ReceiptCmd};
use cli::pki::PkiCmd;
use cli::region::RegionCmd;
use cli::releases::ReleasesCmd;
use cli::submit::SubmitArgs;
use cli::sync::SyncCmd;
use cli::{OutputArg, RecordTypeArg, block_on};

/// Exit codes: 0 ok, 1 failure, 2 usage (clap), 3 rejected by the server.
const EXIT_FAILURE: u8 = 1;

#[derive(Parser)]
#[command(
    name = "vrs",
    version,
    about = "The vrs command line: submit, verify, audit, releases, demo",
    long_about = "The vrs command line: submit, verify, audit, releases, demo.\n\n\
        Commands that talk to a node use a profile (endpoint, TLS files, signing key, the \
        node's verifier key) from ~/.config/vrs/config.toml, or VRS_ENDPOINT, VRS_CA, \
        VRS_CERT, VRS_KEY, VRS_SIGNING_KEY and VRS_VKEY. Commands that read releases \
        verify each one under the key the profile pins for its origin (origin_keys or \
        keys_file).\n\n\
        Exit codes: 0 ok, 1 failure, 2 usage, 3 rejected (by the node, or by the same \
        validation run before sending).\n\n\
        Example: vrs --profile aus-fp1 submit reports.ndjson"
)]
struct Cli {
    /// Client configuration file [default: $XDG_CONFIG_HOME/vrs/config.toml].
    #[arg(long, global = true, env = "VRS_CLIENT_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Profile of the configuration file to use.
    #[arg(long, global = true, env = "VRS_PROFILE", value_name = "NAME")]
    profile: Option<String>,
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
        /// With --keep: serve the web workspace on the federation (`vrs ui`), with a
        /// profile for each role; its address is printed.
        #[arg(long, requires = "keep")]
        ui: bool,
        /// Months of synthetic data, ending with October 2026, each released (12: a
        /// year for the secretariat's dashboard).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=36))]
        months: u32,
        /// Where the workspace listens (loopback only).
        #[arg(
            long,
            default_value = "127.0.0.1:7480",
            value_name = "ADDR",
            requires = "ui"
        )]
        ui_listen: std::net::SocketAddr,
    },
    /// Receipts (C2SP tlog-proof), checked offline.
    ///
    /// Example: vrs receipt verify r.tlog-proof --entry r.entry --key "$(cat node.vkey)"
    Receipt {
        #[command(subcommand)]
        cmd: ReceiptCmd,
    },
    /// A development PKI: CA, certificates and keys for a local federation.
    ///
    /// Example: vrs pki init --federation ./fed --states AUS,IDN,THA --secretariat ROSEAP
    Pki {
        #[command(subcommand)]
        cmd: PkiCmd,
    },
    /// Report signing keys: make one (focal point), register, rotate, revoke, list (admin).
    ///
    /// Example: vrs keys new --key-id aus-fp1-k2
    Keys {
        #[command(subcommand)]
        cmd: KeysCmd,
    },
    /// Sign and submit reports: one JSON report, a JSON array, NDJSON, CSV or XLSX.
    ///
    /// Each record is validated and signed locally, then sent concurrently. A record
    /// that is refused (by local validation or by the node) is reported with its file,
    /// line and field paths; the others are still submitted. Receipts are written to
    /// RECEIPTS/<report_id>.v<version>.tlog-proof, with the exact entry bytes next to
    /// them (.entry) for `vrs receipt verify`. Fields the signer determines are filled in
    /// when absent: report_id (a random UUID), version (1), reporting_state and
    /// focal_point_id (from the certificate), key_id (from the signing key),
    /// submitted_at (now), status (ACTIVE). Give report_id in the file to make a
    /// retry safe: a record already logged is then refused instead of logged twice.
    ///
    /// Example: vrs submit movement.json fees.csv --receipts receipts/
    Submit(SubmitArgs),
    /// Get a report version: prints its JSON form (what `vrs amend` reads).
    ///
    /// Example: vrs get 6f1c1a7e-8d52-4b7e-9a43-2f8d5e1b0c11 > report.json
    Get {
        /// Report id (UUID).
        report_id: String,
        /// Version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
        /// Save the receipt (tlog-proof) to this file.
        #[arg(long, value_name = "FILE")]
        receipt: Option<PathBuf>,
        /// Save the entry bytes (the signed envelope as logged) to this file.
        #[arg(long, value_name = "FILE")]
        entry: Option<PathBuf>,
    },
    /// List your State's reports (latest versions).
    ///
    /// Example: vrs list --type movement --from 2026-03-01 --output csv
    List {
        /// Only this record type.
        #[arg(long = "type", value_enum)]
        record_type: Option<RecordTypeArg>,
        /// Only this agency (e.g. COAST_GUARD).
        #[arg(long)]
        agency: Option<String>,
        /// Only reports observed on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Only reports observed on or before this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// At most this many reports (0: all); when more match, standard error says so.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Every matching report (the same as --limit 0), fetched page by page.
        #[arg(long, conflicts_with = "limit")]
        all: bool,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Submit a new version of a report from a JSON file (e.g. an edited `vrs get`).
    ///
    /// The version, supersedes (the digest of the latest version), submitted_at,
    /// reporting_state, focal_point_id and key_id are set by the command.
    ///
    /// Example: vrs get ID > r.json && $EDITOR r.json && vrs amend r.json
    Amend {
        /// The report, in JSON form, with its report_id.
        file: PathBuf,
        /// Directory for the receipt.
        #[arg(long, default_value = "receipts", value_name = "DIR")]
        receipts: PathBuf,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Retract a report: a new version with no body.
    ///
    /// Example: vrs retract 6f1c1a7e-8d52-4b7e-9a43-2f8d5e1b0c11
    Retract {
        /// Report id (UUID).
        report_id: String,
        /// Directory for the receipt.
        #[arg(long, default_value = "receipts", value_name = "DIR")]
        receipts: PathBuf,
        #[command(flatten)]
        output: OutputArg,
    },
    /// The node's log: checkpoints and proofs, checked with the node's verifier key.
    ///
    /// Example: vrs log checkpoint
    Log {
        #[command(subcommand)]
        cmd: LogCmd,
    },
    /// Audit logs: fetch each node's checkpoint, check that it extends the last one seen
    /// (kept in $XDG_STATE_HOME/vrs/checkpoints), and report any inconsistency.
    ///
    /// Exits 1 if a log is inconsistent or cannot be audited.
    ///
    /// Example: vrs audit --node aus --node idn --node tha
    Audit {
        /// Profiles of the nodes to audit (default: the current profile). Each needs
        /// `vkey` (or `vkey_file`).
        #[arg(long = "node", value_name = "PROFILE")]
        nodes: Vec<String>,
        /// Where the last checkpoints seen are kept.
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Check that the node answers (standard gRPC health service).
    ///
    /// Example: vrs health
    Health {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Aggregate releases: list, get and export them from any node (each one verified
    /// under its origin's pinned key), verify a saved one offline, release a period (admin).
    ///
    /// A node holds its own releases and those its peers relayed; each is signed by its
    /// origin, so it is checked under the key the profile pins for that origin
    /// (`origin_keys` or `keys_file`: see `vrs pki init`), whichever node served it. A
    /// release that does not verify is refused (exit 1).
    ///
    /// Example: vrs releases get IDN MOVEMENTS 2026-M03
    Releases {
        #[command(subcommand)]
        cmd: ReleasesCmd,
    },
    /// Regional tables: national releases summed cell by cell (secretariats).
    ///
    /// Example: vrs region table --table MOVEMENTS --period 2026-M03
    Region {
        #[command(subcommand)]
        cmd: RegionCmd,
    },
    /// The node's federation sync with its peers (admin): run a round now, read the
    /// per-peer records and alarms.
    ///
    /// Exits 1 when a peer's last run failed or an alarm is raised. With --output json,
    /// one object: {"peers": [records], "alarms": [alarms]}.
    ///
    /// Example: vrs sync status
    Sync {
        #[command(subcommand)]
        cmd: SyncCmd,
    },
    /// The signed federation roster, offline: keepers' keys, an example, signing (m of n
    /// keepers one after another), verification against pinned roster keys, its members.
    ///
    /// A roster is a C2SP signed note (`vrs-roster/v1`, then JSON): per State its log
    /// origin, node keys with their validity and endpoints, and the secretariats. Nodes
    /// pin the roster keys and take only a strictly newer version.
    ///
    /// Example: vrs roster verify roster.note --keys roster-1.vkey
    Roster {
        #[command(subcommand)]
        cmd: cli::roster::RosterCmd,
    },
    /// The directory of competent authorities of the federation's States: who to
    /// contact for what, by which means, in which languages, under which legal
    /// requirements, and what to do in urgent cases. Each State's node publishes and
    /// signs its own.
    ///
    /// Example: vrs directory search --competence smuggling_of_migrants --language en
    Directory {
        #[command(subcommand)]
        cmd: cli::directory::DirectoryCmd,
    },
    /// The outbox: records `vrs submit` signed and journalled, and whether the node
    /// acknowledged them. A rerun of the same file sends only what is missing.
    ///
    /// Example: vrs outbox status
    Outbox {
        #[command(subcommand)]
        cmd: cli::outbox::OutboxCmd,
    },
    /// Print the code lists with their labels: what coded fields take (offline).
    ///
    /// Example: vrs codes Agency
    Codes(cli::codes::CodesArgs),
    /// Write an empty template of a record type to fill in: every column by its field
    /// path, with its code list and help; or a directory to fill in for `vrs directory
    /// publish` (offline).
    ///
    /// Example: vrs template fee --format xlsx --out fees.xlsx
    Template(cli::codes::TemplateArgs),
    /// The web workspace: forms, dashboards, operations and verification in a browser,
    /// on loopback, with this process holding the profiles. Prints the address (with its
    /// one-time token) on the first line of output and serves until Ctrl-C.
    ///
    /// Example: vrs --profile aus-fp1 ui --no-open
    Ui(cli::ui::UiArgs),
    /// Print a shell completion script (load it from your shell's startup file).
    ///
    /// Example: vrs completions bash > ~/.local/share/bash-completion/completions/vrs
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages: vrs(1) and one per command (vrs-submit(1), …).
    ///
    /// Example: vrs man --dir ~/.local/share/man/man1
    Man {
        /// Directory to write the pages into (created if missing).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let sel = vrs_client::profile::Selector {
        config: cli.config,
        profile: cli.profile,
    };
    let result = match cli.cmd {
        Cmd::Demo {
            states,
            reports,
            dir,
            keep,
            ui,
            ui_listen,
            months,
        } => demo(vrs_local::demo::DemoOptions {
            states,
            reports,
            dir,
            keep,
            ui: ui.then_some(ui_listen),
            months,
        }),
        Cmd::Receipt { cmd } => cmd.run(),
        Cmd::Pki { cmd } => cmd.run(),
        Cmd::Keys { cmd } => cmd.run(&sel),
        Cmd::Submit(a) => a.run(&sel),
        Cmd::Get {
            report_id,
            version,
            receipt,
            entry,
        } => block_on(cli::reports::get(
            &sel,
            &report_id,
            version.unwrap_or(0),
            receipt.as_deref(),
            entry.as_deref(),
        )),
        Cmd::List {
            record_type,
            agency,
            from,
            to,
            limit,
            all,
            output,
        } => block_on(cli::reports::list(
            &sel,
            cli::reports::ListFilter {
                record_type,
                agency,
                from,
                to,
                limit: if all { 0 } else { limit },
            },
            output.output,
        )),
        Cmd::Amend {
            file,
            receipts,
            output,
        } => block_on(cli::reports::amend(&sel, &file, &receipts, output.output)),
        Cmd::Retract {
            report_id,
            receipts,
            output,
        } => block_on(cli::reports::retract(
            &sel,
            &report_id,
            &receipts,
            output.output,
        )),
        Cmd::Log { cmd } => cmd.run(&sel),
        Cmd::Audit {
            nodes,
            state_dir,
            output,
        } => block_on(cli::log::audit(&sel, &nodes, state_dir, output.output)),
        Cmd::Health { output } => block_on(cli::log::health(&sel, output.output)),
        Cmd::Releases { cmd } => cmd.run(&sel),
        Cmd::Region { cmd } => cmd.run(&sel),
        Cmd::Sync { cmd } => cmd.run(&sel),
        Cmd::Roster { cmd } => cmd.run(&sel),
        Cmd::Directory { cmd } => cmd.run(&sel),
        Cmd::Outbox { cmd } => cmd.run(&sel),
        Cmd::Codes(a) => a.run(),
        Cmd::Template(a) => a.run(),
        Cmd::Ui(a) => a.run(&sel),
        Cmd::Completions { shell } => completions(shell),
        Cmd::Man { dir } => man_pages(&dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrs: {}", cli::describe(&e));
            ExitCode::from(cli::exit_code(&e).unwrap_or(EXIT_FAILURE))
        }
    }
}

/// `vrs demo`.
fn demo(opts: vrs_local::demo::DemoOptions) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(vrs_local::demo::run(opts))?;
    Ok(())
}

/// Prints the completion script of `shell`.
fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "vrs", &mut script);
    // A closed pipe (`| head`) is not an error of this command.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
    Ok(())
}

/// Writes vrs.1 and a page per command (and subcommand) into `dir`.
fn man_pages(dir: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cmd = <Cli as clap::CommandFactory>::command();
    clap_mangen::generate_to(cmd, dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
    let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    eprintln!(
        "vrs: {n} man page(s) in {} (man -l {}/vrs.1)",
        dir.display(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::Cli;

    /// Every command's --help shows an example.
    #[test]
    fn every_command_has_an_example() {
        fn walk(cmd: &clap::Command, path: String, missing: &mut Vec<String>) {
            let about = cmd
                .get_long_about()
                .or(cmd.get_about())
                .map(ToString::to_string)
                .unwrap_or_default();
            if !about.contains("Example: vrs") {
                missing.push(path.clone());
            }
            for sub in cmd.get_subcommands() {
                walk(sub, format!("{path} {}", sub.get_name()), missing);
            }
        }
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        for sub in cmd.get_subcommands() {
            walk(sub, sub.get_name().to_owned(), &mut missing);
        }
        let about = cmd
            .get_long_about()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(about.contains("Example: vrs"), "vrs itself");
        assert!(missing.is_empty(), "no example in the help of: {missing:?}");
    }
}
