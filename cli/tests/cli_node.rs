//! The `vrs` binary against real nodes: each test starts a node in-process on a free
//! loopback port with a throw-away PKI, and runs the binary as a user does, with HOME
//! and every variable pointing into a temporary directory.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vrs_client::pki::Identity;
use vrs_local::{self as local, LocalNode, NodeFiles, Pki};

mod common;

use common::{Out, run_with, run_with_input, write_identity};

/// A node of THA with an admin, a focal point `fp1` (key `fp1-k1`, registered), a
/// secretariat, and a client configuration with a profile for each.
struct Fed {
    dir: tempfile::TempDir,
    pki: Pki,
    files: NodeFiles,
    node: LocalNode,
    home: PathBuf,
    receipts: PathBuf,
}

impl Fed {
    async fn start() -> Fed {
        let dir = tempfile::tempdir().expect("tmp");
        let pki = Pki::create(&dir.path().join("pki")).expect("pki");
        let files = local::node_files(&pki, "THA", None, "").expect("node files");
        let node = LocalNode::start(&files).await.expect("node");
        let home = dir.path().join("home");
        let fed = Fed {
            receipts: dir.path().join("receipts"),
            dir,
            pki,
            files,
            node,
            home,
        };
        let (admin_crt, admin_key) = fed.identity("admin", Identity::admin("THA"));
        let (fp_crt, fp_key) = fed.identity("fp1", Identity::focal_point("THA", "fp1"));
        let (sec_crt, sec_key) = fed.identity("sec", Identity::secretariat("ROSEAP"));
        let signing = fed.dir.path().join("fp1-k1.key");
        let (key, _) = vrs_client::keyfile::generate(&signing, "fp1-k1").expect("signing key");
        let profile = |name: &str, crt: &Path, key: &Path, signing: Option<&Path>| {
            format!(
                "[profiles.{name}]\nendpoint = \"https://localhost:{port}\"\nca = \"{ca}\"\n\
                 cert = \"{crt}\"\nkey = \"{key}\"\n{signing}vkey = \"{vkey}\"\n\n",
                port = fed.node.addr.port(),
                ca = fed.pki.ca_path().display(),
                crt = crt.display(),
                key = key.display(),
                signing = signing
                    .map(|s| format!("signing_key = \"{}\"\n", s.display()))
                    .unwrap_or_default(),
                vkey = fed.files.vkey,
            )
        };
        let config = format!(
            "default_profile = \"fp\"\n\n{}{}{}",
            profile("fp", &fp_crt, &fp_key, Some(&signing)),
            profile("admin", &admin_crt, &admin_key, Some(&signing)),
            profile("auditor", &sec_crt, &sec_key, None),
        );
        let cfg_dir = fed.home.join(".config").join("vrs");
        std::fs::create_dir_all(&cfg_dir).expect("mkdir");
        std::fs::write(cfg_dir.join("config.toml"), config).expect("config");

        let admin = fed
            .node
            .channel(
                fed.pki.ca.cert_pem(),
                &fed.pki.issue(Identity::admin("THA")).expect("cert"),
            )
            .await
            .expect("admin channel");
        let fp = local::FocalPoint {
            state: "THA".into(),
            id: "fp1".into(),
            cert: fed
                .pki
                .issue(Identity::focal_point("THA", "fp1"))
                .expect("cert"),
            key,
        };
        local::register(admin, &fp).await.expect("register fp1-k1");
        fed
    }

    fn identity(&self, name: &str, id: Identity) -> (PathBuf, PathBuf) {
        write_identity(self.dir.path(), name, &self.pki.issue(id).expect("issue"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    }

    async fn run(&self, args: &[&str]) -> Out {
        self.run_env(&[], args).await
    }

    async fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Out {
        self.run_input(env, args, None).await
    }

    async fn run_input(&self, env: &[(&str, &str)], args: &[&str], input: Option<&str>) -> Out {
        let state = self.dir.path().join("state");
        let mut all = vec![("XDG_STATE_HOME", state.to_str().expect("utf-8"))];
        all.extend_from_slice(env);
        run_with_input(&self.home, &all, args, input).await
    }

    async fn submit(&self, profile: &str, files: &[&str]) -> Out {
        let receipts = self.receipts.display().to_string();
        let mut args = vec!["--profile", profile, "submit", "--receipts", &receipts];
        args.extend_from_slice(files);
        self.run(&args).await
    }
}

const REPORT_ID: &str = "6f1c1a7e-8d52-4b7e-9a43-2f8d5e1b0c11";

fn document(extra: &str) -> String {
    format!(
        r#"{{{extra}"agency": "BORDER_POLICE", "observed_on": "2026-03-04", "body": {{"document": {{"detected_on": "2026-03-04", "document_type": "PASSPORT", "issuing_country": "MYS", "fraud_type": "COUNTERFEIT_OR_ALTERED", "purpose": "ENTRY", "holder_citizenship": "IRN", "count": 2}}}}}}"#
    )
}

fn movement(count: u32) -> String {
    format!(
        r#"{{"agency": "COAST_GUARD", "observed_on": "2026-03-02", "body": {{"movement": {{"detected_on": "2026-03-02", "place_type": "SEA", "direction": "ENTRY", "method": "SEA", "sub_method": "SMALL_BOAT", "route": [{{"from_country": "MMR", "to_country": "THA", "transport_mode": "SEA"}}], "persons": [{{"citizenship": "MMR", "sex": "M", "age_band": "Y18T29", "count": {count}}}], "unaccompanied_minors": 0, "deaths": 0, "injuries": 0, "smuggling_involved": "Y", "aggravating": []}}}}}}"#
    )
}

const SMUGGLER: &str = r#"{"agency": "POLICE", "observed_on": "2026-03-02", "body": {"smuggler": {"sex": "M", "age_band": "Y30T44", "citizenship": "MMR", "roles": ["GUIDE"], "also_migrant": "N", "organised_group": "_U"}}}"#;

/// The receipts under `dir` (fanned out in directories of two characters).
fn receipt_files(dir: &Path) -> Vec<PathBuf> {
    let entries = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut v: Vec<PathBuf> = entries(dir)
        .iter()
        .filter(|p| p.is_dir())
        .flat_map(|d| entries(d))
        .filter(|p| p.extension().is_some_and(|e| e == "tlog-proof"))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_without_a_config_is_told_what_to_create() {
    let home = tempfile::tempdir().expect("tmp");
    for args in [&["list"][..], &["submit", "x.json"], &["health"]] {
        let out = run_with(home.path(), &[], args).await;
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr
                .contains(".config/vrs/config.toml does not exist"),
            "{out:?}"
        );
        assert!(out.stderr.contains("[profiles.default]"), "{out:?}");
        assert!(out.stderr.contains("VRS_ENDPOINT"), "{out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
        assert!(!out.stderr.contains("Backtrace"), "{out:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    let fed = Fed::start().await;
    for args in [
        &["submit"][..],
        &["get", "not-a-uuid"],
        &["list", "--agency", "NAVY"],
        &["list", "--output", "xml"],
        &["keys", "new", "--key-id", "bad id"],
        &["nonsense"],
    ] {
        let out = fed.run(args).await;
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
    }
    let out = fed.run(&["submit", "--help"]).await;
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Example: vrs submit"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_reports_every_refused_line_and_field_and_submits_the_rest() {
    let fed = Fed::start().await;
    let ndjson = fed.write(
        "reports.ndjson",
        &format!(
            "{}\n{{\"agency\": \"POLICE\",\n{}\n\n{}\n",
            document(""),
            movement(0),
            SMUGGLER
        ),
    );
    let csv = fed.write(
        "fees.csv",
        "record_type,agency,observed_on,route[0].from_country,route[0].to_country,route[0].transport_mode,amount,currency,basis,payment_mode,body.fee.observed_on\n\
         fee,POLICE,2026-03-05,MMR,THA,LAND,350000,USD,PER_PERSON,UPFRONT,2026-03-05\n\
         fee,POLICE,2026-03-05,MMR,THA,LAND,350000,ZZZ,PER_PERSON,UPFRONT,2026-03-05\n",
    );
    let out = fed.submit("fp", &[&ndjson, &csv]).await;
    assert_eq!(out.code, 3, "{out:?}");
    // The bad line, with its line number.
    assert!(out.stderr.contains("reports.ndjson:2"), "{out:?}");
    assert!(out.stderr.contains("not JSON"), "{out:?}");
    // The bad field, with its path.
    assert!(out.stderr.contains("reports.ndjson:3"), "{out:?}");
    assert!(
        out.stderr.contains("body.movement.persons[0].count"),
        "{out:?}"
    );
    assert!(out.stderr.contains("fees.csv:3"), "{out:?}");
    assert!(
        out.stderr.contains("body.fee.currency = \"ZZZ\""),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("6 record(s): 3 accepted, 0 already logged, 3 rejected, 0 failed"),
        "{out:?}"
    );
    assert_eq!(out.stdout.matches(" accepted ").count(), 3, "{out:?}");

    // Every accepted record has a receipt that verifies offline.
    let receipts = receipt_files(&fed.receipts);
    assert_eq!(receipts.len(), 3, "{receipts:?}");
    for r in &receipts {
        let entry = r.with_extension("entry");
        let out = fed
            .run(&[
                "receipt",
                "verify",
                r.to_str().expect("utf-8"),
                "--entry",
                entry.to_str().expect("utf-8"),
                "--key",
                &fed.files.vkey,
            ])
            .await;
        assert_eq!(out.code, 0, "{out:?}");
    }

    let out = fed.run(&["list", "--output", "json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let listed: Value = serde_json::from_str(&out.stdout).expect("json");
    let types: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types.len(), 3, "{listed}");
    for t in ["document", "smuggler", "fee"] {
        assert!(types.contains(&t), "{listed}");
    }
    let out = fed.run(&["list", "--type", "fee", "--output", "csv"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("report_id,version,type,agency,observed_from,log_index\n"),
        "{out:?}"
    );
    assert_eq!(out.stdout.lines().count(), 2, "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nodes_field_violations_reach_the_user() {
    let fed = Fed::start().await;
    // Valid for local validation; refused by the node: the key named in the payload is
    // not the one that signed, and the State is not the certificate's.
    let file = fed.write(
        "r.ndjson",
        &format!(
            "{}\n{}\n",
            document(r#""key_id": "fp1-k9", "#),
            document(r#""reporting_state": "IDN", "#)
        ),
    );
    let out = fed.submit("fp", &[&file]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("r.ndjson:1"), "{out:?}");
    assert!(
        out.stderr.contains(
            "key_id: payload names key fp1-k9 but the envelope is signed with key fp1-k1"
        ),
        "{out:?}"
    );
    assert!(out.stderr.contains("r.ndjson:2"), "{out:?}");
    assert!(
        out.stderr
            .contains("reporting_state IDN does not match the submitter's State THA"),
        "{out:?}"
    );
    assert!(receipt_files(&fed.receipts).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_key_is_refused() {
    let fed = Fed::start().await;
    let file = fed.write("d.json", &document(""));
    assert_eq!(fed.submit("fp", &[&file]).await.code, 0);

    let out = fed
        .run(&[
            "--profile",
            "admin",
            "keys",
            "revoke",
            "fp1-k1",
            "--reason",
            "compromised",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let rows: Value = serde_json::from_str(&out.stdout).expect("json");
    assert!(rows[0]["revoked_at"].as_u64().is_some(), "{out:?}");

    // A new record (the one logged is answered from the outbox, without the node).
    let file = fed.write("d2.json", &document("\"version\": 1, "));
    let out = fed.submit("fp", &[&file]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("key fp1-k1 of focal point fp1 was revoked at log index"),
        "{out:?}"
    );
    // Revoking again is refused too, with the field at fault.
    let out = fed
        .run(&["--profile", "admin", "keys", "revoke", "fp1-k1"])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("key_id: key fp1-k1 was already revoked"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_role_is_refused() {
    let fed = Fed::start().await;
    // A focal point may not administer keys.
    let out = fed.run(&["--profile", "fp", "keys", "list"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("managing keys needs an administrator's certificate; your certificate")
            && out
                .stderr
                .contains("is for vrs://state/THA/focal-point/fp1"),
        "{out:?}"
    );
    // An admin may not submit, even with a focal point's signing key.
    let file = fed.write("d.json", &document(r#""focal_point_id": "fp1", "#));
    let out = fed.submit("admin", &[&file]).await;
    assert_eq!(out.code, 3, "{out:?}");
    // (Said before anything is signed; the node's own refusal is tests/tests/node.rs'.)
    assert!(
        out.stderr
            .contains("signing reports needs a focal point's certificate"),
        "{out:?}"
    );
    // A secretariat may read the log but not the reports.
    let out = fed.run(&["--profile", "auditor", "list"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    let out = fed
        .run(&["--profile", "auditor", "log", "checkpoint"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_amend_retract_and_prove() {
    let fed = Fed::start().await;
    let file = fed.write(
        "m.json",
        &movement(12).replacen('{', &format!("{{\"report_id\": \"{REPORT_ID}\", "), 1),
    );
    let out = fed.submit("fp", &[&file]).await;
    assert_eq!(out.code, 0, "{out:?}");

    // get prints the JSON form, which amend reads back.
    let entry_v1 = fed.path("v1.entry");
    let receipt_v1 = fed.path("v1.tlog-proof");
    let out = fed
        .run(&[
            "get",
            REPORT_ID,
            "--entry",
            entry_v1.to_str().expect("utf-8"),
            "--receipt",
            receipt_v1.to_str().expect("utf-8"),
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("version 1 of 1"), "{out:?}");
    assert!(out.stderr.contains("receipt verified"), "{out:?}");
    let mut v: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["reporting_state"], "THA");
    assert_eq!(v["key_id"], "fp1-k1");
    v["body"]["movement"]["injuries"] = 3.into();
    let amended = fed.write("amended.json", &v.to_string());
    let receipts = fed.receipts.display().to_string();
    let out = fed.run(&["amend", &amended, "--receipts", &receipts]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(" 2 "), "{out:?}");

    let out = fed.run(&["get", REPORT_ID]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let v2: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["body"]["movement"]["injuries"], 3);
    assert_eq!(v2["supersedes"].as_str().map(str::len), Some(64));

    let out = fed
        .run(&["retract", REPORT_ID, "--receipts", &receipts])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let out = fed.run(&["get", REPORT_ID]).await;
    let v3: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["status"], "RETRACTED");
    assert!(v3.get("body").is_none(), "{v3}");
    let out = fed.run(&["get", REPORT_ID, "--version", "1"]).await;
    let again: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(again["body"]["movement"]["injuries"], 0);
    let out = fed
        .run(&["list", "--type", "retracted", "--output", "csv"])
        .await;
    assert!(out.stdout.contains(REPORT_ID), "{out:?}");
    let out = fed
        .run(&["get", "00000000-0000-4000-8000-000000000999"])
        .await;
    assert_eq!(out.code, 3, "not found is the node's refusal: {out:?}");

    // The first version is still in the log, and the log grew consistently since.
    let out = fed
        .run(&["log", "prove", "--entry", entry_v1.to_str().expect("utf-8")])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("(verified)"), "{out:?}");
    let out = fed
        .run(&["log", "consistency", receipt_v1.to_str().expect("utf-8")])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("consistent: tree 4 of vrs.local/state/THA extends tree 2"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_new_register_and_rotate() {
    let fed = Fed::start().await;
    let k2 = fed.path("fp1-k2.key");
    let out = fed
        .run(&[
            "keys",
            "new",
            "--key-id",
            "fp1-k2",
            "--out",
            k2.to_str().expect("utf-8"),
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let mode = std::fs::metadata(&k2).expect("key").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let public = format!("{}.pub", k2.display());
    let out = fed
        .run(&[
            "--profile",
            "admin",
            "keys",
            "rotate",
            "--focal-point",
            "fp1",
            "--old",
            "fp1-k1",
            &public,
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let out = fed
        .run(&["--profile", "admin", "keys", "list", "--output", "csv"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("fp1-k1,fp1,0,2,"), "{out:?}");
    assert!(out.stdout.contains("fp1-k2,fp1,1,,"), "{out:?}");

    let file = fed.write("d.json", &document(""));
    let receipts = fed.receipts.display().to_string();
    let k2s = k2.display().to_string();
    let out = fed
        .run_env(
            &[("VRS_SIGNING_KEY", &k2s)],
            &["submit", "--receipts", &receipts, &file],
        )
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    // The same file again is answered from the outbox (logged already); another
    // record signed with the old key is refused.
    let out = fed.submit("fp", &[&file]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("1 already logged"), "{out:?}");
    let other = fed.write("d2.json", &document("\"version\": 1, "));
    assert_eq!(fed.submit("fp", &[&other]).await.code, 3, "the old key");

    // A key file others can read is refused before anything is sent.
    std::fs::set_permissions(&k2, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = fed
        .run_env(
            &[("VRS_SIGNING_KEY", &k2s)],
            &["submit", "--receipts", &receipts, &file],
        )
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("chmod 600"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_checkpoint() {
    let fed = Fed::start().await;
    let out = fed.run(&["health"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.matches("SERVING").count(), 2, "{out:?}");
    let out = fed.checkpoint().await;
    assert_eq!(out.code, 0, "{out:?}");
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v[0]["origin"], "vrs.local/state/THA");
    assert_eq!(v[0]["size"], 1);
    assert_eq!(v[0]["verified"], true);
    // A wrong verifier key is caught.
    let (other, _) = vrs_core::note::NoteSigner::generate("vrs.local/state/THA").expect("key");
    let out = fed
        .run_env(
            &[("VRS_VKEY", &other.verifier_key())],
            &["log", "checkpoint"],
        )
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("does not verify"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_keeps_the_last_checkpoint_and_catches_a_forked_log() {
    let fed = Fed::start().await;
    let f = &fed;
    let audit = move |node: &'static str| async move { f.run(&["audit", "--node", node]).await };
    let out = audit("auditor").await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("first seen"), "{out:?}");
    let file = fed.write("d.json", &document(""));
    assert_eq!(fed.submit("fp", &[&file]).await.code, 0);
    let out = audit("auditor").await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("consistent"), "{out:?}");
    let out = audit("auditor").await;
    assert!(out.stdout.contains("unchanged"), "{out:?}");

    // A second node with the same signing key and another history: a split view.
    let text = std::fs::read_to_string(&fed.files.config).expect("config");
    let fork_data = fed.path("fork-data");
    let fork_config = fed.path("fork.toml");
    std::fs::write(
        &fork_config,
        text.replace(
            &fed.files.data_dir.display().to_string(),
            &fork_data.display().to_string(),
        ),
    )
    .expect("write");
    let fork = LocalNode::start(&NodeFiles {
        config: fork_config,
        data_dir: fork_data,
        ..fed.files.clone()
    })
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
        let fp = local::FocalPoint::new(&fed.pki, "THA", &format!("x{i}"), &format!("x{i}-k1"))
            .expect("fp");
        local::register(admin.clone(), &fp).await.expect("register");
    }
    let endpoint = format!("https://localhost:{}", fork.addr.port());
    let out = fed
        .run_env(
            &[("VRS_ENDPOINT", &endpoint)],
            &["audit", "--node", "auditor"],
        )
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("INCONSISTENT"), "{out:?}");
    assert!(
        out.stdout.contains("tree 3 does not extend tree 2"),
        "{out:?}"
    );
    let evidence = fed
        .path("state")
        .join("vrs")
        .join("checkpoints")
        .join(format!(
            "vrs.local_state_THA+{}.checkpoint.inconsistent-3",
            fed.files.vkey.split('+').nth(1).expect("key id")
        ));
    assert!(evidence.exists(), "{evidence:?}");
    // The node itself is still consistent with what was kept.
    let out = audit("auditor").await;
    assert_eq!(out.code, 0, "{out:?}");
    fork.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn pki_init_makes_a_federation_the_deploy_configs_run_on() {
    let home = tempfile::tempdir().expect("tmp");
    let fed = home.path().join("fed");
    let fed_s = fed.display().to_string();
    let out = run_with(
        home.path(),
        &[],
        &[
            "pki",
            "init",
            "--federation",
            &fed_s,
            "--states",
            "THA,AUS",
            "--secretariat",
            "ROSEAP",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("NOT for production"), "{out:?}");
    let readme = std::fs::read_to_string(fed.join("README.txt")).expect("readme");
    assert!(readme.contains("NOT FOR PRODUCTION"), "{readme}");
    let mode = |p: &str| {
        std::fs::metadata(fed.join(p))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    for secret in [
        "ca/ca.key",
        "nodes/AUS/node-signing.key",
        "nodes/AUS/tls/node.key",
        "nodes/THA/tls/node.key",
        "clients/aus-admin/client.key",
        "clients/aus-fp1/client.key",
        "clients/aus-fp1/signing.key",
        "clients/roseap/client.key",
    ] {
        assert_eq!(mode(secret), 0o600, "{secret}");
    }
    assert_eq!(mode("ca/ca.crt"), 0o644);
    // The federation's keys, for verifying releases, and each node's peers.
    let keys = std::fs::read_to_string(fed.join("federation.keys")).expect("keys");
    for s in ["AUS", "THA"] {
        let vkey = std::fs::read_to_string(fed.join(format!("nodes/{s}/node.vkey"))).expect("vkey");
        assert!(keys.contains(&format!("\n{s} {}", vkey.trim())), "{keys}");
    }
    let peers = std::fs::read_to_string(fed.join("nodes/AUS/peers.toml")).expect("peers");
    assert!(
        peers.contains("[[peers]]\nstate = \"THA\"\nendpoint = \"https://localhost:7401\""),
        "{peers}"
    );
    assert!(!peers.contains("state = \"AUS\""), "{peers}");
    let profiles = std::fs::read_to_string(fed.join("vrs.toml")).expect("profiles");
    assert!(
        profiles.contains("\nkeys_file = \"federation.keys\"\n"),
        "{profiles}"
    );
    let again = run_with(
        home.path(),
        &[],
        &["pki", "init", "--federation", &fed_s, "--states", "AUS"],
    )
    .await;
    assert_eq!(again.code, 1, "{again:?}");
    assert!(
        again.stderr.contains("already holds a federation"),
        "{again:?}"
    );

    // The example node configuration runs on these files.
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy");
    let config = fed.join("nodes/AUS/vrs-node.toml");
    std::fs::copy(deploy.join("federation/aus/vrs-node.toml"), &config).expect("copy");
    std::fs::copy(
        deploy.join("federation/roseap/roseap.toml"),
        fed.join("roseap.toml"),
    )
    .expect("copy");
    let vkey = std::fs::read_to_string(fed.join("nodes/AUS/node.vkey")).expect("vkey");
    let node = LocalNode::start(&NodeFiles {
        state: "AUS".into(),
        config,
        data_dir: fed.join("nodes/AUS/data"),
        vkey: vkey.trim().to_owned(),
    })
    .await
    .expect("node from deploy/federation/aus");
    let endpoint = format!("https://localhost:{}", node.addr.port());
    let state = home.path().join("state");
    let env = [
        ("VRS_ENDPOINT", endpoint.as_str()),
        ("XDG_STATE_HOME", state.to_str().expect("utf-8")),
    ];
    let cfg = fed.join("vrs.toml").display().to_string();
    let public = fed
        .join("clients/aus-fp1/signing.key.pub")
        .display()
        .to_string();
    let out = run_with(
        home.path(),
        &env,
        &[
            "--config",
            &cfg,
            "--profile",
            "aus-admin",
            "keys",
            "register",
            "--focal-point",
            "aus-fp1",
            &public,
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");

    // The example reports of deploy/examples are all accepted.
    let receipts = home.path().join("receipts").display().to_string();
    let mut args = vec![
        "--config",
        &cfg,
        "--profile",
        "aus-fp1",
        "submit",
        "--receipts",
        &receipts,
    ];
    let examples: Vec<String> = ["movement.json", "reports.ndjson", "fees.csv"]
        .iter()
        .map(|f| deploy.join("examples").join(f).display().to_string())
        .collect();
    args.extend(examples.iter().map(String::as_str));
    let out = run_with(home.path(), &env, &args).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("6 record(s): 6 accepted"), "{out:?}");

    let roseap = fed.join("roseap.toml").display().to_string();
    let out = run_with(
        home.path(),
        &env,
        &["--config", &roseap, "audit", "--node", "aus"],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("vrs.example/state/AUS"), "{out:?}");

    let out = run_with(
        home.path(),
        &[],
        &[
            "pki",
            "issue",
            "--federation",
            &fed_s,
            "--focal-point",
            "AUS/aus-fp2",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(mode("clients/aus-fp2/client.key"), 0o600);
    assert_eq!(mode("clients/aus-fp2/signing.key"), 0o600);
    node.stop().await.expect("stop");
}

/// The outbox: a file submitted while the node is unreachable is journalled; submitted
/// again it is logged once; submitted a third time every line is answered as already
/// logged (no report id in the file, so without the journal each run would log new
/// reports).
#[tokio::test(flavor = "multi_thread")]
async fn a_file_submitted_again_is_logged_exactly_once() {
    let fed = Fed::start().await;
    let file = fed.write(
        "batch.ndjson",
        &format!("{}\n{}\n{}\n", document(""), document(""), movement(3)),
    );
    let receipts = fed.receipts.display().to_string();
    let args = [
        "--profile",
        "fp",
        "submit",
        "--retries",
        "0",
        "--receipts",
        &receipts,
        &file,
    ];
    let down = [("VRS_ENDPOINT", "https://localhost:1")];
    let out = fed.run_env(&down, &args).await;
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("3 failed"), "{out:?}");
    assert!(out.stderr.contains("queued in the outbox"), "{out:?}");
    let status = fed
        .run(&["--profile", "fp", "outbox", "status", "--output", "json"])
        .await;
    assert_eq!(
        status.json().as_array().map(Vec::len),
        Some(3),
        "{status:?}"
    );

    let out = fed.run(&args).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("3 record(s): 3 accepted, 0 already logged"),
        "{out:?}"
    );
    let out = fed.run(&args).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("3 record(s): 0 accepted, 3 already logged"),
        "{out:?}"
    );
    let listed = fed.run(&["list", "--output", "json"]).await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    let status = fed
        .run(&["--profile", "fp", "outbox", "status", "--output", "json"])
        .await;
    assert_eq!(
        status.json().as_array().map(Vec::len),
        Some(0),
        "{status:?}"
    );
    assert!(
        status.stderr.contains("0 pending, 3 acknowledged"),
        "{status:?}"
    );
    let out = fed.run(&["--profile", "fp", "outbox", "clear"]).await;
    assert_eq!(out.code, 0, "{out:?}");
}

/// `--dry-run` validates by the node's rules and sends nothing; `-` reads standard
/// input (NDJSON here), through the outbox like a file.
#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_sends_nothing_and_standard_input_is_a_file() {
    let fed = Fed::start().await;
    let bad = document("").replace("\"count\": 2", "\"count\": 0");
    let text = format!("{}\n{bad}\n{}\n", document(""), movement(4));
    let file = fed.write("batch.ndjson", &text);
    let receipts = fed.receipts.display().to_string();
    let out = fed
        .run(&["submit", "--dry-run", "--receipts", &receipts, &file])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("3 record(s): 2 valid, 1 rejected; nothing sent (--dry-run)"),
        "{out:?}"
    );
    assert!(out.stderr.contains("batch.ndjson:2"), "{out:?}");
    assert!(receipt_files(&fed.receipts).is_empty());
    let listed = fed.run(&["list", "--output", "json"]).await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed}");
    let status = fed.run(&["outbox", "status", "--output", "json"]).await;
    assert_eq!(
        status.json().as_array().map(Vec::len),
        Some(0),
        "{status:?}"
    );

    let good = format!("{}\n{}\n", document(""), movement(4));
    let args = ["submit", "--receipts", &receipts, "-"];
    let out = fed.run_input(&[], &args, Some(&good)).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("2 record(s): 2 accepted"), "{out:?}");
    let out = fed.run_input(&[], &args, Some(&good)).await;
    assert!(
        out.stderr
            .contains("2 record(s): 0 accepted, 2 already logged"),
        "{out:?}"
    );
}

/// Connection failures say what happened and what to do, not the library's words.
#[tokio::test(flavor = "multi_thread")]
async fn connection_failures_are_said_in_plain_words() {
    let fed = Fed::start().await;
    let down = fed
        .run_env(&[("VRS_ENDPOINT", "https://localhost:1")], &["health"])
        .await;
    assert_ne!(down.code, 0, "{down:?}");
    assert!(
        down.stderr
            .contains("no node answers at https://localhost:1 (is it running?"),
        "{down:?}"
    );
    assert!(!down.stderr.contains("os error"), "{down:?}");

    // A profile that trusts another CA than the node's.
    let other = Pki::create(&fed.dir.path().join("other")).expect("other pki");
    let other_ca = other.ca_path().display().to_string();
    let out = fed.run_env(&[("VRS_CA", &other_ca)], &["health"]).await;
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("is not the one the profile trusts")
            && out
                .stderr
                .contains("check `ca` and the endpoint in the profile"),
        "{out:?}"
    );
}

/// A certificate or key the node would refuse is caught before connecting, in one
/// sentence that says what to do; a private key others can read is warned about.
#[tokio::test]
async fn credentials_are_checked_before_connecting() {
    let fed = Fed::start().await;
    let fp = Identity::focal_point("THA", "fp1");
    let issue = |name: &str, from: i64, until: i64| {
        let issued = fed
            .pki
            .ca
            .issue_valid(&fp, &[], from, until)
            .expect("issue");
        write_identity(fed.dir.path(), name, &issued)
    };
    let with = |crt: &Path, key: &Path| {
        [
            ("VRS_CERT", crt.display().to_string()),
            ("VRS_KEY", key.display().to_string()),
        ]
    };
    let run = |env: [(&'static str, String); 2], args: &'static [&'static str]| {
        let fed = &fed;
        async move {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            fed.run_env(&env, args).await
        }
    };
    let refused = |out: &Out, words: &[&str]| {
        assert!(out.code == 1 || out.code == 3, "{out:?}");
        for w in words {
            assert!(out.stderr.contains(w), "{w:?} not said: {out:?}");
        }
        assert_eq!(out.stderr.lines().count(), 1, "one sentence: {out:?}");
    };

    let (crt, key) = issue("expired", -3 * 86_400, -86_400);
    let out = run(with(&crt, &key), &["health"]).await;
    refused(
        &out,
        &[
            "your certificate",
            "expired on 20",
            "ask your operator for a new one",
        ],
    );

    let (crt, key) = issue("early", 86_400, 2 * 86_400);
    let out = run(with(&crt, &key), &["health"]).await;
    refused(&out, &["is not valid until 20", "clock"]);

    let (crt, _) = issue("good", -60, 86_400);
    let (_, other_key) = fed.identity("other", Identity::focal_point("THA", "fp2"));
    let out = run(with(&crt, &other_key), &["health"]).await;
    refused(
        &out,
        &[
            "is not the key of the certificate",
            "check `key` and `cert`",
        ],
    );

    // The admin's profile signs nothing: refused before anything is signed or queued.
    let file = fed.write("m.json", &movement(3));
    let out = fed.submit("admin", &[&file]).await;
    assert_eq!(out.code, 3, "a refusal: {out:?}");
    refused(
        &out,
        &[
            "signing reports needs a focal point's certificate",
            "is for vrs://state/THA/admin",
        ],
    );
    let listed = fed.run(&["list", "--output", "json"]).await;
    assert_eq!(
        listed.json().as_array().map(Vec::len),
        Some(0),
        "{listed:?}"
    );

    // A key others can read works, with a warning naming the fix.
    let (crt, key) = issue("open", -60, 86_400);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = run(with(&crt, &key), &["health"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("can be read by others (mode 0644)")
            && out.stderr.contains("chmod 600"),
        "{out:?}"
    );
}

impl Fed {
    /// `vrs` with `args`, in this federation's environment, not yet started.
    fn command(&self, args: &[&str]) -> tokio::process::Command {
        self.command_of(common::BIN, args)
    }

    /// `program` with `args`, in this federation's environment, not yet started.
    fn command_of(&self, program: &str, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    }

    /// `vrs log checkpoint -o json` as the auditor.
    async fn checkpoint(&self) -> Out {
        self.run(&["--profile", "auditor", "log", "checkpoint", "-o", "json"])
            .await
    }

    /// The size of the node's log, by its latest checkpoint.
    async fn log_size(&self) -> u64 {
        let out = self.checkpoint().await;
        out.json()[0]["size"]
            .as_u64()
            .unwrap_or_else(|| panic!("{out:?}"))
    }
}

fn movements(n: usize) -> String {
    (0..n)
        .map(|i| movement(1 + (i % 7) as u32) + "\n")
        .collect()
}

/// Ctrl-C part-way through a bulk file stops cleanly with the summary so far; the same
/// command run again sends only the rest, and every line is logged exactly once with a
/// receipt.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_bulk_run_and_its_rerun_log_every_line_once() {
    const LINES: usize = 600;
    let fed = Fed::start().await;
    let base = fed.log_size().await;
    let file = fed.write("bulk.ndjson", &movements(LINES));
    let receipts = fed.receipts.display().to_string();
    let args = ["submit", "--jobs", "1", "--receipts", &receipts, &file];
    let child = fed.command(&args).spawn().expect("spawn vrs submit");
    let pid = child.id().expect("pid").to_string();
    // Interrupt once the node has logged some of the file (a condition, not a delay).
    let mut seen = base;
    while seen < base + 20 {
        tokio::task::yield_now().await;
        seen = fed.log_size().await;
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let out = child.wait_with_output().await.expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("interrupted; what was not sent stays in the outbox"),
        "{stderr}"
    );
    let summary = stderr
        .lines()
        .find(|l| l.contains("record(s):"))
        .expect("summary");
    assert!(
        summary.starts_with(&format!("vrs: {LINES} record(s): ")),
        "{summary}"
    );
    let logged = fed.log_size().await - base;
    assert!(
        logged > 0 && logged < LINES as u64,
        "{logged} of {LINES}: {stderr}"
    );
    assert!(
        summary.contains(&format!("{logged} accepted")),
        "{summary} but {logged} logged"
    );

    let again = fed.run(&args).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stderr.contains(&format!(
            "{LINES} record(s): {} accepted, {logged} already logged, 0 rejected, 0 failed",
            LINES as u64 - logged
        )),
        "{again:?}"
    );
    assert_eq!(fed.log_size().await, base + LINES as u64);
    assert_eq!(receipt_files(&fed.receipts).len(), LINES);
}

/// `--rejects` writes the refused rows with their errors; fixed, that file goes through.
#[tokio::test(flavor = "multi_thread")]
async fn refused_rows_come_back_in_a_rejects_file_ready_to_resubmit() {
    let fed = Fed::start().await;
    let csv = "record_type,agency,observed_on,detected_on,document_type,issuing_country,fraud_type,purpose,holder_citizenship,count\n\
               document,BORDER_POLICE,2026-03-04,2026-03-04,PASSPORT,MYS,COUNTERFEIT_OR_ALTERED,ENTRY,IRN,2\n\
               document,NAVY,2026-03-04,2026-03-04,PASSPORT,MYS,COUNTERFEIT_OR_ALTERED,ENTRY,IRN,1\n\
               document,POLICE,2026-03-04,2026-03-04,PASSPORT,MYS,COUNTERFEIT_OR_ALTERED,ENTRY,IRN,3\n";
    let file = fed.write("docs.csv", csv);
    let rejects = fed.path("rejects.csv");
    let receipts = fed.receipts.display().to_string();
    let rejects_arg = rejects.display().to_string();
    let submit = |file: String| {
        let (fed, receipts, rejects) = (&fed, receipts.clone(), rejects_arg.clone());
        async move {
            fed.run(&[
                "submit",
                "--receipts",
                &receipts,
                "--rejects",
                &rejects,
                &file,
            ])
            .await
        }
    };
    let out = submit(file.clone()).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("1 refused record(s) written to"),
        "{out:?}"
    );
    let text = std::fs::read_to_string(&rejects).expect("rejects file");
    let rows = vrs_client::bulk::parse_csv(&text).expect("csv");
    assert_eq!(rows.len(), 2, "{text}");
    let header = &rows[0].1;
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(rows[1].1[at("agency")], "NAVY");
    assert_eq!(rows[1].1[at("_source")], format!("{file}:3"));
    assert!(
        rows[1].1[at("_errors")].starts_with("agency = \"NAVY\": "),
        "{text}"
    );

    std::fs::write(&rejects, text.replace("NAVY", "POLICE")).expect("fix");
    let out = submit(rejects_arg.clone()).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("1 record(s): 1 accepted"), "{out:?}");
    let listed = fed.run(&["list", "--output", "json"]).await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    // A page says that it is one.
    let page = fed.run(&["list", "--limit", "2", "-o", "json"]).await;
    assert_eq!(page.json().as_array().map(Vec::len), Some(2), "{page:?}");
    assert!(
        page.stderr
            .contains("the first 2 matching reports are shown and more match"),
        "{page:?}"
    );
    let all = fed.run(&["list", "--all", "-o", "csv"]).await;
    assert_eq!(all.stdout.lines().count(), 4, "{all:?}");
    assert!(all.stderr.is_empty(), "{all:?}");
}

/// On a terminal the bar advances while submissions are in flight (`script` gives
/// `vrs` a pseudo-terminal; what it drew is read back); on a pipe it draws nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_progress_bar_moves_on_a_terminal_and_is_absent_on_a_pipe() {
    const LINES: usize = 300;
    let fed = Fed::start().await;
    let file = fed.write("bulk.ndjson", &movements(LINES));
    let receipts = fed.receipts.display().to_string();
    let line = format!(
        "{} submit --jobs 1 --receipts {receipts} {file} > /dev/null",
        common::BIN
    );
    let mut script = fed.command_of("script", &["-q", "-e", "-c", &line, "/dev/null"]);
    script
        .env("TERM", "xterm")
        .env("COLUMNS", "120")
        .env("LINES", "40");
    let out = script.output().await.expect("script");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    let counts: Vec<usize> = screen
        .match_indices("submitting ")
        .filter_map(|(i, _)| {
            let rest = &screen[i + "submitting ".len()..];
            let (done, total) = rest.split_once('/')?;
            let total: String = total.chars().take_while(char::is_ascii_digit).collect();
            (total == LINES.to_string()).then(|| done.parse().ok())?
        })
        .collect();
    assert!(
        counts.iter().any(|&c| c > 0 && c < LINES),
        "no bar drawn part-way: {counts:?}\n{screen}"
    );
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    assert!(
        screen.contains(&format!("{LINES} record(s): {LINES} accepted")),
        "{screen}"
    );

    let piped = fed.write("more.ndjson", &movements(5));
    let out = fed.submit("fp", &[&piped]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("submitting"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_is_published_by_the_admin_replaced_only_by_newer_and_read_by_everyone() {
    let fed = Fed::start().await;
    // The template is the file to fill in; as written it names no State.
    let template = fed.path("directory.json");
    let t = template.display().to_string();
    let out = fed
        .run(&["template", "directory", "--state", "THA", "--out", &t])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let mut d: Value =
        serde_json::from_str(&std::fs::read_to_string(&template).expect("read")).expect("json");
    // A focal point may read but not publish.
    let out = fed
        .run(&["--profile", "fp", "directory", "publish", &t])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("publishing the directory needs an administrator"),
        "{out:?}"
    );
    let out = fed
        .run(&[
            "--profile",
            "admin",
            "directory",
            "publish",
            &t,
            "-o",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["version"], 1, "{out:?}");
    // The same version again, and an older one, are refused: the node keeps version 1.
    let out = fed
        .run(&["--profile", "admin", "directory", "publish", &t])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("directory.version"), "{out:?}");
    // A mistake is refused with its field before anything is sent.
    let mut bad = d.clone();
    bad["version"] = 2.into();
    bad["entries"][0]["languages"] = serde_json::json!(["en", "english"]);
    bad["entries"][0]["contacts"][0]["value"] = "<script>".into();
    let b = fed.write("bad.json", &bad.to_string());
    let out = fed
        .run(&["--profile", "admin", "directory", "publish", &b])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    for field in ["entries[0].languages[1]", "entries[0].contacts[0].value"] {
        assert!(out.stderr.contains(field), "{field}: {out:?}");
    }
    // Version 2 withdraws the first entry and adds a law-enforcement contact in Thai.
    let mut police = d["entries"][0].clone();
    police["id"] = "police-ahtd".into();
    police["kind"] = "law_enforcement_contact".into();
    police["competences"] = serde_json::json!(["smuggling_of_migrants"]);
    police["languages"] = serde_json::json!(["th", "en"]);
    d["version"] = 2.into();
    d["entries"] = serde_json::json!([police]);
    let v2 = fed.write("v2.json", &d.to_string());
    let out = fed
        .run(&["--profile", "admin", "directory", "publish", &v2])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    // Every role reads it: a focal point and a secretariat alike.
    for profile in ["fp", "auditor"] {
        let out = fed
            .run(&["--profile", profile, "directory", "list", "-o", "json"])
            .await;
        assert_eq!(out.code, 0, "{out:?}");
        let rows = out.json();
        assert_eq!(rows.as_array().map(Vec::len), Some(1), "{out:?}");
        assert_eq!(rows[0]["state"], "THA");
        assert_eq!(rows[0]["version"], 2);
        assert_eq!(rows[0]["entries"], 1);
    }
    let search = |args: &'static [&'static str]| {
        let fed = &fed;
        async move {
            let mut all = vec!["directory", "search", "-o", "json"];
            all.extend_from_slice(args);
            let out = fed.run(&all).await;
            assert_eq!(out.code, 0, "{out:?}");
            out.json()
                .as_array()
                .expect("array")
                .iter()
                .map(|e| e["id"].as_str().expect("id").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search(&["--language", "th"]).await, ["police-ahtd"]);
    assert_eq!(
        search(&[
            "--kind",
            "law_enforcement_contact",
            "--competence",
            "smuggling_of_migrants"
        ])
        .await,
        ["police-ahtd"]
    );
    assert!(
        search(&["--competence", "trafficking_in_persons"])
            .await
            .is_empty()
    );
    assert!(
        search(&["--language", "fr"]).await.is_empty(),
        "the withdrawn entry's language"
    );
    let out = fed
        .run(&["directory", "search", "--language", "english"])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    let out = fed.run(&["directory", "show", "THA"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("police-ahtd") && !out.stdout.contains("mla-central-authority"),
        "{out:?}"
    );
}
