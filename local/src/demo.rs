//! `vrs demo`: a whole federation on one machine, in one command.
//!
//! A throw-away PKI, three State nodes on free loopback ports with sled in a temporary
//! directory, focal points with registered keys, a few hundred realistic synthetic
//! reports per State submitted concurrently over mTLS, amendments and retractions,
//! offline verification of receipts, and an audit of each log's consistency.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use tokio::task::JoinSet;
use vrs_core::note::{Verifiers, open_checkpoint};
use vrs_core::receipt::Receipt;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Body, Currency, Date, Iso3, RecordType, Report};
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::log_service_client::LogServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_proto::v1::sync_service_client::SyncServiceClient;

use crate::{FocalPoint, LocalNode, Pki};
use vrs_client::pki::Identity;

/// What the demo does.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// States to run nodes for.
    pub states: Vec<String>,
    /// Reports per State.
    pub reports: usize,
    /// Where to put the PKI and the data (a temporary directory when `None`).
    pub dir: Option<PathBuf>,
    /// Keep the federation running until Ctrl-C.
    pub keep: bool,
    /// With `keep`: the web workspace on this loopback address, with a profile for each
    /// role.
    pub ui: Option<std::net::SocketAddr>,
    /// Months of data, ending with October 2026 (each released): 12 fills a year of
    /// the secretariat's dashboard.
    pub months: u32,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            states: vec!["AUS".into(), "IDN".into(), "THA".into()],
            reports: 200,
            dir: None,
            keep: false,
            ui: None,
            months: 1,
        }
    }
}

/// A small deterministic generator for synthetic data (not for anything secret).
struct Synth(u64);

impl Synth {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick(&mut self, v: &[&'static str]) -> &'static str {
        v[self.below(v.len() as u64) as usize]
    }
}

const ORIGINS: &[&str] = &[
    "MMR", "BGD", "AFG", "LKA", "IRN", "VNM", "KHM", "PAK", "CHN", "NPL",
];
const TRANSITS: &[&str] = &["MYS", "THA", "IDN", "SGP", "PHL", "TLS", "PNG"];
const CURRENCIES: &[&str] = &["USD", "MYR", "THB", "IDR", "AUD"];

fn iso(code: &str) -> anyhow::Result<Iso3> {
    Iso3::new(code).with_context(|| format!("{code} is not an ISO 3166-1 alpha-3 code"))
}

/// The last period of the demo's data.
const LAST: (u16, u8) = (2026, 10);

/// The `months` periods ending with [`LAST`], oldest first, as (year, month).
fn months(months: u32) -> Vec<(u16, u8)> {
    (0..months.max(1))
        .rev()
        .map(|back| {
            let m = i64::from(LAST.0) * 12 + i64::from(LAST.1) - 1 - i64::from(back);
            (
                u16::try_from(m / 12).unwrap_or(LAST.0),
                u8::try_from(m % 12 + 1).unwrap_or(1),
            )
        })
        .collect()
}

/// The period code of (year, month): `2026-M10`.
fn period((y, m): (u16, u8)) -> String {
    format!("{y}-M{m:02}")
}

/// A realistic synthetic report of `kind` for `state`, observed in `month` (October 2026
/// unless the demo spans more): the core examples with regional routes, citizenships,
/// counts and fees.
fn synthetic(
    rng: &mut Synth,
    kind: RecordType,
    state: Iso3,
    fp: &str,
    n: u64,
    month: (u16, u8),
) -> anyhow::Result<Report> {
    let days = if month == LAST { 31 } else { 28 };
    let day = Date::new(month.0, month.1, 1 + rng.below(days) as u8).context("date")?;
    let mut p = ExampleParams::new(state, fp, examples::report_id(n)).on(day);
    p.key_id = format!("{fp}-k1");
    let mut r = examples::example(kind, &p);
    let origin = loop {
        let o = iso(rng.pick(ORIGINS))?;
        if o != state {
            break o;
        }
    };
    let transit = loop {
        let t = iso(rng.pick(TRANSITS))?;
        if t != state && t != origin {
            break t;
        }
    };
    match r.body.as_mut() {
        Some(Body::Movement(m)) => {
            if let [first, second] = m.route.as_mut_slice() {
                first.from_country = origin;
                first.to_country = transit;
                second.from_country = transit;
                second.to_country = state;
            }
            for (i, g) in m.persons.iter_mut().enumerate() {
                if i < 3 {
                    g.citizenship = origin;
                }
                g.count = 1 + rng.below(30) as u32;
            }
            let minors: u32 = m
                .persons
                .iter()
                .filter(|g| g.age_band.code() == "Y_LT18")
                .map(|g| g.count)
                .sum();
            m.unaccompanied_minors = rng.below(u64::from(minors) + 1) as u32;
            m.deaths = if rng.below(20) == 0 { 1 } else { 0 };
            m.injuries = rng.below(3) as u32;
        }
        Some(Body::Smuggler(s)) => {
            s.citizenship = if rng.below(3) == 0 { transit } else { origin };
        }
        Some(Body::Fee(f)) => {
            let legs = f.route.len();
            if legs >= 1 {
                f.route.truncate(1);
                f.route[0].from_country = origin;
                f.route[0].to_country = state;
            }
            f.currency = Currency::new(rng.pick(CURRENCIES)).context("currency code list")?;
            f.amount = 100_000 + rng.below(900_000);
        }
        Some(Body::Document(d)) => {
            d.holder_citizenship = origin;
            d.count = 1 + rng.below(4) as u32;
        }
        _ => {}
    }
    Ok(r)
}

struct StateRun {
    node: LocalNode,
    focal_points: Vec<Arc<FocalPoint>>,
    sample: Option<(pb::Envelope, pb::Receipt)>,
    first_checkpoint: Option<String>,
    accepted: usize,
    rejected: Vec<String>,
}

/// The demo's state: what it printed, and the PKI it issues from.
struct Demo {
    out: String,
    pki: Pki,
    ca: String,
}

/// Prints a line of the demo's report and keeps it for the caller.
macro_rules! say {
    ($demo:expr, $($t:tt)*) => {{
        let line = format!($($t)*);
        println!("{line}");
        let _ = writeln!($demo.out, "{line}");
    }};
}
use say;

mod steps;
use steps::sync_line;

impl Demo {
    /// The State nodes (each a peer of every other) with three focal points each, and
    /// the files of the regional secretariat's node; the States' verifier keys.
    async fn start_states(
        &mut self,
        states: &[String],
    ) -> anyhow::Result<(Vec<StateRun>, crate::NodeFiles, Vec<(String, String)>)> {
        // Every node is a peer of every other: bind the ports first so that each
        // configuration can name its peers' endpoints, and the roster every key.
        let dir = &self.pki.dir;
        let keeper = crate::roster::RosterKeeper::new(dir, "roster-1", "vrs.local/roster/1")?;
        let note_path = dir.join("roster.note");
        let extra = "[sync]\njitter_s = 0\n".to_owned() + &keeper.section_with_file(&note_path);
        let mut members = Vec::new();
        for state in states {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let port = listener.local_addr()?.port();
            // The first State releases under reciprocity = "period" (see steps.rs).
            let policy = if members.is_empty() {
                steps::RECIPROCAL
            } else {
                ""
            };
            let files = crate::node_files(&self.pki, state, None, &(extra.clone() + policy))?;
            members.push((files, listener, port));
        }
        // The peers name no key: each node verifies the others under the roster.
        for (a, _, _) in &members {
            for (b, _, port) in members.iter().filter(|(b, _, _)| b.state != a.state) {
                crate::roster::add_roster_peer(a, &b.state, *port)?;
            }
        }
        keeper.write_roster(
            "vrs.local",
            &note_path,
            members.iter().map(|(f, _, port)| (f, *port)),
        )?;
        let n = members.len();
        say!(
            self,
            "  roster v1 of {n} members signed by vrs.local/roster/1, pinned by every node"
        );
        let vkeys: Vec<(String, String)> = members
            .iter()
            .map(|(f, _, _)| (f.state.clone(), f.vkey.clone()))
            .collect();
        // The regional secretariat's node syncs from every State node of its region.
        let sec_files = crate::secretariat_files(&self.pki, "ROSEAP", &extra)?;
        for (f, _, port) in &members {
            crate::roster::add_roster_peer(&sec_files, &f.state, *port)?;
        }
        let mut runs = Vec::new();
        for (files, listener, _) in members {
            let state = &files.state;
            let node = LocalNode::start_on(&files, listener).await?;
            say!(
                self,
                "  node {state} on {} (verifier key {})",
                node.addr,
                node.vkey
            );
            let admin = node
                .channel(&self.ca, &self.pki.issue(Identity::admin(state))?)
                .await?;
            let mut fps = Vec::new();
            for agency in ["border-police", "coast-guard", "prosecution"] {
                let id = format!("{}-{agency}", state.to_lowercase());
                let fp = FocalPoint::new(&self.pki, state, &id, &format!("{id}-k1"))?;
                crate::register(admin.clone(), &fp)
                    .await
                    .with_context(|| format!("registering the key of {id}"))?;
                fps.push(Arc::new(fp));
            }
            runs.push(StateRun {
                node,
                focal_points: fps,
                sample: None,
                first_checkpoint: None,
                accepted: 0,
                rejected: Vec::new(),
            });
        }
        Ok((runs, sec_files, vkeys))
    }

    /// Submits `reports` synthetic reports to one State's node through its focal
    /// points, 16 at a time, then amends and retracts a few.
    async fn submit(
        &mut self,
        si: usize,
        run: &mut StateRun,
        reports: usize,
        months: &[(u16, u8)],
    ) -> anyhow::Result<()> {
        let kinds = [
            RecordType::Movement,
            RecordType::Movement,
            RecordType::Smuggler,
            RecordType::Fee,
            RecordType::Document,
            RecordType::Case,
        ];
        let state = iso(&run.node.state)?;
        let mut rng = Synth(0x5eed + si as u64);
        let mut set = JoinSet::new();
        let limit = Arc::new(tokio::sync::Semaphore::new(16));
        let mut channels = Vec::new();
        for fp in &run.focal_points {
            channels.push(run.node.channel(&self.ca, &fp.cert).await?);
        }
        for i in 0..reports {
            let kind = kinds[i % kinds.len()];
            let which = i % run.focal_points.len();
            let fp = run.focal_points[which].clone();
            let month = months[months.len() - 1 - i % months.len()];
            let n = (si * 100_000 + i + 1) as u64;
            let report = synthetic(&mut rng, kind, state, &fp.id, n, month)?;
            let ch = channels[which].clone();
            let permit = limit.clone().acquire_owned().await?;
            set.spawn(async move {
                let _permit = permit;
                let env = fp.sign(&pb::Report::from(&report));
                let r = ReportServiceClient::new(ch)
                    .submit(pb::SubmitRequest {
                        envelope: Some(env.clone()),
                    })
                    .await;
                (report, env, r)
            });
        }
        let mut accepted_reports = Vec::new();
        while let Some(j) = set.join_next().await {
            let (report, env, r) = j?;
            match r {
                Ok(resp) => {
                    run.accepted += 1;
                    let receipt = resp.into_inner().receipt.context("receipt")?;
                    if run.first_checkpoint.is_none() {
                        let parsed = Receipt::parse(&receipt.tlog_proof)?;
                        run.first_checkpoint = Some(parsed.checkpoint_note.clone());
                    }
                    if run.sample.is_none() {
                        run.sample = Some((env.clone(), receipt));
                    }
                    accepted_reports.push((report, env));
                }
                Err(e) => run
                    .rejected
                    .push(format!("{}: {}", report.report_id, e.message())),
            }
        }
        self.amend_some(run, &mut accepted_reports).await
    }

    /// Amends five of the accepted reports and retracts five, as focal points do.
    async fn amend_some(
        &mut self,
        run: &mut StateRun,
        accepted_reports: &mut [(Report, pb::Envelope)],
    ) -> anyhow::Result<()> {
        // Amend a few reports and retract a few, as focal points do.
        accepted_reports.sort_by_key(|(r, _)| r.report_id.to_string());
        let (mut amended, mut retracted) = (0, 0);
        for (k, (report, env)) in accepted_reports.iter().take(10).enumerate() {
            let digest =
                vrs_core::sha256(&vrs_core::wire::envelope_from_pb(env.clone()).to_entry_bytes());
            let next = if k % 2 == 0 {
                examples::example_amendment(report, digest)
            } else {
                examples::example_retraction(report, digest)
            };
            let fp = run
                .focal_points
                .iter()
                .find(|f| f.id == report.focal_point_id)
                .context("focal point")?;
            let ch = run.node.channel(&self.ca, &fp.cert).await?;
            ReportServiceClient::new(ch)
                .submit(pb::SubmitRequest {
                    envelope: Some(fp.sign(&pb::Report::from(&next))),
                })
                .await
                .with_context(|| format!("new version of {}", report.report_id))?;
            if k % 2 == 0 {
                amended += 1;
            } else {
                retracted += 1;
            }
        }
        say!(
            self,
            "  {}: {} reports accepted, {} refused, {amended} amended, {retracted} retracted",
            run.node.state,
            run.accepted,
            run.rejected.len()
        );
        for r in run.rejected.iter().take(3) {
            say!(self, "    refused {r}");
        }
        Ok(())
    }

    /// Each State's sample receipt and log audit, offline: the number that failed.
    async fn verify_offline(&mut self, runs: &[StateRun]) -> anyhow::Result<u32> {
        say!(self, "verification (offline, with public keys only):");
        let mut failures = 0u32;
        for run in runs {
            let verifiers = Verifiers::from_vkeys([run.node.vkey.as_str()])?;
            if let Some((env, receipt)) = &run.sample {
                let entry = vrs_core::wire::envelope_from_pb(env.clone()).to_entry_bytes();
                match Receipt::parse(&receipt.tlog_proof).and_then(|r| r.verify(&entry, &verifiers))
                {
                    Ok(v) => say!(
                        self,
                        "  {}: sample receipt VERIFIED (entry {} in a tree of {})",
                        run.node.state,
                        v.index,
                        v.checkpoint.checkpoint.size
                    ),
                    Err(e) => {
                        failures += 1;
                        say!(self, "  {}: sample receipt FAILED: {e}", run.node.state);
                    }
                }
            }
            // Audit: the latest checkpoint must be consistent with the first one seen.
            let auditor = self.pki.issue(Identity::secretariat("demo-auditor"))?;
            let mut log = LogServiceClient::new(run.node.channel(&self.ca, &auditor).await?);
            let latest = log
                .get_checkpoint(pb::GetCheckpointRequest {})
                .await?
                .into_inner();
            let latest_cp = open_checkpoint(&latest.note, &verifiers)?;
            if let Some(first) = &run.first_checkpoint {
                let old = open_checkpoint(first, &verifiers)?;
                let proof = log
                    .get_consistency_proof(pb::ConsistencyProofRequest {
                        first: old.checkpoint.size,
                        second: latest_cp.checkpoint.size,
                    })
                    .await?
                    .into_inner();
                let hashes: Vec<vrs_core::Hash> = proof
                    .hashes
                    .iter()
                    .map(|h| h.as_slice().try_into())
                    .collect::<Result<_, _>>()
                    .context("proof hash length")?;
                match vrs_core::merkle::verify_consistency(
                    old.checkpoint.size,
                    latest_cp.checkpoint.size,
                    &old.checkpoint.root,
                    &latest_cp.checkpoint.root,
                    &hashes,
                ) {
                    Ok(()) => say!(
                        self,
                        "  {}: log audit VERIFIED (checkpoint {} consistent with {})",
                        run.node.state,
                        latest_cp.checkpoint.size,
                        old.checkpoint.size
                    ),
                    Err(e) => {
                        failures += 1;
                        say!(self, "  {}: log audit FAILED: {e}", run.node.state);
                    }
                }
            }
        }
        Ok(failures)
    }

    /// Releases 2026-M10 on every State node, then one sync round on each.
    async fn release_and_sync(
        &mut self,
        runs: &[StateRun],
        months: &[(u16, u8)],
    ) -> anyhow::Result<u32> {
        let mut failures = 0u32;
        say!(
            self,
            "releases (period 2026-M10, threshold k = 5) and one federation sync round:"
        );
        for run in runs {
            let admin = run
                .node
                .channel(&self.ca, &self.pki.issue(Identity::admin(&run.node.state))?)
                .await?;
            let mut made = Vec::new();
            for m in months {
                let p = period(*m);
                made = AggregatesServiceClient::new(admin.clone())
                    .release_now(pb::ReleaseNowRequest {
                        period: p.clone(),
                        revise: false,
                    })
                    .await
                    .with_context(|| format!("releasing {p} on {}", run.node.state))?
                    .into_inner()
                    .releases;
            }
            say!(
                self,
                "  {}: {} tables released and signed{}",
                run.node.state,
                made.len(),
                if months.len() > 1 {
                    format!(
                        " for each of {} periods, {} to {}",
                        months.len(),
                        period(months[0]),
                        period(LAST)
                    )
                } else {
                    String::new()
                }
            );
        }
        for run in runs {
            let admin = run
                .node
                .channel(&self.ca, &self.pki.issue(Identity::admin(&run.node.state))?)
                .await?;
            failures += self.sync_round(&run.node.state, admin).await?;
        }
        Ok(failures)
    }

    /// One sync round on `node` (over an admin's or the secretariat's channel), each
    /// peer's record printed: the number of peers whose run failed.
    async fn sync_round(
        &mut self,
        node: &str,
        channel: tonic::transport::Channel,
    ) -> anyhow::Result<u32> {
        let st = SyncServiceClient::new(channel)
            .sync_now(pb::SyncNowRequest::default())
            .await?
            .into_inner();
        let mut failures = 0u32;
        for p in &st.peers {
            if !p.last_error.is_empty() {
                failures += 1;
            }
            say!(self, "{}", sync_line(node, p));
        }
        Ok(failures)
    }

    /// The secretariat's node syncs its region; its operator then pulls every release
    /// from it, verifies each under its origin's key and checks the regional table.
    async fn secretariat(
        &mut self,
        sec_files: &crate::NodeFiles,
        vkeys: &[(String, String)],
    ) -> anyhow::Result<(u32, LocalNode)> {
        let mut failures = 0u32;
        // The secretariat's node syncs its region; its operator then pulls every release
        // from it and verifies each under its origin's key.
        let sec_node = LocalNode::start(sec_files).await?;
        say!(self, "secretariat ROSEAP on {}:", sec_node.addr);
        let secretariat = self.pki.issue(Identity::secretariat("ROSEAP"))?;
        let sec_channel = sec_node.channel(&self.ca, &secretariat).await?;
        failures += self.sync_round("ROSEAP", sec_channel.clone()).await?;
        let first = &sec_node;
        let mut agg = AggregatesServiceClient::new(sec_channel.clone());
        let list = agg
            .list_releases(pb::ListReleasesRequest {
                period: "2026-M10".into(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .releases;
        let mut movements = Vec::new();
        let mut all = Vec::new();
        let mut verified = 0;
        for info in &list {
            let env = agg
                .get_release(pb::GetReleaseRequest {
                    origin: info.origin.clone(),
                    table: info.table.clone(),
                    period: info.period.clone(),
                    version: info.version,
                })
                .await?
                .into_inner()
                .envelope
                .context("envelope")?;
            let vkey = &vkeys
                .iter()
                .find(|(s, _)| *s == info.origin)
                .context("origin not in the federation")?
                .1;
            let key = vrs_core::note::NoteVerifier::parse(vkey)?;
            match vrs_core::release::open_release(
                &vrs_core::wire::envelope_from_pb(env),
                key.public_key(),
            ) {
                Ok(r) => {
                    verified += 1;
                    if r.table == vrs_core::aggregate::TableId::Movements {
                        movements.push(r.clone());
                    }
                    all.push(r);
                }
                Err(e) => {
                    failures += 1;
                    say!(self, "  release {} {} FAILED: {e}", info.origin, info.table);
                }
            }
        }
        say!(
            self,
            "  {verified} of {} releases held by {} VERIFIED under their origins' keys",
            list.len(),
            first.state
        );
        self.withheld_summary(&all);
        failures += self.regional(&mut agg, &movements).await?;
        Ok((failures, sec_node))
    }

    /// The regional MOVEMENTS table: summed here from the verified releases, and the
    /// same as the one the secretariat's node serves. Its lines by origin are printed.
    async fn regional(
        &mut self,
        agg: &mut AggregatesServiceClient<tonic::transport::Channel>,
        movements: &[vrs_core::release::Release],
    ) -> anyhow::Result<u32> {
        let mut failures = 0u32;
        let regional = vrs_core::release::regional_sum(movements)?;
        say!(
            self,
            "regional table MOVEMENTS 2026-M10 (sum of {} national releases; LOWER_BOUND true where a national cell was suppressed):",
            movements.len()
        );
        // The secretariat node's own regional table must be the same sum.
        let served = agg
            .regional_table(pb::RegionalTableRequest {
                table: "MOVEMENTS".into(),
                period: "2026-M10".into(),
                format: pb::ExportFormat::Csv as i32,
            })
            .await?
            .into_inner()
            .data;
        let csv = regional.to_csv();
        if served != csv.as_bytes() {
            failures += 1;
            say!(
                self,
                "  the secretariat node's regional table DIFFERS from the verified sum"
            );
        }
        // By origin, all methods and destinations: the lines a regional report opens with.
        let mut lines = csv.lines();
        if let Some(header) = lines.next() {
            say!(self, "  {header}");
        }
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() > 6 && f[3] == "_T" && f[5] == "_T" {
                say!(self, "  {line}");
            }
        }
        Ok(failures)
    }

    /// Values withheld per table, over every State's releases.
    fn withheld_summary(&mut self, all: &[vrs_core::release::Release]) {
        say!(
            self,
            "disclosure control (audited, every State): values withheld as primary (A) and secondary (D) of the count values listed:"
        );
        for table in vrs_core::aggregate::TableId::ALL {
            let (mut a, mut d, mut n) = (0, 0, 0);
            for r in all.iter().filter(|r| r.table == table) {
                for o in r
                    .cells
                    .iter()
                    .flat_map(|c| &c.observations)
                    .filter(|o| o.measure.is_count())
                {
                    n += 1;
                    match (o.value, o.conf_status) {
                        (None, vrs_core::disclosure::ConfStatus::Primary) => a += 1,
                        (None, vrs_core::disclosure::ConfStatus::Secondary) => d += 1,
                        _ => {}
                    }
                }
            }
            say!(self, "  {:<11} {a:>5} A {d:>5} D of {n:>6}", table.code());
        }
    }
}

/// Runs the demo and returns its report (also printed as it goes).
pub async fn run(opts: DemoOptions) -> anyhow::Result<String> {
    let tmp;
    let dir = match &opts.dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::Builder::new().prefix("vrs-demo-").tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let pki = Pki::create(&dir.join("pki"))?;
    let ca = pki.ca.cert_pem().to_owned();
    let mut demo = Demo {
        out: String::new(),
        pki,
        ca,
    };
    say!(demo, "vrs demo: a local federation in {}", dir.display());
    say!(
        demo,
        "  (development PKI and keys: throw-away, NOT for production)"
    );
    let (mut runs, sec_files, vkeys) = demo.start_states(&opts.states).await?;
    let months = months(opts.months);
    for (si, run) in runs.iter_mut().enumerate() {
        demo.submit(si, run, opts.reports, &months).await?;
    }
    let mut failures = demo.verify_offline(&runs).await?;
    demo.publish_directories(&runs).await?;
    failures += demo.release_and_sync(&runs, &months).await?;
    failures += demo.check_directories(&runs, &vkeys).await?;
    let (more, sec_node) = demo.secretariat(&sec_files, &vkeys).await?;
    failures += more;
    failures += demo.reciprocity(&runs, months[0]).await?;

    if opts.keep {
        say!(
            demo,
            "the federation keeps running; press Ctrl-C to stop. Files: {}",
            dir.display()
        );
        for run in &runs {
            say!(
                demo,
                "  {} at https://localhost:{}  config {}",
                run.node.state,
                run.node.addr.port(),
                dir.join("pki")
                    .join(format!("node-{}", run.node.state))
                    .join("vrs-node.toml")
                    .display()
            );
        }
        match opts.ui {
            Some(listen) => {
                let nodes: Vec<&LocalNode> = runs.iter().map(|r| &r.node).collect();
                let config =
                    crate::workspace::write_profiles(&dir, &demo.pki, &nodes, &sec_node).await?;
                let bound = crate::workspace::bind(&config, &dir, listen).await?;
                say!(
                    demo,
                    "the web workspace (profiles in {}; switch between them in its header):",
                    config.display()
                );
                say!(demo, "  {}", bound.url);
                bound
                    .serve(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await?;
            }
            None => tokio::signal::ctrl_c().await?,
        }
    }
    sec_node.stop().await?;
    for run in runs {
        run.node.stop().await?;
    }
    if failures > 0 {
        bail!("{failures} verification(s) failed");
    }
    say!(demo, "demo finished: every verification passed");
    Ok(demo.out)
}
