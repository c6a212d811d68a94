//! `vrs`: the command line of focal points, operators, secretariats and auditors.
//!
//! Exit codes: 0 ok, 1 failure, 2 usage (clap, or an argument value refused before
//! anything is sent), 3 rejected (the node refused a request, or a record was refused by
//! the same validation run locally before sending it).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod cli;

use cli::{Output, RecordTypeArg};

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
    /// Sign and submit reports: one JSON report, a JSON array, NDJSON or CSV.
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
        /// At most this many reports (0: all).
        #[arg(long, default_value_t = 100)]
        limit: usize,
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
}

#[derive(Args)]
struct ReleaseFilterArgs {
    /// Only releases of this origin State (e.g. IDN).
    #[arg(long, value_name = "STATE")]
    origin: Option<String>,
    /// Only this table (MOVEMENTS, PERSONS, SMUGGLERS, FEES, DOCUMENTS, CASES).
    #[arg(long)]
    table: Option<String>,
    /// Only this SDMX period (e.g. 2026-M03).
    #[arg(long)]
    period: Option<String>,
}

impl ReleaseFilterArgs {
    fn filter(self) -> cli::releases::Filter {
        cli::releases::Filter {
            origin: self.origin,
            table: self.table,
            period: self.period,
        }
    }
}

#[derive(Subcommand)]
enum ReleasesCmd {
    /// The releases the node holds (its own and its peers'), latest versions.
    ///
    /// Example: vrs releases list --period 2026-M03 --output csv
    List {
        #[command(flatten)]
        filter: ReleaseFilterArgs,
        #[command(flatten)]
        output: OutputArg,
    },
    /// One release: verified under its origin's pinned key when the profile pins one
    /// (otherwise shown with a warning), then printed.
    ///
    /// Refused (exit 1) when its signature, or the origin's checkpoint it carries, does
    /// not verify under the pinned key, or when it is not the release asked for.
    ///
    /// Example: vrs releases get IDN MOVEMENTS 2026-M03 --envelope idn.release.json
    Get {
        /// Origin State (ISO 3166-1 alpha-3).
        origin: String,
        /// Table id (MOVEMENTS, PERSONS, SMUGGLERS, FEES, DOCUMENTS, CASES).
        table: String,
        /// SDMX period (e.g. 2026-M03).
        period: String,
        /// Version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = cli::releases::Format::Json)]
        format: cli::releases::Format,
        /// Write the output to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also save the signed release, as its origin signed it (DSSE JSON), for
        /// `vrs releases verify`.
        #[arg(long, value_name = "FILE")]
        envelope: Option<PathBuf>,
    },
    /// Export releases (latest versions): each fetched and verified under its origin's
    /// pinned key, then written as SDMX-CSV 2.0, CSV or JSON. Nothing is written when one
    /// is refused (exit 1). A CSV export holds one table.
    ///
    /// Example: vrs releases export --format sdmx-csv --table MOVEMENTS --period 2026-M03 --out movements.csv
    Export {
        /// Format.
        #[arg(long, value_enum, default_value_t = cli::releases::Format::SdmxCsv)]
        format: cli::releases::Format,
        #[command(flatten)]
        filter: ReleaseFilterArgs,
        /// Write the export to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Release a closed period now (admin): every table, once (a second call returns the
    /// releases held); with --revise, the period's one revision (version 2).
    ///
    /// Example: vrs releases release 2026-M03
    Release {
        /// SDMX period (e.g. 2026-M03); it must be closed (its end plus the embargo).
        period: String,
        /// Make the period's one revision instead.
        #[arg(long)]
        revise: bool,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Verify a saved signed release (from `vrs releases get --envelope`) offline, under
    /// the origin's verifier key (--key, or the key the profile pins for its origin).
    ///
    /// Example: vrs releases verify idn.release.json --key "$(cat node.vkey)"
    Verify {
        /// The signed release (DSSE JSON).
        file: PathBuf,
        /// The origin node's verifier key (name+keyid+base64).
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum RegionCmd {
    /// The regional table of one table and period: every national release of it that the
    /// profile's node holds (or those of --states), each verified under its origin's
    /// pinned key, summed cell by cell. A regional value that includes a withheld
    /// national value is flagged LOWER_BOUND. No table is printed, and the exit status is
    /// 1, when a release is missing or refused.
    ///
    /// Example: vrs region table --table MOVEMENTS --period 2026-M03 --format csv
    Table {
        /// Table id (MOVEMENTS, PERSONS, SMUGGLERS, FEES, DOCUMENTS, CASES).
        #[arg(long)]
        table: String,
        /// SDMX period (e.g. 2026-M03).
        #[arg(long)]
        period: String,
        /// Only these States, each of which must be held (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "STATES")]
        states: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = cli::releases::RegionFormat::Csv)]
        format: cli::releases::RegionFormat,
        /// Write the table to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SyncCmd {
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

#[derive(Args)]
struct OutputArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Args)]
struct SubmitArgs {
    /// Report files (.json, .ndjson/.jsonl, .csv).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Record type of CSV rows without a record_type column.
    #[arg(long = "type", value_enum)]
    record_type: Option<RecordTypeArg>,
    /// Directory for receipts.
    #[arg(long, default_value = "receipts", value_name = "DIR")]
    receipts: PathBuf,
    /// Submissions in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,
    #[command(flatten)]
    output: OutputArg,
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

#[derive(Subcommand)]
enum PkiCmd {
    /// Make a DEVELOPMENT federation PKI: a CA and every certificate and key the nodes,
    /// admins, one focal point per State and the secretariat need, plus a client
    /// configuration with a profile for each. Not for production.
    ///
    /// Example: vrs pki init --federation ./fed --states AUS,IDN,THA --secretariat ROSEAP
    Init {
        /// Directory to create (must not hold a federation already).
        #[arg(long, value_name = "DIR")]
        federation: PathBuf,
        /// States (ISO 3166-1 alpha-3, comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        states: Vec<String>,
        /// Secretariat id (e.g. ROSEAP).
        #[arg(long)]
        secretariat: Option<String>,
        /// The node of the n-th State listens on BASE_PORT + n (1-based) in the profiles.
        #[arg(long, default_value_t = 7400)]
        base_port: u16,
        /// Log origins are ORIGIN_PREFIX + State.
        #[arg(long, default_value = "vrs.example/state/")]
        origin_prefix: String,
    },
    /// Issue one more certificate from the federation's development CA.
    ///
    /// Example: vrs pki issue --federation ./fed --focal-point AUS/aus-fp2
    Issue {
        /// The directory made by `vrs pki init`.
        #[arg(long, value_name = "DIR")]
        federation: PathBuf,
        #[command(flatten)]
        who: IssueWho,
        /// Extra DNS name or IP address of a node certificate (repeatable).
        #[arg(long = "host", requires = "node")]
        hosts: Vec<String>,
        /// Output directory [default: the federation's layout].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct IssueWho {
    /// A node of this State.
    #[arg(long, value_name = "STATE")]
    node: Option<String>,
    /// The admin of this State's node.
    #[arg(long, value_name = "STATE")]
    admin: Option<String>,
    /// A focal point, STATE/ID (also gets a signing key ID-k1).
    #[arg(long, value_name = "STATE/ID")]
    focal_point: Option<String>,
    /// A secretariat.
    #[arg(long, value_name = "ID")]
    secretariat: Option<String>,
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Make a report signing key (Ed25519): FILE (mode 0600) and FILE.pub for the
    /// node's operator.
    ///
    /// Example: vrs keys new --key-id aus-fp1-k2 --out ~/.config/vrs/aus-fp1-k2.key
    New {
        /// Key id (1 to 64 of [A-Za-z0-9._-]; unique on the node).
        #[arg(long)]
        key_id: String,
        /// Where to write the key [default: KEY_ID.key].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Register a focal point's public key (admin).
    ///
    /// Example: vrs keys register --focal-point aus-fp1 aus-fp1-k2.key.pub
    Register {
        /// The focal point's id (as in its certificate).
        #[arg(long)]
        focal_point: String,
        /// Public key file (.pub from `vrs keys new`).
        #[arg(required_unless_present = "public_key", value_name = "PUBFILE")]
        file: Option<PathBuf>,
        /// Key id, with --public-key instead of a file.
        #[arg(long, requires = "public_key", conflicts_with = "file")]
        key_id: Option<String>,
        /// Raw Ed25519 public key, base64, with --key-id.
        #[arg(long, requires = "key_id", conflicts_with = "file")]
        public_key: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Rotate: register a new key, then revoke the old one (admin).
    ///
    /// Example: vrs keys rotate --focal-point aus-fp1 --old aus-fp1-k1 aus-fp1-k2.key.pub
    Rotate {
        /// The focal point's id.
        #[arg(long)]
        focal_point: String,
        /// Key id to revoke once the new one is registered.
        #[arg(long, value_name = "KEY_ID")]
        old: String,
        /// The new public key file.
        #[arg(value_name = "PUBFILE")]
        file: PathBuf,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Revoke a key from the next log index on (admin).
    ///
    /// Example: vrs keys revoke aus-fp1-k1 --reason compromised
    Revoke {
        /// Key id.
        key_id: String,
        /// Reason code (1 to 64 of [A-Za-z0-9._-]).
        #[arg(long, default_value = "revoked")]
        reason: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// List the registered keys (admin).
    ///
    /// Example: vrs keys list --output json
    List {
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Subcommand)]
enum LogCmd {
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
        } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| {
                rt.block_on(vrs_local::demo::run(vrs_local::demo::DemoOptions {
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
        Cmd::Pki { cmd } => match cmd {
            PkiCmd::Init {
                federation,
                states,
                secretariat,
                base_port,
                origin_prefix,
            } => cli::pki::init(
                &federation,
                &states,
                secretariat.as_deref(),
                base_port,
                &origin_prefix,
            ),
            PkiCmd::Issue {
                federation,
                who,
                hosts,
                out,
            } => cli::pki::issue(
                &federation,
                cli::pki::Who {
                    node: who.node,
                    admin: who.admin,
                    focal_point: who.focal_point,
                    secretariat: who.secretariat,
                },
                &hosts,
                out.as_deref(),
            ),
        },
        Cmd::Keys {
            cmd: KeysCmd::New { key_id, out },
        } => cli::keys::new(&key_id, out),
        Cmd::Keys { cmd } => block_on(async move {
            match cmd {
                KeysCmd::New { .. } => Ok(()),
                KeysCmd::Register {
                    focal_point,
                    file,
                    key_id,
                    public_key,
                    output,
                } => {
                    cli::keys::register(
                        &sel,
                        &focal_point,
                        file.as_deref(),
                        key_id.as_deref(),
                        public_key.as_deref(),
                        output.output,
                    )
                    .await
                }
                KeysCmd::Rotate {
                    focal_point,
                    old,
                    file,
                    output,
                } => cli::keys::rotate(&sel, &focal_point, &old, &file, output.output).await,
                KeysCmd::Revoke {
                    key_id,
                    reason,
                    output,
                } => cli::keys::revoke(&sel, &key_id, &reason, output.output).await,
                KeysCmd::List { output } => cli::keys::list(&sel, output.output).await,
            }
        }),
        Cmd::Submit(a) => block_on(cli::submit::submit(
            &sel,
            cli::submit::Options {
                files: a.files,
                record_type: a.record_type,
                receipts: a.receipts,
                jobs: usize::from(a.jobs),
                output: a.output.output,
            },
        )),
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
            output,
        } => block_on(cli::reports::list(
            &sel,
            cli::reports::ListFilter {
                record_type,
                agency,
                from,
                to,
                limit,
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
        Cmd::Log { cmd } => block_on(async move {
            match cmd {
                LogCmd::Checkpoint { note, output } => {
                    cli::log::checkpoint(&sel, note, output.output).await
                }
                LogCmd::Prove { entry, out } => cli::log::prove(&sel, &entry, out.as_deref()).await,
                LogCmd::Consistency { old } => cli::log::consistency(&sel, &old).await,
            }
        }),
        Cmd::Audit {
            nodes,
            state_dir,
            output,
        } => block_on(cli::log::audit(&sel, &nodes, state_dir, output.output)),
        Cmd::Health { output } => block_on(cli::log::health(&sel, output.output)),
        Cmd::Releases {
            cmd: ReleasesCmd::Verify { file, key },
        } => cli::releases::verify(&sel, &file, key.as_deref()),
        Cmd::Releases { cmd } => block_on(async move {
            match cmd {
                ReleasesCmd::List { filter, output } => {
                    cli::releases::list(&sel, &filter.filter(), output.output).await
                }
                ReleasesCmd::Get {
                    origin,
                    table,
                    period,
                    version,
                    format,
                    out,
                    envelope,
                } => {
                    cli::releases::get(
                        &sel,
                        cli::releases::GetOptions {
                            origin,
                            table,
                            period,
                            version: version.unwrap_or(0),
                            format,
                            out,
                            envelope,
                        },
                    )
                    .await
                }
                ReleasesCmd::Export {
                    format,
                    filter,
                    out,
                } => cli::releases::export(&sel, &filter.filter(), format, out.as_deref()).await,
                ReleasesCmd::Release {
                    period,
                    revise,
                    output,
                } => cli::releases::release(&sel, &period, revise, output.output).await,
                ReleasesCmd::Verify { .. } => Ok(()),
            }
        }),
        Cmd::Region {
            cmd:
                RegionCmd::Table {
                    table,
                    period,
                    states,
                    format,
                    out,
                },
        } => block_on(cli::releases::region_table(
            &sel,
            cli::releases::RegionOptions {
                table,
                period,
                states,
                format,
                out,
            },
        )),
        Cmd::Sync { cmd } => block_on(async move {
            match cmd {
                SyncCmd::Now { peer, output } => {
                    cli::sync::now(&sel, peer.as_deref(), output.output).await
                }
                SyncCmd::Status { output } => cli::sync::status(&sel, output.output).await,
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrs: {}", cli::describe(&e));
            ExitCode::from(cli::exit_code(&e).unwrap_or(EXIT_FAILURE))
        }
    }
}

/// Runs an async command on a fresh runtime.
fn block_on(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?
        .block_on(f)
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
