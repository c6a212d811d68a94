//! `vrs releases`, `vrs region` and `vrs sync` against a real federation: three State
//! nodes (AUS, IDN, THA), peers of each other, in-process on free loopback ports with a
//! throw-away PKI; the binary runs as a user runs it, with HOME in a temporary directory.

use std::path::{Path, PathBuf};

use prost::Message as _;
use serde_json::Value;
use vrs_client::pki::Identity;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Date, Iso3};
use vrs_local::roster::{RosterKeeper, member, roster};
use vrs_local::{self as local, FocalPoint, LocalNode, NodeFiles, Pki};
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::aggregates_service_server::{AggregatesService, AggregatesServiceServer};

mod common;

use common::sdmx::Structure;
use common::{Out, run_with, write_identity};
const STATES: [&str; 3] = ["AUS", "IDN", "THA"];
const PERIOD: &str = "2026-M03";

struct Member {
    files: NodeFiles,
    port: u16,
    node: Option<LocalNode>,
}

/// Three State nodes, each a peer of the others, with an admin and a focal point `fp1`
/// (key registered) per State, the secretariat ROSEAP, and `~/.config/vrs/config.toml`
/// with profiles `<state>-admin`, `<state>-fp` and `roseap` (default; reads from AUS),
/// every origin's key pinned at the top of the file (`origin_keys`).
struct Fed {
    dir: tempfile::TempDir,
    pki: Pki,
    members: Vec<Member>,
    home: PathBuf,
    /// The roster keeper whose key every node pins (`roster-1.key` in `dir`).
    keeper: RosterKeeper,
}

impl Fed {
    /// The federation, with `reports` movements of March 2026 submitted in each State.
    async fn start(reports: usize) -> Fed {
        let dir = tempfile::tempdir().expect("tmp");
        let pki = Pki::create(&dir.path().join("pki")).expect("pki");
        // Every node pins one roster key; no roster is held until one is published.
        let keeper = RosterKeeper::new(dir.path(), "roster-1", "vrs.test/roster/1").expect("key");
        let extra = format!(
            "[sync]\njitter_s = 0\nattempts = 1\npeer_deadline_s = 20\n{}",
            keeper.section()
        );
        let extra = extra.as_str();
        let mut bound = Vec::new();
        for s in STATES {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let files = local::node_files(&pki, s, None, extra).expect("node files");
            bound.push((files, listener, port));
        }
        for (a, _, _) in &bound {
            for (b, _, port) in bound.iter().filter(|(b, _, _)| b.state != a.state) {
                local::add_peer(a, &b.state, *port, &b.vkey).expect("peer");
            }
        }
        let mut members = Vec::new();
        for (files, listener, port) in bound {
            let node = LocalNode::start_on(&files, listener).await.expect("node");
            members.push(Member {
                files,
                port,
                node: Some(node),
            });
        }
        let home = dir.path().join("home");
        let fed = Fed {
            dir,
            pki,
            members,
            home,
            keeper,
        };

        let ca = fed.pki.ca.cert_pem().to_owned();
        let keys: Vec<String> = fed
            .members
            .iter()
            .map(|m| format!("{} = \"{}\"", m.files.state, m.files.vkey))
            .collect();
        let mut config = format!(
            "default_profile = \"roseap\"\norigin_keys = {{ {} }}\n\n",
            keys.join(", ")
        );
        let (sec_crt, sec_key) = write_identity(
            fed.dir.path(),
            "roseap",
            &fed.pki
                .issue(Identity::secretariat("ROSEAP"))
                .expect("cert"),
        );
        config.push_str(&fed.profile("roseap", "AUS", &sec_crt, &sec_key));
        for (i, s) in STATES.iter().enumerate() {
            let lower = s.to_lowercase();
            let (crt, key) = write_identity(
                fed.dir.path(),
                &format!("{lower}-admin"),
                &fed.pki.issue(Identity::admin(*s)).expect("cert"),
            );
            config.push_str(&fed.profile(&format!("{lower}-admin"), s, &crt, &key));
            let fp = FocalPoint::new(&fed.pki, s, "fp1", "fp1-k1").expect("fp");
            let (crt, key) = write_identity(fed.dir.path(), &format!("{lower}-fp"), &fp.cert);
            config.push_str(&fed.profile(&format!("{lower}-fp"), s, &crt, &key));

            let node = fed.members[i].node.as_ref().expect("running");
            let admin = node
                .channel(&ca, &fed.pki.issue(Identity::admin(*s)).expect("cert"))
                .await
                .expect("admin channel");
            local::register(admin, &fp).await.expect("register fp1-k1");
            let mut submit = pb::report_service_client::ReportServiceClient::new(
                node.channel(&ca, &fp.cert).await.expect("fp channel"),
            );
            let state = Iso3::new(s).expect("iso");
            for n in 0..reports {
                let day = Date::new(2026, 3, 1 + n as u8).expect("date");
                let p = ExampleParams::new(state, "fp1", examples::report_id(n as u64 + 1)).on(day);
                let report = examples::example_movement(&p);
                submit
                    .submit(pb::SubmitRequest {
                        envelope: Some(fp.sign(&pb::Report::from(&report))),
                    })
                    .await
                    .expect("submit");
            }
        }
        let cfg_dir = fed.home.join(".config").join("vrs");
        std::fs::create_dir_all(&cfg_dir).expect("mkdir");
        std::fs::write(cfg_dir.join("config.toml"), config).expect("config");
        fed
    }

    fn member(&self, state: &str) -> &Member {
        self.members
            .iter()
            .find(|m| m.files.state == state)
            .expect("a State of the federation")
    }

    fn vkey(&self, state: &str) -> &str {
        &self.member(state).files.vkey
    }

    fn endpoint(&self, port: u16) -> String {
        format!("https://localhost:{port}")
    }

    fn profile(&self, name: &str, node: &str, crt: &Path, key: &Path) -> String {
        format!(
            "[profiles.{name}]\nendpoint = \"{}\"\nca = \"{}\"\ncert = \"{}\"\nkey = \"{}\"\n\n",
            self.endpoint(self.member(node).port),
            self.pki.ca_path().display(),
            crt.display(),
            key.display(),
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn run(&self, args: &[&str]) -> Out {
        self.run_env(&[], args).await
    }

    async fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Out {
        run_with(&self.home, env, args).await
    }

    /// A channel to the node of `node` as the secretariat.
    async fn secretariat(&self, node: &str) -> tonic::transport::Channel {
        self.member(node)
            .node
            .as_ref()
            .expect("running")
            .channel(
                self.pki.ca.cert_pem(),
                &self
                    .pki
                    .issue(Identity::secretariat("ROSEAP"))
                    .expect("cert"),
            )
            .await
            .expect("channel")
    }

    /// Every node releases March 2026, then AUS syncs with its peers.
    async fn release_and_sync(&self) {
        for s in STATES {
            let profile = format!("{}-admin", s.to_lowercase());
            let out = self
                .run(&["--profile", &profile, "releases", "release", PERIOD])
                .await;
            assert_eq!(out.code, 0, "{out:?}");
        }
        let out = self.run(&["--profile", "aus-admin", "sync", "now"]).await;
        assert_eq!(out.code, 0, "{out:?}");
    }

    async fn stop(mut self) {
        for m in &mut self.members {
            if let Some(n) = m.node.take() {
                n.stop().await.expect("stop");
            }
        }
    }
}

/// The releases of `table` and `period` held by `node`, opened under the known keys.
async fn releases_held(fed: &Fed, node: &str, table: &str) -> Vec<vrs_core::release::Release> {
    let mut agg = AggregatesServiceClient::new(fed.secretariat(node).await);
    let list = agg
        .list_releases(pb::ListReleasesRequest {
            origin: String::new(),
            table: table.into(),
            period: PERIOD.into(),
        })
        .await
        .expect("list")
        .into_inner()
        .releases;
    let mut out = Vec::new();
    for info in list {
        let env = agg
            .get_release(pb::GetReleaseRequest {
                origin: info.origin.clone(),
                table: info.table.clone(),
                period: info.period.clone(),
                version: info.version,
            })
            .await
            .expect("get")
            .into_inner()
            .envelope
            .expect("envelope");
        let key = vrs_core::note::NoteVerifier::parse(fed.vkey(&info.origin)).expect("key");
        out.push(
            vrs_core::release::open_release(
                &vrs_core::wire::envelope_from_pb(env),
                key.public_key(),
            )
            .expect("a release the node holds verifies"),
        );
    }
    out
}

/// `vrs releases structure`, run with no profile (it asks no node): the SDMX-ML message,
/// read back with an XML parser, holds a dataflow for every table, and every table's
/// SDMX-CSV export of the period resolves against it column by column and code by code
/// (an altered export does not); the SDMX-JSON message has the same dataflows.
async fn check_structure(fed: &Fed) {
    let nobody = fed.path("nobody");
    let file = fed.path("structure.xml");
    let file_s = file.display().to_string();
    let args = [
        "releases",
        "structure",
        "--format",
        "sdmx-ml",
        "--out",
        &file_s,
    ];
    let out = run_with(&nobody, &[], &args).await;
    assert_eq!(out.code, 0, "{out:?}");
    let s = Structure::parse(&std::fs::read_to_string(&file).expect("structure"));
    let tables = vrs_core::aggregate::TableId::ALL;
    assert_eq!(s.dataflows.len(), tables.len(), "{:?}", s.dataflows);
    let mut rows = 0;
    for t in tables {
        let out = fed
            .run(&[
                "releases",
                "export",
                "--format",
                "sdmx-csv",
                "--table",
                t.code(),
                "--period",
                PERIOD,
            ])
            .await;
        assert_eq!(out.code, 0, "{out:?}");
        rows += s
            .check_sdmx_csv(&out.stdout)
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        if t.code() == "MOVEMENTS" {
            let withheld = out.stdout.replacen(",6,A,F\r\n", ",,Q,D\r\n", 1);
            assert_ne!(withheld, out.stdout);
            assert_eq!(s.check_sdmx_csv(&withheld), s.check_sdmx_csv(&out.stdout));
            let altered = out.stdout.replacen(",SEA,", ",BOAT,", 1);
            assert!(
                s.check_sdmx_csv(&altered)
                    .is_err_and(|e| e.contains("METHOD=BOAT"))
            );
            let altered = out.stdout.replace("DF_MOVEMENTS", "DF_PERSONS");
            assert!(
                s.check_sdmx_csv(&altered)
                    .is_err_and(|e| e.contains("columns"))
            );
        }
    }
    assert!(rows > 100, "{rows} rows");
    assert_eq!(s.codelists["CL_AREA"]["CIV"], "Côte d'Ivoire");
    assert_eq!(s.codelists["CL_METHOD"]["SEA"], "By sea");
    assert_eq!(s.codelists["CL_ROUTE_AREA"]["_U"], "Unknown");
    assert_eq!(s.codelists["CL_SEX"]["_T"], "Total");
    assert!(s.codelists["CL_CONF_STATUS"]["D"].starts_with("Secondary"));
    let out = run_with(
        &nobody,
        &[],
        &["releases", "structure", "--format", "sdmx-json"],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    let json = out.json();
    let mut flows: Vec<&str> = json["data"]["dataflows"]
        .as_array()
        .expect("dataflows")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    flows.sort_unstable();
    assert_eq!(
        flows,
        s.dataflows.keys().map(String::as_str).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn releases_are_made_synced_listed_verified_exported_and_summed() {
    let fed = Fed::start(6).await;

    // Releasing: the admin only, a closed period only, once.
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "releases",
            "release",
            PERIOD,
            "--output",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let made = out.json();
    let made = made.as_array().expect("array");
    assert_eq!(
        made.len(),
        vrs_core::aggregate::TableId::ALL.len(),
        "{out:?}"
    );
    assert!(
        made.iter()
            .all(|r| r["origin"] == "AUS" && r["version"] == 1 && r["period"] == PERIOD),
        "{out:?}"
    );
    let again = fed
        .run(&[
            "--profile",
            "aus-admin",
            "releases",
            "release",
            PERIOD,
            "--output",
            "json",
        ])
        .await;
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json(), out.json(), "release-once: the same digests");
    let out = fed
        .run(&["--profile", "aus-admin", "releases", "release", "2026-13"])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("is not an SDMX period"), "{out:?}");
    let out = fed
        .run(&["--profile", "aus-admin", "releases", "release", "2099-M01"])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("closes on"), "{out:?}");
    for s in ["idn-admin", "tha-admin"] {
        let out = fed
            .run(&["--profile", s, "releases", "release", PERIOD])
            .await;
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(
            out.stdout.matches(PERIOD).count(),
            vrs_core::aggregate::TableId::ALL.len(),
            "{out:?}"
        );
    }

    // Wrong roles are the node's refusal: exit 3.
    for (profile, args) in [
        ("aus-fp", &["releases", "release", PERIOD][..]),
        ("roseap", &["releases", "release", PERIOD]),
        ("aus-fp", &["sync", "now"]),
        ("roseap", &["sync", "status"]),
        ("idn-fp", &["sync", "status"]),
    ] {
        let mut all = vec!["--profile", profile];
        all.extend_from_slice(args);
        let out = fed.run(&all).await;
        assert_eq!(out.code, 3, "{all:?}: {out:?}");
        // The node's refusal, or the same said before connecting.
        assert!(
            out.stderr.contains("may not call this method")
                || out.stderr.contains("needs an administrator's certificate"),
            "{out:?}"
        );
    }

    // Sync: never run yet, then one round; the records of each peer.
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "sync",
            "status",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let st = out.json();
    assert_eq!(st["peers"].as_array().map(Vec::len), Some(2), "{out:?}");
    let out = fed
        .run(&["--profile", "aus-admin", "sync", "now", "--output", "json"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let st = out.json();
    assert_eq!(st["alarms"], Value::Array(vec![]), "{out:?}");
    for p in st["peers"].as_array().expect("peers") {
        assert!(p["peer"] == "IDN" || p["peer"] == "THA", "{out:?}");
        assert_eq!(
            p["fetched"],
            vrs_core::aggregate::TableId::ALL.len(),
            "{out:?}"
        );
        assert_eq!(p["rejected"], Value::Array(vec![]), "{out:?}");
        assert!(p["last_error"].is_null(), "{out:?}");
        assert!(p["last_success"].as_str().is_some(), "{out:?}");
        assert!(p["finished"].as_str().is_some(), "{out:?}");
        assert!(p["bytes"].as_u64().unwrap_or(0) > 0, "{out:?}");
        assert_eq!(p["witnessed_size"], 7, "a key and six reports: {out:?}");
    }
    let out = fed.run(&["--profile", "aus-admin", "sync", "status"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("PEER  ENDPOINT"), "{out:?}");
    assert!(out.stdout.contains("\nIDN "), "{out:?}");
    assert!(out.stdout.contains("\nTHA "), "{out:?}");
    let out = fed
        .run(&["--profile", "aus-admin", "sync", "now", "--peer", "idn"])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    let out = fed
        .run(&["--profile", "aus-admin", "sync", "now", "--peer", "NZL"])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("NZL is not a configured peer"),
        "{out:?}"
    );
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "sync",
            "now",
            "--peer",
            "IDN",
            "--output",
            "csv",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("\nIDN,"), "{out:?}");
    assert!(!out.stdout.contains("\nTHA,"), "only IDN: {out:?}");

    // The secretariat reads every origin's releases from AUS.
    let out = fed
        .run(&["releases", "list", "--period", PERIOD, "--output", "json"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let listed = out.json();
    let listed = listed.as_array().expect("array");
    assert_eq!(
        listed.len(),
        3 * vrs_core::aggregate::TableId::ALL.len(),
        "{out:?}"
    );
    for s in STATES {
        assert_eq!(
            listed.iter().filter(|r| r["origin"] == s).count(),
            vrs_core::aggregate::TableId::ALL.len(),
            "{out:?}"
        );
    }
    let out = fed
        .run(&[
            "releases",
            "list",
            "--origin",
            "IDN",
            "--table",
            "MOVEMENTS",
            "--output",
            "csv",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with(
            "origin,table,period,version,digest,size,withheld\nIDN,MOVEMENTS,2026-M03,1,"
        ),
        "{out:?}"
    );
    assert_eq!(out.stdout.lines().count(), 2, "{out:?}");
    let out = fed.run(&["releases", "list", "--table", "MOVES"]).await;
    assert_eq!(out.code, 2, "{out:?}");

    // One release, verified under IDN's key although AUS served it, and saved.
    let saved = fed.path("idn-movements.release.json");
    let saved_s = saved.display().to_string();
    let out = fed
        .run(&[
            "releases",
            "get",
            "IDN",
            "MOVEMENTS",
            PERIOD,
            "--envelope",
            &saved_s,
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("signature VERIFIED under IDN's pinned key vrs.local/state/IDN+"),
        "{out:?}"
    );
    let got = out.json();
    assert_eq!(got[0]["origin"], "IDN", "{out:?}");
    assert_eq!(got[0]["table"], "MOVEMENTS", "{out:?}");
    assert_eq!(got[0]["version"], 1, "{out:?}");
    let out = fed
        .run(&[
            "releases",
            "get",
            "IDN",
            "MOVEMENTS",
            PERIOD,
            "--format",
            "sdmx-csv",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,"),
        "{out:?}"
    );
    assert!(out.stdout.contains("dataflow,VRS:DF_MOVEMENTS(1.0),I,IDN,"));
    let out = fed
        .run(&["releases", "get", "IDN", "MOVEMENTS", "2026-M3"])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    let out = fed
        .run(&["releases", "get", "IDN", "MOVEMENTS", "2026-M04"])
        .await;
    assert_eq!(out.code, 3, "not held: the node's refusal: {out:?}");

    // Offline, with the public key only (no profile needed), or the profile's pin.
    let idn_key = fed.vkey("IDN").to_owned();
    let out = run_with(
        &fed.path("nobody"),
        &[],
        &["releases", "verify", &saved_s, "--key", &idn_key],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("ok: IDN MOVEMENTS 2026-M03 version 1 (threshold k=5,"),
        "{out:?}"
    );
    let out = fed.run(&["releases", "verify", &saved_s]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let out = fed
        .run(&["releases", "verify", &saved_s, "--key", fed.vkey("AUS")])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("REFUSED release IDN MOVEMENTS"),
        "{out:?}"
    );
    assert!(out.stderr.contains("signature does not verify"), "{out:?}");
    let out = run_with(&fed.path("nobody"), &[], &["releases", "verify", &saved_s]).await;
    assert_eq!(out.code, 2, "no key and no profile: {out:?}");

    // Exports: verified client-side; the same bytes as the node's own export.
    let mv = fed.path("movements.csv");
    let mv_s = mv.display().to_string();
    let out = fed
        .run(&[
            "releases",
            "export",
            "--format",
            "sdmx-csv",
            "--table",
            "MOVEMENTS",
            "--period",
            PERIOD,
            "--out",
            &mv_s,
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let exported = std::fs::read_to_string(&mv).expect("export");
    let mut agg = AggregatesServiceClient::new(fed.secretariat("AUS").await);
    for (format, wire) in [
        ("sdmx-csv", pb::ExportFormat::SdmxCsv),
        ("csv", pb::ExportFormat::Csv),
        ("json", pb::ExportFormat::Json),
    ] {
        let node = agg
            .export(pb::ExportRequest {
                filter: Some(pb::ListReleasesRequest {
                    origin: String::new(),
                    table: "MOVEMENTS".into(),
                    period: PERIOD.into(),
                }),
                format: wire as i32,
            })
            .await
            .expect("export")
            .into_inner()
            .data;
        let node = String::from_utf8(node).expect("utf-8");
        let out = fed
            .run(&[
                "releases",
                "export",
                "--format",
                format,
                "--table",
                "MOVEMENTS",
                "--period",
                PERIOD,
            ])
            .await;
        assert_eq!(out.code, 0, "{out:?}");
        if format == "json" {
            let a: Value = serde_json::from_str(&node).expect("json");
            assert_eq!(out.json(), a, "{format}");
        } else {
            assert_eq!(out.stdout, node, "{format}");
        }
        if format == "sdmx-csv" {
            assert_eq!(exported, node);
        }
    }
    for s in STATES {
        assert!(
            exported.contains(&format!("dataflow,VRS:DF_MOVEMENTS(1.0),I,{s},")),
            "{exported}"
        );
    }
    check_structure(&fed).await;
    let out = fed
        .run(&["releases", "export", "--format", "csv", "--period", PERIOD])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("add --table"), "{out:?}");
    let out = fed
        .run(&["releases", "export", "--format", "json", "--period", PERIOD])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.json().as_array().map(Vec::len),
        Some(3 * vrs_core::aggregate::TableId::ALL.len()),
        "{out:?}"
    );

    // The regional table: the sum of the three verified releases.
    let expected = vrs_core::release::regional_sum(&releases_held(&fed, "AUS", "MOVEMENTS").await)
        .expect("sum");
    let out = fed
        .run(&[
            "region",
            "table",
            "--table",
            "MOVEMENTS",
            "--period",
            PERIOD,
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, expected.to_csv(), "{out:?}");
    assert!(
        out.stdout.starts_with("REGION,TIME_PERIOD,TABLE,"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("AUS+IDN+THA,2026-M03,MOVEMENTS,_T,_T,_T,EVENTS,18,false"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("the sum of 3 national release(s) (AUS v1, IDN v1, THA v1)"),
        "{out:?}"
    );
    let out = fed
        .run(&[
            "region",
            "table",
            "--table",
            "MOVEMENTS",
            "--period",
            PERIOD,
            "--format",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let j: Value = serde_json::from_str(&expected.to_json()).expect("json");
    assert_eq!(out.json(), j);
    let out = fed
        .run(&[
            "region",
            "table",
            "--table",
            "MOVEMENTS",
            "--period",
            PERIOD,
            "--states",
            "AUS,IDN",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("\r\nAUS+IDN,2026-M03,"), "{out:?}");
    let out = fed
        .run(&[
            "region",
            "table",
            "--table",
            "MOVEMENTS",
            "--period",
            PERIOD,
            "--states",
            "AUS,NZL",
        ])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("holds no release of MOVEMENTS 2026-M03 from NZL"),
        "{out:?}"
    );
    assert!(out.stdout.is_empty(), "{out:?}");

    // The one revision, then no more; readers get the latest unless they ask.
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "releases",
            "release",
            PERIOD,
            "--revise",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("AUS     MOVEMENTS   2026-M03  2"),
        "{out:?}"
    );
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "releases",
            "release",
            PERIOD,
            "--revise",
        ])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("already has its one revision"),
        "{out:?}"
    );
    let out = fed
        .run(&["releases", "get", "AUS", "MOVEMENTS", PERIOD])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()[0]["version"], 2, "{out:?}");
    assert!(out.stderr.contains("VERIFIED"), "{out:?}");
    let out = fed
        .run(&[
            "releases",
            "get",
            "AUS",
            "MOVEMENTS",
            PERIOD,
            "--version",
            "1",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()[0]["version"], 1, "{out:?}");
    let out = fed
        .run(&[
            "region",
            "table",
            "--table",
            "MOVEMENTS",
            "--period",
            PERIOD,
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("(AUS v2, IDN v1, THA v1)"), "{out:?}");
    fed.stop().await;
}

/// A relay that alters what it serves: IDN's releases have a value changed (the
/// signature no longer covers the bytes), and THA's MOVEMENTS is answered with THA's
/// PERSONS (validly signed, but not the release asked for).
struct Relay {
    upstream: tonic::transport::Channel,
}

fn alter(env: &mut pb::Envelope) {
    let mut r = pb::Release::decode(env.payload.as_slice()).expect("a release");
    let changed = r
        .cells
        .iter_mut()
        .flat_map(|c| c.observations.iter_mut())
        .find_map(|o| o.value.as_mut().map(|v| *v += 10))
        .is_some();
    assert!(changed, "IDN's release has a published value to alter");
    env.payload = r.encode_to_vec();
}

#[tonic::async_trait]
impl AggregatesService for Relay {
    async fn list_releases(
        &self,
        req: tonic::Request<pb::ListReleasesRequest>,
    ) -> Result<tonic::Response<pb::ListReleasesResponse>, tonic::Status> {
        AggregatesServiceClient::new(self.upstream.clone())
            .list_releases(req.into_inner())
            .await
    }

    async fn get_release(
        &self,
        req: tonic::Request<pb::GetReleaseRequest>,
    ) -> Result<tonic::Response<pb::GetReleaseResponse>, tonic::Status> {
        let mut r = req.into_inner();
        let origin = r.origin.clone();
        if origin == "THA" && r.table == "MOVEMENTS" {
            r.table = "PERSONS".into();
        }
        let mut resp = AggregatesServiceClient::new(self.upstream.clone())
            .get_release(r)
            .await?
            .into_inner();
        if origin == "IDN" {
            alter(resp.envelope.as_mut().expect("envelope"));
        }
        Ok(tonic::Response::new(resp))
    }

    async fn export(
        &self,
        _: tonic::Request<pb::ExportRequest>,
    ) -> Result<tonic::Response<pb::ExportResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not relayed"))
    }

    async fn release_now(
        &self,
        _: tonic::Request<pb::ReleaseNowRequest>,
    ) -> Result<tonic::Response<pb::ReleaseNowResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not relayed"))
    }

    async fn regional_table(
        &self,
        _: tonic::Request<pb::RegionalTableRequest>,
    ) -> Result<tonic::Response<pb::ExportResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not relayed"))
    }
}

/// Serves the relay with a node certificate (for `localhost`) on a free port.
async fn start_relay(
    fed: &Fed,
) -> (
    u16,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let relay = Relay {
        upstream: fed.secretariat("AUS").await,
    };
    let cert = fed.pki.issue(Identity::node("AUS")).expect("cert");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tonic::transport::Server::builder()
        .tls_config(tonic::transport::ServerTlsConfig::new().identity(
            tonic::transport::Identity::from_pem(&cert.cert_pem, &cert.key_pem),
        ))
        .expect("tls")
        .add_service(AggregatesServiceServer::new(relay));
    let task = tokio::spawn(async move {
        server
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                async {
                    let _ = rx.await;
                },
            )
            .await
            .expect("relay");
    });
    (port, tx, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_altered_or_substituted_release_is_refused() {
    let fed = Fed::start(6).await;
    fed.release_and_sync().await;
    let (port, stop, task) = start_relay(&fed).await;
    let relay = fed.endpoint(port);
    let via_relay = [("VRS_ENDPOINT", relay.as_str())];

    // What the relay does not touch verifies.
    let out = fed
        .run_env(&via_relay, &["releases", "get", "AUS", "MOVEMENTS", PERIOD])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("VERIFIED"), "{out:?}");

    let out = fed
        .run_env(&via_relay, &["releases", "get", "IDN", "MOVEMENTS", PERIOD])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "REFUSED release IDN MOVEMENTS 2026-M03 (latest version) from {relay}: its \
             signature does not verify under IDN's pinned key vrs.local/state/IDN+"
        )),
        "{out:?}"
    );
    assert!(out.stdout.is_empty(), "nothing of it is shown: {out:?}");

    let out = fed
        .run_env(&via_relay, &["releases", "get", "THA", "MOVEMENTS", PERIOD])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "REFUSED release THA MOVEMENTS 2026-M03 (latest version) from https://localhost:"
        ),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("the signed release is THA PERSONS 2026-M03 v1, not the release asked for"),
        "{out:?}"
    );

    let out = fed
        .run_env(
            &via_relay,
            &[
                "region",
                "table",
                "--table",
                "MOVEMENTS",
                "--period",
                PERIOD,
            ],
        )
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.is_empty(), "no partial table: {out:?}");
    assert!(
        out.stderr
            .contains("REFUSED release IDN MOVEMENTS 2026-M03 v1"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("REFUSED release THA MOVEMENTS 2026-M03 v1"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains(
            "no regional table of MOVEMENTS 2026-M03: 2 national release(s) missing or refused"
        ),
        "{out:?}"
    );

    let file = fed.path("export.csv");
    let file_s = file.display().to_string();
    let out = fed
        .run_env(
            &via_relay,
            &[
                "releases",
                "export",
                "--table",
                "MOVEMENTS",
                "--period",
                PERIOD,
                "--out",
                &file_s,
            ],
        )
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("2 of 3 releases refused: nothing exported"),
        "{out:?}"
    );
    assert!(!file.exists());
    let _ = stop.send(());
    task.await.expect("relay task");

    // No key pinned: shown with a warning, never summed.
    let bare = fed.path("bare.toml");
    let text = std::fs::read_to_string(fed.home.join(".config/vrs/config.toml")).expect("cfg");
    let no_keys: String = text
        .lines()
        .filter(|l| !l.starts_with("origin_keys"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&bare, &no_keys).expect("write");
    let bare_s = bare.display().to_string();
    let out = fed
        .run(&[
            "--config",
            &bare_s,
            "releases",
            "get",
            "IDN",
            "MOVEMENTS",
            PERIOD,
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("NOT verified"), "{out:?}");
    assert!(
        out.stderr.contains("pins no verifier key for IDN"),
        "{out:?}"
    );
    let out = fed
        .run(&[
            "--config",
            &bare_s,
            "region",
            "table",
            "--table",
            "MOVEMENTS",
            "--period",
            PERIOD,
        ])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("it cannot be verified"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    // A keys file that pins another key for IDN (same log name): refused.
    let keys = fed.path("federation.keys");
    let (other, _) = vrs_core::note::NoteSigner::generate("vrs.local/state/IDN").expect("key");
    std::fs::write(
        &keys,
        format!(
            "# pinned keys\nAUS {}\nIDN {}\nTHA {}\n",
            fed.vkey("AUS"),
            other.verifier_key(),
            fed.vkey("THA")
        ),
    )
    .expect("write");
    let pinned = fed.path("pinned.toml");
    std::fs::write(
        &pinned,
        format!("keys_file = \"federation.keys\"\n{no_keys}"),
    )
    .expect("write");
    let pinned_s = pinned.display().to_string();
    let out = fed
        .run(&[
            "--config",
            &pinned_s,
            "releases",
            "get",
            "AUS",
            "MOVEMENTS",
            PERIOD,
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("VERIFIED under AUS's pinned key"),
        "{out:?}"
    );
    let out = fed
        .run(&[
            "--config",
            &pinned_s,
            "releases",
            "get",
            "IDN",
            "MOVEMENTS",
            PERIOD,
        ])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("signature does not verify under IDN's pinned key"),
        "{out:?}"
    );
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_exits_1_when_a_peer_fails_or_equivocates() {
    let mut fed = Fed::start(0).await;
    let out = fed.run(&["--profile", "aus-admin", "sync", "now"]).await;
    assert_eq!(out.code, 0, "{out:?}");

    // THA goes away: its run fails, and the status says so until it succeeds again.
    let tha = fed
        .members
        .iter_mut()
        .find(|m| m.files.state == "THA")
        .expect("THA");
    let (port, files) = (tha.port, tha.files.clone());
    tha.node
        .take()
        .expect("running")
        .stop()
        .await
        .expect("stop");
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "sync",
            "now",
            "--peer",
            "THA",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    let st = out.json();
    let tha_st = &st["peers"]
        .as_array()
        .expect("peers")
        .iter()
        .find(|p| p["peer"] == "THA")
        .expect("THA")
        .clone();
    // One line in plain words, not the transport's debug form.
    let reason = tha_st["last_error"].as_str().expect("a reason");
    assert!(
        reason.contains("nothing answers there (connection refused)")
            && !reason.contains("ConnectError")
            && !reason.contains('\n'),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("the last run failed for THA ("),
        "{out:?}"
    );
    let out = fed.run(&["--profile", "aus-admin", "sync", "status"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("the last run failed for THA"),
        "{out:?}"
    );

    // Another THA log under the same key, where THA was: a split view, an alarm.
    let text = std::fs::read_to_string(&files.config).expect("config");
    let fork_data = fed.path("fork-data");
    let fork_config = fed.path("fork.toml");
    std::fs::write(
        &fork_config,
        text.replace(
            &files.data_dir.display().to_string(),
            &fork_data.display().to_string(),
        ),
    )
    .expect("write");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("THA's port again");
    let fork = LocalNode::start_on(
        &NodeFiles {
            config: fork_config,
            data_dir: fork_data,
            ..files.clone()
        },
        listener,
    )
    .await
    .expect("fork");
    let admin = fork
        .channel(
            fed.pki.ca.cert_pem(),
            &fed.pki.issue(Identity::admin("THA")).expect("cert"),
        )
        .await
        .expect("channel");
    for i in 0..3 {
        let fp =
            FocalPoint::new(&fed.pki, "THA", &format!("x{i}"), &format!("x{i}-k1")).expect("fp");
        local::register(admin.clone(), &fp).await.expect("register");
    }
    let out = fed
        .run(&["--profile", "aus-admin", "sync", "now", "--peer", "THA"])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("ALARM: "), "{out:?}");
    assert!(out.stderr.contains("alarm(s) raised"), "{out:?}");
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "sync",
            "status",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        !out.json()["alarms"].as_array().expect("alarms").is_empty(),
        "{out:?}"
    );
    fork.stop().await.expect("stop");
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_roster_published_to_one_node_is_shown_pulled_by_a_peer_and_a_forged_one_refused() {
    let fed = Fed::start(0).await;
    // The keeper signs a roster of the three nodes with `vrs roster sign`.
    let members = fed
        .members
        .iter()
        .map(|m| member(&m.files.state, &m.files.vkey, m.port, 0, 0).expect("member"))
        .collect();
    let json = serde_json::to_string_pretty(&roster("vrs.test", 1, members)).expect("json");
    std::fs::write(fed.path("roster.json"), json).expect("write");
    let (json, note, key) = (
        fed.path("roster.json"),
        fed.path("roster.note"),
        fed.path("roster-1.key"),
    );
    let (json, note, key) = (
        json.to_str().expect("utf-8"),
        note.to_str().expect("utf-8"),
        key.to_str().expect("utf-8"),
    );
    let out = fed
        .run(&["roster", "sign", json, "--key", key, "-o", note])
        .await;
    assert_eq!(out.code, 0, "{out:?}");

    // IDN holds none yet; AUS takes it.
    let out = fed.run(&["--profile", "idn-admin", "roster", "show"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("holds no roster"), "{out:?}");
    let out = fed
        .run(&["--profile", "aus-admin", "roster", "publish", note])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("now holds roster vrs.test version 1 (none held before)")
            && out.stdout.contains("vrs.test/roster/1"),
        "{out:?}"
    );
    // IDN pulls it from AUS with the night's sync, and shows it verified.
    let out = fed
        .run(&["--profile", "idn-admin", "sync", "now", "--peer", "AUS"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let vkey = fed.keeper.vkeys.clone();
    let out = fed
        .run(&[
            "--profile",
            "idn-admin",
            "roster",
            "show",
            "--keys",
            vkey.to_str().expect("utf-8"),
            "-o",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let shown = out.json();
    assert_eq!(shown["version"], 1);
    assert_eq!(shown["members"].as_array().map(Vec::len), Some(3));
    assert!(out.stderr.contains("verified: 1 of 1"), "{out:?}");

    // A roster signed by a key the nodes do not pin is refused, and nothing changes.
    let out = fed
        .run(&[
            "roster",
            "keygen",
            "--name",
            "vrs.test/roster/stranger",
            "--out",
            fed.path("stranger").to_str().expect("utf-8"),
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let forged = fed.path("forged.note");
    let stranger = fed.path("stranger.key");
    let text = std::fs::read_to_string(fed.path("roster.json"))
        .expect("json")
        .replace("\"version\": 1", "\"version\": 2");
    std::fs::write(fed.path("roster2.json"), text).expect("write");
    let out = fed
        .run(&[
            "roster",
            "sign",
            fed.path("roster2.json").to_str().expect("utf-8"),
            "--key",
            stranger.to_str().expect("utf-8"),
            "-o",
            forged.to_str().expect("utf-8"),
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let out = fed
        .run(&[
            "--profile",
            "aus-admin",
            "roster",
            "publish",
            forged.to_str().expect("utf-8"),
        ])
        .await;
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("pinned roster key"), "{out:?}");
    let out = fed
        .run(&["--profile", "aus-admin", "roster", "show", "-o", "json"])
        .await;
    assert_eq!(out.json()["version"], 1, "{out:?}");
    fed.stop().await;
}
